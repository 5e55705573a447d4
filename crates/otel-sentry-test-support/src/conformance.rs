//! The adapter conformance suite: what every server adapter promises, written once and run
//! against each (axum in `otel-sentry-tower`, actix-web in `otel-sentry-actix`) on a real
//! 127.0.0.1 server with a real reqwest client.
//!
//! An adapter's test file implements [`ServeApp`] for its framework, serving an app with
//! these routes, and generates one test per behaviour with [`conformance_suite!`](crate::conformance_suite):
//!
//! | route | answers |
//! | --- | --- |
//! | `/users/{id}` | 200 `ok` |
//! | `/fail` | 503 |
//! | `/pay` | 500 from the framework's error type carrying `PaymentFailed::card_declined(51)` |
//! | `/invalid` | 422 from the framework's error type carrying `CardDeclined { code: 14 }` |
//! | `/missing` | 404 |
//! | `/panic` | a panic: `handler exploded` |
//! | `/capture/{n}` | yields once, captures an info message, answers the trace id (from the `RequestTrace` extractor) |
//! | `/spawn` | captures `from a spawned task` in a task that inherits the hub, 200 |
//! | `/trace` | the `RequestTrace` extractor's `traceparent` |
//! | `/brief` | `brief` after 50 ms |
//! | `/stream` | `first `, then `last` 150 ms later |
//! | `/stream-error` | `partial`, then the body fails with `disk gone` |
//! | `/endless` | 16 KiB every 10 ms, 500 times |

use std::collections::HashSet;
use std::future::Future;
use std::time::Duration;

use opentelemetry::Value;
use opentelemetry::trace::{SpanId, SpanKind, Status, TraceId};
use otel_sentry_core::names::SENTRY_EVENT_ID_HEADER;
use otel_sentry_core::{CorrelationConfig, EventLink};
use sentry_core::ClientOptions;
use sentry_core::protocol::{Context as SentryContext, Event};

use crate::{Served, attribute, event_attribute, header, sentry_options, string};

/// The trace id the caller sends.
pub const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
/// The caller's span id.
pub const PARENT_ID: &str = "00f067aa0ba902b7";

/// Serves the suite's app (the routes in the module docs) on one framework.
pub trait ServeApp {
    /// Serves the app behind the adapter configured with `config` plus the telemetry's
    /// tracer and Sentry hub; a Sentry client of `sentry`, or none.
    fn serve(
        &self,
        sentry: Option<ClientOptions>,
        config: CorrelationConfig,
    ) -> impl Future<Output = Served>;

    /// Serves the app on a server that answers a client who half-closed its side of the
    /// connection (HTTP/1.1 allows it), with the default configuration.
    fn serve_answering_half_closed(&self) -> impl Future<Output = Served>;
}

/// Generates one test per behaviour of the suite, each given `$serve` (a [`ServeApp`]) and
/// marked with the test attribute of the framework's runtime.
#[macro_export]
macro_rules! conformance_suite {
    (#[$test:meta] $serve:expr) => {
        $crate::conformance_suite!(@tests #[$test] $serve;
            incoming_traceparent_is_continued_with_span_name_kind_and_attributes,
            server_error_is_one_sentry_event_linked_both_ways,
            handler_error_reaches_sentry_as_the_whole_chain_with_type_names,
            panicking_handler_answers_500_records_an_escaped_exception_and_keeps_serving,
            client_errors_send_no_event_and_leave_the_status_unset,
            streaming_body_ends_the_span_after_the_last_chunk,
            body_error_is_a_failure,
            concurrent_requests_never_share_ids,
            event_from_a_task_that_inherits_the_hub_carries_its_requests_ids,
            malformed_duplicated_and_oversized_trace_headers_start_a_new_trace,
            without_a_sentry_client_the_span_still_records_the_exception,
            request_trace_extractor_hands_the_handler_its_traceparent,
            responses_can_carry_the_server_span_and_the_event_id,
            client_disconnect_mid_body_is_recorded_without_a_sentry_event,
            secrets_in_the_query_reach_neither_the_span_nor_the_event,
            oversized_request_headers_are_capped_in_the_event,
            a_half_closed_client_that_is_answered_is_a_plain_200,
        );
    };
    (@tests #[$test:meta] $serve:expr; $($name:ident),* $(,)?) => {
        $(
            #[$test]
            async fn $name() {
                $crate::conformance::$name(&$serve).await;
            }
        )*
    };
}

