#!/usr/bin/env bash
# Run the benchmarks in Release; reports go to bench/results/ (rpc-, ask- and datasets-<date>.md and .json).
#   RPC: unary echo on Tally's gRPC server vs a @grpc/grpc-js server (tests/interop-node), same client (Tally's),
#        at 1 and 64 calls in flight; throughput, p50/p99 latency, server CPU per call, ratio tally/grpc-js.
#   Datasets: the dataset engine vs the sqlite3 CLI's .import and psql's \copy of the same generated CSV (1M rows):
#        ingest rows/s, peak RSS while loading, computed-metric latency cold (one scan) vs the same SQL run directly,
#        warm (materialised). PostgreSQL when TALLY_TEST_POSTGRES is set (scripts/infra-up.sh postgres).
# Usage: scripts/bench.sh [--duration 10] [--warmup 3] [--concurrency 1,64] [--payload 128] [--rounds 2]
#        scripts/bench.sh datasets [--rows 1000000[,10000000]] [--runs 5]    (the datasets benchmark alone)
# Benchmarks measure speed; tests never assert on timing. Every run is bounded (duration x rounds x servers).
set -euo pipefail
cd "$(dirname "$0")/.."
proj=bench/Tally.Bench
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

mkdir -p bench/results
dotnet build "$proj" -c Release --disable-build-servers --nologo -v:quiet -clp:ErrorsOnly
if [ "${1:-}" = datasets ]; then
  shift
  exec dotnet "$proj/bin/Release/net10.0/Tally.Bench.dll" datasets --out "$PWD/bench/results" "$@"
fi

node_dir=tests/interop-node
if [ ! -d "$node_dir/node_modules/@grpc/grpc-js" ]; then
  command -v npm >/dev/null || { echo "bench: npm is missing (need node 20 + npm for $node_dir)" >&2; exit 1; }
  echo "bench: npm ci in $node_dir"
  (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error </dev/null)
fi

dotnet build services/allinone/Tally.AllInOne -c Release --disable-build-servers --nologo -v:quiet -clp:ErrorsOnly
dotnet "$proj/bin/Release/net10.0/Tally.Bench.dll" rpc --out "$PWD/bench/results" "$@"
dotnet "$proj/bin/Release/net10.0/Tally.Bench.dll" ask --out "$PWD/bench/results" \
  --host "$PWD/services/allinone/Tally.AllInOne/bin/Release/net10.0/Tally.AllInOne.dll"
dotnet "$proj/bin/Release/net10.0/Tally.Bench.dll" datasets --out "$PWD/bench/results"
