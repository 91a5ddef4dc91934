//! The embedded local cloud: one HTTP server on loopback that real AWS clients (the SDK for
//! Rust, the `aws` CLI, boto3) accept as Lambda, API Gateway, CloudWatch Logs and CloudWatch (metrics and alarms).
//!
//! - `server`: the listener, a bound on connections, graceful shutdown (after mini-redis);
//! - `router`: each request parsed once (stage URL, admin, or one API's `Op`), with IAM, rate
//!   limits, faults, call counts, persistence and panic catching in one place; `admin`;
//! - one module per emulated API (`lambda`, `apigateway`, `logs`), each an `Op` enum with
//!   `parse`, `name` and `apply`; `runtime` (execution environments and the Runtime API),
//!   `gateway` (stage URLs), `emulation` (arm64 under qemu-user), `iam`, `faults`, `code` (zip checks), `state` (the `Db` and its
//!   debounced writer).
//!
//! It stands alone: it imports nothing from the client side (`plan`, `settings`, `package`,
//! `aws`, `cli`, `commands`), and keeps its own copies of AWS's rules, taken from AWS's service
//! models and documentation — an emulator that borrowed the client's rules could never catch
//! the client's mistakes.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

mod admin;
mod apigateway;
mod casing;
mod cloudwatch;
mod code;
mod emulation;
pub mod faults;
mod gateway;
mod iam;
mod lambda;
mod logs;
mod model;
mod paging;
mod query;
mod roles;
mod router;
mod runtime;
mod server;
mod state;
mod sts;
mod versions;
mod vtl;
mod wire;

pub use emulation::check_runnable;
pub use runtime::InvokeResult;
pub use server::LocalCloud;
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
    /// Time limits and a bound on connections, so that no client can hold the server.
    pub limits: Limits,
    /// How long a Live Tail session lasts before it ends with SessionTimeoutException (3 hours
    /// on AWS; tests shorten it).
    pub live_tail_limit: Duration,
}

/// Live Tail's session limit on AWS.
pub const LIVE_TAIL_LIMIT: Duration = Duration::from_secs(3 * 60 * 60);

/// Time limits on connections and a bound on how many are served at once.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// A request's headers must arrive within this; it is also how long an idle keep-alive
    /// connection stays open.
    pub header_read: Duration,
    /// A request's body must arrive within this once its headers are in.
    pub body_read: Duration,
    /// Connections served at once at most (fewer if the open-file limit is lower); more wait
    /// in the listen queue.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read: Duration::from_secs(10),
            body_read: Duration::from_secs(60),
            max_connections: 512,
        }
    }
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
            limits: Limits::default(),
            live_tail_limit: LIVE_TAIL_LIMIT,
        }
    }
}

/// What every handler shares.
pub struct Cloud {
    db: Arc<Mutex<Db>>,
    runtimes: runtime::Runtimes,
    /// What handlers start in the background (settling a function's state), tracked.
    tasks: Arc<server::Tasks>,
    dir: PathBuf,
    settle: Duration,
    faults: faults::Faults,
    iam: iam::Iam,
    throttles: Mutex<std::collections::HashMap<String, faults::Bucket>>,
    /// CloudWatch's `AWS/Lambda` metrics of the invocations run (in memory, per minute).
    metrics: Mutex<cloudwatch::Metrics>,
    /// The address it listens on: a name the control plane answers to (`Host`).
    bind: IpAddr,
    limits: Limits,
    live_tail_limit: Duration,
    /// Becomes true when the local cloud stops: what streams (Live Tail) ends at once.
    closing: tokio::sync::watch::Sender<bool>,
}

impl Cloud {
    fn db(&self) -> MutexGuard<'_, Db> {
        lock(&self.db)
    }

    fn metrics(&self) -> MutexGuard<'_, cloudwatch::Metrics> {
        lock(&self.metrics)
    }

    /// Publishes an invocation's metrics, as Lambda does after each one: `function` is what
    /// ran, its `arn` the ARN it was invoked by (an alias', a version's, or none).
    fn record_invocation(&self, function: &state::Function, error: bool, took: Duration) {
        let mut parts = function.arn.split(':');
        let region = parts.nth(3).unwrap_or(DEFAULT_REGION);
        let qualifier = function.arn.splitn(8, ':').nth(7);
        let invocation = cloudwatch::Invocation {
            region,
            function: &function.name,
            qualifier,
            executed_version: &function.version,
            error,
            duration_ms: took.as_secs_f64() * 1000.0,
        };
        self.metrics().record(&invocation, state::now_ms());
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

/// A lock that a panicked holder does not poison for everyone else.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
