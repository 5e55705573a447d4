//! `CorrelationMiddleware` between real services on 127.0.0.1: service A (axum +
//! `CorrelationLayer`) calls service B (actix-web + `Correlation`) or a plain echo server
//! through a real reqwest client; spans from the in-memory exporters, events from Sentry's
//! test transports, one pair per service.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Router, body::Body};
use opentelemetry::Value;
use opentelemetry::trace::{SpanId, SpanKind, Status, TraceContextExt, TraceId};
use opentelemetry_sdk::trace::SpanData;
use otel_sentry_actix::Correlation;
use otel_sentry_core::names::SENTRY_EVENT_ID_HEADER;
use otel_sentry_reqwest::{CorrelationMiddleware, DownstreamReport, UrlTemplate};
use otel_sentry_test_support::{
    PaymentFailed, Served, Telemetry, attribute, event_attribute, sentry_options, serve_router,
    string,
};
use otel_sentry_tower::CorrelationLayer;
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID: &str = "00f067aa0ba902b7";

/// What service A's handlers call.
struct Downstream {
    client: ClientWithMiddleware,
    base: String,
}

impl Downstream {
    async fn get(&self, path: &str) -> reqwest_middleware::Result<reqwest::Response> {
        self.client.get(format!("{}{path}", self.base)).send().await
    }
}

fn client(telemetry: &Telemetry) -> ClientWithMiddleware {
    ClientBuilder::new(reqwest::Client::new())
        .with(CorrelationMiddleware::new().tracer(telemetry.tracer()))
        .build()
}

/// Service B: actix-web with `Correlation`, answering failures with their event id.
async fn serve_orders() -> Served {
    fn routes(config: &mut actix_web::web::ServiceConfig) {
        use actix_web::web;
        config
            .route(
                "/orders/{id}",
                web::get().to(|| async {
                    sentry_core::capture_message("order looked up", sentry_core::Level::Info);
                    "order 7"
                }),
            )
            .route(
                "/pay",
                web::get().to(|| async {
                    Err::<&str, _>(otel_sentry_actix::ErrorResponse::from(
                        PaymentFailed::card_declined(51),
                    ))
                }),
            )
            .route(
                "/busy",
                web::get().to(|| async {
                    actix_web::HttpResponse::ServiceUnavailable().body("try later")
                }),
            )
            .route(
                "/slow",
                web::get().to(|| async {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    "late"
                }),
            );
    }
    let telemetry = Telemetry::new(Some(sentry_options()));
    let correlation = Correlation::new()
        .tracer(telemetry.tracer())
        .sentry_hub(telemetry.hub.clone())
        .response_event_id(true);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = actix_web::HttpServer::new(move || {
        actix_web::App::new()
            .wrap(correlation.clone())
            .configure(routes)
    })
    .workers(1)
    .disable_signals()
    .listen(listener)
    .unwrap()
    .run();
    actix_web::rt::spawn(server);
    Served::new(format!("http://{addr}"), telemetry)
}

/// Service A: axum with `CorrelationLayer`, calling `downstream` through the middleware.
async fn serve_gateway(downstream_base: String) -> Served {
    let telemetry = Telemetry::new(Some(sentry_options()));
    let state = Arc::new(Downstream {
        client: client(&telemetry),
        base: downstream_base,
    });
    let router = Router::new()
        .route("/checkout", get(checkout))
        .route("/checkout-templated", get(checkout_templated))
        .route("/pay", get(pay))
        .route("/busy", get(busy))
        .route("/echo", get(echo_through))
        .with_state(state);
    let layer = CorrelationLayer::new()
        .tracer(telemetry.tracer())
        .sentry_hub(telemetry.hub.clone());
    serve_router(router.layer(layer), telemetry).await
}

async fn checkout(State(downstream): State<Arc<Downstream>>) -> String {
    sentry_core::capture_message("checkout started", sentry_core::Level::Info);
    let response = downstream.get("/orders/7").await.unwrap();
    response.text().await.unwrap()
}

