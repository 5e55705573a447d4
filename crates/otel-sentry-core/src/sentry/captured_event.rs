//! The error a request reported itself: one failure, one Sentry event.
//!
//! A handler that captures its own error (`sentry::capture_error(&e)`) and then answers
//! 500, or Sentry's panic hook capturing a panic, has already sent the failure's event.
//! The request hub's event processor notes every event captured during the request; when
//! the request fails, the latest error-level one (`error` or `fatal`) stands for the
//! failure: the span records it and no second event is sent.
//!
//! The processor runs before `before_send` and sampling, which may still drop the event.
//! Sentry tells only the capturing hub, through a nil `last_event_id`: when the request
//! hub's last capture was the noted event and came back nil, the event was dropped, and
//! the span names no event (as for any event Sentry drops).

use std::sync::{Mutex, PoisonError};

use sentry_core::Hub;
use sentry_core::protocol::{Event, Level};
use sentry_core::types::Uuid;

use crate::failure::exception::SpanException;

/// What the request hub's processor saw; shared by the processor and the failure report.
#[derive(Debug, Default)]
pub(crate) struct CapturedEvents(Mutex<Seen>);

#[derive(Debug, Default)]
struct Seen {
    /// The id of the latest event of any level.
    latest: Option<Uuid>,
    /// The latest error-level event.
    error: Option<CapturedError>,
    /// Whether the failure report is capturing its own event now.
    reporting: bool,
}

/// An error-level event captured during the request.
#[derive(Clone, Debug)]
pub(crate) struct CapturedError {
    pub(crate) event_id: Uuid,
    /// The event's outermost exception (or its message), for the span; `None` for the
    /// failure report's own events, whose exception the span has already.
    pub(crate) exception: Option<SpanException>,
}

impl CapturedEvents {
    /// Notes `event`, about to be sent through a hub of the request.
    pub(crate) fn note(&self, event: &Event<'_>) {
        let mut seen = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        seen.latest = Some(event.event_id);
        if matches!(event.level, Level::Error | Level::Fatal) {
            let exception = (!seen.reporting).then(|| span_exception(event));
            seen.error = Some(CapturedError {
                event_id: event.event_id,
                exception,
            });
        }
    }

    /// Marks the failure report capturing its own event until the guard drops: the event
    /// is noted without copying its exception. A guard rather than a closure around the
    /// capture, which would move the event (a kilobyte) once more.
    pub(crate) fn reporting(&self) -> Reporting<'_> {
        self.set_reporting(true);
        Reporting(self)
    }

    fn set_reporting(&self, reporting: bool) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .reporting = reporting;
    }

    /// The error event that stands for the request's failure, if one was captured; its
    /// `event_id` is `None` when `hub` says Sentry dropped it.
    pub(crate) fn error(&self, hub: Option<&Hub>) -> Option<(Option<Uuid>, Option<SpanException>)> {
        let seen = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let error = seen.error.clone()?;
        let latest_was_it = seen.latest == Some(error.event_id);
        drop(seen);
        let dropped = latest_was_it
            && hub
                .and_then(Hub::last_event_id)
                .is_some_and(|id| id.is_nil());
        Some((
            (!dropped && !error.event_id.is_nil()).then_some(error.event_id),
            error.exception,
        ))
    }
}

/// The failure report's own capture under way; see [`CapturedEvents::reporting`].
pub(crate) struct Reporting<'a>(&'a CapturedEvents);

impl Drop for Reporting<'_> {
    fn drop(&mut self) {
        self.0.set_reporting(false);
    }
}

/// The span's exception for `event`: the outermost exception (Sentry lists the chain
/// innermost first), else the message.
fn span_exception(event: &Event<'_>) -> SpanException {
    let (ty, message) = match event.exception.last() {
        Some(exception) => (
            exception.ty.clone(),
            exception.value.clone().unwrap_or_default(),
        ),
        None => (
            "Error".to_owned(),
            event
                .message
                .clone()
                .or_else(|| event.logentry.as_ref().map(|entry| entry.message.clone()))
                .unwrap_or_default(),
        ),
    };
    SpanException {
        ty,
        message,
        stacktrace: None,
        escaped: false,
        from_status: false,
    }
}
