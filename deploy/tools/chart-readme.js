// Checks that the chart README documents every value:
//   node chart-readme.js VALUES.yaml README.md    exit 1 listing each key path that the README does not name as `path`
// Key paths descend into mappings, except "resources" (documented as a whole) and empty mappings/lists.
// A README entry may stand for several keys with a placeholder segment: `services.<service>.grpcPort`.
'use strict';
const fs = require('fs');
const YAML = require('yaml');

const [valuesFile, readmeFile] = process.argv.slice(2);
if (!valuesFile || !readmeFile) { console.error('usage: node chart-readme.js VALUES.yaml README.md'); process.exit(2); }
const doc = YAML.parseDocument(fs.readFileSync(valuesFile, 'utf8'));

const keys = [];
(function walk(node, prefix) {
  for (const pair of node.items) {
    const key = `${prefix}${pair.key.value}`;
    if (YAML.isMap(pair.value) && pair.value.items.length && pair.key.value !== 'resources') walk(pair.value, `${key}.`);
    else keys.push(key);
  }
})(doc.contents, '');

const readme = fs.readFileSync(readmeFile, 'utf8');
const escape = t => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const patterns = [...readme.matchAll(/`([A-Za-z0-9_.]*<[a-z]+>[A-Za-z0-9_.<>]*)`/g)]
  .map(m => new RegExp('^' + m[1].split(/(<[a-z]+>)/).map(p => (p.startsWith('<') ? '[^.]+' : escape(p))).join('') + '$'));
const documented = k => readme.includes('`' + k + '`') || patterns.some(p => p.test(k));
const missing = keys.filter(k => !documented(k));
for (const k of missing) console.log(`UNDOCUMENTED ${k}: add it to ${readmeFile}`);
console.log(`${keys.length} values, ${missing.length} not documented in ${readmeFile}`);
process.exitCode = missing.length ? 1 : 0;
