//! Sentry's OTLP traces endpoint and its authentication header, derived from a DSN, as
//! Sentry's own SDKs do in their OTLP integrations.
//!
//! Sentry documents the endpoint as `https://{host}/api/{project_id}/integration/otlp/v1/traces`
//! with the header `x-sentry-auth: sentry sentry_key={public_key}`
//! (<https://docs.sentry.io/concepts/otlp/direct/traces/>, open beta at the time of writing;
//! the project's Client Keys page shows both).

use sentry::types::{Dsn, Scheme};

/// The header Sentry's OTLP endpoint authenticates with.
pub const SENTRY_AUTH_HEADER: &str = "x-sentry-auth";

/// Where spans go to reach a Sentry project over OTLP/HTTP, derived from its DSN.
#[derive(Clone, PartialEq, Eq)]
pub struct SentryOtlpEndpoint {
    traces_url: String,
    auth: String,
}

impl SentryOtlpEndpoint {
    /// The endpoint of the project `dsn` names:
    /// `{scheme}://{host}[:port]{path}api/{project_id}/integration/otlp/v1/traces`, the port
    /// written only when it is not the scheme's default, and `path` the DSN's prefix (`/`
    /// for sentry.io) as the envelope endpoint keeps it.
    pub fn from_dsn(dsn: &Dsn) -> Self {
        let scheme = dsn.scheme();
        let port = if dsn.port() == scheme.default_port() {
            String::new()
        } else {
            format!(":{}", dsn.port())
        };
        let scheme = match scheme {
            Scheme::Https => "https",
            Scheme::Http => "http",
        };
        let traces_url = format!(
            "{scheme}://{host}{port}{path}api/{project}/integration/otlp/v1/traces",
            host = dsn.host(),
            path = dsn.path(),
            project = dsn.project_id(),
        );
        Self {
            traces_url,
            auth: format!("sentry sentry_key={}", dsn.public_key()),
        }
    }

    /// The OTLP/HTTP traces URL, for the exporter's `with_endpoint`.
    pub fn traces_url(&self) -> &str {
        &self.traces_url
    }

    /// The value of the [`SENTRY_AUTH_HEADER`] header: `sentry sentry_key={public_key}`.
    pub fn auth_header_value(&self) -> &str {
        &self.auth
    }
}

// The key is the project's credential: kept out of logs.
impl std::fmt::Debug for SentryOtlpEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SentryOtlpEndpoint")
            .field("traces_url", &self.traces_url)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(dsn: &str) -> SentryOtlpEndpoint {
        SentryOtlpEndpoint::from_dsn(&dsn.parse().expect("a DSN"))
    }

    #[test]
    fn sentry_io_dsn_gives_the_documented_url_and_header() {
        let endpoint = endpoint("https://abc123@o42.ingest.us.sentry.io/4505");
        assert_eq!(
            endpoint.traces_url(),
            "https://o42.ingest.us.sentry.io/api/4505/integration/otlp/v1/traces"
        );
        assert_eq!(endpoint.auth_header_value(), "sentry sentry_key=abc123");
    }

    #[test]
    fn a_non_default_port_and_a_path_prefix_are_kept() {
        let endpoint = endpoint("http://key@127.0.0.1:9000/sentry/7");
        assert_eq!(
            endpoint.traces_url(),
            "http://127.0.0.1:9000/sentry/api/7/integration/otlp/v1/traces"
        );
    }

    #[test]
    fn the_secret_key_is_not_sent_and_the_public_key_is_not_logged() {
        let endpoint = endpoint("https://public:secret@example.com/1");
        assert_eq!(endpoint.auth_header_value(), "sentry sentry_key=public");
        assert!(!format!("{endpoint:?}").contains("public"));
    }
}
