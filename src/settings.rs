//! Flags that several commands share, and their validation into settings (`*Config`) before any
//! AWS call: names, the role ARN, the region. Pure: no I/O except what `aws-config` reads.

use std::fmt;
use std::time::Duration;

use anyhow::{bail, Context};
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use clap::Args;

/// Where AWS is: region, profile, endpoint. Credentials come from the standard chain.
#[derive(Debug, Clone, Default, Args)]
pub struct RemoteArgs {
    /// AWS region (default: the standard chain: AWS_REGION, the profile's `region`).
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,
    /// Named profile from ~/.aws/config and ~/.aws/credentials.
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// Send every AWS call to this endpoint instead (moto, LocalStack, `faqctl local`).
    /// Without it, the SDK's own AWS_ENDPOINT_URL and the per-service AWS_ENDPOINT_URL_LAMBDA,
    /// AWS_ENDPOINT_URL_API_GATEWAY and AWS_ENDPOINT_URL_CLOUDWATCH_LOGS are honoured.
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Target a running `faqctl local` (http://127.0.0.1:4566, or FAQCTL_LOCAL_ENDPOINT) with
    /// dummy credentials and region us-east-1 unless --region is given.
    #[arg(long, global = true, conflicts_with_all = ["endpoint_url", "profile"])]
    pub local: bool,
    /// How long a call refused by an API Gateway account quota keeps waiting, as AWS asks in
    /// Retry-After (DeleteRestApi: 1 per 30 s, UpdateAccount: 1 per 20 s per account), e.g.
    /// `3m`, `90s`.
    #[arg(long, global = true, value_name = "DURATION", env = "FAQCTL_QUOTA_WAIT", value_parser = humantime::parse_duration)]
    pub quota_wait: Option<Duration>,
}

/// `--quota-wait`'s default: room for several deletions queued in the same account.
pub const DEFAULT_QUOTA_WAIT: Duration = Duration::from_secs(180);

/// Attempts of one AWS call (the first plus retries) on throttling, 5xx and dropped
/// connections.
pub const MAX_ATTEMPTS: u32 = 8;

/// Where `--local` sends requests.
pub fn local_endpoint() -> String {
    std::env::var("FAQCTL_LOCAL_ENDPOINT")
        .ok()
        .filter(|e| !e.is_empty())
        .unwrap_or_else(|| format!("http://127.0.0.1:{}", crate::local::DEFAULT_PORT))
}

/// The names of what faqctl manages.
#[derive(Debug, Clone, Args)]
pub struct NameArgs {
    /// The Lambda function's name.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "FAQ",
        env = "FAQCTL_FUNCTION_NAME"
    )]
    pub function_name: String,
    /// The REST API's name (found again by this name and the tag managed-by=faqctl).
    #[arg(
        long,
        value_name = "NAME",
        default_value = "FAQ-API",
        env = "FAQCTL_API_NAME"
    )]
    pub api_name: String,
    /// The stage the API is deployed to.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "myDeployment",
        env = "FAQCTL_STAGE"
    )]
    pub stage: String,
}

/// Validated names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    pub function: String,
    pub api: String,
    pub stage: String,
}

impl NameArgs {
    pub fn resolve(&self) -> anyhow::Result<Names> {
        check_function_name(&self.function_name)?;
        check_api_name(&self.api_name)?;
        check_stage_name(&self.stage)?;
        Ok(Names {
            function: self.function_name.clone(),
            api: self.api_name.clone(),
            stage: self.stage.clone(),
        })
    }
}

impl Names {
    /// The function's log group, where Lambda writes by default.
    pub fn log_group(&self) -> String {
        format!("/aws/lambda/{}", self.function)
    }
}

/// The tag that marks what faqctl created, so that it is found again and never duplicated.
pub const MANAGED_BY: (&str, &str) = ("managed-by", "faqctl");

fn check_function_name(name: &str) -> anyhow::Result<()> {
    let ok = (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !ok {
        bail!("--function-name {name:?} is not a valid Lambda function name: use 1 to 64 letters, digits, `-` or `_`");
    }
    Ok(())
}

fn check_api_name(name: &str) -> anyhow::Result<()> {
    let ok = (1..=128).contains(&name.chars().count()) && !name.chars().any(char::is_control);
    if !ok || name.trim() != name {
        bail!("--api-name {name:?} is not a valid REST API name: use 1 to 128 printable characters, without leading or trailing spaces");
    }
    Ok(())
}

fn check_stage_name(name: &str) -> anyhow::Result<()> {
    let ok = (1..=128).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !ok {
        bail!(
            "--stage {name:?} is not a valid stage name: use 1 to 128 letters, digits, `-` or `_`"
        );
    }
    Ok(())
}

/// Checks `arn:aws:iam::<12 digits>:role/<path/name>` (any partition).
pub fn check_role_arn(arn: &str) -> anyhow::Result<()> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let ok = parts.len() == 6
        && parts[0] == "arn"
        && (parts[1] == "aws" || parts[1].starts_with("aws-"))
        && parts[2] == "iam"
        && parts[3].is_empty()
        && parts[4].len() == 12
        && parts[4].chars().all(|c| c.is_ascii_digit())
        && parts[5].strip_prefix("role/").is_some_and(|name| {
            !name.is_empty()
                && !name.ends_with('/')
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c))
        });
    if !ok {
        bail!("--role-arn {arn:?} is not an IAM role ARN: expected arn:aws:iam::<12-digit account>:role/<name>, e.g. arn:aws:iam::123456789012:role/lambda-basic-execution");
    }
    Ok(())
}

