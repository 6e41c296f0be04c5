# shellcheck shell=bash
# shellcheck disable=SC2034  # variables used by the scripts that source this file
# Shared settings for infra-up.sh / infra-down.sh (sourced, not run). Every value can be overridden from
# the environment, e.g. to run a second set of servers beside the first:
#   TALLY_INFRA_DIR=/tmp/other TALLY_REDIS_PORT=6391 TALLY_AMQP_PORT=5683 TALLY_RABBIT_EPMD_PORT=4371 \
#   TALLY_RABBIT_DIST_PORT=25683 TALLY_PG_PORT=5440 scripts/infra-up.sh
INFRA_DIR=${TALLY_INFRA_DIR:-/tmp/tally-infra}
REDIS_PORT=${TALLY_REDIS_PORT:-6390}
AMQP_PORT=${TALLY_AMQP_PORT:-5682}
RABBIT_DIST_PORT=${TALLY_RABBIT_DIST_PORT:-25682}
RABBIT_EPMD_PORT=${TALLY_RABBIT_EPMD_PORT:-4370}   # private epmd: a system epmd on 4369 is never touched
RABBIT_NODE=${TALLY_RABBIT_NODE:-tally_rabbit_${AMQP_PORT}@localhost}
PG_PORT=${TALLY_PG_PORT:-5439}
PG_PASSWORD=${TALLY_PG_PASSWORD:-postgres}
WAIT_S=${TALLY_INFRA_WAIT_S:-60}
ALL_SERVICES=(redis rabbitmq postgres)

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}'; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# alive = exists and is not a zombie (a container's PID 1 may never reap an exited daemon)
pid_alive() {
  [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null || return 1
  [ ! -r "/proc/$1/stat" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]
}
pid_from() { [ -s "$1" ] && head -1 "$1" | tr -dc '0-9'; return 0; }
pg_bin() { local d; d=$(compgen -G '/usr/lib/postgresql/*/bin' | sort -V | tail -1); [ -n "$d" ] && echo "$d"; }

# initdb and pg_ctl refuse to run as root: as root they run as the 'postgres' OS user.
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# Environment for the RabbitMQ scripts: own HOME (Erlang cookie), node name, ports, and a private epmd.
rabbit_env() {
  local d=$INFRA_DIR/rabbitmq
  export HOME=$d/home RABBITMQ_NODENAME=$RABBIT_NODE RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    RABBITMQ_NODE_PORT=$AMQP_PORT RABBITMQ_DIST_PORT=$RABBIT_DIST_PORT \
    RABBITMQ_MNESIA_BASE=$d/mnesia RABBITMQ_LOG_BASE=$d/log RABBITMQ_PID_FILE=$d/rabbit.pid \
    RABBITMQ_CONFIG_FILE=$d/rabbitmq.conf RABBITMQ_ENABLED_PLUGINS_FILE=$d/enabled_plugins \
    RABBITMQ_CONF_ENV_FILE=/dev/null ERL_EPMD_PORT=$RABBIT_EPMD_PORT ERL_EPMD_ADDRESS=127.0.0.1 \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
}
# rabbitmqctl_ TIMEOUT_S ARGS...: rabbitmqctl against our node, bounded.
rabbitmqctl_() { local t=$1; shift; ( rabbit_env; timeout "$t" /usr/lib/rabbitmq/bin/rabbitmqctl -q -n "$RABBIT_NODE" "$@" </dev/null ); }

# $INFRA_DIR/env: connection settings of the servers that are running now (the tests skip, with a message,
# the ones that are unset). Rewritten by infra-up and infra-down; removed when nothing runs.
write_env() {
  local f=$INFRA_DIR/env lines=()
  [ -d "$INFRA_DIR" ] || return 0
  pid_alive "$(pid_from "$INFRA_DIR/redis/redis.pid")" && lines+=("export TALLY_TEST_REDIS=127.0.0.1:$REDIS_PORT")
  pid_alive "$(pid_from "$INFRA_DIR/rabbitmq/rabbit.pid")" && lines+=("export TALLY_TEST_AMQP=amqp://guest:guest@127.0.0.1:$AMQP_PORT/")
  pid_alive "$(pid_from "$INFRA_DIR/postgres/data/postmaster.pid" 2>/dev/null)" \
    && lines+=("export TALLY_TEST_POSTGRES=\"Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Password=$PG_PASSWORD\"")
  if [ ${#lines[@]} -eq 0 ]; then rm -f "$f"; return 0; fi
  { echo "# written by scripts/infra-up.sh; use:  . $f"; printf '%s\n' "${lines[@]}"; } > "$f"
}

services_from_args() {
  services=("$@"); [ ${#services[@]} -eq 0 ] && services=("${ALL_SERVICES[@]}")
  local s; for s in "${services[@]}"; do
    case $s in redis|rabbitmq|postgres) ;; *) echo "unknown service '$s' (choose from: ${ALL_SERVICES[*]})" >&2; exit 2 ;; esac
  done
}
