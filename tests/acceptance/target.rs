//! Where the scenarios run: a local cloud of the suite's own (a `faqctl local` process on a
//! free port, AWS's rate limits on), or the account the caller's credentials are for, once
//! `FAQCTL_ACCEPTANCE_ACCOUNT` says that is the account meant.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{bail, ensure, Context};
use aws_smithy_types::error::display::DisplayErrorContext;

/// The local cloud's one account (what its GetCallerIdentity answers).
const LOCAL_ACCOUNT: &str = "000000000000";

pub struct Target {
    /// `faqctl local`'s endpoint; `None` on AWS (the SDK's own chain decides).
    pub endpoint: Option<String>,
    pub account: String,
    pub region: String,
    /// The function's existing execution role.
    pub role_arn: String,
    /// The role API Gateway writes execution logs with, when the account needs one.
    pub apigw_logs_role_arn: Option<String>,
    pub config: aws_config::SdkConfig,
    /// How long a new stage, permission or log line may take to show: AWS's propagation.
    pub propagation: Duration,
    local: Option<Child>,
}

impl Drop for Target {
    fn drop(&mut self) {
        if let Some(child) = &mut self.local {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The faqctl binary under test (cargo builds it for this test target).
pub fn faqctl_binary() -> &'static str {
    env!("CARGO_BIN_EXE_faqctl")
}

impl Target {
    /// A local cloud of the suite's own: `faqctl local --port 0 --no-deploy`, read its endpoint
    /// from the JSON it prints.
    pub async fn local() -> anyhow::Result<Target> {
        let mut child = Command::new(faqctl_binary())
            .args([
                "local",
                "--port",
                "0",
                "--no-deploy",
                "--enforce-rate-limits",
                "--output",
                "json",
                "--quiet",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("cannot start `faqctl local`")?;
        let stdout = child.stdout.take().context("faqctl local's stdout")?;
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut document = String::new();
            let mut sent = false;
            // Read to the end, so that the local cloud never blocks on a full pipe.
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sent {
                    continue;
                }
                document.push_str(&line);
                if let Ok(value) = serde_json::from_str::<serde_json::Value>(&document) {
                    let _ = sender.send(value);
                    sent = true;
                }
            }
        });
        let started =
            tokio::task::spawn_blocking(move || receiver.recv_timeout(Duration::from_secs(60)))
                .await?;
        let mut target = Target {
            endpoint: None,
            account: LOCAL_ACCOUNT.into(),
            region: "us-east-1".into(),
            role_arn: format!("arn:aws:iam::{LOCAL_ACCOUNT}:role/faqctl-acceptance"),
            apigw_logs_role_arn: Some(format!(
                "arn:aws:iam::{LOCAL_ACCOUNT}:role/faqctl-acceptance-apigw-logs"
            )),
            config: aws_config::SdkConfig::builder().build(),
            propagation: Duration::from_secs(30),
            local: Some(child),
        };
        let started = started.context("`faqctl local` printed no endpoint within 60 s")?;
        let endpoint = started["endpoint"]
            .as_str()
            .context("`faqctl local` printed no endpoint")?
            .to_string();
        target.config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url(&endpoint)
            .credentials_provider(aws_sdk_lambda::config::Credentials::new(
                "testing",
                "testing",
                None,
                None,
                "faqctl-acceptance",
            ))
            .load()
            .await;
        target.endpoint = Some(endpoint);
        Ok(target)
    }

    /// The account the caller's credentials are for, if `FAQCTL_ACCEPTANCE_ACCOUNT` names it.
    /// Nothing is written before this returns: the only call is sts:GetCallerIdentity.
    pub async fn aws(sweep_only: bool) -> anyhow::Result<Target> {
        let Some(expected) = std::env::var("FAQCTL_ACCEPTANCE_ACCOUNT")
            .ok()
            .filter(|a| !a.is_empty())
        else {
            bail!("--aws creates and deletes resources in a real account: set FAQCTL_ACCEPTANCE_ACCOUNT to the 12-digit id of the account your credentials are for, to say that this is the account to test in; nothing was done");
        };
        ensure!(
            expected.len() == 12 && expected.bytes().all(|b| b.is_ascii_digit()),
            "FAQCTL_ACCEPTANCE_ACCOUNT is {expected:?}: it must be a 12-digit account id; nothing was done"
        );
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .load()
            .await;
        let region = config.region().map(|r| r.to_string()).context(
            "no AWS region: set AWS_REGION (or the profile's `region`); nothing was done",
        )?;
        let identity = aws_sdk_sts::Client::new(&config)
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| {
                anyhow::anyhow!(
                    "sts:GetCallerIdentity failed: {}; check your AWS credentials; nothing was done",
                    DisplayErrorContext(e)
                )
            })?;
        let account = identity.account().unwrap_or_default().to_string();
        ensure!(
            account == expected,
            "FAQCTL_ACCEPTANCE_ACCOUNT is {expected}, but your credentials are for account {account} ({}): run with the credentials of account {expected}, or set FAQCTL_ACCEPTANCE_ACCOUNT={account} if that is the account to test in; nothing was done",
            identity.arn().unwrap_or("?")
        );
        let role_arn = std::env::var("FAQCTL_ROLE_ARN").unwrap_or_default();
        ensure!(
            sweep_only || !role_arn.is_empty(),
            "FAQCTL_ROLE_ARN is not set: the scenarios need an existing execution role for the function (faqctl never creates roles; see docs/iam.md); nothing was done"
        );
        Ok(Target {
            endpoint: None,
            account,
            region,
            role_arn,
            apigw_logs_role_arn: std::env::var("FAQCTL_APIGW_LOGS_ROLE_ARN")
                .ok()
                .filter(|r| !r.is_empty()),
            config,
            propagation: Duration::from_secs(120),
            local: None,
        })
    }

