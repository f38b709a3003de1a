#!/usr/bin/env bash
# The ingest's columnar write path (rows derived into column buffers, qb_txn_write_batch) against the row
# path (QB_INGEST_ROW_PATH=1: every row through qb_txn_write): the same raw files, batch id and clock give
# the same rows in every table, the same data files per partition with the same manifest metrics (counts,
# null and NaN counts, bounds; not sizes), DuckDB reads the same rows from both warehouses' data files, and
# a second batch that re-delivers stored experiments (digested and re-checked row by row, not written)
# keeps both equal.
set -u
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi; }
export QB_TEST_NOW=20261126T120000Z QB_TEST_SEED=7
TABLES="molecules ansatz_info performance_metrics vqe_results initial_parameters optimal_parameters vqe_iterations iteration_parameters hamiltonian_terms"
R="$TMPDIR/raw/experiments/experiment.vqe"
mkdir -p "$R"
cp "$QB_TEST_DATA"/vqe/experiments/experiment.vqe/*.json "$R/"
"$QBERG" generate --experiments 25 --seed 5 --iterations 5-30 --first-counter 100 --out "$TMPDIR/g" >/dev/null
cp "$TMPDIR"/g/experiment.vqe/*.json "$R/"
ingest() { # WAREHOUSE BATCH [row]: BATCH b1, b2, ... (batch id 00000000-0000-4000-8000-00000000000N)
  local id=00000000-0000-4000-8000-00000000000${2#b}
  if [ "${3:-}" = row ]; then QB_INGEST_ROW_PATH=1 "$QBERG" -w "$1" ingest --raw "$TMPDIR/raw/experiments" --batch-id "$id" --json
  else "$QBERG" -w "$1" ingest --raw "$TMPDIR/raw/experiments" --batch-id "$id" --json; fi >"$TMPDIR/$2.$(basename "$1").json"
}
rows() { "$QBERG" -w "$1" scan "quantum_features.$2" --format jsonl | sort; }
# manifest entries without what depends on page and row-group cuts: paths, sizes, split offsets
metrics() {
  for m in "$1/quantum_features/$2"/metadata/*.avro; do
    case "$(basename "$m")" in snap-*) continue ;; esac
    "$QBERG" manifest "$m" --json
  done | python3 -c '
import json, sys
out = []
for line in sys.stdin:
    e = json.loads(line)
    d = e["data_file"]
    for k in ("file_path", "file_size_in_bytes", "column_sizes", "split_offsets"):
        d.pop(k, None)
    out.append(json.dumps([e["status"], d], sort_keys=True))
print("\n".join(sorted(out)))'
}
duck() { # DuckDB rows of every data file of a table (one read_parquet over them), sorted
  (cd "$QB_ORACLES" && node --input-type=module -e '
import { duck, sqlStr } from "./lib-duck.mjs";
const db = await duck();
const rows = await db.all(`SELECT * FROM read_parquet(${sqlStr(process.argv[1] + "/data/**/*.parquet")}, hive_partitioning = false)`);
for (const r of rows) console.log(JSON.stringify(r));' "$1/quantum_features/$2") | sort
}
compare_all() { # label
  for t in $TABLES; do
    rows "$TMPDIR/col" "$t" >"$TMPDIR/c.rows"
    rows "$TMPDIR/row" "$t" >"$TMPDIR/r.rows"
    check "$1: $t: same rows ($(wc -l <"$TMPDIR/c.rows"))" '[ -s "$TMPDIR/c.rows" ] && cmp -s "$TMPDIR/c.rows" "$TMPDIR/r.rows"'
    metrics "$TMPDIR/col" "$t" >"$TMPDIR/c.m"
    metrics "$TMPDIR/row" "$t" >"$TMPDIR/r.m"
    check "$1: $t: same manifest metrics" '[ -s "$TMPDIR/c.m" ] && cmp -s "$TMPDIR/c.m" "$TMPDIR/r.m"'
  done
}

ingest "$TMPDIR/col" b1
ingest "$TMPDIR/row" b1 row
check "batch 1: both paths report the same rows" \
  '[ "$(python3 -c "import json,sys; print([t[\"rows\"] for t in json.load(open(sys.argv[1]))[\"tables\"]])" "$TMPDIR/b1.col.json")" = "$(python3 -c "import json,sys; print([t[\"rows\"] for t in json.load(open(sys.argv[1]))[\"tables\"]])" "$TMPDIR/b1.row.json")" ]'
compare_all "batch 1"
for t in vqe_results hamiltonian_terms; do
  duck "$TMPDIR/col" "$t" >"$TMPDIR/c.duck"
  duck "$TMPDIR/row" "$t" >"$TMPDIR/r.duck"
  n=$("$QBERG" -w "$TMPDIR/col" scan "quantum_features.$t" --format csv | tail -n +2 | wc -l)
  check "DuckDB: $t: same rows from both warehouses' files ($n)" \
    '[ "$(wc -l <"$TMPDIR/c.duck")" = "$n" ] && cmp -s "$TMPDIR/c.duck" "$TMPDIR/r.duck"'
done

# batch 2: new experiments, re-delivered ones (known: digested, not written) and a stored experiment with
# other results (re-checked row by row), in one batch
"$QBERG" generate --experiments 10 --seed 6 --iterations 5-20 --first-counter 500 --out "$TMPDIR/g2" >/dev/null
cp "$TMPDIR"/g2/experiment.vqe/*.json "$R/"
for f in "$TMPDIR"/g/experiment.vqe/10[0-4]-*.json; do cp "$f" "$R/9$(basename "$f")"; done
f=$(ls "$TMPDIR"/g/experiment.vqe/105-*.json)
python3 - "$f" "$R/99105-$(basename "$f" | cut -d- -f2)" <<'PY'
import json, sys
d = json.loads(open(sys.argv[1]).read())
it = d["vqe_result"]["iteration_list"]
it.append(dict(it[-1], iteration=it[-1]["iteration"] + 1))
open(sys.argv[2], "w").write(json.dumps(d) + "\n")
PY
ingest "$TMPDIR/col" b2
ingest "$TMPDIR/row" b2 row
check "batch 2: known and re-checked experiments" \
  'python3 -c "import json,sys; e=json.load(open(sys.argv[1]))[\"experiments\"]; sys.exit(0 if e[\"known\"] >= 5 and e[\"rechecked\"] >= 1 and e[\"new\"] == 10 else 1)" "$TMPDIR/b2.col.json"'
compare_all "batch 2"
echo "colpath: $pass passed, $fail failed"
[ "$fail" = 0 ]
