//! An outgoing HTTP request, framework-agnostic: the HTTP client adapters start a
//! [`ClientCall`] from a [`ClientRequestView`], write its headers into the request, and
//! report the response or the transport error.
//!
//! The client span (kind Client) is a child of the context the request is sent in (inside a
//! server adapter, the server span), named `{METHOD}`, or `{METHOD} {url.template}` when the
//! caller names the template, with the HTTP client conventions' attributes:
//! `http.request.method` (and `http.request.method_original` for an unknown method),
//! `server.address`, `server.port` (an integer), `url.full` without credentials and with
//! sensitive query values redacted, `url.template`, `network.protocol.version`,
//! `http.response.status_code` (an integer) and `error.type`.
//!
//! - A 4xx or 5xx response marks the span Error, with `error.type` the status code; if it
//!   names the Sentry event its service reported ([`SENTRY_EVENT_ID_HEADER`]), the span
//!   gets `sentry.event_id` (and `sentry.event_url`), and the server request the call runs
//!   in records a [`DownstreamReport`].
//! - A transport error marks the span Error with the adapter's `error.type` and an
//!   `exception` event (type and the whole chain of messages).
//! - A call dropped before either (a timeout above it, a cancelled task) ends its span as
//!   Error with `error.type = cancelled`.
//!
//! Each finished call also leaves an `http` breadcrumb (unless turned off) (method, `url.full`, status code) on
//! the current Sentry hub, so an event the handler captures afterwards shows the calls
//! that led to it.
//!
//! [`SENTRY_EVENT_ID_HEADER`]: crate::names::SENTRY_EVENT_ID_HEADER

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::error::Error;
use std::fmt::{self, Write as _};
use std::sync::Arc;

use http::HeaderMap;
use opentelemetry::trace::{SpanBuilder, SpanKind, Status, TraceContextExt};
use opentelemetry::{Context, KeyValue, StringValue};
use opentelemetry_semantic_conventions::attribute::{
    ERROR_TYPE, HTTP_REQUEST_METHOD, HTTP_REQUEST_METHOD_ORIGINAL, HTTP_RESPONSE_STATUS_CODE,
    NETWORK_PROTOCOL_VERSION, RPC_RESPONSE_STATUS_CODE, SERVER_ADDRESS, SERVER_PORT, URL_FULL,
};
use sentry_core::Hub;
use sentry_core::protocol::{Breadcrumb, Level};
use sentry_core::types::Uuid;

use crate::client::config::ClientConfig;
use crate::codecs::hex;
use crate::dedup::downstream_report::DownstreamReport;
use crate::failure::exception::SpanException;
use crate::grpc::grpc_status::GrpcCode;
use crate::http::http_method::RecordedMethod;
use crate::http::interned_names::RouteNames;
use crate::http::request_view::HttpVersion;
use crate::http::server_address::{default_port, parse_authority};
use crate::http::url_full::redacted_url;
use crate::metrics::client_duration::ClientTimer;
use crate::names::{
    CANCELLED, SENTRY_EVENT_ID_ATTRIBUTE, SENTRY_EVENT_URL_ATTRIBUTE, URL_TEMPLATE_ATTRIBUTE,
};
use crate::propagation::header_injection;
use crate::server::server_span;

/// Attributes written when the call ends: reserved up front.
const FINISH_ATTRIBUTES: usize = 5;

/// What the core needs of an outgoing request.
///
/// ```
/// use otel_sentry_core::adapter::ClientRequestView;
///
/// let request = ClientRequestView::new("GET", "https://api.example.com/users/7")
///     .url_template(Some("/users/{id}"));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct ClientRequestView<'a> {
    method: &'a str,
    url: &'a str,
    url_template: Option<&'a str>,
}

impl<'a> ClientRequestView<'a> {
    /// A request with `method` to the absolute `url`.
    pub fn new(method: &'a str, url: &'a str) -> Self {
        ClientRequestView {
            method,
            url,
            url_template: None,
        }
    }

