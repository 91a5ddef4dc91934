//! The AWS connection: the standard chain (`aws-config`) with faqctl's overrides (region,
//! profile, endpoint, `--local`), retry and timeout settings, each service's endpoint resolved
//! as the SDK resolves it, and a fail-fast reachability check of a custom endpoint. The only
//! place that loads AWS configuration; `settings` stays pure.

use std::fmt;
use std::time::Duration;

use anyhow::{bail, Context};
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};

use crate::settings::{check_region, local_endpoint, RemoteArgs};

/// Attempts of one AWS call (the first plus retries) on throttling, 5xx and dropped
/// connections.
pub const MAX_ATTEMPTS: u32 = 8;

/// `--quota-wait`'s default: room for several deletions queued in the same account.
pub const DEFAULT_QUOTA_WAIT: Duration = Duration::from_secs(180);

/// The resolved AWS connection: one `SdkConfig` for every client, and the region in plain text.
#[derive(Clone)]
pub struct AwsConfig {
    pub sdk: SdkConfig,
    pub region: String,
    /// Where each service's calls go, when not to AWS itself.
    pub endpoints: Endpoints,
    pub quota_wait: Duration,
}

/// Each service's endpoint, resolved as the SDK resolves it: `--endpoint-url` (or `--local`)
/// for all; else `AWS_ENDPOINT_URL_{SERVICE}` (or a profile's `services` section); else
/// `AWS_ENDPOINT_URL` (or the profile's `endpoint_url`); else AWS (`None`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Endpoints {
    pub lambda: Option<String>,
    pub apigateway: Option<String>,
    pub logs: Option<String>,
    pub cloudwatch: Option<String>,
}

impl Endpoints {
    fn resolve(sdk: &SdkConfig, flag: Option<&str>) -> Endpoints {
        let service = |service_id: &str| -> Option<String> {
            if let Some(url) = flag {
                return Some(url.to_string());
            }
            // The SDK's own lookup (the service clients' `From<&SdkConfig>` makes the same one).
            let key = aws_types::service_config::ServiceConfigKey::builder()
                .service_id(service_id)
                .env("AWS_ENDPOINT_URL")
                .profile("endpoint_url")
                .build()
                .ok()?;
            sdk.service_config()
                .and_then(|config| config.load_config(key))
                .or_else(|| sdk.endpoint_url().map(str::to_string))
        };
        Endpoints {
            lambda: service("Lambda"),
            apigateway: service("API Gateway"),
            logs: service("CloudWatch Logs"),
            cloudwatch: service("CloudWatch"),
        }
    }

    /// The distinct endpoints in use.
    fn in_use(&self) -> Vec<&str> {
        let mut urls: Vec<&str> = [&self.lambda, &self.apigateway, &self.logs, &self.cloudwatch]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        urls.sort_unstable();
        urls.dedup();
        urls
    }
}

impl fmt::Debug for AwsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the SdkConfig: it holds the credentials provider.
        f.debug_struct("AwsConfig")
            .field("region", &self.region)
            .field("endpoints", &self.endpoints)
            .finish()
    }
}

impl RemoteArgs {
    /// Loads the standard chain with these overrides and checks that a region was found.
    pub async fn load(&self) -> anyhow::Result<AwsConfig> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .http_client(https_client())
            // Throttling is retried by the SDK with backoff; give it room to get through (the
            // quotas it cannot outlast, CreateDeployment's included, go through `retry_quota`).
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(MAX_ATTEMPTS)
                    .with_initial_backoff(crate::aws::retry_base_delay())
                    .with_max_backoff(Duration::from_secs(10)),
            )
            // An unreachable endpoint fails fast instead of hanging.
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(3))
                    .operation_attempt_timeout(Duration::from_secs(60))
                    .build(),
            );
        let mut endpoint_url = self.endpoint_url.clone();
        let endpoint_from = if self.local && endpoint_url.is_none() {
            "FAQCTL_LOCAL_ENDPOINT (used by --local)"
        } else {
            "--endpoint-url"
        };
        if self.local {
            // The local cloud checks no signature: any credentials do, and none may exist here.
            endpoint_url = endpoint_url.or_else(|| Some(local_endpoint()));
            loader = loader
                .credentials_provider(aws_sdk_lambda::config::Credentials::new(
                    "test",
                    "test",
                    None,
                    None,
                    "faqctl-local",
                ))
                .region(Region::new(
                    self.region
                        .clone()
                        .unwrap_or_else(|| crate::local::DEFAULT_REGION.into()),
                ));
        }
        if let Some(region) = &self.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(profile) = &self.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(url) = &endpoint_url {
            check_endpoint_url(url, endpoint_from)?;
            loader = loader.endpoint_url(url);
        }
        let mut sdk = loader.load().await;
        // The services' calls (not the credential providers', which may reach AWS's SSO or STS
        // over TLS) go to a plain-HTTP endpoint.
        if endpoint_url
            .as_deref()
            .is_some_and(|url| url.starts_with("http://"))
        {
            sdk = sdk.to_builder().http_client(plain_http_client()?).build();
        }
        // FAQCTL_RECORD: the services' calls only (the credential providers keep the client
        // they were built with).
        if let (Some(client), Some(_)) = (sdk.http_client(), super::record::requested()) {
            sdk = sdk
                .to_builder()
                .http_client(super::record::wrap(client)?)
                .build();
        }
        let region = sdk
            .region()
            .map(|r| r.to_string())
            .context("no AWS region is set: pass --region us-east-1, set AWS_REGION, or run `aws configure set region us-east-1`")?;
        check_region(&region)?;
        // The flag, --local, or the SDK's own AWS_ENDPOINT_URL[_SERVICE].
        let endpoints = Endpoints::resolve(&sdk, endpoint_url.as_deref());
        for url in endpoints.in_use() {
            check_reachable(url, self.local).await?;
        }
        if endpoints.lambda.is_none() {
            check_region_resolves(&region).await?;
        }
        Ok(AwsConfig {
            sdk,
            region,
            endpoints,
            quota_wait: self.quota_wait.unwrap_or(DEFAULT_QUOTA_WAIT),
        })
    }
}

