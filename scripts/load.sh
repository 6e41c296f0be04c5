#!/usr/bin/env bash
# `make load` / `make soak`: a bounded mixed workload — asks (cached repeats and varied questions), figure lookups,
# document and dataset ingests — against the embedded default, then against the distributed mode, 64 calls in flight
# for a set time. Reports throughput, p50/p99/max, errors by status (must be 0) and the memory of every server process
# over time (must plateau) in bench/results/<load|soak>-<date>.md, with the raw results (.json) and memory readings
# (-memory.csv) beside it. The driver is `Tally.Bench load` (bench/Tally.Bench/Load).
#   embedded:    the all-in-one (Release), one process, SQLite in a fresh directory, on 127.0.0.1:BASE+8 (HTTP BASE+9)
#   distributed: scripts/up.sh with a directory and ports of its own (hosts on BASE..BASE+7, as in scripts/bench.sh),
#                PostgreSQL, RabbitMQ and Redis started fresh, all stopped again by scripts/down.sh
# Whatever this script started is stopped on every exit path (trap), by PID. An interrupted run (Ctrl-C, TERM) writes
# no results file; the driver's partial JSON stays in $TALLY_LOAD_UP_DIR/results.
#
# Environment:
#   LOAD_MODE=load|soak            soak: the same run for longer (defaults below), written to soak-<date>.md
#   LOAD_ONLY=embedded|distributed one mode only (default: both, embedded first)
#   LOAD_SECONDS                   measured seconds (load 60, soak 1800); LOAD_WARMUP_SECONDS (load 20, soak 120)
#   LOAD_CONCURRENCY=64            calls in flight
#   LOAD_MIX=ask-repeat=45,ask-varied=16,figure=30,document=6,dataset=3    relative weights of the operations
#   LOAD_ARGS                      more driver options, e.g. "--sample-every 5 --plateau-tolerance 0.15 --call-timeout 30"
#   LOAD_NOTE                      a sentence for the results file (e.g. what else the machine was doing)
#   TALLY_TOKEN                    sent as `authorization: Bearer <token>` on every call instead of a key made for the run (see load_token)
#   TALLY_LOAD_UP_DIR=/tmp/tally-load-up   logs, the embedded data, the distributed mode's up.sh directory
#   TALLY_LOAD_PORT_BASE=7470      first of ten ports (7470-7479)
#   TALLY_REDIS_PORT=6394 TALLY_AMQP_PORT=5686 TALLY_RABBIT_EPMD_PORT=4374 TALLY_RABBIT_DIST_PORT=25686 TALLY_PG_PORT=5444
#   TALLY_SKIP_INSTALL=1           do not let scripts/up.sh install packages
# Exit status: 0 when every mode ran and passed; 1 otherwise (the results file says why).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/bench-common.sh
. scripts/bench-common.sh

kind=${LOAD_MODE:-load}
case $kind in
  load) seconds=${LOAD_SECONDS:-60} warmup=${LOAD_WARMUP_SECONDS:-20} ;;
  soak) seconds=${LOAD_SECONDS:-1800} warmup=${LOAD_WARMUP_SECONDS:-120} ;;
  *) echo "load: LOAD_MODE is load or soak, not '$kind'" >&2; exit 2 ;;
esac
case ${LOAD_ONLY:-both} in
  both) modes=(embedded distributed) ;;
  embedded | distributed) modes=("$LOAD_ONLY") ;;
  *) echo "load: LOAD_ONLY is embedded or distributed, not '$LOAD_ONLY'" >&2; exit 2 ;;
