//! One failure, one alert: a three-service cascade over real sockets on 127.0.0.1 — gateway
//! (axum) → orders (actix-web) → payments (axum), joined by `CorrelationMiddleware` — under
//! each cascade policy. Every service answers failures with their event id; each has its
//! own in-memory exporter and Sentry test transport.

use std::net::TcpListener;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use opentelemetry::trace::{SpanKind, Status};
use opentelemetry_sdk::trace::SpanData;
use otel_sentry_actix::Correlation;
use otel_sentry_core::CascadePolicy;
use otel_sentry_reqwest::CorrelationMiddleware;
use otel_sentry_test_support::{
    PaymentFailed, Served, Telemetry, attribute, sentry_options, serve_router, string,
};
use otel_sentry_tower::CorrelationLayer;
use otel_sentry_tower::axum::ErrorResponse;
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};
use sentry_core::protocol::Event;

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

/// A failure this service reports as its own, caused by a failed downstream call.
#[derive(Debug)]
struct DownstreamFailed(&'static str);

impl std::fmt::Display for DownstreamFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} failed", self.0)
    }
}

impl std::error::Error for DownstreamFailed {}

struct Downstream {
    client: ClientWithMiddleware,
    url: String,
}

impl Downstream {
    /// Calls the downstream service; any failure of it is this service's `DownstreamFailed`.
    async fn call(&self, service: &'static str) -> Result<(), DownstreamFailed> {
        match self.client.get(&self.url).send().await {
            Ok(response) if response.status().is_success() => Ok(()),
            _ => Err(DownstreamFailed(service)),
        }
    }
}

fn downstream(telemetry: &Telemetry, url: String) -> Arc<Downstream> {
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(CorrelationMiddleware::new().tracer(telemetry.tracer()))
        .build();
    Arc::new(Downstream { client, url })
}

fn layer(telemetry: &Telemetry, policy: CascadePolicy) -> CorrelationLayer {
    CorrelationLayer::new()
        .tracer(telemetry.tracer())
        .sentry_hub(telemetry.hub.clone())
        .response_event_id(true)
        .cascade_policy(policy)
}

async fn serve_payments(policy: CascadePolicy) -> Served {
    let telemetry = Telemetry::new(Some(sentry_options()));
    let router = Router::new()
        .route(
            "/charge",
            get(|| async { Err::<&str, _>(ErrorResponse::from(PaymentFailed::card_declined(51))) }),
        )
        .layer(layer(&telemetry, policy));
    serve_router(router, telemetry).await
}

async fn serve_orders(policy: CascadePolicy, payments: &Served) -> Served {
    async fn pay(
        downstream: actix_web::web::Data<Downstream>,
    ) -> Result<&'static str, otel_sentry_actix::ErrorResponse> {
        downstream.call("payments").await?;
        Ok("paid")
    }
    let telemetry = Telemetry::new(Some(sentry_options()));
    let state = actix_web::web::Data::from(downstream(&telemetry, payments.url("/charge")));
    let correlation = Correlation::new()
        .tracer(telemetry.tracer())
        .sentry_hub(telemetry.hub.clone())
        .response_event_id(true)
        .cascade_policy(policy);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = actix_web::HttpServer::new(move || {
        actix_web::App::new()
            .app_data(state.clone())
            .wrap(correlation.clone())
            .route("/orders/{id}/pay", actix_web::web::get().to(pay))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)
    .unwrap()
    .run();
    actix_web::rt::spawn(server);
    Served::new(format!("http://{addr}"), telemetry)
}

async fn serve_gateway(policy: CascadePolicy, orders: &Served) -> Served {
    async fn checkout(
        State(downstream): State<Arc<Downstream>>,
    ) -> Result<&'static str, ErrorResponse> {
        downstream.call("orders").await?;
        Ok("checked out")
    }
    let telemetry = Telemetry::new(Some(sentry_options()));
    let state = downstream(&telemetry, orders.url("/orders/7/pay"));
    let router = Router::new()
        .route("/checkout", get(checkout))
        .with_state(state)
        .layer(layer(&telemetry, policy));
    serve_router(router, telemetry).await
}

/// The three services' server spans and events after one failing checkout.
struct Outcome {
    spans: [SpanData; 3],
    events: [Vec<Event<'static>>; 3],
    answered_event_id: String,
}

async fn cascade(policy: CascadePolicy) -> Outcome {
    let payments = serve_payments(policy).await;
    let orders = serve_orders(policy, &payments).await;
    let gateway = serve_gateway(policy, &orders).await;

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
    let payments = serve_payments(CascadePolicy::Suppress).await;

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
    let payments = serve_payments(CascadePolicy::Suppress).await;
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
