#!/usr/bin/env bash
# qberg's manifest and manifest-list readers against avsc on every Iceberg manifest of the test corpus
# (tests/data/avro/*, tests/data/manifest/*: Java, Spark, PyIceberg, Trino, iceberg-rust test lists, v1 and v2).
# Each list is compared entry by entry; each manifest once per list that references it (snapshot ids and
# sequence numbers inherited from that list entry) and once on its own. avsc's records are put into v2
# shape by tests/lib/manifest-compare.mjs (the spec's v1 -> v2 reading rules), never by qberg.
set -u
cmp="node $QB_ROOT/tests/lib/manifest-compare.mjs"
dump="node $QB_ORACLES/avro-dump.mjs"
pass=0 fail=0 lists=0 manifests=0 inherited=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAILED: $*"; fail=$((fail + 1)); }

for dir in "$QB_TEST_DATA"/avro/*/ "$QB_TEST_DATA"/manifest/*/; do
  for f in "$dir"*.avro; do
    [ -f "$f" ] || continue
    name=${f#"$QB_TEST_DATA"/}
    $dump "$f" --records-only >"$TMPDIR/avsc.jsonl" 2>/dev/null || continue # not an OCF: see the C tests
    head -c 20 "$TMPDIR/avsc.jsonl" | grep -q '"manifest_path"' && kind=list || kind=manifest
    if ! "$QBERG" manifest "$f" --json >"$TMPDIR/q.jsonl" 2>"$TMPDIR/q.err"; then
      # v3 lists are refused on purpose (the model reads v1 and v2 tables only)
      if grep -q 'format-version 3 is not supported' "$TMPDIR/q.err"; then ok; continue; fi
      bad "$name: qberg failed: $(cat "$TMPDIR/q.err")"
      continue
    fi
    $dump "$f" --schema-only >"$TMPDIR/header.json"
    if $cmp "$kind" "$TMPDIR/q.jsonl" "$TMPDIR/avsc.jsonl" --header "$TMPDIR/header.json"; then ok; else bad "$name ($kind)"; fi
    [ "$kind" = list ] && lists=$((lists + 1)) || manifests=$((manifests + 1))
    [ "$kind" = list ] || continue
    # every manifest of this list that the corpus holds, read with the list entry's inheritance
    $dump "$f" --records-only >"$TMPDIR/list.jsonl"
    for m in "$dir"*.avro; do
      b=$(basename "$m")
      $cmp entry "$TMPDIR/list.jsonl" "$b" || continue
      $dump "$m" --records-only >"$TMPDIR/m.jsonl" || { bad "$b: avsc failed"; continue; }
      if ! "$QBERG" manifest "$m" --list "$f" --json >"$TMPDIR/qm.jsonl" 2>"$TMPDIR/q.err"; then
        bad "$b with $(basename "$f"): $(cat "$TMPDIR/q.err")"
        continue
      fi
      if $cmp manifest "$TMPDIR/qm.jsonl" "$TMPDIR/m.jsonl" "$TMPDIR/list.jsonl" "$b"; then
        ok
        inherited=$((inherited + 1))
      else
        bad "$b with $(basename "$f")"
      fi
    done
  done
done
echo "compared $lists lists, $manifests manifests, $inherited manifest+list pairs"
[ "$lists" -ge 25 ] && [ "$manifests" -ge 30 ] && [ "$inherited" -ge 40 ] || bad "too few files compared"
echo "manifest_interop: $pass passed, $fail failed"
[ "$fail" = 0 ]
