//! One Sentry event as the commands see it, read from a full event payload (Sentry's event
//! detail, Bugsink's `data`) or from a row of Sentry's events table.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use otel_sentry_core::names::{CASCADE_ROOT_TAG, CASCADING_ERRORS_SUPPRESSED, TRACE_ID_TAG};
use serde_json::{Value, json};

/// What the commands read of an event.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct EventRecord {
    /// 32 lowercase hex digits.
    pub(crate) event_id: String,
    pub(crate) trace_id: Option<String>,
    pub(crate) span_id: Option<String>,
    pub(crate) parent_span_id: Option<String>,
    pub(crate) project: Option<String>,
    pub(crate) issue: Option<String>,
    /// `service.name` where the event has it, else `server_name`.
    pub(crate) service: Option<String>,
    pub(crate) timestamp: Option<SystemTime>,
    pub(crate) title: Option<String>,
    pub(crate) level: Option<String>,
    /// The `cascade.root_event_id` tag.
    pub(crate) cascade_root: Option<String>,
    /// `extra.cascading_errors_suppressed`, on an event the windowed transport forwarded.
    pub(crate) suppressed: Option<u64>,
    /// The event in the backend's UI.
    pub(crate) event_url: Option<String>,
}

impl EventRecord {
    /// From a full event payload.
    pub(crate) fn from_payload(data: &Value) -> Option<Self> {
        // Sentry's web API names it `eventID` (its `id` is the same); payloads `event_id`.
        let event_id = ["event_id", "eventID", "id"]
            .iter()
            .find_map(|key| data.get(*key)?.as_str().and_then(normalise_id))?;
        let tags = tags(data);
        let trace = data.pointer("/contexts/trace");
        let text = |value: Option<&Value>| value.and_then(Value::as_str).map(str::to_owned);
        Some(EventRecord {
            event_id,
            trace_id: tags
                .get(TRACE_ID_TAG)
                .cloned()
                .or_else(|| text(trace.and_then(|trace| trace.get("trace_id")))),
            span_id: text(trace.and_then(|trace| trace.get("span_id"))),
            parent_span_id: text(trace.and_then(|trace| trace.get("parent_span_id"))),
            project: None,
            issue: None,
            service: tags
                .get("service.name")
                .cloned()
                .or_else(|| text(data.pointer("/contexts/otel/resource/service.name")))
                .or_else(|| text(data.get("server_name")))
                .or_else(|| tags.get("server_name").cloned()),
            timestamp: data
                .get("timestamp")
                .or_else(|| data.get("dateCreated"))
                .and_then(timestamp),
            title: event_title(data),
            level: text(data.get("level")),
            cascade_root: tags.get(CASCADE_ROOT_TAG).and_then(|id| normalise_id(id)),
            // Sentry's web API shows `extra` as `context`.
            suppressed: ["extra", "context"]
                .iter()
                .find_map(|key| data.get(*key)?.get(CASCADING_ERRORS_SUPPRESSED)?.as_u64()),
            event_url: None,
        })
    }

    /// The event as the commands' JSON shows it.
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "event_id": self.event_id,
            "trace_id": self.trace_id,
            "span_id": self.span_id,
            "parent_span_id": self.parent_span_id,
            "project": self.project,
            "issue": self.issue,
            "service": self.service,
            "timestamp": self.timestamp.map(|at| humantime::format_rfc3339_millis(at).to_string()),
            "title": self.title,
            "level": self.level,
            "cascade_root": self.cascade_root,
            "cascading_errors_suppressed": self.suppressed,
            "event_url": self.event_url,
        })
    }

    /// When it happened, as text.
    pub(crate) fn when(&self) -> String {
        self.timestamp.map_or_else(
            || "?".to_owned(),
            |at| humantime::format_rfc3339_millis(at).to_string(),
        )
    }
}

/// 32 lowercase hex digits from a UUID in any of its forms.
pub(crate) fn normalise_id(text: &str) -> Option<String> {
    let id: String = text.chars().filter(|c| *c != '-').collect();
    (id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())).then(|| id.to_ascii_lowercase())
}

