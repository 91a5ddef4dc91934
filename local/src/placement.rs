//! Where a function's process runs. While an invocation is the only one in flight, its
//! environment is placed on the CPU of the worker that hands it the event; an invocation that
//! starts while another is in flight frees its environment (each environment is placed or
//! freed as its own next invocation starts), and the kernel spreads them.
//!
//! Why: one stage request crosses the worker and the bootstrap twice (the event, then the
//! answer), and each is a wake-up. On a VM whose idle vCPUs halt (`guest_halt_poll_ns` 0, as
//! here), waking a process on the other, idle vCPU is the costly part of the path. On the
//! worker's own CPU the same hand-off is a switch between two processes, one of which is about
//! to wait: measured with the bench's load generator at 1 client on 2 vCPUs, the stage URL's
//! p50 went from 269–290 µs to 182–186 µs with the two placed together (docs/performance.md).
//! Under concurrent load the two cores are needed by both, so nothing is placed then; nor
//! while the machine is oversubscribed (`Mode::Auto`): a process held to one CPU behind a
//! build could not move to the other, and invocations that took milliseconds took seconds.
//!
//! While a process is placed beside the runtime's one worker thread (the default on two CPUs),
//! the worker runs as `SCHED_BATCH`: the kernel does not let it preempt that process on a
//! wake-up. (With more workers the invocation's task may resume on another thread than the
//! one that placed it, so no thread's policy is changed.) The function's own output wakes
//! the worker (its pipe) just before the function posts its answer; preempting it there cost
//! two more switches per request (the worker reads one line and waits again), and the answer
//! waited for them. As a batch thread the worker runs when the function waits for the answer's
//! acknowledgement, and reads the line and the answer in one go.

/// When environments are placed (`faqctl local --placement`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// While the machine is not oversubscribed: no more tasks ready to run than CPUs
    /// (`/proc/loadavg`, read at most every 50 ms). A process held to one busy CPU could not
    /// move to the other, so under a build or a test suite nothing is held.
    #[default]
    Auto,
    /// Whenever an invocation is alone, however busy the machine.
    Always,
    /// Never: the kernel places every process.
    Off,
}

impl Mode {
    /// Whether an invocation alone in flight is placed now.
    pub fn places(self) -> bool {
        match self {
            Mode::Auto => os::machine_quiet(),
            Mode::Always => true,
            Mode::Off => false,
        }
    }
}

/// Whether `running` tasks ready to run (the reader among them) leave the machine's `cpus`
/// enough: no more of them than CPUs.
pub fn quiet(running: usize, cpus: usize) -> bool {
    running <= cpus
}

/// Whether the calling task runs on a runtime of one worker thread (so the thread that hands
/// an invocation over is the one that takes its answer).
fn one_worker() -> bool {
    tokio::runtime::Handle::try_current().is_ok_and(|runtime| runtime.metrics().num_workers() == 1)
}

/// One environment's placement: the CPU it is held to, if any.
#[derive(Debug, Default)]
pub struct Placement {
    cpu: Option<usize>,
}

impl Placement {
    /// Before an invocation is handed to the process `pid`: held to the current CPU when the
    /// invocation is `alone` in flight, free otherwise. Only a change makes a system call; a
    /// refused one (a CPU outside the process's cpuset, a process gone) leaves it as it was.
    pub fn follow(&mut self, pid: Option<u32>, alone: bool) {
        let Some(pid) = pid else {
            return;
        };
        let wanted = if alone { os::current_cpu() } else { None };
        os::yield_on_wake(wanted.is_some() && one_worker());
        if wanted == self.cpu {
            return;
        }
        if os::hold(pid, wanted) {
            self.cpu = wanted;
        }
    }

    /// The CPU the environment is held to.
    #[cfg(test)]
    pub fn cpu(&self) -> Option<usize> {
        self.cpu
    }
}

#[cfg(target_os = "linux")]
mod os {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::sync::OnceLock;
    use std::time::Instant;

    /// Whether the machine is quiet (`super::quiet` of `/proc/loadavg`'s running tasks and
    /// the CPUs this process may use), read at most every 50 ms.
    pub fn machine_quiet() -> bool {
        static START: OnceLock<Instant> = OnceLock::new();
        static READ_AT_MS: AtomicU64 = AtomicU64::new(0);
        static QUIET: AtomicBool = AtomicBool::new(false);
        let Some(cpus) = allowed_count() else {
            return false;
        };
        let now = START.get_or_init(Instant::now).elapsed().as_millis() as u64 + 1;
        let read_at = READ_AT_MS.load(Ordering::Relaxed);
        if read_at != 0 && now.saturating_sub(read_at) < 50 {
            return QUIET.load(Ordering::Relaxed);
        }
        READ_AT_MS.store(now, Ordering::Relaxed);
        // "0.52 0.58 0.59 2/345 6789": the fourth field is running/total.
        let running = std::fs::read_to_string("/proc/loadavg")
            .ok()
            .and_then(|text| {
                let field = text.split_whitespace().nth(3)?;
                field.split('/').next()?.parse::<usize>().ok()
            });
        let quiet = running.is_some_and(|running| super::quiet(running, cpus));
        QUIET.store(quiet, Ordering::Relaxed);
        quiet
    }

