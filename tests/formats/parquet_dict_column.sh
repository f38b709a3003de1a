#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Per-column dictionary switch of the files Iceberg writes (write.parquet.dict-encoding-enabled.column.<path>,
# qb_pq_write_options.no_dictionary; TABLES.md):
# 1. a table whose repeating columns are switched off ("false", "FALSE", "no": anything but "true", as Java's
#    Boolean.parseBoolean reads it) has no dictionary page in those columns, in every row group (DuckDB's
#    parquet_metadata), while "true" and unset columns keep theirs; DuckDB and hyparquet read every value
#    equal to the rows appended (the input, not our reader's output).
# 2. an ingest creates its tables with the switch for the per-row ids (iteration_id, iteration_parameters'
#    parameter_id, term_id, term_index): those chunks are PLAIN, the other columns keep their dictionaries.
set -u
. "$QB_ROOT/tests/lib/rows.sh"
pass=0 fail=0
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
check() { if eval "$2"; then pass=$((pass + 1)); else echo "FAIL $1"; fail=$((fail + 1)); fi; }
q() { "$QBERG" -w "$dir/wh" "$@"; }

# dictionary pages per column of FILES as DuckDB reads the footers: lines "<column> <DICT|PLAIN>"
dict_chunks() {
  (cd "$QB_ORACLES" && node --input-type=module - "$@") <<'JS'
import { duck, sqlStr } from './lib-duck.mjs';
const db = await duck();
for (const f of process.argv.slice(2))
  for (const r of await db.all(`SELECT path_in_schema AS c, dictionary_page_offset AS d FROM parquet_metadata(${sqlStr(f)})`))
    console.log(r.c, r.d === null ? 'PLAIN' : 'DICT');
JS
}

# ---- 1. a table written through the data writer --------------------------------------------------------
schema='{"type":"struct","fields":[
 {"id":1,"name":"id","required":true,"type":"long"},
 {"id":2,"name":"label","required":false,"type":"string"},
 {"id":3,"name":"x","required":false,"type":"double"},
 {"id":4,"name":"tag","required":false,"type":"string"},
 {"id":5,"name":"kind","required":false,"type":"string"},
 {"id":6,"name":"n","required":false,"type":"int"}]}'
python3 - "$dir/rows.jsonl" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(30000):
        f.write(json.dumps({"id": i, "label": None if i % 101 == 0 else "term-%d" % (i % 40),
                            "x": (i % 50) * 0.5, "tag": "t%d" % (i % 7), "kind": "k%d" % (i % 3),
                            "n": i % 9}) + "\n")
PY
p=write.parquet.dict-encoding-enabled.column
check "ns create" 'q ns create db >/dev/null'
check "create" 'q create db.t --schema "$schema" --property write.parquet.row-group-size-bytes=65536 \
  --property $p.label=false --property $p.x=FALSE --property $p.kind=no --property $p.tag=true >/dev/null'
check "append" 'q append db.t "$dir/rows.jsonl" >/dev/null 2>"$dir/err"'
f=$(find "$dir/wh" -name '*.parquet' | head -1)
check "one data file" '[ -n "$f" ] && [ "$(find "$dir/wh" -name "*.parquet" | wc -l)" -eq 1 ]'
dict_chunks "$f" >"$dir/chunks" 2>"$dir/err"
check "several row groups" '[ "$(grep -c "^label " "$dir/chunks")" -ge 2 ]'
check "label, x, kind: no dictionary in any row group" \
  '! grep -Eq "^(label|x|kind) DICT$" "$dir/chunks" && grep -q "^label PLAIN$" "$dir/chunks"'
check "tag (true) and n (unset): dictionaries in every row group" \
  '! grep -Eq "^(tag|n) PLAIN$" "$dir/chunks" && grep -q "^tag DICT$" "$dir/chunks" && grep -q "^n DICT$" "$dir/chunks"'
