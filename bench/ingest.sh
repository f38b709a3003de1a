#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# VQE ingest benchmark (issue 7): FILES generated raw files (default 20,000; `qberg generate --iterations
# ITER`, default 5-20: ~38 KB per file, like the spec's samples), then in the same run
#   1. qberg ingest --dry-run   the parse-only baseline (discovery + one parse of every file, nothing written)
#      bench/parse_jsonc        a plain parse-only pass too: every file parsed into a json-c DOM (the ratio is
#                               printed next to the first; bench/ingest_floor.sh measures the floor)
#   2. qberg ingest --threads THREADS
#                               the first batch into an empty warehouse (two parses, nine tables, commits,
#                               then the two ML feature tables: their share of the ingest time is printed)
#      and again with --no-features: the nine tables, processing_metadata and the ledger only, without the two
#                               ML feature tables (issue 8), which DuckDB's flattening does not build: the
#                               like-for-like ratio is printed next to the goal's
#   3. DuckDB                   read_json + SQL + COPY ... (FORMAT parquet, PARTITION_BY ...) of the same files
#                               (bench/ingest_duck.mjs) with THREADS threads, as qberg (default 1; qberg
#                               uses at most 2: a writer thread, docs/PIPELINE.md "Threads")
#   4. with STORED=N (optional): N more files ingested first in batches of STORED_BATCH (default FILES) files
#      of STORED_ITER iterations (default ITER; e.g. 1-2 to reach 200,000 experiments cheaply), then a fresh
#      batch of FILES files of ITER iterations (the normal batch): its time with N experiments stored vs the
#      same batch on empty tables (timed too, in its own warehouse).
# REPEAT (default 3): the two short qberg steps (dry run, ingest) run REPEAT times each, alternating, each
# ingest into its own fresh warehouse (none deleted during the run: ext4 scans recently freed inodes when it
# allocates new ones); the median run by CPU time is the one compared, and every run is printed. On this
# shared VM one 11-second run varies by up to 40% in task-clock with the same instruction count (steal and
# frequency), while DuckDB's ~100-second run averages that out; the median is the honest single figure.
# DUCK_REPEAT (default 1): DuckDB's step runs this many times, each right after one round of the qberg steps
# (interleaved, so both tools see the machine in the same state); the ratios then take DuckDB's median run
# (by CPU for the CPU ratio, by wall for the wall ratio) and every run is printed. On this shared VM DuckDB's
# run moved from 31 to 47 s between hours of one day: one run of it is the larger part of a ratio's noise.
# CACHE (default warm): the page-cache state of the raw files before every timed step, set by
# bench/page_cache: `warm` reads them all first (files that just arrived, as `generate` leaves them), `cold`
# writes them back and drops them from the cache (files that arrived minutes ago: this VM drops its cache
# after a while, and qberg then reads them with O_DIRECT). Both engines see the same state; the state each
# step started from is printed. Compare runs of the same CACHE only (session 23: the two cases differ in
# kernel time by ~25%).
# Prints wall and CPU seconds, ratios on CPU time (robust on a shared machine) and on wall time (what a user
# waits for; compare runs with THREADS=1 and THREADS=2, on an idle machine; the wall ratio is printed for the
# median-CPU run and for the median wall of the REPEAT runs), peak RSS (/usr/bin/time). THREADS=2 is both
# tools' default on this 2-core machine (qberg: a writer thread; DuckDB: one thread per core).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
FILES=${FILES:-20000}
ITER=${ITER:-5-20}
THREADS=${THREADS:-1}
REPEAT=${REPEAT:-3}
DUCK_REPEAT=${DUCK_REPEAT:-1}
STORED=${STORED:-0}
STORED_BATCH=${STORED_BATCH:-$FILES}
STORED_ITER=${STORED_ITER:-$ITER}
CACHE=${CACHE:-warm}
case "$CACHE" in warm) cache_op=--load ;; cold) cache_op=--evict ;; *) echo "CACHE must be warm or cold" >&2; exit 2 ;; esac
cd "$root"
make -s --no-print-directory "$BUILD/qberg" "$BUILD/bench/parse_jsonc" "$BUILD/bench/page_cache" >/dev/null
[ -d tests/oracles/node_modules ] || scripts/deps.sh
Q="$root/$BUILD/qberg"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# C step DIR: put DIR's files in the CACHE state before a timed step and keep the state it reached
C() { "$root/$BUILD/bench/page_cache" "$cache_op" "$2" >"$tmp/$1.cache"; }
T() { /usr/bin/time -f '{"wall":%e,"user":%U,"sys":%S,"rss_kb":%M}' -o "$tmp/$1.time" "${@:2}"; }

