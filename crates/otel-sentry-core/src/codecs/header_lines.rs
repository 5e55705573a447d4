//! Reading a header that may arrive as several lines.
//!
//! Every codec reads through [`Extractor::get_all`]: HTTP lets a sender split a header
//! into several lines, and a second `traceparent` line must be seen to be rejected.
//!
//! Duplicates can only be seen if the extractor reports them. opentelemetry-http's
//! `HeaderExtractor` reports every line but silently skips lines that are not visible
//! ASCII, and the `HashMap` extractor holds one value per name; the framework adapters of
//! this project read the request's header map directly for that reason.

use std::ops::Deref;

use opentelemetry::propagation::Extractor;

/// How many lines of one header are kept without allocating.
pub(crate) const INLINE_LINES: usize = 4;

/// The lines of one header: a few kept inline, more in a vector.
pub(crate) enum Lines<'a> {
    Few {
        lines: [&'a str; INLINE_LINES],
        len: usize,
    },
    Many(Vec<&'a str>),
}

impl<'a> Deref for Lines<'a> {
    type Target = [&'a str];

    fn deref(&self) -> &[&'a str] {
        match self {
            Lines::Few { lines, len } => &lines[..*len],
            Lines::Many(lines) => lines,
        }
    }
}

impl Default for Lines<'_> {
    fn default() -> Self {
        Lines::Few {
            lines: [""; INLINE_LINES],
            len: 0,
        }
    }
}

/// Where the codecs read header lines from: an [`Extractor`], or the lines a request's
/// headers were scanned for once.
pub(crate) trait HeaderSource {
    /// All lines of header `name` (lowercase), in order.
    fn lines(&self, name: &str) -> Lines<'_>;
}

impl HeaderSource for &dyn Extractor {
    fn lines(&self, name: &str) -> Lines<'_> {
        Lines::Many(get_all(*self, name))
    }
}

/// The one line of `lines`: `Ok(None)` when there is none, `Err(count)` for several.
pub(crate) fn single<'a>(lines: &[&'a str]) -> Result<Option<&'a str>, usize> {
    match lines {
        [] => Ok(None),
        [line] => Ok(Some(line)),
        lines => Err(lines.len()),
    }
}

/// All lines of header `name`, in order; empty when it is absent.
pub(crate) fn get_all<'a>(extractor: &'a dyn Extractor, name: &str) -> Vec<&'a str> {
    extractor.get_all(name).unwrap_or_default()
}

/// HTTP optional whitespace (space and horizontal tab) around a value or list member.
///
/// A byte loop: `str::trim_matches` with a char set costs several times more, and this runs
/// for every member of every list header.
#[inline]
pub(crate) fn trim_ows(value: &str) -> &str {
    let is_ows = |byte: &u8| *byte == b' ' || *byte == b'\t';
    let bytes = value.as_bytes();
    let start = bytes.iter().position(|b| !is_ows(b)).unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !is_ows(b))
        .map_or(start, |last| last + 1);
    // Both ends sit next to ASCII bytes, so they are character boundaries.
    value.get(start..end).unwrap_or_default()
}

/// The members of a comma-separated list spread over `lines`, each trimmed of optional
/// whitespace, empty members included.
///
/// Joining the lines with commas (RFC 9110 §5.3) and splitting the result gives the same
/// members, without building the joined string.
pub(crate) fn list_members<'a>(lines: &'a [&'a str]) -> ListMembers<'a> {
    ListMembers {
        lines: lines.iter(),
        rest: None,
    }
}

/// The iterator of [`list_members`]: a plain byte scan, cheaper than `split` on the short
/// members these headers hold.
pub(crate) struct ListMembers<'a> {
    lines: std::slice::Iter<'a, &'a str>,
    rest: Option<&'a str>,
}

impl<'a> Iterator for ListMembers<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = match self.rest.take() {
            Some(rest) => rest,
            None => self.lines.next()?,
        };
        match rest.bytes().position(|byte| byte == b',') {
            Some(comma) => {
                self.rest = rest.get(comma + 1..);
                Some(trim_ows(rest.get(..comma).unwrap_or_default()))
            }
            None => Some(trim_ows(rest)),
        }
    }
}
