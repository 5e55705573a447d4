//! `url.full` of a client span: the URL without credentials and with the values of
//! sensitive query parameters redacted (see [`query_redaction`](crate::http::query_redaction)),
//! as the HTTP conventions ask (`https://REDACTED:REDACTED@example.com/?sig=REDACTED`).
//!
//! It works on the text, so any client's URL type will do.

use std::borrow::Cow;

use crate::http::query_redaction::SensitiveQueryParams;

const REDACTED_USERINFO: &str = "REDACTED:REDACTED";

/// `url` with its user information replaced and its sensitive query values redacted;
/// borrowed when nothing needed either.
pub(crate) fn redacted_url<'u>(url: &'u str, sensitive: &SensitiveQueryParams) -> Cow<'u, str> {
    let (before_fragment, fragment) = match url.split_once('#') {
        Some((before, fragment)) => (before, Some(fragment)),
        None => (url, None),
    };
    let (before_query, query) = match before_fragment.split_once('?') {
        Some((before, query)) => (before, Some(query)),
        None => (before_fragment, None),
    };
    let userinfo = userinfo_range(before_query);
    let redacted_query = query.map(|query| sensitive.redact(query));
    let query_changed = matches!(redacted_query, Some(Cow::Owned(_)));
    if userinfo.is_none() && !query_changed {
        return Cow::Borrowed(url);
    }

    let mut out = String::with_capacity(url.len() + REDACTED_USERINFO.len());
    match userinfo {
        Some((start, end)) => {
            out.push_str(&before_query[..start]);
            out.push_str(REDACTED_USERINFO);
            out.push_str(&before_query[end..]);
        }
        None => out.push_str(before_query),
    }
    if let Some(query) = redacted_query {
        out.push('?');
        out.push_str(&query);
    }
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    Cow::Owned(out)
}

/// The byte range of the user information (before the authority's last `@`), if any.
fn userinfo_range(before_query: &str) -> Option<(usize, usize)> {
    let start = before_query.find("://")? + 3;
    let authority = &before_query[start..];
    let authority_len = authority.find('/').unwrap_or(authority.len());
    let at = authority[..authority_len].rfind('@')?;
    Some((start, start + at))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redacted(url: &str) -> String {
        redacted_url(url, &SensitiveQueryParams::standard()).into_owned()
    }

    #[test]
    fn a_plain_url_is_borrowed() {
        let params = SensitiveQueryParams::standard();
        let url = "http://127.0.0.1:8080/orders/7?page=2#top";
        assert!(matches!(redacted_url(url, &params), Cow::Borrowed(_)));
    }

    #[test]
    fn credentials_are_replaced_whatever_their_form() {
        assert_eq!(
            redacted("https://alice:s3cret@example.com/a"),
            "https://REDACTED:REDACTED@example.com/a"
        );
        assert_eq!(
            redacted("https://alice@example.com"),
            "https://REDACTED:REDACTED@example.com"
        );
        // An `@` in the path is not user information.
        assert_eq!(
            redacted("https://example.com/users/@alice"),
            "https://example.com/users/@alice"
        );
    }

    #[test]
    fn sensitive_query_values_are_redacted_and_the_fragment_kept() {
        assert_eq!(
            redacted("https://u:p@s3.example.com/o?X-Amz-Signature=abc&id=1#part"),
            "https://REDACTED:REDACTED@s3.example.com/o?X-Amz-Signature=REDACTED&id=1#part"
        );
        assert_eq!(
            redacted("https://example.com/?sig=abc"),
            "https://example.com/?sig=REDACTED"
        );
    }
}