/// Tags as Sentry's payloads hold them: an object, a list of `[key, value]` pairs, or a
/// list of `{key, value}` objects.
fn tags(data: &Value) -> HashMap<String, String> {
    let mut out = HashMap::new();
    match data.get("tags") {
        Some(Value::Object(object)) => {
            for (key, value) in object {
                if let Some(text) = value.as_str() {
                    out.insert(key.clone(), text.to_owned());
                }
            }
        }
        Some(Value::Array(list)) => {
            for entry in list {
                let (key, value) = match entry {
                    Value::Array(pair) => (pair.first(), pair.get(1)),
                    Value::Object(object) => (object.get("key"), object.get("value")),
                    _ => continue,
                };
                if let (Some(Value::String(key)), Some(Value::String(value))) = (key, value) {
                    out.insert(key.clone(), value.clone());
                }
            }
        }
        _ => {}
    }
    out
}

/// A timestamp as a number of seconds since the epoch, or RFC 3339 text.
pub(crate) fn timestamp(value: &Value) -> Option<SystemTime> {
    match value {
        Value::Number(number) => {
            let seconds = number.as_f64().filter(|s| s.is_finite() && *s >= 0.0)?;
            UNIX_EPOCH.checked_add(Duration::from_secs_f64(seconds))
        }
        // Sentry writes `…Z`, Bugsink `…+00:00`, both with fractions.
        Value::String(text) => humantime::parse_rfc3339(text)
            .or_else(|_| humantime::parse_rfc3339_weak(text.trim_end_matches("+00:00")))
            .ok(),
        _ => None,
    }
}

fn event_title(data: &Value) -> Option<String> {
    if let Some(title) = data.get("title").and_then(Value::as_str) {
        return Some(title.to_owned());
    }
    let exceptions = data
        .pointer("/exception/values")
        .and_then(Value::as_array)
        .or_else(|| data.get("exception").and_then(Value::as_array));
    if let Some(outermost) = exceptions.and_then(|values| values.last()) {
        let ty = outermost
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("Error");
        let value = outermost.get("value").and_then(Value::as_str).unwrap_or("");
        return Some(format!("{ty}: {value}"));
    }
    data.get("message")
        .and_then(Value::as_str)
        .or_else(|| data.pointer("/logentry/message").and_then(Value::as_str))
        .or_else(|| data.pointer("/logentry/formatted").and_then(Value::as_str))
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_payload_with_tags_in_either_form() {
        let data = json!({
            "event_id": "0D2B4C5E-7F8A-9B1C-2D3E-4F5A6B7C8D9E",
            "timestamp": 1764547200.5,
            "server_name": "payments",
            "level": "error",
            "tags": [["otel.trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"], ["cascade.root_event_id", "11111111111111111111111111111111"]],
            "contexts": {"trace": {"trace_id": "ffffffffffffffffffffffffffffffff", "span_id": "00f067aa0ba902b7", "parent_span_id": "1111111111111111"}},
            "exception": {"values": [{"type": "CardDeclined", "value": "51"}, {"type": "PaymentFailed", "value": "payment failed"}]},
            "extra": {"cascading_errors_suppressed": 2}
        });
        let event = EventRecord::from_payload(&data).unwrap();
        assert_eq!(event.event_id, "0d2b4c5e7f8a9b1c2d3e4f5a6b7c8d9e");
        assert_eq!(
            event.trace_id.as_deref(),
            Some("4bf92f3577b34da6a3ce929d0e0e4736"),
            "the tag first"
        );
        assert_eq!(event.span_id.as_deref(), Some("00f067aa0ba902b7"));
        assert_eq!(event.service.as_deref(), Some("payments"));
        assert_eq!(
            event.title.as_deref(),
            Some("PaymentFailed: payment failed")
        );
        assert_eq!(event.suppressed, Some(2));
        assert_eq!(
            event.cascade_root.as_deref(),
            Some("11111111111111111111111111111111")
        );
        let object = json!({"event_id": "0d2b4c5e7f8a9b1c2d3e4f5a6b7c8d9e", "tags": {"otel.trace_id": "4bf92f3577b34da6a3ce929d0e0e4736"}, "timestamp": "2026-12-01T07:00:00.123Z"});
        let event = EventRecord::from_payload(&object).unwrap();
        assert_eq!(
            event.trace_id.as_deref(),
            Some("4bf92f3577b34da6a3ce929d0e0e4736")
        );
        assert!(event.timestamp.is_some());
        assert!(EventRecord::from_payload(&json!({"event_id": "nope"})).is_none());
    }
}
