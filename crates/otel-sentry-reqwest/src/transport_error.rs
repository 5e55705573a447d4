//! `error.type` of a request that got no response: a short, low-cardinality name of what
//! went wrong, as the HTTP conventions ask (`timeout`, `connection_refused`, …).

use std::error::Error as _;
use std::io;

/// The Rust type recorded as `exception.type` of a reqwest error.
pub(crate) const REQWEST_ERROR_TYPE: &str = "reqwest::Error";
/// The Rust type recorded as `exception.type` of another middleware's error.
pub(crate) const MIDDLEWARE_ERROR_TYPE: &str = "anyhow::Error";
/// `error.type` of anything not classified.
pub(crate) const OTHER: &str = "_OTHER";

/// The `error.type` of a reqwest transport error.
pub(crate) fn error_type(error: &reqwest::Error) -> &'static str {
    if error.is_timeout() {
        "timeout"
    } else if error.is_connect() {
        connect_error_type(error)
    } else if error.is_redirect() {
        "redirect_error"
    } else if error.is_body() {
        "body_error"
    } else if error.is_decode() {
        "decode_error"
    } else if error.is_builder() {
        "builder_error"
    } else if error.is_request() {
        "request_error"
    } else {
        OTHER
    }
}

/// A connect error, named after the I/O error under it when it says more.
fn connect_error_type(error: &reqwest::Error) -> &'static str {
    if error.is_dns() {
        return "dns_error";
    }
    let mut source = error.source();
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<io::Error>() {
            match io.kind() {
                io::ErrorKind::ConnectionRefused => return "connection_refused",
                io::ErrorKind::ConnectionReset => return "connection_reset",
                io::ErrorKind::ConnectionAborted => return "connection_aborted",
                _ => {}
            }
        }
        source = cause.source();
    }
    "connect_error"
}
