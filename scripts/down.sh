#!/usr/bin/env bash
# `make down`: stops what `make up` (scripts/up.sh) started, by the PIDs it recorded: the four service hosts
# (SIGTERM, then SIGKILL after TALLY_DOWN_WAIT_S=20 s), then Redis, RabbitMQ and PostgreSQL (scripts/infra-down.sh,
# same directory and ports as up.sh used). Logs stay in $TALLY_UP_DIR/logs. Safe to run when nothing is up.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=scripts/up-common.sh
. scripts/up-common.sh
# The settings up.sh ran with (ports of the servers it started) win over the defaults.
# shellcheck disable=SC1091
[ -f "$UP_DIR/up.env" ] && . "$UP_DIR/up.env"
wait_s=${TALLY_DOWN_WAIT_S:-20}
status=0

stop_host() {
  local s=$1 pid
  pid=$(up_pid_of "$s")
  [ -n "$pid" ] || return 0
  if up_pid_alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 $((wait_s * 10))); do up_pid_alive "$pid" || break; sleep 0.1; done
    if up_pid_alive "$pid"; then
      echo "down: $s (pid $pid) did not stop within $wait_s s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null
      for _ in $(seq 1 50); do up_pid_alive "$pid" || break; sleep 0.1; done
    fi
    if up_pid_alive "$pid"; then echo "down: could not stop $s (pid $pid)" >&2; return 1; fi
    echo "$s stopped (pid $pid)"
  fi
  rm -f "$UP_DIR/pids/$s.pid"
}

# The query front first, so no new request fans out to services that are going away.
for s in query ingestion citations definitions; do stop_host "$s" || status=1; done

if [ -d "$TALLY_INFRA_DIR" ]; then
  bash scripts/infra-down.sh || status=1
fi
rm -f "$UP_DIR/up.env"
rmdir "$UP_DIR/pids" 2>/dev/null || true
exit $status
