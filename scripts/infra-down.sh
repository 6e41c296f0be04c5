#!/usr/bin/env bash
# shellcheck disable=SC2317  # functions called indirectly ("stop_$s", traps)
# Stop what scripts/infra-up.sh started, by PID (or the server's own stop command), then delete its state.
# Usage: scripts/infra-down.sh [redis] [rabbitmq] [postgres]   (default: all). Safe when nothing runs.
# TALLY_KEEP_STATE=1 keeps the data directories under $TALLY_INFRA_DIR.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/infra-common.sh
. "$here/infra-common.sh"
services_from_args "$@"
[ -d "$INFRA_DIR" ] || { echo "infra-down: nothing to stop ($INFRA_DIR does not exist)"; exit 0; }
status=0

# TERM, wait up to 10 s, then KILL.
stop_pid() {
  local pid=$1
  pid_alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 1 100); do pid_alive "$pid" || return 0; sleep 0.1; done
  echo "infra-down: pid $pid ignored TERM for 10 s; killing it" >&2
  kill -KILL "$pid" 2>/dev/null; sleep 0.2; ! pid_alive "$pid"
}

wait_port_closed() {
  for _ in $(seq 1 50); do port_open "$1" || return 0; sleep 0.1; done
  echo "infra-down: 127.0.0.1:$1 is still open" >&2; return 1
}

stop_redis() {
  local pid; pid=$(pid_from "$INFRA_DIR/redis/redis.pid")
  pid_alive "$pid" || return 0
  stop_pid "$pid" && wait_port_closed "$REDIS_PORT" && echo "redis    stopped (pid $pid)"
}

stop_rabbitmq() {
  local d=$INFRA_DIR/rabbitmq pid; pid=$(pid_from "$d/rabbit.pid")
  if pid_alive "$pid"; then
    rabbitmqctl_ 30 stop >/dev/null 2>&1 || true
    stop_pid "$pid" || return 1
    wait_port_closed "$AMQP_PORT" || return 1
    echo "rabbitmq stopped (pid $pid)"
  fi
  # The private epmd that the node started on $RABBIT_EPMD_PORT outlives it: ask it to exit.
  if port_open "$RABBIT_EPMD_PORT"; then
    ERL_EPMD_PORT=$RABBIT_EPMD_PORT epmd -port "$RABBIT_EPMD_PORT" -kill >/dev/null 2>&1 || true
    wait_port_closed "$RABBIT_EPMD_PORT" && echo "epmd     stopped (port $RABBIT_EPMD_PORT)"
  fi
}

stop_postgres() {
  local d=$INFRA_DIR/postgres bin pid
  pid=$(pid_from "$d/data/postmaster.pid" 2>/dev/null)
  pid_alive "$pid" || return 0
  # pg_ctl returns once postmaster.pid is gone; the process itself may take a moment longer to exit.
  if bin=$(pg_bin); then as_pg "$bin/pg_ctl" -D "$d/data" -m fast -w -t 30 stop </dev/null >/dev/null 2>&1; fi
  for _ in $(seq 1 50); do pid_alive "$pid" || break; sleep 0.1; done
  stop_pid "$pid" && wait_port_closed "$PG_PORT" && echo "postgres stopped (pid $pid)"
}

for s in postgres rabbitmq redis; do
  [[ " ${services[*]} " == *" $s "* ]] || continue
  "stop_$s" || { status=1; echo "infra-down: could not stop $s" >&2; }
done

if [ "${TALLY_KEEP_STATE:-0}" != 1 ] && [ $status = 0 ]; then
  for s in "${services[@]}"; do rm -rf "${INFRA_DIR:?}/$s"; done
fi
write_env
rmdir "$INFRA_DIR" 2>/dev/null || true
exit $status
