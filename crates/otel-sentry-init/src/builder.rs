//! [`Init`]: what [`init`](crate::init) does, each part open to override, and errors
//! returned instead of logged.

use std::time::Duration;

use opentelemetry_sdk::trace::SdkTracerProvider;
use otel_sentry_core::CorrelationPropagator;
use sentry::ClientOptions;

use crate::error::InitError;
use crate::guard::TelemetryGuard;
use crate::sentry_client;
use crate::sentry_otlp_endpoint::SentryOtlpEndpoint;
use crate::span_export::{self, OtlpFromEnv};

/// Sentry's default `shutdown_timeout`, for both SDKs.
const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(2);

/// The setup, part by part; [`install`](Init::install) runs it.
///
/// ```no_run
/// let _telemetry = otel_sentry_init::Init::new()
///     .service_name("checkout")
///     .install()?;
/// # Ok::<(), otel_sentry_init::InitError>(())
/// ```
#[derive(Default)]
#[must_use = "an Init does nothing until install() runs it"]
pub struct Init {
    sentry_options: Option<ClientOptions>,
    tracer_provider: Option<SdkTracerProvider>,
    otlp_from_env: bool,
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

    /// Sets up both SDKs, installs the tracer provider and [`CorrelationPropagator`]
    /// globally and binds the Sentry client to the main hub. Fails, having installed
    /// nothing, on a malformed `SENTRY_DSN` or OTLP endpoint.
    pub fn install(self) -> Result<TelemetryGuard, InitError> {
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

        let provider = match self.tracer_provider {
            Some(provider) => {
                if self.spans_to_sentry == Some(true) {
                    match part(lenient, "spans to Sentry", || {
                        Err::<(), _>(InitError::SpansToSentryWithOwnProvider)
                    })? {
                        Outcome::Ready(()) | Outcome::Off => {}
                    }
                }
                provider
            }
            None => {
                let from_env = if self.otlp_from_env {
                    OtlpFromEnv::read()
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
                span_export::provider(exporters, self.service_name.as_deref())
            }
        };

        opentelemetry::global::set_tracer_provider(provider.clone());
        opentelemetry::global::set_text_map_propagator(CorrelationPropagator::new());
        let sentry = sentry::init(options);
        Ok(TelemetryGuard {
            sentry,
            provider,
            shutdown_timeout,
        })
    }
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
            .field("otlp", &self.otlp_from_env)
            .field("spans_to_sentry", &self.spans_to_sentry)
            .field("shutdown_timeout", &self.shutdown_timeout)
            .field("service_name", &self.service_name)
            .finish_non_exhaustive()
    }
}
