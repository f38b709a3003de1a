#!/usr/bin/env node
// Usage: node parquet-rows-batch.mjs OUTDIR [--hyparquet] FILE...
// parquet-rows.mjs (DuckDB) or parquet-rows-hyparquet.mjs for many files in one process (node and DuckDB
// start once): writes OUTDIR/<basename>.jsonl with the same rows those scripts print, or OUTDIR/<basename>.err
// with the error message when the reader rejects the file. Exit 0 unless the usage is wrong.
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { duck, sqlStr } from './lib-duck.mjs';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';

const args = process.argv.slice(2);
const hyp = args.includes('--hyparquet');
const [outdir, ...files] = args.filter(a => a !== '--hyparquet');
if (!outdir || files.length === 0) { console.error('usage: parquet-rows-batch.mjs OUTDIR [--hyparquet] FILE...'); process.exit(2); }

function toJsonValue(v) { // as parquet-rows-hyparquet.mjs
  if (typeof v === 'bigint') return { $big: v.toString() };
  if (v instanceof Uint8Array) return { $hex: Buffer.from(v).toString('hex') };
  if (v instanceof Date) return isNaN(v) ? null : v.toISOString();
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (Array.isArray(v)) return v.map(toJsonValue);
  if (v && typeof v === 'object') { const o = {}; for (const k of Object.keys(v)) o[k] = toJsonValue(v[k]); return o; }
  return v;
}

const db = hyp ? null : await duck();
for (const file of files) {
  const out = join(outdir, basename(file));
  try {
    let lines;
    if (hyp) {
      const buf = readFileSync(file);
      const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
      const rows = await parquetReadObjects({ file: ab, metadata: parquetMetadata(ab), compressors });
      lines = rows.map(r => JSON.stringify(toJsonValue(r)).replace(/\{"\$big":"(-?\d+)"\}/g, '$1'));
    } else {
      lines = (await db.all(`SELECT * FROM read_parquet(${sqlStr(file)})`)).map(r => JSON.stringify(r));
    }
    writeFileSync(out + '.jsonl', lines.map(l => l + '\n').join(''));
  } catch (e) {
    writeFileSync(out + '.err', String(e.message) + '\n');
  }
}
