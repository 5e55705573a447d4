//! Each service's telemetry: a tracer provider whose spans are kept in memory for the
//! waterfall (and exported over OTLP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set), and a
//! Sentry client whose events go to the event file (and to `SENTRY_DSN` when set) through
//! the windowed deduplication transport.

use std::sync::Arc;
use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracer, SdkTracerProvider};
use otel_sentry::CascadeWindow;
use sentry_core::{Client, ClientOptions, Hub};

use crate::event_file::{EventFile, EventSink};

/// Where events go without `SENTRY_DSN`: nowhere but the file (a client needs a DSN).
const OFFLINE_DSN: &str = "https://demo@sentry.invalid/1";

pub struct Service {
    pub name: &'static str,
    provider: SdkTracerProvider,
    client: Arc<Client>,
    pub hub: Arc<Hub>,
}

impl Service {
    pub fn tracer(&self) -> SdkTracer {
        self.provider.tracer(self.name)
    }
}

pub struct Telemetry {
    pub spans: InMemorySpanExporter,
    pub events: Arc<EventFile>,
    pub otlp_endpoint: Option<String>,
    pub sentry_dsn: Option<String>,
    pub services: Vec<Service>,
}

fn non_empty_env(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
}

impl Telemetry {
    /// Telemetry for `names`. Call outside any async runtime: the OTLP exporter's blocking
    /// HTTP client makes its own.
    pub fn new(names: &[&'static str], events: EventFile) -> Result<Self, String> {
        let spans = InMemorySpanExporter::default();
        let events = Arc::new(events);
        let otlp_endpoint = non_empty_env("OTEL_EXPORTER_OTLP_ENDPOINT");
        let sentry_dsn = non_empty_env("SENTRY_DSN");
        let mut services = Vec::new();
        for &name in names {
            let mut provider = SdkTracerProvider::builder()
                .with_resource(Resource::builder().with_service_name(name).build())
                .with_simple_exporter(spans.clone());
            if otlp_endpoint.is_some() {
                // Reads the endpoint (and headers) from the standard environment variables.
                let exporter = opentelemetry_otlp::SpanExporter::builder()
                    .with_http()
                    .build()
                    .map_err(|error| format!("cannot build the OTLP exporter: {error}"))?;
                provider = provider.with_batch_exporter(exporter);
            }
            let mut options = ClientOptions::new()
                .dsn(sentry_dsn.as_deref().unwrap_or(OFFLINE_DSN))
                .release(format!("{name}@{}", env!("CARGO_PKG_VERSION")))
                .environment("demo");
            options.server_name = Some(name.into());
            options.transport = Some(CascadeWindow::new().window(Duration::from_secs(2)).wrap(
                EventSink {
                    file: events.clone(),
                    forward: sentry_dsn.is_some(),
                },
            ));
            let client = Arc::new(Client::from(options));
            services.push(Service {
                name,
                provider: provider.build(),
                hub: Arc::new(Hub::new(Some(client.clone()), Default::default())),
                client,
            });
        }
        Ok(Telemetry {
            spans,
            events,
            otlp_endpoint,
            sentry_dsn,
            services,
        })
    }

    pub fn service(&self, name: &str) -> &Service {
        self.services
            .iter()
            .find(|service| service.name == name)
            .expect("a service the demo set up")
    }

    /// Sends everything held: Sentry events (the window's too) and batched OTLP spans.
    pub fn shutdown(&self) {
        for service in &self.services {
            if !service.client.close(Some(Duration::from_secs(5))) {
                eprintln!("{}: Sentry events still queued after 5 s", service.name);
            }
            if let Err(error) = service.provider.shutdown() {
                eprintln!("{}: exporting spans failed: {error}", service.name);
            }
        }
    }
}
