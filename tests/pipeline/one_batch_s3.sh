# One batch at a time on a warehouse on S3 (radosgw, started by tests/s3/rgw-ctl when not running): there
# the ingest lock is a catalog lease (docs/PIPELINE.md "One batch at a time"), which a run waits for. Four
# ingests started together take turns: all succeed, the first stores the rows and the others find nothing
# new; every row is stored once. A run killed while holding the lease leaves it behind: the next run
# breaks it after a lease and completes the batch. A held lease past the wait fails the run cleanly.
set -eu
if [ -z "${QB_S3_ENDPOINT:-}" ]; then exec bash "$QB_ROOT/tests/s3/rgw-ctl" run -- bash "$0" "$@"; fi
export S3_ENDPOINT=$QB_S3_ENDPOINT S3_ACCESS_KEY=$QB_S3_ACCESS_KEY S3_SECRET_KEY=$QB_S3_SECRET_KEY S3_REGION=garage
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_ENDPOINT_URL QBERG_CONFIG || true
export QBERG_LOCK_LEASE_MS=2000
B=qbone-$$
. "$QB_ROOT/tests/lib/pipeline.sh" # check, finish; W and R (raw source) under $TMPDIR
rows() { "$QBERG" -w "$1" scan "quantum_features.$2" --columns experiment_id --format csv 2>/dev/null | tail -n +2 | wc -l; }
distinct() { "$QBERG" -w "$1" scan "quantum_features.$2" --columns experiment_id --format csv 2>/dev/null | tail -n +2 | sort -u | wc -l; }
appended() { python3 -c 'import json,sys; print(sum(t["rows"] for t in json.load(open(sys.argv[1]))["tables"]))' "$1"; }
"$QBERG" s3 mb "s3://$B" >/dev/null
"$QBERG" generate --experiments 30 --seed 9 --iterations 3-8 --out "$R" >/dev/null

# 1. four ingests started together
W="s3://$B/wh"
for k in 1 2 3 4; do
  (rc=0; "$QBERG" -w "$W" ingest --raw "$R" --threads $((1 + k % 2)) --json >"$TMPDIR/r$k.json" 2>"$TMPDIR/r$k.err" || rc=$?; echo $rc >"$TMPDIR/r$k.rc") &
done
wait
check "together: all four succeed ($(cat "$TMPDIR"/r?.rc | tr '\n' ' '); $(head -c 300 "$TMPDIR/r1.err"))" \
  '[ "$(cat "$TMPDIR"/r?.rc | tr -d "\n")" = 0000 ]'
n_full=0 n_empty=0
for k in 1 2 3 4; do
  a=$(appended "$TMPDIR/r$k.json")
  if [ "$a" = 0 ]; then n_empty=$((n_empty + 1)); else n_full=$((n_full + 1)); fi
done
check "together: one run stores the batch, three find nothing new ($n_full, $n_empty)" '[ $n_full = 1 ] && [ $n_empty = 3 ]'
check "together: each experiment stored once" '[ "$(rows "$W" molecules)" = 30 ] && [ "$(distinct "$W" molecules)" = 30 ]'
check "together: ml_run_summary has each experiment once" '[ "$(rows "$W" ml_run_summary)" = 30 ]'
check "together: no lease left behind" '[ -z "$("$QBERG" s3 ls "s3://$B/wh/quantum_features/_qberg_ingest/" 2>/dev/null)" ]'

# 2. a run killed while it holds the lease: the next run waits for the lease to lapse, then completes
W2="s3://$B/wh2"
"$QBERG" -w "$W2" ingest --raw "$R" >"$TMPDIR/k.out" 2>&1 &
kpid=$!
for _ in $(seq 1 100); do
  [ -n "$("$QBERG" s3 ls "s3://$B/wh2/quantum_features/_qberg_ingest/" 2>/dev/null)" ] && break
  sleep 0.05
done
kill -KILL $kpid 2>/dev/null || true
wait $kpid 2>/dev/null || true
check "the killed run left its lease ticket" '[ -n "$("$QBERG" s3 ls "s3://$B/wh2/quantum_features/_qberg_ingest/" 2>/dev/null)" ]'
t0=$(date +%s%N)
rc=0
"$QBERG" -w "$W2" ingest --raw "$R" >"$TMPDIR/k2.out" 2>&1 || rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
check "the next run breaks the stale lease and completes (exit $rc, $ms ms; $(head -c 300 "$TMPDIR/k2.out"))" \
  '[ $rc = 0 ] && [ "$(rows "$W2" molecules)" = 30 ] && [ "$(distinct "$W2" molecules)" = 30 ]'

# 3. a lease held longer than a run waits: the run fails cleanly, naming the lease, and writes nothing
W3="s3://$B/wh3"
"$QBERG" -w "$W3" ingest --raw "$R" >/dev/null 2>&1 & # holds the lease while it runs
hpid=$!
for _ in $(seq 1 100); do
  [ -n "$("$QBERG" s3 ls "s3://$B/wh3/quantum_features/_qberg_ingest/" 2>/dev/null)" ] && break
  sleep 0.05
done
rc=0
QBERG_INGEST_LEASE_WAIT_MS=0 "$QBERG" -w "$W3" ingest --raw "$R" >"$TMPDIR/w3.out" 2>"$TMPDIR/w3.err" || rc=$?
wait $hpid
check "no wait: the run behind a held lease fails with QB_ECONFLICT (exit $rc; $(head -c 400 "$TMPDIR/w3.err"))" \
  '[ $rc = 1 ] && grep -q "QB_ECONFLICT: ingest: another run is writing the quantum_features tables of this warehouse; one batch at a time" "$TMPDIR/w3.err" && grep -q "_qberg_ingest" "$TMPDIR/w3.err"'
check "no wait: the holder's batch is whole, stored once" '[ "$(rows "$W3" molecules)" = 30 ] && [ "$(distinct "$W3" molecules)" = 30 ]'
check "no wait: a free lease is taken at once" 'QBERG_INGEST_LEASE_WAIT_MS=0 "$QBERG" -w "$W3" ingest --raw "$R" >/dev/null 2>&1'
rc=0
QBERG_INGEST_LEASE_WAIT_MS=soon "$QBERG" -w "$W3" ingest --raw "$R" >/dev/null 2>"$TMPDIR/bad.err" || rc=$?
check "a wait that is not a number is refused, naming the variable (exit $rc)" \
  '[ $rc = 1 ] && grep -q "QBERG_INGEST_LEASE_WAIT_MS must be a number of ms, 0 or more, not .soon." "$TMPDIR/bad.err"'

finish one_batch_s3.sh
