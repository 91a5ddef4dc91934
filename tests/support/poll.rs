//! Bounded waits on a condition, for both test harnesses.

/// A bounded wait on a condition checked by the caller's own loop body (so the body may borrow
/// mutably, return early with an error, or keep what it read):
/// `let mut poll = Poll::new(limit); loop { if done { break } if !poll.tick().await { fail } }`.
/// The one place the test suites pause between checks (shared by `tests/it` and
/// `tests/acceptance`, which include this file).
pub struct Poll {
    started: std::time::Instant,
    deadline: std::time::Instant,
    interval: std::time::Duration,
}

impl Poll {
    /// Checks every 20 ms for up to `limit`.
    pub fn new(limit: std::time::Duration) -> Poll {
        let started = std::time::Instant::now();
        Poll {
            started,
            deadline: started + limit,
            interval: std::time::Duration::from_millis(20),
        }
    }

    /// How long it has waited so far (what a test reports as the time a change took).
    pub fn elapsed(&self) -> std::time::Duration {
        self.started.elapsed()
    }

    /// Checks at this interval instead (a check that is a whole request, say).
    pub fn every(self, interval: std::time::Duration) -> Poll {
        Poll { interval, ..self }
    }

    /// Waits for the next check: false once the limit has passed (the caller's last check was
    /// made at or after it), true after at most one interval otherwise.
    pub async fn tick(&mut self) -> bool {
        let now = std::time::Instant::now();
        if now >= self.deadline {
            return false;
        }
        // A whole interval from now (however long the check took), or the deadline if it
        // comes first.
        tokio::time::sleep_until((now + self.interval).min(self.deadline).into()).await;
        true
    }

    /// The blocking twin of `tick`, for set-up code outside a runtime (only `tests/it` has any).
    #[allow(dead_code)]
    pub fn tick_blocking(&mut self) -> bool {
        let now = std::time::Instant::now();
        if now >= self.deadline {
            return false;
        }
        // Parked until the next check is due (an early wake-up only checks sooner).
        std::thread::park_timeout(self.interval.min(self.deadline - now));
        true
    }
}
