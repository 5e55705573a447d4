//! Where events are read from: Sentry's web API ([`sentry`]) or Bugsink's canonical API
//! ([`bugsink`]), detected from the URL when not named.

pub(crate) mod bugsink;
pub(crate) mod sentry;

use std::time::Duration;

use crate::cli::{BackendKind, Connection};
use crate::error::CliError;
use crate::event::EventRecord;
use crate::http::Http;

/// What the commands ask of a backend.
pub(crate) trait Backend {
    /// One event by its Sentry event id (32 lowercase hex digits), with its project, issue
    /// and link.
    fn event(&self, event_id: &str) -> Result<EventRecord, CliError>;
    /// Every event of a trace.
    fn trace_events(&self, trace_id: &str) -> Result<Vec<EventRecord>, CliError>;
    /// Every error event of the last `since`.
    fn error_events(&self, since: Duration) -> Result<Vec<EventRecord>, CliError>;
}

/// The backend `connection` names, or the one its URL serves.
pub(crate) fn connect(connection: &Connection) -> Result<Box<dyn Backend>, CliError> {
    let http = Http::new(connection.auth_token.clone(), connection.max_requests)?;
    let kind = match connection.backend {
        Some(kind) => kind,
        None => {
            let kind = detect(&http, &connection.url)?;
            eprintln!(
                "otel-sentry: {} detected at {}",
                match kind {
                    BackendKind::Sentry => "Sentry",
                    BackendKind::Bugsink => "Bugsink",
                },
                connection.url
            );
            kind
        }
    };
    Ok(match kind {
        BackendKind::Sentry => Box::new(sentry::Sentry::new(http, connection)?),
        BackendKind::Bugsink => Box::new(bugsink::Bugsink::new(http, connection)),
    })
}

/// Bugsink answers its canonical API's root (401 without a token); Sentry has no such path.
fn detect(http: &Http, url: &str) -> Result<BackendKind, CliError> {
    match http.get(&bugsink::api_root(url)) {
        Ok(answer) if answer.status.is_success() => Ok(BackendKind::Bugsink),
        Err(CliError::Unauthorised { .. }) => Ok(BackendKind::Bugsink),
        Ok(_) | Err(CliError::Backend { .. }) => Ok(BackendKind::Sentry),
        Err(other) => Err(other),
    }
}
