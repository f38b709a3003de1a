# The benchmark scripts (bench/*.sh) at their smallest sizes, for what they claim besides timings (no timing is
# checked): they build and run, compare the same work, and fail (non-zero, naming the failure) when a tool fails
# instead of printing a figure. Run from another directory, as a user may.
#   commit.sh   builds bench/commit_bench (its FileIO wrapper fills internal vtables) and runs; both floors
#               publish the last synthetic checkpoint's document (the real-history cross-check used to share
#               the warehouse, so a smaller CHECKPOINTS had the Python floor time the 1,000-snapshot table's)
#   compact.sh  FILES not a multiple of 1,000 (500: FILES/1000 appends made none, then "rows lost")
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

out=$(BUILD=$build FILES=500 bash "$QB_ROOT/bench/compact.sh" 2>&1)
rc=$?
check "compact.sh FILES=500 (exit $rc): $(tail -n 2 <<<"$out")" '[ $rc = 0 ]'
check "compact.sh FILES=500 makes and compacts 500 one-row files" \
  'grep -q "^setup: 500 data files" <<<"$out" && grep -q "^after: 500 rows in 1 data files" <<<"$out"'
out=$(BUILD=$build FILES=0 bash "$QB_ROOT/bench/compact.sh" 2>&1)
rc=$?
check "compact.sh FILES=0 is a usage error (exit $rc): $out" '[ $rc = 2 ] && grep -q "FILES must be" <<<"$out"'

echo "bench_scripts.sh: $pass passed, $fail failed"
[ "$fail" = 0 ]
