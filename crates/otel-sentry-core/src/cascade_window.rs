//! The windowed deduplication transport: a `sentry_core::Transport` wrapper that sends one
//! event per failing trace.
//!
//! The in-band [`CascadePolicy`](crate::CascadePolicy) needs a downstream that answers with
//! `x-sentry-event-id`. Where that signal is missing (a downstream not instrumented by
//! otel-sentry, several errors captured inside one request, services sharing one
//! process and one Sentry client), [`CascadeWindow`] catches what is left: it holds each
//! error event for a window, groups the held events by trace id, and when the window of a
//! trace closes forwards one event, the **root cause**, with
//! `extra.cascading_errors_suppressed = N` and `extra.cascading_errors`, a summary of each
//! event it stood in for (exception type, message, span id, event id). Their attachments
//! travel with the root cause.
//!
//! The root cause is the event from the deepest span, then the earliest. Depth comes from
//! what the events say: an event whose trace context's parent span is another held event's
//! span is one deeper; an event named by another's `cascade.root_event_id` tag
//! ([`CascadePolicy::Group`](crate::CascadePolicy::Group)) is deeper than that one. Among
//! events that say nothing of each other the earliest wins: a cascade fails after its cause.
//!
//! Everything else goes through at once: transactions, sessions (also those sent with an
//! error event), client reports, check-ins, logs, events below level `error` and events
//! without a trace context. Nothing is dropped: when the traces held reach
//! [`max_traces`](CascadeWindow::max_traces) the oldest trace is decided early, and an event
//! past a trace's [`max_events_per_trace`](CascadeWindow::max_events_per_trace) is forwarded
//! as it is. [`Transport::flush`] and [`Transport::shutdown`] (the client's `flush` and
//! `close`, and dropping sentry's init guard) decide every trace held before they pass on.
//!
//! ```
//! use std::time::Duration;
//! use otel_sentry_core::CascadeWindow;
//!
//! let test_transport = sentry_core::test::TestTransport::new();
//! let mut options = sentry_core::ClientOptions::default();
//! options.dsn = "https://public@sentry.invalid/1".parse().ok();
//! options.transport = Some(
//!     CascadeWindow::new()
//!         .window(Duration::from_secs(2))
//!         .wrap(test_transport.clone()),
//! );
//! let client = sentry_core::Client::from(options);
//! assert!(client.is_enabled());
//! ```

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use sentry_core::protocol::{
    Context, Envelope, EnvelopeHeaders, EnvelopeItem, Event, Level, SpanId, TraceId, Value,
};
use sentry_core::types::Uuid;
use sentry_core::{Transport, TransportFactory, TransportOptions};

use crate::cascade_policy::CASCADE_ROOT_TAG;

/// `extra` key on a forwarded root cause: how many events of its trace it stands in for.
pub const CASCADING_ERRORS_SUPPRESSED: &str = "cascading_errors_suppressed";
/// `extra` key on a forwarded root cause: `[{type, message, span_id, event_id}]` of the
/// events it stands in for, in the order they were captured.
pub const CASCADING_ERRORS: &str = "cascading_errors";

/// How long a summary's message may be, in characters.
const SUMMARY_MESSAGE_CHARS: usize = 200;

/// Settings of the windowed deduplication transport, builder style.
///
/// The defaults: a 5 second window, at most 1,000 traces held, at most 32 events per
/// trace. The window delays every error event by its length (an alert comes 5 s later) and
/// must cover the time between the root cause and the last cascade it causes: the
/// slowest call chain's timeouts, not its average latency. The caps bound memory (about
/// 32,000 events at worst, a few KiB each); a burst of failing traces larger than
/// `max_traces` within one window gets its oldest traces decided early, so those may
/// alert twice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CascadeWindow {
    window: Duration,
    max_traces: usize,
    max_events_per_trace: usize,
}

impl Default for CascadeWindow {
    fn default() -> Self {
        Self {
            window: Duration::from_secs(5),
            max_traces: 1_000,
            max_events_per_trace: 32,
        }
    }
}

impl CascadeWindow {
    /// The defaults (see the type's documentation).
    pub fn new() -> Self {
        Self::default()
    }

    /// How long an error event is held, counted from the first event of its trace.
    pub fn window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// How many traces are held at once (at least 1); past it, the oldest is decided early.
    pub fn max_traces(mut self, max_traces: usize) -> Self {
        self.max_traces = max_traces.max(1);
        self
    }

    /// How many events one trace holds (at least 1); later ones are forwarded unchanged.
    pub fn max_events_per_trace(mut self, max_events_per_trace: usize) -> Self {
        self.max_events_per_trace = max_events_per_trace.max(1);
        self
    }

