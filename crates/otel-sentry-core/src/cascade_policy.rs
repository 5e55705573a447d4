//! One failure, one alert: what a request whose failure is a cascade of a downstream
//! failure sends to Sentry.
//!
//! A request's failure is a **cascade** when a downstream call made while handling it
//! already reported its own failure (the downstream answered with `x-sentry-event-id`,
//! read by the HTTP client adapters into the request's [`DownstreamReport`]), unless the
//! handler declared the failure its own with [`declare_failure_independent`]. That is the
//! default heuristic: a request that fails after a downstream call failed failed because
//! of it. A handler that knows better says so: [`declare_failure_independent`] when it
//! failed for a reason of its own, [`declare_cascade_of`] when the root cause was reported
//! through something the adapters do not read (a queue, a gRPC trailer).
//!
//! The **root event** of a cascade is the event the first report names; a service that
//! itself failed as a cascade answers with the root event's id, so every hop up the chain
//! points at the same event.
//!
//! The span of a cascade records the exception and status as for any failure; under
//! `Suppress` and `Group` it also carries `sentry.cascade = true` (and, when it has an
//! event of its own, `sentry.cascade.root_event_id`).
//!
//! [`DownstreamReport`]: crate::DownstreamReport

use opentelemetry::Context;
use sentry_core::types::Uuid;

use crate::downstream_report::RequestCorrelation;

/// `sentry.cascade`: true on the span of a failure caused by an already reported
/// downstream failure.
pub const SENTRY_CASCADE_ATTRIBUTE: &str = "sentry.cascade";
/// `sentry.cascade.root_event_id`: the root event, on the span of a [`CascadePolicy::Group`]
/// cascade (whose own event is `sentry.event_id`).
pub const SENTRY_CASCADE_ROOT_ATTRIBUTE: &str = "sentry.cascade.root_event_id";
/// The tag naming the root event on a [`CascadePolicy::Group`] cascade's Sentry event.
pub const CASCADE_ROOT_TAG: &str = "cascade.root_event_id";
/// The first element of the fingerprint that groups a trace's events into one issue.
pub const CASCADE_FINGERPRINT: &str = "otel-cascade";

/// What a cascade sends to Sentry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum CascadePolicy {
    /// No new event: the span carries the root event's `sentry.event_id` (and
    /// `sentry.event_url`), and the response names the root event. One alert per root
    /// cause, and every span on the path links to it. The trade-off: this service's own
    /// view of the failure (its stack, its request) is only on the span, not in Sentry.
    #[default]
    Suppress,
    /// Every failure event, the root cause's too, is fingerprinted
    /// `["otel-cascade", "{trace_id}"]`, and a cascade's is tagged `cascade.root_event_id`:
    /// Sentry files a trace's failures under one issue (within a project) and each
    /// service's own view stays in Sentry. More events, one issue per failing trace — which
    /// also means a recurring error opens a new issue for every trace it fails.
    Group,
    /// An ordinary event, as if nothing had failed downstream.
    Report,
}

/// The root event of a cascade, when the failure of the request `cx` belongs to is one.
pub(crate) fn root_event(cx: &Context) -> Option<Uuid> {
    RequestCorrelation::of(cx)?.root_event()
}

/// Declares that the current request's failure, if it fails, is its own and not a cascade
/// of a downstream failure it saw. False outside a server request.
///
/// ```
/// // Outside a request there is nothing to declare.
/// assert!(!otel_sentry_core::declare_failure_independent());
/// ```
pub fn declare_failure_independent() -> bool {
    Context::map_current(|cx| match RequestCorrelation::of(cx) {
        Some(state) => {
            state.set_independent();
            true
        }
        None => false,
    })
}

/// Declares that the current request's failure, if it fails, is a cascade of Sentry event
/// `root_event_id`, reported elsewhere. False outside a server request.
pub fn declare_cascade_of(root_event_id: Uuid) -> bool {
    Context::map_current(|cx| match RequestCorrelation::of(cx) {
        Some(state) => {
            state.declare_root(root_event_id);
            true
        }
        None => false,
    })
}