    /// The template of the URL's path (`/users/{id}`), for the span name.
    pub fn url_template(mut self, template: Option<&'a str>) -> Self {
        self.url_template = template;
        self
    }
}

/// An outgoing request whose client span has started.
pub struct ClientCall {
    config: Arc<ClientConfig>,
    /// The context holding the client span.
    pub(crate) cx: Context,
    /// The context the request was sent in: its server request receives downstream reports.
    parent_cx: Context,
    /// `http.request.method` and `url.full`, for the breadcrumb.
    method: StringValue,
    url: StringValue,
    /// The URL as sent, when `url.full` differs from it: error messages quote it.
    sent_url: Option<Box<str>>,
    /// The clock of `http.client.request.duration` (`rpc.client.call.duration` for a gRPC
    /// call); `None` when metrics are off.
    pub(crate) timer: Option<ClientTimer>,
    /// A gRPC call: `method` is its `rpc.method`, its breadcrumb is `grpc`'s.
    grpc: bool,
    pub(crate) ended: bool,
}

/// How a call ended, as its breadcrumb tells.
pub(crate) enum CallOutcome {
    /// An HTTP status code.
    Http(u16),
    /// A gRPC status.
    Grpc(GrpcCode),
    /// No answer: a transport error.
    NoAnswer,
}

impl fmt::Debug for ClientCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCall")
            .field("span", self.cx.span().span_context())
            .field("ended", &self.ended)
            .finish()
    }
}

impl ClientConfig {
    /// Starts the client span of `request` as a child of `parent_cx`'s span (a new trace
    /// when it holds none).
    pub fn start_call(
        self: &Arc<Self>,
        request: &ClientRequestView<'_>,
        parent_cx: &Context,
    ) -> ClientCall {
        let method = self.known_methods.classify(request.method);
        let name = match request.url_template {
            Some(template) => {
                RouteNames::global()
                    .get(method.span_name_prefix(), template)
                    .1
            }
            None => server_span::routeless_span_name(&method),
        };
        let url_full = redacted_url(request.url, &self.sensitive_query_params);

        let mut attributes = Vec::with_capacity(7 + FINISH_ATTRIBUTES);
        let method_value = method.attribute();
        attributes.push(KeyValue::new(HTTP_REQUEST_METHOD, method_value.clone()));
        if let RecordedMethod::Other { original } = &method {
            attributes.push(KeyValue::new(
                HTTP_REQUEST_METHOD_ORIGINAL,
                original.clone(),
            ));
        }
        let server = server_of(request.url).map(|(host, port)| (self.host_names.get(host), port));
        if let Some((host, port)) = &server {
            attributes.push(KeyValue::new(SERVER_ADDRESS, host.clone()));
            if let Some(port) = port {
                attributes.push(KeyValue::new(SERVER_PORT, i64::from(*port)));
            }
        }
        let timer = ClientTimer::start(
            &self.metrics,
            method_value.clone(),
            scheme_of(request.url),
            server,
        );
        let (url, sent_url) = match url_full {
            Cow::Borrowed(url) => (StringValue::from(Arc::<str>::from(url)), None),
            Cow::Owned(redacted) => (StringValue::from(redacted), Some(request.url.into())),
        };
        attributes.push(KeyValue::new(URL_FULL, url.clone()));
        if let Some(template) = request.url_template {
            attributes.push(KeyValue::new(URL_TEMPLATE_ATTRIBUTE, template.to_owned()));
        }

        ClientCall::start(
            self,
            name,
            attributes,
            parent_cx,
            method_value,
            url,
            sent_url,
            timer,
            false,
        )
    }
}

