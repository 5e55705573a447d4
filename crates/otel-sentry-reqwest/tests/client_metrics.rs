//! `http.client.request.duration` from `CorrelationMiddleware` calling a real server on
//! 127.0.0.1, read back through the SDK's in-memory metric exporter: one point per call
//! with exactly the conventions' attributes, and a transport error's `error.type`.

use std::collections::BTreeMap;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use opentelemetry::Value;
use otel_sentry_reqwest::CorrelationMiddleware;
use otel_sentry_test_support::{Metrics, Telemetry, serve_router};
use reqwest_middleware::ClientBuilder;

const DURATION: &str = "http.client.request.duration";

fn attributes(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
    pairs
        .iter()
        .map(|(key, value)| ((*key).to_owned(), value.clone()))
        .collect()
}

#[tokio::test]
async fn one_point_per_call_with_exactly_the_attributes() {
    let app = Router::new()
        .route("/users/{id}", get(|| async { "ok" }))
        .route("/busy", get(|| async { StatusCode::SERVICE_UNAVAILABLE }));
    let served = serve_router(app, Telemetry::new(None)).await;
    let port = served
        .base
        .rsplit_once(':')
        .and_then(|(_, port)| port.parse::<i64>().ok())
        .expect("the served port");
    let metrics = Metrics::new();
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(CorrelationMiddleware::new().meter_provider(&metrics.provider))
        .build();

    for path in ["/users/7", "/users/8", "/busy"] {
        client.get(served.url(path)).send().await.unwrap();
    }
    let mut points = metrics.histogram_with(DURATION, 3).await;
    points.sort_by_key(|point| point.count);
    let common = [
        ("http.request.method", Value::from("GET")),
        ("url.scheme", Value::from("http")),
        ("server.address", Value::from("127.0.0.1")),
        ("server.port", Value::I64(port)),
    ];
    let mut busy = common.to_vec();
    busy.extend([
        ("http.response.status_code", Value::I64(503)),
        ("error.type", Value::from("503")),
    ]);
    let mut ok = common.to_vec();
    ok.push(("http.response.status_code", Value::I64(200)));
    assert_eq!(points.len(), 2, "{points:#?}");
    assert_eq!(points[0].attributes, attributes(&busy));
    assert_eq!(points[1].attributes, attributes(&ok));
    assert_eq!(points[1].count, 2);
}

#[tokio::test]
async fn a_transport_error_is_recorded_with_its_error_type_and_no_status() {
    // A port nothing listens on: bound, then closed.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let metrics = Metrics::new();
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(CorrelationMiddleware::new().meter_provider(&metrics.provider))
        .build();

    assert!(
        client
            .get(format!("http://127.0.0.1:{port}/"))
            .send()
            .await
            .is_err()
    );
    let points = metrics.histogram_with(DURATION, 1).await;
    let recorded = &points[0].attributes;
    assert!(
        !recorded.contains_key("http.response.status_code"),
        "{points:#?}"
    );
    assert!(recorded.contains_key("error.type"), "{points:#?}");
    assert_eq!(
        recorded.get("server.port"),
        Some(&Value::I64(i64::from(port)))
    );
}

#[tokio::test]
async fn metrics_off_records_nothing() {
    let app = Router::new().route("/", get(|| async { "ok" }));
    let served = serve_router(app, Telemetry::new(None)).await;
    let metrics = Metrics::new();
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(
            CorrelationMiddleware::new()
                .meter_provider(&metrics.provider)
                .metrics(false),
        )
        .build();
    client.get(served.url("/")).send().await.unwrap();
    assert!(metrics.histogram(DURATION).is_empty());
}
