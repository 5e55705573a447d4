//! The attributes of a gRPC call's duration, server's and client's alike:
//! `rpc.system.name`, `rpc.method`, `rpc.response.status_code` once a status came, and
//! `error.type` when the call failed.

use std::borrow::Cow;

use opentelemetry::{KeyValue, StringValue};
use opentelemetry_semantic_conventions::attribute::{
    ERROR_TYPE, RPC_METHOD, RPC_RESPONSE_STATUS_CODE, RPC_SYSTEM_NAME,
};

use crate::grpc::grpc_status::GrpcCode;
use crate::names::GRPC_SYSTEM;

/// The attributes in a fixed array, the ones present first, and how many there are: record
/// with `&attributes[..len]` (no allocation; made in one expression so that no element is
/// overwritten and dropped twice; the filler is never read past `len`).
pub(crate) fn rpc_attributes(
    method: StringValue,
    code: Option<GrpcCode>,
    error_type: Option<Cow<'static, str>>,
) -> ([KeyValue; 4], usize) {
    let code = code.map(|code| KeyValue::new(RPC_RESPONSE_STATUS_CODE, code.name()));
    let error_type = error_type.map(|error_type| KeyValue::new(ERROR_TYPE, error_type));
    let len = 2 + usize::from(code.is_some()) + usize::from(error_type.is_some());
    let mut optional = [code, error_type].into_iter().flatten();
    let mut next = || {
        optional
            .next()
            .unwrap_or_else(|| KeyValue::new(RPC_SYSTEM_NAME, GRPC_SYSTEM))
    };
    let attributes = [
        KeyValue::new(RPC_SYSTEM_NAME, GRPC_SYSTEM),
        KeyValue::new(RPC_METHOD, method),
        next(),
        next(),
    ];
    (attributes, len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn present_attributes_come_first() {
        let (attributes, len) = rpc_attributes(
            StringValue::from("echo.Echo/Say"),
            None,
            Some("timeout".into()),
        );
        assert_eq!(
            &attributes[..len],
            &[
                KeyValue::new(RPC_SYSTEM_NAME, GRPC_SYSTEM),
                KeyValue::new(RPC_METHOD, "echo.Echo/Say"),
                KeyValue::new(ERROR_TYPE, "timeout"),
            ]
        );
        let (attributes, len) =
            rpc_attributes(StringValue::from("m"), Some(GrpcCode::Internal), None);
        assert_eq!(
            attributes[len - 1],
            KeyValue::new(RPC_RESPONSE_STATUS_CODE, "INTERNAL")
        );
    }
}
