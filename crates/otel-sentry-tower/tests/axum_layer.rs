//! `CorrelationLayer` on a real axum server on 127.0.0.1, driven by a real reqwest
//! client: spans from the in-memory exporter, events from Sentry's test transport.

mod common;

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::StatusCode;
use axum::routing::get;
use bytes::Bytes;
use opentelemetry::Value;
use opentelemetry::trace::{SpanId, SpanKind, Status, TraceId};
use otel_sentry_core::EventLink;
use otel_sentry_core::names::SENTRY_EVENT_ID_HEADER;
use otel_sentry_test_support::{
    CardDeclined, PaymentFailed, attribute, event_attribute, header, sentry_options, string,
};
use otel_sentry_tower::axum::{ErrorResponse, RequestTrace};
use sentry_core::protocol::{Context as SentryContext, Event};
use sentry_core::{Hub, SentryFutureExt};

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID: &str = "00f067aa0ba902b7";

fn app() -> Router {
    Router::new()
        .route("/users/{id}", get(|| async { "ok" }))
        .route("/fail", get(|| async { StatusCode::SERVICE_UNAVAILABLE }))
        .route(
            "/pay",
            get(|| async { Err::<&str, _>(ErrorResponse::from(PaymentFailed::card_declined(51))) }),
        )
        .route(
            "/invalid",
            get(|| async {
                Err::<&str, _>(ErrorResponse::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    CardDeclined { code: 14 },
                ))
            }),
        )
        .route("/missing", get(|| async { StatusCode::NOT_FOUND }))
        .route(
            "/brief",
            get(|| async {
                // Long enough for the server to read the client's FIN before answering.
                tokio::time::sleep(Duration::from_millis(50)).await;
                "brief"
            }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "late"
            }),
        )
        .route(
            "/panic",
            get(|| async {
                if true {
                    panic!("handler exploded");
                }
                "unreachable"
            }),
        )
        .route(
            "/capture",
            get(|trace: RequestTrace| async move {
                // Captured on a later poll: the request's hub must be bound again.
                tokio::task::yield_now().await;
                sentry_core::capture_message("inside the handler", sentry_core::Level::Info);
                trace.trace_id.to_string()
            }),
        )
        .route(
            "/spawn",
            get(|| async {
                tokio::spawn(
                    async {
                        sentry_core::capture_message(
                            "from a spawned task",
                            sentry_core::Level::Info,
                        );
                    }
                    .bind_hub(Hub::current()),
                )
                .await
                .unwrap();
                "spawned"
            }),
        )
        .route(
            "/trace",
            get(|trace: RequestTrace| async move { trace.traceparent() }),
        )
        .route(
            "/announced",
            get(|| async {
                // A streamed body whose length the head announces: the server stops
                // polling once it has sent that much.
                let chunks = futures_util::stream::iter([
                    Ok::<_, Infallible>(Bytes::from_static(b"12345")),
                    Ok(Bytes::from_static(b"67890")),
                ]);
                (
                    [(axum::http::header::CONTENT_LENGTH, "10")],
                    Body::from_stream(chunks),
                )
            }),
        )
        .route(
            "/trailers",
            get(|| async {
                let mut trailers = axum::http::HeaderMap::new();
                trailers.insert("x-checksum", axum::http::HeaderValue::from_static("abc"));
                let frames = futures_util::stream::iter([
                    Ok::<_, Infallible>(http_body::Frame::data(Bytes::from_static(b"data"))),
                    Ok(http_body::Frame::trailers(trailers)),
                ]);
                Body::new(http_body_util::StreamBody::new(frames))
            }),
        )
        .route(
            "/body-panic",
            get(|| async {
                let chunks = futures_util::stream::unfold(0, |step| async move {
                    match step {
                        0 => Some((Ok::<_, Infallible>(Bytes::from_static(b"start")), 1)),
                        _ => panic!("the body exploded"),
                    }
                });
                Body::from_stream(chunks)
            }),
        )
        .route("/too-many", get(|| async { StatusCode::TOO_MANY_REQUESTS }))
        .route("/health", get(|| async { StatusCode::SERVICE_UNAVAILABLE }))
        .route(
            "/endless",
            get(|| async {
                let chunks = futures_util::stream::unfold(0u32, |step| async move {
                    (step < 500).then_some(())?;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    Some((
                        Ok::<_, Infallible>(Bytes::from(vec![b'x'; 16 * 1024])),
                        step + 1,
                    ))
                });
                Body::from_stream(chunks)
            }),
        )
        .route(
            "/stream",
            get(|| async {
                let chunks = futures_util::stream::unfold(0, |step| async move {
                    match step {
                        0 => Some((Ok::<_, Infallible>(Bytes::from_static(b"first ")), 1)),
                        1 => {
                            tokio::time::sleep(Duration::from_millis(150)).await;
                            Some((Ok(Bytes::from_static(b"last")), 2))
                        }
                        _ => None,
                    }
                });
                Body::from_stream(chunks)
            }),
        )
        .route(
            "/stream-error",
            get(|| async {
                let chunks = futures_util::stream::iter([
                    Ok(Bytes::from_static(b"partial")),
                    Err(std::io::Error::other("disk gone")),
                ]);
                Body::from_stream(chunks)
            }),
        )
}

