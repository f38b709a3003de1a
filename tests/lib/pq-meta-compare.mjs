#!/usr/bin/env node
// Compare `qberg parquet meta --json` with DuckDB's view of the same footer (tests/oracles/parquet-meta.mjs):
// file facts, the schema depth-first (names, physical types, repetition, converted types, field ids) and, per
// row group and column chunk, path, type, codec, encodings, num_values, page offsets, sizes, null counts and
// integer min/max. Usage: node pq-meta-compare.mjs OURS.json DUCK.json  (exit 1 on a difference).
import { readFileSync } from 'node:fs';

const [ours, duck] = process.argv.slice(2).map(f => JSON.parse(readFileSync(f, 'utf8')));
const diffs = [];
const eq = (what, a, b) => { if (String(a) !== String(b)) diffs.push(`${what}: ours ${JSON.stringify(a)} vs DuckDB ${JSON.stringify(b)}`); };
const n = v => (v === null || v === undefined ? null : Number(v));

eq('num_rows', ours.num_rows, n(duck.num_rows));
eq('created_by', ours.created_by, duck.created_by);
eq('format_version', ours.format_version, n(duck.format_version));
eq('file_size', ours.file_size, n(duck.file_size_bytes));
eq('footer_size', ours.footer_size, n(duck.footer_size));
eq('row groups', ours.row_groups.length, duck.row_groups.length);

const flat = [];
(function walk(node) { flat.push(node); for (const c of node.children ?? []) walk(c); })(ours.schema);
eq('schema elements', flat.length, duck.schema.length);
flat.forEach((o, i) => {
  const d = duck.schema[i] ?? {};
  eq(`schema[${i}].name`, o.name, d.name);
  if (o.type) eq(`schema[${i}].type`, o.type, d.type);
  if (i > 0) eq(`schema[${i}].repetition`, o.repetition, d.repetition_type);
  eq(`schema[${i}].field_id`, o.field_id ?? null, n(d.field_id));
  eq(`schema[${i}].converted_type`, o.converted_type ?? null, d.converted_type ?? null);
});

ours.row_groups.forEach((g, gi) => {
  const dg = duck.row_groups[gi] ?? { columns: [] };
  eq(`rg${gi}.num_rows`, g.num_rows, dg.num_rows);
  g.columns.forEach((c, ci) => {
    const d = dg.columns[ci] ?? {}, at = `rg${gi}.${c.path}`;
    eq(`${at}.path`, c.path, String(d.path_in_schema).split(', ').join('.'));
    eq(`${at}.type`, c.type, d.type);
    eq(`${at}.codec`, c.codec, d.codec);
    eq(`${at}.encodings`, c.encodings.join(', '), d.encodings);
    for (const k of ['num_values', 'data_page_offset', 'total_compressed_size', 'total_uncompressed_size'])
      eq(`${at}.${k}`, c[k], n(d[k]));
    if (d.file_offset != null) eq(`${at}.file_offset`, c.file_offset, n(d.file_offset)); /* DuckDB: null unless 0 */
    eq(`${at}.dictionary_page_offset`, c.dictionary_page_offset ?? null, n(d.dictionary_page_offset));
    if (c.statistics?.null_count !== undefined && d.stats_null_count != null) eq(`${at}.null_count`, c.statistics.null_count, n(d.stats_null_count));
    if (c.type === 'INT32' || c.type === 'INT64') {
      const dmin = d.stats_min_value ?? d.stats_min, dmax = d.stats_max_value ?? d.stats_max;
      if (typeof c.statistics?.min === 'number' && dmin != null && /^-?\d+$/.test(dmin)) eq(`${at}.min`, c.statistics.min, n(dmin));
      if (typeof c.statistics?.max === 'number' && dmax != null && /^-?\d+$/.test(dmax)) eq(`${at}.max`, c.statistics.max, n(dmax));
    }
  });
});
if (diffs.length) { for (const d of diffs.slice(0, 15)) console.error(d); process.exit(1); }
