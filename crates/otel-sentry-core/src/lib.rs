//! The framework-agnostic engine of [otel-sentry](https://crates.io/crates/otel-sentry).
//!
//! This crate holds what every adapter (tower/axum, actix-web, reqwest) shares, so each
//! behaviour lives once:
//!
//! - the server request lifecycle ([`server_request`]): an adapter hands over a
//!   [`RequestView`], gets a [`ServerRequest`] whose server span has started and whose
//!   Sentry hub stamps every event with the span's ids, runs the handler inside
//!   [`ServerRequest::enter`], and reports the response and the end of its body; failures
//!   become one Sentry event linked both ways with the span. [`CorrelationConfig`] holds
//!   the options all adapters share; [`TraceContextIntegration`] stamps events captured
//!   outside requests;
//! - the client side ([`ClientCall`]): an HTTP client adapter hands over a
//!   [`ClientRequestView`], writes the trace headers of the returned call's client span into
//!   the request, and reports the response; a failed response naming the Sentry event its
//!   service reported becomes a [`DownstreamReport`] of the server request the call ran in.
//!   [`inject_context`] writes the trace headers into any `http::HeaderMap`;
//! - the header codecs, each strict where the stock OpenTelemetry propagators are lenient:
//!
//! | header | module | rules |
//! | --- | --- | --- |
//! | `traceparent` | [`traceparent`] | W3C Trace Context Level 2: exact lengths, lowercase hex, no all-zero ids, version `ff` forbidden, nothing after version `00`'s flags, one line only, every flag bit kept |
//! | `tracestate` | [`tracestate`] | lines combined; Level 2 key and value grammar; a repeated key keeps its first member; over 32 members or one bad member discards the list; 512-character propagation with whole-member truncation |
//! | `baggage` | [`baggage`] | W3C Baggage: tokens, percent-encoding, properties, 64 members / 8192 bytes |
//! | `sentry-trace` | [`sentry_trace`] | `{trace_id}-{span_id}[-{sampled}]`, read when no valid `traceparent` arrived |
//! | `sentry-` baggage entries | [`dynamic_sampling_context`] | Sentry's sampling context, passed on unchanged |
//!
//! [`IncomingTrace::extract`] reads them all into a remote OpenTelemetry `SpanContext`,
//! baggage and Sentry's sampling context; [`outgoing_trace::inject`] writes them for a
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

pub mod baggage;
mod captured_event;
pub mod cascade_policy;
pub mod cascade_window;
mod client_call;
mod client_config;
mod config;
mod current_trace;
pub mod downstream_report;
pub mod dynamic_sampling_context;
mod event_link;
mod exception;
mod failure;
mod failure_report;
mod forwarded;
mod handler_error;
mod header_copy;
mod header_injection;
mod header_lines;
mod hex;
mod http_method;
pub mod inbound_trust;
pub mod incoming_trace;
mod interned_names;
pub mod outgoing_trace;
pub mod propagator;
mod query_redaction;
mod request_headers;
mod request_state;
mod request_view;
pub mod route_lookup;
mod sentry_binding;
pub mod sentry_trace;
mod server_address;
pub mod server_request;
pub mod server_span;
mod span_tracer;
mod trace_context_integration;
pub mod traceparent;
pub mod tracestate;
mod url_full;

pub use baggage::{BaggageMember, BaggageMemberError};
pub use cascade_policy::{CascadePolicy, declare_cascade_of, declare_failure_independent};
pub use cascade_window::{CascadeWindow, CascadeWindowTransport};
pub use client_call::{CANCELLED, ClientCall, ClientRequestView, URL_TEMPLATE_ATTRIBUTE};
pub use client_config::ClientConfig;
pub use config::{CorrelationConfig, SENTRY_EVENT_ID_HEADER};
pub use current_trace::CurrentTrace;
pub use downstream_report::DownstreamReport;
pub use dynamic_sampling_context::DynamicSamplingContext;
pub use event_link::{EventLink, MissingPlaceholder};
pub use failure::{ClassifyFailure, ResponseSummary, ServerErrors};
pub use forwarded::{ForwardingHeaders, TrustedProxies};
pub use handler_error::{HandlerError, OpaqueError};
pub use header_copy::{MAX_HEADER_VALUE_LEN, MAX_HEADERS_LEN};
pub use header_injection::{inject_context, inject_current_context};
pub use http_method::{DEFAULT_KNOWN_METHODS, KnownMethods};
pub use inbound_trust::InboundTrust;
pub use incoming_trace::{IncomingTrace, ParentHeader, RemoteParent};
pub use propagator::CorrelationPropagator;
pub use query_redaction::{
    DEFAULT_SENSITIVE_QUERY_PARAMS, SENTRY_SENSITIVE_QUERY_WORDS, SensitiveQueryParams,
};
pub use request_headers::RequestHeaders;
pub use request_view::{HttpVersion, RequestView};
pub use route_lookup::{RouteLookup, with_route_lookup};
pub use sentry_binding::{SERVER_OP, SPAN_ID_TAG, TRACE_ID_TAG};
pub use sentry_trace::{SentryTrace, SentryTraceError};
pub use server_request::{CaughtPanic, ResponseInProgress, ServerRequest};
pub use trace_context_integration::TraceContextIntegration;
pub use traceparent::{RANDOM_TRACE_ID_FLAG, Traceparent, TraceparentError};
pub use tracestate::{ReceivedTraceState, TraceStateError, TraceStateMembers};

/// Paths the adapters' generated code uses; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use opentelemetry;
    pub use sentry_core;
}
