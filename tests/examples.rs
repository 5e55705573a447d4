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

/// What only the middleware gives: the server receives `traceparent` and `sentry-trace`
/// naming the job's trace and a client span of the middleware's, a child of the job span.
#[tokio::test]
async fn reqwest_client_sends_its_trace_through_a_client_span() {
    use std::sync::{Arc, Mutex};

    use axum::http::HeaderMap;
    use axum::routing::get;

    let received: Arc<Mutex<Vec<HeaderMap>>> = Arc::default();
    let record = Arc::clone(&received);
    let app = axum::Router::new().route(
        "/hello",
        get(move |headers: HeaderMap| async move {
            record.lock().unwrap().push(headers);
            "hello"
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hello", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let output = tokio::task::spawn_blocking(move || {
        example_command("reqwest_client")
            .arg(url)
            .output()
            .expect("the client runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    let mut lines = stdout.lines();
    let trace = lines.next().unwrap_or_default();
    let trace_id = trace.strip_prefix("trace ").unwrap_or_default();
    assert_eq!(trace_id.len(), 32, "{stdout}");
    let job_span = lines
        .next()
        .and_then(|line| line.strip_prefix("job span "))
        .unwrap_or_default();
    assert_eq!(job_span.len(), 16, "{stdout}");
    assert!(
        lines.next().unwrap_or_default().ends_with("→ 200 OK"),
        "{stdout}"
    );

    let received = received.lock().unwrap();
    assert_eq!(received.len(), 1);
    let header = |name: &str| {
        received[0]
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let traceparent = header("traceparent");
    let parts: Vec<&str> = traceparent.split('-').collect();
    assert_eq!(parts.len(), 4, "traceparent {traceparent:?}");
    assert_eq!(parts[1], trace_id, "the job's trace");
    assert_ne!(
        parts[2], job_span,
        "a client span of its own under the job's"
    );
    assert_eq!(
        header("sentry-trace")
            .split('-')
            .take(2)
            .collect::<Vec<_>>(),
        [trace_id, parts[2]],
        "sentry-trace names the same span"
    );
}
