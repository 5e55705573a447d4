//! One failure, one alert, across gRPC hops: a two-hop gRPC cascade, and an HTTP service
//! (axum behind `CorrelationLayer`, called through the reqwest middleware) whose gRPC
//! downstream fails. The W3C context crosses every hop.

mod common;

use std::net::SocketAddr;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use common::{client, echo, layer, serve};
use opentelemetry::trace::SpanKind;
use opentelemetry_sdk::trace::SpanData;
use otel_sentry_grpc_tests::EchoRequest;
use otel_sentry_reqwest::CorrelationMiddleware;
use otel_sentry_test_support::{Telemetry, attribute, serve_router, string};
use tonic::Code;

const UNARY: &str = "otel_sentry.test.Echo/Unary";

/// The spans, each with its parent: one trace.
fn one_chain(spans: &[SpanData]) {
    let trace_id = spans[0].span_context.trace_id();
    assert!(
        spans
            .iter()
            .all(|span| span.span_context.trace_id() == trace_id)
    );
    // Every span but the first caller's has its parent among them.
    let roots: Vec<&SpanData> = spans
        .iter()
        .filter(|span| {
            !spans
                .iter()
                .any(|parent| parent.span_context.span_id() == span.parent_span_id)
        })
        .collect();
    assert_eq!(roots.len(), 1, "{spans:#?}");
    assert_eq!(roots[0].span_kind, SpanKind::Client);
}

fn server_span_named<'s>(spans: &'s [SpanData], name: &str, port: u16) -> &'s SpanData {
    spans
        .iter()
        .find(|span| {
            span.span_kind == SpanKind::Server
                && span.name == name
                && attribute(span, "server.port") == Some(i64::from(port).into())
        })
        .unwrap_or_else(|| panic!("no server span {name} on port {port} in {spans:#?}"))
}

/// An HTTP service behind `CorrelationLayer` whose `GET /orders` calls the gRPC
/// `downstream`, asking it to fail with `code`, and answers `failed` when it does.
fn orders_app(
    telemetry: &Telemetry,
    downstream: SocketAddr,
    code: Code,
    failed: StatusCode,
) -> Router {
    let tracer = telemetry.tracer();
    Router::new()
        .route(
            "/orders",
            get(move || {
                let tracer = tracer.clone();
                async move {
                    let mut orders = client(&downstream.to_string(), tracer).await;
                    match orders.unary(echo("order", code)).await {
                        Ok(_) => StatusCode::OK,
                        Err(_) => failed,
                    }
                }
            }),
        )
        .layer(layer(telemetry))
}

#[tokio::test]
async fn a_two_hop_grpc_cascade_raises_one_alert() {
    let telemetry = Telemetry::with_sentry();
    let downstream = serve(layer(&telemetry), &telemetry).await;
    let upstream = serve(layer(&telemetry), &telemetry).await;
    let mut caller = client(&upstream.to_string(), telemetry.tracer()).await;

    let request = EchoRequest {
        next: downstream.to_string(),
        ..echo("order", Code::Internal)
    };
    let status = caller.unary(request).await.unwrap_err();
    assert_eq!(status.code(), Code::Internal);

    let events = telemetry.events();
    assert_eq!(events.len(), 1, "{events:#?}");
    let root = events[0].event_id.simple().to_string();
    assert_eq!(
        events[0].exception.last().unwrap().value.as_deref(),
        Some(common::FAILURE_MESSAGE)
    );
    // The upstream answers with the root event: every hop points at it.
    assert_eq!(
        status
            .metadata()
            .get("x-sentry-event-id")
            .unwrap()
            .to_str()
            .unwrap(),
        root
    );

    let spans = telemetry.spans(4).await;
    one_chain(&spans);
    let upstream_span = server_span_named(&spans, UNARY, upstream.port());
    assert_eq!(
        attribute(upstream_span, "sentry.cascade"),
        Some(true.into())
    );
    assert_eq!(attribute(upstream_span, "sentry.event_id"), string(&root));
    let downstream_span = server_span_named(&spans, UNARY, downstream.port());
    assert_eq!(attribute(downstream_span, "sentry.event_id"), string(&root));
    assert_eq!(attribute(downstream_span, "sentry.cascade"), None);
    let calls_with_root = spans
        .iter()
        .filter(|span| span.span_kind == SpanKind::Client)
        .filter(|span| attribute(span, "sentry.event_id") == string(&root))
        .count();
    assert_eq!(calls_with_root, 2, "both client spans name the root event");
}

