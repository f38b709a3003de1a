# libcurl is loaded on the first HTTP use, not at start: a local command runs without it (the binary does not
# link it), and an S3 command without a loadable libcurl fails with a clear error instead of crashing.
set -eu
cd "$TMPDIR"
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

if command -v ldd >/dev/null; then
  ! ldd "$QBERG" | grep -q 'libcurl' && ok || bad "qberg links libcurl: $(ldd "$QBERG" | grep libcurl)"
fi
# a local ingest with no libcurl to be found
"$QBERG" generate --experiments 3 --iterations 2-3 --seed 1 --out raw >/dev/null
QB_CURL_LIBRARY=/nonexistent/libcurl.so.4 "$QBERG" -w wh ingest --raw raw --threads 1 >out.txt 2>err.txt \
  && ok || bad "local ingest without libcurl: $(cat err.txt)"
[ -n "$(find wh -name '*.parquet')" ] && ok || bad "no data file written"
# S3 without a loadable libcurl: an error naming the cause
export S3_ENDPOINT=http://127.0.0.1:9 S3_ACCESS_KEY=k S3_SECRET_KEY=s S3_REGION=r
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_ENDPOINT_URL QBERG_CONFIG || true
set +e
QB_CURL_LIBRARY=/nonexistent/libcurl.so.4 "$QBERG" s3 ls "s3://qb-none/x" >out.txt 2>err.txt
rc=$?
set -e
[ $rc != 0 ] && grep -q "libcurl, which could not be loaded" err.txt && ok \
  || bad "s3 without libcurl: rc=$rc $(cat err.txt)"
# and with it (the default soname), the same command reaches the network layer: a connection error, not a load error
set +e
"$QBERG" s3 ls "s3://qb-none/x" >out.txt 2>err.txt
rc=$?
set -e
[ $rc != 0 ] && ! grep -q "could not be loaded" err.txt && grep -qi "curl error\|connect" err.txt && ok \
  || bad "s3 with libcurl: rc=$rc $(cat err.txt)"
echo "curl_lazy: $pass passed, $fail failed"
[ "$fail" = 0 ]