async fn checkout_templated(State(downstream): State<Arc<Downstream>>) -> String {
    let response = downstream
        .client
        .get(format!("{}/orders/7", downstream.base))
        .with_extension(UrlTemplate::new("/orders/{id}"))
        .send()
        .await
        .unwrap();
    response.text().await.unwrap()
}

/// Calls B's failing `/pay` and answers with what the request recorded about it.
async fn pay(State(downstream): State<Arc<Downstream>>) -> impl IntoResponse {
    let response = downstream.get("/pay").await.unwrap();
    let report = DownstreamReport::current();
    let body = match report {
        Some(report) => format!("{} {}", report.event_id.simple(), report.status),
        None => "no report".to_owned(),
    };
    (
        StatusCode::BAD_GATEWAY,
        [("x-downstream-status", response.status().as_str().to_owned())],
        body,
    )
}

/// Calls B's `/busy` (503) and still answers on its own.
async fn busy(State(downstream): State<Arc<Downstream>>) -> (StatusCode, String) {
    let status = downstream.get("/busy").await.unwrap().status();
    (
        StatusCode::OK,
        format!("degraded: orders said {}", status.as_u16()),
    )
}

/// Calls the echo server with the caller's own stale trace headers and baggage.
async fn echo_through(State(downstream): State<Arc<Downstream>>) -> String {
    downstream
        .client
        .get(format!("{}/echo", downstream.base))
        .header("traceparent", format!("00-{TRACE_ID}-{PARENT_ID}-01"))
        .header("sentry-trace", format!("{TRACE_ID}-{PARENT_ID}-1"))
        .header("baggage", "tenant=acme")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// A server with no instrumentation: answers with the trace headers it received, one line
/// each, and fails in the ways a hostile downstream might.
async fn serve_echo() -> String {
    async fn echo(headers: HeaderMap) -> String {
        let mut out = String::new();
        for name in ["traceparent", "tracestate", "sentry-trace", "baggage"] {
            for value in headers.get_all(name) {
                out.push_str(&format!("{name}: {}\n", value.to_str().unwrap()));
            }
        }
        out
    }
    async fn garbled_report() -> impl IntoResponse {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(SENTRY_EVENT_ID_HEADER, "not-an-event-id")],
            "boom",
        )
    }
    async fn repeated_report() -> impl IntoResponse {
        let mut headers = HeaderMap::new();
        for id in [
            "0d2b4c5e7f8a9b1c2d3e4f5a6b7c8d9e",
            "1d2b4c5e7f8a9b1c2d3e4f5a6b7c8d9e",
        ] {
            headers.append(SENTRY_EVENT_ID_HEADER, id.parse().unwrap());
        }
        (StatusCode::BAD_GATEWAY, headers, Body::from("boom"))
    }
    async fn reported_success() -> impl IntoResponse {
        (
            [(SENTRY_EVENT_ID_HEADER, "0d2b4c5e7f8a9b1c2d3e4f5a6b7c8d9e")],
            "fine",
        )
    }
    let router = Router::new()
        .route("/echo", get(echo))
        .route("/garbled", get(garbled_report))
        .route("/repeated", get(repeated_report))
        .route("/reported-success", get(reported_success));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

fn span_of_kind(spans: &[SpanData], kind: SpanKind) -> SpanData {
    let mut matching = spans.iter().filter(|span| span.span_kind == kind);
    let span = matching.next().expect("a span of that kind").clone();
    assert!(
        matching.next().is_none(),
        "one span of kind {kind:?}: {spans:#?}"
    );
    span
}

fn integer(value: i64) -> Option<Value> {
    Some(Value::I64(value))
}

fn trace_of(event: &sentry_core::protocol::Event<'static>) -> (String, String) {
    match event.contexts.get("trace") {
        Some(sentry_core::protocol::Context::Trace(trace)) => {
            (trace.trace_id.to_string(), trace.span_id.to_string())
        }
        other => panic!("no trace context: {other:?}"),
    }
}

