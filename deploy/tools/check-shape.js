// Asserts the production shape of rendered Tally manifests (helm template or kubectl kustomize output).
//   node check-shape.js FILE.yaml --mode services|allinone [--monitoring present|absent] [--dashboards N]
//       [--min-replicas N] [--tls]
// services: query, ingestion, definitions and citations each with a Deployment, Service, ServiceAccount,
// HorizontalPodAutoscaler and PodDisruptionBudget; allinone: one Deployment with one replica and no autoscaler.
// Every Deployment: native gRPC startup/readiness/liveness probes on the "grpc" port, requests and limits,
// non-root, read-only root filesystem, all capabilities dropped, writable /tmp and /data, and credentials only
// from Secrets. Every Service: ports named grpc and metrics.
// --tls (tls.enabled): the gRPC ports serve TLS, so the probes are HTTP GETs of /readyz and /healthz on the metrics
// port (kubelet grpc: probes cannot do TLS); the certificate Secret is mounted read-only at /etc/tally/tls; the grpc
// Service ports say appProtocol https; every Tally__Services__* address is https://.
'use strict';
const fs = require('fs');
const YAML = require('yaml');

const args = process.argv.slice(2);
const file = args[0];
const opt = name => { const i = args.indexOf(`--${name}`); return i > 0 ? args[i + 1] : undefined; };
const mode = opt('mode');
const tls = args.includes('--tls');
if (!file || !['services', 'allinone'].includes(mode)) {
  console.error('usage: node check-shape.js FILE.yaml --mode services|allinone [--monitoring present|absent] [--dashboards N] [--min-replicas N]');
  process.exit(2);
}
const docs = YAML.parseAllDocuments(fs.readFileSync(file, 'utf8')).map(d => d.toJS()).filter(Boolean);
const problems = [];
const fail = msg => problems.push(msg);
const byKind = kind => docs.filter(d => d.kind === kind);
const named = (kind, suffix) => byKind(kind).find(d => d.metadata.name.endsWith(`-${suffix}`));
const SECRETISH = /(connectionstring|uri|redis|password|secret|token|apikey)/i;

const components = mode === 'services' ? ['query', 'ingestion', 'definitions', 'citations'] : ['allinone'];
for (const c of components) {
  for (const kind of ['Deployment', 'Service', 'ServiceAccount', 'PodDisruptionBudget']) {
    if (!named(kind, c)) fail(`${c}: no ${kind}`);
  }
  const hpa = named('HorizontalPodAutoscaler', c);
  if (mode === 'services' && !hpa) fail(`${c}: no HorizontalPodAutoscaler`);
  if (mode === 'allinone' && hpa) fail(`${c}: must not autoscale (one SQLite writer)`);
  const min = Number(opt('min-replicas') || 0);
  if (hpa && hpa.spec.minReplicas < min) fail(`${c}: HPA minReplicas ${hpa.spec.minReplicas} < ${min}`);
}
const deployments = byKind('Deployment');
if (deployments.length !== components.length) fail(`expected ${components.length} Deployment(s), found ${deployments.length}`);
if (mode === 'allinone') {
  const d = named('Deployment', 'allinone');
  if (d && d.spec.replicas !== 1) fail(`allinone: replicas must be 1, is ${d.spec.replicas}`);
}

