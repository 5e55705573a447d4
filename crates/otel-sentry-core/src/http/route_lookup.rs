//! The route of a request whose framework routes after the middleware runs (actix-web
//! routes inside the app, below `App::wrap`).
//!
//! Asking such a router for the route before it routes means matching the path against
//! every route twice per request. Instead the adapter starts the request without a route
//! and names it with [`ServerRequest::set_route`](crate::adapter::ServerRequest::set_route) once the
//! app answered, from what its router recorded. Until then the route is looked up only when
//! something needs it: a Sentry event captured inside the handler (through the
//! [`RouteLookup`] the adapter installs around each poll with [`with_route_lookup`]), or a
//! response without a routed request (a panic) through
//! [`ServerRequest::look_up_route`](crate::adapter::ServerRequest::look_up_route).

use std::cell::RefCell;
use std::rc::Rc;

/// Finds the route template (`/users/{id}`) a request path matches.
pub trait RouteLookup {
    /// The template `path` matches, if any.
    fn route_of(&self, path: &str) -> Option<String>;
}

thread_local! {
    /// The lookup of the request being polled on this thread.
    static CURRENT: RefCell<Option<Rc<dyn RouteLookup>>> = const { RefCell::new(None) };
}

/// Runs `f` with `lookup` installed for the events captured on this thread meanwhile.
pub fn with_route_lookup<R>(lookup: &Rc<dyn RouteLookup>, f: impl FnOnce() -> R) -> R {
    /// Restores the outer lookup, also when `f` unwinds.
    struct Restore(Option<Rc<dyn RouteLookup>>);

    impl Drop for Restore {
        fn drop(&mut self) {
            let outer = self.0.take();
            let _ = CURRENT.try_with(|current| current.replace(outer));
        }
    }

    let outer = CURRENT.with(|current| current.replace(Some(Rc::clone(lookup))));
    let _restore = Restore(outer);
    f()
}

/// The route of `path` by the lookup installed on this thread, if any.
pub(crate) fn look_up_current(path: &str) -> Option<String> {
    CURRENT
        .try_with(|current| {
            // Released before the lookup runs.
            let lookup = current.borrow().clone()?;
            lookup.route_of(path)
        })
        .ok()
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed(&'static str);

    impl RouteLookup for Fixed {
        fn route_of(&self, _path: &str) -> Option<String> {
            Some(self.0.to_owned())
        }
    }

    #[test]
    fn lookup_is_installed_only_during_the_call() {
        let lookup: Rc<dyn RouteLookup> = Rc::new(Fixed("/users/{id}"));
        assert_eq!(look_up_current("/users/7"), None);
        let inside = with_route_lookup(&lookup, || look_up_current("/users/7"));
        assert_eq!(inside.as_deref(), Some("/users/{id}"));
        assert_eq!(look_up_current("/users/7"), None);
    }

    #[test]
    fn nested_lookups_restore_the_outer_one() {
        let outer: Rc<dyn RouteLookup> = Rc::new(Fixed("/outer"));
        let inner: Rc<dyn RouteLookup> = Rc::new(Fixed("/inner"));
        let seen = with_route_lookup(&outer, || {
            let nested = with_route_lookup(&inner, || look_up_current("/"));
            (nested, look_up_current("/"))
        });
        assert_eq!(seen.0.as_deref(), Some("/inner"));
        assert_eq!(seen.1.as_deref(), Some("/outer"));
    }

    #[test]
    fn a_panic_inside_restores_the_outer_lookup() {
        let lookup: Rc<dyn RouteLookup> = Rc::new(Fixed("/users/{id}"));
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            with_route_lookup(&lookup, || panic!("handler"))
        }));
        assert!(caught.is_err());
        assert_eq!(look_up_current("/users/7"), None);
    }
}
