//! The W3C `baggage` header, parsed strictly.
//!
//! `key OWS "=" OWS value *( OWS ";" OWS property )`, members separated by commas, over any
//! number of lines. Keys are HTTP tokens (case-sensitive); values are percent-encoded, and
//! a decoded byte sequence that is not UTF-8 becomes U+FFFD. Properties are kept as
//! received (without optional whitespace) in the entry's [`BaggageMetadata`].
//!
//! Limits, on receipt and when sending: at most 64 members and 8192 bytes, counting the
//! commas between members. The specification lets a receiver drop members beyond them and
//! never a part of one; members are kept in order while they fit. A member outside the
//! grammar is dropped on its own; its valid neighbours are kept. Where a key repeats, the
//! first member wins.
//!
//! [`BaggageMetadata`]: opentelemetry::baggage::BaggageMetadata

use std::borrow::Cow;

use opentelemetry::baggage::Baggage;
use opentelemetry::propagation::{Extractor, Injector};
use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};

use crate::header_lines::{self, list_members, trim_ows};

/// The header name, as it is sent.
pub const BAGGAGE_HEADER: &str = "baggage";

/// The most members kept or sent; OpenTelemetry's `Baggage` holds no more.
pub const MAX_MEMBERS: usize = 64;

/// The most bytes kept or sent, commas between members included.
pub const MAX_BYTES: usize = 8192;

/// What must be percent-encoded in a value: everything outside `baggage-octet`
/// (controls, space, `"`, `,`, `;`, `\`, non-ASCII) and `%` itself.
const VALUE_ENCODE_SET: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b',')
    .add(b';')
    .add(b'\\')
    .add(b'%')
    .add(0x7f);

/// Why one baggage member was dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BaggageMemberError {
    /// No `=` between key and value.
    #[error("baggage member has no '='")]
    MissingEquals,
    /// The key is empty or not an HTTP token.
    #[error("baggage member key is not an HTTP token")]
    InvalidKey,
    /// The value holds a character that must be percent-encoded, or a `%` not followed by
    /// two hex digits.
    #[error("baggage member value is not percent-encoded as required")]
    InvalidValue,
    /// A property is not `key` or `key=value` with a token key and an encoded value.
    #[error("baggage member has an invalid property")]
    InvalidProperty,
}

/// One member as received: trimmed key, still-encoded value, and its properties.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BaggageMember<'a> {
    /// The key.
    pub key: &'a str,
    /// The value, still percent-encoded.
    pub encoded_value: &'a str,
    /// The text after the first `;`, or empty.
    pub properties: &'a str,
}

impl<'a> BaggageMember<'a> {
    /// Parses one comma-free member.
    pub fn parse(member: &'a str) -> Result<Self, BaggageMemberError> {
        let (entry, properties) = match member.split_once(';') {
            Some((_, "")) => return Err(BaggageMemberError::InvalidProperty),
            Some((entry, properties)) => (entry, properties),
            None => (member, ""),
        };
        let (key, value) = entry
            .split_once('=')
            .ok_or(BaggageMemberError::MissingEquals)?;
        let (key, encoded_value) = (trim_ows(key), trim_ows(value));
        if !is_token(key) {
            return Err(BaggageMemberError::InvalidKey);
        }
        if !is_encoded_value(encoded_value) {
            return Err(BaggageMemberError::InvalidValue);
        }
        if !properties.is_empty() && !properties.split(';').all(is_valid_property) {
            return Err(BaggageMemberError::InvalidProperty);
        }
        Ok(BaggageMember {
            key,
            encoded_value,
            properties,
        })
    }

    /// The value, percent-decoded; invalid UTF-8 becomes U+FFFD.
    pub fn value(&self) -> Cow<'a, str> {
        percent_decode_str(self.encoded_value).decode_utf8_lossy()
    }

    /// The properties as `p1;p2=v2`, without optional whitespace.
    pub fn metadata(&self) -> String {
        let mut out = String::with_capacity(self.properties.len());
        for (i, property) in self.properties.split(';').enumerate() {
            if i > 0 {
                out.push(';');
            }
            match property.split_once('=') {
                Some((key, value)) => {
                    out.push_str(trim_ows(key));
                    out.push('=');
                    out.push_str(trim_ows(value));
                }
                None => out.push_str(trim_ows(property)),
            }
        }
        out
    }
}

