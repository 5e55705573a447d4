//! The W3C `traceparent` header (Trace Context Level 2), parsed strictly.
//!
//! `version "-" trace-id "-" parent-id "-" trace-flags`, all lowercase hex. Version `00`
//! allows nothing after the flags; a higher version is read for its first four fields as
//! long as the flags are followed by the end or a `-`. Version `ff`, all-zero ids, uppercase
//! hex and a header sent as two lines are rejected, and the caller starts a new trace.
//! Every trace-flags bit is kept, so a continued trace propagates the caller's `random`
//! flag (and any future flag) unchanged.

use std::fmt;

use opentelemetry::propagation::{Extractor, Injector};
use opentelemetry::trace::{SpanContext, SpanId, TraceFlags, TraceId, TraceState};

use crate::codecs::header_lines::{self, trim_ows};
use crate::codecs::hex;
use crate::names::TRACEPARENT_HEADER;

/// The W3C Trace Context Level 2 *random* trace-flags bit (`0x02`): at least the right-most
/// seven bytes of the trace id were chosen at random.
///
/// OpenTelemetry's [`TraceFlags`] names only the sampled bit; this names the second one.
pub const RANDOM_TRACE_ID_FLAG: TraceFlags = TraceFlags::new(0x02);

/// The length of a version `00` header, and the shortest header of any version.
const VERSION_00_LEN: usize = 55;
const TRACE_ID: std::ops::Range<usize> = 3..35;
const PARENT_ID: std::ops::Range<usize> = 36..52;
const FLAGS: std::ops::Range<usize> = 53..55;

/// A valid `traceparent`: a trace id, the caller's span id and the trace flags.
///
/// Both ids are never all zeros: a value of this type always makes a valid header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Traceparent {
    trace_id: TraceId,
    parent_id: SpanId,
    trace_flags: TraceFlags,
}

/// Why a `traceparent` was ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TraceparentError {
    /// The header arrived as more than one line; which one is the parent cannot be known.
    #[error("traceparent sent as {lines} header lines")]
    Duplicated {
        /// How many lines arrived.
        lines: usize,
    },
    /// The value does not start with two lowercase hex digits and a `-`.
    #[error("traceparent version is not two lowercase hex digits followed by '-'")]
    MalformedVersion,
    /// Version `ff` is forbidden.
    #[error("traceparent version ff is forbidden")]
    ForbiddenVersion,
    /// Shorter than the 55 characters every version needs.
    #[error("traceparent is {len} characters, shorter than 55")]
    TooShort {
        /// The length received, after trimming optional whitespace.
        len: usize,
    },
    /// The trace id is not 32 lowercase hex digits followed by `-`.
    #[error("traceparent trace-id is not 32 lowercase hex digits followed by '-'")]
    MalformedTraceId,
    /// The parent id is not 16 lowercase hex digits followed by `-`.
    #[error("traceparent parent-id is not 16 lowercase hex digits followed by '-'")]
    MalformedParentId,
    /// The flags are not two lowercase hex digits.
    #[error("traceparent trace-flags are not two lowercase hex digits")]
    MalformedFlags,
    /// The trace id is all zeros.
    #[error("traceparent trace-id is all zeros")]
    ZeroTraceId,
    /// The parent id is all zeros.
    #[error("traceparent parent-id is all zeros")]
    ZeroParentId,
    /// Version `00` carries something after the flags.
    #[error("traceparent version 00 has data after trace-flags")]
    TrailingData,
    /// A higher version's flags are followed by something other than `-`.
    #[error("traceparent trace-flags of a higher version are not followed by '-'")]
    UnterminatedFlags,
}