mkdir -p "$dir/duck" "$dir/hyp"
node "$QB_ORACLES/parquet-rows-batch.mjs" "$dir/duck" "$f" 2>"$dir/err"
node "$QB_ORACLES/parquet-rows-batch.mjs" "$dir/hyp" --hyparquet "$f" 2>>"$dir/err"
b=$(basename "$f")
same_rows() { # READER_OUTPUT: every row equals the input row
  python3 - "$dir/rows.jsonl" "$1" <<'PY'
import json, sys
want = [json.loads(l) for l in open(sys.argv[1])]
got = [json.loads(l) for l in open(sys.argv[2]) if l.strip() and not l.startswith("#")]
if len(got) != len(want): sys.exit("rows: %d, want %d" % (len(got), len(want)))
def num(v):
    if isinstance(v, dict): v = v.get("$big", v)
    return v
for i, (w, g) in enumerate(zip(want, got)):
    if (int(num(g["id"])), g["label"], float(g["x"]), g["tag"], g["kind"], int(num(g["n"]))) != \
       (w["id"], w["label"], w["x"], w["tag"], w["kind"], w["n"]):
        sys.exit("row %d: got %r, want %r" % (i, g, w))
PY
}
check "duckdb reads every value" '[ -f "$dir/duck/$b.jsonl" ] && same_rows "$dir/duck/$b.jsonl"'
check "hyparquet reads every value" '[ -f "$dir/hyp/$b.jsonl" ] && same_rows "$dir/hyp/$b.jsonl"'
check "qberg reads every value" '"$QBERG" parquet cat "$f" >"$dir/ours.jsonl" && same_rows "$dir/ours.jsonl"'

# ---- 2. an ingest -------------------------------------------------------------------------------------
"$QBERG" generate --experiments 60 --iterations 5-20 --seed 5 --out "$dir/raw" >/dev/null
check "ingest" '"$QBERG" -w "$dir/iwh" ingest --raw "$dir/raw" >/dev/null 2>"$dir/err"'
meta() { ls "$dir/iwh/quantum_features/$1/metadata/"*.metadata.json | tail -1; }
check "hamiltonian_terms properties" 'grep -q "\"$p.term_id\":\"false\"" "$(meta hamiltonian_terms)" &&
  grep -q "\"$p.term_index\":\"false\"" "$(meta hamiltonian_terms)"'
check "vqe_iterations property" 'grep -q "\"$p.iteration_id\":\"false\"" "$(meta vqe_iterations)"'
check "iteration_parameters property" 'grep -q "\"$p.parameter_id\":\"false\"" "$(meta iteration_parameters)"'
check "molecules: none" '! grep -q "dict-encoding-enabled" "$(meta molecules)"'
for t in hamiltonian_terms vqe_iterations iteration_parameters; do
  # shellcheck disable=SC2046
  dict_chunks $(find "$dir/iwh/quantum_features/$t/data" -name '*.parquet') >"$dir/$t.chunks" 2>"$dir/err"
done
check "term_id, term_index PLAIN; basis_set keeps its dictionary" \
  '! grep -Eq "^(term_id|term_index) DICT$" "$dir/hamiltonian_terms.chunks" &&
   grep -q "^term_id PLAIN$" "$dir/hamiltonian_terms.chunks" && ! grep -q "^basis_set PLAIN$" "$dir/hamiltonian_terms.chunks"'
check "vqe_iterations: iteration_id PLAIN" '! grep -q "^iteration_id DICT$" "$dir/vqe_iterations.chunks" &&
  grep -q "^iteration_id PLAIN$" "$dir/vqe_iterations.chunks"'
check "iteration_parameters: parameter_id PLAIN, iteration_id (repeating) keeps its dictionary" \
  '! grep -q "^parameter_id DICT$" "$dir/iteration_parameters.chunks" &&
   ! grep -q "^iteration_id PLAIN$" "$dir/iteration_parameters.chunks"'
echo "parquet_dict_column: $pass passed, $fail failed"
[ "$fail" = 0 ]
