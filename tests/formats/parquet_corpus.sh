# Reads every copied parquet-testing file (tests/data/parquet) with `qberg parquet cat` and checks it against
# expected.json (row counts, ok / error) and against an independent reader: DuckDB (parquet-rows.mjs conventions)
# where DuckDB decodes the file, else hyparquet; rows are normalised by tests/lib/pq-compare.mjs.
# Every bad_data file must fail with exit 1 and a "qberg: QB_E..." message naming the file (no crash, no hang).
# `qberg parquet meta` (text and --json) must work on every readable file.
set -u
D=$QB_TEST_DATA/parquet
W=$TMPDIR/pq
mkdir -p "$W/duck" "$W/hyp" "$W/ours"
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

# file <TAB> expect <TAB> expected_rows <TAB> duckdb_decodes <TAB> hyparquet_rows
node -e '
  const e = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).files;
  for (const [f, v] of Object.entries(e))
    console.log([f, v.expect, v.expected_rows ?? "", v.duckdb_decodes, v.hyparquet_rows ?? ""].join("\t"));
' "$D/expected.json" >"$W/list.tsv" || { echo "cannot read expected.json"; exit 1; }

# Oracle rows, one node process per oracle. Not dumped: large_string_map.brotli (~0.5 GB of strings).
duck=() hyp=()
while IFS=$'\t' read -r f expect rows dd hr; do
  case $f in *large_string_map*) continue ;; esac
  if [ "$dd" = true ]; then duck+=("$D/$f"); elif [ -n "$hr" ]; then hyp+=("$D/$f"); fi
done <"$W/list.tsv"
qfiles=("$D"/qberg/*.parquet) # fixtures written by DuckDB for qberg (see qberg/PROVENANCE.md)
node "$QB_ORACLES/parquet-rows-batch.mjs" "$W/duck" "${duck[@]}" "${qfiles[@]}" || exit 1
node "$QB_ORACLES/parquet-rows-batch.mjs" "$W/hyp" --hyparquet "${hyp[@]}" || exit 1

meta_json=()
while IFS=$'\t' read -r f expect rows dd hr; do
  b=$(basename "$f")
  out=$W/ours/$b.jsonl errf=$W/ours/$b.err
  timeout 60 "$QBERG" parquet cat "$D/$f" >"$out" 2>"$errf"
  rc=$?
  n=$(wc -l <"$out")
  if [ $rc -gt 1 ]; then bad "$f: exit $rc (crash or usage error): $(head -c 300 "$errf")"; continue; fi
  if [ $rc = 1 ] && ! grep -q "^qberg: QB_E[A-Z]*: .*$b" "$errf"; then bad "$f: unclear error: $(head -c 300 "$errf")"; continue; fi
  case "$expect:$b" in
  error:*)
    if [ $rc = 1 ]; then ok; else bad "$f: should fail, read $n rows"; fi
    continue ;;
  ok:large_string_map.brotli.parquet)
    # its dictionary page is 1 GiB + 4 bytes uncompressed: the default page limit (1 GiB) must refuse it cleanly
    if [ $rc = 1 ] && grep -q 'QB_ELIMIT: .*page 0 .*above the page limit' "$errf"; then ok; else bad "$f: want QB_ELIMIT, got exit $rc: $(head -c 300 "$errf")"; fi
    "$QBERG" parquet meta "$D/$f" --json >"$W/meta.json" && node -e '
      const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      if (m.num_rows !== Number(process.argv[2])) { console.log(`num_rows ${m.num_rows}`); process.exit(1); }' "$W/meta.json" "$rows" &&
      ok || bad "$f: meta row count"
    continue ;;
  ok_or_error:datapage_v1-corrupt-checksum.parquet)
    # we verify page CRCs: the error must name the page
    if [ $rc = 1 ] && grep -q 'column a: page 0 (offset 4): CRC mismatch' "$errf"; then ok; else bad "$f: want a CRC error on page 0: $(head -c 300 "$errf")"; fi
    continue ;;
  ok_or_error:*)
    [ $rc = 1 ] && { ok; continue; } ;;
  ok:*)
    [ $rc = 0 ] || { bad "$f: $(head -c 300 "$errf")"; continue; } ;;
  esac
  meta_json+=("$D/$f")
  if [ "$n" != "$rows" ]; then bad "$f: $n rows, expected.json says $rows"; continue; fi
  case $b in
  map_no_value.parquet) ref=$D/map_no_value.expected.jsonl hopt= ;;
  int96_from_spark.parquet)
    # rows 1-5 against DuckDB, row 6 against upstream's int96_from_spark.md (9089380393200000000 us)
    head -n 5 "$out" >"$W/i96.ours"; head -n 5 "$W/duck/$b.jsonl" >"$W/i96.duck"
    if node "$QB_ROOT/tests/lib/pq-compare.mjs" "$W/i96.ours" "$W/i96.duck" &&
       [ "$(sed -n 6p "$out")" = '{"a":"290000-12-30T23:00:00.000000Z"}' ]; then ok; else bad "$f: rows differ"; fi
    continue ;;
  *)
    if [ -f "$W/duck/$b.jsonl" ]; then ref=$W/duck/$b.jsonl hopt=
    elif [ -f "$W/hyp/$b.jsonl" ]; then ref=$W/hyp/$b.jsonl hopt=--hyparquet
    else bad "$f: no oracle rows ($(cat "$W/duck/$b.err" "$W/hyp/$b.err" 2>/dev/null | head -c 200))"; continue
    fi ;;
  esac
  if node "$QB_ROOT/tests/lib/pq-compare.mjs" "$out" "$ref" $hopt 2>"$W/cmp.err"; then ok
  else bad "$f: rows differ from ${ref##*/}: $(head -n 3 "$W/cmp.err")"; fi