impl ClientCall {
    /// Starts the client span `name` with `attributes` as a child of `parent_cx`'s span;
    /// `method` (for a `grpc` call its `rpc.method`), `url` (and the URL as sent, when it
    /// differs) for the breadcrumb and error messages.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn start(
        config: &Arc<ClientConfig>,
        name: Cow<'static, str>,
        attributes: Vec<KeyValue>,
        parent_cx: &Context,
        method: StringValue,
        url: StringValue,
        sent_url: Option<Box<str>>,
        timer: Option<ClientTimer>,
        grpc: bool,
    ) -> ClientCall {
        let builder = SpanBuilder::from_name(name)
            .with_kind(SpanKind::Client)
            .with_attributes(attributes);
        ClientCall {
            config: Arc::clone(config),
            cx: config.start_span(builder, parent_cx),
            parent_cx: parent_cx.clone(),
            method,
            url,
            sent_url,
            timer,
            grpc,
            ended: false,
        }
    }

    /// The context holding the client span: what the request's trace headers are built
    /// from, and what a middleware further in should run in.
    pub fn context(&self) -> &Context {
        &self.cx
    }

    /// Writes the trace headers naming the client span into `headers`; see
    /// [`inject_context`](crate::inject_context) for headers the request already has.
    pub fn inject_headers(&self, headers: &mut HeaderMap) {
        header_injection::inject_context(&self.cx, headers);
    }

    /// The response head arrived: records it and ends the span.
    ///
    /// `reported_event_id` is the event a failed response says its service reported (read
    /// with [`event_id_from_lines`](crate::dedup::downstream_report::event_id_from_lines)); it is
    /// ignored on a success. Returns the [`DownstreamReport`] made of it.
    pub fn respond(
        mut self,
        status: u16,
        version: HttpVersion,
        reported_event_id: Option<Uuid>,
    ) -> Option<DownstreamReport> {
        self.ended = true;
        let span = self.cx.span();
        span.set_attribute(KeyValue::new(HTTP_RESPONSE_STATUS_CODE, i64::from(status)));
        span.set_attribute(KeyValue::new(
            NETWORK_PROTOCOL_VERSION,
            version.protocol_version(),
        ));
        let mut report = None;
        if status >= 400 {
            span.set_attribute(KeyValue::new(ERROR_TYPE, status.to_string()));
            // The status code explains itself: no description, as the conventions ask.
            span.set_status(Status::error(""));
            report = reported_event_id.map(|event_id| self.record_downstream(event_id, status));
        }
        span.end();
        if let Some(timer) = self.timer.take() {
            let error_type = (status >= 400).then(|| Cow::Owned(status.to_string()));
            timer.record(Some(status), error_type);
        }
        self.leave_breadcrumb(CallOutcome::Http(status));
        report
    }

    /// Records that the downstream reported this call's failure as `event_id` (answering
    /// with HTTP `status`): on the client span, and in the server request the call runs in,
    /// for its cascade policy.
    pub(crate) fn record_downstream(&self, event_id: Uuid, status: u16) -> DownstreamReport {
        let span = self.cx.span();
        span.set_attribute(KeyValue::new(
            SENTRY_EVENT_ID_ATTRIBUTE,
            hex::event_id(event_id),
        ));
        if let Some(link) = &self.config.event_link {
            span.set_attribute(KeyValue::new(
                SENTRY_EVENT_URL_ATTRIBUTE,
                link.url(event_id),
            ));
        }
        let downstream = DownstreamReport::new(event_id, status, span.span_context().span_id());
        downstream.record_in(&self.parent_cx);
        downstream
    }

    /// No response came: records the transport `error` (with `error_type`, low-cardinality,
    /// and `type_name`, the Rust type for `exception.type`) and ends the span.
    pub fn fail(
        mut self,
        error: &(dyn Error + 'static),
        error_type: &str,
        type_name: Option<&str>,
    ) {
        self.ended = true;
        let mut exception = SpanException::from_error(error, type_name);
        exception.message = self.without_secrets(message_chain(error));
        let span = self.cx.span();
        span.set_attribute(KeyValue::new(ERROR_TYPE, error_type.to_owned()));
        let description = exception.message.clone();
        span.add_event("exception", exception.into_attributes());
        span.set_status(Status::error(description));
        span.end();
        if let Some(timer) = self.timer.take() {
            timer.record(None, Some(Cow::Owned(error_type.to_owned())));
        }
        self.leave_breadcrumb(CallOutcome::NoAnswer);
    }

    /// Leaves the breadcrumb of the finished call on the current hub: `http` (method, URL,
    /// status code), or for a gRPC call category `grpc` (`rpc.method`, URL, the code's name).
    pub(crate) fn leave_breadcrumb(&self, outcome: CallOutcome) {
        if !self.config.breadcrumbs {
            return;
        }
        Hub::with_active(|hub| {
            let mut data = BTreeMap::new();
            let method_key = if self.grpc { "rpc.method" } else { "method" };
            data.insert(method_key.to_owned(), self.method.as_str().into());
            data.insert("url".to_owned(), self.url.as_str().into());
            let level = match outcome {
                CallOutcome::Http(status) => {
                    data.insert("status_code".to_owned(), status.into());
                    match status {
                        100..=399 => Level::Info,
                        400..=499 => Level::Warning,
                        _ => Level::Error,
                    }
                }
                CallOutcome::Grpc(code) => {
                    data.insert(RPC_RESPONSE_STATUS_CODE.to_owned(), code.name().into());
                    match code {
                        GrpcCode::Ok => Level::Info,
                        code if code.is_server_error() => Level::Error,
                        _ => Level::Warning,
                    }
                }
                CallOutcome::NoAnswer => Level::Error,
            };
            let (ty, category) = if self.grpc {
                ("default", "grpc")
            } else {
                ("http", "http")
            };
            hub.add_breadcrumb(Breadcrumb {
                ty: ty.into(),
                category: Some(category.into()),
                level,
                data,
                ..Default::default()
            });
        });
    }

    /// `message` with the URL as sent replaced by `url.full`: error messages quote it.
    fn without_secrets(&self, message: String) -> String {
        match &self.sent_url {
            Some(sent) if message.contains(&**sent) => message.replace(&**sent, self.url.as_str()),
            _ => message,
        }
    }
}

