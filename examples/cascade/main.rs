//! The cascade demo: three services on 127.0.0.1 — gateway (axum), orders (actix-web),
//! payments (axum) — joined by reqwest with `CorrelationMiddleware`, four checkouts through
//! them, then each trace as a waterfall in the terminal.
//!
//! ```sh
//! cargo run --example cascade
//! ```
//!
//! Two checkouts are paid; payments declines the card of the third (a typed error with a
//! source); orders panics on the fourth. Each failing trace sends exactly one Sentry event,
//! the root cause's: the callers' failures are cascades, recorded on their spans with the
//! root event's id. Nothing external is needed: spans are kept in memory for the
//! waterfall, Sentry events are written to a JSONL file whose path is printed.
//!
//! Real backends, by the usual environment variables:
//! - `SENTRY_DSN`: events also go to that Sentry (or Bugsink);
//! - `OTEL_EXPORTER_OTLP_ENDPOINT`: spans also go there over OTLP/HTTP (a collector,
//!   Jaeger, Tempo, Arize Phoenix).
//!
//! Options: `--gateway-port N` serves the gateway on a fixed port (default: any free
//! one); `--events-file PATH` chooses the JSONL file. Exits non-zero, with the reason,
//! when a service cannot start.

mod event_file;
mod services;
mod telemetry;
mod waterfall;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use opentelemetry::trace::SpanId;
use otel_sentry::Traceparent;

use event_file::EventFile;
use telemetry::Telemetry;
use waterfall::{Palette, Request};

const ORDERS: [u32; 4] = [
    1001,
    1002,
    services::DECLINED_ORDER,
    services::PANICKING_ORDER,
];

struct Options {
    gateway_port: u16,
    events_file: PathBuf,
}

impl Options {
    fn parse() -> Result<Self, String> {
        let mut options = Options {
            gateway_port: 0,
            events_file: std::env::temp_dir()
                .join("otel-sentry-cascade-demo")
                .join("sentry-events.jsonl"),
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
            match arg.as_str() {
                "--gateway-port" => {
                    let port = value()?;
                    options.gateway_port = port
                        .parse()
                        .map_err(|_| format!("--gateway-port: not a port: {port}"))?;
                }
                "--events-file" => options.events_file = value()?.into(),
                _ => return Err(format!("unknown argument {arg}")),
            }
        }
        Ok(options)
    }
}

fn main() -> ExitCode {
    match Options::parse().and_then(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("cascade demo: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(options: Options) -> Result<(), String> {
    let began = Instant::now();
    // The panicking handler's message, on one line instead of a backtrace notice.
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|message| message.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        eprintln!("  (a handler panicked: {message})");
    }));
    let events = EventFile::create(&options.events_file).map_err(|error| {
        format!(
            "cannot create the events file {}: {error}",
            options.events_file.display()
        )
    })?;
    let mut telemetry = Telemetry::new(&["gateway", "orders", "payments"], events)?;

    let system = actix_web::rt::System::new();
    let requests = system.block_on(checkouts(&telemetry, options.gateway_port));
    let _ = std::panic::take_hook();
    // Read before the shutdown, which empties the in-memory exporter.
    let spans = telemetry.spans.get_finished_spans();
    telemetry.shutdown();
    let requests = requests?;
    let spans = spans.map_err(|error| format!("cannot read the spans: {error}"))?;
    let events = telemetry.events.read().map_err(|error| {
        format!(
            "cannot read back {}: {error}",
            telemetry.events.path().display()
        )
    })?;
    let palette = Palette {
        enabled: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    println!();
    print!(
        "{}",
        waterfall::render(&requests, &spans, &events, &palette)
    );
    println!(
        "Sentry events: {}{}",
        telemetry.events.path().display(),
        match &telemetry.sentry_dsn {
            Some(_) => " (and sent to SENTRY_DSN)",
            None => " (set SENTRY_DSN to send them to Sentry or Bugsink)",
        }
    );
    println!(
        "Spans: {}",
        match &telemetry.otlp_endpoint {
            Some(endpoint) => format!("exported to {endpoint}"),
            None => "in memory (set OTEL_EXPORTER_OTLP_ENDPOINT to export them)".to_owned(),
        }
    );
    println!("Done in {:.1} s.", began.elapsed().as_secs_f64());
    Ok(())
}

/// Starts the services and sends the checkouts; what each got.
async fn checkouts(telemetry: &Telemetry, gateway_port: u16) -> Result<Vec<Request>, String> {
    // Bind everything first: a port in use stops the demo before any service runs.
    let gateway_listener = services::bind("gateway", gateway_port)?;
    let orders_listener = services::bind("orders", 0)?;
    let payments_listener = services::bind("payments", 0)?;
    let payments = services::start_payments(telemetry.service("payments"), payments_listener)?;
    let orders = services::start_orders(telemetry.service("orders"), orders_listener, payments)?;
    let gateway = services::start_gateway(telemetry.service("gateway"), gateway_listener, orders)?;
    println!("gateway http://{gateway} → orders http://{orders} → payments http://{payments}");

    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .map_err(|error| format!("cannot build the HTTP client: {error}"))?;
    let mut requests = Vec::new();
    for order in ORDERS {
        let path = format!("/checkout/{order}");
        let response = client
            .get(format!("http://{gateway}{path}"))
            .send()
            .await
            .map_err(|error| format!("the gateway did not answer {path}: {error}"))?;
        let trace_id = response
            .headers()
            .get("traceparent")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| Traceparent::parse(value).ok())
            .map(|traceparent| traceparent.trace_id());
        requests.push(Request {
            path,
            status: response.status().as_u16(),
            trace_id,
        });
        // Read the body: the gateway's span ends with it.
        let _ = response.bytes().await;
    }
    wait_for_root_spans(telemetry, &requests).await;
    Ok(requests)
}

/// Waits (at most 3 s) until every request's root span has ended: it ends last, after
/// its response body went out.
async fn wait_for_root_spans(telemetry: &Telemetry, requests: &[Request]) {
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline {
        let spans = telemetry.spans.get_finished_spans().unwrap_or_default();
        let ended = requests.iter().all(|request| {
            spans.iter().any(|span| {
                Some(span.span_context.trace_id()) == request.trace_id
                    && span.parent_span_id == SpanId::INVALID
            })
        });
        if ended {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