impl Traceparent {
    /// Parses one header value.
    ///
    /// Surrounding spaces and tabs are HTTP optional whitespace, not part of the value,
    /// and are ignored.
    ///
    /// ```
    /// use otel_sentry_core::Traceparent;
    ///
    /// let parent = Traceparent::parse("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-03")?;
    /// assert!(parent.trace_flags().is_sampled());
    /// assert_eq!(parent.to_string(), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-03");
    /// assert!(Traceparent::parse("00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01").is_err());
    /// # Ok::<(), otel_sentry_core::TraceparentError>(())
    /// ```
    pub fn parse(value: &str) -> Result<Self, TraceparentError> {
        let bytes = trim_ows(value).as_bytes();
        let version = match bytes {
            [high, low, b'-', ..] => hex::decode_u8(&[*high, *low]),
            _ => None,
        }
        .ok_or(TraceparentError::MalformedVersion)?;
        if version == 0xff {
            return Err(TraceparentError::ForbiddenVersion);
        }
        if bytes.len() < VERSION_00_LEN {
            return Err(TraceparentError::TooShort { len: bytes.len() });
        }
        let trace_id = (bytes[TRACE_ID.end] == b'-')
            .then(|| hex::decode_u128(&bytes[TRACE_ID]))
            .flatten()
            .ok_or(TraceparentError::MalformedTraceId)?;
        let parent_id = (bytes[PARENT_ID.end] == b'-')
            .then(|| hex::decode_u64(&bytes[PARENT_ID]))
            .flatten()
            .ok_or(TraceparentError::MalformedParentId)?;
        let flags = hex::decode_u8(&bytes[FLAGS]).ok_or(TraceparentError::MalformedFlags)?;
        match (version, bytes.get(VERSION_00_LEN)) {
            (_, None) => {}
            (0, Some(_)) => return Err(TraceparentError::TrailingData),
            (_, Some(b'-')) => {}
            (_, Some(_)) => return Err(TraceparentError::UnterminatedFlags),
        }
        if trace_id == 0 {
            return Err(TraceparentError::ZeroTraceId);
        }
        if parent_id == 0 {
            return Err(TraceparentError::ZeroParentId);
        }
        Ok(Traceparent {
            trace_id: TraceId::from(trace_id),
            parent_id: SpanId::from(parent_id),
            trace_flags: TraceFlags::new(flags),
        })
    }

    /// A `traceparent` from its parts, or `None` when an id is all zeros.
    pub fn new(trace_id: TraceId, parent_id: SpanId, trace_flags: TraceFlags) -> Option<Self> {
        (trace_id != TraceId::INVALID && parent_id != SpanId::INVALID).then_some(Traceparent {
            trace_id,
            parent_id,
            trace_flags,
        })
    }

    /// Reads the header from a carrier: `Ok(None)` when it is absent, an error when it is
    /// malformed or arrived as more than one line (as far as the extractor reports lines;
    /// see [`Extractor::get_all`]).
    pub fn extract(extractor: &dyn Extractor) -> Result<Option<Self>, TraceparentError> {
        Self::from_lines(&header_lines::get_all(extractor, TRACEPARENT_HEADER))
    }

    /// Reads the header from all its lines: `Ok(None)` for none, an error for a malformed
    /// one or more than one.
    pub(crate) fn from_lines(lines: &[&str]) -> Result<Option<Self>, TraceparentError> {
        match header_lines::single(lines) {
            Ok(line) => line.map(Self::parse).transpose(),
            Err(lines) => Err(TraceparentError::Duplicated { lines }),
        }
    }

    /// The `traceparent` naming `span_context` as the parent, or `None` when it is invalid.
    pub fn from_span_context(span_context: &SpanContext) -> Option<Self> {
        Self::new(
            span_context.trace_id(),
            span_context.span_id(),
            span_context.trace_flags(),
        )
    }

    /// The id of the whole trace.
    pub fn trace_id(&self) -> TraceId {
        self.trace_id
    }

    /// The caller's span id (`parent-id` in the W3C text).
    pub fn parent_id(&self) -> SpanId {
        self.parent_id
    }

    /// All eight flag bits: sampled (`0x01`), random (`0x02`) and any others.
    pub fn trace_flags(&self) -> TraceFlags {
        self.trace_flags
    }

    /// The same ids with other flags.
    pub fn with_trace_flags(self, trace_flags: TraceFlags) -> Self {
        Traceparent {
            trace_flags,
            ..self
        }
    }

    /// The remote parent this header describes, carrying `trace_state`.
    pub fn into_remote_span_context(self, trace_state: TraceState) -> SpanContext {
        SpanContext::new(
            self.trace_id,
            self.parent_id,
            self.trace_flags,
            true,
            trace_state,
        )
    }

    /// The header value at version `00` (the highest version this crate knows, as the
    /// specification asks of a higher-version header being passed on).
    fn encode(&self) -> [u8; VERSION_00_LEN] {
        let mut out = *b"00-00000000000000000000000000000000-0000000000000000-00";
        hex::encode(
            u128::from_be_bytes(self.trace_id.to_bytes()),
            &mut out[TRACE_ID],
        );
        hex::encode(
            u128::from(u64::from_be_bytes(self.parent_id.to_bytes())),
            &mut out[PARENT_ID],
        );
        hex::encode(u128::from(self.trace_flags.to_u8()), &mut out[FLAGS]);
        out
    }

    /// The header value as an owned string, ready for [`Injector::set`].
    pub fn header_value(&self) -> String {
        // `encode` writes ASCII only: the conversion never replaces anything.
        String::from_utf8_lossy(&self.encode()).into_owned()
    }

    /// Writes the header into a carrier.
    pub fn inject(&self, injector: &mut dyn Injector) {
        injector.set(TRACEPARENT_HEADER, self.header_value());
    }
}

impl fmt::Display for Traceparent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.encode()))
    }
}
