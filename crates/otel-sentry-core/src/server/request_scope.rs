//! What a request's handler and body run inside: the OpenTelemetry context holding the
//! server span and the request's Sentry hub, bound on every poll, with panics caught; and
//! the one way a failure of the request is reported.

use std::mem;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use opentelemetry::Context;
use sentry_core::Hub;
use sentry_core::types::Uuid;

use crate::server::config::CorrelationConfig;
use crate::server::failure_report::{self, Failure};
use crate::server::panic::CaughtPanic;

/// A request's configuration, context and hub.
pub(crate) struct RequestScope {
    pub(crate) config: Arc<CorrelationConfig>,
    pub(crate) cx: Context,
    pub(crate) hub: Option<Arc<Hub>>,
}

impl RequestScope {
    /// Runs `f` with the context attached and the hub bound, catching a panic.
    pub(crate) fn enter<R>(&self, f: impl FnOnce() -> R) -> Result<R, CaughtPanic> {
        let _attached = self.cx.clone().attach();
        let Some(hub) = &self.hub else {
            return catch_unwind(AssertUnwindSafe(f)).map_err(CaughtPanic::new);
        };
        // Sentry's panic hook captures through the hub bound where the panic happens, this
        // one: its event then stands for the panic (see `captured_event`).
        Hub::run(Arc::clone(hub), || catch_unwind(AssertUnwindSafe(f))).map_err(CaughtPanic::new)
    }

    /// Reports `failure` of the request once; see [`failure_report`].
    pub(crate) fn report(&self, failure: Failure<'_>) -> Option<Uuid> {
        failure_report::report(&self.config, self.hub.as_ref(), &self.cx, failure)
    }

    /// Moves the scope out, leaving an empty context and no hub behind.
    pub(crate) fn take(&mut self) -> RequestScope {
        RequestScope {
            config: Arc::clone(&self.config),
            cx: mem::take(&mut self.cx),
            hub: self.hub.take(),
        }
    }
}