impl AwsConfig {
    /// Whether Lambda's endpoint is a `faqctl local` (its admin API answers its health): a
    /// development build may go there.
    pub async fn is_local_cloud(&self) -> bool {
        let Some(endpoint) = &self.endpoints.lambda else {
            return false;
        };
        // reqwest takes rustls' process default provider (Cargo.toml): ring, as the SDK's.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let Ok(client) = reqwest::Client::builder()
            .timeout(Duration::from_secs(3))
            .build()
        else {
            return false;
        };
        let response = client
            .get(format!("{}/_faqctl/health", endpoint.trim_end_matches('/')))
            .header(
                "authorization",
                "AWS4-HMAC-SHA256 Credential=faqctl/20260101/us-east-1/faqctl/aws4_request, SignedHeaders=host, Signature=0",
            )
            .send()
            .await;
        match response {
            Ok(r) if r.status() == 200 => r.bytes().await.is_ok_and(|body| {
                serde_json::from_slice::<serde_json::Value>(&body)
                    .is_ok_and(|v| v["status"] == "running")
            }),
            _ => false,
        }
    }
}

/// The SDK's HTTPS client: its default one (hyper 1.x, rustls, the machine's root
/// certificates, proxies from `HTTPS_PROXY` / `NO_PROXY`), with ring as rustls' cryptography
/// instead of aws-lc, whose C build was the longest single step of a fresh build.
fn https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::{proxy::ProxyConfig, tls, Builder, ConnectorBuilder};
    Builder::new().build_with_connector_fn(|settings, components| {
        let mut connector = ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ));
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.set_proxy_config(Some(ProxyConfig::from_env()));
        connector.build()
    })
}

/// The SDK's HTTP client for an `http://` endpoint (the local cloud, moto): the default one
/// without the machine's root certificates, which it would otherwise read and parse from
/// /etc/ssl/certs at start — about 10 ms of a no-op redeploy's 35 ms here — for connections
/// that never use TLS.
fn plain_http_client() -> anyhow::Result<aws_smithy_runtime_api::client::http::SharedHttpClient> {
    use aws_smithy_http_client::tls;
    let context = tls::TlsContext::builder()
        .with_trust_store(tls::TrustStore::empty())
        .build()
        .context("building the HTTP client")?;
    Ok(aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .tls_context(context)
        .build_https())
}

/// Fails fast, naming the URL, when nothing listens at a custom endpoint (instead of the SDK
/// retrying a refused connection for half a minute).
async fn check_reachable(url: &str, local: bool) -> anyhow::Result<()> {
    let authority = url
        .split("://")
        .nth(1)
        .unwrap_or_default()
        .split('/')
        .next()
        .unwrap_or_default();
    let default_port = if url.starts_with("https://") { 443 } else { 80 };
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || authority.starts_with('[') => {
            match port.parse::<u16>() {
                Ok(port) => (host.trim_matches(['[', ']']).to_string(), port),
                Err(_) => (authority.trim_matches(['[', ']']).to_string(), default_port),
            }
        }
        _ => (authority.trim_matches(['[', ']']).to_string(), default_port),
    };
    let connect = tokio::net::TcpStream::connect((host.as_str(), port));
    let hint = if local {
        "start it with `faqctl local` in another terminal (or set FAQCTL_LOCAL_ENDPOINT)"
    } else {
        "check --endpoint-url / AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE>, and that the emulator is running"
    };
    match tokio::time::timeout(Duration::from_secs(3), connect).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => bail!("cannot reach {url}: {e}; {hint}"),
        Err(_) => bail!("cannot reach {url}: no answer within 3 s; {hint}"),
    }
}

/// A region name of the right shape that AWS does not serve (`eu-west-10`) would have the SDK
/// retry a failing DNS lookup for seconds: one lookup of Lambda's host says so at once.
async fn check_region_resolves(region: &str) -> anyhow::Result<()> {
    let host = format!(
        "lambda.{region}.{}",
        crate::partition::Partition::of(region).dns_suffix
    );
    let lookup = tokio::net::lookup_host((host.clone(), 443));
    match tokio::time::timeout(Duration::from_secs(5), lookup).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => bail!(
            "region {region}: {host} does not resolve ({e}): either {region} is not a region AWS serves (check --region, AWS_REGION or the profile's `region`; e.g. eu-west-1), or this machine has no DNS"
        ),
        Err(_) => bail!(
            "region {region}: looking up {host} took over 5 s: check this machine's DNS and network"
        ),
    }
}

/// The endpoint's URL is a URL; `from` names where it came from (the flag, or
/// FAQCTL_LOCAL_ENDPOINT for `--local`).
fn check_endpoint_url(url: &str, from: &str) -> anyhow::Result<()> {
    let ok = (url.starts_with("http://") || url.starts_with("https://"))
        && url.split("://").nth(1).is_some_and(|rest| !rest.is_empty());
    if !ok {
        bail!("{from} {url:?} is not a URL: expected e.g. http://127.0.0.1:4566");
    }
    Ok(())
}
