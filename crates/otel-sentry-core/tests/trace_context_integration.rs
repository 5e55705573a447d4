//! `TraceContextIntegration`: events captured outside requests (a background job) carry
//! the ids of the OpenTelemetry context active where they are captured.

use std::sync::Arc;

use opentelemetry::Context;
use opentelemetry::trace::{TraceContextExt, Tracer, TracerProvider as _};
use opentelemetry_sdk::trace::SdkTracerProvider;
use otel_sentry_core::TraceContextIntegration;
use sentry_core::protocol::{Context as SentryContext, Event};
use sentry_core::test::TestTransport;
use sentry_core::{ClientOptions, Hub, Level};

fn hub() -> (Arc<Hub>, Arc<TestTransport>) {
    let transport = TestTransport::new();
    let mut options = ClientOptions::new()
        .dsn("https://public@sentry.invalid/1")
        .add_integration(TraceContextIntegration::new());
    options.transport = Some(Arc::new(transport.clone()));
    let hub = Hub::new(Some(Arc::new(options.into())), Arc::new(Default::default()));
    (Arc::new(hub), transport)
}

fn trace_ids(event: &Event<'static>) -> Option<(String, String)> {
    match event.contexts.get("trace") {
        Some(SentryContext::Trace(trace)) => {
            Some((trace.trace_id.to_string(), trace.span_id.to_string()))
        }
        _ => None,
    }
}

#[test]
fn background_job_events_carry_the_active_span_ids() {
    let (hub, transport) = hub();
    let provider = SdkTracerProvider::builder().build();
    let span = provider.tracer("jobs").start("nightly-report");
    let cx = Context::new().with_span(span);
    let expected = (
        cx.span().span_context().trace_id().to_string(),
        cx.span().span_context().span_id().to_string(),
    );
    {
        let _attached = cx.clone().attach();
        hub.capture_message("report failed", Level::Error);
    }
    let events = transport.fetch_and_clear_events();
    assert_eq!(trace_ids(&events[0]), Some(expected.clone()));
    assert_eq!(events[0].tags.get("otel.trace_id"), Some(&expected.0));
    assert_eq!(events[0].tags.get("otel.span_id"), Some(&expected.1));
}

#[test]
fn events_without_an_active_span_are_left_alone() {
    let (hub, transport) = hub();
    hub.capture_message("no trace here", Level::Error);
    let events = transport.fetch_and_clear_events();
    assert!(!events[0].tags.contains_key("otel.trace_id"));
}

#[test]
fn events_already_stamped_keep_their_ids() {
    let (hub, transport) = hub();
    let provider = SdkTracerProvider::builder().build();
    let cx = Context::new().with_span(provider.tracer("jobs").start("job"));
    let active_trace = cx.span().span_context().trace_id().to_string();
    let _attached = cx.attach();
    let mut event = Event::default();
    event
        .tags
        .insert("otel.trace_id".to_owned(), "from-the-request".to_owned());
    hub.capture_event(event);
    let events = transport.fetch_and_clear_events();
    assert_eq!(
        events[0].tags.get("otel.trace_id").map(String::as_str),
        Some("from-the-request")
    );
    assert_ne!(
        trace_ids(&events[0]).map(|(trace_id, _)| trace_id),
        Some(active_trace)
    );
}
