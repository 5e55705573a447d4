//! An outgoing gRPC call: its client span named by the method (`package.Service/Method`,
//! with the RPC conventions' attributes, see [`span_start`]), and its status read where it
//! arrives: the response head for a trailers-only answer, else the trailers at the end of
//! the body ([`GrpcCallInProgress`]).
//!
//! Every status but `OK` marks the client span Error (the conventions' rule for client
//! spans), `error.type` the code's name and the status message its description. A failed
//! call whose answer names the Sentry event its server reported (`x-sentry-event-id`, in
//! the trailers or the headers) is recorded as for HTTP (see
//! [`downstream_report`](crate::dedup::downstream_report)): the caller's own failure is then
//! a cascade. An HTTP status other than 200 without `grpc-status` reads as the gRPC
//! specification maps it; a body that ends without trailers reads as `UNKNOWN`, one that
//! fails as a transport error. Each finished call leaves a `grpc` breadcrumb (method, URL,
//! status code) on the current Sentry hub, as an HTTP call leaves an `http` one, and records
//! `rpc.client.call.duration` (see [`client_duration`](crate::metrics::client_duration)).

use std::borrow::Cow;
use std::sync::Arc;

use http::HeaderMap;
use opentelemetry::trace::{Status, TraceContextExt};
use opentelemetry::{Context, KeyValue, StringValue};
use opentelemetry_semantic_conventions::attribute::{ERROR_TYPE, SERVER_ADDRESS, SERVER_PORT};
use sentry_core::types::Uuid;

use crate::client::call::{CallOutcome, ClientCall, server_of};
use crate::client::config::ClientConfig;
use crate::dedup::downstream_report::{DownstreamReport, event_id_from_lines};
use crate::failure::handler_error::HandlerError;
use crate::grpc::grpc_request::{RpcMethod, span_start};
use crate::grpc::grpc_status::{self, GrpcCode, GrpcStatus};
use crate::http::header_carrier::ReadHeaders;
use crate::metrics::client_duration::ClientTimer;
use crate::names::{RPC_OTHER_METHOD, SENTRY_EVENT_ID_HEADER};

/// Attributes written when the call ends: reserved up front.
const FINISH_ATTRIBUTES: usize = 5;

/// The `error.type` of a gRPC call whose transport failed: what tonic reads it as.
const TRANSPORT_ERROR: GrpcCode = GrpcCode::Unavailable;

impl ClientConfig {
    /// Starts the client span of a gRPC call to the absolute `url`
    /// (`http://host:port/package.Service/Method`) as a child of `parent_cx`'s span (a new
    /// trace when it holds none).
    pub fn start_grpc_call(self: &Arc<Self>, url: &str, parent_cx: &Context) -> ClientCall {
        let path = path_of(url);
        let rpc = RpcMethod::from_path(path);
        let (name, mut attributes) = span_start(rpc.as_ref(), path, 2 + FINISH_ATTRIBUTES);
        if let Some((host, port)) = server_of(url) {
            attributes.push(KeyValue::new(SERVER_ADDRESS, self.host_names.get(host)));
            if let Some(port) = port {
                attributes.push(KeyValue::new(SERVER_PORT, i64::from(port)));
            }
        }
        // The breadcrumb and messages name the path; the metric `_OTHER` (bounded).
        let (method, metric_method) = match &rpc {
            Some(rpc) => (rpc.full.clone(), rpc.full.clone()),
            None => (
                StringValue::from(path.to_owned()),
                StringValue::from(RPC_OTHER_METHOD),
            ),
        };
        let timer = ClientTimer::start_rpc(&self.metrics, metric_method);
        let url = StringValue::from(url.to_owned());
        ClientCall::start(
            self, name, attributes, parent_cx, method, url, None, timer, true,
        )
    }
}

/// The path of an absolute URL.
fn path_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = rest.find('/').map_or("", |start| &rest[start..]);
    path.split(['?', '#']).next().unwrap_or(path)
}

