//! The builder methods of [`CorrelationConfig`](crate::CorrelationConfig), written once
//! for every server adapter's layer or middleware type.

/// The builder methods of [`CorrelationConfig`], for an adapter's layer or middleware type
/// whose one field is `config: Arc<CorrelationConfig>` (it also gets `new`, `from_config`
/// and `config`):
/// every adapter offers the same options, each documented once, here.
#[doc(hidden)]
#[macro_export]
macro_rules! correlation_config_methods {
    () => {
        $crate::configured_with!($crate::CorrelationConfig);

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

        /// Record metrics with `provider`'s meter; see [`CorrelationConfig::meter_provider`](otel_sentry_core::CorrelationConfig::meter_provider).
        pub fn meter_provider<P>(self, provider: &P) -> Self
        where
            P: $crate::__private::opentelemetry::metrics::MeterProvider + ?Sized,
        {
            self.map_config(|config| config.meter_provider(provider))
        }

        /// Record the HTTP duration metric or not; see [`CorrelationConfig::metrics`](otel_sentry_core::CorrelationConfig::metrics).
        pub fn metrics(self, enabled: bool) -> Self {
            self.map_config(|config| config.metrics(enabled))
        }

        /// Count `http.server.active_requests`; see [`CorrelationConfig::active_requests`](otel_sentry_core::CorrelationConfig::active_requests).
        pub fn active_requests(self, enabled: bool) -> Self {
            self.map_config(|config| config.active_requests(enabled))
        }

        /// Record the request and response body sizes; see [`CorrelationConfig::body_sizes`](otel_sentry_core::CorrelationConfig::body_sizes).
        pub fn body_sizes(self, enabled: bool) -> Self {
            self.map_config(|config| config.body_sizes(enabled))
        }
    };
}
