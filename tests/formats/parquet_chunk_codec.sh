#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Per-chunk codecs of the files Iceberg writes (qb_pq_write_options.codec_skip; TABLES.md "Compression"):
# 1. a table with a column of random doubles, small row groups: its chunks say UNCOMPRESSED after one
#    compressed probe of >= 4 KiB (and every 16th chunk probes again, in ZSTD), the compressible columns stay ZSTD in
#    every chunk (parquet-meta.mjs, DuckDB's footer reading); DuckDB and hyparquet read every value equal to
#    the rows appended (the expected rows are the input, not our reader's output).
# 2. an ingest: the random-double columns (parameter_value, coeff_real) have UNCOMPRESSED chunks, so has the
#    random-integer term_index among its ZSTD chunks, the id columns stay ZSTD, and DuckDB reads every file
#    of the big tables as our reader does.
set -u
. "$QB_ROOT/tests/lib/rows.sh"
pass=0 fail=0
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
check() { if eval "$2"; then pass=$((pass + 1)); else echo "FAIL $1"; fail=$((fail + 1)); fi; }
q() { "$QBERG" -w "$dir/wh" "$@"; }

# ---- 1. a table written through the data writer --------------------------------------------------------
schema='{"type":"struct","fields":[
 {"id":1,"name":"id","required":true,"type":"long"},
 {"id":2,"name":"x","required":false,"type":"double"},
 {"id":3,"name":"label","required":false,"type":"string"}]}'
python3 - "$dir/rows.jsonl" <<'PY'
import json, random, struct, sys
rnd = random.Random(11)
with open(sys.argv[1], "w") as f:
    for i in range(30000):
        while True:  # 8 random bytes that are a finite double
            x = struct.unpack("<d", rnd.getrandbits(64).to_bytes(8, "little"))[0]
            if x == x and abs(x) != float("inf"): break
        f.write(json.dumps({"id": i, "x": None if i % 997 == 0 else x, "label": "term-%d" % (i % 40)}) + "\n")
PY
check "ns create" 'q ns create db >/dev/null'
check "create" 'q create db.t --schema "$schema" --property write.parquet.row-group-size-bytes=16384 >/dev/null'
check "append" 'q append db.t "$dir/rows.jsonl" >/dev/null 2>"$dir/err"'
f=$(find "$dir/wh" -name '*.parquet' | head -1)
check "one data file" '[ -n "$f" ] && [ "$(find "$dir/wh" -name "*.parquet" | wc -l)" -eq 1 ]'
check "parquet-meta" 'node "$QB_ORACLES/parquet-meta.mjs" "$f" --compact >"$dir/meta.json" 2>"$dir/err"'
check "chunk codecs" 'python3 - "$dir/meta.json" <<'"'"'PY'"'"'
import json, sys
m = json.load(open(sys.argv[1]))
codecs = {}
for rg in m["row_groups"]:
    for c in rg["columns"]:
        codecs.setdefault(c["path_in_schema"], []).append(c["codec"])
x = codecs["x"]
if len(x) < 20: sys.exit("only %d row groups" % len(x))
# compressed until a chunk of >= 4 KiB probes (the first row group of the data writer may be smaller), then
# 15 chunks UNCOMPRESSED and one ZSTD probe, repeating
k = x.index("UNCOMPRESSED") if "UNCOMPRESSED" in x else len(x)
want = ["ZSTD"] * k + ["ZSTD" if (g - k) % 16 == 15 else "UNCOMPRESSED" for g in range(k, len(x))]
if k > 2 or x != want: sys.exit("x: %s" % x)
for col in ("id", "label"):
    if set(codecs[col]) != {"ZSTD"}: sys.exit("%s: %s" % (col, codecs[col]))
