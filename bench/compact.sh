#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Compaction of 10,000 small files (qb_compact through tests/tools/compact_run): a table gets FILES one-row
# data files (write.target-file-size-bytes=1 with qberg.write.roll-min-rows=1 makes the writer roll after
# every row) in appends of 1,000 rows (the last one takes the rest),
# then one compaction rewrites them into 128 MiB files. Prints the time and the peak RSS (goal <= 128 MiB)
# of the compaction, and checks the rows (every id once) and fsck afterwards. On tmpfs (/dev/shm) when
# writable, so fsync noise of a shared disk does not hide the cost. FILES=10000 overrides the count.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
FILES=${FILES:-10000}
case "$FILES" in '' | *[!0-9]* | 0) echo "compact.sh: FILES must be a positive number" >&2; exit 2 ;; esac
cd "$root"
make -s --no-print-directory "$BUILD/qberg" "$BUILD/tools/compact_run" >/dev/null
Q="$BUILD/qberg"
base=/dev/shm
[ -d "$base" ] && [ -w "$base" ] || base=${TMPDIR:-/tmp}
tmp=$(mktemp -d "$base/qberg-compact.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

schema='{"type":"struct","fields":[{"id":1,"name":"id","required":true,"type":"long"},{"id":2,"name":"name","required":false,"type":"string"},{"id":3,"name":"v","required":false,"type":"double"}]}'
"$Q" -w "$tmp/wh" create db.t --schema "$schema" --property write.target-file-size-bytes=1 --property qberg.write.roll-min-rows=1 >/dev/null
per=1000 appends=0
t0=$(date +%s.%N)
for ((b = 0; b * per < FILES; b++)); do # the last append takes the remainder (FILES need not be a multiple)
  awk -v b=$b -v n=$per -v files="$FILES" 'BEGIN{for(i=0;i<n && b*n+i<files;i++){id=b*n+i; printf "{\"id\":%d,\"name\":\"row-%d\",\"v\":%d.5}\n",id,id,id}}' >"$tmp/r.jsonl"
  "$Q" -w "$tmp/wh" append db.t "$tmp/r.jsonl" >/dev/null
  appends=$((appends + 1))
done
t1=$(date +%s.%N)
n=$("$Q" -w "$tmp/wh" files db.t | tail -n +2 | wc -l)
echo "setup: $n data files in $appends appends, $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}') s"
[ "$n" = "$FILES" ] || { echo "setup made $n data files, not $FILES" >&2; exit 1; }

/usr/bin/time -f '%e %M' -o "$tmp/time" "$BUILD/tools/compact_run" "$tmp/wh/db/t" --target 134217728 >"$tmp/rep"
read -r secs kb <"$tmp/time"
echo "compact: $(cat "$tmp/rep")"
echo "compact $n files: ${secs} s, peak RSS $((kb / 1024)) MiB (goal <= 128 MiB)"
"$Q" -w "$tmp/wh" scan db.t --columns id --format csv | tail -n +2 | sort -n >"$tmp/ids"
rows=$(wc -l <"$tmp/ids")
files=$("$Q" -w "$tmp/wh" files db.t | tail -n +2 | wc -l)
echo "after: $rows rows in $files data files"
# every id 0..FILES-1 exactly once: a compaction that lost one row and doubled another fails too
seq 0 $((FILES - 1)) | cmp -s - "$tmp/ids" || { echo "compact.sh: the ids after the compaction are not 0..$((FILES - 1)) once each ($rows rows)" >&2; exit 1; }
/usr/bin/time -f '%e %M' -o "$tmp/time" "$Q" -w "$tmp/wh" fsck db.t >"$tmp/fsck"
read -r secs kb <"$tmp/time"
echo "fsck ($(tail -n 1 "$tmp/fsck" | cut -d: -f2-)): ${secs} s, peak RSS $((kb / 1024)) MiB"
