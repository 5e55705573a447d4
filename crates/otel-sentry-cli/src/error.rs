//! What can go wrong, as one line each, and the exit status it gives.

use std::fmt;

/// A command's failure.
#[derive(Debug)]
pub(crate) enum CliError {
    /// Bad usage: a malformed id, a missing setting, a bad template (exit 2).
    Usage(String),
    /// Nothing matched (exit 1).
    NotFound(String),
    /// The backend refused the token (exit 1).
    Unauthorised { url: String },
    /// The backend could not be reached (exit 1).
    Unreachable { url: String, reason: String },
    /// The backend answered something else (exit 1).
    Backend { url: String, reason: String },
}

impl CliError {
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => 2,
            _ => 1,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(message) => write!(f, "{message}"),
            CliError::NotFound(message) => write!(f, "not found: {message}"),
            CliError::Unauthorised { url } => {
                write!(
                    f,
                    "unauthorised: {url} refused the token (check SENTRY_AUTH_TOKEN)"
                )
            }
            CliError::Unreachable { url, reason } => write!(f, "unreachable: {url}: {reason}"),
            CliError::Backend { url, reason } => write!(f, "backend failed: {url}: {reason}"),
        }
    }
}
