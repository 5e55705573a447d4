//! otel-sentry for tower and axum: [`CorrelationLayer`] ties each request's Sentry events
//! to its OpenTelemetry server span.
//!
//! ```
//! use axum::{Router, routing::get};
//! use otel_sentry_tower::CorrelationLayer;
//!
//! let app: Router = Router::new()
//!     .route("/orders/{id}", get(|| async { "ok" }))
//!     .layer(CorrelationLayer::new());
//! ```
//!
//! For each request the layer continues the caller's trace (`traceparent`, or a Sentry
//! SDK's `sentry-trace`), starts a server span named `{METHOD} {route}` with the HTTP
//! semantic-convention attributes, and binds a Sentry hub whose events carry the span's
//! trace and span ids. When the response is a failure (a 5xx, a panic, by default) it
//! captures one Sentry event, built from the handler's error when the response carries
//! one ([`ReportedError`], or axum's [`ErrorResponse`](crate::axum::ErrorResponse)), and
//! records the exception and the event id on the span. The span ends when the response
//! body ends. A panicking handler answers 500 and the server keeps serving.
//!
//! A gRPC request (`content-type: application/grpc…`, a tonic server's) is a call: its span
//! is named by its method with the RPC conventions' attributes, its status read from the
//! answer's headers (a trailers-only answer, tonic's for a unary error) or from the trailers
//! at the end of the body, and classified by the gRPC status (by default `UNKNOWN`,
//! `DEADLINE_EXCEEDED`, `UNIMPLEMENTED`, `INTERNAL`, `UNAVAILABLE`, `DATA_LOSS` fail; see
//! [`ServerErrors`](otel_sentry_core::ServerErrors)). The Sentry event of a failure carries
//! the status code and message; with feature `grpc`, also the chain of the error a handler's
//! `tonic::Status` has as its source (`Status::from_error`, `set_source`), which the layer
//! reads from a trailers-only answer. A status sent in the trailers of a streamed answer
//! carries only its code and message to the layer: to report the error behind it, capture
//! it in the handler (`sentry::capture_error`), whose event then stands for the failure. The
//! event id is answered beside the status (in the headers of a trailers-only answer, else in
//! the trailers); `traceparent`, when configured, always in the headers. A panic answers
//! `INTERNAL`.
//!
//! The parts, one file each:
//!
//! - [`CorrelationLayer`]: the layer, with every option of the core's
//!   [`CorrelationConfig`](otel_sentry_core::CorrelationConfig) as a builder method;
//! - [`CorrelationService`]: the service it wraps around yours;
//! - [`ResponseFuture`]: the response future, which reports the outcome (and a panic);
//! - [`CorrelationBody`]: the response body, which ends the span when the body ends;
//! - [`ReportedError`]: the error a response carries for the layer to report, for your
//!   own `IntoResponse` types;
//! - [`GrpcClientLayer`] (feature `grpc`): the layer for tonic channels, with its
//!   [`GrpcClientService`], [`GrpcClientFuture`] and [`GrpcClientBody`];
//! - [`axum`] (feature `axum`): the route from `MatchedPath`, the client
//!   address from `ConnectInfo`, the [`RequestTrace`](crate::axum::RequestTrace) extractor
//!   and [`ErrorResponse`](crate::axum::ErrorResponse).
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
// The links into `axum` resolve when its feature is on, as on docs.rs.
#![cfg_attr(
    not(all(feature = "axum", feature = "grpc")),
    allow(rustdoc::broken_intra_doc_links)
)]

#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod axum;
mod body;
mod error_report;
mod future;
#[cfg(feature = "grpc")]
mod grpc_client_body;
#[cfg(feature = "grpc")]
mod grpc_client_future;
#[cfg(feature = "grpc")]
mod grpc_client_layer;
mod layer;
mod reported_error;
mod service;

pub use body::CorrelationBody;
pub use future::ResponseFuture;
#[cfg(feature = "grpc")]
#[cfg_attr(docsrs, doc(cfg(feature = "grpc")))]
pub use grpc_client_body::GrpcClientBody;
#[cfg(feature = "grpc")]
#[cfg_attr(docsrs, doc(cfg(feature = "grpc")))]
pub use grpc_client_future::GrpcClientFuture;
#[cfg(feature = "grpc")]
#[cfg_attr(docsrs, doc(cfg(feature = "grpc")))]
pub use grpc_client_layer::{GrpcClientLayer, GrpcClientService};
pub use layer::CorrelationLayer;
pub use reported_error::ReportedError;
pub use service::CorrelationService;
