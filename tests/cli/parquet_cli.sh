# qberg parquet cat/meta: usage errors, projection by name and field id, --limit, --count (row and batch
# APIs) checked against DuckDB's reading of the same file, and meta --json against DuckDB's footer view.
set -u
D=$QB_TEST_DATA/parquet
FX=$D/qberg/rowgroups_fieldids.parquet
pass=0 fail=0
t() { # name, command...: the command must succeed
  local name=$1; shift
  if "$@"; then pass=$((pass + 1)); else echo "FAIL: $name"; fail=$((fail + 1)); fi
}
status() { "$@" >/dev/null 2>&1; echo $?; }

t "no subcommand is a usage error" [ "$(status "$QBERG" parquet)" = 2 ]
t "--help" sh -c '"$QBERG" parquet --help | grep -q "^usage: qberg parquet cat FILE"'
t "unknown subcommand" [ "$(status "$QBERG" parquet frobnicate x)" = 2 ]
t "cat without file" [ "$(status "$QBERG" parquet cat)" = 2 ]
t "bad --limit" [ "$(status "$QBERG" parquet cat "$FX" --limit x)" = 2 ]
t "--batch alone" [ "$(status "$QBERG" parquet cat "$FX" --batch)" = 2 ]
t "missing file" sh -c '"$QBERG" parquet cat /nonexistent.parquet 2>&1 >/dev/null | grep -q "^qberg: QB_ENOTFOUND: /nonexistent.parquet"'
t "unknown column" sh -c '"$QBERG" parquet cat "$0" --columns nope 2>&1 >/dev/null | grep -q "QB_ENOTFOUND: .*no column .nope."' "$FX"

# projection and limit against DuckDB
"$QBERG" parquet cat "$FX" --columns name,st.a,id --limit 50 >"$TMPDIR/ours.jsonl"
node "$QB_ORACLES/parquet-rows.mjs" "$FX" --columns name,st,id --limit 50 2>/dev/null |
  node -e 'for (const l of require("fs").readFileSync(0, "utf8").split("\n").filter(Boolean)) {
    const r = JSON.parse(l); r.st = { a: r.st.a }; console.log(JSON.stringify(r)); }' >"$TMPDIR/duck.jsonl"
t "projection + limit = DuckDB" node "$QB_ROOT/tests/lib/pq-compare.mjs" "$TMPDIR/ours.jsonl" "$TMPDIR/duck.jsonl"
t "50 rows" [ "$(wc -l <"$TMPDIR/ours.jsonl")" = 50 ]
"$QBERG" parquet cat "$FX" --field-ids 3,1 --limit 100 >"$TMPDIR/ids.jsonl"
"$QBERG" parquet cat "$FX" --columns score,id --limit 100 >"$TMPDIR/names.jsonl"
t "field ids = names" cmp -s "$TMPDIR/ids.jsonl" "$TMPDIR/names.jsonl"
t "field-id row" [ "$(sed -n 3p "$TMPDIR/ids.jsonl")" = '{"score":3,"id":2}' ]

# --count through both APIs
t "count rows" [ "$("$QBERG" parquet cat "$FX" --count)" = 8192 ]
t "count batches" [ "$("$QBERG" parquet cat "$FX" --columns id,name,score,st.a --count --batch)" = 8192 ]
t "count limit" [ "$("$QBERG" parquet cat "$FX" --count --limit 10)" = 10 ]
t "batch on a list" sh -c '"$QBERG" parquet cat "$0" --count --batch 2>&1 | grep -q "QB_EUNSUPPORTED: .*st.b.list.element is repeated"' "$FX"

# meta: text shape, and --json against DuckDB's parquet_metadata/parquet_schema
"$QBERG" parquet meta "$FX" >"$TMPDIR/meta.txt"
t "meta schema line" grep -q '^  optional int64 id (INT_64) = 1;$' "$TMPDIR/meta.txt"
t "meta list line" grep -q '^    optional group b (LIST) = 6 {$' "$TMPDIR/meta.txt"
t "meta stats line" grep -q '^    stats: min 2048 max 4095 nulls 0$' "$TMPDIR/meta.txt"
for f in "$FX" "$D/data/nested_maps.snappy.parquet" "$D/data/datapage_v2.snappy.parquet" \
         "$D/data/alltypes_plain.parquet" "$D/data/data_index_bloom_encoding_stats.parquet"; do
  "$QBERG" parquet meta "$f" --json >"$TMPDIR/m.json" && node "$QB_ORACLES/parquet-meta.mjs" "$f" >"$TMPDIR/d.json"
  t "meta --json = DuckDB: ${f##*/}" node "$QB_ROOT/tests/lib/pq-meta-compare.mjs" "$TMPDIR/m.json" "$TMPDIR/d.json"
done

# a truncated copy fails with the file named, after printing nothing
head -c 30000 "$FX" >"$TMPDIR/cut.parquet"
t "truncated file" sh -c '"$QBERG" parquet cat "$0" 2>&1 >/dev/null | grep -q "^qberg: QB_ECORRUPT: .*cut.parquet: "; [ $? = 0 ]' "$TMPDIR/cut.parquet"
t "truncated exit 1" [ "$(status "$QBERG" parquet cat "$TMPDIR/cut.parquet")" = 1 ]

echo "parquet_cli: $pass passed, $fail failed"
[ $fail = 0 ]
