// Checks that two renderings hold the same objects of some kinds (e.g. a kustomize component against the chart value
// it mirrors), after dropping Helm's own labels and the config checksum annotation:
//   node same-objects.js A.yaml B.yaml Kind[,Kind...]
// Prints each object that is missing on one side or differs (with the first differing path); exit 1 if any.
'use strict';
const fs = require('fs');
const YAML = require('yaml');

const [aFile, bFile, kindList] = process.argv.slice(2);
if (!kindList) { console.error('usage: node same-objects.js A.yaml B.yaml Kind[,Kind...]'); process.exit(2); }
const kinds = kindList.split(',');
const IGNORED_LABELS = ['helm.sh/chart', 'app.kubernetes.io/managed-by'];
const IGNORED_ANNOTATIONS = ['checksum/config'];

function scrub(node) {
  if (!node || typeof node !== 'object') return;
  if (!Array.isArray(node)) {
    for (const l of IGNORED_LABELS) if (node.labels) delete node.labels[l];
    for (const a of IGNORED_ANNOTATIONS) if (node.annotations) delete node.annotations[a];
    if (node.annotations && Object.keys(node.annotations).length === 0) delete node.annotations;
  }
  for (const v of Object.values(node)) scrub(v);
}
function load(file) {
  const map = new Map();
  for (const o of YAML.parseAllDocuments(fs.readFileSync(file, 'utf8')).map(d => d.toJS()).filter(Boolean)) {
    if (!kinds.includes(o.kind)) continue;
    scrub(o);
    map.set(`${o.kind}/${o.metadata.name}`, o);
  }
  return map;
}
function firstDifference(a, b, path = '') {
  if (typeof a !== typeof b || Array.isArray(a) !== Array.isArray(b) || (a === null) !== (b === null)) return path || '/';
  if (a === null || typeof a !== 'object') return a === b ? null : path || '/';
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of [...keys].sort()) {
    const d = firstDifference(a[k], b[k], `${path}/${k}`);
    if (d) return d;
  }
  return null;
}
const a = load(aFile);
const b = load(bFile);
let problems = 0;
for (const key of new Set([...a.keys(), ...b.keys()])) {
  if (!a.has(key)) { console.log(`ONLY IN ${bFile}: ${key}`); problems++; continue; }
  if (!b.has(key)) { console.log(`ONLY IN ${aFile}: ${key}`); problems++; continue; }
  const path = firstDifference(a.get(key), b.get(key));
  if (path) {
    const at = (o) => path.split('/').slice(1).reduce((n, k) => (n == null ? n : n[k]), o);
    console.log(`DIFFERS ${key} at ${path}: ${JSON.stringify(at(a.get(key)))} vs ${JSON.stringify(at(b.get(key)))}`);
    problems++;
  }
}
console.log(`${a.size} objects (${kinds.join(', ')}) compared, ${problems} differences`);
process.exitCode = problems ? 1 : 0;
