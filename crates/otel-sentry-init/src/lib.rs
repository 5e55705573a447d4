//! # otel-sentry-init
//!
//! One call sets up both SDKs the way otel-sentry expects them, from the standard
//! environment: [`init`] in `main`, keep the [`TelemetryGuard`] it returns until the end.
//! Re-exported by the `otel-sentry` facade behind its feature `init`.
//!
//! | part | what it is | configured by |
//! | --- | --- | --- |
//! | Sentry | `sentry::init` with the default integrations, [`TraceContextIntegration`](otel_sentry_core::TraceContextIntegration) (events carry the active span's ids) and `SentryHttpTransport` (timeouts within the shutdown timeout, rustls) | `SENTRY_DSN`, `SENTRY_RELEASE`, `SENTRY_ENVIRONMENT`, `HTTP(S)_PROXY` |
//! | tracer provider | the SDK's, installed globally, a batch processor per exporter | `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG`, `OTEL_BSP_*` (read by the SDK) |
//! | OTLP/HTTP exporter | protobuf over HTTP | `OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT`, `_HEADERS`, `_TIMEOUT`, `_COMPRESSION` (read by opentelemetry-otlp); `OTEL_TRACES_EXPORTER=none` or `otlp` |
//! | spans to Sentry | an OTLP/HTTP exporter to the DSN's project ([`SentryOtlpEndpoint`]) | on by default when a DSN is set and no OTLP endpoint is; [`Init::spans_to_sentry`] |
//! | meter provider | the SDK's, installed globally, a periodic reader over an OTLP/HTTP exporter, when the environment asks for metrics (the layers' `http.server.request.duration` and `http.client.request.duration` go there) | `OTEL_METRICS_EXPORTER=otlp` or `OTEL_EXPORTER_OTLP_[METRICS_]ENDPOINT`; `OTEL_METRICS_EXPORTER=none`; `OTEL_METRIC_EXPORT_INTERVAL` |
//! | propagator | [`CorrelationPropagator`](otel_sentry_core::CorrelationPropagator), installed globally | |
//!
//! With nothing set, everything still runs: Sentry has no DSN and drops events, spans get
//! ids (so events, logs and outgoing headers carry the trace) but are exported nowhere —
//! not to a `localhost:4318` collector that is not there. A malformed DSN or endpoint is an
//! [`InitError`] from [`Init::install`]; [`init`] logs it as a `tracing` warning and
//! turns that part off, so a typo in a deployment never stops the service.
//!
//! ```no_run
//! let _telemetry = otel_sentry_init::init();
//! // … build and run the service; at the end of `main` the guard flushes the last spans
//! // and events …
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod builder;
mod error;
mod guard;
mod metric_export;
mod otlp_env;
mod sentry_client;
mod sentry_otlp_endpoint;
mod span_export;

pub use builder::Init;
pub use error::InitError;
pub use guard::TelemetryGuard;
pub use sentry_otlp_endpoint::{SENTRY_AUTH_HEADER, SentryOtlpEndpoint};

/// Sets up Sentry, a global tracer provider with OTLP export and the propagator from the
/// environment (see the [crate docs](crate)); a malformed part is logged and off, never a
/// panic. [`Init`] overrides any part and returns errors instead.
pub fn init() -> TelemetryGuard {
    match Init::new().lenient().install() {
        Ok(guard) => guard,
        // Lenient: every part's error became a warning; nothing else fails.
        Err(error) => unreachable_lenient(error),
    }
}

/// `install` in lenient mode turns every error into a warning; were one to come through
/// all the same, the service still starts, with telemetry off.
#[cold]
fn unreachable_lenient(error: InitError) -> TelemetryGuard {
    tracing::warn!(target: "otel_sentry::init", %error, "telemetry off");
    TelemetryGuard {
        sentry: guard::SentryClient {
            client: std::sync::Arc::new(sentry::Client::from(sentry::ClientOptions::default())),
            _init_guard: None,
        },
        provider: opentelemetry_sdk::trace::SdkTracerProvider::builder().build(),
        meter_provider: None,
        shutdown_timeout: std::time::Duration::ZERO,
    }
}
