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

mod decision;
mod transport;

use std::sync::Arc;
use std::time::Duration;

use sentry_core::{Transport, TransportFactory};

pub use transport::CascadeWindowTransport;

use transport::CascadeWindowFactory;

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
    pub(crate) window: Duration,
    pub(crate) max_traces: usize,
    pub(crate) max_events_per_trace: usize,
    /// `None`: half the inner transport's queue.
    pub(crate) handover_batch: Option<usize>,
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
pub(crate) const SENTRY_QUEUE_CAPACITY: usize = 30;

/// How long the window's thread waits for the inner transport to drain one batch before it
/// asks again; it never sends more while the last batch is unconfirmed.
pub(crate) const WORKER_DRAIN_WAIT: Duration = Duration::from_secs(10);

/// The shutdown timeout when the transport is dropped without being shut down: sentry's
/// default `shutdown_timeout`.
pub(crate) const DROP_TIMEOUT: Duration = Duration::from_secs(2);

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
