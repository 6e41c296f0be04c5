#!/usr/bin/env bash
# Install what Tally's tests need and is not there yet. Safe to run again: it only installs what is missing.
#   Debian packages: redis-server rabbitmq-server postgresql prometheus (promtool) poppler-utils (pdftotext)
#                    yamllint (scripts/check-deploy.sh) sqlite3 (the datasets benchmark's peer, scripts/bench.sh)
#   npm packages:    tests/interop-node (when it has a package.json)
# As root it installs with apt; otherwise it prints the command to run and exits 1 if anything is missing.
# TALLY_SKIP_APT=1 skips the apt part (servers provided some other way).
set -euo pipefail
cd "$(dirname "$0")/.."

# package -> a file or command that proves it is usable (dpkg -s alone misses half-removed packages)
declare -A probe=(
  [redis-server]=redis-server
  [rabbitmq-server]=/usr/lib/rabbitmq/bin/rabbitmq-server
  [postgresql]=initdb
  [prometheus]=promtool
  [poppler-utils]=pdftotext
  [yamllint]=yamllint
  [sqlite3]=sqlite3
)
order=(redis-server rabbitmq-server postgresql prometheus poppler-utils yamllint sqlite3)

present() {
  local pkg=$1 p=${probe[$1]}
  dpkg -s "$pkg" >/dev/null 2>&1 || return 1
  case $p in
    /*) [ -x "$p" ] ;;
    initdb) compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null ;;
    *) command -v "$p" >/dev/null ;;
  esac
}

if ! command -v dotnet >/dev/null; then
  echo "install-deps: the .NET SDK is missing (need 10.0.x, see global.json); install it from Microsoft's packages" >&2
  exit 1
fi

missing=()
if [ "${TALLY_SKIP_APT:-0}" != 1 ]; then
  for pkg in "${order[@]}"; do present "$pkg" || missing+=("$pkg"); done
fi

if [ "${TALLY_SKIP_APT:-0}" = 1 ]; then
  echo "install-deps: apt step skipped (TALLY_SKIP_APT=1)"
elif [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: system packages present (${order[*]})"
elif [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing: ${missing[*]}" >&2
  echo "install-deps: run as root:  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
else
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Keep the packages' init scripts from starting system-wide servers on the default ports: the tests
  # start their own throwaway servers (scripts/infra-up.sh). Only when no policy is set already.
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  log=${TMPDIR:-/tmp}/tally-apt-install.log
  apt_get() { apt-get -o DPkg::Lock::Timeout=600 "$@" </dev/null >>"$log" 2>&1; }   # waits for another apt/dpkg
  : > "$log"
  apt_get update -qq || { tail -20 "$log" >&2; echo "install-deps: apt-get update failed (log: $log)" >&2; exit 1; }
  # one retry after 'dpkg --configure -a': an interrupted or concurrent dpkg run leaves half-installed packages
  if ! apt_get install -y -qq --no-install-recommends "${missing[@]}"; then
    echo "install-deps: apt-get install failed once; repairing with dpkg --configure -a and retrying"
    dpkg --configure -a </dev/null >>"$log" 2>&1 || true
    apt_get install -y -qq --no-install-recommends --fix-broken "${missing[@]}" \
      || { tail -40 "$log" >&2; echo "install-deps: apt-get install failed (log: $log)" >&2; exit 1; }
  fi
  for pkg in "${missing[@]}"; do
    present "$pkg" || { echo "install-deps: $pkg installed but ${probe[$pkg]} is not usable" >&2; exit 1; }
  done
  echo "install-deps: installed ${missing[*]}"
fi

# npm dependencies of the Node interop peer, when it exists. Skipped when node_modules is newer than
# package.json and the lock file.
node_dir=tests/interop-node
if [ -f "$node_dir/package.json" ]; then
  command -v npm >/dev/null || { echo "install-deps: npm is missing (need node 20 + npm for $node_dir)" >&2; exit 1; }
  stamp=$node_dir/node_modules/.package-lock.json
  if [ -f "$stamp" ] && [ "$stamp" -nt "$node_dir/package.json" ] \
     && { [ ! -f "$node_dir/package-lock.json" ] || [ "$stamp" -nt "$node_dir/package-lock.json" ]; }; then
    echo "install-deps: $node_dir/node_modules up to date"
  else
    cmd=install; [ -f "$node_dir/package-lock.json" ] && cmd=ci
    echo "install-deps: npm $cmd in $node_dir"
    (cd "$node_dir" && npm "$cmd" --no-audit --no-fund --loglevel=error </dev/null)
  fi
fi
