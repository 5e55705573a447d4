#!/usr/bin/env bash
# The throughput script's servers under callgrind: user-space instructions per request
# served over 127.0.0.1, counted on every thread of the server (the runtime's workers, the
# batch span processor's thread), the bare framework vs ours vs the stack users
# assemble today. Where scripts/bench-instructions.sh counts one request in process, this
# counts what a real server does per request under load; where scripts/throughput.sh
# measures time, this counts work, so the two tell a difference in work apart from a
# difference in how fast the same work runs.
#
# Each stack runs in its own server under valgrind with instrumentation off; after a warm-up,
# instrumentation is switched on for one wrk run and the counts dumped. Under valgrind a
# server answers a few thousand requests per second, enough for a stable mean.
#   THROUGHPUT_SECONDS (10)      the measured run
#   THROUGHPUT_CONNECTIONS (4)   wrk connections (one wrk thread)
#   THROUGHPUT_FRAMEWORKS ("axum actix")
#   THROUGHPUT_PATHS ("/users/7 /pay")
#   THROUGHPUT_BY_THREAD (unset)  when set, also each thread's instructions per request (the
#                                 span exporter's thread marked), from callgrind's
#                                 --separate-threads
# Bounded: about (SECONDS + 4) s per stack and path, 3 minutes by default. Installs wrk and
# valgrind (Debian packages) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_RUN=${THROUGHPUT_SECONDS:-10}
CONNECTIONS=${THROUGHPUT_CONNECTIONS:-4}
FRAMEWORKS=${THROUGHPUT_FRAMEWORKS:-axum actix}
PATHS=${THROUGHPUT_PATHS:-/users/7 /pay}
STACKS=(bare correlation anchor)
SEPARATE_THREADS=no
[ -z "${THROUGHPUT_BY_THREAD:-}" ] || SEPARATE_THREADS=yes

log() { echo "[throughput-instructions] $*" >&2; }
. scripts/lib/throughput-server.sh

install_missing wrk wrk
install_missing valgrind valgrind
build_throughput_server

WORK=$(mktemp -d)
VALGRIND_PID=
cleanup() {
  [ -z "$VALGRIND_PID" ] || kill "$VALGRIND_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# Instructions per request of one stack and path: sets PER_REQUEST, REQUESTS and DUMP (the
# dump files' common prefix).
count() {
  local stack=$1 path=$2 expected=$3 address measured total
  local out=$WORK/$stack.cg
  rm -f "$out"*
  valgrind --tool=callgrind --instr-atstart=no --separate-threads="$SEPARATE_THREADS" \
    --callgrind-out-file="$out" \
    "$SERVER" "$stack" >"$WORK/$stack.out" 2>"$WORK/$stack.err" &
  VALGRIND_PID=$!
  address=$(wait_listening "$WORK/$stack.out" "$WORK/$stack.err")
  # Warm-up: the lazily made parts (interned names, the tokio workers, Sentry's hubs).
  wrk_run "http://$address$path" 2 "$expected" >/dev/null
  callgrind_control --instr=on "$VALGRIND_PID" >/dev/null 2>&1
  measured=$(wrk_run "http://$address$path" "$SECONDS_PER_RUN" "$expected")
  callgrind_control --instr=off "$VALGRIND_PID" >/dev/null 2>&1
  callgrind_control --dump "$VALGRIND_PID" >/dev/null 2>&1
  kill "$VALGRIND_PID"
  wait "$VALGRIND_PID" 2>/dev/null || true
  VALGRIND_PID=
  REQUESTS=${measured#* }
  # Every dump of the run (the one asked for and the one at exit) counts: the totals of all.
  total=$(sed -n 's/^totals: //p' "$out"* | awk '{ sum += $1 } END { print sum + 0 }')
  if [ "${REQUESTS:-0}" -eq 0 ] || [ "$total" -eq 0 ]; then
    log "$stack $path: nothing counted ($REQUESTS requests, $total instructions)"
    exit 1
  fi
  PER_REQUEST=$((total / REQUESTS))
  DUMP=$out
}

# Each thread's instructions per request, from the per-thread dumps of the last count. The
# exporter's thread is the one that ran the batch span processor's export.
by_thread() {
  local dump thread instructions role
  for dump in "$DUMP"*; do
    instructions=$(sed -n 's/^totals: //p' "$dump" | awk '{ sum += $1 } END { print sum + 0 }')
    [ $((instructions / REQUESTS)) -gt 0 ] || continue
    thread=${dump##*-}
    role=""
    if grep -q 'BatchSpanProcessor::get_spans_and_export' "$dump"; then
      role=" (span exporter)"
    fi
    printf '%-8s %-9s %-12s %14d  thread %s%s\n' "" "" "" $((instructions / REQUESTS)) "$thread" "$role"
  done
}

log "${SECONDS_PER_RUN}s per stack and path under callgrind, $CONNECTIONS connections, $(nproc) cores"
printf '%-8s %-9s %-12s %14s %10s %12s\n' framework path stack "instr/request" requests "− bare"
for framework in $FRAMEWORKS; do
  for path in $PATHS; do
    expected=2xx
    [ "$path" = /pay ] && expected=5xx
    declare -A PER=()
    for stack in "${STACKS[@]}"; do
      count "$framework-$stack" "$path" "$expected"
      PER[$stack]=$PER_REQUEST
      printf '%-8s %-9s %-12s %14d %10d %12d\n' "$framework" "$path" "$stack" "$PER_REQUEST" "$REQUESTS" $((PER_REQUEST - PER[bare]))
      [ "$SEPARATE_THREADS" = no ] || by_thread
    done
    printf '%-8s %-9s %-12s %s %.2f\n' "$framework" "$path" "ours" "(ours − bare) ÷ (anchor − bare):" \
      "$(awk -v o=$((PER[correlation] - PER[bare])) -v a=$((PER[anchor] - PER[bare])) 'BEGIN { print o / a }')"
    unset PER
  done
done
