// Checks of the Grafana dashboards and the metric names that dashboards and alert rules use.
//   node observability.js lint-dashboards PROMQL_OUT.yml DASHBOARD.json...
//       structure checks (uid/title unique, datasource only through the ${datasource} variable, every target
//       has an expression); writes every expression as a recording rule to PROMQL_OUT.yml so that
//       `promtool check rules` parses each one (Grafana variables replaced by valid stand-ins).
//   node observability.js metric-names FILE...      (*.json dashboards, *.yml rule files)
//       prints the metric names they read, one per line, sorted; names recorded by the rule files are left out.
'use strict';
const fs = require('fs');
const path = require('path');
const YAML = require('yaml');

const DATASOURCE = '${datasource}';
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring',
  'group_left', 'group_right', 'inf', 'nan']);

/** Metric names in one PromQL expression (enough of PromQL for dashboards and rules: no metric names in strings). */
function metricNames(expr) {
  let s = expr
    .replace(/^label_values\((.*),\s*[A-Za-z_][A-Za-z0-9_]*\s*\)\s*$/s, '$1') // Grafana: label_values(selector, label)
    .replace(/#.*$/gm, ' ')
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  const names = new Set();
  for (const m of s.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const before = s[m.index - 1] || ' ';
    if (/[0-9.]/.test(before)) continue; // exponent of a number such as 1e3
    if (s.slice(m.index + m[0].length).trimStart().startsWith('(')) continue; // function or aggregation
    if (KEYWORDS.has(m[0].toLowerCase())) continue;
    names.add(m[0]);
  }
  return [...names];
}

/** Grafana expression -> plain PromQL: variables replaced by stand-ins that keep the syntax valid. */
function standIn(expr) {
  return expr
    .replace(/^label_values\((.*),\s*[A-Za-z_][A-Za-z0-9_]*\s*\)\s*$/s, '$1')
    .replace(/\$__rate_interval|\$\{__rate_interval\}|\$__interval|\$\{__interval\}/g, '5m')
    .replace(/\$__range|\$\{__range\}/g, '1h')
    .replace(/\$\{?\w+(?::\w+)?\}?/g, '.*');
}

function dashboardExpressions(d) {
  const out = [];
  const panels = [];
  (function walk(list) { for (const p of list || []) { panels.push(p); walk(p.panels); } })(d.panels);
  for (const p of panels) for (const t of p.targets || []) if (t.expr) out.push(t.expr);
  for (const v of (d.templating && d.templating.list) || []) {
    if (v.type !== 'query') continue;
    const q = typeof v.query === 'string' ? v.query : v.query && v.query.query;
    if (q) out.push(q);
  }
  return out;
}

function lintDashboards(promqlOut, files) {
  const problems = [];
  const uids = new Map();
  const titles = new Map();
  const rules = [];
  for (const file of files) {
    const where = path.basename(file);
    let d;
    try { d = JSON.parse(fs.readFileSync(file, 'utf8')); } catch (e) { problems.push(`${where}: not JSON: ${e.message}`); continue; }
    if (!d.uid || !d.title) problems.push(`${where}: needs a uid and a title`);
    if (uids.has(d.uid)) problems.push(`${where}: uid ${d.uid} is also used by ${uids.get(d.uid)}`); else uids.set(d.uid, where);
    if (titles.has(d.title)) problems.push(`${where}: title "${d.title}" is also used by ${titles.get(d.title)}`); else titles.set(d.title, where);
    const vars = (d.templating && d.templating.list) || [];
    const ds = vars.find(v => v.name === 'datasource');
    if (!ds || ds.type !== 'datasource' || ds.query !== 'prometheus') {
      problems.push(`${where}: needs a templating variable "datasource" of type datasource with query "prometheus"`);
    }
    const checkRef = (ref, what) => {
      if (ref === undefined) return;
      if (typeof ref !== 'object' || ref === null || ref.uid !== DATASOURCE) {
        problems.push(`${where}: ${what} must reference the data source as {"uid": "${DATASOURCE}"}, not ${JSON.stringify(ref)}`);
      }
    };
    for (const v of vars) if (v.type === 'query') checkRef(v.datasource, `variable ${v.name}`);
    const ids = new Set();
    (function walk(list) {
      for (const p of list || []) {
        if (ids.has(p.id)) problems.push(`${where}: panel id ${p.id} used twice`);
        ids.add(p.id);
        if (p.type !== 'row') {
          if (!p.gridPos) problems.push(`${where}: panel "${p.title}" has no gridPos`);
          checkRef(p.datasource, `panel "${p.title}"`);
          if (!p.targets || !p.targets.length) problems.push(`${where}: panel "${p.title}" has no query`);
          for (const t of p.targets || []) {
            checkRef(t.datasource, `a query of panel "${p.title}"`);
            if (!t.expr) problems.push(`${where}: a query of panel "${p.title}" has no expr`);
          }
        }
        walk(p.panels);
      }
    })(d.panels);
    dashboardExpressions(d).forEach((e, i) => rules.push({ record: `dashboard:${d.uid.replace(/[^A-Za-z0-9_]/g, '_')}:${i}`, expr: standIn(e) }));
  }
  fs.writeFileSync(promqlOut, YAML.stringify({ groups: [{ name: 'dashboard-expressions', rules }] }, { lineWidth: 0 }));
  for (const p of problems) console.log(`PROBLEM ${p}`);
  console.log(`${files.length} dashboards, ${rules.length} expressions, ${problems.length} problems`);
  return problems.length ? 1 : 0;
}

function listMetricNames(files) {
  const used = new Set();
  const recorded = new Set();
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    if (file.endsWith('.json')) {
      for (const e of dashboardExpressions(JSON.parse(text))) metricNames(e).forEach(n => used.add(n));
    } else {
      for (const g of (YAML.parse(text) || {}).groups || []) {
        for (const r of g.rules || []) {
          if (r.record) recorded.add(r.record);
          metricNames(String(r.expr)).forEach(n => used.add(n));
        }
      }
    }
  }
  for (const n of [...used].filter(n => !recorded.has(n)).sort()) console.log(n);
  return 0;
}

const [command, ...args] = process.argv.slice(2);
if (command === 'lint-dashboards' && args.length >= 2) process.exitCode = lintDashboards(args[0], args.slice(1));
else if (command === 'metric-names' && args.length >= 1) process.exitCode = listMetricNames(args);
else { console.error('usage: node observability.js lint-dashboards PROMQL_OUT.yml DASHBOARD.json... | metric-names FILE...'); process.exitCode = 2; }
