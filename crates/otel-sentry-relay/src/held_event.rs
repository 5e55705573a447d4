//! An error event held for its trace's window: the event parsed, the attachments that came
//! with it, and where and with which auth it goes upstream.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use crate::envelope::{Envelope, Item};

/// The endpoint an SDK posted to, and so the one the event goes to upstream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// `/api/<project>/envelope/`.
    Envelope,
    /// The legacy `/api/<project>/store/`: one JSON event.
    Store,
}

/// Where a request goes upstream: the same project path with the same auth.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The project id of the path.
    pub project_id: String,
    /// Which endpoint.
    pub endpoint: Endpoint,
    /// The `X-Sentry-Auth` header, when the SDK sent one.
    pub auth_header: Option<String>,
    /// The query string (with `sentry_key` when the SDK authenticates that way).
    pub query: Option<String>,
    /// The SDK's `User-Agent`.
    pub user_agent: Option<String>,
}

impl Target {
    /// The upstream path and query.
    pub fn path_and_query(&self) -> String {
        let endpoint = match self.endpoint {
            Endpoint::Envelope => "envelope",
            Endpoint::Store => "store",
        };
        match &self.query {
            Some(query) => format!("/api/{}/{endpoint}/?{query}", self.project_id),
            None => format!("/api/{}/{endpoint}/", self.project_id),
        }
    }

    fn to_json(&self) -> Value {
        serde_json::json!({
            "project_id": self.project_id,
            "store": self.endpoint == Endpoint::Store,
            "auth": self.auth_header,
            "query": self.query,
            "user_agent": self.user_agent,
        })
    }

    fn from_json(value: &Value) -> Option<Target> {
        let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
        Some(Target {
            project_id: text("project_id")?,
            endpoint: if value.get("store").and_then(Value::as_bool)? {
                Endpoint::Store
            } else {
                Endpoint::Envelope
            },
            auth_header: text("auth"),
            query: text("query"),
            user_agent: text("user_agent"),
        })
    }
}

/// A request body ready to go upstream.
#[derive(Clone, Debug)]
pub struct Outgoing {
    /// Where.
    pub target: Target,
    /// The envelope or the store JSON.
    pub body: Vec<u8>,
}

/// An error event with a trace id, held for its trace's window.
#[derive(Clone, Debug)]
pub struct HeldEvent {
    /// Where it goes.
    pub target: Target,
    /// Its envelope's header (with `event_id`, which Bugsink needs), empty for a store
    /// request.
    pub envelope_header: Map<String, Value>,
    /// The event item's header (empty for a store request).
    pub item_header: Map<String, Value>,
    /// The event.
    pub event: Map<String, Value>,
    /// The items that came in its envelope and belong to it (attachments).
    pub attachments: Vec<Item>,
    /// `contexts.trace.trace_id`.
    pub trace_id: String,
    /// When the relay received it: the timestamp when the event has none.
    pub received: SystemTime,
}

/// `contexts.trace.trace_id` of an event, when it is 32 hex digits (not all zero).
pub fn trace_id_of(event: &Map<String, Value>) -> Option<String> {
    let trace_id = event
        .get("contexts")?
        .get("trace")?
        .get("trace_id")?
        .as_str()?;
    let valid = trace_id.len() == 32
        && trace_id.bytes().all(|byte| byte.is_ascii_hexdigit())
        && trace_id.bytes().any(|byte| byte != b'0');
    valid.then(|| trace_id.to_ascii_lowercase())
}

impl HeldEvent {
    /// Its approximate size in memory, for the byte cap.
    pub fn size(&self) -> usize {
        let event = serde_json::to_vec(&self.event).map_or(0, |bytes| bytes.len());
        let attachments: usize = self
            .attachments
            .iter()
            .map(|item| item.raw_header.len() + item.payload.len())
            .sum();
        event + attachments + 256
    }

    /// The event's id as sent (`event_id`, else the envelope's).
    pub fn event_id(&self) -> Option<&str> {
        self.event
            .get("event_id")
            .and_then(Value::as_str)
            .or_else(|| self.envelope_header.get("event_id").and_then(Value::as_str))
    }

    /// The event as it goes upstream: alone in its envelope with its attachments (one event
    /// per envelope: Bugsink stores nothing of an envelope with two), or the store JSON.
    pub fn into_outgoing(self) -> Outgoing {
        let payload = serde_json::to_vec(&self.event).unwrap_or_default();
        let body = match self.target.endpoint {
            Endpoint::Store => payload,
            Endpoint::Envelope => {
                let mut item_header = self.item_header;
                item_header.insert("type".to_owned(), Value::from("event"));
                let mut items = vec![Item::new(item_header, payload)];
                items.extend(self.attachments);
                Envelope {
                    header: self.envelope_header,
                    items,
                }
                .to_bytes()
            }
        };
        Outgoing {
            target: self.target,
            body,
        }
    }

    /// The event as bytes for Redis: a JSON line of the target and times, then the envelope.
    pub fn to_bytes(&self) -> Vec<u8> {
        let received = self
            .received
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis() as u64;
        let meta = serde_json::json!({
            "target": self.target.to_json(),
            "received_ms": received,
        });
        let mut envelope_header = self.envelope_header.clone();
        envelope_header.insert("_relay".to_owned(), meta);
        let mut items = vec![Item::new(
            self.item_header.clone(),
            serde_json::to_vec(&self.event).unwrap_or_default(),
        )];
        items.extend(self.attachments.iter().cloned());
        Envelope {
            header: envelope_header,
            items,
        }
        .to_bytes()
    }

    /// The event [`to_bytes`](Self::to_bytes) wrote; `None` for anything else.
    pub fn from_bytes(bytes: &[u8]) -> Option<HeldEvent> {
        let mut envelope = Envelope::parse(bytes).ok()?;
        let meta = envelope.header.remove("_relay")?;
        let target = Target::from_json(meta.get("target")?)?;
        let received = UNIX_EPOCH + Duration::from_millis(meta.get("received_ms")?.as_u64()?);
        let mut items = envelope.items.into_iter();
        let event_item = items.next()?;
        let Value::Object(event) = serde_json::from_slice(&event_item.payload).ok()? else {
            return None;
        };
        let trace_id = trace_id_of(&event)?;
        let mut item_header = event_item.header;
        item_header.remove("length");
        Some(HeldEvent {
            target,
            envelope_header: envelope.header,
            item_header,
            event,
            attachments: items.collect(),
            trace_id,
            received,
        })
    }
}
