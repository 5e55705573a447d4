//! The trust boundary on both adapters over real sockets: an untrusted caller's request
//! starts a new trace linked to the one it sent, sees none of its baggage, and is told no
//! trace or event id; a trusted caller's continues as before.

mod same_app;

use opentelemetry::trace::SpanId;
use otel_sentry_core::{CorrelationConfig, InboundTrust, TrustedProxies};
use otel_sentry_test_support::{Served, attribute};
use same_app::serve_both;
use sentry_core::protocol::Context as SentryContext;

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID: &str = "00f067aa0ba902b7";

/// What a caller sends: a sampled trace with tracestate, baggage and Sentry's entries.
async fn send(service: &Served, path: &str) -> reqwest::Response {
    service
        .get_with(
            path,
            &[
                ("traceparent", &format!("00-{TRACE_ID}-{PARENT_ID}-01")),
                ("tracestate", "vendor=x"),
                (
                    "baggage",
                    &format!("user=alice,sentry-trace_id={TRACE_ID},sentry-sample_rate=1"),
                ),
            ],
        )
        .await
}

fn untrusting(trust: InboundTrust) -> impl Fn() -> CorrelationConfig {
    move || {
        CorrelationConfig::new()
            .response_traceparent(true)
            .inbound_trust(trust.clone())
    }
}

#[actix_web::test]
async fn an_untrusted_caller_gets_a_new_linked_trace_no_baggage_and_no_ids() {
    // Trusted: no one. And: only 10.0.0.1, which the test client (127.0.0.1) is not.
    for trust in [
        InboundTrust::never(),
        InboundTrust::peers(TrustedProxies::addresses(["10.0.0.1".parse().unwrap()])),
    ] {
        for (adapter, service) in serve_both(untrusting(trust.clone())).await {
            let response = send(&service, "/baggage").await;
            assert!(
                response.headers().get("traceparent").is_none(),
                "{adapter}: no trace id for an untrusted caller"
            );
            assert_eq!(
                response.text().await.unwrap(),
                "",
                "{adapter}: baggage ignored"
            );
            let span = service.server_span().await;
            service.exporter.reset();
            assert_eq!(
                span.parent_span_id,
                SpanId::INVALID,
                "{adapter}: a new root"
            );
            assert_ne!(span.span_context.trace_id().to_string(), TRACE_ID);
            assert_eq!(span.span_context.trace_state().header(), "", "{adapter}");
            let links: Vec<_> = span.links.iter().collect();
            assert_eq!(links.len(), 1, "{adapter}: linked to what the caller sent");
            assert_eq!(links[0].span_context.trace_id().to_string(), TRACE_ID);
            assert_eq!(links[0].span_context.span_id().to_string(), PARENT_ID);

            // A failure: reported and linked both ways, but the caller is not told.
            let response = send(&service, "/fail").await;
            assert_eq!(response.status(), 503);
            assert!(
                response.headers().get("x-sentry-event-id").is_none(),
                "{adapter}: no event id for an untrusted caller"
            );
            let span = service.server_span().await;
            service.exporter.reset();
            let events = service.events();
            assert_eq!(events.len(), 1, "{adapter}");
            assert!(attribute(&span, "sentry.event_id").is_some(), "{adapter}");
            let Some(SentryContext::Trace(trace)) = events[0].contexts.get("trace") else {
                panic!("{adapter}: no trace context");
            };
            assert_eq!(
                trace.trace_id.to_string(),
                span.span_context.trace_id().to_string(),
                "{adapter}: the event names the new trace"
            );
            assert_eq!(trace.parent_span_id, None, "{adapter}");
        }
    }
}

#[actix_web::test]
async fn a_trusted_caller_continues_its_trace_with_its_baggage_and_is_told_the_ids() {
    for trust in [
        InboundTrust::always(),
        InboundTrust::peers(TrustedProxies::loopback_and_private()),
    ] {
        for (adapter, service) in serve_both(untrusting(trust.clone())).await {
            let response = send(&service, "/baggage").await;
            assert!(response.headers().get("traceparent").is_some(), "{adapter}");
            assert_eq!(response.text().await.unwrap(), "user=alice", "{adapter}");
            let span = service.server_span().await;
            service.exporter.reset();
            assert_eq!(span.parent_span_id.to_string(), PARENT_ID, "{adapter}");
            assert_eq!(span.span_context.trace_id().to_string(), TRACE_ID);
            assert!(span.links.is_empty(), "{adapter}");

            let response = send(&service, "/fail").await;
            assert!(
                response.headers().get("x-sentry-event-id").is_some(),
                "{adapter}"
            );
            service.server_span().await;
            service.exporter.reset();
            assert_eq!(service.events().len(), 1, "{adapter}");
        }
    }
}
