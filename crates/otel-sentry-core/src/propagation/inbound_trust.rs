//! The trust boundary: whether a caller's trace context is continued and whether it is
//! told trace and event ids.
//!
//! Internal hops trust each other by default: the trace continues across them, and a
//! failed response tells the caller its Sentry event id, which is what lets one failure
//! raise one alert with no configuration. A service facing the internet should not let
//! anyone pick its trace ids, sampling or baggage, nor tell anyone its event ids. For a
//! caller it does not trust, the request:
//!
//! - starts a new root trace, with a **span link** to the context the caller sent, so a
//!   trace viewer can still join the two;
//! - ignores the caller's `baggage`, Sentry's `sentry-` entries with it, and its sampling
//!   decision;
//! - answers no `traceparent` and no `x-sentry-event-id`.
//!
//! ```
//! use otel_sentry_core::{CorrelationConfig, InboundTrust, TrustedProxies};
//!
//! // Behind a load balancer that writes X-Forwarded-For: callers on the private
//! // network are internal hops, everyone else is the internet.
//! let config = CorrelationConfig::new()
//!     .trusted_proxies(TrustedProxies::loopback_and_private())
//!     .inbound_trust(InboundTrust::peers(TrustedProxies::loopback_and_private()));
//! ```

use std::fmt;
use std::net::IpAddr;

use crate::http::forwarded::TrustedProxies;

/// Which callers' trace context is continued and told trace and event ids (see the
/// [module docs](crate::propagation::inbound_trust)). Default: [`always`](Self::always).
#[derive(Clone, Default)]
pub struct InboundTrust(Rule);

#[derive(Clone, Default)]
enum Rule {
    #[default]
    Always,
    Never,
    Peers(TrustedProxies),
}

impl InboundTrust {
    /// Every caller is trusted (the default): for services only other services call.
    pub fn always() -> Self {
        InboundTrust(Rule::Always)
    }

    /// No caller is trusted: for a service facing the internet directly.
    pub fn never() -> Self {
        InboundTrust(Rule::Never)
    }

    /// Callers whose address `peers` trusts are trusted, the rest are not.
    ///
    /// The address is the client's as `client.address` records it: the socket's peer, or,
    /// behind proxies configured with
    /// [`CorrelationConfig::trusted_proxies`](crate::CorrelationConfig::trusted_proxies),
    /// the client they name. A request whose client address is unknown (a tower stack
    /// without axum's `ConnectInfo`) is not trusted.
    pub fn peers(peers: TrustedProxies) -> Self {
        InboundTrust(Rule::Peers(peers))
    }

    /// Whether a caller at `client` is trusted.
    pub(crate) fn trusts(&self, client: Option<IpAddr>) -> bool {
        match &self.0 {
            Rule::Always => true,
            Rule::Never => false,
            Rule::Peers(peers) => client.is_some_and(|client| peers.trusts(client)),
        }
    }
}

impl fmt::Debug for InboundTrust {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Rule::Always => f.write_str("InboundTrust::always()"),
            Rule::Never => f.write_str("InboundTrust::never()"),
            Rule::Peers(peers) => f.debug_tuple("InboundTrust::peers").field(peers).finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        let private: IpAddr = "10.0.0.7".parse().unwrap();
        let public: IpAddr = "203.0.113.9".parse().unwrap();
        assert!(InboundTrust::default().trusts(Some(public)));
        assert!(InboundTrust::always().trusts(None));
        assert!(!InboundTrust::never().trusts(Some(private)));
        let peers = InboundTrust::peers(TrustedProxies::loopback_and_private());
        assert!(peers.trusts(Some(private)));
        assert!(!peers.trusts(Some(public)));
        assert!(!peers.trusts(None));
    }
}
