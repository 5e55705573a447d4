//! `sentry.event_url` with no configuration: the variables sentry-cli users set,
//! `SENTRY_URL` and `SENTRY_ORG`, name the link, read when the layer is made; a configured
//! link wins. Alone in its test binary: it sets the process's environment.

mod same_app;

use otel_sentry_core::{CorrelationConfig, EventLink};
use otel_sentry_test_support::{Served, attribute, string};
use same_app::serve_both;

async fn failed_span_link(service: &Served) -> (Option<opentelemetry::Value>, String) {
    let response = service.get("/fail").await;
    assert_eq!(response.status(), 503);
    let span = service.server_span().await;
    service.exporter.reset();
    let events = service.events();
    assert_eq!(events.len(), 1);
    (
        attribute(&span, "sentry.event_url"),
        events[0].event_id.simple().to_string(),
    )
}

#[actix_web::test]
async fn sentry_cli_variables_link_failed_spans_to_their_event() {
    // SAFETY: the only test of this binary, before any thread reads the environment.
    unsafe {
        std::env::set_var("SENTRY_ORG", "acme");
        std::env::set_var("SENTRY_URL", "https://sentry.example.com/");
    }
    let services = serve_both(CorrelationConfig::new).await;
    // Read when the layer was made: the link stays after the variables go.
    unsafe {
        std::env::remove_var("SENTRY_ORG");
        std::env::remove_var("SENTRY_URL");
    }
    for (adapter, service) in services {
        let (link, id) = failed_span_link(&service).await;
        assert_eq!(
            link,
            string(&format!(
                "https://sentry.example.com/organizations/acme/issues/?query={id}"
            )),
            "{adapter}"
        );
    }
    let configured = || {
        CorrelationConfig::new()
            .event_link(EventLink::template("https://bugsink.local/events/{event_id}/").unwrap())
    };
    unsafe {
        std::env::set_var("SENTRY_ORG", "acme");
    }
    for (adapter, service) in serve_both(configured).await {
        let (link, id) = failed_span_link(&service).await;
        assert_eq!(
            link,
            string(&format!("https://bugsink.local/events/{id}/")),
            "{adapter}: a configured link wins"
        );
    }
    // Without `SENTRY_ORG`, no link.
    unsafe {
        std::env::remove_var("SENTRY_ORG");
    }
    for (adapter, service) in serve_both(CorrelationConfig::new).await {
        let (link, _) = failed_span_link(&service).await;
        assert_eq!(link, None, "{adapter}");
    }
}
