//! Two threads serving at once, in process: what a request costs on a thread while another
//! thread serves the same stack, as a server's workers do. One thread alone never contends
//! for the reference counts and locks every request touches (the parent hub's, the
//! interned names', the tracer provider's); two do, without the sockets, the kernel and
//! wrk's share of the cores that make end-to-end figures noisy.

use std::sync::Barrier;
use std::time::{Duration, Instant};

use tokio::runtime::Runtime;

/// The time `iters` requests take as criterion counts it, run half on each of two threads
/// at once: twice the slower thread's time, so that the figure per iteration is the time
/// of one request on a thread while the other thread serves too (equal to the one-thread
/// figure when nothing is shared). Each thread has its own current-thread runtime, and
/// first runs `setup` (a thread-local subscriber, say), keeping what it returns while it
/// serves.
pub fn two_threads<G>(
    iters: u64,
    setup: impl Fn() -> G + Sync,
    request: impl Fn(&Runtime) + Sync,
) -> Duration {
    let per_thread = iters.div_ceil(2);
    let start = Barrier::new(2);
    let slowest = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .build()
                        .expect("a current-thread runtime");
                    let _kept = setup();
                    // One request first: a thread's lazily made parts (its Sentry hub, the
                    // runtime's context) are not a request's cost.
                    request(&runtime);
                    start.wait();
                    let started = Instant::now();
                    for _ in 0..per_thread {
                        request(&runtime);
                    }
                    started.elapsed()
                })
            })
            .collect();
        threads
            .into_iter()
            .map(|thread| thread.join().expect("a serving thread"))
            .max()
            .unwrap_or_default()
    });
    // `per_thread` requests on each thread in `slowest`: per request, slowest / per_thread.
    slowest.mul_f64(iters as f64 / per_thread as f64)
}
