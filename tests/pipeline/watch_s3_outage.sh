# ingest --watch with the raw source on S3 (radosgw behind tests/s3/faultproxy.py): the store goes away for a
# few seconds after the first batch (the proxy stops, then comes back on the same port). The polls in between
# fail after their retries and are reported; the watcher polls on and ingests the file delivered meanwhile. It
# exited 1 at the first failed poll (found by exploreM).
set -eu
if [ -z "${QB_S3_ENDPOINT:-}" ]; then exec bash "$QB_ROOT/tests/s3/rgw-ctl" run -- bash "$0" "$@"; fi
cd "$TMPDIR"
export S3_ENDPOINT=$QB_S3_ENDPOINT S3_ACCESS_KEY=$QB_S3_ACCESS_KEY S3_SECRET_KEY=$QB_S3_SECRET_KEY S3_REGION=garage
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_ENDPOINT_URL QBERG_CONFIG || true
B=qbout-$$
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi; }
"$QBERG" s3 mb "s3://$B" >/dev/null
"$QBERG" generate --experiments 1 --seed 41 --iterations 3-3 --out "s3://$B/raw" >/dev/null
up=${QB_S3_ENDPOINT##*:}
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
proxy() { exec python3 "$QB_ROOT/tests/s3/faultproxy.py" "$up" --port "$port" --rate 0 --max-seconds 120; }
coproc PX { proxy; }
read -r _ <&"${PX[0]}"
S3_ENDPOINT=http://127.0.0.1:$port QBERG_S3_MAX_RETRIES=1 QBERG_S3_RETRY_BASE_MS=10 \
  "$QBERG" -w "$TMPDIR/wh" ingest --raw "s3://$B/raw/" --watch --interval 0.3 --json >out.json 2>err.txt &
w=$!
for _ in $(seq 1 80); do [ "$(grep -c files_new out.json 2>/dev/null)" -ge 1 ] && break; sleep 0.25; done
check "first batch" '[ "$(grep -c files_new out.json)" = 1 ]'
eval "exec ${PX[1]}>&-"; wait "$PX_PID" 2>/dev/null || true  # the store goes away
sleep 2
"$QBERG" generate --experiments 1 --seed 42 --first-counter 20 --iterations 3-3 --out "s3://$B/raw" >/dev/null
coproc PX2 { proxy; }                                          # and comes back on the same port
read -r _ <&"${PX2[0]}"
for _ in $(seq 1 80); do [ "$(grep -c files_new out.json 2>/dev/null)" -ge 2 ] && break; sleep 0.25; done
alive=0; kill -0 $w 2>/dev/null && alive=1
kill -TERM $w 2>/dev/null || true
rc=0; wait $w || rc=$?
eval "exec ${PX2[1]}>&-"; wait "$PX2_PID" 2>/dev/null || true
check "the watcher outlived the outage (alive=$alive, exit $rc): $(head -c 400 err.txt)" '[ $alive = 1 ] && [ $rc = 0 ]'
check "the failed polls were reported" 'grep -q "Couldn.t connect to server.*trying again in 0.3 s" err.txt'
check "the file delivered during the outage was ingested" '[ "$(grep -c files_new out.json)" = 2 ]'
"$QBERG" s3 rm -r "s3://$B/" >/dev/null 2>&1 || true
echo "watch_s3_outage.sh: $pass passed, $fail failed"
[ $fail = 0 ]
