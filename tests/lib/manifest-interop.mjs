#!/usr/bin/env node
// Usage: node manifest-interop.mjs QBERG ORACLES DIR...
// For every Avro file of each DIR: decode it once with the avsc oracle (ORACLES/avro-dump.mjs), read it with
// `QBERG manifest FILE --json`, and compare (manifest-compare.mjs). Each manifest list is compared, and then
// every manifest of the same DIR it references, read with `--list` (inherited snapshot ids and sequence
// numbers); each manifest is also compared on its own. v3 lists must be refused with qberg's message.
// Prints failures and a final "manifest_interop: N passed, N failed" line; exit 1 on any failure.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { compare, findEntry, parseExact, parseLines } from './manifest-compare.mjs';

const [qberg, oracles, ...dirs] = process.argv.slice(2);
if (!qberg || !oracles || !dirs.length) { console.error('usage: manifest-interop.mjs QBERG ORACLES DIR...'); process.exit(2); }
let pass = 0, fail = 0, lists = 0, manifests = 0, pairs = 0, refused = 0;
const bad = (msg) => { console.log(`FAILED: ${msg}`); fail++; };

function check(name, kind, ours, avsc, list, version) {
  const diffs = compare(kind, ours, avsc, list, version);
  if (diffs.length) bad(`${name} (${kind})\n${diffs.slice(0, 3).join('\n')}`);
  else pass++;
}

function qb(args) {
  const r = spawnSync(qberg, ['manifest', ...args, '--json'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return { ok: r.status === 0, out: r.stdout, err: r.stderr };
}

for (const dir of dirs) {
  const files = readdirSync(dir).filter((f) => f.endsWith('.avro')).sort();
  const dumps = new Map();
  for (const f of files) {
    const r = spawnSync('node', [path.join(oracles, 'avro-dump.mjs'), path.join(dir, f)], { encoding: 'utf8', maxBuffer: 1 << 28 });
    if (r.status === 0) dumps.set(f, parseExact(r.stdout)); // not an OCF: covered by the C tests
  }
  for (const [f, d] of dumps) {
    const name = `${path.basename(dir)}/${f}`;
    const kind = d.records.length && 'manifest_path' in d.records[0] ? 'list'
      : JSON.stringify(d.schema).includes('"manifest_path"') ? 'list' : 'manifest';
    const q = qb([path.join(dir, f)]);
    if (!q.ok) {
      if (kind === 'list' && q.err.includes('format-version 3 is not supported')) { pass++; refused++; continue; }
      bad(`${name}: qberg failed: ${q.err.trim()}`);
      continue;
    }
    check(name, kind, parseLines(q.out), d.records, null, d.metadata['format-version']);
    if (kind === 'manifest') { manifests++; continue; }
    lists++;
    for (const [m, md] of dumps) {
      const entry = findEntry(d.records, m);
      if (!entry) continue;
      const qm = qb([path.join(dir, m), '--list', path.join(dir, f)]);
      if (!qm.ok) { bad(`${m} with ${f}: ${qm.err.trim()}`); continue; }
      check(`${m} with ${f}`, 'manifest', parseLines(qm.out), md.records, entry, md.metadata['format-version']);
      pairs++;
    }
  }
}
console.log(`compared ${lists} lists, ${manifests} manifests, ${pairs} manifest+list pairs, ${refused} v3 lists refused`);
if (lists < 25 || manifests < 30 || pairs < 40) bad('too few files compared');
console.log(`manifest_interop: ${pass} passed, ${fail} failed`);
process.exit(fail ? 1 : 0);
