# Real crashes (issue 7: "a crash mid-batch and a rerun neither lose nor duplicate a row"): twelve
# deliveries of new raw files, each followed by a `qberg ingest` killed with SIGKILL at a moment picked
# over its batch (parse, the tables' writes and commits, the index, the ledger, the ML job), on one and on
# two threads, all on the same warehouse; then one ingest runs to its end. The eleven tables must then
# hold exactly the rows of a warehouse that ingested each delivery cleanly (every column but the
# processing_* ones, which name the run), no key more often than there, fsck clean, and one more ingest
# appends nothing. dedup.sh and ledger_adversarial.sh put the warehouse by hand in the states a crash
# leaves; here the kernel picks them (each round prints where its kill left the tables).
set -eu
. "$QB_ROOT/tests/lib/pipeline.sh" # check, finish; W and R (raw source) under $TMPDIR
TABLES="molecules ansatz_info performance_metrics vqe_results initial_parameters optimal_parameters vqe_iterations iteration_parameters hamiltonian_terms ml_iteration_features ml_run_summary"
# one line per table: its name, row count and a digest of its rows (sorted JSON lines, processing_* dropped)
content() {
  for t in $TABLES; do
    "$QBERG" -w "$1" scan "quantum_features.$t" --format jsonl | python3 -c '
import json, sys, hashlib
rows = sorted(json.dumps({k: v for k, v in json.loads(l).items() if not k.startswith("processing_")}, sort_keys=True)
              for l in sys.stdin)
print(sys.argv[1], len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())' "$t"
  done
}
# key tuples stored more than once, per table (the seed's keys)
keys_dupes() {
  for t in molecules:experiment_id,molecule_id vqe_results:experiment_id,molecule_id,basis_set \
           initial_parameters:parameter_id optimal_parameters:parameter_id vqe_iterations:iteration_id \
           iteration_parameters:parameter_id hamiltonian_terms:term_id ml_run_summary:experiment_id; do
    "$QBERG" -w "$1" scan "quantum_features.${t%%:*}" --columns "${t#*:}" --format csv | tail -n +2 | sort | uniq -d | wc -l
  done | tr '\n' ' '
}
appended() { python3 -c 'import json,sys; print(" ".join(str(t["rows"]) for t in json.load(open(sys.argv[1]))["tables"]))' "$1"; }

# ROUNDS deliveries of GROUP new files each; the reference warehouse ingests each delivery cleanly
ROUNDS=12 GROUP=50
"$QBERG" generate --experiments $((ROUNDS * GROUP)) --seed 29 --iterations 3-12 --out "$TMPDIR/all" >/dev/null
ls "$TMPDIR/all/experiment.vqe" | sort -n >"$TMPDIR/names"
mkdir -p "$TMPDIR/ref-raw/experiment.vqe" "$R/experiment.vqe"
deliver() { # deliver ROUND DIR: the ROUND-th group of files into DIR's topic folder
  sed -n "$((($1 - 1) * GROUP + 1)),$(($1 * GROUP))p" "$TMPDIR/names" |
    while read -r f; do cp "$TMPDIR/all/experiment.vqe/$f" "$2/experiment.vqe/"; done
}
for i in $(seq 1 $ROUNDS); do
  deliver "$i" "$TMPDIR/ref-raw"
  t0=$(date +%s%N)
  "$QBERG" -w "$TMPDIR/ref" ingest --raw "$TMPDIR/ref-raw" --threads 1 >/dev/null
  echo $((($(date +%s%N) - t0) / 1000000)) >>"$TMPDIR/clean_ms"
done
clean_ms=$(sort -n "$TMPDIR/clean_ms" | sed -n "$((ROUNDS / 2))p") # the median clean batch
content "$TMPDIR/ref" >"$TMPDIR/ref.content"
check "the clean runs store rows in all eleven tables" \
  '[ "$(awk "\$2 > 0" "$TMPDIR/ref.content" | wc -l)" = 11 ]'