/// The app with the default configuration and a Sentry client.
async fn serve_default(server: &impl ServeApp) -> Served {
    server
        .serve(Some(sentry_options()), CorrelationConfig::new())
        .await
}

/// The event's trace context: trace id, span id, parent span id, op.
pub fn trace_context(event: &Event<'static>) -> (String, String, Option<String>, Option<String>) {
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

/// A caller's `traceparent` continues: the span's parent, name, kind and attributes.
pub async fn incoming_traceparent_is_continued_with_span_name_kind_and_attributes(
    server: &impl ServeApp,
) {
    let harness = serve_default(server).await;
    let traceparent = format!("00-{TRACE_ID}-{PARENT_ID}-01");
    let response = harness
        .get_with(
            "/users/7?page=2&sig=s3cret",
            &[
                ("traceparent", &traceparent),
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

/// A 5xx is one Sentry event carrying the span's ids; the span carries the event's id and
/// link.
pub async fn server_error_is_one_sentry_event_linked_both_ways(server: &impl ServeApp) {
    let harness = server
        .serve(
            Some(sentry_options()),
            CorrelationConfig::new()
                .event_link(EventLink::sentry("https://sentry.example.com", "acme")),
        )
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

/// A handler's error reaches Sentry with its source chain and type names, and stays out
/// of the response.
pub async fn handler_error_reaches_sentry_as_the_whole_chain_with_type_names(
    server: &impl ServeApp,
) {
    let harness = serve_default(server).await;
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

/// A panic answers 500, is an escaped exception on the span and one unhandled event, and
/// the server keeps serving.
pub async fn panicking_handler_answers_500_records_an_escaped_exception_and_keeps_serving(
    server: &impl ServeApp,
) {
    let harness = serve_default(server).await;
    let response = harness.get("/panic").await;
    assert_eq!(response.status(), 500);
    let span = harness.server_span().await;
    // On actix-web the routed request went down with the handler: the route is looked up.
    assert_eq!(span.name, "GET /panic");
    assert_eq!(attribute(&span, "http.route"), string("/panic"));
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
    assert_eq!(events[0].transaction.as_deref(), Some("/panic"));
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

/// 4xx (a handler's, an error type's, no route's) send no event and leave the status unset.
pub async fn client_errors_send_no_event_and_leave_the_status_unset(server: &impl ServeApp) {
    let harness = serve_default(server).await;
    assert_eq!(harness.get("/missing").await.status(), 404);
    assert_eq!(harness.get("/invalid").await.status(), 422);
    assert_eq!(harness.get("/no-such-route").await.status(), 404);
    let spans = harness.spans(3).await;
    for span in &spans {
        assert_eq!(span.status, Status::Unset, "{}", span.name);
        assert_eq!(attribute(span, "error.type"), None);
        assert!(span.events.is_empty());
    }
    let unmatched = spans
        .iter()
        .find(|span| attribute(span, "url.path") == string("/no-such-route"))
        .unwrap();
    assert_eq!(
        unmatched.name, "GET",
        "unmatched requests are named by method alone"
    );
    assert_eq!(attribute(unmatched, "http.route"), None);
    assert!(harness.events().is_empty());
}

/// A streamed body's span ends after its last chunk.
pub async fn streaming_body_ends_the_span_after_the_last_chunk(server: &impl ServeApp) {
    let harness = serve_default(server).await;
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

/// A body that fails is a failure: one event, linked from the span.
pub async fn body_error_is_a_failure(server: &impl ServeApp) {
    let harness = serve_default(server).await;
    // The client sees a broken response: at the head or in the body, as the server flushes.
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

/// Twenty requests at once: twenty traces, each event on its own request's span.
pub async fn concurrent_requests_never_share_ids(server: &impl ServeApp) {
    let harness = serve_default(server).await;
    let harness = &harness;
    let requests = (0..20).map(|n| async move {
        let path = format!("/capture/{n}");
        harness.get(&path).await.text().await.unwrap()
    });
    let trace_ids = futures_util::future::join_all(requests).await;
    let distinct: HashSet<&String> = trace_ids.iter().collect();
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
        // Captured before the app answered: on actix-web the route is looked up for it.
        assert_eq!(event.transaction.as_deref(), Some("/capture/{n}"));
        assert_eq!(span.name, "GET /capture/{n}");
    }
}

/// A task spawned with the request's hub captures with the request's ids.
pub async fn event_from_a_task_that_inherits_the_hub_carries_its_requests_ids(
    server: &impl ServeApp,
) {
    let harness = serve_default(server).await;
    assert_eq!(harness.get("/spawn").await.status(), 200);
    let span = harness.server_span().await;
    let events = harness.events();
    assert_eq!(events.len(), 1);
    let (trace_id, span_id, _, _) = trace_context(&events[0]);
    assert_eq!(trace_id, span.span_context.trace_id().to_string());
    assert_eq!(span_id, span.span_context.span_id().to_string());
    assert_eq!(events[0].message.as_deref(), Some("from a spawned task"));
}

/// Bad trace headers never fail the request: a new trace starts; oversized `tracestate`
/// and `baggage` beside a valid `traceparent` are dropped and the trace continues.
pub async fn malformed_duplicated_and_oversized_trace_headers_start_a_new_trace(
    server: &impl ServeApp,
) {
    let harness = serve_default(server).await;
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
    assert_eq!(continued.len(), 1, "only the valid traceparent continues");
    assert_eq!(continued[0].span_context.trace_state().header(), "");
    for span in fresh {
        assert_eq!(span.parent_span_id, SpanId::INVALID, "a new trace");
    }
}

/// Without a Sentry client the span still records the exception, and no event id.
pub async fn without_a_sentry_client_the_span_still_records_the_exception(server: &impl ServeApp) {
    let harness = server.serve(None, CorrelationConfig::new()).await;
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

/// The `RequestTrace` extractor hands the handler the server span's `traceparent`.
pub async fn request_trace_extractor_hands_the_handler_its_traceparent(server: &impl ServeApp) {
    let harness = serve_default(server).await;
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

/// With the options on, responses carry the server span's `traceparent` and a failure's
/// event id; the 500 answering a panic too.
pub async fn responses_can_carry_the_server_span_and_the_event_id(server: &impl ServeApp) {
    let harness = server
        .serve(
            Some(sentry_options()),
            CorrelationConfig::new()
                .response_traceparent(true)
                .response_event_id(true),
        )
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
    harness.exporter.reset();
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

    let panicked = harness.get("/panic").await;
    assert_eq!(panicked.status(), 500);
    assert!(panicked.headers().contains_key("traceparent"));
    let event_id = header(&panicked, SENTRY_EVENT_ID_HEADER);
    assert_eq!(event_id, harness.events()[0].event_id.simple().to_string());
}

/// A client that goes away mid-body: `client_disconnect` on the span, no Sentry event.
pub async fn client_disconnect_mid_body_is_recorded_without_a_sentry_event(server: &impl ServeApp) {
    let harness = serve_default(server).await;
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

/// Secrets of Sentry's denylist and of the HTTP conventions, under several spellings.
const SECRET_QUERY: &str =
    "token=t0k3n&Password=hunter2&x-api-key=k3y&client_secret=s3cr3t&page=2&sig=s1g";
const REDACTED_QUERY: &str = "token=REDACTED&Password=REDACTED&x-api-key=REDACTED\
     &client_secret=REDACTED&page=2&sig=REDACTED";

/// Secrets in the query reach neither the span nor the event.
pub async fn secrets_in_the_query_reach_neither_the_span_nor_the_event(server: &impl ServeApp) {
    let harness = serve_default(server).await;
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

/// Oversized request headers are capped in the event; the trace still continues.
pub async fn oversized_request_headers_are_capped_in_the_event(server: &impl ServeApp) {
    let harness = serve_default(server).await;
    let response = harness
        .client
        .get(harness.url("/fail"))
        .headers(crate::oversized_headers(TRACE_ID))
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
    crate::assert_headers_capped(&request.headers);
    let size = format!("{:?}", events[0]).len();
    assert!(size < 32 * 1024, "an event of {size} bytes");
}

/// A client that shut its sending side and is still answered gets a plain 200, recorded
/// as one.
pub async fn a_half_closed_client_that_is_answered_is_a_plain_200(server: &impl ServeApp) {
    let harness = server.serve_answering_half_closed().await;
    for (path, body) in [("/brief", "brief"), ("/stream", "6\r\nfirst \r\n4\r\nlast")] {
        let received = crate::half_closed_get(&harness.base, path).await;
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
