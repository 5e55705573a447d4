//! The command line: commands, flags, and the environment variables sentry-cli users
//! already set (a flag wins over its variable).

use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

use crate::error::CliError;
use crate::trace_url::TraceUrl;

/// From a Sentry event to its trace, every event of a trace, and the duplicate report.
#[derive(Debug, Parser)]
#[command(name = "otel-sentry", version, about)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,

    /// Sentry's (or Bugsink's) base URL.
    #[arg(
        long,
        env = "SENTRY_URL",
        default_value = "https://sentry.io/",
        global = true
    )]
    pub(crate) url: String,

    /// A bearer token: a Sentry auth token, or a Bugsink API token.
    #[arg(long, env = "SENTRY_AUTH_TOKEN", hide_env_values = true, global = true)]
    pub(crate) auth_token: Option<String>,

    /// The organisation slug (Sentry).
    #[arg(long, env = "SENTRY_ORG", global = true)]
    pub(crate) org: Option<String>,

    /// The project: its slug on Sentry, its id on Bugsink; all projects when not given.
    #[arg(long, env = "SENTRY_PROJECT", global = true)]
    pub(crate) project: Option<String>,

    /// Which API `--url` serves; detected when not given.
    #[arg(long, value_enum, global = true)]
    pub(crate) backend: Option<BackendKind>,

    /// The trace viewer's link: a template with `{trace_id}`, or a preset `jaeger`,
    /// `tempo` or `phoenix`, optionally `=BASE_URL` (`phoenix=http://127.0.0.1:6006`).
    #[arg(long, env = "OTEL_SENTRY_TRACE_URL", global = true)]
    pub(crate) trace_url: Option<String>,

    /// At most this many requests to the backend per command.
    #[arg(long, default_value_t = 500, global = true)]
    pub(crate) max_requests: usize,

    /// One JSON document on stdout instead of text.
    #[arg(long, global = true)]
    pub(crate) json: bool,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// An event's trace, span, project, issue, service, links, and the other events of
    /// its trace.
    Lookup {
        /// The event id: 32 hex digits, with or without dashes.
        event_id: String,
    },
    /// Every Sentry event of a trace, earliest first, with the root cause marked.
    Trace {
        /// The trace id: 32 hex digits.
        trace_id: String,
    },
    /// Error events of a period grouped by trace: what deduplication would have saved.
    Duplicates {
        /// How far back: `30m`, `24h`, `7d`.
        #[arg(long, default_value = "24h", value_parser = parse_duration)]
        since: Duration,
    },
}

/// A backend's API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum BackendKind {
    /// Sentry's web API (sentry.io or self-hosted).
    Sentry,
    /// Bugsink's canonical API.
    Bugsink,
}

/// Where and how to connect.
#[derive(Clone, Debug)]
pub(crate) struct Connection {
    pub(crate) url: String,
    pub(crate) auth_token: Option<String>,
    pub(crate) org: Option<String>,
    pub(crate) project: Option<String>,
    pub(crate) backend: Option<BackendKind>,
    pub(crate) max_requests: usize,
}

impl Cli {
    pub(crate) fn connection(&self) -> Connection {
        Connection {
            url: self.url.trim_end_matches('/').to_owned(),
            auth_token: self.auth_token.clone().filter(|token| !token.is_empty()),
            org: self.org.clone().filter(|org| !org.is_empty()),
            project: self.project.clone().filter(|project| !project.is_empty()),
            backend: self.backend,
            max_requests: self.max_requests.max(1),
        }
    }

    pub(crate) fn trace_url(&self) -> Result<Option<TraceUrl>, CliError> {
        self.trace_url
            .as_deref()
            .filter(|spec| !spec.is_empty())
            .map(TraceUrl::parse)
            .transpose()
    }
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text).map_err(|error| error.to_string())
}
