//! The embedded local cloud: one HTTP server on loopback that real AWS clients (the SDK for
//! Rust, the `aws` CLI, boto3) accept as Lambda, API Gateway and CloudWatch Logs. Requests are
//! routed by the SigV4 credential scope's service name; stage URLs by host or path. State lives
//! in one `Db` behind a lock; execution environments in `runtime`. Shutting down stops the
//! server and reaps every `bootstrap` process. Depends on nothing above it but the package
//! checks (the same zip rules as `faqctl build`).

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use anyhow::Context;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use axum::Router;
use serde_json::json;
use tokio::sync::oneshot;

mod apigateway;
pub mod faults;
mod gateway;
mod iam;
mod lambda;
mod logs;
mod runtime;
mod state;
mod wire;

pub use runtime::InvokeResult;
use state::Db;

/// The default port, LocalStack's, so that tools configured for it work unchanged.
pub const DEFAULT_PORT: u16 = 4566;
/// The region the local cloud answers for when a request does not say.
pub const DEFAULT_REGION: &str = "us-east-1";
/// The role `faqctl local` deploys with in a region (the local cloud checks its shape and
/// partition only).
pub fn local_role_arn(region: &str) -> String {
    format!(
        "arn:{}:iam::{}:role/faqctl-local",
        state::partition(region).0,
        state::ACCOUNT
    )
}

/// How to run the local cloud.
#[derive(Debug, Clone)]
pub struct LocalConfig {
    pub bind: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    /// Where state and code are kept across restarts; a temporary folder when `None`.
    pub state_dir: Option<PathBuf>,
    /// Execution environments per function at most (more requests wait for one).
    pub max_environments: usize,
    /// Faults to inject from the start (see `faults` for the spec).
    pub faults: Option<String>,
    /// Enforce API Gateway's control-plane rate limits (429 beyond them).
    pub enforce_rate_limits: bool,
    /// The caller's IAM identity policy (a JSON policy document); everything when `None`.
    pub iam_policy: Option<String>,
    /// IAM actions the caller may not perform, comma-separated (`lambda:ListTags`).
    pub deny: Option<String>,
    /// How long a new function stays Pending (and an update InProgress) after the call
    /// answered; 0 settles as soon as the call is answered.
    pub settle: Duration,
}

impl Default for LocalConfig {
    fn default() -> Self {
        LocalConfig {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: DEFAULT_PORT,
            state_dir: None,
            max_environments: 8,
            faults: None,
            enforce_rate_limits: false,
            iam_policy: None,
            deny: None,
            settle: Duration::ZERO,
        }
    }
}

/// What every handler shares.
pub struct Cloud {
    db: Arc<Mutex<Db>>,
    runtimes: runtime::Runtimes,
    dir: PathBuf,
    persist: bool,
    settle: Duration,
    faults: faults::Faults,
    iam: iam::Iam,
    throttles: Mutex<std::collections::HashMap<String, faults::Bucket>>,
}

impl Cloud {
    fn db(&self) -> MutexGuard<'_, Db> {
        self.db
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn save(&self, db: &Db) {
        if self.persist {
            if let Err(e) = db.save(&self.dir) {
                eprintln!(
                    "faqctl local: cannot save state in {}: {e}",
                    self.dir.display()
                );
            }
        }
    }

    /// Whether a stage's throttling refuses a request now (token bucket per API stage).
    fn throttle(&self, api: &str, stage: &str, rate: Option<f64>, burst: Option<i64>) -> bool {
        let (Some(rate), Some(burst)) = (rate, burst) else {
            return false;
        };
        let mut buckets = self.throttles.lock().unwrap_or_else(|p| p.into_inner());
        let bucket = buckets
            .entry(format!("{api}/{stage}"))
            .or_insert_with(|| faults::Bucket::full(burst as f64));
        !bucket.take(burst as f64, rate)
    }

    fn code_dir(&self, function: &str, revision: u64) -> PathBuf {
        self.dir
            .join("code")
            .join(function)
            .join(revision.to_string())
    }
}

/// A running local cloud. `stop` (or dropping it) ends the server and every environment.
pub struct LocalCloud {
    pub address: SocketAddr,
    cloud: Arc<Cloud>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    _temporary: Option<tempfile::TempDir>,
}

