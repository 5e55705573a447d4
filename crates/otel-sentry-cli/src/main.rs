//! `otel-sentry`: from a Sentry event to its trace, every Sentry event of a trace with its
//! root cause, and the duplicate report — against Sentry's web API or Bugsink's.
//!
//! ```text
//! otel-sentry lookup EVENT_ID
//! otel-sentry trace TRACE_ID
//! otel-sentry duplicates [--since 24h]
//! ```
//!
//! Configured as sentry-cli is (`SENTRY_URL`, `SENTRY_AUTH_TOKEN`, `SENTRY_ORG`,
//! `SENTRY_PROJECT`, or the flags of the same names). Exit status: 0 found, 1 nothing found
//! or the backend failed (one line on stderr), 2 bad usage.
#![forbid(unsafe_code)]

mod backend;
mod cli;
mod commands;
mod error;
mod event;
mod http;
mod ids;
mod progress;
mod root_cause;
mod trace_url;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::error::CliError;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(output) => {
            println!("{output}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("otel-sentry: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}

fn run(cli: &Cli) -> Result<String, CliError> {
    let trace_url = cli.trace_url()?;
    // Bad usage is told before anything is sent.
    let id = match &cli.command {
        Command::Lookup { event_id } => ids::event_id(event_id)?,
        Command::Trace { trace_id } => ids::trace_id(trace_id)?,
        Command::Duplicates { .. } => String::new(),
    };
    let backend = backend::connect(&cli.connection())?;
    match &cli.command {
        Command::Lookup { .. } => {
            commands::lookup::run(&*backend, &id, trace_url.as_ref(), cli.json)
        }
        Command::Trace { .. } => commands::trace::run(&*backend, &id, trace_url.as_ref(), cli.json),
        Command::Duplicates { since } => commands::duplicates::run(&*backend, *since, cli.json),
    }
}
