//! The counters `GET /stats` shows.

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;

/// Counters since start. `held` is a gauge: error events held now.
#[derive(Debug, Default)]
pub struct Stats {
    /// Envelopes and store requests accepted.
    pub received: AtomicU64,
    /// Error events received.
    pub events_received: AtomicU64,
    /// Requests refused: bad input, wrong path, no auth.
    pub rejected: AtomicU64,
    /// Requests answered 429 because the retry queue was full.
    pub throttled: AtomicU64,
    /// Envelopes (and store bodies) upstream accepted.
    pub forwarded: AtomicU64,
    /// Error events held now.
    pub held: AtomicU64,
    /// Error events a root cause stands in for.
    pub suppressed: AtomicU64,
    /// Error events forwarded at once because Redis was unreachable.
    pub forwarded_redis_unavailable: AtomicU64,
    /// Error events forwarded before their window ended because the hold was full.
    pub forwarded_window_full: AtomicU64,
    /// Upstream attempts that failed and were retried.
    pub upstream_retries: AtomicU64,
    /// Envelopes upstream refused (4xx other than 429): bad data, not retried.
    pub upstream_rejected: AtomicU64,
    /// Envelopes given up after the last retry or at the shutdown deadline.
    pub dropped: AtomicU64,
    /// Envelopes waiting to go upstream.
    pub queued: AtomicU64,
}

/// Adds one to `counter`.
pub fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl Stats {
    /// The counters as a JSON object.
    pub fn to_json(&self) -> Value {
        let read = |counter: &AtomicU64| Value::from(counter.load(Ordering::Relaxed));
        serde_json::json!({
            "received": read(&self.received),
            "events_received": read(&self.events_received),
            "rejected": read(&self.rejected),
            "throttled": read(&self.throttled),
            "forwarded": read(&self.forwarded),
            "held": read(&self.held),
            "suppressed": read(&self.suppressed),
            "forwarded_redis_unavailable": read(&self.forwarded_redis_unavailable),
            "forwarded_window_full": read(&self.forwarded_window_full),
            "upstream_retries": read(&self.upstream_retries),
            "upstream_rejected": read(&self.upstream_rejected),
            "dropped": read(&self.dropped),
            "queued": read(&self.queued),
        })
    }
}
