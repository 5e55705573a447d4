# The benchmark servers of crates/otel-sentry-benches/benches/throughput_server.rs and wrk,
# for scripts/throughput.sh and scripts/throughput-instructions.sh; sourced from the
# repository root.
#
#   install_missing CMD PACKAGE...   installs the Debian packages unless CMD is there
#   build_throughput_server          builds the servers (release); sets SERVER
#   wait_listening OUT ERR           the address a started server printed in OUT, once it
#                                    listens; fails with ERR's text after 20 s
#   wrk_run URL SECONDS EXPECTED     one wrk run (32 connections unless CONNECTIONS is
#                                    set, one thread, the benchmarks' traceparent); prints
#                                    "requests/s requests", fails on socket errors or,
#                                    when EXPECTED is 2xx, on any other status
#
# Each script defines log() before sourcing this.

TRACEPARENT="traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

install_missing() {
  local command=$1
  shift
  command -v "$command" >/dev/null && return
  log "installing $*"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "$@" >/dev/null
}

build_throughput_server() {
  log "building the servers (release)"
  SERVER=$(cargo bench -p otel-sentry-benches --bench throughput_server --no-run --message-format=json 2>/dev/null |
    sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1)
  if [ -z "$SERVER" ] || [ ! -x "$SERVER" ]; then
    log "could not build crates/otel-sentry-benches/benches/throughput_server.rs"
    exit 1
  fi
}

wait_listening() {
  local out=$1 err=$2
  for _ in $(seq 200); do
    if grep -q '^listening on ' "$out" 2>/dev/null; then
      sed -n 's/^listening on //p' "$out"
      return
    fi
    sleep 0.1
  done
  log "a server did not start: $(cat "$err")"
  exit 1
}

wrk_run() {
  local url=$1 seconds=$2 expected=$3 output
  output=$(wrk -t1 -c"${CONNECTIONS:-32}" -d"${seconds}s" -H "$TRACEPARENT" "$url")
  # wrk counts 4xx/5xx as "Non-2xx"; only /pay is meant to answer 500.
  if [ "$expected" = 2xx ] && grep -q 'Non-2xx' <<<"$output"; then
    log "unexpected failures from $url: $output"
    exit 1
  fi
  if grep -q 'Socket errors' <<<"$output"; then
    log "socket errors from $url: $output"
    exit 1
  fi
  awk '/^Requests\/sec:/ { rps = $2 } / requests in / { n = $1 } END { print rps, n }' <<<"$output"
}
