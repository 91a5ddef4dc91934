//! Execution environments: each is the function's real `bootstrap` process with the standard
//! `AWS_LAMBDA_*` environment and a Lambda Runtime API of its own on a loopback port
//! (`/2018-06-01/runtime/invocation/next`, `/response`, `/error`, `/init/error`).
//! Warm environments are reused; concurrent invocations get more, up to a bound; a timeout or
//! a crash ends the environment and is reported the way Lambda reports it. Every line the
//! process prints goes to `/aws/lambda/{name}`, framed by START, END and REPORT.

use std::collections::HashMap;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncRead, BufReader};
use tokio::sync::{mpsc, oneshot, watch, Semaphore};

use super::arns::{lambda_place, lambda_place_in};
use super::clock::{date_path, now_ms};
use super::iam::{Credentials, Iam};
use super::ids::{new_request_id, random_id};
use super::placement::{Mode as PlacementMode, Placement};
use super::state::{Db, Function};
use super::tasks::Tasks;

/// Lambda's limit for a synchronous response payload, in bytes as AWS states it ("exceeded
/// maximum allowed payload size (6291556 bytes)").
pub const MAX_RESPONSE_BYTES: usize = 6_291_556;
/// How much of the log `X-Amz-Log-Result` carries.
const LOG_TAIL_BYTES: usize = 4 * 1024;

/// What one invocation returned.
#[derive(Debug, Clone)]
pub struct InvokeResult {
    pub request_id: String,
    pub payload: Vec<u8>,
    /// `Unhandled` when the function failed (as `X-Amz-Function-Error`).
    pub function_error: Option<String>,
    /// The invocation's log lines (for `LogType: Tail`).
    pub log: String,
    /// Not run: the function's reserved concurrency was all in use (Lambda's 429).
    pub throttled: bool,
}

/// Account and region (`arn:PARTITION:lambda:REGION:ACCOUNT`) → function → version
/// (`$LATEST`, `3`) → its pool: functions of one name in two regions or accounts are two, and
/// finding a pool allocates nothing.
type Pools = HashMap<String, HashMap<String, HashMap<String, Arc<Pool>>>>;

/// Where a function is, as `Pools` keys it: its ARN up to its account.
fn place_of(function: &Function) -> &str {
    lambda_place(&function.arn)
}

/// The pool of one version of a function, if it has one.
fn pool_of<'a>(pools: &'a Pools, function: &Function) -> Option<&'a Arc<Pool>> {
    pools
        .get(place_of(function))?
        .get(&function.name)?
        .get(&function.version)
}

/// Every function's pool of environments.
pub struct Runtimes {
    /// Each account's state: an environment logs to its function's account.
    accounts: Arc<super::state::Accounts>,
    pools: Arc<Mutex<Pools>>,
    max_environments: usize,
    /// The process groups of every environment alive: each `bootstrap` leads its own, so that
    /// what it forks ends with it (after a timeout, a retirement or shutdown).
    groups: Groups,
    /// Set by `shutdown`: no new environment starts after it.
    closed: std::sync::atomic::AtomicBool,
    /// Where invocations, Runtime API servers, pipe readers and process waiters run, so
    /// that the server's stop ends them.
    tasks: Arc<Tasks>,
    /// Invocations in flight, across every function: one alone is placed beside its worker
    /// (see `placement`).
    in_flight: Arc<AtomicUsize>,
    /// When a lone invocation is placed.
    placement: PlacementMode,
    /// Invocations in flight per function (place, name), its versions together, counted for
    /// the functions with a reserved concurrency only: what the reservation bounds.
    reserved: Arc<ReservedCounts>,
    /// Where each environment's session of its execution role is kept.
    iam: Arc<Iam>,
}

/// Invocations in flight per function (place, name), for those with a reservation.
type ReservedCounts = Mutex<HashMap<(String, String), usize>>;

/// One invocation counted against its function's reserved concurrency while it lives.
struct Reservation {
    counts: Arc<ReservedCounts>,
    key: (String, String),
}

impl Reservation {
    /// A place within `function`'s reserved concurrency, if it has one and one is free;
    /// `Err` when all are in use (for 0, always). `Ok(None)`: nothing reserved, nothing held.
    fn take(counts: &Arc<ReservedCounts>, function: &Function) -> Result<Option<Reservation>, ()> {
        let Some(limit) = function.reserved_concurrency else {
            return Ok(None);
        };
        let key = (place_of(function).to_string(), function.name.clone());
        let mut held = lock(counts);
        let running = held.entry(key.clone()).or_insert(0);
        if *running >= usize::try_from(limit).unwrap_or(0) {
            return Err(());
        }
        *running += 1;
        Ok(Some(Reservation {
            counts: counts.clone(),
            key,
        }))
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        let mut held = lock(&self.counts);
        if let Some(running) = held.get_mut(&self.key) {
            *running = running.saturating_sub(1);
            if *running == 0 {
                held.remove(&self.key);
            }
        }
    }
}

/// One invocation counted in flight for as long as it lives.
struct InFlight(Arc<AtomicUsize>);

impl InFlight {
    /// Counts one more; and whether it is the only one.
    fn enter(count: &Arc<AtomicUsize>) -> (InFlight, bool) {
        let before = count.fetch_add(1, Ordering::AcqRel);
        (InFlight(count.clone()), before == 0)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The live environments' process groups.
#[derive(Clone, Default)]
struct Groups(Arc<Mutex<std::collections::HashSet<i32>>>);

impl Groups {
    fn add(&self, pgid: i32) {
        lock(&self.0).insert(pgid);
    }

    /// Kills a whole group (the bootstrap and everything it started), once.
    fn kill(&self, pgid: i32) {
        if lock(&self.0).remove(&pgid) {
            kill_group(pgid);
        }
    }

    fn kill_all(&self) {
        for pgid in lock(&self.0).drain() {
            kill_group(pgid);
        }
    }
}

/// SIGKILL to a process group (`kill(-pgid)`), as Lambda ends a sandbox: nothing it forked
/// survives.
fn kill_group(pgid: i32) {
    if pgid > 1 {
        // SAFETY: kill(2) with a negative pid signals that process group; no memory is shared.
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
    }
}

/// An environment of the pool's provisioned concurrency once one is started, if any is still
/// starting (bounded by Lambda's init limit); none when none is.
async fn provisioned_env(pool: &Pool) -> Option<Env> {
    let deadline = tokio::time::Instant::now() + INIT_LIMIT;
    while pool.provisioning.load(Ordering::Acquire) > 0 {
        let signal = pool.provisioned.notified();
        tokio::pin!(signal);
        // Registered before the pool is looked at again: a start in between is not missed.
        signal.as_mut().enable();
        let idle = lock(&pool.idle).pop();
        if idle.is_some() {
            return idle;
        }
        if pool.provisioning.load(Ordering::Acquire) == 0
            || tokio::time::timeout_at(deadline, signal).await.is_err()
        {
            break;
        }
    }
    lock(&pool.idle).pop()
}

/// How an environment came to be: started by an invocation, or ahead of them for provisioned
/// concurrency (`AWS_LAMBDA_INITIALIZATION_TYPE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Initialization {
    OnDemand,
    Provisioned,
}

impl Initialization {
    fn as_str(self) -> &'static str {
        match self {
            Initialization::OnDemand => "on-demand",
            Initialization::Provisioned => "provisioned-concurrency",
        }
    }
}

