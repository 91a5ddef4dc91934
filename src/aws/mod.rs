//! The only code that calls AWS. `observe` reads the live state into `plan::Observed`;
//! `apply` performs one `plan::Change` with one SDK call (plus a waiter where Lambda works
//! asynchronously). The same code talks to AWS, moto and `faqctl local`: only the endpoint
//! in the `SdkConfig` differs.

use std::future::Future;
use std::time::{Duration, Instant};

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

mod apply;
mod calls;
mod config;
pub mod domains;
pub mod dvr;
mod function;
mod gate;
mod observe;
mod preflight;
pub mod record;
mod rest_api;
pub mod scrub;
mod shift;
pub mod sign;
pub mod usage;

pub use apply::{apply, now, ApplyContext, Race, Refused};
pub use calls::{
    filter_all_log_events, filter_log_events, filter_log_events_page, invoke, log_group_arns,
    start_live_tail, Invoked, LiveTailStream, LogQuery, LogsError,
};
pub use config::{AwsConfig, Endpoints, DEFAULT_QUOTA_WAIT, MAX_ATTEMPTS};
pub use function::update_alias;
pub use gate::{gate_event, gate_verdict, GateCannotRun, GateFailed, GateRefusal};
pub use observe::{find_apis, get_alias, list_versions, observe};
pub use shift::{health, History, RolledBack, TrafficStep};

/// The three service clients, built from one `SdkConfig`.
#[derive(Clone, Debug)]
pub struct Clients {
    pub lambda: aws_sdk_lambda::Client,
    pub apigateway: aws_sdk_apigateway::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    pub region: String,
    /// API Gateway's endpoint when not AWS: where the stage URLs are served.
    pub apigateway_endpoint: Option<String>,
    /// Lambda's endpoint when not AWS (named in errors that depend on what answers).
    pub lambda_endpoint: Option<String>,
    /// How long a call throttled by an account quota may keep waiting (`--quota-wait`).
    pub quota_wait: Duration,
    /// Say on stderr when a quota makes a call wait (the printer shows progress).
    pub progress: bool,
}

impl Clients {
    pub fn new(config: &AwsConfig) -> Self {
        // Against a custom endpoint, no host prefix: StartLiveTail's model puts `stream-` before
        // the host, which makes `stream-127.0.0.1` of a local endpoint. The SDK standard says
        // a custom endpoint is used as given (botocore's `inject_host_prefix = False`).
        let logs = match &config.endpoints.logs {
            Some(_) => aws_sdk_cloudwatchlogs::Client::from_conf(
                aws_sdk_cloudwatchlogs::config::Builder::from(&config.sdk)
                    .interceptor(NoHostPrefix)
                    .build(),
            ),
            None => aws_sdk_cloudwatchlogs::Client::new(&config.sdk),
        };
        Clients {
            lambda: aws_sdk_lambda::Client::new(&config.sdk),
            apigateway: aws_sdk_apigateway::Client::new(&config.sdk),
            logs,
            cloudwatch: aws_sdk_cloudwatch::Client::new(&config.sdk),
            region: config.region.clone(),
            apigateway_endpoint: config.endpoints.apigateway.clone(),
            lambda_endpoint: config.endpoints.lambda.clone(),
            quota_wait: config.quota_wait,
            progress: false,
        }
    }

    /// With waits for quotas reported on stderr.
    pub fn with_progress(mut self, progress: bool) -> Self {
        self.progress = progress;
        self
    }

    /// The stage's invoke URL. On AWS the execute-api host; on another endpoint (faqctl local,
    /// LocalStack) the path form those serve: `{endpoint}/_aws/execute-api/{id}/{stage}/`.
    pub fn invoke_url(&self, api_id: &str, stage: &str) -> String {
        match &self.apigateway_endpoint {
            Some(endpoint) => format!(
                "{}/_aws/execute-api/{api_id}/{stage}/",
                endpoint.trim_end_matches('/')
            ),
            None => crate::partition::Location::new(&self.region).invoke_url(api_id, stage),
        }
    }
}

/// Removes the operation's endpoint host prefix (see `Clients::new`).
#[derive(Debug)]
struct NoHostPrefix;

impl aws_smithy_runtime_api::client::interceptors::Intercept for NoHostPrefix {
    fn name(&self) -> &'static str {
        "NoHostPrefix"
    }

    fn modify_before_serialization(
        &self,
        _context: &mut aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextMut<'_>,
        _components: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        cfg: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        cfg.interceptor_state()
            .unset::<aws_smithy_runtime_api::client::endpoint::EndpointPrefix>();
        Ok(())
    }
}

