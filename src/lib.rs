//! # otel-sentry
//!
//! One trace id, everywhere: Sentry errors tied to OpenTelemetry distributed traces in Rust
//! web services. Every Sentry event carries the trace and span ids of the OpenTelemetry
//! span it happened in, a failed span carries the Sentry event id, and across services one
//! failure raises one alert, not one per hop.
//!
//! This facade is the crate to depend on; pick the adapters by feature. [`init()`](init)
//! (feature `init`) sets up OpenTelemetry and Sentry from the standard environment, or
//! initialise them yourself (a tracer provider, installed globally or given to the
//! adapter with `.tracer(..)`, and `sentry::init`); then add one line per framework.
//!
//! ## Quick start: axum
//!
//! `otel-sentry = { version = "0.1", features = ["axum", "init"] }`, beside axum 0.8 and tokio:
//! [`CorrelationLayer`](tower::CorrelationLayer) on the router; handlers get the trace by
//! [extractor](tower::axum::RequestTrace) and report errors with their source chain
//! through [`ErrorResponse`](tower::axum::ErrorResponse).
//!
#![cfg_attr(all(feature = "axum", feature = "init"), doc = "```rust,no_run")]
#![cfg_attr(not(all(feature = "axum", feature = "init")), doc = "```rust,ignore")]
#![doc = include_str!("quick_start/axum.rs")]
#![doc = "```"]
//!
//! ## Quick start: actix-web
//!
//! `otel-sentry = { version = "0.1", features = ["actix", "init"] }`, beside actix-web 4: the
//! [`Correlation`](actix::Correlation) middleware on the app. actix-web routes after
//! `App::wrap` middleware has run, so the span is named `{METHOD} {route}` when the app
//! answers.
//!
#![cfg_attr(all(feature = "actix", feature = "init"), doc = "```rust,no_run")]
#![cfg_attr(not(all(feature = "actix", feature = "init")), doc = "```rust,ignore")]
#![doc = include_str!("quick_start/actix.rs")]
#![doc = "```"]
//!
//! ## Quick start: reqwest
//!
//! `otel-sentry = { version = "0.1", features = ["reqwest", "init"] }`, beside reqwest 0.13,
//! reqwest-middleware 0.5 and tokio: [`CorrelationMiddleware`](reqwest::CorrelationMiddleware)
//! carries the trace to the next service and reads whether it already reported the failure.
//!
#![cfg_attr(all(feature = "reqwest", feature = "init"), doc = "```rust,no_run")]
#![cfg_attr(
    not(all(feature = "reqwest", feature = "init")),
    doc = "```rust,ignore"
)]
#![doc = include_str!("quick_start/reqwest.rs")]
#![doc = "```"]
//!
//! With every service of a chain instrumented this way, a failure in the last one sends
//! one Sentry event, and the callers' failures are recorded on their spans as cascades of
//! it ([`CascadePolicy`]).
//!
//! ## What each feature gives
//!
//! | feature | module | what it holds |
//! | --- | --- | --- |
//! | `tower` | [`tower`] | [`CorrelationLayer`](tower::CorrelationLayer) for any tower HTTP stack (hyper, tonic), its service, response future and body, and [`ReportedError`](tower::ReportedError) for a response that carries its error |
//! | `grpc` | [`tower::GrpcClientLayer`] | `tower`, plus the client layer for tonic channels (its span, trace metadata, the status from headers or trailers, a downstream's event id for the cascade policy) and, on the server, the chain of the error behind a handler's `tonic::Status` in its Sentry event; [`CorrelationLayer`](tower::CorrelationLayer) recognises gRPC calls without it |
//! | `axum` | [`tower::axum`] | `tower`, plus the route from `MatchedPath`, the client address from `ConnectInfo`, the [`RequestTrace`](tower::axum::RequestTrace) extractor and [`ErrorResponse`](tower::axum::ErrorResponse) |
//! | `actix` | [`actix`] | the [`Correlation`](actix::Correlation) middleware for actix-web 4, its [`RequestTrace`](actix::RequestTrace) extractor and [`ErrorResponse`](actix::ErrorResponse) |
//! | `reqwest` | [`reqwest`] | [`CorrelationMiddleware`](reqwest::CorrelationMiddleware) for reqwest through reqwest-middleware, and [`UrlTemplate`](reqwest::UrlTemplate) to name a call's span; |
//! | `transport-rustls` | `reqwest::SentryHttpTransport` | Sentry's HTTP transport over rustls with connect and request timeouts, for `ClientOptions::transport` |
//! | `init` | [`init`], [`Init`] | Sentry and a global tracer provider with OTLP/HTTP export from the standard environment (`SENTRY_DSN`, `OTEL_*`), spans to Sentry's OTLP endpoint from the DSN ([`SentryOtlpEndpoint`]), one [`TelemetryGuard`] |
//!
//! No feature: the framework-agnostic part below, enough for a propagator or a
//! deduplicating Sentry transport.
//!
//! ## The user API, by name
//!
//! - **Server options**, shared by every server adapter: [`CorrelationConfig`], the
//!   failure policy ([`ClassifyFailure`], [`ServerErrors`], [`ResponseSummary`]), the link
//!   to an event ([`EventLink`], [`MissingPlaceholder`]), whom to trust ([`InboundTrust`],
//!   [`TrustedProxies`], [`ForwardingHeaders`]), what to redact and record
//!   ([`SensitiveQueryParams`], [`DEFAULT_SENSITIVE_QUERY_PARAMS`],
//!   [`SENTRY_SENSITIVE_QUERY_WORDS`], [`KnownMethods`], [`DEFAULT_KNOWN_METHODS`],
//!   [`MAX_HEADER_VALUE_LEN`], [`MAX_HEADERS_LEN`]).
//! - **Client options**: [`ClientConfig`]; for clients without an adapter,
//!   [`inject_context`] and [`inject_current_context`] write the trace headers into an
//!   `http::HeaderMap`.
//! - **Inside a handler**: [`CurrentTrace`], a downstream's [`DownstreamReport`], and
//!   [`declare_cascade_of`] / [`declare_failure_independent`] to override the cascade
//!   heuristic.
//! - **One failure, one alert**: [`CascadePolicy`] between services; [`CascadeWindow`]
//!   (making a [`CascadeWindowTransport`]) in one process, configured on Sentry's client;
//!   the whole story in [`dedup`].
//! - **Sentry outside requests**: [`TraceContextIntegration`] stamps events captured in
//!   background jobs with the active span's ids.
//! - **Propagation**: [`CorrelationPropagator`] (a `TextMapPropagator`),
//!   [`IncomingTrace`] with [`RemoteParent`] and [`ParentHeader`], in [`propagation`]; the
//!   strict header codecs in [`codecs`] ([`Traceparent`], [`RANDOM_TRACE_ID_FLAG`],
//!   [`ReceivedTraceState`], [`TraceStateMembers`], [`BaggageMember`], [`SentryTrace`],
//!   [`DynamicSamplingContext`] and their errors); every header, attribute and tag name
//!   written, in [`names`].
//!
//! To install the strict W3C + Sentry propagator for every instrumentation in the process:
//!
//! ```
//! opentelemetry::global::set_text_map_propagator(otel_sentry::CorrelationPropagator::new());
//! ```
//!
//! ## Writing an adapter
//!
//! The interface the adapters are built on (a request as the core sees it, its start,
//! response and end, the client call) is not re-exported here: it is for authors of an
//! integration with another framework, in
//! [`otel_sentry_core::adapter`](otel_sentry_core::adapter). `ARCHITECTURE.md` at the
//! repository root draws the crates and a request's way through the core.
#![deny(missing_docs)]
// The links into the adapters resolve when their features are on, as on docs.rs; a build
// without them lacks those modules, not a doc fix.
#![cfg_attr(
    not(all(
        feature = "axum",
        feature = "grpc",
        feature = "actix",
        feature = "reqwest",
        feature = "init"
    )),
    allow(rustdoc::broken_intra_doc_links)
)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// The user API, by name; the adapter-author interface stays in `otel_sentry_core::adapter`.
pub use otel_sentry_core::{
    BaggageMember, BaggageMemberError, CascadePolicy, CascadeWindow, CascadeWindowTransport,
    ClassifyFailure, ClientConfig, CorrelationConfig, CorrelationPropagator, CurrentTrace,
    DEFAULT_KNOWN_METHODS, DEFAULT_SENSITIVE_QUERY_PARAMS, DownstreamReport,
    DynamicSamplingContext, EventLink, ForwardingHeaders, GrpcCode, GrpcStatus, InboundTrust,
    IncomingTrace, KnownMethods, MAX_GRPC_MESSAGE_LEN, MAX_HEADER_VALUE_LEN, MAX_HEADERS_LEN,
    MissingPlaceholder, ParentHeader, RANDOM_TRACE_ID_FLAG, ReceivedTraceState, RemoteParent,
    ResponseSummary, SENTRY_SENSITIVE_QUERY_WORDS, SensitiveQueryParams, SentryTrace,
    SentryTraceError, ServerErrors, TraceContextIntegration, TraceStateError, TraceStateMembers,
    Traceparent, TraceparentError, TrustedProxies, declare_cascade_of, declare_failure_independent,
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

// The one-call setup of both SDKs, by name at the root: `otel_sentry::init()`.
#[cfg(feature = "init")]
#[cfg_attr(docsrs, doc(cfg(feature = "init")))]
pub use otel_sentry_init::{
    Init, InitError, SENTRY_AUTH_HEADER, SentryOtlpEndpoint, TelemetryGuard, init,
};

// The README's Rust snippets, compiled as doc tests; they use every adapter.
#[cfg(all(
    doctest,
    feature = "axum",
    feature = "grpc",
    feature = "actix",
    feature = "reqwest",
    feature = "init"
))]
#[doc = include_str!("../README.md")]
mod readme {}

#[cfg(test)]
mod tests {
    /// The README shows the quick starts of these docs, so both stay compiled and alike.
    #[test]
    fn the_readme_shows_the_quick_starts_of_the_crate_docs() {
        let readme = include_str!("../README.md");
        for (name, quick_start) in [
            ("axum", include_str!("quick_start/axum.rs")),
            ("actix", include_str!("quick_start/actix.rs")),
            ("reqwest", include_str!("quick_start/reqwest.rs")),
        ] {
            assert!(
                readme.contains(&format!("```rust,no_run\n{quick_start}```")),
                "README.md's {name} quick start differs from src/quick_start/{name}.rs"
            );
        }
    }
}
