//! The default tracer: the global provider's. Before any provider is installed nothing
//! records, yet each request still has ids of its own for Sentry and the response
//! headers; a provider installed later is picked up. The same for the default meter: a
//! meter provider installed (or replaced) after the first request is used from the next.
//!
//! A test binary of its own: it installs the global tracer and meter providers.

mod common;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use opentelemetry::trace::TraceId;
use otel_sentry_test_support::{Metrics, header};
use sentry_core::protocol::Context as SentryContext;

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID: &str = "00f067aa0ba902b7";

#[tokio::test]
async fn without_a_provider_requests_get_ids_of_their_own_and_a_later_provider_is_used() {
    let app = Router::new().route("/fail", get(|| async { StatusCode::INTERNAL_SERVER_ERROR }));
    let harness = common::serve_global(app).await;

    // No provider yet: OpenTelemetry's no-op tracer would echo the caller's span.
    let response = harness
        .get_with(
            "/fail",
            &[("traceparent", &format!("00-{TRACE_ID}-{PARENT_ID}-01"))],
        )
        .await;
    let traceparent = header(&response, "traceparent");
    assert!(
        traceparent.starts_with(&format!("00-{TRACE_ID}-")),
        "{traceparent}"
    );
    assert!(
        !traceparent.contains(PARENT_ID),
        "never the caller's span id: {traceparent}"
    );
    let events = harness.events();
    let Some(SentryContext::Trace(trace)) = events[0].contexts.get("trace") else {
        panic!("no trace context");
    };
    assert_eq!(trace.trace_id.to_string(), TRACE_ID);
    assert_ne!(trace.span_id.to_string(), PARENT_ID);
    assert_eq!(
        trace.parent_span_id.map(|id| id.to_string()).as_deref(),
        Some(PARENT_ID)
    );
    assert!(traceparent.contains(&trace.span_id.to_string()));

    // Without a caller either, the ids are still valid.
    harness.get("/fail").await;
    let events = harness.events();
    let Some(SentryContext::Trace(trace)) = events[0].contexts.get("trace") else {
        panic!("no trace context");
    };
    assert_ne!(trace.trace_id.to_string(), TraceId::INVALID.to_string());

    // The provider installed after the layer was built and used.
    opentelemetry::global::set_tracer_provider(harness.provider.clone());
    assert_eq!(harness.get("/fail").await.status(), 500);
    let span = harness.server_span().await;
    assert_eq!(span.name, "GET /fail");
}

/// The `/ok` requests `metrics` counted, once the count reaches `expected` (the duration
/// is recorded as the body ends) or after two seconds. Only `/ok`: the other test of this
/// binary may send its own requests while a provider of this one is installed.
async fn ok_requests(metrics: &Metrics, expected: u64) -> u64 {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    loop {
        let count = metrics
            .histogram("http.server.request.duration")
            .iter()
            .filter(|point| {
                point.attributes.get("http.route") == Some(&opentelemetry::Value::from("/ok"))
            })
            .map(|point| point.count)
            .sum();
        if count >= expected || std::time::Instant::now() > deadline {
            return count;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn the_global_meter_provider_is_used_from_the_request_after_it_is_installed_or_replaced() {
    let app = Router::new().route("/ok", get(|| async { "ok" }));
    // Its own tracer: the other test of this binary installs the global tracer provider.
    let harness = common::serve(app, |layer| layer).await;
    // No meter provider yet: OpenTelemetry's no-op one records nothing.
    assert_eq!(harness.get("/ok").await.text().await.unwrap(), "ok");

    let first = Metrics::new();
    opentelemetry::global::set_meter_provider(first.provider.clone());
    assert_eq!(harness.get("/ok").await.text().await.unwrap(), "ok");
    assert_eq!(ok_requests(&first, 1).await, 1);

    let second = Metrics::new();
    opentelemetry::global::set_meter_provider(second.provider.clone());
    assert_eq!(harness.get("/ok").await.text().await.unwrap(), "ok");
    assert_eq!(ok_requests(&second, 1).await, 1);
    assert_eq!(
        ok_requests(&first, 1).await,
        1,
        "the replaced provider gets no more"
    );
}