for (const d of deployments) {
  const n = d.metadata.name;
  const pod = d.spec.template.spec;
  if (!pod.securityContext || pod.securityContext.runAsNonRoot !== true) fail(`${n}: pod securityContext.runAsNonRoot must be true`);
  if (pod.automountServiceAccountToken !== false) fail(`${n}: automountServiceAccountToken must be false`);
  for (const c of pod.containers) {
    const sc = c.securityContext || {};
    if (sc.readOnlyRootFilesystem !== true) fail(`${n}/${c.name}: readOnlyRootFilesystem must be true`);
    if (sc.allowPrivilegeEscalation !== false) fail(`${n}/${c.name}: allowPrivilegeEscalation must be false`);
    if (!(sc.capabilities && (sc.capabilities.drop || []).includes('ALL'))) fail(`${n}/${c.name}: capabilities must drop ALL`);
    const ports = Object.fromEntries((c.ports || []).map(p => [p.name, p.containerPort]));
    if (!ports.grpc || !ports.metrics) fail(`${n}/${c.name}: needs container ports named grpc and metrics`);
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      const p = c[probe];
      if (tls) {
        const paths = probe === 'livenessProbe' ? ['/healthz', '/readyz'] : ['/readyz'];
        if (!p || !p.httpGet) fail(`${n}/${c.name}: ${probe} must be an HTTP probe of the metrics port with TLS on (grpc: probes cannot do TLS)`);
        else if (p.httpGet.port !== 'metrics' && p.httpGet.port !== ports.metrics) fail(`${n}/${c.name}: ${probe} must target the metrics port, not ${p.httpGet.port}`);
        else if (!paths.includes(p.httpGet.path)) fail(`${n}/${c.name}: ${probe} must GET ${paths.join(' or ')}, not ${p.httpGet.path}`);
        else if (p.httpGet.scheme && p.httpGet.scheme !== 'HTTP') fail(`${n}/${c.name}: ${probe} must use plain HTTP (the metrics port has no TLS)`);
      } else if (!p || !p.grpc) fail(`${n}/${c.name}: ${probe} must be a native grpc probe`);
      else if (p.grpc.port !== ports.grpc) fail(`${n}/${c.name}: ${probe} must target the grpc port ${ports.grpc}, not ${p.grpc.port}`);
    }
    if (tls) {
      const mount = (c.volumeMounts || []).find(m => m.mountPath === '/etc/tally/tls');
      const volume = mount && (pod.volumes || []).find(v => v.name === mount.name);
      if (!mount || mount.readOnly !== true) fail(`${n}/${c.name}: the TLS Secret must be mounted read-only at /etc/tally/tls`);
      else if (!(volume && volume.secret && volume.secret.secretName)) fail(`${n}/${c.name}: /etc/tally/tls must be a Secret volume`);
    }
    const r = c.resources || {};
    for (const k of ['requests', 'limits']) for (const res of ['cpu', 'memory']) {
      if (!(r[k] && r[k][res])) fail(`${n}/${c.name}: resources.${k}.${res} missing`);
    }
    const mounts = (c.volumeMounts || []).map(m => m.mountPath);
    for (const m of ['/tmp', '/data']) if (!mounts.includes(m)) fail(`${n}/${c.name}: no writable volume on ${m}`);
    for (const e of c.env || []) {
      if (SECRETISH.test(e.name) && !(e.valueFrom && e.valueFrom.secretKeyRef)) fail(`${n}/${c.name}: ${e.name} must come from a Secret (secretKeyRef)`);
    }
  }
}
for (const s of byKind('Service')) {
  const names = (s.spec.ports || []).map(p => p.name);
  if (!names.includes('grpc') || !names.includes('metrics')) fail(`Service ${s.metadata.name}: ports must be named grpc and metrics (are ${names})`);
  const grpc = (s.spec.ports || []).find(p => p.name === 'grpc');
  const protocol = tls ? 'https' : 'kubernetes.io/h2c';
  if (grpc && grpc.appProtocol !== protocol) fail(`Service ${s.metadata.name}: port grpc must have appProtocol ${protocol}, not ${grpc.appProtocol}`);
}
for (const cm of byKind('ConfigMap').filter(c => c.data && 'Tally__Host__BindAddress' in c.data)) {
  for (const [k, v] of Object.entries(cm.data)) {
    if (k.startsWith('Tally__Services__') && !String(v).startsWith(tls ? 'https://' : 'http://')) fail(`ConfigMap ${cm.metadata.name}: ${k} is ${v}, expected ${tls ? 'https' : 'http'}://`);
  }
  if (tls && cm.data.Tally__Tls__Enabled !== 'true') fail(`ConfigMap ${cm.metadata.name}: Tally__Tls__Enabled must be "true"`);
  if (!tls && 'Tally__Tls__Enabled' in cm.data) fail(`ConfigMap ${cm.metadata.name}: Tally__Tls__Enabled set without tls.enabled`);
}
for (const cm of byKind('ConfigMap')) {
  for (const k of Object.keys(cm.data || {})) if (SECRETISH.test(k) && !k.endsWith('.json')) fail(`ConfigMap ${cm.metadata.name}: ${k} looks like a credential; use a Secret`);
}
const mon = opt('monitoring');
const hasMon = byKind('ServiceMonitor').length > 0 && byKind('PrometheusRule').length > 0;
const anyMon = byKind('ServiceMonitor').length + byKind('PrometheusRule').length > 0;
if (mon === 'present' && !hasMon) fail('expected a ServiceMonitor and a PrometheusRule');
if (mon === 'absent' && anyMon) fail('expected no ServiceMonitor or PrometheusRule (monitoring.coreos.com/v1 not available)');
const dash = opt('dashboards');
if (dash !== undefined) {
  const n = byKind('ConfigMap').filter(c => c.metadata.labels && c.metadata.labels.grafana_dashboard === '1').length;
  if (n !== Number(dash)) fail(`expected ${dash} dashboard ConfigMaps labelled grafana_dashboard: "1", found ${n}`);
}
for (const p of problems) console.log(`PROBLEM ${file}: ${p}`);
console.log(`${file}: ${docs.length} objects, mode ${mode}, ${problems.length} problems`);
process.exitCode = problems.length ? 1 : 0;
