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
use crate::server::request_state::RequestState;

/// A request's configuration, context and hub; its duration clock is in the context's
/// [`RequestState`].
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
        let timed = RequestState::timer_of(&self.cx).is_some();
        let (event_id, error_type) =
            failure_report::report(&self.config, self.hub.as_ref(), &self.cx, failure, timed);
        if let Some(error_type) = error_type {
            self.with_timer(|timer| timer.set_error_type(error_type));
        }
        event_id
    }

    /// Runs `f` on the request's duration clock, unless metrics are off or the duration
    /// was recorded.
    pub(crate) fn with_timer(&self, f: impl FnOnce(&mut ServerTimer)) {
        if let Some(mut timer) = RequestState::timer_of(&self.cx)
            && let Some(timer) = timer.as_mut()
        {
            f(timer);
        }
    }

    /// Records the request's duration, once, as its span ends: with the response's
    /// `status` and the bytes its body sent when one was sent, and `fallback_error` as
    /// `error.type` when no failure was reported (a client disconnect).
    pub(crate) fn record_duration(
        &self,
        response: Option<(u16, u64)>,
        fallback_error: Option<&'static str>,
    ) {
        let timer = RequestState::timer_of(&self.cx).and_then(|mut timer| timer.take());
        if let Some(timer) = timer {
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
        }
    }
}
