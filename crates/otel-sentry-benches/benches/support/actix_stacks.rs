//! The three actix-web stacks the benchmarks compare, answering the same handlers:
//! `GET /users/{id}` (200) and `GET /pay` (a 500 from a chained error, captured into one
//! Sentry event: by `Correlation`, or by sentry-actix, which captures 5xx errors itself).

use actix_web::web;
use opentelemetry::trace::TracerProvider as _;
use otel_sentry_actix::{Correlation, ErrorResponse};
use otel_sentry_test_support::PaymentFailed;

use super::backends::Backends;

async fn pay() -> Result<&'static str, ErrorResponse> {
    Err(PaymentFailed::card_declined(51).into())
}

/// The anchor's `/pay`: the same error as a plain actix-web error, which sentry-actix
/// captures.
async fn pay_plain() -> Result<&'static str, actix_web::Error> {
    Err(actix_web::error::ErrorInternalServerError(
        PaymentFailed::card_declined(51),
    ))
}

/// The routes of the bare app and of ours.
pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/users/{id}", web::get().to(|| async { "ok" }))
        .route("/pay", web::get().to(pay));
}

/// The routes of the anchor's app.
pub fn anchor_routes(config: &mut web::ServiceConfig) {
    config
        .route("/users/{id}", web::get().to(|| async { "ok" }))
        .route("/pay", web::get().to(pay_plain));
}

/// Ours: `Correlation` on the backends.
pub fn correlation(backends: &Backends) -> Correlation {
    Correlation::new()
        .tracer(backends.provider.tracer("bench"))
        .sentry_hub(backends.hub())
}

/// The anchor's Sentry middleware, with transactions. Its other half,
/// opentelemetry-instrumentation-actix-web's `RequestTracing`, takes the global tracer
/// provider: install the backends' provider globally.
pub fn anchor_sentry(backends: &Backends) -> sentry_actix::Sentry {
    sentry_actix::Sentry::builder()
        .with_hub(backends.hub())
        .start_transaction(true)
        .finish()
}