"$Q" generate --experiments "$FILES" --iterations "$ITER" --seed 42 --out "$tmp/raw" >/dev/null
mb=$(du -sm "$tmp/raw" | cut -f1)
C jsonc "$tmp/raw"
T jsonc "$root/$BUILD/bench/parse_jsonc" "$tmp/raw" >/dev/null
case "$REPEAT$DUCK_REPEAT" in *[!0-9]*) echo "REPEAT and DUCK_REPEAT must be numbers" >&2; exit 2 ;; esac
[ "$REPEAT" -ge 1 ] && [ "$DUCK_REPEAT" -ge 1 ] || { echo "REPEAT and DUCK_REPEAT must be at least 1" >&2; exit 2; }
for i in $(seq 1 $((REPEAT > DUCK_REPEAT ? REPEAT : DUCK_REPEAT))); do
  if [ "$i" -le "$REPEAT" ]; then
    C dry$i "$tmp/raw"
    T dry$i "$Q" -w "$tmp/wh-dry" ingest --raw "$tmp/raw" --dry-run --json >"$tmp/dry$i.json"
    C ingest$i "$tmp/raw"
    T ingest$i "$Q" -w "$tmp/wh$i" ingest --raw "$tmp/raw" --threads "$THREADS" --json >"$tmp/ingest$i.json"
    C flat$i "$tmp/raw"
    T flat$i "$Q" -w "$tmp/wf$i" ingest --raw "$tmp/raw" --threads "$THREADS" --no-features --json >"$tmp/flat$i.json"
  fi
  if [ "$i" -le "$DUCK_REPEAT" ]; then
    C duck$i "$tmp/raw"
    T duck$i node bench/ingest_duck.mjs "$tmp/raw/experiment.vqe" "$tmp/duck$i" "$THREADS" >"$tmp/duck$i.json"
  fi
done
if [ "$STORED" -gt 0 ]; then
  done_n=0
  while [ "$done_n" -lt "$STORED" ]; do
    n=$((STORED - done_n < STORED_BATCH ? STORED - done_n : STORED_BATCH))
    "$Q" generate --experiments "$n" --iterations "$STORED_ITER" --seed $((1000 + done_n)) \
      --first-counter $((1000000 + done_n)) --out "$tmp/more" >/dev/null
    "$Q" -w "$tmp/wh-stored" ingest --raw "$tmp/more" >/dev/null
    rm -rf "$tmp/more"
    done_n=$((done_n + n))
  done
  "$Q" generate --experiments "$FILES" --iterations "$ITER" --seed 7 --first-counter 9000000 --out "$tmp/new" >/dev/null
  C empty "$tmp/new"
  T empty "$Q" -w "$tmp/wh-empty" ingest --raw "$tmp/new" --threads "$THREADS" --json >"$tmp/empty.json"
  C stored "$tmp/new"
  T stored "$Q" -w "$tmp/wh-stored" ingest --raw "$tmp/new" --threads "$THREADS" --json >"$tmp/stored.json"
