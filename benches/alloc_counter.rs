//! A global allocator that counts, so benchmarks can print allocations per operation
//! beside their times.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// Counts every allocation (and reallocation) made through it, and the bytes asked for.
pub struct CountingAllocator;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static BYTES: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        BYTES.fetch_add(layout.size(), Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        BYTES.fetch_add(new_size, Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Allocations and bytes per call of `operation`, averaged over `runs` calls.
pub fn per_call<T>(runs: usize, mut operation: impl FnMut() -> T) -> (f64, f64) {
    // One warm-up call: lazily initialised statics are not the operation's cost.
    drop(operation());
    let (allocations, bytes) = (ALLOCATIONS.load(Relaxed), BYTES.load(Relaxed));
    for _ in 0..runs {
        drop(std::hint::black_box(operation()));
    }
    (
        (ALLOCATIONS.load(Relaxed) - allocations) as f64 / runs as f64,
        (BYTES.load(Relaxed) - bytes) as f64 / runs as f64,
    )
}
