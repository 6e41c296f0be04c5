#!/usr/bin/env bash
# `make up`: Tally in distributed mode on this machine, each service its own process.
#   1. scripts/install-deps.sh      installs what is missing (apt as root: redis-server rabbitmq-server postgresql …)
#   2. scripts/infra-up.sh          Redis, RabbitMQ, PostgreSQL on 127.0.0.1 (own dir and ports), each waited for
#   3. dotnet build scripts/hosts.slnf -c Release       the four service hosts, built once
#   4. the four hosts as background processes: PostgreSQL storage (database "tally", a schema per service),
#      the RabbitMQ bus, the Redis answer cache, each other's addresses from Tally:Services
#   5. waits until each answers /readyz (bounded); on failure prints the log tail and stops what it started
#      (the hosts it started; the servers too, unless they were running before)
# Then `./tally ask "…"` talks to the query service on 127.0.0.1:7400. `make down` (scripts/down.sh) stops it all.
# Safe to run again: servers and hosts already running are left alone.
#
# Environment (defaults in scripts/up-common.sh):
#   TALLY_UP_DIR=/tmp/tally-up          logs/<service>.log, pids/<service>.pid, <service>/ (working dir), infra/
#   TALLY_QUERY_GRPC_PORT=7400 TALLY_QUERY_HTTP_PORT=7401            (and INGESTION 7410/7411,
#   DEFINITIONS 7420/7421, CITATIONS 7430/7431)
#   TALLY_REDIS_PORT=6391 TALLY_AMQP_PORT=5683 TALLY_RABBIT_EPMD_PORT=4371 TALLY_RABBIT_DIST_PORT=25683
#   TALLY_PG_PORT=5440 TALLY_INFRA_DIR=$TALLY_UP_DIR/infra
#   TALLY_UP_WAIT_S=180                 how long each host may take to become ready
#   TALLY_SKIP_INSTALL=1, TALLY_SKIP_BUILD=1   skip step 1 / step 3
#   TALLY_UP_KEEP_ON_FAILURE=1          leave everything running when a host does not become ready
# Any other Tally__… variable in the environment reaches every host (e.g. Tally__Cache__Timeout=00:00:00.2).
set -euo pipefail
# The hosts started here outlive this script: they must not inherit a descriptor the caller holds open (see infra-up.sh).
for fd in /proc/$$/fd/*; do
  fd=${fd##*/}
  case $fd in 0 | 1 | 2 | 255) ;; *) eval "exec $fd>&-" 2>/dev/null || true ;; esac
done
cd "$(dirname "$0")/.."
root=$PWD
# shellcheck source=scripts/up-common.sh
. scripts/up-common.sh
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 MSBUILDDISABLENODEREUSE=1
mkdir -p "$UP_DIR/logs" "$UP_DIR/pids"

# On failure, stop what this run started (hosts by PID; the servers unless they were running before it).
started=()
infra_started=0
fail() {
  echo "up: $*" >&2
  if [ "${TALLY_UP_KEEP_ON_FAILURE:-0}" = 1 ]; then
    echo "up: left running (TALLY_UP_KEEP_ON_FAILURE=1); stop with: make down" >&2
    exit 1
  fi
  local s pid
  for s in "${started[@]}"; do
    pid=$(up_pid_of "$s")
    if up_pid_alive "$pid"; then
      kill -TERM "$pid" 2>/dev/null
      for _ in $(seq 1 100); do up_pid_alive "$pid" || break; sleep 0.1; done
      up_pid_alive "$pid" && kill -KILL "$pid" 2>/dev/null
      echo "up: stopped $s (pid $pid)" >&2
    fi
    rm -f "$UP_DIR/pids/$s.pid"
  done
  if [ "$infra_started" = 1 ]; then
    echo "up: stopping the servers this run started" >&2
    bash scripts/infra-down.sh >&2 || true
  fi
  exit 1
}
infra_pid_files=("$TALLY_INFRA_DIR/redis/redis.pid" "$TALLY_INFRA_DIR/rabbitmq/rabbit.pid" "$TALLY_INFRA_DIR/postgres/data/postmaster.pid")
infra_running() {
  local f pid
  for f in "${infra_pid_files[@]}"; do
    pid=$([ -s "$f" ] && head -1 "$f" | tr -dc '0-9'); up_pid_alive "$pid" || return 1
  done
}

# Remember the settings, so that `make down` stops the same servers with the same ports.
{
  echo "# written by scripts/up.sh; read by scripts/down.sh"
  for v in TALLY_INFRA_DIR TALLY_REDIS_PORT TALLY_AMQP_PORT TALLY_RABBIT_EPMD_PORT TALLY_RABBIT_DIST_PORT TALLY_PG_PORT; do
    printf 'export %s=%q\n' "$v" "${!v}"
  done
} > "$UP_DIR/up.env"

# ---- 1. packages
if [ "${TALLY_SKIP_INSTALL:-0}" != 1 ]; then
  bash scripts/install-deps.sh || fail "installing dependencies failed (see above)"
fi

# ---- 2. servers
# Every host port checked before anything starts: a number, and free unless that host is already running.
for s in "${SERVICES[@]}"; do
  up_pid_alive "$(up_pid_of "$s")" && continue
  for p in "${GRPC_PORT[$s]}" "${HTTP_PORT[$s]}"; do
    [[ $p =~ ^[0-9]+$ ]] || fail "the $s port '$p' is not a number (TALLY_$(up_var "$s")_GRPC_PORT / _HTTP_PORT)"
    if up_port_open "$p"; then
      fail "127.0.0.1:$p ($s) is already in use by another process; stop it or set TALLY_$(up_var "$s")_GRPC_PORT / _HTTP_PORT"
    fi
  done
