# kill_rerun.sh with the killed runs' warehouse on S3 (radosgw, started by tests/s3/rgw-ctl when not
# running; its conditional PUT gives create-exclusive commits) and the raw files on a local disk: the
# objects of a killed run's unfinished writes and commits, and its ingest lease, must not lose or
# duplicate a row either. The clean reference stays local.
set -eu
if [ -z "${QB_S3_ENDPOINT:-}" ]; then exec bash "$QB_ROOT/tests/s3/rgw-ctl" run -- bash "$0" "$@"; fi
export S3_ENDPOINT=$QB_S3_ENDPOINT S3_ACCESS_KEY=$QB_S3_ACCESS_KEY S3_SECRET_KEY=$QB_S3_SECRET_KEY S3_REGION=garage
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_ENDPOINT_URL QBERG_CONFIG || true
B=qbkill-$$
"$QBERG" s3 mb "s3://$B" >/dev/null
export KR_WAREHOUSE="s3://$B/wh"
# a killed run leaves its ingest lease (docs/PIPELINE.md "One batch at a time") and, killed inside a
# commit, nothing more (radosgw's conditional PUT: no commit lock); the next run breaks the lease after
# one lease unchanged: 1 s here, so the kills come ~1.3 s later after a kill
export QBERG_LOCK_LEASE_MS=1000 KR_AFTER_KILL_MS=1300
exec bash "$QB_ROOT/tests/pipeline/kill_rerun.sh"
