//! Which of a trace's error events is the root cause: the one the windowed transport
//! forwards, and the relay's choice across services.
//!
//! The deepest event wins, then the earliest, then the first given. Depth comes from what
//! the events say of each other: an event whose span's parent is another event's span is
//! one deeper than it; an event another names as its cascade root (the
//! `cascade.root_event_id` tag of [`CascadePolicy::Group`](crate::CascadePolicy::Group)) is
//! deeper than that one. Among events that say nothing of each other the earliest wins: a
//! cascade fails after its cause.

use std::time::SystemTime;

use sentry_core::protocol::SpanId;
use sentry_core::types::Uuid;

/// What the choice reads of one error event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailureEvent {
    /// The event's id.
    pub event_id: Uuid,
    /// The span it was captured in (`contexts.trace.span_id`).
    pub span_id: Option<SpanId>,
    /// That span's parent (`contexts.trace.parent_span_id`).
    pub parent_span_id: Option<SpanId>,
    /// The root event it names as a cascade (`cascade.root_event_id`).
    pub cascade_root: Option<Uuid>,
    /// When it was captured.
    pub timestamp: SystemTime,
}

/// The index of the root cause among `events`; `None` when there are none.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use otel_sentry_core::dedup::root_cause::{FailureEvent, root_cause};
///
/// let now = SystemTime::now();
/// let event = |id: u128, span: u64, parent: Option<u64>, at: u64| FailureEvent {
///     event_id: sentry_core::types::Uuid::from_u128(id),
///     span_id: Some(span.to_be_bytes().into()),
///     parent_span_id: parent.map(|parent| parent.to_be_bytes().into()),
///     cascade_root: None,
///     timestamp: now + Duration::from_millis(at),
/// };
/// // The gateway (span 1) failed after orders (span 2, its child) failed: orders is deeper.
/// let events = [event(1, 1, None, 0), event(2, 2, Some(1), 5)];
/// assert_eq!(root_cause(&events), Some(1));
/// ```
pub fn root_cause(events: &[FailureEvent]) -> Option<usize> {
    let depths = depths(events);
    let mut best = None;
    for (index, event) in events.iter().enumerate() {
        let Some(current) = best else {
            best = Some(index);
            continue;
        };
        let best_event: &FailureEvent = &events[current];
        let deeper = depths[index] > depths[current];
        let as_deep_and_earlier =
            depths[index] == depths[current] && event.timestamp < best_event.timestamp;
        if deeper || as_deep_and_earlier {
            best = Some(index);
        }
    }
    best
}

/// Each event's depth among the others: one more than its deepest known cause-of-failure
/// parent. Relaxed `len` times, which also stops on a cycle in hostile data.
fn depths(events: &[FailureEvent]) -> Vec<usize> {
    let mut depths = vec![0; events.len()];
    // (shallower, deeper) pairs the events state.
    let mut edges = Vec::new();
    for (child, event) in events.iter().enumerate() {
        if let Some(parent_span) = event.parent_span_id {
            for (parent, other) in events.iter().enumerate() {
                if parent != child && other.span_id == Some(parent_span) {
                    edges.push((parent, child));
                }
            }
        }
        if let Some(root) = event.cascade_root {
            for (deeper, other) in events.iter().enumerate() {
                if deeper != child && other.event_id == root {
                    edges.push((child, deeper));
                }
            }
        }
    }
    for _ in 0..events.len() {
        let mut changed = false;
        for &(shallower, deeper) in &edges {
            if depths[deeper] < depths[shallower] + 1 {
                depths[deeper] = depths[shallower] + 1;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    depths
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn event(id: u128, span: u64, parent: Option<u64>, at_ms: u64) -> FailureEvent {
        FailureEvent {
            event_id: Uuid::from_u128(id),
            span_id: Some(span.to_be_bytes().into()),
            parent_span_id: parent.map(|parent| parent.to_be_bytes().into()),
            cascade_root: None,
            timestamp: SystemTime::UNIX_EPOCH + Duration::from_millis(at_ms),
        }
    }

    #[test]
    fn deepest_then_earliest_then_first() {
        assert_eq!(root_cause(&[]), None);
        // A chain gateway → orders → payments, reported in any order.
        let chain = [
            event(1, 1, None, 30),
            event(3, 3, Some(2), 10),
            event(2, 2, Some(1), 20),
        ];
        assert_eq!(root_cause(&chain), Some(1));
        // Strangers: the earliest; equal times: the first given.
        assert_eq!(
            root_cause(&[event(1, 1, None, 9), event(2, 2, None, 3)]),
            Some(1)
        );
        assert_eq!(
            root_cause(&[event(1, 1, None, 3), event(2, 2, None, 3)]),
            Some(0)
        );
    }

    #[test]
    fn a_named_cascade_root_is_deeper_and_cycles_end() {
        let mut cascade = event(1, 1, None, 0);
        cascade.cascade_root = Some(Uuid::from_u128(2));
        assert_eq!(root_cause(&[cascade, event(2, 2, None, 5)]), Some(1));
        // Two events claiming each other's spans as parents: no endless loop.
        let cyclic = [event(1, 1, Some(2), 0), event(2, 2, Some(1), 1)];
        assert!(root_cause(&cyclic).is_some());
    }
}
