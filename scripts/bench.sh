#!/usr/bin/env bash
# Run the benchmarks (BenchmarkDotNet) in Release; reports go to bench/results/.
# Usage: scripts/bench.sh [BenchmarkDotNet arguments, e.g. --filter '*Period*']
# Benchmarks measure speed; tests never assert on timing.
set -euo pipefail
cd "$(dirname "$0")/.."
proj=bench/Tally.Bench
if [ ! -d "$proj" ]; then
  echo "bench: no benchmarks yet ($proj does not exist)"
  exit 0
fi
mkdir -p bench/results
args=("$@")
[[ " ${args[*]} " == *" --artifacts "* ]] || args+=(--artifacts "$PWD/bench/results")
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
exec dotnet run -c Release --project "$proj" -- "${args[@]}"
