#!/usr/bin/env bash
# The relay across replicas: installs Debian's redis-server when missing, then runs the
# relay's Redis tests (ignored in the plain test run); tests/shared_state.rs starts redis-server on a free 127.0.0.1 port, two
# relay processes sharing it, and stops each by pid.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v redis-server >/dev/null; then
  sudo_if_needed() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
  sudo_if_needed apt-get update -q
  sudo_if_needed apt-get install -y -q redis-server
fi
cargo test -p otel-sentry-relay --test shared_state -- --ignored
