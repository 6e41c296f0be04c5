# shellcheck shell=bash
# shellcheck disable=SC2034  # variables used by the scripts that source this file
# Shared settings for scripts/up.sh and scripts/down.sh (sourced, not run). Every value can be overridden from
# the environment. The servers get their own directory and ports (not make test's), so `make up` and `make test`
# can run side by side without one stopping the other's servers.
UP_DIR=${TALLY_UP_DIR:-/tmp/tally-up}
export TALLY_INFRA_DIR=${TALLY_INFRA_DIR:-$UP_DIR/infra}
export TALLY_REDIS_PORT=${TALLY_REDIS_PORT:-6391}
export TALLY_AMQP_PORT=${TALLY_AMQP_PORT:-5683}
export TALLY_RABBIT_EPMD_PORT=${TALLY_RABBIT_EPMD_PORT:-4371}
export TALLY_RABBIT_DIST_PORT=${TALLY_RABBIT_DIST_PORT:-25683}
export TALLY_PG_PORT=${TALLY_PG_PORT:-5440}
PG_PASSWORD=${TALLY_PG_PASSWORD:-postgres}
PG_DATABASE=${TALLY_PG_DATABASE:-tally}
UP_WAIT_S=${TALLY_UP_WAIT_S:-180}

# The four hosts: name, project folder, gRPC port, HTTP port (TALLY_<NAME>_GRPC_PORT / _HTTP_PORT override).
SERVICES=(definitions citations ingestion query)
declare -A PROJECT=(
  [query]=services/query/Tally.Query.Host
  [ingestion]=services/ingestion/Tally.Ingestion.Host
  [definitions]=services/definitions/Tally.Definitions.Host
  [citations]=services/citations/Tally.Citations.Host
)
declare -A GRPC_PORT=(
  [query]=${TALLY_QUERY_GRPC_PORT:-7400}
  [ingestion]=${TALLY_INGESTION_GRPC_PORT:-7410}
  [definitions]=${TALLY_DEFINITIONS_GRPC_PORT:-7420}
  [citations]=${TALLY_CITATIONS_GRPC_PORT:-7430}
)
declare -A HTTP_PORT=(
  [query]=${TALLY_QUERY_HTTP_PORT:-7401}
  [ingestion]=${TALLY_INGESTION_HTTP_PORT:-7411}
  [definitions]=${TALLY_DEFINITIONS_HTTP_PORT:-7421}
  [citations]=${TALLY_CITATIONS_HTTP_PORT:-7431}
)

up_port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
up_pid_alive() {
  [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null || return 1
  [ ! -r "/proc/$1/stat" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]
}
up_pid_of() { local f=$UP_DIR/pids/$1.pid; [ -s "$f" ] && head -1 "$f" | tr -dc '0-9'; return 0; }
# Upper-case service name, for variable names.
up_var() { echo "$1" | tr '[:lower:]' '[:upper:]'; }
