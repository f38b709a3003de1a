# The ML feature tables (issue 8, pipeline-spec §7): qberg ingest computes ml_iteration_features and
# ml_run_summary after its batch; every column equals an independent DuckDB SQL computation over the
# feature tables' data files (tests/oracles/ml-features.mjs) for the spec's samples and generated data;
# EXPECTED.md's ML values hold; reruns add nothing; new experiments add exactly their rows; tags and
# processing_metadata audit rows; null join keys dropped and counted; join fan-out refused; icebird reads both.
set -eu
D="$QB_TEST_DATA/vqe"
W="$TMPDIR/wh"
R="$TMPDIR/raw/experiments"
mkdir -p "$R"
cp -r "$D/experiments/experiment.vqe" "$R/"
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi; }
js() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
scan() { "$QBERG" -w "$1" scan "quantum_features.$2" --format jsonl; }
# the oracle over the live data files of the five source tables and the two ML tables
oracle() {
  for t in vqe_iterations vqe_results ansatz_info molecules performance_metrics ml_iteration_features ml_run_summary; do
    "$QBERG" -w "$1" files "quantum_features.$t" --json |
      python3 -c 'import json,sys
for l in sys.stdin:
    d = json.loads(l)
    assert not d["deletes"], "delete files: the oracle reads data files only"
    print(sys.argv[1] + "\t" + d["file_path"])' "$t"
  done >"$TMPDIR/files.tsv"
  node "$QB_ORACLES/ml-features.mjs" "$TMPDIR/files.tsv" >"$TMPDIR/oracle.out" 2>&1
}

# 1. the spec's 8 samples: ingest runs the ML job
"$QBERG" -w "$W" ingest --raw "$R" --json >"$TMPDIR/run1.json"
check "samples: 171 iteration rows, 8 summaries" '[ "$(js "$TMPDIR/run1.json" "[t[\"rows\"] for t in d[\"features\"][\"tables\"]]")" = "[171, 8]" ]'
check "samples: tags v_<hex32> of the ingest batch" '[ "$(js "$TMPDIR/run1.json" "all(t[\"version\"] == \"v_\" + d[\"batch_id\"].replace(\"-\", \"\") for t in d[\"features\"][\"tables\"])")" = True ]'
check "samples: 8 new experiments, none dropped" '[ "$(js "$TMPDIR/run1.json" "(d[\"features\"][\"experiments_new\"], d[\"features\"][\"experiments_dropped\"], d[\"features\"][\"rows_dropped\"])")" = "(8, 0, 0)" ]'
check "samples: one experiment buffered at a time" '[ "$(js "$TMPDIR/run1.json" "d[\"features\"][\"max_buffered_rows\"] <= 60")" = True ]'
if oracle "$W"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: samples: DuckDB oracle"; fi
cat "$TMPDIR/oracle.out"
scan "$W" ml_iteration_features >"$TMPDIR/iter.jsonl"
scan "$W" ml_run_summary >"$TMPDIR/sum.jsonl"
if python3 "$QB_ROOT/tests/pipeline/ml_expected.py" "$D/EXPECTED.md" "$TMPDIR/iter.jsonl" "$TMPDIR/sum.jsonl" >"$TMPDIR/exp.out"; then
  pass=$((pass + 1))
else
  fail=$((fail + 1)); echo "FAIL: EXPECTED.md ML values"
fi
sed 's/^ml_expected:/EXPECTED.md ML values:/' "$TMPDIR/exp.out"

