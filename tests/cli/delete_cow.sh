#!/usr/bin/env bash
# Copy-on-write through the CLI: `delete --where` and `append --overwrite` with filters that match only some
# rows of files (NULLs kept). The rows at the new and the previous snapshot are checked against the
# expectation computed here from the input, by qberg, by icebird (iceberg-scan.mjs) and, for the rewritten
# data files, by DuckDB (parquet-rows.mjs); `fsck --deep` must find the table clean.
set -u
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAILED: $*"; fail=$((fail + 1)); }
W=$TMPDIR/wh
q() { "$QBERG" -w "$W" "$@"; }
ids() { python3 -c 'import json,sys; print(" ".join(str(i) for i in sorted(int(json.loads(l)["id"]) for l in sys.stdin if l.strip())))'; }
SCHEMA='{"type":"struct","fields":[{"id":1,"name":"id","required":true,"type":"long"},{"id":2,"name":"basis","required":false,"type":"string"},{"id":3,"name":"n","required":false,"type":"int"}]}'

# ids 0..29, basis by id % 3, n = id % 10 except null when id % 5 == 0
python3 -c '
import json
for i in range(30):
    print(json.dumps({"id": i, "basis": ["sto-3g", "6-31g", "cc-pvdz"][i % 3], "n": None if i % 5 == 0 else i % 10}))
