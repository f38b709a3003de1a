#!/usr/bin/env bash
# qberg fsck: clean on tables qberg writes (CLI appends, the VQE pipeline), on the corpus tables whose
# files are all present and consistent; each injected problem is found and named precisely, exit 1.
set -u
Q=${QBERG:?}
D=${QB_TEST_DATA:?}
T=$(mktemp -d)
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
expect_rc() { # want, name, cmd...
  local want=$1 name=$2; shift 2
  "$@" >"$T/out" 2>&1; local rc=$?
  if [ "$rc" = "$want" ]; then ok; else bad "$name: exit $rc, wanted $want"; sed 's/^/  /' "$T/out"; fi
}
expect_line() { # name, extended regex that some line of the last output must match
  if grep -Eq -- "$2" "$T/out"; then ok; else bad "$1: no line matching /$2/"; sed 's/^/  /' "$T/out"; fi
}

schema='{"type":"struct","fields":[{"id":1,"name":"id","required":true,"type":"long"},{"id":2,"name":"p","required":false,"type":"string"},{"id":3,"name":"v","required":false,"type":"double"}]}'
make_table() { # dir: a partitioned table with 4 appends
  "$Q" -w "$1" create db.t --schema "$schema" --partition p >/dev/null || return 1
  for i in 1 2 3 4; do
    printf '{"id":%d,"p":"a","v":%d.5}\n{"id":%d,"p":"b","v":1}\n{"id":%d,"p":"b","v":2}\n' $i $i $((i + 100)) $((i + 200)) >"$T/rows.jsonl"
    "$Q" -w "$1" append db.t "$T/rows.jsonl" >/dev/null || return 1
  done
}

# --- clean tables ---
make_table "$T/wh" || { echo "setup failed"; exit 1; }
expect_rc 0 "fresh table" "$Q" -w "$T/wh" fsck db.t
expect_line "fresh table summary" '^db\.t: clean: 4 snapshots, .* 8 data files, 0 delete files'
expect_rc 0 "fresh table deep" "$Q" -w "$T/wh" fsck db.t --deep
expect_line "deep rows" ', 12 rows read$'
expect_rc 0 "json" "$Q" -w "$T/wh" --json fsck --all --deep
if node -e 'const a=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); if(a.length!==1||a[0].table!=="db.t"||a[0]["problem-count"]!==0||a[0]["data-files"]!==8) process.exit(1)' "$T/out"; then ok; else bad "json shape"; cat "$T/out"; fi
expect_rc 2 "usage" "$Q" -w "$T/wh" fsck
expect_rc 2 "usage both" "$Q" -w "$T/wh" fsck db.t --all

# the pipeline's tables: generate + two ingests
"$Q" generate --experiments 12 --out "$T/raw/experiment.vqe" --seed 7 >/dev/null &&
  "$Q" -w "$T/pipe" ingest --raw "$T/raw" >/dev/null &&
  "$Q" generate --experiments 5 --out "$T/raw/experiment.vqe" --seed 8 --first-counter 100 >/dev/null &&
  "$Q" -w "$T/pipe" ingest --raw "$T/raw" >/dev/null || bad "pipeline setup"
expect_rc 0 "pipeline tables deep" "$Q" -w "$T/pipe" fsck --all --deep
n=$(grep -c ': clean: ' "$T/out"); [ "$n" -ge 9 ] && ok || bad "pipeline: only $n clean tables"

# corpus tables from other engines whose files are all present
for c in duckdb-eqdelete-extra-column duckdb-initial-defaults duckdb-is-null duckdb-map-day-partition duckdb-uuid \
         duckdb-v1-inline-manifests icebird-athena-example icebird-java-bunnies icebird-spark-bunnies \
         icebird-spark-rename-column; do
  expect_rc 0 "corpus $c" "$Q" fsck "$D/iceberg/$c" --deep
