#!/usr/bin/env bash
# Offline checks of Tally's deployment artefacts: no cluster, no Docker engine, no network once the tools are
# cached (helm/kubectl in .cache/tools via scripts/get-helm.sh, npm packages in deploy/tools/node_modules).
#
# Usage: scripts/check-deploy.sh [--update] [STEP...]        (no STEP: all of them, in this order)
#   chart       chart copies of dashboards and rules identical to deploy/; helm lint --strict; README documents every value
#   render      helm template (defaults, all-in-one, monitoring API present/forced, TLS): schema + unknown fields,
#               production shape (probes, limits, non-root, read-only FS, Secrets), yamllint; NOTES.txt renders
#   bad-input   wrong type, unknown key, missing Secret reference, min > max replicas: each rejected with its message
#   kustomize   k8s/ generated parts current; kubectl kustomize of base, allinone and overlays: schema, shape, yamllint;
#               base + components/tls the same as the chart with tls.enabled
#   prometheus  promtool check rules, promtool test rules
#   dashboards  dashboard structure (datasource variable, unique uids); every expression parsed by promtool
#   docker      Dockerfile: one target per image, non-root, volumes, ports, entry points match the projects
#   tools       only fetch the tools (helm, kubectl, npm packages); not part of "all"
# --update rewrites what is generated or copied (chart copies, k8s/ generated files) instead of failing on it.
# Exit status: non-zero when any step failed; the last line says which.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

update=0
steps=()
for a in "$@"; do
  case $a in
    --update) update=1 ;;
    chart|render|bad-input|kustomize|prometheus|dashboards|docker|tools) steps+=("$a") ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "check-deploy: unknown step '$a' (steps: chart render bad-input kustomize prometheus dashboards docker tools)" >&2; exit 2 ;;
  esac
