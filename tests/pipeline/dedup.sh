# Key de-duplication through the experiment index (docs/PIPELINE.md "De-duplication"): re-delivered files
# append nothing without reading the tables' keys; a crash after some tables committed, or before the index
# or the ledger, is repaired by the rerun without losing or duplicating a row; a warehouse without the
# index is bootstrapped; a stored experiment with different results is compared row by row.
set -eu
W="$TMPDIR/wh"
R="$TMPDIR/raw/experiments"
mkdir -p "$R/experiment.vqe"
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi; }
TABLES="molecules ansatz_info performance_metrics vqe_results initial_parameters optimal_parameters vqe_iterations iteration_parameters hamiltonian_terms"
# rows stored per table, as qberg scan counts them
stored() { for t in $TABLES; do "$QBERG" -w "$1" scan "quantum_features.$t" --columns experiment_id --format csv | tail -n +2 | wc -l; done | tr '\n' ' '; }
# distinct key tuples per table (the seed's keys): a row must never be stored twice across batches
keys_dupes() {
  for t in molecules:experiment_id,molecule_id vqe_results:experiment_id,molecule_id,basis_set \
           optimal_parameters:parameter_id vqe_iterations:iteration_id iteration_parameters:parameter_id hamiltonian_terms:term_id; do
    "$QBERG" -w "$1" scan "quantum_features.${t%%:*}" --columns "${t#*:}" --format csv | tail -n +2 | sort | uniq -d | wc -l
  done | tr '\n' ' '
}
field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); v=d
for k in sys.argv[2].split("."): v=v[int(k)] if isinstance(v,list) else v[k]
print(v)' "$1" "$2"; }
appended() { python3 -c 'import json,sys; print(" ".join(str(t["rows"]) for t in json.load(open(sys.argv[1]))["tables"]))' "$1"; }
ingest() { "$QBERG" -w "${W2:-$W}" ingest --raw "$R" --json >"$TMPDIR/$1.json"; }

