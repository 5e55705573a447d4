//! A handler's `tracing` span (through tracing-opentelemetry) and its OpenTelemetry API
//! span are children of the server span, also after the handler awaited. A test binary of
//! its own: actix-web runs handlers on worker threads, so the subscriber and the tracer
//! provider are installed globally.

mod common;

use std::time::Duration;

use actix_web::web;
use opentelemetry::global;
use opentelemetry::trace::{Tracer as _, TracerProvider as _};
use otel_sentry_test_support::sentry_options;
use tracing_subscriber::layer::SubscriberExt;

fn routes(config: &mut web::ServiceConfig) {
    config.route(
        "/work",
        web::get().to(|| async {
            // A later poll: the request's context must be bound again.
            actix_web::rt::time::sleep(Duration::from_millis(5)).await;
            {
                let span = tracing::info_span!("load_order");
                let _entered = span.enter();
            }
            global::tracer("handler").in_span("charge_card", |_| ());
            "done"
        }),
    );
}

#[actix_web::test]
async fn handler_spans_are_children_of_the_server_span() {
    let harness = common::serve(routes, Some(sentry_options()), |correlation| correlation).await;
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(harness.provider.tracer("tracing")))
        .with(tracing_subscriber::filter::LevelFilter::INFO);
    tracing::subscriber::set_global_default(subscriber).unwrap();
    global::set_tracer_provider(harness.provider.clone());

    assert_eq!(harness.get("/work").await.text().await.unwrap(), "done");
    let spans = harness.spans(3).await;
    let server = spans.iter().find(|span| span.name == "GET /work").unwrap();
    for name in ["load_order", "charge_card"] {
        let child = spans.iter().find(|span| span.name == name).unwrap();
        assert_eq!(
            child.span_context.trace_id(),
            server.span_context.trace_id(),
            "{name}"
        );
        assert_eq!(
            child.parent_span_id,
            server.span_context.span_id(),
            "{name}"
        );
    }
}
