//! Sentry's `sentry-trace` header: `{trace_id}-{span_id}[-{sampled}]`.
//!
//! Sentry SDKs (browser, Python, JavaScript, …) send this instead of `traceparent`. It is
//! read only when no valid `traceparent` arrived, so a trace a Sentry SDK started continues
//! here with the same trace id. Ids are lowercase hex of exact length and never all zeros;
//! the sampled part is `1`, `0`, or absent (the sender deferred the decision).

use std::fmt;

use opentelemetry::propagation::{Extractor, Injector};
use opentelemetry::trace::{SpanContext, SpanId, TraceId};

use crate::codecs::header_lines::{self, trim_ows};
use crate::codecs::hex;
use crate::names::SENTRY_TRACE_HEADER;

const TRACE_ID: std::ops::Range<usize> = 0..32;
const SPAN_ID: std::ops::Range<usize> = 33..49;
const WITHOUT_SAMPLED_LEN: usize = 49;
const WITH_SAMPLED_LEN: usize = 51;

/// A valid `sentry-trace` header: a trace id, the sender's span id and its sampling
/// decision. Both ids are never all zeros.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SentryTrace {
    trace_id: TraceId,
    span_id: SpanId,
    sampled: Option<bool>,
}

/// Why a `sentry-trace` header was ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SentryTraceError {
    /// The header arrived as more than one line.
    #[error("sentry-trace sent as {lines} header lines")]
    Duplicated {
        /// How many lines arrived.
        lines: usize,
    },
    /// Neither `{trace_id}-{span_id}` (49 characters) nor `{trace_id}-{span_id}-{sampled}` (51).
    #[error("sentry-trace is {len} characters, not 49 or 51")]
    WrongLength {
        /// The length received, after trimming optional whitespace.
        len: usize,
    },
    /// The trace id is not 32 lowercase hex digits followed by `-`.
    #[error("sentry-trace trace id is not 32 lowercase hex digits followed by '-'")]
    MalformedTraceId,
    /// The span id is not 16 lowercase hex digits.
    #[error("sentry-trace span id is not 16 lowercase hex digits")]
    MalformedSpanId,
    /// The sampled part is not `-1` or `-0`.
    #[error("sentry-trace sampled flag is not '-1' or '-0'")]
    MalformedSampled,
    /// The trace id is all zeros.
    #[error("sentry-trace trace id is all zeros")]
    ZeroTraceId,
    /// The span id is all zeros.
    #[error("sentry-trace span id is all zeros")]
    ZeroSpanId,
}

impl SentryTrace {
    /// Parses one header value; surrounding spaces and tabs are ignored.
    ///
    /// ```
    /// use otel_sentry_core::SentryTrace;
    ///
    /// let header = SentryTrace::parse("771a43a4192642f0b136d5159a501700-a1b2c3d4e5f60718-1")?;
    /// assert_eq!(header.sampled(), Some(true));
    /// let deferred = SentryTrace::parse("771a43a4192642f0b136d5159a501700-a1b2c3d4e5f60718")?;
    /// assert_eq!(deferred.sampled(), None);
    /// # Ok::<(), otel_sentry_core::SentryTraceError>(())
    /// ```
    pub fn parse(value: &str) -> Result<Self, SentryTraceError> {
        let bytes = trim_ows(value).as_bytes();
        if bytes.len() != WITHOUT_SAMPLED_LEN && bytes.len() != WITH_SAMPLED_LEN {
            return Err(SentryTraceError::WrongLength { len: bytes.len() });
        }
        let trace_id = (bytes[TRACE_ID.end] == b'-')
            .then(|| hex::decode_u128(&bytes[TRACE_ID]))
            .flatten()
            .ok_or(SentryTraceError::MalformedTraceId)?;
        let span_id = hex::decode_u64(&bytes[SPAN_ID]).ok_or(SentryTraceError::MalformedSpanId)?;
        let sampled = match &bytes[WITHOUT_SAMPLED_LEN..] {
            [] => None,
            b"-1" => Some(true),
            b"-0" => Some(false),
            _ => return Err(SentryTraceError::MalformedSampled),
        };
        if trace_id == 0 {
            return Err(SentryTraceError::ZeroTraceId);
        }
        if span_id == 0 {
            return Err(SentryTraceError::ZeroSpanId);
        }
        Ok(SentryTrace {
            trace_id: TraceId::from(trace_id),
            span_id: SpanId::from(span_id),
            sampled,
        })
    }

