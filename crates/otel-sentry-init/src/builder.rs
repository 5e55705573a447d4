//! [`Init`]: what [`init`](crate::init) does, each part open to override, and errors
//! returned instead of logged.

use std::sync::Arc;
use std::time::Duration;

use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanProcessor};
use otel_sentry_core::CorrelationPropagator;
use sentry::ClientOptions;

use crate::error::InitError;
use crate::guard::{SentryClient, TelemetryGuard};
use crate::metric_export;
use crate::otlp_env::{OtlpFromEnv, Signal};
use crate::sentry_client;
use crate::sentry_otlp_endpoint::SentryOtlpEndpoint;
use crate::span_export::{self, AddProcessor};

/// Sentry's default `shutdown_timeout`, for both SDKs.
const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(2);

/// The setup, part by part; [`install`](Init::install) runs it for the process,
/// [`build`](Init::build) for one service among several in a process.
///
/// ```no_run
/// let _telemetry = otel_sentry_init::Init::new()
///     .service_name("checkout")
///     .install()?;
/// # Ok::<(), otel_sentry_init::InitError>(())
/// ```
#[derive(Default)]
#[must_use = "an Init does nothing until install() or build() runs it"]
pub struct Init {
    sentry_options: Option<ClientOptions>,
    tracer_provider: Option<SdkTracerProvider>,
    span_processors: Vec<AddProcessor>,
    meter_provider: Option<SdkMeterProvider>,
    otlp_from_env: bool,
    metrics_from_env: bool,
    spans_to_sentry: Option<bool>,
    shutdown_timeout: Option<Duration>,
    service_name: Option<String>,
    /// `init()`'s way: a part's error is a warning and that part is off.
    lenient: bool,
}

/// How a part's error is handled: returned, or logged with the part turned off.
enum Outcome<T> {
    Ready(T),
    Off,
}

impl Init {
    /// Everything from the environment, as [`init`](crate::init) does.
    pub fn new() -> Self {
        Self {
            otlp_from_env: true,
            metrics_from_env: true,
            ..Self::default()
        }
    }

    /// Own Sentry options: still completed with `SENTRY_DSN`, `SENTRY_RELEASE` and
    /// `SENTRY_ENVIRONMENT` where they leave those unset, with our transport unless they
    /// set one, and with `TraceContextIntegration` added. A disabled Sentry:
    /// `ClientOptions { dsn: None, .. }` with `SENTRY_DSN` unset.
    pub fn sentry_options(mut self, options: ClientOptions) -> Self {
        self.sentry_options = Some(options);
        self
    }

    /// Own tracer provider, installed globally as it is: no exporter is built (neither
    /// from `OTEL_EXPORTER_OTLP_*` nor to Sentry), and the guard shuts it down.
    pub fn tracer_provider(mut self, provider: SdkTracerProvider) -> Self {
        self.tracer_provider = Some(provider);
        self
    }

    /// A span processor beside the exporters, on the provider `Init` builds: the SDK's
    /// `SimpleSpanProcessor` over an in-memory exporter in a test or a demo, a processor
    /// that enriches spans. Refused with an own [`tracer_provider`](Init::tracer_provider),
    /// which is built already.
    pub fn span_processor(mut self, processor: impl SpanProcessor + 'static) -> Self {
        self.span_processors.push(Box::new(move |builder| {
            builder.with_span_processor(processor)
        }));
        self
    }

    /// Own meter provider, installed globally as it is (the layers' HTTP metrics use the
    /// global one unless configured otherwise); the guard shuts it down.
    pub fn meter_provider(mut self, provider: SdkMeterProvider) -> Self {
        self.meter_provider = Some(provider);
        self
    }

    /// Whether to build a meter provider exporting to the OTLP endpoint when the
    /// environment asks for metrics (default: yes): `OTEL_METRICS_EXPORTER=otlp`, or
    /// `OTEL_EXPORTER_OTLP_[METRICS_]ENDPOINT` set, unless `OTEL_METRICS_EXPORTER=none`.
    /// Without one, the global meter provider stays OpenTelemetry's no-op and the layers
    /// record nothing.
    pub fn metrics(mut self, enabled: bool) -> Self {
        self.metrics_from_env = enabled;
        self
    }