/// A call AWS (or the endpoint) did not do. `transient` when trying again may succeed as it
/// is (throttled, 5xx, a conflict with work in progress, no answer at all); otherwise AWS
/// refused the call itself (no permission, a bad value, not found), and a re-run cannot help
/// until that is fixed.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct CallFailed {
    pub message: String,
    pub code: Option<String>,
    pub status: Option<u16>,
    pub transient: bool,
}

/// Error codes AWS uses for "not now": throttling and work in progress (API Gateway's 409
/// "concurrent modification", Lambda's update in progress).
const TRANSIENT_CODES: [&str; 8] = [
    "Throttling",
    "ThrottlingException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "ConflictException",
    "ResourceConflictException",
    "ServiceUnavailable",
    "ServiceException",
];

/// An SDK error with its whole cause chain (service code, message, transport error).
/// A service error reads `Code: message` (what AWS said); any other failure (connection,
/// timeout, credentials) is shown with its whole cause chain. An answer with no error code
/// (not AWS's error shape) names its HTTP status and the start of its body.
pub fn sdk_error<E>(
    operation: &str,
    target: &str,
    error: SdkError<E, HttpResponse>,
) -> anyhow::Error
where
    E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
{
    let status = error.raw_status();
    let code = error.code().map(str::to_string);
    let (message, transient) = match &error {
        SdkError::ServiceError(context) => {
            let service = context.err();
            let message = match (service.code(), status.clone()) {
                (None, Some((status, body))) => format!(
                    "{operation} {target} failed: the endpoint answered HTTP {status} with no AWS error code: {}",
                    if body.is_empty() { "(empty body)".to_string() } else { body }
                ),
                (code, _) => format!(
                    "{operation} {target} failed: {}: {}",
                    code.unwrap_or("UnknownError"),
                    service.message().unwrap_or("(no message)")
                ),
            };
            let transient = status.as_ref().is_some_and(|(s, _)| *s >= 500 || *s == 429)
                || service.code().is_some_and(|c| TRANSIENT_CODES.contains(&c));
            (message, transient)
        }
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => {
            let chain = cause_chain(&error);
            let (hint, transient) = if chain.contains("loading credentials") {
                ("no AWS credentials were found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, pass --profile, or run `aws configure` / `aws sso login`", false)
            } else {
                ("check that the endpoint is reachable (--endpoint-url / AWS_ENDPOINT_URL) and the network is up", true)
            };
            (
                format!("{operation} {target} failed: {chain}; {hint}"),
                transient,
            )
        }
        SdkError::ResponseError(_) => (
            format!(
                "{operation} {target} failed: {}",
                DisplayErrorContext(&error)
            ),
            true,
        ),
        _ => (
            format!(
                "{operation} {target} failed: {}",
                DisplayErrorContext(&error)
            ),
            false,
        ),
    };
    anyhow::Error::new(CallFailed {
        message,
        code,
        status: status.map(|(s, _)| s),
        transient,
    })
}

/// The HTTP status and the start of the body of a raw answer, where there is one.
trait RawStatus {
    fn raw_status(&self) -> Option<(u16, String)>;
}

impl<E> RawStatus for SdkError<E, HttpResponse> {
    fn raw_status(&self) -> Option<(u16, String)> {
        let response = self.raw_response()?;
        let body = response
            .body()
            .bytes()
            .map(|b| {
                String::from_utf8_lossy(b)
                    .chars()
                    .take(200)
                    .collect::<String>()
            })
            .unwrap_or_default();
        let body = body.split_whitespace().collect::<Vec<_>>().join(" ");
        Some((response.status().as_u16(), body))
    }
}

/// Whether an error (or one it was caused by) is a call AWS refused for good (not transient):
/// a re-run fails the same way until its cause is fixed.
pub fn refused_call(error: &anyhow::Error) -> Option<&CallFailed> {
    error
        .chain()
        .find_map(|e| e.downcast_ref::<CallFailed>())
        .filter(|c| !c.transient)
}

