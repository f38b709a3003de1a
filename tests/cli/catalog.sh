# The catalog verbs: namespaces, create, tables, info, alter, snapshots, history, refs, rename, drop, their
# exit codes and JSON; concurrent 'qberg alter' processes in both commit modes land every commit once;
# tables written by Spark and DuckDB are read through the hint, a DuckDB stem hint and listing.
set -eu
W=$TMPDIR/wh
q() { "$QBERG" -w "$W" "$@"; }
fail() { echo "FAIL: $*"; exit 1; }
js() { python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }
SCHEMA='{"type":"struct","fields":[{"id":1,"name":"x","required":true,"type":"long"},{"id":2,"name":"s","required":false,"type":"string"}]}'

q ns create db
q ns create db 2>"$TMPDIR/err" && fail "creating a namespace twice"
grep -q '^qberg: QB_EEXISTS: creating namespace db: ' "$TMPDIR/err" || fail "namespace exists message: $(cat "$TMPDIR/err")"
out=$(q create db.t --schema "$SCHEMA" --property a=b)
[ "$out" = "$W/db/t/metadata/v1.metadata.json" ] || fail "create printed $out"
[ "$(wc -c <"$W/db/t/metadata/version-hint.text")" = 1 ] || fail "the hint is not one byte"
[ "$(cat "$W/db/t/metadata/version-hint.text")" = 1 ] || fail "hint"
[ "$(q tables)" = db.t ] || fail "tables"
[ "$(q tables db)" = db.t ] || fail "tables db"
[ "$(q namespaces)" = db ] || fail "namespaces"
[ "$(q ns list)" = db ] || fail "ns list"
[ "$(q --json tables)" = '["db.t"]' ] || fail "tables --json"
[ "$(q alter db.t set-property k=v c=d)" = 2 ] || fail "alter did not print version 2"
[ "$(q alter db.t unset-property c)" = 3 ] || fail "unset"
q --json info db.t | js 'p=d["properties"]; assert d["version"]==3 and p["k"]=="v" and p["a"]=="b" and "c" not in p and d["current-snapshot-id"]==-1, d'
q info db.t | grep -q '^version: *3$' || fail "info text"
q info "$W/db/t/metadata/v2.metadata.json" | grep -q '^version: *2$' || fail "info of an explicit metadata file"
[ "$(q --json snapshots db.t)" = '[]' ] || fail "snapshots of an empty table"
[ "$(q --json refs db.t)" = '[]' ] || fail "refs of an empty table"
[ "$(q --json history db.t)" = '[]' ] || fail "history of an empty table"
# --json is UTF-8 whatever the names hold: a table directory whose name is not UTF-8 is listed with U+FFFD
# (before, the raw byte went out and no JSON reader took the list)
mkdir -p "$W/db/$(printf 'b\xffd')" && cp -r "$W/db/t/metadata" "$W/db/$(printf 'b\xffd')/"
[ "$(q --json tables db)" = '["db.b\ufffdd","db.t"]' ] || fail "tables --json of a non-UTF-8 name: $(q --json tables db)"
rm -rf "$W/db/$(printf 'b\xffd')"

# errors: exit 1 with the code word, usage mistakes exit 2
set +e
q info db.nope 2>"$TMPDIR/err"; [ $? = 1 ] || fail "missing table exit"
grep -q '^qberg: QB_ENOTFOUND: loading table db.nope: ' "$TMPDIR/err" || fail "missing table message"
"$QBERG" info db.t 2>"$TMPDIR/err"; [ $? = 1 ] || fail "no warehouse exit"
grep -q 'no warehouse is set' "$TMPDIR/err" || fail "no warehouse message"
q info 2>/dev/null; [ $? = 2 ] || fail "info without TABLE"
q alter db.t frobnicate x 2>/dev/null; [ $? = 2 ] || fail "alter with an unknown action"
# a Parquet codec or level the writers would refuse is refused by alter, naming the properties; nothing changes
for kv in write.parquet.compression-codec=lz4 write.parquet.compression-codec=lzo write.parquet.compression-codec=bogus \
  write.parquet.compression-level=99 write.parquet.compression-level=x; do
  q alter db.t set-property "$kv" 2>"$TMPDIR/err"; [ $? = 1 ] || fail "alter accepted $kv"
  grep -q "^qberg: QB_EINVAL: table db.t: nothing changed: write.parquet.compression-" "$TMPDIR/err" ||
    fail "$kv message: $(cat "$TMPDIR/err")"
