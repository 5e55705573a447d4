//! The client side: the options ([`config`]), one outgoing HTTP call ([`call`]): its client
//! span, the headers it sends, and a downstream's word that it reported the failure; and a
//! gRPC call ([`grpc_call`]), whose status may come in the trailers.

pub(crate) mod call;
pub(crate) mod config;
pub(crate) mod grpc_call;
