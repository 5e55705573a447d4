//! The per-adapter examples, run as a user runs them: each server answers on the port it
//! is given, continues the caller's trace and fails `/fail` with a 500; the client example
//! calls one of them.

mod example_binaries;

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use example_binaries::example_command;

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

/// A running example server, stopped when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts example `name` on a free port; returns once it says it is listening.
fn start(name: &str) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let mut child = example_command(name)
        .env("PORT", port.to_string())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the example starts");
    let stdout = child.stdout.take().expect("its stdout");
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let mut first_line = String::new();
    BufReader::new(stdout)
        .read_line(&mut first_line)
        .expect("a line");
    assert!(
        first_line.contains(&server.base),
        "{name} said: {first_line:?}"
    );
    // It prints after binding; connecting proves it accepts.
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "{name} never accepted a connection"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    server
}

async fn check_server(name: &str) {
    let server = start(name);
    let client = reqwest::Client::new();

    let hello = client
        .get(format!("{}/hello", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(hello.status(), 200, "{name}");

    let fail = client
        .get(format!("{}/fail", server.base))
        .header("traceparent", format!("00-{TRACE_ID}-00f067aa0ba902b7-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(fail.status(), 500, "{name}");
    let traceparent = fail.headers()["traceparent"].to_str().unwrap().to_owned();
    assert!(
        traceparent.starts_with(&format!("00-{TRACE_ID}-")),
        "{name} continued the trace: {traceparent}"
    );
    assert!(
        !traceparent.contains("00f067aa0ba902b7"),
        "a span of its own"
    );
}

#[tokio::test]
async fn axum_basic_serves_and_continues_the_trace() {
    check_server("axum_basic").await;
}

#[tokio::test]
async fn actix_basic_serves_and_continues_the_trace() {
    check_server("actix_basic").await;
}

#[test]
fn reqwest_client_calls_a_server_in_a_trace_of_its_own() {
    let server = start("axum_basic");
    let output = example_command("reqwest_client")
        .arg(format!("{}/hello", server.base))
        .output()
        .expect("the client runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    let mut lines = stdout.lines();
    let trace = lines.next().unwrap_or_default();
    assert!(
        trace.starts_with("trace ") && trace.len() == 6 + 32,
        "{trace}"
    );
    assert!(
        lines.next().unwrap_or_default().ends_with("→ 200 OK"),
        "{stdout}"
    );
}
