# The ML feature phase reads only the data appended since its last run (issue 7): after a first batch of 40
# experiments, a second batch of 10 raw files makes the ML phase read exactly the rows and files of that
# batch (counted by the scans, compared with the ingest's own counts and `qberg files`), and the ML tables
# are bit-equal to those of one ingest of all 50, without reading ml_run_summary's experiment ids (the
# ingest's experiment index says which experiments are new). Also: iterations appended to a stored experiment (split
# across batches) are read and skipped; compactions of the source or ML tables change nothing; a run that
# died between the two ML commits (simulated by rolling ml_run_summary back) is completed by a whole-table
# run; an expired position falls back to whole tables; every fallback says why.
set -eu
export QB_TEST_NOW=20261126T120000Z
W="$TMPDIR/wh"
R="$TMPDIR/raw/experiments"
mkdir -p "$R/experiment.vqe" "$TMPDIR/b1" "$TMPDIR/b2" "$TMPDIR/b3"
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi; }
js() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
scan() { "$QBERG" -w "$1" scan "quantum_features.$2" --format jsonl; }
SOURCES="vqe_iterations vqe_results ansatz_info molecules performance_metrics"
nfiles() { "$QBERG" -w "$W" files "quantum_features.$1" --json | wc -l; }
nrows() { scan "$W" "$1" | wc -l; }
# the ML tables as sorted JSON lines (numbers as qberg prints them: shortest round-trip, so bit-equal)
ml_rows() { scan "$1" "$2" | sort; }

