//! `http.server.request.duration` over real servers (axum behind `CorrelationLayer`,
//! actix-web wrapped in `Correlation`), read back through the SDK's in-memory metric
//! exporter: one point per request with exactly the conventions' attributes, the duration
//! of a streamed body covered, and no attribute set per unmatched path.

mod same_app;

use std::collections::BTreeMap;
use std::time::Duration;

use opentelemetry::Value;
use otel_sentry_core::CorrelationConfig;
use otel_sentry_test_support::{HistogramPoint, Metrics, Served, Telemetry, serve_router};
use same_app::{serve_actix, serve_axum};

const DURATION: &str = "http.server.request.duration";

/// The semantic conventions' boundaries.
const BOUNDARIES: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

fn attributes(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
    pairs
        .iter()
        .map(|(key, value)| ((*key).to_owned(), value.clone()))
        .collect()
}

fn s(value: &'static str) -> Value {
    Value::from(value)
}

/// Both apps, recording to their own in-memory metrics.
async fn both(config: impl Fn() -> CorrelationConfig) -> Vec<(&'static str, Served, Metrics)> {
    let axum_metrics = Metrics::new();
    let actix_metrics = Metrics::new();
    let axum = serve_axum(
        Telemetry::with_sentry(),
        config().meter_provider(&axum_metrics.provider),
    )
    .await;
    let actix = serve_actix(
        Telemetry::with_sentry(),
        config().meter_provider(&actix_metrics.provider),
    )
    .await;
    vec![
        ("axum", axum, axum_metrics),
        ("actix", actix, actix_metrics),
    ]
}

#[actix_web::test]
async fn one_point_per_request_with_exactly_the_attributes() {
    for (framework, served, metrics) in both(CorrelationConfig::new).await {
        assert_eq!(served.get("/users/7").await.status(), 200);
        assert_eq!(served.get("/users/8").await.status(), 200);
        assert_eq!(served.get("/fail").await.status(), 503);
        let mut points = metrics.histogram_with(DURATION, 3).await;
        points.sort_by_key(|point| point.count);
        let common = [
            ("http.request.method", s("GET")),
            ("url.scheme", s("http")),
            ("network.protocol.name", s("http")),
            ("network.protocol.version", s("1.1")),
        ];
        let mut failed = common.to_vec();
        failed.extend([
            ("http.route", s("/fail")),
            ("http.response.status_code", Value::I64(503)),
            ("error.type", s("503")),
        ]);
        let mut ok = common.to_vec();
        ok.extend([
            ("http.route", s("/users/{id}")),
            ("http.response.status_code", Value::I64(200)),
        ]);
        assert_eq!(points.len(), 2, "{framework}: {points:#?}");
        assert_eq!(points[0].attributes, attributes(&failed), "{framework}");
        assert_eq!(points[0].count, 1, "{framework}");
        assert_eq!(points[1].attributes, attributes(&ok), "{framework}");
        assert_eq!(points[1].count, 2, "{framework}");
        assert_eq!(points[1].bounds, BOUNDARIES, "{framework}");
    }
}

#[actix_web::test]
async fn unmatched_paths_share_one_attribute_set_without_a_route() {
    for (framework, served, metrics) in both(CorrelationConfig::new).await {
        for path in ["/a", "/b", "/c"] {
            assert_eq!(served.get(path).await.status(), 404, "{framework} {path}");
        }
        let points = metrics.histogram_with(DURATION, 3).await;
        assert_eq!(points.len(), 1, "{framework}: {points:#?}");
        assert!(
            !points[0].attributes.contains_key("http.route"),
            "{framework}: {points:#?}"
        );
        assert_eq!(
            points[0].attributes.get("http.response.status_code"),
            Some(&Value::I64(404)),
            "{framework}"
        );
    }
}

#[actix_web::test]
async fn metrics_off_records_nothing() {
    for (framework, served, metrics) in both(|| CorrelationConfig::new().metrics(false)).await {
        assert_eq!(served.get("/users/7").await.status(), 200);
        // The span ends with the body: once it has, the duration would have been recorded.
        served.telemetry.spans(1).await;
        assert_eq!(
            metrics.histogram(DURATION),
            Vec::<HistogramPoint>::new(),
            "{framework}"
        );
    }
}

/// Three chunks 100 ms apart.
fn slow_chunks() -> impl futures_util::Stream<Item = Result<axum::body::Bytes, std::io::Error>> {
    futures_util::stream::unfold(0u8, |sent| async move {
        if sent == 3 {
            return None;
        }
        if sent > 0 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Some((Ok(axum::body::Bytes::from_static(b"chunk")), sent + 1))
    })
}

async fn assert_covers_the_body(framework: &str, served: &Served, metrics: &Metrics) {
    let body = served.get("/stream").await.text().await.unwrap();
    assert_eq!(body, "chunkchunkchunk");
    let points = metrics.histogram_with(DURATION, 1).await;
    assert!(
        points[0].sum >= 0.2,
        "{framework}: the duration must cover the streamed body: {points:#?}"
    );
    assert_eq!(
        points[0].attributes.get("http.route"),
        Some(&s("/stream")),
        "{framework}"
    );
}

