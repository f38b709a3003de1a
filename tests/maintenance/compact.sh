#!/usr/bin/env bash
# Compaction (qb_compact through tests/tools/compact_run): many small appends are compacted into fewer
# files holding the same rows at the current snapshot and at every older one (time travel), fsck --deep is
# clean, icebird reads the table and DuckDB the new files; corpus tables with position and equality deletes
# are compacted with their deletes applied and the delete files removed.
set -u
Q=${QBERG:?}
C="${QB_BUILD:?}/tools/compact_run"
D=${QB_TEST_DATA:?}
O=${QB_ORACLES:?}
T=$(mktemp -d)
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
# JSON lines (qberg, icebird or DuckDB) -> sorted "id|p|v" lines
norm() { node -e '
  const ls = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean).map(l => {
    const r = JSON.parse(l.replace(/([:\[,]\s*)(-?\d{16,})(?=\s*[,\]\}])/g, "$1\"$2\""));
    return [r.id, r.p, r.v].map(x => x === undefined || x === null ? "null" : String(Number(x) === Number(x) && typeof x !== "string" ? x : x)).join("|");
  });
  ls.sort(); for (const l of ls) console.log(l);' "$1"; }
json_get() { node -e 'console.log(JSON.parse(require("fs").readFileSync(0,"utf8"))[process.argv[1]])' "$1"; }

schema='{"type":"struct","fields":[{"id":1,"name":"id","required":true,"type":"long"},{"id":2,"name":"p","required":false,"type":"string"},{"id":3,"name":"v","required":false,"type":"double"}]}'
"$Q" -w "$T/wh" create db.t --schema "$schema" --partition p >/dev/null || { echo "create failed"; exit 1; }
for i in $(seq 1 12); do
  printf '{"id":%d,"p":"a","v":%d.25}\n{"id":%d,"p":"b","v":-%d}\n{"id":%d,"p":"b","v":null}\n' \
    $i $i $((i + 100)) $i $((i + 200)) >"$T/rows.jsonl"
  "$Q" -w "$T/wh" append db.t "$T/rows.jsonl" >/dev/null || bad "append $i"
done
snaps=$("$Q" -w "$T/wh" snapshots db.t --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{for(const m of s.matchAll(/"snapshot-id":(\d+)/g))console.log(m[1])})')
for s in $snaps; do "$Q" -w "$T/wh" scan db.t --as-of "$s" --format jsonl >"$T/before.$s" || bad "scan @ $s"; done
files_before=$("$Q" -w "$T/wh" files db.t | tail -n +2 | wc -l)
[ "$files_before" = 24 ] && ok || bad "files before: $files_before"

# a dry run changes nothing and says what would happen
"$C" "$T/wh/db/t" --dry-run >"$T/dry" || bad "dry run"
[ "$(json_get files_in <"$T/dry")" = 24 ] && [ "$(json_get snapshot_id <"$T/dry")" = -1 ] && ok || bad "dry run report: $(cat "$T/dry")"
[ "$("$Q" -w "$T/wh" snapshots db.t | wc -l)" = 13 ] && ok || bad "dry run committed"
# a filter restricts it to one partition
"$C" "$T/wh/db/t" --dry-run --where "p = 'a'" >"$T/dry" || bad "dry run filter"
[ "$(json_get files_in <"$T/dry")" = 12 ] && [ "$(json_get partitions <"$T/dry")" = 1 ] && ok || bad "filter report: $(cat "$T/dry")"
"$C" "$T/wh/db/t" --where "nope = 1" >/dev/null 2>"$T/err" && bad "bad filter accepted" || ok
grep -q "partition filter" "$T/err" && ok || bad "bad filter message: $(cat "$T/err")"

"$C" "$T/wh/db/t" >"$T/rep" || bad "compact: $(cat "$T/rep")"
[ "$(json_get files_in <"$T/rep")" = 24 ] && [ "$(json_get files_out <"$T/rep")" = 2 ] &&
  [ "$(json_get partitions <"$T/rep")" = 2 ] && ok || bad "report: $(cat "$T/rep")"
files_after=$("$Q" -w "$T/wh" files db.t | tail -n +2 | wc -l)
[ "$files_after" = 2 ] && ok || bad "files after: $files_after"
"$Q" -w "$T/wh" snapshots db.t | tail -n 1 | grep -q ' replace ' && ok || bad "last snapshot is not a replace"
"$Q" -w "$T/wh" scan db.t --format jsonl >"$T/after" || bad "scan after"
last=$(echo "$snaps" | tail -n 1)
[ "$(norm "$T/after")" = "$(norm "$T/before.$last")" ] && [ "$(wc -l <"$T/after")" = 36 ] && ok || bad "rows after compaction"
for s in $snaps; do
  "$Q" -w "$T/wh" scan db.t --as-of "$s" --format jsonl >"$T/again" || bad "scan again @ $s"
  cmp -s "$T/again" "$T/before.$s" && ok || bad "time travel @ $s differs"