fi
node - "$tmp" "$FILES" "$mb" "$STORED" "$THREADS" "$REPEAT" "$CACHE" "$DUCK_REPEAT" <<'JS'
const fs = require('fs');
const [dir, files, mb, stored, threads, repeat, cache, duckRepeat] = process.argv.slice(2);
const rd = (f) => JSON.parse(fs.readFileSync(`${dir}/${f}`, 'utf8'));
const t = (n) => { const x = rd(`${n}.time`); x.cpu = x.user + x.sys; return x; };
// the median of the REPEAT runs by CPU time (an odd REPEAT picks a real run; an even one the upper middle)
const median = (name, n = repeat) => {
  const runs = [];
  for (let i = 1; i <= Number(n); i++) runs.push({ ...t(`${name}${i}`), i });
  const sorted = [...runs].sort((a, b) => a.cpu - b.cpu);
  const byWall = [...runs].sort((a, b) => a.wall - b.wall);
  return { ...sorted[Math.floor(sorted.length / 2)], all: runs.map((r) => r.cpu.toFixed(2)).join(' '),
    walls: runs.map((r) => r.wall.toFixed(2)).join(' '), medWall: byWall[Math.floor(byWall.length / 2)].wall };
};
const dry = median('dry'), jsonc = t('jsonc'), ing = median('ingest'), flat = median('flat');
const duck = median('duck', duckRepeat);
const ij = rd(`ingest${ing.i}.json`);
const names = ij.tables.map((x) => x.table);
const fj = rd(`flat${flat.i}.json`);
// every DuckDB run must have written the rows qberg wrote
let same = names.every((n, i) => fj.tables[i] && fj.tables[i].rows === ij.tables[i].rows);
for (let i = 1; i <= Number(duckRepeat); i++) {
  const dj = rd(`duck${i}.json`);
  same = same && names.every((n, k) => dj.rows[n] === ij.tables[k].rows);
}
const f = (x) => x.toFixed(2).padStart(8);
const mib = (kb) => (kb / 1024).toFixed(0).padStart(5) + ' MiB';
console.log(`${files} raw files, ${mb} MB; rows: ${names.map((n, i) => `${n} ${ij.tables[i].rows}`).join(', ')}`);
// the share of the raw files' pages in the page cache as each step started
const steps = ['jsonc'];
for (let i = 1; i <= Number(repeat); i++) steps.push(`dry${i}`, `ingest${i}`, `flat${i}`);
for (let i = 1; i <= Number(duckRepeat); i++) steps.push(`duck${i}`);
if (Number(stored) > 0) steps.push('empty', 'stored');
const shares = steps.map((s) => { const c = rd(`${s}.cache`); return c.pages ? c.cached / c.pages : 1; });
const lo = Math.min(...shares), hi = Math.max(...shares);
const pct = (x) => `${(100 * x).toFixed(1)}%`;
console.log(`raw files' pages in the page cache before each step (CACHE=${cache}): ${lo === hi ? pct(lo) : `${pct(lo)}-${pct(hi)}`}`);
console.log('step                              cpu s   wall s   peak RSS');
console.log(`qberg ingest --dry-run (parse)  ${f(dry.cpu)} ${f(dry.wall)}  ${mib(dry.rss_kb)}`);
console.log(`json-c DOM parse (parse_jsonc)  ${f(jsonc.cpu)} ${f(jsonc.wall)}  ${mib(jsonc.rss_kb)}`);
console.log(`qberg ingest (first batch)      ${f(ing.cpu)} ${f(ing.wall)}  ${mib(ing.rss_kb)}  (${ij.threads} thread${ij.threads == 1 ? '' : 's'})`);
console.log(`qberg ingest --no-features      ${f(flat.cpu)} ${f(flat.wall)}  ${mib(flat.rss_kb)}  (the nine tables only)`);
console.log(`DuckDB read_json+SQL+COPY       ${f(duck.cpu)} ${f(duck.wall)}  ${mib(duck.rss_kb)}  (${threads} thread${threads === '1' ? '' : 's'})`);
console.log(`qberg runs, CPU s in run order: dry run ${dry.all}; ingest ${ing.all}; --no-features ${flat.all} (median of ${repeat} compared)`);
if (Number(duckRepeat) > 1)
  console.log(`DuckDB runs, interleaved with qberg's: CPU s ${duck.all}, wall s ${duck.walls} (median of ${duckRepeat} compared: ` +
    `by CPU for the CPU ratios, by wall for the wall ratios)`);
