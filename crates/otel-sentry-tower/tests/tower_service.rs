//! `CorrelationLayer` around a plain tower service (as in a hyper or tonic stack): other
//! body types, a service that fails without a response, a service that panics in `call`.

use std::convert::Infallible;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use opentelemetry::Value;
use opentelemetry::trace::Status;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SpanData};
use otel_sentry_test_support::Telemetry;
use otel_sentry_tower::{CorrelationLayer, ReportedError};
use tower::{Layer, ServiceExt, service_fn};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

struct Setup {
    telemetry: Telemetry,
    layer: CorrelationLayer,
}

fn setup() -> Setup {
    let telemetry = Telemetry::with_sentry();
    let layer = CorrelationLayer::new()
        .tracer(telemetry.tracer())
        .sentry_hub(telemetry.hub.clone());
    Setup { telemetry, layer }
}

fn request() -> Request<Full<Bytes>> {
    Request::builder()
        .method("POST")
        .uri("http://grpc.example/pkg.Service/Method")
        .body(Full::new(Bytes::new()))
        .unwrap()
}

fn only_span(exporter: &InMemorySpanExporter) -> SpanData {
    let mut spans = exporter.get_finished_spans().unwrap();
    assert_eq!(spans.len(), 1, "{spans:#?}");
    spans.remove(0)
}

fn attribute(span: &SpanData, key: &str) -> Option<Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| kv.value.clone())
}

#[tokio::test]
async fn any_body_type_is_carried_through_and_the_span_ends_with_it() {
    let setup = setup();
    let service = setup
        .layer
        .layer(service_fn(|_: Request<Full<Bytes>>| async {
            Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(b"hello"))))
        }));
    let response = service.oneshot(request()).await.unwrap();
    assert_eq!(
        response.into_body().collect().await.unwrap().to_bytes(),
        "hello"
    );
    let span = only_span(&setup.telemetry.exporter);
    assert_eq!(span.name, "POST", "no route outside axum: the method alone");
    assert_eq!(
        attribute(&span, "server.address"),
        Some(Value::from("grpc.example"))
    );
    assert_eq!(
        attribute(&span, "url.path"),
        Some(Value::from("/pkg.Service/Method"))
    );
}

#[tokio::test]
async fn a_service_failing_without_a_response_is_a_failure() {
    let setup = setup();
    let service = setup
        .layer
        .layer(service_fn(|_: Request<Full<Bytes>>| async {
            Err::<Response<Full<Bytes>>, BoxError>("upstream unavailable".into())
        }));
    let error = service.oneshot(request()).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "upstream unavailable",
        "the error reaches the caller unchanged"
    );
    let span = only_span(&setup.telemetry.exporter);
    assert_eq!(span.status, Status::error("upstream unavailable"));
    let events = setup.telemetry.events();
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].exception.values[0].value.as_deref(),
        Some("upstream unavailable")
    );
    assert_eq!(
        attribute(&span, "sentry.event_id"),
        Some(Value::from(events[0].event_id.simple().to_string()))
    );
}

#[tokio::test]
async fn a_panic_in_call_becomes_a_500() {
    let setup = setup();
    let service = setup.layer.layer(service_fn(
        |_: Request<Full<Bytes>>| -> std::future::Ready<Result<Response<Full<Bytes>>, Infallible>> {
            panic!("panicked before returning a future")
        },
    ));
    let response = service.oneshot(request()).await.unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .is_empty()
    );
    let span = only_span(&setup.telemetry.exporter);
    assert_eq!(attribute(&span, "error.type"), Some(Value::from("panic")));
    assert_eq!(setup.telemetry.events().len(), 1);
}

#[tokio::test]
async fn a_reported_error_on_any_response_reaches_sentry() {
    let setup = setup();
    let service = setup
        .layer
        .layer(service_fn(|_: Request<Full<Bytes>>| async {
            let mut response = Response::new(Full::new(Bytes::new()));
            *response.status_mut() = StatusCode::BAD_GATEWAY;
            ReportedError::new(std::io::Error::other("database gone")).attach_to(&mut response);
            Ok::<_, Infallible>(response)
        }));
    let response = service.oneshot(request()).await.unwrap();
    assert!(
        response.extensions().get::<ReportedError>().is_none(),
        "the layer takes it out"
    );
    let _ = response.into_body().collect().await;
    let events = setup.telemetry.events();
    assert_eq!(
        events[0].exception.values.last().unwrap().ty,
        "std::io::error::Error"
    );
    assert_eq!(
        attribute(&only_span(&setup.telemetry.exporter), "error.type"),
        Some(Value::from("std::io::error::Error"))
    );
}
