#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# qberg ingest --threads 2 (the writer thread, src/pipeline/ingest_writer.c) writes the same bytes as
# --threads 1: with a pinned clock and seed, every file of the warehouse (data files, manifests, manifest
# lists, metadata JSON, index, ledger, rejections) has the same sha256 after
#   1. a first batch of generated .json files, .avro containers, the spec's bad samples (rejected) and a late
#      file whose fractional imaginary part breaks the speculated types (discarded rows, then pass two);
#   2. an incremental batch: new files, re-delivered ones (known), a stored experiment with one more
#      iteration (re-checked row by row: rows through the row path, after a drain) and again a fractional
#      imaginary part (the batch types equal batch 1's, so the re-delivered ids match);
#   3. a batch whose speculated types hold (one pass), with the columnar path and with every row through
#      qb_txn_write (QB_INGEST_ROW_PATH=1: row chunks);
#   4. a record whose hamiltonian_terms slice (120,360 rows, ~40 MB by qb_vqe_cols_bytes) is larger than the
#      writer's whole queue;
#   5. qberg features on one and on two threads (the ML tables' rows written on a worker thread).
# The --json report says how many threads ran.
set -u
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi; }
field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); v=d
for k in sys.argv[2].split("."): v=v[int(k)] if isinstance(v,list) else v[k]
print(v)' "$1" "$2"; }
export QB_TEST_NOW=20261126T120000Z QB_TEST_SEED=7
R="$TMPDIR/raw/experiment.vqe"
W="$TMPDIR/wh" # every run writes here (paths are inside the metadata), then its tree moves aside
mkdir -p "$R"
"$QBERG" generate --experiments 240 --iterations 5-20 --seed 31 --first-counter 100 --out "$TMPDIR/g" >/dev/null
cp "$TMPDIR"/g/experiment.vqe/*.json "$R/"
"$QBERG" generate --experiments 4 --iterations 3-8 --seed 32 --first-counter 400 --format avro --out "$TMPDIR/a" >/dev/null
cp "$TMPDIR"/a/experiment.vqe/*.avro "$R/"
cp "$QB_TEST_DATA"/vqe/bad/*.json "$R/"
# the spec's samples in every batch: their doubles make the batches' types (and so the ids) agree
S="$QB_TEST_DATA/vqe/experiments/experiment.vqe"
cp "$S"/*.json "$R/"
last=$(ls "$TMPDIR"/g/experiment.vqe/*.json | tail -n 1)
python3 - "$last" "$R/900-1764169999000000000.json" <<'PY'
import json, sys
d = json.loads(open(sys.argv[1]).read())
d["vqe_result"]["initial_data"]["hamiltonian"][0]["coefficients"]["imaginary"] = 0.5
open(sys.argv[2], "w").write(json.dumps(d, separators=(",", ":")))
PY

hashes() { (cd "$1" && find . -type f | LC_ALL=C sort | xargs sha256sum); }
# run NAME THREADS BATCH [row]: one batch into the warehouse kept as $TMPDIR/NAME
run() {
  rm -rf "$W"
  [ -d "$TMPDIR/$1" ] && mv "$TMPDIR/$1" "$W"
  if [ "${4:-}" = row ]; then
    QB_INGEST_ROW_PATH=1 "$QBERG" -w "$W" ingest --raw "$TMPDIR/raw" --batch-id "$3" --threads "$2" --json
  else
    "$QBERG" -w "$W" ingest --raw "$TMPDIR/raw" --batch-id "$3" --threads "$2" --json
  fi >"$TMPDIR/$1.$3.json" 2>"$TMPDIR/$1.$3.err"
  echo $? >"$TMPDIR/$1.$3.rc"
  mv "$W" "$TMPDIR/$1"
}
same() { # NAME1 NAME2: every file has the same bytes
  hashes "$TMPDIR/$1" >"$TMPDIR/$1.sha"
  hashes "$TMPDIR/$2" >"$TMPDIR/$2.sha"
  [ "$(wc -l <"$TMPDIR/$1.sha")" -gt 100 ] && cmp -s "$TMPDIR/$1.sha" "$TMPDIR/$2.sha"
}
B1=11111111-1111-4111-8111-111111111111
B2=22222222-2222-4222-8222-222222222222

# 1. the first batch
run one 1 $B1
run two 2 $B1
check "batch 1: exit 1 with the 6 bad samples rejected, both" \
  '[ "$(cat "$TMPDIR/one.$B1.rc")" = 1 ] && [ "$(cat "$TMPDIR/two.$B1.rc")" = 1 ] && [ "$(field "$TMPDIR/two.$B1.json" files_rejected)" = 6 ]'
check "batch 1: the report says 1 and 2 threads" \
  '[ "$(field "$TMPDIR/one.$B1.json" threads)" = 1 ] && [ "$(field "$TMPDIR/two.$B1.json" threads)" = 2 ]'
check "batch 1: the late fractional imaginary part made it two passes (rows discarded mid-batch)" \
  '[ "$(field "$TMPDIR/two.$B1.json" passes)" = 2 ] && [ "$(field "$TMPDIR/two.$B1.json" records)" = 253 ]'
check "batch 1: same rows per table" \
  '[ "$(python3 -c "import json,sys; print([t[\"rows\"] for t in json.load(open(sys.argv[1]))[\"tables\"]])" "$TMPDIR/one.$B1.json")" = "$(python3 -c "import json,sys; print([t[\"rows\"] for t in json.load(open(sys.argv[1]))[\"tables\"]])" "$TMPDIR/two.$B1.json")" ]'
check "batch 1: every file of the warehouse has the same bytes ($(find "$TMPDIR/one" -type f | wc -l) files)" 'same one two'

# 2. the incremental batch
"$QBERG" generate --experiments 30 --iterations 5-20 --seed 33 --first-counter 1000 --out "$TMPDIR/g2" >/dev/null
cp "$TMPDIR"/g2/experiment.vqe/*.json "$R/"
for f in "$TMPDIR"/g/experiment.vqe/10[0-9]-*.json "$S"/*.json; do cp "$f" "$R/2$(basename "$f")"; done
python3 - "$TMPDIR/g2/experiment.vqe/1000-"*.json "$R/1900-1764179999000000000.json" <<'PY'
import json, sys
d = json.loads(open(sys.argv[1]).read())
d["vqe_result"]["initial_data"]["hamiltonian"][0]["coefficients"]["imaginary"] = 0.25
open(sys.argv[2], "w").write(json.dumps(d, separators=(",", ":")))
PY
"$QBERG" generate --experiments 2 --iterations 3-8 --seed 34 --first-counter 1500 --format avro --out "$TMPDIR/a2" >/dev/null
cp "$TMPDIR"/a2/experiment.vqe/*.avro "$R/"
f=$(ls "$TMPDIR"/g/experiment.vqe/110-*.json)
python3 - "$f" "$R/3110-$(basename "$f" | cut -d- -f2)" <<'PY'
import json, sys
d = json.loads(open(sys.argv[1]).read())
it = d["vqe_result"]["iteration_list"]
it.append(dict(it[-1], iteration=it[-1]["iteration"] + 1))
open(sys.argv[2], "w").write(json.dumps(d, separators=(",", ":")))
PY
run one 1 $B2
run two 2 $B2
check "batch 2: exit 0, 52 new files" \
  '[ "$(cat "$TMPDIR/two.$B2.rc")" = 0 ] && [ "$(field "$TMPDIR/two.$B2.json" files_new)" = 52 ]'
check "batch 2: 33 new, 18 known, 1 re-checked experiment" \
  '[ "$(field "$TMPDIR/two.$B2.json" experiments.new)" = 33 ] && [ "$(field "$TMPDIR/two.$B2.json" experiments.known)" = 18 ] && [ "$(field "$TMPDIR/two.$B2.json" experiments.rechecked)" = 1 ]'
check "batch 2: same rows and duplicates per table, both" \
  '[ "$(python3 -c "import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); print(a[\"tables\"]==b[\"tables\"] and a[\"tables\"][6][\"duplicates\"]>0)" "$TMPDIR/one.$B2.json" "$TMPDIR/two.$B2.json")" = True ]'
check "batch 2: every file of the warehouse has the same bytes" 'same one two'

# 3. one pass: a batch whose speculated types hold; columnar and row path
rm -rf "$TMPDIR/raw"
mkdir -p "$R"
cp "$S"/*.json "$TMPDIR"/g/experiment.vqe/1[0-4]*.json "$R/"
run colone 1 $B1
run coltwo 2 $B1
check "one pass: 2 threads ran, one pass" \
  '[ "$(field "$TMPDIR/coltwo.$B1.json" threads)" = 2 ] && [ "$(field "$TMPDIR/coltwo.$B1.json" passes)" = 1 ] && [ "$(cat "$TMPDIR/coltwo.$B1.rc")" = 0 ]'
check "one pass: every file of the warehouse has the same bytes" 'same colone coltwo'
run rowone 1 $B1 row
run rowtwo 2 $B1 row
check "row path: 2 threads ran" '[ "$(field "$TMPDIR/rowtwo.$B1.json" threads)" = 2 ] && [ "$(cat "$TMPDIR/rowtwo.$B1.rc")" = 0 ]'
check "row path: every file of the warehouse has the same bytes" 'same rowone rowtwo'
rm -rf "$TMPDIR/raw"
mkdir -p "$R"
cp "$TMPDIR"/a/experiment.vqe/*.avro "$TMPDIR"/a2/experiment.vqe/*.avro "$R/"
run avroone 1 $B1
run avrotwo 2 $B1
check ".avro only, one pass: every file of the warehouse has the same bytes" \
  '[ "$(field "$TMPDIR/avrotwo.$B1.json" passes)" = 1 ] && [ "$(field "$TMPDIR/avrotwo.$B1.json" records)" = 6 ] && same avroone avrotwo'

# 4. one record whose Hamiltonian (120,000 terms) makes a hamiltonian_terms slice larger than the writer's
#    whole queue (8 MiB of slices, ingest_writer.c): it enters the empty queue alone; same bytes as one thread
rm -rf "$TMPDIR/raw"
mkdir -p "$R"
cp "$S"/*.json "$R/"
python3 - "$(ls "$S"/*.json | head -n 1)" "$R/5000-1764189999000000000.json" <<'PY'
import json, sys
d = json.loads(open(sys.argv[1]).read())
h = d["vqe_result"]["initial_data"]["hamiltonian"]  # repeated to 120,000 terms: another experiment_id
d["vqe_result"]["initial_data"]["hamiltonian"] = [dict(h[i % len(h)]) for i in range(120000)]
open(sys.argv[2], "w").write(json.dumps(d, separators=(",", ":")))
PY
run bigone 1 $B1
run bigtwo 2 $B1
check "a slice larger than the queue: exit 0, 120,000 more terms, every file the same bytes" \
  '[ "$(cat "$TMPDIR/bigtwo.$B1.rc")" = 0 ] && [ "$(field "$TMPDIR/bigtwo.$B1.json" tables.8.rows)" -gt 120000 ] && same bigone bigtwo'

# 5. the ML job (qberg features --threads 2: its rows written on a worker thread, src/pipeline/ml_features.c):
#    ~23,000 iteration rows, so that several column sets (4,096 rows each) are in the worker's hands at once
rm -rf "$TMPDIR/raw" "$W"
mkdir -p "$R"
"$QBERG" generate --experiments 1200 --iterations 15-35 --seed 35 --first-counter 6000 --out "$TMPDIR/g5" >/dev/null
cp "$TMPDIR"/g5/experiment.vqe/*.json "$R/"
"$QBERG" -w "$W" ingest --raw "$TMPDIR/raw" --batch-id $B1 --threads 1 --no-features >/dev/null
cp -a "$W" "$TMPDIR/mlsrc"
mv "$W" "$TMPDIR/mlone"
features() { # NAME THREADS: qberg features on the source warehouse, kept as $TMPDIR/NAME
  rm -rf "$W"
  cp -a "$TMPDIR/mlsrc" "$W"
  "$QBERG" -w "$W" features --batch-id $B2 --threads "$2" --json >"$TMPDIR/$1.json" 2>"$TMPDIR/$1.err"
  echo $? >"$TMPDIR/$1.rc"
  rm -rf "$TMPDIR/$1"
  mv "$W" "$TMPDIR/$1"
}
features mlone 1
features mltwo 2
check "features: exit 0, 1 and 2 threads reported, over 20,000 iteration rows" \
  '[ "$(cat "$TMPDIR/mltwo.rc")" = 0 ] && [ "$(field "$TMPDIR/mlone.json" threads)" = 1 ] && [ "$(field "$TMPDIR/mltwo.json" threads)" = 2 ] && [ "$(field "$TMPDIR/mltwo.json" tables.0.rows)" -gt 20000 ]'
check "features: the same rows and every file of the warehouse the same bytes" \
  '[ "$(field "$TMPDIR/mlone.json" tables)" = "$(field "$TMPDIR/mltwo.json" tables)" ] && same mlone mltwo'
"$QBERG" features --help | grep -q -- "--threads N"
check "features --help documents --threads" '[ $? = 0 ]'
"$QBERG" -w "$TMPDIR/mltwo" features --threads x >/dev/null 2>&1
check "features --threads x is a usage error" '[ $? = 2 ]'

# 6. the option
rm -rf "$W"
"$QBERG" -w "$W" ingest --raw "$TMPDIR/raw" --threads 8 --dry-run --json >"$TMPDIR/dry.json"
check "--dry-run parses on one thread" '[ "$(field "$TMPDIR/dry.json" threads)" = 1 ]'
"$QBERG" -w "$W" ingest --raw "$TMPDIR/raw" --threads 8 --no-features --json >"$TMPDIR/eight.json"
check "--threads 8 runs 2" '[ "$(field "$TMPDIR/eight.json" threads)" = 2 ]'
"$QBERG" -w "$W" ingest --raw "$TMPDIR/raw" --threads 0 >/dev/null 2>&1
check "--threads 0 is a usage error" '[ $? = 2 ]'
"$QBERG" ingest --help | grep -q -- "--threads N" 
check "--help documents --threads" '[ $? = 0 ]'

echo "threads: $pass passed, $fail failed"
[ "$fail" = 0 ]
