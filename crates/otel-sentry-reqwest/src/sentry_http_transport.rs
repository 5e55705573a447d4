//! Sentry's reqwest HTTP transport with bounded requests, so a Sentry that accepts
//! connections and never answers cannot keep the process from exiting.
//!
//! sentry 0.49 builds its reqwest client without a request timeout, and shutting the
//! transport down waits for the request in flight: with a Sentry endpoint that hangs (a
//! stuck proxy, a half-open connection), `Client::close`, dropping sentry's init guard, and
//! so the process, wait forever. [`SentryHttpTransport`] is the same transport with connect
//! and request timeouts; an envelope whose request times out is recorded as lost
//! (`network_error`) by sentry's transport.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use otel_sentry_reqwest::SentryHttpTransport;
//!
//! let mut options = sentry_core::ClientOptions::new();
//! options.shutdown_timeout = Duration::from_secs(2);
//! options.transport = Some(Arc::new(
//!     SentryHttpTransport::new().timeouts_within(options.shutdown_timeout),
//! ));
//! ```

use std::sync::Arc;
use std::time::Duration;

use sentry::transports::ReqwestHttpTransportOptions;
use sentry_core::client_report::Reason;
use sentry_core::protocol::Envelope;
use sentry_core::{Transport, TransportFactory, TransportOptions};

/// A `TransportFactory` for `ClientOptions::transport`: sentry's reqwest transport (its
/// queue, rate limits and client reports) on a reqwest client with connect and request
/// timeouts, and the options' HTTP and HTTPS proxies. Builder style.
///
/// Defaults: 2 s each, sentry's default `shutdown_timeout`. A client's `close` then returns
/// within about its shutdown timeout plus one request timeout (the request in flight),
/// whatever the endpoint does. `accept_invalid_certs` is not applied (the TLS backend is
/// whichever the application's reqwest features choose); build your own client for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentryHttpTransport {
    connect_timeout: Duration,
    request_timeout: Duration,
}

impl Default for SentryHttpTransport {
    fn default() -> Self {
        SentryHttpTransport {
            connect_timeout: Duration::from_secs(2),
            request_timeout: Duration::from_secs(2),
        }
    }
}

impl SentryHttpTransport {
    /// The defaults (see the type's documentation).
    pub fn new() -> Self {
        Self::default()
    }

    /// How long connecting to Sentry may take.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one request to Sentry may take, from connecting to the end of the answer.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Both timeouts at most `shutdown_timeout` (the client's `shutdown_timeout`).
    pub fn timeouts_within(self, shutdown_timeout: Duration) -> Self {
        let connect = self.connect_timeout.min(shutdown_timeout);
        let request = self.request_timeout.min(shutdown_timeout);
        self.connect_timeout(connect).request_timeout(request)
    }

    fn client(&self, options: &TransportOptions) -> reqwest::Result<reqwest::Client> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .timeout(self.request_timeout);
        if let Some(proxy) = &options.http_proxy {
            builder = builder.proxy(reqwest::Proxy::http(proxy.as_ref())?);
        }
        if let Some(proxy) = &options.https_proxy {
            builder = builder.proxy(reqwest::Proxy::https(proxy.as_ref())?);
        }
        if options.accept_invalid_certs {
            tracing::warn!(
                target: "otel_sentry::sentry_http_transport",
                "accept_invalid_certs is not applied by SentryHttpTransport"
            );
        }
        builder.build()
    }
}

impl TransportFactory for SentryHttpTransport {
    fn create_transport_with_options(&self, options: TransportOptions) -> Arc<dyn Transport> {
        match self.client(&options) {
            Ok(client) => Arc::new(
                ReqwestHttpTransportOptions::from(options)
                    .with_client(client)
                    .build(),
            ),
            Err(error) => {
                tracing::warn!(
                    target: "otel_sentry::sentry_http_transport",
                    %error,
                    "cannot build the HTTP client for Sentry; events are discarded"
                );
                Arc::new(Unavailable { options })
            }
        }
    }
}

/// Stands in when no HTTP client could be built: counts what it cannot send.
struct Unavailable {
    options: TransportOptions,
}

impl Transport for Unavailable {
    fn send_envelope(&self, envelope: Envelope) {
        self.options
            .client_report_recorder
            .record_lost_data(&envelope, Reason::InternalError);
    }
}
