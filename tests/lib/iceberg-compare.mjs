#!/usr/bin/env node
// Compares qberg's rows (`qberg scan --format jsonl`) with the rows iceberg-expected.mjs computed for the
// same table and snapshot, as multisets after normalising both by the table schema's types.
// Usage: node iceberg-compare.mjs SCHEMA_JSON_FILE OURS.jsonl EXPECTED.jsonl
//        node iceberg-compare.mjs --batch LIST   (lines "SCHEMA OURS EXPECTED RAW LABEL"; RAW 1: EXPECTED holds
//                                                  another reader's rows, normalised here too; prints
//                                                  "ok LABEL" or "FAILED LABEL: ..." per line)
// SCHEMA_JSON_FILE holds the Iceberg schema object (`qberg schema TABLE --json`). Exit 0 when all equal.
import { readFileSync } from 'node:fs';
import path from 'node:path';
const here = path.dirname(new URL(import.meta.url).pathname);
const { normRow, parseExact } = await import(path.join(here, 'iceberg-expected.mjs'));
const lines = (f) => readFileSync(f, 'utf8').split('\n').filter((l) => l.trim());

function compare(schemaFile, ours, want, raw, report) {
  const schema = parseExact(readFileSync(schemaFile, 'utf8'));
  const a = lines(ours).map((l) => JSON.stringify(normRow(schema, parseExact(l))));
  const b = raw ? lines(want).map((l) => JSON.stringify(normRow(schema, parseExact(l)))) : lines(want);
  const ca = new Map(), cb = new Map();
  for (const x of a) ca.set(x, (ca.get(x) ?? 0) + 1);
  for (const x of b) cb.set(x, (cb.get(x) ?? 0) + 1);
  let bad = 0;
  for (const [k, n] of ca) if ((cb.get(k) ?? 0) !== n && bad++ < 5) report(`qberg has ${n}x, expected ${cb.get(k) ?? 0}x: ${k}`);
  for (const [k, n] of cb) if (!ca.has(k) && bad++ < 10) report(`missing in qberg (${n}x): ${k}`);
  if (bad) report(`${bad} differences (qberg ${a.length} rows, expected ${b.length})`);
  return bad === 0;
}

const argv = process.argv.slice(2);
if (argv[0] === '--batch') {
  let failed = 0;
  for (const l of lines(argv[1])) {
    const [schema, ours, want, raw, ...label] = l.split(' ');
    const msgs = [];
    let ok = false;
    try { ok = compare(schema, ours, want, raw === '1', (m) => msgs.push(m)); } catch (e) { msgs.push(String(e.message)); }
    console.log(ok ? `ok ${label.join(' ')}` : `FAILED ${label.join(' ')}: ${msgs.join(' | ')}`);
    failed += !ok;
  }
  process.exit(failed ? 1 : 0);
} else {
  process.exit(compare(argv[0], argv[1], argv[2], false, (m) => console.error(m)) ? 0 : 1);
}
