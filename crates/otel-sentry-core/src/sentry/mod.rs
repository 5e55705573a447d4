//! The Sentry glue: the stamp every event of a request gets ([`binding`]) with the
//! request's URL ([`event_url`]), the events a request captured itself
//! ([`captured_event`]), the link from a span to its event ([`event_link`]), and the
//! integration that stamps events captured outside requests.

pub(crate) mod binding;
pub(crate) mod captured_event;
pub(crate) mod event_link;
pub(crate) mod event_url;
pub(crate) mod trace_context_integration;