done
infra_running || infra_started=1
bash scripts/infra-up.sh || fail "starting Redis, RabbitMQ and PostgreSQL failed (see above)"
pg_bin=$(compgen -G '/usr/lib/postgresql/*/bin' | sort -V | tail -1)
if ! PGPASSWORD=$PG_PASSWORD "$pg_bin/psql" -h 127.0.0.1 -p "$TALLY_PG_PORT" -U postgres -d postgres -tAq \
     -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DATABASE'" </dev/null | grep -q 1; then
  PGPASSWORD=$PG_PASSWORD "$pg_bin/createdb" -h 127.0.0.1 -p "$TALLY_PG_PORT" -U postgres "$PG_DATABASE" </dev/null \
    || fail "could not create database '$PG_DATABASE' on 127.0.0.1:$TALLY_PG_PORT"
  echo "postgres database '$PG_DATABASE' created"
fi

# ---- 3. build once
if [ "${TALLY_SKIP_BUILD:-0}" != 1 ]; then
  echo "up: building the four service hosts (Release)"
  dotnet build scripts/hosts.slnf -c Release --disable-build-servers --nologo -v:quiet \
    || fail "the service hosts did not build (see above)"
fi

# ---- 4. start the hosts
# The four share one service token (background calls, key checks against definitions): kept in $UP_DIR, mode 0600.
token_file=$UP_DIR/service-token
if [ ! -s "$token_file" ]; then (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$token_file"); fi
common_env=(
  "Tally__Auth__ServiceToken=$(cat "$token_file")"
  "Tally__Host__BindAddress=127.0.0.1"
  "Tally__Storage__Provider=postgres"
  "Tally__Storage__ConnectionString=Host=127.0.0.1;Port=$TALLY_PG_PORT;Database=$PG_DATABASE;Username=postgres;Password=$PG_PASSWORD"
  "Tally__Bus__Transport=rabbitmq"
  "Tally__Bus__RabbitMqUri=amqp://guest:guest@127.0.0.1:$TALLY_AMQP_PORT/"
  "Tally__Cache__Provider=redis"
  "Tally__Cache__Redis=127.0.0.1:$TALLY_REDIS_PORT"
  "Tally__Services__Query=http://127.0.0.1:${GRPC_PORT[query]}"
  "Tally__Services__Ingestion=http://127.0.0.1:${GRPC_PORT[ingestion]}"
  "Tally__Services__Definitions=http://127.0.0.1:${GRPC_PORT[definitions]}"
  "Tally__Services__Citations=http://127.0.0.1:${GRPC_PORT[citations]}"
)

start_host() {
  local s=$1 pid dll name log=$UP_DIR/logs/$1.log
  pid=$(up_pid_of "$s")
  if up_pid_alive "$pid"; then echo "$s already running (pid $pid)"; return 0; fi
  name=$(basename "${PROJECT[$s]}")
  dll=$root/${PROJECT[$s]}/bin/Release/net10.0/$name.dll
  [ -f "$dll" ] || fail "$dll is missing: build first (or drop TALLY_SKIP_BUILD)"
  mkdir -p "$UP_DIR/$s"
  [ -f "$log" ] && mv -f "$log" "$log.1"   # the previous run's log, kept once
  # setsid: the host outlives this script and a Ctrl-C in the terminal that ran `make up`.
  (
    cd "$UP_DIR/$s"
    exec env "${common_env[@]}" "Tally__Host__GrpcPort=${GRPC_PORT[$s]}" "Tally__Host__HttpPort=${HTTP_PORT[$s]}" \
      setsid dotnet "$dll" </dev/null >>"$log" 2>&1
  ) &
  pid=$!
  echo "$pid" > "$UP_DIR/pids/$s.pid"
  started+=("$s")
  echo "$s starting (pid $pid, gRPC 127.0.0.1:${GRPC_PORT[$s]}, HTTP ${HTTP_PORT[$s]}, log $log)"
}

for s in "${SERVICES[@]}"; do start_host "$s"; done

# ---- 5. wait until each is ready
wait_ready() {
  local s=$1 pid t0=$SECONDS body=""
  pid=$(up_pid_of "$s")
  while [ $((SECONDS - t0)) -lt "$UP_WAIT_S" ]; do
    if ! up_pid_alive "$pid"; then
      echo "up: $s (pid $pid) exited before it was ready; last lines of $UP_DIR/logs/$s.log:" >&2
      tail -40 "$UP_DIR/logs/$s.log" >&2
      return 1
    fi
    if body=$(curl -fsS --max-time 5 "http://127.0.0.1:${HTTP_PORT[$s]}/readyz" 2>/dev/null); then
      echo "$s ready in $((SECONDS - t0)) s"
      return 0
    fi
    sleep 0.5
  done
  echo "up: $s was not ready within $UP_WAIT_S s (TALLY_UP_WAIT_S); /readyz said: ${body:-nothing}; last lines of $UP_DIR/logs/$s.log:" >&2
  tail -40 "$UP_DIR/logs/$s.log" >&2
  return 1
}

for s in "${SERVICES[@]}"; do wait_ready "$s" || fail "$s did not become ready"; done

echo
echo "Tally is up (distributed): query on 127.0.0.1:${GRPC_PORT[query]}; logs in $UP_DIR/logs; stop with: make down"
echo "  ./tally ask \"How many people did ICE deport in 2024?\""
echo "  First admin key (keys live in the definitions service): see the 'No admin API key exists yet' line in $UP_DIR/logs/definitions.log"
if [ "${GRPC_PORT[query]}" != 7400 ]; then echo "  (TALLY_SERVER=127.0.0.1:${GRPC_PORT[query]} ./tally …)"; fi
