//! One request as the instruction count sees it: `scripts/bench-instructions.sh` runs a
//! benchmark case under callgrind with collection on only inside [`request`], and divides
//! the instructions by the requests [`report`] prints. Instruction counts do not move with
//! the machine's load, where times on a shared 2-core machine do.

use std::sync::atomic::{AtomicU64, Ordering};

static REQUESTS: AtomicU64 = AtomicU64::new(0);

/// Runs one timed request; never inlined, so callgrind can name it.
#[inline(never)]
pub fn request<T>(operation: impl FnOnce() -> T) -> T {
    REQUESTS.fetch_add(1, Ordering::Relaxed);
    operation()
}

/// Prints how many requests ran through [`request`], for the instruction script.
pub fn report() {
    if std::env::var_os("BENCH_REPORT_REQUESTS").is_some() {
        eprintln!("profiled requests: {}", REQUESTS.load(Ordering::Relaxed));
    }
}
