//! The request method as the HTTP semantic conventions record it.
//!
//! A method is either one of the known methods, recorded as is, or `_OTHER`, with the
//! original in `http.request.method_original`; the span of an `_OTHER` request is named
//! `HTTP`. Matching is exact: methods are case-sensitive, so `get` is not `GET`.

use std::sync::Arc;

use opentelemetry::StringValue;

/// The methods the conventions know by default: RFC 9110's, `PATCH` and `QUERY`.
pub const DEFAULT_KNOWN_METHODS: [&str; 10] = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "QUERY",
];

/// The longest `http.request.method_original` kept: a method is a client's word.
const MAX_ORIGINAL_LEN: usize = 64;

/// `text` cut to at most `max` bytes, on a character boundary.
fn truncate(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The set of methods recorded by name; others are `_OTHER`.
#[derive(Clone, Debug)]
pub struct KnownMethods(Arc<[StringValue]>);

impl KnownMethods {
    /// The conventions' default set, [`DEFAULT_KNOWN_METHODS`].
    pub fn standard() -> Self {
        KnownMethods(
            DEFAULT_KNOWN_METHODS
                .iter()
                .map(|m| StringValue::from(*m))
                .collect(),
        )
    }

    /// Exactly `methods`, replacing the default set (as the conventions require of an
    /// override).
    pub fn exactly<I, M>(methods: I) -> Self
    where
        I: IntoIterator<Item = M>,
        M: Into<String>,
    {
        KnownMethods(
            methods
                .into_iter()
                .map(|method| StringValue::from(Arc::<str>::from(method.into())))
                .collect(),
        )
    }

    /// How `method` is recorded.
    pub(crate) fn classify(&self, method: &str) -> RecordedMethod {
        match self.0.iter().find(|known| known.as_str() == method) {
            // A clone of a static or shared string: no allocation per request.
            Some(known) => RecordedMethod::Known(known.clone()),
            None => RecordedMethod::Other {
                original: truncate(method, MAX_ORIGINAL_LEN).to_owned(),
            },
        }
    }
}

impl Default for KnownMethods {
    fn default() -> Self {
        Self::standard()
    }
}

/// A request method, as recorded.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum RecordedMethod {
    /// One of the known methods.
    Known(StringValue),
    /// Any other method, recorded as `_OTHER` with its original text.
    Other { original: String },
}

impl RecordedMethod {
    /// The `http.request.method` value.
    pub(crate) fn attribute(&self) -> StringValue {
        match self {
            RecordedMethod::Known(method) => method.clone(),
            RecordedMethod::Other { .. } => StringValue::from("_OTHER"),
        }
    }

    /// The method as it starts the span name: the method, or `HTTP` for `_OTHER`.
    pub(crate) fn span_name_prefix(&self) -> &str {
        match self {
            RecordedMethod::Known(method) => method.as_str(),
            RecordedMethod::Other { .. } => "HTTP",
        }
    }

    /// The method as the client sent it.
    pub(crate) fn original(&self) -> &str {
        match self {
            RecordedMethod::Known(method) => method.as_str(),
            RecordedMethod::Other { original } => original,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_methods_are_recorded_by_name() {
        let method = KnownMethods::standard().classify("PATCH");
        assert_eq!(method.attribute().as_str(), "PATCH");
        assert_eq!(method.span_name_prefix(), "PATCH");
    }

    #[test]
    fn other_methods_are_recorded_as_other_with_their_original() {
        for method in ["get", "PURGE", "FOO"] {
            let recorded = KnownMethods::standard().classify(method);
            assert_eq!(recorded.attribute().as_str(), "_OTHER");
            assert_eq!(recorded.span_name_prefix(), "HTTP");
            assert_eq!(recorded.original(), method);
        }
    }

    #[test]
    fn a_long_original_is_cut() {
        let method = "X".repeat(10_000);
        let recorded = KnownMethods::standard().classify(&method);
        assert_eq!(recorded.original().len(), MAX_ORIGINAL_LEN);
    }

    #[test]
    fn an_override_replaces_the_default_set() {
        let known = KnownMethods::exactly(["GET", "PURGE"]);
        assert_eq!(known.classify("PURGE").attribute().as_str(), "PURGE");
        assert_eq!(known.classify("POST").attribute().as_str(), "_OTHER");
    }
}
