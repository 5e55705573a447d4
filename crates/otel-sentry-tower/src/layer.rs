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