/// The account an ARN belongs to (its fifth field).
pub fn arn_account(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

fn check_region(region: &str) -> anyhow::Result<()> {
    // us-east-1, eu-central-2, ap-southeast-4, us-gov-west-1, cn-north-1, il-central-1,
    // eusc-de-east-1 (the European Sovereign Cloud), …
    let parts: Vec<&str> = region.split('-').collect();
    let ok = parts.len() >= 3
        && (2..=4).contains(&parts[0].len())
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].parse::<u8>().is_ok();
    if !ok {
        bail!("region {region:?} is not an AWS region name such as us-east-1 or ap-northeast-2: fix --region, AWS_REGION or the profile's `region`");
    }
    Ok(())
}

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
        }
    }

    /// The distinct endpoints in use.
    fn in_use(&self) -> Vec<&str> {
        let mut urls: Vec<&str> = [&self.lambda, &self.apigateway, &self.logs]
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
            // Throttling (API Gateway's control plane is 1 CreateDeployment per 5 s) is retried
            // by the SDK with backoff; give it room to get through.
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
            check_endpoint_url(url)?;
            loader = loader.endpoint_url(url);
        }
        let sdk = loader.load().await;
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
        Ok(AwsConfig {
            sdk,
            region,
            endpoints,
            quota_wait: self.quota_wait.unwrap_or(DEFAULT_QUOTA_WAIT),
        })
    }
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

fn check_endpoint_url(url: &str) -> anyhow::Result<()> {
    let ok = (url.starts_with("http://") || url.starts_with("https://"))
        && url.split("://").nth(1).is_some_and(|rest| !rest.is_empty());
    if !ok {
        bail!("--endpoint-url {url:?} is not a URL: expected e.g. http://127.0.0.1:4566");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns_are_checked_for_shape() {
        for good in [
            "arn:aws:iam::123456789012:role/lambda-basic-execution",
            "arn:aws:iam::123456789012:role/service-role/FAQ-role-x1y2",
            "arn:aws-cn:iam::123456789012:role/r",
        ] {
            check_role_arn(good).unwrap();
        }
        for bad in [
            "",
            "lambda-role",
            "arn:aws:iam::12345:role/r",
            "arn:aws:iam::123456789012:user/bob",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:s3:::123456789012:role/r",
            "arn:aws:iam:us-east-1:123456789012:role/r",
            "arn:aws:iam::123456789012:role/has space",
        ] {
            let error = check_role_arn(bad).unwrap_err().to_string();
            assert!(error.starts_with("--role-arn"), "{bad}: {error}");
            assert!(error.contains("arn:aws:iam::<12-digit account>:role/<name>"));
        }
    }

    #[test]
    fn names_are_checked_before_any_call() {
        let names = |f: &str, a: &str, s: &str| {
            NameArgs {
                function_name: f.into(),
                api_name: a.into(),
                stage: s.into(),
            }
            .resolve()
        };
        assert_eq!(
            names("FAQ", "FAQ-API", "myDeployment").unwrap().log_group(),
            "/aws/lambda/FAQ"
        );
        for (f, a, s, flag) in [
            ("F A Q", "FAQ-API", "myDeployment", "--function-name"),
            (
                &"x".repeat(65),
                "FAQ-API",
                "myDeployment",
                "--function-name",
            ),
            ("FAQ", "", "myDeployment", "--api-name"),
            ("FAQ", " FAQ", "myDeployment", "--api-name"),
            ("FAQ", "FAQ-API", "my/stage", "--stage"),
            ("FAQ", "FAQ-API", "", "--stage"),
        ] {
            let error = names(f, a, s).unwrap_err().to_string();
            assert!(error.starts_with(flag), "{error}");
        }
    }

    #[test]
    fn regions_are_checked_for_shape() {
        for good in [
            "us-east-1",
            "ap-northeast-2",
            "us-gov-west-1",
            "eu-central-2",
            "cn-north-1",
            "eusc-de-east-1",
        ] {
            check_region(good).unwrap();
        }
        for bad in [
            "useast1",
            "us-east",
            "US-EAST-1",
            "mars-north-1x",
            "u-east-1",
        ] {
            assert!(check_region(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_account_is_read_from_an_arn() {
        assert_eq!(
            arn_account("arn:aws:lambda:us-east-1:123456789012:function:FAQ"),
            Some("123456789012")
        );
        assert_eq!(arn_account("nope"), None);
    }
}
