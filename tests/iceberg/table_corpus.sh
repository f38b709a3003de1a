#!/usr/bin/env bash
# qberg scan on the Iceberg tables of other engines (tests/data/iceberg: Java, Spark, PyIceberg, Athena, DuckDB
# writers; v1 and v2; position and equality deletes; partition and schema evolution; name mapping; defaults):
# the row counts their PROVENANCE / expected.json state, for the current snapshot, older metadata files and
# older snapshots; and the rows themselves against tests/lib/iceberg-expected.mjs (avsc + DuckDB + the spec's
# delete rules, no qberg code). Tables qberg refuses on purpose (format v3, a snapshot id beyond 2^63) must
# fail with that error.
set -u
data="$QB_TEST_DATA/iceberg"
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAILED: $*"; fail=$((fail + 1)); }

# "table metadata-file snapshot-id|- expected-rows" per line
node -e '
const e = require(process.argv[1]).tables;
for (const [t, x] of Object.entries(e)) {
  console.log(`${t} ${x.metadata_file} - ${x.expected_rows}`);
  for (const [m, n] of Object.entries(x.expected_rows_by_metadata_file)) console.log(`${t} ${m} - ${n}`);
  for (const [s, n] of Object.entries(x.expected_rows_by_snapshot_id)) console.log(`${t} ${x.metadata_file} ${s} ${n}`);
}' "$data/expected.json" >"$TMPDIR/cases"

k=0
: >"$TMPDIR/oracle-cases"
: >"$TMPDIR/compare-cases"
while read -r t m snap want; do
  dir="$data/$t"
  [ -f "$dir/metadata/$m" ] || continue # not copied (see PROVENANCE.md)
  # tables whose data files were not copied
  if [ "$t" = duckdb-lineitem-v1-gz-nohint ]; then continue; fi
  args=("$dir/metadata/$m" --format jsonl)
  [ "$snap" != - ] && args+=(--as-of "$snap")
  if ! "$QBERG" scan "${args[@]}" >"$TMPDIR/ours.jsonl" 2>"$TMPDIR/err"; then
    if grep -q 'format-version 3 is not supported' "$TMPDIR/err" || grep -q "'current-snapshot-id' is out of range" "$TMPDIR/err"; then
      ok
    else
      bad "$t $m $snap: $(cat "$TMPDIR/err")"
    fi
    continue
  fi
  got=$(wc -l <"$TMPDIR/ours.jsonl")
  if [ "$got" -ne "$want" ]; then bad "$t $m $snap: $got rows, expected $want"; continue; fi
  ok
  # the rows, checked below against the independent reader in one batch
  k=$((k + 1))
  eargs="$dir $m"
  [ "$snap" != - ] && eargs="$eargs --snapshot-id $snap"
  echo "$TMPDIR/exp.$k $eargs" >>"$TMPDIR/oracle-cases"
  sargs=("$dir/metadata/$m" --json)
  [ "$snap" != - ] && sargs+=(--as-of "$snap")
  "$QBERG" schema "${sargs[@]}" >"$TMPDIR/schema.$k" || { bad "$t: qberg schema failed"; continue; }
  mv "$TMPDIR/ours.jsonl" "$TMPDIR/ours.$k"
  echo "$TMPDIR/schema.$k $TMPDIR/ours.$k $TMPDIR/exp.$k 0 $t $m $snap" >>"$TMPDIR/compare-cases"
done <"$TMPDIR/cases"

# directory names in the test data hold no spaces, so the batch files split on them safely
node "$QB_ROOT/tests/lib/iceberg-expected.mjs" --batch "$TMPDIR/oracle-cases"
for e in "$TMPDIR"/exp.*.err; do [ -f "$e" ] && bad "oracle: $(head -c 300 "$e")"; done
node "$QB_ROOT/tests/lib/iceberg-compare.mjs" --batch "$TMPDIR/compare-cases" >"$TMPDIR/compared"
pass=$((pass + $(grep -c '^ok ' "$TMPDIR/compared")))
while read -r line; do bad "${line#FAILED }"; done < <(grep '^FAILED' "$TMPDIR/compared")

# a filter and a projection on a table with deletes: the same rows as filtering the full scan
t="$data/icebird-java-bunnies/metadata/v5.metadata.json"
"$QBERG" scan "$t" --format jsonl --columns "Breed Name,Lifespan" --where "Lifespan >= 8 AND \"Origin Country\" != 'USA'" >"$TMPDIR/f.jsonl"
"$QBERG" scan "$t" --format jsonl >"$TMPDIR/all.jsonl"
node -e '
const fs = require("fs");
const all = fs.readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse)
  .filter(r => r.Lifespan >= 8 && r["Origin Country"] !== null && r["Origin Country"] !== "USA")
  .map(r => JSON.stringify({"Breed Name": r["Breed Name"], Lifespan: r.Lifespan})).sort();
const got = fs.readFileSync(process.argv[2], "utf8").trim().split("\n").filter(Boolean).sort();
process.exit(JSON.stringify(all) === JSON.stringify(got) && got.length > 0 ? 0 : 1);' "$TMPDIR/all.jsonl" "$TMPDIR/f.jsonl" &&
  ok || bad "filtered scan of icebird-java-bunnies"

# an equality delete keyed on a column dropped since (duckdb-equality-deletes: deletes on name, then name
# dropped): the deletes still apply, read through the older schema that has the column; before, every scan,
# delete and compaction failed ("equality field id 2 is not a primitive column of the schema")
cp -r "$data/duckdb-equality-deletes" "$TMPDIR/eqd"
chmod -R u+w "$TMPDIR/eqd"
want=$("$QBERG" scan "$TMPDIR/eqd" --columns id,bir --format csv | sort)
[ "$(echo "$want" | tr '\n' ' ')" = "4,2025-01-04 5,2025-01-05 id,bir " ] && ok || bad "eq deletes before the drop: $want"
"$QBERG" alter "$TMPDIR/eqd" drop-column name >/dev/null && ok || bad "drop the eq delete column"
got=$("$QBERG" scan "$TMPDIR/eqd" --format csv 2>&1 | sort)
[ "$got" = "$want" ] && ok || bad "scan after dropping the eq delete column: $got"
[ "$("$QBERG" scan "$TMPDIR/eqd" --where 'id > 4' --format csv 2>&1 | tail -n +2)" = 5,2025-01-05 ] && ok || bad "filtered scan after the drop"
printf '{"id":2,"bir":"2025-01-02"}\n' >"$TMPDIR/eqd.jsonl"
"$QBERG" append "$TMPDIR/eqd" "$TMPDIR/eqd.jsonl" >/dev/null && ok || bad "append after the drop"
"$QBERG" delete "$TMPDIR/eqd" --where 'id = 5' >/dev/null 2>&1 && ok || bad "delete after the drop"
"$QBERG" maintain compact "$TMPDIR/eqd" --min-input-files 1 >/dev/null 2>&1 && ok || bad "compact after the drop"
got=$("$QBERG" scan "$TMPDIR/eqd" --format csv 2>&1 | tail -n +2 | sort | tr '\n' ' ')
[ "$got" = "2,2025-01-02 4,2025-01-04 " ] && ok || bad "rows after delete and compaction: $got"

echo "table_corpus: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
