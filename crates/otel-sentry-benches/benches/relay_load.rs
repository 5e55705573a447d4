//! The relay under load, for `scripts/relay-bench.sh`: a release `otel-sentry-relay`
//! process on 127.0.0.1 in front of a minimal upstream sink on 127.0.0.1 (answers 200 to
//! every request, counts them), driven by this program over HTTP/1.1 keep-alive
//! connections as SDKs drive it.
//!
//! - throughput: `RELAY_LOAD_ENVELOPES` envelopes (default 20,000), each one error event,
//!   three per trace as in a cascade, from `RELAY_LOAD_CONCURRENCY` connections (16),
//!   relay window 1 s: envelopes per second the relay accepts, the SDK-facing latency
//!   (request sent → relay's answer) p50/p99/max, and what reached upstream;
//! - memory: `RELAY_LOAD_TRACES` error events (100,000), each its own trace, under a
//!   10-minute window so every one is held: the relay's RSS (`VmRSS`, /proc) before and
//!   with them held.
//!
//! `RELAY_BIN` is the relay binary; `RELAY_REDIS` (a `redis://` URL) runs the relay with
//! shared state. Every phase is bounded by `RELAY_LOAD_SECONDS` (default 120) and the
//! relay is killed by pid at the end. Run by `cargo bench` without `RELAY_BIN`, it says so
//! and exits.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use serde_json::{Value, json};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// The relay process, killed by pid when dropped.
struct Relay {
    child: Child,
    base: String,
}

impl Relay {
    fn start(bin: &str, upstream: &str, window: &str, redis: Option<&str>) -> Relay {
        let mut command = Command::new(bin);
        command.args([
            "--listen",
            "127.0.0.1:0",
            "--upstream",
            upstream,
            "--window",
            window,
        ]);
        if let Some(redis) = redis {
            command.args(["--redis", redis]);
        }
        let mut child = command
            .env("RUST_LOG", "otel_sentry_relay=error")
            .stdout(Stdio::piped())
            .spawn()
            .expect("the relay starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let address = line.trim().rsplit(' ').next().unwrap().to_owned();
        Relay {
            child,
            base: format!("http://{address}"),
        }
    }

    /// Resident memory in KiB.
    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("/proc/<pid>/status");
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS")
    }

