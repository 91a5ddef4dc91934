//! The embedded local cloud (`faqctl local`): one HTTP server on loopback that real AWS clients
//! (the SDK for Rust, the `aws` CLI, boto3) accept as Lambda, API Gateway, CloudWatch Logs,
//! CloudWatch (metrics and alarms), IAM roles and STS.
//!
//! - `server`: the listener, a bound on connections, graceful shutdown (after mini-redis);
//! - `router`: each request parsed once (stage URL, admin, or one API's `Op`), with IAM, rate
//!   limits, faults, call counts, persistence and panic catching in one place; `admin`;
//! - one module per emulated API (`lambda` with `versions`, `apigateway`, `logs`, `cloudwatch`,
//!   `sts`, `roles`), each with its operations; `function` (what Lambda's operations share);
//!   `runtime` (execution environments and the Runtime API), `execute_api` (the stage URLs'
//!   data plane), `vtl`, `emulation` (arm64 under qemu-user), `iam` (the judge), `faults`,
//!   `code` (zip checks), `model` (AWS's service models), `state` (the `Db` and its debounced
//!   writer);
//! - leaves that import nothing of the crate: `arns`, `clock`, `ids`, `tasks` (the task set),
//!   `alarm`, `paging`, `query`, `casing`, `timing`. No two modules import each other, even through
//!   others (`tests::no_module_imports_itself_through_others`).
//!
//! It stands alone, a crate that depends on nothing of the CLI: it keeps its own copies of
//! AWS's rules, taken from AWS's service models and documentation — an emulator that borrowed
//! the client's rules could never catch the client's mistakes.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

mod admin;
mod alarm;
mod apigateway;
mod arns;
mod casing;
mod clock;
mod cloudwatch;
mod code;
mod emulation;
mod execute_api;
pub mod faults;
mod function;
mod iam;
mod ids;
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
mod tasks;
mod timing;
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
        arns::partition(region).0,
        arns::ACCOUNT
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
    /// Take as long as AWS does (`--aws-timing`): Pending and InProgress, a stage's new
    /// deployment, a new role's propagation (see `timing` for the figures and sources).
    pub aws_timing: bool,
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
            aws_timing: false,
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
    tasks: Arc<tasks::Tasks>,
    dir: PathBuf,
    settle: Duration,
    /// How long a stage's new deployment and a new role take to be seen.
    timing: timing::Timing,
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
        self.metrics().record(&invocation, clock::now_ms());
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

    fn code_dir(&self, region: &str, function: &str, revision: u64) -> PathBuf {
        self.dir
            .join("code")
            .join(region)
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

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    /// The modules each module of the crate imports (`super::x`, `super::{x, y}`), tests left
    /// out.
    fn imports() -> BTreeMap<String, BTreeSet<String>> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut sources = BTreeMap::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "rs") {
                let name = path.file_stem().unwrap().to_string_lossy().into_owned();
                let text = std::fs::read_to_string(&path).unwrap();
                let code = text
                    .split("#[cfg(test)]")
                    .next()
                    .unwrap_or_default()
                    .to_string();
                sources.insert(name, code);
            }
        }
        let names: BTreeSet<String> = sources.keys().cloned().collect();
        let word = regex::Regex::new(r"[a-z_]+").unwrap();
        let single = regex::Regex::new(r"super::([a-z_]+)").unwrap();
        let group = regex::Regex::new(r"super::\{([^}]*)\}").unwrap();
        let mut graph = BTreeMap::new();
        for (name, code) in &sources {
            let mut used = BTreeSet::new();
            for found in single.captures_iter(code) {
                used.insert(found[1].to_string());
            }
            for found in group.captures_iter(code) {
                for item in word.find_iter(&found[1]) {
                    used.insert(item.as_str().to_string());
                }
            }
            used.retain(|m| names.contains(m) && m != name && m != "lib");
            graph.insert(name.clone(), used);
        }
        graph
    }

    #[test]
    fn no_module_imports_itself_through_others() {
        let graph = imports();
        assert!(graph.len() > 20, "the modules were read: {graph:?}");
        // A path back to `start` from each module it imports is a circle.
        for (start, direct) in &graph {
            let mut seen = BTreeSet::new();
            let mut stack: Vec<(String, Vec<String>)> = direct
                .iter()
                .map(|m| (m.clone(), vec![start.clone(), m.clone()]))
                .collect();
            while let Some((at, path)) = stack.pop() {
                assert!(
                    at != *start,
                    "an import circle: {} (break it with a leaf module, as arns, clock, ids and tasks are)",
                    path.join(" -> ")
                );
                if seen.insert(at.clone()) {
                    for next in &graph[&at] {
                        let mut longer = path.clone();
                        longer.push(next.clone());
                        stack.push((next.clone(), longer));
                    }
                }
            }
        }
        for leaf in [
            "arns", "clock", "ids", "tasks", "alarm", "paging", "query", "casing", "timing",
        ] {
            assert!(
                graph[leaf].is_empty(),
                "{leaf} is a leaf, but imports {:?}",
                graph[leaf]
            );
        }
    }
}
