//! [`CorrelationLayer`]: the tower layer.

use std::sync::Arc;

use otel_sentry_core::CorrelationConfig;
use tower::Layer;

use crate::service::CorrelationService;

/// Ties each request's Sentry events to its OpenTelemetry server span.
///
/// With axum, add it to the router with `Router::layer`, so it sees the matched route:
///
/// ```
/// use axum::{Router, routing::get};
/// use otel_sentry_tower::CorrelationLayer;
///
/// let app: Router = Router::new()
///     .route("/users/{id}", get(|| async { "ok" }))
///     .layer(CorrelationLayer::new());
/// ```
///
/// Every option of [`CorrelationConfig`] is a builder method here too, or build the whole
/// configuration with [`CorrelationLayer::from_config`].
///
/// Next to sentry-tower's `NewSentryLayer` + `SentryHttpLayer` (with transactions), in
/// either order, Sentry's transaction is in the server span's trace: inside this layer it
/// continues the `sentry-trace` this layer writes into the request (naming the server
/// span), and `NewSentryLayer`'s hub derives from the request hub; outside it, the request
/// hub derives from `NewSentryLayer`'s and the server span continues the transaction's
/// trace when the request brought none. Only when the Sentry client traces; see the
/// README's "Alongside sentry-tower or sentry-actix" for the limits.
#[derive(Clone, Debug, Default)]
pub struct CorrelationLayer {
    config: Arc<CorrelationConfig>,
}

impl CorrelationLayer {
    otel_sentry_core::correlation_config_methods!();
}

impl<S> Layer<S> for CorrelationLayer {
    type Service = CorrelationService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CorrelationService::new(inner, Arc::clone(&self.config))
    }
}
