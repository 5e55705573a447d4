# A real Bugsink (PyPI `bugsink`, self-hosted, SQLite) for the end-to-end scripts; sourced
# by scripts/bugsink-e2e.sh and scripts/relay-bugsink-e2e.sh from the repository root.
#
#   bugsink_install   a virtualenv under target/ with bugsink (once)
#   bugsink_start     a fresh database, gunicorn on a free 127.0.0.1 port, a team, a
#                     project and an API token; sets and exports BUGSINK_URL, BUGSINK_TOKEN,
#                     BUGSINK_PROJECT_ID, BUGSINK_DSN, and BUGSINK_PID
#   bugsink_stop      stops it by pid (safe to call twice, or before a start)
#
# Needs python3 with venv and pip, curl, and PyPI. Bugsink's licence (PolyForm Shield)
# allows this local, single-user use; it is installed, never vendored.

BUGSINK_VERSION=${BUGSINK_VERSION:-2.6.1}
PYTHON=${PYTHON:-python3}
BUGSINK_BASE=${BUGSINK_DIR:-$PWD/target/bugsink}
BUGSINK_VENV=$BUGSINK_BASE/venv
BUGSINK_DATA=$BUGSINK_BASE/data
BUGSINK_PID=

bugsink_log() { echo "[bugsink] $*" >&2; }

# A free loopback port, chosen by the kernel.
free_port() {
  "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

bugsink_install() {
  if [ ! -x "$BUGSINK_VENV/bin/bugsink-manage" ]; then
    bugsink_log "installing bugsink $BUGSINK_VERSION into $BUGSINK_VENV"
    rm -rf "$BUGSINK_VENV"
    "$PYTHON" -m venv "$BUGSINK_VENV"
    "$BUGSINK_VENV/bin/pip" install -q --disable-pip-version-check "bugsink==$BUGSINK_VERSION"
  fi
}

bugsink_start() {
  local port=${BUGSINK_PORT:-$(free_port)} manage=$BUGSINK_VENV/bin/bugsink-manage
  # Every start is an empty database, so the assertions see only this run's events.
  rm -rf "$BUGSINK_DATA"
  mkdir -p "$BUGSINK_DATA"
  (
    cd "$BUGSINK_DATA"
    "$BUGSINK_VENV/bin/bugsink-create-conf" --template=local --host=127.0.0.1 --port="$port" >/dev/null
    "$manage" migrate --noinput -v0
    "$manage" migrate snappea --database=snappea --noinput -v0
    DJANGO_SUPERUSER_USERNAME=admin DJANGO_SUPERUSER_PASSWORD=admin \
      DJANGO_SUPERUSER_EMAIL=admin@example.org "$manage" createsuperuser --noinput >/dev/null
  )
  BUGSINK_TOKEN=$(cd "$BUGSINK_DATA" && "$manage" create_auth_token)
  (cd "$BUGSINK_DATA" && PYTHONPATH=$BUGSINK_DATA DJANGO_SETTINGS_MODULE=bugsink_conf \
    exec "$BUGSINK_VENV/bin/gunicorn" --bind "127.0.0.1:$port" --workers 1 --threads 4 \
    --no-control-socket bugsink.wsgi) > "$BUGSINK_DATA/gunicorn.log" 2>&1 &
  BUGSINK_PID=$!
  BUGSINK_URL=http://127.0.0.1:$port
  local _
  for _ in $(seq 1 300); do
    curl -sf -o /dev/null "$BUGSINK_URL/health/ready" && break
    kill -0 "$BUGSINK_PID" 2>/dev/null || {
      cat "$BUGSINK_DATA/gunicorn.log" >&2
      bugsink_log "bugsink did not start"
      return 1
    }
    sleep 0.1
  done
  curl -sf -o /dev/null "$BUGSINK_URL/health/ready" || { bugsink_log "not ready after 30 s"; return 1; }

  local api=$BUGSINK_URL/api/canonical/0 team
  json_field() { "$PYTHON" -c "import json, sys; print(json.load(sys.stdin)[\"$1\"])"; }
  team=$(curl -sf -H "Authorization: Bearer $BUGSINK_TOKEN" -H 'Content-Type: application/json' \
    -d '{"name":"otel-sentry"}' "$api/teams/" | json_field id)
  BUGSINK_PROJECT_ID=$(curl -sf -H "Authorization: Bearer $BUGSINK_TOKEN" \
    -H 'Content-Type: application/json' \
    -d "{\"name\":\"cascade-e2e\",\"team\":\"$team\"}" "$api/projects/" | json_field id)
  BUGSINK_DSN=$(curl -sf -H "Authorization: Bearer $BUGSINK_TOKEN" \
    "$api/projects/$BUGSINK_PROJECT_ID/" | json_field dsn)
  export BUGSINK_URL BUGSINK_TOKEN BUGSINK_PROJECT_ID BUGSINK_DSN
  bugsink_log "up at $BUGSINK_URL (pid $BUGSINK_PID), project $BUGSINK_PROJECT_ID, DSN $BUGSINK_DSN"
}

bugsink_stop() {
  if [ -n "$BUGSINK_PID" ]; then
    kill "$BUGSINK_PID" 2>/dev/null || true
    wait "$BUGSINK_PID" 2>/dev/null || true
    BUGSINK_PID=
    bugsink_log "stopped"
  fi
}