' >"$TMPDIR/rows.jsonl"
# the expectation: SQL semantics, a row whose n is null does not match "n < 3"
want_all=$(ids <"$TMPDIR/rows.jsonl")
want_del=$(python3 -c '
import json
print(" ".join(str(r["id"]) for r in map(json.loads, open("'"$TMPDIR/rows.jsonl"'")) if not (r["n"] is not None and r["n"] < 3)))')

q ns create db >/dev/null
q create db.t --schema "$SCHEMA" --partition basis >/dev/null || bad "create"
s1=$(q append db.t "$TMPDIR/rows.jsonl") || bad "append"
q --json delete db.t --where "n < 3" >"$TMPDIR/del.json" || bad "delete: $(cat "$TMPDIR/del.json")"
nkept=$(wc -w <<<"$want_del")
python3 -c "import json; d=json.load(open('$TMPDIR/del.json')); assert d['removed-files']==3 and d['added-files']==3 and d['removed-records']==30 and d['added-records']==$nkept, d" &&
  ok || bad "delete counts: $(cat "$TMPDIR/del.json")"
s2=$(python3 -c "import json; print(json.load(open('$TMPDIR/del.json'))['snapshot-id'])")

# qberg: the new snapshot and the previous one
[ "$(q scan db.t --format jsonl | ids)" = "$want_del" ] && ok || bad "rows after delete: $(q scan db.t --format jsonl | ids)"
[ "$(q scan db.t --format jsonl --as-of "$s1" | ids)" = "$want_all" ] && ok || bad "time travel to $s1"
q --json snapshots db.t | python3 -c '
import json,sys
d=json.load(sys.stdin); s=d[-1]["summary"]
assert d[-1]["operation"]=="overwrite", d[-1]
assert (s["deleted-data-files"], s["added-data-files"], s["deleted-records"], s["total-records"]) == ("3","3","30","'"$nkept"'"), s
' && ok || bad "snapshot summary"
# icebird, at both snapshots
[ "$(node "$QB_ORACLES/iceberg-scan.mjs" "$W/db/t" --snapshot-id "$s2" 2>/dev/null | ids)" = "$want_del" ] && ok || bad "icebird @ $s2"
[ "$(node "$QB_ORACLES/iceberg-scan.mjs" "$W/db/t" --snapshot-id "$s1" 2>/dev/null | ids)" = "$want_all" ] && ok || bad "icebird @ $s1"
# DuckDB reads every new data file; each holds only its own basis
q --json files db.t >"$TMPDIR/files.jsonl" || bad "files"
: >"$TMPDIR/duck.jsonl"
while read -r path basis; do
  node "$QB_ORACLES/parquet-rows.mjs" "$path" 2>/dev/null >"$TMPDIR/one.jsonl" || bad "duckdb $path"
  python3 -c "import json,sys; assert all(json.loads(l)['basis']=='$basis' for l in open('$TMPDIR/one.jsonl')), '$path'" || bad "partition of $path"
  cat "$TMPDIR/one.jsonl" >>"$TMPDIR/duck.jsonl"
done < <(python3 -c '
import json,sys
for l in open(sys.argv[1]):
    d=json.loads(l); print(d["file_path"], d["partition"].split("=", 1)[1])' "$TMPDIR/files.jsonl")
[ "$(ids <"$TMPDIR/duck.jsonl")" = "$want_del" ] && ok || bad "duckdb rows: $(ids <"$TMPDIR/duck.jsonl")"
q fsck db.t --deep >"$TMPDIR/fsck" 2>&1 && grep -q 'clean' "$TMPDIR/fsck" && ok || bad "fsck: $(cat "$TMPDIR/fsck")"

# append --overwrite with a filter that splits files: ids >= 20 go, 500 and 501 come
printf '%s\n' '{"id":500,"basis":"sto-3g","n":1}' '{"id":501,"basis":null,"n":null}' >"$TMPDIR/new.jsonl"
q --json append db.t "$TMPDIR/new.jsonl" --overwrite "id >= 20" >"$TMPDIR/ow.json" || bad "overwrite: $(cat "$TMPDIR/ow.json")"
want_ow=$(python3 -c "print(' '.join(str(i) for i in sorted([int(x) for x in '$want_del'.split() if int(x) < 20] + [500, 501])))")
[ "$(q scan db.t --format jsonl | ids)" = "$want_ow" ] && ok || bad "rows after overwrite: $(q scan db.t --format jsonl | ids)"
s3=$(python3 -c "import json; print(json.load(open('$TMPDIR/ow.json'))['snapshot-id'])")
[ "$(node "$QB_ORACLES/iceberg-scan.mjs" "$W/db/t" --snapshot-id "$s3" 2>/dev/null | ids)" = "$want_ow" ] && ok || bad "icebird @ $s3"
[ "$(node "$QB_ORACLES/iceberg-scan.mjs" "$W/db/t" --snapshot-id "$s2" 2>/dev/null | ids)" = "$want_del" ] && ok || bad "icebird @ $s2 after overwrite"
[ "$(q --json snapshots db.t | python3 -c 'import json,sys; print(json.load(sys.stdin)[-1]["operation"])')" = overwrite ] && ok || bad "overwrite operation"
q fsck db.t --deep >"$TMPDIR/fsck" 2>&1 && grep -q 'clean' "$TMPDIR/fsck" && ok || bad "fsck after overwrite: $(cat "$TMPDIR/fsck")"

# a delete that matches nothing leaves the rows alone
q delete db.t --where "n = 100" >/dev/null && ok || bad "empty delete"
[ "$(q scan db.t --format jsonl | ids)" = "$want_ow" ] && ok || bad "rows after empty delete"

# a decimal widened past 18 digits: files written before hold it as INT64, the rewrite writes it as bytes
# (before, delete, overwrite and compaction of such files failed "decimal(27) values are BYTES")
q create db.w --schema '{"type":"struct","fields":[{"id":1,"name":"id","required":true,"type":"long"},{"id":2,"name":"d","required":false,"type":"decimal(18,2)"}]}' --partition 'bucket(2,d)' >/dev/null || bad "create db.w"
printf '%s\n' '{"id":1,"d":"5"}' '{"id":2,"d":"-9999999999999999.99"}' '{"id":3,"d":"-9999999999999999.99"}' '{"id":4,"d":"12.5"}' >"$TMPDIR/w.jsonl"
q append db.w "$TMPDIR/w.jsonl" >/dev/null || bad "append db.w"
q alter db.w widen d 'decimal(27,2)' >/dev/null || bad "widen db.w"
q delete db.w --where "id = 1" >"$TMPDIR/wd.out" 2>&1 && ok || bad "delete after widening: $(cat "$TMPDIR/wd.out")"
[ "$(q scan db.w --format csv --columns id,d | sort | tr '\n' ' ')" = "2,-9999999999999999.99 3,-9999999999999999.99 4,12.50 id,d " ] && ok ||
  bad "rows after delete on widened decimal: $(q scan db.w --format csv --columns id,d)"
printf '%s\n' '{"id":5,"d":"1.5"}' | q append db.w - >/dev/null || bad "append db.w 2"
q maintain compact db.w --min-input-files 2 >"$TMPDIR/wc.out" 2>&1 && ok || bad "compact after widening: $(cat "$TMPDIR/wc.out")"
[ "$(q scan db.w --format csv --columns id,d | sort | tr '\n' ' ')" = "2,-9999999999999999.99 3,-9999999999999999.99 4,12.50 5,1.50 id,d " ] && ok ||
  bad "rows after compacting a widened decimal: $(q scan db.w --format csv --columns id,d)"
q fsck db.w --deep >"$TMPDIR/fsck" 2>&1 && grep -q 'clean' "$TMPDIR/fsck" && ok || bad "fsck db.w: $(cat "$TMPDIR/fsck")"

echo "delete_cow: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
