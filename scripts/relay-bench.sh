#!/usr/bin/env bash
# The relay's benchmark (BENCHMARKS.md, "The relay"): builds otel-sentry-relay in release
# and crates/otel-sentry-benches/benches/relay_load.rs, then runs the load twice, with the
# state in the process and with a redis-server (Debian's, installed when missing) on a
# free 127.0.0.1 port, stopped by pid afterwards (also on failure). Bounded: the counts
# and RELAY_LOAD_SECONDS (per phase) below.
#
#   RELAY_LOAD_ENVELOPES=20000 RELAY_LOAD_TRACES=100000 RELAY_LOAD_CONCURRENCY=16 \
#     scripts/relay-bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export RELAY_LOAD_ENVELOPES=${RELAY_LOAD_ENVELOPES:-20000}
export RELAY_LOAD_TRACES=${RELAY_LOAD_TRACES:-100000}
export RELAY_LOAD_CONCURRENCY=${RELAY_LOAD_CONCURRENCY:-16}
export RELAY_LOAD_SECONDS=${RELAY_LOAD_SECONDS:-120}
TARGET=${CARGO_TARGET_DIR:-target}
log() { echo "[relay-bench] $*" >&2; }

if ! command -v redis-server >/dev/null; then
  sudo_if_needed() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
  sudo_if_needed apt-get update -q
  sudo_if_needed apt-get install -y -q redis-server
fi

cargo build -q -p otel-sentry-relay --release
cargo bench -q -p otel-sentry-benches --bench relay_load --no-run
# cargo bench runs the program in its crate's folder: an absolute path.
export RELAY_BIN=$(realpath "$TARGET/release/otel-sentry-relay")
log "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"

REDIS_PID=
stop() {
  if [ -n "$REDIS_PID" ]; then
    kill "$REDIS_PID" 2>/dev/null || true
    wait "$REDIS_PID" 2>/dev/null || true
  fi
}
trap stop EXIT

log "in process"
cargo bench -q -p otel-sentry-benches --bench relay_load

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no >/dev/null 2>&1 &
REDIS_PID=$!
for _ in $(seq 1 100); do
  redis-cli -p "$PORT" ping >/dev/null 2>&1 && break
  sleep 0.05
done
log "with Redis ($(redis-server --version | cut -d' ' -f3), 127.0.0.1:$PORT)"
RELAY_REDIS=redis://127.0.0.1:$PORT cargo bench -q -p otel-sentry-benches --bench relay_load
log "Redis memory with the traces held: $(redis-cli -p "$PORT" info memory | grep '^used_memory_human' | cut -d: -f2 | tr -d '\r')"
