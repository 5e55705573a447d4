//! otel-sentry for actix-web 4: the [`Correlation`] middleware ties each request's Sentry
//! events to its OpenTelemetry server span, exactly as the tower/axum layer does (both
//! run the same lifecycle from `otel-sentry-core`).
//!
//! ```
//! use actix_web::{App, web};
//! use otel_sentry_actix::{Correlation, ErrorResponse, RequestTrace};
//!
//! async fn pay(trace: RequestTrace) -> Result<String, ErrorResponse> {
//!     Ok(format!("paid (trace {})", trace.trace_id))
//! }
//!
//! let app = App::new()
//!     .wrap(Correlation::new())
//!     .route("/orders/{id}/pay", web::post().to(pay));
//! ```
//!
//! For each request the middleware continues the caller's trace, starts a server span,
//! and binds a Sentry hub whose events carry the span's ids, on every poll of the handler.
//! actix-web routes after `App::wrap` middleware has run, and asking its router earlier
//! would match the path against every route a second time; so the span starts named
//! `{METHOD}` and, when the app answers, takes the name `{METHOD} {pattern}` and
//! `http.route` from the routed request (the method alone when no resource matched).
//! Samplers see the method only. Sentry events captured before the answer (inside the
//! handler, or for a panic) get the pattern as their transaction all the same: it is
//! looked up for them. Only an event from a task the handler spawned, captured before the
//! answer, has the method as its transaction (its trace and span ids are exact).
//!
//! Handler and extractor errors reach the middleware as the response's error: a 5xx, or a
//! response that fails the configured policy, becomes one Sentry event (from the error,
//! with its source chain when it is an [`ErrorResponse`]) recorded on the span; 4xx are
//! left alone. A panicking handler answers 500 and the worker keeps serving. The span ends
//! when the body ends.
//!
//! The parts, one file each: [`Correlation`], the middleware with every option of
//! [`CorrelationConfig`](otel_sentry_core::CorrelationConfig) as a builder method, and the
//! service it makes for `App::wrap`; [`ResponseFuture`], which reports the outcome (and a panic);
//! [`CorrelationBody`], which ends the span when the body ends; the [`RequestTrace`]
//! extractor and its rejection; [`ErrorResponse`], a handler error that keeps its source.
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod app_routes;
mod body;
mod error_response;
mod future;
mod header_map;
mod middleware;
mod request_trace;
mod service;

pub use body::CorrelationBody;
pub use error_response::ErrorResponse;
pub use future::ResponseFuture;
pub use middleware::Correlation;
pub use request_trace::{MissingCorrelation, RequestTrace};
pub use service::CorrelationService;