done
grep -q 'compression-level=x: not an integer' "$TMPDIR/err" || fail "level x: $(cat "$TMPDIR/err")"
q alter db.t set-property write.parquet.compression-codec=lz4 2>"$TMPDIR/err"
grep -q 'codec LZ4 (Hadoop framing, deprecated by Parquet) cannot be written: use lz4_raw' "$TMPDIR/err" || fail "lz4"
[ "$(q alter db.t set-property write.parquet.compression-codec=gzip)" = 4 ] || fail "gzip refused"
q alter db.t set-property write.parquet.compression-level=12 2>"$TMPDIR/err"; [ $? = 1 ] || fail "gzip level 12"
grep -q 'compression-codec=gzip, write.parquet.compression-level=12: compression level 12 is out of range for GZIP (0-9)' \
  "$TMPDIR/err" || fail "gzip 12: $(cat "$TMPDIR/err")"
[ "$(q alter db.t set-property write.parquet.compression-codec=zstd write.parquet.compression-level=12)" = 5 ] ||
  fail "zstd 12 refused"
[ "$(q alter db.t unset-property write.parquet.compression-codec write.parquet.compression-level)" = 6 ] || fail "unset"
q create db.t --schema "$SCHEMA" 2>"$TMPDIR/err"; [ $? = 1 ] || fail "create twice"
grep -q 'QB_EEXISTS' "$TMPDIR/err" || fail "create twice message"
q create db.z --schema '{"type":"struct","fields":[{"id":1}]}' 2>"$TMPDIR/err"; [ $? = 1 ] || fail "bad schema"
grep -q '^qberg: QB_ECORRUPT: --schema: ' "$TMPDIR/err" || fail "bad schema message: $(cat "$TMPDIR/err")"
QBERG_COMMIT_MODE=sideways q alter db.t set-property k=w 2>/dev/null; [ $? = 2 ] || fail "bad QBERG_COMMIT_MODE"
q ns drop db 2>"$TMPDIR/err"; [ $? = 1 ] || fail "dropping a non-empty namespace"
grep -q 'is not empty' "$TMPDIR/err" || fail "non-empty namespace message"
# no table or namespace inside a table's directory, no table over a namespace holding one: the outer table's
# remove-orphans took the inner one's files for its own (and drop removed them); before, all four were made
q create db.t.x --schema "$SCHEMA" 2>"$TMPDIR/err"; [ $? = 1 ] || fail "a table inside table db.t"
grep -q '^qberg: QB_EINVAL: creating table db.t.x: db.t is a table ' "$TMPDIR/err" || fail "nested table message: $(cat "$TMPDIR/err")"
q ns create db.t.sub 2>"$TMPDIR/err"; [ $? = 1 ] || fail "a namespace inside table db.t"
q ns create db.holder; q create db.holder.y --schema "$SCHEMA" >/dev/null
q rename db.holder.y db.t.y 2>"$TMPDIR/err"; [ $? = 1 ] || fail "renamed into table db.t"
q create db.holder --schema "$SCHEMA" 2>"$TMPDIR/err"; [ $? = 1 ] || fail "a table over namespace db.holder"
grep -q "QB_EINVAL: creating table db.holder: $W/db/holder is a namespace holding 'y'" "$TMPDIR/err" ||
  fail "table over a namespace message: $(cat "$TMPDIR/err")"
[ ! -e "$W/db/t/x" ] && [ ! -e "$W/db/t/sub" ] && [ ! -e "$W/db/t/y" ] && [ ! -e "$W/db/holder/metadata" ] || fail "left something"
q drop db.holder.y >/dev/null; q ns drop db.holder
set -e

