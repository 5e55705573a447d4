//! [`Correlation`]: the actix-web middleware (`App::wrap`).

use std::future::{Ready, ready};
use std::sync::Arc;

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use otel_sentry_core::CorrelationConfig;

use crate::body::CorrelationBody;
use crate::service::CorrelationService;

/// Ties each request's Sentry events to its OpenTelemetry server span, for actix-web 4.
///
/// ```
/// use actix_web::{App, web};
/// use otel_sentry_actix::Correlation;
///
/// let app = App::new()
///     .wrap(Correlation::new())
///     .route("/orders/{id}", web::get().to(|| async { "ok" }));
/// ```
///
/// Every option of [`CorrelationConfig`] is a builder method here too, or build the whole
/// configuration with [`Correlation::from_config`].
///
/// Next to sentry-actix's `Sentry` (with `start_transaction(true)`), in either order,
/// Sentry's transaction is in the server span's trace: wrapped inside `Correlation` it
/// continues the `sentry-trace` written into the request (naming the server span);
/// wrapped outside, the request hub derives from its hub and the server span continues
/// the transaction's trace when the request brought none. Turn its
/// `capture_server_errors` off (this middleware reports each failure once), and add
/// `TraceContextIntegration` for the events captured through its own hub. Only when the
/// Sentry client traces; see the README's "Alongside sentry-tower or sentry-actix".
#[derive(Clone, Debug, Default)]
pub struct Correlation {
    config: Arc<CorrelationConfig>,
}

impl Correlation {
    otel_sentry_core::correlation_config_methods!();
}

impl<S, B> Transform<S, ServiceRequest> for Correlation
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<CorrelationBody<B>>;
    type Error = Error;
    type Transform = CorrelationService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(CorrelationService::new(
            service,
            Arc::clone(&self.config),
        )))
    }
}
