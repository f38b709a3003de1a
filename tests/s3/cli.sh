# qberg s3 mb|ls|cat|put|rm|probe against radosgw (started by tests/s3/rgw-ctl when not running).
set -eu
if [ -z "${QB_S3_ENDPOINT:-}" ]; then exec bash "$QB_ROOT/tests/s3/rgw-ctl" run -- bash "$0" "$@"; fi
cd "$TMPDIR"
export S3_ENDPOINT=$QB_S3_ENDPOINT S3_ACCESS_KEY=$QB_S3_ACCESS_KEY S3_SECRET_KEY=$QB_S3_SECRET_KEY S3_REGION=garage
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_ENDPOINT_URL QBERG_CONFIG || true
B=qbcli-$$
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

"$QBERG" s3 mb "s3://$B" && ok || bad "mb"
"$QBERG" s3 mb "s3://$B" && ok || bad "mb again (own bucket) must succeed"
"$QBERG" s3 ls | grep -qx "s3://$B" && ok || bad "ls buckets"
head -c 12000000 /dev/urandom >big.bin               # > 8 MiB: a multipart upload
printf 'hello s3\n' | "$QBERG" s3 put - "s3a://$B/dir/hello.txt" && ok || bad "put stdin (s3a://)"
"$QBERG" s3 put big.bin "s3://$B/dir/sub/big.bin" && ok || bad "put big"
[ "$("$QBERG" s3 cat "s3://$B/dir/hello.txt")" = "hello s3" ] && ok || bad "cat"
"$QBERG" s3 cat "s3://$B/dir/sub/big.bin" | cmp -s - big.bin && ok || bad "cat big differs"
"$QBERG" s3 ls "s3://$B/dir/" >ls.txt 2>ls.err
[ "$(wc -l <ls.txt)" = 2 ] && grep -q " 12000000  .* s3://$B/dir/sub/big.bin$" ls.txt && ok || bad "ls: $(cat ls.txt)"
grep -qx "2 objects, 12000009 bytes" ls.err && ok || bad "ls summary: $(cat ls.err)"
"$QBERG" s3 --json ls "s3://$B/dir/sub" | python3 -c 'import json,sys; d=[json.loads(l) for l in sys.stdin]; assert len(d)==1 and d[0]["size"]==12000000' \
  && ok || bad "ls --json"
"$QBERG" s3 put --exclusive big.bin "s3://$B/dir/once" 2>/dev/null && ok || bad "put --exclusive new"
set +e
"$QBERG" s3 put --exclusive big.bin "s3://$B/dir/once" 2>err; rc=$?
set -e
[ $rc = 1 ] && grep -q "QB_EEXISTS" err && ok || bad "put --exclusive existing: rc=$rc $(cat err)"
"$QBERG" s3 probe "s3://$B/wh" | grep -q "honoured" && ok || bad "probe (radosgw honours If-None-Match)"
"$QBERG" s3 rm "s3://$B/dir/hello.txt" && ok || bad "rm"
set +e
"$QBERG" s3 cat "s3://$B/dir/hello.txt" >/dev/null 2>err; rc=$?
set -e
[ $rc = 1 ] && grep -q "QB_ENOTFOUND: HEAD s3://$B/dir/hello.txt: HTTP 404" err && ok || bad "cat deleted: $(cat err)"
printf x | "$QBERG" s3 put - "s3://$B/dir2/keep" && ok || bad "put dir2/keep"
"$QBERG" s3 rm -r "s3://$B/dir" 2>err && grep -q "2 objects deleted" err && ok || bad "rm -r dir: $(cat err)"
[ "$("$QBERG" s3 cat "s3://$B/dir2/keep")" = x ] && ok || bad "rm -r s3://b/dir deleted dir2/"
# rm -r of a plain object deletes it (it said "0 objects deleted" and kept it), and dir3 with dir3/
printf f | "$QBERG" s3 put - "s3://$B/file3" && printf d | "$QBERG" s3 put - "s3://$B/dir3" && \
  printf e | "$QBERG" s3 put - "s3://$B/dir3/x" && ok || bad "put file3, dir3, dir3/x"
"$QBERG" s3 rm -r "s3://$B/file3" 2>err && grep -q "1 objects deleted" err && ok || bad "rm -r file3: $(cat err)"
"$QBERG" s3 rm -r "s3://$B/dir3" 2>err && grep -q "2 objects deleted" err && ok || bad "rm -r dir3: $(cat err)"
"$QBERG" s3 rm -r "s3://$B/" 2>err && grep -q "1 objects deleted" err && ok || bad "rm -r bucket: $(cat err)"
[ -z "$("$QBERG" s3 ls "s3://$B/" 2>/dev/null)" ] && ok || bad "bucket not empty"
# a wrong secret: exit 1 with the S3 error code, and the secret is nowhere in the output
set +e
S3_SECRET_KEY=not-the-secret-$$ "$QBERG" s3 ls "s3://$B/" >out 2>err; rc=$?
"$QBERG" s3 frob >/dev/null 2>&1; rc2=$?
set -e
[ $rc = 1 ] && grep -q "QB_EAUTH: ListObjectsV2 s3://$B/: HTTP 403 SignatureDoesNotMatch" err && ok || bad "wrong secret: $(cat err)"
! grep -q "not-the-secret" out err && ok || bad "secret printed"
[ $rc2 = 2 ] && ok || bad "unknown command exit $rc2"
echo "s3-cli: $pass passed, $fail failed"
[ $fail = 0 ]
