//! A handler's `tracing` span, through tracing-opentelemetry, is a child of the server
//! span. A test binary of its own: actix-web runs handlers on worker threads, so the
//! subscriber is installed globally.

mod common;

use actix_web::web;
use opentelemetry::trace::TracerProvider as _;
use otel_sentry_test_support::sentry_options;
use tracing_subscriber::layer::SubscriberExt;

fn routes(config: &mut web::ServiceConfig) {
    config.route(
        "/work",
        web::get().to(|| async {
            let span = tracing::info_span!("load_order");
            let _entered = span.enter();
            "done"
        }),
    );
}

#[actix_web::test]
async fn handler_tracing_span_is_a_child_of_the_server_span() {
    let harness = common::serve(routes, Some(sentry_options()), |correlation| correlation).await;
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(harness.provider.tracer("tracing")))
        .with(tracing_subscriber::filter::LevelFilter::INFO);
    tracing::subscriber::set_global_default(subscriber).unwrap();

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
