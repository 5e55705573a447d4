//! Extract and inject with our propagator against opentelemetry_sdk's stock ones, in the
//! same run, on valid headers.
//!
//! - `w3c/*`: `traceparent` + `tracestate` only: our codecs against `TraceContextPropagator`.
//! - `full/*`: `traceparent`, `tracestate` and `baggage`: `CorrelationPropagator` (which
//!   also looks for `sentry-trace` and writes it) against the stock composite of
//!   `TraceContextPropagator` and `BaggagePropagator`.
//!
//! Run with `cargo bench -p otel-sentry-benches --bench codecs`; allocations per call are
//! printed first.

mod support;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use http::{HeaderMap, HeaderValue};
use opentelemetry::Context;
use opentelemetry::baggage::BaggageExt;
use opentelemetry::propagation::{TextMapCompositePropagator, TextMapPropagator};
use opentelemetry::trace::TraceContextExt;
use opentelemetry_http::{HeaderExtractor, HeaderInjector};
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};
use otel_sentry::codecs::tracestate;
use otel_sentry::propagation::outgoing_trace;
use otel_sentry::{CorrelationPropagator, IncomingTrace, Traceparent};

#[global_allocator]
static ALLOCATOR: support::alloc_counter::CountingAllocator =
    support::alloc_counter::CountingAllocator;

const TRACEPARENT: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
const TRACESTATE: &str = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE";
const BAGGAGE: &str = "userId=alice,serverNode=DF%2028,isProduction=false";

fn request_headers(with_baggage: bool) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("traceparent", HeaderValue::from_static(TRACEPARENT));
    headers.insert("tracestate", HeaderValue::from_static(TRACESTATE));
    if with_baggage {
        headers.insert("baggage", HeaderValue::from_static(BAGGAGE));
    }
    headers.insert("user-agent", HeaderValue::from_static("bench/1.0"));
    headers.insert("accept", HeaderValue::from_static("*/*"));
    headers
}

/// Our W3C codecs alone, producing what `TraceContextPropagator::extract` produces.
fn ours_w3c_extract(headers: &HeaderMap) -> Context {
    let extractor = HeaderExtractor(headers);
    match Traceparent::extract(&extractor) {
        Ok(Some(parent)) => {
            let state = tracestate::extract(&extractor).unwrap_or_default();
            Context::new()
                .with_remote_span_context(parent.into_remote_span_context(state.trace_state))
        }
        _ => Context::new(),
    }
}

/// Our W3C codecs alone, writing what `TraceContextPropagator::inject_context` writes.
fn ours_w3c_inject(cx: &Context, headers: &mut HeaderMap) {
    let mut injector = HeaderInjector(headers);
    if let Some(parent) = outgoing_trace::traceparent(cx) {
        parent.inject(&mut injector);
        tracestate::inject(
            cx.span().span_context().trace_state(),
            None,
            &[],
            &mut injector,
        );
    }
}

fn print_allocations(name: &str, operation: impl FnMut() -> Box<dyn std::any::Any>) {
    let (allocations, bytes) = support::alloc_counter::per_call(10_000, operation);
    println!("{name:<32} {allocations:>6.1} allocations {bytes:>8.0} bytes per call");
}

fn extraction(c: &mut Criterion) {
    let stock_w3c = TraceContextPropagator::new();
    let stock_full = TextMapCompositePropagator::new(vec![
        Box::new(TraceContextPropagator::new()),
        Box::new(BaggagePropagator::new()),
    ]);
    let ours = CorrelationPropagator::new();
    let w3c_headers = request_headers(false);
    let full_headers = request_headers(true);

    // Same outcome before comparing cost.
    let (a, b) = (
        ours_w3c_extract(&w3c_headers),
        stock_w3c.extract(&HeaderExtractor(&w3c_headers)),
    );
    assert_eq!(a.span().span_context(), b.span().span_context());
    let (a, b) = (
        ours.extract(&HeaderExtractor(&full_headers)),
        stock_full.extract(&HeaderExtractor(&full_headers)),
    );
    assert_eq!(a.span().span_context(), b.span().span_context());
    assert_eq!(a.baggage().len(), b.baggage().len());

    print_allocations("extract/w3c/ours", || {
        Box::new(ours_w3c_extract(&w3c_headers))
    });
    print_allocations("extract/w3c/stock", || {
        Box::new(stock_w3c.extract(&HeaderExtractor(&w3c_headers)))
    });
    print_allocations("extract/full/ours", || {
        Box::new(ours.extract(&HeaderExtractor(&full_headers)))
    });
    print_allocations("extract/full/stock", || {
        Box::new(stock_full.extract(&HeaderExtractor(&full_headers)))
    });
    print_allocations("extract/full/ours IncomingTrace", || {
        Box::new(IncomingTrace::extract(&HeaderExtractor(&full_headers)))
    });

    let mut group = c.benchmark_group("extract");
    group.bench_function("w3c/ours", |b| {
        b.iter(|| ours_w3c_extract(black_box(&w3c_headers)))
    });
    group.bench_function("w3c/stock", |b| {
        b.iter(|| stock_w3c.extract(&HeaderExtractor(black_box(&w3c_headers))))
    });
    group.bench_function("full/ours", |b| {
        b.iter(|| ours.extract(&HeaderExtractor(black_box(&full_headers))))
    });
    group.bench_function("full/stock", |b| {
        b.iter(|| stock_full.extract(&HeaderExtractor(black_box(&full_headers))))
    });
    group.finish();
}

fn injection(c: &mut Criterion) {
    let stock_w3c = TraceContextPropagator::new();
    let stock_full = TextMapCompositePropagator::new(vec![
        Box::new(TraceContextPropagator::new()),
        Box::new(BaggagePropagator::new()),
    ]);
    let ours = CorrelationPropagator::new();
    let w3c_cx = ours.extract(&HeaderExtractor(&request_headers(false)));
    let full_cx = ours.extract(&HeaderExtractor(&request_headers(true)));

    let inject = |propagator: &dyn TextMapPropagator, cx: &Context| {
        let mut headers = HeaderMap::with_capacity(8);
        propagator.inject_context(cx, &mut HeaderInjector(&mut headers));
        headers
    };
    let ours_w3c = |cx: &Context| {
        let mut headers = HeaderMap::with_capacity(8);
        ours_w3c_inject(cx, &mut headers);
        headers
    };
    assert_eq!(ours_w3c(&w3c_cx), inject(&stock_w3c, &w3c_cx));

    print_allocations("inject/w3c/ours", || Box::new(ours_w3c(&w3c_cx)));
    print_allocations("inject/w3c/stock", || Box::new(inject(&stock_w3c, &w3c_cx)));
    print_allocations("inject/full/ours", || Box::new(inject(&ours, &full_cx)));
    print_allocations("inject/full/stock", || {
        Box::new(inject(&stock_full, &full_cx))
    });

    let mut group = c.benchmark_group("inject");
    group.bench_function("w3c/ours", |b| b.iter(|| ours_w3c(black_box(&w3c_cx))));
    group.bench_function("w3c/stock", |b| {
        b.iter(|| inject(&stock_w3c, black_box(&w3c_cx)))
    });
    group.bench_function("full/ours", |b| {
        b.iter(|| inject(&ours, black_box(&full_cx)))
    });
    group.bench_function("full/stock", |b| {
        b.iter(|| inject(&stock_full, black_box(&full_cx)))
    });
    group.finish();
}

criterion_group!(benches, extraction, injection);
criterion_main!(benches);
