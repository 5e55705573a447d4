//! The operator CLI, `otel-sentry`, against a real Bugsink: the project's three services
//! fail one checkout under the `Report` policy, so the trace holds three events (one per
//! service, each with its own Sentry client); then `lookup`, `trace` and `duplicates`, in
//! text and `--json`, are run through the binary itself. `scripts/bugsink-e2e.sh` builds
//! the CLI, starts Bugsink and runs this (ignored otherwise) with `--ignored`.

mod cascade_services;

use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cascade_services::serve_all;
use otel_sentry_core::CascadePolicy;
use otel_sentry_reqwest::SentryHttpTransport;
use otel_sentry_test_support::Telemetry;
use sentry_core::{Client, ClientOptions, Hub};
use serde_json::Value;

struct Setup {
    url: String,
    token: String,
    project: String,
    dsn: String,
    cli: String,
}

fn setup() -> Setup {
    let var = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| {
            panic!("{name} is not set: run scripts/bugsink-e2e.sh, which builds the CLI and starts Bugsink")
        })
    };
    Setup {
        url: var("BUGSINK_URL"),
        token: var("BUGSINK_TOKEN"),
        project: var("BUGSINK_PROJECT_ID"),
        dsn: var("BUGSINK_DSN"),
        cli: var("OTEL_SENTRY_CLI"),
    }
}

impl Setup {
    /// Runs the CLI configured as a sentry-cli user would be, the backend left to detect.
    fn run(&self, args: &[&str]) -> Output {
        Command::new(&self.cli)
            .args(args)
            .env("SENTRY_URL", &self.url)
            .env("SENTRY_AUTH_TOKEN", &self.token)
            .env("SENTRY_PROJECT", &self.project)
            .env_remove("SENTRY_ORG")
            .env("OTEL_SENTRY_TRACE_URL", "phoenix=http://127.0.0.1:6006")
            .output()
            .expect("the CLI runs")
    }

    fn json(&self, args: &[&str]) -> Value {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).expect("one JSON document")
    }
}

