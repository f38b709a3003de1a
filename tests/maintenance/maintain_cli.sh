# qberg maintain on a local warehouse: expire (dry run, tag kept, files of expired snapshots gone and nothing
# else), rewrite-manifests, remove-orphans (dry run by default, window), clean-metadata, maintain all --json.
# After each step qberg and icebird (tests/oracles/iceberg-scan.mjs) read the same rows at the current snapshot
# and at every snapshot still kept.
set -eu
W=$TMPDIR/wh
q() { "$QBERG" -w "$W" "$@"; }
fail() { echo "FAIL: $*"; exit 1; }
js() { python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }
T=$W/db/t
NOW_MS=$(($(date +%s) * 1000))
DAY=86400000

q ns create db
QB_TEST_NOW=$((NOW_MS - 11 * DAY)) q create db.t --schema '{"type":"struct","fields":[{"id":1,"name":"id","required":true,"type":"long"},{"id":2,"name":"basis","required":false,"type":"string"}]}' --partition basis >/dev/null
# six appends 10..5 days ago, the third tagged; then a delete of the first batch 4 days ago
for k in 0 1 2 3 4 5; do
  python3 -c "
import json
for i in range($k*10, $k*10+10): print(json.dumps({'id': i, 'basis': ['a','b','c'][i%3]}))" >"$TMPDIR/r$k.jsonl"
  tag=""; [ $k = 2 ] && tag="--tag keep"
  QB_TEST_NOW=$((NOW_MS - (10 - k) * DAY)) q append db.t "$TMPDIR/r$k.jsonl" $tag >/dev/null
done
QB_TEST_NOW=$((NOW_MS - 4 * DAY)) q delete db.t --where "id < 10" >/dev/null

