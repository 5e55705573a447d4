//! The interface adapters are built on: for authors of an integration with another
//! framework or HTTP client, not for applications.
//!
//! A **server adapter** turns each request into a [`RequestView`] (method, path, headers as
//! [`RequestHeaders`], peer, route when known), starts it with [`ServerRequest::start`],
//! runs every poll of the handler inside [`ServerRequest::enter`] (panics come back as
//! [`CaughtPanic`]), reports the outcome with [`ServerRequest::respond`] (an error as a
//! [`HandlerError`]), writes [`ResponseInProgress::inject_headers`] into the response, and
//! reports the end of the body to the [`ResponseInProgress`]. A framework that routes after
//! the middleware runs names the route with [`ServerRequest::set_route`] or a
//! [`RouteLookup`]. Its layer type gets every option of
//! [`CorrelationConfig`](crate::CorrelationConfig) from `correlation_config_methods!`.
//!
//! A **client adapter** turns each outgoing request into a [`ClientRequestView`], starts a
//! [`ClientCall`], writes its headers into the request, and reports the response or the
//! transport error; for a gRPC call, [`ClientConfig::start_grpc_call`](crate::ClientConfig::start_grpc_call),
//! [`ClientCall::grpc_head`] and the trailers to [`GrpcCallInProgress`]. A server adapter
//! that serves gRPC reports the head with [`ServerRequest::respond_head`] and the trailers
//! with [`ResponseInProgress::finish_with_trailers`]. Its middleware type gets every option of
//! [`ClientConfig`](crate::ClientConfig) from `client_config_methods!`.
//!
//! What every adapter needs of its framework's types is here once: [`HeaderCarrier`] reads
//! any header map that is [`ReadHeaders`], [`HeaderInjector`] writes any that is
//! [`WriteHeaders`] (both implemented for `http::HeaderMap`); [`SharedError`] is the error
//! an adapter's error type carries to the layer, and [`with_handler_error`] the fallback
//! for errors known only by their text.
//!
//! The adapters of this project (`otel-sentry-tower`, `otel-sentry-actix`,
//! `otel-sentry-reqwest`) are each a few hundred lines of such translation.

mod client_config_methods;
mod config_methods;
mod configured_with;

pub use crate::client::call::{ClientCall, ClientRequestView};
pub use crate::client::grpc_call::GrpcCallInProgress;
pub use crate::failure::handler_error::{HandlerError, OpaqueError, with_handler_error};
pub use crate::failure::shared_error::SharedError;
pub use crate::http::header_carrier::{HeaderCarrier, ReadHeaders};
pub use crate::http::header_injector::{HeaderInjector, WriteHeaders};
pub use crate::http::request_headers::RequestHeaders;
pub use crate::http::request_view::{HttpVersion, RequestView};
pub use crate::http::route_lookup::{self, RouteLookup, with_route_lookup};
pub use crate::server::panic::CaughtPanic;
pub use crate::server::request::ServerRequest;
pub use crate::server::response::ResponseInProgress;
