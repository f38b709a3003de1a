#!/usr/bin/env node
// Usage: node json-lines-norm.mjs FILE
// Normalises JSON lines so two producers can be compared with diff: integers of 16+ digits are kept exact
// (quoted before parsing, as JS numbers would round them), numbers are re-printed by JSON.stringify
// (1e300 and 1e+300, 0.50 and 0.5 become the same text), key order and spacing are those of the input
// object after parsing. Empty lines are dropped.
import { readFileSync } from 'node:fs';
const file = process.argv[2];
if (!file) { console.error('usage: json-lines-norm.mjs FILE'); process.exit(2); }
for (const line of readFileSync(file, 'utf8').split('\n')) {
  if (!line.trim()) continue;
  const exact = line.replace(/([:\[,]\s*)(-?\d{16,})(?=\s*[,\]\}])/g, '$1"$2"');
  let v;
  try { v = JSON.parse(exact); } catch (e) { console.error(`${file}: not JSON: ${line.slice(0, 200)}`); process.exit(1); }
  process.stdout.write(JSON.stringify(v) + '\n');
}
