//! A stand-in for Sentry's ingestion: an HTTP server on 127.0.0.1 that receives envelopes
//! and counts the error events in them, and the error events client reports say were
//! discarded. It runs on its own thread and runtime, so synchronous tests can use it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::Value;
use tokio::sync::oneshot;

/// How the receiver answers an envelope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Answer {
    /// `200 OK`, after a delay.
    After(Duration),
    /// Never: reads the request and keeps the connection open without a word.
    Never,
}

/// What the receiver counted.
#[derive(Default)]
struct Counts {
    envelopes: AtomicU64,
    events: AtomicU64,
    discarded_events: AtomicU64,
    /// The event payloads, and each request's path, query and `X-Sentry-Auth`.
    received: std::sync::Mutex<Received>,
}

#[derive(Default)]
struct Received {
    events: Vec<Value>,
    requests: Vec<ReceivedRequest>,
}

/// A request the receiver saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceivedRequest {
    /// Path and query.
    pub path_and_query: String,
    /// The `X-Sentry-Auth` header.
    pub auth: Option<String>,
}

/// An envelope receiver on 127.0.0.1, stopped when dropped. Builder style:
/// [`EnvelopeReceiver::new`], then [`answer_after`](Self::answer_after) or
/// [`never_answer`](Self::never_answer), then [`start`](Self::start).
pub struct EnvelopeReceiver {
    answer: Answer,
}

impl Default for EnvelopeReceiver {
    fn default() -> Self {
        Self::new()
    }
}

impl EnvelopeReceiver {
    /// A receiver that answers every envelope at once.
    pub fn new() -> Self {
        EnvelopeReceiver {
            answer: Answer::After(Duration::ZERO),
        }
    }

    /// Answer each envelope after `delay`: a slow Sentry.
    pub fn answer_after(mut self, delay: Duration) -> Self {
        self.answer = Answer::After(delay);
        self
    }

    /// Accept connections and requests but never answer: a Sentry that hangs.
    pub fn never_answer(mut self) -> Self {
        self.answer = Answer::Never;
        self
    }

