//! The windowed deduplication transport in front of sentry's test transport: which event
//! goes out for a trace, what it says about the others, what passes straight through, and
//! that nothing held is lost to a cap, a flush or a shutdown. The delivery tests at the end
//! send through sentry's real HTTP transport to an [`EnvelopeReceiver`], an HTTP server on
//! 127.0.0.1 standing in for Sentry's ingestion, and count what arrives.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use otel_sentry_core::CascadeWindow;
use otel_sentry_core::names::CASCADE_ROOT_TAG;
use otel_sentry_core::names::{CASCADING_ERRORS, CASCADING_ERRORS_SUPPRESSED};
use otel_sentry_test_support::{EnvelopeReceiver, RunningReceiver};
use sentry_core::protocol::{
    Attachment, Context, Envelope, EnvelopeItem, Event, Exception, Level, SessionAttributes,
    SessionStatus, SessionUpdate, SpanId, TraceContext, TraceId, Transaction, Value,
};
use sentry_core::test::TestTransport;
use sentry_core::{Hub, Transport};

/// Long enough that no window closes while a test runs, unless the test wants it to.
const NEVER: Duration = Duration::from_secs(600);

fn trace_id(n: u8) -> TraceId {
    TraceId::from([n; 16])
}

fn span_id(n: u8) -> SpanId {
    SpanId::from([n; 8])
}

/// An error event of type `ty` on span `span` (child of `parent`) of trace `trace`,
/// `age_ms` milliseconds old.
fn error_event(trace: u8, span: u8, parent: Option<u8>, ty: &str, age_ms: u64) -> Event<'static> {
    let mut event = Event {
        event_id: sentry_core::types::random_uuid(),
        timestamp: SystemTime::now() - Duration::from_millis(age_ms),
        ..Event::default()
    };
    event.exception.values.push(Exception {
        ty: ty.to_owned(),
        value: Some(format!("{ty} happened")),
        ..Exception::default()
    });
    let trace = TraceContext {
        trace_id: trace_id(trace),
        span_id: span_id(span),
        parent_span_id: parent.map(span_id),
        ..TraceContext::default()
    };
    event
        .contexts
        .insert("trace".to_owned(), Context::Trace(Box::new(trace)));
    event
}

fn window(duration: Duration) -> (Arc<TestTransport>, otel_sentry_core::CascadeWindowTransport) {
    let inner = TestTransport::new();
    let transport = CascadeWindow::new()
        .window(duration)
        .wrap_transport(inner.clone());
    (inner, transport)
}

fn send(transport: &impl Transport, event: &Event<'static>) {
    transport.send_envelope(Envelope::from(event.clone()));
}

fn exception_type<'a>(event: &'a Event<'static>) -> &'a str {
    &event.exception.values[0].ty
}

fn suppressed_count(event: &Event<'static>) -> Option<u64> {
    event.extra.get(CASCADING_ERRORS_SUPPRESSED)?.as_u64()
}

fn summary(event: &Event<'static>) -> Vec<Value> {
    match event.extra.get(CASCADING_ERRORS) {
        Some(Value::Array(entries)) => entries.clone(),
        _ => Vec::new(),
    }
}

#[test]
fn the_deepest_span_is_the_root_cause_even_when_it_is_not_the_earliest() {
    let (inner, transport) = window(NEVER);
    let gateway = error_event(1, 1, None, "GatewayError", 30);
    let orders = error_event(1, 2, Some(1), "OrdersError", 20);
    let payments = error_event(1, 3, Some(2), "PaymentDeclined", 10);
    for event in [&gateway, &orders, &payments] {
        send(&transport, event);
    }
    assert!(
        inner.fetch_and_clear_envelopes().is_empty(),
        "held for the window"
    );
    assert_eq!(transport.events_held(), 3);

    assert!(transport.flush(Duration::from_secs(1)));
    let events = inner.fetch_and_clear_events();
    assert_eq!(events.len(), 1);
    let root = &events[0];
    assert_eq!(root.event_id, payments.event_id);
    assert_eq!(exception_type(root), "PaymentDeclined");
    assert_eq!(suppressed_count(root), Some(2));
    let summary = summary(root);
    assert_eq!(summary.len(), 2);
    assert_eq!(summary[0]["type"], "GatewayError", "in capture order");
    assert_eq!(summary[0]["message"], "GatewayError happened");
    assert_eq!(summary[0]["span_id"], span_id(1).to_string());
    assert_eq!(
        summary[0]["event_id"],
        gateway.event_id.simple().to_string()
    );
    assert_eq!(summary[1]["type"], "OrdersError");
    assert_eq!(transport.events_held(), 0);
}

