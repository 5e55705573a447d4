//! otel-sentry for reqwest: [`CorrelationMiddleware`] carries the trace of the request
//! being handled to the next service, and reads whether that service already reported a
//! failure to Sentry.
//!
//! ```
//! use otel_sentry_reqwest::CorrelationMiddleware;
//!
//! let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
//!     .with(CorrelationMiddleware::new())
//!     .build();
//! ```
//!
//! Inside a handler served with `CorrelationLayer` (tower/axum) or `Correlation`
//! (actix-web), each request through the client gets a client span under the server span,
//! and the next service's server span becomes its child: one trace id across both
//! services' spans and Sentry events. When the next service answers a failure with the id
//! of the Sentry event it reported (its `response_event_id` option), the id lands on the
//! client span and in the current request's [`DownstreamReport`], so this service can
//! treat its own failure as a cascade.
//!
//! The parts:
//!
//! - [`CorrelationMiddleware`]: the middleware, with the options of [`ClientConfig`] as
//!   builder methods;
//! - [`UrlTemplate`]: a request extension naming the call's span `{METHOD} {template}`;
//! - [`DownstreamReport`]: what a failed downstream said it reported, read in the handler;
//! - [`inject_context`] and [`inject_current_context`]: the same headers written into a
//!   `HeaderMap`, for plain reqwest, hyper or any client built on the `http` crate (without
//!   a client span);
//! - `SentryHttpTransport` (feature `transport-rustls`, or `transport` over the TLS backend
//!   the application enables on `sentry`, e.g. its default native-tls), in
//!   `sentry_http_transport`: sentry's own HTTP transport with
//!   connect and request timeouts, for `ClientOptions::transport`; without them a Sentry
//!   that never answers keeps the process from exiting.
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod middleware;
#[cfg(feature = "transport")]
#[cfg_attr(docsrs, doc(cfg(feature = "transport")))]
pub mod sentry_http_transport;
mod transport_error;
mod url_template;

pub use middleware::CorrelationMiddleware;
pub use otel_sentry_core::{
    ClientConfig, DownstreamReport, inject_context, inject_current_context,
};
#[cfg(feature = "transport")]
#[cfg_attr(docsrs, doc(cfg(feature = "transport")))]
pub use sentry_http_transport::SentryHttpTransport;
pub use url_template::UrlTemplate;
