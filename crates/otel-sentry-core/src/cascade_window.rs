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
//! Decided events go to the inner transport in batches its queue can take, and what a
//! shutdown cannot hand over in time is reported as discarded in a client report (see
//! [`CascadeWindow`], "Handing events on").
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

use sentry_core::protocol::client_report::{Category, Item, LossSource, Reason};
use sentry_core::protocol::{
    ClientReport, Context, Envelope, EnvelopeHeaders, EnvelopeItem, Event, Level, SpanId, TraceId,
    Value,
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
///
/// # Handing events on
///
/// When windows close, the decided events go to the inner transport in batches of
/// [`handover_batch`](Self::handover_batch), waiting for it to drain (its `flush`) between
/// batches: sentry's HTTP transports queue at most 30 envelopes and discard the rest, so
/// handing over hundreds at once (a burst, or a shutdown with events held) would lose most.
/// At shutdown the hand-over gets half of the client's shutdown timeout, the other half
/// lets the inner transport send its last batch; whatever could not be handed over by then
/// is reported to Sentry as discarded (a client report, reason `queue_overflow`) and
/// logged as a `tracing` warning naming the count.
///
/// The shutdown timeout only bounds the wait if the inner transport's requests are
/// bounded too: sentry 0.49's HTTP transports set no request timeout, and shutting down
/// waits for a request in flight, so a Sentry that accepts connections and never answers
/// keeps the process from exiting. Give the inner transport a client with connect and
/// request timeouts (`otel_sentry_reqwest::SentryHttpTransport` does).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CascadeWindow {
    window: Duration,
    max_traces: usize,
    max_events_per_trace: usize,
    /// `None`: half the inner transport's queue.
    handover_batch: Option<usize>,
}

impl Default for CascadeWindow {
    fn default() -> Self {
        Self {
            window: Duration::from_secs(5),
            max_traces: 1_000,
            max_events_per_trace: 32,
            handover_batch: None,
        }
    }
}

/// The queue capacity of sentry's HTTP transports when `transport_channel_capacity` is unset.
const SENTRY_QUEUE_CAPACITY: usize = 30;

/// How long the window's thread waits for the inner transport to drain one batch before it
/// asks again; it never sends more while the last batch is unconfirmed.
const WORKER_DRAIN_WAIT: Duration = Duration::from_secs(10);

/// The shutdown timeout when the transport is dropped without being shut down: sentry's
/// default `shutdown_timeout`.
const DROP_TIMEOUT: Duration = Duration::from_secs(2);

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

    /// How many decided events are handed to the inner transport before waiting for it to
    /// drain (at least 1). Keep it below the inner transport's queue capacity, which other
    /// envelopes (transactions, sessions) share. Default: half that capacity, 15 for
    /// sentry's 30-slot queue, or half `ClientOptions::transport_channel_capacity` through
    /// [`wrap`](Self::wrap).
    pub fn handover_batch(mut self, events: usize) -> Self {
        self.handover_batch = Some(events.max(1));
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
        CascadeWindowTransport::new(self, inner, SENTRY_QUEUE_CAPACITY)
    }
}

struct CascadeWindowFactory {
    settings: CascadeWindow,
    inner: Box<dyn TransportFactory>,
}

