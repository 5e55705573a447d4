//! A handler's `tracing` span, through tracing-opentelemetry, is a child of the server
//! span, whatever the log filter says about the layer (it makes its span with the
//! OpenTelemetry API).
//!
//! A test binary of its own: it installs a `tracing` subscriber for the thread that runs
//! both the server and the client.

mod common;

use axum::Router;
use axum::routing::get;
use opentelemetry::trace::TracerProvider as _;
use tracing_subscriber::layer::SubscriberExt;

#[tokio::test(flavor = "current_thread")]
async fn handler_tracing_span_is_a_child_of_the_server_span() {
    let app = Router::new().route(
        "/work",
        get(|| async {
            let span = tracing::info_span!("load_order");
            let _entered = span.enter();
            "done"
        }),
    );
    let harness = common::serve(app, |layer| layer).await;
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(harness.provider.tracer("tracing")))
        // A filter that would turn off a `tracing`-made server span.
        .with(tracing_subscriber::filter::LevelFilter::INFO);
    let _default = tracing::subscriber::set_default(subscriber);

    assert_eq!(harness.get("/work").await.text().await.unwrap(), "done");
    let spans = harness.spans(2).await;
    let server = spans.iter().find(|span| span.name == "GET /work").unwrap();
    let child = spans.iter().find(|span| span.name == "load_order").unwrap();
    assert_eq!(
        child.span_context.trace_id(),
        server.span_context.trace_id()
    );
    assert_eq!(child.parent_span_id, server.span_context.span_id());
}
