# qberg ingest end to end on the spec's samples (8 good + 6 bad raw files in one batch):
# row counts and ids of EXPECTED.md, rejections recorded, rerun appends nothing, new files append exactly
# their rows, icebird reads the tables and DuckDB the data files.
set -eu
D="$QB_TEST_DATA/vqe"
W="$TMPDIR/wh"
R="$TMPDIR/raw/experiments"
mkdir -p "$R"
cp -r "$D/experiments/experiment.vqe" "$R/"
cp "$D"/bad/*.json "$R/experiment.vqe/"
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi; }
counts() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(" ".join(str(t["rows"]) for t in d["tables"]), d["files_new"], d["files_rejected"])'; }

set +e
"$QBERG" -w "$W" ingest --raw "$R" --json >"$TMPDIR/run1.json"; rc=$?
set -e
check "first run exits 1 because files were rejected" '[ $rc = 1 ]'
# EXPECTED.md: molecules 8, ansatz_info 8, performance_metrics 8, vqe_results 8, initial_parameters 408,
# optimal_parameters 408, vqe_iterations 171, iteration_parameters 9768, hamiltonian_terms 360
check "first run row counts" '[ "$(counts <"$TMPDIR/run1.json")" = "8 8 8 8 408 408 171 9768 360 14 6" ]'
check "first run tags are v_<hex32>" \
  '[ "$(python3 -c "import json,sys,re; d=json.load(open(sys.argv[1])); print(all(re.fullmatch(r\"v_[0-9a-f]{32}\", t[\"version\"]) for t in d[\"tables\"]))" "$TMPDIR/run1.json")" = True ]'
grep -E '^\* experiment_id = ' "$D/EXPECTED.md" | grep -oE '[0-9a-f]{64}' | sort >"$TMPDIR/want_ids"
"$QBERG" -w "$W" scan quantum_features.molecules --columns experiment_id --format csv | tail -n +2 | sort >"$TMPDIR/got_ids"
check "the experiment ids of EXPECTED.md are stored" '[ -z "$(comm -23 "$TMPDIR/want_ids" "$TMPDIR/got_ids")" ] && [ $(wc -l <"$TMPDIR/want_ids") -ge 3 ]'
check "8 distinct experiments" '[ "$(sort -u "$TMPDIR/got_ids" | wc -l)" = 8 ]'
"$QBERG" -w "$W" scan quantum_features.rejected_inputs --format jsonl >"$TMPDIR/rejects"
check "6 rejections recorded" '[ "$(wc -l <"$TMPDIR/rejects")" = 6 ]'
check "rejection names file and field" 'grep -q "03-missing-required.json: line 1: vqe_result.minimum: missing required field" "$TMPDIR/rejects"'
check "nan energy rejected" 'grep -q "04-nan-energy.json.*non-finite" "$TMPDIR/rejects"'

"$QBERG" -w "$W" ingest --raw "$R" --json >"$TMPDIR/run2.json"
check "rerun appends nothing and retries no rejected file" '[ "$(counts <"$TMPDIR/run2.json")" = "0 0 0 0 0 0 0 0 0 0 0" ]'
check "rerun says no_changes" '[ "$(grep -o no_changes "$TMPDIR/run2.json" | wc -l)" = 11 ]' # 9 tables + 2 ML tables
"$QBERG" -w "$W" scan quantum_features.processing_metadata --format jsonl >"$TMPDIR/meta"
check "one processing_metadata row per run" '[ "$(grep -c quantum_base_processing "$TMPDIR/meta")" = 2 ]'
check "audit row has the record counts" 'grep -q "\[8,8,8,8,408,408,171,9768,360\]" "$TMPDIR/meta"'

# three new files: exactly their rows (initial_parameters may share keys with stored rows: rows + duplicates)
mkdir -p "$TMPDIR/new"
"$QBERG" generate --experiments 3 --first-counter 100 --seed 7 --out "$TMPDIR/new" >/dev/null
cp "$TMPDIR"/new/experiment.vqe/*.json "$R/experiment.vqe/"
"$QBERG" vqe rows "$TMPDIR"/new/experiment.vqe/*.json | python3 -c '
import json,sys,collections
c=collections.Counter(json.loads(l)["table"] for l in sys.stdin)
print(" ".join(str(c[t]) for t in ["molecules","ansatz_info","performance_metrics","vqe_results","initial_parameters","optimal_parameters","vqe_iterations","iteration_parameters","hamiltonian_terms"]))' >"$TMPDIR/want3"
"$QBERG" -w "$W" ingest --raw "$R" --json >"$TMPDIR/run3.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(" ".join(str(t["rows"]+t["duplicates"]) for t in d["tables"]))' "$TMPDIR/run3.json" >"$TMPDIR/got3"
check "new files append exactly their rows" '[ "$(cat "$TMPDIR/got3")" = "$(cat "$TMPDIR/want3")" ]'
check "incremental tags v_incr_" 'grep -q "\"version\":\"v_incr_[0-9a-f]\{32\}\"" "$TMPDIR/run3.json"'
check "3 files new" '[ "$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[\"files_new\"])" "$TMPDIR/run3.json")" = 3 ]'

# independent readers: icebird scans the tables, DuckDB reads the data files
for t in molecules iteration_parameters hamiltonian_terms; do
  n=$("$QBERG" -w "$W" scan "quantum_features.$t" --format csv | tail -n +2 | wc -l)
  ib=$(node "$QB_ORACLES/iceberg-scan.mjs" "$W/quantum_features/$t" --count 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["rows"])')
  check "icebird reads $t ($ib rows, qberg $n)" '[ "$ib" = "$n" ] && [ "$n" -gt 0 ]'
done
f=$(find "$W/quantum_features/vqe_results/data" -name '*.parquet' | head -n 1)
check "DuckDB reads a vqe_results data file" 'node "$QB_ORACLES/parquet-rows.mjs" "$f" >/dev/null 2>&1'
# A basis_set or backend too long for a partition directory's name (NAME_MAX) is rejected with the file
# and field, and the other files of the batch are ingested: it failed the whole batch at the first write,
# and every batch after it, since the file was never recorded.
LP="$TMPDIR/longpart"
"$QBERG" generate --experiments 3 --seed 5 --iterations 3-4 --out "$LP/raw" >/dev/null
set -- "$LP"/raw/experiment.vqe/*.json
python3 - "$1" "$2" <<'PY'
import re, sys
a, b = sys.argv[1], sys.argv[2]
s = open(a).read()
open(a, "w").write(re.sub(r'"backend":"[^"]*"', lambda m: '"backend":"' + "b" * 300 + '"', s, count=1))
s = open(b).read()  # 20 emoji as JSON escapes (4 UTF-8 bytes each)
emoji = "\\ud83d\\ude00" * 20
open(b, "w").write(re.sub(r'"basis_set":"[^"]*"', lambda m: '"basis_set":"' + emoji + '"', s, count=1))
PY
rc=0
"$QBERG" -w "$LP/wh" ingest --raw "$LP/raw" --json >"$LP/run.json" 2>/dev/null || rc=$?
check "long partition values: exit 1 (rejections)" '[ $rc = 1 ]'
check "long partition values: 2 rejected, 1 ingested" \
  'python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d[\"files_rejected\"]==2 and d[\"records\"]==1, d" "$LP/run.json"'
"$QBERG" -w "$LP/wh" scan quantum_features.rejected_inputs --columns reason --format csv >"$LP/reasons"
check "long backend: the reason names the field and sizes" \
  'grep -q "record 0: vqe_result.initial_data.backend: a value of 300 bytes (300 in a partition directory.s name) is too long" "$LP/reasons"'
check "long basis_set: escaped size counted (20 emoji: 80 bytes, 240 escaped)" \
  'grep -q "record 0: basis_set: a value of 80 bytes (240 in a partition directory.s name)" "$LP/reasons"'
check "long partition values: the good file's rows are stored" \
  '[ "$("$QBERG" -w "$LP/wh" scan quantum_features.vqe_results --format csv | tail -n +2 | wc -l)" = 1 ]'
rc=0
"$QBERG" -w "$LP/wh" ingest --raw "$LP/raw" >/dev/null 2>&1 || rc=$?
check "long partition values: the next batch has nothing to do (exit 0)" '[ $rc = 0 ]'

# a mistyped --raw is an error before anything is created (it was read as an empty delivery: exit 0, a
# warehouse made and no_changes rows appended); so is a file
rc=0
"$QBERG" -w "$TMPDIR/nowh" ingest --raw "$TMPDIR/no-such-raw" 2>"$TMPDIR/noraw.err" >/dev/null || rc=$?
check "missing --raw: exit 1 naming it, nothing created" \
  '[ $rc = 1 ] && grep -q "^qberg: QB_ENOTFOUND: ingest: --raw $TMPDIR/no-such-raw: No such file or directory" "$TMPDIR/noraw.err" && [ ! -e "$TMPDIR/nowh" ]'
rc=0
"$QBERG" -w "$TMPDIR/nowh" ingest --raw "$LP/run.json" --watch 2>"$TMPDIR/noraw.err" >/dev/null || rc=$?
check "a file as --raw: exit 1 (also with --watch)" '[ $rc = 1 ] && grep -q "is not a folder" "$TMPDIR/noraw.err"'

# --batch-id: a batch that did not complete may be run again under its id (a scheduler's retry); one that
# completed may not (its tags would move to the new batch's snapshots, two runs under one id)
BI="$TMPDIR/batchid" B=0e4c2a8e-2f7b-4c4e-9d0a-1b2c3d4e5f60
"$QBERG" generate --experiments 2 --seed 8 --out "$BI/a" >/dev/null
"$QBERG" generate --experiments 2 --seed 9 --first-counter 40 --out "$BI/b" >/dev/null
"$QBERG" -w "$BI/wh" ingest --raw "$BI/a" --no-features >/dev/null
"$QBERG" -w "$BI/wh" alter quantum_features.processing_metadata set-property write.parquet.page-size-bytes=0 >/dev/null
rc=0; "$QBERG" -w "$BI/wh" ingest --raw "$BI/b" --batch-id $B --no-features >/dev/null 2>&1 || rc=$?
"$QBERG" -w "$BI/wh" alter quantum_features.processing_metadata unset-property write.parquet.page-size-bytes >/dev/null
rc2=0; "$QBERG" -w "$BI/wh" ingest --raw "$BI/b" --batch-id $B --no-features >/dev/null 2>&1 || rc2=$?
check "--batch-id: a failed batch runs again under its id" '[ $rc = 1 ] && [ $rc2 = 0 ]'
snaps=$("$QBERG" -w "$BI/wh" snapshots quantum_features.vqe_results | wc -l)
rc=0; "$QBERG" -w "$BI/wh" ingest --raw "$BI/b" --batch-id $B --no-features >/dev/null 2>"$BI/err" || rc=$?
check "--batch-id of a completed batch: refused, nothing committed" \
  '[ $rc = 1 ] && grep -q "QB_EEXISTS: .*batch id $B names a batch that completed" "$BI/err" && [ "$("$QBERG" -w "$BI/wh" snapshots quantum_features.vqe_results | wc -l)" = "$snaps" ]'
# the batch ran --no-features: run again with the ML phase, the refusal says how to complete its ML run
rc=0; "$QBERG" -w "$BI/wh" ingest --raw "$BI/b" --batch-id $B >/dev/null 2>"$BI/err" || rc=$?
check "--batch-id of a completed batch without its ML run: refused, pointing to qberg features" \
  '[ $rc = 1 ] && grep -q "its ML run did not complete: .qberg features --batch-id $B. completes it" "$BI/err"'
check "--batch-id: its tag is where the completed batch put it" \
  '"$QBERG" -w "$BI/wh" refs quantum_features.vqe_results | grep -q "v_incr_${B//-/}"'
# qberg features on its own: a batch id whose ML run completed is refused the same way (before, the second run
# wrote a second audit row under the id and moved the ML tables' v_incr_ tag to its snapshot)
rc=0; "$QBERG" -w "$BI/wh" features --batch-id $B >/dev/null 2>&1 || rc=$?
"$QBERG" generate --experiments 1 --seed 10 --first-counter 60 --out "$BI/b" >/dev/null
"$QBERG" -w "$BI/wh" ingest --raw "$BI/b" --no-features >/dev/null
ml_snaps=$("$QBERG" -w "$BI/wh" snapshots quantum_features.ml_run_summary | wc -l)
rc2=0; "$QBERG" -w "$BI/wh" features --batch-id $B >/dev/null 2>"$BI/err" || rc2=$?
check "features --batch-id of a completed ML run: refused, nothing committed" \
  '[ $rc = 0 ] && [ $rc2 = 1 ] && grep -q "QB_EEXISTS: .*batch id $B names an ML run that completed" "$BI/err" && [ "$("$QBERG" -w "$BI/wh" snapshots quantum_features.ml_run_summary | wc -l)" = "$ml_snaps" ] && [ "$("$QBERG" -w "$BI/wh" scan quantum_features.processing_metadata --where "processing_batch_id = '"'"'$B'"'"'" --format csv | wc -l)" = 3 ]'
# --batch-id is a lowercase UUID (processing_batch_id, the v_<hex32> tags): other text is a usage error, before
# anything is written (before, "a b/c" became the tag "v_incr_a b/c" and a longer id was cut to 36 characters)
for bad in "hello world/x" 0E4C2A8E-2F7B-4C4E-9D0A-1B2C3D4E5F60 0e4c2a8e-2f7b-4c4e-9d0a-1b2c3d4e5f601 0e4c2a8e2f7b4c4e9d0a1b2c3d4e5f60; do
  rc=0; "$QBERG" -w "$BI/wh2" ingest --raw "$BI/a" --batch-id "$bad" >/dev/null 2>"$BI/err" || rc=$?
  rc2=0; "$QBERG" -w "$BI/wh" features --batch-id "$bad" >/dev/null 2>>"$BI/err" || rc2=$?
  check "--batch-id '$bad': usage error, nothing written" \
    '[ $rc = 2 ] && [ $rc2 = 2 ] && [ "$(grep -c "takes a UUID in lowercase" "$BI/err")" = 2 ] && [ ! -e "$BI/wh2" ]'
done
rc=0; "$QBERG" -w "$BI/wh2" ingest --raw "$BI/a" --interval 5 >/dev/null 2>"$BI/err" || rc=$?
check "--interval without --watch: usage error" '[ $rc = 2 ] && grep -q "polling period of --watch" "$BI/err" && [ ! -e "$BI/wh2" ]'

# --dry-run writes nothing: on a new warehouse it made the namespace and all 13 tables; now its missing tables
# live in a scratch catalog under $TMPDIR, removed at the end, and an existing warehouse keeps every byte
DR="$TMPDIR/dryrun"
newfiles() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["files_new"])' "$1"; }
mkdir -p "$DR/tmp"
"$QBERG" generate --experiments 4 --out "$DR/raw" >/dev/null
rc=0; TMPDIR="$DR/tmp" "$QBERG" -w "$DR/wh" ingest --raw "$DR/raw" --dry-run --json >"$DR/d1.json" 2>"$DR/err" || rc=$?
check "--dry-run on a new warehouse: 4 new files, nothing created, no scratch left" \
  '[ $rc = 0 ] && [ "$(newfiles "$DR/d1.json")" = 4 ] && [ ! -e "$DR/wh" ] && [ -z "$(ls -A "$DR/tmp")" ]'
"$QBERG" -w "$DR/wh" ingest --raw "$DR/raw" --no-features >/dev/null
"$QBERG" generate --experiments 2 --seed 9 --first-counter 100 --out "$DR/raw" >/dev/null
(cd "$DR/wh" && find . -type f -exec md5sum {} + | sort) >"$DR/before"
rc=0; TMPDIR="$DR/tmp" "$QBERG" -w "$DR/wh" ingest --raw "$DR/raw" --dry-run --json >"$DR/d2.json" 2>"$DR/err" || rc=$?
(cd "$DR/wh" && find . -type f -exec md5sum {} + | sort) >"$DR/after"
check "--dry-run on a warehouse without the ML tables: 2 new files, every file unchanged, no scratch left" \
  '[ $rc = 0 ] && [ "$(newfiles "$DR/d2.json")" = 2 ] && cmp -s "$DR/before" "$DR/after" && [ -z "$(ls -A "$DR/tmp")" ]'
rc=0; TMPDIR=/nonexistent "$QBERG" -w "$DR/wh" ingest --raw "$DR/raw" --dry-run >/dev/null 2>"$DR/err" || rc=$?
check "--dry-run of a warehouse that has its tables needs no scratch folder (TMPDIR unusable)" '[ $rc = 0 ]'


# --json's phases_ms and the summary's "time:" line (docs/PIPELINE.md "Where the time goes")
PH="$TMPDIR/phases"
mkdir -p "$PH/raw"
"$QBERG" generate --experiments 6 --seed 31 --out "$PH/raw" >/dev/null
phases() { # FILE WALL_MS NO_FEATURES(0|1): the nine phases in order, each >= 0, their sum within the wall time
  python3 -c '
import json,sys
d=json.load(open(sys.argv[1])); wall=float(sys.argv[2]); nofeat=sys.argv[3]=="1"
p=d["phases_ms"]
names=["open","discover","recover","rows","commit","audit","index","ledger","features"]
ok=list(p)==names and all(isinstance(v,(int,float)) and v>=0 for v in p.values())
ok=ok and sum(p.values())<=wall and p["rows"]>0 and p["commit"]>0 and p["audit"]>0 and p["ledger"]>0
ok=ok and ((p["features"]==0) if nofeat else (p["features"]>0))
print("ok" if ok else "bad: %r (wall %s ms)" % (p, wall))' "$@"
}
t0=$(date +%s%N); "$QBERG" -w "$PH/wh" ingest --raw "$PH/raw" --json --no-features >"$PH/a.json"; t1=$(date +%s%N)
check "--json phases_ms: nine phases in order, rows/commit/audit/ledger timed, features 0 with --no-features, sum within the wall time" \
  '[ "$(phases "$PH/a.json" $(((t1 - t0) / 1000000 + 1)) 1)" = ok ]'
"$QBERG" generate --experiments 3 --seed 32 --first-counter 50 --out "$PH/raw" >/dev/null
t0=$(date +%s%N); "$QBERG" -w "$PH/wh" ingest --raw "$PH/raw" --json >"$PH/b.json"; t1=$(date +%s%N)
check "--json phases_ms of a second batch with the ML phase: features timed" \
  '[ "$(phases "$PH/b.json" $(((t1 - t0) / 1000000 + 1)) 0)" = ok ]'
"$QBERG" generate --experiments 20 --seed 33 --first-counter 80 --out "$PH/raw" >/dev/null
"$QBERG" -w "$PH/wh" ingest --raw "$PH/raw" >"$PH/summary"
check "the summary has a time: line naming the rows and commit phases" \
  'grep -Eq "^time: .*rows [0-9]+\.[0-9]{3} s, commit [0-9]+\.[0-9]{3} s" "$PH/summary"'
# the progress line on a terminal (stderr a pty 24 columns wide, stdout a file) is cut to the width: the
# ~70-column line wrapped, and each redraw ("\r\033[K" clears one row) left its first rows on the screen
"$QBERG" generate --experiments 30 --iterations 5-20 --seed 31 --out "$TMPDIR/tty_raw" >/dev/null
# pty_run.py COLS OUT TTY CMD...: CMD with stdout to OUT and stderr on a pty COLS wide (0: size unset) whose
# bytes go to TTY; prints CMD's exit status
cat >"$TMPDIR/pty_run.py" <<'PY'
import fcntl, os, pty, struct, subprocess, sys, termios
cols, out, tty = int(sys.argv[1]), sys.argv[2], sys.argv[3]
master, slave = pty.openpty()
if cols:
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
with open(out, "w") as so:
    p = subprocess.Popen(sys.argv[4:], stdout=so, stderr=slave)
os.close(slave)
data = b""
while True:
    try:
        b = os.read(master, 65536)
    except OSError:
        break
    if not b:
        break
    data += b
open(tty, "wb").write(data)
print(p.wait())
PY
rc=$(python3 "$TMPDIR/pty_run.py" 24 "$TMPDIR/tty_out" "$TMPDIR/tty_bytes" "$QBERG" -w "$TMPDIR/tty_wh" ingest --raw "$TMPDIR/tty_raw" --threads 1)
python3 - "$rc" "$TMPDIR/tty_bytes" >"$TMPDIR/tty_res" <<'PY'
import sys
rc, path = sys.argv[1:]
text = open(path, "rb").read().decode("latin-1").replace("\x1b[K", "")
cols, row, col, rows = 24, 0, 0, 0
for c in text:  # the screen rows a 24-column terminal fills
    if c == "\r": col = 0
    elif c == "\n": row, col = row + 1, 0
    else:
        if col == cols: row, col = row + 1, 0
        col += 1
    rows = max(rows, row)
print(rc, "row pass" in text or "committing" in text, rows + 1)
PY
check "progress on a 24-column terminal stays on one row ($(cat "$TMPDIR/tty_res"): rc, drawn, rows)" \
  '[ "$(cat "$TMPDIR/tty_res")" = "0 True 1" ] && grep -q "^batch .*30 new" "$TMPDIR/tty_out"'
# its first frame, one file read, has no rate yet: it said "0.0 MB/s  ETA 0s" with 29 files to go
rm -rf "$TMPDIR/tty_wh"
python3 "$TMPDIR/pty_run.py" 0 /dev/null "$TMPDIR/tty_bytes" "$QBERG" -w "$TMPDIR/tty_wh" ingest --raw "$TMPDIR/tty_raw" --threads 1 --no-features >/dev/null
python3 - "$TMPDIR/tty_bytes" >"$TMPDIR/tty_first" <<'PY'
import re, sys
frames = [f for f in open(sys.argv[1], "rb").read().decode("latin-1").replace("\x1b[K", "").split("\r") if f.startswith("row pass")]
first = frames[0] if frames else ""
m = re.match(r"row pass: (\d+)/(\d+) ", first)
print("ok" if m and int(m.group(1)) < int(m.group(2)) and "ETA 0s" not in first and "ETA --" in first else "bad: " + first)
PY
check "the first progress frame shows no rate or ETA yet ($(cat "$TMPDIR/tty_first"))" '[ "$(cat "$TMPDIR/tty_first")" = ok ]'
# a raw topic folder whose name is not valid UTF-8 (a Latin-1 name): its files are skipped, named on stderr with
# the byte as \xff, in every batch until renamed; before, the path went raw into the ledger's file column and
# processing_metadata, and DuckDB refused both tables ("Invalid string encoding")
U="$TMPDIR/utf"
bad="$U/raw/topic$(printf '\xff')"
mkdir -p "$bad" "$U/raw/ok"
cp "$D"/experiments/experiment.vqe/*.json "$U/raw/ok/"
ls "$D"/experiments/experiment.vqe/*.json | head -2 | xargs -I{} cp {} "$bad/"
"$QBERG" -w "$U/wh" --json ingest --raw "$U/raw" --no-features >"$U/r1.json" 2>"$U/err1" || true
check "a non-UTF-8 folder's files are skipped, the others ingested" \
  '[ "$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d[\"files_skipped\"], d[\"files_new\"], all(\"topic\\\\xff/\" in s[\"file\"] and \"not valid UTF-8\" in s[\"reason\"] for s in d[\"skipped_inputs\"]))" "$U/r1.json")" = "2 8 True" ]'
ok_dd=1
for f in $(find "$U/wh/quantum_features/ingested_files" "$U/wh/quantum_features/processing_metadata" -name '*.parquet'); do
  node "$QB_ORACLES/parquet-rows.mjs" "$f" >/dev/null 2>>"$U/dd" || ok_dd=0
done
check "DuckDB reads the ledger and processing_metadata ($(head -c 300 "$U/dd" 2>/dev/null))" '[ $ok_dd = 1 ]'
"$QBERG" -w "$U/wh" ingest --raw "$U/raw" --no-features >/dev/null 2>"$U/err2" || true
check "the next batch skips them again and says why on stderr" 'grep -q "topic\\\\xff/.*: its path is not valid UTF-8" "$U/err2"'
mv "$bad" "$U/raw/topic_latin1"
"$QBERG" -w "$U/wh" --json ingest --raw "$U/raw" --no-features >"$U/r3.json" 2>/dev/null || true
check "renamed, they are ingested" \
  '[ "$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d[\"files_skipped\"], d[\"files_new\"])" "$U/r3.json")" = "0 2" ]'
echo "ingest.sh: $pass passed, $fail failed"
[ "$fail" = 0 ]
