//! Deciding a trace: of its held events, the root cause goes out, carrying the summary of
//! the others and all their attachments.

use sentry_core::protocol::{Envelope, EnvelopeHeaders, EnvelopeItem, Event, SpanId, Value};
use sentry_core::types::Uuid;

use crate::dedup::root_cause::{FailureEvent, root_cause};
use crate::dedup::suppressed_summary::SuppressedEvent;
use crate::names::{CASCADE_ROOT_TAG, CASCADING_ERRORS, CASCADING_ERRORS_SUPPRESSED};

/// An error event held for its trace's window.
pub(crate) struct HeldEvent {
    pub(crate) headers: EnvelopeHeaders,
    pub(crate) event: Box<Event<'static>>,
    pub(crate) attachments: Vec<EnvelopeItem>,
    pub(crate) span_id: Option<SpanId>,
    pub(crate) parent_span_id: Option<SpanId>,
}

impl HeldEvent {
    pub(crate) fn into_envelope(self) -> Envelope {
        let mut envelope = Envelope::new().with_headers(self.headers);
        envelope.add_item(EnvelopeItem::Event(self.event));
        for attachment in self.attachments {
            envelope.add_item(attachment);
        }
        envelope
    }
}

/// One envelope for a trace's held events: the root cause's, carrying the summary of the
/// others and all their attachments.
pub(crate) fn decide(mut events: Vec<HeldEvent>) -> Envelope {
    if events.len() <= 1 {
        return match events.pop() {
            Some(only) => only.into_envelope(),
            None => Envelope::new(),
        };
    }
    let root_index = root_index(&events);
    let mut root = events.remove(root_index);
    let summary: Vec<Value> = events.iter().map(summarize).collect();
    root.event.extra.insert(
        CASCADING_ERRORS_SUPPRESSED.to_owned(),
        Value::from(summary.len()),
    );
    root.event
        .extra
        .insert(CASCADING_ERRORS.to_owned(), Value::Array(summary));
    for suppressed in events {
        root.attachments.extend(suppressed.attachments);
    }
    root.into_envelope()
}

/// The index of the root cause among `events`; see [`root_cause`].
fn root_index(events: &[HeldEvent]) -> usize {
    let candidates: Vec<FailureEvent> = events
        .iter()
        .map(|held| FailureEvent {
            event_id: held.event.event_id,
            span_id: held.span_id,
            parent_span_id: held.parent_span_id,
            cascade_root: held
                .event
                .tags
                .get(CASCADE_ROOT_TAG)
                .and_then(|id| id.parse::<Uuid>().ok()),
            timestamp: held.event.timestamp,
        })
        .collect();
    root_cause(&candidates).unwrap_or(0)
}

/// `{type, message, span_id, event_id}` of a suppressed event.
fn summarize(held: &HeldEvent) -> Value {
    let event = &held.event;
    let exception = event.exception.values.last();
    let message = exception
        .and_then(|exception| exception.value.as_deref())
        .or(event.message.as_deref())
        .or(event.logentry.as_ref().map(|entry| entry.message.as_str()))
        .unwrap_or_default();
    let span_id = held.span_id.map(|span_id| span_id.to_string());
    let event_id = event.event_id.simple().to_string();
    SuppressedEvent {
        event_id: &event_id,
        error_type: exception.map_or("message", |exception| exception.ty.as_str()),
        message,
        span_id: span_id.as_deref(),
        service: None,
    }
    .summary()
}