impl TransportFactory for CascadeWindowFactory {
    fn create_transport_with_options(&self, options: TransportOptions) -> Arc<dyn Transport> {
        let queue_capacity = options
            .transport_channel_capacity
            .map_or(SENTRY_QUEUE_CAPACITY, usize::from);
        let inner = self.inner.create_transport_with_options(options);
        Arc::new(CascadeWindowTransport::new(
            self.settings.clone(),
            inner,
            queue_capacity,
        ))
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
    /// Envelopes per hand-over batch.
    batch: usize,
    state: Mutex<State>,
    /// Wakes the worker when a trace is added to an empty window, when decided events wait
    /// in the outbox, or on shutdown.
    wake: Condvar,
    /// Signals the end of a hand-over to whoever waits to start one.
    handed_over: Condvar,
}

#[derive(Default)]
struct State {
    traces: HashMap<TraceId, HeldTrace>,
    /// Trace ids in the order their windows close (their first events' arrival).
    order: VecDeque<TraceId>,
    /// Decided envelopes not yet handed to the inner transport, oldest first.
    outbox: VecDeque<Envelope>,
    /// Someone is handing the outbox over; one at a time, so the inner queue sees one
    /// batch at a time.
    handing_over: bool,
    /// Envelopes of the last batch the inner transport did not confirm it drained.
    unconfirmed: usize,
    closed: bool,
}

impl State {
    /// Decides every held trace into the outbox.
    fn decide_all(&mut self) {
        self.order.clear();
        let traces = std::mem::take(&mut self.traces);
        self.outbox
            .extend(traces.into_values().map(|trace| decide(trace.events)));
    }
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
    fn new(settings: CascadeWindow, inner: Arc<dyn Transport>, queue_capacity: usize) -> Self {
        let batch = settings.handover_batch.unwrap_or(queue_capacity / 2).max(1);
        let shared = Arc::new(Shared {
            settings,
            inner,
            batch,
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
            handed_over: Condvar::new(),
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

    /// Hands everything held to the inner transport within half of `timeout`, reports what
    /// could not be, and stops the worker; later events pass straight on. Returns the time
    /// left of `timeout` and whether every event was handed over and confirmed.
    fn close(&self, timeout: Duration) -> (Duration, bool) {
        let started = Instant::now();
        let deadline = started + timeout;
        {
            let mut state = lock(&self.shared.state);
            if state.closed && state.traces.is_empty() && state.outbox.is_empty() {
                // Closed before (a shutdown, then the drop).
                return (timeout, true);
            }
            state.decide_all();
            state.closed = true;
        }
        self.shared.wake.notify_all();
        // Half for the hand-over, half for the inner transport to send the last batch
        // and the client report.
        self.shared.hand_over(started + timeout / 2);
        let delivered = self.shared.give_up();
        if let Some(worker) = lock(&self.worker).take() {
            // A worker still waiting on a slow inner transport must not hold up shutdown;
            // it ends by itself after its wait.
            if worker.is_finished() {
                // The worker only forwards; a panic in `inner` is not ours to re-raise.
                let _ = worker.join();
            }
        }
        (
            deadline.saturating_duration_since(Instant::now()),
            delivered,
        )
    }
}

impl Transport for CascadeWindowTransport {
    fn send_envelope(&self, envelope: Envelope) {
        self.shared.send(envelope);
    }

    fn flush(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        lock(&self.shared.state).decide_all();
        let handed_over = self.shared.hand_over(deadline);
        // What is left waits for the worker.
        self.shared.wake.notify_all();
        let left = deadline.saturating_duration_since(Instant::now());
        handed_over && self.shared.inner.flush(left)
    }

    fn shutdown(&self, timeout: Duration) -> bool {
        let (left, delivered) = self.close(timeout);
        self.shared.inner.shutdown(left) && delivered
    }
}

impl Drop for CascadeWindowTransport {
    fn drop(&mut self) {
        self.close(DROP_TIMEOUT);
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

/// Marks a hand-over as finished even if the inner transport panics.
struct HandingOver<'a> {
    shared: &'a Shared,
}

impl Drop for HandingOver<'_> {
    fn drop(&mut self) {
        lock(&self.shared.state).handing_over = false;
        self.shared.handed_over.notify_all();
        // The worker may wait for its turn.
        self.shared.wake.notify_all();
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
        // One envelope per event sent, as without the window: no batching needed.
        for envelope in self.hold(trace_id, held) {
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
            if !state.outbox.is_empty() && !state.handing_over {
                drop(state);
                self.hand_over(Instant::now() + WORKER_DRAIN_WAIT);
                state = lock(&self.state);
                continue;
            }
            let now = Instant::now();
            let mut next_close = None;
            // Decided under the lock: a shutdown must find every event either held or in
            // the outbox.
            while let Some(trace_id) = state.order.front().copied() {
                match state.traces.get(&trace_id) {
                    Some(trace) if trace.closes_at > now => {
                        next_close = Some(trace.closes_at);
                        break;
                    }
                    _ => {}
                }
                state.order.pop_front();
                if let Some(trace) = state.traces.remove(&trace_id) {
                    let envelope = decide(trace.events);
                    state.outbox.push_back(envelope);
                }
            }
            if !state.outbox.is_empty() && !state.handing_over {
                continue;
            }
            state = match next_close {
                // Nothing held, or another hand-over under way: wait to be woken.
                None => self
                    .wake
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner),
                Some(closes_at) => {
                    self.wake
                        .wait_timeout(state, closes_at.saturating_duration_since(now))
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
            };
        }
    }

    /// Hands the outbox to the inner transport a batch at a time, waiting for it to drain
    /// after each, until `deadline`. Returns whether the outbox is empty and the inner
    /// transport drained all of it.
    fn hand_over(&self, deadline: Instant) -> bool {
        let mut state = lock(&self.state);
        while state.handing_over {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            state = self
                .handed_over
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        state.handing_over = true;
        drop(state);
        let _handing_over = HandingOver { shared: self };
        // Declared after the guard, so released before the guard takes the lock again.
        let mut state = lock(&self.state);
        // A batch the inner transport has not drained yet: wait for it before sending more.
        let mut pending = state.unconfirmed > 0;
        loop {
            if pending {
                drop(state);
                let now = Instant::now();
                let drained = now < deadline && self.inner.flush(deadline - now);
                state = lock(&self.state);
                if !drained {
                    return false;
                }
                state.unconfirmed = 0;
            }
            let batch_len = state.outbox.len().min(self.batch);
            if batch_len == 0 {
                return true;
            }
            let batch: Vec<Envelope> = state.outbox.drain(..batch_len).collect();
            state.unconfirmed = batch_len;
            drop(state);
            for envelope in batch {
                self.inner.send_envelope(envelope);
            }
            state = lock(&self.state);
            pending = true;
        }
    }

    /// At shutdown: reports as discarded what is still in the outbox, to Sentry and in a
    /// warning, and warns of a last batch the inner transport did not confirm. Returns
    /// whether there was neither.
    fn give_up(&self) -> bool {
        let (left, unconfirmed) = {
            let mut state = lock(&self.state);
            (std::mem::take(&mut state.outbox), state.unconfirmed)
        };
        if unconfirmed > 0 {
            tracing::warn!(
                target: "otel_sentry::cascade_window",
                events = unconfirmed,
                "the Sentry transport did not confirm sending {unconfirmed} events within the \
                 shutdown timeout; they may be lost"
            );
        }
        if left.is_empty() {
            return unconfirmed == 0;
        }
        let mut losses: HashMap<Category, u64> = HashMap::new();
        for envelope in &left {
            for loss in envelope.losses() {
                *losses.entry(loss.category).or_default() += loss.quantity;
            }
        }
        let events = losses.get(&Category::Error).copied().unwrap_or_default();
        tracing::warn!(
            target: "otel_sentry::cascade_window",
            events,
            "{events} Sentry events held by the cascade window could not be handed to the \
             transport within the shutdown timeout; reporting them as discarded"
        );
        let report = ClientReport::new(
            losses
                .into_iter()
                .map(|(category, quantity)| Item::new(category, Reason::QueueOverflow, quantity)),
        );
        let mut envelope = Envelope::new();
        envelope.add_item(report);
        self.inner.send_envelope(envelope);
        false
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
