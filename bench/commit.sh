#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Append-commit latency as a table's history grows, and storage requests per commit (bench/commit_bench.c).
# Local: on tmpfs (/dev/shm, so fsync noise of a shared disk does not hide the algorithmic cost) at 10, 1,000
# and 10,000 snapshots, fast appends; the ratio 10,000 : 10 of the median CPU time and of the wall time is
# printed (goal <= 2x). A cross-check builds the 1,000-snapshot history by real commits. S3: if radosgw is
# installed (tests/s3/rgw-ctl), the same on a bucket, with the HTTP requests per commit (goal <= 8; 9 since the
# freed-marker lookup after each publish, docs/CATALOG.md "Freed markers").
# CHECKPOINTS=10,1000,10000 REAL_CHECKPOINTS=10,1000 SAMPLES=20 S3=auto|no override the defaults (CHECKPOINTS
# ascending: the floors are those of the last one).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
CHECKPOINTS=${CHECKPOINTS:-10,1000,10000}
REAL_CHECKPOINTS=${REAL_CHECKPOINTS:-10,1000}
SAMPLES=${SAMPLES:-20}
S3=${S3:-auto}
cd "$root"
make -s --no-print-directory "$BUILD/bench/commit_bench" >/dev/null
base=/dev/shm
[ -d "$base" ] && [ -w "$base" ] || base=${TMPDIR:-/tmp}
tmp=$(mktemp -d "$base/qberg-commit.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

summary() { # JSON lines -> table + ratio
  python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
floor = [r for r in rows if r.get("floor")]
rows = [r for r in rows if not r.get("floor")]
print("%-10s %-10s %12s %14s %10s" % ("snapshots", "history", "median ms", "median CPU ms", "requests"))
for r in rows:
    print("%-10d %-10s %12.2f %14.2f %10.1f" % (r["snapshots"], r["history"], r["median_ms"], r["median_cpu_ms"], r["requests"]["total"]))
syn = [r for r in rows if r.get("history") == "synthetic"]
if len(syn) >= 2:
    a, b = syn[0], syn[-1]
    print("ratio %d -> %d snapshots: CPU %.1fx, wall %.1fx (goal <= 2x)" % (a["snapshots"], b["snapshots"],
          b["median_cpu_ms"] / a["median_cpu_ms"], b["median_ms"] / a["median_ms"]))
print("requests per append commit: max %.1f (goal <= 8)" % max(r["requests"]["total"] for r in rows))
if floor and len(syn) >= 2:
    f, a, b = floor[0], syn[0], syn[-1]
    # the same publish a commit does (same FileIO, create-exclusive, same durability / signing)
    for k, name in (("median_cpu_ms", "CPU"), ("median_ms", "wall")):
        best = (a[k] + f[k]) / a[k]
        print("floor (%s): publishing the %d-snapshot metadata file alone (%.1f MB) through the same FileIO takes "
              "%.2f ms; best possible ratio (%.2f + %.2f) / %.2f = %.1fx; qberg is at %.1fx, %.2fx the floor"
              % (name, b["snapshots"], f["bytes"] / 1e6, f[k], a[k], f[k], a[k], best, b[k] / a[k],
                 b[k] / (a[k] + f[k])))
' "$1"
}

echo "== local ($base), fast appends"
"$BUILD/bench/commit_bench" "$tmp/wh" "$CHECKPOINTS" --samples "$SAMPLES" --floor | tee "$tmp/local.jsonl" >/dev/null
# the real-history cross-check in a warehouse of its own: the floor below publishes the largest metadata file
# of $tmp/wh, which must be the last synthetic checkpoint's, whatever the two lists are
"$BUILD/bench/commit_bench" "$tmp/wh-real" "$REAL_CHECKPOINTS" --samples "$SAMPLES" --real | tee -a "$tmp/local.jsonl" >/dev/null
summary "$tmp/local.jsonl"
# The floor the format sets: every metadata file holds every snapshot (spec "Table Metadata"), so a commit at
# N snapshots writes the whole document. Time publishing the largest metadata file of the run (write, fsync,
# link: what the catalog does) with nothing else, and print the ratio a commit could reach at best.
python3 - "$tmp/local.jsonl" "$tmp/wh" <<'PY'
import json, os, sys, time
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
syn = [r for r in rows if r.get("history") == "synthetic"]
big = max((os.path.join(d, f) for d, _, fs in os.walk(sys.argv[2]) for f in fs if f.endswith(".metadata.json")),
          key=os.path.getsize)
data = open(big, "rb").read()
ts, cs = [], []
for i in range(15):
    t, c = time.perf_counter(), time.process_time()
    tmpf, dst = os.path.join(sys.argv[2], ".floor.tmp"), os.path.join(sys.argv[2], "floor%d" % i)
    fd = os.open(tmpf, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o644)
    mv = memoryview(data)
    while mv:
        mv = mv[os.write(fd, mv[:1 << 18]):]
    os.fsync(fd); os.close(fd); os.link(tmpf, dst); os.unlink(tmpf)
    ts.append((time.perf_counter() - t) * 1000)
    cs.append((time.process_time() - c) * 1000)
    os.unlink(dst)
w, wc = sorted(ts)[len(ts) // 2], sorted(cs)[len(cs) // 2]
a, b = syn[0], syn[-1]
# the same durability as a commit: write, fsync, link (qberg also fsyncs the directory: not counted here)
print("floor: publishing the %d-snapshot metadata file alone (%.1f MB) takes %.2f ms; best possible ratio "
      "%d -> %d = (%.2f + %.2f) / %.2f = %.1fx; qberg is at %.1fx, %.2fx the floor"
      % (b["snapshots"], len(data) / 1e6, w, a["snapshots"], b["snapshots"], a["median_ms"], w, a["median_ms"],
         (a["median_ms"] + w) / a["median_ms"], b["median_ms"] / a["median_ms"],
         b["median_ms"] / (a["median_ms"] + w)))
print("floor on CPU time: %.2f ms; best possible ratio (%.2f + %.2f) / %.2f = %.1fx; qberg is at %.1fx, %.2fx the floor"
      % (wc, a["median_cpu_ms"], wc, a["median_cpu_ms"], (a["median_cpu_ms"] + wc) / a["median_cpu_ms"],
         b["median_cpu_ms"] / a["median_cpu_ms"], b["median_cpu_ms"] / (a["median_cpu_ms"] + wc)))
PY

if [ "$S3" != no ] && command -v radosgw >/dev/null; then
  echo "== S3 (radosgw on 127.0.0.1), fast appends"
  bash tests/s3/rgw-ctl run -- bash -c '
    export S3_ENDPOINT=$QB_S3_ENDPOINT S3_ACCESS_KEY=$QB_S3_ACCESS_KEY S3_SECRET_KEY=$QB_S3_SECRET_KEY S3_REGION=garage
    unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_ENDPOINT_URL QBERG_CONFIG
    b=qbbench-$$
    "$1" s3 mb "s3://$b" >/dev/null
    "$2" "s3://$b/wh" "$3" --samples "$4" --floor
  ' _ "$BUILD/qberg" "$BUILD/bench/commit_bench" "$CHECKPOINTS" 10 | tee "$tmp/s3.jsonl" >/dev/null
  summary "$tmp/s3.jsonl"
fi
