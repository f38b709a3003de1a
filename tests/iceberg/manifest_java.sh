#!/usr/bin/env bash
# Manifests and manifest lists written by qberg (`qberg manifest FILE --rewrite OUT`: the entries of FILE
# through qberg's v2 writer), read by Java's Avro (Debian libavro-java, tests/java/AvroCheck.java) and by avsc.
# (1) Files written by Iceberg Java 1.9 (icebird-java-bunnies): Java must report exactly the same for ours as
#     for the originals: record values (digest), codec, metadata, every field-id / element-id / logicalType.
# (2) Manifests and lists of other writers (Spark 3.x/Iceberg 1.0-1.8, PyIceberg, Trino), rewritten: Java reads
#     them; their ids and properties equal those of the Java 1.9 files (the partition record aside), and avsc
#     decodes the same records qberg reads from the originals.
set -u
pass=0 fail=0
check() { if "$@"; then pass=$((pass + 1)); else echo "FAILED: $*"; fail=$((fail + 1)); fi; }
jars=(avro jackson-core-asl jackson-mapper-asl snappy-java commons-compress xz slf4j-api slf4j-nop paranamer)
cp=""
for j in "${jars[@]}"; do
  [ -f "/usr/share/java/$j.jar" ] || { echo "missing /usr/share/java/$j.jar (scripts/deps-extra.txt: libavro-java)"; exit 1; }
  cp="$cp:/usr/share/java/$j.jar"
done
command -v javac >/dev/null || { echo "javac missing (scripts/deps-extra.txt: default-jdk-headless)"; exit 1; }
javac -d "$TMPDIR/classes" -cp "$cp" "$QB_ROOT/tests/java/AvroCheck.java" || { echo "javac failed"; exit 1; }
java_check() { java -cp "$TMPDIR/classes$cp" AvroCheck "$@"; }
cmp="node $QB_ROOT/tests/lib/manifest-compare.mjs"
dump="node $QB_ORACLES/avro-dump.mjs"
mkdir -p "$TMPDIR/java" "$TMPDIR/other"

# (1) Java 1.9's own files
orig=() mine=()
for f in "$QB_TEST_DATA"/avro/icebird-java-bunnies/*.avro; do
  out=$TMPDIR/java/$(basename "$f")
  check "$QBERG" manifest "$f" --rewrite "$out"
  orig+=("$f") mine+=("$out")
done
java_check "${orig[@]}" >"$TMPDIR/java_orig.txt" 2>"$TMPDIR/err" || { cat "$TMPDIR/err"; fail=$((fail + 1)); }
java_check "${mine[@]}" >"$TMPDIR/java_mine.txt" 2>"$TMPDIR/err" || { cat "$TMPDIR/err"; fail=$((fail + 1)); }
check diff "$TMPDIR/java_orig.txt" "$TMPDIR/java_mine.txt"
check grep -q '^prop data_file.split_offsets\[\].element-id=133$' "$TMPDIR/java_mine.txt"
check grep -q '^prop data_file.column_sizes\[\].logicalType=map$' "$TMPDIR/java_mine.txt"
check grep -q '^prop partitions\[\].element-id=508$' "$TMPDIR/java_mine.txt"
check grep -q '^meta parent-snapshot-id=null$' "$TMPDIR/java_mine.txt"

# the ids and properties a v2 manifest / list must carry, as Java 1.9 writes them
java_check "$QB_TEST_DATA/avro/icebird-java-bunnies/583a45a0-7389-4d71-9305-ac3a8725c38b-m0.avro" |
  grep -E '^(id|prop) ' | grep -v '^id data_file\.partition\.' >"$TMPDIR/want_manifest.txt"
java_check "$QB_TEST_DATA/avro/icebird-java-bunnies/snap-4951213507629824583-1-583a45a0-7389-4d71-9305-ac3a8725c38b.avro" |
  grep -E '^(id|prop) ' >"$TMPDIR/want_list.txt"

# (2) other writers (one JVM for all files: AvroCheck prints a section per file)
outs=() srcs=()
for f in "$QB_TEST_DATA"/avro/icebird-spark-rename-column/*.avro "$QB_TEST_DATA"/avro/duckdb-partition-decimal/*.avro \
         "$QB_TEST_DATA"/avro/duckdb-map-day-partition/*.avro "$QB_TEST_DATA"/manifest/duckdb-equality-deletes/*.avro \
         "$QB_TEST_DATA"/manifest/duckdb-partition-time/*.avro "$QB_TEST_DATA"/manifest/icebird-athena-example/*.avro \
         "$QB_TEST_DATA"/manifest/duckdb-lineitem-v2/*.avro "$QB_TEST_DATA"/manifest/duckdb-uuid/*.avro; do
  out=$TMPDIR/other/$(basename "$f")
  if "$QBERG" manifest "$f" --rewrite "$out" 2>"$TMPDIR/err"; then
    outs+=("$out") srcs+=("$f")
  else
    echo "FAILED: rewrite $f: $(cat "$TMPDIR/err")"
    fail=$((fail + 1))
  fi
done
java_check "${outs[@]}" >"$TMPDIR/j_all.txt" 2>"$TMPDIR/err" || { head -5 "$TMPDIR/err"; fail=$((fail + 1)); }
for i in "${!outs[@]}"; do
  f=${srcs[$i]} out=${outs[$i]} b=$(basename "${outs[$i]}")
  awk -v b="$b" '/ records=[0-9]+ codec=/ { on = (index($0, b " records=") == 1) } on' "$TMPDIR/j_all.txt" >"$TMPDIR/j.txt"
  case $b in snap-*) kind=list want=$TMPDIR/want_list.txt ;; *) kind=manifest want=$TMPDIR/want_manifest.txt ;; esac
  grep -E '^(id|prop) ' "$TMPDIR/j.txt" | grep -v '^id data_file\.partition\.' >"$TMPDIR/got.txt"
  check diff "$want" "$TMPDIR/got.txt"
  # Java counts the records qberg reads from the original, and avsc decodes ours to those records
  "$QBERG" manifest "$f" --json >"$TMPDIR/q.jsonl"
  check grep -q "^$b records=$(wc -l <"$TMPDIR/q.jsonl") codec=deflate$" "$TMPDIR/j.txt"
  $dump "$out" --records-only >"$TMPDIR/a.jsonl" || { echo "FAILED: avsc cannot read $b"; fail=$((fail + 1)); continue; }
  check $cmp "$kind" "$TMPDIR/q.jsonl" "$TMPDIR/a.jsonl"
done
[ "${#outs[@]}" -ge 25 ] || { echo "only ${#outs[@]} files rewritten"; fail=$((fail + 1)); }
echo "manifest_java: $pass passed, $fail failed"
[ "$fail" = 0 ]
