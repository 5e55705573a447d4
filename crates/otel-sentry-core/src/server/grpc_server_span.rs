//! The server span of a gRPC call: named by its method (`package.Service/Method`), with the
//! RPC semantic conventions' attributes (see [`span_start`]) and the server and client
//! addresses; HTTP attributes are not written, the call is named by its method. Its status
//! is recorded by [`grpc_status::record_status`](crate::grpc::grpc_status).

use opentelemetry::{Context, StringValue};

use crate::grpc::grpc_request::{RpcMethod, span_start};
use crate::server::config::CorrelationConfig;
use crate::server::server_span::{self, StartAttributes};

/// Attributes written when the status is known (status codes, failure, event id and link).
const FINISH_ATTRIBUTES: usize = 6;

/// Starts the server span of a call of `rpc` (`None`: the path names no method) as a child
/// of `parent_cx`'s span, with the addresses of `attributes`; returns the context holding it.
pub(crate) fn start(
    config: &CorrelationConfig,
    parent_cx: &Context,
    rpc: Option<&RpcMethod>,
    attributes: StartAttributes<'_>,
) -> Context {
    let (name, mut list) = span_start(rpc, attributes.path.as_str(), 3 + FINISH_ATTRIBUTES);
    server_span::push_addresses(&mut list, &attributes);
    server_span::start_named(config, parent_cx, name, list, attributes.link)
}

/// The name a gRPC request goes by in messages and as Sentry's transaction: its method, or
/// its path when that names none.
pub(crate) fn call_name(rpc: Option<&RpcMethod>, path: &StringValue) -> StringValue {
    match rpc {
        Some(rpc) => rpc.full.clone(),
        None => path.clone(),
    }
}