    /// A transport factory for `ClientOptions::transport` whose transports hold and
    /// deduplicate error events, then hand them to a transport made by `inner` (for
    /// example sentry's `DefaultTransportFactory`).
    pub fn wrap<F: TransportFactory + 'static>(self, inner: F) -> Arc<dyn TransportFactory> {
        Arc::new(CascadeWindowFactory {
            settings: self,
            inner: Box::new(inner),
        })
    }

    /// A deduplicating transport in front of `inner`.
    pub fn wrap_transport(self, inner: Arc<dyn Transport>) -> CascadeWindowTransport {
        CascadeWindowTransport::new(self, inner)
    }
}

struct CascadeWindowFactory {
    settings: CascadeWindow,
    inner: Box<dyn TransportFactory>,
}

impl TransportFactory for CascadeWindowFactory {
    fn create_transport_with_options(&self, options: TransportOptions) -> Arc<dyn Transport> {
        let inner = self.inner.create_transport_with_options(options);
        Arc::new(CascadeWindowTransport::new(self.settings.clone(), inner))
    }
}

/// The windowed deduplication transport (see the [module](self) documentation); made by
/// [`CascadeWindow::wrap`] or [`CascadeWindow::wrap_transport`].
pub struct CascadeWindowTransport {
    shared: Arc<Shared>,
    worker: Mutex<Option<JoinHandle<()>>>,
}

impl fmt::Debug for CascadeWindowTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CascadeWindowTransport")
            .field("settings", &self.shared.settings)
            .field("traces_held", &lock(&self.shared.state).order.len())
            .finish()
    }
}

struct Shared {
    settings: CascadeWindow,
    inner: Arc<dyn Transport>,
    state: Mutex<State>,
    /// Wakes the worker when a trace is added to an empty window, or on shutdown.
    wake: Condvar,
    /// Held while events taken out of `state` are on their way to `inner`, so a flush
    /// waits for events the worker or an overflow already took.
    forwarding: Mutex<()>,
}

#[derive(Default)]
struct State {
    traces: HashMap<TraceId, HeldTrace>,
    /// Trace ids in the order their windows close (their first events' arrival).
    order: VecDeque<TraceId>,
    closed: bool,
}

struct HeldTrace {
    closes_at: Instant,
    /// In arrival order.
    events: Vec<HeldEvent>,
}

struct HeldEvent {
    headers: EnvelopeHeaders,
    event: Box<Event<'static>>,
    attachments: Vec<EnvelopeItem>,
    span_id: Option<SpanId>,
    parent_span_id: Option<SpanId>,
}

