//! The three commands; each returns its output, text or one JSON document.

pub(crate) mod duplicates;
pub(crate) mod lookup;
pub(crate) mod trace;

use serde_json::Value;

use crate::event::EventRecord;

/// A JSON document as printed.
fn json_text(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

/// An event on one line: id, when, service, title.
fn line(event: &EventRecord) -> String {
    format!(
        "{}  {}  {:<14}  {}",
        event.event_id,
        event.when(),
        event.service.as_deref().unwrap_or("-"),
        event.title.as_deref().unwrap_or("")
    )
}

/// Earliest first; events without a time last, then by id for a stable order.
fn sort_by_time(events: &mut [EventRecord]) {
    events.sort_by(|a, b| {
        (a.timestamp.is_none(), a.timestamp, &a.event_id).cmp(&(
            b.timestamp.is_none(),
            b.timestamp,
            &b.event_id,
        ))
    });
}
