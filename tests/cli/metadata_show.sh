# qberg metadata show: the text summary names what the file says, --json re-serialises the file to the
# same JSON document (checked with Python's json module, which keeps 64-bit ids exact), errors exit 1.
set -eu
D="$QB_TEST_DATA/table_metadata"
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

# --json equals the input document (Java 1.8 files lack only partition-statistics) for every loadable file
for f in "$D"/icebird-java-bunnies__v5.metadata.json "$D"/duckdb-equality-deletes__v7.metadata.json \
         "$D"/TableMetadataV2Valid.json "$D"/example_table_metadata_v2_partition_evolution.json \
         "$D"/duckdb-initial-defaults__00003-3f1801a5-7dfb-4072-b14a-39cd12f9279b.metadata.json; do
  "$QBERG" metadata show "$f" --json > "$TMPDIR/out.json"
  if python3 - "$f" "$TMPDIR/out.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
a.setdefault("partition-statistics", []); a.setdefault("statistics", [])
if "refs" not in a and a.get("current-snapshot-id", -1) not in (-1, None):
    a["refs"] = {"main": {"snapshot-id": a["current-snapshot-id"], "type": "branch"}}
for sc in a.get("schemas", []):  # Java omits an empty identifier-field-ids list
    if sc.get("identifier-field-ids") == []: del sc["identifier-field-ids"]
for s in a.get("snapshots", []):
    if s.get("sequence-number") == 0: del s["sequence-number"]
sys.exit(0 if a == b else 1)
PY
  then ok; else bad "--json differs from $f"; fi
done

# the text summary shows the values of the file (expected values read from the file with Python)
f="$D/icebird-java-bunnies__v5.metadata.json"
"$QBERG" metadata show "$f" > "$TMPDIR/show.txt"
python3 - "$f" "$TMPDIR/show.txt" <<'PY' && ok || bad "text summary of $f"
import json, sys
m = json.load(open(sys.argv[1])); t = open(sys.argv[2]).read()
need = ["format-version: %d" % m["format-version"], "table-uuid: " + m["table-uuid"], "location: " + m["location"],
        "current-snapshot-id: %d" % m["current-snapshot-id"], "schemas: %d" % len(m["schemas"]),
        "snapshots: %d" % len(m["snapshots"]), "  main: branch -> %d" % m["refs"]["main"]["snapshot-id"]]
for s in m["snapshots"]:
    need += ["  %d" % s["snapshot-id"]] + ["    %s = %s" % kv for kv in s["summary"].items() if kv[0] != "operation"]
for f in m["schemas"][1]["fields"]:
    need.append("    %d: %s: %s %s" % (f["id"], f["name"], "required" if f["required"] else "optional", f["type"]))
missing = [n for n in need if n not in t]
print("\n".join(missing)); sys.exit(1 if missing else 0)
PY

# errors: exit 1 with the code word and the file name; usage errors exit 2
set +e
"$QBERG" metadata show "$D/TableMetadataV2MissingSchemas.json" 2> "$TMPDIR/err.txt"; rc=$?
[ $rc = 1 ] && grep -q "QB_ECORRUPT: reading table metadata .*TableMetadataV2MissingSchemas.json: missing required field 'schemas'" "$TMPDIR/err.txt" && ok || bad "missing schemas error ($rc): $(cat "$TMPDIR/err.txt")"
"$QBERG" metadata show "$D/TableMetadataV3ValidMinimal.json" 2> "$TMPDIR/err.txt"; rc=$?
[ $rc = 1 ] && grep -q "QB_EUNSUPPORTED: .*format-version 3 is not supported" "$TMPDIR/err.txt" && ok || bad "v3 error"
"$QBERG" metadata show 2>/dev/null; [ $? = 2 ] && ok || bad "missing FILE is a usage error"
"$QBERG" metadata frob x 2>/dev/null; [ $? = 2 ] && ok || bad "unknown sub-command is a usage error"
"$QBERG" metadata --help | grep -q '^usage: qberg metadata show FILE' && ok || bad "--help"
echo "metadata_show: $pass passed, $fail failed"
[ $fail = 0 ]
