#!/usr/bin/env bash
# Installs every system and front-end dependency Zugong needs. Idempotent: packages already
# present are skipped, `apt-get update` runs only when something is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  clang libclang-rt-14-dev
  libboost1.81-dev libboost-json1.81-dev
  libsqlite3-dev sqlite3 libpq-dev postgresql-15 postgresql-client-15
  libsodium-dev libssl-dev libicu-dev
  libxlsxwriter-dev libminizip-dev libpugixml-dev zlib1g-dev
  libqrencode-dev libhpdf-dev fonts-wqy-zenhei
  libspdlog-dev libfmt-dev libcli11-dev
  libgtest-dev libgmock-dev
  chromium fonts-noto-cjk
  nodejs npm
  wrk nginx-light poppler-utils bc
  libreoffice-calc-nogui
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js may come from outside Debian on this machine kind; accept any node >= 20.
if command -v node >/dev/null 2>&1; then
  tmp=(); for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || tmp+=("$p"); done
  missing=("${tmp[@]+"${tmp[@]}"}")
fi
if ((${#missing[@]})); then
  echo "[install] apt: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# `npm ci` from the lock file. With this machine's npm setting omit-lockfile-registry-resolved,
# npm leaves the platform-specific optional packages (rollup's, esbuild's) out of the lock and
# `npm ci` then refuses it; fall back to `npm install`, which honours the lock for everything
# it lists, and keep the committed lock file unchanged.
npm_install_locked() {
  (
    cd "$1"
    if ! npm ci --no-audit --no-fund --loglevel=error 2>/dev/null; then
      cp package-lock.json package-lock.json.orig
      npm install --no-audit --no-fund --loglevel=error
      mv package-lock.json.orig package-lock.json
    fi
  )
}

# Front end: install from the lock file only when it changed since the last install.
if [ -f web/package-lock.json ]; then
  stamp=web/node_modules/.zugong-lock-stamp
  if [ ! -f "$stamp" ] || ! cmp -s web/package-lock.json "$stamp"; then
    echo "[install] npm ci (web)"
    npm_install_locked web
    cp web/package-lock.json "$stamp"
  fi
fi
if [ -f tests/package-lock.json ]; then
  stamp=tests/node_modules/.zugong-lock-stamp
  if [ ! -f "$stamp" ] || ! cmp -s tests/package-lock.json "$stamp"; then
    echo "[install] npm ci (tests)"
    npm_install_locked tests
    cp tests/package-lock.json "$stamp"
  fi
fi
