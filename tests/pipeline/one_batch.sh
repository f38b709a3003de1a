# One batch at a time per warehouse (docs/PIPELINE.md "One batch at a time"): `qberg ingest` and a
# standalone `qberg features` hold the lock file quantum_features/_qberg_ingest.lock while they write.
# Without it, two ingests started together both found the same files new and stored every row twice.
# Here: a run that finds the lock held fails at once, naming the holder, and writes nothing; a dry run
# needs no lock; --watch waits for it; ingests started together store each row once.
set -eu
. "$QB_ROOT/tests/lib/pipeline.sh" # check, finish; W and R (raw source) under $TMPDIR
L="$W/quantum_features/_qberg_ingest.lock"
rows() { "$QBERG" -w "$1" scan "quantum_features.$2" --columns experiment_id --format csv 2>/dev/null | tail -n +2 | wc -l; }
wait_for() { for _ in $(seq 1 200); do if eval "$1"; then return 0; fi; sleep 0.1; done; return 1; }
"$QBERG" generate --experiments 40 --seed 8 --iterations 3-8 --out "$R" >/dev/null

# 1. the lock held by another program (flock(2) on the file, as qberg takes it: this shell holds fd 9, which
#    the qberg runs below do not inherit: an inherited descriptor would hold the lock for them)
mkdir -p "$(dirname "$L")"
exec 9<>"$L"
flock -n 9
rc=0
"$QBERG" -w "$W" ingest --raw "$R" >"$TMPDIR/i1.out" 2>"$TMPDIR/i1.err" 9>&- || rc=$?
check "ingest under a held lock: exit 1 (got $rc)" '[ $rc = 1 ]'
check "ingest under a held lock: says why and names the lock file ($(head -c 400 "$TMPDIR/i1.err"))" \
  'grep -q "QB_ECONFLICT: ingest: another run is writing the quantum_features tables of this warehouse; one batch at a time" "$TMPDIR/i1.err" && grep -q "_qberg_ingest.lock is held by another process" "$TMPDIR/i1.err"'
check "ingest under a held lock: no table created" '[ -z "$("$QBERG" -w "$W" tables quantum_features)" ]'
rc=0
"$QBERG" -w "$W" features >"$TMPDIR/f1.out" 2>"$TMPDIR/f1.err" 9>&- || rc=$?
check "features under a held lock: exit 1 and the same reason (rc $rc)" \
  '[ $rc = 1 ] && grep -q "one batch at a time" "$TMPDIR/f1.err"'
check "a dry run needs no lock" '"$QBERG" -w "$W" ingest --raw "$R" --dry-run >/dev/null 2>&1'

# 2. --watch under the held lock polls on, and ingests once the lock is free
"$QBERG" -w "$W" ingest --raw "$R" --watch --interval 0.2 --json >"$TMPDIR/w.jsonl" 2>"$TMPDIR/w.err" 9>&- &
wpid=$!
check "watch: reports the held lock and tries again" 'wait_for "grep -q \"one batch at a time.*trying again in 0.2 s\" \"$TMPDIR/w.err\""'
check "watch: nothing written while the lock is held" '[ "$(rows "$W" molecules)" = 0 ]'
exec 9>&- # released
check "watch: the 40 files are ingested once the lock is free" 'wait_for "[ \"\$(rows \"$W\" molecules)\" = 40 ]"'
kill -TERM $wpid
rc=0
wait $wpid || rc=$?
check "watch: SIGTERM ends it cleanly (exit $rc)" '[ $rc = 0 ]'

# 3. four ingests started together into a fresh warehouse: each row is stored once
W2="$TMPDIR/wh2"
for k in 1 2 3 4; do
  (rc=0; "$QBERG" -w "$W2" ingest --raw "$R" --threads $((1 + k % 2)) >"$TMPDIR/r$k.out" 2>"$TMPDIR/r$k.err" || rc=$?; echo $rc >"$TMPDIR/r$k.rc") &
done
wait
ok=0 refused=0
for k in 1 2 3 4; do
  case $(cat "$TMPDIR/r$k.rc") in
    0) ok=$((ok + 1)) ;;
    1) grep -q "one batch at a time" "$TMPDIR/r$k.err" && refused=$((refused + 1)) ;;
  esac
done
check "together: every run either ingested or was refused for the lock ($ok ingested, $refused refused)" \
  '[ $ok -ge 1 ] && [ $((ok + refused)) = 4 ]'
check "together: each experiment stored once" \
  '[ "$("$QBERG" -w "$W2" scan quantum_features.molecules --columns experiment_id --format csv | tail -n +2 | sort -u | wc -l)" = 40 ] && [ "$(rows "$W2" molecules)" = 40 ]'
check "together: ml_run_summary has each experiment once" '[ "$(rows "$W2" ml_run_summary)" = 40 ]'
check "together: the same rows as the watched warehouse" \
  '[ "$(rows "$W2" iteration_parameters)" = "$(rows "$W" iteration_parameters)" ] && [ "$(rows "$W2" hamiltonian_terms)" = "$(rows "$W" hamiltonian_terms)" ]'
check "the lock file stays, empty, after the runs" '[ -f "$W2/quantum_features/_qberg_ingest.lock" ] && [ ! -s "$W2/quantum_features/_qberg_ingest.lock" ]'

finish one_batch.sh
