//! [`CascadeWindowTransport`]: the transport, its worker thread that closes windows, and
//! the hand-over to the inner transport with back-pressure.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use sentry_core::protocol::client_report::{Category, Item, LossSource, Reason};
use sentry_core::protocol::{
    ClientReport, Context, Envelope, EnvelopeItem, Event, Level, SpanId, TraceId,
};
use sentry_core::{Transport, TransportFactory, TransportOptions};

use super::decision::{HeldEvent, decide};
use super::{CascadeWindow, DROP_TIMEOUT, SENTRY_QUEUE_CAPACITY, WORKER_DRAIN_WAIT};

pub(crate) struct CascadeWindowFactory {
    pub(crate) settings: CascadeWindow,
    pub(crate) inner: Box<dyn TransportFactory>,
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

/// The windowed deduplication transport (see the [module](crate::dedup::window)
/// documentation); made by [`CascadeWindow::wrap`] or [`CascadeWindow::wrap_transport`].
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
    pub(crate) settings: CascadeWindow,
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

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic in a forwarding thread must not stop every later event.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl CascadeWindowTransport {
    pub(crate) fn new(
        settings: CascadeWindow,
        inner: Arc<dyn Transport>,
        queue_capacity: usize,
    ) -> Self {
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
