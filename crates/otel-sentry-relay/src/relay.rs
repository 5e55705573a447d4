//! The relay's state and its lifecycle: hold an event, decide the traces whose window
//! ended, forward everything held on shutdown.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::config::Config;
use crate::decision::decide;
use crate::held_event::HeldEvent;
use crate::shared_state::SharedState;
use crate::stats::{Stats, bump};
use crate::upstream::Upstream;
use crate::window::{TraceEvents, Window};

/// How often the hold is checked for traces whose window ended.
const TICK: Duration = Duration::from_millis(20);
/// How often Redis is swept for traces a dead replica owned.
const SWEEP: Duration = Duration::from_millis(250);

/// One relay process.
pub struct Relay {
    /// Counters.
    pub stats: Arc<Stats>,
    /// The queue upstream.
    pub upstream: Arc<Upstream>,
    window: Window,
    keep_suppressed: bool,
    shared: Option<SharedState>,
}

impl Relay {
    /// A relay for `config`, and the queue's receiver for [`Upstream::run`].
    pub fn new(
        config: &Config,
        shared: Option<SharedState>,
    ) -> Result<
        (
            Arc<Relay>,
            tokio::sync::mpsc::UnboundedReceiver<crate::held_event::Outgoing>,
        ),
        reqwest::Error,
    > {
        let stats = Arc::new(Stats::default());
        let (upstream, receiver) = Upstream::new(&config.upstream, config.queue, stats.clone())?;
        let relay = Relay {
            stats,
            upstream,
            window: Window::new(config.window, config.max_traces, config.max_held_bytes),
            keep_suppressed: config.keep_suppressed,
            shared,
        };
        Ok((Arc::new(relay), receiver))
    }

    /// Holds `event` for its trace's window.
    pub async fn hold(&self, event: HeldEvent) {
        if let Some(shared) = &self.shared
            && let Err(error) = shared.hold(&event).await
        {
            // Fail open: the event goes now, undecided, and is counted.
            tracing::warn!(error = error.0, "Redis unavailable: forwarding at once");
            bump(&self.stats.forwarded_redis_unavailable);
            self.upstream.send(event.into_outgoing());
            return;
        }
        // With Redis, this is the local copy: decided from Redis at the window's end, sent
        // as it is if Redis is gone by then.
        let early = self.window.hold(event, Instant::now());
        for trace in &early {
            self.stats
                .forwarded_window_full
                .fetch_add(trace.len() as u64, Ordering::Relaxed);
        }
        self.forward(early);
        self.refresh_held();
    }

    fn refresh_held(&self) {
        self.stats
            .held
            .store(self.window.held_events() as u64, Ordering::Relaxed);
    }

    /// Decides `traces` and queues what goes upstream.
    fn forward(&self, traces: Vec<TraceEvents>) {
        for events in traces {
            let decision = decide(events, self.keep_suppressed);
            self.stats
                .suppressed
                .fetch_add(decision.suppressed as u64, Ordering::Relaxed);
            for event in decision.forward {
                self.upstream.send(event.into_outgoing());
            }
        }
    }

    /// Decides the traces whose window ended, until the process ends.
    pub async fn decide_due(self: Arc<Self>) {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let due = self.window.due(Instant::now());
            if !due.is_empty() {
                match &self.shared {
                    None => self.forward(due),
                    Some(shared) => self.decide_shared(shared, due).await,
                }
                self.refresh_held();
            }
        }
    }

    /// Decides traces whose window ended here from what all replicas wrote to Redis.
    async fn decide_shared(&self, shared: &SharedState, due: Vec<TraceEvents>) {
        for local in due {
            let Some(trace_id) = local.first().map(|event| event.trace_id.clone()) else {
                continue;
            };
            match shared.claim(&trace_id).await {
                Ok(Some(events)) if !events.is_empty() => self.forward(vec![events]),
                // Another replica owns or decided it; its events are in Redis.
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(error = error.0, "Redis unavailable: forwarding held events");
                    self.stats
                        .forwarded_redis_unavailable
                        .fetch_add(local.len() as u64, Ordering::Relaxed);
                    for event in local {
                        self.upstream.send(event.into_outgoing());
                    }
                }
            }
        }
    }

    /// Takes over traces whose owner's lease ran out, until the process ends.
    pub async fn sweep(self: Arc<Self>) {
        let Some(shared) = &self.shared else {
            return;
        };
        let mut tick = tokio::time::interval(SWEEP);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let Ok(overdue) = shared.overdue().await else {
                continue;
            };
            for trace_id in overdue {
                if let Ok(Some(events)) = shared.claim(&trace_id).await
                    && !events.is_empty()
                {
                    self.forward(vec![events]);
                }
            }
        }
    }

    /// Shutdown: decides everything held now and waits up to `timeout` for upstream to
    /// take it; returns how many envelopes were left.
    pub async fn flush(&self, timeout: Duration) -> usize {
        let deadline = Instant::now() + timeout;
        let held = self.window.drain();
        match &self.shared {
            None => self.forward(held),
            Some(shared) => self.decide_shared(shared, held).await,
        }
        self.refresh_held();
        self.upstream.drained(deadline).await
    }

    /// `GET /stats`.
    pub fn stats_json(&self) -> Value {
        let mut stats = self.stats.to_json();
        stats["held_traces"] = Value::from(self.window.held_traces());
        stats
    }
}
