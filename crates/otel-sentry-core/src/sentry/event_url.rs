//! The URL of a request as Sentry's request data holds it: a parsed `Url`.
//!
//! Parsing the whole URL for every event costs most of the event's request data (the
//! host's parsing alone is about a thousand instructions), and a service answers on few
//! hosts: the `scheme://host:port/` part is parsed once per host and kept, and each event's
//! URL is a copy of it with the path and query set. Setting them runs the parser's own path
//! and query steps, so the result is the URL parsing the whole text gives; a path or query
//! holding `?` or `#` (which would end it in the text) is parsed whole instead. At most
//! [`MAX_BASES`] hosts are kept (a caller's `Host` chooses them); others are parsed whole.

use std::fmt::Write as _;
use std::sync::Mutex;

use sentry_core::protocol::Url;

/// The most hosts whose base URL is kept.
const MAX_BASES: usize = 16;

/// A kept base URL, by what it is made of.
struct Base {
    scheme: &'static str,
    authority: Box<str>,
    port: Option<u16>,
    url: Url,
}

static BASES: Mutex<Vec<Base>> = Mutex::new(Vec::new());

/// The URL of a request to `authority` (a host; an IPv6 address bare) on `port` (none for
/// the scheme's default) with `path` and `query`; `None` when it does not parse.
pub(crate) fn event_url(
    scheme: &'static str,
    authority: &str,
    port: Option<u16>,
    path: &str,
    query: Option<&str>,
) -> Option<Url> {
    let whole_text_needed =
        path.contains(['?', '#']) || query.is_some_and(|query| query.contains('#'));
    if whole_text_needed {
        return parse_whole(scheme, authority, port, path, query);
    }
    let mut url = base(scheme, authority, port)?;
    url.set_path(path);
    url.set_query(query);
    Some(url)
}

/// The kept base for the host, made now when there is room.
fn base(scheme: &'static str, authority: &str, port: Option<u16>) -> Option<Url> {
    let Ok(mut bases) = BASES.lock() else {
        return parse_whole(scheme, authority, port, "/", None);
    };
    if let Some(base) = bases
        .iter()
        .find(|base| base.scheme == scheme && base.port == port && *base.authority == *authority)
    {
        return Some(base.url.clone());
    }
    let url = parse_whole(scheme, authority, port, "/", None)?;
    if bases.len() < MAX_BASES {
        bases.push(Base {
            scheme,
            authority: authority.into(),
            port,
            url: url.clone(),
        });
    }
    Some(url)
}

/// The URL parsed from its whole text.
fn parse_whole(
    scheme: &'static str,
    authority: &str,
    port: Option<u16>,
    path: &str,
    query: Option<&str>,
) -> Option<Url> {
    // `[v6]:port` and `:65535` at most.
    let mut text = String::with_capacity(
        scheme.len() + 3 + authority.len() + 8 + path.len() + query.map_or(0, |q| q.len() + 1),
    );
    text.push_str(scheme);
    text.push_str("://");
    // `server.address` holds an IPv6 address bare; a URL brackets it.
    if authority.contains(':') {
        text.push('[');
        text.push_str(authority);
        text.push(']');
    } else {
        text.push_str(authority);
    }
    if let Some(port) = port {
        // Writing to a String cannot fail.
        let _ = write!(text, ":{port}");
    }
    text.push_str(path);
    if let Some(query) = query {
        text.push('?');
        text.push_str(query);
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_from_the_kept_base_is_the_url_the_whole_text_parses_to() {
        let paths = [
            "/",
            "/fail",
            "/users/7/",
            "/a/./b/../c",
            "/%7Euser/caf%C3%A9",
            "/café/ü",
            "/sp ace",
            "/back\\slash",
            "//double",
            "/q?in-path",
            "/frag#ment",
            "/pipe|and^caret`",
        ];
        let queries = [
            None,
            Some(""),
            Some("a=1&b=2"),
            Some("token=REDACTED&x=%20y"),
            Some("sp ace=ü&'quote'"),
            Some("h#sh"),
        ];
        for (scheme, authority, port) in [
            ("http", "example.com", None),
            ("https", "shop.example", Some(8443)),
            ("http", "127.0.0.1", Some(41727)),
            ("http", "::1", Some(8080)),
            ("http", "EXAMPLE.com", None),
        ] {
            for path in paths {
                for query in queries {
                    assert_eq!(
                        event_url(scheme, authority, port, path, query).map(String::from),
                        parse_whole(scheme, authority, port, path, query).map(String::from),
                        "{scheme} {authority} {port:?} {path} {query:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_host_that_does_not_parse_gives_no_url() {
        assert_eq!(event_url("http", "bad host", None, "/", None), None);
        assert_eq!(event_url("http", "a b", Some(80), "/x", Some("q")), None);
    }

    #[test]
    fn hosts_beyond_the_kept_ones_are_parsed_whole() {
        for i in 0..(MAX_BASES + 8) {
            let host = format!("host-{i}.example");
            assert_eq!(
                event_url("http", &host, None, "/p", Some("a=1")).map(String::from),
                Some(format!("http://{host}/p?a=1"))
            );
        }
        assert!(BASES.lock().unwrap().len() <= MAX_BASES);
    }
}
