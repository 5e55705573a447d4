//! Two relay processes sharing a real redis-server (Debian's package; started here on a
//! free 127.0.0.1 port and stopped by pid). Ignored unless run by scripts/relay-e2e.sh,
//! which installs redis-server and runs these with `--ignored`, so a run without Redis
//! shows them as not run rather than passed.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use otel_sentry_test_support::EnvelopeReceiver;

struct Redis {
    child: Child,
    url: String,
}

impl Redis {
    fn start() -> Redis {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .spawn();
        let child = child.expect("redis-server runs: scripts/relay-e2e.sh installs it");
        let deadline = Instant::now() + Duration::from_secs(5);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Redis {
            child,
            url: format!("redis://127.0.0.1:{port}"),
        }
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
}

fn relays(
    upstream: &otel_sentry_test_support::RunningReceiver,
    redis: &Redis,
) -> (RelayProcess, RelayProcess) {
    let args = ["--window", "1s", "--redis", redis.url.as_str()];
    (
        RelayProcess::start(upstream, &args),
        RelayProcess::start(upstream, &args),
    )
}

fn send(
    relay: &RelayProcess,
    service: &str,
    span: &str,
    parent: Option<&str>,
) -> sentry::types::Uuid {
    let client = client(&relay.dsn());
    let id = client.capture_event(error_event(service, span, parent), None);
    assert!(client.flush(Some(Duration::from_secs(2))));
    id
}

#[test]
#[ignore = "needs redis-server: scripts/relay-e2e.sh runs it"]
fn two_replicas_forward_one_root_cause_for_a_trace_spread_over_both() {
    let redis = Redis::start();
    let upstream = EnvelopeReceiver::new().start();
    let (a, b) = relays(&upstream, &redis);
    send(&a, "gateway", "1111111111111111", None);
    let root = send(&b, "payments", "3333333333333333", Some("2222222222222222"));
    send(&a, "orders", "2222222222222222", Some("1111111111111111"));
    wait_until(Duration::from_secs(6), || upstream.events() >= 1);
    // Past both windows and a sweep: nothing more comes.
    std::thread::sleep(Duration::from_millis(1500));
    let events = upstream.event_payloads();
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0]["event_id"], root.simple().to_string());
    assert_eq!(events[0]["tags"]["cascading_errors_suppressed"], "2");
    let suppressed =
        a.stats()["suppressed"].as_u64().unwrap() + b.stats()["suppressed"].as_u64().unwrap();
    assert_eq!(suppressed, 2);
}

#[test]
#[ignore = "needs redis-server: scripts/relay-e2e.sh runs it"]
fn a_replica_killed_mid_window_has_its_events_forwarded_by_the_survivor() {
    let redis = Redis::start();
    let upstream = EnvelopeReceiver::new().start();
    let (mut a, b) = relays(&upstream, &redis);
    // a owns the trace (first to see it) and dies holding it.
    send(&a, "gateway", "1111111111111111", None);
    let root = send(&b, "orders", "2222222222222222", Some("1111111111111111"));
    let _ = a.child.kill();
    let _ = a.child.wait();
    wait_until(Duration::from_secs(8), || upstream.events() >= 1);
    std::thread::sleep(Duration::from_millis(500));
    let events = upstream.event_payloads();
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0]["event_id"], root.simple().to_string());
    assert_eq!(events[0]["tags"]["cascading_errors_suppressed"], "1");
}

#[test]
#[ignore = "needs redis-server: scripts/relay-e2e.sh runs it"]
fn with_redis_stopped_mid_run_every_event_arrives() {
    let mut redis = Redis::start();
    let upstream = EnvelopeReceiver::new().start();
    let (a, b) = relays(&upstream, &redis);
    // Held in Redis, then Redis goes: the local copies go at the window's end.
    send(&a, "gateway", "1111111111111111", None);
    send(&b, "orders", "2222222222222222", Some("1111111111111111"));
    redis.stop();
    // Sent with Redis gone: forwarded at once.
    send(&a, "payments", "3333333333333333", Some("2222222222222222"));
    wait_until(Duration::from_secs(8), || upstream.events() >= 3);
    assert_eq!(upstream.events(), 3);
    let unavailable = a.stats()["forwarded_redis_unavailable"].as_u64().unwrap()
        + b.stats()["forwarded_redis_unavailable"].as_u64().unwrap();
    assert_eq!(unavailable, 3);
}
