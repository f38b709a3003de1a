# qberg generate: reproducible for a seed, realistic (molecules, basis sets, qubits = Hamiltonian label
# width, energies that go down), .json and .avro (Kafka Connect) files that ingest cleanly side by side.
set -eu
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi; }
G="$QBERG generate --iterations 5-30"

$G --experiments 40 --seed 5 --out "$TMPDIR/a" >/dev/null
$G --experiments 40 --seed 5 --out "$TMPDIR/b" >/dev/null
$G --experiments 40 --seed 6 --out "$TMPDIR/c" >/dev/null
check "same seed, same files" 'diff -r "$TMPDIR/a" "$TMPDIR/b" >/dev/null'
check "another seed, other contents" '! diff -r "$TMPDIR/a" "$TMPDIR/c" >/dev/null'
check "40 files named {counter}-{unix_nano}.json" \
  '[ "$(ls "$TMPDIR/a/experiment.vqe" | grep -cE "^[0-9]+-[0-9]{19}\.json$")" = 40 ]'
python3 - "$TMPDIR/a/experiment.vqe" >"$TMPDIR/facts" <<'PY'
import json, os, sys
d = sys.argv[1]
mols, basis, backends, opts, bad = set(), set(), set(), set(), []
for f in sorted(os.listdir(d)):
    r = json.load(open(os.path.join(d, f)))
    m = r["molecule"]["molecule_data"]
    mols.add("".join(m["symbols"]))
    basis.add(r["basis_set"])
    i = r["vqe_result"]["initial_data"]
    backends.add(i["backend"]); opts.add(i["optimizer"])
    q = i["num_qubits"]
    if any(len(t["label"]) != q or set(t["label"]) - set("IXYZ") for t in i["hamiltonian"]):
        bad.append(f + ": Pauli label width != num_qubits")
    it = [x["result"] for x in r["vqe_result"]["iteration_list"]]
    if not it or it[-1] >= it[0]:
        bad.append(f + ": energy did not go down")
    if r["vqe_result"]["minimum"] > min(it) + 1e-9:
        bad.append(f + ": minimum above the best iteration")
print("molecules", " ".join(sorted(mols)))
print("basis", " ".join(sorted(basis)))
print("backends", len(backends), "optimizers", len(opts))
print("bad", len(bad), *bad[:3])
PY
check "molecules include H2 LiH H2O He2 BeH2 N2 ($(grep molecules "$TMPDIR/facts"))" \
  '( for m in HH LiH OHH HeHe BeHH NN; do grep -q "^molecules.* $m\( \|$\)" "$TMPDIR/facts" || exit 1; done )'
check "all three basis sets" 'grep -qx "basis 6-31g cc-pvdz sto3g" "$TMPDIR/facts"'
check "several backends and optimizers" 'grep -qE "^backends [2-9] optimizers [3-9]" "$TMPDIR/facts"'
check "labels fit the qubits, energies decrease ($(grep bad "$TMPDIR/facts"))" 'grep -qx "bad 0" "$TMPDIR/facts"'

