#!/usr/bin/env bash
# One command: install what is needed, build, load the demo district into SQLite (once) and
# start the server. Idempotent: a second run reuses the build and the data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh zugong
mkdir -p data
DB="${ZUGONG_DB:-data/zugong.db}"
PORT="${ZUGONG_PORT:-8080}"
HOST="${ZUGONG_HOST:-127.0.0.1}"
./build/zugong --db "$DB" --district-name "江干区委" migrate
./build/zugong --db "$DB" demo   # the everyday demo district (one year of visits; --scale district is the larger bench size)
echo
echo "  Zugong 组工 — http://$HOST:$PORT/"
echo "  演示账号 demo login: admin / Demo@2026  (区委组织部; also jd01…jd08 街道, sq0101 社区, zb0001 支部书记, dy0001 党员)"
echo
exec ./build/zugong --db "$DB" serve --host "$HOST" --port "$PORT" --web web/dist
