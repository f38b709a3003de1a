# qberg vqe rows|id|gen: row counts of the sample batch (EXPECTED.md), bad files rejected while good ones
# go on (exit 1), usage errors (exit 2), generated files readable by the rows verb.
set -u
S=$QB_TEST_DATA/vqe
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { echo "FAILED: $*"; failed=$((failed + 1)); }

# rows of the 8 samples, processed as one batch, with a fixed clock and batch id
QB_TEST_NOW=20251126T120000Z "$QBERG" vqe rows "$S"/experiments/experiment.vqe/*.json --batch-id 3f1c2d4e-0000-4000-8000-1234567890ab \
  >"$TMPDIR/rows.jsonl" || bad "vqe rows exit $?"
counts=$(python3 -c '
import json, collections, sys
c = collections.Counter(json.loads(l)["table"] for l in open(sys.argv[1]))
print(" ".join(str(c[t]) for t in ["molecules","ansatz_info","performance_metrics","vqe_results","initial_parameters","optimal_parameters","vqe_iterations","iteration_parameters","hamiltonian_terms"]))' "$TMPDIR/rows.jsonl")
[ "$counts" = "8 8 8 8 408 408 171 9768 360" ] && ok || bad "row counts: $counts"
python3 -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)["row"]
    assert r["processing_timestamp"] == "2025-11-26T12:00:00.000000Z", r["processing_timestamp"]
    assert r["processing_date"] == "2025-11-26" and r["processing_name"] == "quantum_base_processing"
    assert r["processing_batch_id"] == "3f1c2d4e-0000-4000-8000-1234567890ab"' "$TMPDIR/rows.jsonl" && ok || bad "meta columns"

# --table: bare rows of one table
n=$("$QBERG" vqe rows --table vqe_iterations "$S"/experiments/experiment.vqe/1-*.json | grep -c '"iteration_id":"682c1a6a3678d907355ce5aff1a3d33ed50cd4df169f3ac65bed414cd6e3330f_iter_')
[ "$n" = 12 ] && ok || bad "--table vqe_iterations: $n rows"

# a bad file is rejected with its reason; the good one is still processed; exit status 1
"$QBERG" vqe id "$S"/experiments/experiment.vqe/7-*.json "$S"/bad/04-nan-energy.json >"$TMPDIR/out" 2>"$TMPDIR/err"
rc=$?
[ $rc = 1 ] && ok || bad "bad file exit $rc"
grep -q '^bd529ad3994c5c57466af3a15edde57d1631c2862c27a8869327f7dce5304c3f ' "$TMPDIR/out" && ok || bad "good file after a bad one"
grep -q 'rejected: QB_ECORRUPT: .*04-nan-energy.json: line 1: vqe_result.iteration_list\[2\].result: non-finite number NaN' "$TMPDIR/err" \
  && ok || bad "rejection message: $(cat "$TMPDIR/err")"
"$QBERG" vqe id "$TMPDIR/missing.json" 2>"$TMPDIR/err"; [ $? = 1 ] && grep -q 'rejected: QB_ENOTFOUND' "$TMPDIR/err" && ok || bad "missing file"

# --text prints the to_json text that is hashed
"$QBERG" vqe id --text "$S"/experiments/experiment.vqe/7-*.json | grep -q '^{"molecule_data":{"charge":0,"coords":\[\[0.0,0.0,0.0\],\[0.0,0.0,1.2\]\],"multiplicity":1,"symbols":\["He","He"\]' \
  && ok || bad "id --text"
"$QBERG" --json vqe id "$S"/experiments/experiment.vqe/7-*.json | grep -q '"experiment_id":"bd529ad3994c5c57466af3a15edde57d1631c2862c27a8869327f7dce5304c3f"}$' \
  && ok || bad "id --json"

# usage errors
for args in "" "rows" "nope x" "rows --table no_such_table $S/bad/04-nan-energy.json" "gen" "gen --out $TMPDIR/g --count -1" \
    "gen --out $TMPDIR/g --iterations 5" "rows --bogus x"; do
  "$QBERG" vqe $args >/dev/null 2>&1; rc=$?
  [ $rc = 2 ] && ok || bad "usage 'vqe $args' exit $rc"
done
"$QBERG" vqe --help | grep -q '^usage: qberg vqe rows' && ok || bad "--help"

# generated files are accepted and reproducible
"$QBERG" vqe gen --out "$TMPDIR/g1" --count 4 --seed 5 --iterations 3-9 >/dev/null && ok || bad "gen"
"$QBERG" vqe gen --out "$TMPDIR/g2" --count 4 --seed 5 --iterations 3-9 >/dev/null
diff -r "$TMPDIR/g1" "$TMPDIR/g2" >/dev/null && ok || bad "gen is not reproducible"
[ "$(ls "$TMPDIR/g1/experiment.vqe" | grep -c "^[1-4]-[0-9]*\.json$")" = 4 ] && ok || bad "gen layout"
"$QBERG" vqe rows "$TMPDIR"/g1/experiment.vqe/*.json --table molecules | wc -l | grep -qx 4 && ok || bad "rows of generated files"

echo "vqe_cli: $passed passed, $failed failed"
[ "$failed" = 0 ]
