#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# DELTA_BYTE_ARRAY for the ingest's id columns (qb_pq_write_options.delta_byte_array, table property
# qberg.parquet.delta-byte-array.enabled, default false): one ingest into tables whose property is true,
# one with the default, with a pinned clock. With the property on every file's iteration_id, parameter_id and
# term_id chunks are DELTA_BYTE_ARRAY (DuckDB parquet_metadata), the default leaves none; DuckDB and hyparquet 1.33
# read every such file as qberg does; qberg scans every table to the same rows either way. icebird 0.3.1
# (latest; it bundles hyparquet 1.19.0, whose readDataPage decodes DELTA_BYTE_ARRAY in v2 data pages only)
# reads the tables written with the property off and rejects the others with "unsupported encoding:
# DELTA_BYTE_ARRAY" (docs/COMPATIBILITY.md). The data files are smaller.
set -u
. "$QB_ROOT/tests/lib/rows.sh"
pass=0 fail=0
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
check() { if eval "$2"; then pass=$((pass + 1)); else echo "FAIL $1"; fail=$((fail + 1)); fi; }
export QB_TEST_NOW=20261126T120000Z QB_TEST_SEED=7
PROP=qberg.parquet.delta-byte-array.enabled

# a first batch of rejected files creates every table (writing only the bookkeeping tables' files)
mkdir -p "$dir/first/experiment.vqe"
cp "$QB_TEST_DATA"/vqe/bad/*.json "$dir/first/experiment.vqe/"
"$QBERG" generate --experiments 30 --iterations 5-20 --seed 7 --out "$dir/raw" >/dev/null
for w in on off; do
  "$QBERG" -w "$dir/$w" ingest --raw "$dir/first" >/dev/null 2>&1 # exits 1: every file is rejected
  check "first ingest ($w) creates the tables" '"$QBERG" -w "$dir/$w" tables quantum_features | grep -q hamiltonian_terms'
  if [ "$w" = on ]; then
    for t in $("$QBERG" -w "$dir/on" tables quantum_features); do
      check "alter $t" '"$QBERG" -w "$dir/on" alter "$t" set-property "$PROP=true" >/dev/null 2>"$dir/err"'
    done
  else
    find "$dir/off" -name '*.parquet' | sort >"$dir/before"
  fi
  check "ingest ($w)" '"$QBERG" -w "$dir/$w" ingest --raw "$dir/raw" >/dev/null 2>"$dir/err"'
done

# the encodings of every column chunk (DuckDB's parquet_metadata, one process for all files)
encodings() { # WAREHOUSE: lines "table column encodings" (the files of the second ingest)
  find "$dir/$1" -path '*/data/*' -name '*.parquet' | sort | comm -23 - "$dir/before" >"$dir/list"
  (cd "$QB_ORACLES" && node --input-type=module -e '
import { duck, sqlStr } from "./lib-duck.mjs";
import { readFileSync } from "node:fs";
const files = readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean);
const db = await duck();
const rows = await db.all(`SELECT file_name, path_in_schema, encodings FROM parquet_metadata([${files.map(sqlStr).join(",")}])`);
for (const r of rows) console.log(r.file_name.split("/quantum_features/")[1].split("/")[0], r.path_in_schema, r.encodings);
' "$dir/list")
}
encodings on >"$dir/enc.on" 2>"$dir/err" || cat "$dir/err"
encodings off >"$dir/enc.off" 2>"$dir/err" || cat "$dir/err"
for tc in "vqe_iterations iteration_id" "iteration_parameters parameter_id" "hamiltonian_terms term_id"; do
  check "$tc: every chunk DELTA_BYTE_ARRAY" \
    'grep "^$tc " "$dir/enc.on" >"$dir/e" && [ -s "$dir/e" ] && ! grep -qv DELTA_BYTE_ARRAY "$dir/e"'
  check "$tc: PLAIN by default" '[ "$(grep -c "^$tc " "$dir/enc.off")" -gt 0 ]'
done
check "no DELTA_BYTE_ARRAY in any file written by default" '[ -s "$dir/enc.off" ] && ! grep -q DELTA_BYTE_ARRAY "$dir/enc.off"'

# DuckDB and hyparquet read every file of the three tables as qberg reads it
files=$(find "$dir/on/quantum_features/vqe_iterations" "$dir/on/quantum_features/iteration_parameters" \
  "$dir/on/quantum_features/hamiltonian_terms" -path '*/data/*' -name '*.parquet' | sort)
mkdir -p "$dir/duck" "$dir/hyp" "$dir/ours"
node "$QB_ORACLES/parquet-rows-batch.mjs" "$dir/duck" $files 2>/dev/null
node "$QB_ORACLES/parquet-rows-batch.mjs" "$dir/hyp" --hyparquet $files 2>/dev/null
hyp_equal() { # OURS HYPARQUET: the same rows, string columns equal (dates and timestamps come as Dates)
  python3 - "$1" "$2" <<'PY'
import json, sys
ours = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
hyp = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
if len(ours) != len(hyp) or not ours: sys.exit("rows: ours %d, hyparquet %d" % (len(ours), len(hyp)))
for i, (a, b) in enumerate(zip(ours, hyp)):
    for k, x in a.items():
        if isinstance(x, str) and "date" not in k and "timestamp" not in k and x != b.get(k):
            sys.exit("row %d column %s: ours %r, hyparquet %r" % (i, k, x, b.get(k)))
PY
}
n=0
for f in $files; do
  b=$(basename "$f")
  n=$((n + 1))
  "$QBERG" parquet cat "$f" >"$dir/ours/$b.jsonl" 2>"$dir/err" || echo "qberg cannot read $f: $(cat "$dir/err")"
  check "duckdb reads $b" '[ -f "$dir/duck/$b.jsonl" ] && rows_equal "$dir/ours/$b.jsonl" "$dir/duck/$b.jsonl"'
  check "hyparquet reads $b" '[ -f "$dir/hyp/$b.jsonl" ] && hyp_equal "$dir/ours/$b.jsonl" "$dir/hyp/$b.jsonl"'
done
check "several files ($n)" '[ "$n" -ge 6 ]'

# every table scans to the same rows either way (qberg); icebird reads the tables written PLAIN
for t in $("$QBERG" -w "$dir/on" tables quantum_features); do
  s=${t#quantum_features.}
  "$QBERG" -w "$dir/on" scan "$t" --format jsonl 2>/dev/null | sort >"$dir/scan.on"
  "$QBERG" -w "$dir/off" scan "$t" --format jsonl 2>/dev/null | sort >"$dir/scan.off"
  check "qberg scan $s: same rows ($(wc -l <"$dir/scan.on"))" 'cmp -s "$dir/scan.on" "$dir/scan.off"'
  case $s in vqe_iterations | iteration_parameters | hamiltonian_terms)
    check "qberg scan $s: rows" '[ -s "$dir/scan.on" ]'
    ib=$(node "$QB_ORACLES/iceberg-scan.mjs" "$dir/off/quantum_features/$s" --count 2>/dev/null |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["rows"])')
    check "icebird scans $s written PLAIN ($ib rows)" '[ "$ib" = "$(wc -l <"$dir/scan.off")" ]'
    check "icebird 0.3.1 rejects $s's DELTA_BYTE_ARRAY v1 pages" \
      '! node "$QB_ORACLES/iceberg-scan.mjs" "$dir/on/quantum_features/$s" --count >/dev/null 2>"$dir/err" &&
       grep -q "unsupported encoding: DELTA_BYTE_ARRAY" "$dir/err"'
    ;;
  esac
done

bytes() { find "$dir/$1" -path '*/data/*' -name '*.parquet' -printf '%s\n' | awk '{s += $1} END {print s}'; }
on=$(bytes on) off=$(bytes off)
check "data files smaller with DELTA_BYTE_ARRAY ($on < $off bytes)" '[ "$on" -lt "$off" ]'
echo "delta_byte_array: $pass passed, $fail failed"
[ "$fail" = 0 ]
