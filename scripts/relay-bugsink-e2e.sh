#!/usr/bin/env bash
# The relay end to end with real parts: a real Bugsink upstream (scripts/lib/bugsink.sh),
# Debian's redis-server (installed when missing) on a free 127.0.0.1 port, two
# otel-sentry-relay processes sharing it (--window 2s), and the three-hop cascade of
# tests/relay_bugsink_e2e.rs: Rust gateway → Python orders (sentry-sdk, pip-installed in
# a virtualenv under target/) → Rust payments, spread over both relays. Each test gets
# its Redis and relays afresh (they kill one of them); Bugsink stays up, each test reads
# its own trace. Everything is stopped by pid, also on failure. Run by .ci/run.
#
# Needs python3 with venv and pip, curl, PyPI, and apt (or redis-server installed).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/bugsink.sh

SENTRY_SDK_VERSION=${SENTRY_SDK_VERSION:-2.75.0}
BASE=$PWD/target/relay-e2e
TARGET=${CARGO_TARGET_DIR:-target}
log() { echo "[relay-bugsink-e2e] $*" >&2; }

if ! command -v redis-server >/dev/null; then
  sudo_if_needed() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
  sudo_if_needed apt-get update -q
  sudo_if_needed apt-get install -y -q redis-server
fi
if [ ! -x "$BASE/venv/bin/python" ] ||
  ! "$BASE/venv/bin/python" -c "import sentry_sdk; assert sentry_sdk.VERSION == '$SENTRY_SDK_VERSION'" 2>/dev/null; then
  log "installing sentry-sdk $SENTRY_SDK_VERSION into $BASE/venv"
  rm -rf "$BASE/venv"
  "$PYTHON" -m venv "$BASE/venv"
  "$BASE/venv/bin/pip" install -q --disable-pip-version-check "sentry-sdk==$SENTRY_SDK_VERSION"
fi
bugsink_install

# Built before anything starts, so no window runs out while cargo compiles.
cargo build -q -p otel-sentry-relay
cargo test -q --test relay_bugsink_e2e --no-run
RELAY_BIN=$TARGET/debug/otel-sentry-relay

REDIS_PID= RELAY_A_PID= RELAY_B_PID=
stop_pid() {
  if [ -n "$1" ]; then
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
  fi
}
stop_parts() {
  stop_pid "$RELAY_A_PID"
  stop_pid "$RELAY_B_PID"
  stop_pid "$REDIS_PID"
  RELAY_A_PID= RELAY_B_PID= REDIS_PID=
}
stop_all() {
  stop_parts
  bugsink_stop
}
trap stop_all EXIT

# Waits (bounded) until `$1` answers.
wait_http() {
  local _
  for _ in $(seq 1 100); do
    curl -sf -o /dev/null "$1" && return 0
    sleep 0.05
  done
  log "$1 did not answer"
  return 1
}

start_relay() { # $1: a/b; sets RELAY_URL and RELAY_PID
  local port
  port=$(free_port)
  "$RELAY_BIN" --listen "127.0.0.1:$port" --upstream "$BUGSINK_URL" \
    --redis "redis://127.0.0.1:$REDIS_PORT" --window 2s \
    > "$BASE/relay-$1.out" 2> "$BASE/relay-$1.log" &
  RELAY_PID=$!
  RELAY_URL=http://127.0.0.1:$port
  wait_http "$RELAY_URL/healthz"
}

start_parts() {
  REDIS_PORT=$(free_port)
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
    > "$BASE/redis.log" 2>&1 &
  REDIS_PID=$!
  local _
  for _ in $(seq 1 100); do
    redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
    sleep 0.05
  done
  redis-cli -p "$REDIS_PORT" ping >/dev/null || { log "redis-server did not start"; return 1; }
  start_relay a
  RELAY_A_PID=$RELAY_PID RELAY_A_URL=$RELAY_URL
  start_relay b
  RELAY_B_PID=$RELAY_PID RELAY_B_URL=$RELAY_URL
  export REDIS_PID REDIS_PORT RELAY_A_PID RELAY_A_URL RELAY_B_URL
  log "redis on $REDIS_PORT (pid $REDIS_PID); relays $RELAY_A_URL (pid $RELAY_A_PID), $RELAY_B_URL (pid $RELAY_B_PID)"
}

bugsink_start
export RELAY_E2E_PYTHON=$BASE/venv/bin/python
for test in a_three_hop_cascade_through_two_relays_is_one_event_in_bugsink \
  a_relay_killed_mid_window_has_its_events_arrive_via_the_survivor \
  with_redis_stopped_mid_run_every_event_arrives; do
  start_parts
  log "$test"
  if ! cargo test -q --test relay_bugsink_e2e -- --ignored --exact "$test"; then
    log "failed; relay logs:"
    cat "$BASE"/relay-*.log >&2
    exit 1
  fi
  stop_parts
done
log "all passed"
