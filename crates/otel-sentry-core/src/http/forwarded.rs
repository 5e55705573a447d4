//! Who the client is, when the request came through proxies we trust.
//!
//! By default `client.address` is the socket's peer and forwarding headers are ignored:
//! anyone can send them. When the peer is a trusted proxy, the client is found by walking
//! the forwarding chain from the right, past further trusted proxies, to the first address
//! we do not trust; the scheme and host are the nearest (rightmost) proxy's.
//!
//! Exactly one family of headers is read, the one the proxies write (by default
//! `X-Forwarded-For`/`-Proto`/`-Host`, as nginx, HAProxy and the cloud load balancers
//! do; or RFC 7239 `Forwarded`). A proxy passes the other family through from the client
//! untouched, so reading it would let clients choose their own address.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use opentelemetry::propagation::Extractor;

use crate::codecs::header_lines::trim_ows;

/// Which peers may tell us, through forwarding headers, who the client is.
#[derive(Clone, Default)]
pub struct TrustedProxies {
    trusted: Option<Arc<dyn Fn(IpAddr) -> bool + Send + Sync>>,
    headers: ForwardingHeaders,
}

/// The family of forwarding headers trusted proxies write.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ForwardingHeaders {
    /// `X-Forwarded-For`, `X-Forwarded-Proto`, `X-Forwarded-Host` (the default).
    #[default]
    XForwarded,
    /// RFC 7239 `Forwarded: for=…;proto=…;host=…`.
    Forwarded,
}

impl TrustedProxies {
    /// No peer is trusted: `client.address` is the socket's peer (the default).
    pub fn none() -> Self {
        TrustedProxies::default()
    }

    /// Reads `headers` instead of the `X-Forwarded-*` family.
    pub fn reading(mut self, headers: ForwardingHeaders) -> Self {
        self.headers = headers;
        self
    }

    /// These addresses are trusted.
    pub fn addresses(addresses: impl IntoIterator<Item = IpAddr>) -> Self {
        let addresses: Arc<[IpAddr]> = addresses.into_iter().collect();
        Self::from_fn(move |ip| addresses.contains(&ip))
    }

    /// Loopback and private-network addresses are trusted (a proxy on the same host or
    /// network).
    pub fn loopback_and_private() -> Self {
        Self::from_fn(|ip| match ip {
            IpAddr::V4(v4) => v4.is_loopback() || v4.is_private() || v4.is_link_local(),
            IpAddr::V6(v6) => {
                let v6 = v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4);
                match v6 {
                    IpAddr::V4(v4) => v4.is_loopback() || v4.is_private(),
                    IpAddr::V6(v6) => {
                        v6.is_loopback() || v6.is_unique_local() || v6.is_unicast_link_local()
                    }
                }
            }
        })
    }

    /// Addresses for which `trusted` returns true are trusted.
    pub fn from_fn(trusted: impl Fn(IpAddr) -> bool + Send + Sync + 'static) -> Self {
        TrustedProxies {
            trusted: Some(Arc::new(trusted)),
            headers: ForwardingHeaders::default(),
        }
    }

    pub(crate) fn trusts(&self, ip: IpAddr) -> bool {
        self.trusted.as_ref().is_some_and(|trusted| trusted(ip))
    }
}

impl fmt::Debug for TrustedProxies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.trusted {
            Some(_) => f
                .debug_struct("TrustedProxies")
                .field("headers", &self.headers)
                .finish_non_exhaustive(),
            None => f.write_str("TrustedProxies::none()"),
        }
    }
}

/// What the request says about where it came from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Origin<'a> {
    /// The client's address: the peer, or what trusted proxies say.
    pub(crate) client: Option<IpAddr>,
    /// The scheme the client used, as a trusted proxy says.
    pub(crate) scheme: Option<&'a str>,
    /// The host the client asked for, as a trusted proxy says.
    pub(crate) host: Option<&'a str>,
}

impl TrustedProxies {
    /// The origin of a request from `peer` with `headers`.
    pub(crate) fn origin<'a>(
        &self,
        peer: Option<SocketAddr>,
        headers: &'a dyn Extractor,
    ) -> Origin<'a> {
        let peer_ip = peer.map(|peer| canonical(peer.ip()));
        let mut origin = Origin {
            client: peer_ip,
            ..Origin::default()
        };
        let Some(peer_ip) = peer_ip.filter(|ip| self.trusts(*ip)) else {
            return origin;
        };
        match self.headers {
            ForwardingHeaders::XForwarded => {
                let chain = headers.get_all("x-forwarded-for").unwrap_or_default();
                let hops = chain.iter().flat_map(|line| line.split(',')).map(trim_ows);
                origin.client = Some(self.client_from_hops(peer_ip, hops));
                origin.scheme = last_value(headers, "x-forwarded-proto");
                origin.host = last_value(headers, "x-forwarded-host");
            }
            ForwardingHeaders::Forwarded => {
                let forwarded = headers.get_all("forwarded").unwrap_or_default();
                let elements = forwarded.iter().flat_map(|line| line.split(','));
                let hops = elements
                    .clone()
                    .map(|element| parameter(element, "for").unwrap_or(""));
                origin.client = Some(self.client_from_hops(peer_ip, hops));
                origin.scheme = elements
                    .clone()
                    .filter_map(|element| parameter(element, "proto"))
                    .next_back();
                origin.host = elements
                    .filter_map(|element| parameter(element, "host"))
                    .next_back();
            }
        }
        origin
    }

    /// The rightmost hop that is not a trusted proxy; the leftmost when all are trusted;
    /// the peer when a hop cannot be read (a chain we cannot follow names no one).
    fn client_from_hops<'h>(
        &self,
        peer: IpAddr,
        hops: impl DoubleEndedIterator<Item = &'h str>,
    ) -> IpAddr {
        let mut client = peer;
        for hop in hops.rev() {
            let Some(ip) = node_ip(hop) else {
                return peer;
            };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        client
    }
}

