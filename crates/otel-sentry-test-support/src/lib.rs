//! What the adapters' end-to-end tests share (a dev-dependency, never published): the
//! sanctioned capture points — opentelemetry_sdk's in-memory exporter and Sentry's test
//! transport — behind one [`Telemetry`], a [`Served`] app with a real reqwest client, and
//! helpers to read spans, a chained handler error, and an [`EnvelopeReceiver`] standing in
//! for Sentry's ingestion; and the [`conformance`] suite every server adapter passes.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod conformance;
mod envelope_receiver;
mod metrics;

pub use envelope_receiver::{EnvelopeReceiver, ReceivedRequest, RunningReceiver};
pub use metrics::{HistogramPoint, Metrics};

use std::error::Error;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;
use std::time::{Duration, Instant};

use opentelemetry::Value;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracer, SdkTracerProvider, SpanData};
use sentry_core::protocol::Event;
use sentry_core::test::TestTransport;
use sentry_core::{ClientOptions, Hub};

/// Sentry options with a DSN, for [`Telemetry::new`] to point at its test transport.
pub fn sentry_options() -> ClientOptions {
    ClientOptions::new().dsn("https://public@sentry.invalid/1")
}

/// A tracer provider exporting to memory, and a Sentry hub whose client sends to a test
/// transport.
pub struct Telemetry {
    /// Exports every span as it ends to [`exporter`](Self::exporter).
    pub provider: SdkTracerProvider,
    /// The ended spans.
    pub exporter: InMemorySpanExporter,
    /// The events sent.
    pub transport: Arc<TestTransport>,
    /// The hub the middleware under test derives request hubs from.
    pub hub: Arc<Hub>,
}

impl Telemetry {
    /// Telemetry whose hub has a client with `sentry` (its transport replaced by the test
    /// transport), or no client at all.
    pub fn new(sentry: Option<ClientOptions>) -> Self {
        let exporter = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_simple_exporter(exporter.clone())
            .build();
        let transport = TestTransport::new();
        let client = sentry.map(|mut options| {
            options.transport = Some(Arc::new(transport.clone()));
            Arc::new(options.into())
        });
        Telemetry {
            provider,
            exporter,
            transport,
            hub: Arc::new(Hub::new(client, Arc::new(Default::default()))),
        }
    }

    /// Telemetry whose events go through `hub` (its client's own transport, not the test
    /// transport), for services sharing one Sentry client or sending to a real server.
    pub fn with_hub(hub: Arc<Hub>) -> Self {
        Telemetry {
            hub,
            ..Self::new(None)
        }
    }

    /// Telemetry with a Sentry client of [`sentry_options`].
    pub fn with_sentry() -> Self {
        Self::new(Some(sentry_options()))
    }

    /// A tracer of the provider.
    pub fn tracer(&self) -> SdkTracer {
        self.provider.tracer("test")
    }

    /// The ended spans, once `count` have ended (a server span ends with its body, which
    /// may be after the client read it); fails after two seconds with another count.
    pub async fn spans(&self, count: usize) -> Vec<SpanData> {
        let deadline = Instant::now() + Duration::from_secs(2);
        loop {
            let spans = self.exporter.get_finished_spans().unwrap();
            if spans.len() >= count || Instant::now() > deadline {
                assert_eq!(spans.len(), count, "finished spans: {spans:#?}");
                return spans;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// The one span of the test.
    pub async fn server_span(&self) -> SpanData {
        self.spans(1).await.remove(0)
    }

    /// The events sent since the last call.
    pub fn events(&self) -> Vec<Event<'static>> {
        self.transport.fetch_and_clear_events()
    }
}

/// An app served on 127.0.0.1, a reqwest client for it, and the telemetry it reports to.
pub struct Served {
    /// `http://127.0.0.1:{port}`.
    pub base: String,
    /// The client every request goes through.
    pub client: reqwest::Client,
    /// Where the app's spans and events go.
    pub telemetry: Telemetry,
}

impl Served {
    /// An app listening on `base`, reporting to `telemetry`.
    pub fn new(base: String, telemetry: Telemetry) -> Self {
        Served {
            base,
            client: reqwest::Client::new(),
            telemetry,
        }
    }

    /// The URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.get_with(path, &[]).await
    }

    /// `GET path` with `headers`.
    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
        let mut request = self.client.get(self.url(path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.unwrap()
    }
}

/// Serves `router` on 127.0.0.1 (an ephemeral port, the peer address available to
/// handlers as `ConnectInfo`) in a task of the current tokio runtime.
pub async fn serve_router(router: axum::Router, telemetry: Telemetry) -> Served {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("a local address");
    tokio::spawn(async move {
        let app = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
        axum::serve(listener, app).await.expect("the server runs");
    });
    Served::new(format!("http://{addr}"), telemetry)
}

impl Deref for Served {
    type Target = Telemetry;

    fn deref(&self) -> &Telemetry {
        &self.telemetry
    }
}

/// The value of attribute `key` on `span`.
pub fn attribute(span: &SpanData, key: &str) -> Option<Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| kv.value.clone())
}

