//! The relay with real parts: a three-hop cascade, gateway (Rust) → orders (Python,
//! sentry-sdk) → payments (Rust), every hop reporting its own event (`CascadePolicy::Report`),
//! sent through two `otel-sentry-relay` processes that share a redis-server, to a real
//! Bugsink, read back through its API. The Rust services send to relay A, the Python one
//! to relay B, so the trace's events are spread over both.
//!
//! `scripts/relay-bugsink-e2e.sh` (run by `.ci/run`) starts Bugsink, redis-server and the
//! two relays on 127.0.0.1 afresh for each test here and runs it with `--ignored` and:
//! `BUGSINK_URL`, `BUGSINK_TOKEN`, `BUGSINK_PROJECT_ID`, `BUGSINK_DSN`; `RELAY_A_URL`,
//! `RELAY_B_URL`, `RELAY_A_PID`; `REDIS_PID`, `REDIS_PORT`; `RELAY_E2E_PYTHON` (a Python
//! with sentry-sdk). Without them the tests fail. This file starts the services (the
//! Python one from tests/relay_e2e/orders.py) and stops them.

mod bugsink_api;
mod cascade_services;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bugsink_api::{Bugsink, outermost_type, random_trace_id};
use cascade_services::{serve_gateway, serve_payments};
use otel_sentry_core::CascadePolicy;
use otel_sentry_reqwest::SentryHttpTransport;
use otel_sentry_test_support::{PaymentFailed, Served, Telemetry};
use sentry_core::{Client, Hub};
use serde_json::Value;

fn env(name: &str) -> String {
    std::env::var(name)
        .unwrap_or_else(|_| panic!("{name} is not set: run scripts/relay-bugsink-e2e.sh"))
}

/// The orders service in Python, stopped by pid when dropped.
struct PythonOrders {
    child: Child,
    base: String,
}

impl PythonOrders {
    fn start(dsn: &str, payments: &str) -> PythonOrders {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/relay_e2e/orders.py");
        let mut child = Command::new(env("RELAY_E2E_PYTHON"))
            .args([script, payments])
            .env("SENTRY_DSN", dsn)
            .stdout(Stdio::piped())
            .spawn()
            .expect("the Python service starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let address = line.trim().rsplit(' ').next().unwrap().to_owned();
        assert!(address.starts_with("127.0.0.1:"), "orders said {line:?}");
        PythonOrders {
            child,
            base: format!("http://{address}"),
        }
    }
}

impl Drop for PythonOrders {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the script started, and the cascade served in front of it.
struct Cascade {
    bugsink: Bugsink,
    relay_a: String,
    relay_b: String,
    /// The clients of gateway and payments, flushed after each checkout.
    clients: Vec<Arc<Client>>,
    gateway: Served,
    _payments: Served,
    _orders: PythonOrders,
}

impl Cascade {
    async fn start() -> Cascade {
        let bugsink = Bugsink::from_env().expect("BUGSINK_* set: run scripts/relay-bugsink-e2e.sh");
        let (relay_a, relay_b) = (env("RELAY_A_URL"), env("RELAY_B_URL"));
        let client_of_a = || {
            Bugsink::client_for(
                &dsn_via(&bugsink.dsn, &relay_a),
                Arc::new(SentryHttpTransport::new()),
            )
        };
        let clients = vec![client_of_a(), client_of_a()];
        let telemetry = |client: &Arc<Client>| {
            Telemetry::with_hub(Arc::new(Hub::new(Some(client.clone()), Default::default())))
        };
        let policy = CascadePolicy::Report;
        let payments = serve_payments(policy, telemetry(&clients[0])).await;
        let orders =
            PythonOrders::start(&dsn_via(&bugsink.dsn, &relay_b), &payments.url("/charge"));
        // The gateway calls `{orders}/orders/7/pay`; orders' own telemetry is Python's.
        let orders_served = Served::new(orders.base.clone(), Telemetry::new(None));
        let gateway = serve_gateway(policy, telemetry(&clients[1]), &orders_served).await;
        Cascade {
            bugsink,
            relay_a,
            relay_b,
            clients,
            gateway,
            _payments: payments,
            _orders: orders,
        }
    }

    /// One failing checkout in a new trace; returns its trace id once every hop's event
    /// has reached its relay.
    async fn checkout(&self) -> String {
        let trace_id = random_trace_id();
        let traceparent = format!("00-{trace_id}-00f067aa0ba902b7-01");
        let response = self
            .gateway
            .get_with("/checkout", &[("traceparent", &traceparent)])
            .await;
        assert_eq!(response.status(), 500);
        for client in &self.clients {
            assert!(client.flush(Some(Duration::from_secs(5))), "uploaded");
        }
        // Python flushed before answering.
        trace_id
    }