done
[ ${#steps[@]} -gt 0 ] || steps=(chart render bad-input kustomize prometheus dashboards docker)

# kubectl and helm must never reach a cluster or wait for input
export KUBECONFIG=/dev/null
export HELM_CACHE_HOME=$root/.cache/helm/cache HELM_CONFIG_HOME=$root/.cache/helm/config HELM_DATA_HOME=$root/.cache/helm/data
exec </dev/null

chart=helm/tally
tools=deploy/tools
work=$(mktemp -d -p "${TMPDIR:-/tmp}" tally-check-deploy.XXXXXX)
trap 'rm -rf "$work"' EXIT

need() { command -v "$1" >/dev/null || { echo "check-deploy: $1 is missing ($2)" >&2; exit 1; }; }
need node "node 20 + npm"
tooldir=$(scripts/get-helm.sh)
helm=$tooldir/helm
kubectl=$tooldir/kubectl
# npm packages of deploy/tools, unless node_modules is newer than package.json and the lock file
stamp=$tools/node_modules/.package-lock.json
if ! { [ -f "$stamp" ] && [ "$stamp" -nt "$tools/package.json" ] && [ "$stamp" -nt "$tools/package-lock.json" ]; }; then
  echo "check-deploy: npm ci in $tools"
  (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

failed=()
fail() { echo "check-deploy: FAIL: $*" >&2; failed+=("$current"); }
yamllint_files() {
  if command -v yamllint >/dev/null; then yamllint -c "$tools/yamllint.yml" "$@" || fail "yamllint $*"
  else echo "check-deploy: WARNING: yamllint not installed (apt-get install yamllint); YAML style not checked"; fi
}
template() { "$helm" template tally "$chart" --namespace tally "$@"; }

# Copies the chart ships: name source-dir chart-dir glob
sync_copy() {
  local src=$1 dst=$2 glob=$3 f name
  for f in "$src"/$glob; do
    name=$(basename "$f")
    if ! cmp -s "$f" "$dst/$name"; then
      if [ $update = 1 ]; then cp "$f" "$dst/$name"; echo "check-deploy: updated $dst/$name"
      else fail "$dst/$name differs from $f: run scripts/check-deploy.sh --update"; fi
    fi
  done
  for f in "$dst"/$glob; do
    [ -e "$f" ] || continue
    if [ ! -e "$src/$(basename "$f")" ]; then
      if [ $update = 1 ]; then rm "$f"; echo "check-deploy: removed $f"
      else fail "$f has no source in $src: run scripts/check-deploy.sh --update"; fi
    fi
  done
}

step_chart() {
  sync_copy deploy/grafana/dashboards "$chart/dashboards" '*.json'
  sync_copy deploy/prometheus "$chart/rules" '*.rules.yml'
  "$helm" lint --strict "$chart" || fail "helm lint --strict (defaults)"
  "$helm" lint --strict "$chart" --set allInOne.enabled=true || fail "helm lint --strict (allInOne.enabled=true)"
  node "$tools/chart-readme.js" "$chart/values.yaml" "$chart/README.md" || fail "chart README does not document every value"
  yamllint_files "$chart/values.yaml" "$chart/Chart.yaml"
}

step_render() {
  local d=$work/render; mkdir -p "$d"
  template > "$d/defaults.yaml" || { fail "helm template (defaults)"; return; }
  template --set allInOne.enabled=true,allInOne.persistence.enabled=true > "$d/allinone.yaml" || { fail "helm template (all-in-one)"; return; }
  template --api-versions monitoring.coreos.com/v1 > "$d/operator.yaml" || { fail "helm template (operator API present)"; return; }
  template --set monitoring.serviceMonitor.force=true,monitoring.prometheusRule.force=true,redis.enabled=false > "$d/forced.yaml" \
    || { fail "helm template (monitoring forced)"; return; }
  template --set tls.enabled=true,tls.secretName=tally-tls,tls.clientCertificate=require > "$d/tls.yaml" || { fail "helm template (TLS, mutual)"; return; }
  template --set allInOne.enabled=true,tls.enabled=true,tls.secretName=tally-tls,tls.caKey= > "$d/allinone-tls.yaml" || { fail "helm template (all-in-one, TLS)"; return; }
  node "$tools/validate-k8s.js" "$d"/*.yaml || fail "rendered manifests do not match the Kubernetes schemas"
  node "$tools/check-shape.js" "$d/defaults.yaml" --mode services --monitoring absent --dashboards 3 || fail "defaults: shape"
  node "$tools/check-shape.js" "$d/allinone.yaml" --mode allinone --monitoring absent --dashboards 3 || fail "all-in-one: shape"
  node "$tools/check-shape.js" "$d/operator.yaml" --mode services --monitoring present || fail "operator API present: shape"
  node "$tools/check-shape.js" "$d/forced.yaml" --mode services --monitoring present || fail "monitoring forced: shape"
  node "$tools/check-shape.js" "$d/tls.yaml" --mode services --monitoring absent --tls || fail "TLS: shape"
  node "$tools/check-shape.js" "$d/allinone-tls.yaml" --mode allinone --monitoring absent --tls || fail "all-in-one, TLS: shape"
  grep -q 'Tally__Tls__ClientCertificateMode: Require' "$d/tls.yaml" || fail "TLS with tls.clientCertificate=require: no Tally__Tls__ClientCertificateMode"
  grep -q 'Tally__Services__Query: https://localhost:7400' "$d/allinone-tls.yaml" || fail "all-in-one with TLS must call itself at https://localhost:7400"
  grep -q 'kind: PersistentVolumeClaim' "$d/allinone.yaml" || fail "all-in-one with persistence: no PersistentVolumeClaim"
  # NOTES.txt renders in both modes (helm install --dry-run=client needs no cluster)
  "$helm" install tally "$chart" -n tally --dry-run=client | grep -q '^Mode: distributed' || fail "NOTES.txt (distributed)"
  "$helm" install tally "$chart" -n tally --dry-run=client --set allInOne.enabled=true | grep -q '^Mode: all-in-one' || fail "NOTES.txt (all-in-one)"
  yamllint_files "$d"/*.yaml
}

# expect_reject "what" "message fragment" helm-args...
expect_reject() {
  local what=$1 expected=$2 out; shift 2
  if out=$(template "$@" 2>&1 >/dev/null); then fail "bad input accepted: $what ($*)"; return; fi
  if ! grep -qF -- "$expected" <<<"$out"; then fail "bad input '$what' rejected without the message '$expected': $out"; return; fi
  echo "rejected as expected: $what -> $(grep -F -- "$expected" <<<"$out" | head -1 | sed 's/^[[:space:]]*//')"
}
step_bad_input() {
  expect_reject "unknown top-level key" "additional properties 'replicaCount' not allowed" --set replicaCount=3
  expect_reject "unknown nested key" "additional properties 'replica' not allowed" --set services.query.replica=3
  expect_reject "wrong type (string for integer)" "at '/services/query/replicas': got string, want integer" --set-string services.query.replicas=two
  expect_reject "wrong type (string for boolean)" "at '/allInOne/enabled': got string, want boolean" --set-string allInOne.enabled=yes
  expect_reject "invalid enum" "at '/image/pullPolicy'" --set image.pullPolicy=Sometimes
  expect_reject "missing PostgreSQL Secret" "postgresql.existingSecret is required" --set postgresql.existingSecret=
  expect_reject "missing RabbitMQ Secret" "rabbitmq.existingSecret is required" --set rabbitmq.existingSecret=
  expect_reject "missing Redis Secret" "redis.existingSecret is required when redis.enabled" --set redis.existingSecret=
  expect_reject "TLS without a Secret" "tls.secretName is required when tls.enabled" --set tls.enabled=true
  expect_reject "unknown client certificate mode" "at '/tls/clientCertificate'" --set tls.enabled=true,tls.secretName=tally-tls,tls.clientCertificate=optional
  expect_reject "mutual TLS without a CA" "tls.clientCertificate=require needs tls.caKey" --set tls.enabled=true,tls.secretName=tally-tls,tls.clientCertificate=require,tls.caKey=
  expect_reject "client certificates without TLS" "tls.clientCertificate=allow needs tls.enabled=true" --set tls.clientCertificate=allow
  expect_reject "minReplicas above maxReplicas" "services.query.autoscaling: minReplicas (9) must not exceed maxReplicas (6)" \
    --set services.query.autoscaling.minReplicas=9
  # and the ways that are allowed: no Redis Secret without Redis; no Secrets at all for the all-in-one
  template --set redis.enabled=false,redis.existingSecret= >/dev/null || fail "redis.enabled=false must not need a Redis Secret"
  template --set allInOne.enabled=true,postgresql.existingSecret=,rabbitmq.existingSecret=,redis.existingSecret= >/dev/null \
    || fail "the all-in-one must not need any Secret"
}

step_kustomize() {
  local d=$work/kustomize; mkdir -p "$d/gen"
  template --set monitoring.serviceMonitor.force=true,monitoring.prometheusRule.force=true > "$d/defaults.yaml" || { fail "helm template"; return; }
  template --set allInOne.enabled=true > "$d/allinone.yaml" || { fail "helm template (all-in-one)"; return; }
  node "$tools/k8s-generate.js" "$d/defaults.yaml" "$d/allinone.yaml" "$d/gen"
  local f
  for f in base/tally.yaml allinone/tally.yaml components/dashboards/dashboards.yaml components/monitoring/monitoring.yaml; do
    if ! cmp -s "$d/gen/$f" "k8s/$f"; then
      if [ $update = 1 ]; then cp "$d/gen/$f" "k8s/$f"; echo "check-deploy: updated k8s/$f"
      else fail "k8s/$f is not what the chart renders: run scripts/check-deploy.sh --update"; diff -u "k8s/$f" "$d/gen/$f" | head -20 >&2 || true; fi
    fi
  done
  local k
  for k in base allinone overlays/dev overlays/prod; do
    "$kubectl" kustomize "k8s/$k" > "$d/${k//\//-}.yaml" || { fail "kubectl kustomize k8s/$k"; continue; }
  done
  node "$tools/validate-k8s.js" "$d"/base.yaml "$d"/allinone.yaml "$d"/overlays-*.yaml || fail "kustomize output does not match the Kubernetes schemas"
  node "$tools/check-shape.js" "$d/base.yaml" --mode services --monitoring absent --dashboards 3 || fail "k8s/base: shape"
  node "$tools/check-shape.js" "$d/overlays-dev.yaml" --mode allinone --dashboards 3 || fail "k8s/overlays/dev: shape"
  node "$tools/check-shape.js" "$d/overlays-prod.yaml" --mode services --monitoring present --dashboards 3 --min-replicas 2 || fail "k8s/overlays/prod: shape"
  # k8s/components/tls on the base must be what the chart renders with tls.enabled (its patches are written by hand)
  mkdir -p "$d/tls-overlay"
  printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [%s]\ncomponents: [%s]\n' \
    "$(realpath --relative-to="$d/tls-overlay" k8s/base)" "$(realpath --relative-to="$d/tls-overlay" k8s/components/tls)" > "$d/tls-overlay/kustomization.yaml"
  if "$kubectl" kustomize --load-restrictor LoadRestrictionsNone "$d/tls-overlay" > "$d/base-tls.yaml"; then
    template --set tls.enabled=true,tls.secretName=tally-tls > "$d/chart-tls.yaml" || fail "helm template (TLS)"
    node "$tools/validate-k8s.js" "$d/base-tls.yaml" || fail "k8s/base + components/tls does not match the Kubernetes schemas"
    node "$tools/check-shape.js" "$d/base-tls.yaml" --mode services --monitoring absent --dashboards 3 --tls || fail "k8s/base + components/tls: shape"
    node "$tools/same-objects.js" "$d/base-tls.yaml" "$d/chart-tls.yaml" ConfigMap,Deployment,Service \
      || fail "k8s/components/tls differs from the chart with tls.enabled=true,tls.secretName=tally-tls: update its patches"
  else
    fail "kubectl kustomize k8s/base + k8s/components/tls"
  fi
  yamllint_files k8s "$d"/base.yaml "$d"/overlays-*.yaml
}

step_prometheus() {
  need promtool "apt-get install prometheus"
  promtool check rules deploy/prometheus/*.rules.yml || fail "promtool check rules"
  (cd deploy/prometheus && promtool test rules ./*_test.yml) || fail "promtool test rules"
  yamllint_files deploy/prometheus
}

step_dashboards() {
  need promtool "apt-get install prometheus"
  node "$tools/observability.js" lint-dashboards "$work/dashboard-promql.yml" deploy/grafana/dashboards/*.json || fail "dashboards"
  promtool check rules "$work/dashboard-promql.yml" >/dev/null || { promtool check rules "$work/dashboard-promql.yml" || true; fail "a dashboard expression is not valid PromQL"; }
  echo "dashboard expressions parse (promtool)"
}

step_docker() {
  local df=deploy/docker/Dockerfile t proj dll ports
  grep -q '^FROM mcr.microsoft.com/dotnet/sdk:' "$df" || fail "$df: build stage must use mcr.microsoft.com/dotnet/sdk"
  grep -q '^FROM mcr.microsoft.com/dotnet/aspnet:' "$df" || fail "$df: runtime stage must use mcr.microsoft.com/dotnet/aspnet"
  grep -q '^USER \$APP_UID' "$df" || fail "$df: the runtime must run as the non-root app user (USER \$APP_UID)"
  grep -q '^VOLUME \["/tmp", "/data"\]' "$df" || fail "$df: /tmp and /data must be declared volumes (read-only root filesystem)"
  grep -q 'Tally__Catalog__Directory=/app/catalog' "$df" && grep -q '^COPY catalog/ /app/catalog/' "$df" || fail "$df: the catalog must be in the image and Tally__Catalog__Directory set"
  for t in allinone:services/allinone/Tally.AllInOne:7400 query:services/query/Tally.Query.Host:7400 \
           ingestion:services/ingestion/Tally.Ingestion.Host:7410 definitions:services/definitions/Tally.Definitions.Host:7420 \
           citations:services/citations/Tally.Citations.Host:7430; do
    IFS=: read -r name proj ports <<<"$t"
    grep -q "^FROM .* AS $name\$" "$df" || { fail "$df: no target '$name'"; continue; }
    [ -d "$proj" ] || fail "$df: target $name publishes $proj, which does not exist"
    grep -q "dotnet publish $proj " "$df" || fail "$df: target $name does not publish $proj"
    dll=$(basename "$proj").dll
    grep -q "ENTRYPOINT \[\"dotnet\", \"/app/$dll\"\]" "$df" || fail "$df: target $name must run /app/$dll"
    grep -q "^EXPOSE $ports $((ports + 1))\$" "$df" || fail "$df: target $name must EXPOSE $ports $((ports + 1))"
  done
  if command -v hadolint >/dev/null; then hadolint "$df" || fail "hadolint $df"; fi
  echo "Dockerfile: targets, user, volumes and entry points checked"
}

step_tools() { echo "helm: $("$helm" version --short), kubectl: $("$kubectl" version --client 2>/dev/null | head -1), npm packages in $tools/node_modules"; }

for current in "${steps[@]}"; do
  echo
  echo "== check-deploy: $current"
  "step_${current//-/_}"
done

echo
if [ ${#failed[@]} -gt 0 ]; then
  mapfile -t uniq < <(printf '%s\n' "${failed[@]}" | awk '!seen[$0]++')
  echo "check-deploy: FAILED: ${uniq[*]}"
  exit 1
fi
echo "check-deploy: passed (${steps[*]})"