/// The warm environments of one function as it is now: its revision (code or configuration)
/// and the code they run. An update is `InProgress` while its new code is unpacked: the
/// revision has moved on but the code has not, and invocations then run the old code (as on
/// Lambda). Keyed by both, an environment started in that window is never reused once the new
/// code is in place.
struct Pool {
    revision: u64,
    code_dir: PathBuf,
    idle: Mutex<Vec<Env>>,
    permits: Arc<Semaphore>,
    /// Provisioned environments still starting, and a signal each time one is done: an
    /// invocation waits for one of them rather than start its own.
    provisioning: AtomicUsize,
    provisioned: tokio::sync::Notify,
}

impl Runtimes {
    /// The state of the account the running request acts for.
    fn db(&self) -> Arc<Mutex<Db>> {
        self.accounts.of(&super::arns::account()).clone()
    }

    pub fn new(
        accounts: Arc<super::state::Accounts>,
        max_environments: usize,
        placement: PlacementMode,
        tasks: Arc<Tasks>,
        iam: Arc<Iam>,
    ) -> Runtimes {
        Runtimes {
            iam,
            tasks,
            accounts,
            pools: Arc::new(Mutex::new(HashMap::new())),
            max_environments: max_environments.max(1),
            groups: Groups::default(),
            closed: std::sync::atomic::AtomicBool::new(false),
            in_flight: Arc::new(AtomicUsize::new(0)),
            placement,
            reserved: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    fn pool(&self, function: &Function) -> Arc<Pool> {
        let mut pools = lock(&self.pools);
        match pool_of(&pools, function) {
            Some(pool)
                if pool.revision == function.revision && pool.code_dir == function.code_dir =>
            {
                pool.clone()
            }
            _ => {
                let pool = Arc::new(Pool {
                    revision: function.revision,
                    code_dir: function.code_dir.clone(),
                    idle: Mutex::new(Vec::new()),
                    permits: Arc::new(Semaphore::new(self.max_environments)),
                    provisioning: AtomicUsize::new(0),
                    provisioned: tokio::sync::Notify::new(),
                });
                // Replacing the pool drops its idle environments: their processes are killed.
                pools
                    .entry(place_of(function).to_string())
                    .or_default()
                    .entry(function.name.clone())
                    .or_default()
                    .insert(function.version.clone(), pool.clone());
                pool
            }
        }
    }

    /// Starts `count` environments of a version ahead of its invocations, as provisioned
    /// concurrency does (at most `--max-environments` of them): they initialize now, wait
    /// warm, and show `AWS_LAMBDA_INITIALIZATION_TYPE` as `provisioned-concurrency`. An
    /// invocation takes one of them before it starts one on demand.
    pub fn provision(&self, function: &Function, count: usize) {
        let pool = self.pool(function);
        let count = count.min(self.max_environments);
        pool.provisioning.fetch_add(count, Ordering::AcqRel);
        for _ in 0..count {
            let (function, db, groups) = (function.clone(), self.db(), self.groups.clone());
            let (pool, tasks, iam) = (pool.clone(), self.tasks.clone(), self.iam.clone());
            self.tasks.spawn(async move {
                let started = Env::spawn(
                    &function,
                    db,
                    groups,
                    &tasks,
                    &iam,
                    Initialization::Provisioned,
                )
                .await;
                if let Ok(env) = started {
                    lock(&pool.idle).push(env);
                }
                pool.provisioning.fetch_sub(1, Ordering::AcqRel);
                pool.provisioned.notify_waiters();
            });
        }
    }

    /// Ends every environment of a function (its code or configuration changed, or it was
    /// deleted). Busy ones end when their invocation does.
    pub fn retire(&self, region: &str, name: &str) {
        if let Some(functions) = lock(&self.pools).get_mut(&lambda_place_in(region)) {
            functions.remove(name);
        }
    }

    /// Ends the environments of one version of a function (`$LATEST` changed, or a version was
    /// deleted); the other versions' stay warm.
    pub fn retire_version(&self, region: &str, name: &str, version: &str) {
        if let Some(versions) = lock(&self.pools)
            .get_mut(&lambda_place_in(region))
            .and_then(|functions| functions.get_mut(name))
        {
            versions.remove(version);
        }
    }

    /// Whether `shutdown` ran: nothing runs any more (an `Event` invocation is not retried).
    pub fn is_shut_down(&self) -> bool {
        self.closed.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Ends every environment, busy ones included, with every process they started; no new
    /// one starts after this.
    pub fn shutdown(&self) {
        self.closed
            .store(true, std::sync::atomic::Ordering::Release);
        lock(&self.pools).clear();
        self.groups.kill_all();
    }

    /// Whether `function`'s reserved concurrency (if any) has a place free now.
    pub fn may_run(&self, function: &Function) -> bool {
        let Some(limit) = function.reserved_concurrency else {
            return true;
        };
        let running = lock(&self.reserved)
            .get(&(place_of(function).to_string(), function.name.clone()))
            .copied()
            .unwrap_or(0);
        running < usize::try_from(limit).unwrap_or(0)
    }

    /// Runs one invocation on a warm environment, or a new one.
    pub async fn invoke(&self, function: &Function, payload: Vec<u8>) -> InvokeResult {
        self.invoke_as(function, payload, new_request_id(), None)
            .await
    }

    /// `invoke` under a request id the caller already gave out (an `Event` invocation's 202
    /// names it before the function runs, and every retry runs under it).
    /// `invoke`, under a request id given, with the caller's client context (Invoke's
    /// `ClientContext`, decoded) for the runtime.
    pub async fn invoke_as(
        &self,
        function: &Function,
        payload: Vec<u8>,
        request_id: String,
        client_context: Option<String>,
    ) -> InvokeResult {
        let Ok(reservation) = Reservation::take(&self.reserved, function) else {
            return InvokeResult {
                throttled: true,
                ..failure(&request_id, "TooManyRequestsException", "Rate Exceeded.")
            };
        };
        let pool = self.pool(function);
        let Ok(permit) = pool.permits.clone().acquire_owned().await else {
            return failure(
                &request_id,
                "Runtime.Unavailable",
                "the local cloud is shutting down",
            );
        };
        if self.closed.load(std::sync::atomic::Ordering::Acquire) {
            return failure(
                &request_id,
                "Runtime.Unavailable",
                "the local cloud is shutting down",
            );
        }
        let idle = lock(&pool.idle).pop();
        let warm = match idle {
            Some(env) => Some(env),
            None => provisioned_env(&pool).await,
        };
        let mut env = match warm {
            Some(env) => env,
            None => match Env::spawn(
                function,
                self.db(),
                self.groups.clone(),
                &self.tasks,
                &self.iam,
                Initialization::OnDemand,
            )
            .await
            {
                Ok(env) => env,
                Err(message) => return failure(&request_id, "Runtime.InvalidEntrypoint", &message),
            },
        };
        // The invocation runs to its end in a task of its own, as on Lambda: a caller that
        // goes away (a closed connection, a client timeout) neither cuts it short nor kills
        // the warm environment, which goes back to the pool afterwards.
        let pools = self.pools.clone();
        let function = Invoked::of(function);
        let request = request_id.clone();
        let (report, invocation) = oneshot::channel();
        let (flight, alone) = InFlight::enter(&self.in_flight);
        let placed = alone && self.placement.places();
        self.tasks.spawn(async move {
            // Placed on the CPU of the worker running this task, which hands the event over.
            env.placement.follow(env.pid, placed);
            let (result, healthy, handed) = env
                .invoke(&function, &request, payload, client_context)
                .await;
            drop(flight);
            drop(reservation);
            if healthy {
                let current = lock(&pools)
                    .get(lambda_place(&function.arn))
                    .and_then(|functions| functions.get(&function.name))
                    .and_then(|versions| versions.get(&function.version))
                    .is_some_and(|p| Arc::ptr_eq(p, &pool));
                if current {
                    lock(&pool.idle).push(env);
                }
            }
            drop(permit);
            // The runtime's 202 waits for this. Woken after it, the caller runs first on this
            // worker (the task woken last does), so its answer goes out before the 202.
            drop(handed);
            let _ = report.send(result);
        });
        invocation.await.unwrap_or_else(|_| {
            failure(
                &request_id,
                "Runtime.Unavailable",
                "the invocation was cut off: the local cloud is shutting down",
            )
        })
    }
}

/// What an invocation's task needs of its function: cloning the whole `Function` (policy,
/// tags, environment) for every invocation cost more than the hand-off itself.
struct Invoked {
    name: String,
    version: String,
    arn: String,
    timeout: u64,
    memory: u64,
}

impl Invoked {
    fn of(function: &Function) -> Invoked {
        Invoked {
            name: function.name.clone(),
            version: function.version.clone(),
            arn: function.arn.clone(),
            timeout: function.timeout,
            memory: function.memory,
        }
    }
}

fn failure(request_id: &str, kind: &str, message: &str) -> InvokeResult {
    InvokeResult {
        request_id: request_id.to_string(),
        payload: json!({ "errorType": kind, "errorMessage": message })
            .to_string()
            .into_bytes(),
        function_error: Some("Unhandled".into()),
        log: String::new(),
        throttled: false,
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// How an invocation ended, as the Runtime API heard it.
enum Outcome {
    Response(Vec<u8>),
    Error(Vec<u8>),
}

/// An outcome on its way to the invocation, with what the Runtime API waits on before it
/// acknowledges the runtime's post: the caller's answer goes out first, and the runtime's 202
/// (which it follows at once with its next `/next`) is off the caller's path.
struct Delivery {
    outcome: Outcome,
    /// Sent or dropped once the caller has its result.
    handed: oneshot::Sender<()>,
}

struct Invocation {
    request_id: String,
    payload: Vec<u8>,
    /// The function's timeout: the deadline is counted from when the runtime takes the event.
    timeout_ms: i64,
    function_arn: String,
    /// The caller's client context (JSON), for `Lambda-Runtime-Client-Context`.
    client_context: Option<String>,
    respond: oneshot::Sender<Delivery>,
}

/// The Runtime API of one environment.
struct RuntimeApi {
    queue: tokio::sync::Mutex<mpsc::Receiver<Invocation>>,
    pending: Mutex<HashMap<String, oneshot::Sender<Delivery>>>,
    first_next: Mutex<Option<Instant>>,
    /// When the runtime took the current invocation: REPORT's Duration starts there, as on
    /// Lambda (a cold start's Init is reported apart, as Init Duration).
    delivered: Mutex<Option<Instant>>,
    init_error: watch::Sender<Option<Vec<u8>>>,
    /// Told each time the runtime takes an event: a cold start's timeout starts there.
    taken: tokio::sync::Notify,
}

/// How long a cold start's init may take before the invocation's timeout starts anyway
/// (Lambda's init phase is limited to 10 seconds, its developer guide's "Init phase").
const INIT_LIMIT: Duration = Duration::from_secs(10);

fn runtime_routes(api: Arc<RuntimeApi>) -> Router {
    Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(respond),
        )
        .route(
            "/2018-06-01/runtime/invocation/{id}/error",
            post(report_error),
        )
        .route("/2018-06-01/runtime/init/error", post(init_error))
        .with_state(api)
}

async fn next(State(api): State<Arc<RuntimeApi>>) -> Response {
    lock(&api.first_next).get_or_insert_with(Instant::now);
    let invocation = api.queue.lock().await.recv().await;
    let Some(invocation) = invocation else {
        return (StatusCode::GONE, "environment is shutting down").into_response();
    };
    *lock(&api.delivered) = Some(Instant::now());
    lock(&api.pending).insert(invocation.request_id.clone(), invocation.respond);
    api.taken.notify_one();
    let mut headers = HeaderMap::new();
    let mut set = |name: &'static str, value: String| {
        if let Ok(value) = value.parse() {
            headers.insert(name, value);
        }
    };
    set(
        "lambda-runtime-aws-request-id",
        invocation.request_id.clone(),
    );
    set(
        "lambda-runtime-deadline-ms",
        (now_ms() + invocation.timeout_ms).to_string(),
    );
    set(
        "lambda-runtime-invoked-function-arn",
        invocation.function_arn,
    );
    set(
        "lambda-runtime-trace-id",
        super::ids::trace_root() + ";Sampled=0",
    );
    if let Some(context) = invocation.client_context {
        set("lambda-runtime-client-context", context);
    }
    set("content-type", "application/json".into());
    (StatusCode::OK, headers, invocation.payload).into_response()
}

async fn respond(
    State(api): State<Arc<RuntimeApi>>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match read_payload(&headers, body).await {
        Payload::Whole(body) => complete(&api, &id, Outcome::Response(body.to_vec())).await,
        Payload::TooLarge(size) => {
            // The caller gets Lambda's error; the runtime gets the Runtime API's 413.
            let shown = size.map(|n| format!(" ({n} bytes)")).unwrap_or_default();
            let error = json!({
                "errorType": "Function.ResponseSizeTooLarge",
                "errorMessage": format!("Response payload size{shown} exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes)."),
            });
            let answered =
                complete(&api, &id, Outcome::Error(error.to_string().into_bytes())).await;
            if answered.status() != StatusCode::ACCEPTED {
                return answered;
            }
            too_large()
        }
        Payload::Cut => complete(&api, &id, Outcome::Error(cut_short())).await,
    }
}

async fn report_error(
    State(api): State<Arc<RuntimeApi>>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match read_payload(&headers, body).await {
        Payload::Whole(body) => complete(&api, &id, Outcome::Error(body.to_vec())).await,
        Payload::TooLarge(_) => {
            let error = json!({
                "errorType": "Function.ResponseSizeTooLarge",
                "errorMessage": format!("Error payload size exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes)."),
            });
            let _ = complete(&api, &id, Outcome::Error(error.to_string().into_bytes())).await;
            too_large()
        }
        Payload::Cut => complete(&api, &id, Outcome::Error(cut_short())).await,
    }
}

/// What the runtime posted.
enum Payload {
    Whole(Bytes),
    /// Over Lambda's limit, with the size if it was declared.
    TooLarge(Option<u64>),
    /// The body ended before its Content-Length (the runtime died mid-post).
    Cut,
}

async fn read_payload(headers: &HeaderMap, body: Body) -> Payload {
    let declared = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(size) = declared.filter(|n| *n > MAX_RESPONSE_BYTES as u64) {
        return Payload::TooLarge(Some(size));
    }
    match axum::body::to_bytes(body, MAX_RESPONSE_BYTES).await {
        Ok(bytes) => Payload::Whole(bytes),
        Err(error)
            if std::error::Error::source(&error)
                .is_some_and(|e| e.is::<http_body_util::LengthLimitError>()) =>
        {
            Payload::TooLarge(declared)
        }
        Err(_) => Payload::Cut,
    }
}

fn cut_short() -> Vec<u8> {
    br#"{"errorType":"Runtime.ResponseIncomplete","errorMessage":"the runtime's response ended before all of it was sent"}"#.to_vec()
}

/// The Runtime API's answer to a payload over the limit (as Lambda's runtime interface
/// emulator gives it), closing the connection rather than reading the rest.
fn too_large() -> Response {
    let error = json!({
        "errorMessage": format!("Exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes)."),
        "errorType": "RequestEntityTooLarge",
    });
    let mut response = (StatusCode::PAYLOAD_TOO_LARGE, axum::Json(error)).into_response();
    response.headers_mut().insert(
        axum::http::header::CONNECTION,
        axum::http::HeaderValue::from_static("close"),
    );
    response
}

/// Hands an invocation's outcome to whoever waits for it, and answers the runtime once the
/// caller has its result; an unknown id is the runtime's error.
async fn complete(api: &RuntimeApi, id: &str, outcome: Outcome) -> Response {
    let sender = lock(&api.pending).remove(id);
    let Some(sender) = sender else {
        let error = json!({"errorMessage": "Invalid request ID", "errorType": "InvalidRequestID"});
        return (StatusCode::BAD_REQUEST, axum::Json(error)).into_response();
    };
    let (handed, caller_answered) = oneshot::channel();
    if sender.send(Delivery { outcome, handed }).is_ok() {
        // Dropped unsent (the invocation ended another way) is as good as sent.
        let _ = caller_answered.await;
    }
    accepted()
}

/// The Runtime API's 202 `{"status":"OK"}`, as `axum::Json` wrote it, without building and
/// serialising a JSON value for every post.
fn accepted() -> Response {
    let mut response = Response::new(Body::from(Bytes::from_static(br#"{"status":"OK"}"#)));
    *response.status_mut() = StatusCode::ACCEPTED;
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/json"),
    );
    response
}

async fn init_error(State(api): State<Arc<RuntimeApi>>, body: Bytes) -> Response {
    let _ = api.init_error.send(Some(body.to_vec()));
    accepted()
}

/// One execution environment: the process, its Runtime API and its log stream.
struct Env {
    /// Its credentials, refused once it ends.
    _session: ExecutionSession,
    queue: mpsc::Sender<Invocation>,
    api: Arc<RuntimeApi>,
    server: tokio::task::AbortHandle,
    exited: watch::Receiver<Option<String>>,
    init_errors: watch::Receiver<Option<Vec<u8>>>,
    /// Dropping it kills the process.
    _kill: oneshot::Sender<()>,
    pid: Option<u32>,
    /// The CPU it is held to while it runs an invocation alone.
    placement: Placement,
    spawned: Instant,
    memory_read: Option<(Instant, u64)>,
    init_reported: bool,
    /// The invocation's timeout. One timer for the environment's life, moved forward for each
    /// invocation: a new timer earlier than every other the runtime holds makes it wake its
    /// I/O driver (an eventfd write) on every invocation; a moved one is never earlier.
    timeout: Pin<Box<tokio::time::Sleep>>,
    /// Asks the pipe readers to log what the function has printed so far.
    catch_up: watch::Sender<u64>,
    /// Each pipe reader's latest catch-up done.
    caught_up: Vec<watch::Receiver<u64>>,
    stream: String,
    /// The current invocation's log lines (START clears it).
    log: Arc<Mutex<String>>,
    db: Arc<Mutex<Db>>,
    group: String,
    region: String,
}

/// What the process prints to, each with its descriptor and how it is cut into events: its
/// stdout and stderr (lines), and a managed runtime's telemetry descriptor (frames).
type OutputPipe = (
    Box<dyn AsyncRead + Send + Unpin>,
    std::os::fd::RawFd,
    Framing,
);

fn output_pipes(
    child: &mut tokio::process::Child,
    telemetry: Option<std::os::fd::OwnedFd>,
) -> Result<Vec<OutputPipe>, String> {
    let mut pipes: Vec<OutputPipe> = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        let fd = stdout.as_raw_fd();
        pipes.push((Box::new(stdout), fd, Framing::Lines));
    }
    if let Some(stderr) = child.stderr.take() {
        let fd = stderr.as_raw_fd();
        pipes.push((Box::new(stderr), fd, Framing::Lines));
    }
    if let Some(read) = telemetry {
        let fd = read.as_raw_fd();
        let receiver = tokio::net::unix::pipe::Receiver::from_owned_fd(read)
            .map_err(|e| format!("cannot read the runtime's log descriptor: {e}"))?;
        pipes.push((Box::new(receiver), fd, Framing::Frames));
    }
    Ok(pipes)
}

/// An environment's session of its function's execution role (`Iam::open_execution_session`),
/// ended with it.
struct ExecutionSession {
    iam: Arc<Iam>,
    access_key_id: String,
}

impl ExecutionSession {
    /// The environment's credentials: a session of the function's execution role, in its
    /// account, as on Lambda (recorded: test_lambda_different_iam_keys_environment, each
    /// environment's its own; test_assume_role, the session named for the function).
    fn open(iam: &Arc<Iam>, function: &Function) -> (ExecutionSession, Credentials) {
        let account = super::arns::lambda_arn(&function.arn)
            .map_or_else(super::arns::account, |arn| Arc::from(arn.account));
        let credentials = iam.open_execution_session(account, &function.role, &function.name);
        let session = ExecutionSession {
            iam: iam.clone(),
            access_key_id: credentials.access_key_id.clone(),
        };
        (session, credentials)
    }
}

impl Drop for ExecutionSession {
    fn drop(&mut self) {
        self.iam.end_session(&self.access_key_id);
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Env {
    async fn spawn(
        function: &Function,
        db: Arc<Mutex<Db>>,
        groups: Groups,
        tasks: &Tasks,
        iam: &Arc<Iam>,
        initialization: Initialization,
    ) -> Result<Env, String> {
        // Finding an interpreter, and compiling the Java client the first time, run programs
        // (javac for seconds): on a blocking thread, not a worker every request shares.
        let launch = {
            let function = function.clone();
            tokio::task::spawn_blocking(move || bootstrap_launch(&function))
                .await
                .map_err(|e| format!("cannot start the runtime: {e}"))??
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("cannot open a Runtime API port: {e}"))?;
        let address = listener.local_addr().map_err(|e| e.to_string())?;
        let (queue_tx, queue_rx) = mpsc::channel(1);
        let (init_error, init_errors) = watch::channel(None);
        let api = Arc::new(RuntimeApi {
            queue: tokio::sync::Mutex::new(queue_rx),
            pending: Mutex::new(HashMap::new()),
            first_next: Mutex::new(None),
            taken: tokio::sync::Notify::new(),
            delivered: Mutex::new(None),
            init_error,
        });
        let routes = runtime_routes(api.clone());
        let server = tasks.spawn(async move {
            let _ = axum::serve(listener, routes).await;
        });

        let env_id = random_id(32);
        let stream = format!("{}/[{}]{env_id}", date_path(now_ms()), function.version);
        let group = function.log_group();
        let log = Arc::new(Mutex::new(String::new()));
        // An environment's log stream opens with the runtime's version, before anything the
        // bootstrap prints while it starts (recorded: test_lambda.snapshot.json's log_events,
        // "INIT_START Runtime Version: python:3.10.v11\tRuntime Version ARN: arn:…").
        let init_start = format!(
            "INIT_START Runtime Version: {}\tRuntime Version ARN: {}\n",
            super::arns::runtime_version_name(&function.runtime),
            super::arns::runtime_version_arn(&function.region, &function.runtime)
        );
        write_log(
            &db,
            &group,
            &function.region,
            &stream,
            &log,
            init_start,
            None,
        );
        let (session, credentials) = ExecutionSession::open(iam, function);
        let mut command = bootstrap_command(
            &launch,
            function,
            address,
            &group,
            &stream,
            initialization,
            &credentials,
        );
        // A managed runtime's client writes its logging records and error reports, framed, to
        // a descriptor of their own (AWS's `_LAMBDA_TELEMETRY_LOG_FD`).
        let telemetry = match super::managed::telemetry_fd(&function.runtime) {
            Some(fd) => Some(telemetry_pipe(&mut command, fd)?),
            None => None,
        };
        let spawned = Instant::now();
        let spawned_child = command.spawn();
        // The child has its copy of the write end (or none, if it did not start).
        let telemetry = telemetry.map(|(read, _write)| read);
        let mut child = spawned_child.map_err(|e| format!("cannot start bootstrap: {e}"))?;
        let pid = child.id();
        let pgid = pid.and_then(|p| i32::try_from(p).ok()).unwrap_or(0);
        groups.add(pgid);
        // END waits until each pipe reader has logged what the function printed before it
        // answered: a request to catch up (`asked`), and each reader's answer (`caught_up`).
        let (asked_tx, asked) = watch::channel(0u64);
        let mut caught_up = Vec::new();
        for (pipe, fd, framing) in output_pipes(&mut child, telemetry)? {
            let (caught_up_tx, caught_up_rx) = watch::channel(0u64);
            caught_up.push(caught_up_rx);
            let asked = asked.clone();
            let (db, group, stream, region, log, name) = (
                db.clone(),
                group.clone(),
                stream.clone(),
                function.region.clone(),
                log.clone(),
                function.name.clone(),
            );
            tasks.spawn(log_pipe(
                pipe,
                fd,
                framing,
                asked,
                caught_up_tx,
                move |line| {
                    // What an environment prints while it is being ended after DeleteFunction
                    // (a client's "connection closed") is not logged: it would create the log
                    // group again right after `destroy` deleted it.
                    write_log(&db, &group, &region, &stream, &log, line, Some(&name))
                },
            ));
        }
        let (kill, kill_rx) = oneshot::channel::<()>();
        let (exit_tx, exited) = watch::channel(None);
        tasks.spawn(wait_child(child, kill_rx, exit_tx, groups, pgid));
        Ok(Env {
            _session: session,
            queue: queue_tx,
            api,
            server,
            exited,
            init_errors,
            _kill: kill,
            pid,
            placement: Placement::default(),
            spawned,
            memory_read: None,
            init_reported: false,
            timeout: Box::pin(tokio::time::sleep(Duration::ZERO)),
            catch_up: asked_tx,
            caught_up,
            stream,
            log,
            db,
            group,
            region: function.region.clone(),
        })
    }

    /// Logs one line of the platform's own (START, END, REPORT, …).
    fn write(&self, line: String) {
        write_log(
            &self.db,
            &self.group,
            &self.region,
            &self.stream,
            &self.log,
            line + "\n",
            None,
        );
    }

    /// Runs one invocation; returns the result, whether the environment can be reused, and
    /// what the Runtime API's 202 waits on (to be dropped once the caller has the result).
    async fn invoke(
        &mut self,
        function: &Invoked,
        request_id: &str,
        payload: Vec<u8>,
        client_context: Option<String>,
    ) -> (InvokeResult, bool, Option<oneshot::Sender<()>>) {
        lock(&self.log).clear();
        self.write(format!(
            "START RequestId: {request_id} Version: {}",
            function.version
        ));
        let started = Instant::now();
        *lock(&self.api.delivered) = None;
        let timeout = Duration::from_secs(function.timeout.max(1));
        let (respond, response) = oneshot::channel();
        let invocation = Invocation {
            request_id: request_id.to_string(),
            payload,
            timeout_ms: timeout.as_millis() as i64,
            function_arn: function.arn.clone(),
            client_context,
            respond,
        };
        let mut exited = self.exited.clone();
        let mut init_errors = self.init_errors.clone();
        let sent = self.queue.send(invocation).await.is_ok();
        if sent && !self.init_reported {
            // A cold start: the timeout runs from when the runtime takes the event, its init
            // apart, as on Lambda (a warm runtime is already waiting for it).
            let (mut exits, mut errors) = (exited.clone(), init_errors.clone());
            tokio::select! {
                _ = self.api.taken.notified() => {}
                _ = wait_exit(&mut exits) => {}
                _ = wait_init_error(&mut errors) => {}
                _ = tokio::time::sleep(INIT_LIMIT) => {}
            }
        }
        self.timeout
            .as_mut()
            .reset(tokio::time::Instant::now() + timeout);
        let mut handed = None;
        let (payload, error, healthy) = if !sent {
            (
                runtime_exit(request_id, "the environment stopped"),
                true,
                false,
            )
        } else {
            tokio::select! {
                delivery = response => match delivery {
                    Ok(Delivery { outcome, handed: sender }) => {
                        handed = Some(sender);
                        match outcome {
                            Outcome::Response(body) => (body, false, true),
                            Outcome::Error(body) => (error_payload(body), true, true),
                        }
                    }
                    Err(_) => (runtime_exit(request_id, "the environment stopped"), true, false),
                },
                _ = wait_exit(&mut exited) => {
                    // A runtime that reported its init error and then exited (Node.js's client
                    // does both) answers its error, whichever of the two the select saw first.
                    let reported = init_errors.borrow().clone();
                    match reported {
                        Some(body) => (error_payload(body), true, false),
                        None => {
                            let text = exited.borrow().clone().unwrap_or_default();
                            self.write(format!("RequestId: {request_id} Error: {text}\nRuntime.ExitError"));
                            (runtime_exit(request_id, &text), true, false)
                        }
                    }
                }
                _ = wait_init_error(&mut init_errors) => {
                    let body = init_errors.borrow().clone().unwrap_or_default();
                    (error_payload(body), true, false)
                }
                _ = self.timeout.as_mut() => {
                    let message = format!(
                        "{} {request_id} Task timed out after {}.00 seconds",
                        humantime::format_rfc3339_millis(std::time::SystemTime::now()),
                        timeout.as_secs()
                    );
                    self.write(message);
                    // Lambda's answer today (recorded: test_lambda_invoke_with_timeout).
                    let payload = json!({
                        "errorType": "Sandbox.Timedout",
                        "errorMessage": format!(
                            "RequestId: {request_id} Error: Task timed out after {}.00 seconds",
                            timeout.as_secs()
                        ),
                    });
                    (payload.to_string().into_bytes(), true, false)
                }
            }
        };
        let delivered = lock(&self.api.delivered).take();
        let duration = delivered.unwrap_or(started).elapsed().as_secs_f64() * 1000.0;
        let mut report = format!(
            "REPORT RequestId: {request_id}\tDuration: {duration:.2} ms\tBilled Duration: {} ms\tMemory Size: {} MB\tMax Memory Used: {} MB",
            duration.ceil().max(1.0) as u64,
            function.memory,
            self.max_memory_mb()
        );
        if !self.init_reported {
            self.init_reported = true;
            let first_next = *lock(&self.api.first_next);
            if let Some(at) = first_next {
                let init = at.duration_since(self.spawned).as_secs_f64() * 1000.0;
                report.push_str(&format!("\tInit Duration: {init:.2} ms"));
            }
        }
        // Each field ends with a tab, the last one too (recorded: "…\tInit Duration: N ms\t\n").
        report.push('\t');
        // The function's own lines precede END, as on AWS: what it printed before it answered
        // is in its pipes by now; the readers log it first (bounded: a function that never
        // stops printing does not hold the answer up for more than a moment).
        self.catch_up.send_modify(|asked| *asked += 1);
        let asked = *self.catch_up.borrow();
        for reader in &mut self.caught_up {
            let _ = tokio::time::timeout(
                Duration::from_millis(200),
                reader.wait_for(|done| *done >= asked),
            )
            .await;
        }
        self.write(format!("END RequestId: {request_id}"));
        self.write(report);
        let log = lock(&self.log).clone();
        let tail_start = log.len().saturating_sub(LOG_TAIL_BYTES);
        let tail_start = (tail_start..log.len())
            .find(|i| log.is_char_boundary(*i))
            .unwrap_or(log.len());
        let result = InvokeResult {
            request_id: request_id.to_string(),
            payload,
            function_error: error.then(|| "Unhandled".to_string()),
            log: log[tail_start..].to_string(),
            throttled: false,
        };
        (result, healthy, handed)
    }

    /// Peak resident memory of the process (VmHWM), in MB, rounded up. Read from /proc at
    /// most once a second per environment: it is a syscall-heavy read on the hot path, and a
    /// peak that moves by a megabyte within a second of warm invocations is rare.
    fn max_memory_mb(&mut self) -> u64 {
        if let Some((at, mb)) = self.memory_read {
            if at.elapsed() < Duration::from_secs(1) {
                return mb;
            }
        }
        let mb = self.read_max_memory_mb();
        self.memory_read = Some((Instant::now(), mb));
        mb
    }

    fn read_max_memory_mb(&self) -> u64 {
        let Some(pid) = self.pid else { return 0 };
        std::fs::read_to_string(format!("/proc/{pid}/status"))
            .ok()
            .and_then(|status| {
                status
                    .lines()
                    .find(|l| l.starts_with("VmHWM:"))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|kb| kb.parse::<u64>().ok())
            })
            .map(|kb| kb.div_ceil(1024))
            .unwrap_or(0)
    }
}

async fn wait_exit(exited: &mut watch::Receiver<Option<String>>) {
    while exited.borrow().is_none() {
        if exited.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

async fn wait_init_error(errors: &mut watch::Receiver<Option<Vec<u8>>>) {
    while errors.borrow().is_none() {
        if errors.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// The longest log line kept: CloudWatch's 256 KB event, less its 26 bytes of overhead.
/// Lambda truncates a longer line; the rest of it is dropped.
const MAX_LINE_BYTES: usize = 256 * 1024 - 26;

/// Reads one line (without its newline), its first `MAX_LINE_BYTES` only; `None` at the end.
async fn read_line_bounded<R: AsyncBufRead + Unpin>(reader: &mut R) -> Option<String> {
    let mut line = Vec::new();
    loop {
        let buffer = match reader.fill_buf().await {
            Ok(buffer) => buffer,
            Err(_) => return None,
        };
        if buffer.is_empty() {
            return (!line.is_empty()).then(|| String::from_utf8_lossy(&line).into_owned());
        }
        let room = MAX_LINE_BYTES - line.len();
        let window = &buffer[..buffer.len().min(room)];
        if let Some(end) = window.iter().position(|b| *b == b'\n') {
            line.extend_from_slice(&window[..end]);
            reader.consume(end + 1);
            return Some(String::from_utf8_lossy(&line).into_owned());
        }
        let taken = window.len();
        line.extend_from_slice(window);
        reader.consume(taken);
        if line.len() >= MAX_LINE_BYTES {
            skip_line(reader).await;
            return Some(String::from_utf8_lossy(&line).into_owned());
        }
    }
}

/// The bytes waiting in a pipe (FIONREAD); 0 when it cannot tell.
fn pipe_pending(fd: std::os::fd::RawFd) -> libc::c_int {
    let mut pending: libc::c_int = 0;
    // SAFETY: FIONREAD writes one c_int through the pointer, which points at `pending`; `fd`
    // is the pipe its reader task owns, open for as long as that task runs.
    let status = unsafe { libc::ioctl(fd, libc::FIONREAD, &mut pending) };
    if status == 0 {
        pending
    } else {
        0
    }
}

/// A pipe whose write end the process gets as descriptor `fd`, named by
/// `_LAMBDA_TELEMETRY_LOG_FD`; both ends, the write end to be dropped once the process has
/// started.
fn telemetry_pipe(
    command: &mut tokio::process::Command,
    fd: i32,
) -> Result<(std::os::fd::OwnedFd, std::os::fd::OwnedFd), String> {
    use std::os::fd::{FromRawFd, OwnedFd};
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: pipe2 writes two descriptors into `fds`, which has room for them.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(format!(
            "cannot open the runtime's log descriptor: {}",
            std::io::Error::last_os_error()
        ));
    }
    // SAFETY: both descriptors were just opened and are owned by nothing else.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    let source = write.as_raw_fd();
    command.env("_LAMBDA_TELEMETRY_LOG_FD", fd.to_string());
    // SAFETY: between fork and exec only async-signal-safe calls: dup2 and fcntl.
    unsafe {
        command.pre_exec(move || {
            if source == fd {
                // Already there: keep it open across exec.
                let flags = libc::fcntl(fd, libc::F_GETFD);
                if flags < 0 || libc::fcntl(fd, libc::F_SETFD, flags & !libc::FD_CLOEXEC) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            } else if libc::dup2(source, fd) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    Ok((read, write))
}

/// How to start the function's `bootstrap` (itself, or under an emulator for another
/// architecture), or a managed runtime's client; Lambda's words when the code has none.
fn bootstrap_launch(function: &Function) -> Result<super::emulation::Launch, String> {
    if let Some(family) = super::managed::Family::of(&function.runtime) {
        return super::managed::launch(family, function);
    }
    if !function.runtime.is_empty() && !function.runtime.starts_with("provided") {
        return Err(format!(
            "faqctl local does not run {} functions: it runs provided.al2023 and provided.al2 (the code's bootstrap), python3.x, nodejs*.x, java* and ruby3.x",
            function.runtime
        ));
    }
    let bootstrap = function.code_dir.join("bootstrap");
    if !bootstrap.is_file() {
        return Err(format!(
            "Couldn't find valid bootstrap(s): [{}]",
            Path::new("/var/task/bootstrap").display()
        ));
    }
    let architecture = function
        .architectures
        .first()
        .map(String::as_str)
        .unwrap_or("x86_64");
    super::emulation::launch(architecture, &bootstrap)
}

/// The `bootstrap` process's command: Lambda's environment for a provided runtime (and the
/// function's own variables), nothing of the host's, in a process group of its own.
fn bootstrap_command(
    launch: &super::emulation::Launch,
    function: &Function,
    address: std::net::SocketAddr,
    group: &str,
    stream: &str,
    initialization: Initialization,
    credentials: &Credentials,
) -> tokio::process::Command {
    let root = function.code_dir.display().to_string();
    let mut command = tokio::process::Command::new(&launch.program);
    command
        .args(&launch.args)
        .current_dir(&function.code_dir)
        // Nothing of the host's environment (credentials, tokens) reaches the function.
        .env_clear()
        // As provided.al2023 sets them (recorded: test_introspection_invoke
        // [provided.al2023]), with /var/runtime and /var/task mapped to the code dir.
        .env(
            "PATH",
            "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin",
        )
        .env(
            "LD_LIBRARY_PATH",
            format!("/var/lang/lib:/lib64:/usr/lib64:{root}:{root}/lib:{root}:{root}/lib:/opt/lib"),
        )
        .env("AWS_XRAY_CONTEXT_MISSING", "LOG_ERROR")
        .env("AWS_XRAY_DAEMON_ADDRESS", "169.254.79.129:2000")
        .env("_AWS_XRAY_DAEMON_ADDRESS", "169.254.79.129")
        .env("_AWS_XRAY_DAEMON_PORT", "2000")
        .env("LANG", "en_US.UTF-8")
        .env("TZ", ":UTC")
        .env("_HANDLER", &function.handler)
        .env("LAMBDA_TASK_ROOT", &root)
        .env("LAMBDA_RUNTIME_DIR", &root)
        .env("AWS_REGION", &function.region)
        .env("AWS_DEFAULT_REGION", &function.region)
        .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", &function.name)
        .env("AWS_LAMBDA_FUNCTION_VERSION", &function.version)
        .env(
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            function.memory.to_string(),
        )
        .env("AWS_LAMBDA_LOG_GROUP_NAME", group)
        .env("AWS_LAMBDA_LOG_STREAM_NAME", stream)
        .env("AWS_LAMBDA_INITIALIZATION_TYPE", initialization.as_str())
        // The environment's own session of the execution role (`Env::spawn`), each value its
        // own as on AWS (recorded: test_introspection_invoke, three stand-ins).
        .env("AWS_ACCESS_KEY_ID", &credentials.access_key_id)
        .env("AWS_SECRET_ACCESS_KEY", &credentials.secret_access_key)
        .env("AWS_SESSION_TOKEN", &credentials.session_token)
        .envs(
            super::managed::Family::of(&function.runtime)
                .map(|family| {
                    super::managed::environment(
                        family,
                        &function.runtime,
                        &root,
                        function.environment.as_ref(),
                    )
                })
                .into_iter()
                .flatten(),
        )
        .envs(function.environment.iter().flatten())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group, so that ending it ends what it forked.
        .process_group(0)
        .kill_on_drop(true);
    command
}

/// Logs each line a pipe of the process prints, and answers END's catch-up requests once
/// every line printed so far is logged; ends when the pipe closes.
async fn log_pipe(
    pipe: Box<dyn AsyncRead + Send + Unpin>,
    fd: std::os::fd::RawFd,
    mut framing: Framing,
    mut asked: watch::Receiver<u64>,
    caught_up_tx: watch::Sender<u64>,
    write: impl Fn(String),
) {
    let mut reader = BufReader::new(pipe);
    loop {
        if reader.buffer().is_empty() {
            // Nothing held here and nothing left in the pipe: every line printed
            // so far is logged, so a catch-up asked for is done. (This task alone
            // reads the pipe, so nothing can be between the two.)
            if pipe_pending(fd) == 0 {
                caught_up_tx.send_replace(*asked.borrow_and_update());
            }
            // `fill_buf` consumes nothing: cancelling it loses nothing.
            tokio::select! {
                filled = reader.fill_buf() => match filled {
                    Ok(buffer) if !buffer.is_empty() => {}
                    _ => break,
                },
                changed = asked.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    continue;
                }
            }
        }
        let event = match framing {
            // Lambda splits what a process prints into lines, and logs no empty one
            // (recorded: test_multi_line_prints, "multi\n", "line\n", … for a print that
            // begins and ends with a line break).
            Framing::Lines => match read_line_bounded(&mut reader).await {
                Some(line) if line.is_empty() => continue,
                Some(line) => line + "\n",
                None => break,
            },
            Framing::Frames => match read_frame(&mut reader).await {
                Frame::Event(event) => event,
                Frame::Garbled(bytes) => {
                    // Logged as text, and so is all that follows: the reader keeps draining
                    // the descriptor, so the runtime's writes never fail.
                    framing = Framing::Lines;
                    String::from_utf8_lossy(&bytes).into_owned()
                }
                Frame::End => break,
            },
        };
        write(event);
    }
}

/// How a pipe's output is cut into log events.
#[derive(Clone, Copy)]
enum Framing {
    /// Each line one event (stdout, stderr).
    Lines,
    /// Each frame one event, line breaks and all: the telemetry log descriptor a managed
    /// runtime's client writes its logging records and error reports to, as AWS's
    /// `_LAMBDA_TELEMETRY_LOG_FD` (a frame: type 0xa55a0003, length and a timestamp in
    /// microseconds, big-endian, then the message).
    Frames,
}

/// What the telemetry descriptor held next.
enum Frame {
    /// A frame's message (its first `MAX_LINE_BYTES`; the rest is read and dropped).
    Event(String),
    /// Bytes that are no frame's header (the function wrote to the descriptor itself): the
    /// rest of the stream is read as lines.
    Garbled(Vec<u8>),
    End,
}

async fn read_frame<R: AsyncBufRead + Unpin>(reader: &mut R) -> Frame {
    use tokio::io::AsyncReadExt;
    let mut header = [0u8; 16];
    if reader.read_exact(&mut header).await.is_err() {
        return Frame::End;
    }
    if header[0..4] != 0xa55a_0003u32.to_be_bytes() {
        return Frame::Garbled(header.to_vec());
    }
    let length = u32::from_be_bytes([header[4], header[5], header[6], header[7]]) as u64;
    // Never more than an event's worth in memory, whatever the length says.
    let kept = length.min(MAX_LINE_BYTES as u64);
    let mut message = Vec::with_capacity(kept as usize);
    let read = (&mut *reader)
        .take(kept)
        .read_to_end(&mut message)
        .await
        .unwrap_or(0);
    if (read as u64) < kept {
        return Frame::End;
    }
    let rest = length - kept;
    if rest > 0 {
        let _ = tokio::io::copy(&mut (&mut *reader).take(rest), &mut tokio::io::sink()).await;
    }
    Frame::Event(String::from_utf8_lossy(&message).into_owned())
}

/// Waits for the process to exit (what its exit says, for the invocation that sees it) or to
/// be ended (the `Env` dropped); either way, ends its process group.
async fn wait_child(
    mut child: tokio::process::Child,
    kill_rx: oneshot::Receiver<()>,
    exit_tx: watch::Sender<Option<String>>,
    groups: Groups,
    pgid: i32,
) {
    tokio::select! {
        status = child.wait() => {
            let text = match status {
                Ok(status) => exit_text(status),
                Err(e) => format!("Runtime exited with error: {e}"),
            };
            let _ = exit_tx.send(Some(text));
        }
        _ = kill_rx => {
            let _ = child.kill().await;
        }
    }
    // Whichever way it ended, what it forked ends too.
    groups.kill(pgid);
}

/// Consumes the rest of an over-long line, through its newline, without keeping it.
async fn skip_line<R: AsyncBufRead + Unpin>(reader: &mut R) {
    loop {
        let buffer = match reader.fill_buf().await {
            Ok(buffer) if !buffer.is_empty() => buffer,
            _ => return,
        };
        match buffer.iter().position(|b| *b == b'\n') {
            Some(end) => {
                reader.consume(end + 1);
                return;
            }
            None => {
                let all = buffer.len();
                reader.consume(all);
            }
        }
    }
}

/// Logs one event, as given (a line ends with its line break; a runtime's framed record may
/// not).
fn write_log(
    db: &Mutex<Db>,
    group: &str,
    region: &str,
    stream: &str,
    log: &Mutex<String>,
    line: String,
    only_while: Option<&str>,
) {
    {
        // Only the tail is ever needed (`LogType: Tail`): keep at most twice that.
        let mut buffer = lock(log);
        buffer.push_str(&line);
        // In the tail, each event on a line of its own.
        if !line.ends_with('\n') {
            buffer.push('\n');
        }
        if buffer.len() > 2 * LOG_TAIL_BYTES {
            let cut = buffer.len() - LOG_TAIL_BYTES;
            let cut = (cut..buffer.len())
                .find(|i| buffer.is_char_boundary(*i))
                .unwrap_or(buffer.len());
            buffer.drain(..cut);
        }
    }
    let mut db = lock(db);
    // `only_while`: the function this output comes from, if it must still exist.
    if only_while.is_some_and(|name| db.function(region, name).is_none()) {
        return;
    }
    db.append_log(group, region, stream, now_ms(), line);
}

/// How Lambda words a runtime's exit (its init is written in Go, so Go's wording: recorded
/// "Runtime exited with error: exit status 127", and for a clean exit "Runtime exited without
/// providing a reason").
fn exit_text(status: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(0), _) => "Runtime exited without providing a reason".into(),
        (Some(code), _) => format!("Runtime exited with error: exit status {code}"),
        (None, Some(signal)) => {
            let name = match signal {
                libc::SIGKILL => "killed".to_string(),
                libc::SIGSEGV => "segmentation fault".into(),
                libc::SIGABRT => "aborted".into(),
                libc::SIGTERM => "terminated".into(),
                libc::SIGINT => "interrupt".into(),
                libc::SIGBUS => "bus error".into(),
                libc::SIGFPE => "floating point exception".into(),
                libc::SIGILL => "illegal instruction".into(),
                other => other.to_string(),
            };
            format!("Runtime exited with error: signal: {name}")
        }
        (None, None) => "Runtime exited without providing a reason".into(),
    }
}

fn runtime_exit(request_id: &str, text: &str) -> Vec<u8> {
    json!({
        "errorType": "Runtime.ExitError",
        "errorMessage": format!("RequestId: {request_id} Error: {text}")
    })
    .to_string()
    .into_bytes()
}

/// The error body a runtime posted, as Lambda returns it (a JSON object with errorType and
/// errorMessage; anything else is wrapped).
fn error_payload(body: Vec<u8>) -> Vec<u8> {
    match serde_json::from_slice::<Value>(&body) {
        Ok(value) if value.is_object() => body,
        _ => json!({
            "errorType": "Runtime.Unknown",
            "errorMessage": String::from_utf8_lossy(&body)
        })
        .to_string()
        .into_bytes(),
    }
}

/// The ARN a function has in the local cloud.
pub fn function_arn(region: &str, name: &str) -> String {
    super::arns::arn(region, "lambda", &format!("function:{name}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn output_lines_are_read_whole_and_overlong_ones_truncated() {
        let long = "x".repeat(MAX_LINE_BYTES + 10);
        let input = format!("Quote selected: 3\n{long}\nlast line without newline");
        let mut reader = BufReader::new(input.as_bytes());
        assert_eq!(
            read_line_bounded(&mut reader).await.as_deref(),
            Some("Quote selected: 3")
        );
        assert_eq!(
            read_line_bounded(&mut reader).await.map(|l| l.len()),
            Some(MAX_LINE_BYTES)
        );
        assert_eq!(
            read_line_bounded(&mut reader).await.as_deref(),
            Some("last line without newline")
        );
        assert_eq!(read_line_bounded(&mut reader).await, None);
    }
}
