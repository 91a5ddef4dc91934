//! The task set: every background task of the local cloud in one place, which the runtime and
//! the server both use (it imports only the leaf `arns`, for the account a task acts for).

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use tokio::task::JoinSet;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Every background task of the local cloud — settle tasks, invocations, each environment's
/// Runtime API, pipe readers and process waiters — in one `JoinSet`, so that `stop()` ends
/// them all and nothing outlives it.
#[derive(Default)]
pub struct Tasks(Mutex<JoinSet<()>>);

impl Tasks {
    /// Starts a tracked task, acting for the account its starter acts for; its handle aborts
    /// it (e.g. when an environment is dropped).
    pub fn spawn(
        &self,
        task: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> tokio::task::AbortHandle {
        let mut tasks = lock(&self.0);
        // Finished tasks leave their slot until joined: reap them as new ones come.
        while tasks.try_join_next().is_some() {}
        tasks.spawn(super::arns::in_account(super::arns::account(), task))
    }

    /// Waits up to `grace` for every task to end, then aborts the rest and waits for them.
    pub async fn finish(&self, grace: Duration) {
        let mut tasks = std::mem::take(&mut *lock(&self.0));
        let deadline = tokio::time::Instant::now() + grace;
        while let Ok(Some(_)) = tokio::time::timeout_at(deadline, tasks.join_next()).await {}
        tasks.shutdown().await;
    }

    /// Aborts every task (when the local cloud is dropped without `stop()`).
    pub fn abort(&self) {
        lock(&self.0).abort_all();
    }
}
