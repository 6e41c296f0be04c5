#!/usr/bin/env bash
# Start throwaway Redis, RabbitMQ and PostgreSQL on 127.0.0.1 for the integration tests (no systemd, no
# Docker), wait (bounded) until each answers, and write $TALLY_INFRA_DIR/env for the tests to source.
# Usage: scripts/infra-up.sh [redis] [rabbitmq] [postgres]        (default: all three)
# Safe to run again: a server that is already up is left alone. scripts/infra-down.sh stops them.
# Ports and paths: scripts/infra-common.sh. Packages: scripts/install-deps.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/infra-common.sh
. "$here/infra-common.sh"
services_from_args "$@"
# The servers started below outlive this script: they must not inherit a descriptor the caller holds open (a test
# runner's pipe to tee, say), or whoever reads that pipe waits for them forever. Keep only stdin/out/err and the
# script itself (bash reads it on 255).
for fd in /proc/$$/fd/*; do
  fd=${fd##*/}
  case $fd in 0 | 1 | 2 | 255) ;; *) eval "exec $fd>&-" 2>/dev/null || true ;; esac
done
mkdir -p "$INFRA_DIR"

# Fail with a message a person can act on when a port is taken by something we did not start.
require_free() {
  port_open "$1" || return 0
  echo "infra-up: 127.0.0.1:$1 ($2) is already in use by another process; stop it or set $3" >&2
  return 1
}

start_redis() {
  local d=$INFRA_DIR/redis t0; t0=$(now); mkdir -p "$d"
  command -v redis-server >/dev/null || { echo "infra-up: redis-server not installed (run scripts/install-deps.sh)" >&2; return 1; }
  local pid; pid=$(pid_from "$d/redis.pid")
  if pid_alive "$pid" && [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; then
    echo "redis    already up on 127.0.0.1:$REDIS_PORT (pid $pid)"; return 0
  fi
  require_free "$REDIS_PORT" redis TALLY_REDIS_PORT
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --protected-mode yes --daemonize yes \
    --pidfile "$d/redis.pid" --dir "$d" --logfile "$d/redis.log" --save "" --appendonly no </dev/null
  for _ in $(seq 1 $((WAIT_S * 10))); do
    if [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; then
      echo "redis    ready on 127.0.0.1:$REDIS_PORT in $(elapsed "$t0") s (pid $(pid_from "$d/redis.pid"))"; return 0
    fi
    sleep 0.1
  done
  echo "infra-up: redis did not answer PING within ${WAIT_S} s; log:" >&2; tail -30 "$d/redis.log" >&2; return 1
}

start_rabbitmq() {
  local d=$INFRA_DIR/rabbitmq t0; t0=$(now); mkdir -p "$d"/{mnesia,log,home}
  [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || { echo "infra-up: rabbitmq-server not installed (run scripts/install-deps.sh)" >&2; return 1; }
  local pid; pid=$(pid_from "$d/rabbit.pid")
  if pid_alive "$pid" && port_open "$AMQP_PORT"; then
    echo "rabbitmq already up on 127.0.0.1:$AMQP_PORT (pid $pid)"; return 0
  fi
  require_free "$AMQP_PORT" "rabbitmq AMQP" TALLY_AMQP_PORT
  require_free "$RABBIT_DIST_PORT" "rabbitmq distribution" TALLY_RABBIT_DIST_PORT
  printf 'listeners.tcp.default = 127.0.0.1:%s\n' "$AMQP_PORT" > "$d/rabbitmq.conf"
  echo '[].' > "$d/enabled_plugins"
  rm -f "$d/rabbit.pid"
  ( rabbit_env; /usr/lib/rabbitmq/bin/rabbitmq-server -detached </dev/null >"$d/start.out" 2>&1 )
  # -detached returns at once and the node registers with epmd only seconds later; 'await_startup' fails at
  # once for an unregistered node, so poll the AMQP port first (bounded), then let await_startup confirm.
  local ok=0
  for _ in $(seq 1 $((WAIT_S * 4))); do port_open "$AMQP_PORT" && { ok=1; break; }; sleep 0.25; done
  if [ $ok = 1 ] && rabbitmqctl_ "$WAIT_S" await_startup --timeout "$WAIT_S" >"$d/await.out" 2>&1; then
    echo "rabbitmq ready on 127.0.0.1:$AMQP_PORT (guest/guest, vhost /) in $(elapsed "$t0") s (pid $(pid_from "$d/rabbit.pid"))"
  else
    echo "infra-up: rabbitmq did not become ready within ${WAIT_S} s:" >&2
    cat "$d/start.out" "$d/await.out" >&2 2>/dev/null; tail -30 "$d/log/"*.log >&2 2>/dev/null || true; return 1
  fi
}

start_postgres() {
  local d=$INFRA_DIR/postgres t0 bin; t0=$(now)
  bin=$(pg_bin) || { echo "infra-up: PostgreSQL server not installed (run scripts/install-deps.sh)" >&2; return 1; }
  mkdir -p "$d/sock"
  [ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$d"
  chmod 700 "$d"
  if [ -f "$d/data/postmaster.pid" ] && as_pg "$bin/pg_ctl" -D "$d/data" status >/dev/null 2>&1 \
     && "$bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; then
    echo "postgres already up on 127.0.0.1:$PG_PORT (pid $(pid_from "$d/data/postmaster.pid"))"; return 0
  fi
  require_free "$PG_PORT" postgres TALLY_PG_PORT
  if [ ! -f "$d/data/PG_VERSION" ]; then
    rm -rf "$d/data"
    (umask 077; echo "$PG_PASSWORD" > "$d/pw"); [ "$(id -u)" -eq 0 ] && chown postgres "$d/pw"
    as_pg "$bin/initdb" -D "$d/data" -U postgres --pwfile="$d/pw" --auth-local=trust --auth-host=scram-sha-256 \
      --no-sync -E UTF8 --locale=C.UTF-8 </dev/null >"$d/initdb.log" 2>&1 \
      || { rm -f "$d/pw"; echo "infra-up: initdb failed:" >&2; cat "$d/initdb.log" >&2; return 1; }
    rm -f "$d/pw"
  fi
  as_pg "$bin/pg_ctl" -D "$d/data" -l "$d/postgres.log" -w -t "$WAIT_S" \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $d/sock -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start </dev/null >"$d/pg_ctl.out" 2>&1 \
    || { echo "infra-up: postgres did not start within ${WAIT_S} s:" >&2; cat "$d/pg_ctl.out" "$d/postgres.log" >&2; return 1; }
  "$bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t "$WAIT_S" \
    || { echo "infra-up: postgres started but pg_isready fails on 127.0.0.1:$PG_PORT" >&2; return 1; }
  echo "postgres ready on 127.0.0.1:$PG_PORT (postgres/$PG_PASSWORD) in $(elapsed "$t0") s (pid $(pid_from "$d/data/postmaster.pid"))"
}

for s in "${services[@]}"; do "start_$s"; done

write_env
echo "infra-up: environment in $INFRA_DIR/env"
