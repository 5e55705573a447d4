#!/usr/bin/env bash
# Instructions per request of benchmark cases, counted by callgrind: deterministic where
# criterion's times move with the machine's load, so small differences (metrics on vs
# off, a change's cost) can be read on a shared machine. Each case runs in criterion's
# profile mode under valgrind, collection on only inside `support::profiled::request`
# (one timed request), and the count is divided by the requests the benchmark reports.
#   bench-instructions.sh BENCH CASE...     e.g. axum_layer success/bare success/correlation
#   BENCH_PROFILE_SECONDS (2)               criterion's --profile-time, per case
# Prints one line per case: instructions per request, and the difference to the first case.
# Needs valgrind (installed from Debian when missing).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 2 ]; then
  echo "usage: $0 BENCH CASE..." >&2
  exit 2
fi
BENCH=$1
shift
SECONDS_PER_CASE=${BENCH_PROFILE_SECONDS:-2}

if ! command -v valgrind >/dev/null; then
  sudo_if_needed() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
  sudo_if_needed apt-get update -q
  sudo_if_needed apt-get install -y -q valgrind
fi

# The benchmark's executable, built in the bench profile (with debug symbols off, callgrind
# still names functions by their symbols).
BINARY=$(cargo bench -q -p otel-sentry-benches --bench "$BENCH" --no-run --message-format=json 2>/dev/null |
  python3 -c 'import json,sys
for line in sys.stdin:
    message = json.loads(line)
    if message.get("reason") == "compiler-artifact" and message.get("executable") and message["target"]["name"] == sys.argv[1]:
        print(message["executable"])' "$BENCH" | tail -1)
if [ -z "$BINARY" ]; then
  echo "no executable for bench $BENCH" >&2
  exit 1
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
FIRST=""
printf '%-28s %14s %12s\n' "case" "instructions" "vs first"
for CASE in "$@"; do
  OUT="$WORK/callgrind.out"
  BENCH_REPORT_REQUESTS=1 valgrind --tool=callgrind --callgrind-out-file="$OUT" \
    --collect-atstart=no --toggle-collect='*profiled*request*' \
    "$BINARY" --bench --profile-time "$SECONDS_PER_CASE" "^[a-z]+/${CASE}\$" \
    >"$WORK/stdout" 2>"$WORK/stderr" || {
    cat "$WORK/stderr" >&2
    exit 1
  }
  REQUESTS=$(sed -n 's/^profiled requests: //p' "$WORK/stderr" | tail -1)
  TOTAL=$(sed -n 's/^totals: //p' "$OUT" | awk '{print $1}')
  if [ -z "$REQUESTS" ] || [ "$REQUESTS" = 0 ] || [ -z "$TOTAL" ]; then
    echo "case $CASE: no requests profiled (does the case exist?)" >&2
    exit 1
  fi
  PER=$((TOTAL / REQUESTS))
  if [ -z "$FIRST" ]; then
    FIRST=$PER
    printf '%-28s %14d %12s\n' "$CASE" "$PER" "-"
  else
    printf '%-28s %14d %+12d\n' "$CASE" "$PER" "$((PER - FIRST))"
  fi
done
