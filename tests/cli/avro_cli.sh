#!/usr/bin/env bash
# qberg avro: usage errors exit 2, corrupt files exit 1 with the file/block/field in the message, --limit,
# --meta and --schema on a Java-written manifest list.
set -u
pass=0 fail=0
check() { if "$@"; then pass=$((pass + 1)); else echo "FAILED: $*"; fail=$((fail + 1)); fi; }
list=$QB_TEST_DATA/avro/icebird-java-bunnies/snap-9158179788527662767-1-a01399a1-e864-4562-b921-c8cb56e6e4a9.avro

"$QBERG" avro >/dev/null 2>"$TMPDIR/e"; check test $? = 2
check grep -q "missing subcommand" "$TMPDIR/e"
"$QBERG" avro cat >/dev/null 2>"$TMPDIR/e"; check test $? = 2
"$QBERG" avro cat "$list" --limit x >/dev/null 2>&1; check test $? = 2
"$QBERG" avro cat "$list" --bogus >/dev/null 2>&1; check test $? = 2
"$QBERG" avro --help | grep -q "usage: qberg avro cat"; check test $? = 0

# the list holds 4 manifests (avsc agrees: tests/formats/avro_interop.sh); --limit stops early
check test "$("$QBERG" avro cat "$list" | wc -l)" = 4
check test "$("$QBERG" avro cat "$list" --limit 2 | wc -l)" = 2
"$QBERG" avro cat "$list" --meta | grep -q '"snapshot-id":"9158179788527662767"'; check test $? = 0
"$QBERG" avro cat "$list" --schema | grep -q '^{"type":"record","name":"manifest_file","fields":\[{"name":"manifest_path"'
check test $? = 0

# truncated in its only block: exit 1, the file and the block named
size=$(stat -c %s "$list")
head -c $((size - 20)) "$list" >"$TMPDIR/cut.avro"
"$QBERG" avro cat "$TMPDIR/cut.avro" >/dev/null 2>"$TMPDIR/e"; check test $? = 1
check grep -q "^qberg: QB_ECORRUPT: $TMPDIR/cut.avro: block 0: .* exceed the .* bytes left" "$TMPDIR/e"
"$QBERG" avro cat "$TMPDIR/none.avro" >/dev/null 2>"$TMPDIR/e"; check test $? = 1
check grep -q "QB_ENOTFOUND" "$TMPDIR/e"
echo "avro_cli: $pass passed, $fail failed"
[ $fail = 0 ]
