#!/usr/bin/env bash
# shellcheck disable=SC2317  # functions called indirectly ("stop_$s", traps)
# Everything `make test` does, in order:
#   1. scripts/install-deps.sh         install missing servers/tools (apt, as root) and npm packages
#   2. scripts/infra-up.sh             throwaway Redis, RabbitMQ, PostgreSQL on 127.0.0.1 (torn down on exit,
#                                      also on failure or Ctrl-C)
#   3. dotnet build Platform.sln -c Release
#   4. dotnet test, one test project under tests/ at a time; a failing project does not stop the others
#   5. counts from the TRX files; the LAST line printed is the closing line, e.g.
#        tests: 412 passed, 0 failed            (", N skipped" is appended when tests were skipped)
# Exit 1 when any test failed or any project could not be built or run (that project counts as failed).
#
# Usage: scripts/test.sh [NAME...]      only the test projects whose name contains one of NAME
# Environment:
#   TEST_FILTER=expr                     passed to dotnet test --filter (e.g. "FullyQualifiedName~Catalog")
#   TALLY_SKIP_INSTALL=1                 skip step 1
#   TALLY_SKIP_INFRA=1                   skip step 2 (integration tests then skip with a message)
#   TALLY_KEEP_INFRA=1                   leave the servers running afterwards (stop: scripts/infra-down.sh)
#   TALLY_TEST_PROJECT_TIMEOUT=2400      seconds one project may take before it is killed (counts as failed)
#   TALLY_TEST_HANG_TIMEOUT=10m          one test longer than this is treated as hung (dotnet --blame-hang)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
results=artifacts/test-results
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 MSBUILDDISABLENODEREUSE=1
export TALLY_INFRA_DIR=${TALLY_INFRA_DIR:-/tmp/tally-infra}

phases=()
phase_start() { phase_name=$1; phase_t0=$(date +%s.%N); echo; echo "== $1"; }
phase_end() { phases+=("$(awk -v a="$phase_t0" -v b="$(date +%s.%N)" -v n="$phase_name" 'BEGIN{printf "%-12s %7.1f s", n, b-a}')"); }
print_timing() { echo; echo "== timing"; printf '  %s\n' "${phases[@]}"; }
die() { echo "test.sh: $*" >&2; print_timing; exit 1; }

# ---- 1. dependencies
if [ "${TALLY_SKIP_INSTALL:-0}" != 1 ]; then
  phase_start install
  bash scripts/install-deps.sh || die "installing dependencies failed (see above)"
  phase_end
fi

# ---- 2. servers; torn down on every exit path
infra_up=0
infra_down() {
  [ $infra_up = 1 ] || return 0
  infra_up=0
  if [ "${TALLY_KEEP_INFRA:-0}" = 1 ]; then echo "test.sh: servers left running (TALLY_KEEP_INFRA=1); stop with scripts/infra-down.sh"; return 0; fi
  bash scripts/infra-down.sh || echo "test.sh: infra-down reported a problem (see above)" >&2
}
trap 'infra_down' EXIT
# The test run goes on in the background while this shell waits on it, so that Ctrl-C / TERM reach the trap
# at once (bash runs traps only between foreground commands); the trap stops the run, then EXIT tears down.
child=
on_signal() {
  echo; echo "test.sh: $1; stopping" >&2
  if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null; wait "$child" 2>/dev/null; fi
  exit "$2"
}
trap 'on_signal interrupted 130' INT
trap 'on_signal terminated 143' TERM

if [ "${TALLY_SKIP_INFRA:-0}" != 1 ]; then
  phase_start infra-up
  infra_up=1
  bash scripts/infra-up.sh || die "starting the test servers failed (see above)"
  # shellcheck disable=SC1091
  . "$TALLY_INFRA_DIR/env"
  phase_end
fi

# ---- 3. build
phase_start build
build_ok=1
dotnet build Platform.sln -c Release --disable-build-servers --nologo -v:minimal || build_ok=0
[ $build_ok = 1 ] || echo "test.sh: the solution did not build; each test project is now built on its own, and those that fail count as failed" >&2
phase_end

