//! `otel-sentry-relay`: see the crate's documentation and `--help`.

use clap::Parser;
use otel_sentry_relay::config::Config;
use otel_sentry_relay::server;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("otel_sentry_relay=info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let config = Config::parse();
    let listener = match tokio::net::TcpListener::bind(config.listen).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!(
                "otel-sentry-relay: cannot listen on {}: {error}",
                config.listen
            );
            return std::process::ExitCode::FAILURE;
        }
    };
    match listener.local_addr() {
        // Scripts and tests read the port from this line when they asked for port 0.
        Ok(address) => println!("otel-sentry-relay listening on {address}"),
        Err(error) => eprintln!("otel-sentry-relay: {error}"),
    }
    match server::serve(config, listener, server::signal()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("otel-sentry-relay: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