console.log(`DuckDB / qberg ingest (cpu): ${(duck.cpu / ing.cpu).toFixed(2)}x  (goal >= 10x); ` +
  `/ qberg ingest --no-features, the same tables as DuckDB: ${(duck.cpu / flat.cpu).toFixed(2)}x`);
console.log(`qberg ingest / parse-only (cpu): ${(ing.cpu / dry.cpu).toFixed(2)}x  (goal <= 1.5x); ` +
  `/ a plain json-c parse: ${(ing.cpu / jsonc.cpu).toFixed(2)}x (bench/ingest_floor.sh: the floor)`);
// with two threads the goal is a wall-time one (what a user waits for; the CPU of two threads is ~ that of one):
// the median of the REPEAT runs by wall time, each printed
console.log(`DuckDB / qberg ingest (wall, ${threads} thread${threads === '1' ? '' : 's'} each): ${(duck.medWall / ing.wall).toFixed(2)}x; ` +
  `/ the median wall of the ${repeat} ingest runs (${ing.walls} s): ${(duck.medWall / ing.medWall).toFixed(2)}x` +
  `${threads === '1' ? '' : '  (goal >= 10x)'}`);
console.log(`qberg ingest / parse-only (wall; the parse is one thread): ${(ing.wall / dry.wall).toFixed(2)}x`);
if (ij.features) {
  const wall = ij.elapsed_ms / 1000;
  console.log(`ML feature tables (ml_iteration_features ${ij.features.tables[0].rows} rows, ml_run_summary ${ij.features.tables[1].rows}): ` +
    `${ij.features.seconds.toFixed(2)} s of ${wall.toFixed(2)} s ingest wall = ${(100 * ij.features.seconds / wall).toFixed(1)}% share`);
}
if (ij.phases_ms) { // where the median run's wall time went; the phases other than rows and features (both
  // write on a second thread) run on one thread
  const ph = ij.phases_ms, total = Object.values(ph).reduce((a, b) => a + b, 0), one = total - ph.rows - ph.features;
  console.log(`qberg ingest phases (the median run, wall s): ${Object.entries(ph).map(([k, v]) => `${k} ${(v / 1000).toFixed(3)}`).join(', ')}; ` +
    `all but rows and features (one thread): ${(one / 1000).toFixed(3)} s = ${(100 * one / total).toFixed(1)}%`);
}
console.log(`qberg throughput: ${(mb / ing.cpu).toFixed(1)} MB per cpu second; same row counts as DuckDB: ${same ? 'yes' : 'NO'}`);
if (Number(stored) > 0) {
  const st = t('stored'), em = t('empty'), sj = rd('stored.json');
  console.log(`the same batch of ${files} new files on empty tables: ${f(em.cpu)} cpu s ${f(em.wall)} wall s ${mib(em.rss_kb)}`);
  console.log(`with ${stored} experiments stored:          ${f(st.cpu)} cpu s ${f(st.wall)} wall s ${mib(st.rss_kb)}; ` +
    `stored / empty (cpu): ${(st.cpu / em.cpu).toFixed(2)}x  (goal <= 1.2x)`);
  if (sj.features)
    console.log(`  ML phase: incremental ${sj.features.incremental}, stored ids read ${sj.features.stored_ids_read}` +
      ` ${JSON.stringify(sj.features.stored_ids_reason)}, ${sj.features.seconds.toFixed(2)} s`);
}
if (!same) process.exit(1);
JS