# ---- 4. test projects: *.Tests.csproj, or any project under tests/ that references Microsoft.NET.Test.Sdk
projects=()
while IFS= read -r p; do
  grep -qi '<IsTestProject>false' "$p" && continue
  case $p in *.Tests.csproj) ;; *) grep -qiE 'Microsoft\.NET\.Test\.Sdk|<IsTestProject>true' "$p" || continue ;; esac
  if [ $# -gt 0 ]; then
    keep=0; for n in "$@"; do [[ $(basename "$p" .csproj) == *"$n"* ]] && keep=1; done
    [ $keep = 1 ] || continue
  fi
  projects+=("$p")
done < <(find tests -name '*.csproj' -not -path '*/node_modules/*' -not -path '*/bin/*' -not -path '*/obj/*' 2>/dev/null | sort)
in_sln=$(dotnet sln Platform.sln list 2>/dev/null | tr '\134' /)

phase_start test
[ ${#projects[@]} -gt 0 ] || echo "test.sh: no test projects found under tests/${1:+ matching: $*}" >&2
rm -rf "$results"; mkdir -p "$results"
run_marker=$results/.run-started; : > "$run_marker"
: > "$results/runs.tsv"
for p in "${projects[@]}"; do
  name=$(basename "$p" .csproj)
  args=(-c Release --disable-build-servers --logger "trx;LogFileName=$name.trx" --results-directory "$results"
        --blame-hang-timeout "${TALLY_TEST_HANG_TIMEOUT:-10m}" --blame-hang-dump-type none)
  # --no-build only for what the solution build just built; anything else is built here
  if [ $build_ok = 1 ] && grep -qxF "$p" <<<"$in_sln"; then args+=(--no-build)
  else [ $build_ok = 1 ] && echo "test.sh: $p is not in Platform.sln; building it on its own"; fi
  [ -n "${TEST_FILTER:-}" ] && args+=(--filter "$TEST_FILTER")
  echo "-- $name"
  t0=$(date +%s)
  # output to the console and to $name.log; tee is waited for, so nothing trails past the closing line
  exec {log_fd}> >(tee "$results/$name.log"); tee_pid=$!
  timeout --kill-after=30 "${TALLY_TEST_PROJECT_TIMEOUT:-2400}" \
    dotnet test "$p" "${args[@]}" </dev/null >&"$log_fd" 2>&1 &
  child=$!; exec {log_fd}>&-
  wait "$child"; rc=$?; child=
  wait "$tee_pid" 2>/dev/null
  [ "$rc" = 124 ] && echo "test.sh: $name took longer than ${TALLY_TEST_PROJECT_TIMEOUT:-2400} s and was killed" >&2
  printf '%s\t%s\t%s\t%s\n' "$name" "$rc" "$results/$name.trx" "$(( $(date +%s) - t0 ))" >> "$results/runs.tsv"
done
phase_end

# ---- no secrets in any log of the run: every project's output, the servers' logs, and the logs the tests' own hosts
# wrote under the temp folder since the run began. It counts as one test ("NoSecretsInLogs") in the summary.
python3 - "$results" "${TALLY_INFRA_DIR:-/tmp/tally-infra}" "${TMPDIR:-/tmp}" "$results/runs.tsv" "$run_marker" <<'PY'
import os, re, sys, html
results, infra, tmp, runs, marker = sys.argv[1:6]
since = os.path.getmtime(marker)
secret = re.compile(r"tly_(?:[a-z2-7]{10}|bootstrap)_[A-Za-z0-9_-]{20,}|authorization:\s*bearer\s+\S{8,}", re.I)
files = [os.path.join(results, f) for f in os.listdir(results) if f.endswith((".log", ".trx"))]
for root in (infra, tmp):
    for d, _, names in os.walk(root):
        if d.count(os.sep) - root.count(os.sep) > 4: continue
        files += [os.path.join(d, n) for n in names if n.endswith(".log") and os.path.getmtime(os.path.join(d, n)) >= since]
hits = []
for f in files:
    try:
        with open(f, encoding="utf-8", errors="replace") as fh:
            for i, line in enumerate(fh, 1):
                if secret.search(line): hits.append(f"{f}:{i}")
    except OSError:
        pass
outcome = "Failed" if hits else "Passed"
msg = ("secrets or bearer tokens found in: " + ", ".join(hits[:20])) if hits else f"{len(files)} log files searched"
trx = os.path.join(results, "NoSecretsInLogs.trx")
with open(trx, "w", encoding="utf-8") as fh:
    fh.write('<TestRun xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010"><Results>'
             f'<UnitTestResult testName="NoSecretsInLogs" outcome="{outcome}"><Output><ErrorInfo><Message>{html.escape(msg)}</Message>'
             '</ErrorInfo></Output></UnitTestResult></Results></TestRun>')
with open(runs, "a", encoding="utf-8") as fh:
    fh.write(f"NoSecretsInLogs\t{0 if not hits else 1}\t{trx}\t0\n")
print(f"no-secrets-in-logs: {msg}")
PY

# ---- servers down before the summary, so the closing line stays last
if [ $infra_up = 1 ]; then phase_start infra-down; infra_down; phase_end; fi

# ---- 5. summary from the TRX files
print_timing
echo
echo "== results (TRX files in $results)"
[ $build_ok = 1 ] || printf 'Platform.sln (build)\tbuild-failed\t-\t0\n' >> "$results/runs.tsv"
python3 - "$results/runs.tsv" <<'PY'
# Counts per project from its TRX file (UnitTestResult outcomes). A project that exited non-zero without a
# failing test, or left no TRX, crashed or did not build: it counts as 1 failed, never as 0.
import os, sys, xml.etree.ElementTree as ET
NS = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"
tot = {"passed": 0, "failed": 0, "skipped": 0}
failures = []
for line in open(sys.argv[1], encoding="utf-8"):
    name, rc, trx, secs = line.rstrip("\n").split("\t")
    c = {"passed": 0, "failed": 0, "skipped": 0}
    note = ""
    if rc == "build-failed":
        c["failed"] = 1; note = "the solution did not build (see the build phase)"
        failures.append((name, "build failed"))
    elif os.path.isfile(trx):
        try:
            root = ET.parse(trx).getroot()
            for r in root.iter(NS + "UnitTestResult"):
                o = r.get("outcome", "")
                if o == "Passed": c["passed"] += 1
                elif o == "NotExecuted": c["skipped"] += 1
                else:
                    c["failed"] += 1
                    msg = r.find(f"{NS}Output/{NS}ErrorInfo/{NS}Message")
                    first = (msg.text or "").strip().splitlines()[0] if msg is not None and msg.text else o
                    failures.append((f'{name}: {r.get("testName")}', first))
        except ET.ParseError as e:
            note = f"unreadable TRX ({e})"
        if rc != "0" and c["failed"] == 0:
            c["failed"] += 1
            why = "killed after the time limit" if rc in ("124", "137") else "crashed, hung or was aborted"
            note = note or f"exit code {rc} without a failing test: {why}"
            failures.append((name, note))
        elif rc == "0" and sum(c.values()) == 0 and not note:
            note = "no tests ran"
    else:
        c["failed"] = 1
        note = f"no TRX written (exit code {rc}): it did not build or its test host crashed; see {os.path.dirname(trx)}/{name}.log"
        failures.append((name, note))
    for k in tot: tot[k] += c[k]
    extra = f", {c['skipped']} skipped" if c["skipped"] else ""
    print(f"  {name:<40} {c['passed']:>5} passed, {c['failed']} failed{extra}  ({secs} s){'  -- ' + note if note else ''}")
if failures:
    print("\n== failed")
    for what, why in failures[:50]:
        print(f"  {what}\n      {why[:300]}")
    if len(failures) > 50: print(f"  ... and {len(failures) - 50} more (see the TRX files)")
skipped = f", {tot['skipped']} skipped" if tot["skipped"] else ""
print(f"\ntests: {tot['passed']} passed, {tot['failed']} failed{skipped}")
sys.exit(1 if tot["failed"] else 0)
PY
status=$?
exit $status