# The same deliveries into another warehouse, each ingest killed at a pseudo-random moment (fixed seed):
# odd rounds anywhere between 3% and 97% of the median clean batch (scaled by the files the batch has to
# do: its delivery and those earlier kills left unrecorded), even rounds in the last quarter
# (the commits, the index, the ledger and the ML job), times `scale`, which shrinks by a quarter after a
# round that ended before its kill (a busy machine made the clean batches slow) and grows back after a
# kill; one and two threads alternate. A batch left unfinished is redone by the next round's, with that
# round's new files.
RANDOM=29
killed=0 ended=0 other=0 scale=100
W=${KR_WAREHOUSE:-$TMPDIR/wh} # kill_rerun_s3.sh: a warehouse on radosgw
for i in $(seq 1 $ROUNDS); do
  deliver "$i" "$R"
  if [ $((i % 2)) = 1 ]; then pct=$((3 + RANDOM % 95)); else pct=$((75 + RANDOM % 25)); fi
  # the batch holds this round's files and those of earlier rounds left unrecorded by their kills
  recorded=$("$QBERG" -w "$W" scan quantum_features.ingested_files --columns file --format csv 2>/dev/null | tail -n +2 | wc -l || true)
  pending=$((i * GROUP - recorded))
  at_ms=$((clean_ms * pending / GROUP * pct * scale / 10000))
  # on an object store a killed run leaves its ingest lease for the next run to break (kill_rerun_s3.sh:
  # a 1 s lease): the kill comes that much later
  [ "${prev_rc:-0}" = 137 ] && at_ms=$((at_ms + ${KR_AFTER_KILL_MS:-0}))
  "$QBERG" -w "$W" ingest --raw "$R" --threads $((1 + i % 2)) >"$TMPDIR/k$i.out" 2>&1 &
  pid=$!
  sleep "$(printf '%d.%03d' $((at_ms / 1000)) $((at_ms % 1000)))"
  kill -KILL "$pid" 2>/dev/null || true
  rc=0
  wait "$pid" 2>/dev/null || rc=$?
  # where the kill left the warehouse: snapshots per table (for the log)
  snaps=$(for t in $TABLES; do
    { "$QBERG" -w "$W" snapshots "quantum_features.$t" 2>/dev/null || true; } | tail -n +2 | grep -c . || true
  done | tr '\n' ' ')
  echo "round $i: threads $((1 + i % 2)), $pending files, killed at $at_ms ms ($pct% of $clean_ms x $pending/$GROUP x $scale%), exit $rc, snapshots per table: $snaps"
  prev_rc=$rc
  case $rc in
    137) killed=$((killed + 1)); scale=$((scale * 11 / 10 > 100 ? 100 : scale * 11 / 10)) ;;
    0) ended=$((ended + 1)); scale=$((scale * 3 / 4)) ;;
    *) other=$((other + 1)); echo "round $i: ingest exited $rc:"; cat "$TMPDIR/k$i.out" ;;
  esac
done
# how many kills land before their batch ends depends on the machine's timing; a few must
check "rounds killed mid-run: $killed of $ROUNDS ($ended ended first)" '[ "$killed" -ge 3 ]'
check "no round failed on what an earlier kill left" '[ "$other" = 0 ]'

# the run after the crashes completes the last batch
"$QBERG" -w "$W" ingest --raw "$R" --json >"$TMPDIR/final.json"
check "the ingest after the kills succeeds" '[ -s "$TMPDIR/final.json" ]'
content "$W" >"$TMPDIR/got.content"
check "after the kills: every table holds exactly the clean run's rows" 'cmp -s "$TMPDIR/ref.content" "$TMPDIR/got.content"'
cmp -s "$TMPDIR/ref.content" "$TMPDIR/got.content" || diff "$TMPDIR/ref.content" "$TMPDIR/got.content" || true
# Spark's ids collide where the job's formulas make them (equal initial values, hash buckets): the same
# tuples repeat in the clean run, and the kills must add none
check "after the kills: no key stored twice that the clean run stores once" '[ "$(keys_dupes "$W")" = "$(keys_dupes "$TMPDIR/ref")" ]'
check "after the kills: fsck finds every table sound" '"$QBERG" -w "$W" fsck --all >"$TMPDIR/fsck.out" 2>&1'
grep -v ": clean: " "$TMPDIR/fsck.out" | head -20 || true # what fsck found, if anything
"$QBERG" -w "$W" ingest --raw "$R" --json >"$TMPDIR/again.json"
check "one more ingest appends nothing" '[ "$(appended "$TMPDIR/again.json")" = "0 0 0 0 0 0 0 0 0" ]'

finish kill_rerun.sh
