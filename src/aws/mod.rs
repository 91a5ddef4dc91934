//! The only code that calls AWS. `observe` reads the live state into `plan::Observed`;
//! `apply` performs one `plan::Change` with one SDK call (plus a waiter where Lambda works
//! asynchronously). The same code talks to AWS, moto and `faqctl local`: only the endpoint
//! in the `SdkConfig` differs.

use std::future::Future;
use std::time::Duration;

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::settings::AwsConfig;

mod apply;
mod calls;
mod observe;

pub use apply::{apply, ApplyContext, Race};
pub use calls::{filter_log_events, invoke, Invoked};
pub use observe::{find_apis, observe};

/// The three service clients, built from one `SdkConfig`.
#[derive(Clone, Debug)]
pub struct Clients {
    pub lambda: aws_sdk_lambda::Client,
    pub apigateway: aws_sdk_apigateway::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub region: String,
    pub endpoint_url: Option<String>,
}

impl Clients {
    pub fn new(config: &AwsConfig) -> Self {
        Clients {
            lambda: aws_sdk_lambda::Client::new(&config.sdk),
            apigateway: aws_sdk_apigateway::Client::new(&config.sdk),
            logs: aws_sdk_cloudwatchlogs::Client::new(&config.sdk),
            region: config.region.clone(),
            endpoint_url: config.endpoint_url.clone(),
        }
    }

    /// The stage's invoke URL. On AWS the execute-api host; on another endpoint (faqctl local,
    /// LocalStack) the path form those serve: `{endpoint}/_aws/execute-api/{id}/{stage}/`.
    pub fn invoke_url(&self, api_id: &str, stage: &str) -> String {
        match &self.endpoint_url {
            Some(endpoint) => format!(
                "{}/_aws/execute-api/{api_id}/{stage}/",
                endpoint.trim_end_matches('/')
            ),
            None => format!(
                "https://{api_id}.execute-api.{}.amazonaws.com/{stage}/",
                self.region
            ),
        }
    }
}

/// An SDK error with its whole cause chain (service code, message, transport error).
/// A service error reads `Code: message` (what AWS said); any other failure (connection,
/// timeout, credentials) is shown with its whole cause chain.
pub fn sdk_error<E, R>(operation: &str, target: &str, error: SdkError<E, R>) -> anyhow::Error
where
    E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match &error {
        SdkError::ServiceError(context) => {
            let service = context.err();
            anyhow::anyhow!(
                "{operation} {target} failed: {}: {}",
                service.code().unwrap_or("UnknownError"),
                service.message().unwrap_or("(no message)")
            )
        }
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => {
            let chain = cause_chain(&error);
            let hint = if chain.contains("loading credentials") {
                "no AWS credentials were found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, pass --profile, or run `aws configure` / `aws sso login`"
            } else {
                "check that the endpoint is reachable (--endpoint-url / AWS_ENDPOINT_URL) and the network is up"
            };
            anyhow::anyhow!("{operation} {target} failed: {chain}; {hint}")
        }
        _ => anyhow::anyhow!(
            "{operation} {target} failed: {}",
            DisplayErrorContext(&error)
        ),
    }
}

/// `outer: inner: innermost`, without the Debug dump DisplayErrorContext appends.
fn cause_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// How long to wait before the first retry (SDK retries and eventual-consistency retries
/// alike). `FAQCTL_RETRY_BASE_MS` shortens it for tests.
pub fn retry_base_delay() -> Duration {
    std::env::var("FAQCTL_RETRY_BASE_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map(Duration::from_millis)
        .unwrap_or(Duration::from_millis(500))
}

/// Tries of a call that fails for known eventual-consistency reasons (a role just created,
/// a function update still in progress). Throttling and 5xx are the SDK's retry's job.
pub const EVENTUAL_TRIES: u32 = 8;

/// Runs `call` until it succeeds, fails for another reason, or `EVENTUAL_TRIES` are used,
/// waiting 0.5 s, 1 s, 2 s, … (at most 8 s) between tries.
pub async fn retry_eventual<T, E, F, Fut>(
    mut call: F,
    is_transient: impl Fn(&E) -> bool,
) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let mut delay = retry_base_delay();
    let mut tries = 1;
    loop {
        match call().await {
            Err(error) if tries < EVENTUAL_TRIES && is_transient(&error) => {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(8));
                tries += 1;
            }
            result => return result,
        }
    }
}
