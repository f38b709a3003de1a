#!/usr/bin/env bash
# qberg avro cat vs the avsc oracle on Iceberg manifests and manifest lists written by Java, Spark and PyIceberg
# (tests/data/avro/*/ — see its PROVENANCE.md): records, metadata and writer schema must agree.
set -u
norm="node $QB_ROOT/tests/lib/json-lines-norm.mjs"
dump="node $QB_ORACLES/avro-dump.mjs"
pass=0 fail=0
for f in "$QB_TEST_DATA"/avro/*/*.avro; do
  name=${f#"$QB_TEST_DATA"/avro/}
  ok=1
  "$QBERG" avro cat "$f" >"$TMPDIR/q.jsonl" 2>"$TMPDIR/q.err" || { echo "$name: qberg failed: $(cat "$TMPDIR/q.err")"; ok=0; }
  $dump "$f" --records-only >"$TMPDIR/a.jsonl" || { echo "$name: avsc failed"; ok=0; }
  if [ $ok = 1 ]; then
    $norm "$TMPDIR/q.jsonl" >"$TMPDIR/q.n" && $norm "$TMPDIR/a.jsonl" >"$TMPDIR/a.n"
    if [ ! -s "$TMPDIR/a.n" ] || ! diff -q "$TMPDIR/q.n" "$TMPDIR/a.n" >/dev/null; then
      echo "$name: records differ"; diff "$TMPDIR/q.n" "$TMPDIR/a.n" | head -4; ok=0
    fi
    # metadata (avsc leaves out avro.schema and avro.codec) and the writer schema, compared as JSON values
    "$QBERG" avro cat --meta "$f" >"$TMPDIR/qm.json" && $dump "$f" --schema-only >"$TMPDIR/as.json" &&
      "$QBERG" avro cat --schema "$f" >"$TMPDIR/qs.json" || { echo "$name: --meta/--schema failed"; ok=0; }
    node -e '
      const fs = require("fs"); const [qm, as, qs] = process.argv.slice(1).map(p => JSON.parse(fs.readFileSync(p, "utf8")));
      const { "avro.schema": sch, "avro.codec": codec = "null", ...rest } = qm;
      const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
      if (!same(rest, as.metadata)) { console.log("metadata differ", rest, as.metadata); process.exit(1); }
      if (codec !== as.codec) { console.log("codec differs", codec, as.codec); process.exit(1); }
      const sort = v => Array.isArray(v) ? v.map(sort) : v && typeof v === "object" ?
        Object.fromEntries(Object.keys(v).sort().map(k => [k, sort(v[k])])) : v;
      if (!same(sort(qs), sort(as.schema)) || !same(sort(JSON.parse(sch)), sort(as.schema))) {
        console.log("schema differs"); process.exit(1); }
    ' "$TMPDIR/qm.json" "$TMPDIR/as.json" "$TMPDIR/qs.json" || { echo "$name: header differs"; ok=0; }
  fi
  if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
[ $pass -ge 20 ] || { echo "only $pass files checked"; fail=$((fail + 1)); }
echo "avro_interop: $pass passed, $fail failed"
[ $fail = 0 ]
