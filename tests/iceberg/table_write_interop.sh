#!/usr/bin/env bash
# Tables qberg writes, read by other readers at EVERY snapshot: a partitioned table (day(ts), identity(basis),
# bucket(4, id)) and an unpartitioned one go through appends (merge and fast, tagged), an overwrite by filter,
# a partition replacement, a delete by filter, a copy-on-write delete that splits files, a rewrite
# (compaction) and a schema change followed by more appends. After that, each snapshot is scanned by qberg (--as-of), by icebird (iceberg-scan.mjs
# --snapshot-id), and computed by tests/lib/iceberg-expected.mjs (avsc manifests + DuckDB data files); all
# three must hold the same rows.
set -u
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAILED: $*"; fail=$((fail + 1)); }
wh="$TMPDIR/wh"
q() { "$QBERG" -w "$wh" "$@"; }
schema='{"type":"struct","fields":[
 {"id":1,"name":"id","required":true,"type":"long"},
 {"id":2,"name":"basis","required":false,"type":"string"},
 {"id":3,"name":"ts","required":false,"type":"timestamptz"},
 {"id":4,"name":"energy","required":false,"type":"double"},
 {"id":5,"name":"day","required":false,"type":"date"},
 {"id":6,"name":"amount","required":false,"type":"decimal(10,2)"},
 {"id":7,"name":"ok","required":false,"type":"boolean"},
 {"id":8,"name":"n","required":false,"type":"int"}]}'
# rows [from, to): basis by id % 3, day by id % 4
rows() {
  local from=$1 to=$2 extra=${3:-}
  awk -v a="$from" -v b="$to" -v extra="$extra" 'BEGIN {
    split("sto-3g 6-31g cc-pvdz", bs, " ");
    for (i = a; i < b; i++) {
      d = 1 + i % 4;
      printf "{\"id\":%d,\"basis\":\"%s\",\"ts\":\"2024-01-%02dT%02d:%02d:00Z\",\"energy\":%d.25,\"day\":\"2024-01-%02d\",\"amount\":\"%d.%02d\",\"ok\":%s,\"n\":%d%s}\n",
        i, bs[i % 3 + 1], d, i % 24, i % 60, i, d, i, i % 100, (i % 2 ? "true" : "false"), i * 7, extra;
    }
  }'
}

q ns create db >/dev/null || bad "ns create"
q create db.p --schema "$schema" --partition "day(ts),basis,bucket(4,id)" >/dev/null || bad "create db.p"
q create db.u --schema "$schema" --property write.parquet.compression-codec=gzip >/dev/null || bad "create db.u"

for t in db.p db.u; do
  rows 0 100 >"$TMPDIR/r1.jsonl"; rows 100 200 >"$TMPDIR/r2.jsonl"; rows 200 300 >"$TMPDIR/r3.jsonl"
  q append $t "$TMPDIR/r1.jsonl" --tag b1 >/dev/null || bad "$t append 1"
  q append $t "$TMPDIR/r2.jsonl" --fast >/dev/null || bad "$t append 2"
  q append $t "$TMPDIR/r3.jsonl" --tag b3 >/dev/null || bad "$t append 3"
done
# overwrite: partitioned by the identity column (from partition values); unpartitioned by the first file's id range
rows 1000 1030 | grep '"sto-3g"' >"$TMPDIR/o.jsonl"
q append db.p "$TMPDIR/o.jsonl" --overwrite "basis = 'sto-3g'" >/dev/null || bad "db.p overwrite"
rows 1000 1010 >"$TMPDIR/o.jsonl"
q append db.u "$TMPDIR/o.jsonl" --overwrite "id < 100" >/dev/null || bad "db.u overwrite"
# replace partitions (dynamic overwrite) on the partitioned table
rows 2000 2004 >"$TMPDIR/rp.jsonl"
q append db.p "$TMPDIR/rp.jsonl" --replace-partitions >/dev/null || bad "db.p replace partitions"
# delete by filter
q delete db.p --where "basis = '6-31g' AND ts < '2024-01-02'" >/dev/null || bad "db.p delete"
q delete db.u --where "id >= 200 AND id < 300" >/dev/null || bad "db.u delete"
# a delete whose filter splits files rewrites them without the matching rows (copy-on-write)
q delete db.p --where "id = 151 OR id = 155" >/dev/null && ok || bad "db.p partial delete"
q delete db.u --where "id = 150 OR id = 151" >/dev/null && ok || bad "db.u partial delete"
# rewrite (compaction) through the public API
for t in p u; do
  "$QB_BUILD/tools/tbl_rewrite" "$wh/db/$t" >/dev/null || bad "rewrite db.$t"
