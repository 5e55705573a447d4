//! The server span: started with the configured tracer, named `{METHOD} {route}`, with the
//! stable HTTP semantic-convention attributes, and finished with the response.

use std::borrow::Cow;

use opentelemetry::trace::{Link, SpanBuilder, SpanContext, SpanKind, SpanRef, Status};
use opentelemetry::{Context, KeyValue, StringValue};
use opentelemetry_semantic_conventions::attribute::{
    CLIENT_ADDRESS, ERROR_TYPE, HTTP_REQUEST_METHOD, HTTP_REQUEST_METHOD_ORIGINAL,
    HTTP_RESPONSE_STATUS_CODE, HTTP_ROUTE, NETWORK_PROTOCOL_VERSION, SERVER_ADDRESS, SERVER_PORT,
    URL_PATH, URL_QUERY, URL_SCHEME, USER_AGENT_ORIGINAL,
};
use sentry_core::types::Uuid;

use crate::codecs::hex;
use crate::failure::exception::SpanException;
use crate::http::http_method::{DEFAULT_KNOWN_METHODS, RecordedMethod};
use crate::http::request_view::HttpVersion;
use crate::names::{CLIENT_DISCONNECT, SENTRY_EVENT_ID_ATTRIBUTE, SENTRY_EVENT_URL_ATTRIBUTE};
use crate::server::config::CorrelationConfig;

/// Attributes written when the response is known: reserved up front so recording them
/// does not grow the span's attribute list.
const FINISH_ATTRIBUTES: usize = 4;

/// What the span records at its start.
pub(crate) struct StartAttributes<'a> {
    /// `{METHOD} {route}`, `{METHOD}` without a route, `HTTP …` for an unknown method.
    pub(crate) name: Cow<'static, str>,
    pub(crate) method: &'a RecordedMethod,
    pub(crate) route: Option<&'a StringValue>,
    pub(crate) scheme: &'static str,
    pub(crate) path: &'a StringValue,
    pub(crate) query: Option<&'a StringValue>,
    pub(crate) server: Option<(&'a StringValue, Option<u16>)>,
    /// `client.address`, as text.
    pub(crate) client: Option<StringValue>,
    pub(crate) user_agent: Option<&'a StringValue>,
    pub(crate) version: HttpVersion,
    /// The context an untrusted caller sent, linked to instead of continued.
    pub(crate) link: Option<SpanContext>,
}

/// The span name without a route: `{METHOD}`, or `HTTP` for an unknown method; borrowed
/// for the default methods.
pub(crate) fn routeless_span_name(method: &RecordedMethod) -> Cow<'static, str> {
    let prefix = method.span_name_prefix();
    match DEFAULT_KNOWN_METHODS
        .iter()
        .chain(&["HTTP"])
        .find(|known| **known == prefix)
    {
        Some(known) => Cow::Borrowed(*known),
        None => Cow::Owned(prefix.to_owned()),
    }
}

/// Starts the server span as a child of `parent_cx`'s span; returns the context holding it.
pub(crate) fn start(
    config: &CorrelationConfig,
    parent_cx: &Context,
    attributes: StartAttributes<'_>,
) -> Context {
    let mut list = Vec::with_capacity(12 + FINISH_ATTRIBUTES);
    list.push(KeyValue::new(
        HTTP_REQUEST_METHOD,
        attributes.method.attribute(),
    ));
    if let RecordedMethod::Other { original } = attributes.method {
        list.push(KeyValue::new(
            HTTP_REQUEST_METHOD_ORIGINAL,
            original.clone(),
        ));
    }
    list.push(KeyValue::new(URL_SCHEME, attributes.scheme));
    list.push(KeyValue::new(URL_PATH, attributes.path.clone()));
    if let Some(query) = attributes.query {
        list.push(KeyValue::new(URL_QUERY, query.clone()));
    }
    if let Some(route) = attributes.route {
        list.push(KeyValue::new(HTTP_ROUTE, route.clone()));
    }
    push_addresses(&mut list, &attributes);
    if let Some(user_agent) = attributes.user_agent {
        list.push(KeyValue::new(USER_AGENT_ORIGINAL, user_agent.clone()));
    }
    list.push(KeyValue::new(
        NETWORK_PROTOCOL_VERSION,
        attributes.version.protocol_version(),
    ));

    start_named(config, parent_cx, attributes.name, list, attributes.link)
}

