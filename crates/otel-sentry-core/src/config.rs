//! [`CorrelationConfig`]: the options every adapter shares, builder style.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use opentelemetry::Context;
use opentelemetry::trace::{Span, SpanBuilder, Tracer};
use sentry_core::Hub;

use crate::cascade_policy::CascadePolicy;
use crate::cascade_window::CascadeWindow;
use crate::event_link::EventLink;
use crate::failure::{ClassifyFailure, FailurePolicy};
use crate::forwarded::TrustedProxies;
use crate::http_method::KnownMethods;
use crate::inbound_trust::InboundTrust;
use crate::interned_names::InternedValues;
use crate::query_redaction::SensitiveQueryParams;
use crate::span_tracer::SpanTracer;

/// The name of the response header that carries the Sentry event id of a failed request,
/// when [`CorrelationConfig::response_event_id`] is on.
pub const SENTRY_EVENT_ID_HEADER: &str = "x-sentry-event-id";

/// How requests are correlated: which tracer starts the server spans, which Sentry hub
/// the per-request hubs derive from, what counts as a failure, whom to trust, and what the
/// responses say.
///
/// The defaults suit services that call each other: the global tracer provider (looked
/// up at the first request, and again while it records nothing, so it may be installed
/// after the layer is built), the main Sentry hub, 5xx as failures, every caller trusted,
/// failed responses answered with their Sentry event id (so one failure across services
/// raises one alert), a link to the Sentry UI when `SENTRY_ORG` names one (read once, here),
/// forwarding headers ignored. A service facing the internet sets
/// [`inbound_trust`](Self::inbound_trust).
///
/// ```
/// use otel_sentry_core::{CorrelationConfig, EventLink, InboundTrust, TrustedProxies};
///
/// let config = CorrelationConfig::new()
///     .event_link(EventLink::sentry("https://sentry.io", "acme"))
///     .response_traceparent(true)
///     .trusted_proxies(TrustedProxies::loopback_and_private())
///     .inbound_trust(InboundTrust::peers(TrustedProxies::loopback_and_private()));
/// ```
#[derive(Clone)]
pub struct CorrelationConfig {
    tracer: SpanTracer,
    pub(crate) sentry_hub: Option<Arc<Hub>>,
    pub(crate) failure_policy: FailurePolicy,
    pub(crate) event_link: Option<EventLink>,
    pub(crate) response_traceparent: bool,
    pub(crate) response_event_id: bool,
    pub(crate) trusted_proxies: TrustedProxies,
    pub(crate) inbound_trust: InboundTrust,
    pub(crate) sensitive_query_params: SensitiveQueryParams,
    pub(crate) known_methods: KnownMethods,
    pub(crate) cascade_policy: CascadePolicy,
    pub(crate) fingerprint_by_trace: bool,
    cascade_window: CascadeWindow,

    pub(crate) host_names: InternedValues,
    pub(crate) user_agents: InternedValues,
    pub(crate) client_addresses: InternedValues<IpAddr>,
}

impl Default for CorrelationConfig {
    fn default() -> Self {
        CorrelationConfig {
            tracer: SpanTracer::default(),
            sentry_hub: None,
            failure_policy: FailurePolicy::default(),
            event_link: EventLink::from_env(),
            response_traceparent: false,
            response_event_id: true,
            trusted_proxies: TrustedProxies::default(),
            inbound_trust: InboundTrust::default(),
            sensitive_query_params: SensitiveQueryParams::default(),
            known_methods: KnownMethods::default(),
            cascade_policy: CascadePolicy::default(),
            fingerprint_by_trace: false,
            cascade_window: CascadeWindow::default(),
            host_names: InternedValues::default(),
            user_agents: InternedValues::default(),
            client_addresses: InternedValues::default(),
        }
    }
}

impl CorrelationConfig {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Start server spans with `tracer` instead of the global tracer provider's.
    ///
    /// Spans are made with the OpenTelemetry API directly, never through `tracing`, so no
    /// log filter can turn them off.
    pub fn tracer<T, S>(mut self, tracer: T) -> Self
    where
        T: Tracer<Span = S> + Send + Sync + 'static,
        S: Span + Send + Sync + 'static,
    {
        self.tracer = SpanTracer::new(tracer);
        self
    }

