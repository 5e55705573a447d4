//! Where the demo's Sentry events go: one JSON line per event in a local file, and, when
//! `SENTRY_DSN` is set, on to that server through sentry's HTTP transport (with request
//! timeouts) as well.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use otel_sentry::reqwest::SentryHttpTransport;
use sentry_core::protocol::{Envelope, EnvelopeItem};
use sentry_core::{Transport, TransportFactory, TransportOptions};
use serde_json::Value;

/// The JSONL file every event is written to.
pub struct EventFile {
    path: PathBuf,
    file: Mutex<File>,
}

impl EventFile {
    /// Creates (or empties) the file at `path`.
    pub fn create(path: &Path) -> io::Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        Ok(EventFile {
            path: path.to_owned(),
            file: Mutex::new(File::create(path)?),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The events written so far, read back from the file.
    pub fn read(&self) -> io::Result<Vec<Value>> {
        std::fs::read_to_string(&self.path)?
            .lines()
            .map(|line| serde_json::from_str(line).map_err(io::Error::other))
            .collect()
    }

    fn append(&self, envelope: &Envelope) {
        let mut file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        for item in envelope.items() {
            if let EnvelopeItem::Event(event) = item {
                let written = serde_json::to_string(event)
                    .map_err(io::Error::other)
                    .and_then(|line| writeln!(file, "{line}"));
                if let Err(error) = written {
                    eprintln!(
                        "cannot write a Sentry event to {}: {error}",
                        self.path.display()
                    );
                }
            }
        }
    }
}

/// A Sentry transport factory: events to the file, and to the DSN's server if `forward`.
pub struct EventSink {
    pub file: Arc<EventFile>,
    pub forward: bool,
}

impl TransportFactory for EventSink {
    fn create_transport_with_options(&self, options: TransportOptions) -> Arc<dyn Transport> {
        let server = self
            .forward
            // Bounded requests: a Sentry that never answers must not stop the demo exiting.
            .then(|| SentryHttpTransport::new().create_transport_with_options(options));
        Arc::new(Tee {
            file: self.file.clone(),
            server,
        })
    }
}

struct Tee {
    file: Arc<EventFile>,
    server: Option<Arc<dyn Transport>>,
}

impl Transport for Tee {
    fn send_envelope(&self, envelope: Envelope) {
        self.file.append(&envelope);
        if let Some(server) = &self.server {
            server.send_envelope(envelope);
        }
    }

    fn flush(&self, timeout: Duration) -> bool {
        self.server
            .as_ref()
            .is_none_or(|server| server.flush(timeout))
    }

    fn shutdown(&self, timeout: Duration) -> bool {
        self.server
            .as_ref()
            .is_none_or(|server| server.shutdown(timeout))
    }
}
