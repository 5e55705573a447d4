//! Trace context across a hop: reading a request's headers into a remote OpenTelemetry
//! parent ([`incoming_trace`]), writing them for a `Context` ([`outgoing_trace`]), both as
//! one `TextMapPropagator` ([`propagator`]), into any `http::HeaderMap`, for handlers as
//! [`CurrentTrace`](crate::CurrentTrace), and whom to believe ([`inbound_trust`]).

pub(crate) mod current_trace;
pub(crate) mod header_injection;
pub mod inbound_trust;
pub mod incoming_trace;
pub mod outgoing_trace;
pub mod propagator;
