#!/usr/bin/env bash
# Run the benchmarks in Release; reports go to bench/results/ (rpc-, ask- and datasets-<date>.md and .json).
#   RPC: unary echo on Tally's gRPC server vs a @grpc/grpc-js server (tests/interop-node), same client (Tally's),
#        at 1 and 64 calls in flight; throughput, p50/p99 latency, server CPU per call, ratio tally/grpc-js.
#   Ask: against the all-in-one (start time, uncached and cached latency), then in distributed mode (scripts/up.sh
#        with its own directory and ports, stopped again afterwards): Redis hits vs computed one at a time and at 64 in
#        flight, hit ratio of a repeated-question workload, definition change to eviction (ask-distributed-<date>.md).
#   Datasets: the dataset engine vs the sqlite3 CLI's .import and psql's \copy of the same generated CSV (1M rows):
#        ingest rows/s, peak RSS while loading, computed-metric latency cold (one scan) vs the same SQL run directly,
#        warm (materialised). PostgreSQL when TALLY_TEST_POSTGRES is set (scripts/infra-up.sh postgres).
# Usage: scripts/bench.sh [--duration 10] [--warmup 3] [--concurrency 1,64] [--payload 128] [--rounds 2]   (RPC options)
#        scripts/bench.sh datasets [--rows 1000000[,10000000]] [--runs 5]    (the datasets benchmark alone)
# Environment: TALLY_BENCH_ONLY=rpc,ask,distributed,datasets (the default: all four) picks the runs; TALLY_BENCH_UP_DIR (default /tmp/tally-bench-up)
#   and TALLY_BENCH_PORT_BASE (default 7460: query 7460/7461, ingestion +2/+3, definitions +4/+5, citations +6/+7)
#   place its processes; its servers use TALLY_REDIS_PORT etc. (defaults 6393, 5685, 4373, 25685, 5443).
# Benchmarks measure speed; tests never assert on timing. Every run is bounded (duration x rounds x servers).
# Benchmark hosts are throwaway and run on loopback: their callers get the editor role without a key (the distributed
# benchmark changes a definition). make load, by contrast, creates real keys (scripts/load.sh).
export Tally__Auth__AnonymousLoopbackRole=${Tally__Auth__AnonymousLoopbackRole:-editor}
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/bench-common.sh
. scripts/bench-common.sh

mkdir -p bench/results
bench_build "$BENCH_PROJ"
if [ "${1:-}" = datasets ]; then
  shift
  exec dotnet "$BENCH_DLL" datasets --out "$PWD/bench/results" "$@"
fi

node_dir=tests/interop-node
if [ ! -d "$node_dir/node_modules/@grpc/grpc-js" ]; then
  command -v npm >/dev/null || { echo "bench: npm is missing (need node 20 + npm for $node_dir)" >&2; exit 1; }
  echo "bench: npm ci in $node_dir"
  (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error </dev/null)
fi

bench_build "$ALLINONE_PROJ"
only=",${TALLY_BENCH_ONLY:-rpc,ask,distributed,datasets},"
if [[ $only == *,rpc,* ]]; then
  dotnet "$BENCH_DLL" rpc --out "$PWD/bench/results" "$@"
fi
if [[ $only == *,ask,* ]]; then
  dotnet "$BENCH_DLL" ask --out "$PWD/bench/results" --host "$ALLINONE_DLL"
fi
if [[ $only == *,datasets,* ]]; then
  dotnet "$BENCH_DLL" datasets --out "$PWD/bench/results"
fi

# ---- Ask in distributed mode: its own servers and hosts, stopped on every exit path
if [[ $only != *,distributed,* ]]; then exit 0; fi
bench_distributed_env "${TALLY_BENCH_UP_DIR:-/tmp/tally-bench-up}" "${TALLY_BENCH_PORT_BASE:-7460}" 6393 5685 4373 25685 5443
trap bench_down EXIT
TALLY_SKIP_INSTALL=${TALLY_SKIP_INSTALL:-0} bash scripts/up.sh
dotnet "$BENCH_DLL" ask-distributed --out "$PWD/bench/results" \
  --query "http://127.0.0.1:$TALLY_QUERY_GRPC_PORT" --definitions "http://127.0.0.1:$TALLY_DEFINITIONS_GRPC_PORT" \
  --redis "127.0.0.1:$TALLY_REDIS_PORT" --query-metrics "http://127.0.0.1:$TALLY_QUERY_HTTP_PORT/metrics"
