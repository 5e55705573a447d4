//! The OpenTelemetry half: which OTLP/HTTP exporters the tracer provider batches spans to
//! (the `OTEL_EXPORTER_OTLP_*` endpoint, Sentry's endpoint from the DSN, both or none), and
//! the provider built over them.
//!
//! The SDK reads the rest of the standard environment itself: `OTEL_SERVICE_NAME` and
//! `OTEL_RESOURCE_ATTRIBUTES` (the default resource), `OTEL_TRACES_SAMPLER` and
//! `OTEL_TRACES_SAMPLER_ARG` (the default sampler, every standard value), `OTEL_BSP_*` (the
//! batch processor); opentelemetry-otlp reads `OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT`,
//! `_HEADERS`, `_TIMEOUT` and `_COMPRESSION`.

use std::collections::HashMap;
use std::time::Duration;

use opentelemetry_otlp::{SpanExporter, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::trace::{SdkTracerProvider, TracerProviderBuilder};

use crate::error::InitError;
use crate::otlp_env::{self, Signal};
use crate::sentry_otlp_endpoint::{SENTRY_AUTH_HEADER, SentryOtlpEndpoint};

/// The exporter to the `OTEL_EXPORTER_OTLP_*` endpoint. Its request timeout is
/// `timeout` unless `OTEL_EXPORTER_OTLP_[TRACES_]TIMEOUT` says otherwise, so the last batch
/// fits in the guard's shutdown.
pub(crate) fn env_exporter(timeout: Duration) -> Result<SpanExporter, InitError> {
    let mut builder = SpanExporter::builder().with_http();
    if otlp_env::timeout_unset(Signal::Traces) {
        builder = builder.with_timeout(timeout);
    }
    builder.build().map_err(|source| InitError::Exporter {
        destination: "OTEL_EXPORTER_OTLP_ENDPOINT",
        source,
    })
}

/// The exporter to Sentry's OTLP endpoint. The URL given in code wins over the endpoint
/// variables; `OTEL_EXPORTER_OTLP_HEADERS` would still be added by opentelemetry-otlp,
/// which is why spans go to Sentry by default only when no OTLP endpoint is configured.
pub(crate) fn sentry_exporter(
    endpoint: &SentryOtlpEndpoint,
    timeout: Duration,
) -> Result<SpanExporter, InitError> {
    SpanExporter::builder()
        .with_http()
        .with_endpoint(endpoint.traces_url())
        .with_headers(HashMap::from([(
            SENTRY_AUTH_HEADER.to_owned(),
            endpoint.auth_header_value().to_owned(),
        )]))
        .with_timeout(timeout)
        .build()
        .map_err(|source| InitError::Exporter {
            destination: "Sentry",
            source,
        })
}

/// A provider batching to `exporters` and running `processors` (added in code), with
/// [`otlp_env::resource`].
pub(crate) fn provider(
    exporters: Vec<SpanExporter>,
    processors: Vec<AddProcessor>,
    service_name: Option<&str>,
) -> SdkTracerProvider {
    let mut builder: TracerProviderBuilder = SdkTracerProvider::builder();
    for exporter in exporters {
        builder = builder.with_batch_exporter(exporter);
    }
    for add in processors {
        builder = add(builder);
    }
    builder
        .with_resource(otlp_env::resource(service_name))
        .build()
}

/// A span processor given to [`Init::span_processor`](crate::Init::span_processor), kept
/// as the step that adds it: the SDK's builder takes each processor by its own type.
pub(crate) type AddProcessor = Box<dyn FnOnce(TracerProviderBuilder) -> TracerProviderBuilder>;
