//! The test service for the W3C Trace Context test suite (github.com/w3c/trace-context,
//! folder `test/`): axum behind `CorrelationLayer`, calling out through reqwest with
//! `CorrelationMiddleware`.
//!
//! ```sh
//! cargo run --example w3c_harness              # prints "listening on http://127.0.0.1:PORT"
//! # from a checkout of the suite (it needs aiohttp: `pip install aiohttp`):
//! cd trace-context/test
//! SPEC_LEVEL=2 STRICT_LEVEL=2 python3 test.py http://127.0.0.1:PORT/test
//! ```
//!
//! The suite POSTs to `/test` a JSON array of `{"url": ..., "arguments": [...]}`. For each
//! element, in order, the service POSTs `arguments` (as JSON) to `url`, in the context of
//! the incoming request: the layer continues the caller's `traceparent`/`tracestate` with a
//! server span, and the middleware sends a client span under it, so each callback must carry
//! the caller's trace id, a new parent id, and the caller's `tracestate`. The answer is a
//! JSON array with each call's status (or error); a body that is not such an array is 400.
//!
//! Spans are recorded by an OpenTelemetry SDK tracer provider without exporter (the default
//! sampler follows the parent's sampled flag). `PORT` picks the port (default 0: any free
//! one); the address is printed on the first line of stdout. Only 127.0.0.1 is bound.

use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use opentelemetry::Context;
use opentelemetry::context::FutureExt;
use opentelemetry_sdk::trace::SdkTracerProvider;
use otel_sentry::reqwest::CorrelationMiddleware;
use otel_sentry::tower::CorrelationLayer;
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};
use serde_json::{Value, json};

/// Each callback's limit: the suite waits 5 s for the whole request by default.
const CALL_TIMEOUT: Duration = Duration::from_secs(4);

/// One element of the suite's instructions.
struct Call {
    url: String,
    arguments: Value,
}

/// The instructions, or why they are not the expected array of `{url, arguments}`.
fn parse_calls(body: &[u8]) -> Result<Vec<Call>, String> {
    let value: Value =
        serde_json::from_slice(body).map_err(|error| format!("not JSON: {error}"))?;
    let Value::Array(items) = value else {
        return Err("expected a JSON array".to_owned());
    };
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            let Value::Object(mut item) = item else {
                return Err(format!("element {index}: expected an object"));
            };
            let url = match item.remove("url") {
                Some(Value::String(url)) => url,
                _ => return Err(format!("element {index}: expected a string \"url\"")),
            };
            let arguments = match item.remove("arguments") {
                None | Some(Value::Null) => Value::Array(Vec::new()),
                Some(arguments) => arguments,
            };
            Ok(Call { url, arguments })
        })
        .collect()
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

async fn call(client: &ClientWithMiddleware, call: Call) -> Value {
    let sent = client
        .post(&call.url)
        .header(header::CONTENT_TYPE, "application/json")
        .body(call.arguments.to_string())
        .timeout(CALL_TIMEOUT)
        .send()
        .await;
    match sent {
        Ok(response) => json!({ "url": call.url, "status": response.status().as_u16() }),
        Err(error) => json!({ "url": call.url, "error": error.to_string() }),
    }
}

async fn test(client: ClientWithMiddleware, body: Bytes) -> Response {
    let calls = match parse_calls(&body) {
        Ok(calls) => calls,
        Err(error) => return json_response(StatusCode::BAD_REQUEST, &json!({ "error": error })),
    };
    // The layer attaches the request's context (its server span) while the handler runs;
    // carry it explicitly so every call is the server span's child.
    let cx = Context::current();
    let mut results = Vec::with_capacity(calls.len());
    for each in calls {
        results.push(call(&client, each).with_context(cx.clone()).await);
    }
    json_response(StatusCode::OK, &Value::Array(results))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let provider = SdkTracerProvider::builder().build();
    opentelemetry::global::set_tracer_provider(provider.clone());

    let port: u16 = std::env::var("PORT").map_or(Ok(0), |port| port.parse())?;
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(CorrelationMiddleware::new())
        .build();
    let app = Router::new()
        .route("/test", post(move |body: Bytes| test(client.clone(), body)))
        .layer(CorrelationLayer::new());

    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(async {
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
            let address = listener.local_addr()?;
            println!("listening on http://{address}");
            println!("run the suite: python3 test.py http://{address}/test");
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await
        })?;
    provider.shutdown()?;
    Ok(())
}
