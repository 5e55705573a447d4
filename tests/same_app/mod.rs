//! One app twice: on axum behind `CorrelationLayer` and on actix-web wrapped in
//! `Correlation`, with the same routes and the same configuration, each on a real
//! 127.0.0.1 server with the harness's tracer and Sentry hub.
#![allow(dead_code)]

use otel_sentry_core::CorrelationConfig;
use otel_sentry_test_support::{PaymentFailed, Served, Telemetry, sentry_options, serve_router};
use sentry_core::ClientOptions;

/// A handler that captures an event of its own: it must carry the request's ids and route.
async fn note() -> &'static str {
    sentry_core::capture_message("noted", sentry_core::Level::Info);
    "noted"
}

/// The baggage the handler sees, as `key=value` pairs joined by `,`, sorted.
fn baggage_seen() -> String {
    use opentelemetry::baggage::BaggageExt;

    let cx = opentelemetry::Context::current();
    let mut pairs: Vec<String> = cx
        .baggage()
        .iter()
        .map(|(key, (value, _))| format!("{key}={value}"))
        .collect();
    pairs.sort();
    pairs.join(",")
}

/// Captures its error itself, as Sentry's manual recipes do, then fails with a bare 500.
fn capture_own_error() {
    sentry_core::capture_error(&PaymentFailed::card_declined(51));
}

/// The routes, and what the handlers do:
///
/// | route | answers |
/// | --- | --- |
/// | `/users/{id}` | 200 `ok` |
/// | `/fail` | 503 |
/// | `/pay` | an error with a source chain (`PaymentFailed` ← `CardDeclined`) |
/// | `/missing` | 404 |
/// | `/notes/{id}` | 200 after capturing an info message |
/// | `/own-capture` | 500 after capturing its own `PaymentFailed` |
/// | `/baggage` | 200 with the baggage the handler sees |
/// | `/panic` | a panic |
pub async fn serve_axum(telemetry: Telemetry, config: CorrelationConfig) -> Served {
    use axum::Router;
    use axum::http::StatusCode;
    use axum::routing::get;
    use otel_sentry_tower::CorrelationLayer;
    use otel_sentry_tower::axum::ErrorResponse;

    let app = Router::new()
        .route("/users/{id}", get(|| async { "ok" }))
        .route("/fail", get(|| async { StatusCode::SERVICE_UNAVAILABLE }))
        .route(
            "/pay",
            get(|| async { Err::<&str, _>(ErrorResponse::from(PaymentFailed::card_declined(51))) }),
        )
        .route("/missing", get(|| async { StatusCode::NOT_FOUND }))
        .route("/notes/{id}", get(note))
        .route("/baggage", get(|| async { baggage_seen() }))
        .route(
            "/own-capture",
            get(|| async {
                capture_own_error();
                StatusCode::INTERNAL_SERVER_ERROR
            }),
        )
        .route(
            "/panic",
            get(|| async {
                if true {
                    panic!("boom");
                }
                "unreachable"
            }),
        )
        .layer(CorrelationLayer::from_config(
            config
                .tracer(telemetry.tracer())
                .sentry_hub(telemetry.hub.clone()),
        ));
    serve_router(app, telemetry).await
}

/// [`serve_axum`]'s app on actix-web.
pub async fn serve_actix(telemetry: Telemetry, config: CorrelationConfig) -> Served {
    use actix_web::{App, HttpResponse, HttpServer, web};
    use otel_sentry_actix::{Correlation, ErrorResponse};

    async fn pay() -> Result<&'static str, ErrorResponse> {
        Err(PaymentFailed::card_declined(51).into())
    }
    async fn panics() -> &'static str {
        if true {
            panic!("boom");
        }
        "unreachable"
    }
    async fn own_capture() -> HttpResponse {
        capture_own_error();
        HttpResponse::InternalServerError().finish()
    }

    let correlation = Correlation::from_config(
        config
            .tracer(telemetry.tracer())
            .sentry_hub(telemetry.hub.clone()),
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("a local address");
    let server = HttpServer::new(move || {
        App::new()
            .wrap(correlation.clone())
            .route("/users/{id}", web::get().to(|| async { "ok" }))
            .route(
                "/fail",
                web::get().to(|| async { HttpResponse::ServiceUnavailable().finish() }),
            )
            .route("/pay", web::get().to(pay))
            .route(
                "/missing",
                web::get().to(|| async { HttpResponse::NotFound().finish() }),
            )
            .route("/panic", web::get().to(panics))
            .route("/notes/{id}", web::get().to(note))
            .route("/own-capture", web::get().to(own_capture))
            .route("/baggage", web::get().to(|| async { baggage_seen() }))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)
    .expect("listen")
    .run();
    actix_web::rt::spawn(server);
    Served::new(format!("http://{addr}"), telemetry)
}

/// Both apps, each with its own telemetry (Sentry's test transport) and `config`.
pub async fn serve_both(config: impl Fn() -> CorrelationConfig) -> [(&'static str, Served); 2] {
    serve_both_with(sentry_options, config).await
}

/// Both apps, each with its own telemetry of `sentry` options (Sentry's test transport)
/// and `config`.
pub async fn serve_both_with(
    sentry: impl Fn() -> ClientOptions,
    config: impl Fn() -> CorrelationConfig,
) -> [(&'static str, Served); 2] {
    [
        (
            "axum",
            serve_axum(Telemetry::new(Some(sentry())), config()).await,
        ),
        (
            "actix",
            serve_actix(Telemetry::new(Some(sentry())), config()).await,
        ),
    ]
}
