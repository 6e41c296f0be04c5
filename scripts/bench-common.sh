# shellcheck shell=bash
# shellcheck disable=SC2034  # variables used by the scripts that source this file
# Shared by scripts/bench.sh (`make bench`) and scripts/load.sh (`make load`, `make soak`); sourced from the repository
# root, not run. Builds the driver, and places a distributed Tally (scripts/up.sh) on a directory and ports of its own,
# so that a benchmark never stops the servers of `make up` or `make test`.
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 MSBUILDDISABLENODEREUSE=1
BENCH_PROJ=bench/Tally.Bench
BENCH_DLL=$PWD/$BENCH_PROJ/bin/Release/net10.0/Tally.Bench.dll
ALLINONE_PROJ=services/allinone/Tally.AllInOne
ALLINONE_DLL=$PWD/$ALLINONE_PROJ/bin/Release/net10.0/Tally.AllInOne.dll

# bench_build PROJECT...: Release builds, quiet unless something fails.
bench_build() {
  local p
  for p in "$@"; do
    dotnet build "$p" -c Release --disable-build-servers --nologo -v:quiet -clp:ErrorsOnly || return 1
  done
}

# bench_distributed_env UP_DIR PORT_BASE REDIS AMQP EPMD DIST PG
# Exports what scripts/up.sh and scripts/down.sh read: their directory (servers under UP_DIR/infra), the four hosts'
# ports from PORT_BASE (query +0/+1, ingestion +2/+3, definitions +4/+5, citations +6/+7) and the servers' ports
# (TALLY_REDIS_PORT … already set in the environment win over the defaults given here). Hosts log at Warning.
bench_distributed_env() {
  local dir=$1 base=$2
  export TALLY_UP_DIR=$dir TALLY_INFRA_DIR=$dir/infra
  export TALLY_REDIS_PORT=${TALLY_REDIS_PORT:-$3} TALLY_AMQP_PORT=${TALLY_AMQP_PORT:-$4} TALLY_RABBIT_EPMD_PORT=${TALLY_RABBIT_EPMD_PORT:-$5}
  export TALLY_RABBIT_DIST_PORT=${TALLY_RABBIT_DIST_PORT:-$6} TALLY_PG_PORT=${TALLY_PG_PORT:-$7}
  export TALLY_QUERY_GRPC_PORT=$base TALLY_QUERY_HTTP_PORT=$((base + 1)) TALLY_INGESTION_GRPC_PORT=$((base + 2)) TALLY_INGESTION_HTTP_PORT=$((base + 3))
  export TALLY_DEFINITIONS_GRPC_PORT=$((base + 4)) TALLY_DEFINITIONS_HTTP_PORT=$((base + 5)) TALLY_CITATIONS_GRPC_PORT=$((base + 6)) TALLY_CITATIONS_HTTP_PORT=$((base + 7))
  export Logging__LogLevel__Default=${Logging__LogLevel__Default:-Warning}
}

# bench_down: stops what scripts/up.sh started under $TALLY_UP_DIR (hosts, then servers), by PID; for traps.
bench_down() {
  bash scripts/down.sh >/dev/null || echo "bench: scripts/down.sh reported a problem (logs in $TALLY_UP_DIR/logs)" >&2
}
