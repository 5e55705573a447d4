//! The three axum stacks the benchmarks compare, answering the same handlers:
//! `GET /users/{id}` (200) and `GET /pay` (a 500 from a chained error, captured into one
//! Sentry event: by our layer, or — sentry-tower captures nothing itself — by the anchor's
//! handler).
//!
//! Each router is finalized with `with_state(())`, as `axum::serve` and
//! `into_make_service` do before serving: every route's handler is made into a service,
//! with the layers applied, once. An unfinalized router called directly would redo that
//! for every request (a box per handler and layer, each layer applied anew), a cost no
//! served request pays.

use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum_tracing_opentelemetry::middleware::OtelAxumLayer;
use http::Request;
use http_body_util::BodyExt;
use opentelemetry::trace::TracerProvider as _;
use otel_sentry_test_support::PaymentFailed;
use otel_sentry_tower::CorrelationLayer;
use otel_sentry_tower::axum::ErrorResponse;
use sentry_tower::{NewSentryLayer, SentryHttpLayer};
use tower::ServiceExt;
use tracing::Dispatch;
use tracing_subscriber::layer::SubscriberExt;

use super::backends::Backends;

/// The bare router, finalized (layers added to it are applied once).
pub fn bare() -> Router {
    Router::new()
        .route("/users/{id}", get(|| async { "ok" }))
        .route(
            "/pay",
            get(|| async { Err::<&str, _>(ErrorResponse::from(PaymentFailed::card_declined(51))) }),
        )
        .with_state(())
}

/// The bare router behind a layer that does nothing but wrap (see `support::passthrough`).
pub fn passthrough() -> Router {
    bare().layer(super::passthrough::PassthroughLayer)
}

/// Ours: the bare router behind `CorrelationLayer`.
pub fn correlated(backends: &Backends) -> Router {
    bare().layer(
        CorrelationLayer::new()
            .tracer(backends.provider.tracer("bench"))
            .sentry_hub(backends.hub()),
    )
}

/// Ours with `configure` applied to the layer: metrics on an SDK meter provider, or off.
pub fn correlated_with(
    backends: &Backends,
    configure: impl FnOnce(CorrelationLayer) -> CorrelationLayer,
) -> Router {
    bare().layer(configure(
        CorrelationLayer::new()
            .tracer(backends.provider.tracer("bench"))
            .sentry_hub(backends.hub()),
    ))
}

/// The anchor's `/pay`: with sentry-tower the handler reports its error itself.
async fn pay_reporting_itself() -> impl IntoResponse {
    let error = PaymentFailed::card_declined(51);
    sentry_core::capture_error(&error);
    (StatusCode::INTERNAL_SERVER_ERROR, error.to_string())
}

/// The stack users assemble today: sentry-tower's `NewSentryLayer` + `SentryHttpLayer` with
/// transactions, and axum-tracing-opentelemetry's `OtelAxumLayer`. Needs the W3C
/// propagator installed globally, the main hub bound to the client and [`anchor_dispatch`]
/// as the tracing subscriber.
pub fn anchor() -> Router {
    Router::new()
        .route("/users/{id}", get(|| async { "ok" }))
        .route("/pay", get(pay_reporting_itself))
        .layer(OtelAxumLayer::default())
        .layer(SentryHttpLayer::new().enable_transaction())
        .layer(NewSentryLayer::<Request<Body>>::new_from_top())
        .with_state(())
}

/// The anchor's tracing subscriber: spans to OpenTelemetry through tracing-opentelemetry.
pub fn anchor_dispatch(backends: &Backends) -> Dispatch {
    let otel = tracing_opentelemetry::layer().with_tracer(backends.provider.tracer("anchor"));
    Dispatch::new(tracing_subscriber::registry().with(otel))
}

/// The `traceparent` every benchmarked request continues.
pub const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/// A request as `axum::serve` with connect info hands it over: the headers of a typical
/// service-to-service call and the peer's address.
pub fn request(path: &str) -> Request<Body> {
    Request::builder()
        .uri(path)
        .header("host", "shop.example")
        .header("user-agent", "bench/1.0")
        .header("accept", "*/*")
        .header("traceparent", TRACEPARENT)
        .extension(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 50_000))))
        .body(Body::empty())
        .unwrap()
}

pub async fn call(router: &Router, path: &str) -> u16 {
    let response = router.clone().oneshot(request(path)).await.unwrap();
    let status = response.status().as_u16();
    let _ = response.into_body().collect().await.unwrap();
    status
}
