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

echo "v1_writes: $pass passed, $fail failed"
[ "$fail" = 0 ]
