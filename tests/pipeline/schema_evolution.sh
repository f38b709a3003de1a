# Schema changes users make to the pipeline's tables (docs/PIPELINE.md "Schema changes"): the pipeline
# writes and reads its columns by field id. Before, it wrote by position: after `alter ... move-column`
# swapped two double columns of hamiltonian_terms, the next ingest stored every coefficient in the other
# column, silently; an added column failed the batch ("a row is a struct of 14 columns").
# Here a warehouse whose tables were evolved (a column added, renamed, moved, dropped, dropped and added
# back; an ML table's column renamed) takes a second delivery, and every value lands in the column it
# belongs to: the rows equal those of a control warehouse that took the same files unchanged. Also: a
# nested column added to a table the pipeline writes column by column (written row by row, null); a nested
# column dropped and added back; qberg's own tables (the ledger, the experiment index) with a column
# renamed, read and written by id. A change the pipeline cannot write through (a column's type widened)
# fails the batch before it writes anything.
set -eu
. "$QB_ROOT/tests/lib/pipeline.sh" # check, finish; W, R and T (raw source) under $TMPDIR
C="$TMPDIR/control"
ingest() { "$QBERG" -w "$1" ingest --raw "$R" >"$TMPDIR/$2.out" 2>"$TMPDIR/$2.err"; }
alter() { "$QBERG" -w "$W" alter "quantum_features.$1" "${@:2}" >/dev/null; }
"$QBERG" generate --experiments 12 --seed 21 --iterations 2-4 --out "$TMPDIR/r1" >/dev/null
"$QBERG" generate --experiments 8 --first-counter 100 --seed 22 --iterations 2-4 --out "$TMPDIR/r2" >/dev/null
"$QBERG" generate --experiments 3 --first-counter 200 --seed 23 --iterations 2-4 --out "$TMPDIR/r3" >/dev/null
mkdir -p "$T"
cp "$TMPDIR"/r1/experiment.vqe/* "$T"/
check "first delivery into the warehouse to evolve" 'ingest "$W" w1'
check "first delivery into the control warehouse" 'ingest "$C" c1'

# the changes, as a user makes them (qberg alter; Spark's ALTER TABLE commits the same metadata)
alter molecules add-column note string "a user's note"
alter vqe_results rename-column backend backend_name
alter hamiltonian_terms move-column coeff_imag term_label # two doubles change places
alter iteration_parameters move-column parameter_value first
alter initial_parameters drop-column initial_parameter_value
alter performance_metrics drop-column total_time
alter performance_metrics add-column total_time double # added back: a new field id
alter ml_run_summary rename-column final_energy last_energy
alter processing_metadata add-column operator string
list='{"type":"list","element-id":1,"element":"string","element-required":false}'
alter vqe_results add-column tags "$list"     # nested, in a table written as column batches
alter ml_iteration_features add-column tags "$list"
alter molecules drop-column atom_symbols
alter molecules add-column atom_symbols "$list" # a nested column added back: new ids inside and out
alter ingested_files rename-column file path_name
alter experiment_index rename-column experiment_digest exp_digest

cp "$TMPDIR"/r2/experiment.vqe/* "$T"/
# one experiment of the first delivery again, under a new name: the index's entries are read to compare it
first=$(ls "$TMPDIR"/r1/experiment.vqe | head -1)
cp "$TMPDIR/r1/experiment.vqe/$first" "$T/150-${first#*-}"
rc=0
ingest "$W" w2 || rc=$?
check "second delivery into the evolved warehouse: exit 0 (got $rc: $(head -c 300 "$TMPDIR/w2.err"))" '[ $rc = 0 ]'
check "second delivery into the control warehouse" 'ingest "$C" c2'

# rows of every table, both warehouses, as JSON lines; compared without the processing_* columns (batch
# ids and times differ between the two warehouses) and, in the evolved one, under the control's names
dump() { for t in molecules ansatz_info performance_metrics vqe_results initial_parameters optimal_parameters \
  vqe_iterations iteration_parameters hamiltonian_terms ml_iteration_features ml_run_summary; do
  "$QBERG" -w "$1" scan "quantum_features.$t" --format jsonl >"$TMPDIR/$2.$t.jsonl"; done; }
dump "$W" w
dump "$C" c
compare() {
  python3 - "$TMPDIR" "$1" <<'PY'
import json, sys
d, t = sys.argv[1], sys.argv[2]
renamed = {"backend_name": "backend", "last_energy": "final_energy"}
def rows(name, evolved):
    out = []
    for line in open(f"{d}/{name}.{t}.jsonl"):
        r = json.loads(line)
        r = {renamed.get(k, k) if evolved else k: v for k, v in r.items() if not k.startswith("processing_")}
        out.append(r)
    return out
w, c = rows("w", True), rows("c", False)
# the evolved warehouse's own columns: "note" and "tags" are null everywhere; initial_parameter_value is
# gone; total_time and atom_symbols, added back, hold the second delivery's values and null for the first's
for col in ("note", "tags"):
    if any(r.pop(col, None) is not None for r in w):
        sys.exit(f"{t}: the added column {col} holds values")
for r in c:
    if t == "initial_parameters":
        r.pop("initial_parameter_value")
key = lambda r: json.dumps(r, sort_keys=True)
readded = {"performance_metrics": "total_time", "molecules": "atom_symbols"}.get(t)
if readded:
    first = {r["experiment_id"] for r in w if r[readded] is None}
    if len(first) != 12:
        sys.exit(f"{t}: {len(first)} experiments without {readded}, expected the first delivery's 12")
    for r in w + c:
        if r["experiment_id"] in first:
            r[readded] = None
ws, cs = sorted(map(key, w)), sorted(map(key, c))
if ws != cs:
    diff = sorted(set(ws) ^ set(cs))[:2]
    sys.exit(f"{t}: {len(ws)} rows against the control's {len(cs)}; first differences: {diff}")
print(f"{t}: {len(ws)} rows equal")
PY
}
for t in molecules ansatz_info performance_metrics vqe_results initial_parameters optimal_parameters \
  vqe_iterations iteration_parameters hamiltonian_terms ml_iteration_features ml_run_summary; do
  check "$t: the evolved warehouse's rows equal the control's ($(compare $t 2>&1 | tail -1))" 'compare $t >/dev/null 2>&1'
done
check "hamiltonian_terms: the second delivery's coefficients are in coeff_real (not swapped into coeff_imag)" \
  '[ "$("$QBERG" -w "$W" scan quantum_features.hamiltonian_terms --format csv --columns coeff_imag | tail -n +2 | sort -u)" = "0.0" ]'
check "processing_metadata: the new column is null, the rows are there" \
  '[ "$("$QBERG" -w "$W" scan quantum_features.processing_metadata --format csv --columns operator | tail -n +2 | sort -u)" = "" ] && [ "$("$QBERG" -w "$W" scan quantum_features.processing_metadata --format csv --columns processing_name | tail -n +2 | wc -l)" = 4 ]'
check "the ledger (file renamed path_name) lists every file once: 21 in the evolved warehouse" \
  '[ "$("$QBERG" -w "$W" scan quantum_features.ingested_files --format csv --columns path_name | tail -n +2 | sort -u | wc -l)" = 21 ]'
check "a third run of the same files appends nothing (the ledger is read by id)" \
  'ingest "$W" w2b && grep -q "no_changes" "$TMPDIR/w2b.out" && ! grep -q "v_incr" "$TMPDIR/w2b.out"'
check "fsck of the evolved warehouse is clean" '"$QBERG" -w "$W" fsck --all >"$TMPDIR/fsck.out" 2>&1'

# a change the pipeline cannot write through: term_index widened from int to long
alter hamiltonian_terms widen term_index long
snaps() { for t in molecules hamiltonian_terms processing_metadata ml_run_summary; do
  "$QBERG" -w "$W" snapshots "quantum_features.$t" | wc -l; done | tr '\n' ' '; }
before=$(snaps)
cp "$TMPDIR"/r3/experiment.vqe/* "$T"/
rc=0
ingest "$W" w3 || rc=$?
check "a widened column: exit 1 (got $rc)" '[ $rc = 1 ]'
check "a widened column: the error names the table, the column and both types ($(head -c 400 "$TMPDIR/w3.err"))" \
  'grep -q "table quantum_features.hamiltonian_terms" "$TMPDIR/w3.err" && grep -q "column term_index (field id [0-9]*) is long in the table, the rows. term_index is int" "$TMPDIR/w3.err"'
check "a widened column: no table got a snapshot ($before / $(snaps))" '[ "$before" = "$(snaps)" ]'
# the ML phase's needs are checked before the batch too: a column it reads dropped from a source table, or
# an ML table's column widened, fails the run before any table gets a snapshot (the ML phase runs after the
# feature tables' commits)
W2="$TMPDIR/wh2"
rm -rf "$T" && mkdir -p "$T" && cp "$TMPDIR"/r1/experiment.vqe/* "$T"/
check "a second warehouse" 'ingest "$W2" x1'
snaps2() { for t in molecules vqe_results processing_metadata ml_run_summary ingested_files; do
  "$QBERG" -w "$W2" snapshots "quantum_features.$t" | wc -l; done | tr '\n' ' '; }
"$QBERG" -w "$W2" alter quantum_features.vqe_results drop-column optimizer >/dev/null
before=$(snaps2)
cp "$TMPDIR"/r2/experiment.vqe/* "$T"/
rc=0
ingest "$W2" x2 || rc=$?
check "an ML source column dropped: exit 1, naming it and how to add it back ($(head -c 400 "$TMPDIR/x2.err"))" \
  '[ $rc = 1 ] && grep -q "table quantum_features.vqe_results: column optimizer (field id [0-9]*), which the pipeline reads, was dropped" "$TMPDIR/x2.err" && grep -q "add-column optimizer" "$TMPDIR/x2.err"'
check "an ML source column dropped: no table got a snapshot ($before / $(snaps2))" '[ "$before" = "$(snaps2)" ]'
"$QBERG" -w "$W2" alter quantum_features.vqe_results add-column optimizer string >/dev/null
"$QBERG" -w "$W2" alter quantum_features.ml_run_summary widen num_atoms long >/dev/null
before=$(snaps2)
rc=0
ingest "$W2" x3 || rc=$?
check "an ML table's column widened: exit 1, naming it ($(head -c 400 "$TMPDIR/x3.err"))" \
  '[ $rc = 1 ] && grep -q "table quantum_features.ml_run_summary" "$TMPDIR/x3.err" && grep -q "column num_atoms (field id [0-9]*) is long in the table, the rows. num_atoms is int" "$TMPDIR/x3.err"'
check "an ML table's column widened: no table got a snapshot ($before / $(snaps2))" '[ "$before" = "$(snaps2)" ]'
finish schema_evolution
