//! A handler's `tracing` span (through tracing-opentelemetry) and its OpenTelemetry API
//! span are children of the server span, also after the handler awaited, whatever the log
//! filter says about the layer (it makes its span with the OpenTelemetry API).
//!
//! A test binary of its own: it installs a `tracing` subscriber for the thread that runs
//! both the server and the client, and the global tracer provider.

mod common;

use std::time::Duration;

use axum::Router;
use axum::routing::get;
use opentelemetry::global;
use opentelemetry::trace::{Tracer as _, TracerProvider as _};
use tracing_subscriber::layer::SubscriberExt;

#[tokio::test(flavor = "current_thread")]
async fn handler_spans_are_children_of_the_server_span() {
    let app = Router::new().route(
        "/work",
        get(|| async {
            // A later poll: the request's context must be bound again.
            tokio::time::sleep(Duration::from_millis(5)).await;
            {
                let span = tracing::info_span!("load_order");
                let _entered = span.enter();
            }
            global::tracer("handler").in_span("charge_card", |_| ());
            "done"
        }),
    );
    let harness = common::serve(app, |layer| layer).await;
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(harness.provider.tracer("tracing")))
        // A filter that would turn off a `tracing`-made server span.
        .with(tracing_subscriber::filter::LevelFilter::INFO);
    let _default = tracing::subscriber::set_default(subscriber);
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
