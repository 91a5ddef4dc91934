//! Flags that several commands share, and their validation into settings before any AWS call:
//! names, the role ARN, the region. Pure: no I/O (loading the AWS configuration and checking
//! the endpoint is `aws::config`'s).

use std::fmt;
use std::time::Duration;

use anyhow::bail;
use clap::Args;

/// Where AWS is: region, profile, endpoint. Credentials come from the standard chain.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Global options")]
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

/// The instruction set the function runs on: Lambda's `Architectures`, the Rust target the
/// bootstrap is built for, and the ELF machine the check before upload expects.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    clap::ValueEnum,
    serde::Serialize,
    serde::Deserialize,
)]
pub enum Arch {
    // 64-bit x86, Lambda's default.
    #[default]
    #[value(name = "x86_64")]
    #[serde(rename = "x86_64")]
    X86_64,
    // 64-bit ARM, AWS Graviton2: about 20 % cheaper per GB-second.
    #[value(name = "arm64")]
    #[serde(rename = "arm64")]
    Arm64,
}

impl Arch {
    /// The name in Lambda's `Architectures` (and on the command line).
    pub fn lambda_name(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::Arm64 => "arm64",
        }
    }

    /// The Rust target the bootstrap is built for.
    pub fn rust_target(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64-unknown-linux-gnu",
            Arch::Arm64 => "aarch64-unknown-linux-gnu",
        }
    }

    /// The architecture of the machine faqctl runs on, if Lambda has it.
    pub fn host() -> Option<Arch> {
        match std::env::consts::ARCH {
            "x86_64" => Some(Arch::X86_64),
            "aarch64" => Some(Arch::Arm64),
            _ => None,
        }
    }
}

impl std::fmt::Display for Arch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.lambda_name())
    }
}

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
    /// The function's alias users reach it through: the API invokes it, and a deploy moves
    /// it to a new version only after that version passed the gate.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "live",
        env = "FAQCTL_ALIAS"
    )]
    pub alias: String,
}

/// Strings that are easily swapped get a type each: a function name cannot be passed where a
/// stage name or an API id is wanted. Each derefs to `str` for reading.
macro_rules! string_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl From<&$name> for String {
            fn from(value: &$name) -> String {
                value.0.clone()
            }
        }

        #[cfg(test)]
        impl From<&str> for $name {
            fn from(value: &str) -> $name {
                $name(value.to_string())
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}

string_type!(
    /// A Lambda function's name, checked (1–64 of `[A-Za-z0-9_-]`).
    FunctionName
);
string_type!(
    /// A REST API's name, checked (1–128 printable characters).
    ApiName
);
string_type!(
    /// A stage's name, checked (1–128 of `[A-Za-z0-9_-]`).
    StageName
);
string_type!(
    /// A REST API's id, as API Gateway answered it.
    RestApiId
);

impl RestApiId {
    /// An id read from AWS (API Gateway makes them; faqctl never does).
    pub fn from_aws(id: &str) -> RestApiId {
        RestApiId(id.to_string())
    }
}

/// Validated names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    pub function: FunctionName,
    pub api: ApiName,
    pub stage: StageName,
    /// The alias users reach the function through.
    pub alias: String,
}

