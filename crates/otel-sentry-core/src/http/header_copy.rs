//! The copy of the request headers that Sentry's request data is made from: capped, and
//! without the trace headers.
//!
//! Sentry refuses an event over 200 KB compressed or 1 MB decompressed
//! (<https://docs.sentry.io/concepts/data-management/size-limits/>), so a request with huge
//! headers would lose the very failure it caused. Each value keeps at most
//! [`MAX_HEADER_VALUE_LEN`] bytes (cut at a character boundary, marked with `…`), and the copy at
//! most [`MAX_HEADERS_LEN`] bytes: lines that would not fit are left out and counted in a
//! last line named `(omitted)` (no header can have that name: parentheses are not token
//! characters). The last 2 KiB are kept for short lines (up to 256 bytes), so `Host`,
//! `User-Agent`, `Content-Type` or a request id survive big headers in any order (actix-web
//! hands headers over in hash order). `traceparent`, `tracestate`, `baggage` and `sentry-trace` are never copied:
//! the event's trace context says what they carried, and a `baggage` may be 8 KB on its own.
//!
//! The copy is made for every request (an event may be captured at any time during it),
//! in the one pass that also picks out the headers the lifecycle reads
//! ([`KnownHeaders`](crate::http::request_headers::KnownHeaders)), into one buffer sized
//! for the usual request.

use std::io::Write;

use crate::names::{BAGGAGE_HEADER, SENTRY_TRACE_HEADER, TRACEPARENT_HEADER, TRACESTATE_HEADER};

/// The bytes of a request header's value kept in Sentry's request data.
pub const MAX_HEADER_VALUE_LEN: usize = 2 * 1024;
/// The bytes of all request headers kept in Sentry's request data, counted as
/// `name: value\n` per line.
pub const MAX_HEADERS_LEN: usize = 16 * 1024;

/// A line this long or shorter may use the room kept for short lines.
const SHORT_LINE_LEN: usize = 256;
/// The room at the end of the copy that only short lines may use.
const SHORT_LINES_ROOM: usize = 2 * 1024;

/// Marks a value cut at [`MAX_HEADER_VALUE_LEN`].
const TRUNCATED: &str = "…";
/// The name of the line that counts the lines left out.
const OMITTED: &str = "(omitted)";
/// At least the length of the `(omitted)` line.
#[cfg(test)]
const OMITTED_LINE_LEN: usize = 96;

/// Which lines the copy keeps and how long it gets, counted line by line as the copy is
/// written.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct CopyBudget {
    len: usize,
    omitted: usize,
}

impl CopyBudget {
    /// Counts one header line: the length of the value the copy keeps, or `None` when
    /// the line is not copied.
    #[cfg(test)]
    fn admit(&mut self, name: &str, value: &[u8]) -> Option<usize> {
        if is_trace_header(name) {
            return None;
        }
        self.admit_other(name, value)
    }

    /// Counts one line of a header that is not a trace header: the length of the value the
    /// copy keeps, or `None` when the caps leave the line out.
    fn admit_other(&mut self, name: &str, value: &[u8]) -> Option<usize> {
        let kept = kept_len(value);
        let marker = if kept < value.len() {
            TRUNCATED.len()
        } else {
            0
        };
        let line = name.len() + 2 + kept + marker + 1;
        let room = if line <= SHORT_LINE_LEN {
            MAX_HEADERS_LEN
        } else {
            MAX_HEADERS_LEN - SHORT_LINES_ROOM
        };
        if self.len + line > room {
            self.omitted += 1;
            return None;
        }
        self.len += line;
        Some(kept)
    }

    /// The length of the copy so far (exact for UTF-8 values without line breaks), with room
    /// for the `(omitted)` line: what the caps bound.
    #[cfg(test)]
    fn copy_len(&self) -> usize {
        self.len
            + if self.omitted > 0 {
                OMITTED_LINE_LEN
            } else {
                0
            }
    }
}

/// The capacity a copy starts with: a usual request's headers fit, a bigger one grows it.
const INITIAL_CAPACITY: usize = 512;

/// The copy being made, one header line at a time, in the order the lines came.
pub(crate) struct HeaderCopy {
    out: Vec<u8>,
    budget: CopyBudget,
}

impl HeaderCopy {
    pub(crate) fn new() -> Self {
        HeaderCopy {
            out: Vec::with_capacity(INITIAL_CAPACITY),
            budget: CopyBudget::default(),
        }
    }

    /// Copies one line of a header that is not a trace header (the caller has compared
    /// the name already), unless the caps leave it out.
    pub(crate) fn push_other(&mut self, name: &str, value: &[u8]) {
        debug_assert!(!is_trace_header(name), "{name} is never copied");
        if let Some(kept) = self.budget.admit_other(name, value) {
            push_header_line(&mut self.out, name, &value[..kept], kept < value.len());
        }
    }

    /// The header lines, as `name: value\n`, and the line counting those left out.
    pub(crate) fn finish(mut self) -> String {
        if self.budget.omitted > 0 {
            // Writing to a Vec cannot fail.
            let _ = writeln!(
                self.out,
                "{OMITTED}: {} header lines over the {MAX_HEADERS_LEN}-byte cap",
                self.budget.omitted
            );
        }
        // Only text was written: checked once here rather than per line.
        String::from_utf8(self.out)
            .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned())
    }
}

