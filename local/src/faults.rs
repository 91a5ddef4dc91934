//! Fault injection and API Gateway's control-plane rate limits, so that tests (and people) can
//! prove that deploy and destroy survive what AWS does under load: throttling, 5xx, conflicts,
//! a role that cannot be assumed yet, slow answers, dropped connections.
//!
//! A spec is `Operation=fault[*count]`, comma-separated: `CreateFunction=throttle*2,
//! PutMethod=500,CreateDeployment=slow:1500,Invoke=reset`. Faults: `throttle` (429
//! TooManyRequestsException; Logs: ThrottlingException), `500`, `503`, `conflict`
//! (ResourceConflictException / ConflictException, in AWS's words), `role` (Lambda's "cannot be
//! assumed" on CreateFunction / UpdateFunctionConfiguration), `account-role` and
//! `account-logs` (UpdateAccount's two IAM-propagation refusals), `slow:MS` (answer normally,
//! delivered after a delay), `reset` (drop the connection), `lost` (serve the call, then drop
//! the connection: the answer is lost, not the work), `gather:N` (the next N calls wait for
//! one another, up to a minute: N clients that must all read the same state before any of
//! them writes, as two racing deploys would, without depending on timing. A read is answered
//! as the state was when it arrived, then held; a write is held, then applied).
//! `*` alone as the operation matches every operation.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::HeaderValue;
use axum::response::Response;
use serde_json::json;

use super::error::{AwsError, Protocol};
use super::shapes::apigateway::ErrorCode as ApiGatewayError;
use super::shapes::cloudwatch::ErrorCode as CloudWatchError;
use super::shapes::lambda::ErrorCode as LambdaError;
use super::shapes::logs::ErrorCode as LogsError;
use super::wire::{apigateway_error, cbor_error, json11_error, lambda_error, rest_error};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    Throttle,
    Status(u16),
    Conflict,
    Role,
    /// UpdateAccount: the logging role lacks the policy (IAM has not propagated it yet).
    AccountRole,
    /// UpdateAccount: API Gateway could not write to CloudWatch Logs with the role (yet).
    AccountLogs,
    Slow(Duration),
    Reset,
    /// Serve the call (it takes effect: a function runs), then drop the connection before the
    /// answer: a response lost on the way, after which a retry would do it all again.
    Lost,
    /// The next `size` calls wait until all of them have arrived (at most `GATHER_WAIT`).
    /// `group` tells one `gather:N` from another, so that two are never merged into one run.
    Gather {
        group: u64,
        size: u64,
    },
}

/// Which protocol a fault is answered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Lambda,
    ApiGateway,
    Logs,
    CloudWatch,
}

/// The most one `*count` (and one operation's whole queue) may hold: far more than any test
/// needs, and small enough that a typo cannot make a queue that outlives the process.
pub const MAX_COUNT: u64 = 1_000_000;
/// The most runs (`fault*count` entries) queued for one operation, and the most operations.
const MAX_RUNS: usize = 1_000;
const MAX_OPERATIONS: usize = 256;
/// The longest `slow:MS`: Lambda's longest timeout, 15 minutes.
const MAX_SLOW_MS: u64 = 900_000;