fn trace_context(event: &Event<'static>) -> (String, String, Option<String>, Option<String>) {
    match event.contexts.get("trace") {
        Some(SentryContext::Trace(trace)) => (
            trace.trace_id.to_string(),
            trace.span_id.to_string(),
            trace.parent_span_id.map(|id| id.to_string()),
            trace.op.clone(),
        ),
        other => panic!("no trace context: {other:?}"),
    }
}

#[tokio::test]
async fn incoming_traceparent_is_continued_with_span_name_kind_and_attributes() {
    let harness = common::serve(app(), |layer| layer).await;
    let response = harness
        .get_with(
            "/users/7?page=2&sig=s3cret",
            &[
                ("traceparent", &format!("00-{TRACE_ID}-{PARENT_ID}-01")),
                ("user-agent", "checkout/1.0"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    let span = harness.server_span().await;

    assert_eq!(
        span.span_context.trace_id(),
        TraceId::from_hex(TRACE_ID).unwrap()
    );
    assert_eq!(span.parent_span_id, SpanId::from_hex(PARENT_ID).unwrap());
    assert!(span.span_context.is_sampled());
    assert_eq!(span.name, "GET /users/{id}");
    assert_eq!(span.span_kind, SpanKind::Server);
    assert_eq!(span.status, Status::Unset);
    assert_eq!(attribute(&span, "http.request.method"), string("GET"));
    assert_eq!(attribute(&span, "url.path"), string("/users/7"));
    assert_eq!(attribute(&span, "url.query"), string("page=2&sig=REDACTED"));
    assert_eq!(attribute(&span, "url.scheme"), string("http"));
    assert_eq!(attribute(&span, "http.route"), string("/users/{id}"));
    assert_eq!(attribute(&span, "server.address"), string("127.0.0.1"));
    let port = harness
        .base
        .rsplit(':')
        .next()
        .unwrap()
        .parse::<i64>()
        .unwrap();
    assert_eq!(attribute(&span, "server.port"), Some(Value::I64(port)));
    assert_eq!(attribute(&span, "client.address"), string("127.0.0.1"));
    assert_eq!(
        attribute(&span, "user_agent.original"),
        string("checkout/1.0")
    );
    assert_eq!(attribute(&span, "network.protocol.version"), string("1.1"));
    assert_eq!(
        attribute(&span, "http.response.status_code"),
        Some(Value::I64(200))
    );
    assert_eq!(attribute(&span, "error.type"), None);
    assert!(harness.events().is_empty());
}

#[tokio::test]
async fn server_error_is_one_sentry_event_linked_both_ways() {
    let harness = common::serve(app(), |layer| {
        layer.event_link(EventLink::sentry("https://sentry.example.com", "acme"))
    })
    .await;
    let response = harness.get("/fail").await;
    assert_eq!(response.status(), 503);
    let span = harness.server_span().await;
    let events = harness.events();
    assert_eq!(events.len(), 1, "{events:#?}");
    let event = &events[0];

    let (trace_id, span_id, parent, op) = trace_context(event);
    assert_eq!(trace_id, span.span_context.trace_id().to_string());
    assert_eq!(span_id, span.span_context.span_id().to_string());
    assert_eq!(parent, None, "a new trace has no parent");
    assert_eq!(op.as_deref(), Some("http.server"));
    assert_eq!(event.tags.get("otel.trace_id"), Some(&trace_id));
    assert_eq!(event.tags.get("otel.span_id"), Some(&span_id));
    assert_eq!(event.message.as_deref(), Some("GET /fail responded 503"));
    assert_eq!(event.transaction.as_deref(), Some("/fail"));
    let request = event.request.as_ref().unwrap();
    assert_eq!(request.method.as_deref(), Some("GET"));
    assert_eq!(request.url.as_ref().unwrap().path(), "/fail");

    let event_id = event.event_id.simple().to_string();
    assert_eq!(attribute(&span, "sentry.event_id"), string(&event_id));
    assert_eq!(
        attribute(&span, "sentry.event_url"),
        string(&format!(
            "https://sentry.example.com/organizations/acme/issues/?query={event_id}"
        ))
    );
    assert_eq!(
        span.status,
        Status::error(""),
        "the status code explains itself"
    );
    assert_eq!(attribute(&span, "error.type"), string("503"));
    assert_eq!(
        event_attribute(&span, "exception", "exception.type"),
        string("HTTP 503")
    );
    assert_eq!(
        event_attribute(&span, "exception", "exception.message"),
        string("GET /fail responded 503")
    );
    assert_eq!(
        attribute(&span, "http.response.status_code"),
        Some(Value::I64(503))
    );
}

#[tokio::test]
async fn handler_error_reaches_sentry_as_the_whole_chain_with_type_names() {
    let harness = common::serve(app(), |layer| layer).await;
    let response = harness.get("/pay").await;
    assert_eq!(response.status(), 500);
    assert_eq!(
        response.text().await.unwrap(),
        "Internal Server Error",
        "the error's text stays private"
    );
    let span = harness.server_span().await;
    let events = harness.events();
    assert_eq!(events.len(), 1);
    let exceptions: Vec<(&str, Option<&str>)> = events[0]
        .exception
        .values
        .iter()
        .map(|e| (e.ty.as_str(), e.value.as_deref()))
        .collect();
    assert_eq!(
        exceptions,
        [
            ("CardDeclined", Some("card declined with code 51")),
            (
                "otel_sentry_test_support::PaymentFailed",
                Some("payment failed")
            ),
        ]
    );
    assert_eq!(
        event_attribute(&span, "exception", "exception.type"),
        string("otel_sentry_test_support::PaymentFailed")
    );
    assert_eq!(
        event_attribute(&span, "exception", "exception.message"),
        string("payment failed")
    );
    assert_eq!(
        attribute(&span, "error.type"),
        string("otel_sentry_test_support::PaymentFailed")
    );
    assert_eq!(span.status, Status::error("payment failed"));
}

#[tokio::test]
async fn panicking_handler_answers_500_records_an_escaped_exception_and_keeps_serving() {
    let harness = common::serve(app(), |layer| layer).await;
    let response = harness.get("/panic").await;
    assert_eq!(response.status(), 500);
    let span = harness.server_span().await;
    assert_eq!(
        event_attribute(&span, "exception", "exception.type"),
        string("panic")
    );
    assert_eq!(
        event_attribute(&span, "exception", "exception.message"),
        string("handler exploded")
    );
    assert_eq!(
        event_attribute(&span, "exception", "exception.escaped"),
        Some(Value::Bool(true))
    );
    assert_eq!(attribute(&span, "error.type"), string("panic"));
    let events = harness.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].exception.values[0].ty, "panic");
    assert_eq!(
        events[0].exception.values[0]
            .mechanism
            .as_ref()
            .unwrap()
            .handled,
        Some(false)
    );
    assert_eq!(
        attribute(&span, "sentry.event_id"),
        string(&events[0].event_id.simple().to_string())
    );

    assert_eq!(
        harness.get("/users/1").await.status(),
        200,
        "the server keeps serving"
    );
}

#[tokio::test]
async fn client_errors_send_no_event_and_leave_the_status_unset() {
    let harness = common::serve(app(), |layer| layer).await;
    assert_eq!(harness.get("/missing").await.status(), 404);
    assert_eq!(harness.get("/invalid").await.status(), 422);
    assert_eq!(harness.get("/no-such-route").await.status(), 404);
    let spans = harness.spans(3).await;
    for span in &spans {
        assert_eq!(span.status, Status::Unset, "{}", span.name);
        assert_eq!(attribute(span, "error.type"), None);
        assert!(span.events.is_empty());
    }
    assert!(
        spans
            .iter()
            .any(|span| span.name == "GET" && attribute(span, "http.route").is_none()),
        "unmatched: method only"
    );
    assert!(harness.events().is_empty());
}

#[tokio::test]
async fn streaming_body_ends_the_span_after_the_last_chunk() {
    let harness = common::serve(app(), |layer| layer).await;
    let response = harness.get("/stream").await;
    assert_eq!(response.text().await.unwrap(), "first last");
    let span = harness.server_span().await;
    let duration = span.end_time.duration_since(span.start_time).unwrap();
    assert!(
        duration >= Duration::from_millis(150),
        "span ended before the last chunk: {duration:?}"
    );
    assert_eq!(span.status, Status::Unset);
}

#[tokio::test]
async fn body_error_is_a_failure() {
    let harness = common::serve(app(), |layer| layer).await;
    // The client sees a broken response: at the head or in the body, as hyper flushes.
    match harness
        .client
        .get(harness.url("/stream-error"))
        .send()
        .await
    {
        Ok(response) => assert!(response.bytes().await.is_err()),
        Err(error) => assert!(error.is_request(), "{error}"),
    }
    let span = harness.server_span().await;
    assert!(matches!(span.status, Status::Error { .. }));
    assert_eq!(
        event_attribute(&span, "exception", "exception.message"),
        string("disk gone")
    );
    let events = harness.events();
    assert_eq!(events.len(), 1);
    assert_eq!(
        attribute(&span, "sentry.event_id"),
        string(&events[0].event_id.simple().to_string())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_never_share_ids() {
    let harness = common::serve(app(), |layer| layer).await;
    let requests = (0..20).map(|_| async { harness.get("/capture").await.text().await.unwrap() });
    let trace_ids = futures_util::future::join_all(requests).await;
    let distinct: std::collections::HashSet<&String> = trace_ids.iter().collect();
    assert_eq!(distinct.len(), 20);

    let events = harness.events();
    assert_eq!(events.len(), 20);
    let spans = harness.spans(20).await;
    for event in &events {
        let (trace_id, span_id, _, _) = trace_context(event);
        let span = spans
            .iter()
            .find(|span| span.span_context.trace_id().to_string() == trace_id)
            .expect("the event's trace is a request's");
        assert_eq!(span.span_context.span_id().to_string(), span_id);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_from_a_task_that_inherits_the_hub_carries_its_requests_ids() {
    let harness = common::serve(app(), |layer| layer).await;
    assert_eq!(harness.get("/spawn").await.status(), 200);
    let span = harness.server_span().await;
    let events = harness.events();
    assert_eq!(events.len(), 1);
    let (trace_id, span_id, _, _) = trace_context(&events[0]);
    assert_eq!(trace_id, span.span_context.trace_id().to_string());
    assert_eq!(span_id, span.span_context.span_id().to_string());
    assert_eq!(events[0].message.as_deref(), Some("from a spawned task"));
}

#[tokio::test]
async fn malformed_duplicated_and_oversized_trace_headers_start_a_new_trace() {
    let harness = common::serve(app(), |layer| layer).await;
    let valid = format!("00-{TRACE_ID}-{PARENT_ID}-01");
    let garbled = [b"00-".as_slice(), &[0xff; 52]].concat();
    let cases: Vec<Vec<(&str, Vec<u8>)>> = vec![
        vec![("traceparent", b"00-not-a-traceparent".to_vec())],
        vec![("traceparent", valid.to_uppercase().into_bytes())],
        vec![
            ("traceparent", valid.clone().into_bytes()),
            ("traceparent", valid.clone().into_bytes()),
        ],
        vec![
            ("traceparent", valid.clone().into_bytes()),
            ("traceparent", garbled.clone()),
        ],
        vec![("traceparent", garbled)],
        vec![(
            "traceparent",
            format!("{valid}-{}", "x".repeat(6000)).into_bytes(),
        )],
        vec![("sentry-trace", "zz".repeat(4000).into_bytes())],
    ];
    for headers in &cases {
        let mut map = reqwest::header::HeaderMap::new();
        for (name, value) in headers {
            map.append(
                *name,
                reqwest::header::HeaderValue::from_bytes(value).unwrap(),
            );
        }
        let response = harness
            .client
            .get(harness.url("/users/1"))
            .headers(map)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{headers:?}");
    }
    // Oversized tracestate and baggage with a valid traceparent: the trace continues, the
    // junk is dropped.
    let oversized_tracestate: String = (0..2000).map(|i| format!("k{i}=v,")).collect();
    let response = harness
        .get_with(
            "/users/1",
            &[
                ("traceparent", &valid),
                ("tracestate", &oversized_tracestate),
                ("baggage", &"k=v,".repeat(3000)),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);

    let spans = harness.spans(cases.len() + 1).await;
    let (continued, fresh): (Vec<_>, Vec<_>) = spans
        .iter()
        .partition(|span| span.span_context.trace_id() == TraceId::from_hex(TRACE_ID).unwrap());
    assert_eq!(continued.len(), 1);
    assert_eq!(continued[0].span_context.trace_state().header(), "");
    for span in fresh {
        assert_eq!(span.parent_span_id, SpanId::INVALID, "a new trace");
    }
}

#[tokio::test]
async fn without_a_sentry_client_the_span_still_records_the_exception() {
    let harness = common::serve_with(app(), None, |layer| layer).await;
    assert_eq!(harness.get("/pay").await.status(), 500);
    let span = harness.server_span().await;
    assert_eq!(
        event_attribute(&span, "exception", "exception.message"),
        string("payment failed")
    );
    assert!(matches!(span.status, Status::Error { .. }));
    assert_eq!(attribute(&span, "sentry.event_id"), None);
    assert_eq!(attribute(&span, "sentry.event_url"), None);
}

#[tokio::test]
async fn events_captured_in_the_handler_carry_the_request_ids() {
    let harness = common::serve(app(), |layer| layer).await;
    let response = harness
        .get_with(
            "/capture",
            &[
                ("traceparent", &format!("00-{TRACE_ID}-{PARENT_ID}-01")),
                ("authorization", "Bearer secret"),
                ("x-request-id", "r-1"),
            ],
        )
        .await;
    assert_eq!(response.text().await.unwrap(), TRACE_ID);
    let span = harness.server_span().await;
    let events = harness.events();
    assert_eq!(events.len(), 1);
    let (trace_id, span_id, parent, _) = trace_context(&events[0]);
    assert_eq!(trace_id, TRACE_ID);
    assert_eq!(span_id, span.span_context.span_id().to_string());
    assert_eq!(parent.as_deref(), Some(PARENT_ID));
    let headers = &events[0].request.as_ref().unwrap().headers;
    assert_eq!(headers.get("x-request-id").map(String::as_str), Some("r-1"));
    assert!(
        !headers.contains_key("authorization"),
        "credentials are scrubbed: {headers:?}"
    );
    assert_eq!(span.status, Status::Unset, "capturing is not failing");
}

#[tokio::test]
async fn send_default_pii_keeps_credentials_and_the_client_address() {
    let harness = common::serve_with(
        app(),
        Some(sentry_options().send_default_pii(true)),
        |layer| layer,
    )
    .await;
    harness
        .get_with("/capture", &[("authorization", "Bearer secret")])
        .await;
    let events = harness.events();
    let request = events[0].request.as_ref().unwrap();
    assert_eq!(
        request.headers.get("authorization").map(String::as_str),
        Some("Bearer secret")
    );
    assert_eq!(
        request.env.get("REMOTE_ADDR").map(String::as_str),
        Some("127.0.0.1")
    );
}

#[tokio::test]
async fn responses_can_carry_the_server_span_and_the_event_id() {
    let harness = common::serve(app(), |layer| {
        layer.response_traceparent(true).response_event_id(true)
    })
    .await;
    let response = harness
        .get_with(
            "/fail",
            &[("traceparent", &format!("00-{TRACE_ID}-{PARENT_ID}-01"))],
        )
        .await;
    let traceparent = header(&response, "traceparent");
    let event_id = header(&response, SENTRY_EVENT_ID_HEADER);
    assert!(
        response.headers().get("tracestate").is_none(),
        "never an empty tracestate"
    );
    let span = harness.server_span().await;
    assert_eq!(
        traceparent,
        format!("00-{TRACE_ID}-{}-01", span.span_context.span_id()),
        "our span, never the caller's"
    );
    assert_eq!(event_id, harness.events()[0].event_id.simple().to_string());

    let ok = harness
        .get_with(
            "/users/1",
            &[
                ("traceparent", &format!("00-{TRACE_ID}-{PARENT_ID}-01")),
                ("tracestate", "rojo=1"),
            ],
        )
        .await;
    assert_eq!(ok.headers()["tracestate"], "rojo=1");
    assert!(ok.headers().get(SENTRY_EVENT_ID_HEADER).is_none());
}

#[tokio::test]
async fn request_trace_extractor_hands_the_handler_its_traceparent() {
    let harness = common::serve(app(), |layer| layer).await;
    let traceparent = harness.get("/trace").await.text().await.unwrap();
    let span = harness.server_span().await;
    assert_eq!(
        traceparent,
        format!(
            "00-{}-{}-01",
            span.span_context.trace_id(),
            span.span_context.span_id()
        )
    );
}

#[tokio::test]
async fn unknown_methods_are_recorded_as_other() {
    let harness = common::serve(app(), |layer| layer).await;
    let method = reqwest::Method::from_bytes(b"PURGE").unwrap();
    let response = harness
        .client
        .request(method, harness.url("/users/1"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    let span = harness.server_span().await;
    assert_eq!(span.name, "HTTP /users/{id}");
    assert_eq!(attribute(&span, "http.request.method"), string("_OTHER"));
    assert_eq!(
        attribute(&span, "http.request.method_original"),
        string("PURGE")
    );
}

#[tokio::test]
async fn client_disconnect_mid_body_is_recorded_without_a_sentry_event() {
    let harness = common::serve(app(), |layer| layer).await;
    let mut response = harness.get("/endless").await;
    assert!(response.chunk().await.unwrap().is_some());
    drop(response);
    let span = harness.server_span().await;
    assert_eq!(attribute(&span, "error.type"), string("client_disconnect"));
    assert!(matches!(span.status, Status::Error { .. }));
    assert!(
        span.events
            .iter()
            .any(|event| event.name == "client_disconnect")
    );
    assert!(
        harness.events().is_empty(),
        "a client going away is not an application failure"
    );
}

#[tokio::test]
async fn head_request_ends_with_its_response_head() {
    let harness = common::serve(app(), |layer| layer).await;
    let response = harness
        .client
        .head(harness.url("/users/1"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let span = harness.server_span().await;
    assert_eq!(span.status, Status::Unset);
    assert_eq!(attribute(&span, "error.type"), None);
}

#[tokio::test]
async fn trusted_proxies_name_the_client_scheme_and_host() {
    let harness = common::serve(app(), |layer| {
        layer.trusted_proxies(otel_sentry_core::TrustedProxies::loopback_and_private())
    })
    .await;
    harness
        .get_with(
            "/users/1",
            &[
                ("x-forwarded-for", "203.0.113.50, 10.1.2.3"),
                ("x-forwarded-proto", "https"),
                ("x-forwarded-host", "shop.example"),
            ],
        )
        .await;
    let span = harness.server_span().await;
    assert_eq!(attribute(&span, "client.address"), string("203.0.113.50"));
    assert_eq!(attribute(&span, "url.scheme"), string("https"));
    assert_eq!(attribute(&span, "server.address"), string("shop.example"));
    assert_eq!(attribute(&span, "server.port"), Some(Value::I64(443)));
}

#[tokio::test]
async fn forwarding_headers_are_ignored_by_default() {
    let harness = common::serve(app(), |layer| layer).await;
    harness
        .get_with("/users/1", &[("x-forwarded-for", "203.0.113.50")])
        .await;
    let span = harness.server_span().await;
    assert_eq!(attribute(&span, "client.address"), string("127.0.0.1"));
}

#[tokio::test]
async fn trace_started_by_a_sentry_sdk_continues() {
    let harness = common::serve(app(), |layer| layer).await;
    harness
        .get_with(
            "/capture",
            &[("sentry-trace", &format!("{TRACE_ID}-{PARENT_ID}"))],
        )
        .await;
    let span = harness.server_span().await;
    assert_eq!(
        span.span_context.trace_id(),
        TraceId::from_hex(TRACE_ID).unwrap()
    );
    assert_eq!(span.parent_span_id, SpanId::from_hex(PARENT_ID).unwrap());
    assert!(
        span.span_context.is_sampled(),
        "a deferred decision is recorded"
    );
    let (trace_id, _, parent, _) = trace_context(&harness.events()[0]);
    assert_eq!(
        (trace_id.as_str(), parent.as_deref()),
        (TRACE_ID, Some(PARENT_ID))
    );
}

#[tokio::test]
async fn client_leaving_before_the_response_is_recorded_as_a_disconnect() {
    let harness = common::serve(app(), |layer| layer).await;
    let result = harness
        .client
        .get(harness.url("/slow"))
        .timeout(Duration::from_millis(100))
        .send()
        .await;
    assert!(result.unwrap_err().is_timeout());
    let span = harness.server_span().await;
    assert_eq!(attribute(&span, "error.type"), string("client_disconnect"));
    assert_eq!(attribute(&span, "http.response.status_code"), None);
    assert!(harness.events().is_empty());
}

#[tokio::test]
async fn an_unsampled_caller_is_followed_and_its_events_still_carry_ids() {
    let harness = common::serve(app(), |layer| layer.response_traceparent(true)).await;
    let response = harness
        .get_with(
            "/fail",
            &[("traceparent", &format!("00-{TRACE_ID}-{PARENT_ID}-00"))],
        )
        .await;
    let traceparent = header(&response, "traceparent");
    assert!(traceparent.starts_with(&format!("00-{TRACE_ID}-")) && traceparent.ends_with("-00"));
    assert!(!traceparent.contains(PARENT_ID));
    let events = harness.events();
    let (trace_id, span_id, parent, _) = trace_context(&events[0]);
    assert_eq!(
        (trace_id.as_str(), parent.as_deref()),
        (TRACE_ID, Some(PARENT_ID))
    );
    assert_eq!(traceparent, format!("00-{TRACE_ID}-{span_id}-00"));
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        harness.exporter.get_finished_spans().unwrap().is_empty(),
        "not sampled: not exported"
    );
}

#[tokio::test]
async fn a_custom_failure_policy_decides() {
    let harness = common::serve(app(), |layer| {
        layer.failure_policy(|response: &otel_sentry_core::ResponseSummary<'_>| {
            response.route != Some("/health") && (response.status >= 500 || response.status == 429)
        })
    })
    .await;
    assert_eq!(harness.get("/too-many").await.status(), 429);
    assert_eq!(harness.get("/health").await.status(), 503);
    let spans = harness.spans(2).await;
    let too_many = spans
        .iter()
        .find(|span| span.name == "GET /too-many")
        .unwrap();
    let health = spans
        .iter()
        .find(|span| span.name == "GET /health")
        .unwrap();
    assert!(matches!(too_many.status, Status::Error { .. }));
    assert_eq!(health.status, Status::Unset);
    let events = harness.events();
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].message.as_deref(),
        Some("GET /too-many responded 429")
    );
}

#[tokio::test]
async fn an_event_sentry_drops_leaves_no_event_id() {
    let options = sentry_options().before_send(|_| None);
    let harness =
        common::serve_with(app(), Some(options), |layer| layer.response_event_id(true)).await;
    let response = harness.get("/pay").await;
    assert!(response.headers().get(SENTRY_EVENT_ID_HEADER).is_none());
    let span = harness.server_span().await;
    assert!(matches!(span.status, Status::Error { .. }));
    assert_eq!(attribute(&span, "sentry.event_id"), None);
    assert_eq!(attribute(&span, "sentry.event_url"), None);
}

#[tokio::test]
async fn a_panic_while_streaming_the_body_is_recorded_and_the_server_keeps_serving() {
    let harness = common::serve(app(), |layer| layer).await;
    if let Ok(response) = harness.client.get(harness.url("/body-panic")).send().await {
        assert!(
            response.bytes().await.is_err(),
            "the client sees a broken body"
        );
    }
    let span = harness.server_span().await;
    assert_eq!(
        event_attribute(&span, "exception", "exception.message"),
        string("the body exploded")
    );
    assert_eq!(
        event_attribute(&span, "exception", "exception.escaped"),
        Some(Value::Bool(true))
    );
    assert_eq!(harness.events().len(), 1);
    assert_eq!(harness.get("/users/1").await.status(), 200);
}

#[tokio::test]
async fn a_body_of_announced_length_or_with_trailers_ends_cleanly() {
    let harness = common::serve(app(), |layer| layer).await;
    assert_eq!(
        harness.get("/announced").await.text().await.unwrap(),
        "1234567890"
    );
    assert_eq!(harness.get("/trailers").await.text().await.unwrap(), "data");
    for span in harness.spans(2).await {
        assert_eq!(span.status, Status::Unset, "{}", span.name);
        assert_eq!(attribute(&span, "error.type"), None, "{}", span.name);
    }
}

#[tokio::test]
async fn cookies_reach_sentry_only_with_send_default_pii() {
    let harness = common::serve(app(), |layer| layer).await;
    harness
        .get_with(
            "/capture",
            &[("cookie", "session=abc"), ("x-session-id", "s-1")],
        )
        .await;
    let request = harness.events()[0].request.clone().unwrap();
    assert!(request.cookies.is_none());
    assert!(
        !request.headers.contains_key("cookie") && !request.headers.contains_key("x-session-id")
    );

    let pii = common::serve_with(
        app(),
        Some(sentry_options().send_default_pii(true)),
        |layer| layer,
    )
    .await;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.append("cookie", "a=1".parse().unwrap());
    headers.append("cookie", "b=2".parse().unwrap());
    pii.client
        .get(pii.url("/capture"))
        .headers(headers)
        .send()
        .await
        .unwrap();
    let request = pii.events()[0].request.clone().unwrap();
    assert_eq!(request.cookies.as_deref(), Some("a=1; b=2"));
}

/// Secrets of Sentry's denylist and of the HTTP conventions, under several spellings.
const SECRET_QUERY: &str =
    "token=t0k3n&Password=hunter2&x-api-key=k3y&client_secret=s3cr3t&page=2&sig=s1g";
const REDACTED_QUERY: &str = "token=REDACTED&Password=REDACTED&x-api-key=REDACTED\
     &client_secret=REDACTED&page=2&sig=REDACTED";

#[tokio::test]
async fn secrets_in_the_query_reach_neither_the_span_nor_the_event() {
    let harness = common::serve(app(), |layer| layer).await;
    assert_eq!(
        harness.get(&format!("/fail?{SECRET_QUERY}")).await.status(),
        503
    );
    let span = harness.server_span().await;
    assert_eq!(attribute(&span, "url.query"), string(REDACTED_QUERY));
    let events = harness.events();
    let request = events[0].request.as_ref().unwrap();
    assert_eq!(request.query_string.as_deref(), Some(REDACTED_QUERY));
    assert_eq!(request.url.as_ref().unwrap().query(), Some(REDACTED_QUERY));
    let recorded = format!("{:?} {:?}", span.attributes, events[0]);
    for secret in ["t0k3n", "hunter2", "k3y", "s3cr3t", "s1g"] {
        assert!(!recorded.contains(secret), "{secret} leaked: {recorded}");
    }
}

#[tokio::test]
async fn oversized_request_headers_are_capped_in_the_event() {
    let harness = common::serve(app(), |layer| layer).await;
    let response = harness
        .client
        .get(harness.url("/fail"))
        .headers(otel_sentry_test_support::oversized_headers(TRACE_ID))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    let span = harness.server_span().await;
    assert_eq!(
        span.span_context.trace_id(),
        TraceId::from_hex(TRACE_ID).unwrap()
    );
    let events = harness.events();
    assert_eq!(events.len(), 1);
    assert_eq!(trace_context(&events[0]).0, TRACE_ID);
    let request = events[0].request.as_ref().unwrap();
    otel_sentry_test_support::assert_headers_capped(&request.headers);
    let size = format!("{:?}", events[0]).len();
    assert!(size < 32 * 1024, "an event of {size} bytes");
}

#[tokio::test]
async fn a_half_closed_client_axum_serve_never_answers_is_recorded_as_a_disconnect() {
    // hyper's default (`axum::serve`): a read EOF closes the connection and drops the
    // response in flight, so the client really got nothing.
    let harness = common::serve(app(), |layer| layer).await;
    let received = otel_sentry_test_support::half_closed_get(&harness.base, "/brief").await;
    assert_eq!(received, "", "hyper answered a half-closed client");
    let span = harness.server_span().await;
    assert_eq!(attribute(&span, "error.type"), string("client_disconnect"));
    assert_eq!(attribute(&span, "http.response.status_code"), None);
    assert!(harness.events().is_empty());
}

#[tokio::test]
async fn a_half_closed_client_that_is_answered_is_a_plain_200_as_on_actix() {
    let harness = common::serve_half_closing(app()).await;
    for (path, body) in [("/brief", "brief"), ("/stream", "6\r\nfirst \r\n4\r\nlast")] {
        let received = otel_sentry_test_support::half_closed_get(&harness.base, path).await;
        assert!(received.starts_with("HTTP/1.1 200 OK\r\n"), "{received}");
        assert!(received.contains(body), "{path}: {received}");
        let span = harness.server_span().await;
        harness.exporter.reset();
        assert_eq!(attribute(&span, "error.type"), None, "{path}");
        assert_eq!(span.status, Status::Unset, "{path}");
        assert_eq!(
            attribute(&span, "http.response.status_code"),
            Some(Value::I64(200))
        );
    }
    assert!(harness.events().is_empty());
}
