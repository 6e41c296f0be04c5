#!/usr/bin/env bash
# `make fuzz`: the fuzz tests of tests/Tally.Fuzz.Tests (the same ones `make test` runs briefly), for longer, from a
# fresh seed, keeping every failing input as a regression test. See docs/fuzzing.md.
#
# Environment (all optional):
#   TALLY_FUZZ_SECONDS=60      time budget per target (11 targets: about 12 minutes in all)
#   TALLY_FUZZ_ITERATIONS=5000 inputs per target before it moves on to the next seed
#   TALLY_FUZZ_MAX_BYTES       largest input the mutator builds (default here 1 MiB; CI uses 64 KiB)
#   TALLY_FUZZ_TIMEOUT_MS      per-input limit before an input counts as a hang (default 10000)
#   TALLY_FUZZ_SEED=N          replay one seed (printed by a failing run) instead of fresh ones
#   FUZZ_FILTER=grpc           only the tests whose name contains this (e.g. Csv, Xlsx, Grpc, Period, Catalog)
# Failing inputs are written to tests/Tally.Fuzz.Tests/Regressions/<target>/ (TALLY_FUZZ_SAVE=1): every later run,
# `make test` included, replays them, so fix the bug and commit the input with the fix. Each target's log (seeds,
# counts, failures with their input) is in artifacts/fuzz/<target>.log.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 MSBUILDDISABLENODEREUSE=1
export TALLY_FUZZ_SECONDS=${TALLY_FUZZ_SECONDS:-60}
export TALLY_FUZZ_ITERATIONS=${TALLY_FUZZ_ITERATIONS:-5000}
export TALLY_FUZZ_MAX_BYTES=${TALLY_FUZZ_MAX_BYTES:-1048576}
export TALLY_FUZZ_SAVE=1
args=(-c Release --disable-build-servers --logger "console;verbosity=detailed")
[ -n "${FUZZ_FILTER:-}" ] && args+=(--filter "FullyQualifiedName~${FUZZ_FILTER}")
echo "make fuzz: ${TALLY_FUZZ_SECONDS} s per target, inputs up to ${TALLY_FUZZ_MAX_BYTES} bytes${TALLY_FUZZ_SEED:+, seed $TALLY_FUZZ_SEED}${FUZZ_FILTER:+, tests matching $FUZZ_FILTER}"
rm -f artifacts/fuzz/*.log
dotnet test tests/Tally.Fuzz.Tests "${args[@]}" </dev/null 2>&1 | grep -E --line-buffered -v '^\s*$'
status=${PIPESTATUS[0]}
echo
echo "== fuzz summary (artifacts/fuzz/<target>.log)"
for log in artifacts/fuzz/*.log; do
  [ -f "$log" ] && grep -h -E '^fuzz [a-z-]+: ([0-9]+ regression|[0-9]+ distinct)' "$log" | sed 's/^/  /'
done
new=$(git status --porcelain -- tests/Tally.Fuzz.Tests/Regressions 2>/dev/null | grep -c '^??' || true)
[ "$new" -gt 0 ] && echo "make fuzz: $new new regression input(s) under tests/Tally.Fuzz.Tests/Regressions/ (git status shows them)"
[ "$status" = 0 ] && echo "make fuzz: no failures" || echo "make fuzz: failures found (see above and artifacts/fuzz/failures/)"
exit "$status"