/// The rate limits' token buckets, by account (the request's) and quota: every quota is per
/// account.
type Buckets = HashMap<(std::sync::Arc<str>, &'static str), Bucket>;

/// How long a gathered call waits for the rest of its group before it is served anyway.
const GATHER_WAIT: Duration = Duration::from_secs(60);

/// Tells each parsed `gather:N` apart.
static GATHER_GROUPS: AtomicU64 = AtomicU64::new(0);

/// What is queued for one operation: runs of one fault repeated, not a copy per count.
#[derive(Default)]
struct Queue {
    runs: VecDeque<(Fault, u64)>,
    total: u64,
}

#[derive(Default)]
pub struct Faults {
    queued: Mutex<HashMap<String, Queue>>,
    limits: Option<Mutex<Buckets>>,
    /// The `gather` groups with calls waiting: how many arrived, and the signal that all did.
    gathering: Mutex<HashMap<u64, (u64, tokio::sync::watch::Sender<bool>)>>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Faults {
    /// With `enforce_rate_limits`, API Gateway's account-level control-plane limits apply.
    pub fn new(enforce_rate_limits: bool) -> Faults {
        Faults {
            queued: Mutex::new(HashMap::new()),
            limits: enforce_rate_limits.then(|| Mutex::new(HashMap::new())),
            gathering: Mutex::new(HashMap::new()),
        }
    }

    /// Queues the faults of a spec; an error says which part is wrong.
    pub fn add_spec(&self, spec: &str) -> Result<(), String> {
        let parsed = parse_spec(spec)?;
        let mut queued = lock(&self.queued);
        // Check the whole spec before queuing any of it: all or nothing.
        let mut added: HashMap<&str, (u64, usize)> = HashMap::new();
        for (operation, _, count) in &parsed {
            let entry = added.entry(operation).or_default();
            entry.0 += count;
            entry.1 += 1;
        }
        let new_operations = added.keys().filter(|op| !queued.contains_key(**op)).count();
        if queued.len() + new_operations > MAX_OPERATIONS {
            return Err(format!(
                "faults: at most {MAX_OPERATIONS} operations may have faults queued; DELETE /_faqctl/faults clears them"
            ));
        }
        for (operation, (count, runs)) in &added {
            let (total, queued_runs) = queued
                .get(*operation)
                .map_or((0, 0), |q| (q.total, q.runs.len()));
            if total + count > MAX_COUNT || queued_runs + runs > MAX_RUNS {
                return Err(format!(
                    "faults for {operation}: at most {MAX_COUNT} faults in {MAX_RUNS} runs may be queued per operation ({total} already are); DELETE /_faqctl/faults clears them"
                ));
            }
        }
        for (operation, fault, count) in parsed {
            let queue = queued.entry(operation).or_default();
            queue.total += count;
            match queue.runs.back_mut() {
                Some((last, n)) if *last == fault => *n += count,
                _ => queue.runs.push_back((fault, count)),
            }
        }
        Ok(())
    }

    pub fn clear(&self) {
        lock(&self.queued).clear();
    }

    /// What is still queued, per operation.
    pub fn pending(&self) -> HashMap<String, u64> {
        lock(&self.queued)
            .iter()
            .map(|(k, v)| (k.clone(), v.total))
            .filter(|(_, n)| *n > 0)
            .collect()
    }

    /// The next fault for this operation, if one is queued.
    pub fn take(&self, operation: &str) -> Option<Fault> {
        let mut queued = lock(&self.queued);
        for key in [operation, "*"] {
            let Some(queue) = queued.get_mut(key) else {
                continue;
            };
            let Some((fault, count)) = queue.runs.front_mut() else {
                continue;
            };
            let fault = fault.clone();
            *count -= 1;
            queue.total -= 1;
            if *count == 0 {
                queue.runs.pop_front();
            }
            if queue.runs.is_empty() {
                queued.remove(key);
            }
            return Some(fault);
        }
        None
    }

    /// Waits until `size` calls of this `gather` group have arrived, or `GATHER_WAIT` passed.
    pub async fn gather(&self, group: u64, size: u64) {
        let mut arrived = {
            let mut gathering = lock(&self.gathering);
            let (count, all_here) = gathering
                .entry(group)
                .or_insert_with(|| (0, tokio::sync::watch::channel(false).0));
            *count += 1;
            if *count >= size {
                all_here.send_replace(true);
                gathering.remove(&group);
                return;
            }
            all_here.subscribe()
        };
        let _ = tokio::time::timeout(GATHER_WAIT, arrived.wait_for(|all| *all)).await;
    }

    /// When API Gateway's rate limit refuses this call now (only with enforcement on): how
    /// long until it would be allowed, which AWS sends as `Retry-After`.
    pub fn rate_limited(&self, service: Service, operation: &str) -> Option<Duration> {
        let limits = self.limits.as_ref()?;
        let (key, capacity, per_second) = match (service, operation) {
            // CloudWatch Logs' quota: FilterLogEvents 5 transactions per second per account and
            // region ("CloudWatch Logs quotas"), shared by every follower and job.
            (Service::Logs, "FilterLogEvents") => ("FilterLogEvents", 5.0, 5.0),
            (Service::ApiGateway, "Execute")
            | (Service::Lambda | Service::Logs | Service::CloudWatch, _) => return None,
            // The documented per-account limits:
            // https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
            // ("API Gateway quotas for configuring and running a REST API").
            (Service::ApiGateway, "CreateDeployment") => ("CreateDeployment", 1.0, 1.0 / 5.0),
            (Service::ApiGateway, "CreateRestApi") => ("CreateRestApi", 1.0, 1.0 / 3.0),
            (Service::ApiGateway, "DeleteRestApi") => ("DeleteRestApi", 1.0, 1.0 / 30.0),
            (Service::ApiGateway, "UpdateAccount") => ("UpdateAccount", 1.0, 1.0 / 20.0),
            (Service::ApiGateway, _) => ("other", 40.0, 10.0),
        };
        let mut limits = lock(limits);
        let bucket = limits
            .entry((super::arns::account(), key))
            .or_insert_with(|| Bucket {
                tokens: capacity,
                at: Instant::now(),
            });
        if bucket.take(capacity, per_second) {
            None
        } else {
            Some(Duration::from_secs_f64((1.0 - bucket.tokens) / per_second))
        }
    }
}

/// A token bucket: `capacity` tokens, refilled at `per_second`.
pub struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    pub fn full(capacity: f64) -> Bucket {
        Bucket {
            tokens: capacity,
            at: Instant::now(),
        }
    }

    pub fn take(&mut self, capacity: f64, per_second: f64) -> bool {
        let now = Instant::now();
        self.tokens =
            (self.tokens + now.duration_since(self.at).as_secs_f64() * per_second).min(capacity);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Parses `Operation=fault[*count],…`.
pub fn parse_spec(spec: &str) -> Result<Vec<(String, Fault, u64)>, String> {
    let mut parsed = Vec::new();
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        // Errors quote the part, but never more than a line of it.
        let part = Shown(part);
        let (operation, rest) = part.0.split_once('=').ok_or_else(|| {
            format!("fault {part:?}: expected Operation=fault, e.g. CreateFunction=throttle*2")
        })?;
        let (fault, count) = match rest.rsplit_once('*') {
            Some((fault, count)) => (
                fault,
                count
                    .parse::<u64>()
                    .ok()
                    .filter(|n| (1..=MAX_COUNT).contains(n))
                    .ok_or_else(|| {
                        format!("fault {part:?}: the count after * must be a whole number from 1 to {MAX_COUNT}")
                    })?,
            ),
            None => (rest, 1),
        };
        let fault = match fault {
            gather if gather.starts_with("gather:") => {
                let size = gather["gather:".len()..]
                    .parse::<u64>()
                    .ok()
                    .filter(|n| (2..=1000).contains(n) && count == 1 && !rest.contains('*'))
                    .ok_or_else(|| format!("fault {part:?}: gather takes how many calls wait for one another, 2 to 1000, and no *count, e.g. gather:2"))?;
                parsed.push((
                    operation_name(part, operation)?,
                    Fault::Gather {
                        group: GATHER_GROUPS.fetch_add(1, Ordering::Relaxed),
                        size,
                    },
                    size,
                ));
                continue;
            }
            "throttle" => Fault::Throttle,
            "500" => Fault::Status(500),
            "503" => Fault::Status(503),
            "conflict" => Fault::Conflict,
            "role" => Fault::Role,
            "account-role" => Fault::AccountRole,
            "account-logs" => Fault::AccountLogs,
            "reset" => Fault::Reset,
            "lost" => Fault::Lost,
            slow if slow.starts_with("slow:") => Fault::Slow(Duration::from_millis(
                slow["slow:".len()..].parse::<u64>().ok().filter(|ms| *ms <= MAX_SLOW_MS).ok_or_else(|| format!("fault {part:?}: slow takes milliseconds up to {MAX_SLOW_MS} (15 minutes), e.g. slow:1500"))?,
            )),
            other => return Err(format!("fault {part:?}: unknown fault {other:?}; use throttle, 500, 503, conflict, role, account-role, account-logs, slow:MS, reset, lost or gather:N")),
        };
        parsed.push((operation_name(part, operation)?, fault, count));
    }
    Ok(parsed)
}

/// The operation a spec part names: letters and digits, or `*`.
fn operation_name(part: Shown, operation: &str) -> Result<String, String> {
    let named = !operation.is_empty()
        && operation.len() <= 64
        && operation.bytes().all(|b| b.is_ascii_alphanumeric());
    if !(named || operation == "*") {
        return Err(format!(
            "fault {part:?}: name the operation (letters and digits, e.g. CreateFunction), or * for every one"
        ));
    }
    Ok(operation.to_string())
}

/// A spec part as errors quote it: its first 60 characters.
#[derive(Clone, Copy)]
struct Shown<'a>(&'a str);

impl std::fmt::Debug for Shown<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.char_indices().nth(60) {
            Some((end, _)) => write!(f, "{:?}…", &self.0[..end]),
            None => write!(f, "{:?}", self.0),
        }
    }
}

