//! The relay binary over real sockets: real sentry clients (sentry's reqwest transport via
//! `SentryHttpTransport`) and raw HTTP send through it to the test-support envelope
//! receiver standing in for Sentry.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use otel_sentry_test_support::EnvelopeReceiver;
use sentry::protocol::{Context, Uuid};

#[test]
fn a_three_service_cascade_reaches_upstream_as_its_root_cause_tagged_with_the_count() {
    let upstream = EnvelopeReceiver::new().start();
    let relay = RelayProcess::start(&upstream, &["--window", "1s"]);
    let hops = [
        ("gateway", "1111111111111111", None),
        ("orders", "2222222222222222", Some("1111111111111111")),
        ("payments", "3333333333333333", Some("2222222222222222")),
    ];
    // Shallowest first, as a cascade is not reported in order: the choice reads the spans.
    let mut root_id = Uuid::nil();
    let sent = Instant::now();
    for (service, span, parent) in hops {
        let client = client(&relay.dsn());
        let id = client.capture_event(error_event(service, span, parent), None);
        if service == "payments" {
            root_id = id;
        }
        assert!(client.flush(Some(Duration::from_secs(2))));
    }
    // Answered at once: every SDK flushed long before the window ends.
    assert!(
        sent.elapsed() < Duration::from_millis(900),
        "{:?}",
        sent.elapsed()
    );
    assert_eq!(upstream.events(), 0, "held for the window");
    wait_until(Duration::from_secs(5), || upstream.events() >= 1);
    std::thread::sleep(Duration::from_millis(300));
    let events = upstream.event_payloads();
    assert_eq!(events.len(), 1, "{events:#?}");
    let root = &events[0];
    assert_eq!(root["event_id"], root_id.simple().to_string());
    assert_eq!(tag(root, "cascading_errors_suppressed"), Some("2"));
    let summary = root["extra"]["cascading_errors"].as_array().unwrap();
    let services: Vec<&str> = summary
        .iter()
        .map(|entry| entry["service"].as_str().unwrap())
        .collect();
    assert_eq!(services, ["gateway", "orders"]);
    assert_eq!(summary[0]["type"], "gatewayError");
    assert_eq!(summary[1]["message"], "orders failed");
    // Same path, same auth upstream.
    let request = upstream.requests().pop().unwrap();
    assert_eq!(request.path_and_query, "/api/1/envelope/");
    assert!(request.auth.unwrap().contains("sentry_key=public"));
    let stats = relay.stats();
    assert_eq!(stats["events_received"], 3);
    assert_eq!(stats["suppressed"], 2);
    assert_eq!(stats["held"], 0);
    assert_eq!(stats["forwarded"], 1);
}

