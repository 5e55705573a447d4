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
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{SdkTracerProvider, TracerProviderBuilder};

use crate::error::InitError;
use crate::sentry_otlp_endpoint::{SENTRY_AUTH_HEADER, SentryOtlpEndpoint};

/// Where spans go by the environment alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OtlpFromEnv {
    /// An endpoint variable is set, or `OTEL_TRACES_EXPORTER=otlp` (then the default
    /// `http://localhost:4318`).
    Configured,
    /// Nothing set: no exporter, rather than one failing against a localhost collector that
    /// is not there. Spans still get ids, so events and headers carry the trace.
    Unset,
    /// `OTEL_TRACES_EXPORTER=none`.
    Disabled,
}

impl OtlpFromEnv {
    pub(crate) fn read() -> Self {
        let set = |name: &str| std::env::var(name).is_ok_and(|value| !value.trim().is_empty());
        match std::env::var("OTEL_TRACES_EXPORTER")
            .as_deref()
            .map(str::trim)
        {
            Ok("none") => return Self::Disabled,
            Ok("otlp") => return Self::Configured,
            Ok("") | Err(_) => {}
            Ok(other) => tracing::warn!(
                target: "otel_sentry::init",
                exporter = other,
                "OTEL_TRACES_EXPORTER names an exporter otel-sentry does not build; only otlp (over HTTP/protobuf) and none are"
            ),
        }
        if set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") || set("OTEL_EXPORTER_OTLP_ENDPOINT") {
            Self::Configured
        } else {
            Self::Unset
        }
    }
}

/// The exporter to the `OTEL_EXPORTER_OTLP_*` endpoint. Its request timeout is
/// `timeout` unless `OTEL_EXPORTER_OTLP_[TRACES_]TIMEOUT` says otherwise, so the last batch
/// fits in the guard's shutdown.
pub(crate) fn env_exporter(timeout: Duration) -> Result<SpanExporter, InitError> {
    let mut builder = SpanExporter::builder().with_http();
    if std::env::var_os("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT").is_none()
        && std::env::var_os("OTEL_EXPORTER_OTLP_TIMEOUT").is_none()
    {
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

/// A provider batching to `exporters`, with the default resource (read from the
/// environment) or, when neither `OTEL_SERVICE_NAME` nor `OTEL_RESOURCE_ATTRIBUTES` names
/// the service, `service_name` as `service.name`.
pub(crate) fn provider(
    exporters: Vec<SpanExporter>,
    service_name: Option<&str>,
) -> SdkTracerProvider {
    let mut builder: TracerProviderBuilder = SdkTracerProvider::builder();
    for exporter in exporters {
        builder = builder.with_batch_exporter(exporter);
    }
    let named_by_env = std::env::var_os("OTEL_SERVICE_NAME").is_some()
        || std::env::var("OTEL_RESOURCE_ATTRIBUTES").is_ok_and(|attributes| {
            attributes
                .split(',')
                .any(|pair| pair.trim_start().starts_with("service.name="))
        });
    if let Some(name) = service_name.filter(|_| !named_by_env) {
        builder = builder.with_resource(
            Resource::builder()
                .with_service_name(name.to_owned())
                .build(),
        );
    }
    builder.build()
}