impl Drop for ClientCall {
    fn drop(&mut self) {
        if !self.ended {
            let span = self.cx.span();
            span.set_attribute(KeyValue::new(ERROR_TYPE, CANCELLED));
            span.set_status(Status::error("request cancelled before a response arrived"));
            span.end();
            if let Some(timer) = self.timer.take() {
                timer.record(None, Some(Cow::Borrowed(CANCELLED)));
            }
        }
    }
}

/// `url.scheme` of an absolute URL: `https` or `http` (what the HTTP clients send), as a
/// static string so the metric's attribute set stays bounded.
fn scheme_of(url: &str) -> &'static str {
    match url.split_once("://") {
        Some((scheme, _)) if scheme.eq_ignore_ascii_case("https") => "https",
        _ => "http",
    }
}

/// The host and port of an absolute URL; the scheme's port when the URL names none.
pub(crate) fn server_of(url: &str) -> Option<(&str, Option<u16>)> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let authority = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let (host, port) = parse_authority(authority)?;
    Some((
        host,
        port.or_else(|| default_port(&scheme.to_ascii_lowercase())),
    ))
}

/// `error` and its sources, `: `-joined, leaving out a source its parent already quotes.
fn message_chain(error: &(dyn Error + 'static)) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !text.is_empty() && !message.contains(&text) {
            let _ = write!(message, ": {text}");
        }
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_is_read_from_the_url() {
        assert_eq!(
            server_of("http://127.0.0.1:8080/a"),
            Some(("127.0.0.1", Some(8080)))
        );
        assert_eq!(
            server_of("https://u:p@api.example.com?q=1"),
            Some(("api.example.com", Some(443)))
        );
        assert_eq!(server_of("HTTP://[::1]/"), Some(("::1", Some(80))));
        assert_eq!(server_of("not a url"), None);
    }

    #[test]
    fn the_message_chain_skips_repeated_causes() {
        #[derive(Debug)]
        struct Outer(std::io::Error);
        impl fmt::Display for Outer {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "request failed")
            }
        }
        impl Error for Outer {
            fn source(&self) -> Option<&(dyn Error + 'static)> {
                Some(&self.0)
            }
        }
        let error = Outer(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "connection refused",
        ));
        assert_eq!(message_chain(&error), "request failed: connection refused");
    }
}
