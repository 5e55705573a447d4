//! HTTP metrics from the same lifecycle as the spans: the instruments a configuration
//! records with ([`instruments`]), the server request's duration timed to the end of its
//! body ([`server_duration`]) and the client call's ([`client_duration`]), and the opt-in
//! count of requests in flight ([`active_requests`]); a gRPC call's duration attributes,
//! the server's and client's ([`rpc_attributes`]).

pub(crate) mod active_requests;
pub(crate) mod client_duration;
pub(crate) mod instruments;
pub(crate) mod rpc_attributes;
pub(crate) mod server_duration;
