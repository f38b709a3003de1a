#!/usr/bin/env bash
# Java's Avro (Debian libavro-java 1.8.2, DataFileReader + GenericDatumReader) reads files qberg writes:
# tests/java/AvroCheck.java prints record count, codec, a digest of the decoded records, metadata and every
# field-id / element-id / key-id / value-id / logicalType it sees. (1) Iceberg manifests and manifest lists
# written by Java and Spark are rewritten by qberg (same schema text, metadata and records; deflate) and Java
# must report exactly what it reports for the originals, record values included; (2) qberg's every-type files in null, deflate and snappy (Java 1.8.2 has no
# zstandard) must show the ids and metadata we wrote.
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

# (1) Java/Spark-written Iceberg files, rewritten by qberg
orig=() mine=()
for f in "$QB_TEST_DATA"/avro/icebird-java-bunnies/*.avro "$QB_TEST_DATA"/avro/icebird-spark-rename-column/*.avro \
         "$QB_TEST_DATA"/avro/duckdb-partition-decimal/*.avro; do
  out=$TMPDIR/$(basename "$f")
  "$QBERG" avro cat --schema "$f" >"$TMPDIR/schema.json"
  "$QBERG" avro cat "$f" >"$TMPDIR/records.jsonl"
  "$QBERG" avro cat --meta "$f" >"$TMPDIR/meta.json"
  mapfile -d '' meta < <(node -e '
    const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    for (const [k, v] of Object.entries(m)) if (!k.startsWith("avro.")) process.stdout.write("--meta\0" + k + "=" + v + "\0");
  ' "$TMPDIR/meta.json")
  check "$QBERG" avro write "$out" --schema "$TMPDIR/schema.json" --codec deflate --input "$TMPDIR/records.jsonl" "${meta[@]}"
  orig+=("$f") mine+=("$out")
done
java_check "${orig[@]}" >"$TMPDIR/java_orig.txt" 2>"$TMPDIR/java_orig.err" || { cat "$TMPDIR/java_orig.err"; fail=$((fail + 1)); }
java_check "${mine[@]}" >"$TMPDIR/java_mine.txt" 2>"$TMPDIR/java_mine.err" || { cat "$TMPDIR/java_mine.err"; fail=$((fail + 1)); }
check diff "$TMPDIR/java_orig.txt" "$TMPDIR/java_mine.txt"
check grep -q '^a01399a1-e864-4562-b921-c8cb56e6e4a9-m0.avro records=1 codec=deflate$' "$TMPDIR/java_mine.txt"
check grep -q '^id data_file.column_sizes\[\].key=117$' "$TMPDIR/java_mine.txt"
check grep -q '^prop data_file.split_offsets\[\].element-id=133$' "$TMPDIR/java_mine.txt"
check grep -q '^prop partitions\[\].element-id=508$' "$TMPDIR/java_mine.txt"
check grep -q '^meta partition-spec=\[{"name":"id_bucket","transform":"bucket\[4\]","source-id":1,"field-id":1000}' \
  "$TMPDIR/java_mine.txt"
# the records Java counts add up to what qberg reads from the originals
want=0
for f in "${orig[@]}"; do want=$((want + $("$QBERG" avro cat "$f" | wc -l))); done
got=$(awk '/ records=/ { sub(/.* records=/, ""); s += $1 } END { print s + 0 }' "$TMPDIR/java_mine.txt")
check test "$got" = "$want"

# (2) every type, three codecs
for codec in null deflate snappy; do
  out=$TMPDIR/all_$codec.avro
  check "$QBERG" avro write "$out" --schema "$QB_TEST_DATA/avro/write/all_types.avsc" --codec "$codec" --block-bytes 200 \
    --input "$QB_TEST_DATA/avro/write/all_types.jsonl" --meta format-version=2 --meta snapshot-id=9158179788527662767
  java_check "$out" >"$TMPDIR/j.txt" 2>"$TMPDIR/j.err" || cat "$TMPDIR/j.err"
  sed -n 's/^digest //p' "$TMPDIR/j.txt" >>"$TMPDIR/digests.txt"
  sed -i '/^digest /d' "$TMPDIR/j.txt"
  printf '%s\n' "all_$codec.avro records=4 codec=$codec" "meta format-version=2" "meta snapshot-id=9158179788527662767" \
    "id i=1" "id l=2" "prop arr[].element-id=133" "prop m{}.key-id=7" "prop m{}.value-id=8" "prop lm[].logicalType=map" \
    "id lm[].key=1" "id lm[].value=2" >"$TMPDIR/want.txt"
  check diff "$TMPDIR/want.txt" "$TMPDIR/j.txt"
done
check test "$(sort -u "$TMPDIR/digests.txt" | wc -l)" = 1 # the same values whatever the codec
echo "avro_java: $pass passed, $fail failed"
[ $fail = 0 ]
