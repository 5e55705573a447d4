//! sentry-tower's `NewSentryLayer` and `SentryHttpLayer` (with transactions) stacked
//! outside and inside `CorrelationLayer`, on a real axum server: Sentry's transaction is
//! in the server span's trace, a failure is one event carrying the span's ids, and the
//! hubs form one chain (an event captured in the handler is stamped).

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::get;
use opentelemetry::trace::SpanKind;
use opentelemetry_sdk::trace::SpanData;
use otel_sentry_core::CorrelationConfig;
use otel_sentry_test_support::conformance::{PARENT_ID, TRACE_ID, trace_context};
use otel_sentry_test_support::{Served, Telemetry, sentry_options, serve_router};
use otel_sentry_tower::CorrelationLayer;
use sentry_core::protocol::{Context, Event, Transaction};
use sentry_core::{Envelope, Hub, Level};
use sentry_tower::{NewSentryLayer, SentryHttpLayer, SentryLayer};

fn routes() -> Router {
    Router::new()
        .route("/fail", get(|| async { StatusCode::INTERNAL_SERVER_ERROR }))
        .route(
            "/message",
            get(|| async {
                sentry_core::capture_message("from the handler", Level::Warning);
                "ok"
            }),
        )
}

fn telemetry() -> Telemetry {
    Telemetry::new(Some(sentry_options().traces_sample_rate(1.0)))
}

fn ours(telemetry: &Telemetry) -> CorrelationLayer {
    CorrelationLayer::from_config(
        CorrelationConfig::default()
            .tracer(telemetry.tracer())
            .sentry_hub(telemetry.hub.clone()),
    )
}

/// Ours outside: `CorrelationLayer` → `NewSentryLayer` → `SentryHttpLayer` → routes.
async fn ours_outside() -> Served {
    let telemetry = telemetry();
    let app = routes()
        .layer(SentryHttpLayer::new().enable_transaction())
        .layer(NewSentryLayer::<Request<Body>>::new_from_top())
        .layer(ours(&telemetry));
    serve_router(app, telemetry).await
}

/// Ours inside: `NewSentryLayer` → `SentryHttpLayer` → `CorrelationLayer` → routes. The
/// outer hub derives from the test hub, as `new_from_top` derives from the main one.
async fn ours_inside() -> Served {
    let telemetry = telemetry();
    let hub = telemetry.hub.clone();
    let app = routes()
        .layer(ours(&telemetry))
        .layer(SentryHttpLayer::new().enable_transaction())
        .layer(SentryLayer::<_, Arc<Hub>, Request<Body>>::new(
            move |_: &Request<Body>| Arc::new(Hub::new_from_top(&hub)),
        ));
    serve_router(app, telemetry).await
}

/// The envelopes sent: the events and the transactions.
fn sent(served: &Served) -> (Vec<Event<'static>>, Vec<Transaction<'static>>) {
    let envelopes: Vec<Envelope> = served.telemetry.transport.fetch_and_clear_envelopes();
    let events = envelopes
        .iter()
        .filter_map(|e| e.event().cloned())
        .collect();
    let transactions = envelopes
        .iter()
        .flat_map(|e| e.items())
        .filter_map(|item| match item {
            sentry_core::protocol::EnvelopeItem::Transaction(t) => Some((**t).clone()),
            _ => None,
        })
        .collect();
    (events, transactions)
}

/// The transaction's trace id, span id and parent span id.
fn transaction_ids(transaction: &Transaction<'static>) -> (String, String, Option<String>) {
    match transaction.contexts.get("trace") {
        Some(Context::Trace(trace)) => (
            trace.trace_id.to_string(),
            trace.span_id.to_string(),
            trace.parent_span_id.map(|id| id.to_string()),
        ),
        other => panic!("no trace context: {other:?}"),
    }
}

fn ids(span: &SpanData) -> (String, String, String) {
    assert_eq!(span.span_kind, SpanKind::Server);
    (
        span.span_context.trace_id().to_string(),
        span.span_context.span_id().to_string(),
        span.parent_span_id.to_string(),
    )
}

/// One failure: one event with the span's ids, one transaction in the span's trace.
/// Returns the span's ids and the transaction's.
async fn one_failure(
    served: &Served,
    headers: &[(&str, &str)],
) -> ((String, String, String), (String, String, Option<String>)) {
    let response = served.get_with("/fail", headers).await;
    assert_eq!(response.status(), 500);
    let span = ids(&served.telemetry.server_span().await);
    let (events, transactions) = sent(served);
    assert_eq!(events.len(), 1, "one event per failure: {events:#?}");
    let (trace_id, span_id, ..) = trace_context(&events[0]);
    assert_eq!((&trace_id, &span_id), (&span.0, &span.1));
    assert_eq!(transactions.len(), 1, "{transactions:#?}");
    let transaction = transaction_ids(&transactions[0]);
    assert_eq!(
        transaction.0, span.0,
        "the transaction is in the span's trace"
    );
    (span, transaction)
}

/// An event the handler captures through the bound hub carries the span's ids: the hub
/// bound in the handler is, or derives from, the request hub.
async fn handler_event_is_stamped(served: &Served) {
    let response = served.get("/message").await;
    assert_eq!(response.status(), 200);
    let span = ids(&served.telemetry.server_span().await);
    let (events, transactions) = sent(served);
    assert_eq!(events.len(), 1, "{events:#?}");
    let (trace_id, span_id, ..) = trace_context(&events[0]);
    assert_eq!((trace_id, span_id), (span.0.clone(), span.1));
    assert_eq!(events[0].tags.get("otel.trace_id"), Some(&span.0));
    assert_eq!(transactions.len(), 1);
    assert_eq!(transaction_ids(&transactions[0]).0, span.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ours_outside_the_transaction_is_a_child_of_the_server_span() {
    let served = ours_outside().await;
    let (span, transaction) = one_failure(&served, &[]).await;
    assert_eq!(transaction.2.as_deref(), Some(span.1.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ours_outside_an_incoming_traceparent_is_continued_by_both() {
    let served = ours_outside().await;
    let traceparent = format!("00-{TRACE_ID}-{PARENT_ID}-01");
    let (span, transaction) = one_failure(&served, &[("traceparent", &traceparent)]).await;
    assert_eq!(span.0, TRACE_ID);
    assert_eq!(span.2, PARENT_ID);
    assert_eq!(transaction.2.as_deref(), Some(span.1.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ours_outside_a_handler_event_is_stamped() {
    handler_event_is_stamped(&ours_outside().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ours_inside_the_server_span_is_a_child_of_the_transaction() {
    let served = ours_inside().await;
    let (span, transaction) = one_failure(&served, &[]).await;
    assert_eq!(span.2, transaction.1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ours_inside_an_incoming_sentry_trace_is_continued_by_both() {
    let served = ours_inside().await;
    let sentry_trace = format!("{TRACE_ID}-{PARENT_ID}-1");
    let traceparent = format!("00-{TRACE_ID}-{PARENT_ID}-01");
    let (span, transaction) = one_failure(
        &served,
        &[
            ("sentry-trace", &sentry_trace),
            ("traceparent", &traceparent),
        ],
    )
    .await;
    assert_eq!(span.0, TRACE_ID);
    assert_eq!(span.2, PARENT_ID);
    assert_eq!(transaction.2.as_deref(), Some(PARENT_ID));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ours_inside_a_handler_event_is_stamped() {
    handler_event_is_stamped(&ours_inside().await).await;
}
