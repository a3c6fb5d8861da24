#!/usr/bin/env bash
# Two `zugong serve` processes on one PostgreSQL behind nginx (round robin), loopback only:
# issue 5, item 5 — the multi-server set-up the tests and docs/scale.md measure.
#
#   deploy/two-servers.sh start    PostgreSQL cluster (scripts/pg-cluster.sh), migrate + demo the
#                                  first time, two servers, nginx; prints the address
#   deploy/two-servers.sh stop     stops nginx, the servers and the cluster (data stays in $DIR)
#   deploy/two-servers.sh status   what runs, and which server answers (X-Upstream)
#   deploy/two-servers.sh clean    stop, then delete $DIR
#
# Environment (defaults in brackets): ZUGONG_MULTI_DIR [/tmp/multi], ZUGONG_MULTI_PG_PORT [55444],
# ZUGONG_MULTI_PORT (nginx) [8311], ZUGONG_MULTI_PORTS (servers) ["8312 8313"],
# ZUGONG_MULTI_SCALE (demo) [district], ZUGONG_MULTI_THREADS (per server) [4], ZUGONG_BIN.
# nginx serves web/dist itself and proxies /api/ and /healthz to the servers, adding the header
# X-Upstream (which server answered). Both servers share one data key ($DIR/data.key) and
# believe nginx's X-Forwarded-For (ZUGONG_TRUSTED_PROXIES=127.0.0.1), so log-in throttling and
# rate limits count real client addresses, not the proxy's.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DIR=${ZUGONG_MULTI_DIR:-/tmp/multi}
PG_PORT=${ZUGONG_MULTI_PG_PORT:-55444}
PORT=${ZUGONG_MULTI_PORT:-8311}
read -r -a PORTS <<<"${ZUGONG_MULTI_PORTS:-8312 8313}"
SCALE=${ZUGONG_MULTI_SCALE:-district}
THREADS=${ZUGONG_MULTI_THREADS:-4}
Z=${ZUGONG_BIN:-$ROOT/build/zugong}
WEB=${ZUGONG_WEB_DIR:-$ROOT/web/dist}
NGINX=${ZUGONG_NGINX:-/usr/sbin/nginx}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop_pidfile() {
  local f=$1
  if alive "$f"; then
    local pid
    pid=$(cat "$f")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

start() {
  [ -x "$Z" ] || { echo "no server binary at $Z (bash scripts/build.sh)" >&2; exit 1; }
  [ -f "$WEB/index.html" ] || { echo "no web app in $WEB (cd web && npm run build)" >&2; exit 1; }
  mkdir -p "$DIR"
  chmod 755 "$DIR"
  URL=$(bash scripts/pg-cluster.sh start "$DIR/pg" "$PG_PORT" | tail -n 1)
  echo "PostgreSQL: $URL"
  if [ ! -f "$DIR/data.key" ]; then
    (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$DIR/data.key" && echo >>"$DIR/data.key")
  fi
  local common=(--db "$URL" --data-key-file "$DIR/data.key")
  if [ ! -f "$DIR/demo.done" ]; then
    "$Z" "${common[@]}" migrate
    echo "loading the demo ($SCALE) once…"
    (cd "$DIR" && "$Z" "${common[@]}" demo --scale "$SCALE")
    touch "$DIR/demo.done"
  else
    "$Z" "${common[@]}" migrate >/dev/null
  fi
  local ups=""
  for p in "${PORTS[@]}"; do
    if alive "$DIR/serve-$p.pid"; then
      echo "server on $p already running"
    else
      (cd "$DIR" && ZUGONG_TRUSTED_PROXIES=127.0.0.1 exec "$Z" "${common[@]}" serve --host 127.0.0.1 --port "$p" --threads "$THREADS" --quiet \
        --web "$WEB" >"$DIR/serve-$p.log" 2>&1) &
      echo $! >"$DIR/serve-$p.pid"
    fi
    ups+="    server 127.0.0.1:$p max_fails=0;"$'\n'
  done
  for p in "${PORTS[@]}"; do
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$p/healthz" >/dev/null && break; sleep 0.1; done
    curl -sf "http://127.0.0.1:$p/healthz" >/dev/null || { echo "server on $p did not start:" >&2; tail "$DIR/serve-$p.log" >&2; exit 1; }
  done
  local user=""
  [ "$(id -u)" = 0 ] && user="user root;"
  mkdir -p "$DIR/nginx"
  cat >"$DIR/nginx/nginx.conf" <<NG
$user
worker_processes 2;
pid $DIR/nginx/nginx.pid;
error_log $DIR/nginx/error.log warn;
events { worker_connections 2048; }
http {
  access_log off;
  include /etc/nginx/mime.types;
  client_body_temp_path $DIR/nginx/body; proxy_temp_path $DIR/nginx/proxy;
  fastcgi_temp_path $DIR/nginx/fcgi; uwsgi_temp_path $DIR/nginx/uwsgi; scgi_temp_path $DIR/nginx/scgi;
  client_max_body_size 25m;
  upstream zugong {
$ups    keepalive 64;
  }
  server {
    listen 127.0.0.1:$PORT;
    root $WEB;
    location / { try_files \$uri /index.html; add_header Cache-Control no-cache; }
    location /assets/ { expires max; add_header Cache-Control "public, immutable"; }
    location /api/ {
      proxy_pass http://zugong;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$http_host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_next_upstream off;
      proxy_read_timeout 300s;
      add_header X-Upstream \$upstream_addr always;
    }
    location = /healthz { proxy_pass http://zugong; add_header X-Upstream \$upstream_addr always; }
  }
}
NG
  if alive "$DIR/nginx/nginx.pid"; then
    "$NGINX" -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf" -s reload
  else
    "$NGINX" -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf"
  fi
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
  echo "nginx http://127.0.0.1:$PORT → servers ${PORTS[*]} (round robin) on $URL"
  echo "logins: admin, jd01, sq0101, zb0001, dy0001 — password Demo@2026"
}

stop() {
  if alive "$DIR/nginx/nginx.pid"; then "$NGINX" -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf" -s quit || true; fi
  for _ in $(seq 50); do alive "$DIR/nginx/nginx.pid" || break; sleep 0.1; done
  for p in "${PORTS[@]}"; do stop_pidfile "$DIR/serve-$p.pid"; done
  [ -d "$DIR/pg" ] && bash scripts/pg-cluster.sh stop "$DIR/pg" || true
  echo "stopped"
}

status() {
  alive "$DIR/nginx/nginx.pid" && echo "nginx: running on $PORT" || echo "nginx: stopped"
  for p in "${PORTS[@]}"; do alive "$DIR/serve-$p.pid" && echo "server $p: running" || echo "server $p: stopped"; done
  bash scripts/pg-cluster.sh url "$DIR/pg" 2>/dev/null || echo "PostgreSQL: stopped"
  for _ in 1 2 3 4; do curl -s -D - -o /dev/null "http://127.0.0.1:$PORT/healthz" | grep -i '^x-upstream' || true; done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  clean) stop; rm -rf "$DIR" ;;
  *) echo "usage: $0 start|stop|status|clean" >&2; exit 2 ;;
esac
