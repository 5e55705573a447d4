//! Sentry's envelope format, split by hand rather than with sentry-types: a relay forwards
//! the items it does not read byte for byte, and sentry-types would re-serialise them.
//!
//! An envelope is a header line (a JSON object), then per item a header line (a JSON object
//! with `type` and an optional `length`) and its payload: `length` bytes, or up to the next
//! newline without one. Strict: anything else is refused with a reason.

use serde_json::{Map, Value};

/// One item: its header as received and parsed, and its payload.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    /// The header line as received, written back unchanged unless the item is rewritten.
    pub raw_header: Vec<u8>,
    /// The header parsed.
    pub header: Map<String, Value>,
    /// The payload bytes.
    pub payload: Vec<u8>,
}

impl Item {
    /// The item's `type`.
    pub fn item_type(&self) -> &str {
        self.header
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// An item of `header` and `payload`, its `length` set to the payload's (Bugsink answers
    /// 400 on a wrong one).
    pub fn new(mut header: Map<String, Value>, payload: Vec<u8>) -> Item {
        header.insert("length".to_owned(), Value::from(payload.len()));
        let raw_header = serde_json::to_vec(&header).unwrap_or_default();
        Item {
            raw_header,
            header,
            payload,
        }
    }
}

/// A parsed envelope.
#[derive(Clone, Debug, PartialEq)]
pub struct Envelope {
    /// The envelope header parsed.
    pub header: Map<String, Value>,
    /// The items in order.
    pub items: Vec<Item>,
}

/// Why an envelope was refused.
#[derive(Debug, PartialEq, Eq)]
pub struct MalformedEnvelope(pub String);

impl std::fmt::Display for MalformedEnvelope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "malformed envelope: {}", self.0)
    }
}

fn malformed(reason: impl Into<String>) -> MalformedEnvelope {
    MalformedEnvelope(reason.into())
}

/// The bytes up to the first newline (or the end) and those after it.
fn split_line(bytes: &[u8]) -> (&[u8], &[u8]) {
    match bytes.iter().position(|&byte| byte == b'\n') {
        Some(end) => (&bytes[..end], &bytes[end + 1..]),
        None => (bytes, &[]),
    }
}

fn object(line: &[u8], what: &str) -> Result<Map<String, Value>, MalformedEnvelope> {
    match serde_json::from_slice::<Value>(line) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(malformed(format!("the {what} is not a JSON object"))),
        Err(error) => Err(malformed(format!("the {what} is not JSON: {error}"))),
    }
}

impl Envelope {
    /// Parses `body`.
    pub fn parse(body: &[u8]) -> Result<Envelope, MalformedEnvelope> {
        if body.is_empty() {
            return Err(malformed("the body is empty"));
        }
        let (header_line, mut rest) = split_line(body);
        let header = object(header_line, "envelope header")?;
        let mut items = Vec::new();
        while !rest.is_empty() {
            let (line, after_header) = split_line(rest);
            // Blank lines between items (a trailing newline, mostly) carry nothing.
            if line.iter().all(u8::is_ascii_whitespace) {
                rest = after_header;
                continue;
            }
            let item_header = object(line, "item header")?;
            if !item_header.get("type").is_some_and(Value::is_string) {
                return Err(malformed("an item header has no type"));
            }
            let (payload, after_payload) = match item_header.get("length") {
                Some(length) => {
                    let length = length
                        .as_u64()
                        .and_then(|length| usize::try_from(length).ok())
                        .ok_or_else(|| malformed("an item length is not a number"))?;
                    if length > after_header.len() {
                        return Err(malformed(format!(
                            "an item claims {length} bytes, {} remain",
                            after_header.len()
                        )));
                    }
                    let (payload, after) = after_header.split_at(length);
                    match after.first() {
                        None => (payload, after),
                        Some(b'\n') => (payload, &after[1..]),
                        Some(_) => {
                            return Err(malformed("an item's payload is longer than its length"));
                        }
                    }
                }
                None => split_line(after_header),
            };
            items.push(Item {
                raw_header: line.to_vec(),
                header: item_header,
                payload: payload.to_vec(),
            });
            rest = after_payload;
        }
        Ok(Envelope { header, items })
    }

    /// The envelope as bytes: each item's header as received (or rewritten), its payload.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec(&self.header).unwrap_or_else(|_| b"{}".to_vec());
        bytes.push(b'\n');
        for item in &self.items {
            bytes.extend_from_slice(&item.raw_header);
            bytes.push(b'\n');
            bytes.extend_from_slice(&item.payload);
            bytes.push(b'\n');
        }
        bytes
    }

    /// The envelope header's `event_id`.
    pub fn event_id(&self) -> Option<&str> {
        self.header.get("event_id").and_then(Value::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_with_and_without_length_round_trip() {
        let body = b"{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}\n{\"type\":\"attachment\",\"length\":3}\na\nb\n{\"type\":\"session\"}\n{\"x\":1}\n";
        let envelope = Envelope::parse(body).unwrap();
        assert_eq!(envelope.items.len(), 2);
        assert_eq!(envelope.items[0].payload, b"a\nb");
        assert_eq!(envelope.items[1].payload, b"{\"x\":1}");
        assert_eq!(
            envelope.event_id(),
            Some("9ec79c33ec9942ab8353589fcb2e04dc")
        );
        assert_eq!(Envelope::parse(&envelope.to_bytes()).unwrap(), envelope);
    }

    #[test]
    fn malformed_envelopes_are_refused_with_a_reason() {
        for (body, reason) in [
            (&b""[..], "empty"),
            (b"not json\n", "envelope header is not JSON"),
            (b"[]\n", "not a JSON object"),
            (b"{}\n{\"length\":1}\nx\n", "no type"),
            (
                b"{}\n{\"type\":\"event\",\"length\":99}\nx\n",
                "claims 99 bytes",
            ),
            (
                b"{}\n{\"type\":\"event\",\"length\":1}\nxy\n",
                "longer than its length",
            ),
            (
                b"{}\n{\"type\":\"event\",\"length\":-1}\nx\n",
                "not a number",
            ),
        ] {
            let error = Envelope::parse(body).unwrap_err();
            assert!(error.0.contains(reason), "{error} for {body:?}");
        }
    }
}
