//! A gRPC response: HTTP 200 whatever its outcome, its status in the head for a
//! trailers-only answer (tonic's for a unary error) or else in the trailers at the end of
//! the body. A status in the head stands: trailers that carry one as well (no conforming
//! server sends both) are not read for it. The status is recorded on the span and
//! classified by the failure policy where it arrives; the Sentry event id of a failure is
//! answered beside it, in the headers or the trailers (the `traceparent` answer always goes
//! in the headers). A stream that ends without a status ended as `UNKNOWN`, as gRPC clients
//! read it. A panic is answered as `INTERNAL`.

use opentelemetry::StringValue;
use opentelemetry::propagation::Injector;
use opentelemetry::trace::TraceContextExt;
use sentry_core::types::Uuid;

use crate::failure::classify::ResponseSummary;
use crate::failure::handler_error::HandlerError;
use crate::grpc::grpc_request;
use crate::grpc::grpc_status::{self, GrpcCode, GrpcStatus};
use crate::http::header_carrier::ReadHeaders;
use crate::http::header_injector::HeaderInjector;
use crate::metrics::server_duration::ServerTimer;
use crate::names::CONTENT_TYPE_HEADER;
use crate::server::failure_report::Failure;
use crate::server::request::ServerRequest;
use crate::server::request_scope::RequestScope;
use crate::server::response::ResponseInProgress;
use crate::server::server_span;

/// The content type of the answer to a panic.
const GRPC_CONTENT_TYPE: &str = "application/grpc";
/// The message of the answer to a panic: nothing of the panic itself leaves the service.
const PANIC_MESSAGE: &str = "internal error";

impl ServerRequest {
    /// Whether the request is a gRPC call (`content-type: application/grpc…`).
    pub fn is_grpc(&self) -> bool {
        self.rpc.is_some()
    }

    /// Reports a response's head, as [`respond`](Self::respond) does; for a gRPC call with
    /// HTTP status 200, its gRPC status is read from `headers` when they carry it (a
    /// trailers-only answer), else it is awaited in the trailers (see
    /// [`ResponseInProgress::finish_with_trailers`]). For a gRPC call, `error` is the error
    /// behind the status when the adapter has it (a `tonic::Status`'s source).
    ///
    /// A request is only a gRPC call if its answer is one: a request that claimed gRPC (its
    /// content type is the caller's to choose) answered without `content-type:
    /// application/grpc…` is read as HTTP from here on — renamed by its route, classified by
    /// the HTTP rules — so that a caller cannot make a plain HTTP answer count as a failed
    /// call. (The `rpc.*` attributes its span started with stay.)
    pub fn respond_head(
        mut self,
        status: u16,
        headers: &impl ReadHeaders,
        error: Option<HandlerError<'_>>,
    ) -> ResponseInProgress {
        if self.rpc.is_some() && !answers_grpc(headers) {
            self.read_as_http();
        }
        let Some(rpc) = self.rpc.clone().filter(|_| status == 200) else {
            return self.respond(status, error);
        };
        match GrpcStatus::read(headers) {
            Some(grpc_status) => {
                let (failed, event_id) = settle(&self.scope, &rpc, &grpc_status, error);
                self.into_response(status, failed, event_id)
            }
            None => {
                let mut progress = self.into_response(status, false, None);
                progress.awaits_trailers = true;
                progress
            }
        }
    }
}

impl ServerRequest {
    /// A request read as a gRPC call whose answer is not one: named and routed as HTTP.
    fn read_as_http(&mut self) {
        self.rpc = None;
        self.scope.with_timer(ServerTimer::clear_rpc);
        match self.http_route.take() {
            Some(route) => self.set_route(route.as_str()),
            None => self
                .scope
                .cx
                .span()
                .update_name(server_span::routeless_span_name(&self.method)),
        }
    }
}

/// Whether a response's head says it is a gRPC answer (`content-type: application/grpc…`).
fn answers_grpc(headers: &impl ReadHeaders) -> bool {
    headers
        .lines_named(CONTENT_TYPE_HEADER)
        .next()
        .and_then(|value| std::str::from_utf8(value).ok())
        .is_some_and(grpc_request::is_grpc_content_type)
}

impl ResponseInProgress {
    /// Whether the response is a gRPC call's whose status is still to come, in the trailers.
    pub fn awaits_trailers(&self) -> bool {
        self.awaits_trailers
    }

    /// The body ended with `trailers`: a gRPC status still to come is read from them,
    /// recorded and classified, and the Sentry event id of a failure written into them for a
    /// trusted caller; then the span ends.
    pub fn finish_with_trailers(mut self, trailers: &mut http::HeaderMap) {
        if self.awaits_trailers {
            self.awaits_trailers = false;
            let status = GrpcStatus::read(&*trailers).unwrap_or_else(GrpcStatus::missing);
            self.settle(&status);
            if self.trusted() {
                self.inject_event_id(&mut HeaderInjector(trailers));
            }
        }
        self.finish();
    }

    /// A gRPC status still to come never came: the call ended as `UNKNOWN`.
    pub(crate) fn settle_missing_status(&mut self) {
        if self.awaits_trailers {
            self.awaits_trailers = false;
            self.settle(&GrpcStatus::missing());
        }
    }

    fn settle(&mut self, status: &GrpcStatus) {
        let rpc = self.rpc.clone().unwrap_or(StringValue::from(""));
        let (failed, event_id) = settle(self.scope(), &rpc, status, None);
        self.failed = failed;
        self.event_id = event_id;
    }

    /// Writes the headers of the answer to a panic and returns its HTTP status: for a gRPC
    /// call, 200 with `grpc-status` `INTERNAL` (a trailers-only answer); else 500. Then the
    /// configured trace headers, as [`inject_headers`](Self::inject_headers).
    pub fn inject_panic_answer(&self, injector: &mut dyn Injector) -> u16 {
        let status = if self.rpc.is_some() {
            injector.set(CONTENT_TYPE_HEADER, GRPC_CONTENT_TYPE.to_owned());
            GrpcStatus {
                code: GrpcCode::Internal,
                message: PANIC_MESSAGE.to_owned(),
            }
            .inject(injector);
            200
        } else {
            500
        };
        self.inject_headers(injector);
        status
    }
}

/// Records `status` of the call `rpc` on the span, classifies it and reports a failure
/// (with `source`, the error behind it); returns whether it failed and the event standing
/// for it.
fn settle(
    scope: &RequestScope,
    rpc: &StringValue,
    status: &GrpcStatus,
    source: Option<HandlerError<'_>>,
) -> (bool, Option<Uuid>) {
    record_code(scope, status.code);
    let mut summary = ResponseSummary::new(200, "POST")
        .with_grpc_status(status.code)
        .with_route(rpc.as_str());
    summary.error = source.map(|source| source.error);
    if !scope.config.failure_policy.classify(&summary) {
        return (false, None);
    }
    let failure = Failure::Grpc {
        rpc: rpc.as_str(),
        status,
        source,
    };
    (true, scope.report(failure))
}

/// Records a call's status `code` on its span and for its duration metric.
pub(crate) fn record_code(scope: &RequestScope, code: GrpcCode) {
    grpc_status::record_status(&scope.cx.span(), code);
    scope.with_timer(|timer| timer.set_grpc_code(code));
}
