//! [`HttpMetrics`]: the instruments of one configuration, from the meter provider it was
//! given or, by default, the global one.
//!
//! The instruments are made once per meter provider, never per request: from a provider
//! passed in, right away; from the global provider, at the first request that records,
//! and again whenever the global provider was replaced since (a provider installed after
//! the first request, as by a late `init()`, is still picked up). Clones of a
//! configuration share them.

use std::sync::{Arc, RwLock};

use opentelemetry::InstrumentationScope;
use opentelemetry::global;
use opentelemetry::metrics::{Histogram, Meter, MeterProvider, UpDownCounter};

/// `http.server.request.duration`, as the semantic conventions name it.
pub(crate) const SERVER_REQUEST_DURATION: &str = "http.server.request.duration";
/// `http.client.request.duration`, as the semantic conventions name it.
pub(crate) const CLIENT_REQUEST_DURATION: &str = "http.client.request.duration";
/// `http.server.active_requests`, as the semantic conventions name it.
pub(crate) const SERVER_ACTIVE_REQUESTS: &str = "http.server.active_requests";
/// `rpc.server.call.duration`, as the semantic conventions name it.
pub(crate) const RPC_SERVER_CALL_DURATION: &str =
    opentelemetry_semantic_conventions::metric::RPC_SERVER_CALL_DURATION;
/// `rpc.client.call.duration`, as the semantic conventions name it.
pub(crate) const RPC_CLIENT_CALL_DURATION: &str =
    opentelemetry_semantic_conventions::metric::RPC_CLIENT_CALL_DURATION;
/// `http.server.request.body.size`, as the semantic conventions name it.
pub(crate) const SERVER_REQUEST_BODY_SIZE: &str = "http.server.request.body.size";
/// `http.server.response.body.size`, as the semantic conventions name it.
pub(crate) const SERVER_RESPONSE_BODY_SIZE: &str = "http.server.response.body.size";

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
    /// A gRPC call's duration, in place of `server_duration`.
    pub(crate) rpc_server_duration: Histogram<f64>,
    /// A gRPC client call's duration, in place of `client_duration`.
    pub(crate) rpc_client_duration: Histogram<f64>,
    /// Opt-in, as `active_requests`.
    pub(crate) request_body_size: Histogram<u64>,
    /// Opt-in, as `active_requests`.
    pub(crate) response_body_size: Histogram<u64>,
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
            rpc_server_duration: meter
                .f64_histogram(RPC_SERVER_CALL_DURATION)
                .with_unit("s")
                .with_description("Duration of gRPC server calls, to the status.")
                .with_boundaries(DURATION_BOUNDARIES.to_vec())
                .build(),
            rpc_client_duration: meter
                .f64_histogram(RPC_CLIENT_CALL_DURATION)
                .with_unit("s")
                .with_description("Duration of gRPC client calls, to the status.")
                .with_boundaries(DURATION_BOUNDARIES.to_vec())
                .build(),
            // The conventions advise no boundaries for sizes: the SDK's defaults.
            request_body_size: meter
                .u64_histogram(SERVER_REQUEST_BODY_SIZE)
                .with_unit("By")
                .with_description("Size of HTTP server request bodies, by Content-Length.")
                .build(),
            response_body_size: meter
                .u64_histogram(SERVER_RESPONSE_BODY_SIZE)
                .with_unit("By")
                .with_description("Size of HTTP server response bodies, as sent.")
                .build(),
        }
    }
}

/// The global provider the instruments were made from: compared by identity at each
/// request (`set_meter_provider` puts every provider in an `Arc` of its own), and kept so
/// its address cannot be reused by another.
type FromGlobal = (Arc<dyn MeterProvider + Send + Sync>, Arc<Instruments>);

enum Source {
    /// The global provider's instruments, once made.
    Global(RwLock<Option<FromGlobal>>),
    Given(Arc<Instruments>),
}

/// Whether a configuration records metrics, and with which instruments; clones share them.
#[derive(Clone)]
pub(crate) struct HttpMetrics {
    enabled: bool,
    /// Whether `http.server.active_requests` is counted (opt-in, as the conventions have it).
    pub(crate) active_requests: bool,
    /// Whether the request and response body sizes are recorded (opt-in, as the
    /// conventions have it).
    pub(crate) body_sizes: bool,
    source: Arc<Source>,
}

impl Default for HttpMetrics {
    fn default() -> Self {
        HttpMetrics {
            enabled: true,
            active_requests: false,
            body_sizes: false,
            source: Arc::new(Source::Global(RwLock::new(None))),
        }
    }
}

impl HttpMetrics {
    /// Instruments from `provider`'s meter, made now; the other settings kept.
    pub(crate) fn with_provider<P: MeterProvider + ?Sized>(self, provider: &P) -> Self {
        HttpMetrics {
            source: Arc::new(Source::Given(Arc::new(Instruments::new(
                &provider.meter_with_scope(scope()),
            )))),
            ..self
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
    pub(crate) fn instruments(&self) -> Option<Arc<Instruments>> {
        if !self.enabled {
            return None;
        }
        match &*self.source {
            Source::Given(instruments) => Some(Arc::clone(instruments)),
            Source::Global(cached) => Some(from_global(cached)),
        }
    }
}

/// The instruments of the global provider as it is now: the cached ones while it is the
/// provider they were made from, else made anew (once per provider).
fn from_global(cached: &RwLock<Option<FromGlobal>>) -> Arc<Instruments> {
    let provider = global::meter_provider();
    if let Ok(cached) = cached.read()
        && let Some((made_from, instruments)) = cached.as_ref()
        && Arc::ptr_eq(made_from, &provider)
    {
        return Arc::clone(instruments);
    }
    let instruments = Arc::new(Instruments::new(&provider.meter_with_scope(scope())));
    if let Ok(mut cached) = cached.write() {
        *cached = Some((provider, Arc::clone(&instruments)));
    }
    instruments
}

/// The instrumentation scope the project's meters (and tracers) are named by.
fn scope() -> InstrumentationScope {
    InstrumentationScope::builder("otel-sentry")
        .with_version(env!("CARGO_PKG_VERSION"))
        .with_schema_url(opentelemetry_semantic_conventions::SCHEMA_URL)
        .build()
}
