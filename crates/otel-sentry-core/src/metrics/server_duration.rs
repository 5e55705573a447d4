//! `http.server.request.duration`: a request's time from its start to the end of its
//! span (the end of the body, a failure without a response, a client disconnect), with
//! the span's route and attributes.
//!
//! The contrib middlewares stop the clock at the response head, which undercounts a
//! streamed body; this one stops where the span stops. The attribute set stays bounded:
//! `http.route` is a template or absent, never the path; a method outside the known ones
//! is `_OTHER`. The attributes are built on the stack from shared strings, so recording
//! allocates nothing of ours.
//!
//! A gRPC call records `rpc.server.call.duration` instead, with `rpc.system.name`,
//! `rpc.method` (`_OTHER` for a path naming no method, and for an `UNIMPLEMENTED` answer:
//! a caller's invented methods must not make attribute sets), `rpc.response.status_code`
//! and `error.type`.
//!
//! The opt-in body sizes are recorded at the same moment with the same attributes:
//! `http.server.request.body.size` from the request's `Content-Length` (the layer never
//! reads the request body), `http.server.response.body.size` as the bytes the body sent.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Instant;

use opentelemetry::{KeyValue, StringValue};
use opentelemetry_semantic_conventions::attribute::{
    ERROR_TYPE, HTTP_REQUEST_METHOD, HTTP_RESPONSE_STATUS_CODE, HTTP_ROUTE, NETWORK_PROTOCOL_NAME,
    NETWORK_PROTOCOL_VERSION, URL_SCHEME,
};

use crate::grpc::grpc_status::GrpcCode;
use crate::names::RPC_OTHER_METHOD;

use crate::metrics::active_requests::ActiveRequest;
use crate::metrics::instruments::{HttpMetrics, Instruments};
use crate::metrics::rpc_attributes::rpc_attributes;

/// Attributes a server request's duration can carry.
const MAX_ATTRIBUTES: usize = 7;

/// A started request's clock and the attributes its duration is recorded with.
pub(crate) struct ServerTimer {
    instruments: Arc<Instruments>,
    started: Instant,
    /// `Content-Length`, when body sizes are recorded and the request announced one.
    request_body_size: Option<u64>,
    body_sizes: bool,
    method: StringValue,
    /// A gRPC call's `rpc.method` (`_OTHER` when its path names none); `None` for HTTP.
    rpc: Option<StringValue>,
    /// The call's status code, once known.
    grpc_code: Option<GrpcCode>,
    scheme: &'static str,
    version: &'static str,
    route: Option<StringValue>,
    /// The `error.type` the span was last given, when the request failed.
    error_type: Option<Cow<'static, str>>,
    /// The request's count in `http.server.active_requests`, when opted in: taken back
    /// when the timer records or is dropped. Boxed: one allocation for those who opt in,
    /// rather than its attributes inline in every request's future and body.
    _active: Option<Box<ActiveRequest>>,
}

impl ServerTimer {
    /// Starts the clock, unless `metrics` are off.
    pub(crate) fn start(
        metrics: &HttpMetrics,
        method: StringValue,
        scheme: &'static str,
        version: &'static str,
        route: Option<StringValue>,
        content_length: Option<&str>,
        rpc: Option<StringValue>,
    ) -> Option<Self> {
        let instruments = metrics.instruments()?;
        let active = metrics.active_requests.then(|| {
            Box::new(ActiveRequest::start(
                &instruments.active_requests,
                method.clone(),
                scheme,
            ))
        });
        let request_body_size = if metrics.body_sizes {
            content_length.and_then(|value| value.trim().parse().ok())
        } else {
            None
        };
        Some(ServerTimer {
            instruments,
            started: Instant::now(),
            request_body_size,
            body_sizes: metrics.body_sizes,
            method,
            rpc,
            grpc_code: None,
            scheme,
            version,
            route,
            error_type: None,
            _active: active,
        })
    }

    /// Names the request's route template, as the span is renamed.
    pub(crate) fn set_route(&mut self, route: StringValue) {
        self.route = Some(route);
    }

    /// A request read as a gRPC call whose answer is not one: its duration is HTTP's.
    pub(crate) fn clear_rpc(&mut self) {
        self.rpc = None;
    }

    /// Remembers a gRPC call's status code.
    pub(crate) fn set_grpc_code(&mut self, code: GrpcCode) {
        self.grpc_code = Some(code);
    }

    /// Remembers the `error.type` the span was given; the last one stands, as on the span.
    pub(crate) fn set_error_type(&mut self, error_type: Cow<'static, str>) {
        self.error_type = Some(error_type);
    }

    /// Records the duration now, with the response's `status` when one was sent and
    /// `fallback_error` as `error.type` when no failure named one (a client disconnect);
    /// with body sizes on, `response_body_size` is what the body sent (`None` without a
    /// response).
    pub(crate) fn record(
        self,
        status: Option<u16>,
        fallback_error: Option<&'static str>,
        response_body_size: Option<u64>,
    ) {
        let elapsed = self.started.elapsed().as_secs_f64();
        let error_type = self.error_type.or(fallback_error.map(Cow::Borrowed));
        if let Some(rpc) = self.rpc {
            record_rpc(&self.instruments, elapsed, rpc, self.grpc_code, error_type);
            return;
        }
        // A fixed array sliced to the attributes present: no allocation. Made in one
        // expression, the optional ones packed after the fixed four, so that no element is
        // overwritten (each overwrite drops one); the filler is never read past `len`.
        let status =
            status.map(|status| KeyValue::new(HTTP_RESPONSE_STATUS_CODE, i64::from(status)));
        let route = self.route.map(|route| KeyValue::new(HTTP_ROUTE, route));
        let error_type = error_type.map(|error_type| KeyValue::new(ERROR_TYPE, error_type));
        let len = 4
            + usize::from(status.is_some())
            + usize::from(route.is_some())
            + usize::from(error_type.is_some());
        let mut optional = [status, route, error_type].into_iter().flatten();
        let mut next = || {
            optional
                .next()
                .unwrap_or_else(|| KeyValue::new(NETWORK_PROTOCOL_NAME, "http"))
        };
        let attributes: [KeyValue; MAX_ATTRIBUTES] = [
            KeyValue::new(HTTP_REQUEST_METHOD, self.method),
            KeyValue::new(URL_SCHEME, self.scheme),
            KeyValue::new(NETWORK_PROTOCOL_NAME, "http"),
            KeyValue::new(NETWORK_PROTOCOL_VERSION, self.version),
            next(),
            next(),
            next(),
        ];
        let attributes = &attributes[..len];
        self.instruments.server_duration.record(elapsed, attributes);
        if self.body_sizes {
            if let Some(size) = self.request_body_size {
                self.instruments.request_body_size.record(size, attributes);
            }
            if let Some(size) = response_body_size {
                self.instruments.response_body_size.record(size, attributes);
            }
        }
    }
}

/// Records a gRPC call's `rpc.server.call.duration`.
fn record_rpc(
    instruments: &Instruments,
    elapsed: f64,
    rpc: StringValue,
    code: Option<GrpcCode>,
    error_type: Option<Cow<'static, str>>,
) {
    // An UNIMPLEMENTED answer names a method the server does not have: one set for all.
    let method = match code {
        Some(GrpcCode::Unimplemented) => StringValue::from(RPC_OTHER_METHOD),
        _ => rpc,
    };
    let (attributes, len) = rpc_attributes(method, code, error_type);
    instruments
        .rpc_server_duration
        .record(elapsed, &attributes[..len]);
}
