//! [`ReportedError`]: the handler's error, carried to the layer in the response's
//! extensions, so the Sentry event and the span get the real exception, not just "500".

use std::any::type_name;
use std::error::Error;
use std::fmt;
use std::sync::Arc;

use otel_sentry_core::adapter::HandlerError;

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
#[derive(Clone)]
pub struct ReportedError {
    error: Arc<dyn Error + Send + Sync + 'static>,
    /// The Rust type, when known; else the type is read from the error's `Debug` output.
    type_name: Option<&'static str>,
}

impl ReportedError {
    /// Carries `error`, named by its Rust type.
    pub fn new<E: Error + Send + Sync + 'static>(error: E) -> Self {
        ReportedError {
            error: Arc::new(error),
            type_name: Some(type_name::<E>()),
        }
    }

    /// Carries an error already shared or boxed; its type is read from its `Debug` output.
    pub fn from_shared(error: Arc<dyn Error + Send + Sync + 'static>) -> Self {
        ReportedError {
            error,
            type_name: None,
        }
    }

    /// Puts it in `response`'s extensions, for the layer to report.
    pub fn attach_to<B>(self, response: &mut http::Response<B>) {
        response.extensions_mut().insert(self);
    }

    /// The error.
    pub fn error(&self) -> &(dyn Error + Send + Sync + 'static) {
        &*self.error
    }

    pub(crate) fn as_handler_error(&self) -> HandlerError<'_> {
        HandlerError {
            error: &*self.error,
            type_name: self.type_name,
        }
    }
}

impl fmt::Debug for ReportedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReportedError")
            .field("error", &self.error)
            .field("type_name", &self.type_name)
            .finish()
    }
}
