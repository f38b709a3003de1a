#!/usr/bin/env bash
# Commits to format v1 tables of other engines (DuckDB name mapping; Spark with inline manifests): the snapshot
# gets sequence number 0 as Java gives it in v1 (no last-sequence-number to advance), so the table loads
# again afterwards with the right rows, at the new and the old snapshot, and fsck --deep finds nothing new.
# Before, the snapshot was numbered 1 and the next load refused the table ("sequence number 1 greater than
# last-sequence-number 0").
set -u
data="$QB_TEST_DATA/iceberg"
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAILED: $*"; fail=$((fail + 1)); }
rows() { "$QBERG" scan "$@" --format csv | tail -n +2 | wc -l; }

# append to a v1 table with manifest lists
cp -r "$data/duckdb-name-mapping" "$TMPDIR/nm"
printf '{"a":1,"b":2}\n{"a":2,"b":null}\n' >"$TMPDIR/r.jsonl"
"$QBERG" append "$TMPDIR/nm" "$TMPDIR/r.jsonl" >/dev/null || bad "append to v1 table"
[ "$(rows "$TMPDIR/nm" 2>&1)" = 10002 ] && ok || bad "v1 after append: $(rows "$TMPDIR/nm" 2>&1 | tail -c 300)"
grep -q '"format-version":1' "$TMPDIR/nm/metadata/v8.metadata.json" && ok || bad "not written back as v1"
grep -q '"sequence-number"' "$TMPDIR/nm/metadata/v8.metadata.json" && bad "v1 snapshot has a sequence number" || ok
[ "$("$QBERG" snapshots "$TMPDIR/nm" | awk 'NR > 1 {print $3}' | sort -u)" = 0 ] && ok || bad "seq not 0"
[ "$(rows "$TMPDIR/nm" --where 'a <= 2 AND b IS NOT NULL')" = 1 ] && ok || bad "filter on the new rows"
# delete by filter (copy-on-write: rewrites the file), then the table still loads
"$QBERG" delete "$TMPDIR/nm" --where 'a < 5000' >/dev/null || bad "delete from v1 table"
[ "$(rows "$TMPDIR/nm" 2>&1)" = 5000 ] && ok || bad "v1 after delete: $(rows "$TMPDIR/nm" 2>&1 | tail -c 300)"
"$QBERG" fsck "$TMPDIR/nm" --deep >"$TMPDIR/fsck" 2>&1
grep -q 'greater than last-sequence-number\|QB_ECORRUPT' "$TMPDIR/fsck" && bad "fsck: $(tail -3 "$TMPDIR/fsck")" || ok

# delete from a v1 table whose snapshot has inline manifests (Spark, no manifest list)
cp -r "$data/duckdb-v1-inline-manifests" "$TMPDIR/inl"
first=$("$QBERG" snapshots "$TMPDIR/inl" | awk 'NR == 2 {print $1}')
"$QBERG" delete "$TMPDIR/inl" --where "category = 'alpha'" >/dev/null || bad "delete from inline v1 table"
[ "$(rows "$TMPDIR/inl" 2>&1)" = 1 ] && ok || bad "inline v1 after delete: $(rows "$TMPDIR/inl" 2>&1 | tail -c 300)"
[ "$(rows "$TMPDIR/inl" --as-of "$first" 2>&1)" = 3 ] && ok || bad "inline v1 old snapshot"
"$QBERG" fsck "$TMPDIR/inl" --deep >"$TMPDIR/fsck" 2>&1 && ok || bad "fsck inline: $(tail -3 "$TMPDIR/fsck")"

