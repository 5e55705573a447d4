//! State shared by replicas in Redis, so any number of them decide once per trace.
//!
//! Per trace `T`: the list `otel-sentry-relay:{T}:events` of held events (TTL: window plus
//! lease plus a second), the owner key `…:owner` (`SET NX`, TTL window plus lease: the
//! lease), and an entry in the sorted set `otel-sentry-relay:due` scored with the time the
//! lease runs out. The owner decides at the window's end; if it dies, its lease runs out
//! and any replica's sweep takes the trace over. The claim is one Lua script — read the
//! events, delete them and the owner, leave the due set — so exactly one replica forwards.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use redis::aio::ConnectionManager;

use crate::held_event::HeldEvent;

/// Redis operations slower than this fail open: the SDK is answered at once.
const TIMEOUT: Duration = Duration::from_millis(300);
/// The sorted set of traces by when their lease runs out.
const DUE_KEY: &str = "otel-sentry-relay:due";
/// Traces a sweep takes at most.
const SWEEP_BATCH: isize = 200;

const CLAIM: &str = r"
local owner = redis.call('GET', KEYS[2])
if owner and owner ~= ARGV[1] then return false end
local events = redis.call('LRANGE', KEYS[1], 0, -1)
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[2])
return events
";

/// The replicas' shared state.
pub struct SharedState {
    connection: ConnectionManager,
    replica: String,
    window: Duration,
    lease: Duration,
    claim: redis::Script,
}

/// Redis failed or was too slow.
#[derive(Debug)]
pub struct Unavailable(pub String);

fn events_key(trace_id: &str) -> String {
    format!("otel-sentry-relay:{{{trace_id}}}:events")
}

fn owner_key(trace_id: &str) -> String {
    format!("otel-sentry-relay:{{{trace_id}}}:owner")
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis() as u64
}

impl SharedState {
    /// Prepares the connection to `url` without waiting for it: a Redis that is down when
    /// the relay starts is failed open like one that goes down later (each command times
    /// out and the event is forwarded at once); the connection manager connects and
    /// reconnects as Redis comes and goes. Only a malformed URL is an error.
    pub async fn connect(url: &str, window: Duration) -> Result<SharedState, Unavailable> {
        let client = redis::Client::open(url).map_err(|error| Unavailable(error.to_string()))?;
        let connection = ConnectionManager::new_lazy_with_config(
            client,
            redis::aio::ConnectionManagerConfig::new(),
        )
        .map_err(|error| Unavailable(error.to_string()))?;
        Ok(SharedState {
            connection,
            replica: format!("{}-{}", std::process::id(), now_ms()),
            window,
            // Long enough for an owner under load to decide, short enough that a dead one's
            // traces still arrive soon after their window.
            lease: (window / 2).max(Duration::from_secs(1)),
            claim: redis::Script::new(CLAIM),
        })
    }

    /// After a Redis restart the first command on an old connection may fail: once more.
    async fn twice<T, F, Fut>(&self, operation: F) -> Result<T, Unavailable>
    where
        F: Fn(ConnectionManager) -> Fut,
        Fut: std::future::Future<Output = redis::RedisResult<T>>,
    {
        let mut last = String::new();
        for _ in 0..2 {
            match tokio::time::timeout(TIMEOUT, operation(self.connection.clone())).await {
                Ok(Ok(value)) => return Ok(value),
                Ok(Err(error)) => last = error.to_string(),
                Err(_) => last = format!("no answer in {TIMEOUT:?}"),
            }
        }
        Err(Unavailable(last))
    }

    /// Writes `event` to its trace; `true` when this replica owns the trace's decision.
    pub async fn hold(&self, event: &HeldEvent) -> Result<bool, Unavailable> {
        let trace = event.trace_id.clone();
        let bytes = event.to_bytes();
        let lease_ms = (self.window + self.lease).as_millis() as u64;
        let ttl_ms = lease_ms + 1000;
        let due = now_ms() + lease_ms;
        let replica = self.replica.clone();
        let (_, _, owner, _): ((), (), Option<String>, ()) = self
            .twice(|mut connection| {
                let mut pipe = redis::pipe();
                pipe.atomic()
                    .rpush(events_key(&trace), bytes.clone())
                    .ignore()
                    .pexpire(events_key(&trace), ttl_ms as i64)
                    .ignore()
                    .cmd("SET")
                    .arg(owner_key(&trace))
                    .arg(&replica)
                    .arg("NX")
                    .arg("PX")
                    .arg(lease_ms)
                    .cmd("ZADD")
                    .arg(DUE_KEY)
                    .arg("NX")
                    .arg(due)
                    .arg(&trace)
                    .ignore();
                async move {
                    let (owner,): (Option<String>,) = pipe.query_async(&mut connection).await?;
                    Ok(((), (), owner, ()))
                }
            })
            .await?;
        Ok(owner.is_some())
    }

    /// Takes the trace's events unless another live replica owns it: `Some` for this
    /// replica to decide (empty when another decided already).
    pub async fn claim(&self, trace_id: &str) -> Result<Option<Vec<HeldEvent>>, Unavailable> {
        let blobs: Option<Vec<Vec<u8>>> = self
            .twice(|mut connection| {
                let mut invocation = self.claim.key(events_key(trace_id));
                invocation
                    .key(owner_key(trace_id))
                    .key(DUE_KEY)
                    .arg(&self.replica)
                    .arg(trace_id);
                async move { invocation.invoke_async(&mut connection).await }
            })
            .await?;
        Ok(blobs.map(|blobs| {
            blobs
                .iter()
                .filter_map(|blob| HeldEvent::from_bytes(blob))
                .collect()
        }))
    }

    /// Traces whose lease ran out undecided: their owner died.
    pub async fn overdue(&self) -> Result<Vec<String>, Unavailable> {
        let now = now_ms();
        self.twice(|mut connection| async move {
            redis::cmd("ZRANGEBYSCORE")
                .arg(DUE_KEY)
                .arg("-inf")
                .arg(now)
                .arg("LIMIT")
                .arg(0)
                .arg(SWEEP_BATCH)
                .query_async(&mut connection)
                .await
        })
        .await
    }
}
