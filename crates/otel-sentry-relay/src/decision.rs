//! Deciding a trace: the root cause (the core's choice) goes upstream tagged
//! `cascading_errors_suppressed` = N with a summary of the others in `extra`; with
//! `--keep-suppressed` the others go too, fingerprinted to group with it.

use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use otel_sentry_core::dedup::root_cause::{FailureEvent, root_cause};
use otel_sentry_core::dedup::suppressed_summary::SuppressedEvent;
use otel_sentry_core::names::{
    CASCADE_FINGERPRINT, CASCADE_ROOT_TAG, CASCADING_ERRORS, CASCADING_ERRORS_SUPPRESSED,
    CASCADING_ERRORS_SUPPRESSED_TAG,
};
use sentry_core::protocol::SpanId;
use sentry_core::types::Uuid;
use serde_json::{Map, Value};

use crate::held_event::{Endpoint, HeldEvent};

/// What goes upstream for one trace.
#[derive(Debug)]
pub struct Decision {
    /// The events to forward, the root cause first.
    pub forward: Vec<HeldEvent>,
    /// How many events the root cause stands in for.
    pub suppressed: usize,
}

/// Decides a trace's held events.
pub fn decide(mut events: Vec<HeldEvent>, keep_suppressed: bool) -> Decision {
    if events.len() <= 1 {
        return Decision {
            forward: events,
            suppressed: 0,
        };
    }
    let candidates: Vec<FailureEvent> = events.iter().map(failure_event).collect();
    let root_index = root_cause(&candidates).unwrap_or(0);
    let mut root = events.remove(root_index);
    let suppressed = events.len();
    let summary: Vec<Value> = events.iter().map(summarize).collect();
    set_tag(
        &mut root.event,
        CASCADING_ERRORS_SUPPRESSED_TAG,
        suppressed.to_string(),
    );
    let extra = object_entry(&mut root.event, "extra");
    extra.insert(
        CASCADING_ERRORS_SUPPRESSED.to_owned(),
        Value::from(suppressed),
    );
    extra.insert(CASCADING_ERRORS.to_owned(), Value::Array(summary));
    let mut forward = Vec::with_capacity(1 + if keep_suppressed { suppressed } else { 0 });
    let root_id = root.event_id().map(str::to_owned);
    let mut others = Vec::new();
    for mut event in events {
        let attachments = std::mem::take(&mut event.attachments);
        if !attachments.is_empty() {
            // A store request carries no attachments: the root goes as an envelope then.
            as_envelope(&mut root);
            root.attachments.extend(attachments);
        }
        if keep_suppressed {
            group(&mut event, root_id.as_deref());
            others.push(event);
        }
    }
    if keep_suppressed {
        group(&mut root, None);
    }
    forward.push(root);
    forward.extend(others);
    Decision {
        forward,
        suppressed,
    }
}

/// The fingerprint `["otel-cascade", trace_id]` the core's `CascadePolicy::Group` writes,
/// and on a suppressed event the root's id.
fn group(event: &mut HeldEvent, root: Option<&str>) {
    let fingerprint = Value::from(vec![CASCADE_FINGERPRINT, event.trace_id.as_str()]);
    event.event.insert("fingerprint".to_owned(), fingerprint);
    if let Some(root) = root {
        set_tag(&mut event.event, CASCADE_ROOT_TAG, root.to_owned());
    }
}

fn as_envelope(event: &mut HeldEvent) {
    if event.target.endpoint == Endpoint::Store {
        event.target.endpoint = Endpoint::Envelope;
        if let Some(id) = event.event.get("event_id").cloned() {
            event.envelope_header.insert("event_id".to_owned(), id);
        }
    }
}

/// `event[key]` as an object, made one when missing or not one.
fn object_entry<'a>(event: &'a mut Map<String, Value>, key: &str) -> &'a mut Map<String, Value> {
    let entry = event
        .entry(key.to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if !entry.is_object() {
        *entry = Value::Object(Map::new());
    }
    match entry {
        Value::Object(map) => map,
        _ => unreachable!("made an object above"),
    }
}

/// Sets tag `key`; Sentry accepts tags as an object or as a list of pairs, and Bugsink
/// stores them as sent, so the form is kept.
fn set_tag(event: &mut Map<String, Value>, key: &str, value: String) {
    if let Some(Value::Array(pairs)) = event.get_mut("tags") {
        pairs.retain(|pair| pair.get(0).and_then(Value::as_str) != Some(key));
        pairs.push(Value::from(vec![key.to_owned(), value]));
        return;
    }
    object_entry(event, "tags").insert(key.to_owned(), Value::from(value));
}

fn tag<'a>(event: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    match event.get("tags")? {
        Value::Object(tags) => tags.get(key)?.as_str(),
        Value::Array(pairs) => pairs
            .iter()
            .find(|pair| pair.get(0).and_then(Value::as_str) == Some(key))?
            .get(1)?
            .as_str(),
        _ => None,
    }
}

fn trace_context<'a>(event: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    event.get("contexts")?.get("trace")?.get(key)?.as_str()
}

/// What the core's choice reads of an event: ids, spans, cascade mark, time.
fn failure_event(held: &HeldEvent) -> FailureEvent {
    let event = &held.event;
    let span = |key| trace_context(event, key).and_then(|id| SpanId::from_str(id).ok());
    FailureEvent {
        event_id: held
            .event_id()
            .and_then(|id| Uuid::parse_str(id).ok())
            .unwrap_or_default(),
        span_id: span("span_id"),
        parent_span_id: span("parent_span_id"),
        cascade_root: tag(event, CASCADE_ROOT_TAG).and_then(|id| Uuid::parse_str(id).ok()),
        timestamp: timestamp(event).unwrap_or(held.received),
    }
}

