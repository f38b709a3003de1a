# qberg garage init against a strict stand-in of Garage's admin API v2 (tests/s3/fake-garage-admin.py):
# buckets created, key created and granted read+write+owner, env lines printed; a second run reuses everything;
# a wrong or missing token is a clear error. 127.0.0.1 only.
set -eu
cd "$TMPDIR"
TOKEN=test-admin-token-$$
mkfifo in
python3 "$QB_ROOT/tests/s3/fake-garage-admin.py" "$TOKEN" --max-seconds 120 --log admin.log <in >port &
exec 3>in   # closing fd 3 stops the server
for _ in $(seq 50); do grep -q PORT port 2>/dev/null && break; sleep 0.1; done
PORT=$(sed -n 's/^PORT //p' port)
A=http://127.0.0.1:$PORT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
unset GARAGE_ADMIN_ENDPOINT S3_ENDPOINT S3_REGION || true

GARAGE_ADMIN_TOKEN=$TOKEN "$QBERG" garage init --admin "$A" >out1 2>err1 || bad "first init failed: $(cat err1)"
grep -qx "export S3_ENDPOINT=http://127.0.0.1:3900" out1 && ok || bad "endpoint line: $(cat out1)"
grep -qx "export S3_REGION=garage" out1 && ok || bad "region line"
grep -Eqx "export S3_ACCESS_KEY=GK[0-9a-f]{24}" out1 && ok || bad "access key line"
grep -Eqx "export S3_SECRET_KEY=[0-9a-f]{64}" out1 && ok || bad "secret key line"
for b in raw-results features mlflow-artifacts; do
  grep -q "bucket $b: created" err1 && ok || bad "bucket $b not reported created: $(cat err1)"
done
grep -q "key qberg: created" err1 && ok || bad "key not reported created"
! grep -q "$(sed -n 's/^export S3_SECRET_KEY=//p' out1)" err1 && ok || bad "secret in the progress lines"

# the server's state: 3 buckets with their aliases, the key allowed read+write+owner on each
KEY=$(sed -n 's/^export S3_ACCESS_KEY=//p' out1)
curl -s "$A/debug/state" >state1.json
python3 - "$KEY" state1.json <<'PY' && ok || bad "state after init"
import json, sys
key, st = sys.argv[1], json.load(open(sys.argv[2]))
aliases = sorted(a for b in st["buckets"].values() for a in b["globalAliases"])
assert aliases == ["features", "mlflow-artifacts", "raw-results"], aliases
assert list(st["keys"]) == [key] and st["keys"][key]["name"] == "qberg", st["keys"]
for b in st["buckets"].values():
    assert b["keys"][key] == {"read": True, "write": True, "owner": True}, b
PY

# idempotent: same key (and secret), nothing new
GARAGE_ADMIN_TOKEN=$TOKEN "$QBERG" garage init --admin "$A/" >out2 2>err2 || bad "second init failed: $(cat err2)"
cmp -s out1 out2 && ok || bad "second run printed another key"
grep -q "key qberg: exists" err2 && ok || bad "key not reused: $(cat err2)"
[ "$(grep -c 'bucket .*: exists' err2)" = 3 ] && ok || bad "buckets not reused"
curl -s "$A/debug/state" | python3 -c 'import json,sys; s=json.load(sys.stdin); assert len(s["keys"])==1 and len(s["buckets"])==3' \
  && ok || bad "second run changed the state"

# other key name and buckets, json output, explicit S3 endpoint
GARAGE_ADMIN_TOKEN=$TOKEN "$QBERG" garage init --admin "$A" --key-name etl --bucket scratch --s3-endpoint http://garage:3900 --json >out3 2>err3 \
  || bad "custom init failed: $(cat err3)"
python3 -c 'import json,sys; d=json.load(open("out3")); assert d["endpoint"]=="http://garage:3900" and d["access_key_id"].startswith("GK") and d["created"]' \
  && ok || bad "json output: $(cat out3)"

# a wrong token: QB_EAUTH with Garage's message and a hint; no token at all: a clear error
set +e
GARAGE_ADMIN_TOKEN=wrong "$QBERG" garage init --admin "$A" >out4 2>err4; rc=$?
set -e
[ $rc = 1 ] && grep -q "QB_EAUTH: Garage admin GET GetClusterHealth: HTTP 403 AccessDenied: Forbidden: Invalid authorization token provided (check the admin token" err4 \
  && ok || bad "wrong token: rc=$rc $(cat err4)"
[ ! -s out4 ] && ok || bad "wrong token printed something on stdout"
set +e
env -u GARAGE_ADMIN_TOKEN "$QBERG" garage init --admin "$A" >/dev/null 2>err5; rc=$?
"$QBERG" garage frobnicate >/dev/null 2>err6; rc6=$?
set -e
[ $rc = 1 ] && grep -q "no Garage admin token" err5 && ok || bad "missing token: rc=$rc $(cat err5)"
[ $rc6 = 2 ] && ok || bad "bad usage exit $rc6"
# every request the client sent carried the token and a valid method (the server rejected none but ours)
grep -c '^POST /v2/AllowBucketKey' admin.log | grep -qx 7 && ok || bad "AllowBucketKey count: $(grep -c AllowBucketKey admin.log)"

exec 3>&-
wait
echo "garage-init: $pass passed, $fail failed"
[ $fail = 0 ]
