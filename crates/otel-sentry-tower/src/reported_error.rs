//! [`ReportedError`]: the handler's error, carried to the layer in the response's
//! extensions, so the Sentry event and the span get the real exception, not just "500".

use std::error::Error;
use std::sync::Arc;

use otel_sentry_core::adapter::{HandlerError, SharedError};

/// An error a handler turned into a response, with its source chain and type.
///
/// Any tower or hyper stack can attach one with [`attach_to`](Self::attach_to); the
/// layer takes it out of the response before the response leaves. With axum, return
/// [`ErrorResponse`](crate::axum::ErrorResponse), or attach one in your own
/// `IntoResponse`:
///
/// ```
/// use otel_sentry_tower::ReportedError;
///
/// #[derive(Debug)]
/// struct PaymentFailed;
/// impl std::fmt::Display for PaymentFailed {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("payment failed") }
/// }
/// impl std::error::Error for PaymentFailed {}
///
/// let mut response = http::Response::builder().status(502).body(()).unwrap();
/// ReportedError::new(PaymentFailed).attach_to(&mut response);
/// ```
#[derive(Clone, Debug)]
pub struct ReportedError(SharedError);

impl ReportedError {
    /// Carries `error`, named by its Rust type.
    pub fn new<E: Error + Send + Sync + 'static>(error: E) -> Self {
        ReportedError(SharedError::new(error))
    }

    /// Carries an error already shared or boxed; its type is read from its `Debug` output.
    pub fn from_shared(error: Arc<dyn Error + Send + Sync + 'static>) -> Self {
        ReportedError(SharedError::from_shared(error))
    }

    /// Puts it in `response`'s extensions, for the layer to report.
    pub fn attach_to<B>(self, response: &mut http::Response<B>) {
        response.extensions_mut().insert(self);
    }

    /// The error.
    pub fn error(&self) -> &(dyn Error + Send + Sync + 'static) {
        self.0.error()
    }

    pub(crate) fn as_handler_error(&self) -> HandlerError<'_> {
        self.0.as_handler_error()
    }
}
