//! Where a function's process runs. While an invocation is the only one in flight, its
//! environment is placed on the CPU of the worker that hands it the event; once two are in
//! flight, every environment is free again and the kernel spreads them.
//!
//! Why: one stage request crosses the worker and the bootstrap twice (the event, then the
//! answer), and each is a wake-up. On a VM whose idle vCPUs halt (`guest_halt_poll_ns` 0, as
//! here), waking a process on the other, idle vCPU is the costly part of the path. On the
//! worker's own CPU the same hand-off is a switch between two processes, one of which is about
//! to wait: measured with the bench's load generator at 1 client on 2 vCPUs, the stage URL's
//! p50 went from 269–290 µs to 182–186 µs with the two placed together (docs/performance.md).
//! Under concurrent load the two cores are needed by both, so nothing is placed then.

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
    use std::sync::OnceLock;

    /// The CPUs this process may run on, read once: "free" means these, as the process was
    /// started with them (a `taskset` around `faqctl local` is kept).
    fn allowed() -> Option<&'static libc::cpu_set_t> {
        static ALLOWED: OnceLock<Option<libc::cpu_set_t>> = OnceLock::new();
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
                    (read == 0 && libc::CPU_COUNT(&set) > 1).then_some(set)
                }
            })
            .as_ref()
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
    pub fn current_cpu() -> Option<usize> {
        None
    }

    pub fn hold(_pid: u32, _cpu: Option<usize>) -> bool {
        false
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

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
    fn a_process_alone_is_held_to_the_current_cpu_and_freed_when_not() {
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
            placement.follow(Some(pid), false);
            assert_eq!(placement.cpu(), None);
            assert_eq!(allowed_list(pid), ours, "freed to the CPUs it started with");
        }
        child.kill().unwrap();
        child.wait().unwrap();
    }
}