# append to it: the new list carries the inline manifests with their length (from the file) and counts (from
# their entries), as Java's GenericManifestFile does; before, every append failed ("path, length and spec id
# are required")
cp -r "$data/duckdb-v1-inline-manifests" "$TMPDIR/inl2"
printf '{"id":10,"category":"gamma","amount":5}\n' >"$TMPDIR/r2.jsonl"
"$QBERG" append "$TMPDIR/inl2" "$TMPDIR/r2.jsonl" >/dev/null && ok || bad "append to inline v1 table"
"$QBERG" append "$TMPDIR/inl2" "$TMPDIR/r2.jsonl" --fast >/dev/null && ok || bad "fast append to inline v1 table"
[ "$(rows "$TMPDIR/inl2" 2>&1)" = 5 ] && ok || bad "inline v1 after appends: $(rows "$TMPDIR/inl2" 2>&1 | tail -c 300)"
[ "$(rows "$TMPDIR/inl2" --where "category = 'alpha'")" = 2 ] && ok || bad "inline v1 old rows after append"
"$QBERG" fsck "$TMPDIR/inl2" --deep >"$TMPDIR/fsck" 2>&1 && ok || bad "fsck inline after append: $(tail -3 "$TMPDIR/fsck")"
node "$QB_ORACLES/avro-dump.mjs" "$(ls -t "$TMPDIR"/inl2/metadata/snap-*.avro | head -1)" --records-only >"$TMPDIR/list.jsonl" && ok || bad "avsc reads the new list"
node -e '
const recs = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
const old = recs.find(r => r.manifest_path.endsWith("d65f86b0-b799-467f-b1f4-9c697e4c4fc7-m0.avro"));
process.exit(old && old.manifest_length === 6147 && old.added_files_count === 2 && old.added_rows_count === 3 ? 0 : 1);' \
  "$TMPDIR/list.jsonl" && ok || bad "inline manifest entry in the new list: $(cat "$TMPDIR/list.jsonl")"

# partition evolution of a v1 table: v1 partition field ids are implicit (1000, 1001, ... by position), so a
# dropped field stays as a void transform with its id and name (Java BaseUpdatePartitionSpec; Java's
# TableMetadata refuses a v1 spec whose ids are not sequential), a field added again takes the next id and
# renames the void one name_<id>; before, the field was removed, leaving [1001] in the default spec
cp -r "$data/duckdb-v1-inline-manifests" "$TMPDIR/pe"
"$QBERG" alter "$TMPDIR/pe" add-partition-field 'bucket(2,id)' >/dev/null && ok || bad "v1 add-partition-field"
"$QBERG" alter "$TMPDIR/pe" drop-partition-field category >/dev/null && ok || bad "v1 drop-partition-field"
"$QBERG" append "$TMPDIR/pe" "$TMPDIR/r2.jsonl" >/dev/null && ok || bad "v1 append after the drop"
"$QBERG" alter "$TMPDIR/pe" add-partition-field category >/dev/null && ok || bad "v1 add the field again"
"$QBERG" append "$TMPDIR/pe" "$TMPDIR/r2.jsonl" >/dev/null && ok || bad "v1 append after adding it again"
python3 - "$TMPDIR/pe" <<'PY' && ok || bad "v1 specs after the partition evolution"
import json, sys
d = sys.argv[1] + '/metadata/'
m = json.load(open(d + 'v%s.metadata.json' % open(d + 'version-hint.text').read().strip()))
specs = {s['spec-id']: [(f['name'], f['transform'], f['field-id']) for f in s['fields']] for s in m['partition-specs']}
assert specs[2] == [('category', 'void', 1000), ('id_bucket', 'bucket[2]', 1001)], specs
assert specs[3] == [('category_1000', 'void', 1000), ('id_bucket', 'bucket[2]', 1001), ('category', 'identity', 1002)], specs
assert m['default-spec-id'] == 3 and m['last-partition-id'] == 1002, m
assert [(f['name'], f['field-id']) for f in m['partition-spec']] == [(n, i) for n, _, i in specs[3]], m['partition-spec']
PY
[ "$(rows "$TMPDIR/pe" --where "category = 'gamma'")" = 2 ] && ok || bad "v1 rows after the partition evolution"
[ "$(rows "$TMPDIR/pe" --where "category = 'alpha'")" = 2 ] && ok || bad "v1 old rows after the partition evolution"
"$QBERG" fsck "$TMPDIR/pe" --deep >"$TMPDIR/fsck" 2>&1 && ok || bad "fsck after v1 partition evolution: $(tail -3 "$TMPDIR/fsck")"

echo "v1_writes: $pass passed, $fail failed"
[ "$fail" = 0 ]