    /// Derive each request's hub from `hub` instead of Sentry's main hub.
    pub fn sentry_hub(mut self, hub: Arc<Hub>) -> Self {
        self.sentry_hub = Some(hub);
        self
    }

    /// Decide with `policy` which responses are failures (default: [`ServerErrors`],
    /// status 500 and above). Panics are always failures.
    ///
    /// [`ServerErrors`]: crate::ServerErrors
    pub fn failure_policy(mut self, policy: impl ClassifyFailure) -> Self {
        self.failure_policy = FailurePolicy::new(policy);
        self
    }

    /// Write `sentry.event_url` on failed spans, built by `link` (default:
    /// [`EventLink::from_env`], from `SENTRY_URL` and `SENTRY_ORG` as read when the
    /// configuration was made; without `SENTRY_ORG`, only `sentry.event_id` is written).
    pub fn event_link(mut self, link: EventLink) -> Self {
        self.event_link = Some(link);
        self
    }

    /// Answer every response to a trusted caller with the server span's `traceparent` (and
    /// `tracestate`, when not empty), so it can find the trace (default: off).
    pub fn response_traceparent(mut self, enabled: bool) -> Self {
        self.response_traceparent = enabled;
        self
    }

    /// Answer failed responses to a trusted caller with the Sentry event id in
    /// [`SENTRY_EVENT_ID_HEADER`], so a calling service knows the failure is already
    /// reported and sends no second event (default: on).
    ///
    /// The trade-off: whoever the layer trusts learns your Sentry event ids (random ids,
    /// which say nothing without access to your Sentry). At the edge, distrust the
    /// internet with [`inbound_trust`](Self::inbound_trust) rather than turning this off:
    /// internal callers keep the signal. Off, every hop of a failing call chain reports
    /// its own event, unless a [`CascadeWindow`] or the relay deduplicates them.
    pub fn response_event_id(mut self, enabled: bool) -> Self {
        self.response_event_id = enabled;
        self
    }

    /// Which callers are trusted (default: [`InboundTrust::always`]). An untrusted
    /// caller's request starts a new trace linked to the one it sent, its baggage is
    /// ignored, and it is answered no `traceparent` nor event id; see
    /// [`inbound_trust`](crate::inbound_trust).
    pub fn inbound_trust(mut self, trust: InboundTrust) -> Self {
        self.inbound_trust = trust;
        self
    }

    /// Take `client.address`, `url.scheme` and `server.address` from forwarding headers
    /// sent by these proxies (default: none, the socket's peer is the client).
    pub fn trusted_proxies(mut self, proxies: TrustedProxies) -> Self {
        self.trusted_proxies = proxies;
        self
    }

    /// Redact the values of exactly these query parameters in `url.query` and in Sentry's
    /// request data, compared whole (percent-decoded, ignoring ASCII case). This replaces
    /// both default lists: the names of
    /// [`DEFAULT_SENSITIVE_QUERY_PARAMS`](crate::DEFAULT_SENSITIVE_QUERY_PARAMS), compared
    /// whole, and any name containing one of Sentry's denylist words,
    /// [`SENTRY_SENSITIVE_QUERY_WORDS`](crate::SENTRY_SENSITIVE_QUERY_WORDS).
    pub fn sensitive_query_params<I, N>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = N>,
        N: Into<String>,
    {
        self.sensitive_query_params = SensitiveQueryParams::exactly(names);
        self
    }

    /// Record exactly these methods by name, others as `_OTHER` (default:
    /// [`DEFAULT_KNOWN_METHODS`](crate::DEFAULT_KNOWN_METHODS)).
    pub fn known_methods<I, M>(mut self, methods: I) -> Self
    where
        I: IntoIterator<Item = M>,
        M: Into<String>,
    {
        self.known_methods = KnownMethods::exactly(methods);
        self
    }

    /// What a failure caused by an already reported downstream failure sends to Sentry
    /// (default: [`CascadePolicy::Suppress`], no second event). See
    /// [`cascade_policy`](crate::cascade_policy) for what counts as a cascade.
    pub fn cascade_policy(mut self, policy: CascadePolicy) -> Self {
        self.cascade_policy = policy;
        self
    }