done
# DuckDB's test tables record file sizes that are not the sizes of the files shipped with them
# (the data was regenerated upstream): fsck says so, and says nothing else
expect_rc 1 "corpus sizes" "$Q" fsck "$D/iceberg/duckdb-partition-decimal"
expect_line "corpus size line" '^.*duckdb-partition-decimal: size: data/persistent/partition_decimal_bigint/data/partition_col=1E-11/00000-10-4717372f-0d80-4b5e-8c27-9a5a4b938f4c-00005.parquet \(snapshot 7397340839278125996\): file_size_in_bytes: expected 991, found 492: looked for at .*/iceberg/duckdb-partition-decimal/data/partition_col=1E-11/00000-10-4717372f-0d80-4b5e-8c27-9a5a4b938f4c-00005\.parquet$'
[ "$(grep -c ': size: ' "$T/out")" = 10 ] && [ "$(grep -vc ': size: \|PROBLEMS' "$T/out")" = 0 ] && ok || bad "corpus: only size problems"

# --- injected problems, each on a fresh copy ---
fresh() { rm -rf "$T/x"; cp -r "$T/wh" "$T/x"; }
meta() { ls "$T/x/db/t/metadata/"v*.metadata.json | sort -V | tail -n 1; }
datafile() { ls "$T/x/db/t/data/p=b/"*.parquet | sort | head -n 1; }

fresh; f=$(datafile); rm "$f"
expect_rc 1 "missing data file" "$Q" -w "$T/x" fsck db.t
expect_line "missing line" "^db\\.t: missing: .*/data/p=b/${f##*/} \\(snapshot [0-9]+\\): expected exists, found absent: looked for at $T/x/db/t/data/p=b/${f##*/}$"

fresh; f=$(datafile); size=$(stat -c %s "$f"); truncate -s $((size - 7)) "$f"
expect_rc 1 "truncated data file" "$Q" -w "$T/x" fsck db.t
expect_line "size line" "^db\\.t: size: .*/data/p=b/${f##*/} \\(snapshot [0-9]+\\): file_size_in_bytes: expected $size, found $((size - 7)): looked for at $T/x/db/t/data/p=b/${f##*/}$"

fresh; printf 2 >"$T/x/db/t/metadata/version-hint.text"
expect_rc 1 "old version hint" "$Q" -w "$T/x" fsck db.t
expect_line "hint line" '^db\.t: version-hint: .*/metadata/version-hint.text: expected 5, found 2: the hint does not name the newest metadata$'

# the last commit's metadata file lost: the table loads the version before; not a stale hint but a lost commit
fresh; rm "$T/x/db/t/metadata/v5.metadata.json"
expect_rc 1 "newest metadata lost" "$Q" -w "$T/x" fsck db.t
expect_line "lost commit line" '^db\.t: missing: .*/metadata/v5\.metadata\.json: expected exists, found absent: the version hint names v5, the table.s last commit; without it the table loads v4: that commit is lost$'

fresh; m=$(meta)
python3 - "$m" <<'PY'
import json, sys
p = sys.argv[1]; d = json.load(open(p))
s = [x for x in d["snapshots"] if x["snapshot-id"] == d["current-snapshot-id"]][0]
s["summary"]["total-records"] = str(int(s["summary"]["total-records"]) + 1)
json.dump(d, open(p, "w"))
PY
expect_rc 1 "summary" "$Q" -w "$T/x" fsck db.t
expect_line "summary line" '^db\.t: summary: .*snap-.*\.avro \(snapshot [0-9]+\): total-records: expected 12, found 13$'

fresh; m=$(meta)
python3 - "$m" <<'PY'
import json, sys
p = sys.argv[1]; d = json.load(open(p))
s = [x for x in d["snapshots"] if x["snapshot-id"] == d["current-snapshot-id"]][0]
s["parent-snapshot-id"] = 12345
json.dump(d, open(p, "w"))
PY
expect_rc 1 "broken parent chain" "$Q" -w "$T/x" fsck db.t
expect_line "parent line" '^db\.t: parent: .*snap-.*\.avro \(snapshot [0-9]+\): parent-snapshot-id \(manifest list metadata\): expected 12345, found [0-9]+$'

