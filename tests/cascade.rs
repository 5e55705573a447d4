//! One failure, one alert: a three-service cascade over real sockets on 127.0.0.1 — gateway
//! (axum) → orders (actix-web) → payments (axum), joined by `CorrelationMiddleware` — under
//! each cascade policy, and with the windowed deduplication transport. Every service
//! answers failures with their event id; each has its own in-memory exporter and Sentry
//! test transport.

mod cascade_services;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use cascade_services::{
    Downstream, DownstreamFailed, downstream, layer, serve_all, serve_payments,
};
use opentelemetry::trace::{SpanKind, Status};
use opentelemetry_sdk::trace::SpanData;
use otel_sentry_core::names::{CASCADING_ERRORS, CASCADING_ERRORS_SUPPRESSED};
use otel_sentry_core::{CascadePolicy, CascadeWindow};
use otel_sentry_test_support::{
    PaymentFailed, Served, Telemetry, attribute, sentry_options, serve_router, string,
};
use otel_sentry_tower::CorrelationLayer;
use otel_sentry_tower::axum::ErrorResponse;
use sentry_core::Hub;
use sentry_core::protocol::{Event, Value};
use sentry_core::test::TestTransport;

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

/// The three services' server spans and events after one failing checkout.
struct Outcome {
    spans: [SpanData; 3],
    events: [Vec<Event<'static>>; 3],
    answered_event_id: String,
}

async fn cascade(policy: CascadePolicy) -> Outcome {
    let [gateway, orders, payments] = serve_all(policy, Telemetry::with_sentry).await;

    let traceparent = format!("00-{TRACE_ID}-00f067aa0ba902b7-01");
    let response = gateway
        .get_with("/checkout", &[("traceparent", &traceparent)])
        .await;
    assert_eq!(response.status(), 500);
    let answered_event_id = response.headers()["x-sentry-event-id"]
        .to_str()
        .unwrap()
        .to_owned();

    let server = |spans: Vec<SpanData>| {
        spans
            .into_iter()
            .find(|span| span.span_kind == SpanKind::Server)
            .expect("a server span")
    };
    Outcome {
        spans: [
            server(gateway.spans(2).await),
            server(orders.spans(2).await),
            server(payments.spans(1).await),
        ],
        events: [gateway.events(), orders.events(), payments.events()],
        answered_event_id,
    }
}

fn exception_type<'e>(event: &'e Event<'static>) -> &'e str {
    &event.exception.values.last().expect("an exception").ty
}

#[actix_web::test]
async fn suppress_sends_one_event_the_root_cause_and_every_span_links_to_it() {
    let outcome = cascade(CascadePolicy::Suppress).await;
    let [gateway_events, orders_events, payments_events] = &outcome.events;
    assert!(gateway_events.is_empty() && orders_events.is_empty());
    assert_eq!(payments_events.len(), 1);
    let root = &payments_events[0];
    assert_eq!(exception_type(root), std::any::type_name::<PaymentFailed>());
    let root_id = root.event_id.simple().to_string();
    assert_eq!(root.tags["otel.trace_id"], TRACE_ID);

    for span in &outcome.spans {
        assert_eq!(
            attribute(span, "sentry.event_id"),
            string(&root_id),
            "{}",
            span.name
        );
        assert!(matches!(span.status, Status::Error { .. }));
    }
    let [gateway, orders, payments] = &outcome.spans;
    assert_eq!(attribute(gateway, "sentry.cascade"), Some(true.into()));
    assert_eq!(attribute(orders, "sentry.cascade"), Some(true.into()));
    assert_eq!(
        attribute(payments, "sentry.cascade"),
        None,
        "the root is no cascade"
    );
    // The cascades still record what failed in them.
    assert_eq!(
        attribute(orders, "error.type"),
        string(std::any::type_name::<DownstreamFailed>())
    );
    assert_eq!(
        outcome.answered_event_id, root_id,
        "the gateway names the root event"
    );
}

#[actix_web::test]
async fn group_sends_three_events_with_one_grouping_key() {
    let outcome = cascade(CascadePolicy::Group).await;
    let events: Vec<_> = outcome.events.iter().flatten().collect();
    assert_eq!(events.len(), 3);
    let key = vec!["otel-cascade".to_owned(), TRACE_ID.to_owned()];
    for event in &events {
        let fingerprint: Vec<String> = event
            .fingerprint
            .iter()
            .map(|part| part.to_string())
            .collect();
        assert_eq!(fingerprint, key);
    }
    let root_id = outcome.events[2][0].event_id.simple().to_string();
    assert_eq!(
        exception_type(&outcome.events[2][0]),
        std::any::type_name::<PaymentFailed>()
    );
    assert_eq!(outcome.events[2][0].tags.get("cascade.root_event_id"), None);
    for cascade in [&outcome.events[0][0], &outcome.events[1][0]] {
        assert_eq!(cascade.tags["cascade.root_event_id"], root_id);
        assert_eq!(
            exception_type(cascade),
            std::any::type_name::<DownstreamFailed>()
        );
    }
    let [gateway, orders, _] = &outcome.spans;
    for (span, own) in [
        (gateway, &outcome.events[0][0]),
        (orders, &outcome.events[1][0]),
    ] {
        assert_eq!(
            attribute(span, "sentry.event_id"),
            string(&own.event_id.simple().to_string())
        );
        assert_eq!(
            attribute(span, "sentry.cascade.root_event_id"),
            string(&root_id)
        );
    }
    assert_eq!(outcome.answered_event_id, root_id);
}

#[actix_web::test]
async fn report_sends_three_ordinary_events() {
    let outcome = cascade(CascadePolicy::Report).await;
    let events: Vec<_> = outcome.events.iter().flatten().collect();
    assert_eq!(events.len(), 3);
    for event in &events {
        assert!(!event.tags.contains_key("cascade.root_event_id"));
        assert_eq!(event.fingerprint.len(), 1, "the default fingerprint");
    }
    for (span, events) in outcome.spans.iter().zip(&outcome.events) {
        assert_eq!(
            attribute(span, "sentry.event_id"),
            string(&events[0].event_id.simple().to_string())
        );
        assert_eq!(attribute(span, "sentry.cascade"), None);
    }
    assert_eq!(
        outcome.answered_event_id,
        outcome.events[0][0].event_id.simple().to_string()
    );
}

#[actix_web::test]
async fn the_cascade_window_sends_one_event_when_every_service_reports() {
    // Services sharing one process and one Sentry client, each reporting its own failure
    // (as services do whose downstream does not name its event): the window decides.
    let sent = TestTransport::new();
    let mut options = sentry_options();
    options.transport = Some(
        CascadeWindow::new()
            .window(Duration::from_secs(600))
            .wrap(sent.clone()),
    );
    let client = Arc::new(sentry_core::Client::from(options));
    let hub = Arc::new(Hub::new(Some(client.clone()), Default::default()));
    let [gateway, ..] = serve_all(CascadePolicy::Report, || Telemetry::with_hub(hub.clone())).await;

    let traceparent = format!("00-{TRACE_ID}-00f067aa0ba902b7-01");
    let response = gateway
        .get_with("/checkout", &[("traceparent", &traceparent)])
        .await;
    assert_eq!(response.status(), 500);
    assert!(
        sent.fetch_and_clear_events().is_empty(),
        "held for the window"
    );

    assert!(client.flush(Some(Duration::from_secs(2))));
    let events = sent.fetch_and_clear_events();
    assert_eq!(events.len(), 1, "one event for the failing trace");
    let root = &events[0];
    assert_eq!(exception_type(root), std::any::type_name::<PaymentFailed>());
    assert_eq!(root.tags["otel.trace_id"], TRACE_ID);
    assert_eq!(root.extra[CASCADING_ERRORS_SUPPRESSED], 2);
    let Value::Array(suppressed) = &root.extra[CASCADING_ERRORS] else {
        panic!("a summary of the suppressed events");
    };
    let messages: Vec<&Value> = suppressed.iter().map(|entry| &entry["message"]).collect();
    assert_eq!(
        messages,
        ["payments failed", "orders failed"],
        "orders, then gateway"
    );
    for entry in suppressed {
        assert_eq!(entry["type"], std::any::type_name::<DownstreamFailed>());
        assert_eq!(entry["span_id"].as_str().map(str::len), Some(16));
    }
}

/// A service calling payments, whose handler first declares what its failure is.
async fn serve_caller(
    payments: &Served,
    declare: fn(),
    configure: fn(CorrelationLayer) -> CorrelationLayer,
) -> Served {
    async fn call(
        State((downstream, declare)): State<(Arc<Downstream>, fn())>,
    ) -> Result<&'static str, ErrorResponse> {
        let _ = downstream.client.get(&downstream.url).send().await;
        declare();
        Err(DownstreamFailed("payments").into())
    }
    let telemetry = Telemetry::new(Some(sentry_options()));
    let state = (downstream(&telemetry, payments.url("/charge")), declare);
    let router = Router::new()
        .route("/call", get(call))
        .with_state(state)
        .layer(configure(layer(&telemetry, CascadePolicy::Suppress)));
    serve_router(router, telemetry).await
}

