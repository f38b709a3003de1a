# The benchmark scripts (bench/*.sh) at their smallest sizes, for what they claim besides timings (no timing is
# checked): they build and run, compare the same work, and fail (non-zero, naming the failure) when a tool fails
# instead of printing a figure. Run from another directory, as a user may.
#   commit.sh   builds bench/commit_bench (its FileIO wrapper fills internal vtables) and runs; both floors
#               publish the last synthetic checkpoint's document (the real-history cross-check used to share
#               the warehouse, so a smaller CHECKPOINTS had the Python floor time the 1,000-snapshot table's);
#               the requests per commit are the documented 9
#   compact.sh  FILES not a multiple of 1,000 (500: FILES/1000 appends made none, then "rows lost")
#   s3.sh       a failing `qberg s3 put` fails the bench (each transfer was timed in $(...), where errexit does
#               not reach: the failure was printed as a throughput and a ratio); a stand-in qberg and curl, so
#               no S3 server is needed: the stand-in qberg fails the signed upload only and keeps the
#               unsigned one's bytes for `s3 cat` (so the old script's read-back check passed); and an untimed
#               write warms the new bucket first (radosgw's first write into it took ~2 s, which RUNS=1 charged
#               to qberg's signed upload: 2 MB/s instead of ~33 at 4 MiB)
#   parquet.sh  CODEC=lz4_raw (the LZ4 codec qberg writes, and names when asked for lz4) was refused by
#               bench/parquet_duck.mjs's usage check (codec names without digits), after qberg had written
#   all         no `| head` (the scripts and scripts/demo.sh run under pipefail): head exits after its lines,
#               the writer before it dies of SIGPIPE (exit 141) and errexit ends the script without a word
#               (ingest_floor.sh picked its first file so: at its default 2,000 files it always stopped there,
#               at 200 one run in eight; running it takes ~45 s, so it is checked by reading the scripts)
set -u
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi; }
build=$(realpath --relative-to="$QB_ROOT" "$QB_BUILD") # the scripts take BUILD relative to the repository
cd "$TMPDIR"

out=$(BUILD=$build CHECKPOINTS=10,20 REAL_CHECKPOINTS=10,20 SAMPLES=2 S3=no bash "$QB_ROOT/bench/commit.sh" 2>&1)
rc=$?
check "commit.sh runs (exit $rc): $(tail -n 3 <<<"$out")" '[ $rc = 0 ]'
size() { grep -o "^$1 publishing the 20-snapshot metadata file alone ([0-9.]* MB)" <<<"$out" | grep -o '([0-9.]* MB)'; }
io=$(size 'floor (CPU):') py=$(size 'floor:')
check "commit.sh: both floors publish the 20-snapshot document ('$io' vs '$py')" '[ -n "$io" ] && [ "$io" = "$py" ]'
# storage requests per append commit (docs/BENCHMARKS.md, docs/CATALOG.md): 8, and the freed-marker lookup
req=$(awk '$2 == "synthetic" {print $NF}' <<<"$out" | sort -u | tr '\n' ' ')
check "commit.sh: 9 requests per append commit, as documented (got: $req)" '[ "$req" = "9.0 " ]'

out=$(BUILD=$build FILES=500 bash "$QB_ROOT/bench/compact.sh" 2>&1)
rc=$?
check "compact.sh FILES=500 (exit $rc): $(tail -n 2 <<<"$out")" '[ $rc = 0 ]'
check "compact.sh FILES=500 makes and compacts 500 one-row files" \
  'grep -q "^setup: 500 data files" <<<"$out" && grep -q "^after: 500 rows in 1 data files" <<<"$out"'
out=$(BUILD=$build FILES=0 bash "$QB_ROOT/bench/compact.sh" 2>&1)
rc=$?
check "compact.sh FILES=0 is a usage error (exit $rc): $out" '[ $rc = 2 ] && grep -q "FILES must be" <<<"$out"'

mkdir -p "$TMPDIR/fake"
cat >"$TMPDIR/fake/qberg" <<W
#!/usr/bin/env bash
echo "\$*" >>"$TMPDIR/fake/calls"
case "\$*" in
  "s3 put "*/q) echo "qberg: simulated upload failure" >&2; exit 1 ;;
  "s3 -o s3.unsigned-payload=true put "*) cp "\$5" "$TMPDIR/fake/stored" ;;
  "s3 cat "*) cat "$TMPDIR/fake/stored" ;;
esac
W
mkdir -p "$TMPDIR/fake/bin"
cat >"$TMPDIR/fake/bin/curl" <<W
#!/usr/bin/env bash
# a curl that succeeds: keeps an upload (-T FILE), replays it on a GET to stdout
for ((i = 1; i <= \$#; i++)); do
  case "\${!i}" in
    -T) j=\$((i + 1)); cp "\${!j}" "$TMPDIR/fake/curl-stored"; exit 0 ;;
    -o) exit 0 ;;
  esac
done
cat "$TMPDIR/fake/curl-stored"
W
chmod +x "$TMPDIR/fake/qberg" "$TMPDIR/fake/bin/curl"
fake=$(realpath --relative-to="$QB_ROOT" "$TMPDIR/fake")
out=$(PATH="$TMPDIR/fake/bin:$PATH" BUILD=$fake QB_S3_ENDPOINT=http://127.0.0.1:9 QB_S3_ACCESS_KEY=k QB_S3_SECRET_KEY=s SIZE_MB=1 RUNS=1 \
  bash "$QB_ROOT/bench/s3.sh" 2>&1)
rc=$?
check "s3.sh fails when qberg's upload fails (exit $rc): $out" '[ $rc != 0 ]'
check "s3.sh names the failed command" 'grep -q "s3.sh: failed (exit 1): .*s3 put" <<<"$out"'
check "s3.sh prints no throughput after a failed transfer" '! grep -q "MB/s" <<<"$out"'
# the first write into a new bucket is slow on radosgw (~2 s): an untimed one goes before the timed uploads
check "s3.sh writes into the bucket before its first timed upload: $(cat "$TMPDIR/fake/calls")" \
  'sed -n 2p "$TMPDIR/fake/calls" | grep -q "^s3 put .*/warm$"'

out=$(BUILD=$build CODEC=lz4_raw ROWS=2000 REPEAT=1 bash "$QB_ROOT/bench/parquet.sh" 2>&1)
rc=$?
check "parquet.sh CODEC=lz4_raw (exit $rc): $(tail -n 2 <<<"$out")" \
  '[ $rc = 0 ] && grep -q "^same data: qberg reads both files alike: yes; DuckDB reads both files alike: yes" <<<"$out"'

heads=$(grep -n '^[^#]*| *head\b' "$QB_ROOT"/bench/*.sh "$QB_ROOT"/scripts/demo.sh)
check "no | head under pipefail: $heads" '[ -z "$heads" ]'

echo "bench_scripts.sh: $pass passed, $fail failed"
[ "$fail" = 0 ]