    async fn stats(&self, relay: &str) -> Value {
        self.bugsink
            .http
            .get(format!("{relay}/stats"))
            .send()
            .await
            .expect("the relay answers")
            .json()
            .await
            .expect("JSON")
    }

    async fn counter(&self, name: &str) -> u64 {
        let mut sum = 0;
        for relay in [&self.relay_a, &self.relay_b] {
            sum += self.stats(relay).await[name].as_u64().unwrap_or(0);
        }
        sum
    }

    /// Waits (bounded) until relay A holds two events and relay B one: mid-window.
    async fn wait_held(&self) {
        let deadline = Instant::now() + Duration::from_secs(2);
        loop {
            let a = self.stats(&self.relay_a).await["held"]
                .as_u64()
                .unwrap_or(0);
            let b = self.stats(&self.relay_b).await["held"]
                .as_u64()
                .unwrap_or(0);
            if (a, b) == (2, 1) {
                return;
            }
            assert!(Instant::now() < deadline, "held: A {a}, B {b}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// `dsn` (Bugsink's) with its host replaced by `relay`'s: same key, same project.
fn dsn_via(dsn: &str, relay: &str) -> String {
    let (scheme_and_key, rest) = dsn.split_once('@').expect("a DSN with a key");
    let project = rest.rsplit('/').next().unwrap();
    let relay_host = relay.trim_start_matches("http://");
    format!("{scheme_and_key}@{relay_host}/{project}")
}

fn signal(signal: &str, pid: &str) {
    let status = Command::new("kill").args([signal, pid]).status().unwrap();
    assert!(status.success(), "kill {signal} {pid}");
}

/// The one event of a deduplicated cascade: payments' failure, standing in for two.
fn assert_root_cause(found: &[(Value, Value)]) {
    let (_, event) = &found[0];
    assert_eq!(
        outermost_type(event),
        Some(std::any::type_name::<PaymentFailed>())
    );
    assert_eq!(
        event["tags"]["cascading_errors_suppressed"], "2",
        "{event:#}"
    );
    assert_eq!(event["extra"]["cascading_errors_suppressed"], 2);
    let summary = event["extra"]["cascading_errors"].to_string();
    assert!(summary.contains("OrderFailed"), "Python's event: {summary}");
    assert!(
        summary.contains("DownstreamFailed"),
        "gateway's event: {summary}"
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Bugsink, redis-server and two relays: scripts/relay-bugsink-e2e.sh runs it"]
async fn a_three_hop_cascade_through_two_relays_is_one_event_in_bugsink() {
    let cascade = Cascade::start().await;
    let trace_id = cascade.checkout().await;
    cascade.wait_held().await;
    let found = cascade
        .bugsink
        .wait_for_trace(&trace_id, 1, Duration::from_secs(10))
        .await;
    assert_root_cause(&found);
    assert_eq!(found[0].0["digested_event_count"], 1, "{:#}", found[0].0);
    assert_eq!(cascade.counter("suppressed").await, 2);
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Bugsink, redis-server and two relays: scripts/relay-bugsink-e2e.sh runs it"]
async fn a_relay_killed_mid_window_has_its_events_arrive_via_the_survivor() {
    let cascade = Cascade::start().await;
    let trace_id = cascade.checkout().await;
    // A holds gateway's and payments' events (the root cause) and dies holding them.
    cascade.wait_held().await;
    signal("-KILL", &env("RELAY_A_PID"));
    let found = cascade
        .bugsink
        .wait_for_trace(&trace_id, 1, Duration::from_secs(10))
        .await;
    assert_root_cause(&found);
    let survivor = cascade.stats(&cascade.relay_b).await;
    assert_eq!(
        survivor["suppressed"], 2,
        "B decided the trace: {survivor:#}"
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Bugsink, redis-server and two relays: scripts/relay-bugsink-e2e.sh runs it"]
async fn with_redis_stopped_mid_run_every_event_arrives() {
    let cascade = Cascade::start().await;
    // Held in Redis (and locally) when Redis goes: the local copies go at the window's end.
    let held = cascade.checkout().await;
    cascade.wait_held().await;
    signal("-TERM", &env("REDIS_PID"));
    let port: u16 = env("REDIS_PORT").parse().unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
        assert!(Instant::now() < deadline, "redis-server did not stop");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Sent with Redis gone: forwarded at once.
    let after = cascade.checkout().await;
    for trace_id in [&held, &after] {
        let found = cascade
            .bugsink
            .wait_for_trace(trace_id, 3, Duration::from_secs(10))
            .await;
        let mut types: Vec<&str> = found
            .iter()
            .filter_map(|(_, event)| outermost_type(event))
            .map(|ty| ty.rsplit("::").next().unwrap())
            .collect();
        types.sort_unstable();
        assert_eq!(types, ["DownstreamFailed", "OrderFailed", "PaymentFailed"]);
    }
    assert_eq!(cascade.counter("forwarded_redis_unavailable").await, 6);
}