/// The value of attribute `key` of the span's event `event`.
pub fn event_attribute(span: &SpanData, event: &str, key: &str) -> Option<Value> {
    span.events
        .iter()
        .find(|e| e.name == event)?
        .attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| kv.value.clone())
}

/// A string attribute value, as [`attribute`] returns it.
pub fn string(value: &str) -> Option<Value> {
    Some(Value::from(value.to_owned()))
}

/// A response header's value as text.
pub fn header(response: &reqwest::Response, name: &str) -> String {
    response.headers()[name].to_str().unwrap().to_owned()
}

/// The root cause of [`PaymentFailed`].
#[derive(Debug)]
pub struct CardDeclined {
    /// The issuer's decline code.
    pub code: u16,
}

impl fmt::Display for CardDeclined {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "card declined with code {}", self.code)
    }
}

impl Error for CardDeclined {}

/// A handler error with a source, as real ones have.
#[derive(Debug)]
pub struct PaymentFailed {
    /// Why.
    pub source: CardDeclined,
}

impl PaymentFailed {
    /// The payment failed because the card was declined with `code`.
    pub fn card_declined(code: u16) -> Self {
        PaymentFailed {
            source: CardDeclined { code },
        }
    }
}

impl fmt::Display for PaymentFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("payment failed")
    }
}

impl Error for PaymentFailed {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.source)
    }
}

/// Request headers a hostile or careless client can make huge: `traceparent` (continuing
/// `trace_id`), a 48 KB `baggage`, a long `tracestate` and `sentry-trace`, and 16 lines of
/// 3,000 bytes (`x-big-NN`), together far over the copy's 16 KiB cap.
pub fn oversized_headers(trace_id: &str) -> reqwest::header::HeaderMap {
    let mut headers = reqwest::header::HeaderMap::new();
    let mut insert = |name: &str, value: String| {
        headers.append(
            reqwest::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.parse().unwrap(),
        );
    };
    insert("traceparent", format!("00-{trace_id}-00f067aa0ba902b7-01"));
    insert("tracestate", "k=v,".repeat(1000));
    let baggage: Vec<String> = (0..6000).map(|i| format!("m{i:04}=v")).collect();
    insert("baggage", baggage.join(","));
    insert("sentry-trace", format!("{trace_id}-00f067aa0ba902b7-1"));
    for i in 0..16 {
        insert(&format!("x-big-{i:02}"), "v".repeat(3000));
    }
    headers
}

/// Asserts that Sentry's request headers from [`oversized_headers`] are capped: no trace
/// header, values cut to 2 KiB and marked, lines over the 16 KiB cap left out and counted,
/// the short headers kept whatever the order (actix-web's is not the request's).
pub fn assert_headers_capped(headers: &std::collections::BTreeMap<String, String>) {
    for trace_header in ["traceparent", "tracestate", "baggage", "sentry-trace"] {
        assert!(
            !headers.contains_key(trace_header),
            "{trace_header} is in the trace context already"
        );
    }
    let big: Vec<&String> = headers
        .iter()
        .filter(|(name, _)| name.starts_with("x-big-"))
        .map(|(_, value)| value)
        .collect();
    assert!(!big.is_empty() && big.len() < 16, "{} big lines", big.len());
    let cut = format!("{}…", "v".repeat(2048));
    assert!(
        big.iter().all(|value| **value == cut),
        "a value keeps 2 KiB"
    );
    assert!(
        headers.contains_key("host") && headers.contains_key("accept"),
        "{:?}",
        headers.keys()
    );
    let omitted = headers
        .get("(omitted)")
        .expect("the lines left out are counted");
    assert!(
        omitted.ends_with("header lines over the 16384-byte cap"),
        "{omitted}"
    );
    let copied: usize = headers
        .iter()
        .map(|(name, value)| name.len() + value.len() + 3)
        .sum();
    assert!(copied <= 16 * 1024 + 96, "{copied} bytes of headers");
}

/// What a client that half-closes receives: it connects to `base` (`http://host:port`),
/// sends `GET path` over HTTP/1.1, shuts its sending side (FIN) and reads until the server
/// closes, or for at most two seconds.
pub async fn half_closed_get(base: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://").to_owned();
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(&addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(2)))
            .unwrap();
        let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n");
        stream.write_all(request.as_bytes()).unwrap();
        stream.shutdown(std::net::Shutdown::Write).unwrap();
        let mut received = Vec::new();
        // A reset or the timeout ends the answer too: what arrived is what counts.
        let _ = stream.read_to_end(&mut received);
        String::from_utf8_lossy(&received).into_owned()
    })
    .await
    .unwrap()
}
