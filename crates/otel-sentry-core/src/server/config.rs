//! [`CorrelationConfig`]: the options every adapter shares, builder style.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use opentelemetry::Context;
use opentelemetry::metrics::MeterProvider;
use opentelemetry::trace::{Span, SpanBuilder, Tracer};
use sentry_core::Hub;

use crate::dedup::cascade_policy::CascadePolicy;
use crate::failure::classify::{ClassifyFailure, FailurePolicy};
use crate::http::forwarded::TrustedProxies;
use crate::http::http_method::KnownMethods;
use crate::http::interned_names::InternedValues;
use crate::http::query_redaction::SensitiveQueryParams;
use crate::metrics::instruments::HttpMetrics;
use crate::propagation::inbound_trust::InboundTrust;
use crate::sentry::event_link::EventLink;
use crate::span_tracer::SpanTracer;

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
    pub(crate) metrics: HttpMetrics,

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
            metrics: HttpMetrics::default(),
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
    /// [`SENTRY_EVENT_ID_HEADER`](crate::names::SENTRY_EVENT_ID_HEADER), so a calling service knows the failure is already
    /// reported and sends no second event (default: on).
    ///
    /// The trade-off: whoever the layer trusts learns your Sentry event ids (random ids,
    /// which say nothing without access to your Sentry). At the edge, distrust the
    /// internet with [`inbound_trust`](Self::inbound_trust) rather than turning this off:
    /// internal callers keep the signal. Off, every hop of a failing call chain reports
    /// its own event, unless a [`CascadeWindow`](crate::CascadeWindow) or the relay deduplicates them.
    pub fn response_event_id(mut self, enabled: bool) -> Self {
        self.response_event_id = enabled;
        self
    }

    /// Which callers are trusted (default: [`InboundTrust::always`]). An untrusted
    /// caller's request starts a new trace linked to the one it sent, its baggage is
    /// ignored, and it is answered no `traceparent` nor event id; see
    /// [`inbound_trust`](crate::propagation::inbound_trust).
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
    /// [`cascade_policy`](crate::dedup::cascade_policy) for what counts as a cascade.
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

    /// Record `http.server.request.duration` with `provider`'s meter instead of the global
    /// meter provider's (looked up at the first request).
    pub fn meter_provider<P: MeterProvider + ?Sized>(mut self, provider: &P) -> Self {
        self.metrics = self.metrics.with_provider(provider);
        self
    }

    /// Record `http.server.request.duration`, timed to the end of the response body, with
    /// the span's method, scheme, protocol, status, route template and `error.type`
    /// (default: on; it records nothing until a meter provider is installed).
    pub fn metrics(mut self, enabled: bool) -> Self {
        self.metrics = self.metrics.enabled(enabled);
        self
    }

    /// Also count `http.server.active_requests`, by method and scheme, from the start of a
    /// request to the end of its span (default: off, opt-in as in the conventions; needs
    /// [`metrics`](Self::metrics) on).
    pub fn active_requests(mut self, enabled: bool) -> Self {
        self.metrics.active_requests = enabled;
        self
    }

    /// Also record `http.server.request.body.size` (from the request's `Content-Length`;
    /// a body sent without one is not recorded, since the layer does not read the body)
    /// and `http.server.response.body.size` (the bytes the response body sent), with the
    /// duration's attributes (default: off, opt-in as in the conventions; needs
    /// [`metrics`](Self::metrics) on).
    pub fn body_sizes(mut self, enabled: bool) -> Self {
        self.metrics.body_sizes = enabled;
        self
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
            .field(
                "metrics",
                &match (self.metrics.is_enabled(), self.metrics.is_set()) {
                    (false, _) => "off",
                    (true, true) => "set",
                    (true, false) => "global",
                },
            )
            .finish()
    }
}
