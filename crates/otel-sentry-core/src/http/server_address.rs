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
        // Keep the brackets' content: `server.address` holds the bare IPv6 address.
        (inner, port)
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let valid_host = !host.is_empty() && host.bytes().all(|b| HOST_CHARS[usize::from(b)]);
    if !valid_host {
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
}
