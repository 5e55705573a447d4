//! The default tracer: the global provider's. Before any provider is installed nothing
//! records, yet each request still has ids of its own for Sentry and the response
//! headers; a provider installed later is picked up.
//!
//! A test binary of its own: it installs the global tracer provider.

mod common;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use opentelemetry::trace::TraceId;
use otel_sentry_test_support::header;
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
