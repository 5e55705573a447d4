//! gRPC over HTTP/2 as the core sees it: a request recognised by its content type and
//! named by its path (`grpc_request`), and the status a response ends with, read strictly
//! from `grpc-status` and `grpc-message` ([`grpc_status`]).

pub(crate) mod grpc_request;
pub mod grpc_status;
