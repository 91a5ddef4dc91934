//! SigV4 for a stage URL (service `execute-api`): the headers that sign a request with the
//! caller's credentials (the SDK's chain), for a method authorized by IAM (`--auth iam`).

use std::time::SystemTime;

use anyhow::Context;
use aws_credential_types::provider::ProvideCredentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;

use super::AwsConfig;

/// The headers (`authorization`, `x-amz-date`, and `x-amz-security-token` for a session) that
/// sign a GET of `url` with the caller's credentials; `None` when there are none to sign with.
pub async fn signed_get_headers(
    aws: &AwsConfig,
    url: &str,
) -> anyhow::Result<Option<Vec<(String, String)>>> {
    let Some(provider) = aws.sdk.credentials_provider() else {
        return Ok(None);
    };
    let Ok(credentials) = provider.provide_credentials().await else {
        return Ok(None);
    };
    let identity = credentials.into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(&aws.region)
        .name("execute-api")
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .context("cannot sign the request")?;
    let signable = SignableRequest::new("GET", url, std::iter::empty(), SignableBody::Bytes(&[]))
        .with_context(|| format!("cannot sign a GET of {url}"))?;
    let (instructions, _) = sign(signable, &params.into())
        .with_context(|| format!("cannot sign a GET of {url}"))?
        .into_parts();
    Ok(Some(
        instructions
            .headers()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect(),
    ))
}
