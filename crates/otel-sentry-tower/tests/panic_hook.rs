//! With Sentry's panic integration installed (the `sentry` crate's default), a panicking
//! handler still makes exactly one Sentry event: the hook's, captured through the request
//! hub, and the span links to it.
//!
//! A test binary of its own: the integration installs a process-wide panic hook.

mod common;

use axum::Router;
use axum::routing::get;
use otel_sentry_test_support::{attribute, string};

#[tokio::test]
async fn panic_captured_by_sentrys_hook_is_one_event_linked_to_the_span() {
    let app = Router::new().route(
        "/panic",
        get(|| async {
            if true {
                panic!("hook sees this");
            }
            "unreachable"
        }),
    );
    let options = otel_sentry_test_support::sentry_options()
        .add_integration(sentry_panic::PanicIntegration::new());
    let harness = common::serve_with(app, Some(options), |layer| layer).await;
    assert_eq!(harness.get("/panic").await.status(), 500);
    let span = harness.server_span().await;
    let events = harness.events();
    assert_eq!(events.len(), 1, "{events:#?}");
    let event = &events[0];
    assert_eq!(
        event.exception.values[0].value.as_deref(),
        Some("hook sees this")
    );
    assert_eq!(
        event.tags.get("otel.span_id"),
        Some(&span.span_context.span_id().to_string())
    );
    assert_eq!(
        attribute(&span, "sentry.event_id"),
        string(&event.event_id.simple().to_string())
    );
}
