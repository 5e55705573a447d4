//! The status a gRPC call ends with: [`GrpcCode`] and its message, read from the
//! `grpc-status` and `grpc-message` lines of a response's headers (a trailers-only answer)
//! or trailers, and written for the answer to a panic.
//!
//! Reading is strict and never fails: a `grpc-status` that is not one line of one or two
//! digits naming a code of the gRPC specification (0 to 16) reads as
//! [`GrpcCode::Unknown`], as gRPC clients read it; `grpc-message` is percent-decoded
//! (invalid sequences kept as sent, invalid UTF-8 replaced) and kept to
//! [`MAX_GRPC_MESSAGE_LEN`] bytes.

use std::fmt;

use opentelemetry::KeyValue;
use opentelemetry::propagation::Injector;
use opentelemetry::trace::SpanRef;
// The older name, deprecated in the conventions, is written beside the new one.
#[allow(deprecated)]
use opentelemetry_semantic_conventions::attribute::{
    RPC_GRPC_STATUS_CODE, RPC_RESPONSE_STATUS_CODE,
};
use percent_encoding::{AsciiSet, CONTROLS, percent_decode, utf8_percent_encode};

use crate::http::header_carrier::ReadHeaders;
use crate::names::{GRPC_MESSAGE_HEADER, GRPC_STATUS_HEADER};

/// The most bytes of a decoded `grpc-message` kept; a longer one is cut at a character
/// boundary and ends with `…`.
pub const MAX_GRPC_MESSAGE_LEN: usize = 1024;

/// A gRPC status code, as the gRPC specification numbers them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GrpcCode {
    /// 0: not an error.
    Ok,
    /// 1: the caller cancelled.
    Cancelled,
    /// 2: unknown error (also what a malformed status reads as).
    Unknown,
    /// 3: the caller's argument is invalid.
    InvalidArgument,
    /// 4: the deadline passed.
    DeadlineExceeded,
    /// 5: not found.
    NotFound,
    /// 6: already exists.
    AlreadyExists,
    /// 7: permission denied.
    PermissionDenied,
    /// 8: a resource is exhausted.
    ResourceExhausted,
    /// 9: the system is not in the state the call needs.
    FailedPrecondition,
    /// 10: aborted.
    Aborted,
    /// 11: out of range.
    OutOfRange,
    /// 12: not implemented.
    Unimplemented,
    /// 13: internal error.
    Internal,
    /// 14: unavailable.
    Unavailable,
    /// 15: data loss.
    DataLoss,
    /// 16: unauthenticated.
    Unauthenticated,
}

/// Every code, by number.
const CODES: [GrpcCode; 17] = [
    GrpcCode::Ok,
    GrpcCode::Cancelled,
    GrpcCode::Unknown,
    GrpcCode::InvalidArgument,
    GrpcCode::DeadlineExceeded,
    GrpcCode::NotFound,
    GrpcCode::AlreadyExists,
    GrpcCode::PermissionDenied,
    GrpcCode::ResourceExhausted,
    GrpcCode::FailedPrecondition,
    GrpcCode::Aborted,
    GrpcCode::OutOfRange,
    GrpcCode::Unimplemented,
    GrpcCode::Internal,
    GrpcCode::Unavailable,
    GrpcCode::DataLoss,
    GrpcCode::Unauthenticated,
];

impl GrpcCode {
    /// The code numbered `number`, if the specification defines one.
    pub fn from_number(number: i32) -> Option<Self> {
        usize::try_from(number)
            .ok()
            .and_then(|index| CODES.get(index))
            .copied()
    }

    /// Its number (`rpc.grpc.status_code`).
    pub fn number(self) -> i32 {
        self as i32
    }

