//! What a server request keeps in its OpenTelemetry `Context`, as one value: each value
//! costs the context a new map, three allocations per request.

use std::sync::OnceLock;

use opentelemetry::Context;

use crate::downstream_report::RequestCorrelation;
use crate::sentry_binding::RequestStamp;

/// A server request's value in its `Context`, reached by the request itself, by the
/// downstream calls made inside it, and by the request hub's event processor.
#[derive(Debug, Default)]
pub(crate) struct RequestState {
    /// The downstream calls' reports; see [`downstream_report`](crate::downstream_report).
    pub(crate) correlation: RequestCorrelation,
    /// What the request hub stamps on events: set once the server span exists, and only
    /// when Sentry has a client.
    pub(crate) stamp: OnceLock<RequestStamp>,
}

impl RequestState {
    /// The server request's state in `cx`, if `cx` belongs to one.
    pub(crate) fn of(cx: &Context) -> Option<&Self> {
        cx.get::<RequestState>()
    }

    /// The stamp of the server request `cx` belongs to, if Sentry has a client.
    pub(crate) fn stamp_of(cx: &Context) -> Option<&RequestStamp> {
        Self::of(cx)?.stamp.get()
    }
}
