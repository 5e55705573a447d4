//! The windowed deduplication transport's memory stays bounded by its caps, whatever the
//! number of failing traces: 100,000 distinct traces inside one window hold no more than
//! 10,000 do, and every event comes out. Its own test binary, so the counting allocator
//! sees nothing else.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use otel_sentry_core::CascadeWindow;
use sentry_core::Transport;
use sentry_core::protocol::{Context, Envelope, Event, Exception, SpanId, TraceContext, TraceId};

struct PeakCounting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for PeakCounting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: PeakCounting = PeakCounting;

/// Counts the events it is handed and keeps none.
#[derive(Default)]
struct CountingTransport {
    events: AtomicUsize,
}

impl Transport for CountingTransport {
    fn send_envelope(&self, envelope: Envelope) {
        if envelope.event().is_some() {
            self.events.fetch_add(1, Ordering::Relaxed);
        }
    }
}

fn error_event(trace: u64) -> Event<'static> {
    let mut trace_bytes = [0x5a; 16];
    trace_bytes[..8].copy_from_slice(&trace.to_be_bytes());
    let mut event = Event {
        event_id: sentry_core::types::random_uuid(),
        ..Event::default()
    };
    event.exception.values.push(Exception {
        ty: "PaymentDeclined".to_owned(),
        value: Some(format!("card declined for order {trace}")),
        ..Exception::default()
    });
    let context = TraceContext {
        trace_id: TraceId::from(trace_bytes),
        span_id: SpanId::from([7; 8]),
        ..TraceContext::default()
    };
    event
        .contexts
        .insert("trace".to_owned(), Context::Trace(Box::new(context)));
    event
}

/// Sends `traces` distinct failing traces through a default window; returns the peak of
/// live heap bytes above the start, and how many events came out after the flush.
fn peak_bytes_for(traces: u64) -> (usize, usize) {
    let inner = Arc::new(CountingTransport::default());
    let transport = CascadeWindow::new().wrap_transport(inner.clone());
    let baseline = LIVE.load(Ordering::Relaxed);
    PEAK.store(baseline, Ordering::Relaxed);
    for trace in 0..traces {
        transport.send_envelope(Envelope::from(error_event(trace)));
    }
    let peak = PEAK.load(Ordering::Relaxed) - baseline;
    transport.flush(Duration::from_secs(5));
    (peak, inner.events.load(Ordering::Relaxed))
}

#[test]
fn memory_is_bounded_by_the_caps_not_by_the_traffic() {
    let (peak_10k, out_10k) = peak_bytes_for(10_000);
    let (peak_100k, out_100k) = peak_bytes_for(100_000);
    println!(
        "cascade window, default caps: peak heap {} KiB with 10,000 traces, {} KiB with 100,000",
        peak_10k / 1024,
        peak_100k / 1024
    );
    assert_eq!(out_10k, 10_000, "every event forwarded");
    assert_eq!(out_100k, 100_000, "every event forwarded");
    // Both runs fill the 1,000-trace cap; ten times the traffic may not need more memory.
    assert!(
        peak_100k < peak_10k + peak_10k / 4,
        "peak grew with traffic: {peak_10k} -> {peak_100k} bytes"
    );
    assert!(peak_100k < 16 * 1024 * 1024, "peak {peak_100k} bytes");
}
