//! A real actix-web `HttpServer` on 127.0.0.1 wrapped in `Correlation`, a real reqwest
//! client, spans from opentelemetry_sdk's in-memory exporter and events from Sentry's test
//! transport.
#![allow(dead_code)]

use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::{App, HttpServer, web};
use opentelemetry::Value;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use otel_sentry_actix::Correlation;
use sentry_core::protocol::Event;
use sentry_core::test::TestTransport;
use sentry_core::{ClientOptions, Hub};

pub struct Harness {
    pub base: String,
    pub client: reqwest::Client,
    pub exporter: InMemorySpanExporter,
    pub provider: SdkTracerProvider,
    pub transport: Arc<TestTransport>,
}

/// Sentry options pointing at the test transport.
pub fn sentry_options() -> ClientOptions {
    ClientOptions::new().dsn("https://public@sentry.invalid/1")
}

impl Harness {
    /// Serves the routes `routes` adds, wrapped in `Correlation` (given the harness's
    /// tracer and Sentry hub, then `configure`).
    pub async fn serve(
        routes: fn(&mut web::ServiceConfig),
        sentry: Option<ClientOptions>,
        configure: impl FnOnce(Correlation) -> Correlation,
    ) -> Harness {
        let exporter = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_simple_exporter(exporter.clone())
            .build();
        let transport = TestTransport::new();
        let client = sentry.map(|mut options| {
            options.transport = Some(Arc::new(transport.clone()));
            Arc::new(options.into())
        });
        let hub = Arc::new(Hub::new(client, Arc::new(Default::default())));
        let correlation = configure(
            Correlation::new()
                .tracer(provider.tracer("test"))
                .sentry_hub(hub),
        );
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server =
            HttpServer::new(move || App::new().wrap(correlation.clone()).configure(routes))
                .workers(1)
                .disable_signals()
                .listen(listener)
                .unwrap()
                .run();
        actix_web::rt::spawn(server);
        Harness {
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
            exporter,
            provider,
            transport,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// `GET path` with `headers`.
    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
        let mut request = self.client.get(self.url(path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.unwrap()
    }

    /// The finished spans, once `count` have ended (a span ends with the body, which may be
    /// after the client has read it). Waits at most two seconds.
    pub async fn spans(&self, count: usize) -> Vec<SpanData> {
        let deadline = Instant::now() + Duration::from_secs(2);
        loop {
            let spans = self.exporter.get_finished_spans().unwrap();
            if spans.len() >= count || Instant::now() > deadline {
                assert_eq!(spans.len(), count, "finished spans: {spans:#?}");
                return spans;
            }
            actix_web::rt::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// The one server span of the test.
    pub async fn server_span(&self) -> SpanData {
        self.spans(1).await.remove(0)
    }

    pub fn events(&self) -> Vec<Event<'static>> {
        self.transport.fetch_and_clear_events()
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

pub fn string(value: &str) -> Option<Value> {
    Some(Value::from(value.to_owned()))
}
