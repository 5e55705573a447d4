#!/usr/bin/env bash
# End-to-end throughput: wrk against real servers on 127.0.0.1, the bare framework vs ours
# vs the stack users assemble today, for axum and actix-web, on the success path
# (`GET /users/7`) and the error path (`GET /pay`, a captured 500).
#
# Every stack of a framework runs as its own process
# (crates/otel-sentry-benches/benches/throughput_server.rs, the same handlers and
# discarding backends as the criterion benchmarks); the runs alternate between stacks,
# round after round, with the order rotated each round, so a slow spell of the machine
# falls on all of them. Each run is a 1 s warm-up and a measured wrk run.
# Prints requests per second, each stack's median over the rounds, and the medians' ratio
# to bare; then the server's CPU time per request (user + system, from /proc, over the
# measured run), its median and ratio to bare.
#
# Bounded: ROUNDS x stacks x paths x (SECONDS + 1) seconds; about 4 minutes by default.
#   THROUGHPUT_SECONDS (5)      one measured run
#   THROUGHPUT_ROUNDS (3)       runs per stack and path
#   THROUGHPUT_CONNECTIONS (32) wrk connections (one wrk thread)
#   THROUGHPUT_FRAMEWORKS ("axum actix")
#   THROUGHPUT_PATHS ("/users/7 /pay")
# Installs wrk (Debian package) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_RUN=${THROUGHPUT_SECONDS:-5}
ROUNDS=${THROUGHPUT_ROUNDS:-3}
CONNECTIONS=${THROUGHPUT_CONNECTIONS:-32}
FRAMEWORKS=${THROUGHPUT_FRAMEWORKS:-axum actix}
PATHS=${THROUGHPUT_PATHS:-/users/7 /pay}
STACKS=(bare correlation anchor)

log() { echo "[throughput] $*" >&2; }
. scripts/lib/throughput-server.sh

install_missing wrk wrk
build_throughput_server

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# The address a started server prints once it listens.
address_of() { wait_listening "$WORK/$1.out" "$WORK/$1.err"; }

# CPU time a process has used, in clock ticks (user + system).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
TICKS_PER_SECOND=$(getconf CLK_TCK)

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# One line per stack of the current framework and path: the rounds' figures in table $1
# (an associative array by stack) after label $2, their median printed with format $3, and
# its ratio to bare's median.
print_medians() {
  local -n figures=$1
  local label=$2 format=$3 bare med stack
  bare=$(tr ' ' '\n' <<<"${figures[bare]}" | grep . | median)
  for stack in "${STACKS[@]}"; do
    med=$(tr ' ' '\n' <<<"${figures[$stack]}" | grep . | median)
    printf "%-8s %-9s %-12s %s  $format  %.2f\n" "$framework" "$path" "$stack" \
      "$label${figures[$stack]# }" "$med" "$(awk -v a="$med" -v b="$bare" 'BEGIN { print a / b }')"
  done
}

log "$ROUNDS rounds of ${SECONDS_PER_RUN}s per stack and path, $CONNECTIONS connections, $(nproc) cores"
printf '%-8s %-9s %-12s %s\n' framework path stack "requests/s (each round)  median  ratio to bare"
for framework in $FRAMEWORKS; do
  declare -A ADDRESS=()
  declare -A PID_OF=()
  for stack in "${STACKS[@]}"; do
    "$SERVER" "$framework-$stack" >"$WORK/$framework-$stack.out" 2>"$WORK/$framework-$stack.err" &
    PIDS+=($!)
    PID_OF[$stack]=$!
  done
  for stack in "${STACKS[@]}"; do
    ADDRESS[$stack]=$(address_of "$framework-$stack")
  done
  for path in $PATHS; do
    expected=2xx
    [ "$path" = /pay ] && expected=5xx
    declare -A RESULTS=()
    declare -A CPU=()
    for round in $(seq "$ROUNDS"); do
      # Rotate the order: each stack goes first, second and third in turn.
      for i in "${!STACKS[@]}"; do
        stack=${STACKS[$(((i + round) % ${#STACKS[@]}))]}
        url="http://${ADDRESS[$stack]}$path"
        wrk_run "$url" 1 "$expected" >/dev/null
        before=$(cpu_ticks "${PID_OF[$stack]}")
        # A failed run ends the script here (a process substitution would hide it).
        measured=$(wrk_run "$url" "$SECONDS_PER_RUN" "$expected")
        read -r rps requests <<<"$measured"
        after=$(cpu_ticks "${PID_OF[$stack]}")
        RESULTS[$stack]="${RESULTS[$stack]:-} $rps"
        # Microseconds of server CPU per request.
        CPU[$stack]="${CPU[$stack]:-} $(awk -v t=$((after - before)) -v hz="$TICKS_PER_SECOND" -v n="$requests" 'BEGIN { printf "%.2f", t * 1e6 / hz / n }')"
      done
    done
    print_medians RESULTS "" "%.0f"
    print_medians CPU "server CPU µs/request: " "%.2f"
    unset RESULTS CPU
  done
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  PIDS=()
  unset ADDRESS PID_OF
done