# concurrent commits through the CLI: 8 processes x 25 commits (x 10 with the lock; tests/catalog/test_commit.c
# runs 8 processes x 100 through the same library calls), every one lands,
# exactly once, on a linear history
for mode in exclusive lock; do
  per=25; [ $mode = lock ] && per=10
  total=$((8 * per))
  q create "db.c_$mode" --schema "$SCHEMA" --property commit.retry.num-retries=10000 \
    --property commit.retry.min-wait-ms=1 --property commit.retry.max-wait-ms=20 >/dev/null
  for i in 1 2 3 4 5 6 7 8; do
    (for j in $(seq 1 $per); do
       QBERG_COMMIT_MODE=$mode QBERG_LOCK_LEASE_MS=2000 q alter "db.c_$mode" set-property "w-$i-$j=1" >/dev/null || exit 1
     done) &
  done
  ok=1
  for job in $(jobs -p); do wait "$job" || ok=0; done
  [ $ok = 1 ] || fail "a concurrent alter failed ($mode)"
  q --json info "db.c_$mode" | js "assert d['version']==$total+1, d['version']; assert sum(k.startswith('w-') for k in d['properties'])==$total"
  python3 - "$W/db/c_$mode/metadata" "$total" <<'EOF' || fail "history of $mode is not linear"
import json, sys
d, total = sys.argv[1], int(sys.argv[2])
for v in range(2, total + 2):
    cur = json.load(open(f"{d}/v{v}.metadata.json")); prev = json.load(open(f"{d}/v{v-1}.metadata.json"))
    assert cur["metadata-log"][-1]["metadata-file"].endswith(f"/v{v-1}.metadata.json"), v
    added = set(cur["properties"]) - set(prev["properties"])
    assert len(added) == 1 and set(prev["properties"]) <= set(cur["properties"]), (v, added)
EOF
  [ -z "$(ls -A "$W/db/c_$mode/metadata/_qberg_lock" 2>/dev/null)" ] || fail "lock objects left behind ($mode)"
  # qberg fsck: every metadata-log file there; a hint left behind by a slower writer is the only thing allowed
  q fsck "db.c_$mode" >"$TMPDIR/fsck" || ! grep -v ': version-hint: \|: PROBLEMS: ' "$TMPDIR/fsck" | grep -q ': [a-z-]*: ' ||
    fail "fsck after the race ($mode): $(cat "$TMPDIR/fsck")"
  grep -q "^db.c_$mode: \(clean\|PROBLEMS\): 0 snapshots" "$TMPDIR/fsck" || fail "fsck summary ($mode): $(cat "$TMPDIR/fsck")"
done

