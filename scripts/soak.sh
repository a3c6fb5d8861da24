#!/usr/bin/env bash
# The bounded soak (issue 6, item 8): `scripts/soak.sh [minutes]` (default 2) runs
# bench/soak.mjs — a fresh database with the small demo, one server on loopback, the mixed
# read/write load of users of every scope, RSS sampled every 2 s — and exits non-zero unless it
# ended with zero errors and memory flat (rule in bench/soak.mjs and docs/security.md §8).
# Long run: `scripts/soak.sh 30`. Database: ZUGONG_TEST_DB_URL (unset = SQLite; a
# postgresql:// server URL = a fresh database on it). SOAK_USERS (default 16) virtual users;
# SOAK_PORT (default 0 = any free port). Needs build/zugong (scripts/build.sh zugong).
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-2}
exec node bench/soak.mjs --minutes "$minutes" --users "${SOAK_USERS:-16}" --port "${SOAK_PORT:-0}"
