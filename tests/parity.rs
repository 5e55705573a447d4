//! The same requests to an axum app behind `CorrelationLayer` and an actix-web app wrapped
//! in `Correlation`, with the same routes: the spans and Sentry events must match.
//!
//! Framework-specific and left out of the comparison: `server.port` (two servers) and the
//! port in Sentry's request URL. Nothing else differs.

use std::collections::BTreeMap;

use opentelemetry_sdk::trace::SpanData;
use otel_sentry_test_support::{PaymentFailed, Served, Telemetry, serve_router};
use sentry_core::protocol::{Context as SentryContext, Event};

/// A handler that captures an event of its own: it must carry the request's ids and route.
async fn note() -> &'static str {
    sentry_core::capture_message("noted", sentry_core::Level::Info);
    "noted"
}

async fn serve_axum() -> Served {
    use axum::Router;
    use axum::http::StatusCode;
    use axum::routing::get;
    use otel_sentry_tower::CorrelationLayer;
    use otel_sentry_tower::axum::ErrorResponse;

    let telemetry = Telemetry::with_sentry();
    let app = Router::new()
        .route("/users/{id}", get(|| async { "ok" }))
        .route("/fail", get(|| async { StatusCode::SERVICE_UNAVAILABLE }))
        .route(
            "/pay",
            get(|| async { Err::<&str, _>(ErrorResponse::from(PaymentFailed::card_declined(51))) }),
        )
        .route("/missing", get(|| async { StatusCode::NOT_FOUND }))
        .route("/notes/{id}", get(note))
        .route(
            "/panic",
            get(|| async {
                if true {
                    panic!("boom");
                }
                "unreachable"
            }),
        )
        .layer(
            CorrelationLayer::new()
                .tracer(telemetry.tracer())
                .sentry_hub(telemetry.hub.clone()),
        );
    serve_router(app, telemetry).await
}

async fn serve_actix() -> Served {
    use actix_web::{App, HttpResponse, HttpServer, web};
    use otel_sentry_actix::{Correlation, ErrorResponse};

    async fn pay() -> Result<&'static str, ErrorResponse> {
        Err(PaymentFailed::card_declined(51).into())
    }
    async fn panics() -> &'static str {
        if true {
            panic!("boom");
        }
        "unreachable"
    }

    let telemetry = Telemetry::with_sentry();
    let correlation = Correlation::new()
        .tracer(telemetry.tracer())
        .sentry_hub(telemetry.hub.clone());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = HttpServer::new(move || {
        App::new()
            .wrap(correlation.clone())
            .route("/users/{id}", web::get().to(|| async { "ok" }))
            .route(
                "/fail",
                web::get().to(|| async { HttpResponse::ServiceUnavailable().finish() }),
            )
            .route("/pay", web::get().to(pay))
            .route(
                "/missing",
                web::get().to(|| async { HttpResponse::NotFound().finish() }),
            )
            .route("/panic", web::get().to(panics))
            .route("/notes/{id}", web::get().to(note))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)
    .unwrap()
    .run();
    actix_web::rt::spawn(server);
    Served::new(format!("http://{addr}"), telemetry)
}

/// A span, with the framework-specific parts left out and ids replaced by what they name.
#[derive(Debug, PartialEq)]
struct SpanShape {
    name: String,
    kind: String,
    continued: bool,
    attributes: BTreeMap<String, String>,
    status: String,
    events: Vec<(String, BTreeMap<String, String>)>,
}

fn shape_of_span(span: &SpanData) -> SpanShape {
    let attributes = span
        .attributes
        .iter()
        .filter(|kv| kv.key.as_str() != "server.port")
        .map(|kv| {
            let value = match kv.key.as_str() {
                // Ids differ per request; that they are there and well-formed is what matches.
                "sentry.event_id" => format!("<{} hex>", kv.value.as_str().len()),
                "sentry.event_url" => "<url>".to_owned(),
                _ => format!("{:?}", kv.value),
            };
            (kv.key.as_str().to_owned(), value)
        })
        .collect();
    SpanShape {
        name: span.name.to_string(),
        kind: format!("{:?}", span.span_kind),
        continued: span.parent_span_id.to_string() == "00f067aa0ba902b7",
        attributes,
        status: format!("{:?}", span.status),
        events: span
            .events
            .iter()
            .map(|event| {
                let attributes = event
                    .attributes
                    .iter()
                    .map(|kv| (kv.key.as_str().to_owned(), format!("{:?}", kv.value)))
                    .collect();
                (event.name.to_string(), attributes)
            })
            .collect(),
    }
}

