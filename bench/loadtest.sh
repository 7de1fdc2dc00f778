#!/usr/bin/env bash
# Load test: gunicorn (one worker per core) on PostgreSQL with the large generated mission, driven
# by wrk over loopback at 50 concurrent connections for a bounded time per scenario.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/postgres.sh
DURATION=${LOADTEST_SECONDS:-10}
CONNECTIONS=${LOADTEST_CONNECTIONS:-50}
PORT=${LOADTEST_PORT:-$((40000 + RANDOM % 10000))}
BIN=.venv/bin

command -v wrk >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

pg_start
cleanup() { [ -n "${GUNICORN_PID:-}" ] && kill "$GUNICORN_PID" 2>/dev/null; wait 2>/dev/null; pg_stop; }
trap cleanup EXIT

export DJANGO_SETTINGS_MODULE=bench.settings DJANGO_DEBUG=0 DJANGO_SECRET_KEY=loadtest-not-a-secret-$RANDOM$RANDOM
export DJANGO_ALLOWED_HOSTS=127.0.0.1 SITE_URL=http://127.0.0.1:$PORT DJANGO_SECURE_SSL_REDIRECT=0 DJANGO_LOG_LEVEL=WARNING
eval "$($BIN/python bench/loadtest_setup.py)"

WORKERS=$(nproc)
$BIN/gunicorn missionplanner.wsgi --bind 127.0.0.1:$PORT --workers "$WORKERS" --log-level warning &
GUNICORN_PID=$!
for _ in $(seq 1 50); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.2; done

URL=http://127.0.0.1:$PORT
ETAG=$(curl -sfI "$URL$FEED_PATH" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')
for path in "$FEED_PATH" "$MEMBER_FEED_PATH" "$DELEGATE_PATH" /bench/minimal; do
  curl -sf -o /dev/null "$URL$path"  # warm each worker's caches once
done

run() {  # name, path, then environment for the wrk script
  local name=$1 path=$2; shift 2
  local json
  json=$(env "$@" wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s -s bench/wrk_report.lua "$URL$path" | tail -n 1)
  printf '%-34s %s\n' "$name" "$json"
}

echo "Load test: gunicorn $WORKERS workers on PostgreSQL, $CONNECTIONS connections, ${DURATION}s a scenario"
run "minimal view (ceiling)" /bench/minimal
run "feed 304 (If-None-Match)" "$FEED_PATH" WRK_HEADER_NAME=If-None-Match WRK_HEADER_VALUE="$ETAG"
run "feed 200 (no ETag, cached body)" "$FEED_PATH"
run "feed mix (80% 304, 20% 200)" "$FEED_PATH" WRK_ETAG="$ETAG" WRK_ETAG_SHARE=0.8
run "personal feed 200" "$MEMBER_FEED_PATH"
run "delegate page" "$DELEGATE_PATH"
run "schedule page (staff)" "$SCHEDULE_PATH" WRK_HEADER_NAME=Cookie WRK_HEADER_VALUE="sessionid=$SESSION_ID"
