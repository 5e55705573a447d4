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
use opentelemetry_sdk::trace::SdkTracerProvider;
use otel_sentry::reqwest::CorrelationMiddleware;
use reqwest_middleware::ClientBuilder;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:3000/hello".to_owned());
    // Built before the runtime: the OTLP exporter's blocking HTTP client runs its own.
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .build()?;
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .build();
    global::set_tracer_provider(provider.clone());
    // Sentry's HTTP transport with request timeouts: a Sentry that never answers must not
    // keep the process from exiting.
    let mut sentry_options = sentry::ClientOptions::new();
    sentry_options.transport = Some(std::sync::Arc::new(
        otel_sentry::reqwest::SentryHttpTransport::new()
            .timeouts_within(sentry_options.shutdown_timeout),
    ));
    let _sentry = sentry::init(sentry_options);

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
    provider.shutdown()?;
    Ok(())
}