#[test]
fn an_event_named_as_cascade_root_is_deeper_than_the_event_naming_it() {
    let (inner, transport) = window(NEVER);
    let root = error_event(2, 7, None, "Root", 5);
    let mut cascade = error_event(2, 8, None, "Cascade", 50);
    cascade.tags.insert(
        CASCADE_ROOT_TAG.to_owned(),
        root.event_id.simple().to_string(),
    );
    send(&transport, &cascade);
    send(&transport, &root);
    transport.flush(Duration::from_secs(1));
    let events = inner.fetch_and_clear_events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].event_id, root.event_id);
    assert_eq!(suppressed_count(&events[0]), Some(1));
}

#[test]
fn among_unrelated_spans_the_earliest_is_the_root_cause() {
    let (inner, transport) = window(NEVER);
    let later = error_event(3, 1, None, "Later", 10);
    let earlier = error_event(3, 2, Some(9), "Earlier", 500);
    send(&transport, &later);
    send(&transport, &earlier);
    transport.flush(Duration::from_secs(1));
    let events = inner.fetch_and_clear_events();
    assert_eq!(events.len(), 1);
    assert_eq!(exception_type(&events[0]), "Earlier");
    assert_eq!(summary(&events[0])[0]["type"], "Later");
}

#[test]
fn traces_are_decided_apart_and_a_lone_event_goes_out_unchanged() {
    let (inner, transport) = window(NEVER);
    let first = error_event(4, 1, None, "First", 0);
    let second = error_event(5, 1, None, "Second", 0);
    send(&transport, &first);
    send(&transport, &second);
    assert_eq!(transport.traces_held(), 2);
    transport.flush(Duration::from_secs(1));
    let mut events = inner.fetch_and_clear_events();
    events.sort_by_key(|event| exception_type(event).to_owned());
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].event_id, first.event_id);
    assert_eq!(events[0], first, "nothing added to a trace's only event");
    assert_eq!(events[1].event_id, second.event_id);
}