#[actix_web::test]
async fn a_call_from_axum_to_actix_is_one_trace_across_spans_and_events() {
    let orders = serve_orders().await;
    let gateway = serve_gateway(orders.base.clone()).await;

    let traceparent = format!("00-{TRACE_ID}-{PARENT_ID}-01");
    let response = gateway
        .get_with("/checkout", &[("traceparent", &traceparent)])
        .await;
    assert_eq!(response.text().await.unwrap(), "order 7");

    let a_spans = gateway.spans(2).await;
    let a_server = span_of_kind(&a_spans, SpanKind::Server);
    let a_client = span_of_kind(&a_spans, SpanKind::Client);
    let b_server = orders.server_span().await;

    let trace_id = TraceId::from_hex(TRACE_ID).unwrap();
    for span in [&a_server, &a_client, &b_server] {
        assert_eq!(span.span_context.trace_id(), trace_id);
    }
    assert_eq!(
        a_server.parent_span_id,
        SpanId::from_hex(PARENT_ID).unwrap()
    );
    assert_eq!(a_client.parent_span_id, a_server.span_context.span_id());
    assert_eq!(b_server.parent_span_id, a_client.span_context.span_id());
    assert_eq!(b_server.name, "GET /orders/{id}");

    // The client span: its name and the client conventions, integers as integers.
    assert_eq!(a_client.name, "GET");
    assert_eq!(a_client.status, Status::Unset);
    let port = i64::from(
        orders
            .base
            .rsplit(':')
            .next()
            .unwrap()
            .parse::<u16>()
            .unwrap(),
    );
    assert_eq!(attribute(&a_client, "http.request.method"), string("GET"));
    assert_eq!(attribute(&a_client, "server.address"), string("127.0.0.1"));
    assert_eq!(attribute(&a_client, "server.port"), integer(port));
    assert_eq!(
        attribute(&a_client, "url.full"),
        string(&format!("{}/orders/7", orders.base))
    );
    assert_eq!(
        attribute(&a_client, "network.protocol.version"),
        string("1.1")
    );
    assert_eq!(
        attribute(&a_client, "http.response.status_code"),
        integer(200)
    );
    assert_eq!(attribute(&a_client, "error.type"), None);

    // Both services' Sentry events carry the trace, each naming its own server span.
    let a_events = gateway.events();
    let b_events = orders.events();
    assert_eq!((a_events.len(), b_events.len()), (1, 1));
    assert_eq!(
        trace_of(&a_events[0]),
        (
            TRACE_ID.to_owned(),
            a_server.span_context.span_id().to_string()
        )
    );
    assert_eq!(
        trace_of(&b_events[0]),
        (
            TRACE_ID.to_owned(),
            b_server.span_context.span_id().to_string()
        )
    );
}

#[actix_web::test]
async fn a_url_template_names_the_client_span() {
    let orders = serve_orders().await;
    let gateway = serve_gateway(orders.base.clone()).await;

    gateway.get("/checkout-templated").await;

    let a_client = span_of_kind(&gateway.spans(2).await, SpanKind::Client);
    assert_eq!(a_client.name, "GET /orders/{id}");
    assert_eq!(attribute(&a_client, "url.template"), string("/orders/{id}"));
}

#[actix_web::test]
async fn a_downstream_that_reads_only_sentry_headers_continues_the_same_trace() {
    let echo = serve_echo().await;
    let gateway = serve_gateway(echo).await;

    let traceparent = format!("00-{TRACE_ID}-{PARENT_ID}-01");
    let seen = gateway
        .get_with("/echo", &[("traceparent", &traceparent)])
        .await
        .text()
        .await
        .unwrap();

    let a_client = span_of_kind(&gateway.spans(2).await, SpanKind::Client);
    let client_id = a_client.span_context.span_id();
    let lines: Vec<&str> = seen.lines().collect();
    // One line per header: the caller's stale trace headers were replaced, not repeated.
    assert_eq!(
        lines
            .iter()
            .filter(|line| line.starts_with("traceparent:"))
            .count(),
        1,
        "{seen}"
    );
    assert!(lines.contains(&format!("traceparent: 00-{TRACE_ID}-{client_id}-01").as_str()));
    assert!(lines.contains(&format!("sentry-trace: {TRACE_ID}-{client_id}-1").as_str()));
    // This service heads the trace for Sentry (none came in): its sampling context goes
    // on, with the caller's own baggage entry kept in the same line.
    let baggage = lines
        .iter()
        .find_map(|line| line.strip_prefix("baggage: "))
        .expect("a baggage line");
    assert_eq!(
        lines
            .iter()
            .filter(|line| line.starts_with("baggage:"))
            .count(),
        1
    );
    let members: Vec<&str> = baggage.split(',').collect();
    assert!(members.contains(&"tenant=acme"), "{baggage}");
    assert!(
        members.contains(&format!("sentry-trace_id={TRACE_ID}").as_str()),
        "{baggage}"
    );
    assert!(members.contains(&"sentry-public_key=public"), "{baggage}");
    assert!(members.contains(&"sentry-sampled=true"), "{baggage}");
}

