#!/usr/bin/env bash
# Builds the server (Ninja, ccache) and the web app. Idempotent and incremental.
set -euo pipefail
cd "$(dirname "$0")/.."
export CCACHE_BASEDIR="$(pwd)" CCACHE_NOHASHDIR=true
BUILD_TYPE="${ZUGONG_BUILD_TYPE:-RelWithDebInfo}"
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE" >/dev/null
fi
ninja -C build zugong zugong_tests
if [ -f web/package.json ]; then
  (cd web && npm run build --silent)
fi