impl LocalCloud {
    /// Binds and starts serving.
    pub async fn start(config: LocalConfig) -> anyhow::Result<LocalCloud> {
        let (dir, temporary, persist) = match &config.state_dir {
            Some(dir) => {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create the state dir {}", dir.display()))?;
                (dir.canonicalize()?, None, true)
            }
            None => {
                let temporary = tempfile::Builder::new().prefix("faqctl-local-").tempdir()?;
                (temporary.path().to_path_buf(), Some(temporary), false)
            }
        };
        let db = if persist {
            Db::load(&dir)?
        } else {
            Db::default()
        };
        let injected = faults::Faults::new(config.enforce_rate_limits);
        if let Some(spec) = &config.faults {
            injected
                .add_spec(spec)
                .map_err(|e| anyhow::anyhow!("--faults: {e}"))?;
        }
        let permissions = iam::Iam::default();
        if let Some(policy) = &config.iam_policy {
            permissions
                .set_policy(policy)
                .map_err(|e| anyhow::anyhow!("--iam-policy: {e}"))?;
        }
        if let Some(actions) = &config.deny {
            permissions
                .deny(actions)
                .map_err(|e| anyhow::anyhow!("--deny: {e}"))?;
        }
        let db = Arc::new(Mutex::new(db));
        let cloud = Arc::new(Cloud {
            db: db.clone(),
            runtimes: runtime::Runtimes::new(db, config.max_environments),
            dir,
            persist,
            settle: config.settle,
            faults: injected,
            iam: permissions,
            throttles: Mutex::new(std::collections::HashMap::new()),
        });
        let listener = tokio::net::TcpListener::bind((config.bind, config.port))
            .await
            .with_context(|| {
                format!(
                    "cannot listen on {}:{}: is another local cloud (or LocalStack) running? pass --port to use another",
                    config.bind, config.port
                )
            })?;
        let address = listener.local_addr()?;
        let app = Router::new()
            .fallback(dispatch)
            .layer(DefaultBodyLimit::max(100 * 1024 * 1024))
            .with_state(cloud.clone());
        let (shutdown, signal) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = signal.await;
                })
                .await;
        });
        Ok(LocalCloud {
            address,
            cloud,
            shutdown: Some(shutdown),
            server: Some(server),
            _temporary: temporary,
        })
    }

    /// `http://127.0.0.1:{port}`
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }

    /// How many times each operation was served.
    pub fn calls(&self) -> BTreeMap<String, u64> {
        self.cloud.db().calls.clone()
    }

    /// Stops serving, then ends every execution environment.
    pub async fn stop(mut self) {
        self.stop_server().await;
    }

    async fn stop_server(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        self.cloud.runtimes.shutdown();
        if let Some(server) = self.server.take() {
            // In-flight requests finish (bounded by the function timeout); don't wait forever.
            let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
        }
    }
}

impl Drop for LocalCloud {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        self.cloud.runtimes.shutdown();
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}

/// Which emulated API a request is for.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    Stage {
        api_id: String,
        stage: String,
        path: String,
    },
    Admin,
    Lambda,
    ApiGateway,
    Logs,
    Unknown(String),
}

/// Routes by stage URL form, then by the SigV4 credential scope's service, then by shape.
fn target(uri: &Uri, headers: &HeaderMap) -> Target {
    let path = uri.path();
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    if let Some((api_id, _)) = host.split_once(".execute-api.") {
        let rest = path.trim_start_matches('/');
        let (stage, tail) = rest.split_once('/').unwrap_or((rest, ""));
        return Target::Stage {
            api_id: api_id.to_string(),
            stage: stage.to_string(),
            path: format!("/{tail}"),
        };
    }
    if let Some(rest) = path.strip_prefix("/_aws/execute-api/") {
        let mut parts = rest.splitn(3, '/');
        let (api_id, stage, tail) = (
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
        );
        return Target::Stage {
            api_id: api_id.to_string(),
            stage: stage.to_string(),
            path: format!("/{tail}"),
        };
    }
    if let Some(rest) = path.strip_prefix("/restapis/") {
        let parts: Vec<&str> = rest.splitn(4, '/').collect();
        if parts.len() >= 3 && parts[2] == "_user_request_" {
            return Target::Stage {
                api_id: parts[0].to_string(),
                stage: parts[1].to_string(),
                path: format!("/{}", parts.get(3).unwrap_or(&"")),
            };
        }
    }
    if path.starts_with("/_faqctl/") {
        return Target::Admin;
    }
    let service = headers
        .get("authorization")
        .and_then(|h| h.to_str().ok())
        .and_then(|auth| auth.split("Credential=").nth(1))
        .and_then(|credential| credential.split(['/', ',']).nth(3))
        .map(str::to_string);
    match service.as_deref() {
        Some("lambda") => Target::Lambda,
        Some("apigateway") => Target::ApiGateway,
        Some("logs") => Target::Logs,
        Some(other) => Target::Unknown(other.to_string()),
        None if path.starts_with("/2015-03-31/") || path.starts_with("/2017-03-31/") => {
            Target::Lambda
        }
        None if path.starts_with("/restapis") || path.starts_with("/tags/") => Target::ApiGateway,
        None if headers
            .get("x-amz-target")
            .is_some_and(|t| t.as_bytes().starts_with(b"Logs_")) =>
        {
            Target::Logs
        }
        None => Target::Unknown(String::new()),
    }
}

