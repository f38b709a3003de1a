#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Files written by the qberg Parquet writer are read back exactly by two independent readers: DuckDB
# (parquet-rows.mjs, parquet-meta.mjs) and hyparquet (parquet-rows-hyparquet.mjs). The expected rows come
# from the generator's own dump of what it wrote (tests/tools/pq_gen.c), never from our reader.
# Covers every type, nulls, nested lists/maps/structs, 0 and 1 row, several row groups and pages, every
# writable codec, data page v1 and v2, dictionary on/off and dictionary fallback, DELTA_BYTE_ARRAY strings,
# CRC on/off, row and columnar APIs.
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

run alltypes_zstd_v1      alltypes 400 "--dict yes" both --
run alltypes_snappy_v2    alltypes 400 "--dict yes" both -- --codec snappy --page-version 2
run alltypes_gzip_plain   alltypes 400 "--dict no" both -- --codec gzip --no-dict --page-bytes 700 --no-crc
run alltypes_none_v2_rgs  alltypes 400 "--min-row-groups 5" both -- --codec uncompressed --page-version 2 --row-group-bytes 6000 --page-rows 7
run alltypes_1row         alltypes 1 "" both --
# id-like strings without dictionary: DELTA_BYTE_ARRAY pages (v1 and v2, several pages), and PLAIN when off
run ids_delta_v1          alltypes 400 "--dict no --delta-byte-array yes" both -- --no-dict --id-strings --delta-byte-array
run ids_delta_v2_pages    alltypes 400 "--dict no --delta-byte-array yes" both -- --no-dict --id-strings --delta-byte-array --page-version 2 --page-rows 30
run ids_delta_fallback    alltypes 400 "--dict yes --delta-byte-array yes" both -- --id-strings --delta-byte-array --dict-bytes 2000
run ids_delta_off         alltypes 400 "--dict no --delta-byte-array no" both -- --no-dict --id-strings --no-delta-byte-array
# hyparquet-compressors 1.1.1 fails on LZ4_RAW pages liblz4 produces ("lz4 offset out of range"); DuckDB
# (liblz4 underneath) reads them, so this case is checked with DuckDB only.
run alltypes_lz4raw       alltypes 150 "" duckdb -- --codec lz4_raw --dict-bytes 300
echo "parquet_oracle_write: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
