# qberg ingest with the raw source on S3 (radosgw, started by tests/s3/rgw-ctl when not running): the
# seed's prefix s3://bucket/experiments/ with topic subfolders, into a local warehouse and into a warehouse
# on S3; both give the same rows as a local source; a rerun appends nothing; new objects are picked up.
set -eu
if [ -z "${QB_S3_ENDPOINT:-}" ]; then exec bash "$QB_ROOT/tests/s3/rgw-ctl" run -- bash "$0" "$@"; fi
cd "$TMPDIR"
export S3_ENDPOINT=$QB_S3_ENDPOINT S3_ACCESS_KEY=$QB_S3_ACCESS_KEY S3_SECRET_KEY=$QB_S3_SECRET_KEY S3_REGION=garage
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_ENDPOINT_URL QBERG_CONFIG || true
B=qbraw-$$
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi; }
appended() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["files_new"], d["files_rejected"], " ".join(str(t["rows"]) for t in d["tables"]))' "$1"; }
sorted_rows() { "$QBERG" -w "$1" scan quantum_features.vqe_iterations --columns iteration_id,iteration_energy --format csv | tail -n +2 | sort; }

"$QBERG" s3 mb "s3://$B" >/dev/null
# raw objects: generated straight onto S3 (6 .json), plus the spec's bad sample and 2 .avro objects
"$QBERG" generate --experiments 6 --seed 31 --iterations 5-15 --out "s3://$B/experiments" >/dev/null
"$QBERG" generate --experiments 2 --seed 32 --first-counter 50 --iterations 5-15 --format avro --out "$TMPDIR/av" >/dev/null
for f in "$TMPDIR"/av/experiment.vqe/*.avro; do "$QBERG" s3 put "$f" "s3://$B/experiments/experiment.vqe/$(basename "$f")"; done
"$QBERG" s3 put "$QB_TEST_DATA/vqe/bad/04-nan-energy.json" "s3://$B/experiments/experiment.vqe/99-1.json"
check "9 raw objects on S3" '[ "$("$QBERG" s3 ls "s3://$B/experiments/" 2>/dev/null | wc -l)" = 9 ]'
# the same files locally, for the reference
mkdir -p local/experiment.vqe
"$QBERG" generate --experiments 6 --seed 31 --iterations 5-15 --out local >/dev/null
cp "$TMPDIR"/av/experiment.vqe/*.avro local/experiment.vqe/
cp "$QB_TEST_DATA/vqe/bad/04-nan-energy.json" local/experiment.vqe/99-1.json

set +e
"$QBERG" -w "$TMPDIR/ref" ingest --raw "$TMPDIR/local" --json >ref.json
"$QBERG" -w "$TMPDIR/wh1" ingest --raw "s3://$B/experiments/" --json >s1.json; rc=$?
set -e
check "S3 source, local warehouse: exit 1 for the rejected object (rc=$rc)" '[ $rc = 1 ]'
check "S3 source: 8 files in, 1 rejected, same rows as the local source ($(appended s1.json))" \
  '[ "$(appended s1.json)" = "$(appended ref.json)" ] && [ "$(appended s1.json | cut -d" " -f1-3)" = "9 1 8" ]'
check "S3 source: the rejection names the object" 'grep -q "s3://$B/experiments/experiment.vqe/99-1.json.*non-finite" s1.json'
check "S3 source: same vqe_iterations as the local source" '[ "$(sorted_rows "$TMPDIR/wh1")" = "$(sorted_rows "$TMPDIR/ref")" ]'
"$QBERG" -w "$TMPDIR/wh1" ingest --raw "s3://$B/experiments/" --json >s1b.json
check "S3 source: rerun appends nothing" '[ "$(appended s1b.json)" = "0 0 0 0 0 0 0 0 0 0 0" ]'

# warehouse on S3 too
set +e
"$QBERG" -w "s3://$B/warehouse" ingest --raw "s3://$B/experiments/experiment.vqe/" --json >s2.json 2>s2.err; rc=$?
set -e
check "S3 source (one topic folder), S3 warehouse: rc=1, same rows ($(appended s2.json) $(head -c 300 s2.err))" \
  '[ $rc = 1 ] && [ "$(appended s2.json)" = "$(appended ref.json)" ]'
check "S3 warehouse: same vqe_iterations" '[ "$(sorted_rows "s3://$B/warehouse")" = "$(sorted_rows "$TMPDIR/ref")" ]'
"$QBERG" generate --experiments 2 --seed 33 --first-counter 70 --iterations 5-15 --out "s3://$B/experiments" >/dev/null
"$QBERG" -w "s3://$B/warehouse" ingest --raw "s3://$B/experiments/experiment.vqe/" --json >s3.json
check "S3 warehouse: 2 new objects, 2 new experiments ($(appended s3.json))" \
  '[ "$(appended s3.json | cut -d" " -f1-3)" = "2 0 2" ]'
# --raw is a folder, not a key prefix: without its trailing '/', a sibling folder whose name extends it
# (experiment.vqe-old/) is not read
"$QBERG" s3 put "$TMPDIR/local/experiment.vqe/99-1.json" "s3://$B/experiments/experiment.vqe-old/1-1.json"
"$QBERG" -w "$TMPDIR/wh4" ingest --raw "s3://$B/experiments/experiment.vqe" --json >s4.json 2>/dev/null || true
seen=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["files_seen"])' s4.json)
in_folder=$("$QBERG" s3 ls "s3://$B/experiments/experiment.vqe/" 2>/dev/null | wc -l)
check "--raw without '/': only the folder's $in_folder objects, not the sibling experiment.vqe-old/ ($seen)" \
  '[ "$seen" = "$in_folder" ] && ! grep -q "experiment.vqe-old" s4.json'
"$QBERG" s3 rm -r "s3://$B/" >/dev/null 2>&1 || true
echo "s3.sh: $pass passed, $fail failed"
[ "$fail" = 0 ]
