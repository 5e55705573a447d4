//! What can be wrong with the setup: a part's configuration, never the network (exports
//! fail later, in the background, and are the SDKs' to log).

use opentelemetry_otlp::ExporterBuildError;

/// Why [`Init::install`](crate::Init::install) refused a configuration. [`init`](crate::init)
/// logs the same as a warning and turns that part off instead.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InitError {
    /// `SENTRY_DSN` is set but is not a DSN (`{scheme}://{public_key}@{host}/{project_id}`).
    /// The value is not repeated: it holds the project's key.
    #[error("SENTRY_DSN is not a valid Sentry DSN: {0}")]
    Dsn(#[source] sentry::types::ParseDsnError),
    /// An OTLP span exporter could not be built, usually a malformed
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`.
    #[error("the OTLP span exporter to {destination} could not be built: {source}")]
    Exporter {
        /// Where its spans were to go: `OTEL_EXPORTER_OTLP_*` or Sentry.
        destination: &'static str,
        /// The exporter's own error.
        #[source]
        source: ExporterBuildError,
    },
    /// Spans to Sentry were asked for, but there is no DSN to derive the endpoint from.
    #[error(
        "spans to Sentry were asked for, but no DSN is configured (SENTRY_DSN or ClientOptions::dsn)"
    )]
    SpansToSentryWithoutDsn,
    /// Spans to Sentry were asked for together with an own tracer provider, which is built
    /// already: add [`SentryOtlpEndpoint`](crate::SentryOtlpEndpoint)'s exporter to it instead.
    #[error(
        "spans to Sentry were asked for with an own tracer provider: add an exporter to SentryOtlpEndpoint to that provider instead"
    )]
    SpansToSentryWithOwnProvider,
    /// Span processors were given together with an own tracer provider, which is built
    /// already: add them to that provider instead.
    #[error(
        "span processors were given with an own tracer provider: add them to that provider instead"
    )]
    SpanProcessorWithOwnProvider,
}