"$QBERG" generate --experiments 6 --seed 11 --iterations 5-20 --out "$TMPDIR/g1" >/dev/null
cp "$TMPDIR"/g1/experiment.vqe/*.json "$R/experiment.vqe/"
ingest b1
check "batch 1: 6 new experiments" '[ "$(field "$TMPDIR/b1.json" experiments.new)" = 6 ]'
ref1=$(stored "$W")

# re-delivery: the same records under new file names (new counters) are not in the ledger
for f in "$TMPDIR"/g1/experiment.vqe/*.json; do b=$(basename "$f"); cp "$f" "$R/experiment.vqe/9${b}"; done
ingest b2
check "re-delivered files: 6 new files" '[ "$(field "$TMPDIR/b2.json" files_new)" = 6 ]'
check "re-delivered files: 6 experiments known, none re-checked" \
  '[ "$(field "$TMPDIR/b2.json" experiments.known)" = 6 ] && [ "$(field "$TMPDIR/b2.json" experiments.rechecked)" = 0 ]'
check "re-delivered files append nothing" '[ "$(appended "$TMPDIR/b2.json")" = "0 0 0 0 0 0 0 0 0" ]'
check "re-delivered files: tables unchanged" '[ "$(stored "$W")" = "$ref1" ]'

# crash after 5 of the 9 tables committed: restore the other tables, the audit table, the index and the
# ledger as they were before the batch (a local warehouse keeps each table's state in its directory)
"$QBERG" generate --experiments 4 --seed 12 --first-counter 200 --iterations 5-20 --out "$TMPDIR/g2" >/dev/null
cp -a "$W" "$TMPDIR/before"
cp "$TMPDIR"/g2/experiment.vqe/*.json "$R/experiment.vqe/"
ingest b3
ref3=$(stored "$W")
check "batch 3 appended rows" '[ "$(field "$TMPDIR/b3.json" experiments.new)" = 4 ]'
for t in optimal_parameters vqe_iterations iteration_parameters hamiltonian_terms processing_metadata \
         experiment_index ingested_files rejected_inputs; do
  rm -rf "$W/quantum_features/$t" && cp -a "$TMPDIR/before/quantum_features/$t" "$W/quantum_features/$t"
done
check "crash simulated: fewer rows than the clean run" '[ "$(stored "$W")" != "$ref3" ]'
# maintenance between the crash and the rerun: compactions of two of the tables the batch committed (they
# stopped the walk to the interrupted batch's snapshots: the audit row said no_changes there; exploreN)
"$QBERG" -w "$W" maintain rewrite-manifests quantum_features.molecules >/dev/null
"$QBERG" -w "$W" maintain compact quantum_features.ansatz_info --min-input-files 2 >/dev/null
check "crash simulated: two tables compacted since" \
  '[ "$("$QBERG" -w "$W" snapshots quantum_features.molecules --json | grep -c "\"replace\"")" = 1 ] &&
   [ "$("$QBERG" -w "$W" snapshots quantum_features.ansatz_info --json | grep -c "\"replace\"")" = 1 ]'
ingest b3r
check "rerun recovers the interrupted batch's experiments" '[ "$(field "$TMPDIR/b3r.json" experiments.recovered)" = 4 ]'
check "rerun after the crash: same rows as the clean run" '[ "$(stored "$W")" = "$ref3" ]'
check "rerun after the crash: no key stored twice" '[ "$(keys_dupes "$W")" = "0 0 0 0 0 0 " ]'
check "rerun after the crash: only the 4 uncommitted tables get rows" \
  '[ "$(appended "$TMPDIR/b3r.json" | cut -d" " -f1-5)" = "0 0 0 0 0" ] && [ "$(appended "$TMPDIR/b3r.json" | cut -d" " -f6)" != 0 ]'
# the rerun's audit row accounts for the rows the interrupted batch committed: the 5 tables it appends nothing
# to are named by the interrupted batch's tag with its rows counted (not no_changes and 0), so every table at
# the tag the audit row names holds the same experiments (found by exploreA)
audit() { "$QBERG" -w "$W" scan quantum_features.processing_metadata --where "processing_batch_id = '$1'" \
            --columns "$2" --format jsonl | python3 -c 'import json,sys
print(*[v for v in (json.loads(l)[sys.argv[1]] for l in sys.stdin) if len(v) == 9][0])' "$2"; } # the nine tables' row
B3=$(field "$TMPDIR/b3.json" batch_id) B3R=$(field "$TMPDIR/b3r.json" batch_id)
check "rerun after the crash: its audit row names the interrupted batch's tag for the 5 tables it committed" \
  '[ "$(audit "$B3R" table_versions | cut -d" " -f1-5)" = "$(printf "v_incr_${B3//-/} %.0s" 1 2 3 4 5 | sed "s/ $//")" ]'
check "rerun after the crash: its audit row counts the interrupted batch's rows there" \
  '[ "$(audit "$B3R" record_counts | cut -d" " -f1-5)" = "$(appended "$TMPDIR/b3.json" | cut -d" " -f1-5)" ]'
tagged_ids() { # the experiments of each table at the tag the audit row of batch $1 names
  paste -d" " <(echo $TABLES | tr " " "\n") <(audit "$1" table_versions | tr " " "\n") | while read -r t v; do
    "$QBERG" -w "$W" scan "quantum_features.$t" --as-of "$v" --columns experiment_id --format csv | tail -n +2 | sort -u | md5sum
  done | sort -u | wc -l; }
check "rerun after the crash: every table at the tag its audit row names holds the same experiments" '[ "$(tagged_ids "$B3R")" = 1 ]'
ingest b3rr
check "second rerun appends nothing" '[ "$(appended "$TMPDIR/b3rr.json")" = "0 0 0 0 0 0 0 0 0" ] && [ "$(field "$TMPDIR/b3rr.json" files_new)" = 0 ]'

# crash after all tables, before the index and the ledger
"$QBERG" generate --experiments 3 --seed 13 --first-counter 300 --iterations 5-20 --out "$TMPDIR/g3" >/dev/null
rm -rf "$TMPDIR/before" && cp -a "$W" "$TMPDIR/before"
cp "$TMPDIR"/g3/experiment.vqe/*.json "$R/experiment.vqe/"
ingest b4
ref4=$(stored "$W")
for t in experiment_index ingested_files; do
  rm -rf "$W/quantum_features/$t" && cp -a "$TMPDIR/before/quantum_features/$t" "$W/quantum_features/$t"
done
ingest b4r
B4R=$(field "$TMPDIR/b4r.json" batch_id)
check "crash before the index: the batch has its own audit row, the rerun's names none of its tags" \
  '[ "$(audit "$B4R" table_versions)" = "$(printf "no_changes %.0s" 1 2 3 4 5 6 7 8 9 | sed "s/ $//")" ] && [ "$(audit "$B4R" record_counts)" = "0 0 0 0 0 0 0 0 0" ]'
check "crash before the index: the rerun appends nothing" '[ "$(appended "$TMPDIR/b4r.json")" = "0 0 0 0 0 0 0 0 0" ]'
check "crash before the index: 3 files processed again, 3 experiments recovered" \
  '[ "$(field "$TMPDIR/b4r.json" files_new)" = 3 ] && [ "$(field "$TMPDIR/b4r.json" experiments.recovered)" = 3 ]'
check "crash before the index: tables as after the clean run" '[ "$(stored "$W")" = "$ref4" ]'

# a warehouse without the index (written before it existed): bootstrapped from the tables once
"$QBERG" -w "$W" drop quantum_features.experiment_index --purge >/dev/null
for f in "$TMPDIR"/g2/experiment.vqe/*.json; do b=$(basename "$f"); cp "$f" "$R/experiment.vqe/8${b}"; done
ingest b5
check "bootstrap: all 13 stored experiments indexed" '[ "$(field "$TMPDIR/b5.json" experiments.recovered)" = 13 ]'
check "bootstrap: re-delivered files append nothing" '[ "$(appended "$TMPDIR/b5.json")" = "0 0 0 0 0 0 0 0 0" ]'
for f in "$TMPDIR"/g3/experiment.vqe/*.json; do b=$(basename "$f"); cp "$f" "$R/experiment.vqe/7${b}"; done
ingest b6
check "after bootstrap: known experiments dropped whole, without a row-by-row check" \
  '[ "$(field "$TMPDIR/b6.json" experiments.known)" = 3 ] && [ "$(field "$TMPDIR/b6.json" experiments.rechecked)" = 0 ]'
check "after bootstrap: nothing appended" '[ "$(appended "$TMPDIR/b6.json")" = "0 0 0 0 0 0 0 0 0" ]'

# the same experiment (same molecule, basis, initial data) with other results: only new keys are appended
f=$(ls "$TMPDIR"/g1/experiment.vqe/*.json | head -n 1)
python3 - "$f" "$R/experiment.vqe/500-1.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
v = d["vqe_result"]
v["optimal_parameters"] = [x + 0.125 for x in v["optimal_parameters"]]
json.dump(d, open(sys.argv[2], "w"), separators=(",", ":"))
PY
n_opt=$(python3 -c 'import json,sys; print(len(set(json.load(open(sys.argv[1]))["vqe_result"]["optimal_parameters"])))' "$f")
before_opt=$(stored "$W" | cut -d' ' -f6)
ingest b7
check "changed results: the experiment is re-checked row by row" '[ "$(field "$TMPDIR/b7.json" experiments.rechecked)" = 1 ]'
got=$(appended "$TMPDIR/b7.json")
check "changed results: only optimal_parameters rows are new ($got, $n_opt distinct values)" \
  '[ "$(echo $got | cut -d" " -f1-5)" = "0 0 0 0 0" ] && [ "$(echo $got | cut -d" " -f7-9)" = "0 0 0" ] && [ "$(echo $got | cut -d" " -f6)" -ge 1 ]'
check "changed results: no key stored twice" '[ "$(keys_dupes "$W")" = "0 0 0 0 0 0 " ]'
cp "$R/experiment.vqe/500-1.json" "$R/experiment.vqe/501-1.json"
ingest b8
check "the changed record again: nothing appended" '[ "$(appended "$TMPDIR/b8.json")" = "0 0 0 0 0 0 0 0 0" ]'

# A feature table dropped between batches (qberg drop; Spark's DROP TABLE does the same to a Hadoop table):
# the next batch creates it again, says so, and from then on compares stored experiments row by row, so
# the re-delivered raw files put the table's rows back; nothing else is appended, and once restored a
# further re-delivery appends nothing.
W3="$TMPDIR/wh3" R3="$TMPDIR/raw3"
"$QBERG" generate --experiments 5 --seed 21 --out "$R3/a" >/dev/null
"$QBERG" generate --experiments 4 --seed 22 --first-counter 100 --out "$R3/b" >/dev/null
"$QBERG" -w "$W3" ingest --raw "$R3/a" --no-features >/dev/null
"$QBERG" -w "$W3" drop quantum_features.ansatz_info
"$QBERG" -w "$W3" ingest --raw "$R3/b" --no-features >/dev/null 2>"$TMPDIR/d1.err"
check "dropped table: the batch warns, naming it" \
  'grep -q "^warning: quantum_features.ansatz_info was dropped and created again" "$TMPDIR/d1.err"'
redeliver() { # redeliver FROM TO DIGIT: FROM's files again in TO, under new names (DIGIT before each)
  mkdir -p "$R3/$2/experiment.vqe"
  for f in "$R3/$1"/experiment.vqe/*.json; do cp "$f" "$R3/$2/experiment.vqe/$3$(basename "$f")"; done
}
redeliver a c 7
"$QBERG" -w "$W3" ingest --raw "$R3/c" --no-features --json >"$TMPDIR/d2.json"
check "dropped table: re-delivered experiments are re-checked" '[ "$(field "$TMPDIR/d2.json" experiments.rechecked)" = 5 ]'
got=$(appended "$TMPDIR/d2.json")
check "dropped table: only its rows are appended ($got)" '[ "$got" = "0 5 0 0 0 0 0 0 0" ]'
check "dropped table: the index stays untrusted, no table named again" \
  '[ "$(field "$TMPDIR/d2.json" keysets_untrusted)" = True ] && [ "$(field "$TMPDIR/d2.json" tables_replaced)" = "[]" ]'
redeliver c d 8
"$QBERG" -w "$W3" ingest --raw "$R3/d" --no-features --json >"$TMPDIR/d3.json"
check "dropped table: a further re-delivery appends nothing" '[ "$(appended "$TMPDIR/d3.json")" = "0 0 0 0 0 0 0 0 0" ]'
# the same files into a warehouse that never lost the table: the same rows everywhere
W4="$TMPDIR/wh4"
for d in a b; do "$QBERG" -w "$W4" ingest --raw "$R3/$d" --no-features >/dev/null; done
check "dropped table: rows equal a warehouse that kept it" '[ "$(stored "$W3")" = "$(stored "$W4")" ]'
# (seed 21's records repeat a few iteration keys inside one record, which the seed appends as they come)
check "dropped table: no key stored twice across batches" '[ "$(keys_dupes "$W3")" = "$(keys_dupes "$W4")" ]'
# --json names the replaced tables
W5="$TMPDIR/wh5"
"$QBERG" -w "$W5" ingest --raw "$R3/a" --no-features >/dev/null
"$QBERG" -w "$W5" drop quantum_features.hamiltonian_terms
"$QBERG" -w "$W5" drop quantum_features.molecules
"$QBERG" -w "$W5" ingest --raw "$R3/b" --no-features --json >"$TMPDIR/d5.json"
check "dropped tables: --json names them" '[ "$(field "$TMPDIR/d5.json" tables_replaced)" = "['"'"'molecules'"'"', '"'"'hamiltonian_terms'"'"']" ]'

# A feature table rolled back (its main branch moved to the first batch's tag): the second batch's rows are
# gone from it alone. The next batch names it (tables_replaced, the warning) and re-checks stored
# experiments, so the second batch's files delivered again put its rows back there and append nothing
# elsewhere (before, they were dropped as stored and the table never got them back: found by exploreN)
W7="$TMPDIR/wh7"
for d in a b; do "$QBERG" -w "$W7" ingest --raw "$R3/$d" --no-features >/dev/null; done
first=$("$QBERG" -w "$W7" refs quantum_features.vqe_results --json | python3 -c 'import json,sys
print([r["snapshot-id"] for r in json.load(sys.stdin) if r["name"].startswith("v_") and not r["name"].startswith("v_incr_")][0])')
"$QBERG" -w "$W7" tag quantum_features.vqe_results main --branch --snapshot "$first" --replace >/dev/null
redeliver b e 6
"$QBERG" -w "$W7" ingest --raw "$R3/e" --no-features --json >"$TMPDIR/d7.json" 2>"$TMPDIR/d7.err"
check "rolled back table: --json names it" '[ "$(field "$TMPDIR/d7.json" tables_replaced)" = "['"'"'vqe_results'"'"']" ]'
got=$(appended "$TMPDIR/d7.json")
check "rolled back table: only its rows are appended ($got), nothing re-read in full" \
  '[ "$got" = "0 0 0 4 0 0 0 0 0" ] && [ "$(field "$TMPDIR/d7.json" experiments.recovered)" = 0 ]'
check "rolled back table: rows equal a warehouse never rolled back" '[ "$(stored "$W7")" = "$(stored "$W4")" ]'

# rows of one experiment deleted from a table (qberg delete --where): the next batch names the table and
# re-checks stored experiments, so the experiment's file delivered again puts those rows back and appends
# nothing elsewhere (before, they were dropped as stored: found by exploreN)
W8="$TMPDIR/wh8" W9="$TMPDIR/wh9"
"$QBERG" -w "$W8" ingest --raw "$R3/a" --no-features >/dev/null
"$QBERG" -w "$W9" ingest --raw "$R3/a" --no-features >/dev/null
gone=$("$QBERG" -w "$W8" scan quantum_features.optimal_parameters --columns experiment_id --format csv | tail -n +2 | head -n 1)
"$QBERG" -w "$W8" delete quantum_features.optimal_parameters --where "experiment_id = '$gone'" >/dev/null
redeliver a f 5
"$QBERG" -w "$W8" ingest --raw "$R3/f" --no-features --json >"$TMPDIR/d8.json"
check "deleted rows: --json names the table" '[ "$(field "$TMPDIR/d8.json" tables_replaced)" = "['"'"'optimal_parameters'"'"']" ]'
got=$(appended "$TMPDIR/d8.json")
check "deleted rows: only that table gets rows ($got)" \
  '[ "$(echo $got | cut -d" " -f1-5)" = "0 0 0 0 0" ] && [ "$(echo $got | cut -d" " -f7-9)" = "0 0 0" ] && [ "$(echo $got | cut -d" " -f6)" != 0 ]'
check "deleted rows: rows equal a warehouse that kept them" '[ "$(stored "$W8")" = "$(stored "$W9")" ]'

# the same delete, then the table's manifests rewritten and the delete snapshot expired before the next
# batch (maintain all a week later): the rewrite carries the delete's operation, so the batch still sees it
# (before, the walk stopped at the expired snapshot and the rows were dropped as stored: found by exploreR)
W10="$TMPDIR/wh10"
"$QBERG" -w "$W10" ingest --raw "$R3/a" --no-features >/dev/null
gone=$("$QBERG" -w "$W10" scan quantum_features.optimal_parameters --columns experiment_id --format csv | tail -n +2 | head -n 1)
"$QBERG" -w "$W10" delete quantum_features.optimal_parameters --where "experiment_id = '$gone'" >/dev/null
"$QBERG" -w "$W10" maintain rewrite-manifests quantum_features.optimal_parameters >/dev/null
"$QBERG" -w "$W10" maintain expire-snapshots quantum_features.optimal_parameters --older-than 0s --retain-last 1 >/dev/null
check "deleted, compacted, expired: the delete snapshot is gone" \
  '[ "$("$QBERG" -w "$W10" snapshots quantum_features.optimal_parameters --json | python3 -c "import json,sys
print(\" \".join(s[\"operation\"] for s in json.load(sys.stdin)))")" = "append replace" ]'
"$QBERG" -w "$W10" ingest --raw "$R3/f" --no-features --json >"$TMPDIR/d10.json"
check "deleted, compacted, expired: --json names the table" '[ "$(field "$TMPDIR/d10.json" tables_replaced)" = "['"'"'optimal_parameters'"'"']" ]'
check "deleted, compacted, expired: rows equal a warehouse that kept them" '[ "$(stored "$W10")" = "$(stored "$W9")" ]'

# the same experiment in two files of one batch (a redelivery, or the run repeated with other results):
# the seed's vqe_iterations is dropDuplicates(experiment_id, iteration_step) over the whole batch, so one row
# per step; the other tables keep in-batch duplicates (found by exploreE)
R6="$TMPDIR/raw6"
W6="$TMPDIR/wh6"
mkdir -p "$R6/a/experiment.vqe" "$R6/b/experiment.vqe"
S1="$QB_TEST_DATA/vqe/experiments/experiment.vqe/1-1764161042873512960.json"
cp "$S1" "$R6/a/experiment.vqe/1-100.json"
cp "$S1" "$R6/a/experiment.vqe/2-200.json"
python3 - "$S1" "$R6" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
it = r['vqe_result']['iteration_list']
more = [dict(x, iteration=x['iteration'] + 6, result=x['result'] - 1) for x in it]  # steps 7..18
r['vqe_result']['iteration_list'] = more
open(sys.argv[2] + '/b/experiment.vqe/3-300.json', 'w').write(json.dumps(r, separators=(',', ':')))
open(sys.argv[2] + '/b/experiment.vqe/4-400.json', 'w').write(json.dumps(r, separators=(',', ':')))
PY
"$QBERG" -w "$W6" ingest --raw "$R6/a" --no-features --json >"$TMPDIR/e6a.json"
check "one experiment twice in a batch: molecules keeps both rows, vqe_iterations one per step" \
  '[ "$(stored "$W6")" = "2 2 2 2 48 48 12 576 30 " ]'
check "one experiment twice in a batch: the dropped steps are counted as duplicates" \
  '[ "$(python3 -c "import json,sys; print([t[\"duplicates\"] for t in json.load(open(sys.argv[1]))[\"tables\"]][6])" "$TMPDIR/e6a.json")" = 12 ]'
# appended twice with steps 7..18: steps 7..12 are stored, 13..18 new, once
"$QBERG" -w "$W6" ingest --raw "$R6/b" --no-features >/dev/null
check "stored experiment twice in a batch with new steps: each new step once" \
  '[ "$(stored "$W6")" = "2 2 2 2 48 48 18 864 30 " ] && [ "$(keys_dupes "$W6" | cut -d" " -f4)" = 0 ]'

# a batch run again under its --batch-id after a crash that left 2 of its 9 tables committed (the
# scheduler's retry, docs/PIPELINE.md "Reports, progress, watch"): its audit row names the tag and counts
# the rows the first attempt committed, not `no_changes` (it did, though the tables hold the batch's rows)
W7="$TMPDIR/wh7" R7="$TMPDIR/raw7" B7=11111111-2222-3333-4444-555555555555
mkdir -p "$R7/experiment.vqe" && cp "$TMPDIR"/g1/experiment.vqe/*.json "$R7/experiment.vqe/"
"$QBERG" -w "$W7" ingest --raw "$R7" --no-features >/dev/null
rm -rf "$TMPDIR/before7" && cp -a "$W7" "$TMPDIR/before7"
cp "$TMPDIR"/g2/experiment.vqe/*.json "$R7/experiment.vqe/"
"$QBERG" -w "$W7" ingest --raw "$R7" --no-features --batch-id $B7 --json >"$TMPDIR/r7.json"
for t in performance_metrics vqe_results initial_parameters optimal_parameters vqe_iterations iteration_parameters \
         hamiltonian_terms processing_metadata experiment_index ingested_files rejected_inputs; do
  rm -rf "$W7/quantum_features/$t" && cp -a "$TMPDIR/before7/quantum_features/$t" "$W7/quantum_features/$t"
done
"$QBERG" -w "$W7" ingest --raw "$R7" --no-features --batch-id $B7 --json >"$TMPDIR/r7r.json"
audit7() { "$QBERG" -w "$W7" scan quantum_features.processing_metadata --where "processing_batch_id = '$B7'" \
             --columns table_versions,record_counts --format jsonl; }
check "batch id retried: the audit row names the batch's tag in all nine tables" \
  '[ "$(audit7 | python3 -c "import json,sys; print(set(json.load(sys.stdin)[\"table_versions\"]))")" = "{'"'"'v_incr_${B7//-/}'"'"'}" ]'
check "batch id retried: its record counts are the clean run's" \
  '[ "$(audit7 | python3 -c "import json,sys; print(*json.load(sys.stdin)[\"record_counts\"])")" = "$(appended "$TMPDIR/r7.json")" ]'
check "batch id retried: the retry appended only to the 7 tables the crash left out" \
  '[ "$(appended "$TMPDIR/r7r.json" | cut -d" " -f1-2)" = "0 0" ] && [ "$(appended "$TMPDIR/r7r.json" | cut -d" " -f3)" != 0 ]'

echo "dedup.sh: $pass passed, $fail failed"
[ "$fail" = 0 ]