    pub fn is_local(&self) -> bool {
        self.endpoint.is_some()
    }

    pub fn describe(&self) -> String {
        match &self.endpoint {
            Some(endpoint) => format!("the local cloud at {endpoint}"),
            None => format!("AWS account {} in {}", self.account, self.region),
        }
    }

    /// A faqctl command aimed at this target: the local cloud's endpoint and dummy credentials
    /// (nothing of the caller's configuration), or the caller's own environment on AWS.
    pub fn faqctl(&self) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(faqctl_binary());
        command.stdin(Stdio::null()).kill_on_drop(true);
        if let Some(endpoint) = &self.endpoint {
            command
                .env_remove("AWS_PROFILE")
                .env_remove("AWS_ENDPOINT_URL")
                .env_remove("AWS_SESSION_TOKEN")
                .env("AWS_ACCESS_KEY_ID", "testing")
                .env("AWS_SECRET_ACCESS_KEY", "testing")
                .env("AWS_REGION", &self.region)
                .env("AWS_CONFIG_FILE", "/nonexistent/faqctl-acceptance/config")
                .env(
                    "AWS_SHARED_CREDENTIALS_FILE",
                    "/nonexistent/faqctl-acceptance/credentials",
                )
                .env("AWS_EC2_METADATA_DISABLED", "true")
                .args(["--endpoint-url", endpoint]);
        }
        command
    }

    pub fn lambda(&self) -> aws_sdk_lambda::Client {
        aws_sdk_lambda::Client::new(&self.config)
    }

    pub fn iam(&self) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.config)
    }

    /// The partition the region is in (`aws`, `aws-cn`, `aws-us-gov`), as ARNs name it.
    pub fn partition(&self) -> &'static str {
        if self.region.starts_with("cn-") {
            "aws-cn"
        } else if self.region.starts_with("us-gov-") {
            "aws-us-gov"
        } else {
            "aws"
        }
    }

    pub fn apigateway(&self) -> aws_sdk_apigateway::Client {
        aws_sdk_apigateway::Client::new(&self.config)
    }

    /// An HTTP client for the local cloud's own admin API (`/_faqctl/*`), which wants a
    /// SigV4-shaped Authorization as every control-plane request does.
    pub async fn admin(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &str,
    ) -> anyhow::Result<()> {
        let endpoint = self.endpoint.as_deref().context("not a local cloud")?;
        let answer = reqwest::Client::new()
            .request(method, format!("{endpoint}{path}"))
            .header(
                "authorization",
                "AWS4-HMAC-SHA256 Credential=testing/20261203/us-east-1/faqctl/aws4_request, SignedHeaders=host, Signature=0",
            )
            .body(body.to_string())
            .send()
            .await?;
        ensure!(
            answer.status().is_success(),
            "{path}: {}",
            answer.text().await.unwrap_or_default()
        );
        Ok(())
    }
}
