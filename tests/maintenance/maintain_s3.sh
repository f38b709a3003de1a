# qberg maintain on an S3 warehouse (radosgw, started by tests/s3/rgw-ctl when not running): expire deletes the
# expired snapshots' manifest lists and the files only they reached, through DeleteObjects; remove-orphans lists
# the table prefix, deletes an unreferenced object and never one of a sibling table whose key merely starts
# with the same characters ("t" vs "tx"), and aborts the multipart uploads killed writers left under the table
# (`s3 ls --uploads`, `s3 abort-uploads` too); rows read the same before and after.
set -eu
if [ -z "${QB_S3_ENDPOINT:-}" ]; then exec bash "$QB_ROOT/tests/s3/rgw-ctl" run -- bash "$0" "$@"; fi
cd "$TMPDIR"
export S3_ENDPOINT=$QB_S3_ENDPOINT S3_ACCESS_KEY=$QB_S3_ACCESS_KEY S3_SECRET_KEY=$QB_S3_SECRET_KEY S3_REGION=garage
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_ENDPOINT_URL QBERG_CONFIG || true
B=qbmaint-$$
W=s3://$B/wh
q() { "$QBERG" -w "$W" "$@"; }
fail() { echo "FAIL: $*"; exit 1; }
js() { python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }
NOW_MS=$(($(date +%s) * 1000))

"$QBERG" s3 mb "s3://$B" >/dev/null
q create db.t --schema '{"type":"struct","fields":[{"id":1,"name":"id","required":true,"type":"long"},{"id":2,"name":"basis","required":false,"type":"string"}]}' --partition basis >/dev/null
for k in 0 1 2 3; do
  python3 -c "
import json
for i in range($k*10, $k*10+10): print(json.dumps({'id': i, 'basis': ['a','b'][i%2]}))" >r$k.jsonl
  q append db.t r$k.jsonl >/dev/null
done
q delete db.t --where "id < 10" >/dev/null
q scan db.t --format jsonl | sort >rows0
[ "$(wc -l <rows0)" = 30 ] || fail "30 rows before"
"$QBERG" s3 ls "$W/db/t/" 2>/dev/null | awk '{print $NF}' | sort >objs0
# (QB_TEST_NOW would skew SigV4: the snapshots are new, the cutoff is in the future instead)
q --json maintain expire-snapshots db.t --older-than $((NOW_MS + 3600000)) | js 'assert d["expired"]==4 and d["deleted"]["manifest_lists"]==4 and d["deleted"]["data_files"]==2 and d["deleted"]["failed"]==0, d'
"$QBERG" s3 ls "$W/db/t/" 2>/dev/null | awk '{print $NF}' | sort >objs1
gone=$(comm -23 objs0 objs1 | wc -l)
[ "$gone" -ge 6 ] || fail "expected the lists and the first batch's files gone: $(comm -23 objs0 objs1)"
comm -23 objs0 objs1 | grep -q 'metadata.json' && fail "a metadata file went"
q scan db.t --format jsonl | sort | cmp -s - rows0 || fail "rows changed by expire"

# orphans: every object counts as old with a cutoff in the future; the sibling "tx" is not the table's
printf x | "$QBERG" s3 put - "$W/db/t/data/orphan.parquet"
printf x | "$QBERG" s3 put - "$W/db/tx/data/keep.parquet"
printf x | "$QBERG" s3 put - "s3a://$B/wh/db/t/data/basis=a/orphan2.parquet"
# multipart uploads of killed writers (the table's and the sibling's): aborted with the orphans, the sibling's kept
for k in t tx; do
  ( head -c 12000000 /dev/zero; sleep 30 ) | "$QBERG" s3 put - "$W/db/$k/data/killed.parquet" & pid=$!
  for _ in $(seq 100); do "$QBERG" s3 ls --uploads "$W/db/$k/" 2>/dev/null | grep -q killed && break; sleep 0.1; done
  kill -9 $pid; wait $pid 2>/dev/null || true
done
"$QBERG" s3 ls --uploads "$W/db/t/" 2>/dev/null | grep -q "$W/db/t/data/killed.parquet" || fail "s3 ls --uploads"
q --json maintain remove-orphans db.t --older-than $((NOW_MS + 3600000)) | js 'assert d["uploads"]==1 and d["uploads_failed"]==0, d'
"$QBERG" s3 ls --uploads "$W/db/t/" 2>/dev/null | grep -q killed || fail "dry run aborted the upload"
q maintain remove-orphans db.t --older-than $((NOW_MS + 3600000)) | grep -q "would delete orphan s3://$B/wh/db/t/data/orphan.parquet" || fail "dry run lists the orphan"
q --json maintain remove-orphans db.t --older-than $((NOW_MS + 3600000)) --delete | js 'assert d["orphans"]==2 and d["deleted"]["orphans"]==2, d'
"$QBERG" s3 cat "$W/db/t/data/orphan.parquet" >/dev/null 2>&1 && fail "orphan kept"
[ -z "$("$QBERG" s3 ls --uploads "$W/db/t/" 2>/dev/null)" ] || fail "the killed writer's upload was not aborted"
"$QBERG" s3 ls --uploads "$W/db/tx/" 2>/dev/null | grep -q killed || fail "the sibling table's upload was aborted"
"$QBERG" s3 abort-uploads "$W/db/tx/" 2>err && grep -q "0 aborted, 1 younger than 1d kept" err || fail "abort-uploads default window: $(cat err)"
"$QBERG" s3 abort-uploads --older-than 0s "$W/db/tx/" 2>err && grep -q "1 aborted" err || fail "abort-uploads: $(cat err)"
[ -z "$("$QBERG" s3 ls --uploads "$W/db/tx/" 2>/dev/null)" ] || fail "abort-uploads left the upload"
[ "$("$QBERG" s3 cat "$W/db/tx/data/keep.parquet")" = x ] || fail "sibling table's object deleted"
# ListMultipartUploads refused (403: a policy without s3:ListBucketMultipartUploads) is named and fails the run;
# it was "0 unfinished multipart uploads (1 failed)", no reason, exit 0; a store without it (501) is skipped
# (found by exploreR2)
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
sleep 30 | python3 "$QB_ROOT/tests/s3/faultproxy.py" "${QB_S3_ENDPOINT##*:}" --port "$port" --rate 0 --max-seconds 30 \
  --sequence "max-uploads=403:AccessDenied,501:NotImplemented" >proxy.out 2>&1 &
for _ in $(seq 50); do grep -q PORT proxy.out && break; sleep 0.1; done
set +e
S3_ENDPOINT=http://127.0.0.1:$port q maintain remove-orphans db.t --delete >out 2>err; rc=$?
set -e
[ $rc = 1 ] && grep -q "could not delete upload $W/db/t/: ListMultipartUploads .*403 AccessDenied" err ||
  fail "refused ListMultipartUploads: rc $rc $(cat out err)"
S3_ENDPOINT=http://127.0.0.1:$port q --json maintain remove-orphans db.t --delete 2>err |
  js 'assert d["uploads"]==0 and d["uploads_failed"]==0, d' && [ ! -s err ] || fail "501 ListMultipartUploads not skipped: $(cat err)"
q scan db.t --format jsonl | sort | cmp -s - rows0 || fail "rows changed by remove-orphans"
"$QBERG" s3 rm -r "s3://$B/" >/dev/null 2>&1 || true
echo "maintain_s3: ok"
