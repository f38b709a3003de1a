#!/usr/bin/env node
// The rows an Iceberg table should scan to, computed without qberg: metadata JSON parsed here, manifest lists
// and manifests decoded by avsc, data and delete files read by DuckDB (read_parquet, hive partitioning off),
// columns matched by Parquet field id (else the table's name mapping, else name), the spec's delete rules
// applied here (position deletes: data seq <= delete seq, same spec and partition or the referenced file;
// equality deletes: data seq < delete seq, same partition or an unpartitioned delete spec; nulls equal).
// Missing columns: identity partition value, else initial-default, else null.
// Usage: node iceberg-expected.mjs TABLE_DIR METADATA_FILE [--snapshot-id N | --ref NAME]
// Prints one JSON object per row, keyed by column name, values normalised by normRow() below (also used by
// iceberg-compare.mjs to normalise qberg's output): every scalar a string in one canonical form per type.
import { readFileSync, existsSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';

const oracles = process.env.QB_ORACLES || path.join(path.dirname(new URL(import.meta.url).pathname), '../oracles');
const { duck, sqlStr } = await import(path.join(oracles, 'lib-duck.mjs'));
const avro = createRequire(path.join(oracles, 'package.json'))('avsc');
// Avro longs as BigInt: snapshot ids exceed 2^53 (as the oracle script avro-dump.mjs does)
const BigLong = avro.types.LongType.__with({
  fromBuffer: (b) => b.readBigInt64LE(),
  toBuffer: (n) => { const b = Buffer.alloc(8); b.writeBigInt64LE(BigInt(n)); return b; },
  fromJSON: (n) => BigInt(n),
  toJSON: (n) => Number(n),
  isValid: (n) => typeof n === 'bigint',
  compare: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
});
const typeHook = (x) => (x === 'long' || (x && typeof x === 'object' && x.type === 'long') ? BigLong : undefined);
// records with longs as strings and bytes as {"$hex": ...}, the shape avro-dump.mjs prints
const plain = (v) => {
  if (typeof v === 'bigint') return v.toString();
  if (Buffer.isBuffer(v)) return { $hex: v.toString('hex') };
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') { const o = {}; for (const k of Object.keys(v)) o[k] = plain(v[k]); return o; }
  return v;
};
const readOcf = (f) => new Promise((res, rej) => {
  const recs = [];
  avro.createFileDecoder(f, { parseHook: (sch) => avro.Type.forSchema(sch, { wrapUnions: 'auto', typeHook }) })
    .on('data', (r) => recs.push(plain(r))).on('end', () => res({ recs })).on('error', rej);
});
let db;

// ---- exact JSON (ids beyond 2^53 stay strings) ----
export const parseExact = (text) => JSON.parse(text.replace(/([:\[,]\s*)(-?\d{16,})(?=\s*[,\]\}])/g, '$1"$2"'));

