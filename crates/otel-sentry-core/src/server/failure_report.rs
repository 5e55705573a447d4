//! Reporting a failure once: one Sentry event through the request hub (unless the request
//! captured one itself: the handler, or Sentry's panic hook), then the exception, status,
//! `error.type` and event id on the span.

use std::borrow::Cow;
use std::sync::Arc;

use opentelemetry::trace::{TraceContextExt, TraceId};
use opentelemetry::{Context, KeyValue};
use sentry_core::Hub;
use sentry_core::protocol::Event;
use sentry_core::types::Uuid;

use crate::codecs::hex;
use crate::dedup::cascade_policy::CascadePolicy;
use crate::failure::exception::{self, SpanException};
use crate::failure::handler_error::HandlerError;
use crate::grpc::grpc_status::GrpcStatus;
use crate::names::{
    CASCADE_FINGERPRINT, CASCADE_ROOT_TAG, PANIC_TYPE, SENTRY_CASCADE_ATTRIBUTE,
    SENTRY_CASCADE_ROOT_ATTRIBUTE,
};
use crate::sentry::captured_event::CapturedEvents;
use crate::server::config::CorrelationConfig;
use crate::server::panic::CaughtPanic;
use crate::server::request_state::{self, RequestState};
use crate::server::server_span;

/// What failed.
pub(crate) enum Failure<'a> {
    /// A handler's (or the body's, or the service's) error.
    Error(HandlerError<'a>),
    /// A panic.
    Panic(&'a CaughtPanic),
    /// A gRPC status the failure policy rejected, with the error behind it when known.
    Grpc {
        rpc: &'a str,
        status: &'a GrpcStatus,
        source: Option<HandlerError<'a>>,
    },
    /// A response the failure policy rejected, carrying no error.
    Status {
        method: &'a str,
        route: Option<&'a str>,
        status: u16,
    },
}

/// Reports `failure` of the request whose server span `cx` holds, applying the cascade
/// policy when the failure is a cascade (see [`cascade_policy`](crate::dedup::cascade_policy)).
///
/// Returns the event that stands for the failure, for the response header and the
/// adapters: the root event for a suppressed or grouped cascade, else the event captured
/// (when Sentry accepted one); and, when `keep_error_type` (metrics record it), the
/// `error.type` given the span: copied only then, as it costs an allocation.
pub(crate) fn report(
    config: &CorrelationConfig,
    hub: Option<&Arc<Hub>>,
    cx: &Context,
    failure: Failure<'_>,
    keep_error_type: bool,
) -> (Option<Uuid>, Option<Cow<'static, str>>) {
    let span = cx.span();
    let cascade = request_state::root_event(cx)
        .map(|root| (root, config.cascade_policy))
        .filter(|(_, policy)| *policy != CascadePolicy::Report);
    let trace_id = span.span_context().trace_id();
    let captured_events = RequestState::stamp_of(cx).map(|stamp| &stamp.captured);
    let send = |event: Event<'static>| {
        let event = match (cascade, config.cascade_policy) {
            (Some((_, CascadePolicy::Suppress)), _) => return None,
            // Under `Group` the root's event groups with its cascades: one key per trace.
            (cascade, CascadePolicy::Group) => {
                grouped(event, trace_id, cascade.map(|(root, _)| root))
            }
            _ => event,
        };
        let _reporting = captured_events.map(CapturedEvents::reporting);
        capture(hub, event)
    };
    // An error event the request captured itself stands for the failure (see
    // `captured_event`): no second one.
    let captured = captured_events.and_then(|events| events.error(hub.map(|hub| &**hub)));
    let (error_type, exception, own_event_id) = match (failure, captured) {
        (Failure::Error(error), Some((event_id, _))) => {
            let exception = SpanException::from_error(error.error, error.type_name);
            (Cow::Owned(exception.ty.clone()), exception, event_id)
        }
        (Failure::Error(error), None) => {
            let (event, exception) = exception::error_event(error.error, error.type_name);
            let event_id = send(event);
            (Cow::Owned(exception.ty.clone()), exception, event_id)
        }
        (Failure::Panic(panic), captured) => {
            let exception = SpanException::from_panic(panic.message());
            let event_id = match captured {
                // Sentry's panic hook (or the handler) sent it already.
                Some((event_id, _)) => event_id,
                None => send(exception::event_from_panic(&exception.message)),
            };
            (Cow::Borrowed(PANIC_TYPE), exception, event_id)
        }
        (
            Failure::Grpc {
                rpc,
                status,
                source,
            },
            captured,
        ) => {
            let message = exception::grpc_message(rpc, status.code, &status.message);
            let (event_id, exception) = match captured {
                Some((event_id, Some(exception))) => (event_id, exception),
                Some((event_id, None)) => {
                    (event_id, SpanException::from_grpc(status.code, message))
                }
                None => {
                    let (event, exception) = exception::grpc_event(
                        status.code,
                        message,
                        source.map(|source| source.error),
                    );
                    (send(event), exception)
                }
            };
            (Cow::Borrowed(status.code.name()), exception, event_id)
        }
        (
            Failure::Status {
                method,
                route,
                status,
            },
            captured,
        ) => {
            let (event_id, exception) = match captured {
                Some((event_id, Some(exception))) => (event_id, exception),
                // The report's own event of an earlier failure of this request.
                Some((event_id, None)) => (
                    event_id,
                    SpanException::from_status(
                        status,
                        exception::status_message(method, route, status),
                    ),
                ),
                None => {
                    let message = exception::status_message(method, route, status);
                    let event_id = send(exception::event_from_status(&message));
                    (event_id, SpanException::from_status(status, message))
                }
            };
            (Cow::Owned(status.to_string()), exception, event_id)
        }
    };
    let root = cascade.map(|(root, _)| root);
    let span_event_id = own_event_id.or(root);
    let kept = keep_error_type.then(|| error_type.clone());
    server_span::record_failure(config, &span, error_type, exception, span_event_id);
    if let Some(root) = root {
        span.set_attribute(KeyValue::new(SENTRY_CASCADE_ATTRIBUTE, true));
        if own_event_id.is_some() {
            span.set_attribute(KeyValue::new(
                SENTRY_CASCADE_ROOT_ATTRIBUTE,
                hex::event_id(root),
            ));
        }
    }
    (root.or(own_event_id), kept)
}

/// `event` fingerprinted to group with its trace's other events; a cascade's tagged with
/// its root event.
fn grouped(mut event: Event<'static>, trace_id: TraceId, root: Option<Uuid>) -> Event<'static> {
    event.fingerprint = Cow::Owned(vec![
        Cow::Borrowed(CASCADE_FINGERPRINT),
        Cow::Owned(hex::trace_id(trace_id)),
    ]);
    if let Some(root) = root {
        event
            .tags
            .insert(CASCADE_ROOT_TAG.to_owned(), hex::event_id(root));
    }
    event
}

/// Captures `event` through `hub`; the id when Sentry accepted it (a nil id means it was
/// dropped: no client, sampling, `before_send`).
fn capture(hub: Option<&Arc<Hub>>, event: Event<'static>) -> Option<Uuid> {
    let id = hub?.capture_event(event);
    (!id.is_nil()).then_some(id)
}
