#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The dictionary hint shared by the files of one table write (qb_pq_write_options.dict_lost): the partition
# files of an ingest, where high-cardinality columns (parameter_value, coeff_real, term_label; term_id is
# PLAIN from the start) are judged early in the files after the first that drops them, read back by DuckDB
# row for row as our own reader reads them, in every file of the tables with the most partition files.
set -u
. "$QB_ROOT/tests/lib/rows.sh"
pass=0 fail=0
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
check() { if eval "$2"; then pass=$((pass + 1)); else echo "FAIL $1"; fail=$((fail + 1)); fi; }

"$QBERG" generate --experiments 120 --iterations 5-20 --seed 7 --out "$dir/raw" >/dev/null
check "ingest" '"$QBERG" -w "$dir/wh" ingest --raw "$dir/raw" >/dev/null 2>"$dir/err"'

cmp_rows() { # FILE: DuckDB's rows equal qberg's (int64 comes as strings from DuckDB; timestamps differ in form)
  node "$QB_ORACLES/parquet-rows.mjs" "$1" >"$dir/duck" 2>"$dir/err" || { cat "$dir/err"; return 1; }
  "$QBERG" parquet cat "$1" >"$dir/ours" 2>"$dir/err" || { cat "$dir/err"; return 1; }
  rows_equal "$dir/ours" "$dir/duck"
}

n=0
for t in hamiltonian_terms iteration_parameters vqe_iterations; do
  for f in $(find "$dir/wh/quantum_features/$t/data" -name '*.parquet' | sort); do
    n=$((n + 1))
    check "duckdb reads $t file $(basename "$f")" 'cmp_rows "$f"'
  done
done
check "several partition files per table (got $n)" '[ "$n" -ge 9 ]'
echo "dict_hint: $pass passed, $fail failed"
[ "$fail" = 0 ]