#[actix_web::test]
async fn a_failure_the_downstream_reported_is_recorded_on_the_client_span_and_the_request() {
    let orders = serve_orders().await;
    let gateway = serve_gateway(orders.base.clone()).await;

    let response = gateway.get("/pay").await;
    assert_eq!(response.status(), 502);
    assert_eq!(
        response.headers()["x-downstream-status"],
        "500",
        "the caller got B's answer"
    );
    let body = response.text().await.unwrap();

    let b_events = orders.events();
    assert_eq!(b_events.len(), 1);
    let b_event_id = b_events[0].event_id.simple().to_string();
    assert_eq!(
        body,
        format!("{b_event_id} 500"),
        "the request's correlation state"
    );

    let a_client = span_of_kind(&gateway.spans(2).await, SpanKind::Client);
    assert_eq!(attribute(&a_client, "sentry.event_id"), string(&b_event_id));
    assert_eq!(attribute(&a_client, "error.type"), string("500"));
    assert_eq!(a_client.status, Status::error(""));
}

#[actix_web::test]
async fn a_503_marks_the_client_span_and_the_caller_still_answers() {
    let orders = serve_orders().await;
    let gateway = serve_gateway(orders.base.clone()).await;

    let response = gateway.get("/busy").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "degraded: orders said 503");

    let a_spans = gateway.spans(2).await;
    let a_client = span_of_kind(&a_spans, SpanKind::Client);
    assert_eq!(a_client.status, Status::error(""));
    assert_eq!(attribute(&a_client, "error.type"), string("503"));
    assert_eq!(
        attribute(&a_client, "http.response.status_code"),
        integer(503)
    );
    assert!(a_client.events.is_empty(), "a status is no exception");
    // B reported its 503 and said so.
    let b_events = orders.events();
    assert_eq!(b_events.len(), 1);
    assert_eq!(
        attribute(&a_client, "sentry.event_id"),
        string(&b_events[0].event_id.simple().to_string())
    );
    assert_eq!(
        span_of_kind(&a_spans, SpanKind::Server).status,
        Status::Unset
    );
    assert!(
        gateway.events().is_empty(),
        "A answered on its own: no failure of its own"
    );
}

#[actix_web::test]
async fn a_transport_error_marks_the_client_span_error_with_its_exception() {
    // A port nothing listens on any more.
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let telemetry = Telemetry::new(None);
    let result = client(&telemetry)
        .get(format!("http://{closed}/orders/7"))
        .send()
        .await;
    let error = result.expect_err("nothing listens there");
    assert!(error.is_connect(), "{error}");

    let span = telemetry.server_span().await;
    assert_eq!(span.span_kind, SpanKind::Client);
    assert_eq!(attribute(&span, "error.type"), string("connection_refused"));
    assert!(matches!(span.status, Status::Error { .. }));
    assert_eq!(
        event_attribute(&span, "exception", "exception.type"),
        string("reqwest::Error")
    );
    let message = event_attribute(&span, "exception", "exception.message")
        .unwrap()
        .to_string();
    assert!(message.contains("error sending request"), "{message}");
    assert!(message.to_lowercase().contains("refused"), "{message}");
    assert_eq!(attribute(&span, "http.response.status_code"), None);
}

