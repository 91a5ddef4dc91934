//! The server, after mini-redis's: a listener with a bound on open connections, a task per
//! connection in one `JoinSet`, and a graceful shutdown — stop accepting, tell every
//! connection to finish its request, wait a bounded grace, then abort what is left — that also
//! ends every execution environment with everything its `bootstrap` started, and writes the
//! state one last time.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::sync::{broadcast, oneshot, Semaphore};
use tokio::task::JoinSet;

use super::casing::RecordingIo;
use super::state::Db;
use super::tasks::Tasks;
use super::{faults, iam, router, runtime, Cloud, Limits, LocalConfig};

/// File descriptors kept free for everything but connections: environments' pipes, the
/// Runtime API's connections, the state files.
const RESERVED_FILES: usize = 256;
/// How long in-flight requests may take to finish once the cloud stops.
const GRACE: Duration = Duration::from_secs(5);

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
        let permissions = Arc::new(iam::Iam::default());
        permissions.add_credentials(config.credentials.iter().cloned());
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
        if persist {
            let weak = Arc::downgrade(&db);
            super::lock(&db).persist_in(&dir, weak);
        }
        let tasks = Arc::new(Tasks::default());
        let timing = if config.aws_timing {
            super::timing::Timing::AWS
        } else {
            super::timing::Timing::INSTANT
        };
        super::lock(&db).cache_provisioning_ms = timing.cache_cluster.as_millis() as i64;
        let accounts = Arc::new(super::state::Accounts::new(
            db,
            persist.then(|| dir.clone()),
        ));
        let cloud = Arc::new(Cloud {
            accounts: accounts.clone(),
            runtimes: runtime::Runtimes::new(
                accounts,
                config.max_environments,
                config.placement,
                tasks.clone(),
                permissions.clone(),
            ),
            tasks,
            dir,
            settle: config.settle.max(timing.settle),
            timing,
            faults: injected,
            iam: permissions,
            throttles: Mutex::new(std::collections::HashMap::new()),
            metrics: Default::default(),
            bind: config.bind,
            limits: config.limits,
            live_tail_limit: config.live_tail_limit,
            closing: tokio::sync::watch::channel(false).0,
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
        // Bodies are read by the router, with a limit per operation and a time limit.
        let app = Router::new()
            .fallback(router::dispatch)
            .with_state(cloud.clone());
        let (shutdown, signal) = oneshot::channel::<()>();
        let server = tokio::spawn(serve(listener, app, config.limits, signal));
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
        self.cloud.default_db().calls().clone()
    }

    /// Stops serving (in-flight requests get `GRACE` to finish, then are cut), ends every
    /// execution environment and what it started, and writes the state one last time.
    pub async fn stop(mut self) {
        // Streams end first, so that their connections can close within the grace.
        self.cloud.closing.send_replace(true);
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            // The server bounds its own wait by GRACE; this bound is a backstop.
            let abort = server.abort_handle();
            if tokio::time::timeout(GRACE + Duration::from_secs(1), server)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
        // Every environment ends (its process group killed); then what the local cloud
        // started in the background finishes: pipe readers write the last lines, invocations
        // report, settle tasks settle. What is still running after GRACE is aborted.
        self.cloud.runtimes.shutdown();
        self.cloud.tasks.finish(GRACE).await;
        self.finish();
    }

    fn finish(&self) {
        self.cloud.runtimes.shutdown();
        self.cloud.tasks.abort();
        for (_, db) in self.cloud.accounts.every() {
            let writer = super::lock(db).writer();
            if let Some(writer) = writer {
                writer.stop();
            }
        }
    }
}

impl Drop for LocalCloud {
    fn drop(&mut self) {
        self.cloud.closing.send_replace(true);
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            server.abort();
        }
        self.finish();
    }
}

/// Accepts connections until `signal`, each served by a task of its own in one `JoinSet`;
/// then finishes them gracefully within `GRACE` and aborts the rest.
async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    limits: Limits,
    mut signal: oneshot::Receiver<()>,
) {
    let limit = Arc::new(Semaphore::new(connection_bound(limits.max_connections)));
    let mut http = hyper::server::conn::http1::Builder::new();
    // Headers (and the next request on an idle keep-alive connection) within the limit, or
    // the connection is closed: half-sent requests cannot hold a slot.
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read);
    let (notify_shutdown, _) = broadcast::channel::<()>(1);
    let mut connections = JoinSet::new();
    loop {
        // Reap finished connections so that the set stays small.
        while connections.try_join_next().is_some() {}
        let permit = tokio::select! {
            permit = limit.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            _ = &mut signal => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors and the like: back off briefly, keep serving.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut signal => break,
        };
        let _ = stream.set_nodelay(true);
        // Each request carries its connection's record of header names as sent (see casing.rs).
        let (stream, heads) = RecordingIo::new(stream);
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(heads.clone());
            let mut app = app.clone();
            async move { tower_service::Service::call(&mut app, request).await }
        });
        let mut shutdown = notify_shutdown.subscribe();
        let http = http.clone();
        connections.spawn(async move {
            let connection = http.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = shutdown.recv() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
            drop(permit);
        });
    }
    drop(listener);
    let _ = notify_shutdown.send(());
    let drained = tokio::time::timeout(GRACE, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        connections.abort_all();
    }
}

/// How many connections to serve at once: the configured bound, lowered so that connections
/// can never take the file descriptors everything else needs (the soft open-file limit is
/// first raised to the hard one, as servers do).
fn connection_bound(configured: usize) -> usize {
    let files = raise_open_file_limit();
    configured
        .min(files.saturating_sub(RESERVED_FILES) / 2)
        .max(16)
}

/// Raises the soft `RLIMIT_NOFILE` to the hard limit; returns the soft limit in force.
fn raise_open_file_limit() -> usize {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return 1024;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max.min(65_536),
                rlim_max: limit.rlim_max,
            };
            if raised.rlim_cur > limit.rlim_cur
                && libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0
            {
                limit = raised;
            }
        }
    }
    usize::try_from(limit.rlim_cur).unwrap_or(usize::MAX)
}
