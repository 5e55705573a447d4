//! sentry-actix's `Sentry` middleware (with transactions, `capture_server_errors(false)`)
//! wrapped outside and inside `Correlation`, on a real actix-web server: Sentry's
//! transaction is in the server span's trace, a failure is one event carrying the span's
//! ids, and an event the handler captures carries them too.

use std::net::TcpListener;

use actix_web::{App, HttpResponse, HttpServer, error, web};
use opentelemetry_sdk::trace::SpanData;
use otel_sentry_actix::Correlation;
use otel_sentry_core::TraceContextIntegration;
use otel_sentry_test_support::conformance::{PARENT_ID, TRACE_ID, trace_context};
use otel_sentry_test_support::{Served, Telemetry, sentry_options};
use sentry_core::protocol::{Context, EnvelopeItem, Event, Transaction};
use sentry_core::{Envelope, Level};

fn routes(config: &mut web::ServiceConfig) {
    config
        .route(
            "/fail",
            web::get()
                .to(|| async { Err::<HttpResponse, _>(error::ErrorInternalServerError("boom")) }),
        )
        .route(
            "/message",
            web::get().to(|| async {
                sentry_core::capture_message("from the handler", Level::Warning);
                HttpResponse::Ok().finish()
            }),
        );
}

/// Serves `routes` with `Correlation` outside `Sentry` (`ours_outside`) or inside it.
fn serve(ours_outside: bool) -> Served {
    // sentry-actix's hub derives from the one it is given, not from the bound one: the
    // integration stamps the events captured through it from the attached context.
    let telemetry = Telemetry::new(Some(
        sentry_options()
            .traces_sample_rate(1.0)
            .add_integration(TraceContextIntegration::new()),
    ));
    let correlation = Correlation::new()
        .tracer(telemetry.tracer())
        .sentry_hub(telemetry.hub.clone());
    let sentry = sentry_actix::Sentry::builder()
        .with_hub(telemetry.hub.clone())
        .start_transaction(true)
        .capture_server_errors(false)
        .finish();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    // The last `wrap` is the outermost.
    macro_rules! run {
        ($inner:expr, $outer:expr) => {{
            let (inner, outer) = ($inner, $outer);
            let server = HttpServer::new(move || {
                App::new()
                    .wrap(inner.clone())
                    .wrap(outer.clone())
                    .configure(routes)
            })
            .workers(1)
            .disable_signals()
            .listen(listener)
            .unwrap()
            .run();
            actix_web::rt::spawn(server);
        }};
    }
    if ours_outside {
        run!(sentry, correlation);
    } else {
        run!(correlation, sentry);
    }
    Served::new(format!("http://{addr}"), telemetry)
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
            EnvelopeItem::Transaction(t) => Some((**t).clone()),
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
    (
        span.span_context.trace_id().to_string(),
        span.span_context.span_id().to_string(),
        span.parent_span_id.to_string(),
    )
}

/// `GET path` with `headers`: the server span's ids, the events (each carrying the span's
/// trace and span ids), and the one transaction's ids (in the span's trace).
async fn request(
    served: &Served,
    path: &str,
    headers: &[(&str, &str)],
) -> (
    (String, String, String),
    Vec<Event<'static>>,
    (String, String, Option<String>),
) {
    served.get_with(path, headers).await;
    let span = ids(&served.telemetry.server_span().await);
    let (events, transactions) = sent(served);
    for event in &events {
        let (trace_id, span_id, ..) = trace_context(event);
        assert_eq!((&trace_id, &span_id), (&span.0, &span.1), "{event:#?}");
    }
    assert_eq!(transactions.len(), 1, "{transactions:#?}");
    let transaction = transaction_ids(&transactions[0]);
    assert_eq!(
        transaction.0, span.0,
        "the transaction is in the span's trace"
    );
    (span, events, transaction)
}

#[actix_web::test]
async fn ours_outside_the_transaction_is_a_child_of_the_server_span() {
    let served = serve(true);
    let (span, events, transaction) = request(&served, "/fail", &[]).await;
    assert_eq!(events.len(), 1, "one event per failure");
    assert_eq!(transaction.2.as_deref(), Some(span.1.as_str()));
}

#[actix_web::test]
async fn ours_outside_an_incoming_traceparent_is_continued_by_both() {
    let served = serve(true);
    let traceparent = format!("00-{TRACE_ID}-{PARENT_ID}-01");
    let (span, events, transaction) =
        request(&served, "/fail", &[("traceparent", &traceparent)]).await;
    assert_eq!(events.len(), 1, "one event per failure");
    assert_eq!((span.0.as_str(), span.2.as_str()), (TRACE_ID, PARENT_ID));
    assert_eq!(transaction.2.as_deref(), Some(span.1.as_str()));
}

#[actix_web::test]
async fn ours_outside_a_handler_event_is_stamped() {
    let served = serve(true);
    let (_, events, _) = request(&served, "/message", &[]).await;
    assert_eq!(events.len(), 1);
}

#[actix_web::test]
async fn ours_inside_the_server_span_is_a_child_of_the_transaction() {
    let served = serve(false);
    let (span, events, transaction) = request(&served, "/fail", &[]).await;
    assert_eq!(events.len(), 1, "one event per failure");
    assert_eq!(span.2, transaction.1);
}

#[actix_web::test]
async fn ours_inside_an_incoming_sentry_trace_is_continued_by_both() {
    let served = serve(false);
    let sentry_trace = format!("{TRACE_ID}-{PARENT_ID}-1");
    let traceparent = format!("00-{TRACE_ID}-{PARENT_ID}-01");
    let (span, events, transaction) = request(
        &served,
        "/fail",
        &[
            ("sentry-trace", &sentry_trace),
            ("traceparent", &traceparent),
        ],
    )
    .await;
    assert_eq!(events.len(), 1, "one event per failure");
    assert_eq!((span.0.as_str(), span.2.as_str()), (TRACE_ID, PARENT_ID));
    assert_eq!(transaction.2.as_deref(), Some(PARENT_ID));
}

#[actix_web::test]
async fn ours_inside_a_handler_event_is_stamped() {
    let served = serve(false);
    let (_, events, _) = request(&served, "/message", &[]).await;
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].tags.get("otel.trace_id"),
        Some(
            &served.telemetry.exporter.get_finished_spans().unwrap()[0]
                .span_context
                .trace_id()
                .to_string()
        )
    );
}
