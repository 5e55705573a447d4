//! What a failure is and what it records: the failure policy ([`classify`]), the Sentry
//! event and span exception made from an error, a panic or a status ([`exception`]), and
//! how an adapter hands over an error ([`handler_error`]).

pub(crate) mod classify;
pub(crate) mod exception;
pub(crate) mod handler_error;
pub(crate) mod shared_error;
