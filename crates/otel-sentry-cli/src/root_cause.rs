//! The root-cause pick of a trace's events, with the reason: the core's choice (the one
//! the windowed transport and the relay make), explained.

use std::time::UNIX_EPOCH;

use otel_sentry_core::dedup::root_cause::{FailureEvent, root_cause};
use sentry_core::protocol::SpanId;
use sentry_core::types::Uuid;

use crate::event::EventRecord;

/// The pick among `events` and why; `None` without events.
pub(crate) fn pick(events: &[EventRecord]) -> Option<(usize, String)> {
    let candidates: Vec<FailureEvent> = events
        .iter()
        .map(|event| FailureEvent {
            event_id: event.event_id.parse().unwrap_or_else(|_| Uuid::nil()),
            span_id: span(event.span_id.as_deref()),
            parent_span_id: span(event.parent_span_id.as_deref()),
            cascade_root: event.cascade_root.as_deref().and_then(|id| id.parse().ok()),
            timestamp: event.timestamp.unwrap_or(UNIX_EPOCH),
        })
        .collect();
    let index = root_cause(&candidates)?;
    Some((index, reason(events, index)))
}

fn span(text: Option<&str>) -> Option<SpanId> {
    text?.parse().ok()
}

fn reason(events: &[EventRecord], index: usize) -> String {
    let chosen = &events[index];
    let named_by = events
        .iter()
        .filter(|other| other.cascade_root.as_deref() == Some(chosen.event_id.as_str()))
        .count();
    if named_by > 0 {
        return format!(
            "named the cascade root by {named_by} other event{}",
            plural(named_by)
        );
    }
    let depth = depth(events, index);
    if depth > 0 {
        return format!(
            "deepest in the call chain: {depth} other event{}' span{} above it",
            plural(depth),
            plural(depth)
        );
    }
    if let Some(suppressed) = chosen.suppressed {
        return format!("forwarded by the cascade window for {suppressed} suppressed events");
    }
    if events.len() == 1 {
        return "the only event".to_owned();
    }
    "the earliest (the spans do not relate the events)".to_owned()
}

/// How many of the other events' spans are ancestors of `events[index]`'s span.
fn depth(events: &[EventRecord], index: usize) -> usize {
    let mut depth = 0;
    let mut parent = events[index].parent_span_id.clone();
    // Bounded by the count: hostile data may make a cycle.
    for _ in 0..events.len() {
        let Some(span) = parent.take() else { break };
        match events
            .iter()
            .find(|other| other.span_id.as_deref() == Some(span.as_str()))
        {
            Some(caller) => {
                depth += 1;
                parent = caller.parent_span_id.clone();
            }
            None => break,
        }
    }
    depth
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn event(id: &str, span: &str, parent: Option<&str>, at: u64) -> EventRecord {
        EventRecord {
            event_id: id.repeat(32),
            span_id: Some(span.repeat(16)),
            parent_span_id: parent.map(|p| p.repeat(16)),
            timestamp: Some(UNIX_EPOCH + Duration::from_secs(at)),
            ..EventRecord::default()
        }
    }

    #[test]
    fn the_deepest_then_the_earliest_with_the_reason() {
        let chain = [
            event("a", "1", None, 30),
            event("b", "2", Some("1"), 20),
            event("c", "3", Some("2"), 25),
        ];
        let (index, why) = pick(&chain).unwrap();
        assert_eq!(index, 2);
        assert!(why.contains("deepest"), "{why}");
        let strangers = [event("a", "1", None, 30), event("b", "2", None, 20)];
        let (index, why) = pick(&strangers).unwrap();
        assert_eq!(index, 1);
        assert!(why.contains("earliest"), "{why}");
        assert!(pick(&[]).is_none());
    }
}