#[test]
fn keep_suppressed_forwards_every_event_grouped_under_the_root() {
    let upstream = EnvelopeReceiver::new().start();
    let relay = RelayProcess::start(&upstream, &["--window", "300ms", "--keep-suppressed"]);
    let client = client(&relay.dsn());
    client.capture_event(error_event("gateway", "1111111111111111", None), None);
    let root = client.capture_event(
        error_event("orders", "2222222222222222", Some("1111111111111111")),
        None,
    );
    assert!(client.flush(Some(Duration::from_secs(2))));
    wait_until(Duration::from_secs(5), || upstream.events() >= 2);
    let events = upstream.event_payloads();
    assert_eq!(events.len(), 2);
    let fingerprint = serde_json::json!(["otel-cascade", TRACE]);
    assert!(
        events
            .iter()
            .all(|event| event["fingerprint"] == fingerprint)
    );
    let gateway = events
        .iter()
        .find(|event| event["server_name"] == "gateway")
        .unwrap();
    assert_eq!(
        tag(gateway, "cascade.root_event_id"),
        Some(root.simple().to_string().as_str())
    );
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

#[test]
fn what_is_not_a_traced_error_passes_at_once_with_the_query_auth() {
    let upstream = EnvelopeReceiver::new().start();
    let relay = RelayProcess::start(&upstream, &["--window", "30s"]);
    // A session and an unknown item (bytes a parser would not keep), and an error without
    // a trace: gzip, authenticated in the query.
    let envelope = b"{}\n{\"type\":\"session\"}\n{\"sid\":\"x\",  \"odd\" : 1}\n{\"type\":\"future_thing\",\"length\":4}\n\x00\x01\n\x02\n{\"type\":\"event\"}\n{\"event_id\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}\n".to_vec();
    let url = format!(
        "{}/api/1/envelope/?sentry_key=public&sentry_version=7",
        relay.base
    );
    let (status, _) = reqwest::post(&url, &[("content-encoding", "gzip")], gzip(&envelope));
    assert_eq!(status, 200);
    // A traced error by /store/, deflate: held, so 30 s later; a transaction passes.
    let store = format!("{}/api/1/store/?sentry_key=public", relay.base);
    let transaction =
        serde_json::json!({"type": "transaction", "contexts": {"trace": {"trace_id": TRACE}}});
    let (status, _) = reqwest::post(&store, &[], serde_json::to_vec(&transaction).unwrap());
    assert_eq!(status, 200);
    wait_until(Duration::from_secs(5), || upstream.envelopes() >= 2);
    let requests = upstream.requests();
    assert_eq!(
        requests[0].path_and_query,
        "/api/1/envelope/?sentry_key=public&sentry_version=7"
    );
    assert_eq!(
        upstream.events(),
        2,
        "the traceless error and the transaction at once"
    );
    assert_eq!(relay.stats()["held"], 0);
}

#[test]
fn bad_input_is_refused_with_a_reason_and_the_relay_keeps_serving() {
    let upstream = EnvelopeReceiver::new().start();
    let relay = RelayProcess::start(&upstream, &[]);
    let auth = (
        "x-sentry-auth",
        "Sentry sentry_version=7, sentry_key=public",
    );
    let envelope = |path: &str| format!("{}{path}", relay.base);
    for (path, headers, body, status, reason) in [
        (
            "/api/1/envelope/",
            vec![auth],
            b"{}\n{\"type\":\"event\",\"length\":50}\n{}\n".to_vec(),
            400,
            "claims 50 bytes",
        ),
        (
            "/api/1/envelope/",
            vec![auth],
            b"nonsense".to_vec(),
            400,
            "not JSON",
        ),
        (
            "/api/1/envelope/",
            vec![auth, ("content-encoding", "gzip")],
            b"not gzip".to_vec(),
            400,
            "does not decode",
        ),
        (
            "/api/1/envelope/",
            vec![auth, ("content-encoding", "zstd")],
            b"{}".to_vec(),
            415,
            "unsupported content encoding",
        ),
        (
            "/api/1/envelope/",
            vec![],
            b"{}\n".to_vec(),
            401,
            "missing authorization",
        ),
        (
            "/api/abc/envelope/",
            vec![auth],
            b"{}\n".to_vec(),
            400,
            "must be a number",
        ),
        (
            "/api/1/other/",
            vec![auth],
            b"{}\n".to_vec(),
            404,
            "no such endpoint",
        ),
        (
            "/api/1/store/",
            vec![auth],
            vec![b' '; 2 * 1024 * 1024],
            413,
            "over 1048576 bytes",
        ),
    ] {
        let (got, text) = reqwest::post(&envelope(path), &headers, body);
        assert_eq!(got, status, "{path}: {text}");
        assert!(text.contains(reason), "{path}: {text}");
    }
    assert_eq!(
        relay.stats()["rejected"],
        7,
        "the 404 is not a request the relay counts"
    );
    assert_eq!(upstream.envelopes(), 0, "nothing forwarded half");
    let (status, body) = reqwest::post(
        &format!("{}/api/1/envelope/", relay.base),
        &[auth],
        b"{}\n{\"type\":\"session\"}\n{}\n".to_vec(),
    );
    assert_eq!((status, body.as_str()), (200, "{\"id\":null}"));
}

#[test]
fn sigterm_forwards_everything_held_before_the_window_ends() {
    let upstream = EnvelopeReceiver::new().start();
    let mut relay = RelayProcess::start(&upstream, &["--window", "60s"]);
    let client = client(&relay.dsn());
    client.capture_event(error_event("gateway", "1111111111111111", None), None);
    client.capture_event(
        error_event("orders", "2222222222222222", Some("1111111111111111")),
        None,
    );
    assert!(client.flush(Some(Duration::from_secs(2))));
    wait_until(Duration::from_secs(2), || relay.stats()["held"] == 2);
    let stopped = Instant::now();
    assert!(relay.terminate().success());
    assert!(stopped.elapsed() < Duration::from_secs(5));
    let events = upstream.event_payloads();
    assert_eq!(events.len(), 1);
    assert_eq!(tag(&events[0], "cascading_errors_suppressed"), Some("1"));
}

#[test]
fn over_the_trace_cap_the_oldest_trace_goes_early() {
    let upstream = EnvelopeReceiver::new().start();
    let relay = RelayProcess::start(&upstream, &["--window", "60s", "--max-traces", "2"]);
    let client = client(&relay.dsn());
    for trace in 1..=3u128 {
        let mut event = error_event("gateway", "1111111111111111", None);
        if let Some(Context::Trace(context)) = event.contexts.get_mut("trace") {
            context.trace_id = format!("{trace:032x}").parse().unwrap();
        }
        client.capture_event(event, None);
    }
    assert!(client.flush(Some(Duration::from_secs(2))));
    wait_until(Duration::from_secs(3), || upstream.events() >= 1);
    assert_eq!(upstream.events(), 1);
    let stats = relay.stats();
    assert_eq!(stats["forwarded_window_full"], 1);
    assert_eq!(stats["held_traces"], 2);
}

#[test]
fn upstream_down_is_retried_and_a_full_queue_answers_429() {
    // A port that refuses connections now: the receiver's, after it stopped.
    let stopped = EnvelopeReceiver::new().start();
    let dead = stopped.dsn().to_owned();
    drop(stopped);
    let upstream = dead
        .replace("public@", "")
        .trim_end_matches("/1")
        .to_owned();
    let mut child = Command::new(env!("CARGO_BIN_EXE_otel-sentry-relay"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--upstream",
            &upstream,
            "--queue",
            "2",
            "--shutdown-timeout",
            "1s",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let mut relay = RelayProcess {
        child,
        base: format!("http://{}", line.trim().rsplit(' ').next().unwrap()),
    };
    let url = format!("{}/api/1/envelope/?sentry_key=public", relay.base);
    let session = b"{}\n{\"type\":\"session\"}\n{}\n".to_vec();
    let statuses: Vec<u16> = (0..3)
        .map(|_| reqwest::post(&url, &[], session.clone()).0)
        .collect();
    assert_eq!(statuses, [200, 200, 429]);
    wait_until(Duration::from_secs(3), || {
        relay.stats()["upstream_retries"].as_u64() >= Some(2)
    });
    let stats = relay.stats();
    assert_eq!(stats["queued"], 2);
    assert_eq!(stats["throttled"], 1);
    assert_eq!(stats["received"], 2);
    relay.terminate();
}

#[test]
fn a_relay_started_while_redis_is_down_fails_open() {
    // Nothing listens on port 9: Redis is down from the start. The relay serves anyway and
    // forwards every error event at once, counted.
    let upstream = EnvelopeReceiver::new().start();
    let relay = RelayProcess::start(
        &upstream,
        &["--window", "30s", "--redis", "redis://127.0.0.1:9"],
    );
    for (service, span, parent) in [
        ("gateway", "1111111111111111", None),
        ("payments", "3333333333333333", Some("1111111111111111")),
    ] {
        let client = client(&relay.dsn());
        client.capture_event(error_event(service, span, parent), None);
        assert!(client.flush(Some(Duration::from_secs(5))));
    }
    wait_until(Duration::from_secs(5), || upstream.events() >= 2);
    assert_eq!(upstream.events(), 2, "each event, long before the window");
    assert_eq!(relay.stats()["forwarded_redis_unavailable"], 2);
}
