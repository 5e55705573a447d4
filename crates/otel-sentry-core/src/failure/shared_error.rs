//! [`SharedError`]: a handler's error kept for the report, with its source chain and type,
//! for an adapter's error type that carries it from the handler to the layer.

use std::any::type_name;
use std::error::Error;
use std::fmt;
use std::sync::Arc;

use crate::failure::handler_error::HandlerError;

/// An error, shared so the response that carries it can be cloned, and its Rust type name
/// when known. The adapters' error types (`ReportedError` of `otel-sentry-tower`,
/// `ErrorResponse` of `otel-sentry-actix`) hold one.
///
/// ```
/// use otel_sentry_core::adapter::SharedError;
///
/// let error = SharedError::new(std::fmt::Error);
/// assert_eq!(error.as_handler_error().type_name, Some("core::fmt::Error"));
/// ```
#[derive(Clone)]
pub struct SharedError {
    error: Arc<dyn Error + Send + Sync + 'static>,
    /// The Rust type, when known; else the type is read from the error's `Debug` output.
    type_name: Option<&'static str>,
}

impl SharedError {
    /// Carries `error`, named by its Rust type.
    pub fn new<E: Error + Send + Sync + 'static>(error: E) -> Self {
        SharedError {
            error: Arc::new(error),
            type_name: Some(type_name::<E>()),
        }
    }

    /// Carries an error already shared or boxed; its type is read from its `Debug` output.
    pub fn from_shared(error: Arc<dyn Error + Send + Sync + 'static>) -> Self {
        SharedError {
            error,
            type_name: None,
        }
    }

    /// The error.
    pub fn error(&self) -> &(dyn Error + Send + Sync + 'static) {
        &*self.error
    }

    /// As the core reports it: the error with its source chain, and its type.
    pub fn as_handler_error(&self) -> HandlerError<'_> {
        HandlerError {
            error: &*self.error,
            type_name: self.type_name,
        }
    }
}

impl fmt::Debug for SharedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedError")
            .field("error", &self.error)
            .field("type_name", &self.type_name)
            .finish()
    }
}

impl fmt::Display for SharedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}
