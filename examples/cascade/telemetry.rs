//! Each service's telemetry, set up by `otel_sentry::Init::build` (one service among
//! three in this process, so nothing global): a tracer provider whose spans are also kept
//! in memory for the waterfall (and exported over OTLP when `OTEL_EXPORTER_OTLP_ENDPOINT`
//! is set), and a Sentry client whose events go to the event file (and to `SENTRY_DSN`
//! when set) through the windowed deduplication transport.

use std::sync::Arc;
use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracer, SimpleSpanProcessor};
use otel_sentry::{CascadeWindow, Init, TelemetryGuard};
use sentry_core::{ClientOptions, Hub};

use crate::event_file::{EventFile, EventSink};

/// Where events go without `SENTRY_DSN`: nowhere but the file (a client needs a DSN).
const OFFLINE_DSN: &str = "https://demo@sentry.invalid/1";

pub struct Service {
    pub name: &'static str,
    telemetry: TelemetryGuard,
    pub hub: Arc<Hub>,
}

impl Service {
    pub fn tracer(&self) -> SdkTracer {
        self.telemetry.tracer_provider().tracer(self.name)
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
            let mut options = ClientOptions::new()
                .release(format!("{name}@{}", env!("CARGO_PKG_VERSION")))
                .environment("demo");
            if sentry_dsn.is_none() {
                options = options.dsn(OFFLINE_DSN);
            }
            options.server_name = Some(name.into());
            options.transport = Some(CascadeWindow::new().window(Duration::from_secs(2)).wrap(
                EventSink {
                    file: events.clone(),
                    forward: sentry_dsn.is_some(),
                },
            ));
            let mut init = Init::new()
                .service_name(name)
                .sentry_options(options)
                // The waterfall reads every span as it ends.
                .span_processor(SimpleSpanProcessor::new(spans.clone()))
                .shutdown_timeout(Duration::from_secs(5));
            if sentry_dsn.is_none() {
                // The offline DSN is no Sentry to send spans to.
                init = init.spans_to_sentry(false);
            }
            let telemetry = init
                .build()
                .map_err(|error| format!("{name}: cannot set up telemetry: {error}"))?;
            services.push(Service {
                name,
                hub: Arc::new(Hub::new(
                    Some(telemetry.sentry_client()),
                    Default::default(),
                )),
                telemetry,
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

    /// Sends everything held: Sentry events (the window's too) and batched OTLP spans,
    /// each service's guard within its 5 s.
    pub fn shutdown(&mut self) {
        self.services.clear();
    }
}