    /// Whether to export to the endpoint of `OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT` when set
    /// (default: yes). Off, only Sentry's endpoint may get spans.
    pub fn otlp(mut self, enabled: bool) -> Self {
        self.otlp_from_env = enabled;
        self
    }

    /// Whether to export spans to the Sentry project of the DSN, over OTLP/HTTP (see
    /// [`SentryOtlpEndpoint`]). Default: yes when a DSN is set and no OTLP endpoint
    /// variable is (a team with only Sentry gets its traces there); `true` exports to
    /// Sentry besides an OTLP endpoint, `false` never.
    pub fn spans_to_sentry(mut self, enabled: bool) -> Self {
        self.spans_to_sentry = Some(enabled);
        self
    }

    /// How long dropping the guard may wait for the last spans and events (default: the
    /// Sentry options' `shutdown_timeout`, 2 s unless set). It also bounds Sentry's
    /// connect and request timeouts and, unless `OTEL_EXPORTER_OTLP_TIMEOUT` is set, each
    /// OTLP request.
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = Some(timeout);
        self
    }

    /// `service.name` when the environment names none (`OTEL_SERVICE_NAME` or
    /// `service.name` in `OTEL_RESOURCE_ATTRIBUTES` win); else the SDK's
    /// `unknown_service`.
    pub fn service_name(mut self, name: impl Into<String>) -> Self {
        self.service_name = Some(name.into());
        self
    }

    /// `init()`'s leniency.
    pub(crate) fn lenient(mut self) -> Self {
        self.lenient = true;
        self
    }

    /// Sets up both SDKs, installs the tracer provider (and a meter provider, when there
    /// is one) and [`CorrelationPropagator`] globally and binds the Sentry client to the
    /// main hub. Fails, having installed nothing, on a malformed `SENTRY_DSN` or OTLP
    /// endpoint.
    pub fn install(self) -> Result<TelemetryGuard, InitError> {
        let parts = self.prepare()?;
        opentelemetry::global::set_tracer_provider(parts.provider.clone());
        if let Some(meter_provider) = &parts.meter_provider {
            opentelemetry::global::set_meter_provider(meter_provider.clone());
        }
        opentelemetry::global::set_text_map_propagator(CorrelationPropagator::new());
        let guard = sentry::init(parts.options);
        // `sentry::init` bound its client to this thread's hub a moment ago.
        let client = sentry::Hub::current()
            .client()
            .unwrap_or_else(|| Arc::new(sentry::Client::from(ClientOptions::default())));
        Ok(TelemetryGuard {
            sentry: SentryClient {
                client,
                _init_guard: Some(guard),
            },
            provider: parts.provider,
            meter_provider: parts.meter_provider,
            shutdown_timeout: parts.shutdown_timeout,
        })
    }

    /// Sets up both SDKs as [`install`](Init::install) does but installs no provider,
    /// propagator or client globally: for several services in one process (a demo, a
    /// test), each with its own provider and client. (Sentry's panic integration, one of
    /// its defaults, still hooks panics for the process, capturing each through the hub
    /// current where it happens.) Give the guard's
    /// [`tracer_provider`](TelemetryGuard::tracer_provider)'s tracer and a hub over its
    /// [`sentry_client`](TelemetryGuard::sentry_client) to the service's layers.
    pub fn build(self) -> Result<TelemetryGuard, InitError> {
        let parts = self.prepare()?;
        Ok(TelemetryGuard {
            sentry: SentryClient {
                client: Arc::new(sentry::Client::from(parts.options)),
                _init_guard: None,
            },
            provider: parts.provider,
            meter_provider: parts.meter_provider,
            shutdown_timeout: parts.shutdown_timeout,
        })
    }

    /// Every part built, nothing installed.
    fn prepare(self) -> Result<Parts, InitError> {
        let mut options = self.sentry_options.unwrap_or_default();
        let shutdown_timeout = self.shutdown_timeout.unwrap_or(
            // `ClientOptions::default()` has Sentry's 2 s; own options may say otherwise.
            if options.shutdown_timeout.is_zero() {
                DEFAULT_SHUTDOWN_TIMEOUT
            } else {
                options.shutdown_timeout
            },
        );
        let lenient = self.lenient;
        if options.dsn.is_none() {
            // A malformed DSN, lenient: Sentry off (no DSN), the rest as configured.
            if let Outcome::Ready(dsn) = part(lenient, "Sentry", sentry_client::dsn_from_env)? {
                options.dsn = dsn;
            }
        }
        let options = sentry_client::complete(options, shutdown_timeout);
        let service_name = self.service_name.as_deref();

        let provider = match self.tracer_provider {
            Some(provider) => {
                if self.spans_to_sentry == Some(true) {
                    part(lenient, "spans to Sentry", || {
                        Err::<(), _>(InitError::SpansToSentryWithOwnProvider)
                    })?;
                }
                if !self.span_processors.is_empty() {
                    part(lenient, "span processors", || {
                        Err::<(), _>(InitError::SpanProcessorWithOwnProvider)
                    })?;
                }
                provider
            }
            None => {
                let from_env = if self.otlp_from_env {
                    OtlpFromEnv::read(Signal::Traces)
                } else {
                    OtlpFromEnv::Disabled
                };
                let mut exporters = Vec::new();
                if from_env == OtlpFromEnv::Configured
                    && let Outcome::Ready(exporter) = part(lenient, "OTLP export", || {
                        span_export::env_exporter(shutdown_timeout)
                    })?
                {
                    exporters.push(exporter);
                }
                let to_sentry = self
                    .spans_to_sentry
                    .unwrap_or(options.dsn.is_some() && from_env == OtlpFromEnv::Unset);
                if to_sentry {
                    let exporter = part(lenient, "spans to Sentry", || {
                        let dsn = options
                            .dsn
                            .as_ref()
                            .ok_or(InitError::SpansToSentryWithoutDsn)?;
                        span_export::sentry_exporter(
                            &SentryOtlpEndpoint::from_dsn(dsn),
                            shutdown_timeout,
                        )
                    })?;
                    if let Outcome::Ready(exporter) = exporter {
                        exporters.push(exporter);
                    }
                }
                span_export::provider(exporters, self.span_processors, service_name)
            }
        };

        let meter_provider = match self.meter_provider {
            Some(provider) => Some(provider),
            None if self.metrics_from_env
                && OtlpFromEnv::read(Signal::Metrics) == OtlpFromEnv::Configured =>
            {
                match part(lenient, "OTLP metrics", || {
                    metric_export::env_meter_provider(shutdown_timeout, service_name)
                })? {
                    Outcome::Ready(provider) => Some(provider),
                    Outcome::Off => None,
                }
            }
            None => None,
        };

        Ok(Parts {
            options,
            provider,
            meter_provider,
            shutdown_timeout,
        })
    }
}

