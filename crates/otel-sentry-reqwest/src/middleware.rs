//! [`CorrelationMiddleware`]: the reqwest-middleware adapter of the core's client call.

use std::sync::Arc;

use http::Extensions;
use opentelemetry::Context;
use opentelemetry::context::FutureExt as _;
use otel_sentry_core::ClientConfig;
use otel_sentry_core::adapter::{ClientRequestView, HttpVersion};
use otel_sentry_core::dedup::downstream_report::event_id_from_lines;
use otel_sentry_core::names::SENTRY_EVENT_ID_HEADER;
use reqwest::{Request, Response};
use reqwest_middleware::{Error, Middleware, Next, Result};

use crate::transport_error::{self, MIDDLEWARE_ERROR_TYPE, REQWEST_ERROR_TYPE};
use crate::url_template::UrlTemplate;

/// Carries the trace through reqwest: a client span per request, its trace headers on the
/// request, and the downstream's "already reported" answer recorded.
///
/// ```
/// use otel_sentry_reqwest::CorrelationMiddleware;
///
/// let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
///     .with(CorrelationMiddleware::new())
///     .build();
/// ```
///
/// Each request gets a client span (kind Client) as a child of the OpenTelemetry context it
/// is sent in: inside a request handled by `CorrelationLayer` or `Correlation`, the server
/// span; outside any (a background job), the span starts a new trace. The request carries
/// `traceparent`, `tracestate`, `baggage` and `sentry-trace` with Sentry's `sentry-`
/// baggage entries, so the next service continues the trace whether it runs OpenTelemetry
/// or only a Sentry SDK. The caller's own `traceparent`, `tracestate` and `sentry-trace`
/// are replaced (they cannot name this span); its `baggage` entries are kept and win over
/// the context's (see [`inject_context`](otel_sentry_core::inject_context)).
///
/// A 4xx or 5xx response, or a transport error, marks the span Error; a failed response
/// that names the Sentry event its service reported (`x-sentry-event-id`) puts that id on
/// the span and records it in the current server request, for cascade handling. The
/// response and the error are passed on unchanged: telemetry never fails a request.
///
/// Put it last in the chain (`.with` it after retry middleware) so each attempt gets a
/// span and headers of its own.
#[derive(Clone, Debug, Default)]
pub struct CorrelationMiddleware {
    config: Arc<ClientConfig>,
}

impl CorrelationMiddleware {
    otel_sentry_core::client_config_methods!();
}

#[async_trait::async_trait]
impl Middleware for CorrelationMiddleware {
    async fn handle(
        &self,
        mut request: Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> Result<Response> {
        let template = extensions.get::<UrlTemplate>().map(UrlTemplate::as_str);
        let view = ClientRequestView::new(request.method().as_str(), request.url().as_str())
            .url_template(template);
        let call = self.config.start_call(&view, &Context::current());
        call.inject_headers(request.headers_mut());

        // Middleware further in (and its own spans) runs in the client span's context.
        let result = next
            .run(request, extensions)
            .with_context(call.context().clone())
            .await;
        match &result {
            Ok(response) => {
                let status = response.status();
                let reported = if status.is_client_error() || status.is_server_error() {
                    let lines = response.headers().get_all(SENTRY_EVENT_ID_HEADER);
                    event_id_from_lines(lines.iter().map(|line| line.as_bytes()))
                } else {
                    None
                };
                call.respond(
                    status.as_u16(),
                    HttpVersion::from(response.version()),
                    reported,
                );
            }
            Err(Error::Reqwest(error)) => call.fail(
                error,
                transport_error::error_type(error),
                Some(REQWEST_ERROR_TYPE),
            ),
            Err(Error::Middleware(error)) => call.fail(
                error.as_ref(),
                transport_error::OTHER,
                Some(MIDDLEWARE_ERROR_TYPE),
            ),
        }
        result
    }
}