impl NameArgs {
    pub fn resolve(&self) -> anyhow::Result<Names> {
        check_function_name(&self.function_name)?;
        check_api_name(&self.api_name)?;
        check_stage_name(&self.stage)?;
        check_alias_name(&self.alias)?;
        Ok(Names {
            function: FunctionName(self.function_name.clone()),
            api: ApiName(self.api_name.clone()),
            stage: StageName(self.stage.clone()),
            alias: self.alias.clone(),
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

/// The tag with which faqctl marks when (ms since the epoch) it created a REST API. API
/// Gateway's createdDate has one-second resolution: two deploys that race to create the API
/// can make two in the same second, and every reader must agree, at any moment, which one is
/// the original. This settles it for good (the one serving a stage does not: that changes as
/// the racing deploys go on, so each could keep its own and delete the other's).
pub const CREATED_TAG: &str = "faqctl-created";

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

/// An alias name as Lambda's model allows it: 1 to 128 of `[A-Za-z0-9_-]`, not all digits
/// (that would be a version number).
fn check_alias_name(name: &str) -> anyhow::Result<()> {
    let ok = (1..=128).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && !name.chars().all(|c| c.is_ascii_digit());
    if !ok {
        bail!(
            "--alias {name:?} is not a valid alias name: use 1 to 128 letters, digits, `-` or `_`, not all digits (a number names a version)"
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

/// The web origins allowed to fetch the FAQ from a browser (`--cors-origin`), in the exact
/// form a browser sends in `Origin` (`https://faq.example.com`, `http://localhost:8080`):
/// sorted, without duplicates. Empty: no CORS at all, the API answers no preflight. `*` alone
/// allows every origin.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CorsOrigins(Vec<String>);

impl CorsOrigins {
    /// Checks each origin and puts it in the browser's form: lowercase scheme and host, no
    /// default port (`https://Example.com:443` is `https://example.com`). A path, query,
    /// credentials or another scheme than http(s) is refused, naming the value: a browser
    /// never sends them in `Origin`, so such an entry could never match.
    pub fn parse(values: &[String]) -> anyhow::Result<CorsOrigins> {
        let mut origins = Vec::new();
        for value in values {
            if value == "*" {
                origins.push(value.clone());
                continue;
            }
            let invalid = |why: &str| {
                anyhow::anyhow!(
                    "--cors-origin {value:?} is not a web origin: {why}; write it as a browser sends it in the Origin header, scheme://host[:port] with nothing after, e.g. https://www.example.com or http://localhost:8080 (or * for any origin)"
                )
            };
            let url = url::Url::parse(value).map_err(|e| invalid(&e.to_string()))?;
            if !matches!(url.scheme(), "http" | "https") {
                return Err(invalid("only http and https pages have an origin to allow"));
            }
            if !url.username().is_empty() || url.password().is_some() {
                return Err(invalid("it has credentials"));
            }
            if url.query().is_some() || url.fragment().is_some() {
                return Err(invalid("it has a query or fragment"));
            }
            let rest = value.split_once("://").map_or("", |(_, rest)| rest);
            if rest.contains('/') {
                return Err(invalid("it has a path (even a trailing /)"));
            }
            origins.push(url.origin().ascii_serialization());
        }
        origins.sort();
        origins.dedup();
        if origins.len() > 1 && origins.iter().any(|o| o == "*") {
            bail!("--cors-origin * allows every origin, so it cannot be combined with other origins ({}): pass either * alone or the origins to allow", origins.iter().filter(|o| *o != "*").cloned().collect::<Vec<_>>().join(", "));
        }
        Ok(CorsOrigins(origins))
    }

    /// The origins, sorted.
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value of the function's `FAQ_CORS_ORIGINS` variable: the origins, comma-separated.
    pub fn to_env(&self) -> String {
        self.0.join(",")
    }
}

/// The account an ARN belongs to (its fifth field).
pub fn arn_account(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

pub fn check_region(region: &str) -> anyhow::Result<()> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traffic_forms_are_read_with_minutes_or_units_and_give_their_steps() {
        let minute = Duration::from_secs(60);
        assert_eq!("all-at-once".parse(), Ok(Traffic::AllAtOnce));
        assert_eq!(Traffic::AllAtOnce.steps(), vec![]);
        let canary: Traffic = "canary:10:5".parse().unwrap();
        assert_eq!(canary.steps(), vec![(10, 5 * minute)]);
        assert_eq!(canary.to_string(), "canary 10% for 5m, then all");
        let linear: Traffic = "linear:30:30s".parse().unwrap();
        let half = Duration::from_secs(30);
        assert_eq!(linear.steps(), vec![(30, half), (60, half), (90, half)]);
        assert_eq!(
            "linear:50:1".parse::<Traffic>().unwrap().steps(),
            vec![(50, minute)]
        );
        for bad in [
            "canary",
            "canary:0:5",
            "canary:100:5",
            "canary:10:0",
            "canary:10:2d",
            "blue:10:5",
            "linear:10:soon",
            "canary:1.5:5",
        ] {
            let error = bad.parse::<Traffic>().unwrap_err();
            assert!(error.contains(&format!("{bad:?}")), "{error}");
        }
        assert!(check_alarm_names(&["a".into(), "a".into()]).unwrap() == ["a"]);
        assert!(check_alarm_names(&[String::new()]).is_err());
    }

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
                alias: "live".into(),
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

    #[test]
    fn cors_origins_are_put_in_the_form_a_browser_sends() {
        let origins = |values: &[&str]| {
            CorsOrigins::parse(&values.iter().map(|v| v.to_string()).collect::<Vec<_>>())
        };
        let parsed = origins(&[
            "https://WWW.Example.com:443",
            "http://localhost:8080",
            "https://www.example.com",
        ])
        .unwrap();
        assert_eq!(
            parsed.as_slice(),
            ["http://localhost:8080", "https://www.example.com"]
        );
        assert_eq!(
            parsed.to_env(),
            "http://localhost:8080,https://www.example.com"
        );
        assert_eq!(origins(&["*"]).unwrap().as_slice(), ["*"]);
        assert!(origins(&[]).unwrap().is_empty());
        for (bad, why) in [
            ("https://example.com/", "it has a path"),
            ("https://example.com/faq", "it has a path"),
            ("example.com", "relative URL without a base"),
            ("ftp://example.com", "only http and https"),
            ("https://user@example.com", "it has credentials"),
            ("https://example.com?x=1", "it has a query"),
        ] {
            let message = origins(&[bad]).unwrap_err().to_string();
            assert!(
                message.starts_with(&format!("--cors-origin {bad:?} is not a web origin: "))
                    && message.contains(why),
                "{bad}: {message}"
            );
        }
        let mixed = origins(&["*", "https://a.example"])
            .unwrap_err()
            .to_string();
        assert!(mixed.contains("cannot be combined"), "{mixed}");
    }
}

/// How a new version takes over the alias (`--traffic`): all at once after the gate, or in
/// steps of the alias' routing weights, the new version's health watched between them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Traffic {
    #[default]
    AllAtOnce,
    /// `canary:PCT:WAIT`: PCT % of invocations for WAIT, then all.
    Canary { percent: u32, wait: Duration },
    /// `linear:PCT:EVERY`: PCT % more every EVERY, until all.
    Linear { percent: u32, every: Duration },
}

/// The longest a traffic step may be held: a deploy step in CI should not outlive a day.
const MAX_TRAFFIC_WAIT: Duration = Duration::from_secs(24 * 3600);

impl Traffic {
    pub fn is_gradual(&self) -> bool {
        !matches!(self, Traffic::AllAtOnce)
    }

    /// The steps before all traffic moves: the new version's share (percent) and how long it
    /// is held there.
    pub fn steps(&self) -> Vec<(u32, Duration)> {
        match *self {
            Traffic::AllAtOnce => vec![],
            Traffic::Canary { percent, wait } => vec![(percent, wait)],
            Traffic::Linear { percent, every } => (1..)
                .map(|k| k * percent)
                .take_while(|share| *share < 100)
                .map(|share| (share, every))
                .collect(),
        }
    }
}

impl std::str::FromStr for Traffic {
    type Err = String;

    /// `all-at-once`, `canary:PCT:WAIT` or `linear:PCT:EVERY`; PCT a whole 1–99, WAIT minutes
    /// (`5`) or a duration with its unit (`30s`, `2m`, `1h`).
    fn from_str(value: &str) -> Result<Traffic, String> {
        let usage = "use all-at-once, canary:PERCENT:MINUTES (e.g. canary:10:5) or linear:PERCENT:EVERY_MINUTES (e.g. linear:25:2); a time may also carry its unit (30s, 2m, 1h)";
        if value == "all-at-once" {
            return Ok(Traffic::AllAtOnce);
        }
        let parts: Vec<&str> = value.split(':').collect();
        let [kind, percent, time] = parts.as_slice() else {
            return Err(format!("{value:?} is not a traffic form: {usage}"));
        };
        let percent: u32 = percent
            .parse()
            .ok()
            .filter(|p| (1..=99).contains(p))
            .ok_or_else(|| {
                format!("{value:?}: the share of traffic must be a whole percentage from 1 to 99, not {percent:?} ({usage})")
            })?;
        let wait = match time.parse::<u64>() {
            Ok(minutes) => Duration::from_secs(minutes.saturating_mul(60)),
            Err(_) => humantime::parse_duration(time)
                .map_err(|e| format!("{value:?}: {time:?} is not a time ({e}); {usage}"))?,
        };
        if wait.is_zero() || wait > MAX_TRAFFIC_WAIT {
            return Err(format!(
                "{value:?}: each step must last more than 0 s and at most 24 h"
            ));
        }
        match *kind {
            "canary" => Ok(Traffic::Canary { percent, wait }),
            "linear" => Ok(Traffic::Linear {
                percent,
                every: wait,
            }),
            _ => Err(format!(
                "{value:?}: {kind:?} is not a traffic form; {usage}"
            )),
        }
    }
}

impl fmt::Display for Traffic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let time = |d: &Duration| humantime::format_duration(*d).to_string();
        match self {
            Traffic::AllAtOnce => write!(f, "all at once"),
            Traffic::Canary { percent, wait } => {
                write!(f, "canary {percent}% for {}, then all", time(wait))
            }
            Traffic::Linear { percent, every } => {
                write!(f, "linear {percent}% more every {}, until all", time(every))
            }
        }
    }
}

/// `--alarm` names: CloudWatch alarm names (1–255 characters), at most 100 (what one
/// DescribeAlarms reads), without duplicates.
pub fn check_alarm_names(names: &[String]) -> anyhow::Result<Vec<String>> {
    let mut checked: Vec<String> = Vec::new();
    for name in names {
        let length = name.chars().count();
        if !(1..=255).contains(&length) || name.chars().any(char::is_control) {
            bail!("--alarm {name:?} is not a CloudWatch alarm name: it must be 1 to 255 characters, with no control characters");
        }
        if !checked.contains(name) {
            checked.push(name.clone());
        }
    }
    if checked.len() > 100 {
        bail!(
            "--alarm is given {} times: faqctl watches at most 100 alarms (one DescribeAlarms); use a composite alarm for more",
            checked.len()
        );
    }
    Ok(checked)
}

/// A usage plan's quota (`--usage-plan-quota N/day|week|month`): requests per key and period,
/// counted in UTC as API Gateway counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub limit: u32,
    pub period: QuotaPeriod,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaPeriod {
    Day,
    Week,
    Month,
}

impl QuotaPeriod {
    /// As API Gateway spells it (`QuotaPeriodType`).
    pub fn as_aws(self) -> &'static str {
        match self {
            QuotaPeriod::Day => "DAY",
            QuotaPeriod::Week => "WEEK",
            QuotaPeriod::Month => "MONTH",
        }
    }

    pub fn from_aws(text: &str) -> Option<QuotaPeriod> {
        match text {
            "DAY" => Some(QuotaPeriod::Day),
            "WEEK" => Some(QuotaPeriod::Week),
            "MONTH" => Some(QuotaPeriod::Month),
            _ => None,
        }
    }
}

impl fmt::Display for Quota {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let period = match self.period {
            QuotaPeriod::Day => "day",
            QuotaPeriod::Week => "week",
            QuotaPeriod::Month => "month",
        };
        write!(f, "{}/{period}", self.limit)
    }
}

impl std::str::FromStr for Quota {
    type Err = String;

    fn from_str(value: &str) -> Result<Quota, String> {
        let usage = "write it as REQUESTS/PERIOD, PERIOD one of day, week, month (e.g. 1000/day)";
        let Some((limit, period)) = value.split_once('/') else {
            return Err(format!("{value:?} is not a quota: {usage}"));
        };
        let limit: u32 = limit
            .trim()
            .parse()
            .ok()
            .filter(|n| *n >= 1 && *n <= i32::MAX as u32)
            .ok_or_else(|| {
                format!("{value:?}: {limit:?} is not a number of requests from 1 up; {usage}")
            })?;
        let period = match period.trim().to_ascii_lowercase().as_str() {
            "day" => QuotaPeriod::Day,
            "week" => QuotaPeriod::Week,
            "month" => QuotaPeriod::Month,
            other => return Err(format!("{value:?}: {other:?} is not a period; {usage}")),
        };
        Ok(Quota { limit, period })
    }
}

impl Names {
    /// The usage plan API keys reach the stage through: one per API and stage.
    pub fn usage_plan(&self) -> String {
        format!("{}-{}", self.api, self.stage)
    }
}

/// The tag naming the usage plan an API key was made for (`faqctl keys create`), so that
/// `keys list` and `destroy` find faqctl's keys and never anyone else's.
pub const USAGE_PLAN_TAG: &str = "faqctl-usage-plan";

#[cfg(test)]
mod quota_tests {
    use super::*;

    #[test]
    fn quotas_read_as_requests_per_period() {
        assert_eq!(
            "1000/day".parse::<Quota>(),
            Ok(Quota {
                limit: 1000,
                period: QuotaPeriod::Day
            })
        );
        assert_eq!("5/Month".parse::<Quota>().unwrap().to_string(), "5/month");
        for bad in ["1000", "0/day", "x/week", "10/year", "-1/day"] {
            let error = bad.parse::<Quota>().unwrap_err();
            assert!(error.contains("day, week, month"), "{bad}: {error}");
        }
    }
}

/// Who may call GET / (`--auth`): anyone (`none`, the lab's "Security: Open"), or callers who
/// sign with SigV4 and whose IAM policy allows `execute-api:Invoke` (`iam`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Auth {
    #[default]
    None,
    Iam,
}

impl Auth {
    /// The method's `authorizationType`.
    pub fn as_aws(self) -> &'static str {
        match self {
            Auth::None => "NONE",
            Auth::Iam => "AWS_IAM",
        }
    }
}

impl fmt::Display for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Auth::None => "none",
            Auth::Iam => "iam",
        })
    }
}