snapshots() { q --json snapshots db.t | python3 -c 'import json,sys
d=json.load(sys.stdin)
for s in (d if isinstance(d, list) else d["snapshots"]): print(s["snapshot-id"])'; }
# every kept snapshot (and the current state) read by qberg and icebird: same rows; fsck --deep clean
check_reads() {
  q fsck db.t --deep >"$TMPDIR/fsck" 2>&1 || fail "$1: fsck: $(cat "$TMPDIR/fsck")"
  for s in $(snapshots) current; do
    if [ $s = current ]; then a=""; o=""; else a="--as-of $s"; o="--snapshot-id $s"; fi
    q scan db.t $a --format jsonl | python3 -c 'import json,sys; print(sorted(json.loads(l)["id"] for l in sys.stdin))' >"$TMPDIR/ours"
    node "$QB_ORACLES/iceberg-scan.mjs" "$T" $o | python3 -c 'import json,sys; print(sorted(int(json.loads(l)["id"]) for l in sys.stdin))' >"$TMPDIR/icebird"
    cmp -s "$TMPDIR/ours" "$TMPDIR/icebird" || fail "$1: snapshot $s: qberg $(cat "$TMPDIR/ours") icebird $(cat "$TMPDIR/icebird")"
    [ -f "$TMPDIR/rows.$s" ] && { cmp -s "$TMPDIR/rows.$s" "$TMPDIR/ours" || fail "$1: snapshot $s reads other rows than before"; }
    cp "$TMPDIR/ours" "$TMPDIR/rows.$s"
  done
}
check_reads initial
[ "$(snapshots | wc -l)" = 7 ] || fail "7 snapshots"

# a tag past its max-ref-age-ms on the first snapshot (which expires anyway): the dry run names it, with its
# name escaped, and each snapshot it would expire (before, only their counts)
first=$(snapshots | head -1)
q tag db.t "old
tag" --snapshot "$first" --max-ref-age-ms 1 >/dev/null
# dry run: lists, changes nothing
find "$T" -type f | sort >"$TMPDIR/files0"
out=$(q maintain expire-snapshots db.t --older-than 3d --dry-run)
echo "$out" | grep -qxF "would remove tag old\ntag (snapshot $first: older than its max-ref-age-ms)" || fail "dry run names the tag: $out"
[ "$(echo "$out" | grep -c '^would expire snapshot [0-9]* (20[0-9-]*T[0-9:.]*Z)$')" = 5 ] || fail "dry run names 5 snapshots: $out"
echo "$out" | sed -n 's/^would expire snapshot \([0-9]*\) .*/\1/p' | sort >"$TMPDIR/would_snaps"
echo "$out" | grep -q '^db.t: expire-snapshots (dry run): expired 5 of 7 snapshots' || fail "dry run: $out"
echo "$out" | grep -q '^would delete manifest-list ' || fail "dry run lists files: $out"
find "$T" -type f | sort | cmp -s - "$TMPDIR/files0" || fail "dry run changed files"
echo "$out" | sed -n 's/^would delete [a-z-]* //p' | sort >"$TMPDIR/would"

# for real: the tag keeps its snapshot, so the deleted batch's file stays; exactly the listed files go
q --json maintain expire-snapshots db.t --older-than 3d >"$TMPDIR/exp.json"
js 'assert d["expired"]==5 and d["deleted"]["failed"]==0 and d["deleted"]["manifest_lists"]==5, d
assert d["removed_refs"]==[{"name":"old\ntag","type":"tag","snapshot_id":'"$first"',"reason":"max-ref-age"}], d
print("\n".join(sorted(str(s["snapshot_id"]) for s in d["expired_snapshots"])))' <"$TMPDIR/exp.json" >"$TMPDIR/expired_snaps" ||
  fail "expire --json: $(cat "$TMPDIR/exp.json")"
cmp -s "$TMPDIR/expired_snaps" "$TMPDIR/would_snaps" || fail "expired other snapshots than the dry run named"
[ "$(snapshots | wc -l)" = 2 ] || fail "2 snapshots left"
# nothing left to expire: both arrays are still there, empty (they were left out: found by exploreR)
q --json maintain expire-snapshots db.t --older-than 3d >"$TMPDIR/exp2.json"
js 'assert d["expired"]==0 and d["removed_refs"]==[] and d["expired_snapshots"]==[], d' <"$TMPDIR/exp2.json" ||
  fail "expire --json with nothing to expire: $(cat "$TMPDIR/exp2.json")"
q refs db.t | grep -q keep || fail "tag kept"
find "$T" -type f | sort >"$TMPDIR/files1"
comm -23 "$TMPDIR/files0" "$TMPDIR/files1" >"$TMPDIR/gone"
cmp -s "$TMPDIR/gone" "$TMPDIR/would" || fail "deleted files differ from the dry run: $(diff "$TMPDIR/gone" "$TMPDIR/would")"
grep -q '/data/' "$TMPDIR/gone" && fail "a data file went while the tag needs it"
[ "$(comm -13 "$TMPDIR/files0" "$TMPDIR/files1" | grep -vc 'metadata/v[0-9]*.metadata.json$')" = 0 ] || fail "new files other than metadata"
check_reads expire

# without the tag the first batch's files become unreachable and go
q tag db.t keep --remove >/dev/null
q --json maintain expire-snapshots db.t --older-than 3d | js 'assert d["expired"]==1 and d["deleted"]["data_files"]==3, d'
check_reads expire2

# compaction: the three partitions' small files into one file each
q --json maintain compact db.t --dry-run | js 'assert d["files_in"]>=6 and d["snapshot_id"]==-1, d'
q --json maintain compact db.t --min-input-files 2 | js 'assert d["files_in"]>=6 and d["files_out"]==3 and d["snapshot_id"]>0, d'
check_reads compact

# rewrite manifests: one manifest per partition group, same rows everywhere
# a dry run says so in its line (before, "N manifests replaced by M" read as done)
q maintain rewrite-manifests db.t --dry-run | grep -q '^db.t: rewrite-manifests (dry run): [0-9]* manifests replaced by 1 ' ||
  fail "rewrite dry run text: $(q maintain rewrite-manifests db.t --dry-run)"
q maintain all db.t --dry-run | grep -q '^db.t: rewrite-manifests (dry run): ' || fail "all --dry-run text: $(q maintain all db.t --dry-run)"
q --json maintain rewrite-manifests db.t | js 'assert d["replaced"]>=2 and d["created"]==1 and d["snapshot_id"]>0, d'
q --json snapshots db.t | grep -q '"operation":"replace"' || fail "replace snapshot"
check_reads rewrite

# orphans: dry run by default, the young one kept, outside never touched
mkdir -p "$T/data/basis=a"
echo x >"$T/data/basis=a/old-orphan.parquet"; touch -d '5 days ago' "$T/data/basis=a/old-orphan.parquet"
echo x >"$T/data/young-orphan.parquet"
echo x >"$W/db/outside.parquet"; touch -d '5 days ago' "$W/db/outside.parquet"
# a killed writer's temporary files (io/local.c names them ".NAME.<16 hex>.tmp"): the old one is an orphan, the
# young one may still be written; another tool's hidden file is not ours to delete, however old
tmp_old="$T/data/basis=a/.00000-0-killed.parquet.0123456789abcdef.tmp"
tmp_young="$T/data/basis=a/.00001-0-writing.parquet.fedcba9876543210.tmp"
crc="$T/data/basis=a/.old-orphan.parquet.crc"
echo x >"$tmp_old"; touch -d '5 days ago' "$tmp_old"
echo x >"$tmp_young"
echo x >"$crc"; touch -d '5 days ago' "$crc"
out=$(q maintain remove-orphans db.t)
echo "$out" | grep -qx "would delete orphan $T/data/basis=a/old-orphan.parquet" || fail "orphan dry run: $out"
echo "$out" | grep -qx "would delete orphan $tmp_old" || fail "temporary file in the dry run: $out"
echo "$out" | grep -q ' 2 too young, 1 hidden, 2 orphans (1 temporary files); ' || fail "dry run summary: $out"
[ -f "$T/data/basis=a/old-orphan.parquet" ] && [ -f "$tmp_old" ] || fail "dry run deleted"
out=$(q --json maintain remove-orphans db.t --delete)
echo "$out" | js 'assert d["orphans"]==2 and d["temp_files"]==1 and d["deleted"]["orphans"]==2 and d["hidden"]==1, d'
[ -f "$T/data/basis=a/old-orphan.parquet" ] && fail "old orphan kept: $out"
[ -f "$tmp_old" ] && fail "old temporary file kept: $out"
[ -f "$T/data/young-orphan.parquet" ] && [ -f "$W/db/outside.parquet" ] || fail "young/outside deleted"
[ -f "$tmp_young" ] && [ -f "$crc" ] || fail "young temporary or foreign hidden file deleted"
check_reads orphans

# clean metadata: refused without the property, then with it
q alter db.t set-property write.metadata.previous-versions-max=2 >/dev/null
q alter db.t set-property x=1 >/dev/null
n0=$(ls "$T/metadata" | grep -c 'metadata.json$')
q maintain clean-metadata db.t | grep -q 'NOT deleted' || fail "clean-metadata without the property"
[ "$(ls "$T/metadata" | grep -c 'metadata.json$')" = "$n0" ] || fail "deleted without the property"
q alter db.t set-property write.metadata.delete-after-commit.enabled=true >/dev/null
q --json maintain clean-metadata db.t | js 'assert d["enabled"] and d["kept"]==3, d'
[ "$(ls "$T/metadata" | grep -c 'metadata.json$')" = 3 ] || fail "3 metadata files kept: $(ls "$T/metadata")"
check_reads metadata

# the routine on the whole warehouse
q ns create other
q create other.u --schema '{"type":"struct","fields":[{"id":1,"name":"id","required":true,"type":"long"}]}' >/dev/null
echo '{"id":1}' >"$TMPDIR/u.jsonl"
q append other.u "$TMPDIR/u.jsonl" >/dev/null
q --json maintain all >"$TMPDIR/all.json"
[ "$(wc -l <"$TMPDIR/all.json")" = 2 ] || fail "one report per table: $(cat "$TMPDIR/all.json")"
python3 -c 'import json,sys
for l in open(sys.argv[1]):
    d=json.loads(l); assert d["ok"] and "expire-snapshots" in d and "remove-orphans" in d, d' "$TMPDIR/all.json" || fail "all: $(cat "$TMPDIR/all.json")"
q maintain all | grep -q '^other.u: clean-metadata: ' || fail "text report"
check_reads all

# --older-than counts from now to the millisecond: straight after a commit, "0s" expires the snapshot before it.
# Started early in a second, so that both commits and the expiry fall into one second, where a clock truncated
# to the second (the cutoff up to 1 s early) expired nothing.
W2=$TMPDIR/wh2
q2() { "$QBERG" -w "$W2" "$@"; }
q2 ns create db
q2 create db.r --schema '{"type":"struct","fields":[{"id":1,"name":"id","required":true,"type":"long"}]}' >/dev/null
while [ $((10#$(date +%N) / 1000000)) -ge 100 ]; do sleep 0.01; done
q2 append db.r "$TMPDIR/u.jsonl" >/dev/null
q2 append db.r "$TMPDIR/u.jsonl" >/dev/null
q2 --json maintain expire-snapshots db.r --older-than 0s | js 'assert d["snapshots"]==2 and d["expired"]==1, d'
q2 --json maintain expire-snapshots db.r --older-than 0s | js 'assert d["snapshots"]==1 and d["expired"]==0, d'
q2 scan db.r --format jsonl | grep -c . | grep -qx 2 || fail "rows after expiring with --older-than 0s"

# rewrite-manifests on tables of other engines whose recorded location is not their directory (Java's
# s3a://…, DuckDB's relative data/persistent/…): the manifest list is read under the table directory, as
# scans do; before, it was opened as recorded (QB_ENOTFOUND) and 'maintain all' failed on such tables
for name in icebird-java-bunnies duckdb-equality-deletes; do
  F=$TMPDIR/foreign-$name
  cp -r "$QB_TEST_DATA/iceberg/$name" "$F"
  before=$("$QBERG" scan "$F" --format jsonl | sort)
  "$QBERG" maintain compact "$F" >/dev/null || fail "$name: compact" # a second data manifest to rewrite
  "$QBERG" --json maintain rewrite-manifests "$F" >"$TMPDIR/rm.json" || fail "$name rewrite-manifests: $(cat "$TMPDIR/rm.json")"
  js 'assert d["snapshot_id"]>0 and d["created"]>=1, d' <"$TMPDIR/rm.json"
  [ "$("$QBERG" scan "$F" --format jsonl | sort)" = "$before" ] || fail "$name: rows changed by rewrite-manifests"
  [ "$(node "$QB_ORACLES/iceberg-scan.mjs" "$F" --count | js 'print(d["rows"])')" = "$(printf '%s\n' "$before" | grep -c .)" ] ||
    fail "$name: icebird after rewrite-manifests"
done

# a table of another engine whose location is not its directory (s3a://…), committed to by qberg and then moved:
# the metadata-log names the files qberg logged by the directory they were written in; remove-orphans and
# clean-metadata find them in the table's metadata/ directory by name. Before, both took every such file of
# the log for an orphan or an old version and deleted it.
F=$TMPDIR/foreign-moved
cp -r "$QB_TEST_DATA/iceberg/icebird-java-bunnies" "$F"
chmod -R u+w "$F"
"$QBERG" alter "$F" set-property k=v >/dev/null || fail "alter 1 on the foreign table"
"$QBERG" alter "$F" set-property k=w >/dev/null || fail "alter 2 on the foreign table"
mv "$F" "$F-2"
find "$F-2" -exec touch -d '5 days ago' {} +
out=$("$QBERG" maintain remove-orphans "$F-2" --delete --verbose)
echo "$out" | grep -q 'metadata.json' && fail "remove-orphans deleted files of the metadata-log: $out"
out=$("$QBERG" maintain clean-metadata "$F-2" --force --dry-run)
echo "$out" | grep -q 'would delete' && fail "clean-metadata would delete files of the metadata-log: $out"
[ "$(ls "$F-2"/metadata/*.metadata.json | wc -l)" = 7 ] || fail "metadata files of the moved table: $(ls "$F-2/metadata")"

# 'all' on a format v1 table: rewrite-manifests (which refuses v1) is left out of the routine instead of
# failing it on every run
cp -r "$QB_TEST_DATA/iceberg/duckdb-name-mapping" "$TMPDIR/v1t"
"$QBERG" maintain all "$TMPDIR/v1t" >"$TMPDIR/all-v1" 2>&1 || fail "all on a v1 table: $(cat "$TMPDIR/all-v1")"
grep -q 'rewrite-manifests' "$TMPDIR/all-v1" && fail "all on v1 ran rewrite-manifests: $(cat "$TMPDIR/all-v1")"
[ "$("$QBERG" scan "$TMPDIR/v1t" --format csv | tail -n +2 | wc -l)" = 10000 ] || fail "v1 rows after all"
# alone it refuses, saying why once (the message repeated its own context: "rewriting manifests of X:
# rewriting manifests of a format v1 table …")
"$QBERG" maintain rewrite-manifests "$TMPDIR/v1t" 2>"$TMPDIR/rw-v1" && fail "rewrite-manifests on v1 succeeded"
grep -qx "qberg maintain rewrite-manifests: $TMPDIR/v1t: QB_EUNSUPPORTED: rewriting manifests of $TMPDIR/v1t: the table is format v1: qberg rewrites the manifests of v2 tables only" "$TMPDIR/rw-v1" || fail "rewrite-manifests v1 message: $(cat "$TMPDIR/rw-v1")"

# statistics files: one Puffin file named by an expired snapshot and a kept one stays (Java deletes the
# statistics files before expiration minus those after); one only expired snapshots name goes. Before, every
# statistics file of an expired snapshot was deleted, and the current snapshot's entry named a missing file.
W3=$TMPDIR/wh3
q3() { "$QBERG" -w "$W3" "$@"; }
q3 ns create db
QB_TEST_NOW=$((NOW_MS - 20 * DAY)) q3 create db.s --schema '{"type":"struct","fields":[{"id":1,"name":"id","required":true,"type":"long"}]}' >/dev/null
for k in 1 2 3; do
  echo "{\"id\":$k}" >"$TMPDIR/s.jsonl"
  QB_TEST_NOW=$((NOW_MS - (11 - k) * DAY)) q3 append db.s "$TMPDIR/s.jsonl" >/dev/null
done
python3 - "$W3/db/s" <<'PY'
import json, sys
d = sys.argv[1]; v = int(open(d + '/metadata/version-hint.text').read())
m = json.load(open(f'{d}/metadata/v{v}.metadata.json'))
ids = [s['snapshot-id'] for s in m['snapshots']]
def stats(i, name):
    open(f'{d}/metadata/{name}', 'wb').write(b'PFA1' + bytes(20) + b'PFA1')
    return {"snapshot-id": i, "statistics-path": f"{m['location']}/metadata/{name}", "file-size-in-bytes": 28,
            "file-footer-size-in-bytes": 4, "blob-metadata": []}
m['statistics'] = [stats(ids[0], 'shared.stats'), stats(ids[1], 'own.stats'), stats(ids[2], 'shared.stats')]
m['metadata-log'].append({"timestamp-ms": m['last-updated-ms'], "metadata-file": f"{m['location']}/metadata/v{v}.metadata.json"})
json.dump(m, open(f'{d}/metadata/v{v + 1}.metadata.json', 'w'))
open(d + '/metadata/version-hint.text', 'w').write(str(v + 1))
PY
out=$(q3 maintain expire-snapshots db.s --older-than 5d --dry-run)
echo "$out" | grep -qx "would delete statistics $W3/db/s/metadata/own.stats" || fail "statistics dry run: $out"
echo "$out" | grep -q 'shared.stats' && fail "dry run would delete a kept snapshot's statistics file: $out"
q3 --json maintain expire-snapshots db.s --older-than 5d | js 'assert d["expired"]==2 and d["deleted"]["statistics"]==1, d'
[ -f "$W3/db/s/metadata/shared.stats" ] || fail "expire deleted the statistics file the current snapshot names"
[ -f "$W3/db/s/metadata/own.stats" ] && fail "the expired snapshot's own statistics file stayed"

# 'all' keeps a table's own retention: history.expire.max-snapshot-age-ms of 30 days keeps snapshots 10 days old
# (before, the routine's 7-day cutoff overrode the property); a table without it still expires after 7 days
QB_TEST_NOW=$((NOW_MS - 40 * DAY)) q3 create db.keep30 --schema '{"type":"struct","fields":[{"id":1,"name":"id","required":true,"type":"long"}]}' >/dev/null
QB_TEST_NOW=$((NOW_MS - 40 * DAY)) q3 create db.keep7 --schema '{"type":"struct","fields":[{"id":1,"name":"id","required":true,"type":"long"}]}' >/dev/null
q3 alter db.keep30 set-property history.expire.max-snapshot-age-ms=$((30 * DAY)) >/dev/null
for k in 1 2 3; do
  echo "{\"id\":$k}" >"$TMPDIR/s.jsonl"
  for t in keep30 keep7; do QB_TEST_NOW=$((NOW_MS - (13 - k) * DAY)) q3 append db.$t "$TMPDIR/s.jsonl" >/dev/null; done
done
q3 --json maintain all db.keep30 | js 'assert d["expire-snapshots"]["expired"]==0, d'
q3 --json maintain all db.keep7 | js 'assert d["expire-snapshots"]["expired"]==2, d'

# a table already inside another's directory (create made db.outer.inner before it refused to; moved here
# by hand) is not the outer table's orphans: remove-orphans deleted every file of it, metadata included
q3 create db.outer --schema '{"type":"struct","fields":[{"id":1,"name":"id","required":true,"type":"long"}]}' >/dev/null
q3 create db.inner --schema '{"type":"struct","fields":[{"id":1,"name":"id","required":true,"type":"long"}]}' >/dev/null
echo '{"id":1}' >"$TMPDIR/s.jsonl"
q3 append db.outer "$TMPDIR/s.jsonl" >/dev/null
q3 append db.inner "$TMPDIR/s.jsonl" >/dev/null
mv "$W3/db/inner" "$W3/db/outer/inner"
echo x >"$W3/db/outer/data/stray.parquet"
find "$W3/db/outer" -exec touch -d '5 days ago' {} +
out=$(q3 maintain remove-orphans db.outer --delete --verbose)
[ "$(echo "$out" | grep -c '^deleted orphan ')" = 1 ] && echo "$out" | grep -qx "deleted orphan $W3/db/outer/data/stray.parquet" ||
  fail "remove-orphans around a nested table: $out"
"$QBERG" scan "$W3/db/outer/inner" --format csv | grep -qx 1 || fail "the nested table lost its files"

# expiring through a handle behind the head (an older metadata file named): both counts are of the version the
# commit built on (before: "expired 3 of 2 snapshots", the total of the older file, the count of the head)
QB_TEST_NOW=$((NOW_MS - 20 * DAY)) q3 create db.stale --schema '{"type":"struct","fields":[{"id":1,"name":"id","required":true,"type":"long"}]}' >/dev/null
for k in 1 2 3 4; do
  echo "{\"id\":$k}" >"$TMPDIR/s.jsonl"
  QB_TEST_NOW=$((NOW_MS - (11 - k) * DAY)) q3 append db.stale "$TMPDIR/s.jsonl" >/dev/null
done
q3 --json maintain expire-snapshots "$W3/db/stale/metadata/v3.metadata.json" --older-than 0s |
  js 'assert d["snapshots"]==4 and d["expired"]==3, d'
[ "$(q3 scan db.stale --format csv | tail -n +2 | sort | tr '\n' ' ')" = "1 2 3 4 " ] || fail "rows after expiring through an older file"

# usage errors
set +e
q maintain expire-snapshots >/dev/null 2>&1; [ $? = 2 ] || fail "no table: exit 2"
q maintain expire-snapshots db.t --older-than yesterday >/dev/null 2>&1; [ $? = 2 ] || fail "bad duration: exit 2"
q maintain remove-orphans db.t --delete --dry-run >/dev/null 2>&1; [ $? = 2 ] || fail "contradiction: exit 2"
q maintain expire-snapshots nope.t >/dev/null 2>&1; [ $? = 1 ] || fail "missing table: exit 1"
# a window under an hour with --delete warns that commits being written lose their files; none otherwise
q maintain remove-orphans db.t --older-than 0s --delete >/dev/null 2>"$TMPDIR/w0" || fail "remove-orphans 0s"
grep -q "warning: remove-orphans --older-than under 1h also deletes the files of commits still being written" "$TMPDIR/w0" ||
  fail "no warning for --older-than 0s --delete: $(cat "$TMPDIR/w0")"
q maintain remove-orphans db.t --older-than 2h --delete >/dev/null 2>"$TMPDIR/w1" || fail "remove-orphans 2h"
q maintain remove-orphans db.t --older-than 0s >/dev/null 2>>"$TMPDIR/w1" || fail "remove-orphans 0s dry run"
q maintain remove-orphans db.t --delete >/dev/null 2>>"$TMPDIR/w1" || fail "remove-orphans default window"
[ ! -s "$TMPDIR/w1" ] || fail "warning without a short window and --delete: $(cat "$TMPDIR/w1")"
echo "maintain_cli: ok"
