//! Forwarding upstream: a bounded queue of envelopes, sent concurrently, retried with
//! backoff while upstream is down or overloaded. When the queue is full new requests are
//! answered 429 (what Sentry sends an SDK that should back off); decisions of events
//! already held are always queued, so the bound is the cap plus what the hold holds.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, Semaphore, mpsc};

use crate::held_event::{Endpoint, Outgoing};
use crate::stats::{Stats, bump};

/// Attempts per envelope before it is given up (about two minutes of backoff).
const MAX_ATTEMPTS: u32 = 12;
/// Requests upstream at a time.
const CONCURRENCY: usize = 32;

/// The queue and its sender.
pub struct Upstream {
    base: String,
    client: reqwest::Client,
    capacity: usize,
    queued: AtomicUsize,
    idle: Notify,
    sender: mpsc::UnboundedSender<Outgoing>,
    stats: Arc<Stats>,
}

impl Upstream {
    /// A queue of `capacity` envelopes to `base` (`https://o1.ingest.sentry.io`); the
    /// receiver goes to [`run`](Self::run).
    pub fn new(
        base: &str,
        capacity: usize,
        stats: Arc<Stats>,
    ) -> Result<(Arc<Upstream>, mpsc::UnboundedReceiver<Outgoing>), reqwest::Error> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(2))
            .timeout(Duration::from_secs(15))
            .build()?;
        let (sender, receiver) = mpsc::unbounded_channel();
        let upstream = Upstream {
            base: base.trim_end_matches('/').to_owned(),
            client,
            capacity,
            queued: AtomicUsize::new(0),
            idle: Notify::new(),
            sender,
            stats,
        };
        Ok((Arc::new(upstream), receiver))
    }

    /// Whether `count` more envelopes fit in the queue.
    pub fn has_room(&self, count: usize) -> bool {
        self.queued.load(Ordering::SeqCst) + count <= self.capacity
    }

    /// Queues `outgoing`.
    pub fn send(&self, outgoing: Outgoing) {
        self.queued.fetch_add(1, Ordering::SeqCst);
        bump(&self.stats.queued);
        if self.sender.send(outgoing).is_err() {
            // The dispatcher is gone only after shutdown's deadline.
            self.done();
            bump(&self.stats.dropped);
        }
    }

    fn done(&self) {
        self.stats.queued.fetch_sub(1, Ordering::Relaxed);
        if self.queued.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.idle.notify_waiters();
        }
    }

    /// Waits until the queue is empty or `deadline` passes; returns what is left.
    pub async fn drained(&self, deadline: Instant) -> usize {
        loop {
            let idle = self.idle.notified();
            let left = self.queued.load(Ordering::SeqCst);
            if left == 0 || Instant::now() >= deadline {
                return left;
            }
            let _ = tokio::time::timeout(Duration::from_millis(50), idle).await;
        }
    }

    /// Sends what is queued until the process ends.
    pub async fn run(self: Arc<Self>, mut receiver: mpsc::UnboundedReceiver<Outgoing>) {
        let permits = Arc::new(Semaphore::new(CONCURRENCY));
        while let Some(outgoing) = receiver.recv().await {
            let upstream = self.clone();
            let permits = permits.clone();
            tokio::spawn(async move { upstream.deliver(outgoing, &permits).await });
        }
    }

    async fn deliver(&self, outgoing: Outgoing, permits: &Semaphore) {
        for attempt in 0..MAX_ATTEMPTS {
            let result = {
                let Ok(_permit) = permits.acquire().await else {
                    break;
                };
                self.attempt(&outgoing).await
            };
            let wait = match result {
                Attempt::Done => {
                    bump(&self.stats.forwarded);
                    self.done();
                    return;
                }
                Attempt::Refused(status) => {
                    tracing::warn!(%status, "upstream refused an envelope");
                    bump(&self.stats.upstream_rejected);
                    self.done();
                    return;
                }
                Attempt::Retry(after) => after,
            };
            bump(&self.stats.upstream_retries);
            let backoff =
                Duration::from_millis(100u64 << attempt.min(7)).min(Duration::from_secs(10));
            tokio::time::sleep(wait.unwrap_or(backoff).min(Duration::from_secs(60))).await;
        }
        tracing::error!("gave an envelope up after {MAX_ATTEMPTS} attempts");
        bump(&self.stats.dropped);
        self.done();
    }

    async fn attempt(&self, outgoing: &Outgoing) -> Attempt {
        let url = format!("{}{}", self.base, outgoing.target.path_and_query());
        let content_type = match outgoing.target.endpoint {
            Endpoint::Envelope => "application/x-sentry-envelope",
            Endpoint::Store => "application/json",
        };
        let mut request = self
            .client
            .post(url)
            .header("content-type", content_type)
            .body(outgoing.body.clone());
        if let Some(auth) = &outgoing.target.auth_header {
            request = request.header("x-sentry-auth", auth);
        }
        if let Some(agent) = &outgoing.target.user_agent {
            request = request.header("user-agent", agent);
        }
        match request.send().await {
            Ok(response) if response.status().is_success() => Attempt::Done,
            Ok(response)
                if response.status().as_u16() == 429 || response.status().is_server_error() =>
            {
                let after = response
                    .headers()
                    .get("retry-after")
                    .and_then(|value| value.to_str().ok())
                    .and_then(|value| value.trim().parse::<u64>().ok())
                    .map(Duration::from_secs);
                Attempt::Retry(after)
            }
            Ok(response) => Attempt::Refused(response.status()),
            Err(error) => {
                tracing::debug!(%error, "upstream unreachable");
                Attempt::Retry(None)
            }
        }
    }
}

enum Attempt {
    Done,
    Refused(reqwest::StatusCode),
    Retry(Option<Duration>),
}
