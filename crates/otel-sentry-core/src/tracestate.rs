//! The W3C `tracestate` header (Trace Context Level 2), parsed strictly.
//!
//! All lines are combined in order. A list with more than 32 members, a key given twice
//! (across lines too), or any member outside the grammar is discarded whole; the
//! `traceparent` is still continued. Empty and whitespace-only members are allowed.
//!
//! When propagating, our own members go first, a key is never sent twice, and the header
//! is kept within 512 characters by dropping whole members: those longer than 128
//! characters first, then from the end.
//!
//! Keys follow the Level 2 grammar, `( lcalpha / DIGIT ) 0*255 keychar` with `@` allowed
//! after the first character, so `tenant@system` keys are accepted. OpenTelemetry 0.33's
//! `TraceState` refuses a few keys this grammar allows (more than one `@`, or a system part
//! longer than 13 characters or starting with a symbol); a list holding one cannot be
//! carried on a span and is discarded with [`TraceStateError::Unrepresentable`].

use opentelemetry::propagation::{Extractor, Injector};
use opentelemetry::trace::TraceState;

use crate::header_lines::{self, list_members};

/// The header name, as it is sent.
pub const TRACESTATE_HEADER: &str = "tracestate";

/// The most list members a `tracestate` may hold.
pub const MAX_MEMBERS: usize = 32;

/// The longest `tracestate` value we send, in characters, commas included.
pub const MAX_PROPAGATED_LEN: usize = 512;

/// Members longer than this are the first dropped when the header must be shortened.
pub const LONG_MEMBER_LEN: usize = 128;

const MAX_KEY_LEN: usize = 256;
const MAX_VALUE_LEN: usize = 256;

/// Why a `tracestate` was discarded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TraceStateError {
    /// More than 32 list members.
    #[error("tracestate has more than 32 list members")]
    TooManyMembers,
    /// A list member has no `=`.
    #[error("tracestate list member {index} has no '='")]
    MissingEquals {
        /// The position of the member among the non-empty members, from 0.
        index: usize,
    },
    /// A key outside the grammar (uppercase, a symbol, too long, …).
    #[error("tracestate list member {index} has an invalid key")]
    InvalidKey {
        /// The position of the member among the non-empty members, from 0.
        index: usize,
    },
    /// A value outside the grammar (empty, `=` or a control character in it, too long, …).
    #[error("tracestate list member {index} has an invalid value")]
    InvalidValue {
        /// The position of the member among the non-empty members, from 0.
        index: usize,
    },
    /// The same key appears twice.
    #[error("tracestate list member {index} repeats an earlier key")]
    DuplicateKey {
        /// The position of the repeated member among the non-empty members, from 0.
        index: usize,
    },
    /// Valid, but OpenTelemetry's `TraceState` refuses one of its keys.
    #[error("tracestate holds a key OpenTelemetry's TraceState cannot carry")]
    Unrepresentable,
}

/// Whether `key` matches the Level 2 grammar: a lowercase letter or digit, then up to 255
/// of lowercase letters, digits, `_`, `-`, `*`, `/` and `@`.
pub fn is_valid_key(key: &str) -> bool {
    let bytes = key.as_bytes();
    match bytes.split_first() {
        Some((first, rest)) if first.is_ascii_lowercase() || first.is_ascii_digit() => {
            bytes.len() <= MAX_KEY_LEN
                && rest
                    .iter()
                    .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_-*/@".contains(&b))
        }
        _ => false,
    }
}

/// Whether `value` matches the grammar: 1 to 256 printable ASCII characters other than `,`
/// and `=`, the last one not a space.
pub fn is_valid_value(value: &str) -> bool {
    let bytes = value.as_bytes();
    let printable = |b: &u8| (0x20..=0x7e).contains(b) && *b != b',' && *b != b'=';
    match bytes.last() {
        Some(last) => bytes.len() <= MAX_VALUE_LEN && *last != b' ' && bytes.iter().all(printable),
        None => false,
    }
}

