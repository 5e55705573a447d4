#!/usr/bin/env bash
# Manual check of `otel_sentry::init()` against a real OTLP receiver, Arize Phoenix: the
# axum example, configured only by OTEL_* variables, answers a failing request continuing
# a known trace; after a graceful stop (the guard's flush) Phoenix holds its server span,
# read back by trace id through Phoenix's REST API.
#
# Not in .ci/run: `pip install arize-phoenix` is about 850 MB and 70–95 s. Needs python3
# (venv) and curl. Phoenix's HTTP listener is bound to 127.0.0.1; its gRPC listener binds
# every interface whatever PHOENIX_HOST says (no switch to turn it off), on
# PHOENIX_GRPC_PORT.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BASE=${PHOENIX_BASE:-$ROOT/target/phoenix}
PHOENIX_VERSION=${PHOENIX_VERSION:-20.26.1}
PHOENIX_PORT=${PHOENIX_PORT:-6006}
PHOENIX_GRPC_PORT=${PHOENIX_GRPC_PORT:-4317}
APP_PORT=${APP_PORT:-3917}
# Phoenix files spans by this resource attribute, not by service.name.
PROJECT=otel-sentry-check
TRACE_ID=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')

log() { echo "phoenix-check: $*" >&2; }

PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

# Waits up to $2 seconds for $1 to answer 2xx.
wait_http() {
  local deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null "$1"; do
    (( SECONDS < deadline )) || { log "no answer from $1 within $2 s"; return 1; }
    sleep 0.5
  done
}

mkdir -p "$BASE/work"
if [[ ! -x "$BASE/venv/bin/phoenix" ]]; then
  log "installing arize-phoenix==$PHOENIX_VERSION into $BASE/venv (about 850 MB)"
  python3 -m venv "$BASE/venv"
  "$BASE/venv/bin/pip" install -q "arize-phoenix==$PHOENIX_VERSION"
fi

log "starting Phoenix on 127.0.0.1:$PHOENIX_PORT"
PHOENIX_HOST=127.0.0.1 PHOENIX_PORT=$PHOENIX_PORT PHOENIX_GRPC_PORT=$PHOENIX_GRPC_PORT \
PHOENIX_WORKING_DIR=$BASE/work PHOENIX_TELEMETRY_ENABLED=false \
PHOENIX_ALLOW_EXTERNAL_RESOURCES=false PHOENIX_DISABLE_AGENT_ASSISTANT=true \
PHOENIX_AGENTS_DISABLE_BASH=true PHOENIX_AGENTS_DISABLE_WEB_ACCESS=true \
PHOENIX_AGENTS_DISABLE_GITHUB=true \
  "$BASE/venv/bin/phoenix" serve > "$BASE/phoenix.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$PHOENIX_PORT/healthz" 180

log "building and starting the axum example with init()"
(cd "$ROOT" && CARGO_INCREMENTAL=0 cargo build -q --example axum_basic)
env -u SENTRY_DSN \
  OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$PHOENIX_PORT" \
  OTEL_SERVICE_NAME=phoenix-check \
  OTEL_RESOURCE_ATTRIBUTES="openinference.project.name=$PROJECT" \
  PORT=$APP_PORT \
  "$ROOT/target/debug/examples/axum_basic" > "$BASE/app.log" 2>&1 &
APP=$!
PIDS+=($APP)
wait_http "http://127.0.0.1:$APP_PORT/hello" 30

status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$APP_PORT/fail" \
  -H "traceparent: 00-$TRACE_ID-00f067aa0ba902b7-01")
[[ $status == 500 ]] || { log "/fail answered $status, not 500"; exit 1; }

# A graceful stop: the guard flushes the batch (its 5 s delay is not waited for).
kill -INT "$APP"
wait "$APP" || true

log "reading trace $TRACE_ID back from Phoenix"
deadline=$((SECONDS + 20))
while :; do
  spans=$(curl -fsS "http://127.0.0.1:$PHOENIX_PORT/v1/projects/$PROJECT/spans?trace_id=$TRACE_ID" || true)
  if grep -q '"GET /fail"' <<<"$spans"; then break; fi
  (( SECONDS < deadline )) || { log "the span did not arrive: $spans"; exit 1; }
  sleep 0.5
done
grep -q '"status_code":"ERROR"' <<<"${spans// /}" || { log "the span is not an error: $spans"; exit 1; }
grep -q '"parent_id":"00f067aa0ba902b7"' <<<"${spans// /}" || { log "the span does not continue the caller: $spans"; exit 1; }
log "ok: span 'GET /fail' of trace $TRACE_ID in project $PROJECT, status ERROR, child of the caller's span"
log "UI: http://127.0.0.1:$PHOENIX_PORT (stopped when this script ends)"