#[tokio::test]
async fn an_http_service_failing_with_its_grpc_downstream_raises_one_alert() {
    let telemetry = Telemetry::with_sentry();
    let downstream = serve(layer(&telemetry), &telemetry).await;
    let app = orders_app(
        &telemetry,
        downstream,
        Code::Unavailable,
        StatusCode::BAD_GATEWAY,
    );
    let tracer = telemetry.tracer();
    let served = serve_router(app, Telemetry::new(None)).await;
    let http = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(CorrelationMiddleware::new().tracer(tracer))
        .build();

    let response = http.get(served.url("/orders")).send().await.unwrap();
    assert_eq!(response.status(), 502);

    let events = telemetry.events();
    assert_eq!(events.len(), 1, "{events:#?}");
    let root = events[0].event_id.simple().to_string();
    assert_eq!(events[0].exception.last().unwrap().ty, "gRPC UNAVAILABLE");
    assert_eq!(response.headers()["x-sentry-event-id"], root.as_str());

    let spans = telemetry.spans(4).await;
    one_chain(&spans);
    let http_server = spans
        .iter()
        .find(|span| span.name == "GET /orders")
        .unwrap();
    assert_eq!(attribute(http_server, "sentry.cascade"), Some(true.into()));
    assert_eq!(attribute(http_server, "sentry.event_id"), string(&root));
    let http_client = spans
        .iter()
        .find(|span| span.span_kind == SpanKind::Client && span.name == "GET")
        .unwrap();
    assert_eq!(attribute(http_client, "sentry.event_id"), string(&root));
    let grpc_server = server_span_named(&spans, UNARY, downstream.port());
    assert_eq!(attribute(grpc_server, "sentry.event_id"), string(&root));
}

#[tokio::test]
async fn a_failure_after_an_unreported_grpc_failure_is_its_own_with_the_calls_breadcrumb() {
    let telemetry = Telemetry::with_sentry();
    let downstream = serve(layer(&telemetry), &telemetry).await;
    // NOT_FOUND is no failure of the downstream: nothing reported there.
    let app = orders_app(
        &telemetry,
        downstream,
        Code::NotFound,
        StatusCode::INTERNAL_SERVER_ERROR,
    );
    let served = serve_router(app, Telemetry::new(None)).await;

    let response = served.get("/orders").await;
    assert_eq!(response.status(), 500);

    let events = telemetry.events();
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(
        events[0].message.as_deref(),
        Some("GET /orders responded 500")
    );
    let breadcrumb = events[0]
        .breadcrumbs
        .iter()
        .find(|breadcrumb| breadcrumb.category.as_deref() == Some("grpc"))
        .unwrap_or_else(|| panic!("no grpc breadcrumb: {:#?}", events[0].breadcrumbs));
    assert_eq!(breadcrumb.data["rpc.method"], UNARY);
    assert_eq!(breadcrumb.data["rpc.response.status_code"], "NOT_FOUND");
    assert_eq!(breadcrumb.level, sentry_core::Level::Warning);
    let spans = telemetry.spans(3).await;
    let http_server = spans
        .iter()
        .find(|span| span.name == "GET /orders")
        .unwrap();
    assert_eq!(attribute(http_server, "sentry.cascade"), None);
}
