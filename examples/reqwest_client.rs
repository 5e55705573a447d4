//! The smallest reqwest client with otel-sentry: `CorrelationMiddleware` through
//! reqwest-middleware.
//!
//! ```sh
//! cargo run --example axum_basic &          # something to call
//! cargo run --example reqwest_client -- http://127.0.0.1:3000/fail
//! ```
//!
//! The call runs inside a span of its own (a background job, say); the middleware starts a
//! client span under it and sends `traceparent`, `tracestate`, `baggage` and
//! `sentry-trace` for it, so the server continues the same trace. A failed answer marks
//! the client span as an error; one naming its Sentry event (`x-sentry-event-id`) is
//! recorded on it. The program prints the trace id to look up, the job's span id (the
//! client span is its child), and the status.

use opentelemetry::context::FutureExt;
use opentelemetry::trace::{TraceContextExt, Tracer};
use opentelemetry::{Context, global};
use otel_sentry::reqwest::CorrelationMiddleware;
use reqwest_middleware::ClientBuilder;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:3000/hello".to_owned());
    // Sentry from SENTRY_DSN, spans over OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT (or, with
    // only a DSN, to Sentry's OTLP endpoint); the guard sends the last of both when main
    // returns, within Sentry's shutdown timeout.
    let _telemetry = otel_sentry::init();

    let client = ClientBuilder::new(reqwest::Client::new())
        .with(CorrelationMiddleware::new())
        .build();
    let job = global::tracer("reqwest_client").start("nightly sync");
    let cx = Context::current_with_span(job);
    println!("trace {}", cx.span().span_context().trace_id());
    println!("job span {}", cx.span().span_context().span_id());

    let status = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(client.get(&url).send().with_context(cx.clone()))
        .map(|response| response.status());
    cx.span().end();
    match status {
        Ok(status) => println!("GET {url} → {status}"),
        Err(error) => println!("GET {url} failed: {error}"),
    }
    Ok(())
}
