#!/usr/bin/env bash
# Azurite (Azure Blob emulator) for hdh's tests: in memory, loopback only, stopped by its recorded PID.
#
#   test/servers/azurite.sh start|stop|status
#
# Environment:
#   HDH_TEST_AZURITE_PORT       blob port (default 10000); tests read HDH_TEST_AZURITE_URL,
#                               default http://127.0.0.1:10000/devstoreaccount1
#   HDH_TEST_AZURITE_MEMORY_MB  cap of the in-memory extent store (default 2048): without it Azurite
#                               may keep half the machine's RAM for blobs the tests already deleted
#
# Azurite is installed in test/servers/azurite/ with `npm ci` (pinned 3.35.0, the last release that
# runs on Node 20) so that the server's dependencies never mix with the project's.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RUN="$HERE/.run"
PIDFILE="$RUN/azurite.pid"
LOG="$RUN/azurite.log"
PORT="${HDH_TEST_AZURITE_PORT:-10000}"
MEMORY_MB="${HDH_TEST_AZURITE_MEMORY_MB:-2048}"
URL="http://127.0.0.1:$PORT/devstoreaccount1"

running_pid() {
  [[ -f "$PIDFILE" ]] || return 1
  local pid
  pid="$(cat "$PIDFILE")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

answers() {
  # Any HTTP status (Azurite answers 400/403 to an unsigned request) means the server is up.
  local code
  code="$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$URL?comp=list" || true)"
  [[ "$code" != "000" && -n "$code" ]]
}

start() {
  if pid="$(running_pid)"; then
    echo "azurite already running (pid $pid) at $URL"
    return 0
  fi
  if answers; then
    echo "port $PORT already answers but not with an Azurite this script started; refusing to start" >&2
    return 1
  fi
  if [[ ! -x "$HERE/azurite/node_modules/.bin/azurite-blob" ]]; then
    echo "installing azurite (npm ci in test/servers/azurite)"
    (cd "$HERE/azurite" && npm ci --no-audit --no-fund --loglevel=error)
  fi
  mkdir -p "$RUN"
  # setsid: the server must outlive the shell that started it and not share its process group.
  setsid node "$HERE/azurite/node_modules/azurite/dist/src/blob/main.js" \
    --blobHost 127.0.0.1 --blobPort "$PORT" \
    --inMemoryPersistence --extentMemoryLimit "$MEMORY_MB" \
    --skipApiVersionCheck --disableTelemetry --loose --silent \
    >"$LOG" 2>&1 </dev/null &
  echo $! >"$PIDFILE"
  local pid
  pid="$(cat "$PIDFILE")"
  for _ in $(seq 1 60); do
    if answers; then
      echo "azurite running (pid $pid) at $URL"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "azurite exited during start; see $LOG" >&2
      rm -f "$PIDFILE"
      return 1
    fi
    sleep 0.5
  done
  echo "azurite did not answer within 30 s; see $LOG" >&2
  return 1
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PIDFILE"
    echo "azurite not running"
    return 0
  fi
  kill "$pid"
  # Azurite takes a few seconds to shut down; the port is only free once the process is gone.
  for _ in $(seq 1 40); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "azurite (pid $pid) ignored SIGTERM for 20 s; sending SIGKILL" >&2
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$PIDFILE"
  echo "azurite stopped"
}

status() {
  local pid
  if pid="$(running_pid)"; then
    if answers; then
      echo "azurite running (pid $pid) at $URL"
    else
      echo "azurite process $pid is alive but $URL does not answer"
      return 1
    fi
  else
    echo "azurite not running"
    return 3
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
