//! `url.query` with the values of sensitive parameters replaced by `REDACTED`.
//!
//! The default names are the conventions' own list (`AWSAccessKeyId`, `Signature`, `sig`,
//! `X-Goog-Signature`) and the other signed-URL credentials of the big clouds. Names are
//! compared percent-decoded and without regard to case, as servers read them: redacting
//! too much is harmless, too little is a leak.

use std::borrow::Cow;
use std::sync::Arc;

use percent_encoding::percent_decode_str;

/// The names redacted by default.
pub const DEFAULT_SENSITIVE_QUERY_PARAMS: [&str; 7] = [
    "AWSAccessKeyId",
    "Signature",
    "sig",
    "X-Goog-Signature",
    "X-Amz-Signature",
    "X-Amz-Credential",
    "X-Amz-Security-Token",
];

const REDACTED: &str = "REDACTED";

/// Query parameters whose values never reach a span or Sentry.
#[derive(Clone, Debug)]
pub struct SensitiveQueryParams(Arc<[Box<str>]>);

impl SensitiveQueryParams {
    /// The default list, [`DEFAULT_SENSITIVE_QUERY_PARAMS`].
    pub fn standard() -> Self {
        Self::exactly(DEFAULT_SENSITIVE_QUERY_PARAMS)
    }

    /// Exactly these names.
    pub fn exactly<I, N>(names: I) -> Self
    where
        I: IntoIterator<Item = N>,
        N: Into<String>,
    {
        SensitiveQueryParams(
            names
                .into_iter()
                .map(|name| name.into().into_boxed_str())
                .collect(),
        )
    }

    fn is_sensitive(&self, name: &str) -> bool {
        let name = percent_decode_str(name).decode_utf8_lossy();
        self.0
            .iter()
            .any(|sensitive| sensitive.eq_ignore_ascii_case(&name))
    }

    /// `query` with sensitive values replaced; borrowed when nothing needed replacing.
    pub fn redact<'q>(&self, query: &'q str) -> Cow<'q, str> {
        let needs_redaction = query.split('&').any(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            !value.is_empty() && self.is_sensitive(name)
        });
        if !needs_redaction {
            return Cow::Borrowed(query);
        }
        let mut out = String::with_capacity(query.len());
        for (i, pair) in query.split('&').enumerate() {
            if i > 0 {
                out.push('&');
            }
            match pair.split_once('=') {
                Some((name, value)) if !value.is_empty() && self.is_sensitive(name) => {
                    out.push_str(name);
                    out.push('=');
                    out.push_str(REDACTED);
                }
                _ => out.push_str(pair),
            }
        }
        Cow::Owned(out)
    }
}

impl Default for SensitiveQueryParams {
    fn default() -> Self {
        Self::standard()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_values_are_redacted_and_the_rest_kept() {
        let params = SensitiveQueryParams::standard();
        assert_eq!(
            params.redact("id=7&X-Amz-Signature=abc&sig=def&page=2"),
            "id=7&X-Amz-Signature=REDACTED&sig=REDACTED&page=2"
        );
        assert_eq!(params.redact("SIGNATURE=abc"), "SIGNATURE=REDACTED");
    }

    #[test]
    fn percent_encoded_names_are_redacted_too() {
        let params = SensitiveQueryParams::standard();
        assert_eq!(
            params.redact("%73ig=abc&X%2DAmz%2DSignature=def"),
            "%73ig=REDACTED&X%2DAmz%2DSignature=REDACTED"
        );
    }

    #[test]
    fn a_query_without_secrets_is_borrowed() {
        let params = SensitiveQueryParams::standard();
        assert!(matches!(
            params.redact("id=7&sig="),
            Cow::Borrowed("id=7&sig=")
        ));
    }
}
