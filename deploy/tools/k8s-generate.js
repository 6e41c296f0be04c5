// Turns `helm template` output into the generated parts of k8s/ (the kustomize base is the chart's defaults):
//   node k8s-generate.js DEFAULTS.yaml ALLINONE.yaml OUT_DIR
// DEFAULTS.yaml: the chart with default values plus forced ServiceMonitor and PrometheusRule;
// ALLINONE.yaml: the chart with allInOne.enabled=true. Writes, under OUT_DIR:
//   base/tally.yaml                      the four services (everything but dashboards and monitoring)
//   allinone/tally.yaml                  the all-in-one (same)
//   components/dashboards/dashboards.yaml    Grafana dashboard ConfigMaps
//   components/monitoring/monitoring.yaml    ServiceMonitor and PrometheusRule (Prometheus Operator)
// Helm's own labels (helm.sh/chart, app.kubernetes.io/managed-by) are dropped: kustomize manages these.
'use strict';
const fs = require('fs');
const path = require('path');
const YAML = require('yaml');

const [defaultsFile, allInOneFile, outDir] = process.argv.slice(2);
if (!outDir) { console.error('usage: node k8s-generate.js DEFAULTS.yaml ALLINONE.yaml OUT_DIR'); process.exit(2); }

const HELM_LABELS = ['helm.sh/chart', 'app.kubernetes.io/managed-by'];
function stripHelmLabels(node) {
  if (!node || typeof node !== 'object') return;
  if (!Array.isArray(node) && node.labels && typeof node.labels === 'object') {
    for (const l of HELM_LABELS) delete node.labels[l];
  }
  for (const v of Object.values(node)) stripHelmLabels(v);
}
function read(file) {
  return YAML.parseAllDocuments(fs.readFileSync(file, 'utf8')).map(d => d.toJS()).filter(Boolean)
    .map(o => { stripHelmLabels(o); return o; });
}
const isDashboard = o => o.kind === 'ConfigMap' && o.metadata.labels && o.metadata.labels.grafana_dashboard === '1';
const isMonitoring = o => o.apiVersion.startsWith('monitoring.coreos.com/');
const isWorkload = o => !isDashboard(o) && !isMonitoring(o);

function write(rel, objects) {
  const header = '# GENERATED from helm/tally by scripts/check-deploy.sh --update. Do not edit: change the chart.\n';
  const body = objects.map(o => YAML.stringify(o, { lineWidth: 0 })).join('---\n');
  const file = path.join(outDir, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, header + body);
}

const defaults = read(defaultsFile);
const allInOne = read(allInOneFile);
write('base/tally.yaml', defaults.filter(isWorkload));
write('allinone/tally.yaml', allInOne.filter(isWorkload));
write('components/dashboards/dashboards.yaml', defaults.filter(isDashboard));
write('components/monitoring/monitoring.yaml', defaults.filter(isMonitoring));