# a long history: the lineage checks are linear in the snapshots (each parent was searched for linearly and
# each chain walked to its root: cubic, a minute of CPU for 5,000 snapshots, hours for 20,000); 6,000
# snapshots sharing one manifest list, two of them a cycle, checked under a CPU limit of 20 s (about 1 s now)
fresh; m=$(meta)
python3 - "$m" <<'PY'
import copy, json, sys
p = sys.argv[1]; d = json.load(open(p))
cur = [x for x in d["snapshots"] if x["snapshot-id"] == d["current-snapshot-id"]][0]
parent, seq, ts = cur["snapshot-id"], cur["sequence-number"], cur["timestamp-ms"]
for i in range(6000):
    s = copy.deepcopy(cur)
    seq += 1; ts += 1
    s.update({"snapshot-id": 10**12 + i, "parent-snapshot-id": parent, "sequence-number": seq, "timestamp-ms": ts})
    d["snapshots"].append(s); parent = s["snapshot-id"]
for a, b in ((7, 8), (8, 7)):  # two snapshots outside main's chain, each the other's parent
    s = copy.deepcopy(cur); seq += 1
    s.update({"snapshot-id": a, "parent-snapshot-id": b, "sequence-number": seq, "timestamp-ms": ts})
    d["snapshots"].append(s)
d["last-sequence-number"] = seq
json.dump(d, open(p, "w"))
PY
expect_rc 1 "long history" bash -c 'ulimit -t 20; exec "$@"' - "$Q" -w "$T/x" fsck db.t
[ "$(grep -c ': parent: .*: parent-snapshot-id: expected a chain ending at a root, found a cycle$' "$T/out")" = 2 ] && ok ||
  { bad "long history: one cycle line for each of the two snapshots"; grep -v 'manifest list metadata\|summary' "$T/out" | head; }
grep -q '^db\.t: PROBLEMS: 6006 snapshots' "$T/out" && ok || { bad "long history: 6006 snapshots checked"; tail -n 1 "$T/out"; }

fresh; m=$(meta)
python3 - "$m" <<'PY'
import json, sys
p = sys.argv[1]; d = json.load(open(p))
d["refs"]["gone"] = {"snapshot-id": 42, "type": "tag"}
json.dump(d, open(p, "w"))
PY
# the metadata parser refuses it already: fsck cannot check the table at all, and says why
expect_rc 1 "dangling ref" "$Q" -w "$T/x" fsck db.t
expect_line "ref line" "ref 'gone' points to snapshot 42, which is not in 'snapshots'"

# a default spec whose source column is not in the schema: every append fails, fsck used to call it clean
fresh; m=$(meta)
python3 - "$m" <<'PY'
import json, sys
p = sys.argv[1]; d = json.load(open(p))
d["partition-specs"][0]["fields"][0]["source-id"] = 99
json.dump(d, open(p, "w"))
PY
expect_rc 1 "default spec without its source column" "$Q" -w "$T/x" fsck db.t
expect_line "partition-spec line" "^db\\.t: partition-spec: .*/metadata/v5\\.metadata\\.json: default-spec-id: expected a spec that binds to schema 0 \\(the current one\\), found spec 0: partition field 'p': cannot find source column 99$"

fresh; rm "$(ls "$T/x/db/t/metadata/"snap-*.avro | head -n 1)"
expect_rc 1 "missing manifest list" "$Q" -w "$T/x" fsck db.t
expect_line "list line" "^db\\.t: missing: .*snap-.*\\.avro \\(snapshot [0-9]+\\): expected exists, found absent: looked for at $T/x/db/t/metadata/snap-.*\\.avro$"