#[tokio::test]
async fn a_streamed_body_is_timed_to_its_end_on_axum() {
    use axum::Router;
    use axum::body::Body;
    use axum::routing::get;
    use otel_sentry_tower::CorrelationLayer;

    let metrics = Metrics::new();
    let telemetry = Telemetry::with_sentry();
    let app = Router::new()
        .route(
            "/stream",
            get(|| async { Body::from_stream(slow_chunks()) }),
        )
        .layer(CorrelationLayer::from_config(
            CorrelationConfig::new()
                .tracer(telemetry.tracer())
                .meter_provider(&metrics.provider),
        ));
    let served = serve_router(app, telemetry).await;
    assert_covers_the_body("axum", &served, &metrics).await;
}

#[actix_web::test]
async fn a_streamed_body_is_timed_to_its_end_on_actix() {
    use actix_web::{App, HttpResponse, HttpServer, web};
    use otel_sentry_actix::Correlation;

    let metrics = Metrics::new();
    let telemetry = Telemetry::with_sentry();
    let correlation = Correlation::from_config(
        CorrelationConfig::new()
            .tracer(telemetry.tracer())
            .meter_provider(&metrics.provider),
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = HttpServer::new(move || {
        App::new().wrap(correlation.clone()).route(
            "/stream",
            web::get().to(|| async { HttpResponse::Ok().streaming(slow_chunks()) }),
        )
    })
    .workers(1)
    .disable_signals()
    .listen(listener)
    .unwrap()
    .run();
    actix_web::rt::spawn(server);
    let served = Served::new(format!("http://{addr}"), telemetry);
    assert_covers_the_body("actix", &served, &metrics).await;
}

#[tokio::test]
async fn active_requests_count_a_request_until_its_span_ends_when_opted_in() {
    use axum::Router;
    use axum::routing::get;
    use otel_sentry_tower::CorrelationLayer;

    let metrics = Metrics::new();
    let telemetry = Telemetry::with_sentry();
    let app = Router::new()
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(300)).await;
                "late"
            }),
        )
        .layer(CorrelationLayer::from_config(
            CorrelationConfig::new()
                .tracer(telemetry.tracer())
                .meter_provider(&metrics.provider)
                .active_requests(true),
        ));
    let served = std::sync::Arc::new(serve_router(app, telemetry).await);
    let in_flight = tokio::spawn({
        let served = served.clone();
        async move { served.get("/slow").await.status() }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let expected = attributes(&[("http.request.method", s("GET")), ("url.scheme", s("http"))]);
    const ACTIVE: &str = "http.server.active_requests";
    assert_eq!(metrics.sum_i64(ACTIVE), vec![(expected.clone(), 1)]);
    assert_eq!(in_flight.await.unwrap(), 200);
    // The span (and the count) ends with the body, which may be after the client read it.
    served.telemetry.spans(1).await;
    assert_eq!(metrics.sum_i64(ACTIVE), vec![(expected, 0)]);
}

#[actix_web::test]
async fn active_requests_are_off_by_default() {
    for (framework, served, metrics) in both(CorrelationConfig::new).await {
        assert_eq!(served.get("/users/7").await.status(), 200);
        metrics.histogram_with(DURATION, 1).await;
        assert!(
            metrics.sum_i64("http.server.active_requests").is_empty(),
            "{framework}"
        );
    }
}

#[actix_web::test]
async fn body_sizes_are_recorded_with_the_duration_attributes_when_opted_in() {
    const REQUEST_SIZE: &str = "http.server.request.body.size";
    const RESPONSE_SIZE: &str = "http.server.response.body.size";
    for (framework, served, metrics) in both(|| CorrelationConfig::new().body_sizes(true)).await {
        // A 2-byte response ("ok") to a request announcing 11 bytes.
        let response = served
            .client
            .get(served.url("/users/7"))
            .body("hello world")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{framework}");
        assert_eq!(response.text().await.unwrap(), "ok", "{framework}");
        let durations = metrics.histogram_with(DURATION, 1).await;
        let requests = metrics.histogram(REQUEST_SIZE);
        let responses = metrics.histogram(RESPONSE_SIZE);
        assert_eq!(requests.len(), 1, "{framework}: {requests:#?}");
        assert_eq!(
            (requests[0].count, requests[0].sum),
            (1, 11.0),
            "{framework}"
        );
        assert_eq!(responses.len(), 1, "{framework}: {responses:#?}");
        assert_eq!(
            (responses[0].count, responses[0].sum),
            (1, 2.0),
            "{framework}"
        );
        assert_eq!(
            requests[0].attributes, durations[0].attributes,
            "{framework}"
        );
        assert_eq!(
            responses[0].attributes, durations[0].attributes,
            "{framework}"
        );
    }
}

#[actix_web::test]
async fn body_sizes_are_off_by_default() {
    for (framework, served, metrics) in both(CorrelationConfig::new).await {
        assert_eq!(served.get("/users/7").await.status(), 200);
        metrics.histogram_with(DURATION, 1).await;
        for name in [
            "http.server.request.body.size",
            "http.server.response.body.size",
        ] {
            assert!(metrics.histogram(name).is_empty(), "{framework} {name}");
        }
    }
}