    /// Its name as the specification spells it (`INTERNAL`): `rpc.response.status_code`
    /// and `error.type`.
    pub fn name(self) -> &'static str {
        match self {
            GrpcCode::Ok => "OK",
            GrpcCode::Cancelled => "CANCELLED",
            GrpcCode::Unknown => "UNKNOWN",
            GrpcCode::InvalidArgument => "INVALID_ARGUMENT",
            GrpcCode::DeadlineExceeded => "DEADLINE_EXCEEDED",
            GrpcCode::NotFound => "NOT_FOUND",
            GrpcCode::AlreadyExists => "ALREADY_EXISTS",
            GrpcCode::PermissionDenied => "PERMISSION_DENIED",
            GrpcCode::ResourceExhausted => "RESOURCE_EXHAUSTED",
            GrpcCode::FailedPrecondition => "FAILED_PRECONDITION",
            GrpcCode::Aborted => "ABORTED",
            GrpcCode::OutOfRange => "OUT_OF_RANGE",
            GrpcCode::Unimplemented => "UNIMPLEMENTED",
            GrpcCode::Internal => "INTERNAL",
            GrpcCode::Unavailable => "UNAVAILABLE",
            GrpcCode::DataLoss => "DATA_LOSS",
            GrpcCode::Unauthenticated => "UNAUTHENTICATED",
        }
    }

    /// Whether a server span with this status is an error, by the RPC semantic
    /// conventions for gRPC: `UNKNOWN`, `DEADLINE_EXCEEDED`, `UNIMPLEMENTED`, `INTERNAL`,
    /// `UNAVAILABLE`, `DATA_LOSS`. The others are the caller's problem (a client span
    /// records every code but `OK` as an error).
    pub fn is_server_error(self) -> bool {
        matches!(
            self,
            GrpcCode::Unknown
                | GrpcCode::DeadlineExceeded
                | GrpcCode::Unimplemented
                | GrpcCode::Internal
                | GrpcCode::Unavailable
                | GrpcCode::DataLoss
        )
    }

    /// The code a client reads from an HTTP status when a response has no `grpc-status`,
    /// as the gRPC specification maps them.
    pub fn from_http_status(status: u16) -> Self {
        match status {
            400 => GrpcCode::Internal,
            401 => GrpcCode::Unauthenticated,
            403 => GrpcCode::PermissionDenied,
            404 => GrpcCode::Unimplemented,
            429 | 502 | 503 | 504 => GrpcCode::Unavailable,
            _ => GrpcCode::Unknown,
        }
    }
}

impl fmt::Display for GrpcCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The status of a gRPC response: its code and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrpcStatus {
    /// The code.
    pub code: GrpcCode,
    /// The message, decoded; empty when none was sent.
    pub message: String,
}

impl GrpcStatus {
    /// The status in `headers` (a trailers-only answer's headers, or the trailers), or
    /// `None` when they carry no `grpc-status`.
    pub fn read(headers: &impl ReadHeaders) -> Option<Self> {
        let mut lines = headers.lines_named(GRPC_STATUS_HEADER);
        let first = lines.next()?;
        let code = if lines.next().is_some() {
            tracing::debug!(target: "otel_sentry::grpc", "repeated grpc-status read as UNKNOWN");
            GrpcCode::Unknown
        } else {
            code_of(first)
        };
        let message = headers
            .lines_named(GRPC_MESSAGE_HEADER)
            .next()
            .map(decode_message)
            .unwrap_or_default();
        Some(GrpcStatus { code, message })
    }

    /// The status a response ended with when it ended without one: `UNKNOWN`, as gRPC
    /// clients read a stream cut before its trailers.
    pub(crate) fn missing() -> Self {
        GrpcStatus {
            code: GrpcCode::Unknown,
            message: "the response ended without grpc-status".to_owned(),
        }
    }

    /// Writes `grpc-status` and (percent-encoded) `grpc-message`.
    pub(crate) fn inject(&self, injector: &mut dyn Injector) {
        injector.set(GRPC_STATUS_HEADER, self.code.number().to_string());
        if !self.message.is_empty() {
            injector.set(
                GRPC_MESSAGE_HEADER,
                utf8_percent_encode(&self.message, MESSAGE_ESCAPES).to_string(),
            );
        }
    }
}

/// Records `code` on a server or client span: `rpc.response.status_code` its name, and the
/// older numeric `rpc.grpc.status_code`.
pub(crate) fn record_status(span: &SpanRef<'_>, code: GrpcCode) {
    span.set_attribute(KeyValue::new(RPC_RESPONSE_STATUS_CODE, code.name()));
    #[allow(deprecated)]
    span.set_attribute(KeyValue::new(
        RPC_GRPC_STATUS_CODE,
        i64::from(code.number()),
    ));
}

/// What `grpc-message` escapes besides `%`: everything outside printable ASCII.
const MESSAGE_ESCAPES: &AsciiSet = &CONTROLS.add(b'%');

