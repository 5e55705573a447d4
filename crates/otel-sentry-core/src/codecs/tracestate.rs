//! The W3C `tracestate` header (Trace Context Level 2), parsed strictly.
//!
//! All lines are combined in order. A key given twice (across lines too) keeps its first
//! member and the later ones are dropped, as the W3C test suite expects; a list with more
//! than 32 members or any member outside the grammar is discarded whole; the
//! `traceparent` is still continued. Empty and whitespace-only members are allowed.
//!
//! When propagating, our own members go first, a key is never sent twice, and the header
//! is kept within 512 characters by dropping whole members: those longer than 128
//! characters first, then from the end.
//!
//! Keys follow the Level 2 grammar, `( lcalpha / DIGIT ) 0*255 keychar` with `@` allowed
//! after the first character, so `tenant@system` keys are accepted. OpenTelemetry 0.33's
//! `TraceState` refuses a few keys this grammar allows (more than one `@`, a system part
//! of 14 characters or more, or one starting with a symbol). A span cannot carry those;
//! [`ReceivedTraceState`] keeps the whole list so they are still sent on, in place.

use opentelemetry::propagation::{Extractor, Injector};
use opentelemetry::trace::TraceState;

use crate::codecs::header_lines::{self, list_members};
use crate::names::TRACESTATE_HEADER;

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
}

/// A received `tracestate`: what an OpenTelemetry span can carry and, when OpenTelemetry
/// refused some valid members, the whole list, so they are still sent on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReceivedTraceState {
    /// The members OpenTelemetry's `TraceState` accepts, in order.
    pub trace_state: TraceState,
    /// Every member in order; `None` when `trace_state` holds them all.
    pub all_members: Option<TraceStateMembers>,
}

/// Every member of a received `tracestate`, in order, each marked with whether
/// OpenTelemetry's `TraceState` could hold it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceStateMembers(Box<[Member]>);

#[derive(Clone, Debug, PartialEq, Eq)]
struct Member {
    key: String,
    value: String,
    in_trace_state: bool,
}

impl TraceStateMembers {
    /// The members in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0
            .iter()
            .map(|member| (member.key.as_str(), member.value.as_str()))
    }
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
/// use otel_sentry_core::codecs::tracestate;
///
/// let received = tracestate::parse_lines(&["rojo=00f067aa0ba902b7", " congo=t61rcWkgMzE "])?;
/// assert_eq!(received.trace_state.header(), "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
/// // A repeated key keeps its first member.
/// let received = tracestate::parse_lines(&["foo=1,bar=2,foo=3"])?;
/// assert_eq!(received.trace_state.header(), "foo=1,bar=2");
/// assert!(tracestate::parse_lines(&["foo=1,BAR=2"]).is_err());
/// # Ok::<(), otel_sentry_core::TraceStateError>(())
/// ```
pub fn parse_lines(lines: &[&str]) -> Result<ReceivedTraceState, TraceStateError> {
    // The usual case: no header, and no 1 KiB table to clear for it.
    if lines.is_empty() {
        return Ok(ReceivedTraceState::default());
    }
    // Validated on the stack first: a list is kept whole or not at all, and in the usual
    // case the `TraceState` is the only allocation.
    let mut members = [("", ""); MAX_MEMBERS];
    let mut count = 0;
    for (index, member) in list_members(lines)
        .filter(|member| !member.is_empty())
        .enumerate()
    {
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
            tracing::debug!(
                target: "otel_sentry::tracestate",
                index,
                "tracestate list member repeats an earlier key: dropped, the first kept"
            );
            continue;
        }
        if count == MAX_MEMBERS {
            return Err(TraceStateError::TooManyMembers);
        }
        members[count] = (key, value);
        count += 1;
    }
    let members = &members[..count];
    if members.is_empty() {
        return Ok(ReceivedTraceState::default());
    }
    if let Ok(trace_state) = TraceState::from_key_value(members.iter().copied()) {
        return Ok(ReceivedTraceState {
            trace_state,
            all_members: None,
        });
    }
    // Rare: keys valid under Level 2 that OpenTelemetry refuses.
    let all: Box<[Member]> = members
        .iter()
        .map(|(key, value)| Member {
            key: (*key).to_owned(),
            value: (*value).to_owned(),
            in_trace_state: TraceState::from_key_value([(key, value)]).is_ok(),
        })
        .collect();
    let carried = all
        .iter()
        .filter(|member| member.in_trace_state)
        .map(|member| (member.key.as_str(), member.value.as_str()));
    tracing::debug!(
        target: "otel_sentry::tracestate",
        "tracestate keys OpenTelemetry's TraceState refuses are carried beside the span"
    );
    Ok(ReceivedTraceState {
        trace_state: TraceState::from_key_value(carried).unwrap_or_default(),
        all_members: Some(TraceStateMembers(all)),
    })
}

