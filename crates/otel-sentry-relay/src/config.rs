//! The command line: each flag also from an `OTEL_SENTRY_RELAY_*` environment variable.

use std::net::SocketAddr;
use std::time::Duration;

use clap::Parser;

/// otel-sentry-relay: point every SDK's DSN here; error events are held per trace for the
/// window and the root cause goes upstream tagged `cascading_errors_suppressed`.
#[derive(Clone, Debug, Parser)]
#[command(name = "otel-sentry-relay", version)]
pub struct Config {
    /// Address to listen on (port 0 picks a free one; the address is printed).
    #[arg(
        long,
        env = "OTEL_SENTRY_RELAY_LISTEN",
        default_value = "127.0.0.1:3000"
    )]
    pub listen: SocketAddr,
    /// Base URL of Sentry or a Sentry-compatible server (`https://o123.ingest.sentry.io`).
    #[arg(long, env = "OTEL_SENTRY_RELAY_UPSTREAM")]
    pub upstream: String,
    /// Redis shared by the replicas (`redis://127.0.0.1:6379`); without it, state is in
    /// the process.
    #[arg(long, env = "OTEL_SENTRY_RELAY_REDIS")]
    pub redis: Option<String>,
    /// How long error events are held per trace (`5s`, `500ms`).
    #[arg(long, env = "OTEL_SENTRY_RELAY_WINDOW", default_value = "5s", value_parser = humantime::parse_duration)]
    pub window: Duration,
    /// Forward the suppressed events too, fingerprinted to group with the root cause.
    #[arg(long, env = "OTEL_SENTRY_RELAY_KEEP_SUPPRESSED")]
    pub keep_suppressed: bool,
    /// Traces held at most; over it the oldest is decided early.
    #[arg(long, env = "OTEL_SENTRY_RELAY_MAX_TRACES", default_value_t = 200_000)]
    pub max_traces: usize,
    /// Encoded bytes of events held at most; over it the oldest trace is decided early. A
    /// held event takes about 13 times its encoded size in memory (it is kept parsed; see
    /// BENCHMARKS.md), so the default, 64 MiB, holds under 1 GiB.
    #[arg(long, env = "OTEL_SENTRY_RELAY_MAX_HELD_BYTES", default_value_t = 64 * 1024 * 1024)]
    pub max_held_bytes: usize,
    /// Envelopes waiting for upstream at most; when full, SDKs are answered 429.
    #[arg(long, env = "OTEL_SENTRY_RELAY_QUEUE", default_value_t = 10_000)]
    pub queue: usize,
    /// How long shutdown waits for upstream to take what is queued.
    #[arg(long, env = "OTEL_SENTRY_RELAY_SHUTDOWN_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub shutdown_timeout: Duration,
}

/// Sentry's own limits: a request body of 40 MiB compressed, 200 MiB decoded, an event of 1 MiB.
pub mod limits {
    /// A request body as received.
    pub const MAX_BODY_BYTES: usize = 40 * 1024 * 1024;
    /// A request body decoded.
    pub const MAX_DECODED_BYTES: usize = 200 * 1024 * 1024;
    /// One event item or store body.
    pub const MAX_EVENT_BYTES: usize = 1024 * 1024;
}
