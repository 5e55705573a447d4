//! The metrics half: when the environment asks for metrics (`OTEL_METRICS_EXPORTER=otlp`,
//! or an OTLP endpoint for them), a meter provider exporting over OTLP/HTTP on a periodic
//! reader, so the layers' `http.server.request.duration` and `http.client.request.duration`
//! reach the collector. Sentry's OTLP endpoint takes no metrics; nothing goes there.
//!
//! The SDK's reader reads `OTEL_METRIC_EXPORT_INTERVAL` (default 60 s) itself;
//! opentelemetry-otlp reads `OTEL_EXPORTER_OTLP_[METRICS_]ENDPOINT`, `_HEADERS`,
//! `_TIMEOUT` and `_COMPRESSION`.

use std::time::Duration;

use opentelemetry_otlp::{MetricExporter, WithExportConfig};
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};

use crate::error::InitError;
use crate::otlp_env::{self, Signal};

/// A meter provider over the exporter to the `OTEL_EXPORTER_OTLP_*` endpoint, with
/// [`otlp_env::resource`]. The exporter's request timeout is `timeout` unless the
/// environment sets one, so the last export at shutdown fits in the guard's wait.
pub(crate) fn env_meter_provider(
    timeout: Duration,
    service_name: Option<&str>,
) -> Result<SdkMeterProvider, InitError> {
    let mut builder = MetricExporter::builder().with_http();
    if otlp_env::timeout_unset(Signal::Metrics) {
        builder = builder.with_timeout(timeout);
    }
    let exporter = builder.build().map_err(|source| InitError::Exporter {
        destination: "OTEL_EXPORTER_OTLP_ENDPOINT (metrics)",
        source,
    })?;
    Ok(SdkMeterProvider::builder()
        .with_reader(PeriodicReader::builder(exporter).build())
        .with_resource(otlp_env::resource(service_name))
        .build())
}
