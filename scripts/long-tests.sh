#!/usr/bin/env bash
# The long versions of issue 6's tests that are too slow for CI:
#   tests/api/killsafe.test.mjs with ZUGONG_KILLS (default 100) SIGKILL cycles on SQLite, then
#   on PostgreSQL (a throwaway cluster from scripts/pg-cluster.sh on PG_PORT, default 55560,
#   stopped again on exit). CI (scripts/test.sh) runs the same test with its default of 10.
#   ZUGONG_KILL_SEED fixes the seed (each run prints the one it used).
# The soak has its own command: scripts/soak.sh 30.
# Prints each run's summary line; exits non-zero when either failed. Needs build/zugong.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export ZUGONG_KILLS=${ZUGONG_KILLS:-100}
PG_PORT=${PG_PORT:-55560}
PG_DIR=$(mktemp -d /tmp/zugong-long-pg.XXXXXX)
chmod 755 "$PG_DIR"
cleanup() {
  bash scripts/pg-cluster.sh stop "$PG_DIR" >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rc=0
run() { # run <name> <db url>
  echo "==== killsafe on $1: $ZUGONG_KILLS kills (at ${SECONDS}s) ===="
  (cd tests && ZUGONG_TEST_DB_URL="$2" node --test --test-reporter=spec --test-timeout=7200000 api/killsafe.test.mjs) \
    2>&1 | tee "$ROOT/build/long-killsafe-$1.log" | grep -E 'kills,|seed|✔|✖|^ℹ (pass|fail)|Error|lost|half' || true
  grep -qE '^ℹ fail 0' "$ROOT/build/long-killsafe-$1.log" || rc=1
}
mkdir -p build
run sqlite sqlite
if PG_URL=$(bash scripts/pg-cluster.sh start "$PG_DIR" "$PG_PORT" | tail -n 1); then
  run postgres "$PG_URL"
else
  echo "could not start PostgreSQL on port $PG_PORT"
  rc=1
fi
echo "long tests took ${SECONDS}s: $([ $rc = 0 ] && echo passed || echo FAILED)"
exit $rc
