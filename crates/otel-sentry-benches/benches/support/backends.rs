//! The setup production uses, minus the network: an opentelemetry_sdk tracer provider
//! with a batch span processor whose exporter discards, and a Sentry client whose
//! transport discards. Both count what they were handed, so a benchmark can show that the
//! stacks it compares produce the same spans and events per request.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{BatchSpanProcessor, SdkTracerProvider, SpanData, SpanExporter};
use sentry_core::protocol::EnvelopeItem;
use sentry_core::{Client, ClientOptions, Envelope, Hub, Transport};

/// Spans go nowhere, counted: the cost measured is the middleware's, not an exporter's.
#[derive(Debug)]
struct DiscardSpans(Arc<AtomicUsize>);

impl SpanExporter for DiscardSpans {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.0.fetch_add(batch.len(), Ordering::Relaxed);
        Ok(())
    }
}

/// Events go nowhere, counted by kind.
#[derive(Default)]
struct DiscardEvents {
    events: AtomicUsize,
    transactions: AtomicUsize,
}

impl Transport for DiscardEvents {
    fn send_envelope(&self, envelope: Envelope) {
        for item in envelope.items() {
            match item {
                EnvelopeItem::Event(_) => self.events.fetch_add(1, Ordering::Relaxed),
                EnvelopeItem::Transaction(_) => self.transactions.fetch_add(1, Ordering::Relaxed),
                _ => 0,
            };
        }
    }
}

/// A tracer provider and a Sentry client sending to nowhere, with their counts.
pub struct Backends {
    pub provider: SdkTracerProvider,
    pub client: Arc<Client>,
    spans: Arc<AtomicUsize>,
    sentry: Arc<DiscardEvents>,
}

/// Spans, Sentry events and Sentry transactions produced, per request.
#[derive(Debug, PartialEq)]
pub struct Output {
    pub spans: f64,
    pub events: f64,
    pub transactions: f64,
}

impl Backends {
    pub fn new() -> Self {
        let spans = Arc::new(AtomicUsize::new(0));
        let provider = SdkTracerProvider::builder()
            .with_span_processor(BatchSpanProcessor::builder(DiscardSpans(spans.clone())).build())
            .build();
        let sentry = Arc::new(DiscardEvents::default());
        let mut options = ClientOptions::new().dsn("https://public@sentry.invalid/1");
        options.transport = Some(Arc::new(sentry.clone()));
        Backends {
            provider,
            client: Arc::new(options.into()),
            spans,
            sentry,
        }
    }

    /// A hub of the client.
    pub fn hub(&self) -> Arc<Hub> {
        Arc::new(Hub::new(Some(self.client.clone()), Default::default()))
    }

    /// What `requests` calls of `operation` produce, per call.
    pub fn output_per_request(&self, requests: usize, mut operation: impl FnMut()) -> Output {
        let _ = self.provider.force_flush();
        let before = self.counts();
        for _ in 0..requests {
            operation();
        }
        let _ = self.provider.force_flush();
        let after = self.counts();
        let per = |after: usize, before: usize| (after - before) as f64 / requests as f64;
        Output {
            spans: per(after.0, before.0),
            events: per(after.1, before.1),
            transactions: per(after.2, before.2),
        }
    }

    fn counts(&self) -> (usize, usize, usize) {
        (
            self.spans.load(Ordering::Relaxed),
            self.sentry.events.load(Ordering::Relaxed),
            self.sentry.transactions.load(Ordering::Relaxed),
        )
    }
}

/// A tracer provider exporting in batches to nowhere.
pub fn tracer_provider() -> SdkTracerProvider {
    Backends::new().provider
}

/// A hub whose client sends to nowhere.
pub fn sentry_hub() -> Arc<Hub> {
    Backends::new().hub()
}

/// A metric exporter that discards what it is given.
#[derive(Debug)]
struct DiscardMetrics;

impl opentelemetry_sdk::metrics::exporter::PushMetricExporter for DiscardMetrics {
    async fn export(
        &self,
        _metrics: &opentelemetry_sdk::metrics::data::ResourceMetrics,
    ) -> OTelSdkResult {
        Ok(())
    }

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: std::time::Duration) -> OTelSdkResult {
        Ok(())
    }

    fn temporality(&self) -> opentelemetry_sdk::metrics::Temporality {
        opentelemetry_sdk::metrics::Temporality::Cumulative
    }
}

/// A meter provider aggregating in memory, exported (and discarded) once an hour: the
/// benchmarks pay the recording, not an export.
pub fn discarding_meter_provider() -> opentelemetry_sdk::metrics::SdkMeterProvider {
    let reader = opentelemetry_sdk::metrics::PeriodicReader::builder(DiscardMetrics)
        .with_interval(std::time::Duration::from_secs(3600))
        .build();
    opentelemetry_sdk::metrics::SdkMeterProvider::builder()
        .with_reader(reader)
        .build()
}
