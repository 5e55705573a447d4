//! The Sentry half: the client options completed from the environment, the transport with
//! timeouts within the shutdown timeout, and the integration that stamps every event with
//! the active OpenTelemetry span's ids.

use std::sync::Arc;
use std::time::Duration;

use otel_sentry_core::TraceContextIntegration;
use otel_sentry_reqwest::SentryHttpTransport;
use sentry::ClientOptions;
use sentry::types::Dsn;

use crate::error::InitError;

/// `options` made ready for `sentry::init`: `SENTRY_RELEASE` and `SENTRY_ENVIRONMENT` by
/// `apply_defaults` itself, our transport unless the options bring one, and
/// [`TraceContextIntegration`] unless they hold it. The DSN is [`dsn_from_env`]'s to set
/// first: `apply_defaults` would drop a malformed `SENTRY_DSN` silently.
pub(crate) fn complete(mut options: ClientOptions, shutdown_timeout: Duration) -> ClientOptions {
    options.shutdown_timeout = shutdown_timeout;
    if options.transport.is_none() {
        // A Sentry that never answers must not hold the process past the guard's timeout.
        options.transport = Some(Arc::new(
            SentryHttpTransport::new().timeouts_within(shutdown_timeout),
        ));
    }
    let integration = TraceContextIntegration::new();
    let name = sentry::Integration::name(&integration);
    if !options
        .integrations
        .iter()
        .any(|present| present.name() == name)
    {
        options.integrations.push(Arc::new(integration));
    }
    let mut options = sentry::apply_defaults(options);
    // The defaults are in now; `sentry::init` applies them again, and would add every
    // default integration a second time (sentry keeps duplicates: two stack-trace passes).
    options.default_integrations = false;
    options
}

/// `SENTRY_DSN`, parsed; unset or empty is no DSN (Sentry off, as with `sentry::init`).
pub(crate) fn dsn_from_env() -> Result<Option<Dsn>, InitError> {
    match std::env::var("SENTRY_DSN") {
        Ok(dsn) if !dsn.trim().is_empty() => dsn.trim().parse().map(Some).map_err(InitError::Dsn),
        _ => Ok(None),
    }
}
