//! `server.address` and `server.port` from a `Host` header or request authority.

/// Bytes of a host (RFC 3986 `reg-name` and IP literals), as a table: checked per byte.
const HOST_CHARS: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        table[byte] = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b':'
                    | b'%'
            );
        byte += 1;
    }
    table
};

/// A host and optional port, borrowed from `host[:port]` or `[ipv6][:port]`; `None` for
/// anything else (empty, whitespace, a bad port, userinfo).
pub(crate) fn parse_authority(authority: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (inner, after) = rest.split_once(']')?;
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':')?),
        };
        if !inner.bytes().all(|b| HOST_CHARS[usize::from(b)]) {
            return None;
        }
        // Keep the brackets' content: `server.address` holds the bare IPv6 address.
        (inner, port)
    } else {
        // One pass: every byte checked and the last `:` found. A byte no host may hold
        // after that `:` is no digit either, so the whole authority must pass the table.
        let mut valid = true;
        let mut last_colon = None;
        for (at, &byte) in authority.as_bytes().iter().enumerate() {
            valid &= HOST_CHARS[usize::from(byte)];
            if byte == b':' {
                last_colon = Some(at);
            }
        }
        if !valid {
            return None;
        }
        match last_colon {
            Some(at) => (&authority[..at], Some(&authority[at + 1..])),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return None;
    }
    let port = match port {
        None => None,
        Some(digits) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
            Some(digits.parse::<u16>().ok()?)
        }
        Some(_) => return None,
    };
    Some((host, port))
}

/// The port a scheme implies when the authority names none.
pub(crate) fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_and_port() {
        assert_eq!(
            parse_authority("shop.example:8080"),
            Some(("shop.example", Some(8080)))
        );
        assert_eq!(
            parse_authority("shop.example"),
            Some(("shop.example", None))
        );
        assert_eq!(
            parse_authority("127.0.0.1:3000"),
            Some(("127.0.0.1", Some(3000)))
        );
        assert_eq!(parse_authority("[::1]:3000"), Some(("::1", Some(3000))));
        assert_eq!(
            parse_authority("[2001:db8::1]"),
            Some(("2001:db8::1", None))
        );
    }

    #[test]
    fn malformed_authorities_are_refused() {
        for authority in [
            "",
            ":80",
            "host:",
            "host:99999",
            "host:8a",
            "ho st",
            "user@host",
            "[::1",
            "[::1]x",
        ] {
            assert_eq!(parse_authority(authority), None, "{authority:?}");
        }
    }

    /// The rule written the plain way: split at the last `:`, then check each part.
    fn reference(authority: &str) -> Option<(&str, Option<u16>)> {
        let is_host = |host: &str| host.bytes().all(|b| HOST_CHARS[usize::from(b)]);
        let (host, port) = match authority.strip_prefix('[') {
            Some(rest) => {
                let (inner, after) = rest.split_once(']')?;
                let port = match after {
                    "" => None,
                    _ => Some(after.strip_prefix(':')?),
                };
                (inner, port)
            }
            None => match authority.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            },
        };
        if host.is_empty() || !is_host(host) {
            return None;
        }
        // One to five digits naming at most 65535 (`parse` alone would take a `+`).
        let port = port
            .map(|digits| {
                let digits_only =
                    (1..=5).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit());
                digits_only
                    .then(|| u16::try_from(digits.parse::<u32>().ok()?).ok())
                    .flatten()
            })
            .map(|port| port.ok_or(()));
        match port {
            None => Some((host, None)),
            Some(Ok(port)) => Some((host, Some(port))),
            Some(Err(())) => None,
        }
    }

    #[test]
    fn the_one_pass_parse_follows_the_plain_rule() {
        let parts = [
            "", "a", "host", ":", "80", "8 0", "x", "é", "[", "]", "::1", "@", "%41", "+1", "99999",
        ];
        for first in parts {
            for second in parts {
                for third in parts {
                    let authority = format!("{first}{second}{third}");
                    assert_eq!(
                        parse_authority(&authority),
                        reference(&authority),
                        "{authority:?}"
                    );
                    let with_colon = format!("{first}:{second}{third}");
                    assert_eq!(
                        parse_authority(&with_colon),
                        reference(&with_colon),
                        "{with_colon:?}"
                    );
                }
            }
        }
    }
}