/// `timestamp` as Sentry takes it: seconds since the epoch or RFC 3339.
fn timestamp(event: &Map<String, Value>) -> Option<SystemTime> {
    match event.get("timestamp")? {
        Value::Number(seconds) => {
            let seconds = seconds.as_f64()?;
            (seconds.is_finite() && seconds >= 0.0)
                .then(|| UNIX_EPOCH + Duration::from_secs_f64(seconds.min(1e12)))
        }
        Value::String(text) => humantime::parse_rfc3339_weak(text.trim_end_matches('Z')).ok(),
        _ => None,
    }
}

/// The service that sent an event: the tag our layers or users set, else its server name.
fn service(event: &Map<String, Value>) -> Option<&str> {
    tag(event, "service.name")
        .or_else(|| tag(event, "service"))
        .or_else(|| {
            event
                .get("contexts")?
                .get("trace")?
                .get("data")?
                .get("service.name")?
                .as_str()
        })
        .or_else(|| event.get("server_name")?.as_str())
}

fn summarize(held: &HeldEvent) -> Value {
    let event = &held.event;
    let exception = event
        .get("exception")
        .and_then(|exception| exception.get("values").or(Some(exception)))
        .and_then(Value::as_array)
        .and_then(|values| values.last());
    let message = exception
        .and_then(|exception| exception.get("value")?.as_str())
        .or_else(|| match event.get("message")? {
            Value::String(message) => Some(message.as_str()),
            message => message
                .get("formatted")
                .or_else(|| message.get("message"))?
                .as_str(),
        })
        .or_else(|| {
            let entry = event.get("logentry")?;
            entry
                .get("formatted")
                .or_else(|| entry.get("message"))?
                .as_str()
        })
        .unwrap_or_default();
    SuppressedEvent {
        event_id: held.event_id().unwrap_or_default(),
        error_type: exception
            .and_then(|exception| exception.get("type")?.as_str())
            .unwrap_or("message"),
        message,
        span_id: trace_context(event, "span_id"),
        service: service(event),
    }
    .summary()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::held_event::Target;

    fn held(id: &str, span: &str, parent: Option<&str>, at: f64, tags: Value) -> HeldEvent {
        let Value::Object(event) = serde_json::json!({
            "event_id": id,
            "timestamp": at,
            "tags": tags,
            "server_name": format!("svc-{span}"),
            "exception": {"values": [{"type": "E", "value": format!("failed at {span}")}]},
            "contexts": {"trace": {"trace_id": "771a43a4192642f0b136d5159a501700",
                "span_id": span, "parent_span_id": parent}},
        }) else {
            unreachable!()
        };
        HeldEvent {
            target: Target {
                project_id: "1".into(),
                endpoint: Endpoint::Envelope,
                auth_header: None,
                query: None,
                user_agent: None,
            },
            envelope_header: Map::new(),
            item_header: Map::new(),
            event,
            attachments: Vec::new(),
            trace_id: "771a43a4192642f0b136d5159a501700".into(),
            received: UNIX_EPOCH,
        }
    }

    #[test]
    fn the_deepest_goes_with_the_count_and_summary_in_both_tag_forms() {
        let ids = ["a".repeat(32), "b".repeat(32), "c".repeat(32)];
        let events = vec![
            held(
                &ids[0],
                "1111111111111111",
                None,
                3.0,
                serde_json::json!({}),
            ),
            held(
                &ids[1],
                "2222222222222222",
                Some("1111111111111111"),
                2.0,
                serde_json::json!([["k", "v"]]),
            ),
            held(
                &ids[2],
                "3333333333333333",
                Some("2222222222222222"),
                1.0,
                serde_json::json!(null),
            ),
        ];
        let decision = decide(events.clone(), false);
        assert_eq!(decision.suppressed, 2);
        assert_eq!(decision.forward.len(), 1);
        let root = &decision.forward[0].event;
        assert_eq!(root["event_id"], ids[2].as_str());
        assert_eq!(root["tags"]["cascading_errors_suppressed"], "2");
        assert_eq!(root["extra"]["cascading_errors_suppressed"], 2);
        let summary = root["extra"]["cascading_errors"].as_array().unwrap();
        assert_eq!(summary[0]["service"], "svc-1111111111111111");
        assert_eq!(summary[1]["message"], "failed at 2222222222222222");

        let mut reordered = events;
        reordered.swap(0, 2);
        let kept = decide(reordered, true);
        assert_eq!(kept.forward.len(), 3);
        assert_eq!(kept.forward[0].event["event_id"], ids[2].as_str());
        let fingerprint = serde_json::json!(["otel-cascade", "771a43a4192642f0b136d5159a501700"]);
        assert!(
            kept.forward
                .iter()
                .all(|held| held.event["fingerprint"] == fingerprint)
        );
        // A list of pairs stays a list of pairs.
        let middle = kept
            .forward
            .iter()
            .find(|held| held.event["event_id"] == ids[1].as_str())
            .unwrap();
        assert_eq!(
            middle.event["tags"][1],
            serde_json::json!(["cascade.root_event_id", ids[2]])
        );
    }
}
