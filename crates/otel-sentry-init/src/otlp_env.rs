//! What the standard environment asks of the OTLP exporters, per signal, and the resource
//! both providers describe the service with.

use opentelemetry_sdk::Resource;

/// A signal the environment configures separately: `OTEL_{TRACES,METRICS}_EXPORTER` and
/// `OTEL_EXPORTER_OTLP_{TRACES,METRICS}_ENDPOINT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signal {
    Traces,
    Metrics,
}

impl Signal {
    fn exporter_variable(self) -> &'static str {
        match self {
            Signal::Traces => "OTEL_TRACES_EXPORTER",
            Signal::Metrics => "OTEL_METRICS_EXPORTER",
        }
    }

    fn endpoint_variable(self) -> &'static str {
        match self {
            Signal::Traces => "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            Signal::Metrics => "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
        }
    }

    pub(crate) fn timeout_variable(self) -> &'static str {
        match self {
            Signal::Traces => "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
            Signal::Metrics => "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT",
        }
    }
}

/// Where a signal goes by the environment alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OtlpFromEnv {
    /// An endpoint variable is set, or `OTEL_{SIGNAL}_EXPORTER=otlp` (then the default
    /// `http://localhost:4318`).
    Configured,
    /// Nothing set: no exporter, rather than one failing against a localhost collector that
    /// is not there. Spans still get ids, so events and headers carry the trace.
    Unset,
    /// `OTEL_{SIGNAL}_EXPORTER=none`.
    Disabled,
}

impl OtlpFromEnv {
    pub(crate) fn read(signal: Signal) -> Self {
        let set = |name: &str| std::env::var(name).is_ok_and(|value| !value.trim().is_empty());
        match std::env::var(signal.exporter_variable())
            .as_deref()
            .map(str::trim)
        {
            Ok("none") => return Self::Disabled,
            Ok("otlp") => return Self::Configured,
            Ok("") | Err(_) => {}
            Ok(other) => tracing::warn!(
                target: "otel_sentry::init",
                variable = signal.exporter_variable(),
                exporter = other,
                "names an exporter otel-sentry does not build; only otlp (over HTTP/protobuf) and none are"
            ),
        }
        if set(signal.endpoint_variable()) || set("OTEL_EXPORTER_OTLP_ENDPOINT") {
            Self::Configured
        } else {
            Self::Unset
        }
    }
}

/// Whether the exporter's own timeout should be the guard's: unless the environment sets
/// one for the signal, so the last export fits in the guard's shutdown.
pub(crate) fn timeout_unset(signal: Signal) -> bool {
    std::env::var_os(signal.timeout_variable()).is_none()
        && std::env::var_os("OTEL_EXPORTER_OTLP_TIMEOUT").is_none()
}

/// The resource for both providers: the SDK's default (read from the environment) or,
/// when neither `OTEL_SERVICE_NAME` nor `OTEL_RESOURCE_ATTRIBUTES` names the service,
/// `service_name` as `service.name`.
pub(crate) fn resource(service_name: Option<&str>) -> Resource {
    let named_by_env = std::env::var_os("OTEL_SERVICE_NAME").is_some()
        || std::env::var("OTEL_RESOURCE_ATTRIBUTES").is_ok_and(|attributes| {
            attributes
                .split(',')
                .any(|pair| pair.trim_start().starts_with("service.name="))
        });
    match service_name.filter(|_| !named_by_env) {
        Some(name) => Resource::builder()
            .with_service_name(name.to_owned())
            .build(),
        None => Resource::builder().build(),
    }
}
