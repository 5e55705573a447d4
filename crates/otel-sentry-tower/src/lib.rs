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
//! The parts, one file each:
//!
//! - [`CorrelationLayer`]: the layer, with every option of the core's
//!   [`CorrelationConfig`](otel_sentry_core::CorrelationConfig) as a builder method;
//! - [`CorrelationService`]: the service it wraps around yours;
//! - [`ResponseFuture`]: the response future, which reports the outcome (and a panic);
//! - [`CorrelationBody`]: the response body, which ends the span when the body ends;
//! - [`ReportedError`]: the error a response carries for the layer to report, for your
//!   own `IntoResponse` types;
//! - [`axum`] (feature `axum`): the route from `MatchedPath`, the client
//!   address from `ConnectInfo`, the [`RequestTrace`](crate::axum::RequestTrace) extractor
//!   and [`ErrorResponse`](crate::axum::ErrorResponse).
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
// The links into `axum` resolve when its feature is on, as on docs.rs.
#![cfg_attr(not(feature = "axum"), allow(rustdoc::broken_intra_doc_links))]

#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod axum;
mod body;
mod error_report;
mod future;
mod layer;
mod reported_error;
mod service;

pub use body::CorrelationBody;
pub use future::ResponseFuture;
pub use layer::CorrelationLayer;
pub use reported_error::ReportedError;
pub use service::CorrelationService;