#[actix_web::test]
async fn a_transport_error_inside_a_request_leaves_the_caller_its_own_answer() {
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    async fn fallback(State(downstream): State<Arc<Downstream>>) -> String {
        match downstream.get("/orders/7").await {
            Ok(response) => response.text().await.unwrap(),
            Err(_) => "served from cache".to_owned(),
        }
    }
    let telemetry = Telemetry::new(Some(sentry_options()));
    let state = Arc::new(Downstream {
        client: client(&telemetry),
        base: format!("http://{closed}"),
    });
    let layer = CorrelationLayer::new()
        .tracer(telemetry.tracer())
        .sentry_hub(telemetry.hub.clone());
    let router = Router::new()
        .route("/orders/{id}", get(fallback))
        .with_state(state)
        .layer(layer);
    let gateway = serve_router(router, telemetry).await;

    let response = gateway.get("/orders/7").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "served from cache");

    let spans = gateway.spans(2).await;
    let server = span_of_kind(&spans, SpanKind::Server);
    let client_span = span_of_kind(&spans, SpanKind::Client);
    assert_eq!(client_span.parent_span_id, server.span_context.span_id());
    assert_eq!(
        attribute(&client_span, "error.type"),
        string("connection_refused")
    );
    assert_eq!(server.status, Status::Unset);
    assert!(
        gateway.events().is_empty(),
        "a handled transport error is no Sentry event"
    );
}