/// The code of one `grpc-status` line: one or two ASCII digits naming a defined code, else
/// `UNKNOWN`.
fn code_of(line: &[u8]) -> GrpcCode {
    let code = match line {
        [digit @ b'0'..=b'9'] => GrpcCode::from_number(i32::from(digit - b'0')),
        [tens @ b'1'..=b'9', ones @ b'0'..=b'9'] => {
            GrpcCode::from_number(i32::from((tens - b'0') * 10 + (ones - b'0')))
        }
        _ => None,
    };
    code.unwrap_or_else(|| {
        tracing::debug!(
            target: "otel_sentry::grpc",
            len = line.len(),
            "malformed grpc-status read as UNKNOWN"
        );
        GrpcCode::Unknown
    })
}

/// A `grpc-message` line, percent-decoded, kept to [`MAX_GRPC_MESSAGE_LEN`] bytes.
fn decode_message(line: &[u8]) -> String {
    // Never more than the kept length plus one character is decoded from a long line.
    let read = &line[..line.len().min(MAX_GRPC_MESSAGE_LEN * 3 + 3)];
    let decoded = percent_decode(read).decode_utf8_lossy();
    if decoded.len() <= MAX_GRPC_MESSAGE_LEN && read.len() == line.len() {
        return decoded.into_owned();
    }
    let mut end = MAX_GRPC_MESSAGE_LEN.min(decoded.len());
    while !decoded.is_char_boundary(end) {
        end -= 1;
    }
    let mut message = decoded[..end].to_owned();
    message.push('…');
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(lines: &[(&'static str, &str)]) -> Option<GrpcStatus> {
        let mut headers = http::HeaderMap::new();
        for (name, value) in lines {
            headers.append(*name, http::HeaderValue::from_str(value).unwrap());
        }
        GrpcStatus::read(&headers)
    }

    #[test]
    fn codes_and_messages_are_read() {
        let read = status(&[
            ("grpc-status", "13"),
            ("grpc-message", "db%20down%3A%20%E2%9C%97"),
        ])
        .unwrap();
        assert_eq!(read.code, GrpcCode::Internal);
        assert_eq!(read.message, "db down: ✗");
        assert_eq!(status(&[("grpc-status", "0")]).unwrap().code, GrpcCode::Ok);
        assert_eq!(status(&[("grpc-message", "x")]), None);
        for number in 0..=16 {
            let code = GrpcCode::from_number(number).unwrap();
            assert_eq!(code.number(), number);
            assert_eq!(
                status(&[("grpc-status", &number.to_string())])
                    .unwrap()
                    .code,
                code
            );
        }
    }

    #[test]
    fn malformed_statuses_read_as_unknown() {
        for bad in [
            "17",
            "99",
            "013",
            "-1",
            "1 ",
            "abc",
            "",
            "4294967309",
            &"1".repeat(4096),
        ] {
            assert_eq!(
                status(&[("grpc-status", bad)]).unwrap().code,
                GrpcCode::Unknown,
                "{bad:?}"
            );
        }
        let repeated = status(&[("grpc-status", "0"), ("grpc-status", "0")]).unwrap();
        assert_eq!(repeated.code, GrpcCode::Unknown);
    }

    #[test]
    fn messages_are_decoded_leniently_and_bounded() {
        assert_eq!(decode_message(b"100%"), "100%");
        assert_eq!(decode_message(b"%zz%4"), "%zz%4");
        assert_eq!(decode_message(b"%FF%FE"), "\u{fffd}\u{fffd}");
        let long = decode_message("é".repeat(4000).as_bytes());
        assert!(long.len() <= MAX_GRPC_MESSAGE_LEN + '…'.len_utf8());
        assert!(long.ends_with('…'));
        let encoded = decode_message("%41".repeat(100_000).as_bytes());
        assert_eq!(encoded.len(), MAX_GRPC_MESSAGE_LEN + '…'.len_utf8());
    }

    #[test]
    fn the_written_status_reads_back() {
        let sent = GrpcStatus {
            code: GrpcCode::Internal,
            message: "50% done\nthen ✗".to_owned(),
        };
        let mut headers = http::HeaderMap::new();
        sent.inject(&mut crate::http::header_injector::HeaderInjector(
            &mut headers,
        ));
        assert_eq!(GrpcStatus::read(&headers), Some(sent));
    }

    #[test]
    fn server_errors_are_the_conventions_list() {
        let errors: Vec<&str> = CODES
            .iter()
            .filter(|code| code.is_server_error())
            .map(|code| code.name())
            .collect();
        assert_eq!(
            errors,
            [
                "UNKNOWN",
                "DEADLINE_EXCEEDED",
                "UNIMPLEMENTED",
                "INTERNAL",
                "UNAVAILABLE",
                "DATA_LOSS"
            ]
        );
    }
}
