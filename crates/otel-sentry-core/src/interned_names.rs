//! Interned names: strings most requests repeat, built once instead of once per request.
//!
//! - Route templates come from the application's router, so there are few; the names of
//!   up to [`MAX_ROUTES`] routes are kept for the life of the process (span names must be
//!   `'static` to be shared without copying), and requests on further routes build theirs.
//! - Server hosts (`server.address`) are a service's own names, and the user agents calling
//!   a service are mostly the same few; up to [`MAX_VALUES`] of each are kept, so a client
//!   inventing values costs an allocation each, not memory.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use opentelemetry::StringValue;

/// The most routes whose names are kept.
pub(crate) const MAX_ROUTES: usize = 1024;

/// The most values of one kind (hosts, user agents) kept.
pub(crate) const MAX_VALUES: usize = 64;

#[derive(Default)]
struct Route {
    template: Option<StringValue>,
    /// `(method prefix, "{prefix} {template}")`.
    span_names: Vec<(Box<str>, &'static str)>,
}

/// The interned names: one set for the whole process (see [`RouteNames::global`]), since
/// the names live as long as the process and the bound must hold across every
/// configuration built, not per configuration.
#[derive(Clone, Default)]
pub(crate) struct RouteNames(Arc<RwLock<HashMap<Box<str>, Route>>>);

static GLOBAL_ROUTE_NAMES: std::sync::LazyLock<RouteNames> =
    std::sync::LazyLock::new(RouteNames::default);

impl RouteNames {
    /// The process's set.
    pub(crate) fn global() -> &'static RouteNames {
        &GLOBAL_ROUTE_NAMES
    }

    /// The `http.route` value and the span name `{prefix} {template}`.
    pub(crate) fn get(&self, prefix: &str, template: &str) -> (StringValue, Cow<'static, str>) {
        if let Ok(routes) = self.0.read()
            && let Some(route) = routes.get(template)
            && let Some(template) = &route.template
            && let Some((_, name)) = route
                .span_names
                .iter()
                .find(|(known, _)| **known == *prefix)
        {
            return (template.clone(), Cow::Borrowed(*name));
        }
        self.insert(prefix, template)
    }

    #[cold]
    fn insert(&self, prefix: &str, template: &str) -> (StringValue, Cow<'static, str>) {
        let name = format!("{prefix} {template}");
        let Ok(mut routes) = self.0.write() else {
            return (
                StringValue::from(Arc::<str>::from(template)),
                Cow::Owned(name),
            );
        };
        if routes.len() >= MAX_ROUTES && !routes.contains_key(template) {
            return (
                StringValue::from(Arc::<str>::from(template)),
                Cow::Owned(name),
            );
        }
        let route = routes.entry(template.into()).or_default();
        let shared = route
            .template
            .get_or_insert_with(|| StringValue::from(Arc::<str>::from(template)))
            .clone();
        let name: &'static str = match route
            .span_names
            .iter()
            .find(|(known, _)| **known == *prefix)
        {
            Some((_, name)) => name,
            None => {
                // Kept for the life of the process: bounded by routes × methods.
                let name: &'static str = Box::leak(name.into_boxed_str());
                route.span_names.push((prefix.into(), name));
                name
            }
        };
        (shared, Cow::Borrowed(name))
    }
}

/// Interned attribute values of one kind (`server.address`, `user_agent.original`).
#[derive(Clone, Default)]
pub(crate) struct InternedValues(Arc<RwLock<HashMap<Box<str>, StringValue>>>);

impl InternedValues {
    /// `value` as a shared value.
    pub(crate) fn get(&self, host: &str) -> StringValue {
        let full = match self.0.read() {
            Ok(hosts) => match hosts.get(host) {
                Some(shared) => return shared.clone(),
                None => hosts.len() >= MAX_VALUES,
            },
            Err(_) => true,
        };
        let shared = StringValue::from(Arc::<str>::from(host));
        // Once full, misses take no write lock: invented hosts do not serialise requests.
        if !full
            && let Ok(mut hosts) = self.0.write()
            && hosts.len() < MAX_VALUES
        {
            hosts.insert(host.into(), shared.clone());
        }
        shared
    }
}

impl std::fmt::Debug for InternedValues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count = self.0.read().map_or(0, |hosts| hosts.len());
        f.debug_struct("InternedValues")
            .field("values", &count)
            .finish()
    }
}

impl std::fmt::Debug for RouteNames {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count = self.0.read().map_or(0, |routes| routes.len());
        f.debug_struct("RouteNames")
            .field("routes", &count)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_built_once_per_route_and_method() {
        let names = RouteNames::default();
        let (route, name) = names.get("GET", "/users/{id}");
        assert_eq!(
            (route.as_str(), name.as_ref()),
            ("/users/{id}", "GET /users/{id}")
        );
        let (_, again) = names.get("GET", "/users/{id}");
        assert!(
            matches!(again, Cow::Borrowed(n) if std::ptr::eq(n, match name { Cow::Borrowed(n) => n, Cow::Owned(_) => unreachable!() }))
        );
        assert_eq!(names.get("POST", "/users/{id}").1, "POST /users/{id}");
    }

    #[test]
    fn hosts_are_shared_up_to_the_limit() {
        let hosts = InternedValues::default();
        let first = hosts.get("shop.example");
        assert_eq!(first.as_str(), "shop.example");
        for i in 0..MAX_VALUES {
            hosts.get(&format!("h{i}"));
        }
        assert_eq!(hosts.0.read().unwrap().len(), MAX_VALUES);
        assert_eq!(hosts.get("not-kept").as_str(), "not-kept");
    }

    #[test]
    fn routes_beyond_the_limit_are_not_kept() {
        let names = RouteNames::default();
        for i in 0..MAX_ROUTES {
            names.get("GET", &format!("/r{i}"));
        }
        assert!(matches!(names.get("GET", "/one-too-many").1, Cow::Owned(_)));
        assert!(matches!(names.get("GET", "/r0").1, Cow::Borrowed(_)));
    }
}
