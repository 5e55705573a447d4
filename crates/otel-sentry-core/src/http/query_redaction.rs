//! `url.query` with the values of sensitive parameters replaced by `REDACTED`, on spans
//! and in the Sentry events of the request alike.
//!
//! Two lists by default:
//!
//! - the HTTP conventions' names (`AWSAccessKeyId`, `Signature`, `sig`, `X-Goog-Signature`)
//!   and the other signed-URL credentials of the big clouds, [`DEFAULT_SENSITIVE_QUERY_PARAMS`],
//!   matched as whole names: `sig` must not catch `signup`;
//! - Sentry's data-scrubbing denylist, [`SENTRY_SENSITIVE_QUERY_WORDS`], matched as words
//!   anywhere in a name, as Sentry's server-side scrubbing matches keys: `access_token`,
//!   `X-Api-Key`, `new_password` are all caught (and, harmlessly, `author`).
//!
//! Names are compared percent-decoded and without regard to ASCII case, as servers read
//! them: redacting too much is harmless, too little is a leak. Redaction does not depend
//! on Sentry's `send_default_pii`: the span has no such switch, and the event shows the
//! span's query.
//!
//! It runs for every request with a query: it scans in place, and allocates only when a
//! value is replaced.

use std::borrow::Cow;
use std::sync::Arc;

use percent_encoding::percent_decode_str;

/// The names redacted by default, compared whole.
pub const DEFAULT_SENSITIVE_QUERY_PARAMS: [&str; 7] = [
    "AWSAccessKeyId",
    "Signature",
    "sig",
    "X-Goog-Signature",
    "X-Amz-Signature",
    "X-Amz-Credential",
    "X-Amz-Security-Token",
];

/// Words that make a parameter sensitive by default wherever they appear in its name:
/// Sentry's denylist.
///
/// From Relay's `PASSWORD_KEY_REGEX` (relay-pii `regexes.rs`: password, secret, passwd,
/// api_key, apikey, auth, credentials, mysql_pwd, privatekey, private_key, token; an
/// unanchored, case-insensitive pattern, hence "anywhere in the name") and sentry-python's
/// `DEFAULT_DENYLIST` (`sentry_sdk/scrubber.py`, "stolen from relay", adding session,
/// cookie, the CSRF names and the client-address keys), each kept once: `sessionid`,
/// `csrftoken`, `x_api_key`, `authorization` and the like contain a shorter word here.
/// Added: `api-key`, the spelling of the header names. Left out: Relay's newer `otp`, which
/// as a word inside names matches too much (`footprint`).
pub const SENTRY_SENSITIVE_QUERY_WORDS: [&str; 23] = [
    "api_key",
    "apikey",
    "api-key",
    "auth",
    "connect.sid",
    "cookie",
    "credentials",
    "csrf",
    "ip_address",
    "mysql_pwd",
    "passwd",
    "password",
    "phpsessid",
    "private_key",
    "privatekey",
    "remote_addr",
    "secret",
    "session",
    "symfony",
    "token",
    "x_forwarded_for",
    "x_real_ip",
    "xsrf",
];

/// [`SENTRY_SENSITIVE_QUERY_WORDS`] by their first letter (lowercase): a name is compared
/// only where a word could start.
fn words_starting_with(letter: u8) -> &'static [&'static str] {
    match letter {
        b'a' => &["api_key", "apikey", "api-key", "auth"],
        b'c' => &["connect.sid", "cookie", "credentials", "csrf"],
        b'i' => &["ip_address"],
        b'm' => &["mysql_pwd"],
        b'p' => &[
            "passwd",
            "password",
            "phpsessid",
            "private_key",
            "privatekey",
        ],
        b'r' => &["remote_addr"],
        b's' => &["secret", "session", "symfony"],
        b't' => &["token"],
        b'x' => &["x_forwarded_for", "x_real_ip", "xsrf"],
        _ => &[],
    }
}

/// Whether `name` contains one of [`SENTRY_SENSITIVE_QUERY_WORDS`], ignoring ASCII case.
fn contains_sentry_word(name: &[u8]) -> bool {
    (0..name.len()).any(|at| {
        let rest = &name[at..];
        words_starting_with(rest[0].to_ascii_lowercase())
            .iter()
            .any(|word| {
                rest.get(..word.len())
                    .is_some_and(|start| start.eq_ignore_ascii_case(word.as_bytes()))
            })
    })
}

const REDACTED: &str = "REDACTED";

