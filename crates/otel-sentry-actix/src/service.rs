//! [`CorrelationService`]: the service [`Correlation`](crate::Correlation) wraps around an
//! app; starts the request lifecycle for each call.

use std::cell::OnceCell;
use std::rc::Rc;
use std::sync::Arc;

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, forward_ready};
use actix_web::http::Version;
use actix_web::http::header::{HeaderName, HeaderValue};
use otel_sentry_core::CorrelationConfig;
use otel_sentry_core::adapter::{
    HeaderCarrier, HttpVersion, RequestView, RouteLookup, ServerRequest, with_route_lookup,
};

use crate::app_routes::AppRoutes;
use crate::body::CorrelationBody;
use crate::future::ResponseFuture;
use crate::header_map::ActixHeaders;

const SENTRY_TRACE: HeaderName = HeaderName::from_static("sentry-trace");

/// The service [`Correlation`](crate::Correlation) wraps around an app.
pub struct CorrelationService<S> {
    service: Rc<S>,
    config: Arc<CorrelationConfig>,
    /// The app's routes, from the first request (the app does not change afterwards).
    routes: OnceCell<Rc<dyn RouteLookup>>,
}

impl<S> CorrelationService<S> {
    pub(crate) fn new(service: S, config: Arc<CorrelationConfig>) -> Self {
        CorrelationService {
            service: Rc::new(service),
            config,
            routes: OnceCell::new(),
        }
    }
}

impl<S, B> Service<ServiceRequest> for CorrelationService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<CorrelationBody<B>>;
    type Error = Error;
    type Future = ResponseFuture<S::Future>;

    forward_ready!(service);

    fn call(&self, mut request: ServiceRequest) -> Self::Future {
        let routes = Rc::clone(
            self.routes
                .get_or_init(|| AppRoutes::of(request.resource_map())),
        );
        let headers = ActixHeaders(request.headers());
        let headers = HeaderCarrier(&headers);
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
        // sentry-actix's `Sentry` inside continues the server span's trace.
        if let Some(sentry_trace) = started.sentry_trace_for_inner()
            && let Ok(value) = HeaderValue::try_from(sentry_trace.header_value())
        {
            request.headers_mut().insert(SENTRY_TRACE, value);
        }
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
