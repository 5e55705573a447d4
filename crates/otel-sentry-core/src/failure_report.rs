//! Reporting a failure once: one Sentry event through the request hub (unless Sentry's
//! panic hook already made it), then the exception, status, `error.type` and event id on
//! the span.

use std::borrow::Cow;
use std::sync::Arc;

use opentelemetry::trace::SpanRef;
use sentry_core::Hub;
use sentry_core::protocol::Event;
use sentry_core::types::Uuid;

use crate::config::CorrelationConfig;
use crate::exception::{self, PANIC_TYPE, SpanException};
use crate::handler_error::HandlerError;
use crate::server_request::CaughtPanic;
use crate::server_span;

/// What failed.
pub(crate) enum Failure<'a> {
    /// A handler's (or the body's, or the service's) error.
    Error(HandlerError<'a>),
    /// A panic.
    Panic(&'a CaughtPanic),
    /// A response the failure policy rejected, carrying no error.
    Status {
        method: &'a str,
        route: Option<&'a str>,
        status: u16,
    },
}

/// Reports `failure`: the Sentry event's id, when Sentry accepted one.
pub(crate) fn report(
    config: &CorrelationConfig,
    hub: Option<&Arc<Hub>>,
    span: &SpanRef<'_>,
    failure: Failure<'_>,
) -> Option<Uuid> {
    let (error_type, exception, event_id) = match failure {
        Failure::Error(error) => {
            let exception = SpanException::from_error(error.error, error.type_name);
            let event_id = capture(
                hub,
                exception::event_from_error(error.error, error.type_name),
            );
            (Cow::Owned(exception.ty.clone()), exception, event_id)
        }
        Failure::Panic(panic) => {
            let exception = SpanException::from_panic(panic.message());
            let event_id = match panic.reported() {
                Some(id) => (!id.is_nil()).then_some(id),
                None => capture(hub, exception::event_from_panic(&exception.message)),
            };
            (Cow::Borrowed(PANIC_TYPE), exception, event_id)
        }
        Failure::Status {
            method,
            route,
            status,
        } => {
            let message = exception::status_message(method, route, status);
            let event_id = capture(hub, exception::event_from_status(&message));
            (
                Cow::Owned(status.to_string()),
                SpanException::from_status(status, message),
                event_id,
            )
        }
    };
    server_span::record_failure(config, span, error_type, &exception, event_id);
    event_id
}

/// Captures `event` through `hub`; the id when Sentry accepted it (a nil id means it was
/// dropped: no client, sampling, `before_send`).
fn capture(hub: Option<&Arc<Hub>>, event: Event<'static>) -> Option<Uuid> {
    let id = hub?.capture_event(event);
    (!id.is_nil()).then_some(id)
}