esac
base=${TALLY_LOAD_PORT_BASE:-7470}
[[ $base =~ ^[0-9]+$ ]] || { echo "load: TALLY_LOAD_PORT_BASE must be a port number, not '$base'" >&2; exit 2; }
load_dir=${TALLY_LOAD_UP_DIR:-/tmp/tally-load-up}
bench_distributed_env "$load_dir/distributed" "$base" 6394 5686 4374 25686 5444
# shellcheck source=scripts/up-common.sh
. scripts/up-common.sh   # after the ports are exported: up_pid_of, up_port_open, GRPC_PORT/HTTP_PORT of the four hosts
embedded_grpc=$((base + 8)) embedded_http=$((base + 9))
date=$(date -u +%F)
results=$load_dir/results
mkdir -p "$load_dir" bench/results
rm -rf "$results" && mkdir -p "$results"

# ---- teardown, on every exit path
embedded_pid=""
distributed_started=0
stop_embedded() {
  [ -n "$embedded_pid" ] || return 0
  if up_pid_alive "$embedded_pid"; then
    kill -TERM "$embedded_pid" 2>/dev/null
    for _ in $(seq 1 200); do up_pid_alive "$embedded_pid" || break; sleep 0.1; done
    if up_pid_alive "$embedded_pid"; then
      echo "load: the all-in-one (pid $embedded_pid) ignored TERM for 20 s; killing it" >&2
      kill -KILL "$embedded_pid" 2>/dev/null || true
    fi
    echo "load: all-in-one stopped (pid $embedded_pid)"
  fi
  embedded_pid=""
}
cleanup() {
  stop_embedded
  if [ "$distributed_started" = 1 ]; then
    distributed_started=0
    bench_down
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the authorization hook: the one place a token for the run comes from.
# The servers start with a bootstrap token (Tally:Auth:BootstrapToken) made for this run; once a mode's servers are ready,
# load_token uses it to create that mode's first admin key, and with that an editor key for the driver (the workload
# ingests documents and datasets). $1 is the mode, $2 the gRPC address of the definitions service (which keeps the keys).
# TALLY_TOKEN in the environment, when set, is used as is instead.
load_bootstrap=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
export Tally__Auth__BootstrapToken=$load_bootstrap
load_token() {
  if [ -n "${TALLY_TOKEN:-}" ]; then printf '%s' "$TALLY_TOKEN"; return 0; fi
  local admin editor
  admin=$(./tally --server "$2" --token "tly_bootstrap_$load_bootstrap" keys create --name "load-admin" --role admin --format json \
            | sed -n 's/.*"secret": *"\([^"]*\)".*/\1/p')
  [ -n "$admin" ] || { echo "load: could not create an admin key on $2 (see the server log)" >&2; return 1; }
  editor=$(./tally --server "$2" --token "$admin" keys create --name "load-driver" --role editor --format json \
            | sed -n 's/.*"secret": *"\([^"]*\)".*/\1/p')
  [ -n "$editor" ] || { echo "load: could not create the driver's editor key on $2" >&2; return 1; }
  printf '%s' "$editor"
}

# ---- build
bench_build "$BENCH_PROJ"
[[ " ${modes[*]} " == *" embedded "* ]] && bench_build "$ALLINONE_PROJ"

skipped=()
inputs=()
failed=0
# run_driver MODE QUERY INGESTION LOAD_BEFORE --process …: the driver, its result remembered for the report.
run_driver() {
  local mode=$1 query=$2 ingestion=$3 before=$4 definitions=$5 token rc=0
  shift 5
  token=$(load_token "$mode" "$definitions") || { failed=1; return 0; }
  # shellcheck disable=SC2086  # LOAD_ARGS is a list of options
  TALLY_TOKEN=$token dotnet "$BENCH_DLL" load --mode "$mode" --kind "$kind" --query "$query" --ingestion "$ingestion" \
    --duration "$seconds" --warmup "$warmup" --concurrency "${LOAD_CONCURRENCY:-64}" \
    ${LOAD_MIX:+--mix "$LOAD_MIX"} --load-before "$before" --json "$results/$mode.json" "$@" ${LOAD_ARGS:-} || rc=$?
  if [ -f "$results/$mode.json" ]; then
    inputs+=("$results/$mode.json")
    [ "$rc" = 0 ] || failed=1
  else
    skipped+=(--skipped "$mode=the load driver stopped with exit code $rc before writing a result (see the output above)")
    failed=1
  fi
}

# ---- embedded: the all-in-one, a fresh SQLite directory
run_embedded() {
  local dir=$load_dir/embedded before t0=$SECONDS
  before=$(cut -d' ' -f1-3 /proc/loadavg)
  for p in "$embedded_grpc" "$embedded_http"; do
    if up_port_open "$p"; then
      skipped+=(--skipped "embedded=127.0.0.1:$p is already in use (set TALLY_LOAD_PORT_BASE)"); failed=1; return 0
    fi
  done
  rm -rf "$dir" && mkdir -p "$dir/data"
  (
    cd "$dir"
    exec env Tally__Host__BindAddress=127.0.0.1 Tally__Host__GrpcPort="$embedded_grpc" Tally__Host__HttpPort="$embedded_http" \
      Tally__Storage__DataDirectory="$dir/data" setsid dotnet "$ALLINONE_DLL" </dev/null >"$dir/allinone.log" 2>&1
  ) &
  embedded_pid=$!
  echo "load: embedded: all-in-one starting (pid $embedded_pid, gRPC 127.0.0.1:$embedded_grpc, HTTP $embedded_http, log $dir/allinone.log)"
  until curl -fsS --max-time 5 "http://127.0.0.1:$embedded_http/readyz" >/dev/null 2>&1; do
    if ! up_pid_alive "$embedded_pid" || [ $((SECONDS - t0)) -ge "${TALLY_UP_WAIT_S:-180}" ]; then
      echo "load: the all-in-one did not become ready; last lines of $dir/allinone.log:" >&2
      tail -30 "$dir/allinone.log" >&2
      skipped+=(--skipped "embedded=the all-in-one did not become ready (log: $dir/allinone.log)"); failed=1
      stop_embedded
      return 0
    fi
    sleep 0.5
  done
  echo "load: embedded: ready in $((SECONDS - t0)) s"
  run_driver embedded "http://127.0.0.1:$embedded_grpc" "http://127.0.0.1:$embedded_grpc" "$before" "http://127.0.0.1:$embedded_grpc" \
    --process "allinone=$embedded_pid,http://127.0.0.1:$embedded_http/metrics"
  stop_embedded
}

# ---- distributed: scripts/up.sh on its own directory and ports, scripts/down.sh after
run_distributed() {
  local before s processes=()
  before=$(cut -d' ' -f1-3 /proc/loadavg)
  distributed_started=1
  if ! TALLY_SKIP_INSTALL=${TALLY_SKIP_INSTALL:-0} bash scripts/up.sh; then
    skipped+=(--skipped "distributed=scripts/up.sh failed (logs in $TALLY_UP_DIR/logs)"); failed=1
    cleanup
    return 0
  fi
  for s in "${SERVICES[@]}"; do
    processes+=(--process "$s=$(up_pid_of "$s"),http://127.0.0.1:${HTTP_PORT[$s]}/metrics")
  done
  run_driver distributed "http://127.0.0.1:${GRPC_PORT[query]}" "http://127.0.0.1:${GRPC_PORT[ingestion]}" "$before" \
    "http://127.0.0.1:${GRPC_PORT[definitions]}" "${processes[@]}"
  distributed_started=0
  bench_down
}

for mode in "${modes[@]}"; do
  echo "load: ---- $mode: ${LOAD_CONCURRENCY:-64} in flight, ${warmup} s warm-up, ${seconds} s measured"
  "run_$mode"
done

notes=()
[ -n "${LOAD_NOTE:-}" ] && notes+=(--note "$LOAD_NOTE")
dotnet "$BENCH_DLL" load-report --out "$PWD/bench/results" --date "$date" "${skipped[@]}" "${notes[@]}" "${inputs[@]}"
if [ "$failed" != 0 ]; then
  echo "load: FAILED (see bench/results/$kind-$date.md)" >&2
  exit 1
fi
echo "load: passed (bench/results/$kind-$date.md)"
