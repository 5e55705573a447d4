//! The cascade against a real Sentry-compatible server, Bugsink, read back through its REST
//! API. `scripts/bugsink-e2e.sh` (run by `.ci/run`) installs and starts Bugsink and runs
//! this test (ignored otherwise, so a run without Bugsink shows it as skipped) with
//! `--ignored` and `BUGSINK_URL`, `BUGSINK_TOKEN`, `BUGSINK_PROJECT_ID` and `BUGSINK_DSN`;
//! without them it fails.
//!
//! The services send through sentry's own HTTP transport, as in production:
//! - under the default `Suppress` policy, each service with its own Sentry client, the
//!   failing checkout makes one issue with one event: payments' `PaymentFailed`, tagged
//!   with the trace id;
//! - under `Report`, sharing one client behind the windowed deduplication transport, the
//!   trace again makes one event, which counts the two cascades it stands in for.

mod bugsink_api;
mod cascade_services;

use std::sync::Arc;
use std::time::Duration;

use bugsink_api::{Bugsink, random_trace_id};

use cascade_services::serve_all;
use otel_sentry_core::{CascadePolicy, CascadeWindow};
use otel_sentry_reqwest::SentryHttpTransport;
use otel_sentry_test_support::{PaymentFailed, Telemetry};
use sentry_core::{Client, Hub};
use serde_json::Value;

fn telemetry_with(client: &Arc<Client>) -> Telemetry {
    Telemetry::with_hub(Arc::new(Hub::new(Some(client.clone()), Default::default())))
}

async fn checkout(gateway: &otel_sentry_test_support::Served, trace_id: &str) {
    let traceparent = format!("00-{trace_id}-00f067aa0ba902b7-01");
    let response = gateway
        .get_with("/checkout", &[("traceparent", &traceparent)])
        .await;
    assert_eq!(response.status(), 500);
}

#[actix_web::test]
#[ignore = "needs a running Bugsink: scripts/bugsink-e2e.sh runs it"]
async fn a_failing_cascade_is_one_issue_with_one_event_in_bugsink() {
    let Some(bugsink) = Bugsink::from_env() else {
        panic!("BUGSINK_URL and the other variables are not set: run scripts/bugsink-e2e.sh");
    };
    let payment_failed = std::any::type_name::<PaymentFailed>();

    // Suppress (the default), one Sentry client per service.
    let clients: Vec<Arc<Client>> = (0..3)
        .map(|_| bugsink.client(Arc::new(SentryHttpTransport::new())))
        .collect();
    let next_client = std::sync::atomic::AtomicUsize::new(0);
    let [gateway, ..] = serve_all(CascadePolicy::Suppress, || {
        telemetry_with(&clients[next_client.fetch_add(1, std::sync::atomic::Ordering::Relaxed)])
    })
    .await;
    let suppressed_trace = random_trace_id();
    checkout(&gateway, &suppressed_trace).await;
    for client in &clients {
        assert!(client.flush(Some(Duration::from_secs(5))), "uploaded");
    }
    let found = bugsink
        .wait_for_trace(&suppressed_trace, 1, Duration::from_secs(10))
        .await;
    let (issue, event) = &found[0];
    assert_eq!(
        issue["digested_event_count"], 1,
        "one event in its issue: {issue:#}"
    );
    let issues = bugsink
        .all(format!(
            "{}/issues/?project={}",
            bugsink.api, bugsink.project
        ))
        .await;
    assert_eq!(issues.len(), 1, "one issue: {issues:#?}");
    let exception = &event["exception"]["values"];
    let outermost = exception.as_array().and_then(|values| values.last());
    assert_eq!(
        outermost.map(|value| &value["type"]),
        Some(&Value::from(payment_failed))
    );
    assert_eq!(event["tags"]["otel.trace_id"], suppressed_trace.as_str());
    assert_eq!(
        event["contexts"]["trace"]["trace_id"],
        suppressed_trace.as_str()
    );

    // Report, every service's own event, one client behind the cascade window.
    let shared = bugsink.client(
        CascadeWindow::new()
            .window(Duration::from_secs(30))
            .wrap(SentryHttpTransport::new()),
    );
    let [gateway, ..] = serve_all(CascadePolicy::Report, || telemetry_with(&shared)).await;
    let windowed_trace = random_trace_id();
    checkout(&gateway, &windowed_trace).await;
    assert!(shared.flush(Some(Duration::from_secs(5))), "uploaded");
    let found = bugsink
        .wait_for_trace(&windowed_trace, 1, Duration::from_secs(10))
        .await;
    let (_, event) = &found[0];
    assert_eq!(event["extra"]["cascading_errors_suppressed"], 2);
    let outermost = event["exception"]["values"]
        .as_array()
        .and_then(|values| values.last());
    assert_eq!(
        outermost.map(|value| &value["type"]),
        Some(&Value::from(payment_failed))
    );
}