done
# schema evolution, then more rows in the new layout
for t in db.p db.u; do
  q alter $t add-column note string >/dev/null || bad "$t add-column"
  q alter $t rename-column energy e_hartree >/dev/null || bad "$t rename"
  q alter $t widen n long >/dev/null || bad "$t widen"
  rows 3000 3012 ',"note":"new"' | sed 's/"energy"/"e_hartree"/' >"$TMPDIR/r4.jsonl"
  q append $t "$TMPDIR/r4.jsonl" >/dev/null || bad "$t append after evolution"
done

# every snapshot of both tables, three readers
: >"$TMPDIR/oracle-cases"
: >"$TMPDIR/compare-cases"
k=0
for t in p u; do
  dir="$wh/db/$t"
  md=$(basename "$(q info db.$t --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)["metadata-file"]))')")
  snaps=$(q snapshots db.$t --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{for(const m of s.matchAll(/"snapshot-id":(\d+)/g))console.log(m[1])})')
  n=0
  for s in $snaps; do
    n=$((n + 1)); k=$((k + 1))
    q scan db.$t --as-of "$s" --format jsonl >"$TMPDIR/ours.$k" || { bad "qberg scan db.$t @ $s"; continue; }
    q schema db.$t --as-of "$s" --json >"$TMPDIR/schema.$k" || { bad "qberg schema db.$t @ $s"; continue; }
    if node "$QB_ORACLES/iceberg-scan.mjs" "$dir" --snapshot-id "$s" >"$TMPDIR/icebird.$k" 2>"$TMPDIR/err"; then
      echo "$TMPDIR/schema.$k $TMPDIR/ours.$k $TMPDIR/icebird.$k 1 db.$t@$s:icebird" >>"$TMPDIR/compare-cases"
    else
      bad "icebird db.$t @ $s: $(tail -c 300 "$TMPDIR/err")"
    fi
    echo "$TMPDIR/exp.$k $dir $md --snapshot-id $s" >>"$TMPDIR/oracle-cases"
    echo "$TMPDIR/schema.$k $TMPDIR/ours.$k $TMPDIR/exp.$k 0 db.$t@$s:duckdb" >>"$TMPDIR/compare-cases"
  done
  # p: 3 appends, overwrite, replace-partitions, delete, partial delete, rewrite, append; u: the same
  # without the replace
  want=9; [ $t = u ] && want=8
  [ "$n" -eq $want ] && ok || bad "db.$t has $n snapshots, expected $want"
done
node "$QB_ROOT/tests/lib/iceberg-expected.mjs" --batch "$TMPDIR/oracle-cases"
for e in "$TMPDIR"/exp.*.err; do [ -f "$e" ] && bad "oracle: $(head -c 300 "$e")"; done
node "$QB_ROOT/tests/lib/iceberg-compare.mjs" --batch "$TMPDIR/compare-cases" >"$TMPDIR/compared"
pass=$((pass + $(grep -c '^ok ' "$TMPDIR/compared")))
while read -r line; do bad "${line#FAILED }"; done < <(grep '^FAILED' "$TMPDIR/compared")

# the final contents, by arithmetic: db.u lost ids 0-99 (overwritten by 1000-1009), 200-299, 150 and 151,
# gained 3000-3011
cnt=$(q scan db.u --format jsonl | wc -l)
[ "$cnt" -eq $((100 + 10 + 12 - 2)) ] && ok || bad "db.u has $cnt rows"
q scan db.u --format jsonl --where "id >= 150 AND id < 152" | grep -q . && bad "db.u still has 150/151" || ok
echo "table_write_interop: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
