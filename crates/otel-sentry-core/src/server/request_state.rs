//! What a server request keeps in its OpenTelemetry `Context`, as one value (each value
//! costs the context a new map, three allocations per request), and everything that finds
//! it there: the downstream calls recording their reports, the handler's declarations about
//! its failure, the request hub's event processor, the request's duration clock.
//!
//! The stamp and the clock live here rather than in the request's future and body: those
//! are moved by value at every step of a framework's future chain, this is allocated once.

use std::sync::{Mutex, MutexGuard};

use opentelemetry::Context;

use sentry_core::types::Uuid;

use crate::dedup::downstream_report::{DownstreamReport, RequestCorrelation};
use crate::metrics::server_duration::ServerTimer;
use crate::sentry::binding::RequestStamp;

/// A server request's value in its `Context`, reached by the request itself, by the
/// downstream calls made inside it, and by the request hub's event processor.
#[derive(Default)]
pub(crate) struct RequestState {
    /// The downstream calls' reports; see [`downstream_report`](crate::dedup::downstream_report).
    pub(crate) correlation: RequestCorrelation,
    /// What the request hub stamps on events; only when Sentry has a client.
    pub(crate) stamp: Option<RequestStamp>,
    /// The clock of the request's duration metric; `None` when metrics are off or the
    /// duration was recorded. A lock: the state is shared by every clone of the `Context`.
    pub(crate) timer: Mutex<Option<ServerTimer>>,
}

impl RequestState {
    /// The server request's state in `cx`, if `cx` belongs to one.
    pub(crate) fn of(cx: &Context) -> Option<&Self> {
        cx.get::<RequestState>()
    }

    /// The stamp of the server request `cx` belongs to, if Sentry has a client.
    pub(crate) fn stamp_of(cx: &Context) -> Option<&RequestStamp> {
        Self::of(cx)?.stamp.as_ref()
    }

    /// The duration clock of the server request `cx` belongs to, locked; `None` when
    /// metrics are off or the duration was recorded.
    pub(crate) fn timer_of(cx: &Context) -> Option<MutexGuard<'_, Option<ServerTimer>>> {
        let timer = Self::of(cx)?
            .timer
            .lock()
            // A panic while it was held cannot leave the clock half-written.
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        timer.is_some().then_some(timer)
    }
}

impl DownstreamReport {
    /// Records this report in the server request `cx` belongs to; false when `cx` belongs
    /// to none (a background job), where there is no request failure to relate it to.
    pub fn record_in(self, cx: &Context) -> bool {
        let Some(state) = RequestState::of(cx) else {
            return false;
        };
        state.correlation.record(self);
        true
    }

    /// The first report recorded in the server request `cx` belongs to.
    pub fn first_in(cx: &Context) -> Option<DownstreamReport> {
        RequestState::of(cx)?.correlation.first()
    }

    /// How many reports the server request `cx` belongs to has received.
    pub fn count_in(cx: &Context) -> usize {
        RequestState::of(cx).map_or(0, |state| state.correlation.count())
    }

    /// The first report recorded in the current server request (the one whose context is
    /// attached on this thread).
    ///
    /// ```
    /// use otel_sentry_core::DownstreamReport;
    ///
    /// // Outside a server request, nothing was recorded.
    /// assert_eq!(DownstreamReport::current(), None);
    /// ```
    pub fn current() -> Option<DownstreamReport> {
        Context::map_current(Self::first_in)
    }
}

/// The root event of a cascade, when the failure of the request `cx` belongs to is one
/// (see [`cascade_policy`](crate::dedup::cascade_policy)).
pub(crate) fn root_event(cx: &Context) -> Option<Uuid> {
    RequestState::of(cx)?.correlation.root_event()
}

/// Declares that the current request's failure, if it fails, is its own and not a cascade
/// of a downstream failure it saw (see [`cascade_policy`](crate::dedup::cascade_policy)).
/// False outside a server request.
///
/// ```
/// // Outside a request there is nothing to declare.
/// assert!(!otel_sentry_core::declare_failure_independent());
/// ```
pub fn declare_failure_independent() -> bool {
    Context::map_current(|cx| match RequestState::of(cx) {
        Some(state) => {
            state.correlation.set_independent();
            true
        }
        None => false,
    })
}

/// Declares that the current request's failure, if it fails, is a cascade of Sentry event
/// `root_event_id`, reported elsewhere (see [`cascade_policy`](crate::dedup::cascade_policy)).
/// False outside a server request.
pub fn declare_cascade_of(root_event_id: Uuid) -> bool {
    Context::map_current(|cx| match RequestState::of(cx) {
        Some(state) => {
            state.correlation.declare_root(root_event_id);
            true
        }
        None => false,
    })
}

#[cfg(test)]
mod tests {
    use opentelemetry::trace::SpanId;

    use super::*;

    #[test]
    fn the_first_report_of_a_request_is_kept_and_all_are_counted() {
        let cx = Context::new().with_value(RequestState::default());
        let first = DownstreamReport::new(Uuid::from_u128(1), 502, SpanId::from(1));
        let second = DownstreamReport::new(Uuid::from_u128(2), 500, SpanId::from(2));
        assert!(first.record_in(&cx));
        assert!(second.record_in(&cx));
        assert_eq!(DownstreamReport::first_in(&cx), Some(first));
        assert_eq!(DownstreamReport::count_in(&cx), 2);
    }
}
