#!/usr/bin/env bash
# The cascade against a real Sentry-compatible server: installs Bugsink (PyPI `bugsink`,
# self-hosted, SQLite) in a virtualenv under target/, starts it on 127.0.0.1 with a fresh
# database, creates a team, a project and an API token (scripts/lib/bugsink.sh), runs
# tests/bugsink_e2e.rs and tests/cli_bugsink.rs (the operator CLI, built first) against
# it, and stops it (also on failure). Run by .ci/run; by hand: scripts/bugsink-e2e.sh
#
# Needs python3 with venv and pip, curl, and PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/bugsink.sh

bugsink_install
trap bugsink_stop EXIT
bugsink_start

# The operator CLI is driven as a binary against the same Bugsink.
cargo build -q -p otel-sentry-cli
OTEL_SENTRY_CLI=${CARGO_TARGET_DIR:-target}/debug/otel-sentry \
  cargo test --test bugsink_e2e --test cli_bugsink -- --ignored --nocapture --test-threads 1
