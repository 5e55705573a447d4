//! Sentry's own performance transactions next to ours: sentry-tower's `NewSentryLayer` /
//! `SentryHttpLayer` and sentry-actix's `Sentry` middleware, stacked outside or inside the
//! request layer, put their transaction in the server span's trace.
//!
//! - **Sentry's layers inside ours.** They read `sentry-trace` from the request to continue
//!   a trace, and start their transaction on the hub bound while they run, ours. The
//!   adapter writes into the request a `sentry-trace` naming the server span
//!   ([`ServerRequest::sentry_trace_for_inner`](crate::adapter::ServerRequest::sentry_trace_for_inner)):
//!   the transaction becomes the server span's child. `NewSentryLayer` derives its hub from
//!   the bound one, ours, whose scope (event processors included) it clones: events
//!   captured through it are stamped like ours.
//! - **Sentry's layers outside ours.** They bound a hub of their own and set their
//!   transaction on its scope before calling us ([`outer`]): the request hub derives from
//!   that hub instead of the main one (one chain of hubs, the transaction on its scope),
//!   and when no trace was continued from the request, the server span continues the
//!   transaction's trace, as its child.
//!
//! All of it only when the client traces (a `traces_sample_rate` above 0 or a `traces_sampler`):
//! without Sentry transactions there is nothing to line up, and nothing is done.

use std::sync::Arc;

use opentelemetry::Context;
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use sentry_core::{Client, Hub, TracesSamplingStrategy};

use crate::codecs::sentry_trace::SentryTrace;
use crate::names::SENTRY_TRACE_HEADER;
use crate::server::config::CorrelationConfig;

/// Whether `client` starts Sentry transactions.
pub(crate) fn traces(client: &Client) -> bool {
    match client.options().traces_sampling_strategy {
        TracesSamplingStrategy::FixedRate(rate) => rate > 0.0,
        TracesSamplingStrategy::Function(_) => true,
        _ => false,
    }
}

/// A Sentry transaction an outer layer started on the hub bound now.
pub(crate) struct OuterTransaction {
    /// The hub it is set on: the request hub derives from it.
    pub(crate) hub: Arc<Hub>,
    trace_id: TraceId,
    span_id: SpanId,
    sampled: bool,
}

/// The transaction an outer Sentry layer set on the scope of the hub bound now, when that
/// hub shares the client of the hub requests derive from (the main one, or
/// `CorrelationConfig::sentry_hub`) and the client traces.
pub(crate) fn outer(config: &CorrelationConfig) -> Option<OuterTransaction> {
    let hub = Hub::current();
    let client = hub.client()?;
    if !traces(&client)
        || !config
            .parent_hub()
            .client()
            .is_some_and(|parent| Arc::ptr_eq(&parent, &client))
    {
        return None;
    }
    let span = hub.configure_scope(|scope| scope.get_span())?;
    // Sentry's ids have no byte accessor: its own `sentry-trace` carries them.
    let header = span
        .iter_headers()
        .find(|(name, _)| *name == SENTRY_TRACE_HEADER)?;
    let parent = SentryTrace::parse(&header.1).ok()?;
    Some(OuterTransaction {
        hub,
        trace_id: parent.trace_id(),
        span_id: parent.span_id(),
        // A deferred decision is no decision against.
        sampled: parent.sampled() != Some(false),
    })
}

impl OuterTransaction {
    /// The context the server span starts under: `continued` when it holds a parent (the
    /// transaction continued the same `sentry-trace`, or a `traceparent` came), else the
    /// transaction as a remote parent. `untrusted` is the trace of a caller that is not
    /// trusted: a transaction continuing it is not followed.
    pub(crate) fn parent(&self, continued: Context, untrusted: Option<TraceId>) -> Context {
        if continued.span().span_context().is_valid() || untrusted == Some(self.trace_id) {
            return continued;
        }
        let flags = if self.sampled {
            TraceFlags::SAMPLED
        } else {
            TraceFlags::default()
        };
        continued.with_remote_span_context(SpanContext::new(
            self.trace_id,
            self.span_id,
            flags,
            true,
            TraceState::default(),
        ))
    }
}
