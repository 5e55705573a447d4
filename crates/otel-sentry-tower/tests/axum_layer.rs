//! `CorrelationLayer` on a real axum server on 127.0.0.1, driven by a real reqwest
//! client: spans from the in-memory exporter, events from Sentry's test transport. The
//! adapter conformance suite (`otel_sentry_test_support::conformance`) runs first; the
//! tests below it are axum's own.

mod common;

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::StatusCode;
use axum::routing::get;
use bytes::Bytes;
use opentelemetry::Value;
use opentelemetry::trace::{SpanId, Status, TraceId};
use otel_sentry_core::CorrelationConfig;
use otel_sentry_core::names::SENTRY_EVENT_ID_HEADER;
use otel_sentry_test_support::conformance::{PARENT_ID, ServeApp, TRACE_ID, trace_context};
use otel_sentry_test_support::{
    CardDeclined, PaymentFailed, Served, Telemetry, attribute, event_attribute, header,
    sentry_options, serve_router, string,
};
use otel_sentry_tower::CorrelationLayer;
use otel_sentry_tower::axum::{ErrorResponse, RequestTrace};
use sentry_core::ClientOptions;
use sentry_core::{Hub, SentryFutureExt};

/// The conformance suite's app on axum.
struct Axum;

impl ServeApp for Axum {
    async fn serve(&self, sentry: Option<ClientOptions>, config: CorrelationConfig) -> Served {
        let telemetry = Telemetry::new(sentry);
        let layer = CorrelationLayer::from_config(
            config
                .tracer(telemetry.tracer())
                .sentry_hub(telemetry.hub.clone()),
        );
        serve_router(app().layer(layer), telemetry).await
    }

    async fn serve_answering_half_closed(&self) -> Served {
        common::serve_half_closing(app()).await
    }
}

otel_sentry_test_support::conformance_suite!(
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    Axum
);

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
            "/capture/{n}",
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

#[tokio::test]
async fn events_captured_in_the_handler_carry_the_request_ids() {
    let harness = common::serve(app(), |layer| layer).await;
    let response = harness
        .get_with(
            "/capture/1",
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
        .get_with("/capture/1", &[("authorization", "Bearer secret")])
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
            "/capture/1",
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
            "/capture/1",
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
        .get(pii.url("/capture/1"))
        .headers(headers)
        .send()
        .await
        .unwrap();
    let request = pii.events()[0].request.clone().unwrap();
    assert_eq!(request.cookies.as_deref(), Some("a=1; b=2"));
}

#[tokio::test]
async fn a_half_closed_client_axum_serve_never_answers_is_recorded_as_a_disconnect() {
    // hyper's default (`axum::serve`) closes the connection when a client half-closes it,
    // dropping the request in flight unanswered. The client shuts its side only once the
    // handler runs: hyper may read an EOF sent with the request and never call the service
    // at all (no request, no span; bare axum did so in 3 of 16 runs), which made this test
    // flaky. The server's runtime is dropped before the span is read, as at a shutdown, so
    // that a request hyper kept would end too.
    let telemetry = Telemetry::new(Some(sentry_options()));
    let (started, handler_started) = std::sync::mpsc::channel::<()>();
    let router = Router::new()
        .route(
            "/held",
            get(move || {
                let started = started.clone();
                async move {
                    let _ = started.send(());
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    "held"
                }
            }),
        )
        .layer(
            CorrelationLayer::new()
                .sentry_hub(telemetry.hub.clone())
                .tracer(telemetry.tracer()),
        );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            tokio::select! {
                served = axum::serve(listener, router) => served.unwrap(),
                _ = stopped => {}
            }
        });
        // Every task goes with the runtime: hyper's connections and what they hold.
        drop(runtime);
    });

    let received = tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(2)))
            .unwrap();
        stream
            .write_all(b"GET /held HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            .unwrap();
        handler_started
            .recv_timeout(Duration::from_secs(5))
            .expect("the handler runs");
        stream.shutdown(std::net::Shutdown::Write).unwrap();
        let mut received = Vec::new();
        // A reset or the timeout ends the answer too: what arrived is what counts.
        let _ = stream.read_to_end(&mut received);
        String::from_utf8_lossy(&received).into_owned()
    })
    .await
    .unwrap();
    assert_eq!(received, "", "hyper answered a half-closed client");
    stop.send(()).unwrap();
    server.join().unwrap();

    let span = telemetry.server_span().await;
    assert_eq!(attribute(&span, "error.type"), string("client_disconnect"));
    assert_eq!(attribute(&span, "http.response.status_code"), None);
    assert!(telemetry.events().is_empty());
}
