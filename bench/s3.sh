#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# S3 throughput against radosgw on 127.0.0.1: qberg (`qberg s3 put` / `qberg s3 cat`) against curl doing the same
# transfers (a single PUT with curl's own SigV4 and UNSIGNED-PAYLOAD; a plain GET). Prints MB/s (10^6 bytes/s)
# and the ratio qberg/curl (> 1: qberg is faster).
# Starts radosgw with tests/s3/rgw-ctl when QB_S3_ENDPOINT is not set. SIZE_MB (default 128), RUNS (default 3).
# Every transfer must succeed, and both uploads must read back as the bytes sent: a failed run fails the bench
# (exit 1, naming the command) instead of being timed; the bucket is emptied on every exit.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${QB_S3_ENDPOINT:-}" ]; then exec bash "$root/tests/s3/rgw-ctl" run -- bash "$0" "$@"; fi
QBERG=$root/${BUILD:-build}/qberg
SIZE_MB=${SIZE_MB:-128}
RUNS=${RUNS:-3}
tmp=$(mktemp -d)
export S3_ENDPOINT=$QB_S3_ENDPOINT S3_ACCESS_KEY=$QB_S3_ACCESS_KEY S3_SECRET_KEY=$QB_S3_SECRET_KEY S3_REGION=garage
B=qbbench-$$
"$QBERG" s3 mb "s3://$B"
trap '"$QBERG" s3 rm -r "s3://$B/" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
head -c $((SIZE_MB << 20)) /dev/urandom >"$tmp/data"
C=(curl -sf --aws-sigv4 "aws:amz:garage:s3" --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD")

best() { # the best of RUNS timings of "$@", in seconds; fails (naming the command) when a run fails: called in
  # $(...), where errexit does not reach, so a failed transfer would otherwise be timed like a good one
  local b=999999 t0 t1 s rc
  for _ in $(seq "$RUNS"); do
    t0=$(date +%s.%N); rc=0; "$@" >/dev/null || rc=$?; t1=$(date +%s.%N)
    [ "$rc" = 0 ] || { echo "s3.sh: failed (exit $rc): $*" >&2; return 1; }
    b=$(awk -v a="$t0" -v b="$t1" -v m="$b" 'BEGIN{s=b-a; print (s<m)?s:m}')
  done
  echo "$b"
}
mbps() { awk -v n="$SIZE_MB" -v s="$1" 'BEGIN{printf "%.1f", n*1.048576/s}'; }
ratio() { awk -v c="$1" -v q="$2" 'BEGIN{printf "%.2f", c/q}'; }

# untimed: the first write into a new bucket costs radosgw ~2 s (measured at 4 MiB: 2.09 s, then 0.18 s), which
# RUNS=1 would otherwise charge to whichever transfer comes first (qberg's signed upload)
head -c 65536 "$tmp/data" >"$tmp/warm"
"$QBERG" s3 put "$tmp/warm" "s3://$B/warm" >/dev/null || { echo "s3.sh: failed: qberg s3 put (warm-up)" >&2; exit 1; }
"${C[@]}" -T "$tmp/warm" "$S3_ENDPOINT/$B/warm" >/dev/null || { echo "s3.sh: failed: curl PUT (warm-up)" >&2; exit 1; }
q_up=$(best "$QBERG" s3 put "$tmp/data" "s3://$B/q")
q_up_u=$(best "$QBERG" s3 -o s3.unsigned-payload=true put "$tmp/data" "s3://$B/q")
c_up=$(best "${C[@]}" -T "$tmp/data" "$S3_ENDPOINT/$B/c")
q_down=$(best "$QBERG" s3 cat "s3://$B/q")
c_down=$(best "${C[@]}" -o /dev/null "$S3_ENDPOINT/$B/c")
"$QBERG" s3 cat "s3://$B/q" | cmp -s - "$tmp/data" || { echo "s3.sh: qberg's upload or download differs" >&2; exit 1; }
"${C[@]}" "$S3_ENDPOINT/$B/c" | cmp -s - "$tmp/data" || { echo "s3.sh: curl's upload or download differs" >&2; exit 1; }
printf '%-44s %8s %8s\n' "transfer of $SIZE_MB MiB (best of $RUNS)" "MB/s" "÷ curl"
printf '%-44s %8s %8s\n' "upload   qberg (signed payload, 4×8 MiB parts)" "$(mbps "$q_up")" "$(ratio "$c_up" "$q_up")"
printf '%-44s %8s %8s\n' "upload   qberg (unsigned payload)" "$(mbps "$q_up_u")" "$(ratio "$c_up" "$q_up_u")"
printf '%-44s %8s %8s\n' "upload   curl (single PUT, unsigned payload)" "$(mbps "$c_up")" "1.00"
printf '%-44s %8s %8s\n' "download qberg (8 MiB ranges)" "$(mbps "$q_down")" "$(ratio "$c_down" "$q_down")"
printf '%-44s %8s %8s\n' "download curl (one GET)" "$(mbps "$c_down")" "1.00"
