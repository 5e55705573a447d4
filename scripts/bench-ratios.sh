#!/usr/bin/env bash
# The criterion benchmarks of the server adapters, run ROUNDS times, each run reduced to
# the figures the targets are stated in: per framework and path, the medians of bare, ours
# (correlation) and the anchor stack, our overhead over bare, the anchor's, and their
# ratio; and the gRPC path's overhead (tonic behind CorrelationLayer over bare tonic) beside
# the HTTP path's (axum) and their ratio. Every ratio compares figures of the same run. Also
# prints the allocation table each benchmark prints first.
#   BENCH_ROUNDS (1)                    runs
#   BENCH_ARGS ("--warm-up-time 1 --measurement-time 3")   criterion options
# Needs python3 (reads criterion's estimates.json).
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${BENCH_ROUNDS:-1}
read -r -a ARGS <<<"${BENCH_ARGS:---warm-up-time 1 --measurement-time 3}"
CRITERION=${CARGO_TARGET_DIR:-target}/criterion

# Medians in µs of group $1's cases, and the ratios.
ratios() {
  python3 - "$CRITERION" "$1" "$2" <<'EOF'
import json, sys
root, group, round_ = sys.argv[1:]
def median(case):
    with open(f"{root}/{group}/{case}/new/estimates.json") as f:
        return json.load(f)["median"]["point_estimate"] / 1000
for path in ("success", "error"):
    bare, ours, anchor = (median(f"{path}_{stack}") for stack in ("bare", "correlation", "anchor"))
    print(f"{round_:>5} {group:<6} {path:<8} {bare:>7.2f} {ours:>7.2f} {anchor:>7.2f}"
          f" {ours - bare:>9.2f} {anchor - bare:>9.2f} {(ours - bare) / (anchor - bare):>6.2f}")
EOF
}

# Medians in µs of the tonic group's cases: gRPC and HTTP, bare and ours, and the ratio of
# the overheads.
grpc_ratios() {
  python3 - "$CRITERION" "$1" <<'EOF'
import json, sys
root, round_ = sys.argv[1:]
def median(case):
    with open(f"{root}/tonic/{case}/new/estimates.json") as f:
        return json.load(f)["median"]["point_estimate"] / 1000
for path in ("success", "error"):
    grpc_bare, grpc_ours, http_bare, http_ours = (
        median(f"{path}_{case}")
        for case in ("grpc-bare", "grpc-correlation", "http-bare", "http-correlation"))
    print(f"{round_:>5} {path:<8} {grpc_bare:>9.2f} {grpc_ours:>9.2f} {http_bare:>9.2f} {http_ours:>9.2f}"
          f" {grpc_ours - grpc_bare:>9.2f} {http_ours - http_bare:>9.2f}"
          f" {(grpc_ours - grpc_bare) / (http_ours - http_bare):>6.2f}")
EOF
}

SUMMARY=()
GRPC_SUMMARY=()
for round in $(seq "$ROUNDS"); do
  for bench in axum_layer actix_middleware tonic_layer; do
    echo "[bench-ratios] round $round: $bench" >&2
    cargo bench -q -p otel-sentry-benches --bench "$bench" -- "${ARGS[@]}" 2>/dev/null | grep -E '^(per request|success/|error/)'
    if [ "$bench" = tonic_layer ]; then
      GRPC_SUMMARY+=("$(grpc_ratios "$round")")
    else
      SUMMARY+=("$(ratios "${bench%%_*}" "$round")")
    fi
  done
done
echo
echo "round group  path        bare    ours  anchor  our +µs  anchor +µs  ratio"
printf '%s\n' "${SUMMARY[@]}"
echo
echo "round path     grpc bare grpc ours http bare http ours  grpc +µs  http +µs  ratio"
printf '%s\n' "${GRPC_SUMMARY[@]}"
