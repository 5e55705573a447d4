//! A real actix-web `HttpServer` on 127.0.0.1 wrapped in `Correlation`, a real reqwest
//! client, spans from opentelemetry_sdk's in-memory exporter and events from Sentry's test
//! transport.
#![allow(dead_code)]

use std::net::TcpListener;

use actix_web::{App, HttpServer, web};
use otel_sentry_actix::Correlation;
use otel_sentry_core::CorrelationConfig;
use otel_sentry_test_support::{Served, Telemetry};
use sentry_core::ClientOptions;

/// Serves the routes `routes` adds, wrapped in `Correlation` (given the telemetry's tracer
/// and Sentry hub, then `configure`), on one worker.
pub async fn serve(
    routes: fn(&mut web::ServiceConfig),
    sentry: Option<ClientOptions>,
    configure: impl FnOnce(Correlation) -> Correlation,
) -> Served {
    let telemetry = Telemetry::new(sentry);
    let correlation = configure(
        Correlation::new()
            .tracer(telemetry.tracer())
            .sentry_hub(telemetry.hub.clone()),
    );
    run(routes, correlation, telemetry)
}

/// Like `serve`, wrapped in `Correlation` of `config` plus the telemetry's tracer and hub.
pub async fn serve_config(
    routes: fn(&mut web::ServiceConfig),
    sentry: Option<ClientOptions>,
    config: CorrelationConfig,
) -> Served {
    let telemetry = Telemetry::new(sentry);
    let correlation = Correlation::from_config(
        config
            .tracer(telemetry.tracer())
            .sentry_hub(telemetry.hub.clone()),
    );
    run(routes, correlation, telemetry)
}

fn run(
    routes: fn(&mut web::ServiceConfig),
    correlation: Correlation,
    telemetry: Telemetry,
) -> Served {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = HttpServer::new(move || App::new().wrap(correlation.clone()).configure(routes))
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
    actix_web::rt::spawn(server);
    Served::new(format!("http://{addr}"), telemetry)
}
