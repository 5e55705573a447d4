//! The tracer that starts server and client spans, and what a request gets when no
//! OpenTelemetry SDK records it.
//!
//! A tracer passed in is kept (the SDK's own without boxing, so its spans take one
//! allocation fewer). Otherwise the global tracer provider's is used, looked up once and
//! looked up again while it records nothing: a provider installed after the first request
//! is still picked up.
//!
//! Without a recording SDK, OpenTelemetry's no-op tracer answers with the caller's span
//! context, and a shut-down SDK with an invalid one. Sentry events and response headers
//! would then name the caller's span or no span at all; the request gets a span context of
//! its own instead (the caller's trace id, or a new one, and a new span id), which records
//! nothing. An outgoing request then still names a parent of its own in `traceparent`.

use std::any::Any;
use std::sync::{Arc, RwLock};

use opentelemetry::global::{self, BoxedTracer};
use opentelemetry::trace::{Span, SpanBuilder, SpanContext, TraceContextExt, Tracer};
use opentelemetry::{Context, InstrumentationScope};
use opentelemetry_sdk::trace::{IdGenerator, RandomIdGenerator, SdkTracer};

/// The tracer of a configuration; clones share it.
#[derive(Clone, Default)]
pub(crate) struct SpanTracer(Arc<Kind>);

enum Kind {
    Sdk(SdkTracer),
    Boxed(BoxedTracer),
    /// The global provider's tracer, once looked up.
    Global(RwLock<Option<BoxedTracer>>),
}

impl Default for Kind {
    fn default() -> Self {
        Kind::Global(RwLock::new(None))
    }
}

impl SpanTracer {
    /// `tracer`, whatever its type.
    pub(crate) fn new<T, S>(tracer: T) -> Self
    where
        T: Tracer<Span = S> + Send + Sync + 'static,
        S: Span + Send + Sync + 'static,
    {
        let kind = match (&tracer as &dyn Any).downcast_ref::<SdkTracer>() {
            Some(sdk) => Kind::Sdk(sdk.clone()),
            None => Kind::Boxed(BoxedTracer::new(Box::new(tracer))),
        };
        SpanTracer(Arc::new(kind))
    }

    /// Whether a tracer was given (rather than the global provider's).
    pub(crate) fn is_set(&self) -> bool {
        !matches!(*self.0, Kind::Global(_))
    }

    /// Starts a span and returns `parent_cx` holding it; see the module docs for what a
    /// request gets when nothing records it.
    pub(crate) fn start(&self, builder: SpanBuilder, parent_cx: &Context) -> Context {
        let cx = match &*self.0 {
            Kind::Sdk(tracer) => parent_cx.with_span(tracer.build_with_context(builder, parent_cx)),
            Kind::Boxed(tracer) => {
                parent_cx.with_span(tracer.build_with_context(builder, parent_cx))
            }
            Kind::Global(cached) => start_with_global(cached, builder, parent_cx),
        };
        let parent = parent_cx.span();
        let span = cx.span();
        let started = span.span_context();
        let echoes_parent = parent.span_context().is_valid()
            && started.span_id() == parent.span_context().span_id();
        if started.is_valid() && !echoes_parent {
            return cx;
        }
        if let Kind::Global(cached) = &*self.0
            && let Ok(mut cached) = cached.write()
        {
            // Perhaps no provider was installed yet: look again at the next request.
            *cached = None;
        }
        parent_cx.with_remote_span_context(own_span_context(parent.span_context()))
    }
}

fn start_with_global(
    cached: &RwLock<Option<BoxedTracer>>,
    builder: SpanBuilder,
    parent_cx: &Context,
) -> Context {
    if let Ok(tracer) = cached.read()
        && let Some(tracer) = tracer.as_ref()
    {
        return parent_cx.with_span(tracer.build_with_context(builder, parent_cx));
    }
    let tracer = global_tracer();
    let cx = parent_cx.with_span(tracer.build_with_context(builder, parent_cx));
    if let Ok(mut cached) = cached.write() {
        *cached = Some(tracer);
    }
    cx
}

fn global_tracer() -> BoxedTracer {
    let scope = InstrumentationScope::builder("otel-sentry")
        .with_version(env!("CARGO_PKG_VERSION"))
        .with_schema_url(opentelemetry_semantic_conventions::SCHEMA_URL)
        .build();
    global::tracer_with_scope(scope)
}

/// A span context for a request nothing records: the caller's trace (or a new one) with a
/// span id of its own, not remote.
fn own_span_context(parent: &SpanContext) -> SpanContext {
    let ids = RandomIdGenerator::default();
    let (trace_id, flags, state) = if parent.is_valid() {
        (
            parent.trace_id(),
            parent.trace_flags(),
            parent.trace_state().clone(),
        )
    } else {
        (ids.new_trace_id(), Default::default(), Default::default())
    };
    SpanContext::new(trace_id, ids.new_span_id(), flags, false, state)
}