#[test]
fn a_window_closes_by_itself() {
    let (inner, transport) = window(Duration::from_millis(100));
    send(&transport, &error_event(6, 1, None, "Root", 10));
    send(&transport, &error_event(6, 2, Some(1), "Deeper", 0));
    let deadline = Instant::now() + Duration::from_secs(10);
    let events = loop {
        let events = inner.fetch_and_clear_events();
        if !events.is_empty() || Instant::now() > deadline {
            break events;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(events.len(), 1, "one event once the window closed");
    assert_eq!(exception_type(&events[0]), "Deeper");
    assert_eq!(suppressed_count(&events[0]), Some(1));
    assert_eq!(transport.traces_held(), 0);
}

#[test]
fn everything_but_error_events_with_a_trace_passes_at_once() {
    let (inner, transport) = window(NEVER);

    let transaction = Transaction {
        name: Some("GET /orders".to_owned()),
        ..Transaction::default()
    };
    transport.send_envelope(Envelope::from(transaction));

    let mut warning = error_event(7, 1, None, "Slow", 0);
    warning.level = Level::Warning;
    send(&transport, &warning);

    let mut traceless = error_event(7, 1, None, "NoTrace", 0);
    traceless.contexts.clear();
    send(&transport, &traceless);

    // An error event sent with its session: the session goes on, the event is held.
    let mut with_session = Envelope::from(error_event(8, 1, None, "Held", 0));
    with_session.add_item(SessionUpdate {
        session_id: sentry_core::types::random_uuid(),
        distinct_id: None,
        sequence: None,
        timestamp: None,
        started: SystemTime::now(),
        init: true,
        duration: None,
        status: SessionStatus::Crashed,
        errors: 1,
        attributes: SessionAttributes {
            release: "demo@1".into(),
            environment: None,
            ip_address: None,
            user_agent: None,
        },
    });
    transport.send_envelope(with_session);

    let envelopes = inner.fetch_and_clear_envelopes();
    assert_eq!(
        envelopes.len(),
        4,
        "transaction, warning, traceless event, session"
    );
    let kinds: Vec<&str> = envelopes
        .iter()
        .flat_map(|envelope| envelope.items())
        .map(|item| match item {
            EnvelopeItem::Transaction(_) => "transaction",
            EnvelopeItem::Event(event) => {
                if event.level == Level::Warning {
                    "warning"
                } else {
                    "traceless"
                }
            }
            EnvelopeItem::SessionUpdate(_) => "session",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["transaction", "warning", "traceless", "session"]);
    assert_eq!(transport.events_held(), 1);
}

#[test]
fn attachments_of_suppressed_events_travel_with_the_root_cause() {
    let (inner, transport) = window(NEVER);
    for (span, parent, ty) in [(1, None, "Top"), (2, Some(1), "Bottom")] {
        let mut envelope = Envelope::from(error_event(9, span, parent, ty, 0));
        envelope.add_item(Attachment {
            buffer: ty.as_bytes().to_vec(),
            filename: format!("{ty}.txt"),
            ..Attachment::default()
        });
        transport.send_envelope(envelope);
    }
    transport.flush(Duration::from_secs(1));
    let envelopes = inner.fetch_and_clear_envelopes();
    assert_eq!(envelopes.len(), 1);
    let names: Vec<String> = envelopes[0]
        .items()
        .filter_map(|item| match item {
            EnvelopeItem::Attachment(attachment) => Some(attachment.filename.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(names, ["Bottom.txt", "Top.txt"]);
    assert_eq!(
        exception_type(envelopes[0].event().expect("event")),
        "Bottom"
    );
}

#[test]
fn past_the_trace_cap_the_oldest_trace_is_decided_at_once() {
    let inner = TestTransport::new();
    let transport = CascadeWindow::new()
        .window(NEVER)
        .max_traces(2)
        .wrap_transport(inner.clone());
    send(&transport, &error_event(10, 1, None, "A", 0));
    send(&transport, &error_event(10, 2, Some(1), "A-deeper", 0));
    send(&transport, &error_event(11, 1, None, "B", 0));
    assert!(inner.fetch_and_clear_events().is_empty());

    send(&transport, &error_event(12, 1, None, "C", 0));
    let early = inner.fetch_and_clear_events();
    assert_eq!(early.len(), 1, "the oldest trace went out, deduplicated");
    assert_eq!(exception_type(&early[0]), "A-deeper");
    assert_eq!(suppressed_count(&early[0]), Some(1));
    assert_eq!(transport.traces_held(), 2);

    transport.flush(Duration::from_secs(1));
    let mut rest: Vec<String> = inner
        .fetch_and_clear_events()
        .iter()
        .map(|event| exception_type(event).to_owned())
        .collect();
    rest.sort();
    assert_eq!(rest, ["B", "C"]);
}

#[test]
fn past_the_event_cap_an_event_is_forwarded_unchanged() {
    let inner = TestTransport::new();
    let transport = CascadeWindow::new()
        .window(NEVER)
        .max_events_per_trace(2)
        .wrap_transport(inner.clone());
    send(&transport, &error_event(13, 1, None, "One", 0));
    send(&transport, &error_event(13, 2, Some(1), "Two", 0));
    let third = error_event(13, 3, Some(2), "Three", 0);
    send(&transport, &third);
    let at_once = inner.fetch_and_clear_events();
    assert_eq!(at_once, [third], "forwarded as it is");

    transport.flush(Duration::from_secs(1));
    let decided = inner.fetch_and_clear_events();
    assert_eq!(decided.len(), 1);
    assert_eq!(exception_type(&decided[0]), "Two");
    assert_eq!(suppressed_count(&decided[0]), Some(1));
}

#[test]
fn closing_the_client_forwards_everything_held() {
    let inner = TestTransport::new();
    let mut options = sentry_core::ClientOptions::default();
    options.dsn = "https://public@sentry.invalid/1".parse().ok();
    options.transport = Some(CascadeWindow::new().window(NEVER).wrap(inner.clone()));
    let client = Arc::new(sentry_core::Client::from(options));
    let hub = Hub::new(Some(client.clone()), Default::default());

    for trace in 20..30 {
        hub.capture_event(error_event(trace, 1, None, "Held", 0));
    }
    assert!(inner.fetch_and_clear_events().is_empty());

    assert!(client.close(Some(Duration::from_secs(2))));
    assert_eq!(
        inner.fetch_and_clear_events().len(),
        10,
        "nothing lost at shutdown"
    );
}

#[test]
fn dropping_the_transport_forwards_everything_held() {
    let (inner, transport) = window(NEVER);
    send(&transport, &error_event(31, 1, None, "Held", 0));
    drop(transport);
    assert_eq!(inner.fetch_and_clear_events().len(), 1);
}

#[test]
fn after_shutdown_events_pass_straight_through() {
    let (inner, transport) = window(NEVER);
    transport.shutdown(Duration::from_secs(1));
    send(&transport, &error_event(32, 1, None, "Late", 0));
    assert_eq!(inner.fetch_and_clear_events().len(), 1);
}

/// A client whose events go through a window of `window` around sentry's real HTTP
/// transport (reqwest, its default 30-envelope queue that discards on overflow) to
/// `receiver`, an HTTP server on 127.0.0.1 standing in for Sentry's ingestion.
fn client_to(receiver: &RunningReceiver, window: Duration) -> Arc<sentry_core::Client> {
    let mut options = sentry_core::ClientOptions::default();
    options.dsn = receiver.dsn().parse().ok();
    options.transport = Some(
        CascadeWindow::new()
            .window(window)
            .wrap(sentry::transports::DefaultTransportFactory),
    );
    Arc::new(sentry_core::Client::from(options))
}

/// Captures one error event on each of `traces` traces, as fast as it can.
fn capture_on_traces(client: &Arc<sentry_core::Client>, traces: u16) {
    let hub = Hub::new(Some(client.clone()), Default::default());
    for n in 0..traces {
        let mut event = error_event(0, 1, None, "Burst", 0);
        let mut id = [0xab; 16];
        id[..2].copy_from_slice(&n.to_be_bytes());
        if let Some(Context::Trace(trace)) = event.contexts.get_mut("trace") {
            trace.trace_id = TraceId::from(id);
        }
        hub.capture_event(event);
    }
}

#[test]
fn a_thousand_events_held_at_shutdown_all_reach_sentry_through_its_http_transport() {
    let receiver = EnvelopeReceiver::new().start();
    let client = client_to(&receiver, NEVER);
    capture_on_traces(&client, 1_000);
    assert_eq!(receiver.events(), 0, "held for the window");

    assert!(client.close(Some(Duration::from_secs(30))));
    let (events, discarded) = receiver.wait_for(1_000, Duration::from_secs(10));
    assert_eq!(
        (events, discarded),
        (1_000, 0),
        "every event held, handed over at shutdown without overflowing the 30-slot queue"
    );
}

#[test]
fn events_a_slow_sentry_cannot_take_before_the_shutdown_timeout_are_reported_discarded() {
    let receiver = EnvelopeReceiver::new()
        .answer_after(Duration::from_millis(20))
        .start();
    let client = client_to(&receiver, NEVER);
    capture_on_traces(&client, 1_000);

    let started = Instant::now();
    client.close(Some(Duration::from_secs(2)));
    let closing = started.elapsed();
    let (events, discarded) = receiver.wait_for(1_000, Duration::from_secs(10));
    eprintln!("closed in {closing:?}: {events} events arrived, {discarded} reported discarded");
    assert!(discarded > 0, "at 20 ms an envelope, 2 s cannot take 1,000");
    assert_eq!(
        events + discarded,
        1_000,
        "each event arrived or is counted in a client report"
    );
}

#[test]
fn a_burst_of_a_thousand_failing_traces_all_arrive_when_their_windows_close() {
    let receiver = EnvelopeReceiver::new().start();
    let client = client_to(&receiver, Duration::from_secs(1));
    let started = Instant::now();
    capture_on_traces(&client, 1_000);
    let captured = started.elapsed();

    // No flush, no shutdown: the windows close by themselves.
    let (events, discarded) = receiver.wait_for(1_000, Duration::from_secs(60));
    eprintln!(
        "captured in {captured:?}; {events} events arrived after {:?}",
        started.elapsed()
    );
    assert_eq!((events, discarded), (1_000, 0));
    client.close(Some(Duration::from_secs(2)));
}
