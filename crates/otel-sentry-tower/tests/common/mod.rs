//! A real axum server on 127.0.0.1 behind `CorrelationLayer`, a real reqwest client, spans
//! from opentelemetry_sdk's in-memory exporter and events from sentry's test transport.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry::{Key, Value};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use otel_sentry_tower::CorrelationLayer;
use sentry_core::protocol::Event;
use sentry_core::test::TestTransport;
use sentry_core::{ClientOptions, Hub};

pub struct Harness {
    pub base: String,
    pub client: reqwest::Client,
    pub exporter: InMemorySpanExporter,
    pub provider: SdkTracerProvider,
    pub transport: Arc<TestTransport>,
    pub hub: Arc<Hub>,
}

/// Sentry options pointing at the test transport.
pub fn sentry_options() -> ClientOptions {
    ClientOptions::new().dsn("https://public@sentry.invalid/1")
}

impl Harness {
    /// Serves `router` behind `layer` (given the harness's tracer and Sentry hub).
    pub async fn serve(
        router: Router,
        layer: impl FnOnce(CorrelationLayer) -> CorrelationLayer,
    ) -> Harness {
        Self::serve_with(router, Some(sentry_options()), layer).await
    }

    /// Like `serve`, with these Sentry options, or no Sentry client at all.
    pub async fn serve_with(
        router: Router,
        sentry: Option<ClientOptions>,
        layer: impl FnOnce(CorrelationLayer) -> CorrelationLayer,
    ) -> Harness {
        Self::serve_tracing(router, sentry, true, layer).await
    }

    /// Like `serve`, with the global tracer provider instead of the harness's tracer (the
    /// harness's provider is then only handed to the caller).
    pub async fn serve_global(router: Router) -> Harness {
        Self::serve_tracing(router, Some(sentry_options()), false, |layer| {
            layer.response_traceparent(true)
        })
        .await
    }

    async fn serve_tracing(
        router: Router,
        sentry: Option<ClientOptions>,
        own_tracer: bool,
        layer: impl FnOnce(CorrelationLayer) -> CorrelationLayer,
    ) -> Harness {
        let exporter = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_simple_exporter(exporter.clone())
            .build();
        let transport = TestTransport::new();
        let client = sentry.map(|options| {
            let mut options = options;
            options.transport = Some(Arc::new(transport.clone()));
            Arc::new(options.into())
        });
        let hub = Arc::new(Hub::new(client, Arc::new(Default::default())));
        let base = CorrelationLayer::new().sentry_hub(hub.clone());
        let base = if own_tracer {
            base.tracer(provider.tracer("test"))
        } else {
            base
        };
        let layer = layer(base);
        let app = router.layer(layer);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .unwrap();
        });
        Harness {
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
            exporter,
            provider,
            transport,
            hub,
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

    /// The finished spans, once `count` have ended (the span ends with the body, which may
    /// be after the client has read it). Waits at most two seconds.
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
        .find(|kv| kv.key == Key::from(key.to_owned()))
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

/// A response header's value as text.
pub fn header(response: &reqwest::Response, name: &str) -> String {
    response.headers()[name].to_str().unwrap().to_owned()
}
