// Offline validation of Kubernetes manifests against the Kubernetes JSON schemas (npm kubernetes-models, plus
// @kubernetes-models/prometheus-operator for ServiceMonitor and PrometheusRule).
//   node validate-k8s.js [--verbose] FILE.yaml [...]      multi-document YAML; "-" reads stdin; --verbose lists valid ones too
// Besides schema errors it reports UNKNOWN FIELDS (a misspelt "readinesProbe" passes a plain schema check):
// the compiled validators read every property their schema knows, so the object is wrapped in a Proxy that
// records what was read; keys of a checked object that were never read are not in the schema. Objects the
// validator enumerates (maps such as labels) or never looks into (free-form fields) are not judged.
// Exit code 1 when any document is invalid, has unknown fields, or has an apiVersion/kind without a schema.
'use strict';
const fs = require('fs');
const YAML = require('yaml');

function modelFor(apiVersion, kind) {
  const packages = apiVersion.startsWith('monitoring.coreos.com/')
    ? [`@kubernetes-models/prometheus-operator/${apiVersion}/${kind}`]
    : [`kubernetes-models/${apiVersion}/${kind}`];
  for (const p of packages) {
    try { return require(p)[kind]; } catch { /* try the next */ }
  }
  return null;
}

const seen = new WeakMap(); // object -> { read: Set<string>, enumerated: boolean }
function track(value) {
  if (!value || typeof value !== 'object') return value;
  const rec = { read: new Set(), enumerated: false };
  seen.set(value, rec);
  const children = new Map();
  return new Proxy(value, {
    get(target, prop, receiver) {
      if (typeof prop === 'string') rec.read.add(prop);
      const v = Reflect.get(target, prop, receiver);
      if (!v || typeof v !== 'object') return v;
      if (!children.has(prop)) children.set(prop, track(v));
      return children.get(prop);
    },
    has(target, prop) { if (typeof prop === 'string') rec.read.add(prop); return Reflect.has(target, prop); },
    ownKeys(target) { rec.enumerated = true; return Reflect.ownKeys(target); },
  });
}
function unknownFields(value, path, out) {
  if (!value || typeof value !== 'object') return out;
  const rec = seen.get(value);
  if (!rec) return out; // never reached by the validator: free-form
  if (!Array.isArray(value) && !rec.enumerated && rec.read.size > 0) {
    for (const key of Object.keys(value)) if (!rec.read.has(key)) out.push(`${path}/${key}`);
  }
  for (const key of Object.keys(value)) unknownFields(value[key], `${path}/${key}`, out);
  return out;
}

const verbose = process.argv.includes('--verbose');
let bad = 0, ok = 0;
for (const file of process.argv.slice(2).filter(a => a !== '--verbose')) {
  const okBefore = ok, badBefore = bad;
  const text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  for (const doc of YAML.parseAllDocuments(text)) {
    if (doc.errors.length) { bad++; console.log(`INVALID ${file}: YAML error ${doc.errors[0].message}`); continue; }
    const obj = doc.toJS();
    if (!obj) continue;
    const { apiVersion, kind } = obj;
    const id = `${file}: ${apiVersion}/${kind} ${obj.metadata && obj.metadata.name}`;
    const Model = apiVersion && kind ? modelFor(apiVersion, kind) : null;
    if (!Model) { bad++; console.log(`UNKNOWN ${id} (no schema for this apiVersion/kind)`); continue; }
    try {
      Model.prototype.validate.call(track(obj));
    } catch (e) {
      bad++; console.log(`INVALID ${id}: ${e.message.split('\n').slice(0, 4).join(' | ')}`); continue;
    }
    const extra = unknownFields(obj, '', []);
    if (extra.length) { bad++; console.log(`INVALID ${id}: unknown field(s) ${extra.join(', ')}`); continue; }
    ok++; if (verbose) console.log(`OK      ${id}`);
  }
  console.log(`${file}: ${ok - okBefore} valid, ${bad - badBefore} invalid`);
}
console.log(`total: ${ok} valid, ${bad} invalid`);
process.exitCode = bad || ok === 0 ? 1 : 0;
