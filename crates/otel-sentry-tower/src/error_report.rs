//! Errors the layer sees only generically (the inner service's, the body's), handed to the
//! core with their source chain whenever their type allows it.

use std::any::Any;
use std::error::Error;
use std::fmt;

use otel_sentry_core::adapter::HandlerError;

type BoxError = Box<dyn Error + Send + Sync>;

/// Calls `report` with `error` as a [`HandlerError`]: a boxed error (tower's usual error
/// type) or axum's error keeps its source chain; any other type is known by its text.
pub(crate) fn with_handler_error<E>(error: &E, report: impl FnOnce(HandlerError<'_>))
where
    E: fmt::Display + fmt::Debug + 'static,
{
    otel_sentry_core::adapter::with_handler_error(known(error), error, report)
}

/// `error` with its chain, when its type is one that has one.
fn known<E: 'static>(error: &E) -> Option<HandlerError<'_>> {
    let any = error as &dyn Any;
    if let Some(boxed) = any.downcast_ref::<BoxError>() {
        return Some(HandlerError::new(&**boxed));
    }
    #[cfg(feature = "axum")]
    if let Some(axum_error) = any.downcast_ref::<axum::Error>() {
        return Some(HandlerError::new(axum_error));
    }
    None
}