    /// Fingerprint every event of a request `["otel-cascade", "{trace_id}"]`, so Sentry files
    /// all the failures of one trace under one issue (default: off; Sentry's own grouping).
    /// Meant for services that share one Sentry project: it also merges unrelated errors
    /// that happen to share a trace.
    pub fn fingerprint_by_trace(mut self, enabled: bool) -> Self {
        self.fingerprint_by_trace = enabled;
        self
    }

    /// The settings of the windowed deduplication transport [`sentry_transport`] makes
    /// (default: [`CascadeWindow::new`], a 5 second window).
    ///
    /// [`sentry_transport`]: Self::sentry_transport
    pub fn cascade_window(mut self, window: CascadeWindow) -> Self {
        self.cascade_window = window;
        self
    }

    /// Wraps the Sentry transport factory `inner` in the [windowed deduplication
    /// transport](crate::cascade_window) configured by [`cascade_window`](Self::cascade_window),
    /// for `ClientOptions::transport`: one event per failing trace even where no downstream
    /// answered with its event id. Optional; the [`cascade_policy`](Self::cascade_policy)
    /// works without it.
    ///
    /// `inner` should bound its requests: sentry 0.49's HTTP transports have no request
    /// timeout, so a Sentry that never answers stalls the client's shutdown, the window's
    /// hand-over included (see [`CascadeWindow`]'s "Handing events on";
    /// `otel_sentry_reqwest::SentryHttpTransport` has timeouts).
    ///
    /// ```
    /// use std::time::Duration;
    /// use otel_sentry_core::{CascadeWindow, CorrelationConfig};
    ///
    /// let config = CorrelationConfig::new()
    ///     .cascade_window(CascadeWindow::new().window(Duration::from_secs(3)));
    /// let mut options = sentry_core::ClientOptions::default();
    /// options.transport = Some(config.sentry_transport(sentry_core::test::TestTransport::new()));
    /// ```
    pub fn sentry_transport<F: sentry_core::TransportFactory + 'static>(
        &self,
        inner: F,
    ) -> Arc<dyn sentry_core::TransportFactory> {
        self.cascade_window.clone().wrap(inner)
    }

    /// Starts a span with the configured tracer; returns `parent_cx` holding it.
    pub(crate) fn start_span(&self, builder: SpanBuilder, parent_cx: &Context) -> Context {
        self.tracer.start(builder, parent_cx)
    }

    /// The hub per-request hubs derive from.
    pub(crate) fn parent_hub(&self) -> Arc<Hub> {
        self.sentry_hub.clone().unwrap_or_else(Hub::main)
    }
}

impl fmt::Debug for CorrelationConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CorrelationConfig")
            .field(
                "tracer",
                &if self.tracer.is_set() {
                    "set"
                } else {
                    "global"
                },
            )
            .field("sentry_hub", &self.sentry_hub.as_ref().map(|_| "set"))
            .field("failure_policy", &self.failure_policy)
            .field("event_link", &self.event_link)
            .field("response_traceparent", &self.response_traceparent)
            .field("response_event_id", &self.response_event_id)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("inbound_trust", &self.inbound_trust)
            .field("sensitive_query_params", &self.sensitive_query_params)
            .field("known_methods", &self.known_methods)
            .field("cascade_policy", &self.cascade_policy)
            .field("fingerprint_by_trace", &self.fingerprint_by_trace)
            .field("cascade_window", &self.cascade_window)
            .finish()
    }
}

