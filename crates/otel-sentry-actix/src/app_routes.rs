//! The app's routes as a [`RouteLookup`]: actix-web routes below `App::wrap`, so the
//! middleware learns a request's route from the routed request once the app answered, and
//! asks the app's resource map only when that request is gone (a panic) or a Sentry event
//! is captured before the answer (see `otel_sentry_core::adapter::route_lookup`).

use std::rc::Rc;

use actix_web::dev::ResourceMap;
use otel_sentry_core::adapter::RouteLookup;

/// The resource map of one app instance (one per worker).
pub(crate) struct AppRoutes(ResourceMap);

impl AppRoutes {
    /// Shares `map`'s routes: the copy is shallow (the nodes are shared), made once per
    /// worker.
    pub(crate) fn of(map: &ResourceMap) -> Rc<dyn RouteLookup> {
        Rc::new(AppRoutes(map.clone()))
    }
}

impl RouteLookup for AppRoutes {
    fn route_of(&self, path: &str) -> Option<String> {
        self.0.match_pattern(path)
    }
}
