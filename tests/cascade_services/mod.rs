//! The three services of the cascade tests, on 127.0.0.1 ephemeral ports: gateway (axum)
//! → orders (actix-web) → payments (axum), joined by `CorrelationMiddleware`. Payments
//! declines every charge; orders and gateway fail when their downstream call fails. Every
//! service answers failures with their event id.
#![allow(dead_code)]

use std::net::TcpListener;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use otel_sentry_actix::Correlation;
use otel_sentry_core::CascadePolicy;
use otel_sentry_reqwest::CorrelationMiddleware;
use otel_sentry_test_support::{PaymentFailed, Served, Telemetry, serve_router};
use otel_sentry_tower::CorrelationLayer;
use otel_sentry_tower::axum::ErrorResponse;
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};

/// A failure this service reports as its own, caused by a failed downstream call.
#[derive(Debug)]
pub struct DownstreamFailed(pub &'static str);

impl std::fmt::Display for DownstreamFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} failed", self.0)
    }
}

impl std::error::Error for DownstreamFailed {}

pub struct Downstream {
    pub client: ClientWithMiddleware,
    pub url: String,
}

impl Downstream {
    /// Calls the downstream service; any failure of it is this service's `DownstreamFailed`.
    pub async fn call(&self, service: &'static str) -> Result<(), DownstreamFailed> {
        match self.client.get(&self.url).send().await {
            Ok(response) if response.status().is_success() => Ok(()),
            _ => Err(DownstreamFailed(service)),
        }
    }
}

pub fn downstream(telemetry: &Telemetry, url: String) -> Arc<Downstream> {
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(CorrelationMiddleware::new().tracer(telemetry.tracer()))
        .build();
    Arc::new(Downstream { client, url })
}

pub fn layer(telemetry: &Telemetry, policy: CascadePolicy) -> CorrelationLayer {
    CorrelationLayer::new()
        .tracer(telemetry.tracer())
        .sentry_hub(telemetry.hub.clone())
        .cascade_policy(policy)
}

pub async fn serve_payments(policy: CascadePolicy, telemetry: Telemetry) -> Served {
    let router = Router::new()
        .route(
            "/charge",
            get(|| async { Err::<&str, _>(ErrorResponse::from(PaymentFailed::card_declined(51))) }),
        )
        .layer(layer(&telemetry, policy));
    serve_router(router, telemetry).await
}

pub async fn serve_orders(
    policy: CascadePolicy,
    telemetry: Telemetry,
    payments: &Served,
) -> Served {
    async fn pay(
        downstream: actix_web::web::Data<Downstream>,
    ) -> Result<&'static str, otel_sentry_actix::ErrorResponse> {
        downstream.call("payments").await?;
        Ok("paid")
    }
    let state = actix_web::web::Data::from(downstream(&telemetry, payments.url("/charge")));
    let correlation = Correlation::new()
        .tracer(telemetry.tracer())
        .sentry_hub(telemetry.hub.clone())
        .cascade_policy(policy);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = actix_web::HttpServer::new(move || {
        actix_web::App::new()
            .app_data(state.clone())
            .wrap(correlation.clone())
            .route("/orders/{id}/pay", actix_web::web::get().to(pay))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)
    .unwrap()
    .run();
    actix_web::rt::spawn(server);
    Served::new(format!("http://{addr}"), telemetry)
}

pub async fn serve_gateway(policy: CascadePolicy, telemetry: Telemetry, orders: &Served) -> Served {
    async fn checkout(
        State(downstream): State<Arc<Downstream>>,
    ) -> Result<&'static str, ErrorResponse> {
        downstream.call("orders").await?;
        Ok("checked out")
    }
    let state = downstream(&telemetry, orders.url("/orders/7/pay"));
    let router = Router::new()
        .route("/checkout", get(checkout))
        .with_state(state)
        .layer(layer(&telemetry, policy));
    serve_router(router, telemetry).await
}

/// The three services, each reporting to the telemetry `telemetry` makes.
pub async fn serve_all(policy: CascadePolicy, telemetry: impl Fn() -> Telemetry) -> [Served; 3] {
    let payments = serve_payments(policy, telemetry()).await;
    let orders = serve_orders(policy, telemetry(), &payments).await;
    let gateway = serve_gateway(policy, telemetry(), &orders).await;
    [gateway, orders, payments]
}
