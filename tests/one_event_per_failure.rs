//! One failure, one Sentry event, on both adapters over real sockets: a handler that
//! captures its own error and then answers 500 sends that event only, and the span and the
//! response name it.

mod same_app;

use std::sync::Arc;

use otel_sentry_core::CorrelationConfig;
use otel_sentry_test_support::{attribute, event_attribute, sentry_options, string};
use same_app::{serve_both, serve_both_with};

#[actix_web::test]
async fn the_event_a_handler_captured_itself_stands_for_the_failure() {
    for (adapter, service) in serve_both(CorrelationConfig::new).await {
        let response = service.get("/own-capture").await;
        assert_eq!(response.status(), 500, "{adapter}");
        let answered = response
            .headers()
            .get("x-sentry-event-id")
            .map(|id| id.to_str().unwrap().to_owned());
        let span = service.server_span().await;
        let events = service.events();
        assert_eq!(events.len(), 1, "{adapter}: one failure, one event");
        let id = events[0].event_id.simple().to_string();
        assert_eq!(
            attribute(&span, "sentry.event_id"),
            string(&id),
            "{adapter}"
        );
        assert_eq!(answered.as_deref(), Some(id.as_str()), "{adapter}");
        // The span's exception is the captured event's.
        assert_eq!(
            event_attribute(&span, "exception", "exception.type"),
            string("PaymentFailed"),
            "{adapter}"
        );
        assert_eq!(
            event_attribute(&span, "exception", "exception.message"),
            string("payment failed"),
            "{adapter}"
        );
        assert_eq!(attribute(&span, "error.type"), string("500"), "{adapter}");
    }
}

#[actix_web::test]
async fn a_captured_event_that_sentry_dropped_is_not_replaced_nor_named() {
    // The user's `before_send` drops the handler's own event: it chose so, and no second
    // event goes out in its place; the span names no event.
    let dropping = || {
        let mut options = sentry_options();
        options.before_send = Some(Arc::new(|event| {
            let own = event
                .exception
                .last()
                .is_some_and(|exception| exception.ty == "PaymentFailed");
            (!own).then_some(event)
        }));
        options
    };
    for (adapter, service) in serve_both_with(dropping, CorrelationConfig::new).await {
        let response = service.get("/own-capture").await;
        assert_eq!(response.status(), 500, "{adapter}");
        assert!(response.headers().get("x-sentry-event-id").is_none());
        let span = service.server_span().await;
        service.exporter.reset();
        assert!(service.events().is_empty(), "{adapter}");
        assert_eq!(attribute(&span, "sentry.event_id"), None, "{adapter}");
        assert_eq!(
            event_attribute(&span, "exception", "exception.type"),
            string("PaymentFailed"),
            "{adapter}"
        );

        // A failure the handler did not capture is still reported.
        let response = service.get("/fail").await;
        assert!(response.headers().get("x-sentry-event-id").is_some());
        service.server_span().await;
        assert_eq!(service.events().len(), 1, "{adapter}");
    }
}
