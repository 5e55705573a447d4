//! Recognising a gRPC request (`content-type: application/grpc`, `application/grpc+proto`,
//! `application/grpc;…`) and naming it by its path, `/{package.Service}/{Method}`.

use std::sync::Arc;

use opentelemetry::{KeyValue, StringValue};
// The older names, deprecated in the conventions, are written beside the new ones.
#[allow(deprecated)]
use opentelemetry_semantic_conventions::attribute::{
    RPC_METHOD, RPC_METHOD_ORIGINAL, RPC_SERVICE, RPC_SYSTEM, RPC_SYSTEM_NAME,
};

use crate::http::request_headers::RequestHeaders;
use crate::names::{CONTENT_TYPE_HEADER, GRPC_SYSTEM, RPC_OTHER_METHOD};

/// The content type every gRPC request starts with.
const GRPC_CONTENT_TYPE: &str = "application/grpc";

/// Whether `content_type` is gRPC's: `application/grpc`, alone or followed by `+{codec}`
/// or `;{parameters}` (ASCII case ignored, as HTTP media types are compared). gRPC-Web's
/// `application/grpc-web` is not: its status travels in the body.
pub(crate) fn is_grpc_content_type(content_type: &str) -> bool {
    let Some(prefix) = content_type.get(..GRPC_CONTENT_TYPE.len()) else {
        return false;
    };
    prefix.eq_ignore_ascii_case(GRPC_CONTENT_TYPE)
        && matches!(
            content_type.as_bytes().get(GRPC_CONTENT_TYPE.len()),
            None | Some(b'+' | b';')
        )
}

/// The method a gRPC request calls: `rpc.method` (`package.Service/Method`) and the service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RpcMethod {
    /// `package.Service/Method`, the span name and `rpc.method`.
    pub(crate) full: StringValue,
    /// The length of the service part of `full`.
    service_len: usize,
}

impl RpcMethod {
    /// The method of path `/{service}/{method}`: both parts non-empty, no further `/`.
    /// `None` for any other path: the request is then named `_OTHER`.
    pub(crate) fn from_path(path: &str) -> Option<Self> {
        let full = path.strip_prefix('/')?;
        let (service, method) = full.split_once('/')?;
        if service.is_empty() || method.is_empty() || method.contains('/') {
            return None;
        }
        Some(RpcMethod {
            full: StringValue::from(Arc::<str>::from(full)),
            service_len: service.len(),
        })
    }

    /// `package.Service`.
    pub(crate) fn service(&self) -> &str {
        &self.full.as_str()[..self.service_len]
    }
}

/// The span name and first attributes of a call of `rpc` (`None`: `path` names no method),
/// server or client, in a list with room for `more`.
///
/// The conventions of opentelemetry-semantic-conventions 0.33 are written: `rpc.system.name`
/// `grpc`, `rpc.method` the fully qualified method (`_OTHER`, with `rpc.method_original`
/// the path, for a path that names none; the span is then named `grpc`); and, for
/// backends that still read the older names, `rpc.system` and `rpc.service`.
pub(crate) fn span_start(
    rpc: Option<&RpcMethod>,
    path: &StringValue,
    more: usize,
) -> (String, Vec<KeyValue>) {
    let mut list = Vec::with_capacity(4 + more);
    list.push(KeyValue::new(RPC_SYSTEM_NAME, GRPC_SYSTEM));
    #[allow(deprecated)]
    list.push(KeyValue::new(RPC_SYSTEM, GRPC_SYSTEM));
    let name = match rpc {
        Some(rpc) => {
            list.push(KeyValue::new(RPC_METHOD, rpc.full.clone()));
            #[allow(deprecated)]
            list.push(KeyValue::new(RPC_SERVICE, rpc.service().to_owned()));
            rpc.full.as_str().to_owned()
        }
        None => {
            list.push(KeyValue::new(RPC_METHOD, RPC_OTHER_METHOD));
            list.push(KeyValue::new(RPC_METHOD_ORIGINAL, path.clone()));
            GRPC_SYSTEM.to_owned()
        }
    };
    (name, list)
}

/// A gRPC request's method, or `None` for a method the path does not name; `Err(())` when
/// the request is not gRPC at all.
pub(crate) fn rpc_of(headers: &dyn RequestHeaders, path: &str) -> Result<Option<RpcMethod>, ()> {
    match headers.get(CONTENT_TYPE_HEADER) {
        Some(content_type) if is_grpc_content_type(content_type) => Ok(RpcMethod::from_path(path)),
        _ => Err(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_content_types_are_recognised() {
        for grpc in [
            "application/grpc",
            "application/grpc+proto",
            "Application/GRPC+json",
            "application/grpc;charset=utf-8",
        ] {
            assert!(is_grpc_content_type(grpc), "{grpc}");
        }
        for other in [
            "application/grpc-web",
            "application/grpcx",
            "application/json",
            "application/grp",
            "",
            "application/gr\u{e9}c",
        ] {
            assert!(!is_grpc_content_type(other), "{other}");
        }
    }

    #[test]
    fn the_path_names_service_and_method() {
        let rpc = RpcMethod::from_path("/shop.v1.Orders/Place").unwrap();
        assert_eq!(rpc.full.as_str(), "shop.v1.Orders/Place");
        assert_eq!(rpc.service(), "shop.v1.Orders");
        for bad in [
            "",
            "/",
            "//Place",
            "/Orders/",
            "/Orders",
            "Orders/Place",
            "/a/b/c",
        ] {
            assert_eq!(RpcMethod::from_path(bad), None, "{bad}");
        }
    }
}
