#!/usr/bin/env node
// Compares manifest / manifest-list entries read by qberg (`qberg manifest FILE --json`, v2 field names) with
// the records avsc decodes from the same file (`avro-dump.mjs FILE --records-only`), after putting the avsc
// records into v2 shape the way the Iceberg spec says a v2 reader must:
//   list:     v1 names (added_data_files_count ...) -> v2 names; missing content -> 0; missing sequence
//             numbers -> 0 (v1); missing counts, contains_nan, key_metadata -> null
//   manifest: missing data_file fields -> null (content -> 0); with the list entry that references the
//             manifest: null snapshot_id -> its added_snapshot_id, null sequence numbers -> its
//             sequence_number for ADDED entries or when that is 0 (Java InheritableMetadataFactory);
//             without one: v1 manifests ("format-version" "1" in the header given by --header, or no
//             sequence_number field) -> 0
// Usage: node manifest-compare.mjs list OURS.jsonl AVSC.jsonl
//        node manifest-compare.mjs manifest OURS.jsonl AVSC.jsonl [LIST_AVSC.jsonl MANIFEST_BASENAME] [--header H]
//          (H: the manifest's `avro-dump.mjs --schema-only` output)
//        node manifest-compare.mjs entry LIST_AVSC.jsonl MANIFEST_BASENAME   (exit 0 iff the list references it)
// Long integers of 16+ digits are compared exactly (as strings). Exit 0 when equal, 1 with a diff otherwise.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// JSON with integers of 16+ digits kept exact (as strings)
export const parseExact = (text) => JSON.parse(text.replace(/([:\[,]\s*)(-?\d{16,})(?=\s*[,\]\}])/g, '$1"$2"'));
export const parseLines = (text) => text.split('\n').filter((l) => l.trim()).map(parseExact);
const lines = (f) => parseLines(readFileSync(f, 'utf8'));
const big = (x) => (x === null || x === undefined ? x : String(x)); // compare ids as text
const pick = (o, ...names) => { for (const n of names) if (o && o[n] !== undefined) return o[n]; return undefined; };
const orNull = (x) => (x === undefined ? null : x);

export function findEntry(records, base) {
  return records.find((r) => r.manifest_path === base || r.manifest_path.endsWith('/' + base));
}
const listEntry = (listFile, base) => findEntry(lines(listFile), base);

function normList(r) {
  return {
    manifest_path: r.manifest_path,
    manifest_length: big(r.manifest_length),
    partition_spec_id: r.partition_spec_id,
    content: r.content ?? 0,
    sequence_number: big(r.sequence_number ?? 0),
    min_sequence_number: big(r.min_sequence_number ?? 0),
    added_snapshot_id: big(r.added_snapshot_id),
    added_files_count: orNull(pick(r, 'added_files_count', 'added_data_files_count')),
    existing_files_count: orNull(pick(r, 'existing_files_count', 'existing_data_files_count')),
    deleted_files_count: orNull(pick(r, 'deleted_files_count', 'deleted_data_files_count')),
    added_rows_count: big(orNull(r.added_rows_count)),
    existing_rows_count: big(orNull(r.existing_rows_count)),
    deleted_rows_count: big(orNull(r.deleted_rows_count)),
    partitions: r.partitions == null ? null : r.partitions.map((s) => ({
      contains_null: s.contains_null,
      contains_nan: orNull(s.contains_nan),
      lower_bound: orNull(s.lower_bound),
      upper_bound: orNull(s.upper_bound),
    })),
    key_metadata: orNull(r.key_metadata),
  };
}

const DF_FIELDS = ['column_sizes', 'value_counts', 'null_value_counts', 'nan_value_counts', 'lower_bounds',
  'upper_bounds', 'key_metadata', 'split_offsets', 'equality_ids', 'sort_order_id', 'referenced_data_file'];

// version: the manifest's "format-version" metadata, if known
function normEntry(r, list, version) {
  const df = r.data_file;
  const v1 = version ? version === '1' : !('sequence_number' in r);
  let sid = r.snapshot_id, seq = r.sequence_number, fseq = r.file_sequence_number;
  if (list) {
    const lseq = Number(list.sequence_number ?? 0);
    const take = lseq === 0 || r.status === 1;
    if (sid == null) sid = list.added_snapshot_id;
    if (seq == null && take) seq = lseq;
    if (fseq == null && take) fseq = lseq;
  } else if (v1) {
    seq = 0;
    fseq = 0;
  }
  const out = {
    status: r.status,
    snapshot_id: big(orNull(sid)),
    sequence_number: big(orNull(seq)),
    file_sequence_number: big(orNull(fseq)),
    data_file: {
      content: df.content ?? 0,
      file_path: df.file_path,
      file_format: df.file_format,
      partition: df.partition ?? {},
      record_count: big(df.record_count),
      file_size_in_bytes: big(df.file_size_in_bytes),
    },
  };
  for (const k of DF_FIELDS) out.data_file[k] = orNull(df[k]);
  if (out.data_file.split_offsets) out.data_file.split_offsets = out.data_file.split_offsets.map(big);
  for (const k of ['column_sizes', 'value_counts', 'null_value_counts', 'nan_value_counts'])
    if (out.data_file[k]) out.data_file[k] = out.data_file[k].map((e) => ({ key: e.key, value: big(e.value) }));
  return out;
}

// our output, re-shaped identically (it is already v2-shaped and inherited; this only makes big ints strings)
function normOurs(kind, o) { return kind === 'list' ? normList(o) : normEntry(o, null, '2'); }

function canon(v) {
  if (Array.isArray(v)) return v.map(canon);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])]));
  return typeof v === 'number' || typeof v === 'bigint' ? String(v) : v;
}

/* Compare qberg's records (v2 JSON) with avsc's (any layout): an array of difference messages. */
export function compare(kind, ours, avsc, listRecord, version) {
  const a = ours.map((o) => canon(normOurs(kind, o)));
  const b = avsc.map((r) => canon(kind === 'list' ? normList(r) : normEntry(r, listRecord, version)));
  const diffs = [];
  if (a.length !== b.length) diffs.push(`entries: qberg ${a.length}, avsc ${b.length}`);
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = JSON.stringify(a[i]), y = JSON.stringify(b[i]);
    if (x !== y) diffs.push(`entry ${i} differs:\n  qberg ${x}\n  avsc  ${y}`);
  }
  return diffs;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  let version;
  const hi = argv.indexOf('--header');
  if (hi >= 0) {
    version = JSON.parse(readFileSync(argv[hi + 1], 'utf8')).metadata['format-version'];
    argv.splice(hi, 2);
  }
  const [kind, a, b, c, d] = argv;
  if (kind === 'entry') process.exit(listEntry(a, b) ? 0 : 1);
  if (!['list', 'manifest'].includes(kind) || !a || !b) {
    console.error('usage: manifest-compare.mjs list|manifest OURS AVSC [LIST_AVSC BASENAME] [--header H]');
    process.exit(2);
  }
  const list = c ? listEntry(c, d) : null;
  if (c && !list) { console.error(`${c} does not reference ${d}`); process.exit(1); }
  const diffs = compare(kind, lines(a), lines(b), list, version);
  for (const m of diffs) console.log(m);
  process.exit(diffs.length ? 1 : 0);
}
