//! [`CaughtPanic`]: a panic caught while a handler or a body ran.

use std::any::Any;
use std::fmt;

use crate::failure::exception;

/// A panic caught while running the handler.
pub struct CaughtPanic {
    payload: Box<dyn Any + Send>,
}

impl CaughtPanic {
    /// A panic an adapter caught itself, with `payload` from `catch_unwind`.
    pub fn new(payload: Box<dyn Any + Send>) -> Self {
        CaughtPanic { payload }
    }

    /// The panic payload, to resume unwinding with.
    pub fn into_payload(self) -> Box<dyn Any + Send> {
        self.payload
    }

    /// The panic message.
    pub fn message(&self) -> String {
        exception::panic_message(&*self.payload)
    }
}

impl fmt::Debug for CaughtPanic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaughtPanic")
            .field("message", &self.message())
            .finish()
    }
}
