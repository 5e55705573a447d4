//! # otel-sentry
//!
//! One trace id, everywhere: Sentry errors tied to OpenTelemetry distributed traces in Rust
//! web services. Every Sentry event carries the trace and span ids of the OpenTelemetry
//! span it happened in, and a failed span carries the Sentry event id.
//!
//! This facade is the crate to depend on. It re-exports the framework-agnostic engine,
//! [`otel_sentry_core`], and the framework adapters behind features: `tower` (and `axum`)
//! for `tower::CorrelationLayer`, `actix` for `actix::Correlation`, `reqwest` for
//! `reqwest::CorrelationMiddleware`.
//!
//! ```
//! // Install the strict W3C + Sentry propagator for every instrumentation in the process.
//! opentelemetry::global::set_text_map_propagator(otel_sentry::CorrelationPropagator::new());
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// The user API, by name; the adapter-author interface stays in `otel_sentry_core::adapter`.
pub use otel_sentry_core::{
    BaggageMember, BaggageMemberError, CascadePolicy, CascadeWindow, CascadeWindowTransport,
    ClassifyFailure, ClientConfig, CorrelationConfig, CorrelationPropagator, CurrentTrace,
    DEFAULT_KNOWN_METHODS, DEFAULT_SENSITIVE_QUERY_PARAMS, DownstreamReport,
    DynamicSamplingContext, EventLink, ForwardingHeaders, InboundTrust, IncomingTrace,
    KnownMethods, MAX_HEADER_VALUE_LEN, MAX_HEADERS_LEN, MissingPlaceholder, ParentHeader,
    RANDOM_TRACE_ID_FLAG, ReceivedTraceState, RemoteParent, ResponseSummary,
    SENTRY_SENSITIVE_QUERY_WORDS, SensitiveQueryParams, SentryTrace, SentryTraceError,
    ServerErrors, TraceContextIntegration, TraceStateError, TraceStateMembers, Traceparent,
    TraceparentError, TrustedProxies, declare_cascade_of, declare_failure_independent,
    inject_context, inject_current_context,
};
pub use otel_sentry_core::{codecs, dedup, names, propagation};

// The adapters, inlined so their pages live under the facade (`otel_sentry::tower::…`),
// each marked on docs.rs with the feature that brings it.
#[cfg(feature = "tower")]
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
#[doc(inline)]
pub use otel_sentry_tower as tower;

#[cfg(feature = "actix")]
#[cfg_attr(docsrs, doc(cfg(feature = "actix")))]
#[doc(inline)]
pub use otel_sentry_actix as actix;

#[cfg(feature = "reqwest")]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest")))]
#[doc(inline)]
pub use otel_sentry_reqwest as reqwest;
