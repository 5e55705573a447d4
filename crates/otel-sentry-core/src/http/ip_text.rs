//! An IP address as text, as `client.address` and `server.address` record it.

/// An address as text in one exact allocation: `to_string` grows its buffer as it writes,
/// and the attribute value would shrink it once more.
pub(crate) fn ip_string(ip: std::net::IpAddr) -> String {
    use std::fmt::Write;

    /// The longest form, an IPv4-mapped IPv6 address, has 45 characters.
    struct Text {
        bytes: [u8; 45],
        len: usize,
    }

    impl Write for Text {
        fn write_str(&mut self, part: &str) -> std::fmt::Result {
            let end = self.len + part.len();
            self.bytes
                .get_mut(self.len..end)
                .ok_or(std::fmt::Error)?
                .copy_from_slice(part.as_bytes());
            self.len = end;
            Ok(())
        }
    }

    let mut text = Text {
        bytes: [0; 45],
        len: 0,
    };
    let written = match ip {
        // The common case, without the formatting machinery.
        std::net::IpAddr::V4(v4) => {
            for (i, octet) in v4.octets().into_iter().enumerate() {
                if i > 0 {
                    text.bytes[text.len] = b'.';
                    text.len += 1;
                }
                let digits = [octet / 100, octet / 10 % 10, octet % 10];
                let skip = if octet >= 100 {
                    0
                } else if octet >= 10 {
                    1
                } else {
                    2
                };
                for digit in &digits[skip..] {
                    text.bytes[text.len] = b'0' + digit;
                    text.len += 1;
                }
            }
            Ok(())
        }
        std::net::IpAddr::V6(_) => write!(text, "{ip}"),
    };
    match written {
        Ok(()) => String::from_utf8_lossy(&text.bytes[..text.len]).into_owned(),
        Err(_) => ip.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_written_as_their_display() {
        for ip in [
            "0.0.0.0",
            "127.0.0.1",
            "10.20.100.255",
            "255.255.255.255",
            "::1",
            "2001:db8::ff00:42:8329",
            "::ffff:192.0.2.1",
        ] {
            let ip: std::net::IpAddr = ip.parse().unwrap();
            assert_eq!(ip_string(ip), ip.to_string());
        }
    }
}