/// Whether `name` (lowercase) is a trace header, never copied.
fn is_trace_header(name: &str) -> bool {
    matches!(
        name,
        TRACEPARENT_HEADER | TRACESTATE_HEADER | BAGGAGE_HEADER | SENTRY_TRACE_HEADER
    )
}

/// How much of `value` the copy keeps: all of it, or [`MAX_HEADER_VALUE_LEN`] bytes backed off to
/// the start of a UTF-8 character.
fn kept_len(value: &[u8]) -> usize {
    if value.len() <= MAX_HEADER_VALUE_LEN {
        return value.len();
    }
    let mut cut = MAX_HEADER_VALUE_LEN;
    // A continuation byte is 0b10xx_xxxx; a character has at most three.
    while cut > MAX_HEADER_VALUE_LEN - 3 && value[cut] & 0xc0 == 0x80 {
        cut -= 1;
    }
    cut
}

/// Appends `name: value\n` for one header line, replacing what is not UTF-8, and `…` after
/// a `truncated` value.
fn push_header_line(out: &mut Vec<u8>, name: &str, value: &[u8], truncated: bool) {
    out.reserve(name.len() + 2 + value.len() + TRUNCATED.len() + 1);
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    // Header values hold no line breaks (the `http` crates refuse them); a value from
    // elsewhere that does is not allowed to split the line. One pass without an early
    // exit, which the compiler vectorizes, for the usual ASCII value.
    let unusual = value.iter().fold(false, |unusual, &byte| {
        unusual | !byte.is_ascii() | (byte == b'\n') | (byte == b'\r')
    });
    if !unusual {
        out.extend_from_slice(value);
    } else {
        let text = String::from_utf8_lossy(value).replace(['\r', '\n'], " ");
        out.extend_from_slice(text.as_bytes());
    }
    if truncated {
        out.extend_from_slice(TRUNCATED.as_bytes());
    }
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_value_is_cut_at_a_character_boundary() {
        let ascii = vec![b'a'; MAX_HEADER_VALUE_LEN + 10];
        assert_eq!(kept_len(&ascii), MAX_HEADER_VALUE_LEN);
        // 'é' is two bytes: the cap falls inside one of them when the value starts odd.
        let mut accented = vec![b'x'];
        accented.extend("é".repeat(MAX_HEADER_VALUE_LEN).as_bytes());
        let kept = kept_len(&accented);
        assert!(std::str::from_utf8(&accented[..kept]).is_ok());
        assert_eq!(kept, MAX_HEADER_VALUE_LEN - 1);
        assert_eq!(kept_len(b"short"), 5);
    }

    #[test]
    fn the_budget_leaves_out_trace_headers_and_what_does_not_fit() {
        let mut budget = CopyBudget::default();
        assert_eq!(budget.admit("baggage", b"k=v"), None);
        assert_eq!(budget.admit("traceparent", b"00-..."), None);
        assert_eq!(budget.admit("accept", b"*/*"), Some(3));
        assert_eq!(budget.copy_len(), "accept: */*\n".len());
        let big = vec![b'v'; 3 * MAX_HEADER_VALUE_LEN];
        let mut kept = 0;
        for _ in 0..20 {
            kept += usize::from(budget.admit("x-big", &big).is_some());
        }
        assert_eq!(
            kept,
            (MAX_HEADERS_LEN - SHORT_LINES_ROOM - 12)
                / ("x-big: ".len() + MAX_HEADER_VALUE_LEN + 4)
        );
        assert_eq!(budget.omitted, 20 - kept);
        // Short lines still fit after the big ones.
        assert_eq!(budget.admit("host", b"shop.example"), Some(12));
        assert!(budget.copy_len() <= MAX_HEADERS_LEN + OMITTED_LINE_LEN);
        let note = format!(
            "{OMITTED}: {} header lines over the {MAX_HEADERS_LEN}-byte cap\n",
            usize::MAX
        );
        assert!(note.len() <= OMITTED_LINE_LEN);
    }

    #[test]
    fn the_copy_is_made_in_the_pass_that_picks_the_known_headers() {
        use crate::http::header_carrier::HeaderCarrier;
        use crate::http::request_headers::KnownHeaders;

        let mut headers = http::HeaderMap::new();
        headers.append("host", http::HeaderValue::from_static("shop.example"));
        headers.append(
            "traceparent",
            http::HeaderValue::from_static(
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            ),
        );
        headers.append(
            "x-bytes",
            http::HeaderValue::from_bytes(b"caf\xe9").unwrap(),
        );
        headers.append("baggage", http::HeaderValue::from_static("k=v"));
        headers.append("accept", http::HeaderValue::from_static("*/*"));
        let carrier = HeaderCarrier(&headers);
        let known = KnownHeaders::collect(&carrier, true);
        assert_eq!(known.host, Some("shop.example"));
        assert_eq!(
            known.copy.map(HeaderCopy::finish).as_deref(),
            Some("host: shop.example\nx-bytes: caf\u{fffd}\naccept: */*\n")
        );
        assert!(KnownHeaders::collect(&carrier, false).copy.is_none());
    }
}