/// A Sentry event, with ids replaced by whether they name the span.
#[derive(Debug, PartialEq)]
struct EventShape {
    trace_is_the_spans: bool,
    span_is_the_spans: bool,
    parent: Option<String>,
    op: Option<String>,
    tags_match: bool,
    exceptions: Vec<(String, Option<String>)>,
    message: Option<String>,
    transaction: Option<String>,
    level: String,
    request_path: Option<String>,
    request_query: Option<String>,
    /// The copied header names, sorted: actix-web hands headers over in hash order.
    header_names: Vec<String>,
}

fn shape_of_event(event: &Event<'static>, span: &SpanData) -> EventShape {
    let Some(SentryContext::Trace(trace)) = event.contexts.get("trace") else {
        panic!("no trace context");
    };
    let trace_id = span.span_context.trace_id().to_string();
    let span_id = span.span_context.span_id().to_string();
    EventShape {
        trace_is_the_spans: trace.trace_id.to_string() == trace_id,
        span_is_the_spans: trace.span_id.to_string() == span_id,
        parent: trace.parent_span_id.map(|id| id.to_string()),
        op: trace.op.clone(),
        tags_match: event.tags.get("otel.trace_id") == Some(&trace_id)
            && event.tags.get("otel.span_id") == Some(&span_id),
        exceptions: event
            .exception
            .values
            .iter()
            .map(|e| (e.ty.clone(), e.value.clone()))
            .collect(),
        message: event.message.clone(),
        transaction: event.transaction.clone(),
        level: format!("{:?}", event.level),
        request_path: event
            .request
            .as_ref()
            .and_then(|r| r.url.as_ref())
            .map(|url| url.path().to_owned()),
        request_query: event.request.as_ref().and_then(|r| r.query_string.clone()),
        header_names: event
            .request
            .iter()
            .flat_map(|r| r.headers.keys().cloned())
            .collect(),
    }
}

async fn run(service: &Served, path: &str) -> (SpanShape, Vec<EventShape>) {
    let response = service
        .get_with(
            path,
            &[
                (
                    "traceparent",
                    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                ),
                ("user-agent", "parity/1.0"),
                ("tracestate", "rojo=00f067aa0ba902b7"),
                ("baggage", "tenant=acme"),
            ],
        )
        .await;
    let _ = response.bytes().await;
    let span = service.server_span().await;
    service.exporter.reset();
    let events = service.events();
    let events = events
        .iter()
        .map(|event| shape_of_event(event, &span))
        .collect();
    (shape_of_span(&span), events)
}

#[actix_web::test]
async fn axum_and_actix_record_the_same_spans_and_events() {
    let axum = serve_axum().await;
    let actix = serve_actix().await;
    // Each path with the Sentry events it must produce: one per failure, and the
    // handler's own.
    for (path, events) in [
        ("/users/7?sig=secret&page=2", 0),
        ("/fail", 1),
        ("/fail?token=t0k3n&Password=hunter2&page=2", 1),
        ("/pay", 1),
        ("/missing", 0),
        ("/no-such-route", 0),
        ("/panic", 1),
        ("/notes/3", 1),
    ] {
        let from_axum = run(&axum, path).await;
        let from_actix = run(&actix, path).await;
        assert_eq!(from_axum, from_actix, "{path}");
        assert_eq!(from_axum.1.len(), events, "{path}: {:#?}", from_axum.1);
        for event in &from_axum.1 {
            assert!(
                !event
                    .header_names
                    .iter()
                    .any(|name| name == "traceparent" || name == "tracestate" || name == "baggage"),
                "{path}: the trace headers are in the trace context: {:?}",
                event.header_names
            );
            let query = event.request_query.as_deref().unwrap_or("");
            assert!(
                !query.contains("t0k3n") && !query.contains("hunter2"),
                "{path}: {query}"
            );
        }
    }
}
