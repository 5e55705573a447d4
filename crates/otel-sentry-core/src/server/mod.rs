//! The server request lifecycle: the options ([`config`]), the start of a request
//! ([`start`]: extract, trust, start the span, bind Sentry), the running request
//! ([`request`]) and its panics ([`panic`](mod@panic)), the response and the end of its body
//! ([`response`]), the one report of a failure ([`failure_report`]), the span's attributes
//! ([`server_span`]; a gRPC call's, [`grpc_server_span`]), a gRPC response's status
//! from its head or trailers ([`grpc_response`]), what a request keeps in its `Context` ([`request_state`]), and
//! Sentry's own transactions lined up with the server span ([`sentry_transaction`]).

pub(crate) mod config;
pub(crate) mod failure_report;
pub(crate) mod grpc_response;
pub(crate) mod grpc_server_span;
pub(crate) mod panic;
pub(crate) mod request;
pub(crate) mod request_scope;
pub(crate) mod request_state;
pub(crate) mod response;
pub(crate) mod sentry_hub;
pub(crate) mod sentry_transaction;
pub(crate) mod server_span;
pub(crate) mod start;
