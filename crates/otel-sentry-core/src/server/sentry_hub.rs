//! The request's own Sentry hub, derived from the parent hub, whose event processor
//! stamps every event captured through it with the request's ids (see
//! [`binding`](crate::sentry::binding)) and notes it (see
//! [`captured_event`](crate::sentry::captured_event)).

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use opentelemetry::Context;
use sentry_core::Hub;

use crate::server::request_state::RequestState;

/// A hub for one request, derived from `parent` (which has a client: the caller checked),
/// whose events carry the stamp of the request `cx` belongs to (see [`RequestState`]).
pub(crate) fn request_hub(parent: &Arc<Hub>, cx: Context) -> Arc<Hub> {
    let hub = Hub::new_from_top(parent);
    // The processor only reads the stamp; a panic cannot leave it half-written.
    let cx = AssertUnwindSafe(cx);
    hub.configure_scope(|scope| {
        scope.add_event_processor(move |event| match RequestState::stamp_of(&cx) {
            Some(stamp) => {
                stamp.captured.note(&event);
                Some(stamp.apply(event))
            }
            None => Some(event),
        })
    });
    Arc::new(hub)
}
