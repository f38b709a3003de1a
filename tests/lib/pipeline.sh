# Shared helpers of the pipeline script tests (tests/pipeline/ledger.sh, ledger_adversarial.sh, expidx.sh,
# bloom_orphans.sh), sourced as "$QB_ROOT/tests/lib/pipeline.sh"; tests/run.sh does not run tests/lib/.
# Needs QBERG, TMPDIR. Sets W (warehouse), R (raw source), T (its topic folder).
W="$TMPDIR/wh"
R="$TMPDIR/raw"
T="$R/experiment.vqe"
pass=0 fail=0

# check DESCRIPTION EXPR: counts EXPR's outcome, names a failure
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi; }

# finish NAME: the final line; the exit status says whether every check passed
finish() {
  echo "$1: $pass passed, $fail failed"
  [ "$fail" = 0 ]
}

# ingest_json NAME: one batch of $R into $W without the ML phase; its report in $TMPDIR/NAME.json, stderr in
# NAME.err (the exit status, 1 when a file was rejected, is not a failure here: the checks look at the report)
ingest_json() {
  "$QBERG" -w "$W" ingest --raw "$R" --no-features --json >"$TMPDIR/$1.json" 2>"$TMPDIR/$1.err" || true
}

# jfields NAME FIELD...: fields of report NAME on one line, space-separated; FIELD is a dotted path
# (stored_reads.ledger_rows), `rows` the rows appended over all tables; lists and objects print as compact
# JSON. Without a report: "error: " and the batch's stderr.
jfields() {
  python3 - "$TMPDIR/$1.json" "${@:2}" <<'PY' 2>/dev/null || echo "error: $(cat "$TMPDIR/$1.err")"
import json, sys
d = json.load(open(sys.argv[1]))
out = []
for f in sys.argv[2:]:
    if f == "rows":
        v = sum(t["rows"] for t in d["tables"])
    else:
        v = d
        for k in f.split("."):
            v = v[k]
    out.append(json.dumps(v, separators=(",", ":")) if isinstance(v, (list, dict)) else str(v))
print(" ".join(out))
PY
}

# gen N FIRST_COUNTER SEED [NANO_OFFSET]: N generated raw files into $T, named
# {counter}-{1700000000000000000 + 1000 * counter + offset}.json
gen() {
  rm -rf "$TMPDIR/g"
  "$QBERG" generate --experiments "$1" --first-counter "$2" --seed "$3" --iterations 1-2 --out "$TMPDIR/g" >/dev/null
  mkdir -p "$T"
  for f in "$TMPDIR"/g/experiment.vqe/*.json; do
    c=${f##*/}
    c=${c%%-*}
    cp "$f" "$T/$c-$((1700000000000000000 + 1000 * c + ${4:-0})).json"
  done
}

# gen_asis N FIRST_COUNTER SEED: the same, under the generator's own names
gen_asis() {
  rm -rf "$TMPDIR/g"
  "$QBERG" generate --experiments "$1" --first-counter "$2" --seed "$3" --iterations 1-2 --out "$TMPDIR/g" >/dev/null
  mkdir -p "$T"
  cp "$TMPDIR"/g/experiment.vqe/*.json "$T/"
}

# the ledger's file column, sorted
ledger_files() { "$QBERG" -w "$W" scan quantum_features.ingested_files --columns file --format csv | tail -n +2 | sort; }
# once N: N files in the ledger, none twice
once() { [ "$(ledger_files | uniq -d | wc -l)" = 0 ] && [ "$(ledger_files | wc -l)" = "$1" ]; }
# molecules_once N: N experiments in molecules, each in one row
molecules_once() {
  "$QBERG" -w "$W" scan quantum_features.molecules --columns experiment_id --format csv | tail -n +2 >"$TMPDIR/ids"
  [ "$(sort -u "$TMPDIR/ids" | wc -l)" = "$1" ] && [ "$(wc -l <"$TMPDIR/ids")" = "$1" ]
}
