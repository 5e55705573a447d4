//! Reading a header that may arrive as several lines.
//!
//! Every codec reads through [`Extractor::get_all`]: HTTP lets a sender split a header
//! into several lines, and a second `traceparent` line must be seen to be rejected.

use opentelemetry::propagation::Extractor;

/// All lines of header `name`, in order; empty when it is absent.
pub(crate) fn get_all<'a>(extractor: &'a dyn Extractor, name: &str) -> Vec<&'a str> {
    extractor.get_all(name).unwrap_or_default()
}

/// HTTP optional whitespace (space and horizontal tab) around a value or list member.
#[inline]
pub(crate) fn trim_ows(value: &str) -> &str {
    value.trim_matches([' ', '\t'])
}

/// The members of a comma-separated list spread over `lines`, each trimmed of optional
/// whitespace, empty members included.
///
/// Joining the lines with commas (RFC 9110 §5.3) and splitting the result gives the same
/// members, without building the joined string.
pub(crate) fn list_members<'a>(lines: &'a [&'a str]) -> impl Iterator<Item = &'a str> + 'a {
    lines.iter().flat_map(|line| line.split(',')).map(trim_ows)
}
