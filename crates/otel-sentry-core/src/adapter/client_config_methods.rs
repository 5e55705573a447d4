//! The builder methods of [`ClientConfig`](crate::ClientConfig), written once for every
//! client adapter's middleware type.

/// The builder methods of [`ClientConfig`], for a client adapter's middleware type whose one
/// field is `config: Arc<ClientConfig>` (it also gets `new`, `from_config` and `config`): every client adapter offers the same options, each
/// documented once, here.
#[doc(hidden)]
#[macro_export]
macro_rules! client_config_methods {
    () => {
        $crate::configured_with!($crate::ClientConfig);

        /// Start client spans with `tracer`; see [`ClientConfig::tracer`](otel_sentry_core::ClientConfig::tracer).
        pub fn tracer<T, S>(self, tracer: T) -> Self
        where
            T: $crate::__private::opentelemetry::trace::Tracer<Span = S> + Send + Sync + 'static,
            S: $crate::__private::opentelemetry::trace::Span + Send + Sync + 'static,
        {
            self.map_config(|config| config.tracer(tracer))
        }

        /// Link a downstream's reported event; see [`ClientConfig::event_link`](otel_sentry_core::ClientConfig::event_link).
        pub fn event_link(self, link: $crate::EventLink) -> Self {
            self.map_config(|config| config.event_link(link))
        }

        /// Leave an `http` breadcrumb per call; see [`ClientConfig::breadcrumbs`](otel_sentry_core::ClientConfig::breadcrumbs).
        pub fn breadcrumbs(self, enabled: bool) -> Self {
            self.map_config(|config| config.breadcrumbs(enabled))
        }

        /// Redact these query parameters; see [`ClientConfig::sensitive_query_params`](otel_sentry_core::ClientConfig::sensitive_query_params).
        pub fn sensitive_query_params<I, N>(self, names: I) -> Self
        where
            I: IntoIterator<Item = N>,
            N: Into<String>,
        {
            self.map_config(|config| config.sensitive_query_params(names))
        }

        /// Record these methods by name; see [`ClientConfig::known_methods`](otel_sentry_core::ClientConfig::known_methods).
        pub fn known_methods<I, M>(self, methods: I) -> Self
        where
            I: IntoIterator<Item = M>,
            M: Into<String>,
        {
            self.map_config(|config| config.known_methods(methods))
        }

        /// Record metrics with `provider`'s meter; see [`ClientConfig::meter_provider`](otel_sentry_core::ClientConfig::meter_provider).
        pub fn meter_provider<P>(self, provider: &P) -> Self
        where
            P: $crate::__private::opentelemetry::metrics::MeterProvider + ?Sized,
        {
            self.map_config(|config| config.meter_provider(provider))
        }

        /// Record the HTTP duration metric or not; see [`ClientConfig::metrics`](otel_sentry_core::ClientConfig::metrics).
        pub fn metrics(self, enabled: bool) -> Self {
            self.map_config(|config| config.metrics(enabled))
        }
    };
}