// ---- value normalisation, driven by the Iceberg type ----
// DuckDB BLOB text: printable bytes as themselves, others as \xNN
function blobHex(v) {
  let hex = '';
  for (let i = 0; i < v.length; i++) {
    if (v[i] === '\\' && v[i + 1] === 'x') { hex += v.substr(i + 2, 2).toLowerCase(); i += 3; }
    else hex += v.charCodeAt(i).toString(16).padStart(2, '0');
  }
  return hex;
}
const prim = (t) => (typeof t === 'string' ? t : t.type);
function normScalar(t, v) {
  if (v === null || v === undefined) return null;
  const ty = prim(t);
  if (ty === 'boolean') return String(v === true || v === 'true');
  if (ty === 'int' || ty === 'long') return BigInt(v).toString();
  if (ty === 'float') return typeof v === 'string' && !/^-?[\d.eE+-]+$/.test(v) ? v : String(Math.fround(Number(v)));
  if (ty === 'double') return typeof v === 'string' && !/^-?[\d.eE+-]+$/.test(v) ? v : String(Number(v));
  if (ty.startsWith('decimal')) { // exact: drop trailing fraction zeros
    // readers that hand decimals out as doubles (hyparquet): round to the scale first
    if (typeof v === 'number') v = v.toFixed(Number((ty.match(/,\s*(\d+)/) ?? [0, 0])[1]));
    let s = String(v);
    const sci = s.match(/^(-?)(\d+)(?:\.(\d+))?E([+-]?\d+)$/i); // BigDecimal.toString: 0E-11, 1.2E+3
    if (sci) {
      const digits = sci[2] + (sci[3] ?? ''), point = sci[2].length + Number(sci[4]);
      s = point <= 0 ? '0.' + '0'.repeat(-point) + digits : point >= digits.length ? digits + '0'.repeat(point - digits.length) : digits.slice(0, point) + '.' + digits.slice(point);
      s = (sci[1] ?? '') + s.replace(/^0+(?=\d)/, '');
    }
    if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
    return s === '-0' ? '0' : s;
  }
  if (ty === 'date') return String(v).slice(0, 10);
  if (ty === 'time') return String(v).replace(/[+-]00(:00)?$/, '').replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
  if (ty === 'timestamp' || ty === 'timestamptz') {
    let s = String(v).replace('T', ' ').replace(/(Z|[+-]00(:?00)?)$/, '');
    s = s.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
    if (/^\d{4}-\d\d-\d\d \d\d:\d\d$/.test(s)) s += ':00';
    return s;
  }
  if (ty === 'uuid') {
    if (typeof v === 'object' && v.$hex !== undefined) v = v.$hex;
    else if (String(v).length !== 36) v = blobHex(String(v)); // DuckDB: FIXED(16) without the UUID annotation
    const h = String(v).toLowerCase().replace(/-/g, '');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  if (ty === 'binary' || ty.startsWith('fixed')) {
    if (typeof v === 'object' && v.$hex !== undefined) return v.$hex.toLowerCase();
    if (/^[0-9a-f]*$/.test(v) && v.length % 2 === 0) return v; // qberg prints hex
    return blobHex(v);
  }
  return String(v);
}
export function normValue(t, v) {
  if (v === null || v === undefined) return null;
  if (typeof t === 'object' && t.type === 'struct') {
    const o = {};
    for (const f of t.fields) o[f.name] = normValue(f.type, v[f.name]);
    return o;
  }
  if (typeof t === 'object' && t.type === 'list') return v.map((e) => normValue(t.element, e));
  if (typeof t === 'object' && t.type === 'map') {
    const pairs = Array.isArray(v) ? v.map((kv) => [kv.key, kv.value]) : Object.entries(v);
    return pairs.map(([k, x]) => [normValue(t.key, k), normValue(t.value, x)]).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  }
  return normScalar(t, v);
}
export const normRow = (schema, row) => normValue(schema, row);

// ---- the table ----
async function expected(args, out) {
  let dir, mdfile, snapId = null, ref = null;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--snapshot-id') snapId = args[++i];
    else if (args[i] === '--ref') ref = args[++i];
    else if (!dir) dir = path.resolve(args[i]);
    else mdfile = args[i];
  }
  let raw = readFileSync(path.join(dir, 'metadata', mdfile));
  if (raw[0] === 0x1f && raw[1] === 0x8b) raw = gunzipSync(raw);
  const md = parseExact(raw.toString('utf8'));
  const schemas = md.schemas ?? [md.schema];
  const specs = md['partition-specs'] ?? [{ 'spec-id': 0, fields: (md['partition-spec'] ?? []).map((f, i) => ({ 'field-id': 1000 + i, ...f })) }];
  let snap, schema = schemas.find((s) => String(s['schema-id'] ?? 0) === String(md['current-schema-id'] ?? 0));
  const bySnap = (id) => (md.snapshots ?? []).find((s) => String(s['snapshot-id']) === String(id));
  if (snapId) snap = bySnap(snapId);
  else if (ref) snap = bySnap(md.refs[ref]['snapshot-id']);
  else snap = bySnap(md['current-snapshot-id']);
  if ((snapId || (ref && md.refs[ref].type === 'tag')) && snap && snap['schema-id'] !== undefined)
    schema = schemas.find((s) => String(s['schema-id']) === String(snap['schema-id']));
  if (!snap) return; // no snapshot: no rows
  const loc = String(md.location).replace(/^\.\//, '').replace(/\/+$/, '');
  const local = (p) => { p = String(p).replace(/^\.\//, ''); return p.startsWith(loc + '/') ? path.join(dir, p.slice(loc.length + 1)) : p; };
  const big = (x) => (x === null || x === undefined ? null : typeof x === 'object' && x.toString ? x.toString() : String(x));
  // manifests of the snapshot
  let manifests;
  if (snap['manifest-list']) {
    manifests = (await readOcf(local(snap['manifest-list']))).recs.map((m) => ({
      path: m.manifest_path, spec: m.partition_spec_id, content: m.content ?? 0, seq: m.sequence_number ?? 0, added: m.added_snapshot_id,
    }));
  } else manifests = snap.manifests.map((p) => ({ path: p, spec: 0, content: 0, seq: 0 }));
  const data = [], deletes = [];
  for (const m of manifests) {
    const { recs } = await readOcf(local(m.path));
    for (const e of recs) {
      if (e.status === 2) continue;
      const df = e.data_file;
      const seq = e.sequence_number ?? (e.status === 1 || Number(m.seq) === 0 ? m.seq : 0);
      const f = { path: df.file_path, content: df.content ?? 0, spec: m.spec, seq: BigInt(big(seq) ?? 0), partition: df.partition ?? {},
        eq: df.equality_ids ?? null, ref: df.referenced_data_file ?? null };
      (f.content === 0 ? data : deletes).push(f);
    }
  }
  if (!db) db = await duck();
  // parquet schema tree of a file: [{name, id, children}]
  const treeOf = async (f) => {
    const rows = await db.all(`SELECT name, field_id, num_children FROM parquet_schema(${sqlStr(f)})`);
    let i = 0;
    const build = () => { const r = rows[i++]; const n = Number(r.num_children ?? 0); const node = { name: r.name, id: r.field_id === null ? null : Number(r.field_id), children: [] }; for (let k = 0; k < n; k++) node.children.push(build()); return node; };
    return build();
  };
  const mapping = md.properties?.['schema.name-mapping.default'] ? JSON.parse(md.properties['schema.name-mapping.default']) : null;
  const idOf = (node, level) => {
    if (node.id !== null) return node.id;
    const m = level?.find((x) => (x.names ?? []).includes(node.name));
    return m ? m['field-id'] ?? null : null;
  };
  const subMap = (node, level) => level?.find((x) => (x.names ?? []).includes(node.name))?.fields ?? null;
  // a DuckDB value of file node `node` as Iceberg type t
  const conv = (t, node, v, level) => {
    if (v === null || v === undefined) return null;
    if (typeof t === 'object' && t.type === 'struct') {
      const o = {};
      for (const f of t.fields) {
        const c = node.children.find((ch) => { const id = idOf(ch, level); return id !== null ? id === f.id : !level && ch.name === f.name; });
        o[f.name] = c ? conv(f.type, c, v[c.name], subMap(c, level)) : defaultOf(f);
      }
      return o;
    }
    if (typeof t === 'object' && t.type === 'list') {
      const el = node.children[0].children[0] ?? node.children[0];
      return v.map((x) => conv(t.element, el, x, level?.find((e) => e.names?.includes('element'))?.fields ?? null));
    }
    if (typeof t === 'object' && t.type === 'map') {
      const kv = node.children[0];
      return v.map((p) => ({ key: conv(t.key, kv.children[0], p.key, null), value: conv(t.value, kv.children[1], p.value, null) }));
    }
    return v;
  };
  // an identity partition value as Avro stored it, in the text form the row values use
  const fromAvro = (t, v) => {
    if (v === null || v === undefined) return null;
    const ty = prim(t);
    const iso = (ms) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
    if (ty === 'date') return new Date(Number(v) * 86400000).toISOString().slice(0, 10);
    if (ty === 'timestamp' || ty === 'timestamptz') {
      const us = BigInt(v), ms = us / 1000n, frac = us % 1000n;
      return iso(Number(ms)) + (frac ? String(frac).padStart(3, '0') : '');
    }
    if (ty === 'time') {
      const us = Number(v), sec = Math.floor(us / 1e6), frac = us % 1e6;
      const p2 = (x) => String(x).padStart(2, '0');
      return `${p2(Math.floor(sec / 3600))}:${p2(Math.floor(sec / 60) % 60)}:${p2(sec % 60)}` + (frac ? '.' + String(frac).padStart(6, '0') : '');
    }
    if (ty.startsWith('decimal') && typeof v === 'object' && v.$hex !== undefined) {
      const scale = Number(ty.match(/,\s*(\d+)/)[1]);
      let x = BigInt('0x' + (v.$hex || '0'));
      const bits = BigInt(v.$hex.length * 4);
      if (v.$hex.length && parseInt(v.$hex[0], 16) >= 8) x -= 1n << bits; // two's complement
      const neg = x < 0n, a = (neg ? -x : x).toString().padStart(scale + 1, '0');
      return (neg ? '-' : '') + (scale ? a.slice(0, a.length - scale) + '.' + a.slice(a.length - scale) : a);
    }
    if (typeof v === 'object' && v.$hex !== undefined) return { $hex: v.$hex };
    return v;
  };
  const defaultOf = (f) => (f['initial-default'] !== undefined ? f['initial-default'] : null);
  const specOf = (id) => specs.find((s) => String(s['spec-id']) === String(id)) ?? { fields: [] };
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  const readFile = async (f, t) => {
    const p = local(f.path);
    const tree = await treeOf(p);
    const rows = await db.all(`SELECT * FROM read_parquet(${sqlStr(p)}, file_row_number=true, hive_partitioning=false)`);
    const spec = specOf(f.spec);
    return rows.map((r) => {
      const o = {};
      for (const fld of t.fields) {
        const c = tree.children.find((ch) => { const id = idOf(ch, mapping); return id !== null ? id === fld.id : !mapping && ch.name === fld.name; });
        if (c) o[fld.name] = conv(fld.type, c, r[c.name], subMap(c, mapping));
        else {
          const pf = spec.fields.find((x) => x['source-id'] === fld.id && x.transform === 'identity');
          o[fld.name] = pf && f.partition[pf.name] !== undefined ? fromAvro(fld.type, f.partition[pf.name]) : defaultOf(fld);
        }
      }
      return { row: o, pos: BigInt(r.file_row_number) };
    });
  };
  // position deletes: (path, pos) pairs; equality deletes: per file, the rows of its columns
  const posDel = [], eqDel = [];
  for (const d of deletes) {
    const p = local(d.path);
    if (d.content === 1) {
      const rows = await db.all(`SELECT file_path, pos FROM read_parquet(${sqlStr(p)}, hive_partitioning=false)`);
      posDel.push({ d, set: new Set(rows.map((r) => r.file_path + '\u0000' + BigInt(r.pos))) });
    } else {
      const ids = d.eq.map(Number);
      const cols = schema.fields.filter((f) => ids.includes(f.id));
      const rows = await readFile(d, { type: 'struct', fields: cols });
      eqDel.push({ d, cols, keys: new Set(rows.map(({ row }) => JSON.stringify(cols.map((c) => normValue(c.type, row[c.name]))))) });
    }
  }
  for (const f of data) {
    const fspec = specOf(f.spec);
    const pos = posDel.filter(({ d }) => f.seq <= d.seq && (d.ref ? d.ref === f.path : String(d.spec) === String(f.spec) && same(d.partition, f.partition)));
    const eqs = eqDel.filter(({ d }) => f.seq < d.seq && (specOf(d.spec).fields.length === 0 || (String(d.spec) === String(f.spec) && same(d.partition, f.partition))));
    void fspec;
    for (const { row, pos: n } of await readFile(f, schema)) {
      if (pos.some(({ set }) => set.has(f.path + '\u0000' + n))) continue;
      if (eqs.some(({ cols, keys }) => keys.has(JSON.stringify(cols.map((c) => normValue(c.type, row[c.name])))))) continue;
      out.push(JSON.stringify(normRow(schema, row)));
    }
  }
}
// iceberg-expected.mjs TABLE_DIR METADATA_FILE [--snapshot-id N | --ref NAME]: the rows on stdout
// iceberg-expected.mjs --batch CASES: each line "OUT_FILE TABLE_DIR METADATA_FILE [--snapshot-id N]"; one
// process for all (node and DuckDB start once); a failing case writes OUT_FILE.err instead
if (process.argv[1] && process.argv[1].endsWith('iceberg-expected.mjs')) {
  const argv = process.argv.slice(2);
  if (argv[0] === '--batch') {
    for (const line of readFileSync(argv[1], 'utf8').split('\n').filter((l) => l.trim())) {
      const [outFile, ...rest] = line.split(' ');
      const out = [];
      try {
        await expected(rest, out);
        writeFileSync(outFile, out.map((l) => l + '\n').join(''));
      } catch (e) {
        writeFileSync(outFile + '.err', String(e.stack ?? e));
      }
    }
  } else {
    const out = [];
    await expected(argv, out);
    for (const l of out) process.stdout.write(l + '\n');
  }
}
