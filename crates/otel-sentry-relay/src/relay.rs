//! The relay's state and its lifecycle: hold an event, decide the traces whose window
//! ended, forward everything held on shutdown.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::config::Config;
use crate::decision::decide;
use crate::held_event::HeldEvent;
use crate::stats::Stats;
use crate::upstream::Upstream;
use crate::window::{TraceEvents, Window};

/// How often the hold is checked for traces whose window ended.
const TICK: Duration = Duration::from_millis(20);

/// One relay process.
pub struct Relay {
    /// Counters.
    pub stats: Arc<Stats>,
    /// The queue upstream.
    pub upstream: Arc<Upstream>,
    window: Window,
    keep_suppressed: bool,
}

impl Relay {
    /// A relay for `config`, and the queue's receiver for [`Upstream::run`].
    pub fn new(
        config: &Config,
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
        };
        Ok((Arc::new(relay), receiver))
    }

    /// Holds `event` for its trace's window.
    pub async fn hold(&self, event: HeldEvent) {
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
                self.forward(due);
                self.refresh_held();
            }
        }
    }

    /// Shutdown: decides everything held now and waits up to `timeout` for upstream to
    /// take it; returns how many envelopes were left.
    pub async fn flush(&self, timeout: Duration) -> usize {
        let deadline = Instant::now() + timeout;
        self.forward(self.window.drain());
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