/// Reads every `tracestate` line of a carrier; an absent header is an empty state.
pub fn extract(extractor: &dyn Extractor) -> Result<ReceivedTraceState, TraceStateError> {
    parse_lines(&header_lines::get_all(extractor, TRACESTATE_HEADER))
}

/// The value to send for `trace_state` with `ours` in front of it, or `None` when nothing
/// is left to send (an empty `tracestate` is never sent).
///
/// `ours` are this service's own members, in order; a key in `ours` replaces the same key
/// further right. `received`, when the span could not carry every received member, puts
/// the missing ones back in their places, after the members the span changed or added.
/// Members outside the
/// grammar are left out, at most 32 are kept, and the result is shortened to
/// [`MAX_PROPAGATED_LEN`] characters by dropping whole members, those longer than
/// [`LONG_MEMBER_LEN`] first, then from the end.
///
/// ```
/// use opentelemetry::trace::TraceState;
/// use otel_sentry_core::codecs::tracestate;
///
/// let received = TraceState::from_key_value([("rojo", "1"), ("congo", "2")]).unwrap();
/// let sent = tracestate::header_value(&received, None, &[("congo", "3")]);
/// assert_eq!(sent.as_deref(), Some("congo=3,rojo=1"));
/// assert_eq!(tracestate::header_value(&TraceState::NONE, None, &[]), None);
/// ```
pub fn header_value(
    trace_state: &TraceState,
    received: Option<&TraceStateMembers>,
    ours: &[(&str, &str)],
) -> Option<String> {
    match received {
        Some(received) => join(merge_received(trace_state, received).into_iter(), ours),
        None => join(trace_state.into_iter(), ours),
    }
}

/// `ours`, then `carried` less the keys of `ours`, checked, capped, shortened and joined.
fn join<'a>(
    carried: impl Iterator<Item = (&'a str, &'a str)>,
    ours: &[(&'a str, &'a str)],
) -> Option<String> {
    let mut members = [("", ""); MAX_MEMBERS];
    let mut count = 0;
    let carried = carried.filter(|(key, _)| !ours.iter().any(|(own, _)| own == key));
    for (key, value) in ours.iter().copied().chain(carried) {
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

/// The members to send when a span's `trace_state` was built from `received` without the
/// members OpenTelemetry refused: first those the span changed or added (they lead, as
/// OpenTelemetry's `insert` puts them), then the received list in its order, less the
/// members the span dropped or changed. Refused members keep their places.
fn merge_received<'a>(
    trace_state: &'a TraceState,
    received: &'a TraceStateMembers,
) -> Vec<(&'a str, &'a str)> {
    let unchanged = |key: &str, value: &str| {
        received
            .0
            .iter()
            .any(|member| member.in_trace_state && member.key == key && member.value == value)
    };
    let changed: Vec<(&str, &str)> = trace_state
        .into_iter()
        .filter(|(key, value)| !unchanged(key, value))
        .collect();
    let still_carried = |member: &Member| {
        if member.in_trace_state {
            trace_state.get(&member.key) == Some(member.value.as_str())
        } else {
            !changed.iter().any(|(key, _)| *key == member.key)
        }
    };
    let kept: Vec<(&str, &str)> = received
        .0
        .iter()
        .filter(|member| still_carried(member))
        .map(|member| (member.key.as_str(), member.value.as_str()))
        .collect();
    changed.into_iter().chain(kept).collect()
}

/// Writes the `tracestate` of [`header_value`], unless it would be empty.
pub fn inject(
    trace_state: &TraceState,
    received: Option<&TraceStateMembers>,
    ours: &[(&str, &str)],
    injector: &mut dyn Injector,
) {
    if let Some(value) = header_value(trace_state, received, ours) {
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
