//! What an adapter tells the core about an incoming request.

use std::net::SocketAddr;

use crate::http::request_headers::RequestHeaders;

/// The HTTP version of a request, as `network.protocol.version` records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HttpVersion {
    /// HTTP/0.9
    Http09,
    /// HTTP/1.0
    Http10,
    /// HTTP/1.1
    Http11,
    /// HTTP/2
    Http2,
    /// HTTP/3
    Http3,
}

impl HttpVersion {
    /// The `network.protocol.version` value: `0.9`, `1.0`, `1.1`, `2` or `3`.
    pub fn protocol_version(self) -> &'static str {
        match self {
            HttpVersion::Http09 => "0.9",
            HttpVersion::Http10 => "1.0",
            HttpVersion::Http11 => "1.1",
            HttpVersion::Http2 => "2",
            HttpVersion::Http3 => "3",
        }
    }
}

impl From<http::Version> for HttpVersion {
    /// The version of an `http` request or response; HTTP/1.1 for one `http` adds later.
    fn from(version: http::Version) -> Self {
        match version {
            http::Version::HTTP_09 => HttpVersion::Http09,
            http::Version::HTTP_10 => HttpVersion::Http10,
            http::Version::HTTP_2 => HttpVersion::Http2,
            http::Version::HTTP_3 => HttpVersion::Http3,
            _ => HttpVersion::Http11,
        }
    }
}

/// A borrowed view of an incoming request: all the core needs to start its span and bind
/// Sentry.
///
/// ```
/// use std::collections::HashMap;
/// use opentelemetry::propagation::Extractor;
/// use otel_sentry_core::adapter::{HttpVersion, RequestHeaders, RequestView};
///
/// struct Headers(HashMap<String, String>);
/// impl Extractor for Headers {
///     fn get(&self, key: &str) -> Option<&str> { self.0.get(key).map(String::as_str) }
///     fn keys(&self) -> Vec<&str> { self.0.keys().map(String::as_str).collect() }
/// }
/// impl RequestHeaders for Headers {
///     fn visit_lines<'a>(&'a self, visit: &mut dyn FnMut(&'a str, &'a [u8])) {
///         for (name, value) in &self.0 { visit(name, value.as_bytes()) }
///     }
/// }
///
/// let headers = Headers(HashMap::from([("host".to_owned(), "shop.example:8080".to_owned())]));
/// let mut view = RequestView::new("GET", "/users/7", HttpVersion::Http11, &headers);
/// view.route = Some("/users/{id}");
/// view.peer = Some("192.0.2.1:50000".parse().unwrap());
/// ```
#[derive(Clone, Copy)]
#[non_exhaustive]
pub struct RequestView<'a> {
    /// The method, as sent.
    pub method: &'a str,
    /// The scheme of the request target, when the request carries one (HTTP/2's `:scheme`,
    /// an absolute-form target).
    pub scheme: Option<&'a str>,
    /// The authority of the request target, when the request carries one (HTTP/2's
    /// `:authority`, an absolute-form target); otherwise the `Host` header is read.
    pub authority: Option<&'a str>,
    /// The path, as sent.
    pub path: &'a str,
    /// The query, without `?`, as sent.
    pub query: Option<&'a str>,
    /// The HTTP version.
    pub version: HttpVersion,
    /// The headers.
    pub headers: &'a dyn RequestHeaders,
    /// The route template that matched (`/users/{id}`), when the framework knows it.
    pub route: Option<&'a str>,
    /// The socket address of the peer.
    pub peer: Option<SocketAddr>,
    /// Whether the adapter reads gRPC answers (their status in the trailers): only then is
    /// a request with `content-type: application/grpc…` read as a gRPC call. The tower
    /// adapter does; an adapter that does not leaves it `false`.
    pub grpc: bool,
}

impl<'a> RequestView<'a> {
    /// A view of a request with no query, route, peer, scheme or authority (and not read as
    /// gRPC); set those fields when they are known.
    pub fn new(
        method: &'a str,
        path: &'a str,
        version: HttpVersion,
        headers: &'a dyn RequestHeaders,
    ) -> Self {
        RequestView {
            method,
            scheme: None,
            authority: None,
            path,
            query: None,
            version,
            headers,
            route: None,
            peer: None,
            grpc: false,
        }
    }
}
