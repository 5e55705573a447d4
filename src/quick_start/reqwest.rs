use otel_sentry::reqwest::UrlTemplate;
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};

/// Called inside a handler: the client span is a child of the server span, and the next
/// service continues the trace (OpenTelemetry or Sentry-only).
async fn order(client: &ClientWithMiddleware, id: u64) -> reqwest_middleware::Result<String> {
    let response = client
        .get(format!("http://orders.internal/orders/{id}"))
        .with_extension(UrlTemplate::new("/orders/{id}")) // optional: span `GET /orders/{id}`
        .send()
        .await?;
    Ok(response.text().await?)
}

#[tokio::main]
async fn main() {
    // Sentry from SENTRY_DSN, spans over OTLP from OTEL_* (or to Sentry), until main ends.
    let _telemetry = otel_sentry::init();
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(otel_sentry::reqwest::CorrelationMiddleware::new())
        .build();
    match order(&client, 1).await {
        Ok(order) => println!("{order}"),
        Err(error) => eprintln!("{error}"),
    }
}
