//! The setup production uses, minus the network: an opentelemetry_sdk tracer provider
//! with a batch span processor whose exporter discards, and a Sentry hub whose client's
//! transport discards.

use std::sync::Arc;

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{BatchSpanProcessor, SdkTracerProvider, SpanData, SpanExporter};
use sentry_core::{ClientOptions, Envelope, Hub, Transport};

/// Spans go nowhere: the cost measured is the middleware's, not an exporter's.
#[derive(Debug)]
struct DiscardSpans;

impl SpanExporter for DiscardSpans {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        drop(batch);
        Ok(())
    }
}

/// Events go nowhere.
struct DiscardEvents;

impl Transport for DiscardEvents {
    fn send_envelope(&self, envelope: Envelope) {
        drop(envelope);
    }
}

/// A tracer provider exporting in batches to nowhere.
pub fn tracer_provider() -> SdkTracerProvider {
    SdkTracerProvider::builder()
        .with_span_processor(BatchSpanProcessor::builder(DiscardSpans).build())
        .build()
}

/// A hub whose client sends to nowhere.
pub fn sentry_hub() -> Arc<Hub> {
    let mut options = ClientOptions::new().dsn("https://public@sentry.invalid/1");
    options.transport = Some(Arc::new(Arc::new(DiscardEvents)));
    Arc::new(Hub::new(
        Some(Arc::new(options.into())),
        Arc::new(Default::default()),
    ))
}
