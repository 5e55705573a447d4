//! Recognising a gRPC request (`content-type: application/grpc`, `application/grpc+proto`,
//! `application/grpc;…`) and naming it by its path, `/{package.Service}/{Method}`.

use std::borrow::Cow;

use opentelemetry::{KeyValue, StringValue};
// The older names, deprecated in the conventions, are written beside the new ones.
#[allow(deprecated)]
use opentelemetry_semantic_conventions::attribute::{
    RPC_METHOD, RPC_METHOD_ORIGINAL, RPC_SERVICE, RPC_SYSTEM, RPC_SYSTEM_NAME,
};

use crate::http::interned_names::RouteNames;
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

/// The method a gRPC request calls: `rpc.method` (`package.Service/Method`), the span name
/// (the same text) and the service; interned apart from the routes, since a server serves
/// few (see [`RouteNames::grpc`]).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct RpcMethod {
    /// `package.Service/Method`: `rpc.method`.
    pub(crate) full: StringValue,
    /// The span name, `full` again.
    name: Cow<'static, str>,
    /// `package.Service`: `rpc.service`.
    service: StringValue,
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
        let names = RouteNames::grpc();
        let (full, name) = names.get_bounded(full);
        Some(RpcMethod {
            full,
            name,
            service: names.get_bounded(service).0,
        })
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
    path: &str,
    more: usize,
) -> (Cow<'static, str>, Vec<KeyValue>) {
    let mut list = Vec::with_capacity(4 + more);
    list.push(KeyValue::new(RPC_SYSTEM_NAME, GRPC_SYSTEM));
    #[allow(deprecated)]
    list.push(KeyValue::new(RPC_SYSTEM, GRPC_SYSTEM));
    let name = match rpc {
        Some(rpc) => {
            list.push(KeyValue::new(RPC_METHOD, rpc.full.clone()));
            #[allow(deprecated)]
            list.push(KeyValue::new(RPC_SERVICE, rpc.service.clone()));
            rpc.name.clone()
        }
        None => {
            list.push(KeyValue::new(RPC_METHOD, RPC_OTHER_METHOD));
            list.push(KeyValue::new(RPC_METHOD_ORIGINAL, path.to_owned()));
            Cow::Borrowed(GRPC_SYSTEM)
        }
    };
    (name, list)
}

/// Whether a request is a gRPC call and, when it is, the method it calls (`None`: its path
/// names none). gRPC calls are `POST`s: other requests are not looked at further.
pub(crate) fn rpc_of(
    method: &str,
    headers: &dyn RequestHeaders,
    path: &str,
) -> Option<Option<RpcMethod>> {
    if method != "POST" {
        return None;
    }
    let content_type = headers.get(CONTENT_TYPE_HEADER)?;
    is_grpc_content_type(content_type).then(|| RpcMethod::from_path(path))
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
    fn only_grpc_posts_are_calls() {
        let mut headers = http::HeaderMap::new();
        headers.insert("content-type", "application/grpc".parse().unwrap());
        let grpc = crate::http::header_carrier::HeaderCarrier(&headers);
        let call = rpc_of("POST", &grpc, "/a.B/C").unwrap().unwrap();
        assert_eq!(call.full.as_str(), "a.B/C");
        assert_eq!(rpc_of("POST", &grpc, "/nothing"), Some(None));
        assert_eq!(rpc_of("GET", &grpc, "/a.B/C"), None);
        let json = http::HeaderMap::new();
        assert_eq!(
            rpc_of(
                "POST",
                &crate::http::header_carrier::HeaderCarrier(&json),
                "/a.B/C"
            ),
            None
        );
    }

    #[test]
    fn the_path_names_service_and_method() {
        let rpc = RpcMethod::from_path("/shop.v1.Orders/Place").unwrap();
        assert_eq!(rpc.full.as_str(), "shop.v1.Orders/Place");
        assert_eq!(rpc.service.as_str(), "shop.v1.Orders");
        assert_eq!(rpc.name, "shop.v1.Orders/Place");
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