done
"$Q" -w "$T/wh" fsck db.t --deep >"$T/fsck" && ok || bad "fsck after compaction: $(cat "$T/fsck")"
# icebird reads the compacted table
if node "$O/iceberg-scan.mjs" "$T/wh/db/t" >"$T/icebird" 2>"$T/err"; then
  [ "$(norm "$T/icebird")" = "$(norm "$T/after")" ] && ok || bad "icebird rows differ"
else bad "icebird: $(tail -c 300 "$T/err")"; fi
# DuckDB reads the new data files: together they hold the rows
: >"$T/duck"
for f in $("$Q" -w "$T/wh" files db.t | tail -n +2 | awk '{print $NF}'); do
  node "$O/parquet-rows.mjs" "$f" >>"$T/duck" 2>"$T/err" || bad "duckdb $f: $(tail -c 300 "$T/err")"
done
[ "$(norm "$T/duck")" = "$(norm "$T/after")" ] && ok || bad "duckdb rows differ"
# nothing left to compact
"$C" "$T/wh/db/t" >"$T/rep" && [ "$(json_get snapshot_id <"$T/rep")" = -1 ] && ok || bad "second compaction: $(cat "$T/rep")"

# tables of other engines with deletes: copy, compact, same rows, delete files gone
for c in icebird-java-bunnies:2; do
  name=${c%%:*} want=${c##*:}
  rm -rf "$T/$name"; cp -r "$D/iceberg/$name" "$T/$name"
  "$Q" scan "$T/$name" --format jsonl >"$T/b" || bad "$name scan"
  "$C" "$T/$name" >"$T/rep" || bad "$name compact: $(cat "$T/rep")"
  [ "$(json_get delete_files_removed <"$T/rep")" = "$want" ] && ok || bad "$name report: $(cat "$T/rep")"
  "$Q" scan "$T/$name" --format jsonl >"$T/a" || bad "$name scan after"
  [ "$(sort "$T/a")" = "$(sort "$T/b")" ] && [ -s "$T/a" ] && ok || bad "$name rows differ"
  "$Q" files "$T/$name" | tail -n +2 | grep -qv '^data ' && bad "$name still has delete files" || ok
  [ "$("$Q" files "$T/$name" | tail -n +2 | wc -l)" = 1 ] && ok || bad "$name: not one data file"
  "$Q" fsck "$T/$name" --deep >"$T/fsck" && ok || bad "$name fsck: $(cat "$T/fsck")"
done
# duckdb-equality-deletes: 4 equality delete files on 2 data files (an old manifest list was not copied,
# so only the current snapshot is checked)
rm -rf "$T/eq"; cp -r "$D/iceberg/duckdb-equality-deletes" "$T/eq"
"$Q" scan "$T/eq" --format jsonl | sort >"$T/b"
"$C" "$T/eq" >"$T/rep" && [ "$(json_get delete_files_removed <"$T/rep")" = 4 ] && ok || bad "eq compact: $(cat "$T/rep")"
"$Q" scan "$T/eq" --format jsonl | sort >"$T/a"
cmp -s "$T/a" "$T/b" && [ "$(wc -l <"$T/a")" = 2 ] && ok || bad "eq rows differ"

# A target below the row group size (one row group per file): the ingest's files come out near the target,
# and compaction, run twice, finds nothing to do the second time (the files were 1/16 of the target and
# every run rewrote them all); a target below a footer's size neither makes a file per row nor rewrites
# the files again and again. The rows stay the same.
"$Q" generate --experiments 4 --seed 11 --out "$T/raw1" >/dev/null || bad "generate 1"
"$Q" generate --experiments 40 --seed 12 --iterations 8-12 --out "$T/raw2" >/dev/null || bad "generate 2"
"$Q" -w "$T/vq" ingest --raw "$T/raw1" --no-features >/dev/null || bad "ingest 1"
IP=quantum_features.iteration_parameters
"$Q" -w "$T/vq" alter $IP set-property write.target-file-size-bytes=24000 >/dev/null || bad "alter target"
"$Q" -w "$T/vq" ingest --raw "$T/raw2" --no-features >/dev/null || bad "ingest 2"
before=$("$Q" -w "$T/vq" scan $IP --columns parameter_id --format csv | tail -n +2 | sort | md5sum)
sizes=$("$Q" -w "$T/vq" --json files $IP | node -e '
  const fs = require("fs").readFileSync(0, "utf8").split("\n").filter(Boolean).map(l => JSON.parse(l));
  const s = fs.filter(f => f.content === "data").map(f => f.file_size_in_bytes);
  console.log(s.length, s.filter(x => x >= 18000 && x <= 43200).length)')
set -- $sizes
# all but the last file of each of the partitions (3 basis sets; 6 with the first batch's files)
[ "${1:-0}" -ge 12 ] && [ "${2:-0}" -ge $(($1 - 6)) ] && ok || bad "file sizes near 24 kB: $sizes (files, in 0.75-1.8x)"
"$Q" -w "$T/vq" maintain compact $IP >"$T/c1" 2>&1 || bad "first compact: $(cat "$T/c1")"
"$Q" -w "$T/vq" maintain compact $IP >"$T/c2" 2>&1 && grep -q 'nothing to compact' "$T/c2" && ok ||
  bad "second compact: $(cat "$T/c2")"
"$Q" -w "$T/vq" maintain compact $IP --target-size 1000 >"$T/c3" 2>&1 && grep -q ' rewritten into ' "$T/c3" && ok ||
  bad "compact to 1000: $(cat "$T/c3")"
"$Q" -w "$T/vq" maintain compact $IP --target-size 1000 >"$T/c4" 2>&1 && grep -q 'nothing to compact' "$T/c4" && ok ||
  bad "compact to 1000 again: $(cat "$T/c4")"
after=$("$Q" -w "$T/vq" scan $IP --columns parameter_id --format csv | tail -n +2 | sort | md5sum)
[ "$before" = "$after" ] && ok || bad "rows changed by the compactions"

# a table with a sort order (Spark's WRITE ORDERED BY): appends and compaction write rows as they come, so their
# files are recorded in the unsorted order 0; before, they claimed the table's order 1 (id ASC) for rows 3,1,2
"$Q" -w "$T/so" create db.s --schema '{"type":"struct","fields":[{"id":1,"name":"id","required":true,"type":"long"}]}' >/dev/null
python3 - "$T/so/db/s/metadata" <<'PY'
import json, sys
d = sys.argv[1]; v = int(open(d + '/version-hint.text').read())
m = json.load(open(f'{d}/v{v}.metadata.json'))
m['sort-orders'].append({"order-id": 1, "fields": [{"transform": "identity", "source-id": 1, "direction": "asc", "null-order": "nulls-first"}]})
m['default-sort-order-id'] = 1
json.dump(m, open(f'{d}/v{v + 1}.metadata.json', 'w')); open(d + '/version-hint.text', 'w').write(str(v + 1))
PY
printf '{"id":3}\n{"id":1}\n{"id":2}\n' >"$T/unsorted.jsonl"
"$Q" -w "$T/so" append db.s "$T/unsorted.jsonl" >/dev/null && "$Q" -w "$T/so" append db.s "$T/unsorted.jsonl" >/dev/null &&
  "$Q" -w "$T/so" maintain compact db.s --min-input-files 2 >/dev/null || bad "sorted table: append or compact"
ids=$(for m in "$T"/so/db/s/metadata/*-m*.avro; do "$Q" manifest "$m" --json; done | grep -o '"sort_order_id":[^,}]*' | sort | uniq -c)
[ "$(echo "$ids" | awk '{print $2}')" = '"sort_order_id":0' ] && ok || bad "sort order ids of unsorted files: $ids"

# an old-spec file whose rows fan out to more partitions of the new spec than the writer keeps open (64):
# the group is written in passes of 64 partitions, one file per partition. Before, a partition's file was
# finished whenever 64 others were open and the next row of it started a new one: one unsorted file of
# 51,793 rows into month x truncate partitions became 43,555 files (155 MB from 1.2 MB).
"$Q" -w "$T/fan" create db.f --schema '{"type":"struct","fields":[{"id":1,"name":"id","required":true,"type":"long"},{"id":2,"name":"s","required":false,"type":"string"}]}' >/dev/null
awk 'BEGIN { for (i = 0; i < 600; i++) printf "{\"id\":%d,\"s\":\"x%d\"}\n", i, i }' >"$T/fan.jsonl"
"$Q" -w "$T/fan" append db.f "$T/fan.jsonl" >/dev/null || bad "fan-out: append"
"$Q" -w "$T/fan" alter db.f add-partition-field 'bucket(200,id)' >/dev/null || bad "fan-out: new spec"
"$Q" -w "$T/fan" --json maintain compact db.f --min-input-files 1 >"$T/fan.json" || bad "fan-out: compact"
parts=$("$Q" -w "$T/fan" files db.f | awk 'NR > 1 {print $3}' | sort -u | wc -l)
files=$("$Q" -w "$T/fan" files db.f | awk 'NR > 1' | wc -l)
[ "$parts" -gt 64 ] && [ "$files" = "$parts" ] && ok || bad "fan-out: $files files for $parts partitions: $(cat "$T/fan.json")"
[ "$("$Q" -w "$T/fan" scan db.f --format csv | tail -n +2 | sort -n | md5sum)" = "$(awk -F'[:,"]+' '{print $3 "," $5}' "$T/fan.jsonl" | sort -n | md5sum)" ] &&
  ok || bad "fan-out: rows after the compaction"

rm -rf "$T"
echo "compact: $pass passed, $fail failed"
[ "$fail" = 0 ]
