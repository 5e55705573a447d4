#!/usr/bin/env bash
# The cascade against a real Sentry-compatible server: installs Bugsink (PyPI `bugsink`,
# self-hosted, SQLite) in a virtualenv under target/, starts it on 127.0.0.1 with a fresh
# database, creates a team, a project and an API token, runs tests/bugsink_e2e.rs and
# tests/cli_bugsink.rs (the operator CLI, built first) against
# it, and stops it (also on failure). Run by .ci/run; by hand: scripts/bugsink-e2e.sh
#
# Needs python3 with venv and pip, and PyPI. Bugsink's licence (PolyForm Shield) allows
# this local, single-user use; it is installed, never vendored.
set -euo pipefail
cd "$(dirname "$0")/.."

BUGSINK_VERSION=${BUGSINK_VERSION:-2.6.1}
PYTHON=${PYTHON:-python3}
BASE=${BUGSINK_DIR:-$PWD/target/bugsink}
VENV=$BASE/venv
DATA=$BASE/data

log() { echo "[bugsink-e2e] $*" >&2; }

if [ ! -x "$VENV/bin/bugsink-manage" ]; then
  log "installing bugsink $BUGSINK_VERSION into $VENV"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "bugsink==$BUGSINK_VERSION"
fi

# A free loopback port, chosen by the kernel; the DSN Bugsink hands out names it.
PORT=${BUGSINK_PORT:-$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}

# Every run starts from an empty database, so the assertions see only this run's events.
rm -rf "$DATA"
mkdir -p "$DATA"
cd "$DATA"
"$VENV/bin/bugsink-create-conf" --template=local --host=127.0.0.1 --port="$PORT" >/dev/null
"$VENV/bin/bugsink-manage" migrate --noinput -v0
"$VENV/bin/bugsink-manage" migrate snappea --database=snappea --noinput -v0
DJANGO_SUPERUSER_USERNAME=admin DJANGO_SUPERUSER_PASSWORD=admin \
  DJANGO_SUPERUSER_EMAIL=admin@example.org \
  "$VENV/bin/bugsink-manage" createsuperuser --noinput >/dev/null
TOKEN=$("$VENV/bin/bugsink-manage" create_auth_token)

PYTHONPATH=$DATA DJANGO_SETTINGS_MODULE=bugsink_conf "$VENV/bin/gunicorn" \
  --bind "127.0.0.1:$PORT" --workers 1 --threads 4 --no-control-socket \
  bugsink.wsgi > "$DATA/gunicorn.log" 2>&1 &
SERVER=$!
stop() {
  kill "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
  log "stopped"
}
trap stop EXIT

URL=http://127.0.0.1:$PORT
for _ in $(seq 1 300); do
  curl -sf -o /dev/null "$URL/health/ready" && break
  kill -0 "$SERVER" 2>/dev/null || { cat "$DATA/gunicorn.log" >&2; log "bugsink did not start"; exit 1; }
  sleep 0.1
done
curl -sf -o /dev/null "$URL/health/ready" || { log "bugsink not ready after 30 s"; exit 1; }

API=$URL/api/canonical/0
json_field() { "$PYTHON" -c "import json, sys; print(json.load(sys.stdin)[\"$1\"])"; }
TEAM=$(curl -sf -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d '{"name":"otel-sentry"}' "$API/teams/" | json_field id)
PROJECT=$(curl -sf -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d "{\"name\":\"cascade-e2e\",\"team\":\"$TEAM\"}" "$API/projects/" | json_field id)
DSN=$(curl -sf -H "Authorization: Bearer $TOKEN" "$API/projects/$PROJECT/" | json_field dsn)
log "bugsink up at $URL, project $PROJECT, DSN $DSN"

cd - >/dev/null
# The operator CLI is driven as a binary against the same Bugsink.
cargo build -q -p otel-sentry-cli
BUGSINK_URL=$URL BUGSINK_TOKEN=$TOKEN BUGSINK_PROJECT_ID=$PROJECT BUGSINK_DSN=$DSN \
  OTEL_SENTRY_CLI=${CARGO_TARGET_DIR:-target}/debug/otel-sentry \
  cargo test --test bugsink_e2e --test cli_bugsink -- --ignored --nocapture --test-threads 1
