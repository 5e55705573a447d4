//! The header codecs, each strict where the stock OpenTelemetry propagators are lenient.
//! The bottom layer: they know headers and nothing of requests, spans or Sentry.
//!
//! | header | module | rules |
//! | --- | --- | --- |
//! | `traceparent` | [`traceparent`] | W3C Trace Context Level 2: exact lengths, lowercase hex, no all-zero ids, version `ff` forbidden, nothing after version `00`'s flags, one line only, every flag bit kept |
//! | `tracestate` | [`tracestate`] | lines combined; Level 2 key and value grammar; a repeated key keeps its first member; over 32 members or one bad member discards the list; 512-character propagation with whole-member truncation |
//! | `baggage` | [`baggage`] | W3C Baggage: tokens, percent-encoding, properties, 64 members / 8192 bytes |
//! | `sentry-trace` | [`sentry_trace`] | `{trace_id}-{span_id}[-{sampled}]`, read when no valid `traceparent` arrived |
//! | `sentry-` baggage entries | [`dynamic_sampling_context`] | Sentry's sampling context, passed on unchanged |

pub mod baggage;
pub mod dynamic_sampling_context;
pub(crate) mod header_lines;
pub(crate) mod hex;
pub mod sentry_trace;
pub mod traceparent;
pub mod tracestate;
