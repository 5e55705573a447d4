//! A real HTTP server on 127.0.0.1 for `scripts/throughput.sh`: one stack per process, on
//! the same backends as the other benchmarks (an opentelemetry_sdk tracer provider with a
//! batch span processor whose exporter discards, a Sentry client whose transport
//! discards) and the same handlers (`GET /users/{id}` → 200, `GET /pay` → a captured 500).
//!
//! `throughput_server <stack>` with a stack of `axum-bare`, `axum-correlation`,
//! `axum-anchor`, `actix-bare`, `actix-correlation`, `actix-anchor`: binds an ephemeral
//! port, prints `listening on 127.0.0.1:PORT`, and serves until killed. Run by `cargo
//! bench` without a stack, it says so and exits.

mod support;

use std::io::Write;
use std::net::{SocketAddr, TcpListener};
use std::process::ExitCode;

use actix_web::{App, HttpServer};
use opentelemetry_instrumentation_actix_web::RequestTracing;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use sentry_core::Hub;
use support::actix_stacks::{self, anchor_routes, routes};
use support::axum_stacks;
use support::backends::Backends;

const STACKS: [&str; 6] = [
    "axum-bare",
    "axum-correlation",
    "axum-anchor",
    "actix-bare",
    "actix-correlation",
    "actix-anchor",
];

fn main() -> ExitCode {
    // `cargo bench` passes `--bench`; the script passes the stack.
    let Some(stack) = std::env::args().skip(1).find(|arg| !arg.starts_with("--")) else {
        println!("throughput_server: run by scripts/throughput.sh (stacks: {STACKS:?})");
        return ExitCode::SUCCESS;
    };
    if !STACKS.contains(&stack.as_str()) {
        eprintln!("throughput_server: unknown stack {stack:?}; one of {STACKS:?}");
        return ExitCode::FAILURE;
    }
    let listener = match TcpListener::bind("127.0.0.1:0") {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("throughput_server: cannot bind 127.0.0.1:0: {error}");
            return ExitCode::FAILURE;
        }
    };
    let served = match stack.split_once('-') {
        Some(("axum", kind)) => serve_axum(kind, listener),
        Some((_, kind)) => serve_actix(kind, listener),
        None => unreachable!("every stack names its framework"),
    };
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("throughput_server: {stack}: {error}");
            ExitCode::FAILURE
        }
    }
}

fn announce(listener: &TcpListener) -> std::io::Result<()> {
    let mut stdout = std::io::stdout();
    writeln!(stdout, "listening on {}", listener.local_addr()?)?;
    stdout.flush()
}

fn serve_axum(kind: &str, listener: TcpListener) -> std::io::Result<()> {
    let backends = Backends::new();
    let router = match kind {
        "bare" => axum_stacks::bare(),
        "correlation" => axum_stacks::correlated(&backends),
        _ => {
            opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
            // sentry-tower derives its hubs from the main hub.
            Hub::main().bind_client(Some(backends.client.clone()));
            tracing::dispatcher::set_global_default(axum_stacks::anchor_dispatch(&backends))
                .map_err(std::io::Error::other)?;
            axum_stacks::anchor()
        }
    };
    listener.set_nonblocking(true)?;
    announce(&listener)?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    })
}

fn serve_actix(kind: &str, listener: TcpListener) -> std::io::Result<()> {
    let backends = Backends::new();
    opentelemetry::global::set_tracer_provider(backends.provider.clone());
    let correlation = actix_stacks::correlation(&backends);
    let sentry = actix_stacks::anchor_sentry(&backends);
    announce(&listener)?;
    let kind = kind.to_owned();
    actix_web::rt::System::new().block_on(async move {
        // The three apps are different types: one server per stack.
        match kind.as_str() {
            "bare" => {
                HttpServer::new(|| App::new().configure(routes))
                    .listen(listener)?
                    .run()
                    .await
            }
            "correlation" => {
                HttpServer::new(move || App::new().wrap(correlation.clone()).configure(routes))
                    .listen(listener)?
                    .run()
                    .await
            }
            _ => {
                HttpServer::new(move || {
                    App::new()
                        .wrap(RequestTracing::new())
                        .wrap(sentry.clone())
                        .configure(anchor_routes)
                })
                .listen(listener)?
                .run()
                .await
            }
        }
    })
}
