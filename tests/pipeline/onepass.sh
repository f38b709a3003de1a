# The one-pass ingest (docs/PIPELINE.md "One pass"): rows are derived while the raw files are parsed, under
# batch types speculated up front; when the batch's final types differ, the rows are discarded and derived
# again in a second pass. Either way the stored ids equal Spark's for the batch: EXPECTED.md's values where
# the spec gives them, else `qberg vqe rows` over the same files (the two-pass reference that
# spark_oracle.sh checks against JDK 17). `passes` in --json says which path ran; no data file of a
# discarded pass may remain.
set -eu
D="$QB_TEST_DATA/vqe/experiments/experiment.vqe"
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi; }
field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); v=d
for k in sys.argv[2].split("."): v=v[int(k)] if isinstance(v,list) else v[k]
print(v)' "$1" "$2"; }
KEYS="molecules:experiment_id initial_parameters:parameter_id optimal_parameters:parameter_id vqe_iterations:iteration_id iteration_parameters:parameter_id hamiltonian_terms:term_id"
# the sorted id columns of the nine tables as stored in warehouse $1
stored_keys() {
  for tk in $KEYS; do
    "$QBERG" -w "$1" scan "quantum_features.${tk%%:*}" --columns "${tk#*:}" --format csv | tail -n +2 | sed "s/^/${tk%%:*} /"
  done | LC_ALL=C sort
}
# the same from `qberg vqe rows` over the files $@ (one batch)
reference_keys() {
  "$QBERG" vqe rows "$@" | python3 -c '
import json,sys
keys = dict(k.split(":") for k in sys.argv[1].split())
for r in map(json.loads, sys.stdin):
    if r["table"] in keys: print(r["table"], r["row"][keys[r["table"]]])' "$KEYS" | LC_ALL=C sort
}
# every data file under the tables' folders is live in the current snapshot (a discarded pass left none)
no_orphans() {
  for t in molecules initial_parameters iteration_parameters hamiltonian_terms; do
    on_disk=$(find "$1/quantum_features/$t/data" -name '*.parquet' 2>/dev/null | wc -l)
    live=$("$QBERG" -w "$1" files "quantum_features.$t" --json | wc -l)
    [ "$on_disk" = "$live" ] || { echo "$t: $on_disk files on disk, $live live"; return 1; }
  done
}
# batch NAME FILES...: the files as one topic folder, ingested into a fresh warehouse
batch() {
  local name=$1; shift
  mkdir -p "$TMPDIR/$name/raw/experiment.vqe"
  cp "$@" "$TMPDIR/$name/raw/experiment.vqe/"
  "$QBERG" -w "$TMPDIR/$name/wh" ingest --raw "$TMPDIR/$name/raw" --json >"$TMPDIR/$name.json"
}
same_as_reference() { # NAME FILES...
  local name=$1; shift
  stored_keys "$TMPDIR/$name/wh" >"$TMPDIR/$name.got"
  reference_keys "$@" >"$TMPDIR/$name.want"
  [ -s "$TMPDIR/$name.want" ] && cmp -s "$TMPDIR/$name.got" "$TMPDIR/$name.want"
}
# edit RAW OUT PYTHON: OUT = RAW's record after PYTHON ran on `d`
edit() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); exec(sys.argv[3]); open(sys.argv[2],"w").write(json.dumps(d,separators=(",",":")))' "$@"; }

