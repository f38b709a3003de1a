#!/usr/bin/env bash
# Files written by qberg (every Avro type, each codec, many blocks, custom metadata) read back by the avsc
# oracle: the records avsc decodes must equal the JSON lines we wrote, and the header must be what we set.
set -u
data=$QB_TEST_DATA/avro/write
norm="node $QB_ROOT/tests/lib/json-lines-norm.mjs"
pass=0 fail=0
check() { if "$@"; then pass=$((pass + 1)); else echo "FAILED: $*"; fail=$((fail + 1)); fi; }
$norm "$data/all_types.jsonl" >"$TMPDIR/want.n"
# 200 records so that a small --block-bytes gives many blocks
for i in $(seq 50); do cat "$data/all_types.jsonl"; done >"$TMPDIR/many.jsonl"
$norm "$TMPDIR/many.jsonl" >"$TMPDIR/many.n"
for codec in null deflate snappy zstandard; do
  out=$TMPDIR/all_$codec.avro
  check "$QBERG" avro write "$out" --schema "$data/all_types.avsc" --codec "$codec" --input "$data/all_types.jsonl" \
    --meta format-version=2 --meta 'partition-spec=[{"name":"x","transform":"identity","source-id":1,"field-id":1000}]' \
    --meta parent-snapshot-id=null
  node "$QB_ORACLES/avro-dump.mjs" "$out" --records-only >"$TMPDIR/got.jsonl" && $norm "$TMPDIR/got.jsonl" >"$TMPDIR/got.n"
  check diff "$TMPDIR/want.n" "$TMPDIR/got.n"
  node "$QB_ORACLES/avro-dump.mjs" "$out" >"$TMPDIR/dump.json"
  check node -e '
    const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const want = {"format-version": "2", "partition-spec": "[{\"name\":\"x\",\"transform\":\"identity\",\"source-id\":1,\"field-id\":1000}]",
                  "parent-snapshot-id": "null"};
    if (JSON.stringify(d.metadata) !== JSON.stringify(want)) throw new Error("metadata " + JSON.stringify(d.metadata));
    if (d.codec !== process.argv[2] || d.record_count !== 4) throw new Error("codec/count " + d.codec + " " + d.record_count);
    const f = d.schema.fields;
    if (f[2]["field-id"] !== 1 || f[10].type["element-id"] !== 133 || f[11].type["key-id"] !== 7 ||
        f[12].type[1].logicalType !== "map" || f[15].type.fields[1].type["adjust-to-utc"] !== true ||
        f[15].type.fields[2].type.precision !== 9) throw new Error("schema attributes lost");
  ' "$TMPDIR/dump.json" "$codec"
  # many blocks, and qberg reads its own file back to the same records
  many=$TMPDIR/many_$codec.avro
  check "$QBERG" avro write "$many" --schema "$data/all_types.avsc" --codec "$codec" --block-bytes 300 \
    --input "$TMPDIR/many.jsonl"
  node "$QB_ORACLES/avro-dump.mjs" "$many" >"$TMPDIR/mdump.json"
  check node -e '
    const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    if (d.blocks < 20 || d.record_count !== 200) throw new Error("blocks " + d.blocks + " records " + d.record_count);
  ' "$TMPDIR/mdump.json"
  node "$QB_ORACLES/avro-dump.mjs" "$many" --records-only >"$TMPDIR/mgot.jsonl" && $norm "$TMPDIR/mgot.jsonl" >"$TMPDIR/mgot.n"
  check diff -q "$TMPDIR/many.n" "$TMPDIR/mgot.n"
  "$QBERG" avro cat "$many" >"$TMPDIR/qgot.jsonl" && $norm "$TMPDIR/qgot.jsonl" >"$TMPDIR/qgot.n"
  check diff -q "$TMPDIR/many.n" "$TMPDIR/qgot.n"
done
# a record that does not fit the schema is refused with its line and field path, and nothing is published
echo '{"n":null,"b":"yes"}' >"$TMPDIR/bad.jsonl"
"$QBERG" avro write "$TMPDIR/bad.avro" --schema "$data/all_types.avsc" --input "$TMPDIR/bad.jsonl" 2>"$TMPDIR/bad.err"
check test $? = 1
check grep -q 'QB_EINVAL: line 1: avro writer: record 0: b: JSON "yes" does not fit schema type boolean' "$TMPDIR/bad.err"
check test ! -e "$TMPDIR/bad.avro"
echo "avro_write_avsc: $pass passed, $fail failed"
[ $fail = 0 ]