/// What [`Init::prepare`] built.
struct Parts {
    options: ClientOptions,
    provider: SdkTracerProvider,
    meter_provider: Option<SdkMeterProvider>,
    shutdown_timeout: Duration,
}

/// Runs a part's setup: its error returned, or (lenient) logged with the part off.
fn part<T>(
    lenient: bool,
    name: &'static str,
    setup: impl FnOnce() -> Result<T, InitError>,
) -> Result<Outcome<T>, InitError> {
    match setup() {
        Ok(value) => Ok(Outcome::Ready(value)),
        Err(error) if lenient => {
            tracing::warn!(target: "otel_sentry::init", part = name, %error, "turned off");
            Ok(Outcome::Off)
        }
        Err(error) => Err(error),
    }
}

impl std::fmt::Debug for Init {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Init")
            .field(
                "sentry_options",
                &self.sentry_options.as_ref().map(|_| "set"),
            )
            .field(
                "tracer_provider",
                &self.tracer_provider.as_ref().map(|_| "set"),
            )
            .field("span_processors", &self.span_processors.len())
            .field(
                "meter_provider",
                &self.meter_provider.as_ref().map(|_| "set"),
            )
            .field("otlp", &self.otlp_from_env)
            .field("metrics", &self.metrics_from_env)
            .field("spans_to_sentry", &self.spans_to_sentry)
            .field("shutdown_timeout", &self.shutdown_timeout)
            .field("service_name", &self.service_name)
            .finish_non_exhaustive()
    }
}