/// Whether `key` is an HTTP token (RFC 9110 §5.6.2).
pub fn is_token(key: &str) -> bool {
    !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// `baggage-octet`: printable ASCII other than space, `"`, `,`, `;` and `\`.
fn is_baggage_octet(byte: u8) -> bool {
    matches!(byte, 0x21 | 0x23..=0x2b | 0x2d..=0x3a | 0x3c..=0x5b | 0x5d..=0x7e)
}

/// Whether `value` is `*baggage-octet` with every `%` starting a two-digit escape.
fn is_encoded_value(value: &str) -> bool {
    let bytes = value.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        if !is_baggage_octet(byte) {
            return false;
        }
        if byte == b'%' {
            let escape = bytes.get(i + 1..i + 3);
            if !escape.is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit)) {
                return false;
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    true
}

fn is_valid_property(property: &str) -> bool {
    match property.split_once('=') {
        Some((key, value)) => is_token(trim_ows(key)) && is_encoded_value(trim_ows(value)),
        None => is_token(trim_ows(property)),
    }
}

/// Parses the lines of a `baggage` header, combined in order, into OpenTelemetry baggage.
///
/// ```
/// use otel_sentry_core::baggage;
///
/// let baggage = baggage::parse_lines(&["userId=Am%C3%A9lie", "serverNode = DF%2028;zone=eu, bad key=1"]);
/// assert_eq!(baggage.get("userId").map(|v| v.as_str()), Some("Amélie"));
/// assert_eq!(baggage.get("serverNode").map(|v| v.as_str()), Some("DF 28"));
/// assert_eq!(baggage.len(), 2); // "bad key" is not a token: dropped on its own
/// ```
pub fn parse_lines(lines: &[&str]) -> Baggage {
    let mut baggage = Baggage::new();
    let mut bytes = 0;
    let mut dropped_over_limits = 0usize;
    for (index, member) in list_members(lines)
        .filter(|member| !member.is_empty())
        .enumerate()
    {
        let parsed = match BaggageMember::parse(member) {
            Ok(parsed) => parsed,
            Err(reason) => {
                tracing::debug!(target: "otel_sentry::baggage", index, %reason, "baggage member dropped");
                continue;
            }
        };
        if baggage.get(parsed.key).is_some() {
            tracing::debug!(target: "otel_sentry::baggage", index, "repeated baggage key dropped");
            continue;
        }
        let with_comma = member.len() + usize::from(!baggage.is_empty());
        if baggage.len() == MAX_MEMBERS || bytes + with_comma > MAX_BYTES {
            dropped_over_limits += 1;
            continue;
        }
        bytes += with_comma;
        baggage.insert_with_metadata(
            parsed.key.to_owned(),
            parsed.value().into_owned(),
            parsed.metadata(),
        );
    }
    if dropped_over_limits > 0 {
        tracing::debug!(
            target: "otel_sentry::baggage",
            dropped = dropped_over_limits,
            "baggage members beyond 64 members or 8192 bytes dropped"
        );
    }
    baggage
}

/// Reads every `baggage` line of a carrier; an absent header is empty baggage.
pub fn extract(extractor: &dyn Extractor) -> Baggage {
    parse_lines(&header_lines::get_all(extractor, BAGGAGE_HEADER))
}

/// Builds a `baggage` value from entries `(key, decoded value, properties)`, in order, or
/// `None` when nothing is left to send.
///
/// Values are percent-encoded. An entry whose key is not a token is left out, and so are
/// properties that do not follow the grammar (the entry itself is kept). Entries that
/// would take the header past 64 members or 8192 bytes are left out whole.
pub fn header_value<'a>(
    entries: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>,
) -> Option<String> {
    let mut out = String::new();
    let mut members = 0;
    let mut member = String::new();
    for (key, value, properties) in entries {
        if !is_token(key) {
            tracing::debug!(target: "otel_sentry::baggage", "baggage entry with a non-token key not sent");
            continue;
        }
        member.clear();
        member.push_str(key);
        member.push('=');
        member.extend(utf8_percent_encode(value, VALUE_ENCODE_SET));
        let properties = trim_ows(properties);
        if !properties.is_empty() {
            if properties.split(';').all(is_valid_property) {
                member.push(';');
                member.push_str(properties);
            } else {
                tracing::debug!(target: "otel_sentry::baggage", key, "invalid baggage properties not sent");
            }
        }
        let with_comma = member.len() + usize::from(members > 0);
        if members == MAX_MEMBERS || out.len() + with_comma > MAX_BYTES {
            tracing::debug!(target: "otel_sentry::baggage", key, "baggage entry over the limits not sent");
            continue;
        }
        if members > 0 {
            out.push(',');
        }
        out.push_str(&member);
        members += 1;
    }
    (members > 0).then_some(out)
}

/// Writes `baggage` into a carrier, unless it is empty.
pub fn inject(baggage: &Baggage, injector: &mut dyn Injector) {
    let entries = baggage
        .iter()
        .map(|(key, (value, metadata))| (key.as_str(), value.as_str(), metadata.as_str()));
    if let Some(value) = header_value(entries) {
        injector.set(BAGGAGE_HEADER, value);
    }
}
