'use strict';
// Tiny --name value parser: repeated options collect into arrays; flags without a value are true.
module.exports = function parseArgs(argv, repeatable = []) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new Error(`unexpected argument '${arg}'`);
    const name = arg.slice(2);
    const next = argv[i + 1];
    const value = next !== undefined && !next.startsWith('--') ? (i++, next) : true;
    if (repeatable.includes(name)) (out[name] ||= []).push(value);
    else out[name] = value;
  }
  return out;
};