    async fn stats(&self, http: &reqwest::Client) -> Value {
        http.get(format!("{}/stats", self.base))
            .send()
            .await
            .expect("stats")
            .bytes()
            .await
            .ok()
            .and_then(|body| serde_json::from_slice(&body).ok())
            .expect("JSON stats")
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A typical SDK error event (about 1.4 KB): an exception with a ten-frame stack trace,
/// tags, the trace context of span `span` in trace `trace`.
fn envelope(trace: u64, span: u64, parent: Option<u64>) -> Vec<u8> {
    let event_id = format!("{:032x}", (trace << 8) | span);
    let trace_id = format!("{:032x}", trace + 0x5eed_0000_0000);
    let frames: Vec<Value> = (0..10)
        .map(|frame| {
            json!({
                "function": format!("checkout::handlers::step_{frame}"),
                "filename": "src/handlers.rs",
                "lineno": 40 + frame,
                "in_app": true,
            })
        })
        .collect();
    let timestamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let mut trace_context = json!({
        "trace_id": trace_id,
        "span_id": format!("{:016x}", span + 1),
        "type": "trace",
    });
    if let Some(parent) = parent {
        trace_context["parent_span_id"] = Value::from(format!("{:016x}", parent + 1));
    }
    let event = json!({
        "event_id": event_id,
        "timestamp": timestamp,
        "platform": "rust",
        "level": "error",
        "server_name": format!("service-{span}"),
        "release": "checkout@1.4.2",
        "environment": "production",
        "exception": {"values": [{
            "type": "PaymentFailed",
            "value": "card declined (code 51)",
            "stacktrace": {"frames": frames},
        }]},
        "tags": {"http.route": "/checkout", "otel.trace_id": trace_id},
        "contexts": {"trace": trace_context},
        "sdk": {"name": "sentry.rust", "version": "0.49.0"},
    });
    let payload = serde_json::to_vec(&event).unwrap();
    let mut body = serde_json::to_vec(&json!({"event_id": event_id})).unwrap();
    body.push(b'\n');
    body.extend(serde_json::to_vec(&json!({"type": "event", "length": payload.len()})).unwrap());
    body.push(b'\n');
    body.extend(payload);
    body.push(b'\n');
    body
}

struct Load {
    sent: u64,
    failed: u64,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

/// Sends `count` envelopes (`make(i)`) from `concurrency` connections, stopping at
/// `deadline` if it comes first.
async fn drive(
    relay: &str,
    count: u64,
    concurrency: u64,
    deadline: Instant,
    make: fn(u64) -> Vec<u8>,
) -> Load {
    let url = format!("{relay}/api/1/envelope/");
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency as usize)
        .build()
        .unwrap();
    let next = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (http, url, next, failed) = (http.clone(), url.clone(), next.clone(), failed.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count || Instant::now() > deadline {
                    return latencies;
                }
                let body = make(i);
                let sent = Instant::now();
                let response = http
                    .post(&url)
                    .header(
                        "x-sentry-auth",
                        "Sentry sentry_key=public, sentry_version=7, sentry_client=relay-load/0",
                    )
                    .header("content-type", "application/x-sentry-envelope")
                    .body(body)
                    .send()
                    .await;
                let ok = match response {
                    Ok(response) => {
                        let ok = response.status().is_success();
                        let _ = response.bytes().await;
                        ok
                    }
                    Err(_) => false,
                };
                latencies.push(sent.elapsed());
                if !ok {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    let mut latencies = Vec::new();
    for worker in workers {
        latencies.extend(worker.await.unwrap());
    }
    let elapsed = start.elapsed();
    latencies.sort_unstable();
    Load {
        sent: latencies.len() as u64,
        failed: failed.load(Ordering::Relaxed),
        elapsed,
        latencies,
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn micros(duration: Duration) -> String {
    format!("{} µs", duration.as_micros())
}

/// The upstream sink: 200 to everything, counted.
async fn sink() -> (String, Arc<AtomicU64>) {
    let received = Arc::new(AtomicU64::new(0));
    let counter = received.clone();
    let router = Router::new().fallback(move |_body: axum::body::Bytes| {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::Relaxed);
            "{}"
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (format!("http://{address}"), received)
}

async fn run(bin: &str, redis: Option<&str>) -> Result<(), String> {
    let envelopes = env_or("RELAY_LOAD_ENVELOPES", 20_000);
    let concurrency = env_or("RELAY_LOAD_CONCURRENCY", 16);
    let traces = env_or("RELAY_LOAD_TRACES", 100_000);
    let bound = Duration::from_secs(env_or("RELAY_LOAD_SECONDS", 120));
    let mode = if redis.is_some() {
        "with Redis"
    } else {
        "in process"
    };
    let http = reqwest::Client::new();
    let (upstream, received) = sink().await;

    // Throughput and latency: cascades of three events per trace, window 1 s.
    let relay = Relay::start(bin, &upstream, "1s", redis);
    let load = drive(
        &relay.base,
        envelopes,
        concurrency,
        Instant::now() + bound,
        |i| envelope(i / 3, i % 3, (i % 3).checked_sub(1)),
    )
    .await;
    let traces_sent = load.sent.div_ceil(3);
    // Every trace decided and forwarded: one root cause each.
    let deadline = Instant::now() + Duration::from_secs(15);
    while received.load(Ordering::Relaxed) < traces_sent && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let stats = relay.stats(&http).await;
    println!(
        "[{mode}] throughput: {} envelopes in {:.2} s = {:.0} envelopes/s ({} connections, {} failed); \
         latency p50 {} p99 {} max {}; upstream got {} of {} root causes, suppressed {}, \
         forwarded because Redis was unavailable {}",
        load.sent,
        load.elapsed.as_secs_f64(),
        load.sent as f64 / load.elapsed.as_secs_f64(),
        concurrency,
        load.failed,
        micros(percentile(&load.latencies, 0.50)),
        micros(percentile(&load.latencies, 0.99)),
        micros(percentile(&load.latencies, 1.0)),
        received.load(Ordering::Relaxed),
        traces_sent,
        stats["suppressed"],
        stats["forwarded_redis_unavailable"],
    );
    drop(relay);
    if load.failed > 0 || load.sent < envelopes {
        return Err(format!(
            "{mode}: {} failed, {} of {envelopes} sent",
            load.failed, load.sent
        ));
    }

    // Memory: every trace held under a long window.
    let relay = Relay::start(bin, &upstream, "10m", redis);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = relay.rss_kib();
    let load = drive(
        &relay.base,
        traces,
        concurrency,
        Instant::now() + bound,
        |i| envelope(1_000_000 + i, 0, None),
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut held = 0;
    while Instant::now() < deadline {
        held = relay.stats(&http).await["held_traces"]
            .as_u64()
            .unwrap_or(0);
        if held >= load.sent {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let with = relay.rss_kib();
    println!(
        "[{mode}] memory: {held} traces held ({} envelopes in {:.1} s = {:.0}/s, p50 {} p99 {}): \
         RSS {:.1} MiB before, {:.1} MiB held, {:.2} KiB per trace",
        load.sent,
        load.elapsed.as_secs_f64(),
        load.sent as f64 / load.elapsed.as_secs_f64(),
        micros(percentile(&load.latencies, 0.50)),
        micros(percentile(&load.latencies, 0.99)),
        before as f64 / 1024.0,
        with as f64 / 1024.0,
        with.saturating_sub(before) as f64 / held.max(1) as f64,
    );
    if load.failed > 0 || held < traces {
        return Err(format!(
            "{mode}: {} failed, {held} of {traces} held",
            load.failed
        ));
    }
    Ok(())
}

fn main() -> ExitCode {
    let Ok(bin) = std::env::var("RELAY_BIN") else {
        eprintln!("relay_load: set RELAY_BIN (scripts/relay-bench.sh does); nothing to measure");
        return ExitCode::SUCCESS;
    };
    let redis = std::env::var("RELAY_REDIS").ok();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    match runtime.block_on(run(&bin, redis.as_deref())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("relay_load: {error}");
            ExitCode::FAILURE
        }
    }
}