    /// Binds a free port of 127.0.0.1 and serves until the returned receiver is dropped.
    pub fn start(self) -> RunningReceiver {
        let counts = Arc::new(Counts::default());
        let (stop, stopped) = oneshot::channel::<()>();
        let (bound, port) = std::sync::mpsc::channel();
        let app = Router::new()
            .fallback(receive)
            .with_state((counts.clone(), self.answer));
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a tokio runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("a free port on 127.0.0.1");
                let address = listener.local_addr().expect("its address");
                bound.send(address).expect("the test waits for the port");
                tokio::spawn(async move { axum::serve(listener, app).await });
                // Connections that are never answered end with the runtime.
                let _ = stopped.await;
            });
            runtime.shutdown_timeout(Duration::from_secs(1));
        });
        let address = port.recv().expect("the receiver binds");
        RunningReceiver {
            dsn: format!("http://public@{address}/1"),
            counts,
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

/// A running [`EnvelopeReceiver`].
pub struct RunningReceiver {
    dsn: String,
    counts: Arc<Counts>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl RunningReceiver {
    /// A DSN pointing at this receiver.
    pub fn dsn(&self) -> &str {
        &self.dsn
    }

    /// How many envelopes arrived.
    pub fn envelopes(&self) -> u64 {
        self.counts.envelopes.load(Ordering::SeqCst)
    }

    /// How many `event` items arrived.
    pub fn events(&self) -> u64 {
        self.counts.events.load(Ordering::SeqCst)
    }

    /// The sum of the `discarded_events` quantities of category `error` in the
    /// `client_report` items that arrived.
    pub fn discarded_events(&self) -> u64 {
        self.counts.discarded_events.load(Ordering::SeqCst)
    }

    /// The `event` payloads (of envelopes, and `/store/` bodies) that arrived, as JSON.
    pub fn event_payloads(&self) -> Vec<Value> {
        self.counts
            .received
            .lock()
            .map(|r| r.events.clone())
            .unwrap_or_default()
    }

    /// The requests that arrived.
    pub fn requests(&self) -> Vec<ReceivedRequest> {
        self.counts
            .received
            .lock()
            .map(|r| r.requests.clone())
            .unwrap_or_default()
    }

    /// Waits until events and discarded events add up to `expected` or `timeout` passes;
    /// returns `(events, discarded_events)`.
    pub fn wait_for(&self, expected: u64, timeout: Duration) -> (u64, u64) {
        let deadline = Instant::now() + timeout;
        loop {
            let counted = (self.events(), self.discarded_events());
            if counted.0 + counted.1 >= expected || Instant::now() >= deadline {
                return counted;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for RunningReceiver {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn receive(
    State((counts, answer)): State<(Arc<Counts>, Answer)>,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> StatusCode {
    if let Ok(mut received) = counts.received.lock() {
        received.requests.push(ReceivedRequest {
            path_and_query: uri
                .path_and_query()
                .map(|p| p.to_string())
                .unwrap_or_default(),
            auth: headers
                .get("x-sentry-auth")
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned),
        });
    }
    if uri.path().ends_with("/store/") {
        counts.envelopes.fetch_add(1, Ordering::SeqCst);
        counts.events.fetch_add(1, Ordering::SeqCst);
        if let (Ok(event), Ok(mut received)) = (
            serde_json::from_slice::<Value>(&body),
            counts.received.lock(),
        ) {
            received.events.push(event);
        }
    } else {
        count_envelope(&counts, &body);
    }
    match answer {
        Answer::After(delay) => {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            StatusCode::OK
        }
        Answer::Never => std::future::pending().await,
    }
}

/// Counts the items of one envelope: a header line, then per item a JSON header line
/// (`type`, optional `length`) and its payload (`length` bytes, or up to the next newline).
fn count_envelope(counts: &Counts, body: &[u8]) {
    counts.envelopes.fetch_add(1, Ordering::SeqCst);
    let Some(mut rest) = split_line(body).map(|(_, rest)| rest) else {
        return;
    };
    while !rest.is_empty() {
        let Some((header, after_header)) = split_line(rest) else {
            return;
        };
        if header.iter().all(u8::is_ascii_whitespace) {
            rest = after_header;
            continue;
        }
        let Ok(header) = serde_json::from_slice::<Value>(header) else {
            return;
        };
        let (payload, after_payload) = match header["length"].as_u64() {
            Some(length) => {
                let length = (length as usize).min(after_header.len());
                let (payload, after) = after_header.split_at(length);
                (payload, after.strip_prefix(b"\n").unwrap_or(after))
            }
            None => split_line(after_header).unwrap_or((after_header, &[])),
        };
        match header["type"].as_str() {
            Some("event") => {
                counts.events.fetch_add(1, Ordering::SeqCst);
                if let (Ok(event), Ok(mut received)) = (
                    serde_json::from_slice::<Value>(payload),
                    counts.received.lock(),
                ) {
                    received.events.push(event);
                }
            }
            Some("client_report") => {
                let report: Value = serde_json::from_slice(payload).unwrap_or_default();
                let discarded: u64 = report["discarded_events"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|entry| entry["category"] == "error")
                    .filter_map(|entry| entry["quantity"].as_u64())
                    .sum();
                counts
                    .discarded_events
                    .fetch_add(discarded, Ordering::SeqCst);
            }
            _ => {}
        }
        rest = after_payload;
    }
}

/// The bytes up to the first newline and those after it; `None` for no bytes at all.
fn split_line(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    if bytes.is_empty() {
        return None;
    }
    Some(match bytes.iter().position(|&byte| byte == b'\n') {
        Some(end) => (&bytes[..end], &bytes[end + 1..]),
        None => (bytes, &[]),
    })
}
