//! What a request's handler and body run inside: the OpenTelemetry context holding the
//! server span and the request's Sentry hub, bound on every poll, with panics caught; and
//! the one way a failure of the request is reported.

use std::mem;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use opentelemetry::Context;
use sentry_core::Hub;
use sentry_core::types::Uuid;

use crate::metrics::server_duration::ServerTimer;
use crate::server::config::CorrelationConfig;
use crate::server::failure_report::{self, Failure};
use crate::server::panic::CaughtPanic;

/// A request's configuration, context and hub.
pub(crate) struct RequestScope {
    pub(crate) config: Arc<CorrelationConfig>,
    pub(crate) cx: Context,
    pub(crate) hub: Option<Arc<Hub>>,
    /// The clock of `http.server.request.duration`; `None` when metrics are off or the
    /// duration was recorded.
    pub(crate) timer: Option<ServerTimer>,
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
        let (event_id, error_type) = failure_report::report(
            &self.config,
            self.hub.as_ref(),
            &self.cx,
            failure,
            self.timer.is_some(),
        );
        if let (Some(timer), Some(error_type)) = (&self.timer, error_type) {
            timer.set_error_type(error_type);
        }
        event_id
    }

    /// Records the request's duration, once, as its span ends: with the response's
    /// `status` and the bytes its body sent when one was sent, and `fallback_error` as
    /// `error.type` when no failure was reported (a client disconnect).
    pub(crate) fn record_duration(
        &mut self,
        response: Option<(u16, u64)>,
        fallback_error: Option<&'static str>,
    ) {
        if let Some(timer) = self.timer.take() {
            let (status, sent) = response.unzip();
            timer.record(status, fallback_error, sent);
        }
    }

    /// Moves the scope out, leaving an empty context and no hub behind.
    pub(crate) fn take(&mut self) -> RequestScope {
        RequestScope {
            config: Arc::clone(&self.config),
            cx: mem::take(&mut self.cx),
            hub: self.hub.take(),
            timer: self.timer.take(),
        }
    }
}
