//! A global allocator that counts, so benchmarks can print allocations per operation
//! beside their times.
//!
//! Counts are per thread: what the measured call allocates on its own thread, not what a
//! background exporter thread does at the same time.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// Counts every allocation (and reallocation) made through it, and the bytes asked for.
pub struct CountingAllocator;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
    static BYTES: Cell<usize> = const { Cell::new(0) };
}

fn count(bytes: usize) {
    // `try_with`: during thread teardown the counters may already be gone.
    let _ = ALLOCATIONS.try_with(|allocations| allocations.set(allocations.get() + 1));
    let _ = BYTES.try_with(|total| total.set(total.get() + bytes));
}

// SAFETY: every call is forwarded unchanged to the system allocator.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Allocations and bytes per call of `operation` on this thread, averaged over `runs`.
pub fn per_call<T>(runs: usize, mut operation: impl FnMut() -> T) -> (f64, f64) {
    // One warm-up call: lazily initialised statics are not the operation's cost.
    drop(operation());
    let (allocations, bytes) = (ALLOCATIONS.with(Cell::get), BYTES.with(Cell::get));
    for _ in 0..runs {
        drop(std::hint::black_box(operation()));
    }
    (
        (ALLOCATIONS.with(Cell::get) - allocations) as f64 / runs as f64,
        (BYTES.with(Cell::get) - bytes) as f64 / runs as f64,
    )
}