/// A gRPC call whose answer's head arrived without its status: it comes in the trailers.
///
/// Dropped before the body ended (the caller stopped reading), the call ends as cancelled.
#[derive(Debug)]
pub struct GrpcCallInProgress {
    call: ClientCall,
    /// The event id the head named, if the trailers name none.
    head_event_id: Option<Uuid>,
}

impl ClientCall {
    /// The answer's head arrived: with its status (a trailers-only answer, or an HTTP status
    /// other than 200) the call ends now and `None` is returned; otherwise the status is
    /// awaited in the trailers.
    pub fn grpc_head(self, http_status: u16, headers: &HeaderMap) -> Option<GrpcCallInProgress> {
        let head_event_id = event_id_in(headers);
        let status = match GrpcStatus::read(headers) {
            Some(status) => status,
            None if http_status != 200 => GrpcStatus {
                code: GrpcCode::from_http_status(http_status),
                message: format!("HTTP status {http_status} without grpc-status"),
            },
            None => {
                return Some(GrpcCallInProgress {
                    call: self,
                    head_event_id,
                });
            }
        };
        self.grpc_end(http_status, &status, head_event_id);
        None
    }

    /// No answer came (the channel failed to connect or send): the call ends as a transport
    /// error, `error.type` `UNAVAILABLE` as tonic reads it.
    pub fn grpc_fail(self, error: HandlerError<'_>) {
        self.fail(error.error, TRANSPORT_ERROR.name(), error.type_name);
    }

    /// Records `status` and ends the span; a failure naming `reported_event_id` is recorded
    /// as the downstream's report.
    fn grpc_end(
        mut self,
        http_status: u16,
        status: &GrpcStatus,
        reported_event_id: Option<Uuid>,
    ) -> Option<DownstreamReport> {
        self.ended = true;
        let span = self.cx.span();
        grpc_status::record_status(&span, status.code);
        let mut report = None;
        if status.code != GrpcCode::Ok {
            span.set_attribute(KeyValue::new(ERROR_TYPE, status.code.name()));
            span.set_status(Status::error(status.message.clone()));
            report =
                reported_event_id.map(|event_id| self.record_downstream(event_id, http_status));
        }
        span.end();
        if let Some(timer) = self.timer.take() {
            let failed = status.code != GrpcCode::Ok;
            timer.record_rpc(
                Some(status.code),
                failed.then_some(Cow::Borrowed(status.code.name())),
            );
        }
        self.leave_breadcrumb(CallOutcome::Grpc(status.code));
        report
    }
}

impl GrpcCallInProgress {
    /// The body ended with `trailers`: reads the status (`UNKNOWN` when they carry none) and
    /// ends the span. Returns the [`DownstreamReport`] a failure naming its event made.
    pub fn finish_with_trailers(self, trailers: &HeaderMap) -> Option<DownstreamReport> {
        let status = GrpcStatus::read(trailers).unwrap_or_else(GrpcStatus::missing);
        let event_id = event_id_in(trailers).or(self.head_event_id);
        self.call.grpc_end(200, &status, event_id)
    }

    /// The body ended without trailers: the call ended as `UNKNOWN`.
    pub fn finish(self) -> Option<DownstreamReport> {
        self.call
            .grpc_end(200, &GrpcStatus::missing(), self.head_event_id)
    }

    /// The body failed (the stream was reset, the connection lost): a transport error.
    pub fn fail(self, error: HandlerError<'_>) {
        self.call.grpc_fail(error);
    }
}

/// The event id `headers` name.
fn event_id_in(headers: &HeaderMap) -> Option<Uuid> {
    event_id_from_lines(headers.lines_named(SENTRY_EVENT_ID_HEADER))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_is_read_from_the_url() {
        assert_eq!(path_of("http://127.0.0.1:50051/a.B/C"), "/a.B/C");
        assert_eq!(path_of("http://host/a.B/C?x#y"), "/a.B/C");
        assert_eq!(path_of("http://host"), "");
        assert_eq!(path_of("/a.B/C"), "/a.B/C");
    }
}