impl HeldEvent {
    fn into_envelope(self) -> Envelope {
        let mut envelope = Envelope::new().with_headers(self.headers);
        envelope.add_item(EnvelopeItem::Event(self.event));
        for attachment in self.attachments {
            envelope.add_item(attachment);
        }
        envelope
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic in a forwarding thread must not stop every later event.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl CascadeWindowTransport {
    fn new(settings: CascadeWindow, inner: Arc<dyn Transport>) -> Self {
        let shared = Arc::new(Shared {
            settings,
            inner,
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
            forwarding: Mutex::new(()),
        });
        let worker_shared = shared.clone();
        let worker = std::thread::Builder::new()
            .name("otel-sentry-cascade-window".to_owned())
            .spawn(move || worker_shared.run_worker())
            .map_err(|error| {
                // Without a worker, events are forwarded at once (see `hold`).
                tracing::warn!(
                    target: "otel_sentry::cascade_window",
                    %error,
                    "cannot start the cascade window thread; events are not deduplicated"
                );
            })
            .ok();
        if worker.is_none() {
            lock(&shared.state).closed = true;
        }
        Self {
            shared,
            worker: Mutex::new(worker),
        }
    }

    /// How many traces are held now.
    pub fn traces_held(&self) -> usize {
        lock(&self.shared.state).order.len()
    }

    /// How many events are held now.
    pub fn events_held(&self) -> usize {
        lock(&self.shared.state)
            .traces
            .values()
            .map(|trace| trace.events.len())
            .sum()
    }

    /// Stops the worker after forwarding everything held; later events pass straight on.
    fn close(&self) {
        self.shared.forward_all();
        lock(&self.shared.state).closed = true;
        self.shared.wake.notify_all();
        if let Some(worker) = lock(&self.worker).take() {
            // The worker only forwards; a panic in `inner` is not ours to re-raise.
            let _ = worker.join();
        }
        // Events that arrived while closing.
        self.shared.forward_all();
    }
}

impl Transport for CascadeWindowTransport {
    fn send_envelope(&self, envelope: Envelope) {
        self.shared.send(envelope);
    }

    fn flush(&self, timeout: Duration) -> bool {
        self.shared.forward_all();
        self.shared.inner.flush(timeout)
    }

    fn shutdown(&self, timeout: Duration) -> bool {
        self.close();
        self.shared.inner.shutdown(timeout)
    }
}

impl Drop for CascadeWindowTransport {
    fn drop(&mut self) {
        self.close();
    }
}

/// The trace an error event is held under, with its span and parent span.
fn held_trace_of(event: &Event<'static>) -> Option<(TraceId, Option<SpanId>, Option<SpanId>)> {
    if !matches!(event.level, Level::Error | Level::Fatal) {
        return None;
    }
    match event.contexts.get("trace")? {
        Context::Trace(trace) => Some((trace.trace_id, Some(trace.span_id), trace.parent_span_id)),
        _ => None,
    }
}

impl Shared {
    fn send(&self, envelope: Envelope) {
        let Some((trace_id, span_id, parent_span_id)) = envelope.event().and_then(held_trace_of)
        else {
            self.inner.send_envelope(envelope);
            return;
        };
        let headers = envelope.headers().clone();
        let mut event = None;
        let mut attachments = Vec::new();
        let mut passing = Envelope::new();
        for item in envelope.into_items() {
            match item {
                EnvelopeItem::Event(item) if event.is_none() => event = Some(item),
                EnvelopeItem::Attachment(_) => attachments.push(item),
                other => passing.add_item(other),
            }
        }
        if passing.items().next().is_some() {
            self.inner.send_envelope(passing);
        }
        let Some(event) = event else { return };
        let held = HeldEvent {
            headers,
            event,
            attachments,
            span_id,
            parent_span_id,
        };
        let _forwarding = lock(&self.forwarding);
        let overflow = self.hold(trace_id, held);
        for envelope in overflow {
            self.inner.send_envelope(envelope);
        }
    }

    /// Holds `held` under `trace_id`; returns what must go out now instead.
    fn hold(&self, trace_id: TraceId, held: HeldEvent) -> Vec<Envelope> {
        let mut state = lock(&self.state);
        if state.closed {
            return vec![held.into_envelope()];
        }
        if let Some(trace) = state.traces.get_mut(&trace_id) {
            if trace.events.len() >= self.settings.max_events_per_trace {
                tracing::debug!(
                    target: "otel_sentry::cascade_window",
                    %trace_id,
                    "trace holds its maximum of events; forwarding this one as it is"
                );
                return vec![held.into_envelope()];
            }
            trace.events.push(held);
            return Vec::new();
        }
        let mut early = Vec::new();
        while state.order.len() >= self.settings.max_traces {
            let Some(oldest) = state.order.pop_front() else {
                break;
            };
            if let Some(trace) = state.traces.remove(&oldest) {
                tracing::debug!(
                    target: "otel_sentry::cascade_window",
                    trace_id = %oldest,
                    "the window holds its maximum of traces; deciding the oldest early"
                );
                early.push(decide(trace.events));
            }
        }
        let was_empty = state.order.is_empty();
        state.order.push_back(trace_id);
        state.traces.insert(
            trace_id,
            HeldTrace {
                closes_at: Instant::now() + self.settings.window,
                events: vec![held],
            },
        );
        drop(state);
        if was_empty {
            self.wake.notify_one();
        }
        early
    }

    fn run_worker(&self) {
        let mut state = lock(&self.state);
        loop {
            if state.closed {
                return;
            }
            let next_close = state
                .order
                .front()
                .and_then(|trace_id| state.traces.get(trace_id))
                .map(|trace| trace.closes_at);
            state = match next_close {
                None => self
                    .wake
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner),
                Some(closes_at) => {
                    let now = Instant::now();
                    if closes_at > now {
                        self.wake
                            .wait_timeout(state, closes_at - now)
                            .unwrap_or_else(PoisonError::into_inner)
                            .0
                    } else {
                        drop(state);
                        self.forward_closed(now);
                        lock(&self.state)
                    }
                }
            };
        }
    }

    /// Forwards the traces whose windows closed by `now`.
    fn forward_closed(&self, now: Instant) {
        let _forwarding = lock(&self.forwarding);
        let mut closed = Vec::new();
        {
            let mut state = lock(&self.state);
            while let Some(trace_id) = state.order.front().copied() {
                match state.traces.get(&trace_id) {
                    Some(trace) if trace.closes_at > now => break,
                    _ => {}
                }
                state.order.pop_front();
                if let Some(trace) = state.traces.remove(&trace_id) {
                    closed.push(trace);
                }
            }
        }
        for trace in closed {
            self.inner.send_envelope(decide(trace.events));
        }
    }

    /// Forwards every trace held, deciding each.
    fn forward_all(&self) {
        let _forwarding = lock(&self.forwarding);
        let traces = {
            let mut state = lock(&self.state);
            state.order.clear();
            std::mem::take(&mut state.traces)
        };
        for (_, trace) in traces {
            self.inner.send_envelope(decide(trace.events));
        }
    }
}

/// One envelope for a trace's held events: the root cause's, carrying the summary of the
/// others and all their attachments.
fn decide(mut events: Vec<HeldEvent>) -> Envelope {
    if events.len() <= 1 {
        return match events.pop() {
            Some(only) => only.into_envelope(),
            None => Envelope::new(),
        };
    }
    let root_index = root_cause(&events);
    let mut root = events.remove(root_index);
    let summary: Vec<Value> = events.iter().map(summarize).collect();
    root.event.extra.insert(
        CASCADING_ERRORS_SUPPRESSED.to_owned(),
        Value::from(summary.len()),
    );
    root.event
        .extra
        .insert(CASCADING_ERRORS.to_owned(), Value::Array(summary));
    for suppressed in events {
        root.attachments.extend(suppressed.attachments);
    }
    root.into_envelope()
}

/// The index of the root cause: the deepest, then the earliest, then the first to arrive.
fn root_cause(events: &[HeldEvent]) -> usize {
    let depths = depths(events);
    let mut best = 0;
    for (index, event) in events.iter().enumerate().skip(1) {
        let best_event = &events[best];
        let deeper = depths[index] > depths[best];
        let as_deep_and_earlier =
            depths[index] == depths[best] && event.event.timestamp < best_event.event.timestamp;
        if deeper || as_deep_and_earlier {
            best = index;
        }
    }
    best
}

/// Each event's depth among the others: one more than its deepest known cause-of-failure
/// parent. Relaxed `len` times, which also stops on a cycle in hostile data.
fn depths(events: &[HeldEvent]) -> Vec<usize> {
    let mut depths = vec![0; events.len()];
    // (shallower, deeper) pairs the events state.
    let mut edges = Vec::new();
    for (child, event) in events.iter().enumerate() {
        if let Some(parent_span) = event.parent_span_id {
            for (parent, other) in events.iter().enumerate() {
                if parent != child && other.span_id == Some(parent_span) {
                    edges.push((parent, child));
                }
            }
        }
        if let Some(root) = event
            .event
            .tags
            .get(CASCADE_ROOT_TAG)
            .and_then(|id| id.parse::<Uuid>().ok())
        {
            for (deeper, other) in events.iter().enumerate() {
                if deeper != child && other.event.event_id == root {
                    edges.push((child, deeper));
                }
            }
        }
    }
    for _ in 0..events.len() {
        let mut changed = false;
        for &(shallower, deeper) in &edges {
            if depths[deeper] < depths[shallower] + 1 {
                depths[deeper] = depths[shallower] + 1;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    depths
}

/// `{type, message, span_id, event_id}` of a suppressed event.
fn summarize(held: &HeldEvent) -> Value {
    let event = &held.event;
    let exception = event.exception.values.last();
    let error_type = exception.map_or("message", |exception| exception.ty.as_str());
    let message = exception
        .and_then(|exception| exception.value.as_deref())
        .or(event.message.as_deref())
        .or(event.logentry.as_ref().map(|entry| entry.message.as_str()))
        .unwrap_or_default();
    let span_id = held.span_id.map(|span_id| span_id.to_string());
    [
        ("type", Value::from(error_type)),
        (
            "message",
            Value::from(shortened(message, SUMMARY_MESSAGE_CHARS).into_owned()),
        ),
        ("span_id", span_id.map_or(Value::Null, Value::from)),
        ("event_id", Value::from(event.event_id.simple().to_string())),
    ]
    .into_iter()
    .collect()
}

fn shortened(text: &str, max_chars: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max_chars) {
        Some((end, _)) => Cow::Owned(format!("{}…", &text[..end])),
        None => Cow::Borrowed(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortened_cuts_on_a_character_boundary() {
        assert_eq!(shortened("héllo", 10), "héllo");
        assert_eq!(shortened("héllo", 2), "hé…");
    }
}