"$QBERG" generate --experiments 40 --seed 3 --iterations 50-120 --out "$TMPDIR/b1" >/dev/null
"$QBERG" generate --experiments 10 --seed 4 --iterations 50-120 --first-counter 100 --out "$TMPDIR/b2" >/dev/null
cp "$TMPDIR"/b1/experiment.vqe/*.json "$R/experiment.vqe/"

# 1. first batch: the whole tables (nothing recorded yet)
"$QBERG" -w "$W" ingest --raw "$R" --json >"$TMPDIR/run1.json"
check "first batch: whole tables, first run" '[ "$(js "$TMPDIR/run1.json" "(d[\"features\"][\"incremental\"], d[\"features\"][\"full_scan_reason\"], d[\"features\"][\"experiments_new\"])")" = "(False, '"'"'first run of the ML tables'"'"', 40)" ]'
for t in $SOURCES; do eval "files_$t=$(nfiles $t)"; done

# 2. ten new raw files: the ML phase reads their rows only (vqe_iterations twice: ids, then iterations)
cp "$TMPDIR"/b2/experiment.vqe/*.json "$R/experiment.vqe/"
"$QBERG" -w "$W" ingest --raw "$R" --json >"$TMPDIR/run2.json"
new_rows=$(python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
n = {t["table"]: t["rows"] for t in d["tables"]}
print(2 * n["vqe_iterations"] + n["vqe_results"] + n["ansatz_info"] + n["molecules"] + n["performance_metrics"])' "$TMPDIR/run2.json")
new_files=0
for t in $SOURCES; do
  eval "before=\$files_$t"
  added=$(($(nfiles $t) - before))
  [ $t = vqe_iterations ] && added=$((added * 2))
  new_files=$((new_files + added))
done
check "second batch: incremental, 10 new experiments" '[ "$(js "$TMPDIR/run2.json" "(d[\"features\"][\"incremental\"], d[\"features\"][\"full_scan_reason\"], d[\"features\"][\"experiments_new\"], d[\"features\"][\"experiments_seen\"])")" = "(True, '"''"', 10, 50)" ]'
read_rows=$(js "$TMPDIR/run2.json" 'd["features"]["source_rows_read"]')
read_files=$(js "$TMPDIR/run2.json" 'd["features"]["source_files_read"]')
check "second batch: source rows read ($read_rows) = rows of the new files ($new_rows)" '[ "$read_rows" = "$new_rows" ]'
check "second batch: source files read ($read_files) = the new files ($new_files)" '[ "$read_files" = "$new_files" ]'
whole=$((2 * $(nrows vqe_iterations)))
for t in vqe_results ansatz_info molecules performance_metrics; do whole=$((whole + $(nrows $t))); done
check "second batch: under a quarter of what a whole-table read takes ($whole rows)" '[ $((read_rows * 4)) -lt $whole ]'
# the batch's experiment index says which experiments are new: ml_run_summary's ids (40) are not read
check "second batch: no experiment id read from the ML tables (the ingest's index answered)" '[ "$(js "$TMPDIR/run2.json" "(d[\"features\"][\"stored_ids_read\"], d[\"features\"][\"stored_ids_reason\"])")" = "(0, '"''"')" ]'
sid=$(js "$TMPDIR/run2.json" 'd["features"]["tables"][1]["snapshot_id"]')
itid=$(js "$TMPDIR/run2.json" '[t["snapshot_id"] for t in d["tables"] if t["table"] == "vqe_iterations"][0]')
"$QBERG" -w "$W" snapshots quantum_features.ml_run_summary --json >"$TMPDIR/snaps.json"
check "ml_run_summary's snapshot records the vqe_iterations snapshot read, nothing pending" '[ "$(js "$TMPDIR/snaps.json" "[(s[\"summary\"][\"qberg.ml.src.vqe_iterations\"], s[\"summary\"][\"qberg.ml.pending\"]) for s in d if s[\"snapshot-id\"] == $sid]")" = "[('"'"'$itid'"'"', '"'"'0'"'"')]" ]'

# the same 50 experiments in one ingest: the same ML rows, bit for bit
W1="$TMPDIR/wh_once"
"$QBERG" -w "$W1" ingest --raw "$R" --json >"$TMPDIR/once.json"
for t in ml_iteration_features ml_run_summary; do
  ml_rows "$W" $t >"$TMPDIR/incr.$t"
  ml_rows "$W1" $t >"$TMPDIR/once.$t"
  check "$t: two batches = one batch ($(wc -l <"$TMPDIR/once.$t") rows)" 'cmp -s "$TMPDIR/incr.$t" "$TMPDIR/once.$t" && [ -s "$TMPDIR/once.$t" ]'
done

# 3. an experiment split across batches: more iterations of a stored experiment are read, and skipped as
#    the whole-table run skips them (the experiment is in both ML tables)
scan "$W" vqe_iterations | head -n 3 | python3 -c 'import json,sys
for l in sys.stdin:
    d = json.loads(l)
    d["iteration_step"] += 100000
    d["iteration_id"] = d["iteration_id"] + "-late"
    print(json.dumps(d))' >"$TMPDIR/late.jsonl"
"$QBERG" -w "$W" append quantum_features.vqe_iterations "$TMPDIR/late.jsonl" >/dev/null
"$QBERG" -w "$W" features --json >"$TMPDIR/feat3.json"
check "split experiment: incremental, 3 rows read, nothing new" '[ "$(js "$TMPDIR/feat3.json" "(d[\"incremental\"], d[\"source_rows_read\"], d[\"experiments_new\"], [t[\"rows\"] for t in d[\"tables\"]])")" = "(True, 3, 0, [0, 0])" ]'

# 4. a compaction of vqe_iterations (a replace snapshot) is passed over
"$QBERG" -w "$W" maintain compact quantum_features.vqe_iterations --min-input-files 2 >/dev/null
check "compaction committed a replace snapshot" '"$QBERG" -w "$W" snapshots quantum_features.vqe_iterations | tail -n 1 | grep -q " replace "'
"$QBERG" generate --experiments 3 --seed 5 --iterations 50-60 --first-counter 200 --out "$TMPDIR/b3" >/dev/null
cp "$TMPDIR"/b3/experiment.vqe/*.json "$R/experiment.vqe/"
"$QBERG" -w "$W" ingest --raw "$R" --json >"$TMPDIR/run4.json"
new4=$(python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
n = {t["table"]: t["rows"] for t in d["tables"]}
print(2 * n["vqe_iterations"] + n["vqe_results"] + n["ansatz_info"] + n["molecules"] + n["performance_metrics"] + 2 * 3)' "$TMPDIR/run4.json")
check "after a compaction: incremental, the new rows (and the 3 late ones, twice) read: $new4" '[ "$(js "$TMPDIR/run4.json" "(d[\"features\"][\"incremental\"], d[\"features\"][\"experiments_new\"], d[\"features\"][\"source_rows_read\"])")" = "(True, 3, $new4)" ]'
# the appended data is more than this batch's (the late rows, the compaction): its index cannot answer for
# them, so ml_run_summary's 50 ids are read, and the report says why
check "after a compaction: ml_run_summary's 50 ids read, with the reason" '[ "$(js "$TMPDIR/run4.json" "d[\"features\"][\"stored_ids_read\"]")" = 50 ] && grep -q "more than this ingest batch" "$TMPDIR/run4.json"'

# 5. a run that died between the two commits: ml_run_summary rolled back to before the last run
prev=$("$QBERG" -w "$W" snapshots quantum_features.ml_run_summary | tail -n 2 | head -n 1 | awk '{print $1}')
"$QBERG" -w "$W" tag quantum_features.ml_run_summary main --branch --snapshot "$prev" --replace >/dev/null
"$QBERG" -w "$W" features --json >"$TMPDIR/feat5.json"
check "crash between the commits: whole tables, the 3 missing summaries only" '[ "$(js "$TMPDIR/feat5.json" "(d[\"incremental\"], [t[\"rows\"] for t in d[\"tables\"]])")" = "(False, [0, 3])" ]'
check "crash between the commits: the reason" 'grep -q "different source positions" "$TMPDIR/feat5.json"'
"$QBERG" -w "$W" features --json >"$TMPDIR/feat5b.json"
check "after the completion: incremental again, nothing new" '[ "$(js "$TMPDIR/feat5b.json" "(d[\"incremental\"], d[\"experiments_new\"], d[\"experiments_seen\"])")" = "(True, 0, 53)" ]'
"$QBERG" -w "$W1" ingest --raw "$R" --json >/dev/null
ml_rows "$W" ml_run_summary >"$TMPDIR/incr.sum"
ml_rows "$W1" ml_run_summary >"$TMPDIR/once.sum"
check "ml_run_summary after the completion = one-batch tables (53 rows)" 'cmp -s "$TMPDIR/incr.sum" "$TMPDIR/once.sum" && [ "$(wc -l <"$TMPDIR/once.sum")" = 53 ]'

# 5b. a compaction of the ML tables keeps the positions of the snapshot it replaced
for t in ml_iteration_features ml_run_summary; do
  "$QBERG" -w "$W" maintain compact quantum_features.$t --min-input-files 2 >/dev/null
  check "$t compacted (a replace snapshot)" '"$QBERG" -w "$W" snapshots quantum_features.$t | tail -n 1 | grep -q " replace "'
done
"$QBERG" -w "$W" features --json >"$TMPDIR/feat5c.json"
check "after compacting the ML tables: still incremental" '[ "$(js "$TMPDIR/feat5c.json" "(d[\"incremental\"], d[\"full_scan_reason\"], d[\"experiments_new\"])")" = "(True, '"''"', 0)" ]'

# 6. the recorded vqe_iterations snapshot expired (after a batch without the ML phase): whole tables, and
#    the reason says so
mkdir -p "$TMPDIR/b4"
"$QBERG" generate --experiments 2 --seed 6 --iterations 50-60 --first-counter 300 --out "$TMPDIR/b4" >/dev/null
cp "$TMPDIR"/b4/experiment.vqe/*.json "$R/experiment.vqe/"
"$QBERG" -w "$W" ingest --raw "$R" --no-features --json >/dev/null
for tag in $("$QBERG" -w "$W" refs quantum_features.vqe_iterations | awk '$2 == "tag" {print $1}'); do
  "$QBERG" -w "$W" tag quantum_features.vqe_iterations "$tag" --remove >/dev/null
done
"$QBERG" -w "$W" maintain expire-snapshots quantum_features.vqe_iterations --older-than 2099-01-01 --retain-last 1 >/dev/null
"$QBERG" -w "$W" features --json >"$TMPDIR/feat6.json"
check "expired position: whole tables, 2 new experiments" '[ "$(js "$TMPDIR/feat6.json" "(d[\"incremental\"], d[\"experiments_new\"])")" = "(False, 2)" ]'
check "expired position: the reason" 'grep -q "is not an ancestor" "$TMPDIR/feat6.json"'
"$QBERG" -w "$W1" ingest --raw "$R" --json >/dev/null
for t in ml_iteration_features ml_run_summary; do
  ml_rows "$W" $t >"$TMPDIR/incr.$t"
  ml_rows "$W1" $t >"$TMPDIR/once.$t"
done
# the split experiment's late iterations exist only in $W: the one-batch warehouse never saw them, and
# neither ML table took them in (the experiment was stored), so the tables still agree
check "after every fallback: both ML tables = the one-batch warehouse's" 'cmp -s "$TMPDIR/incr.ml_iteration_features" "$TMPDIR/once.ml_iteration_features" && cmp -s "$TMPDIR/incr.ml_run_summary" "$TMPDIR/once.ml_run_summary"'
# 7. compactions of the source tables, then a batch: its append lies on the compactions of the recorded
#    positions, so its index still answers and no stored id is read (before, every stored id: found by exploreN)
for t in vqe_iterations molecules vqe_results; do
  "$QBERG" -w "$W" maintain rewrite-manifests quantum_features.$t >/dev/null
  "$QBERG" -w "$W" maintain compact quantum_features.$t --min-input-files 2 >/dev/null
done
check "source tables compacted (replace snapshots)" \
  '"$QBERG" -w "$W" snapshots quantum_features.vqe_iterations | tail -n 1 | grep -q " replace "'
mkdir -p "$TMPDIR/b5"
"$QBERG" generate --experiments 2 --seed 8 --iterations 50-60 --first-counter 250 --out "$TMPDIR/b5" >/dev/null
cp "$TMPDIR"/b5/experiment.vqe/*.json "$R/experiment.vqe/"
"$QBERG" -w "$W" ingest --raw "$R" --json >"$TMPDIR/run5.json"
check "after compacting the sources: incremental, 2 new, no stored id read" \
  '[ "$(js "$TMPDIR/run5.json" "(d[\"features\"][\"incremental\"], d[\"features\"][\"experiments_new\"], d[\"features\"][\"stored_ids_read\"], d[\"features\"][\"stored_ids_reason\"])")" = "(True, 2, 0, '"''"')" ]'

# 8. tags that age out (history.expire.max-ref-age-ms) and `maintain all` run daily for a week without a
#    batch: the snapshots the ML tables recorded as positions, and the ML tables' own before their
#    compaction, expire; the compactions carry them (qberg.carried-from), so the next batch still reads
#    incrementally, no stored id, and gives the ML rows of a warehouse never maintained (found by exploreN)
W8="$TMPDIR/wh8" W9="$TMPDIR/wh9" R8="$TMPDIR/raw8/experiments"
mkdir -p "$R8/experiment.vqe"
for b in b3 b4; do # two batches: two snapshots of every table to compact
  cp "$TMPDIR"/$b/experiment.vqe/*.json "$R8/experiment.vqe/"
  for w in "$W8" "$W9"; do "$QBERG" -w "$w" ingest --raw "$R8" >/dev/null; done
done
for t in $("$QBERG" -w "$W8" tables quantum_features | awk '{print $1}'); do
  "$QBERG" -w "$W8" alter "$t" set-property history.expire.max-ref-age-ms=86400000 >/dev/null
done
day=86400000 now=$(($(date +%s) * 1000))
QB_TEST_NOW=$((now + day)) "$QBERG" -w "$W8" maintain all >/dev/null 2>&1
QB_TEST_NOW=$((now + 9 * day)) "$QBERG" -w "$W8" maintain all >/dev/null 2>&1
check "a week of maintain all: one snapshot left in vqe_iterations and ml_run_summary" \
  '[ "$("$QBERG" -w "$W8" snapshots quantum_features.vqe_iterations --json | grep -o "\"snapshot-id\"" | wc -l)" = 1 ] &&
   [ "$("$QBERG" -w "$W8" snapshots quantum_features.ml_run_summary --json | grep -o "\"snapshot-id\"" | wc -l)" = 1 ]'
check "a week of maintain all: vqe_iterations and ml_run_summary compacted" \
  '"$QBERG" -w "$W8" snapshots quantum_features.vqe_iterations | tail -n 1 | grep -q " replace " &&
   "$QBERG" -w "$W8" snapshots quantum_features.ml_run_summary | tail -n 1 | grep -q " replace "'
cp "$TMPDIR"/b5/experiment.vqe/*.json "$R8/experiment.vqe/"
QB_TEST_NOW=$((now + 9 * day + 1000)) "$QBERG" -w "$W8" ingest --raw "$R8" --json >"$TMPDIR/run8.json"
QB_TEST_NOW=$((now + 9 * day + 1000)) "$QBERG" -w "$W9" ingest --raw "$R8" >/dev/null # the same processing_date
check "after a week of maintain all: incremental, 2 new, no stored id read" \
  '[ "$(js "$TMPDIR/run8.json" "(d[\"features\"][\"incremental\"], d[\"features\"][\"experiments_new\"], d[\"features\"][\"stored_ids_read\"])")" = "(True, 2, 0)" ]'
for t in ml_iteration_features ml_run_summary; do
  check "after a week of maintain all: $t = a warehouse never maintained" 'cmp -s <(ml_rows "$W8" $t) <(ml_rows "$W9" $t)'
done

echo "ml_incremental.sh: $pass passed, $fail failed"
[ "$fail" = 0 ]
