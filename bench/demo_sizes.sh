#!/usr/bin/env bash
# Loads the demo at one size into a fresh database and prints what it took: wall time, peak
# memory, rows of the big tables and the size on disk (docs/performance.md "Data at three sizes").
#
#   bench/demo_sizes.sh district|city|province [DB]
#
# DB: a SQLite file (default /tmp/zg-demo-<size>.db; it and its -wal/.key are removed first) or
# a PostgreSQL URL of a server (postgresql://user@host:port/anydb): a database
# zg_demo_<size> is dropped and created there and the load goes into it.
# Needs a built ./build/zugong (bash scripts/build.sh); sqlite3 / psql for the counts.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE="${1:?usage: bench/demo_sizes.sh district|city|province [DB]}"
DB="${2:-/tmp/zg-demo-$SIZE.db}"
Z=./build/zugong
TABLES="orgs members member_placements users dues_payments evaluation_entries responsibility_marks grid_areas
households household_people household_contacts visit_logs resident_problems resident_problem_events
transfer_cases pipeline_steps audit_log"

case "$DB" in
  postgres://* | postgresql://*)
    PG=1
    NAME="zg_demo_$SIZE"
    psql -q "$DB" -c "DROP DATABASE IF EXISTS $NAME WITH (FORCE)" -c "CREATE DATABASE $NAME"
    TARGET="$(echo "$DB" | sed -E "s#(postgres(ql)?://[^/]*)/[^?]*#\1/$NAME#")"
    KEY=/tmp/zg-demo-$SIZE-pg.key
    rm -f "$KEY"   # created by zugong on first use
    KEYARG=(--data-key-file "$KEY")
    ;;
  *)
    PG=0
    TARGET="$DB"
    rm -f "$DB" "$DB-wal" "$DB-shm" "$DB.key"
    KEYARG=()
    ;;
esac

echo "machine: $(nproc) cores, $(free -g | awk '/Mem/{print $2}') GiB, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"
$Z --db "$TARGET" "${KEYARG[@]}" migrate >/dev/null
/usr/bin/time -f "wall %e s, peak RSS %M KB" -o /tmp/zg-demo-$SIZE.time \
  $Z --db "$TARGET" "${KEYARG[@]}" demo --scale "$SIZE"
cat /tmp/zg-demo-$SIZE.time

printf '\n%-26s %12s\n' table rows
for t in $TABLES; do
  if [ $PG = 1 ]; then
    n=$(psql -qAt "$TARGET" -c "SELECT COUNT(*) FROM $t" 2>/dev/null || echo -)
  else
    n=$(sqlite3 "$TARGET" "SELECT COUNT(*) FROM $t" 2>/dev/null || echo -)
  fi
  printf '%-26s %12s\n' "$t" "$n"
done
if [ $PG = 1 ]; then
  echo
  psql -qAt "$TARGET" -c "SELECT 'database size ' || pg_size_pretty(pg_database_size(current_database()))"
  psql -qAt "$TARGET" -c "SELECT relname || ' ' || pg_size_pretty(pg_total_relation_size(oid)) FROM pg_class
    WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace ORDER BY pg_total_relation_size(oid) DESC LIMIT 5"
else
  echo
  echo "database size $(du -m "$TARGET" | cut -f1) MB (WAL $(du -m "$TARGET-wal" 2>/dev/null | cut -f1 || echo 0) MB)"
  sqlite3 "$TARGET" "SELECT name || ' ' || (SUM(pgsize) / 1048576) || ' MB' FROM dbstat GROUP BY name
    ORDER BY SUM(pgsize) DESC LIMIT 5" 2>/dev/null || true
fi