/// The region in the credential scope (`Credential=AKID/date/REGION/service/aws4_request`).
fn region(headers: &HeaderMap) -> String {
    headers
        .get("authorization")
        .and_then(|h| h.to_str().ok())
        .and_then(|auth| auth.split("Credential=").nth(1))
        .and_then(|credential| credential.split('/').nth(2))
        .filter(|r| !r.is_empty())
        .unwrap_or(DEFAULT_REGION)
        .to_string()
}

async fn dispatch(
    State(cloud): State<Arc<Cloud>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let region = region(&headers);
    let target = target(&uri, &headers);
    let service = match &target {
        Target::Lambda => Some((
            faults::Service::Lambda,
            lambda::operation_name(&method, uri.path()).to_string(),
        )),
        Target::ApiGateway => Some((
            faults::Service::ApiGateway,
            apigateway::operation_of(&method, uri.path()).to_string(),
        )),
        Target::Logs => Some((faults::Service::Logs, logs_operation(&headers))),
        _ => None,
    };
    // A slow answer is computed at once and delivered late, so that what it read is as old
    // as a slow AWS answer's would be.
    let mut slow = None;
    let mut lost = false;
    if let Some((service, operation)) = service {
        // IAM first, as AWS authorizes before it throttles or does anything.
        let needs = iam::needs(service, &operation, &method, uri.path(), &region, &body);
        if let Some(missing) = cloud.iam.missing(&needs) {
            cloud.db().count(&format!("{operation} (denied)"));
            return iam::access_denied(service, &missing, &region);
        }
        if let Some(wait) = cloud.faults.rate_limited(service, &operation) {
            cloud.db().count(&format!("{operation} (throttled)"));
            // AWS says when to come back (botocore: TooManyRequestsException.retryAfterSeconds,
            // header Retry-After, whole seconds).
            let mut response =
                wire::rest_error(429, "TooManyRequestsException", "Too Many Requests");
            response.headers_mut().insert(
                "retry-after",
                axum::http::HeaderValue::from(wait.as_secs_f64().ceil().max(1.0) as u64),
            );
            return response;
        }
        if let Some(fault) = cloud.faults.take(&operation) {
            cloud.db().count(&format!("{operation} (fault)"));
            match faults::respond(&fault, service) {
                Some(response) => return response,
                None => match fault {
                    faults::Fault::Slow(delay) => slow = Some(delay),
                    faults::Fault::Lost => lost = true,
                    _ => {}
                },
            }
        }
    }
    let response = match target {
        Target::Stage { api_id, stage, path } => {
            let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or_default().to_string();
            let request = gateway::StageRequest { api_id: &api_id, stage: &stage, path: &path, query: uri.query(), method: &method, headers: &headers, body, host };
            gateway::handle(&cloud, request).await
        }
        Target::Lambda => lambda::handle(&cloud, &method, uri.path(), &region, &body, &headers).await,
        Target::ApiGateway => apigateway::handle(&cloud, &method, uri.path(), &region, &body),
        Target::Logs => {
            let operation = logs_operation(&headers);
            let request = match wire::parse_body(&body) {
                Ok(request) => request,
                Err(message) => return wire::json11_error("SerializationException", &message),
            };
            let mut db = cloud.db();
            let response = logs::handle(&mut db, &operation, &region, &request);
            let reads = ["Describe", "Get", "Filter", "List"];
            if response.status().is_success() && !reads.iter().any(|r| operation.starts_with(r)) {
                cloud.save(&db);
            }
            response
        }
        Target::Admin => admin(&cloud, &method, uri.path(), &body),
        Target::Unknown(service) => wire::rest_error(
            400,
            "UnrecognizedClientException",
            &format!("faqctl local emulates the services lambda, apigateway and logs; this request is for {:?}", service),
        ),
    };
    if let Some(delay) = slow {
        tokio::time::sleep(delay).await;
    }
    if lost {
        return faults::reset();
    }
    response
}

