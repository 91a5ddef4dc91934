//! `setenv` for this binary: one that frees the value it replaces.
//!
//! On every invocation, lambda_runtime sets `_X_AMZN_TRACE_ID` to that invocation's trace ID,
//! as Lambda's custom-runtime contract asks, with `std::env::set_var`, which is libc's
//! `setenv`. glibc's `setenv` never frees a string it replaces: it keeps every `NAME=value` it
//! ever made, in case a pointer to one is still held. Each trace ID is new, so a warm
//! environment grew by ~112 bytes per invocation, for good: a 128 MB function would run out of
//! memory after about a million warm invocations. The leaked strings, interleaved with the
//! runtime's own allocations, also fragmented the heap: after 60,000 invocations, malloc's
//! free-list walks were a fifth of the function's CPU time (docs/function.md).
//!
//! A program's own definition of a libc function is the one the linker binds the program's
//! calls to. This one installs `NAME=value` with `putenv`, which keeps the string itself in
//! the environment, and frees the string it installed before for that name. That is safe
//! here: only Rust code calls it, through std, which holds its environment lock around every
//! read and write of the environment, and nothing in this program keeps a pointer that
//! `getenv` returned.

use std::collections::HashMap;
use std::ffi::{c_char, c_int, CStr, CString};
use std::sync::Mutex;

/// The `NAME=value` strings this function installed, by name: each stays alive while it is in
/// the environment.
static INSTALLED: Mutex<Option<HashMap<Vec<u8>, CString>>> = Mutex::new(None);

/// POSIX `setenv(name, value, overwrite)`: 0, or -1 with `errno` (EINVAL for a name that is
/// empty or has `=`, ENOMEM).
///
/// # Safety
/// `name` and `value` are NUL-terminated strings, as for libc's.
#[no_mangle]
pub unsafe extern "C" fn setenv(
    name: *const c_char,
    value: *const c_char,
    overwrite: c_int,
) -> c_int {
    if name.is_null() || value.is_null() {
        return fail(libc::EINVAL);
    }
    let key = CStr::from_ptr(name).to_bytes();
    if key.is_empty() || key.contains(&b'=') {
        return fail(libc::EINVAL);
    }
    if overwrite == 0 && !libc::getenv(name).is_null() {
        return 0;
    }
    let value = CStr::from_ptr(value).to_bytes();
    let mut entry = Vec::with_capacity(key.len() + 1 + value.len() + 1);
    entry.extend_from_slice(key);
    entry.push(b'=');
    entry.extend_from_slice(value);
    // Neither part has a NUL: both came from C strings.
    let Ok(entry) = CString::new(entry) else {
        return fail(libc::EINVAL);
    };
    let mut installed = INSTALLED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if libc::putenv(entry.as_ptr().cast_mut()) != 0 {
        return -1;
    }
    // The environment now points at `entry`; the string it replaced (if this function
    // installed it) is freed here.
    installed
        .get_or_insert_with(HashMap::new)
        .insert(key.to_vec(), entry);
    0
}

fn fail(errno: c_int) -> c_int {
    // SAFETY: errno is this thread's.
    unsafe { *libc::__errno_location() = errno };
    -1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory_in_use() -> usize {
        // SAFETY: mallinfo2 only reads the allocator's counters.
        unsafe { libc::mallinfo2().uordblks }
    }

    #[test]
    fn values_read_back_and_replaced_ones_are_freed() {
        // std's set_var and var go through this setenv and libc's getenv.
        std::env::set_var("FAQ_SETENV_TEST", "first");
        assert_eq!(std::env::var("FAQ_SETENV_TEST").unwrap(), "first");
        std::env::set_var("FAQ_SETENV_TEST", "second, longer than the first");
        assert_eq!(
            std::env::var("FAQ_SETENV_TEST").unwrap(),
            "second, longer than the first"
        );
        std::env::remove_var("FAQ_SETENV_TEST");
        assert!(std::env::var("FAQ_SETENV_TEST").is_err());
        std::env::set_var("FAQ_SETENV_TEST", "back");
        assert_eq!(std::env::var("FAQ_SETENV_TEST").unwrap(), "back");

        // As lambda_runtime does it: a new trace ID per invocation. glibc's setenv kept each
        // one (~112 bytes); this one keeps only the current one.
        let set = |i: u32| {
            let id = format!("Root=1-{:08x}-{:024x};Sampled=0", i, u64::from(i) * 7919);
            std::env::set_var("FAQ_SETENV_TEST", &id);
            assert_eq!(std::env::var("FAQ_SETENV_TEST").unwrap(), id);
        };
        (0..100).for_each(set);
        let before = memory_in_use();
        (100..20_100).for_each(set);
        let grown = memory_in_use().saturating_sub(before);
        assert!(
            grown < 64 * 1024,
            "20,000 values set in turn left {grown} more bytes allocated"
        );
    }

    #[test]
    fn overwrite_zero_keeps_a_value_and_bad_names_are_refused() {
        let name = c"FAQ_SETENV_KEEP";
        // SAFETY: NUL-terminated literals.
        unsafe {
            assert_eq!(setenv(name.as_ptr(), c"kept".as_ptr(), 1), 0);
            assert_eq!(setenv(name.as_ptr(), c"not set".as_ptr(), 0), 0);
            assert_eq!(std::env::var("FAQ_SETENV_KEEP").unwrap(), "kept");
            for bad in [c"", c"A=B"] {
                assert_eq!(setenv(bad.as_ptr(), c"x".as_ptr(), 1), -1);
                assert_eq!(*libc::__errno_location(), libc::EINVAL);
            }
        }
    }
}