#[actix_web::test]
async fn a_handler_can_declare_its_failure_its_own_or_a_cascade() {
    let payments = serve_payments(CascadePolicy::Suppress, Telemetry::with_sentry()).await;

    // Its own failure, although payments failed: reported.
    let independent = serve_caller(
        &payments,
        || assert!(otel_sentry_core::declare_failure_independent()),
        |layer| layer,
    )
    .await;
    independent.get("/call").await;
    assert_eq!(independent.events().len(), 1);
    assert_eq!(payments.events().len(), 1);

    // A cascade of an event reported elsewhere (a queue, say): suppressed, linked to it.
    fn declare_elsewhere() {
        let root = "0d2b4c5e7f8a9b1c2d3e4f5a6b7c8d9e".parse().unwrap();
        assert!(otel_sentry_core::declare_cascade_of(root));
    }
    let declared = serve_caller(&payments, declare_elsewhere, |layer| layer).await;
    let response = declared.get("/call").await;
    assert_eq!(
        response.headers()["x-sentry-event-id"],
        "0d2b4c5e7f8a9b1c2d3e4f5a6b7c8d9e"
    );
    assert!(declared.events().is_empty());
    let span = declared
        .spans(2)
        .await
        .into_iter()
        .find(|span| span.span_kind == SpanKind::Server)
        .unwrap();
    assert_eq!(
        attribute(&span, "sentry.event_id"),
        string("0d2b4c5e7f8a9b1c2d3e4f5a6b7c8d9e")
    );
}

#[actix_web::test]
async fn fingerprint_by_trace_groups_every_event_of_a_request() {
    let payments = serve_payments(CascadePolicy::Suppress, Telemetry::with_sentry()).await;
    let caller = serve_caller(
        &payments,
        || {
            otel_sentry_core::declare_failure_independent();
            sentry_core::capture_message("checking", sentry_core::Level::Info);
        },
        |layer| layer.fingerprint_by_trace(true),
    )
    .await;
    let traceparent = format!("00-{TRACE_ID}-00f067aa0ba902b7-01");
    caller
        .get_with("/call", &[("traceparent", &traceparent)])
        .await;

    let events = caller.events();
    assert_eq!(events.len(), 2, "the message and the failure");
    for event in &events {
        let fingerprint: Vec<String> = event
            .fingerprint
            .iter()
            .map(|part| part.to_string())
            .collect();
        assert_eq!(fingerprint, ["otel-cascade", TRACE_ID]);
    }
}