/// The operation of an awsJson1.1 Logs request (`X-Amz-Target: Logs_20140328.<Operation>`).
fn logs_operation(headers: &HeaderMap) -> String {
    headers
        .get("x-amz-target")
        .and_then(|t| t.to_str().ok())
        .and_then(|t| t.strip_prefix("Logs_20140328."))
        .unwrap_or_default()
        .to_string()
}

/// `/_faqctl/health`; `/_faqctl/calls` (GET counts, DELETE resets them); `/_faqctl/faults`
/// (POST a spec as the body, GET what is pending, DELETE clears); `/_faqctl/iam` (POST the
/// caller's IAM policy document, GET, DELETE allows everything again); `/_faqctl/denied` (POST
/// action names to deny).
fn admin(cloud: &Cloud, method: &Method, path: &str, body: &[u8]) -> Response {
    match (method.as_str(), path) {
        ("POST", "/_faqctl/faults") => {
            match cloud.faults.add_spec(&String::from_utf8_lossy(body)) {
                Ok(()) => wire::json(200, &faults::describe(&cloud.faults)),
                Err(message) => wire::rest_error(400, "BadRequestException", &message),
            }
        }
        ("GET", "/_faqctl/faults") => wire::json(200, &faults::describe(&cloud.faults)),
        ("DELETE", "/_faqctl/faults") => {
            cloud.faults.clear();
            wire::empty(204)
        }
        ("POST", "/_faqctl/iam") => match cloud.iam.set_policy(&String::from_utf8_lossy(body)) {
            Ok(()) => wire::json(200, &cloud.iam.describe()),
            Err(message) => wire::rest_error(400, "BadRequestException", &message),
        },
        ("POST", "/_faqctl/denied") => match cloud.iam.deny(&String::from_utf8_lossy(body)) {
            Ok(()) => wire::json(200, &cloud.iam.describe()),
            Err(message) => wire::rest_error(400, "BadRequestException", &message),
        },
        ("GET", "/_faqctl/iam") => wire::json(200, &cloud.iam.describe()),
        ("DELETE", "/_faqctl/iam") => {
            cloud.iam.clear();
            wire::empty(204)
        }
        ("GET", "/_faqctl/health") => wire::json(
            200,
            &json!({ "status": "running", "services": ["lambda", "apigateway", "logs"] }),
        ),
        ("GET", "/_faqctl/calls") => wire::json(200, &json!({ "calls": cloud.db().calls })),
        ("DELETE", "/_faqctl/calls") => {
            cloud.db().calls.clear();
            wire::empty(204)
        }
        _ => wire::rest_error(
            404,
            "NotFoundException",
            &format!("no admin endpoint {method} {path}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn requests_are_routed_by_stage_url_then_credential_scope() {
        let signed = |service: &str| {
            headers(&[("authorization", &format!("AWS4-HMAC-SHA256 Credential=test/20261124/eu-west-1/{service}/aws4_request, SignedHeaders=host, Signature=0"))])
        };
        let uri = |u: &str| u.parse::<Uri>().unwrap();
        assert_eq!(
            target(&uri("/2015-03-31/functions/FAQ"), &signed("lambda")),
            Target::Lambda
        );
        assert_eq!(
            target(&uri("/restapis"), &signed("apigateway")),
            Target::ApiGateway
        );
        assert_eq!(target(&uri("/"), &signed("logs")), Target::Logs);
        assert_eq!(
            target(&uri("/"), &signed("s3")),
            Target::Unknown("s3".into())
        );
        assert_eq!(region(&signed("logs")), "eu-west-1");
        let stage = |api: &str, path: &str| Target::Stage {
            api_id: api.into(),
            stage: "myDeployment".into(),
            path: path.into(),
        };
        assert_eq!(
            target(
                &uri("/_aws/execute-api/abc/myDeployment/"),
                &HeaderMap::new()
            ),
            stage("abc", "/")
        );
        assert_eq!(
            target(
                &uri("/restapis/abc/myDeployment/_user_request_/x/y"),
                &signed("apigateway")
            ),
            stage("abc", "/x/y")
        );
        assert_eq!(
            target(
                &uri("/myDeployment/"),
                &headers(&[("host", "abc.execute-api.localhost:4566")])
            ),
            stage("abc", "/")
        );
        assert_eq!(
            target(&uri("/restapis/abc/resources"), &signed("apigateway")),
            Target::ApiGateway
        );
    }
}
