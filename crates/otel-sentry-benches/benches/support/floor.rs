//! The floor of a correlated request: what OpenTelemetry's SDK and Sentry cost for the
//! least any such layer must do — one server span with the attributes ours records (the
//! SDK tracer, the benchmarks' batch processor), continued from a remote parent, made
//! current for the handler (a `Context` attached) with one Sentry hub derived for the
//! request and bound, the status recorded, the span ended — with nothing of ours: no
//! header read, no Sentry request data, no response wrapping. Our overhead over bare,
//! divided by this, says how much of the cost is ours.

use std::sync::Arc;

use opentelemetry::trace::{
    SpanBuilder, SpanContext, SpanId, SpanKind, TraceContextExt, TraceFlags, TraceId, TraceState,
    Tracer,
};
use opentelemetry::{Context, KeyValue, StringValue};
use opentelemetry_sdk::trace::SdkTracer;
use sentry_core::Hub;

/// What each request of the floor shares: the tracer, the parent hub, the caller's context.
pub struct Floor {
    tracer: SdkTracer,
    parent_hub: Arc<Hub>,
    caller: Context,
    path: StringValue,
    route: StringValue,
    host: StringValue,
    user_agent: StringValue,
}

impl Floor {
    /// The floor on `tracer` and hubs derived from `parent_hub`, for a request to
    /// `/users/7` carrying the benchmarks' `traceparent`.
    pub fn new(tracer: SdkTracer, parent_hub: Arc<Hub>) -> Self {
        let caller = SpanContext::new(
            TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").expect("a trace id"),
            SpanId::from_hex("00f067aa0ba902b7").expect("a span id"),
            TraceFlags::SAMPLED,
            true,
            TraceState::default(),
        );
        Floor {
            tracer,
            parent_hub,
            caller: Context::new().with_remote_span_context(caller),
            path: "/users/7".into(),
            route: "/users/{id}".into(),
            host: "shop.example".into(),
            user_agent: "bench/1.0".into(),
        }
    }

    /// One request's span and hub, started and ended.
    pub fn request(&self) {
        let attributes = vec![
            KeyValue::new("http.request.method", "GET"),
            KeyValue::new("url.scheme", "http"),
            KeyValue::new("url.path", self.path.clone()),
            KeyValue::new("http.route", self.route.clone()),
            KeyValue::new("server.address", self.host.clone()),
            KeyValue::new("client.address", "127.0.0.1"),
            KeyValue::new("user_agent.original", self.user_agent.clone()),
            KeyValue::new("network.protocol.version", "1.1"),
        ];
        let span = self.tracer.build_with_context(
            SpanBuilder::from_name("GET /users/{id}")
                .with_kind(SpanKind::Server)
                .with_attributes(attributes),
            &self.caller,
        );
        let cx = self.caller.with_span(span);
        let hub = Arc::new(Hub::new_from_top(&self.parent_hub));
        {
            // The handler's one poll, inside the request's context and hub.
            let _attached = cx.clone().attach();
            Hub::run(Arc::clone(&hub), || std::hint::black_box(()));
        }
        let span = cx.span();
        span.set_attribute(KeyValue::new("http.response.status_code", 200_i64));
        span.end();
    }
}
