//! The framework-agnostic engine of [otel-sentry](https://crates.io/crates/otel-sentry),
//! meant for integration authors: everything the adapters (tower/axum, actix-web, reqwest)
//! share, so each behaviour lives once. Applications depend on the `otel-sentry` facade,
//! which re-exports this crate's user API (the items at its root and the public modules)
//! by name; [`adapter`] holds the interface adapters are built on.
//!
//! The layers, each using only those above it:
//!
//! | layer | what it holds |
//! | --- | --- |
//! | [`names`] | every header, attribute, tag and `extra` name written |
//! | [`codecs`] | the strict header codecs: `traceparent`, `tracestate`, `baggage`, `sentry-trace`, Sentry's sampling context |
//! | `http` | a request as the core sees it: the adapter's view, its headers in one pass, method, addresses, redacted URL and query, interned names |
//! | [`grpc`] | gRPC over HTTP/2: a request recognised by its content type and named by its path, the status read from `grpc-status` and `grpc-message` |
//! | [`propagation`] | trace context across a hop: extract, inject, the propagator, the trust boundary |
//! | `failure` | the failure policy, the exception and event made of an error, panic or status |
//! | `sentry` | the Sentry glue: each event's stamp, the events a request captured itself, event links, [`TraceContextIntegration`] |
//! | [`dedup`] | one failure, one alert: the cascade policy, a downstream's report, the windowed transport, the root-cause choice |
//! | `metrics` | `http.server.request.duration` timed to the end of the body, `http.client.request.duration` |
//! | `server` | the server request lifecycle, [`CorrelationConfig`] |
//! | `client` | the client call, [`ClientConfig`] |
//!
//! `ARCHITECTURE.md` at the repository root draws a request's way through them.
//!
//! [`IncomingTrace::extract`] reads them all into a remote OpenTelemetry `SpanContext`,
//! baggage and Sentry's sampling context; [`outgoing_trace::inject`](propagation::outgoing_trace::inject) writes them for a
//! `Context`; [`CorrelationPropagator`] is both as a `TextMapPropagator`:
//!
//! ```
//! use std::collections::HashMap;
//! use opentelemetry::propagation::TextMapPropagator;
//! use opentelemetry::trace::TraceContextExt;
//! use otel_sentry_core::CorrelationPropagator;
//!
//! let propagator = CorrelationPropagator::new();
//! let incoming = HashMap::from([(
//!     "sentry-trace".to_owned(),
//!     "771a43a4192642f0b136d5159a501700-a1b2c3d4e5f60718-1".to_owned(),
//! )]);
//! let cx = propagator.extract(&incoming);
//! assert_eq!(
//!     cx.span().span_context().trace_id().to_string(),
//!     "771a43a4192642f0b136d5159a501700"
//! );
//!
//! let mut outgoing = HashMap::new();
//! propagator.inject_context(&cx, &mut outgoing);
//! assert_eq!(
//!     outgoing["traceparent"],
//!     "00-771a43a4192642f0b136d5159a501700-a1b2c3d4e5f60718-01"
//! );
//! ```
//!
//! Malformed input never panics and never fails a request: the header is ignored as the
//! specifications say and a `tracing` debug event (targets `otel_sentry::*`) names why.
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod adapter;
mod client;
pub mod codecs;
pub mod dedup;
mod failure;
pub mod grpc;
mod http;
mod metrics;
pub mod names;
pub mod propagation;
mod sentry;
mod server;
mod span_tracer;

pub use client::config::ClientConfig;
pub use codecs::baggage::{BaggageMember, BaggageMemberError};
pub use codecs::dynamic_sampling_context::DynamicSamplingContext;
pub use codecs::sentry_trace::{SentryTrace, SentryTraceError};
pub use codecs::traceparent::{RANDOM_TRACE_ID_FLAG, Traceparent, TraceparentError};
pub use codecs::tracestate::{ReceivedTraceState, TraceStateError, TraceStateMembers};
pub use dedup::cascade_policy::CascadePolicy;
pub use dedup::downstream_report::DownstreamReport;
pub use dedup::window::{CascadeWindow, CascadeWindowTransport};
pub use failure::classify::{ClassifyFailure, ResponseSummary, ServerErrors};
pub use grpc::grpc_status::{GrpcCode, GrpcStatus, MAX_GRPC_MESSAGE_LEN};
pub use http::forwarded::{ForwardingHeaders, TrustedProxies};
pub use http::header_copy::{MAX_HEADER_VALUE_LEN, MAX_HEADERS_LEN};
pub use http::http_method::{DEFAULT_KNOWN_METHODS, KnownMethods};
pub use http::query_redaction::{
    DEFAULT_SENSITIVE_QUERY_PARAMS, SENTRY_SENSITIVE_QUERY_WORDS, SensitiveQueryParams,
};
pub use propagation::current_trace::CurrentTrace;
pub use propagation::header_injection::{inject_context, inject_current_context};
pub use propagation::inbound_trust::InboundTrust;
pub use propagation::incoming_trace::{IncomingTrace, ParentHeader, RemoteParent};
pub use propagation::propagator::CorrelationPropagator;
pub use sentry::event_link::{EventLink, MissingPlaceholder};
pub use sentry::trace_context_integration::TraceContextIntegration;
pub use server::config::CorrelationConfig;
pub use server::request_state::{declare_cascade_of, declare_failure_independent};

/// Paths the adapters' generated code uses; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use opentelemetry;
    pub use sentry_core;
}
