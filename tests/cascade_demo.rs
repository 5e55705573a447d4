//! `cargo run --example cascade`, end to end: the built example is run as a newcomer runs
//! it, and its output and its Sentry event file are checked.

use std::collections::HashMap;
mod example_binaries;

use std::path::PathBuf;
use std::process::Output;
use std::time::{Duration, Instant};

use serde_json::Value;

fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("otel-sentry-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

fn run_demo(args: &[&str]) -> (Output, Duration) {
    let mut demo = example_binaries::example_command("cascade");
    let started = Instant::now();
    let output = demo
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .args(args)
        .output()
        .expect("the demo starts");
    (output, started.elapsed())
}

/// The output's blocks, one per request: the header line and the span lines.
fn trace_blocks(stdout: &str) -> Vec<Vec<&str>> {
    let mut blocks: Vec<Vec<&str>> = Vec::new();
    for line in stdout.lines() {
        if line.starts_with("● GET ") {
            blocks.push(vec![line]);
        } else if line.starts_with("  ")
            && let Some(block) = blocks.last_mut()
        {
            block.push(line);
        }
    }
    blocks
}

fn trace_id_of(header: &str) -> &str {
    let after = header.split("trace ").nth(1).expect("a trace id");
    &after[..32]
}

#[test]
fn the_demo_shows_one_trace_per_request_and_one_event_per_failing_trace() {
    let dir = scratch_dir("cascade-demo");
    let events_file = dir.join("events.jsonl");
    let (output, took) = run_demo(&["--events-file", events_file.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(took < Duration::from_secs(10), "the demo took {took:?}");
    assert!(
        !stdout.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );

    let blocks = trace_blocks(&stdout);
    assert_eq!(blocks.len(), 4, "a waterfall per request:\n{stdout}");
    let trace_ids: Vec<&str> = blocks.iter().map(|block| trace_id_of(block[0])).collect();
    let mut distinct = trace_ids.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 4, "one trace per request: {trace_ids:?}");

    let declined = &blocks[2];
    assert!(
        declined[0].contains("/checkout/1003 → 500"),
        "{}",
        declined[0]
    );
    for service in ["gateway", "orders", "payments"] {
        assert!(
            declined[1..]
                .iter()
                .any(|line| line.trim_start().starts_with(service)),
            "{service} in the waterfall:\n{}",
            declined.join("\n")
        );
    }
    let root_lines: Vec<_> = declined
        .iter()
        .filter(|line| line.contains("root cause"))
        .collect();
    assert_eq!(root_lines.len(), 1);
    assert!(root_lines[0].trim_start().starts_with("payments"));
    assert!(root_lines[0].contains("root cause: PaymentDeclined"));
    assert!(
        blocks[3][1..]
            .iter()
            .any(|line| line.contains("root cause: panic"))
    );

    assert!(
        stdout.contains(
            "Summary: 4 requests → 4 traces · 2 events sent to Sentry · 3 cascading errors suppressed"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(&events_file.display().to_string()),
        "the file is named"
    );

    // The event file: exactly one event per failing trace, none for the paid ones.
    let mut per_trace: HashMap<String, Vec<Value>> = HashMap::new();
    for line in std::fs::read_to_string(&events_file)
        .expect("the event file")
        .lines()
    {
        let event: Value = serde_json::from_str(line).expect("a JSON event per line");
        let trace_id = event["contexts"]["trace"]["trace_id"]
            .as_str()
            .unwrap()
            .to_owned();
        per_trace.entry(trace_id).or_default().push(event);
    }
    assert_eq!(per_trace.len(), 2, "{per_trace:#?}");
    let declined_events = &per_trace[trace_ids[2]];
    assert_eq!(declined_events.len(), 1);
    let exception = declined_events[0]["exception"]["values"]
        .as_array()
        .unwrap();
    assert!(
        exception.last().unwrap()["type"]
            .as_str()
            .unwrap()
            .ends_with("PaymentDeclined")
    );
    assert_eq!(declined_events[0]["tags"]["otel.trace_id"], trace_ids[2]);
    assert_eq!(per_trace[trace_ids[3]].len(), 1);

    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_port_in_use_stops_the_demo_with_a_clear_message() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = taken.local_addr().unwrap().port().to_string();
    let dir = scratch_dir("cascade-demo-port");
    let events_file = dir.join("events.jsonl");
    let (output, _) = run_demo(&[
        "--gateway-port",
        &port,
        "--events-file",
        events_file.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains(&format!("cannot bind gateway to 127.0.0.1:{port}")),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
