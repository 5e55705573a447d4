//! Errors in actix-web: [`ErrorResponse`] keeps a handler error's source chain and type for
//! the report; any other `actix_web::Error` is known by its text.

use std::error::Error;
use std::fmt;
use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use otel_sentry_core::adapter::{HandlerError, SharedError};

/// A handler error that becomes a response (500 unless you choose another status) and
/// carries the error, with its source chain and type, to the middleware: the Sentry event
/// and the span get the real exception.
///
/// Any error converts with `?`:
///
/// ```
/// use otel_sentry_actix::ErrorResponse;
///
/// async fn handler() -> Result<String, ErrorResponse> {
///     let body = std::fs::read_to_string("/definitely/missing")?;
///     Ok(body)
/// }
/// ```
///
/// The body is the status's reason phrase: the error's text stays out of the response.
/// (actix-web's own `Error` hides its cause's source chain; this type does not.)
#[derive(Clone)]
pub struct ErrorResponse {
    status: StatusCode,
    error: SharedError,
}

impl ErrorResponse {
    /// An error answered with `status`.
    pub fn new<E: Error + Send + Sync + 'static>(status: StatusCode, error: E) -> Self {
        ErrorResponse {
            status,
            error: SharedError::new(error),
        }
    }

    /// An error already boxed or shared, answered with `status`; its type is read from its
    /// `Debug` output.
    pub fn from_shared(status: StatusCode, error: Arc<dyn Error + Send + Sync + 'static>) -> Self {
        ErrorResponse {
            status,
            error: SharedError::from_shared(error),
        }
    }

    /// The same error answered with `status`.
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }
}

impl<E: Error + Send + Sync + 'static> From<E> for ErrorResponse {
    fn from(error: E) -> Self {
        ErrorResponse::new(StatusCode::INTERNAL_SERVER_ERROR, error)
    }
}

impl fmt::Debug for ErrorResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ErrorResponse")
            .field("status", &self.status)
            .field("error", &self.error.error())
            .finish()
    }
}

impl fmt::Display for ErrorResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl ResponseError for ErrorResponse {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status).body(self.status.canonical_reason().unwrap_or("Error"))
    }
}

/// Calls `report` with an actix-web error as a [`HandlerError`]: an [`ErrorResponse`] with
/// its chain and type, any other error by its text and the type its `Debug` names.
pub(crate) fn with_handler_error<R>(
    error: &actix_web::Error,
    report: impl FnOnce(HandlerError<'_>) -> R,
) -> R {
    let known = error
        .as_error::<ErrorResponse>()
        .map(|reported| reported.error.as_handler_error());
    otel_sentry_core::adapter::with_handler_error(known, error.as_response_error(), report)
}
