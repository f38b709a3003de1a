#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Expiring a long history: bench/maintain_history.c builds a table of N snapshots (default 10,000) shaped like
# N streaming appends with MergeAppend (one data file and one manifest each, merged every 100; one manifest
# list per snapshot), all 30 days old; then `qberg maintain expire-snapshots --retain-last 1 --older-than 1d`
# expires N-1 of them: 2N-1 manifest lists and manifests read, 2N-1 files deleted. Prints wall, user and system
# time and peak RSS of the expire process (goals: <= 1 s per 10,000 snapshots on local disk, RSS <= 128 MiB),
# and checks the table still scans to N rows. The floor of the system time is printed too: `rm` of the same
# files (those the expire deleted) in a copy of the table made before it. On tmpfs (/dev/shm) so a shared
# disk's fsync noise does not hide the algorithmic cost. N=... overrides the size.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
N=${N:-10000}
cd "$root"
make -s --no-print-directory "$BUILD/qberg" "$BUILD/bench/maintain_history" >/dev/null
base=/dev/shm
[ -d "$base" ] && [ -w "$base" ] || base=${TMPDIR:-/tmp}
tmp=$(mktemp -d "$base/qberg-maintain.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
t0=$(date +%s.%N)
"$BUILD/bench/maintain_history" "$tmp" bench.h "$N" >/dev/null
t1=$(date +%s.%N)
files=$(find "$tmp/bench/h" -type f | wc -l)
# the unlink floor: a copy of the table's files, of which the ones the expire deletes are removed by rm
cp -a "$tmp/bench/h" "$tmp/floor"
echo "history: $N snapshots, $files files, built in $(python3 -c "print('%.1f' % ($t1 - $t0))") s"
python3 - "$BUILD/qberg" "$tmp" "$N" <<'PY'
import json, os, resource, subprocess, sys, time
qberg, wh, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
t = time.monotonic()
p = subprocess.run([qberg, "-w", wh, "--json", "maintain", "expire-snapshots", "bench.h", "--retain-last", "1",
                    "--older-than", "1d"], capture_output=True, text=True)
wall = time.monotonic() - t
r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
if p.returncode:
    sys.exit("expire failed: " + p.stderr)
d = json.loads(p.stdout)
assert d["expired"] == n - 1 and d["deleted"]["failed"] == 0, d
user, sys_ = r1.ru_utime - r0.ru_utime, r1.ru_stime - r0.ru_stime
print("expire %d snapshots: wall %.2f s, user %.2f s, sys %.2f s (cpu %.2f s), peak RSS %.1f MiB; "
      "%d manifest lists, %d manifests deleted, %d manifests read"
      % (d["expired"], wall, user, sys_, user + sys_, r1.ru_maxrss / 1024, d["deleted"]["manifest_lists"],
         d["deleted"]["manifests"], d["manifests_read"]))
# the floor: rm of the same files (those the expire deleted, found in the copy made before it), one process
gone = []
for dirpath, _, names in os.walk(wh + "/floor"):
    for f in names:
        p = os.path.join(dirpath, f)
        if not os.path.exists(wh + "/bench/h/" + os.path.relpath(p, wh + "/floor")):
            gone.append(p)
r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
subprocess.run(["xargs", "-0", "rm", "-f"], input="\0".join(gone), text=True, check=True)
r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
rm_sys, rm_user = r1.ru_stime - r0.ru_stime, r1.ru_utime - r0.ru_utime
print("floor: rm of the same %d files: user %.2f s, sys %.2f s; qberg's sys / rm's sys: %.2fx"
      % (len(gone), rm_user, rm_sys, sys_ / rm_sys if rm_sys else float("nan")))
print("goals: <= 1 s per 10,000 snapshots (cpu %.2f s per 10,000), RSS <= 128 MiB" % ((user + sys_) * 10000 / max(n - 1, 1)))
rows = subprocess.run([qberg, "-w", wh, "scan", "bench.h", "--format", "csv"], capture_output=True, text=True, check=True)
assert rows.stdout.count("\n") == n + 1, "table does not scan to %d rows" % n
print("table scans to %d rows after expiration" % n)
PY
