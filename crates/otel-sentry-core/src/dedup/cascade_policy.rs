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
//! [`declare_failure_independent`]: crate::declare_failure_independent
//! [`declare_cascade_of`]: crate::declare_cascade_of

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