/// The value of parameter `name` in one `Forwarded` element (`for=…;proto=…`).
fn parameter<'a>(element: &'a str, name: &str) -> Option<&'a str> {
    element.split(';').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        let key = trim_ows(key);
        key.eq_ignore_ascii_case(name)
            .then(|| trim_ows(value).trim_matches('"'))
    })
}

/// The last value of a comma-separated header, if any.
fn last_value<'a>(headers: &'a dyn Extractor, name: &str) -> Option<&'a str> {
    let lines = headers.get_all(name)?;
    lines
        .iter()
        .flat_map(|line| line.split(','))
        .map(trim_ows)
        .rfind(|value| !value.is_empty())
}

/// The IP address of a forwarding node: `192.0.2.1`, `192.0.2.1:80`, `[2001:db8::1]:80`,
/// `2001:db8::1`; `None` for `unknown`, obfuscated names and anything else.
fn node_ip(node: &str) -> Option<IpAddr> {
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Ok(socket) = node.parse::<SocketAddr>() {
        return Some(canonical(socket.ip()));
    }
    node.strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .and_then(|inner| inner.parse().ok())
        .map(canonical)
}

/// IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`) as the IPv4 address they are.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn origin(
        trusted: &TrustedProxies,
        peer: &str,
        headers: &[(&str, &str)],
    ) -> (Option<String>, Option<String>, Option<String>) {
        let map: HashMap<String, String> = headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let origin = trusted.origin(Some(peer.parse().unwrap()), &map);
        (
            origin.client.map(|ip| ip.to_string()),
            origin.scheme.map(str::to_owned),
            origin.host.map(str::to_owned),
        )
    }

    #[test]
    fn forwarding_headers_from_untrusted_peers_are_ignored() {
        let (client, scheme, host) = origin(
            &TrustedProxies::none(),
            "203.0.113.9:5000",
            &[
                ("x-forwarded-for", "198.51.100.1"),
                ("x-forwarded-proto", "https"),
            ],
        );
        assert_eq!(client.as_deref(), Some("203.0.113.9"));
        assert_eq!((scheme, host), (None, None));
    }

    #[test]
    fn x_forwarded_for_is_walked_from_the_right_past_trusted_proxies() {
        let trusted =
            TrustedProxies::addresses(["10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap()]);
        let (client, scheme, host) = origin(
            &trusted,
            "10.0.0.1:5000",
            &[
                ("x-forwarded-for", "1.1.1.1, 198.51.100.7, 10.0.0.2"),
                ("x-forwarded-proto", "http, https"),
                ("x-forwarded-host", "shop.example"),
            ],
        );
        assert_eq!(
            client.as_deref(),
            Some("198.51.100.7"),
            "the spoofable leftmost hop is not taken"
        );
        assert_eq!(scheme.as_deref(), Some("https"));
        assert_eq!(host.as_deref(), Some("shop.example"));
    }

    #[test]
    fn forwarded_header_is_read_when_chosen() {
        let (client, scheme, _) = origin(
            &TrustedProxies::loopback_and_private().reading(ForwardingHeaders::Forwarded),
            "127.0.0.1:5000",
            &[
                (
                    "forwarded",
                    "for=192.0.2.60;proto=https, for=\"[2001:db8:cafe::17]:4711\"",
                ),
                ("x-forwarded-for", "198.51.100.1"),
            ],
        );
        assert_eq!(client.as_deref(), Some("2001:db8:cafe::17"));
        assert_eq!(scheme.as_deref(), Some("https"));
    }

    #[test]
    fn the_other_family_is_never_read() {
        // A client's own `Forwarded` header passed through an X-Forwarded proxy.
        let (client, scheme, host) = origin(
            &TrustedProxies::loopback_and_private(),
            "127.0.0.1:5000",
            &[
                ("forwarded", "for=8.8.8.8;proto=https;host=evil.example"),
                ("x-forwarded-for", "198.51.100.1"),
            ],
        );
        assert_eq!(client.as_deref(), Some("198.51.100.1"));
        assert_eq!((scheme, host), (None, None));
    }

    #[test]
    fn an_unreadable_hop_leaves_the_peer() {
        let (client, _, _) = origin(
            &TrustedProxies::loopback_and_private().reading(ForwardingHeaders::Forwarded),
            "127.0.0.1:5000",
            &[("forwarded", "for=unknown")],
        );
        assert_eq!(client.as_deref(), Some("127.0.0.1"));
    }
}
