#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A 10 M-row flat table written with the columnar batch API round-trips: the aggregates the writer
# computed (pq_gen) equal those of the qberg reader (pq_flat_check) and of DuckDB. Memory stays bounded
# by a row group: with 16 MiB row groups the writer's peak RSS must stay far below the file size (not
# checked under sanitizers, QB_SANITIZED=1: ASan's shadow memory and quarantine inflate RSS).
set -u
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
f="$dir/flat10m.parquet"
"$QB_BUILD/tools/pq_gen" flat "$f" "$dir/written.json" "$dir/types.json" --rows 10000000 --aggregates \
  --row-group-bytes 16777216 >"$dir/result.json" || { echo "pq_gen failed"; exit 1; }
"$QB_BUILD/tools/pq_flat_check" "$f" >"$dir/qberg.json" 2>"$dir/qberg.err" || { cat "$dir/qberg.err"; exit 1; }
node "$QB_ROOT/tests/formats/pq_flat_duck.mjs" "$f" >"$dir/duck.json" || { echo "duckdb failed"; exit 1; }
ok=1
cmp -s "$dir/written.json" "$dir/qberg.json" || { echo "qberg reader differs:"; cat "$dir/written.json" "$dir/qberg.json"; ok=0; }
cmp -s "$dir/written.json" "$dir/duck.json" || { echo "duckdb differs:"; cat "$dir/written.json" "$dir/duck.json"; ok=0; }
node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const rssMB = r.max_rss_kb / 1024, fileMB = r.file_size / 1048576;
console.log(`rows ${r.record_count}, file ${fileMB.toFixed(1)} MiB in ${r.split_offsets.length} row groups, writer peak RSS ${rssMB.toFixed(1)} MiB`);
if (r.record_count !== 10000000 || r.split_offsets.length < 4) process.exit(1);
if (process.env.QB_SANITIZED !== "1" && rssMB > fileMB / 2) { console.log("writer RSS above half the file size"); process.exit(1); }
' "$dir/result.json" || ok=0
[ $ok = 1 ] && echo "ok 10M-row round trip" && exit 0
exit 1