    /// A header from its parts, or `None` when an id is all zeros.
    pub fn new(trace_id: TraceId, span_id: SpanId, sampled: Option<bool>) -> Option<Self> {
        (trace_id != TraceId::INVALID && span_id != SpanId::INVALID).then_some(SentryTrace {
            trace_id,
            span_id,
            sampled,
        })
    }

    /// Reads the header from a carrier: `Ok(None)` when it is absent, an error when it is
    /// malformed or arrived as more than one line.
    pub fn extract(extractor: &dyn Extractor) -> Result<Option<Self>, SentryTraceError> {
        Self::from_lines(&header_lines::get_all(extractor, SENTRY_TRACE_HEADER))
    }

    /// Reads the header from all its lines: `Ok(None)` for none, an error for a malformed
    /// one or more than one.
    pub(crate) fn from_lines(lines: &[&str]) -> Result<Option<Self>, SentryTraceError> {
        match header_lines::single(lines) {
            Ok(line) => line.map(Self::parse).transpose(),
            Err(lines) => Err(SentryTraceError::Duplicated { lines }),
        }
    }

    /// The header naming `span_context` as the parent, with its sampled flag as the
    /// decision, or `None` when it is invalid.
    pub fn from_span_context(span_context: &SpanContext) -> Option<Self> {
        Self::new(
            span_context.trace_id(),
            span_context.span_id(),
            Some(span_context.is_sampled()),
        )
    }

    /// The trace id.
    pub fn trace_id(&self) -> TraceId {
        self.trace_id
    }

    /// The sender's span id, the parent of the receiver's span.
    pub fn span_id(&self) -> SpanId {
        self.span_id
    }

    /// The sender's sampling decision, `None` when it deferred the decision to the receiver.
    pub fn sampled(&self) -> Option<bool> {
        self.sampled
    }

    /// The same ids with another decision.
    pub fn with_sampled(self, sampled: Option<bool>) -> Self {
        SentryTrace { sampled, ..self }
    }

    /// The header value; returns the buffer and the length used.
    fn encode(&self) -> ([u8; WITH_SAMPLED_LEN], usize) {
        let mut out = [b'-'; WITH_SAMPLED_LEN];
        hex::encode(
            u128::from_be_bytes(self.trace_id.to_bytes()),
            &mut out[TRACE_ID],
        );
        hex::encode(
            u128::from(u64::from_be_bytes(self.span_id.to_bytes())),
            &mut out[SPAN_ID],
        );
        match self.sampled {
            Some(sampled) => {
                out[WITH_SAMPLED_LEN - 1] = if sampled { b'1' } else { b'0' };
                (out, WITH_SAMPLED_LEN)
            }
            None => (out, WITHOUT_SAMPLED_LEN),
        }
    }

    /// The header value as an owned string, ready for [`Injector::set`].
    pub fn header_value(&self) -> String {
        let (out, len) = self.encode();
        // `encode` writes ASCII only: the conversion never replaces anything.
        String::from_utf8_lossy(&out[..len]).into_owned()
    }

    /// Writes the header into a carrier.
    pub fn inject(&self, injector: &mut dyn Injector) {
        injector.set(SENTRY_TRACE_HEADER, self.header_value());
    }
}

impl fmt::Display for SentryTrace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (out, len) = self.encode();
        f.write_str(&String::from_utf8_lossy(&out[..len]))
    }
}
