#!/usr/bin/env bash
# Store each seed document (../shared/seeds/<seed>.txt) under the catalog source that names it (`seed:` in
# catalog/sources.yaml), so the bundled citations verify. Needs a running Tally (make run) and an editor key in
# TALLY_TOKEN (ingesting is an editor's job: `./tally keys create --name you --role editor`); idempotent.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seeds=${TALLY_SEEDS_DIR:-$root/../shared/seeds}
if [ ! -d "$seeds" ]; then
  echo "ingest-seeds: no seed folder at $seeds (set TALLY_SEEDS_DIR)" >&2
  exit 1
fi
# Pairs "source-id seed-name" from sources.yaml: a seed line belongs to the last "- id:" above it.
awk '/^[[:space:]]*- id:/ {id=$3} /^[[:space:]]+seed:/ {print id, $2}' "$root/catalog/sources.yaml" |
while read -r id seed; do
  file="$seeds/$seed.txt"
  if [ -f "$file" ]; then
    "$root/tally" ingest document "$file" --source "$id" || {
      echo "ingest-seeds: ingesting $file failed; if the error says PERMISSION_DENIED or UNAUTHENTICATED, set TALLY_TOKEN to an editor key" >&2
      exit 1
    }
  else
    echo "ingest-seeds: $file not found, skipping source $id" >&2
  fi
done