# manifests are read as a scan reads them (the table's spec types over the current schema): whatever makes
# every scan fail is a problem, where fsck used to read the file's own partition types and call it clean
scan_fails() { # name: the scan of the damaged copy must fail, or the case tests nothing
  if "$Q" -w "$T/x" scan db.t >/dev/null 2>&1; then bad "$1: the scan did not fail"; else ok; fi
}
fresh; m=$(meta)
python3 - "$m" <<'PY'
import json, sys
p = sys.argv[1]; d = json.load(open(p))
d["schemas"][-1]["fields"][1]["type"] = "int"   # p: string -> int, the manifests hold strings
json.dump(d, open(p, "w"))
PY
scan_fails "partition type"
expect_rc 1 "partition type the spec cannot read" "$Q" -w "$T/x" fsck db.t
expect_line "partition type line" '^db\.t: unreadable: .*-m0\.avro \(snapshot [0-9]+\): .*data_file\.partition\.p: .*cannot be read'
fresh; m=$(meta)
python3 - "$m" <<'PY'
import json, sys
p = sys.argv[1]; d = json.load(open(p))
d["partition-specs"][0]["spec-id"] = 1; d["default-spec-id"] = 1; d["last-partition-id"] = 1000
json.dump(d, open(p, "w"))
PY
scan_fails "spec missing"
expect_rc 1 "spec the table does not have" "$Q" -w "$T/x" fsck db.t
expect_line "spec missing line" '^db\.t: partition-spec: .*-m0\.avro \(snapshot [0-9]+\): partition_spec_id: expected a spec of the table, found 0: the manifest list names a partition spec the table does not have'
# the newest list names spec 1 for a manifest written with spec 0 (older lists name it right)
fresh; m=$(meta)
python3 - "$m" <<'PY'
import json, sys
p = sys.argv[1]; d = json.load(open(p))
s = dict(d["partition-specs"][0]); s["spec-id"] = 1; d["partition-specs"].append(s)
json.dump(d, open(p, "w"))
PY
# the current snapshot's list, by the metadata (not ls -t: the copy gives every file the same mtime)
l="$T/x/db/t/metadata/$(python3 -c '
import json, os, sys
d = json.load(open(sys.argv[1]))
print(os.path.basename(next(s for s in d["snapshots"] if s["snapshot-id"] == d["current-snapshot-id"])["manifest-list"]))' "$m")"
lmeta=(); while IFS= read -r kv; do lmeta+=(--meta "$kv"); done < <("$Q" avro cat "$l" --meta |
  node -e 'const m=JSON.parse(require("fs").readFileSync(0,"utf8")); for (const k in m) if (!k.startsWith("avro.")) console.log(k+"="+m[k])')
"$Q" avro cat "$l" --schema >"$T/ls.json" && "$Q" avro cat "$l" | sed 's/"partition_spec_id":0/"partition_spec_id":1/' >"$T/l.jsonl" &&
  "$Q" avro write "$l" --schema "$T/ls.json" --input "$T/l.jsonl" "${lmeta[@]}" || bad "list rewrite"
scan_fails "list spec id"
expect_rc 1 "list names another spec" "$Q" -w "$T/x" fsck db.t
[ "$(grep -vc ': partition-spec: \|written with partition spec 0, not 1$\|PROBLEMS' "$T/out")" = 0 ] && ok || { bad "list spec: only partition-spec problems"; cat "$T/out"; }
expect_line "list spec line" '^db\.t: partition-spec: .*snap-.*\.avro \(snapshot [0-9]+\): partition_spec_id: expected 0, found 1: the entry of .*-m0\.avro: the manifest was written with partition spec 0$'

# --deep reads each data file as a scan does and holds its rows against the entry's statistics and partition
# values, which scans prune by: a bound, null count or partition value the rows contradict loses rows from
# filtered scans, and used to pass as clean
avro_edit() { # file python-code-over-recs: rewrite an Avro file's records, header metadata kept
  local f=$1 args=()
  while IFS= read -r kv; do args+=(--meta "$kv"); done < <("$Q" avro cat "$f" --meta |
    python3 -c 'import json,sys; [print(k+"="+v) for k,v in json.load(sys.stdin).items() if not k.startswith("avro.")]')
  "$Q" avro cat "$f" --schema >"$T/es.json" && "$Q" avro cat "$f" >"$T/ein.jsonl" &&
    python3 -c 'import json,sys
recs=[json.loads(l) for l in open(sys.argv[1])]
exec(sys.argv[2])
for r in recs: print(json.dumps(r))' "$T/ein.jsonl" "$2" >"$T/eout.jsonl" &&
    "$Q" avro write "$f.new" --schema "$T/es.json" --input "$T/eout.jsonl" "${args[@]}" && mv "$f.new" "$f"
}
first_manifest_edit() { # python code over the first append's manifest; list lengths kept right
  local m l
  l=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(min(d["snapshots"], key=lambda s: s["sequence-number"])["manifest-list"].split("/")[-1])' "$(meta)")
  m=$T/x/db/t/metadata/$("$Q" avro cat "$T/x/db/t/metadata/$l" | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["manifest_path"].split("/")[-1])')
  avro_edit "$m" "$1" || bad "manifest edit"
  for l in "$T/x/db/t/metadata/"snap-*.avro; do
    avro_edit "$l" "for r in recs:
  if r['manifest_path'].endswith('${m##*/}'): r['manifest_length']=$(stat -c %s "$m")" || bad "list edit"
  done
}
fresh; first_manifest_edit '
for r in recs:
  for b in r["data_file"]["lower_bounds"]:
    if b["key"]==1: b["value"]={"$hex":"6400000000000000"}'
