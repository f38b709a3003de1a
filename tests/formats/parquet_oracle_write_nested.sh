#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Nested and columnar-batch tables: files written by the qberg Parquet writer are read back exactly by
# two independent readers: DuckDB
# (parquet-rows.mjs, parquet-meta.mjs) and hyparquet (parquet-rows-hyparquet.mjs). The expected rows come
# from the generator's own dump of what it wrote (tests/tools/pq_gen.c), never from our reader.
# Covers every type, nulls, nested lists/maps/structs, 0 and 1 row, several row groups and pages, every
# writable codec, data page v1 and v2, dictionary on/off and dictionary fallback, CRC on/off, row and
# columnar APIs.
set -u
gen="$QB_BUILD/tools/pq_gen"
here="$QB_ROOT/tests/formats"
pass=0 fail=0
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# run NAME CASE ROWS META_OPTS READERS -- GEN_OPTS...
run() {
  local name=$1 kind=$2 rows=$3 metaopts=$4 readers=$5
  shift 6
  local f="$dir/$name" ok=1
  if ! "$gen" "$kind" "$f.parquet" "$f.jsonl" "$f.types.json" --rows "$rows" "$@" >"$f.result.json" 2>"$f.err"; then
    echo "FAIL $name: pq_gen: $(cat "$f.err")"; fail=$((fail + 1)); return
  fi
  node "$QB_ORACLES/parquet-rows.mjs" "$f.parquet" >"$f.duck" 2>"$f.err" || { echo "  duckdb: $(cat "$f.err")"; ok=0; }
  [ $ok = 1 ] && { node "$here/pq_compare.mjs" "$f.types.json" "$f.jsonl" "$f.duck" duckdb >"$f.cmp" || { cat "$f.cmp"; ok=0; }; }
  if [ "$readers" = both ]; then
    node "$QB_ORACLES/parquet-rows-hyparquet.mjs" "$f.parquet" >"$f.hyp" 2>"$f.err" || { echo "  hyparquet: $(cat "$f.err")"; ok=0; }
    [ $ok = 1 ] && { node "$here/pq_compare.mjs" "$f.types.json" "$f.jsonl" "$f.hyp" hyparquet >"$f.cmp" || { cat "$f.cmp"; ok=0; }; }
  fi
  node "$QB_ORACLES/parquet-meta.mjs" "$f.parquet" >"$f.meta.json" 2>"$f.err" || { echo "  meta: $(cat "$f.err")"; ok=0; }
  # shellcheck disable=SC2086
  [ $ok = 1 ] && { node "$here/pq_meta_check.mjs" "$f.types.json" "$f.meta.json" "$f.result.json" $metaopts >"$f.cmp" || { cat "$f.cmp"; ok=0; }; }
  if [ $ok = 1 ]; then echo "ok $name"; pass=$((pass + 1)); else echo "FAIL $name ($*)"; fail=$((fail + 1)); fi
}

run nested_zstd_v1        nested 400 "--dict yes" both --
run nested_snappy_v2_rgs  nested 400 "--min-row-groups 4" both -- --codec snappy --page-version 2 --row-group-bytes 5000 --page-bytes 600
run nested_gzip_fallback  nested 300 "" both -- --codec gzip --dict-bytes 200 --page-rows 16
run nested_0rows          nested 0 "" both --
run nested_1row_v2        nested 1 "" both -- --page-version 2
run flat_batch_v1         flat 5000 "--min-row-groups 3" both -- --row-group-bytes 20000
run flat_batch_v2_plain   flat 3000 "--dict no" both -- --page-version 2 --no-dict --codec snappy --page-rows 100
echo "parquet_oracle_write_nested: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
