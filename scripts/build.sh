#!/usr/bin/env bash
# Builds the server (Ninja, ccache) and the web app. Idempotent and incremental.
# Usage: scripts/build.sh [ninja targets…]   (default: zugong zugong_tests)
set -euo pipefail
cd "$(dirname "$0")/.."
export CCACHE_BASEDIR="$(pwd)" CCACHE_NOHASHDIR=true
BUILD_TYPE="${ZUGONG_BUILD_TYPE:-RelWithDebInfo}"
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE" >/dev/null
fi
if [ $# -eq 0 ]; then set -- zugong zugong_tests; fi
ninja -C build "$@"
if [ -f web/package.json ]; then
  # Rebuild the web app only when a source is newer than the last build.
  if [ ! -f web/dist/index.html ] ||
     [ -n "$(find web/src web/public web/index.html web/package.json web/package-lock.json web/vite.config.ts \
               -newer web/dist/index.html -print -quit 2>/dev/null)" ]; then
    (cd web && npm run build --silent)
  fi
fi