/// Parses the lines of a `tracestate` header, combined in order.
///
/// ```
/// use otel_sentry_core::tracestate;
///
/// let state = tracestate::parse_lines(&["rojo=00f067aa0ba902b7", " congo=t61rcWkgMzE "])?;
/// assert_eq!(state.header(), "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
/// assert!(tracestate::parse_lines(&["foo=1,foo=2"]).is_err());
/// # Ok::<(), otel_sentry_core::TraceStateError>(())
/// ```
pub fn parse_lines(lines: &[&str]) -> Result<TraceState, TraceStateError> {
    // Validated on the stack first: a list is kept whole or not at all, and the only
    // allocation is the `TraceState` itself.
    let mut members = [("", ""); MAX_MEMBERS];
    let mut count = 0;
    for member in list_members(lines).filter(|member| !member.is_empty()) {
        if count == MAX_MEMBERS {
            return Err(TraceStateError::TooManyMembers);
        }
        let index = count;
        let (key, value) = member
            .split_once('=')
            .ok_or(TraceStateError::MissingEquals { index })?;
        if !is_valid_key(key) {
            return Err(TraceStateError::InvalidKey { index });
        }
        if !is_valid_value(value) {
            return Err(TraceStateError::InvalidValue { index });
        }
        if members[..count].iter().any(|(seen, _)| *seen == key) {
            return Err(TraceStateError::DuplicateKey { index });
        }
        members[count] = (key, value);
        count += 1;
    }
    if count == 0 {
        return Ok(TraceState::NONE);
    }
    TraceState::from_key_value(members[..count].iter().copied())
        .map_err(|_| TraceStateError::Unrepresentable)
}

/// Reads every `tracestate` line of a carrier; an absent header is an empty state.
pub fn extract(extractor: &dyn Extractor) -> Result<TraceState, TraceStateError> {
    parse_lines(&header_lines::get_all(extractor, TRACESTATE_HEADER))
}

/// The value to send for `trace_state` with `ours` in front of it, or `None` when nothing
/// is left to send (an empty `tracestate` is never sent).
///
/// `ours` are this service's own members, in order; a key in `ours` replaces the same key
/// further right. Members outside the grammar are left out, at most 32 are kept, and the
/// result is shortened to [`MAX_PROPAGATED_LEN`] characters by dropping whole members,
/// those longer than [`LONG_MEMBER_LEN`] first, then from the end.
///
/// ```
/// use opentelemetry::trace::TraceState;
/// use otel_sentry_core::tracestate;
///
/// let received = TraceState::from_key_value([("rojo", "1"), ("congo", "2")]).unwrap();
/// let sent = tracestate::header_value(&received, &[("congo", "3")]);
/// assert_eq!(sent.as_deref(), Some("congo=3,rojo=1"));
/// assert_eq!(tracestate::header_value(&TraceState::NONE, &[]), None);
/// ```
pub fn header_value(trace_state: &TraceState, ours: &[(&str, &str)]) -> Option<String> {
    let mut members = [("", ""); MAX_MEMBERS];
    let mut count = 0;
    let received = trace_state
        .into_iter()
        .filter(|(key, _)| !ours.iter().any(|(own, _)| own == key));
    for (key, value) in ours.iter().copied().chain(received) {
        if count == MAX_MEMBERS {
            tracing::debug!(
                target: "otel_sentry::tracestate",
                "tracestate members beyond the 32nd left out"
            );
            break;
        }
        if !is_valid_key(key) || !is_valid_value(value) {
            tracing::debug!(
                target: "otel_sentry::tracestate",
                key,
                "tracestate member outside the grammar left out"
            );
            continue;
        }
        if members[..count].iter().any(|(seen, _)| *seen == key) {
            continue;
        }
        members[count] = (key, value);
        count += 1;
    }
    let members = &mut members[..count];
    let kept = fit_within(members, MAX_PROPAGATED_LEN);
    if kept.is_empty() {
        return None;
    }
    let len = kept
        .iter()
        .map(|(k, v)| k.len() + 1 + v.len())
        .sum::<usize>()
        + kept.len()
        - 1;
    let mut out = String::with_capacity(len);
    for (i, (key, value)) in kept.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(key);
        out.push('=');
        out.push_str(value);
    }
    Some(out)
}

/// Writes the `tracestate` for `trace_state` with `ours` in front, unless it would be empty.
pub fn inject(trace_state: &TraceState, ours: &[(&str, &str)], injector: &mut dyn Injector) {
    if let Some(value) = header_value(trace_state, ours) {
        injector.set(TRACESTATE_HEADER, value);
    }
}

/// Drops whole members until the joined list is at most `limit` characters: members
/// longer than [`LONG_MEMBER_LEN`] first (rightmost first), then from the end.
fn fit_within<'m, 'a>(
    members: &'m mut [(&'a str, &'a str)],
    limit: usize,
) -> &'m [(&'a str, &'a str)] {
    let member_len = |(key, value): &(&str, &str)| key.len() + 1 + value.len();
    let joined_len = |members: &[(&str, &str)]| {
        members.iter().map(member_len).sum::<usize>() + members.len().saturating_sub(1)
    };
    let mut count = members.len();
    let mut index = count;
    while joined_len(&members[..count]) > limit && index > 0 {
        index -= 1;
        if member_len(&members[index]) > LONG_MEMBER_LEN {
            members[index..count].rotate_left(1);
            count -= 1;
        }
    }
    while joined_len(&members[..count]) > limit {
        count -= 1;
    }
    &members[..count]
}