# 2. reruns add nothing (ingest with no new file, then qberg features alone)
"$QBERG" -w "$W" ingest --raw "$R" --json >"$TMPDIR/run2.json"
"$QBERG" -w "$W" features --json >"$TMPDIR/feat2.json"
check "ingest rerun adds no ML rows" '[ "$(js "$TMPDIR/run2.json" "[t[\"rows\"] for t in d[\"features\"][\"tables\"]]")" = "[0, 0]" ]'
check "features rerun adds no ML rows, no_changes" '[ "$(js "$TMPDIR/feat2.json" "[(t[\"rows\"], t[\"version\"]) for t in d[\"tables\"]]")" = "[(0, '"'"'no_changes'"'"'), (0, '"'"'no_changes'"'"')]" ]'
check "features rerun: 8 experiments seen, 0 new" '[ "$(js "$TMPDIR/feat2.json" "(d[\"experiments_seen\"], d[\"experiments_new\"])")" = "(8, 0)" ]'
check "tables still 171 / 8 rows" '[ "$(scan "$W" ml_iteration_features | wc -l) $(scan "$W" ml_run_summary | wc -l)" = "171 8" ]'

# 3. new experiments add exactly their rows (generated data)
mkdir -p "$TMPDIR/new"
"$QBERG" generate --experiments 4 --first-counter 100 --seed 11 --out "$TMPDIR/new" >/dev/null
cp "$TMPDIR"/new/experiment.vqe/*.json "$R/experiment.vqe/"
"$QBERG" -w "$W" ingest --raw "$R" --json >"$TMPDIR/run3.json"
iters3=$(js "$TMPDIR/run3.json" "[t[\"rows\"] for t in d[\"tables\"] if t[\"table\"] == \"vqe_iterations\"][0]")
check "new experiments: their iterations ($iters3) and 4 summaries" '[ "$(js "$TMPDIR/run3.json" "[t[\"rows\"] for t in d[\"features\"][\"tables\"]]")" = "[$iters3, 4]" ] && [ "$iters3" -gt 0 ]'
check "new experiments: tags v_incr_<hex32>" '[ "$(js "$TMPDIR/run3.json" "all(t[\"version\"] == \"v_incr_\" + d[\"batch_id\"].replace(\"-\", \"\") for t in d[\"features\"][\"tables\"])")" = True ]'
check "12 summaries, one per experiment" '[ "$(scan "$W" ml_run_summary | python3 -c "import json,sys; print(len({json.loads(l)[\"experiment_id\"] for l in sys.stdin}))")" = 12 ]'
# generated edge cases (absent optional fields, null deltas and cumulative minima, 1-iteration runs)
mkdir -p "$TMPDIR/edge"
"$QBERG" vqe gen --out "$TMPDIR/edge" --count 25 --seed 5 --iterations 1-40 --edge-cases --first-counter 300 >/dev/null
cp "$TMPDIR"/edge/experiment.vqe/*.json "$R/experiment.vqe/"
"$QBERG" -w "$W" ingest --raw "$R" --json >"$TMPDIR/run4.json"
check "edge cases: 25 summaries" '[ "$(js "$TMPDIR/run4.json" "d[\"features\"][\"tables\"][1][\"rows\"]")" = 25 ]'
if oracle "$W"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: samples + generated: DuckDB oracle"; fi
cat "$TMPDIR/oracle.out"

# 4. audit and tags
scan "$W" processing_metadata | grep quantum_ml_feature_processing >"$TMPDIR/audit" || true
check "one ML audit row per run (5 runs)" '[ "$(wc -l <"$TMPDIR/audit")" = 5 ]'
check "ML audit row of the first run" 'grep -q "\"table_names\":\[\"ml_iteration_features\",\"ml_run_summary\"\].*\"record_counts\":\[171,8\]" "$TMPDIR/audit"'
check "ML audit row names the tags" 'grep -q "\"table_versions\":\[\"v_incr_[0-9a-f]\{32\}\",\"v_incr_[0-9a-f]\{32\}\"\]" "$TMPDIR/audit"'
for t in ml_iteration_features ml_run_summary; do
  check "$t has 3 tags" '[ "$("$QBERG" -w "$W" refs "quantum_features.$t" | grep -c "tag")" = 3 ]'
  n=$(scan "$W" "$t" | wc -l)
  ib=$(node "$QB_ORACLES/iceberg-scan.mjs" "$W/quantum_features/$t" --count 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["rows"])')
  check "icebird reads $t ($ib rows, qberg $n)" '[ "$ib" = "$n" ] && [ "$n" -gt 0 ]'
done

# 5. null join keys: a batch whose ansatz_info rows are gone has a null basis_set -> dropped and counted
mkdir -p "$TMPDIR/nk"
"$QBERG" generate --experiments 2 --first-counter 500 --seed 21 --out "$TMPDIR/nk" >/dev/null
cp "$TMPDIR"/nk/experiment.vqe/*.json "$R/experiment.vqe/"
B5=11111111-2222-4333-8444-555555555555
"$QBERG" -w "$W" ingest --raw "$R" --batch-id $B5 --no-features --json >"$TMPDIR/run5.json"
check "--no-features leaves the ML tables alone (no features report, no time in the features phase)" \
  'python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(\"features\" in d or d[\"phases_ms\"][\"features\"] != 0)" "$TMPDIR/run5.json"'
iters5=$(js "$TMPDIR/run5.json" "[t[\"rows\"] for t in d[\"tables\"] if t[\"table\"] == \"vqe_iterations\"][0]")
"$QBERG" -w "$W" delete quantum_features.ansatz_info --where "processing_batch_id = '$B5'" >/dev/null
"$QBERG" -w "$W" features --json >"$TMPDIR/feat5.json"
check "39 experiments seen" '[ "$(js "$TMPDIR/feat5.json" "d[\"experiments_seen\"]")" = 39 ]'
check "null basis_set: 2 experiments, $iters5 rows dropped, nothing written" '[ "$(js "$TMPDIR/feat5.json" "(d[\"experiments_new\"], d[\"experiments_dropped\"], d[\"rows_dropped\"], [t[\"rows\"] for t in d[\"tables\"]])")" = "(2, 2, $iters5, [0, 0])" ]'
if oracle "$W"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: after the null-key drop: DuckDB oracle"; fi
cat "$TMPDIR/oracle.out"

# 6. fan-out: the same record twice in one batch gives two context rows per experiment -> refused
W2="$TMPDIR/wh2"
R2="$TMPDIR/raw2/experiments/experiment.vqe"
mkdir -p "$R2"
cp "$D/experiments/experiment.vqe/1-1764161042873512960.json" "$R2/"
cp "$D/experiments/experiment.vqe/1-1764161042873512960.json" "$R2/9-1764161042873512999.json"
set +e
"$QBERG" -w "$W2" ingest --raw "$TMPDIR/raw2/experiments" >"$TMPDIR/fan.out" 2>"$TMPDIR/fan.err"; rc=$?
set -e
check "fan-out: ingest fails" '[ $rc = 1 ]'
check "fan-out: the error names table and experiment" 'grep -q "Join fan-out detected: vqe_results holds more than one row for experiment_id 682c1a6a" "$TMPDIR/fan.err"'
check "fan-out: nothing written to the ML tables" '[ "$(scan "$W2" ml_iteration_features | wc -l) $(scan "$W2" ml_run_summary | wc -l)" = "0 0" ]'
check "fan-out: the nine tables were committed" '[ "$(scan "$W2" molecules | wc -l)" = 2 ]'

# 7. the oracle is not blind: a duplicated summary row is caught
scan "$W" ml_run_summary | head -n 1 >"$TMPDIR/dup.jsonl"
"$QBERG" -w "$W" append quantum_features.ml_run_summary "$TMPDIR/dup.jsonl" >/dev/null
if oracle "$W"; then fail=$((fail + 1)); echo "FAIL: the oracle accepted a duplicated row"; else pass=$((pass + 1)); fi
echo "ml_features.sh: $pass passed, $fail failed"
[ "$fail" = 0 ]
