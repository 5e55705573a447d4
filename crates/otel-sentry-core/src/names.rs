//! Every name otel-sentry writes or reads that others may depend on: headers, span
//! attributes and their values, Sentry tags, `extra` keys and fingerprints. The
//! OpenTelemetry semantic-convention names come from `opentelemetry-semantic-conventions`;
//! these are the ones it does not define.

// Headers.

/// W3C Trace Context: the caller's span.
pub const TRACEPARENT_HEADER: &str = "traceparent";
/// W3C Trace Context: vendors' trace state.
pub const TRACESTATE_HEADER: &str = "tracestate";
/// W3C Baggage.
pub const BAGGAGE_HEADER: &str = "baggage";
/// Sentry's trace header, `{trace_id}-{span_id}[-{sampled}]`.
pub const SENTRY_TRACE_HEADER: &str = "sentry-trace";
/// The prefix of Sentry's sampling-context entries in `baggage`.
pub const SENTRY_BAGGAGE_PREFIX: &str = "sentry-";
/// The response header naming the Sentry event of a failed request: the in-band "already
/// reported" signal between services.
pub const SENTRY_EVENT_ID_HEADER: &str = "x-sentry-event-id";
/// The content type, read to recognise a gRPC request.
pub const CONTENT_TYPE_HEADER: &str = "content-type";
/// The status code of a gRPC call, in a trailers-only answer's headers or the trailers.
pub const GRPC_STATUS_HEADER: &str = "grpc-status";
/// The percent-encoded message of a gRPC status, beside `grpc-status`.
pub const GRPC_MESSAGE_HEADER: &str = "grpc-message";

// Span attributes.

/// The Sentry event id of a failure (32 lowercase hex digits), on the span.
pub const SENTRY_EVENT_ID_ATTRIBUTE: &str = "sentry.event_id";
/// The link to the Sentry event of a failure, on the span.
pub const SENTRY_EVENT_URL_ATTRIBUTE: &str = "sentry.event_url";
/// On a span whose failure is a cascade of an already reported downstream failure: `true`.
pub const SENTRY_CASCADE_ATTRIBUTE: &str = "sentry.cascade";
/// On a cascade's span that sent an event of its own: the root event's id.
pub const SENTRY_CASCADE_ROOT_ATTRIBUTE: &str = "sentry.cascade.root_event_id";
/// The client span's URL template, when the caller names one.
pub const URL_TEMPLATE_ATTRIBUTE: &str = "url.template";
/// `exception.escaped`: deprecated in the conventions, still read by trace viewers to tell
/// a panic from a returned error.
pub const EXCEPTION_ESCAPED_ATTRIBUTE: &str = "exception.escaped";

// Span attribute values.

/// `rpc.system.name` (and the older `rpc.system`) of a gRPC span.
pub const GRPC_SYSTEM: &str = "grpc";
/// `rpc.method` of a gRPC request whose path names no method (then also its span name
/// is [`GRPC_SYSTEM`], and `rpc.method_original` the path).
pub const RPC_OTHER_METHOD: &str = "_OTHER";

// `error.type` values and exception types.

/// `error.type` of a server response whose body the client stopped reading.
pub const CLIENT_DISCONNECT: &str = "client_disconnect";
/// `error.type` of a client call dropped before its answer.
pub const CANCELLED: &str = "cancelled";
/// The exception type of a panic, in Sentry and on the span.
pub const PANIC_TYPE: &str = "panic";
/// The prefix of a gRPC status's exception type, `gRPC INTERNAL`, in Sentry and on the span.
pub const GRPC_EXCEPTION_PREFIX: &str = "gRPC ";

// Sentry.

/// The tag holding the OpenTelemetry trace id.
pub const TRACE_ID_TAG: &str = "otel.trace_id";
/// The tag holding the OpenTelemetry span id.
pub const SPAN_ID_TAG: &str = "otel.span_id";
/// The `op` of `contexts.trace` for events captured during a request.
pub const SERVER_OP: &str = "http.server";
/// The `op` of `contexts.trace` for events captured during a gRPC call.
pub const GRPC_SERVER_OP: &str = "grpc.server";
/// The tag naming a grouped cascade's root event.
pub const CASCADE_ROOT_TAG: &str = "cascade.root_event_id";
/// The first part of the fingerprint `["otel-cascade", "{trace_id}"]`.
pub const CASCADE_FINGERPRINT: &str = "otel-cascade";
/// `extra` key on a forwarded root cause: how many events of its trace it stands in for.
pub const CASCADING_ERRORS_SUPPRESSED: &str = "cascading_errors_suppressed";
/// `extra` key on a forwarded root cause: `[{type, message, span_id, event_id}]` of the
/// events it stands in for, in the order they were captured.
pub const CASCADING_ERRORS: &str = "cascading_errors";
/// Tag on a root cause the relay forwards: how many events of its trace it stands in for,
/// as a string (Sentry tags are strings). Same name as the `extra` key.
pub const CASCADING_ERRORS_SUPPRESSED_TAG: &str = "cascading_errors_suppressed";