/// A failure answered with the status the fault names, in restJson1's shape.
fn rest_failure(error: AwsError, status: u16) -> Response {
    super::wire::error(Protocol::RestJson1, &error.with_status(status))
}

/// The answer a fault gives, in the service's own protocol. `None` for `Slow`, `Lost` and
/// `Gather`, which serve the call.
pub fn respond(fault: &Fault, service: Service) -> Option<Response> {
    let response = match (fault, service) {
        (Fault::Slow(_) | Fault::Lost | Fault::Gather { .. }, _) => return None,
        (Fault::Reset, _) => return Some(reset()),
        (Fault::Throttle, Service::CloudWatch) => cbor_error(CloudWatchError::ThrottlingException, "Rate exceeded"),
        (Fault::Status(503), Service::CloudWatch) => cbor_error(CloudWatchError::ServiceUnavailable, "Service unavailable (injected fault)"),
        (Fault::Status(status), Service::CloudWatch) => {
            let failure = AwsError::new(CloudWatchError::InternalServiceFault, "Internal failure (injected fault)");
            super::wire::error(Protocol::RpcV2Cbor, &failure.with_status(*status))
        },
        (Fault::Conflict, Service::CloudWatch) => cbor_error(CloudWatchError::ConcurrentModificationException, "More than one process tried to modify a resource at the same time. (injected fault)"),
        (Fault::Throttle, Service::Logs) => json11_error(LogsError::ThrottlingException, "Rate exceeded"),
        (Fault::Throttle, Service::Lambda) => lambda_error(LambdaError::TooManyRequestsException, "Rate exceeded"),
        (Fault::Throttle, Service::ApiGateway) => apigateway_error(ApiGatewayError::TooManyRequestsException, "Too Many Requests"),
        (Fault::Status(503), Service::Logs) => json11_error(LogsError::ServiceUnavailableException, "Service unavailable (injected fault)"),
        (Fault::Status(status), Service::Logs) => {
            let failure = AwsError::new(LogsError::InternalFailure, "Internal failure (injected fault)");
            super::wire::error(Protocol::AwsJson11, &failure.with_status(*status))
        }
        (Fault::Status(503), Service::ApiGateway) => apigateway_error(ApiGatewayError::ServiceUnavailableException, "Service unavailable (injected fault)"),
        (Fault::Status(503), _) => rest_error(503, "ServiceUnavailableException", "Service unavailable (injected fault)"),
        (Fault::Status(status), Service::Lambda) => rest_failure(AwsError::new(LambdaError::ServiceException, "Internal service error (injected fault)"), *status),
        (Fault::Status(status), Service::ApiGateway) => rest_failure(AwsError::new(ApiGatewayError::InternalFailure, "Internal server error (injected fault)"), *status),
        (Fault::Conflict, Service::Lambda) => lambda_error(LambdaError::ResourceConflictException, "The operation cannot be performed at this time. An update is in progress for resource (injected fault)"),
        // AWS's words exactly: clients match on them.
        (Fault::Conflict, Service::ApiGateway) => apigateway_error(ApiGatewayError::ConflictException, "Unable to complete operation due to concurrent modification. Please try again later."),
        (Fault::Conflict, Service::Logs) => json11_error(LogsError::OperationAbortedException, "Multiple requests to modify the same resource were in conflict. (injected fault)"),
        (Fault::Role, Service::Lambda) => lambda_error(LambdaError::InvalidParameterValueException, "The role defined for the function cannot be assumed by Lambda."),
        (Fault::Role, _) => rest_error(400, "BadRequestException", "the role fault applies to Lambda (CreateFunction, UpdateFunctionConfiguration) only"),
        (Fault::AccountRole, Service::ApiGateway) => apigateway_error(ApiGatewayError::BadRequestException, "The role ARN does not have required permissions set to API Gateway"),
        (Fault::AccountLogs, Service::ApiGateway) => apigateway_error(ApiGatewayError::BadRequestException, "API Gateway could not successfully write to CloudWatch Logs using the ARN specified"),
        (Fault::AccountRole | Fault::AccountLogs, _) => rest_error(400, "BadRequestException", "the account-role and account-logs faults apply to API Gateway's UpdateAccount only"),
    };
    Some(response)
}

