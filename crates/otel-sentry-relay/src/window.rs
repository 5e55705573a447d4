//! The in-process hold: error events grouped by trace id until their trace's window ends,
//! bounded in traces and bytes; over a cap, the oldest trace is decided early.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::held_event::HeldEvent;

struct Trace {
    deadline: Instant,
    generation: u64,
    bytes: usize,
    events: Vec<HeldEvent>,
}

#[derive(Default)]
struct Inner {
    traces: HashMap<String, Trace>,
    // Every trace has the same window, so deadlines come in insertion order; entries of a
    // trace decided early stay until popped and are told apart by generation.
    order: VecDeque<(Instant, u64, String)>,
    bytes: usize,
    events: usize,
    next_generation: u64,
}

/// Traces held for the window.
pub struct Window {
    window: Duration,
    max_traces: usize,
    max_bytes: usize,
    inner: Mutex<Inner>,
}

/// A trace's events, ready for a decision.
pub type TraceEvents = Vec<HeldEvent>;

impl Window {
    /// A hold of `window`, with at most `max_traces` traces and `max_bytes` bytes.
    pub fn new(window: Duration, max_traces: usize, max_bytes: usize) -> Window {
        Window {
            window,
            max_traces: max_traces.max(1),
            max_bytes,
            inner: Mutex::new(Inner::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic elsewhere while holding the lock leaves consistent data: keep serving.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Holds `event`; returns the traces decided early to make room.
    pub fn hold(&self, event: HeldEvent, now: Instant) -> Vec<TraceEvents> {
        let size = event.size();
        let mut inner = self.lock();
        let mut early = Vec::new();
        let is_new = !inner.traces.contains_key(&event.trace_id);
        while !inner.traces.is_empty()
            && ((is_new && inner.traces.len() >= self.max_traces)
                || inner.bytes + size > self.max_bytes)
        {
            match pop_oldest(&mut inner) {
                Some(events) => early.push(events),
                None => break,
            }
        }
        inner.bytes += size;
        inner.events += 1;
        let generation = inner.next_generation;
        let deadline = now + self.window;
        let trace_id = event.trace_id.clone();
        let inner = &mut *inner;
        let trace = inner.traces.entry(trace_id.clone()).or_insert_with(|| {
            inner.next_generation += 1;
            inner.order.push_back((deadline, generation, trace_id));
            Trace {
                deadline,
                generation,
                bytes: 0,
                events: Vec::new(),
            }
        });
        trace.bytes += size;
        trace.events.push(event);
        early
    }

    /// The traces whose window ended by `now`.
    pub fn due(&self, now: Instant) -> Vec<TraceEvents> {
        let mut inner = self.lock();
        let mut due = Vec::new();
        while inner
            .order
            .front()
            .is_some_and(|(deadline, _, _)| *deadline <= now)
        {
            if let Some(events) = pop_oldest(&mut inner) {
                due.push(events);
            }
        }
        due
    }

    /// Every trace held, for shutdown.
    pub fn drain(&self) -> Vec<TraceEvents> {
        let mut inner = self.lock();
        let mut all = Vec::new();
        while !inner.order.is_empty() {
            if let Some(events) = pop_oldest(&mut inner) {
                all.push(events);
            }
        }
        all
    }

    /// How many events are held.
    pub fn held_events(&self) -> usize {
        self.lock().events
    }

    /// How many traces are held.
    pub fn held_traces(&self) -> usize {
        self.lock().traces.len()
    }
}

/// Removes the oldest trace; `None` when the oldest entry was stale.
fn pop_oldest(inner: &mut Inner) -> Option<TraceEvents> {
    let (_, generation, trace_id) = inner.order.pop_front()?;
    if inner.traces.get(&trace_id)?.generation != generation {
        return None;
    }
    let trace = inner.traces.remove(&trace_id)?;
    inner.bytes -= trace.bytes;
    inner.events -= trace.events.len();
    let _ = trace.deadline;
    Some(trace.events)
}
