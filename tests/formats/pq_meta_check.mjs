#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// Checks a qberg-written file's footer as DuckDB reports it (parquet-meta.mjs output) against what
// tests/tools/pq_gen intended (TYPES.json) and what the writer returned (RESULT.json, the data_file
// metrics): field ids on every non-root element except the repeated list/key_value groups, physical,
// converted and logical types, row-group count and split offsets, per-column value/null counts and sizes.
// Usage: node pq_meta_check.mjs TYPES.json META.json RESULT.json [--min-row-groups N] [--dict yes|no]
//        [--delta-byte-array yes|no]
import { readFileSync } from 'node:fs';

const [typesPath, metaPath, resultPath, ...opts] = process.argv.slice(2);
const types = JSON.parse(readFileSync(typesPath, 'utf8'));
const meta = JSON.parse(readFileSync(metaPath, 'utf8'));
const result = JSON.parse(readFileSync(resultPath, 'utf8'));
const opt = (name) => {
  const i = opts.indexOf(name);
  return i >= 0 ? opts[i + 1] : undefined;
};
const problems = [];
const check = (ok, what) => {
  if (!ok) problems.push(what);
};

check(String(meta.created_by).startsWith('qberg version '), `created_by ${meta.created_by}`);
check(Number(meta.num_rows) === result.record_count, `num_rows ${meta.num_rows} vs ${result.record_count}`);
check(Number(meta.file_size_bytes) === result.file_size, `file size ${meta.file_size_bytes} vs ${result.file_size}`);
check(meta.key_value_metadata.some((kv) => kv.key === 'qberg.test'), 'key_value_metadata qberg.test missing');
check(meta.column_orders.every((o) => o.includes('TypeDefinedOrder')), 'column_orders');

// ---- schema: depth-first walk of TYPES.json next to DuckDB's parquet_schema rows ----
const physical = (t) =>
  ({ bool: 'BOOLEAN', i8: 'INT32', i32: 'INT32', date: 'INT32', i64: 'INT64', ts: 'INT64', tstz: 'INT64', f32: 'FLOAT',
     f64: 'DOUBLE', str: 'BYTE_ARRAY', bin: 'BYTE_ARRAY', fixed: 'FIXED_LEN_BYTE_ARRAY', uuid: 'FIXED_LEN_BYTE_ARRAY',
     i96: 'INT96', dec: t.prec <= 9 ? 'INT32' : t.prec <= 18 ? 'INT64' : 'FIXED_LEN_BYTE_ARRAY' })[t.t];
const want = {
  str: ['UTF8', /^StringType/],
  date: ['DATE', /^DateType/],
  ts: ['TIMESTAMP_MICROS', /^TimestampType\(isAdjustedToUTC=0, .*MICROS=MicroSeconds/],
  tstz: ['TIMESTAMP_MICROS', /^TimestampType\(isAdjustedToUTC=1, .*MICROS=MicroSeconds/],
  dec: ['DECIMAL', /^DecimalType/],
  uuid: [null, /^UUIDType/],
  i8: ['INT_8', /^IntType/],
  list: ['LIST', /^ListType/],
  map: ['MAP', /^MapType/],
};
let at = 0;
const rows = meta.schema;
const next = () => rows[at++] ?? {};
const root = next();
check(root.field_id === null, `root has field_id ${root.field_id}`);
check(Number(root.num_children) === types.kids.length, 'root num_children');
function walk(t) {
  const e = next();
  const where = `schema element ${e.name} (${t.name})`;
  check(e.name === t.name, `${where}: name`);
  check(Number(e.field_id) === t.id, `${where}: field_id ${e.field_id}, want ${t.id}`);
  check(e.repetition_type === (t.optional ? 'OPTIONAL' : 'REQUIRED'), `${where}: repetition ${e.repetition_type}`);
  const w = want[t.t];
  if (w) {
    check(e.converted_type === w[0], `${where}: converted_type ${e.converted_type}, want ${w[0]}`);
    check(w[1].test(String(e.logical_type)), `${where}: logical_type ${e.logical_type}`);
  } else if (t.t !== 'struct') {
    check(e.converted_type === null && e.logical_type === null, `${where}: unexpected annotation ${e.converted_type}`);
  }
  if (t.t === 'dec') check(Number(e.scale) === t.scale && Number(e.precision) === t.prec, `${where}: scale/precision`);
  if (t.t === 'uuid') check(Number(e.type_length) === 16, `${where}: uuid length`);
  if (t.t === 'struct') {
    check(Number(e.num_children) === t.kids.length, `${where}: num_children`);
    t.kids.forEach(walk);
  } else if (t.t === 'list' || t.t === 'map') {
    const mid = next();
    const name = t.t === 'list' ? 'list' : 'key_value';
    check(mid.name === name && mid.repetition_type === 'REPEATED', `${where}: middle group ${mid.name}`);
    check(mid.field_id === null, `${where}: middle group has field_id ${mid.field_id}`);
    check(Number(mid.num_children) === t.kids.length, `${where}: middle group children`);
    if (t.t === 'map') check(t.kids[0].optional === false, 'map key must be required');
    t.kids.forEach(walk);
  } else {
    check(e.type === physical(t), `${where}: type ${e.type}, want ${physical(t)}`);
  }
}
types.kids.forEach(walk);
check(at === rows.length, `schema has ${rows.length} elements, walked ${at}`);

// ---- row groups and column chunks ----
const rgs = meta.row_groups;
check(rgs.length === result.split_offsets.length, `row groups ${rgs.length} vs split_offsets ${result.split_offsets.length}`);
const minRg = Number(opt('--min-row-groups') ?? 0);
check(rgs.length >= minRg, `row groups ${rgs.length} < ${minRg}`);
let dictSeen = false, dbaSeen = false;
rgs.forEach((rg, i) => {
  const c0 = rg.columns[0];
  const start = Math.min(...[c0.dictionary_page_offset, c0.data_page_offset].filter((x) => x !== null).map(Number));
  check(start === result.split_offsets[i], `row group ${i}: starts at ${start}, split offset ${result.split_offsets[i]}`);
  for (const c of rg.columns) if (String(c.encodings).includes('DICTIONARY')) dictSeen = true;
  for (const c of rg.columns) if (String(c.encodings).includes('DELTA_BYTE_ARRAY')) dbaSeen = true;
});
if (opt('--delta-byte-array'))
  check(dbaSeen === (opt('--delta-byte-array') === 'yes'), `DELTA_BYTE_ARRAY encodings seen: ${dbaSeen}`);
if (opt('--dict')) check(dictSeen === (opt('--dict') === 'yes'), `dictionary encodings seen: ${dictSeen}`);
result.columns.forEach((col, ci) => {
  let values = 0, nulls = 0, size = 0;
  for (const rg of rgs) {
    const c = rg.columns[ci];
    check(c.path_in_schema === col.path.split('.').join(', '), `column ${ci}: path ${c.path_in_schema} vs ${col.path}`);
    values += Number(c.num_values);
    nulls += Number(c.stats_null_count);
    size += Number(c.total_compressed_size);
  }
  check(values === col.values, `column ${col.path}: num_values ${values} vs ${col.values}`);
  check(nulls === col.nulls, `column ${col.path}: null_count ${nulls} vs ${col.nulls}`);
  check(size === col.size, `column ${col.path}: compressed size ${size} vs ${col.size}`);
});

if (problems.length) {
  for (const p of problems.slice(0, 20)) console.log(p);
  process.exit(1);
}
console.log(`ok metadata: ${rows.length} schema elements, ${rgs.length} row groups`);