expect_rc 0 "bounds: not deep" "$Q" -w "$T/x" fsck db.t
expect_rc 1 "bounds the rows contradict" "$Q" -w "$T/x" fsck db.t --deep
expect_line "bounds line" '^db\.t: metrics: .*\.parquet \(snapshot [0-9]+\): lower_bounds of id \(field 1\): expected <= [0-9]+, found 100: the file holds a value outside the bounds: scans filtering on the column skip it$'
fresh; first_manifest_edit '
for r in recs:
  for b in r["data_file"]["null_value_counts"]:
    if b["key"]==3: b["value"]=r["data_file"]["record_count"]'
expect_rc 1 "null count the rows contradict" "$Q" -w "$T/x" fsck db.t --deep
expect_line "null count line" '^db\.t: metrics: .*\.parquet \(snapshot [0-9]+\): null_value_counts of v \(field 3\): expected 0, found [12]$'
fresh; first_manifest_edit '
for r in recs: r["data_file"]["partition"]["p"]="c"'
expect_rc 1 "partition value the rows contradict" "$Q" -w "$T/x" fsck db.t --deep
expect_line "partition line" '^db\.t: partition: .*\.parquet \(snapshot [0-9]+\): partition p: expected [ab], found c: row 0 holds p = [ab]: scans filtering on p skip it$'
# a data file live twice in a snapshot: every scan returns its rows twice (found even when the writer's
# counts and summary agree with the entries, which they do not here)
fresh; first_manifest_edit 'recs.append(recs[0])'
expect_rc 1 "data file live twice" "$Q" -w "$T/x" fsck db.t
expect_line "duplicate line" '^db\.t: duplicate: .*/data/p=./.*\.parquet \(snapshot [0-9]+\): expected live once, found live twice: live in .*-m0\.avro and .*-m0\.avro of the snapshot: scans return its rows twice$'
# the newest list says content=deletes for a manifest of data files: every scan skips its rows
fresh; l=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print([x for x in d["snapshots"] if x["snapshot-id"]==d["current-snapshot-id"]][0]["manifest-list"].split("/")[-1])' "$(meta)")
avro_edit "$T/x/db/t/metadata/$l" 'recs[0]["content"]=1' || bad "list content edit"
expect_rc 1 "data manifest listed as deletes" "$Q" -w "$T/x" fsck db.t
expect_line "content line" '^db\.t: manifest-content: .*snap-.*\.avro \(snapshot [0-9]+\): content: expected data, found deletes: .*-m0\.avro holds data files: scans skip them \(a delete manifest is read for deletes only\)$'
# the newest list's partition summary says p >= "b" for a manifest holding "a": scans for p = 'a' skip it
fresh; l=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print([x for x in d["snapshots"] if x["snapshot-id"]==d["current-snapshot-id"]][0]["manifest-list"].split("/")[-1])' "$(meta)")
avro_edit "$T/x/db/t/metadata/$l" 'for r in recs: r["partitions"][0]["lower_bound"]={"$hex":"62"}' || bad "summary edit"
expect_rc 1 "partition summary hiding rows" "$Q" -w "$T/x" fsck db.t
expect_line "summary bound line" '^db\.t: partition-summary: .*snap-.*\.avro \(snapshot [0-9]+\): partitions lower_bound of p: expected <= a, found b: .*-m0\.avro holds partition values outside the summary: scans filtering on p skip the manifest$'
# no false alarm: truncate of an int column near its minimum wraps as Java's int arithmetic does, and stays
# so after int -> long (scans look for the wrapped value too); NaN, -0.0 and long strings in the bounds
"$Q" -w "$T/e" create db.e --schema '{"type":"struct","fields":[{"id":1,"name":"i","required":false,"type":"int"},{"id":2,"name":"d","required":false,"type":"double"},{"id":3,"name":"s","required":false,"type":"string"}]}' \
  --partition 'truncate(10,i)' >/dev/null &&
  printf '{"i":-2147483648,"d":"NaN","s":"%s"}\n{"i":5,"d":-0.0,"s":"b"}\n{"i":null,"d":0.0,"s":null}\n' "$(printf 'z%.0s' $(seq 40))" >"$T/e.jsonl" &&
  "$Q" -w "$T/e" append db.e "$T/e.jsonl" >/dev/null && "$Q" -w "$T/e" alter db.e widen i long >/dev/null || bad "edge table"