/// The builder methods of [`CorrelationConfig`], for an adapter's layer or middleware type
/// that has `fn map_config(self, f: impl FnOnce(CorrelationConfig) -> CorrelationConfig) -> Self`
/// and `fn config(&self) -> &CorrelationConfig`:
/// every adapter offers the same options, each documented once, here.
#[doc(hidden)]
#[macro_export]
macro_rules! correlation_config_methods {
    () => {
        /// Start server spans with `tracer`; see [`CorrelationConfig::tracer`](otel_sentry_core::CorrelationConfig::tracer).
        pub fn tracer<T, S>(self, tracer: T) -> Self
        where
            T: $crate::__private::opentelemetry::trace::Tracer<Span = S> + Send + Sync + 'static,
            S: $crate::__private::opentelemetry::trace::Span + Send + Sync + 'static,
        {
            self.map_config(|config| config.tracer(tracer))
        }

        /// Derive each request's hub from `hub`; see [`CorrelationConfig::sentry_hub`](otel_sentry_core::CorrelationConfig::sentry_hub).
        pub fn sentry_hub(
            self,
            hub: ::std::sync::Arc<$crate::__private::sentry_core::Hub>,
        ) -> Self {
            self.map_config(|config| config.sentry_hub(hub))
        }

        /// Decide which responses are failures; see [`CorrelationConfig::failure_policy`](otel_sentry_core::CorrelationConfig::failure_policy).
        pub fn failure_policy(self, policy: impl $crate::ClassifyFailure) -> Self {
            self.map_config(|config| config.failure_policy(policy))
        }

        /// Link failed spans to their Sentry event; see [`CorrelationConfig::event_link`](otel_sentry_core::CorrelationConfig::event_link).
        pub fn event_link(self, link: $crate::EventLink) -> Self {
            self.map_config(|config| config.event_link(link))
        }

        /// Answer with the server span's `traceparent`; see [`CorrelationConfig::response_traceparent`](otel_sentry_core::CorrelationConfig::response_traceparent).
        pub fn response_traceparent(self, enabled: bool) -> Self {
            self.map_config(|config| config.response_traceparent(enabled))
        }

        /// Answer failures with their Sentry event id; see [`CorrelationConfig::response_event_id`](otel_sentry_core::CorrelationConfig::response_event_id).
        pub fn response_event_id(self, enabled: bool) -> Self {
            self.map_config(|config| config.response_event_id(enabled))
        }

        /// Trust forwarding headers from these proxies; see [`CorrelationConfig::trusted_proxies`](otel_sentry_core::CorrelationConfig::trusted_proxies).
        pub fn trusted_proxies(self, proxies: $crate::TrustedProxies) -> Self {
            self.map_config(|config| config.trusted_proxies(proxies))
        }

        /// Choose which callers are trusted; see [`CorrelationConfig::inbound_trust`](otel_sentry_core::CorrelationConfig::inbound_trust).
        pub fn inbound_trust(self, trust: $crate::InboundTrust) -> Self {
            self.map_config(|config| config.inbound_trust(trust))
        }

        /// Redact these query parameters; see [`CorrelationConfig::sensitive_query_params`](otel_sentry_core::CorrelationConfig::sensitive_query_params).
        pub fn sensitive_query_params<I, N>(self, names: I) -> Self
        where
            I: IntoIterator<Item = N>,
            N: Into<String>,
        {
            self.map_config(|config| config.sensitive_query_params(names))
        }

        /// Record these methods by name; see [`CorrelationConfig::known_methods`](otel_sentry_core::CorrelationConfig::known_methods).
        pub fn known_methods<I, M>(self, methods: I) -> Self
        where
            I: IntoIterator<Item = M>,
            M: Into<String>,
        {
            self.map_config(|config| config.known_methods(methods))
        }

        /// Choose what a cascade sends to Sentry; see [`CorrelationConfig::cascade_policy`](otel_sentry_core::CorrelationConfig::cascade_policy).
        pub fn cascade_policy(self, policy: $crate::CascadePolicy) -> Self {
            self.map_config(|config| config.cascade_policy(policy))
        }

        /// Group a trace's events into one issue; see [`CorrelationConfig::fingerprint_by_trace`](otel_sentry_core::CorrelationConfig::fingerprint_by_trace).
        pub fn fingerprint_by_trace(self, enabled: bool) -> Self {
            self.map_config(|config| config.fingerprint_by_trace(enabled))
        }

        /// Set the windowed deduplication transport's settings; see [`CorrelationConfig::cascade_window`](otel_sentry_core::CorrelationConfig::cascade_window).
        pub fn cascade_window(self, window: $crate::CascadeWindow) -> Self {
            self.map_config(|config| config.cascade_window(window))
        }

        /// Wrap a Sentry transport factory in the windowed deduplication transport; see [`CorrelationConfig::sentry_transport`](otel_sentry_core::CorrelationConfig::sentry_transport).
        pub fn sentry_transport<F>(
            &self,
            inner: F,
        ) -> ::std::sync::Arc<dyn $crate::__private::sentry_core::TransportFactory>
        where
            F: $crate::__private::sentry_core::TransportFactory + 'static,
        {
            self.config().sentry_transport(inner)
        }
    };
}