# 1. the spec's 8 samples: the guess (double everywhere but the imaginary parts) holds, one pass
batch samples "$D"/*.json
check "samples: one pass" '[ "$(field "$TMPDIR/samples.json" passes)" = 1 ]'
grep -E '^\* experiment_id = ' "$QB_TEST_DATA/vqe/EXPECTED.md" | grep -oE '[0-9a-f]{64}' | sort >"$TMPDIR/want_ids"
"$QBERG" -w "$TMPDIR/samples/wh" scan quantum_features.molecules --columns experiment_id --format csv | tail -n +2 | sort >"$TMPDIR/got_ids"
check "samples: EXPECTED.md's experiment ids" '[ -z "$(comm -23 "$TMPDIR/want_ids" "$TMPDIR/got_ids")" ] && [ "$(wc -l <"$TMPDIR/got_ids")" = 8 ]'
check "samples: every id column equals the reference" 'same_as_reference samples "$D"/*.json'

# 2. file 4 alone: its HF initial parameters are all the token 0, so the batch types them bigint and the
#    guess (double) fails at the end of the batch: pass two, with EXPECTED.md's "processed alone" id
batch alone "$D"/4-*.json
check "file 4 alone: two passes" '[ "$(field "$TMPDIR/alone.json" passes)" = 2 ]'
check "file 4 alone: EXPECTED.md's id 8463c70b…" \
  '[ "$("$QBERG" -w "$TMPDIR/alone/wh" scan quantum_features.molecules --columns experiment_id --format csv | tail -n 1)" = 8463c70b416746e9d449fd0e557cfe91494e170efd3fb8e74d2dcb467f6a5bd3 ]'
check "file 4 alone: every id column equals the reference" 'same_as_reference alone "$D"/4-*.json'
check "file 4 alone: 48 initial_parameters rows, not 96" '[ "$(field "$TMPDIR/alone.json" tables.4.rows)" = 48 ]'
check "file 4 alone: no data file of the discarded pass remains" 'no_orphans "$TMPDIR/alone/wh"'

# 3. integer-only coordinates ([[0,0,0],[0,0,1]]) mixed with the samples: coords stay double, one pass
edit "$D"/1-*.json "$TMPDIR/0-1764161000000000000.json" 'd["molecule"]["molecule_data"]["coords"]=[[0,0,0],[0,0,1]]'
batch intcoords "$TMPDIR/0-1764161000000000000.json" "$D"/1-*.json "$D"/2-*.json "$D"/3-*.json
check "integer coords + samples: one pass" '[ "$(field "$TMPDIR/intcoords.json" passes)" = 1 ]'
check "integer coords + samples: ids equal the reference" \
  'same_as_reference intcoords "$TMPDIR/0-1764161000000000000.json" "$D"/1-*.json "$D"/2-*.json "$D"/3-*.json'
# ... and alone: coords bigint ("coords":[[0,0,0],[0,0,1]] in the id text), two passes
batch intcoords_alone "$TMPDIR/0-1764161000000000000.json"
check "integer coords alone: two passes" '[ "$(field "$TMPDIR/intcoords_alone.json" passes)" = 2 ]'
check "integer coords alone: ids equal the reference" 'same_as_reference intcoords_alone "$TMPDIR/0-1764161000000000000.json"'
check "integer coords alone: bigint text" \
  '"$QBERG" vqe id --text "$TMPDIR/0-1764161000000000000.json" | grep -q "\"coords\":\[\[0,0,0\],\[0,0,1\]\]"'

# 4. a fractional imaginary part in a later file: the guess (bigint) was fixed by the earlier records, so
#    the speculation stops at that file; the rest is pass one, then pass two over everything
edit "$D"/8-*.json "$TMPDIR/9-1764161600000000000.json" 'd["vqe_result"]["initial_data"]["hamiltonian"][0]["coefficients"]["imaginary"]=0.5'
batch imag "$D"/*.json "$TMPDIR/9-1764161600000000000.json"
check "late fractional imaginary: two passes" '[ "$(field "$TMPDIR/imag.json" passes)" = 2 ]'
check "late fractional imaginary: ids equal the reference" 'same_as_reference imag "$D"/*.json "$TMPDIR/9-1764161600000000000.json"'
check "late fractional imaginary: 9 experiments, 9 molecules rows" \
  '[ "$(field "$TMPDIR/imag.json" experiments.new)" = 9 ] && [ "$(field "$TMPDIR/imag.json" tables.0.rows)" = 9 ]'
check "late fractional imaginary: no data file of the discarded pass remains" 'no_orphans "$TMPDIR/imag/wh"'
check "late fractional imaginary: the ids differ from the samples batch (imaginary is double now)" \
  '! cmp -s "$TMPDIR/imag.got" "$TMPDIR/samples.got"'

# 5. a file of two records whose second is bad: rejected whole, none of its rows written, one pass
{ cat "$D"/1-*.json; echo; head -c 300 "$D"/2-*.json; echo; } >"$TMPDIR/10-1764161700000000000.json"
{ cat "$D"/1-*.json; echo; cat "$D"/2-*.json; echo; } >"$TMPDIR/11-1764161800000000000.json"
set +e
batch multi "$D"/3-*.json "$TMPDIR/10-1764161700000000000.json" "$TMPDIR/11-1764161800000000000.json"
rc=$?
set -e
check "two-record files: exit 1 (a file was rejected)" '[ $rc = 1 ]'
check "two-record files: the bad one rejected, the good one's 2 records ingested" \
  '[ "$(field "$TMPDIR/multi.json" files_rejected)" = 1 ] && [ "$(field "$TMPDIR/multi.json" records)" = 3 ] && [ "$(field "$TMPDIR/multi.json" passes)" = 1 ]'
check "two-record files: rows of the accepted records only" 'same_as_reference multi "$D"/3-*.json "$TMPDIR/11-1764161800000000000.json"'

# 6. generated batches full of awkward values (integral doubles, absent fields, old schemas): whatever path
#    runs, the ids equal the reference
"$QBERG" vqe gen --out "$TMPDIR/edge" --count 30 --seed 20261126 --edge-cases --iterations 2-6 >/dev/null
batch edge "$TMPDIR"/edge/experiment.vqe/*.json
check "edge-case batch: ids equal the reference (passes $(field "$TMPDIR/edge.json" passes))" \
  'same_as_reference edge "$TMPDIR"/edge/experiment.vqe/*.json'
check "edge-case batch: no orphan data file" 'no_orphans "$TMPDIR/edge/wh"'

# 7. a second batch re-delivering two records of batch 4, where the speculation fails early (file 4's
#    integer imaginary parts fix the guess bigint, then file 9's 0.5 arrives): after pass two both ids are
#    those stored by batch 4, so both experiments are known and nothing is appended or counted twice
cp "$D"/4-*.json "$TMPDIR/imag/raw/experiment.vqe/12-1764161900000000000.json"
cp "$TMPDIR/9-1764161600000000000.json" "$TMPDIR/imag/raw/experiment.vqe/13-1764162000000000000.json"
"$QBERG" -w "$TMPDIR/imag/wh" ingest --raw "$TMPDIR/imag/raw" --json >"$TMPDIR/imag2.json"
check "re-delivery after a failed speculation: two passes, 2 known, 0 new, nothing appended" \
  '[ "$(field "$TMPDIR/imag2.json" passes)" = 2 ] && [ "$(field "$TMPDIR/imag2.json" experiments.known)" = 2 ] && [ "$(field "$TMPDIR/imag2.json" experiments.new)" = 0 ] && [ "$(python3 -c "import json,sys; print(sum(t[\"rows\"] for t in json.load(open(sys.argv[1]))[\"tables\"]))" "$TMPDIR/imag2.json")" = 0 ]'
check "re-delivery: duplicates = the two records' rows" \
  '[ "$(field "$TMPDIR/imag2.json" tables.0.duplicates)" = 2 ] && [ "$(field "$TMPDIR/imag2.json" tables.4.duplicates)" = "$(( $(grep -o "\"initial_parameters\":\[[^]]*\]" "$D"/4-*.json "$TMPDIR/9-1764161600000000000.json" | tr -cd , | wc -c) + 2 ))" ]'
check "re-delivery: no orphan data file" 'no_orphans "$TMPDIR/imag/wh"'

# 8. .avro containers (Kafka Connect) next to .json files: a listed *.avro makes the guess Avro field order
#    for the JSON records too (Spark's batch would), so one pass; containers are parsed to their end before
#    their rows are derived. All .avro alone: one pass as well.
"$QBERG" generate --experiments 3 --seed 5 --iterations 3-6 --format avro --out "$TMPDIR/av" >/dev/null
"$QBERG" generate --experiments 3 --seed 6 --iterations 3-6 --first-counter 50 --out "$TMPDIR/js" >/dev/null
batch mixed "$TMPDIR"/av/experiment.vqe/*.avro "$TMPDIR"/js/experiment.vqe/*.json
check "json + avro: one pass, 6 records" '[ "$(field "$TMPDIR/mixed.json" passes)" = 1 ] && [ "$(field "$TMPDIR/mixed.json" records)" = 6 ]'
check "json + avro: ids equal the reference" 'same_as_reference mixed "$TMPDIR"/av/experiment.vqe/*.avro "$TMPDIR"/js/experiment.vqe/*.json'
batch avro "$TMPDIR"/av/experiment.vqe/*.avro
check "avro only: one pass, ids equal the reference" \
  '[ "$(field "$TMPDIR/avro.json" passes)" = 1 ] && same_as_reference avro "$TMPDIR"/av/experiment.vqe/*.avro'

# topics: Spark infers each topic folder's schema on its own (spec §2.1), so a topic's ids do not depend on
# another topic's files: sample 1 keeps EXPECTED.md's id next to a topic with a fractional imaginary part
# and one with an .avro file (found by exploreE)
T="$TMPDIR/topics"
mkdir -p "$T/a.frac" "$T/b.avro" "$T/experiment.vqe"
cp "$D/1-1764161042873512960.json" "$T/experiment.vqe/"
python3 - "$D/2-1764161104108080851.json" "$T/a.frac/1-1.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r['vqe_result']['initial_data']['hamiltonian'][0]['coefficients']['imaginary'] = 0.5
open(sys.argv[2], 'w').write(json.dumps(r, separators=(',', ':')))
PY
"$QBERG" generate --experiments 1 --seed 3 --format avro --out "$TMPDIR/tav" >/dev/null
cp "$TMPDIR"/tav/experiment.vqe/*.avro "$T/b.avro/"
"$QBERG" -w "$TMPDIR/wt" ingest --raw "$T" --no-features --json >"$TMPDIR/topics.json"
check "topics: sample 1 keeps its id beside other topics' types" \
  '"$QBERG" -w "$TMPDIR/wt" scan quantum_features.molecules --columns experiment_id --format csv | grep -qx 682c1a6a3678d907355ce5aff1a3d33ed50cd4df169f3ac65bed414cd6e3330f'
check "topics: every id equals the reference of its own topic" \
  '[ "$(stored_keys "$TMPDIR/wt")" = "$( (reference_keys "$T"/a.frac/*.json; reference_keys "$T"/b.avro/*.avro; reference_keys "$T"/experiment.vqe/*.json) | LC_ALL=C sort)" ]'

# one topic holding an .avro file and a JSON record: Spark reads only the .avro files there (§2.1); the JSON
# record keeps the id it has in a topic of JSON files alone (typed apart from the .avro files, in JSON order),
# which the .avro file in the same batch changed before (found by exploreE)
M="$TMPDIR/mixtopic"
mkdir -p "$M/experiment.vqe"
cp "$T/a.frac/1-1.json" "$M/experiment.vqe/1-1.json"
cp "$TMPDIR"/tav/experiment.vqe/*.avro "$M/experiment.vqe/"
"$QBERG" -w "$TMPDIR/wm" ingest --raw "$M" --no-features >/dev/null
"$QBERG" -w "$TMPDIR/wm1" ingest --raw "$T/a.frac" --no-features >/dev/null
alone=$("$QBERG" -w "$TMPDIR/wm1" scan quantum_features.molecules --columns experiment_id --format csv | tail -n +2)
check "one topic of .avro and JSON files: the JSON record's id is its id alone" \
  '[ -n "$alone" ] && "$QBERG" -w "$TMPDIR/wm" scan quantum_features.molecules --columns experiment_id --format csv | grep -qx "$alone"'
check "one topic of .avro and JSON files: qberg vqe id agrees" \
  '[ "$("$QBERG" vqe id "$M/experiment.vqe/1-1.json" "$M"/experiment.vqe/*.avro | head -1 | cut -c1-64)" = "$alone" ]'

# a topic folder given as --raw with Kafka Connect's partition=N folders: one topic (a topic name holds no
# '='), typed as the same files side by side in one folder (found by a review: each folder was a topic)
K="$TMPDIR/kc/experiment.vqe" F="$TMPDIR/flat/experiment.vqe"
mkdir -p "$K/partition=0" "$K/partition=1" "$F"
cp "$D/1-1764161042873512960.json" "$K/partition=0/" && cp "$T/a.frac/1-1.json" "$K/partition=1/"
cp "$D/1-1764161042873512960.json" "$T/a.frac/1-1.json" "$F/"
"$QBERG" -w "$TMPDIR/wk" ingest --raw "$K" --no-features >/dev/null
"$QBERG" -w "$TMPDIR/wf" ingest --raw "$F" --no-features >/dev/null
check "partition=N folders of a topic folder: one topic, the ids of its files side by side" \
  '[ "$(stored_keys "$TMPDIR/wk")" = "$(stored_keys "$TMPDIR/wf")" ] && ! "$QBERG" -w "$TMPDIR/wk" scan quantum_features.molecules --columns experiment_id --format csv | grep -qx 682c1a6a3678d907355ce5aff1a3d33ed50cd4df169f3ac65bed414cd6e3330f'

echo "onepass.sh: $pass passed, $fail failed"
[ "$fail" = 0 ]
