//! [`ClientConfig`]: how outgoing HTTP requests are traced, builder style.

use std::fmt;

use opentelemetry::Context;
use opentelemetry::metrics::MeterProvider;
use opentelemetry::trace::{Span, SpanBuilder, Tracer};

use crate::http::http_method::KnownMethods;
use crate::http::interned_names::InternedValues;
use crate::http::query_redaction::SensitiveQueryParams;
use crate::metrics::instruments::HttpMetrics;
use crate::sentry::event_link::EventLink;
use crate::span_tracer::SpanTracer;

/// How outgoing requests are traced: which tracer starts the client spans, what `url.full`
/// hides, and how a downstream's Sentry event is linked.
///
/// The defaults suit most clients: the global tracer provider (looked up at the first
/// request, and again while it records nothing), the conventions' sensitive query
/// parameters and Sentry's denylist words, the standard methods, an `http` breadcrumb per
/// call, a link to the Sentry UI only when `SENTRY_ORG` names one
/// ([`EventLink::from_env`]).
///
/// ```
/// use otel_sentry_core::{ClientConfig, EventLink};
///
/// let config = ClientConfig::new()
///     .event_link(EventLink::sentry("https://sentry.io", "acme"))
///     .sensitive_query_params(["api_key", "sig"]);
/// ```
#[derive(Clone)]
pub struct ClientConfig {
    tracer: SpanTracer,
    pub(crate) event_link: Option<EventLink>,
    pub(crate) breadcrumbs: bool,
    pub(crate) sensitive_query_params: SensitiveQueryParams,
    pub(crate) known_methods: KnownMethods,
    pub(crate) metrics: HttpMetrics,

    pub(crate) host_names: InternedValues,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            tracer: SpanTracer::default(),
            event_link: EventLink::from_env(),
            breadcrumbs: true,
            sensitive_query_params: SensitiveQueryParams::default(),
            known_methods: KnownMethods::default(),
            metrics: HttpMetrics::default(),
            host_names: InternedValues::default(),
        }
    }
}

impl ClientConfig {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Start client spans with `tracer` instead of the global tracer provider's.
    pub fn tracer<T, S>(mut self, tracer: T) -> Self
    where
        T: Tracer<Span = S> + Send + Sync + 'static,
        S: Span + Send + Sync + 'static,
    {
        self.tracer = SpanTracer::new(tracer);
        self
    }

    /// Write `sentry.event_url` beside the `sentry.event_id` a downstream reported, built by
    /// `link` (default: [`EventLink::from_env`], read when the configuration is made; without
    /// `SENTRY_ORG`, only the id).
    pub fn event_link(mut self, link: EventLink) -> Self {
        self.event_link = Some(link);
        self
    }

    /// Leave an `http` breadcrumb (method, `url.full`, status code) on the current Sentry
    /// hub for each finished call (default: on). Off saves a few allocations per call; the
    /// first breadcrumb of a request also copies the scope it shares with its parent hub.
    pub fn breadcrumbs(mut self, enabled: bool) -> Self {
        self.breadcrumbs = enabled;
        self
    }

    /// Redact the values of exactly these query parameters in `url.full`, compared whole
    /// (percent-decoded, ignoring ASCII case). This replaces both default lists, the same
    /// as the server's (see
    /// [`CorrelationConfig::sensitive_query_params`](crate::CorrelationConfig::sensitive_query_params)).
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

    /// Record `http.client.request.duration` with `provider`'s meter instead of the global
    /// meter provider's (looked up at the first call).
    pub fn meter_provider<P: MeterProvider + ?Sized>(mut self, provider: &P) -> Self {
        self.metrics = self.metrics.with_provider(provider);
        self
    }

    /// Record `http.client.request.duration`, timed to the response head, with the span's
    /// method, scheme, server address and port, status and `error.type` (default: on; it
    /// records nothing until a meter provider is installed).
    pub fn metrics(mut self, enabled: bool) -> Self {
        self.metrics = self.metrics.enabled(enabled);
        self
    }

    /// Starts a span with the configured tracer; returns `parent_cx` holding it.
    pub(crate) fn start_span(&self, builder: SpanBuilder, parent_cx: &Context) -> Context {
        self.tracer.start(builder, parent_cx)
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field(
                "tracer",
                &if self.tracer.is_set() {
                    "set"
                } else {
                    "global"
                },
            )
            .field("event_link", &self.event_link)
            .field("breadcrumbs", &self.breadcrumbs)
            .field("sensitive_query_params", &self.sensitive_query_params)
            .field("known_methods", &self.known_methods)
            .field("metrics", &self.metrics.is_enabled())
            .finish()
    }
}