# rename and drop
q rename db.t other.t
[ "$(q tables)" = "db.c_exclusive
db.c_lock
other.t" ] || fail "tables after rename: $(q tables)"
q --json info other.t | js 'assert d["version"]==6 and d["directory"].endswith("/other/t")'
q drop other.t --purge
q drop db.c_lock
[ "$(q tables)" = db.c_exclusive ] || fail "tables after drop"
[ ! -e "$W/other/t" ] || fail "dropped table directory still there"

# tables written by other engines (tests/data/iceberg/PROVENANCE.md)
D=$QB_TEST_DATA/iceberg
"$QBERG" --json info "$D/icebird-spark-rename-column" | js 'assert d["version"]==3 and d["current-snapshot-id"]==5276958600260276572 and d["location"]=="s3a://hyperparam-iceberg/spark/rename_column"'
"$QBERG" --json snapshots "$D/icebird-spark-rename-column" | js 'assert [s["snapshot-id"] for s in d]==[5276958600260276572] and d[0]["summary"]["total-records"]=="4"'
"$QBERG" --json info "$D/duckdb-is-null" | js 'assert d["metadata-file"].endswith("/00001-43ceeb9a-cd0d-4556-b1e2-513b5bf88ff8.metadata.json") and d["version"]==1'
"$QBERG" --json history "$D/duckdb-is-null" | js 'assert [(e["snapshot-id"], e["parent-id"], e["is-current-ancestor"]) for e in d]==[(1222714758486840798, 2353095958979530531, True)], d'
"$QBERG" --json info "$D/icebird-athena-example" | js 'assert d["current-snapshot-id"]==6838723292707092922'
"$QBERG" --json refs "$D/icebird-athena-example" | js 'assert d==[{"name":"main","type":"branch","snapshot-id":6838723292707092922,"max-ref-age-ms":None,"min-snapshots-to-keep":None,"max-snapshot-age-ms":None}], d'
"$QBERG" --json info "$D/duckdb-lineitem-v1-gz-nohint" | js 'assert d["version"]==2 and d["format-version"]==1'
# a warehouse that does not exist (a mistyped -w) is an error for the verbs that list it, not an empty one
for verb in tables namespaces "fsck --all" "maintain all"; do
  rc=0; "$QBERG" -w "$TMPDIR/no-such-wh" $verb >/dev/null 2>"$TMPDIR/err" || rc=$?
  [ $rc = 1 ] || { echo "FAIL: $verb on a missing warehouse exited $rc"; exit 1; }
  grep -q "QB_ENOTFOUND: warehouse $TMPDIR/no-such-wh does not exist" "$TMPDIR/err" ||
    { echo "FAIL: $verb message: $(cat "$TMPDIR/err")"; exit 1; }
done
[ ! -e "$TMPDIR/no-such-wh" ] || { echo "FAIL: listing a missing warehouse created it"; exit 1; }
# ns create/drop, rename and drop answer --json with what they did (they printed nothing), and stay silent
# without it
J="$TMPDIR/jsonverbs"
qj() { "$QBERG" -w "$J" "$@"; }
qj --json ns create 'j"s' | js 'assert d=={"namespace":"j\"s","created":True}, d'
[ -z "$(qj ns create plain)" ] || fail "ns create printed text"
qj create 'j"s.t' --schema '{"type":"struct","fields":[{"id":1,"name":"a","required":false,"type":"long"}]}' >/dev/null
qj rename 'j"s.t' 'j"s.u' --json | js 'assert d=={"table":"j\"s.t","renamed_to":"j\"s.u"}, d'
qj drop 'j"s.u' --purge --json | js 'assert d=={"table":"j\"s.u","dropped":True,"purge":True}, d'
qj --json ns drop 'j"s' | js 'assert d=={"namespace":"j\"s","dropped":True}, d'
[ -z "$(qj ns drop plain)" ] || fail "ns drop printed text"
[ "$(qj tables)" = "" ] || fail "tables left: $(qj tables)"
# a commit time before 1970 prints as a time in snapshots, history and metadata show, as in info (it printed
# the raw number: -1001)
cp -r "$QB_TEST_DATA/iceberg/duckdb-is-null" "$TMPDIR/old1969"
python3 - "$TMPDIR/old1969" <<'PY'
import glob, json, sys
p = sorted(glob.glob(sys.argv[1] + "/metadata/*.metadata.json"))[-1]
d = json.load(open(p))
cur = d["current-snapshot-id"]
for s in d["snapshots"]:
    if s["snapshot-id"] == cur: s["timestamp-ms"] = -1001
for e in d["snapshot-log"]:
    if e["snapshot-id"] == cur: e["timestamp-ms"] = -1001
json.dump(d, open(p, "w"))
PY
"$QBERG" snapshots "$TMPDIR/old1969" | grep -q "^1222714758486840798 .* 1969-12-31T23:59:58.999Z " || fail "snapshots before 1970: $("$QBERG" snapshots "$TMPDIR/old1969")"
"$QBERG" history "$TMPDIR/old1969" | grep -q "^1969-12-31T23:59:58.999Z 1222714758486840798 " || fail "history before 1970: $("$QBERG" history "$TMPDIR/old1969")"
"$QBERG" metadata show "$(ls "$TMPDIR"/old1969/metadata/*.metadata.json | sort | tail -n 1)" | grep -q "1969-12-31T23:59:58.999Z" || fail "metadata show before 1970"
# output that cannot be written (a full disk under `scan > out.csv`) is an error: it was lost with exit 0
if [ -w /dev/full ]; then
  rc=0; q tables >/dev/full 2>"$TMPDIR/err" || rc=$?
  [ $rc = 1 ] && grep -q "^qberg: QB_EIO: writing standard output: No space left on device" "$TMPDIR/err" \
    || fail "tables > /dev/full: rc $rc, $(cat "$TMPDIR/err")"
  rc=0; q scan db.t --format csv >/dev/full 2>/dev/null || rc=$?
  [ $rc = 1 ] || fail "scan > /dev/full: rc $rc"
fi
echo "catalog.sh: all checks passed"