PY'
mkdir -p "$dir/duck" "$dir/hyp"
node "$QB_ORACLES/parquet-rows-batch.mjs" "$dir/duck" "$f" 2>"$dir/err"
node "$QB_ORACLES/parquet-rows-batch.mjs" "$dir/hyp" --hyparquet "$f" 2>>"$dir/err"
b=$(basename "$f")
same_rows() { # READER_OUTPUT: every row equals the input row (x exactly, bit for bit as a double)
  python3 - "$dir/rows.jsonl" "$1" <<'PY'
import json, sys
want = [json.loads(l) for l in open(sys.argv[1])]
got = [json.loads(l) for l in open(sys.argv[2]) if l.strip() and not l.startswith("#")]
if len(got) != len(want): sys.exit("rows: %d, want %d" % (len(got), len(want)))
def num(v):
    if isinstance(v, dict): v = v.get("$big", v)
    return v
for i, (w, g) in enumerate(zip(want, got)):
    gid, gx, gl = int(num(g["id"])), g["x"], g["label"]
    gx = None if gx is None else float(gx)
    if gid != w["id"] or gx != w["x"] or gl != w["label"]:
        sys.exit("row %d: got %r, want %r" % (i, g, w))
PY
}
check "duckdb reads every value" '[ -f "$dir/duck/$b.jsonl" ] && same_rows "$dir/duck/$b.jsonl"'
check "hyparquet reads every value" '[ -f "$dir/hyp/$b.jsonl" ] && same_rows "$dir/hyp/$b.jsonl"'
check "qberg reads every value" '"$QBERG" parquet cat "$f" >"$dir/ours.jsonl" && same_rows "$dir/ours.jsonl"'

# ---- 2. an ingest -------------------------------------------------------------------------------------
"$QBERG" generate --experiments 120 --iterations 5-20 --seed 7 --out "$dir/raw" >/dev/null
check "ingest" '"$QBERG" -w "$dir/iwh" ingest --raw "$dir/raw" >/dev/null 2>"$dir/err"'
files=$(find "$dir/iwh/quantum_features/"{hamiltonian_terms,iteration_parameters,vqe_iterations}/data -name '*.parquet' | sort)
check "partition files" '[ "$(echo "$files" | wc -l)" -ge 9 ]'
: >"$dir/codecs"
# every chunk's codec as DuckDB reads the footers (parquet_metadata), in one process
# shellcheck disable=SC2086
(cd "$QB_ORACLES" && node --input-type=module - $files >"$dir/codecs" 2>"$dir/err") <<'JS'
import { duck, sqlStr } from './lib-duck.mjs';
const db = await duck();
for (const f of process.argv.slice(2))
  for (const r of await db.all(`SELECT path_in_schema, compression AS codec, total_compressed_size AS n FROM parquet_metadata(${sqlStr(f)})`)) {
    console.log(r.path_in_schema, r.codec);
    if (Number(r.n) < 256) console.log('tiny', r.path_in_schema, r.codec);
  }
JS
check "duckdb lists the chunks" '[ "$(wc -l <"$dir/codecs")" -ge 100 ]'
check "parameter_value has UNCOMPRESSED chunks" 'grep -q "^parameter_value UNCOMPRESSED$" "$dir/codecs"'
check "coeff_real has UNCOMPRESSED chunks" 'grep -q "^coeff_real UNCOMPRESSED$" "$dir/codecs"'
# random integers that zstd's search and literal Huffman shrink by only ~16 % (< 1/5, compressor.h): 7 of 8
# chunks stored, the others still ZSTD
check "term_index has UNCOMPRESSED and ZSTD chunks" 'grep -q "^term_index UNCOMPRESSED$" "$dir/codecs" && grep -q "^term_index ZSTD$" "$dir/codecs"'
# ids are compressed but in chunks under 256 bytes (DELTA_BYTE_ARRAY leaves a few rows' ids that small)
ids_stored() { grep -Ec "^${1-}(parameter_id|term_id|iteration_id) UNCOMPRESSED$" "$dir/codecs"; }
check "ids stay ZSTD" '[ "$(ids_stored)" = "$(ids_stored "tiny ")" ] && grep -q "^term_id ZSTD$" "$dir/codecs"'
mkdir -p "$dir/iduck"
# shellcheck disable=SC2086
node "$QB_ORACLES/parquet-rows-batch.mjs" "$dir/iduck" $files 2>"$dir/err"
cmp_rows() { # FILE: DuckDB's rows equal qberg's (int64 comes as strings from DuckDB; timestamps differ in form)
  "$QBERG" parquet cat "$1" >"$dir/ours" 2>"$dir/err" || { cat "$dir/err"; return 1; }
  rows_equal "$dir/ours" "$dir/iduck/$(basename "$1").jsonl"
}
for f in $files; do check "duckdb reads $(basename "$(dirname "$(dirname "$f")")")/$(basename "$f")" 'cmp_rows "$f"'; done
echo "parquet_chunk_codec: $pass passed, $fail failed"
[ "$fail" = 0 ]