    /// The CPUs this process may run on, read once: "free" means these, as the process was
    /// started with them (a `taskset` around `faqctl local` is kept).
    fn allowed() -> Option<&'static libc::cpu_set_t> {
        allowed_and_count().map(|(set, _)| set)
    }

    /// How many CPUs `allowed` holds.
    fn allowed_count() -> Option<usize> {
        allowed_and_count().map(|(_, count)| *count)
    }

    fn allowed_and_count() -> Option<&'static (libc::cpu_set_t, usize)> {
        static ALLOWED: OnceLock<Option<(libc::cpu_set_t, usize)>> = OnceLock::new();
        ALLOWED
            .get_or_init(|| {
                // SAFETY: an all-zero cpu_set_t is a valid empty set, and sched_getaffinity
                // writes at most size_of::<cpu_set_t>() bytes into it.
                unsafe {
                    let mut set: libc::cpu_set_t = std::mem::zeroed();
                    let read = libc::sched_getaffinity(
                        0,
                        std::mem::size_of::<libc::cpu_set_t>(),
                        &mut set,
                    );
                    let count = libc::CPU_COUNT(&set) as usize;
                    (read == 0 && count > 1).then_some((set, count))
                }
            })
            .as_ref()
    }

    /// The calling thread as `SCHED_BATCH` (`batch`: it does not preempt on a wake-up) or
    /// as the ordinary `SCHED_OTHER`; a system call only on a change.
    pub fn yield_on_wake(batch: bool) {
        thread_local! {
            static BATCH: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
        }
        if BATCH.get() == batch {
            return;
        }
        let policy = if batch {
            libc::SCHED_BATCH
        } else {
            libc::SCHED_OTHER
        };
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: pid 0 is the calling thread; the call only reads `param`. Moving between
        // SCHED_OTHER and SCHED_BATCH needs no privilege.
        if unsafe { libc::sched_setscheduler(0, policy, &param) } == 0 {
            BATCH.set(batch);
        }
    }

    /// The CPU the calling thread runs on, when this process may use more than one.
    pub fn current_cpu() -> Option<usize> {
        allowed()?;
        // SAFETY: sched_getcpu takes no arguments and only reads the caller's CPU.
        let cpu = unsafe { libc::sched_getcpu() };
        usize::try_from(cpu).ok()
    }

    /// Holds every thread of `pid` to `cpu`, or frees them (`None`). False when the kernel
    /// refused it for the main thread.
    pub fn hold(pid: u32, cpu: Option<usize>) -> bool {
        let Some(allowed) = allowed() else {
            return false;
        };
        let set = match cpu {
            Some(cpu) => {
                // SAFETY: as above; CPU_SET only writes inside the set for cpu < CPU_SETSIZE.
                unsafe {
                    let mut set: libc::cpu_set_t = std::mem::zeroed();
                    if cpu >= libc::CPU_SETSIZE as usize {
                        return false;
                    }
                    libc::CPU_SET(cpu, &mut set);
                    set
                }
            }
            None => *allowed,
        };
        let threads: Vec<libc::pid_t> = std::fs::read_dir(format!("/proc/{pid}/task"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| entry.file_name().to_str()?.parse().ok())
            .collect();
        let Ok(main) = libc::pid_t::try_from(pid) else {
            return false;
        };
        let mut held = false;
        for thread in if threads.is_empty() {
            vec![main]
        } else {
            threads
        } {
            // SAFETY: the set is a valid cpu_set_t of the size given; the call reads it only.
            let done = unsafe {
                libc::sched_setaffinity(thread, std::mem::size_of::<libc::cpu_set_t>(), &set)
            } == 0;
            held |= done && thread == main;
        }
        held
    }
}

#[cfg(not(target_os = "linux"))]
mod os {
    pub fn machine_quiet() -> bool {
        false
    }

    pub fn current_cpu() -> Option<usize> {
        None
    }

    pub fn yield_on_wake(_batch: bool) {}

    pub fn hold(_pid: u32, _cpu: Option<usize>) -> bool {
        false
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// The calling thread's scheduling policy.
    fn policy() -> libc::c_int {
        // SAFETY: pid 0 is the calling thread; the call takes nothing else.
        unsafe { libc::sched_getscheduler(0) }
    }

    /// The CPUs a process may run on, as /proc lists them ("0-1", "1").
    fn allowed_list(pid: u32) -> String {
        std::fs::read_to_string(format!("/proc/{pid}/status"))
            .unwrap()
            .lines()
            .find_map(|line| line.strip_prefix("Cpus_allowed_list:"))
            .unwrap()
            .trim()
            .to_string()
    }

    #[test]
    fn the_machine_is_quiet_while_no_more_tasks_are_ready_than_cpus() {
        assert!(quiet(1, 2));
        assert!(quiet(2, 2));
        assert!(!quiet(3, 2));
        assert!(!quiet(9, 8));
        assert!(Mode::Always.places());
        assert!(!Mode::Off.places());
    }

    /// On a runtime of one worker, as `faqctl local` runs on two CPUs.
    #[tokio::test(flavor = "current_thread")]
    async fn a_process_alone_is_held_to_the_current_cpu_and_freed_when_not() {
        let ours = allowed_list(std::process::id());
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let pid = child.id();
        let mut placement = Placement::default();
        placement.follow(Some(pid), true);
        if os::current_cpu().is_none() {
            // One CPU allowed: nothing to choose, nothing is held.
            assert_eq!(placement.cpu(), None);
            assert_eq!(allowed_list(pid), ours);
        } else {
            let cpu = placement.cpu().expect("held to a CPU");
            assert_eq!(allowed_list(pid), cpu.to_string());
            assert_eq!(
                policy(),
                libc::SCHED_BATCH,
                "the thread that placed it does not preempt it on a wake-up"
            );
            placement.follow(Some(pid), false);
            assert_eq!(placement.cpu(), None);
            assert_eq!(allowed_list(pid), ours, "freed to the CPUs it started with");
            assert_eq!(
                policy(),
                libc::SCHED_OTHER,
                "and back to the ordinary policy"
            );
        }
        child.kill().unwrap();
        child.wait().unwrap();
    }
}