/// Query parameters whose values never reach a span or Sentry.
#[derive(Clone, Debug)]
pub struct SensitiveQueryParams {
    /// Compared whole.
    names: Arc<[Box<str>]>,
    /// Whether a name containing one of [`SENTRY_SENSITIVE_QUERY_WORDS`] is sensitive too.
    sentry_words: bool,
}

impl SensitiveQueryParams {
    /// The default: the names of [`DEFAULT_SENSITIVE_QUERY_PARAMS`], and every name
    /// containing one of [`SENTRY_SENSITIVE_QUERY_WORDS`].
    pub fn standard() -> Self {
        SensitiveQueryParams {
            sentry_words: true,
            ..Self::exactly(DEFAULT_SENSITIVE_QUERY_PARAMS)
        }
    }

    /// Exactly these names, compared whole (percent-decoded, ignoring ASCII case); no
    /// words.
    pub fn exactly<I, N>(names: I) -> Self
    where
        I: IntoIterator<Item = N>,
        N: Into<String>,
    {
        SensitiveQueryParams {
            names: names
                .into_iter()
                .map(|name| name.into().into_boxed_str())
                .collect(),
            sentry_words: false,
        }
    }

    fn is_sensitive(&self, name: &str) -> bool {
        // Borrowed unless the name has percent-escapes.
        let name = percent_decode_str(name).decode_utf8_lossy();
        self.names
            .iter()
            .any(|sensitive| sensitive.eq_ignore_ascii_case(&name))
            || (self.sentry_words && contains_sentry_word(name.as_bytes()))
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
            params.redact("%73ig=abc&X%2DAmz%2DSignature=def&pass%77ord=x"),
            "%73ig=REDACTED&X%2DAmz%2DSignature=REDACTED&pass%77ord=REDACTED"
        );
    }

    #[test]
    fn a_query_without_secrets_is_borrowed() {
        let params = SensitiveQueryParams::standard();
        assert!(matches!(
            params.redact("id=7&sig=&page=2&signup=yes&design=flat"),
            Cow::Borrowed("id=7&sig=&page=2&signup=yes&design=flat")
        ));
    }

    #[test]
    fn sentry_words_match_anywhere_in_a_name_ignoring_case() {
        let params = SensitiveQueryParams::standard();
        assert_eq!(
            params.redact(
                "token=a&password=b&access_token=c&X-Api-Key=d&apiKey=e&client_secret=f\
                 &sessionid=g&PHPSESSID=h&csrfmiddlewaretoken=i&Authorization=j&q=k"
            ),
            "token=REDACTED&password=REDACTED&access_token=REDACTED&X-Api-Key=REDACTED\
             &apiKey=REDACTED&client_secret=REDACTED&sessionid=REDACTED&PHPSESSID=REDACTED\
             &csrfmiddlewaretoken=REDACTED&Authorization=REDACTED&q=k"
        );
    }

    #[test]
    fn an_exact_list_replaces_both_defaults() {
        let params = SensitiveQueryParams::exactly(["code"]);
        assert_eq!(
            params.redact("code=1&token=2&sig=3&my_code=4"),
            "code=REDACTED&token=2&sig=3&my_code=4"
        );
    }

    /// The rule written the plain way.
    fn reference(name: &str) -> bool {
        let name = name.to_ascii_lowercase();
        SENTRY_SENSITIVE_QUERY_WORDS
            .iter()
            .any(|word| name.contains(word))
    }

    #[test]
    fn the_letter_table_holds_exactly_the_listed_words() {
        let mut tabled: Vec<&str> = (0..=u8::MAX)
            .flat_map(|letter| words_starting_with(letter).iter().copied())
            .collect();
        tabled.sort_unstable();
        let mut listed = SENTRY_SENSITIVE_QUERY_WORDS.to_vec();
        listed.sort_unstable();
        assert_eq!(tabled, listed);
        for word in SENTRY_SENSITIVE_QUERY_WORDS {
            assert_eq!(word, word.to_ascii_lowercase());
            assert!(contains_sentry_word(word.to_ascii_uppercase().as_bytes()));
        }
        for name in [
            "",
            "a",
            "au",
            "xauthx",
            "tok",
            "TOKEN",
            "page",
            "id",
            "x_real",
            "connect.si",
        ] {
            assert_eq!(
                contains_sentry_word(name.as_bytes()),
                reference(name),
                "{name}"
            );
        }
    }
}