done <"$W/list.tsv"

# DuckDB-written fixtures: every row equal to DuckDB's reading
for f in "${qfiles[@]}"; do
  b=$(basename "$f")
  if "$QBERG" parquet cat "$f" >"$W/ours/$b.jsonl" 2>"$W/ours/$b.err" &&
     node "$QB_ROOT/tests/lib/pq-compare.mjs" "$W/ours/$b.jsonl" "$W/duck/$b.jsonl" 2>"$W/cmp.err"; then ok
  else bad "qberg/$b: $(head -c 300 "$W/ours/$b.err") $(head -n 3 "$W/cmp.err")"; fi
  meta_json+=("$f")
done

# meta on every readable file: text, and JSON that parses and agrees with the footer row count of cat
for f in "${meta_json[@]}"; do
  b=$(basename "$f")
  if "$QBERG" parquet meta "$f" >"$W/meta.txt" 2>"$W/meta.err" && grep -q '^schema:' "$W/meta.txt" &&
     "$QBERG" parquet meta "$f" --json >"$W/ours/$b.meta.json" 2>>"$W/meta.err"; then ok
  else bad "$b: meta failed: $(head -c 200 "$W/meta.err")"; fi
done
node -e '
  let bad = 0;
  for (const f of process.argv.slice(1)) {
    try {
      const m = JSON.parse(require("fs").readFileSync(f, "utf8"));
      const sum = m.row_groups.reduce((a, g) => a + g.num_rows, 0);
      if (!Array.isArray(m.schema.children) || typeof m.num_rows !== "number" || m.row_groups.some(g => !Array.isArray(g.columns)))
        { console.log(`FAIL: ${f}: unexpected meta shape`); bad++; }
      else if (sum !== m.num_rows && m.num_rows !== 0) { console.log(`FAIL: ${f}: row groups hold ${sum} rows, num_rows ${m.num_rows}`); bad++; }
    } catch (e) { console.log(`FAIL: ${f}: meta --json is not JSON: ${e.message}`); bad++; }
  }
  process.exit(bad ? 1 : 0);' "$W"/ours/*.meta.json && ok || bad "meta --json validation"

echo "parquet_corpus: $pass passed, $fail failed"
[ $fail = 0 ]
