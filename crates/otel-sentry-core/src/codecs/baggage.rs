//! The W3C `baggage` header, parsed strictly.
//!
//! `key OWS "=" OWS value *( OWS ";" OWS property )`, members separated by commas, over any
//! number of lines. Keys are HTTP tokens (case-sensitive); values are percent-encoded, and
//! a decoded byte sequence that is not UTF-8 becomes U+FFFD. Properties are kept as
//! received (without optional whitespace) in the entry's [`BaggageMetadata`].
//!
//! Limits, on receipt and when sending: at most 64 members and 8192 bytes, counting the
//! commas between members. The specification lets a receiver drop members beyond them and
//! never a part of one; received members are taken in header order while they fit. A
//! member outside the grammar is dropped on its own; its valid neighbours are kept. Where
//! a key repeats, the first member wins.
//!
//! OpenTelemetry's `Baggage` is a map: the order of members sent on (and so which ones
//! the limits leave out, should a service add past them) is not the order received.
//!
//! [`BaggageMetadata`]: opentelemetry::baggage::BaggageMetadata

use std::borrow::Cow;

use opentelemetry::baggage::Baggage;
use opentelemetry::propagation::{Extractor, Injector};
use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};

use crate::codecs::header_lines::{self, list_members, trim_ows};
use crate::names::BAGGAGE_HEADER;

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
    .add(b'%');

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
        // One scan for the first `=` and the first `;`: members are short, and this runs
        // for each of them.
        let mut equals = None;
        let mut semicolon = None;
        for (i, byte) in member.bytes().enumerate() {
            match byte {
                b'=' if equals.is_none() => equals = Some(i),
                b';' => {
                    semicolon = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let equals = equals.ok_or(BaggageMemberError::MissingEquals)?;
        let (entry_end, properties) = match semicolon {
            Some(at) if at + 1 == member.len() => return Err(BaggageMemberError::InvalidProperty),
            Some(at) => (at, member.get(at + 1..).unwrap_or_default()),
            None => (member.len(), ""),
        };
        // `=` and `;` are ASCII: both cuts are character boundaries.
        let key = trim_ows(member.get(..equals).unwrap_or_default());
        let encoded_value = trim_ows(member.get(equals + 1..entry_end).unwrap_or_default());
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
        if self.encoded_value.contains('%') {
            percent_decode_str(self.encoded_value).decode_utf8_lossy()
        } else {
            // Nothing to decode, and a valid value is ASCII.
            Cow::Borrowed(self.encoded_value)
        }
    }

    /// The properties as `p1;p2=v2`, without optional whitespace.
    pub fn metadata(&self) -> String {
        if self.properties.is_empty() {
            return String::new();
        }
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
    !key.is_empty() && key.bytes().all(|b| TOKEN_CHARS[usize::from(b)])
}

/// `tchar`, as a table: this check runs for every byte of every key received.
const TOKEN_CHARS: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        table[byte] = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        byte += 1;
    }
    table
};

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
/// use otel_sentry_core::codecs::baggage;
///
/// let baggage = baggage::parse_lines(&["userId=Am%C3%A9lie", "serverNode = DF%2028;zone=eu, bad key=1"]);
/// assert_eq!(baggage.get("userId").map(|v| v.as_str()), Some("Amélie"));
/// assert_eq!(baggage.get("serverNode").map(|v| v.as_str()), Some("DF 28"));
/// assert_eq!(baggage.len(), 2); // "bad key" is not a token: dropped on its own
/// ```
pub fn parse_lines(lines: &[&str]) -> Baggage {
    parse_members(lines, |_| true)
}

/// Like [`parse_lines`], skipping members whose key starts with `prefix` (they take none of
/// the limits).
pub fn parse_lines_except(lines: &[&str], prefix: &str) -> Baggage {
    parse_members(lines, |member| !member.starts_with(prefix))
}

/// Parses the members `wanted` accepts (given the trimmed member text, which starts with
/// its key).
fn parse_members(lines: &[&str], wanted: impl Fn(&str) -> bool) -> Baggage {
    let mut baggage = Baggage::new();
    // The usual case: no header, and no 1 KiB table to clear for it.
    if lines.is_empty() {
        return baggage;
    }
    // Keys kept so far, to keep the first of repeated keys.
    let mut kept = [""; MAX_MEMBERS];
    let mut count = 0;
    let mut bytes = 0;
    let mut dropped = Dropped::default();
    for member in list_members(lines).filter(|member| !member.is_empty() && wanted(member)) {
        let with_comma = member.len() + usize::from(count > 0);
        // Checked before parsing, so a hostile header costs no more than a scan.
        if count == MAX_MEMBERS || bytes + with_comma > MAX_BYTES {
            dropped.over_limits += 1;
            continue;
        }
        let parsed = match BaggageMember::parse(member) {
            Ok(parsed) => parsed,
            Err(reason) => {
                dropped.invalid += 1;
                dropped.first_reason.get_or_insert(reason);
                continue;
            }
        };
        if kept[..count].contains(&parsed.key) {
            dropped.repeated += 1;
            continue;
        }
        kept[count] = parsed.key;
        count += 1;
        bytes += with_comma;
        baggage.insert_with_metadata(
            parsed.key.to_owned(),
            parsed.value().into_owned(),
            parsed.metadata(),
        );
    }
    dropped.log();
    baggage
}

/// Members left out of one header, logged once: a hostile header makes one debug event,
/// not one per member.
#[derive(Default)]
struct Dropped {
    invalid: usize,
    first_reason: Option<BaggageMemberError>,
    repeated: usize,
    over_limits: usize,
}

impl Dropped {
    fn log(&self) {
        if let Some(reason) = self.first_reason {
            tracing::debug!(
                target: "otel_sentry::baggage",
                count = self.invalid,
                %reason,
                "invalid baggage members dropped"
            );
        }
        if self.repeated > 0 {
            tracing::debug!(target: "otel_sentry::baggage", count = self.repeated, "repeated baggage keys dropped");
        }
        if self.over_limits > 0 {
            tracing::debug!(
                target: "otel_sentry::baggage",
                count = self.over_limits,
                "baggage members beyond 64 members or 8192 bytes dropped"
            );
        }
    }
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
