//! [`Correlation`]: the actix-web middleware, and the service it wraps around an app.

use std::cell::OnceCell;
use std::future::{Ready, ready};
use std::rc::Rc;
use std::sync::Arc;

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::Version;
use otel_sentry_core::CorrelationConfig;
use otel_sentry_core::adapter::{
    HttpVersion, RequestView, RouteLookup, ServerRequest, with_route_lookup,
};

use crate::app_routes::AppRoutes;
use crate::body::CorrelationBody;
use crate::future::ResponseFuture;
use crate::header_map::HeaderMapCarrier;

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
#[derive(Clone, Debug, Default)]
pub struct Correlation {
    config: Arc<CorrelationConfig>,
}

impl Correlation {
    /// The middleware with the default configuration.
    pub fn new() -> Self {
        Self::default()
    }

    /// The middleware with `config`.
    pub fn from_config(config: CorrelationConfig) -> Self {
        Correlation {
            config: Arc::new(config),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &CorrelationConfig {
        &self.config
    }

    fn map_config(self, f: impl FnOnce(CorrelationConfig) -> CorrelationConfig) -> Self {
        Self::from_config(f(Arc::unwrap_or_clone(self.config)))
    }

    otel_sentry_core::correlation_config_methods!();
}

impl<S, B> Transform<S, ServiceRequest> for Correlation
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<CorrelationBody<B>>;
    type Error = Error;
    type Transform = CorrelationMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(CorrelationMiddleware {
            service: Rc::new(service),
            config: Arc::clone(&self.config),
            routes: OnceCell::new(),
        }))
    }
}

/// The service [`Correlation`] wraps around an app.
pub struct CorrelationMiddleware<S> {
    service: Rc<S>,
    config: Arc<CorrelationConfig>,
    /// The app's routes, from the first request (the app does not change afterwards).
    routes: OnceCell<Rc<dyn RouteLookup>>,
}

impl<S, B> Service<ServiceRequest> for CorrelationMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<CorrelationBody<B>>;
    type Error = Error;
    type Future = ResponseFuture<S::Future>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let routes = Rc::clone(
            self.routes
                .get_or_init(|| AppRoutes::of(request.resource_map())),
        );
        let headers = HeaderMapCarrier(request.headers());
        let uri = request.uri();
        let mut view = RequestView::new(
            request.method().as_str(),
            uri.path(),
            http_version(request.version()),
            &headers,
        );
        view.query = uri.query();
        view.scheme = uri.scheme_str();
        view.authority = uri.authority().map(|authority| authority.as_str());
        view.peer = request.peer_addr();
        // The app has not routed the request yet: its route is set when it answers.
        let mut started = ServerRequest::start(&self.config, &view);
        let called = with_route_lookup(&routes, || started.enter(|| self.service.call(request)));
        match called {
            Ok(future) => ResponseFuture::running(future, started, routes),
            Err(panic) => {
                started.look_up_route(&*routes);
                ResponseFuture::panicked(started.respond_to_panic(&panic))
            }
        }
    }
}

fn http_version(version: Version) -> HttpVersion {
    match version {
        Version::HTTP_09 => HttpVersion::Http09,
        Version::HTTP_10 => HttpVersion::Http10,
        Version::HTTP_2 => HttpVersion::Http2,
        Version::HTTP_3 => HttpVersion::Http3,
        _ => HttpVersion::Http11,
    }
}