/// Whether an error is a call that failed for a transient reason.
pub fn transient_call(error: &anyhow::Error) -> bool {
    error
        .chain()
        .find_map(|e| e.downcast_ref::<CallFailed>())
        .is_some_and(|c| c.transient)
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

/// API Gateway's account quotas that the SDK's standard retry cannot outlast: DeleteRestApi 1
/// per 30 s and UpdateAccount 1 per 20 s per account (API Gateway's documented quotas), and
/// CreateDeployment's 1 per 5 s, which its jittered backoff (8 tries, each a random part of
/// 0.5, 1, 2, … 10 s) now and then does not outlast either. AWS
/// answers 429 `TooManyRequestsException` with a `Retry-After` header (botocore's model:
/// `retryAfterSeconds`, header `Retry-After`), which the SDK's retry does not read (it reads
/// only `x-amz-retry-after`) and gives up within ~35 s. So for these calls the SDK makes one
/// attempt (`one_attempt`), and this loop waits what AWS asks, until `clients.quota_wait` is
/// spent. Other transient failures (5xx, a dropped connection) get the SDK's usual tries.
pub async fn retry_quota<T, E, F, Fut>(
    clients: &Clients,
    operation: &str,
    mut call: F,
) -> Result<T, SdkError<E, HttpResponse>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    E: ProvideErrorMetadata,
{
    let started = Instant::now();
    let mut delay = retry_base_delay();
    let mut transient_tries = 1;
    loop {
        let error = match call().await {
            Ok(output) => return Ok(output),
            Err(error) => error,
        };
        let throttled = error
            .raw_response()
            .is_some_and(|r| r.status().as_u16() == 429)
            || error.code() == Some("TooManyRequestsException");
        let wait = if throttled {
            retry_after(&error).unwrap_or(delay)
        } else if transient_tries < MAX_ATTEMPTS && is_transient(&error) {
            transient_tries += 1;
            delay
        } else {
            return Err(error);
        };
        if started.elapsed() + wait > clients.quota_wait {
            return Err(error);
        }
        if clients.progress && throttled {
            eprintln!(
                "{operation}: throttled by API Gateway's account quota; waiting {} s as AWS asks (Retry-After), {} s of --quota-wait left",
                wait.as_secs_f64().ceil(),
                clients.quota_wait.saturating_sub(started.elapsed()).as_secs()
            );
        }
        tokio::time::sleep(wait).await;
        delay = (delay * 2).min(retry_max_delay());
    }
}

/// The `Retry-After` header of a throttled answer, in seconds (API Gateway sends a number).
fn retry_after<E>(error: &SdkError<E, HttpResponse>) -> Option<Duration> {
    let value = error.raw_response()?.headers().get("retry-after")?;
    let seconds: f64 = value.trim().parse().ok()?;
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds.min(600.0)))
}

/// A failure worth another try: 5xx, or no answer at all.
fn is_transient<E>(error: &SdkError<E, HttpResponse>) -> bool {
    match error {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) | SdkError::ResponseError(_) => {
            true
        }
        _ => error
            .raw_response()
            .is_some_and(|r| r.status().is_server_error()),
    }
}

/// How long IAM may take to make a role usable by Lambda or API Gateway: 2 minutes, the
/// propagation window Terraform's AWS provider waits (`propagationTimeout`).
/// `FAQCTL_IAM_WAIT_MS` shortens it for tests.
pub fn iam_propagation_window() -> Duration {
    std::env::var("FAQCTL_IAM_WAIT_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map(Duration::from_millis)
        .unwrap_or(Duration::from_secs(120))
}

/// Runs `call` until it succeeds or fails for another reason than `is_propagating`, for at most
/// `window` (time-based, as IAM propagation is), waiting 0.5 s, 1 s, 2 s, … (at most 8 s).
pub async fn retry_propagation<T, E, F, Fut>(
    clients: &Clients,
    what: &str,
    window: Duration,
    mut call: F,
    is_propagating: impl Fn(&E) -> bool,
) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let started = Instant::now();
    let mut delay = retry_base_delay();
    let mut told = false;
    loop {
        match call().await {
            Err(error) if is_propagating(&error) && started.elapsed() + delay <= window => {
                if clients.progress && !told {
                    eprintln!(
                        "{what}: IAM has not made the role usable yet (it can take up to {} s after a change); retrying",
                        window.as_secs()
                    );
                    told = true;
                }
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(retry_max_delay());
            }
            result => return result,
        }
    }
}

/// The longest wait between two tries: 16 times the first (8 s), so that
/// `FAQCTL_RETRY_BASE_MS` scales every wait in tests.
pub fn retry_max_delay() -> Duration {
    retry_base_delay() * 16
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
                delay = (delay * 2).min(retry_max_delay());
                tries += 1;
            }
            result => return result,
        }
    }
}
