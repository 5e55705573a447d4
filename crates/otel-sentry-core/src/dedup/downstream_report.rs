//! A downstream service's word that it already reported a failure to Sentry.
//!
//! A server answering a failed request with [`SENTRY_EVENT_ID_HEADER`] says "this failure is
//! in Sentry as event …". The HTTP client adapters read that header, record the event on
//! their client span, and record a [`DownstreamReport`] in the state of the server request
//! they run in, so that request can treat its own failure as a cascade of the downstream
//! one rather than as a new root cause.
//!
//! The state travels in the OpenTelemetry `Context` of the server request, so it is found
//! wherever that context is: in the handler, and in tasks spawned with it
//! (`FutureExt::with_current_context`).

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use opentelemetry::trace::SpanId;
use sentry_core::types::Uuid;

use crate::names::SENTRY_EVENT_ID_HEADER;

/// The longest value read: a hyphenated UUID.
const MAX_EVENT_ID_LEN: usize = 36;

/// A failed downstream response that named the Sentry event its service reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DownstreamReport {
    /// The Sentry event the downstream service reported (or, for a cascade, the event of
    /// its root cause).
    pub event_id: Uuid,
    /// The HTTP status code of the downstream response: 200 for a gRPC call's answer
    /// whatever its gRPC status (the client span records that one, `rpc.response.status_code`).
    pub status: u16,
    /// The client span of the call that received the response.
    pub client_span_id: SpanId,
}

/// What the server request records about its downstream calls; kept in its `Context`.
#[derive(Debug, Default)]
pub(crate) struct RequestCorrelation {
    /// The first report: the one a cascade points to.
    first: OnceLock<DownstreamReport>,
    reports: AtomicUsize,
    /// A root event the handler named; wins over the reports.
    declared_root: OnceLock<Uuid>,
    /// The handler declared its failure its own.
    independent: AtomicBool,
}

impl RequestCorrelation {
    pub(crate) fn set_independent(&self) {
        self.independent.store(true, Ordering::Relaxed);
    }

    pub(crate) fn declare_root(&self, event_id: Uuid) {
        self.independent.store(false, Ordering::Relaxed);
        let _ = self.declared_root.set(event_id);
    }

    /// The event this request's failure is a cascade of, if it is one.
    pub(crate) fn root_event(&self) -> Option<Uuid> {
        if self.independent.load(Ordering::Relaxed) {
            return None;
        }
        self.declared_root
            .get()
            .or_else(|| self.first.get().map(|report| &report.event_id))
            .copied()
    }

    /// Records `report`; the first one wins (later ones are usually retries of the same
    /// failure).
    pub(crate) fn record(&self, report: DownstreamReport) {
        self.reports.fetch_add(1, Ordering::Relaxed);
        let _ = self.first.set(report);
    }

    /// The first report.
    pub(crate) fn first(&self) -> Option<DownstreamReport> {
        self.first.get().copied()
    }

    /// How many reports were recorded.
    pub(crate) fn count(&self) -> usize {
        self.reports.load(Ordering::Relaxed)
    }
}

impl DownstreamReport {
    /// A report of event `event_id`, received with `status` on the call of `client_span_id`.
    pub fn new(event_id: Uuid, status: u16, client_span_id: SpanId) -> Self {
        DownstreamReport {
            event_id,
            status,
            client_span_id,
        }
    }
}

/// The event id in the lines of a response's [`SENTRY_EVENT_ID_HEADER`]: exactly one line
/// holding a UUID (32 hex digits, or hyphenated) that is not nil.
///
/// Anything else names no event: absent, repeated (which line would be true?), oversized,
/// or malformed. A `tracing` debug event says why a present header was ignored.
///
/// ```
/// use otel_sentry_core::dedup::downstream_report::event_id_from_lines;
///
/// let id = event_id_from_lines([&b"0d2b4c5e7f8a9b1c2d3e4f5a6b7c8d9e"[..]]);
/// assert_eq!(id.map(|id| id.simple().to_string()).as_deref(), Some("0d2b4c5e7f8a9b1c2d3e4f5a6b7c8d9e"));
/// assert_eq!(event_id_from_lines([&b"not an id"[..]]), None);
/// ```
pub fn event_id_from_lines<'a>(lines: impl IntoIterator<Item = &'a [u8]>) -> Option<Uuid> {
    let mut lines = lines.into_iter();
    let line = lines.next()?;
    if lines.next().is_some() {
        tracing::debug!(
            target: "otel_sentry::downstream_report",
            header = SENTRY_EVENT_ID_HEADER,
            "repeated header ignored"
        );
        return None;
    }
    let parsed = std::str::from_utf8(line)
        .ok()
        .map(str::trim)
        .filter(|text| text.len() <= MAX_EVENT_ID_LEN)
        .and_then(|text| Uuid::try_parse(text).ok())
        .filter(|id| !id.is_nil());
    if parsed.is_none() {
        tracing::debug!(
            target: "otel_sentry::downstream_report",
            header = SENTRY_EVENT_ID_HEADER,
            len = line.len(),
            "malformed event id ignored"
        );
    }
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0d2b4c5e7f8a9b1c2d3e4f5a6b7c8d9e";

    fn read(lines: &[&str]) -> Option<String> {
        event_id_from_lines(lines.iter().map(|line| line.as_bytes()))
            .map(|id| id.simple().to_string())
    }

    #[test]
    fn one_well_formed_id_is_read_in_either_form() {
        assert_eq!(read(&[ID]).as_deref(), Some(ID));
        assert_eq!(
            read(&["0d2b4c5e-7f8a-9b1c-2d3e-4f5a6b7c8d9e"]).as_deref(),
            Some(ID)
        );
        assert_eq!(read(&[&format!(" {ID} ")]).as_deref(), Some(ID));
    }

    #[test]
    fn anything_else_names_no_event() {
        assert_eq!(read(&[]), None);
        assert_eq!(read(&[ID, ID]), None, "repeated");
        assert_eq!(read(&["00000000000000000000000000000000"]), None, "nil");
        assert_eq!(read(&[&format!("{{{ID}}}")]), None, "braced");
        assert_eq!(read(&[&format!("urn:uuid:{ID}")]), None, "oversized");
        assert_eq!(read(&[&"f".repeat(10_000)]), None, "oversized");
        assert_eq!(event_id_from_lines([&b"\xff\xfe"[..]]), None, "not UTF-8");
    }
}
