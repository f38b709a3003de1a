#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Parquet write/read benchmark, qberg vs DuckDB (threads=1), on the same 5 M-row, 12-column table
# (int64 id/user_id/qty, double amount/price/disc with 10% nulls, strings name/category/comment,
# date, timestamp, bool), zstd. qberg writes through the columnar batch API; DuckDB copies an in-memory
# table of the same rows. Reads decode every column. Prints both timings and the ratios
# (DuckDB time / qberg time: > 1 means qberg is faster). ROWS=N overrides the row count, CODEC=snappy|gzip|
# uncompressed|brotli|lz4_raw the codec (both engines), REPEAT=N (default 3) the runs per step: the best run counts, as
# usual on a shared machine.
# Ratios use CPU seconds (robust on a shared machine); wall seconds are shown too.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
ROWS=${ROWS:-5000000}
CODEC=${CODEC:-zstd}
REPEAT=${REPEAT:-3}
cd "$root"
make -s --no-print-directory "$BUILD/bench/parquet_bench" >/dev/null
[ -d tests/oracles/node_modules ] || scripts/deps.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for _ in $(seq "$REPEAT"); do
  "$BUILD/bench/parquet_bench" write "$tmp/q.parquet" --rows "$ROWS" --codec "$CODEC" >>"$tmp/q_write.json"
done
node bench/parquet_duck.mjs "$tmp/q.parquet" "$tmp/d.parquet" "$CODEC" "$REPEAT" >"$tmp/duck.json"
for _ in $(seq "$REPEAT"); do
  "$BUILD/bench/parquet_bench" read "$tmp/q.parquet" >>"$tmp/q_read_own.json"
  "$BUILD/bench/parquet_bench" read "$tmp/d.parquet" >>"$tmp/q_read_duck.json"
done
node - "$tmp" "$CODEC" <<'JS'
const fs = require('fs');
const dir = process.argv[2];
const lines = (f) => fs.readFileSync(`${dir}/${f}`, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
// best run by CPU time; wall time of that same run
const best = (runs) => runs.reduce((a, b) => (b.cpu < a.cpu ? b : a));
const [qw, qr, qd] = ['q_write.json', 'q_read_own.json', 'q_read_duck.json'].map((f) => best(lines(f)));
const duck = lines('duck.json');
const [dw, dr, dq] = ['write', 'read_own', 'read_qberg'].map((op) => best(duck.filter((x) => x.op === op)));
const size = (f) => (fs.statSync(`${dir}/${f}`).size / 1e6).toFixed(1) + ' MB';
const f = (x) => x.toFixed(2).padStart(7);
console.log(`best of ${lines('q_write.json').length} runs per step`);
console.log(`rows ${qw.rows}, 12 columns, ${process.argv[3]}; qberg file ${size('q.parquet')} (${qw.row_groups} row groups), DuckDB file ${size('d.parquet')}`);
console.log('step                          qberg cpu/wall s    DuckDB cpu/wall s   ratio cpu (wall)');
const row = (name, q, d) => console.log(`${name.padEnd(30)}${f(q.cpu)} /${f(q.wall)}   ${f(d.cpu)} /${f(d.wall)}   ${(d.cpu / q.cpu).toFixed(2)}x (${(d.wall / q.wall).toFixed(2)}x)`);
row('write', qw, dw);
row('read own file', qr, dr);
row('read the other engine\'s file', qd, dq);
console.log(`qberg publish (fsync + rename), not in the write time: ${qw.publish_wall.toFixed(2)} s wall`);
const same = JSON.stringify(qr.checksum) === JSON.stringify(qd.checksum) && qr.rows === qd.rows;
const dsame = JSON.stringify(dr.result) === JSON.stringify(dq.result);
console.log(`same data: qberg reads both files alike: ${same ? 'yes' : 'NO'}; DuckDB reads both files alike: ${dsame ? 'yes' : 'NO'}`);
if (!same || !dsame) process.exit(1);
JS