#[actix_web::test]
async fn outside_any_request_the_call_starts_a_new_trace() {
    let orders = serve_orders().await;
    let background = Telemetry::new(None);
    let client = client(&background);

    // A background job: nothing attached, not even an empty span context.
    assert!(!opentelemetry::Context::current().has_active_span());
    let response = client
        .get(format!("{}/orders/7", orders.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let client_span = background.server_span().await;
    assert_eq!(client_span.span_kind, SpanKind::Client);
    assert_eq!(client_span.parent_span_id, SpanId::INVALID);
    let b_server = orders.server_span().await;
    assert_eq!(
        b_server.span_context.trace_id(),
        client_span.span_context.trace_id()
    );
    assert_eq!(b_server.parent_span_id, client_span.span_context.span_id());
}

#[actix_web::test]
async fn odd_downstream_reports_are_ignored_without_failing_the_call() {
    let echo = serve_echo().await;
    let telemetry = Telemetry::new(None);
    let client = client(&telemetry);

    for (path, status) in [
        ("/garbled", 500),
        ("/repeated", 502),
        ("/reported-success", 200),
    ] {
        let response = client.get(format!("{echo}{path}")).send().await.unwrap();
        assert_eq!(response.status(), status, "{path}");
    }
    let spans = telemetry.spans(3).await;
    for span in &spans {
        assert_eq!(attribute(span, "sentry.event_id"), None, "{span:#?}");
    }
}

#[actix_web::test]
async fn credentials_and_signed_query_values_never_reach_the_span() {
    let echo = serve_echo().await;
    let telemetry = Telemetry::new(None);
    let client = client(&telemetry);
    let authority = echo.trim_start_matches("http://");

    client
        .get(format!(
            "http://alice:s3cret@{authority}/echo?sig=abc&page=2"
        ))
        .send()
        .await
        .unwrap();

    // reqwest moves URL credentials into `Authorization` before middleware runs; the
    // core's own test covers `REDACTED:REDACTED` for clients that keep them.
    let span = telemetry.server_span().await;
    assert_eq!(
        attribute(&span, "url.full"),
        string(&format!("http://{authority}/echo?sig=REDACTED&page=2"))
    );
    let recorded = format!("{:?}", span.attributes);
    assert!(
        !recorded.contains("s3cret") && !recorded.contains("alice"),
        "{recorded}"
    );
}

#[actix_web::test]
async fn secrets_of_sentrys_denylist_never_reach_url_full() {
    let echo = serve_echo().await;
    let telemetry = Telemetry::new(None);
    let client = client(&telemetry);

    client
        .get(format!(
            "{echo}/echo?access_token=t0k3n&Password=hunter2&page=2"
        ))
        .send()
        .await
        .unwrap();

    let span = telemetry.server_span().await;
    assert_eq!(
        attribute(&span, "url.full"),
        string(&format!(
            "{echo}/echo?access_token=REDACTED&Password=REDACTED&page=2"
        ))
    );
}

#[actix_web::test]
async fn a_call_dropped_before_its_response_ends_its_span_as_cancelled() {
    let orders = serve_orders().await;
    let telemetry = Telemetry::new(None);
    let client = client(&telemetry);

    let call = client.get(format!("{}/slow", orders.base)).send();
    let outcome = tokio::time::timeout(Duration::from_millis(100), call).await;
    assert!(outcome.is_err(), "the call timed out");

    let span = telemetry.server_span().await;
    assert_eq!(attribute(&span, "error.type"), string("cancelled"));
    assert!(matches!(span.status, Status::Error { .. }));
}

#[actix_web::test]
async fn an_unknown_method_is_recorded_as_other() {
    let echo = serve_echo().await;
    let telemetry = Telemetry::new(None);
    let client = client(&telemetry);

    let method = reqwest::Method::from_bytes(b"PURGE").unwrap();
    client
        .request(method, format!("{echo}/echo"))
        .send()
        .await
        .unwrap();

    let span = telemetry.server_span().await;
    assert_eq!(span.name, "HTTP");
    assert_eq!(attribute(&span, "http.request.method"), string("_OTHER"));
    assert_eq!(
        attribute(&span, "http.request.method_original"),
        string("PURGE")
    );
}

#[actix_web::test]
async fn the_calls_before_a_failure_are_breadcrumbs_of_its_event() {
    let orders = serve_orders().await;
    async fn fails_after_call(State(downstream): State<Arc<Downstream>>) -> StatusCode {
        let _ = downstream.get("/busy").await;
        // B reported its 503: without this, A's failure would be a suppressed cascade.
        otel_sentry_core::declare_failure_independent();
        StatusCode::INTERNAL_SERVER_ERROR
    }
    let telemetry = Telemetry::new(Some(sentry_options()));
    let state = Arc::new(Downstream {
        client: client(&telemetry),
        base: orders.base.clone(),
    });
    let layer = CorrelationLayer::new()
        .tracer(telemetry.tracer())
        .sentry_hub(telemetry.hub.clone());
    let router = Router::new()
        .route("/fails", get(fails_after_call))
        .with_state(state)
        .layer(layer);
    let gateway = serve_router(router, telemetry).await;

    assert_eq!(gateway.get("/fails").await.status(), 500);

    let events = gateway.events();
    assert_eq!(events.len(), 1);
    let crumbs: Vec<_> = events[0]
        .breadcrumbs
        .iter()
        .filter(|crumb| crumb.ty == "http")
        .collect();
    assert_eq!(crumbs.len(), 1, "{:#?}", events[0].breadcrumbs);
    assert_eq!(crumbs[0].data["status_code"], 503);
    assert_eq!(crumbs[0].data["url"], format!("{}/busy", orders.base));
    assert_eq!(crumbs[0].level, sentry_core::Level::Error);
}

#[actix_web::test]
async fn breadcrumbs_can_be_turned_off() {
    use sentry_core::SentryFutureExt as _;

    let echo = serve_echo().await;
    for (enabled, expected) in [(true, 1), (false, 0)] {
        let telemetry = Telemetry::new(Some(sentry_options()));
        let client = ClientBuilder::new(reqwest::Client::new())
            .with(
                CorrelationMiddleware::new()
                    .tracer(telemetry.tracer())
                    .breadcrumbs(enabled),
            )
            .build();
        let hub = Arc::new(sentry_core::Hub::new_from_top(&telemetry.hub));
        async {
            client.get(format!("{echo}/echo")).send().await.unwrap();
            sentry_core::capture_message("after the call", sentry_core::Level::Info);
        }
        .bind_hub(hub)
        .await;

        let events = telemetry.events();
        assert_eq!(events.len(), 1);
        let crumbs = events[0]
            .breadcrumbs
            .iter()
            .filter(|c| c.ty == "http")
            .count();
        assert_eq!(crumbs, expected, "breadcrumbs({enabled})");
    }
}