expect_rc 0 "edge values deep" "$Q" -w "$T/e" fsck db.e --deep

# a name mapping that does not parse fails every scan (the scan parses it first): a problem, with --deep too
# (which used to stop with the parse error; without --deep the table was called clean)
fresh; "$Q" -w "$T/x" alter db.t set-property 'schema.name-mapping.default=[{"field-id":1' >/dev/null || bad "set a broken mapping"
scan_fails "broken name mapping"
for deep in "" --deep; do
  expect_rc 1 "broken name mapping $deep" "$Q" -w "$T/x" fsck db.t $deep
  expect_line "name-mapping line $deep" '^db\.t: name-mapping: .*/metadata/v[0-9]+\.metadata\.json: schema\.name-mapping\.default: invalid JSON .*: every scan of the table fails$'
  [ "$(grep -vc ': name-mapping: \|PROBLEMS' "$T/out")" = 0 ] && ok || { bad "broken name mapping $deep: only that problem"; cat "$T/out"; }
done

# a format v1 table whose snapshots list their manifests inline, the later one its predecessor's too (as old
# writers did): each snapshot's added-* summary counts only the entries it added; the later snapshot was said
# to have added its predecessor's files as well (found by exploreO)
cp -r "$D/iceberg/duckdb-v1-inline-manifests" "$T/v1"
echo '{"id":9,"category":"alpha","amount":1}' >"$T/v1.jsonl"
"$Q" append "$T/v1" "$T/v1.jsonl" >/dev/null || bad "append to the v1 table"
python3 - "$T/v1/metadata" <<'PY'
import glob, json, os, sys
d = sys.argv[1]
m = json.load(open(d + '/v3.metadata.json'))
s = m['snapshots'][-1]
pre = os.path.dirname(m['snapshots'][0]['manifests'][0]) + '/'
s['manifests'] = [pre + os.path.basename(x) for x in sorted(glob.glob(d + '/*-m0.avro'))]
del s['manifest-list']
json.dump(m, open(d + '/v4.metadata.json', 'w'))
open(d + '/version-hint.text', 'w').write('4')
PY
expect_rc 0 "v1 inline manifests of two snapshots" "$Q" fsck "$T/v1" --deep
expect_line "v1 inline manifests line" ': clean: 2 snapshots, 2 manifests, 3 data files, 0 delete files, 3 metadata files, 4 rows read$'

# a table that cannot be checked is named on stdout as well (it was only on stderr): --all with one table
# whose metadata does not parse
"$Q" -w "$T/nc" create db.a --schema "$schema" >/dev/null && "$Q" -w "$T/nc" create db.b --schema "$schema" >/dev/null
echo '{bad' >"$(ls "$T"/nc/db/b/metadata/*.metadata.json | tail -1)"
"$Q" -w "$T/nc" fsck --all >"$T/out" 2>/dev/null; rc=$?
if [ $rc = 1 ]; then ok; else bad "fsck --all with an unreadable table: exit $rc"; fi
expect_line "unreadable table on stdout" '^db\.b: NOT CHECKED: QB_ECORRUPT: .*invalid JSON at offset 1'
expect_line "readable table on stdout" '^db\.a: clean: 0 snapshots'

rm -rf "$T"
echo "fsck: $pass passed, $fail failed"
[ "$fail" = 0 ]
