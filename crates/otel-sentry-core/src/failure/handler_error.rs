//! How an adapter hands over an error: [`HandlerError`], and [`OpaqueError`] for errors
//! known only by their text.

use std::error::Error;
use std::fmt;

use crate::failure::exception::type_from_debug;

/// A handler's error, as the adapter has it: the error, and its Rust type name when known.
#[derive(Clone, Copy)]
pub struct HandlerError<'a> {
    /// The error; its `source()` chain is reported too.
    pub error: &'a (dyn Error + 'static),
    /// The error's type (`std::any::type_name`), when the adapter knows it; otherwise the
    /// type is read from its `Debug` output.
    pub type_name: Option<&'a str>,
}

impl<'a> HandlerError<'a> {
    /// An error whose type is read from its `Debug` output.
    pub fn new(error: &'a (dyn Error + 'static)) -> Self {
        HandlerError {
            error,
            type_name: None,
        }
    }
}

impl fmt::Debug for HandlerError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HandlerError")
            .field("error", &self.error.to_string())
            .field("type_name", &self.type_name)
            .finish()
    }
}

/// An error known only by its `Display` and `Debug` output, for error types that are not
/// `std::error::Error + 'static`; it has no source chain.
#[derive(Debug)]
pub struct OpaqueError {
    message: String,
    type_name: String,
}

impl OpaqueError {
    /// Captures `error`'s message and the type its `Debug` output names.
    pub fn new(error: &(impl fmt::Display + fmt::Debug + ?Sized)) -> Self {
        let message = error.to_string();
        OpaqueError {
            type_name: type_from_debug(error, &message),
            message,
        }
    }

    /// As a [`HandlerError`].
    pub fn as_handler_error(&self) -> HandlerError<'_> {
        HandlerError {
            error: self,
            type_name: Some(&self.type_name),
        }
    }
}

impl fmt::Display for OpaqueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Error for OpaqueError {}

/// Calls `report` with `known` (an error the adapter recognised, with its chain and type)
/// or, when it recognised none, with `error` as an [`OpaqueError`]: the one fallback every
/// adapter needs for the error types it sees only generically.
pub fn with_handler_error<R>(
    known: Option<HandlerError<'_>>,
    error: &(impl fmt::Display + fmt::Debug + ?Sized),
    report: impl FnOnce(HandlerError<'_>) -> R,
) -> R {
    match known {
        Some(known) => report(known),
        None => report(OpaqueError::new(error).as_handler_error()),
    }
}