/// Pushes `server.address`, `server.port` and `client.address`, when known.
pub(crate) fn push_addresses(list: &mut Vec<KeyValue>, attributes: &StartAttributes<'_>) {
    if let Some((host, port)) = attributes.server {
        list.push(KeyValue::new(SERVER_ADDRESS, host.clone()));
        if let Some(port) = port {
            list.push(KeyValue::new(SERVER_PORT, i64::from(port)));
        }
    }
    if let Some(client) = &attributes.client {
        list.push(KeyValue::new(CLIENT_ADDRESS, client.clone()));
    }
}

/// Starts a server span `name` with `attributes`, linked to the context an untrusted
/// caller sent; returns the context holding it.
pub(crate) fn start_named(
    config: &CorrelationConfig,
    parent_cx: &Context,
    name: Cow<'static, str>,
    attributes: Vec<KeyValue>,
    link: Option<SpanContext>,
) -> Context {
    let mut builder = SpanBuilder::from_name(name)
        .with_kind(SpanKind::Server)
        .with_attributes(attributes);
    if let Some(linked) = link {
        builder = builder.with_links(vec![Link::with_context(linked)]);
    }
    config.start_span(builder, parent_cx)
}

/// Records the status code.
pub(crate) fn record_status(span: &SpanRef<'_>, status: u16) {
    span.set_attribute(KeyValue::new(HTTP_RESPONSE_STATUS_CODE, i64::from(status)));
}

/// Records a failure: status `Error`, `error.type`, the `exception` event, and the Sentry
/// event's id and link when Sentry accepted it.
pub(crate) fn record_failure(
    config: &CorrelationConfig,
    span: &SpanRef<'_>,
    error_type: Cow<'static, str>,
    exception: SpanException,
    event_id: Option<Uuid>,
) {
    span.set_attribute(KeyValue::new(ERROR_TYPE, error_type));
    // A status code explains itself: no description then, as the conventions ask.
    let description = if exception.from_status {
        String::new()
    } else {
        exception.message.clone()
    };
    span.add_event("exception", exception.into_attributes());
    span.set_status(Status::error(description));
    if let Some(event_id) = event_id {
        span.set_attribute(KeyValue::new(
            SENTRY_EVENT_ID_ATTRIBUTE,
            hex::event_id(event_id),
        ));
        if let Some(link) = &config.event_link {
            span.set_attribute(KeyValue::new(
                SENTRY_EVENT_URL_ATTRIBUTE,
                link.url(event_id),
            ));
        }
    }
}

/// Records a body error on a span whose failure is already reported: the exception, no
/// second Sentry event.
pub(crate) fn record_body_error(span: &SpanRef<'_>, error: &(dyn std::error::Error + 'static)) {
    span.add_event(
        "exception",
        SpanException::from_error(error, None).into_attributes(),
    );
}

/// Records that the client went away before the response body ended.
pub(crate) fn record_client_disconnect(span: &SpanRef<'_>, already_failed: bool) {
    if !already_failed {
        span.set_attribute(KeyValue::new(ERROR_TYPE, CLIENT_DISCONNECT));
        span.set_status(Status::error(""));
    }
    span.add_event("client_disconnect", Vec::new());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::http_method::KnownMethods;

    #[test]
    fn routeless_span_names() {
        let known = KnownMethods::standard();
        assert!(matches!(
            routeless_span_name(&known.classify("GET")),
            Cow::Borrowed("GET")
        ));
        assert!(matches!(
            routeless_span_name(&known.classify("PURGE")),
            Cow::Borrowed("HTTP")
        ));
        let custom = KnownMethods::exactly(["PURGE"]);
        assert_eq!(routeless_span_name(&custom.classify("PURGE")), "PURGE");
    }
}