/// A response whose body fails after the headers: the client sees the connection drop.
pub fn reset() -> Response {
    let stream = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "injected connection reset",
        ))
    });
    let mut response = Response::new(Body::from_stream(stream));
    response
        .headers_mut()
        .insert("content-length", HeaderValue::from_static("64"));
    response
        .headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    response
}

/// The admin answer listing what is queued.
pub fn describe(faults: &Faults) -> serde_json::Value {
    json!({ "pending": faults.pending() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_faults_come_out_in_order() {
        let faults = Faults::new(false);
        faults
            .add_spec("CreateFunction=throttle*2, PutMethod=500,*=slow:10")
            .unwrap();
        assert_eq!(faults.take("CreateFunction"), Some(Fault::Throttle));
        assert_eq!(faults.take("CreateFunction"), Some(Fault::Throttle));
        assert_eq!(
            faults.take("CreateFunction"),
            Some(Fault::Slow(Duration::from_millis(10)))
        );
        assert_eq!(faults.take("CreateFunction"), None);
        assert_eq!(faults.take("PutMethod"), Some(Fault::Status(500)));
        for bad in [
            "CreateFunction",
            "CreateFunction=explode",
            "=500",
            "X=500*x",
            "X=slow:soon",
        ] {
            assert!(faults.add_spec(bad).is_err(), "{bad}");
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn gathered_calls_wait_for_one_another() {
        let faults = std::sync::Arc::new(Faults::new(false));
        for bad in [
            "X=gather:1",
            "X=gather:2*2",
            "X=gather:two",
            "X=gather:1001",
        ] {
            let error = faults.add_spec(bad).unwrap_err();
            assert!(error.contains("gather takes"), "{bad}: {error}");
        }
        faults.add_spec("X=gather:2,X=gather:2").unwrap();
        assert_eq!(faults.pending()["X"], 4, "two groups of two, not merged");
        let Some(Fault::Gather { group, size: 2 }) = faults.take("X") else {
            panic!("a gather fault comes out first");
        };
        let (arrived, mut first_done) = tokio::sync::watch::channel(false);
        let waiting = faults.clone();
        tokio::spawn(async move {
            waiting.gather(group, 2).await;
            arrived.send_replace(true);
        });
        // The first call is held until the second arrives (bounded: GATHER_WAIT is a minute).
        let held = tokio::time::timeout(Duration::from_millis(300), first_done.changed()).await;
        assert!(held.is_err(), "the first call waits for the second");
        faults.gather(group, 2).await;
        tokio::time::timeout(Duration::from_secs(30), first_done.wait_for(|done| *done))
            .await
            .expect("the second call releases the first")
            .unwrap();
    }

    #[test]
    fn counts_are_bounded_and_a_queue_is_runs_not_copies() {
        let faults = Faults::new(false);
        // Once grew the process to 24 GB (and u64::MAX panicked on capacity overflow).
        for huge in [
            "X=throttle*1000000000000",
            "X=throttle*18446744073709551615",
            "X=throttle*0",
            "X=slow:99999999999",
        ] {
            let error = faults.add_spec(huge).unwrap_err();
            assert!(
                error.contains("from 1 to 1000000") || error.contains("up to"),
                "{error}"
            );
        }
        faults.add_spec("X=throttle*1000000").unwrap();
        assert_eq!(faults.pending()["X"], 1_000_000);
        assert_eq!(
            lock(&faults.queued)["X"].runs.len(),
            1,
            "one run, not a million copies"
        );
        let error = faults.add_spec("Y=500,X=throttle").unwrap_err();
        assert!(error.contains("at most 1000000"), "{error}");
        assert!(
            !faults.pending().contains_key("Y"),
            "a refused spec queues nothing"
        );
        faults.clear();
        faults.add_spec("X=throttle*2,X=500*1,X=throttle").unwrap();
        let taken: Vec<_> = std::iter::from_fn(|| faults.take("X")).collect();
        assert_eq!(
            taken,
            [
                Fault::Throttle,
                Fault::Throttle,
                Fault::Status(500),
                Fault::Throttle
            ]
        );
        assert!(faults.pending().is_empty());
        let long = format!("{}=500", "A".repeat(10_000_000));
        let error = faults.add_spec(&long).unwrap_err();
        assert!(error.len() < 300, "the error quotes a line, not 10 MB");
        for op in 0..MAX_OPERATIONS {
            faults.add_spec(&format!("Op{op}=500")).unwrap();
        }
        assert!(faults.add_spec("OneMore=500").is_err());
    }

    #[test]
    fn rate_limits_follow_api_gateways_published_numbers() {
        let faults = Faults::new(true);
        let limited = |op: &str| faults.rate_limited(Service::ApiGateway, op);
        for (operation, seconds) in [
            ("CreateDeployment", 5),
            ("CreateRestApi", 3),
            ("DeleteRestApi", 30),
            ("UpdateAccount", 20),
        ] {
            assert_eq!(limited(operation), None, "{operation}: the first passes");
            let wait = limited(operation).expect("the second is refused");
            assert!(
                wait <= Duration::from_secs(seconds) && wait > Duration::from_secs(seconds - 1),
                "{operation}: Retry-After is about {seconds} s: {wait:?}"
            );
        }
        let burst = (0..50).filter(|_| limited("GetStage").is_none()).count();
        assert!((40..=41).contains(&burst), "burst 40: {burst}");
        assert!(
            faults
                .rate_limited(Service::Lambda, "CreateDeployment")
                .is_none(),
            "API Gateway only"
        );
        assert!(Faults::new(false)
            .rate_limited(Service::ApiGateway, "CreateDeployment")
            .is_none());
    }
}
