//! [`HttpMetrics`]: the instruments of one configuration, from the meter provider it was
//! given or, by default, the global one.
//!
//! The instruments are made once per configuration, never per request: from a provider
//! passed in, right away; from the global provider, at the first request that records, so
//! a provider installed after the layer was built (but before traffic) is used. Clones of
//! a configuration share them.

use std::sync::{Arc, OnceLock};

use opentelemetry::InstrumentationScope;
use opentelemetry::global;
use opentelemetry::metrics::{Histogram, Meter, MeterProvider, UpDownCounter};

/// `http.server.request.duration`, as the semantic conventions name it.
pub(crate) const SERVER_REQUEST_DURATION: &str = "http.server.request.duration";
/// `http.client.request.duration`, as the semantic conventions name it.
pub(crate) const CLIENT_REQUEST_DURATION: &str = "http.client.request.duration";
/// `http.server.active_requests`, as the semantic conventions name it.
pub(crate) const SERVER_ACTIVE_REQUESTS: &str = "http.server.active_requests";

/// The bucket boundaries the semantic conventions advise for HTTP durations, in seconds.
pub(crate) const DURATION_BOUNDARIES: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// The instruments requests record with.
pub(crate) struct Instruments {
    pub(crate) server_duration: Histogram<f64>,
    pub(crate) client_duration: Histogram<f64>,
    /// Made with the others (once, cheap) but only counted into when opted in.
    pub(crate) active_requests: UpDownCounter<i64>,
}

impl Instruments {
    fn new(meter: &Meter) -> Self {
        Instruments {
            server_duration: meter
                .f64_histogram(SERVER_REQUEST_DURATION)
                .with_unit("s")
                .with_description("Duration of HTTP server requests, to the end of the body.")
                .with_boundaries(DURATION_BOUNDARIES.to_vec())
                .build(),
            client_duration: meter
                .f64_histogram(CLIENT_REQUEST_DURATION)
                .with_unit("s")
                .with_description("Duration of HTTP client requests.")
                .with_boundaries(DURATION_BOUNDARIES.to_vec())
                .build(),
            active_requests: meter
                .i64_up_down_counter(SERVER_ACTIVE_REQUESTS)
                .with_unit("{request}")
                .with_description("Number of active HTTP server requests.")
                .build(),
        }
    }
}

enum Source {
    /// The global provider's instruments, once made.
    Global(OnceLock<Instruments>),
    Given(Instruments),
}

/// Whether a configuration records metrics, and with which instruments; clones share them.
#[derive(Clone)]
pub(crate) struct HttpMetrics {
    enabled: bool,
    /// Whether `http.server.active_requests` is counted (opt-in, as the conventions have it).
    pub(crate) active_requests: bool,
    source: Arc<Source>,
}

impl Default for HttpMetrics {
    fn default() -> Self {
        HttpMetrics {
            enabled: true,
            active_requests: false,
            source: Arc::new(Source::Global(OnceLock::new())),
        }
    }
}

impl HttpMetrics {
    /// Instruments from `provider`'s meter, made now.
    pub(crate) fn from_provider<P: MeterProvider + ?Sized>(provider: &P) -> Self {
        HttpMetrics {
            enabled: true,
            active_requests: false,
            source: Arc::new(Source::Given(Instruments::new(
                &provider.meter_with_scope(scope()),
            ))),
        }
    }

    /// The same instruments, recording or not.
    pub(crate) fn enabled(mut self, enabled: bool) -> Self {
        self.enabled = enabled;
        self
    }

    /// Whether a provider was given (rather than the global one).
    pub(crate) fn is_set(&self) -> bool {
        matches!(*self.source, Source::Given(_))
    }

    /// Whether metrics are recorded.
    pub(crate) fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// The instruments to record with; `None` when metrics are off.
    pub(crate) fn instruments(&self) -> Option<&Instruments> {
        if !self.enabled {
            return None;
        }
        Some(match &*self.source {
            Source::Given(instruments) => instruments,
            Source::Global(cached) => {
                cached.get_or_init(|| Instruments::new(&global::meter_with_scope(scope())))
            }
        })
    }
}

/// The instrumentation scope the project's meters (and tracers) are named by.
fn scope() -> InstrumentationScope {
    InstrumentationScope::builder("otel-sentry")
        .with_version(env!("CARGO_PKG_VERSION"))
        .with_schema_url(opentelemetry_semantic_conventions::SCHEMA_URL)
        .build()
}
