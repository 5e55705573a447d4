//! Interned names: strings most requests repeat, built once instead of once per request.
//!
//! - Route templates come from the application's router, so there are few; the names of
//!   up to [`MAX_ROUTES`] routes are kept for the life of the process (span names must be
//!   `'static` to be shared without copying), and requests on further routes build theirs.
//! - gRPC methods and services come from the caller's path: a server serves few, but a
//!   caller may invent any. They have a set of their own ([`RouteNames::grpc`]), so that
//!   invented ones cannot take the places of the application's routes, and names longer
//!   than [`MAX_INTERNED_LEN`] are never kept: the memory kept stays bounded.
//! - Server hosts (`server.address`) are a service's own names, and the user agents and
//!   addresses calling a service are mostly the same few; up to [`MAX_VALUES`] of each are
//!   kept, so a client inventing values costs an allocation each, not memory.

use std::borrow::{Borrow, Cow};
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::{Arc, RwLock};

// Keys come from clients (hosts, user agents), but each map is bounded: a fast hash is safe.
use foldhash::HashMap;

use opentelemetry::StringValue;

use crate::http::ip_text::ip_string;

/// The most routes whose names are kept.
pub(crate) const MAX_ROUTES: usize = 1024;

/// The longest name kept in [`RouteNames::grpc`]'s set.
pub(crate) const MAX_INTERNED_LEN: usize = 256;

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

static GRPC_NAMES: std::sync::LazyLock<RouteNames> = std::sync::LazyLock::new(RouteNames::default);

impl RouteNames {
    /// The process's set.
    pub(crate) fn global() -> &'static RouteNames {
        &GLOBAL_ROUTE_NAMES
    }

    /// The process's set of gRPC method and service names, apart from the routes.
    pub(crate) fn grpc() -> &'static RouteNames {
        &GRPC_NAMES
    }

    /// [`get`](Self::get) for a name from a caller (a gRPC method): names longer than
    /// [`MAX_INTERNED_LEN`] are built for the call and not kept.
    pub(crate) fn get_bounded(&self, name: &str) -> (StringValue, Cow<'static, str>) {
        if name.len() > MAX_INTERNED_LEN {
            return (
                StringValue::from(Arc::<str>::from(name)),
                Cow::Owned(name.to_owned()),
            );
        }
        self.get("", name)
    }

    /// The `http.route` value and the span name `{prefix} {template}`; with an empty
    /// prefix, the template and the template alone (a gRPC method, named by itself).
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
        let name = if prefix.is_empty() {
            template.to_owned()
        } else {
            format!("{prefix} {template}")
        };
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

/// Interned attribute values of one kind (`server.address`, `user_agent.original`,
/// `client.address`), keyed by what they are made from.
pub(crate) struct InternedValues<K = Box<str>>(Arc<RwLock<HashMap<K, StringValue>>>);

impl<K> Clone for InternedValues<K> {
    fn clone(&self) -> Self {
        InternedValues(Arc::clone(&self.0))
    }
}

impl<K> Default for InternedValues<K> {
    fn default() -> Self {
        InternedValues(Arc::default())
    }
}

impl<K: Hash + Eq> InternedValues<K> {
    /// The shared value for `key`, made by `make` (keyed by `owned`) the first time.
    fn get_or_make<Q>(
        &self,
        key: &Q,
        owned: impl FnOnce() -> K,
        make: impl FnOnce() -> StringValue,
    ) -> StringValue
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let full = match self.0.read() {
            Ok(values) => match values.get(key) {
                Some(shared) => return shared.clone(),
                None => values.len() >= MAX_VALUES,
            },
            Err(_) => true,
        };
        let shared = make();
        // Once full, misses take no write lock: invented values do not serialise requests.
        if !full
            && let Ok(mut values) = self.0.write()
            && values.len() < MAX_VALUES
        {
            values.insert(owned(), shared.clone());
        }
        shared
    }
}

impl InternedValues {
    /// `value` as a shared value.
    pub(crate) fn get(&self, value: &str) -> StringValue {
        self.get_or_make(
            value,
            || value.into(),
            || StringValue::from(Arc::<str>::from(value)),
        )
    }
}

impl InternedValues<IpAddr> {
    /// `address` as text, shared: a service hears from the same few peers and proxies, and
    /// the span exporter then frees no string of ours on its thread.
    pub(crate) fn address(&self, address: IpAddr) -> StringValue {
        // Shared by reference count, so a clone copies nothing.
        self.get_or_make(
            &address,
            || address,
            || StringValue::from(Arc::<str>::from(ip_string(address))),
        )
    }
}

impl<K> std::fmt::Debug for InternedValues<K> {
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
    fn addresses_are_shared_as_text() {
        let addresses = InternedValues::<IpAddr>::default();
        let ip = IpAddr::from([10, 0, 0, 7]);
        let first = addresses.address(ip);
        assert_eq!(first.as_str(), "10.0.0.7");
        assert!(std::ptr::eq(first.as_str(), addresses.address(ip).as_str()));
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
