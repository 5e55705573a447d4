//! `http.client.request.duration`: an outgoing call's time from its start to its response
//! head or transport error (or its cancellation), with the client span's attributes.
//!
//! Bounded like the server's: the host is interned, the method `_OTHER` when unknown, and
//! no URL or path is ever an attribute.
//!
//! A gRPC call records `rpc.client.call.duration` instead, to its status (head or
//! trailers), with `rpc.system.name`, `rpc.method` (the method the client's code calls,
//! `_OTHER` for a path naming none), `rpc.response.status_code` and, for every status but
//! `OK` (the conventions' rule for clients), `error.type`.

use std::borrow::Cow;
use std::time::Instant;

use opentelemetry::metrics::Histogram;
use opentelemetry::{KeyValue, StringValue};
use opentelemetry_semantic_conventions::attribute::{
    ERROR_TYPE, HTTP_REQUEST_METHOD, HTTP_RESPONSE_STATUS_CODE, SERVER_ADDRESS, SERVER_PORT,
    URL_SCHEME,
};

use crate::grpc::grpc_status::GrpcCode;
use crate::metrics::instruments::HttpMetrics;
use crate::metrics::rpc_attributes::rpc_attributes;

/// Attributes a client call's duration can carry.
const MAX_ATTRIBUTES: usize = 6;

/// A started call's clock and the attributes its duration is recorded with.
pub(crate) struct ClientTimer {
    histogram: Histogram<f64>,
    started: Instant,
    method: StringValue,
    scheme: &'static str,
    server: Option<(StringValue, Option<u16>)>,
    /// A gRPC call's: `method` is its `rpc.method`.
    rpc: bool,
}

impl ClientTimer {
    /// Starts the clock, unless `metrics` are off.
    pub(crate) fn start(
        metrics: &HttpMetrics,
        method: StringValue,
        scheme: &'static str,
        server: Option<(StringValue, Option<u16>)>,
    ) -> Option<Self> {
        let instruments = metrics.instruments()?;
        Some(ClientTimer {
            histogram: instruments.client_duration.clone(),
            started: Instant::now(),
            method,
            scheme,
            server,
            rpc: false,
        })
    }

    /// Starts the clock of a gRPC call of `rpc_method`, unless `metrics` are off.
    pub(crate) fn start_rpc(metrics: &HttpMetrics, rpc_method: StringValue) -> Option<Self> {
        let instruments = metrics.instruments()?;
        Some(ClientTimer {
            histogram: instruments.rpc_client_duration.clone(),
            started: Instant::now(),
            method: rpc_method,
            scheme: "",
            server: None,
            rpc: true,
        })
    }

    /// Records a gRPC call's duration now, with its status `code` when one came and
    /// `error_type` when the call failed.
    pub(crate) fn record_rpc(self, code: Option<GrpcCode>, error_type: Option<Cow<'static, str>>) {
        let elapsed = self.started.elapsed().as_secs_f64();
        let (attributes, len) = rpc_attributes(self.method, code, error_type);
        self.histogram.record(elapsed, &attributes[..len]);
    }

    /// Records the duration now, with the response's `status` when one came and
    /// `error_type` when the call failed.
    pub(crate) fn record(self, status: Option<u16>, error_type: Option<Cow<'static, str>>) {
        if self.rpc {
            // A gRPC call that got no status: cancelled, or its transport failed.
            return self.record_rpc(None, error_type);
        }
        let elapsed = self.started.elapsed().as_secs_f64();
        // A fixed array sliced to the attributes present: no allocation. The filler is
        // never read past `len`.
        let mut attributes: [KeyValue; MAX_ATTRIBUTES] =
            std::array::from_fn(|_| KeyValue::new(URL_SCHEME, self.scheme));
        attributes[0] = KeyValue::new(HTTP_REQUEST_METHOD, self.method);
        attributes[1] = KeyValue::new(URL_SCHEME, self.scheme);
        let mut len = 2;
        if let Some((host, port)) = self.server {
            attributes[len] = KeyValue::new(SERVER_ADDRESS, host);
            len += 1;
            if let Some(port) = port {
                attributes[len] = KeyValue::new(SERVER_PORT, i64::from(port));
                len += 1;
            }
        }
        if let Some(status) = status {
            attributes[len] = KeyValue::new(HTTP_RESPONSE_STATUS_CODE, i64::from(status));
            len += 1;
        }
        if let Some(error_type) = error_type {
            attributes[len] = KeyValue::new(ERROR_TYPE, error_type);
            len += 1;
        }
        self.histogram.record(elapsed, &attributes[..len]);
    }
}