# the same records as .avro containers: the same rows, and both kinds ingest in one batch
$G --experiments 40 --seed 5 --format avro --out "$TMPDIR/av" >/dev/null
$G --experiments 40 --seed 5 --format avro --out "$TMPDIR/av2" >/dev/null
check "same seed, same .avro bytes (the sync marker was random)" 'diff -r "$TMPDIR/av" "$TMPDIR/av2" >/dev/null'
check "40 .avro files" '[ "$(ls "$TMPDIR/av/experiment.vqe" | grep -c "\.avro$")" = 40 ]'
check ".avro files are Object Container Files" '[ "$(head -c 4 "$(ls "$TMPDIR"/av/experiment.vqe/*.avro | head -n 1)" | od -An -c | tr -d " ")" = "Obj001" ]'
per_table() { python3 -c '
import json,sys,collections
c=collections.Counter(json.loads(l)["table"] for l in sys.stdin)
print(" ".join(str(c[t]) for t in ["molecules","ansatz_info","performance_metrics","vqe_results","initial_parameters","optimal_parameters","vqe_iterations","iteration_parameters","hamiltonian_terms"]))'; }
"$QBERG" vqe rows "$TMPDIR"/a/experiment.vqe/*.json | per_table >"$TMPDIR/json_rows"
"$QBERG" vqe rows "$TMPDIR"/av/experiment.vqe/*.avro | per_table >"$TMPDIR/avro_rows"
check ".avro and .json give the same row counts" '[ "$(cat "$TMPDIR/json_rows")" = "$(cat "$TMPDIR/avro_rows")" ]'

mkdir -p "$TMPDIR/raw/experiment.vqe" "$TMPDIR/raw/experiment.vqe.avro"
cp "$TMPDIR"/c/experiment.vqe/*.json "$TMPDIR/raw/experiment.vqe/"
cp "$TMPDIR"/av/experiment.vqe/*.avro "$TMPDIR/raw/experiment.vqe.avro/"
"$QBERG" -w "$TMPDIR/wh" ingest --raw "$TMPDIR/raw" --json >"$TMPDIR/run.json"
python3 - "$TMPDIR/run.json" "$TMPDIR/avro_rows" >"$TMPDIR/check" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["files_seen"] == 80 and d["files_new"] == 80 and d["files_rejected"] == 0, d
assert d["records"] == 80 and d["experiments"]["new"] == 80, d
assert d["rejected"] == [] and d["elapsed_ms"] >= 0 and d["bytes"] > 0
assert len(d["tables"]) == 9 and all(t["version"].startswith("v_") and t["snapshot_id"] > 0 for t in d["tables"])
avro = [int(x) for x in open(sys.argv[2]).read().split()]
assert all(t["rows"] + t["duplicates"] >= a for t, a in zip(d["tables"], avro))
print("ok")
PY
check "80 files (.json and .avro) ingest cleanly; --json parses ($(cat "$TMPDIR/check" 2>&1 | tail -n 1))" \
  '[ "$(cat "$TMPDIR/check")" = ok ]'
"$QBERG" -w "$TMPDIR/wh" scan quantum_features.ingested_files --columns file --format csv | grep -c '\.avro$' >"$TMPDIR/n_avro" || true
check "the ledger lists the 40 .avro files" '[ "$(cat "$TMPDIR/n_avro")" = 40 ]'
"$QBERG" -w "$TMPDIR/wh" ingest --raw "$TMPDIR/raw" >"$TMPDIR/again.txt"
check "the summary says nothing new on a rerun" 'grep -q "80 raw files, 0 new, 0 rejected" "$TMPDIR/again.txt"'
check "the summary lists the nine tables" '[ "$(grep -cE "^(molecules|hamiltonian_terms) .* no_changes" "$TMPDIR/again.txt")" = 2 ]'
# --json names the folder as a JSON string, escaped (a quote in the path broke the object)
Q="$TMPDIR/q\"uote"
check "--json with a quote in --out is valid JSON naming the folder" \
  '[ "$("$QBERG" --json generate --experiments 1 --out "$Q" | python3 -c "import json,sys; print(json.load(sys.stdin)[\"out\"])")" = "$Q/experiment.vqe" ]'
# counts, seeds and counters are whole numbers: "-1" was taken as 2^64-1 (--experiments -1 wrote files until
# the disk was full, --seed -1 printed seed 18446744073709551615), so were values past 2^64-1
for bad in "--experiments -1" "--experiments 99999999999999999999" "--seed -1" "--first-counter -5" \
  "--experiments ' 3'" "--iterations -3" "--first-counter 18446744073709551615 --experiments 2"; do
  rc=0; rm -rf "$TMPDIR/neg"
  eval "timeout 5 \"\$QBERG\" generate $bad --out \"\$TMPDIR/neg\"" >/dev/null 2>"$TMPDIR/neg.err" || rc=$?
  check "generate $bad: usage error, nothing written (rc $rc: $(head -n 1 "$TMPDIR/neg.err"))" \
    '[ $rc = 2 ] && [ ! -e "$TMPDIR/neg" ] && grep -q "^qberg generate: " "$TMPDIR/neg.err"'
done
# an existing folder: the same command again leaves the same files; other options would have replaced the
# files under the same names with other contents, silently (an ingest that recorded them never reads them again)
$G --experiments 3 --seed 41 --out "$TMPDIR/re" >/dev/null
(cd "$TMPDIR/re" && md5sum experiment.vqe/*) >"$TMPDIR/re.md5"
rc=0; $G --experiments 3 --seed 41 --out "$TMPDIR/re" >/dev/null 2>&1 || rc=$?
check "the same generate twice into one folder: ok (rc $rc)" '[ $rc = 0 ]'
rc=0; "$QBERG" generate --experiments 3 --seed 41 --iterations 2-3 --out "$TMPDIR/re" >/dev/null 2>"$TMPDIR/re.err" || rc=$?
check "other options over existing files: QB_EEXISTS naming the file, files unchanged (rc $rc: $(cat "$TMPDIR/re.err"))" \
  '[ $rc = 1 ] && grep -q "QB_EEXISTS: writing .*/re/experiment.vqe/1-[0-9]*.json: a file of that name is there with other contents" "$TMPDIR/re.err" && (cd "$TMPDIR/re" && md5sum -c --quiet "$TMPDIR/re.md5")'
rc=0; $G --experiments 2 --seed 41 --format avro --out "$TMPDIR/re" >/dev/null 2>&1 || rc=$?
rc2=0; $G --experiments 2 --seed 41 --format avro --out "$TMPDIR/re" >/dev/null 2>&1 || rc2=$?
check ".avro next to .json of the same names, twice: ok (rc $rc $rc2)" '[ $rc = 0 ] && [ $rc2 = 0 ] && [ "$(ls "$TMPDIR/re/experiment.vqe" | wc -l)" = 5 ]'
echo "generate.sh: $pass passed, $fail failed"
[ "$fail" = 0 ]
