//! The one guard: dropping it flushes and shuts down both SDKs, together, within the
//! shutdown timeout.

use std::sync::Arc;
use std::time::Duration;

use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::trace::SdkTracerProvider;

/// Keeps Sentry and the providers running; dropping it sends what is queued (the last
/// spans, metrics and events) and shuts them down, within the shutdown timeout (all in
/// parallel, so the wait is one timeout, not one per SDK). Keep it in `main` until the end.
#[must_use = "dropping the guard shuts Sentry and the providers down at once: keep it alive in main"]
pub struct TelemetryGuard {
    pub(crate) sentry: SentryClient,
    pub(crate) provider: SdkTracerProvider,
    pub(crate) meter_provider: Option<SdkMeterProvider>,
    pub(crate) shutdown_timeout: Duration,
}

/// The Sentry client, and `sentry::init`'s guard when it was installed on the main hub
/// (dropping that one ends the session `sentry::init` may have started).
pub(crate) struct SentryClient {
    pub(crate) client: Arc<sentry::Client>,
    pub(crate) _init_guard: Option<sentry::ClientInitGuard>,
}

impl TelemetryGuard {
    /// The tracer provider (installed globally by [`Init::install`](crate::Init::install)),
    /// for code that takes one explicitly.
    pub fn tracer_provider(&self) -> &SdkTracerProvider {
        &self.provider
    }

    /// The meter provider, when the environment or the builder gave one.
    pub fn meter_provider(&self) -> Option<&SdkMeterProvider> {
        self.meter_provider.as_ref()
    }

    /// The Sentry client (bound to the main hub by [`Init::install`](crate::Init::install);
    /// after [`Init::build`](crate::Init::build), make a hub over it:
    /// `sentry::Hub::new(Some(client), Default::default())`).
    pub fn sentry_client(&self) -> Arc<sentry::Client> {
        self.sentry.client.clone()
    }

    /// Whether Sentry has a DSN to send to.
    pub fn sentry_enabled(&self) -> bool {
        self.sentry.client.is_enabled()
    }
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        let timeout = self.shutdown_timeout;
        std::thread::scope(|scope| {
            // Each SDK bounds its own wait by `timeout` (the meter provider's through its
            // exporter's request timeout); scoped threads let them wait at once. A
            // provider's result is an error only when it was shut down already or an
            // export failed, which the SDK has logged.
            scope.spawn(|| {
                let _ = self.provider.shutdown_with_timeout(timeout);
            });
            if let Some(meter_provider) = &self.meter_provider {
                scope.spawn(move || {
                    let _ = meter_provider.shutdown_with_timeout(timeout);
                });
            }
            self.sentry.client.close(Some(timeout));
        });
    }
}

impl std::fmt::Debug for TelemetryGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelemetryGuard")
            .field("sentry_enabled", &self.sentry_enabled())
            .field("meter_provider", &self.meter_provider.is_some())
            .field("shutdown_timeout", &self.shutdown_timeout)
            .finish_non_exhaustive()
    }
}