#[actix_web::test]
#[ignore = "needs a running Bugsink and the built CLI: scripts/bugsink-e2e.sh runs it"]
async fn the_cli_follows_a_failing_cascade_in_bugsink() {
    let setup = setup();
    // serve_all starts payments, then orders, then the gateway.
    let names = Mutex::new(vec!["gateway", "orders", "payments"]);
    let clients: Mutex<Vec<Arc<Client>>> = Mutex::default();
    let telemetry = || {
        let name = names.lock().unwrap().pop().unwrap_or("service");
        let mut options = ClientOptions::new().dsn(setup.dsn.as_str());
        options.server_name = Some(name.into());
        options.transport = Some(Arc::new(SentryHttpTransport::new()));
        let client = Arc::new(Client::from(options));
        clients.lock().unwrap().push(client.clone());
        Telemetry::with_hub(Arc::new(Hub::new(Some(client), Default::default())))
    };
    let [gateway, ..] = serve_all(CascadePolicy::Report, telemetry).await;
    let trace_id = sentry_core::types::random_uuid().simple().to_string();
    let response = gateway
        .get_with(
            "/checkout",
            &[("traceparent", &format!("00-{trace_id}-00f067aa0ba902b7-01"))],
        )
        .await;
    assert_eq!(response.status(), 500);
    for client in clients.lock().unwrap().iter() {
        assert!(client.flush(Some(Duration::from_secs(5))), "uploaded");
    }

    // Bugsink digests uploads a moment later.
    let deadline = Instant::now() + Duration::from_secs(15);
    let trace = loop {
        let output = setup.run(&["trace", &trace_id, "--json"]);
        if output.status.success() {
            let trace: Value = serde_json::from_slice(&output.stdout).expect("JSON");
            if trace["events"].as_array().map_or(0, Vec::len) >= 3 {
                let stderr = String::from_utf8_lossy(&output.stderr);
                assert!(stderr.contains("Bugsink detected"), "{stderr}");
                break trace;
            }
        }
        assert!(
            Instant::now() < deadline,
            "the trace's three events never showed"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    let events = trace["events"].as_array().unwrap();
    assert_eq!(events.len(), 3, "{trace:#}");
    let service_of = |id: &Value| {
        events
            .iter()
            .find(|event| &event["event_id"] == id)
            .and_then(|event| event["service"].as_str())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(service_of(&trace["root_cause"]), "payments", "{trace:#}");
    // Each event names its server span and the caller's *client* span as parent, which no
    // event holds: the spans cannot order them, so the earliest is the pick.
    assert!(
        trace["root_cause_reason"]
            .as_str()
            .is_some_and(|reason| reason.contains("earliest")),
        "{trace:#}"
    );
    assert_eq!(
        trace["trace_url"],
        format!("http://127.0.0.1:6006/redirects/traces/{trace_id}")
    );
    let text = String::from_utf8_lossy(&setup.run(&["trace", &trace_id]).stdout).into_owned();
    assert!(
        text.contains("3 Sentry events") && text.contains("root cause"),
        "{text}"
    );
    println!("$ otel-sentry trace {trace_id}\n{text}");

    let gateway_event = events
        .iter()
        .find(|event| event["service"] == "gateway")
        .and_then(|event| event["event_id"].as_str())
        .expect("the gateway's event")
        .to_owned();
    // A dashed id is accepted too.
    let dashed = format!(
        "{}-{}-{}-{}-{}",
        &gateway_event[..8],
        &gateway_event[8..12],
        &gateway_event[12..16],
        &gateway_event[16..20],
        &gateway_event[20..]
    );
    let lookup = setup.json(&["lookup", &dashed, "--json"]);
    assert_eq!(lookup["event_id"], gateway_event.as_str());
    assert_eq!(lookup["trace_id"], trace_id.as_str());
    assert_eq!(lookup["service"], "gateway");
    assert_eq!(lookup["project"], setup.project.as_str());
    assert!(
        lookup["span_id"]
            .as_str()
            .is_some_and(|span| span.len() == 16)
    );
    assert!(
        lookup["event_url"]
            .as_str()
            .is_some_and(|url| url.starts_with(&setup.url) && url.contains("/event/")),
        "{lookup:#}"
    );
    assert_eq!(lookup["related"].as_array().map(Vec::len), Some(2));
    let text = String::from_utf8_lossy(&setup.run(&["lookup", &gateway_event]).stdout).into_owned();
    assert!(
        text.contains("related   2 other events in this trace"),
        "{text}"
    );
    println!("$ otel-sentry lookup {gateway_event}\n{text}");

    let duplicates = setup.json(&["duplicates", "--since", "1h", "--json"]);
    let group = duplicates["duplicate_groups"]
        .as_array()
        .and_then(|groups| {
            groups
                .iter()
                .find(|group| group["trace_id"] == trace_id.as_str())
        })
        .unwrap_or_else(|| panic!("the trace's group: {duplicates:#}"));
    assert_eq!(group["event_ids"].as_array().map(Vec::len), Some(3));
    assert_eq!(service_of(&group["root_cause"]), "payments");
    let count = |key: &str| duplicates[key].as_f64().unwrap_or_default();
    let expected = ((count("events") - count("traces") - count("events_without_trace")) * 100.0
        / count("events")
        * 10.0)
        .round()
        / 10.0;
    assert_eq!(count("reduction_percent"), expected, "{duplicates:#}");
    assert!(count("reduction_percent") > 0.0);
    let text =
        String::from_utf8_lossy(&setup.run(&["duplicates", "--since", "1h"]).stdout).into_owned();
    assert!(text.contains("deduplication by trace"), "{text}");
    println!("$ otel-sentry duplicates --since 1h\n{text}");

    // Bad input against the real server: an unknown event, a wrong token.
    let unknown = setup.run(&["lookup", "0123456789abcdef0123456789abcdef"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("not found"));
    let refused = Command::new(&setup.cli)
        .args([
            "--url",
            &setup.url,
            "--auth-token",
            "wrong",
            "--backend",
            "bugsink",
        ])
        .args(["trace", &trace_id])
        .output()
        .expect("the CLI runs");
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("unauthorised"));
}
