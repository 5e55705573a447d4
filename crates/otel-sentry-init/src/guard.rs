//! The one guard: dropping it flushes and shuts down both SDKs, together, within the
//! shutdown timeout.

use std::time::Duration;

use opentelemetry_sdk::trace::SdkTracerProvider;

/// Keeps Sentry and the tracer provider running; dropping it sends what is queued (the
/// last spans, the last events) and shuts both down, within the shutdown timeout (both in
/// parallel, so the wait is one timeout, not two). Keep it in `main` until the end.
#[must_use = "dropping the guard shuts Sentry and the tracer provider down at once: keep it alive in main"]
pub struct TelemetryGuard {
    pub(crate) sentry: sentry::ClientInitGuard,
    pub(crate) provider: SdkTracerProvider,
    pub(crate) shutdown_timeout: Duration,
}

impl TelemetryGuard {
    /// The tracer provider installed globally, for code that takes one explicitly.
    pub fn tracer_provider(&self) -> &SdkTracerProvider {
        &self.provider
    }

    /// Whether Sentry has a DSN to send to.
    pub fn sentry_enabled(&self) -> bool {
        self.sentry.is_enabled()
    }
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        let timeout = self.shutdown_timeout;
        std::thread::scope(|scope| {
            // Each SDK bounds its own wait by `timeout`; a scoped thread lets both wait at
            // once. The provider's result is an error only when it was shut down already
            // or a batch failed, which the SDK has logged.
            scope.spawn(|| {
                let _ = self.provider.shutdown_with_timeout(timeout);
            });
            self.sentry.close(Some(timeout));
        });
    }
}

impl std::fmt::Debug for TelemetryGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelemetryGuard")
            .field("sentry_enabled", &self.sentry.is_enabled())
            .field("shutdown_timeout", &self.shutdown_timeout)
            .finish_non_exhaustive()
    }
}
