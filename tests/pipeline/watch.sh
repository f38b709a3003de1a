# qberg ingest --watch: polls the source, ingests files dropped in as batches, writes nothing while idle,
# and stops cleanly (exit 0, between batches) on SIGTERM and on SIGINT; a second signal cuts a batch.
set -eu
W="$TMPDIR/wh"
R="$TMPDIR/raw"
mkdir -p "$R/experiment.vqe"
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi; }
G="$QBERG generate --iterations 5-15"
$G --experiments 5 --seed 21 --out "$TMPDIR/g1" >/dev/null
$G --experiments 3 --seed 22 --first-counter 100 --out "$TMPDIR/g2" >/dev/null
rows() { "$QBERG" -w "$W" scan "quantum_features.$1" --columns experiment_id --format csv 2>/dev/null | tail -n +2 | wc -l; }
# wait until `cond` holds (at most ~20 s)
wait_for() { for _ in $(seq 1 200); do if eval "$1"; then return 0; fi; sleep 0.1; done; return 1; }

"$QBERG" -w "$W" ingest --raw "$R" --watch --interval 0.2 --json >"$TMPDIR/out.jsonl" 2>"$TMPDIR/err" &
pid=$!
sleep 0.5
check "idle watch writes no batch" '[ ! -s "$TMPDIR/out.jsonl" ]'
# files appear atomically (rename), as an object store shows them
for f in "$TMPDIR"/g1/experiment.vqe/*.json; do cp "$f" "$R/experiment.vqe/.tmp" && mv "$R/experiment.vqe/.tmp" "$R/experiment.vqe/$(basename "$f")"; done
check "the first 5 files are ingested" 'wait_for "[ \"\$(rows molecules)\" = 5 ]"'
for f in "$TMPDIR"/g2/experiment.vqe/*.json; do cp "$f" "$R/experiment.vqe/.tmp" && mv "$R/experiment.vqe/.tmp" "$R/experiment.vqe/$(basename "$f")"; done
check "3 more files are ingested" 'wait_for "[ \"\$(rows molecules)\" = 8 ]"'
sleep 0.5
kill -TERM $pid
set +e
wait $pid; rc=$?
set -e
check "SIGTERM: exit 0 (got $rc; $(head -c 300 "$TMPDIR/err"))" '[ $rc = 0 ]'
check "SIGTERM: says so on stderr" 'grep -q "^qberg: ingest --watch stopped by SIGTERM between batches$" "$TMPDIR/err"'
python3 - "$TMPDIR/out.jsonl" >"$TMPDIR/sum" <<'PY'
import json, sys
b = [json.loads(l) for l in open(sys.argv[1])]
print(len(b), sum(x["files_new"] for x in b), sum(x["tables"][0]["rows"] for x in b), sum(x["files_rejected"] for x in b))
PY
check "JSON lines: batches with 8 files and 8 molecules in all ($(cat "$TMPDIR/sum"))" \
  '[ "$(cut -d" " -f2- "$TMPDIR/sum")" = "8 8 0" ] && [ "$(cut -d" " -f1 "$TMPDIR/sum")" -ge 2 ]'
n_meta=$("$QBERG" -w "$W" scan quantum_features.processing_metadata --where "processing_name = 'quantum_base_processing'" --format csv | tail -n +2 | wc -l)
check "one processing_metadata row per batch, none for idle polls" '[ "$n_meta" = "$(cut -d" " -f1 "$TMPDIR/sum")" ]'
expected=$("$QBERG" vqe rows "$TMPDIR"/g1/experiment.vqe/*.json | grep -c '"table":"vqe_iterations"' || true)
expected2=$("$QBERG" vqe rows "$TMPDIR"/g2/experiment.vqe/*.json | grep -c '"table":"vqe_iterations"' || true)
check "vqe_iterations holds the rows of both batches" '[ "$(rows vqe_iterations)" = $((expected + expected2)) ]'

# SIGINT stops it too; a batch already running finishes first
"$QBERG" -w "$W" ingest --raw "$R" --watch --interval 5 >"$TMPDIR/out2" 2>&1 &
pid=$!
sleep 0.5
kill -INT $pid
set +e
wait $pid; rc=$?
set -e
check "SIGINT during the sleep: exit 0 promptly (got $rc)" '[ $rc = 0 ]'
check "SIGINT: says so" 'grep -q "^qberg: ingest --watch stopped by SIGINT between batches$" "$TMPDIR/out2"'
# a signal during a batch says the batch finishes first; a second one ends the process at once (it waited for
# the whole batch, silently), and the next run recovers what the cut batch committed: no row lost or doubled
$QBERG generate --experiments 120 --iterations 100-300 --seed 23 --out "$TMPDIR/g3" >/dev/null
W3="$TMPDIR/wh3"
"$QBERG" -w "$W3" ingest --raw "$TMPDIR/g3" --threads 1 --watch --interval 0.2 >"$TMPDIR/out3" 2>"$TMPDIR/err3" &
pid=$!
wait_for '[ -e "$W3/quantum_features" ]' || true
sleep 0.1
kill -TERM $pid
sleep 0.1
kill -TERM $pid
set +e
wait $pid; rc=$?
set -e
check "second SIGTERM during a batch: ended by it (got $rc; $(tr '\n' ' ' <"$TMPDIR/err3" | head -c 300))" '[ $rc = 143 ]'
check "first signal: says the batch in flight finishes" 'grep -q "^qberg: stopping after the batch in flight" "$TMPDIR/err3"'
check "the notes are lines of their own, no blank line when stderr is no terminal" '! grep -q "^\$" "$TMPDIR/err3"'
"$QBERG" -w "$W3" ingest --raw "$TMPDIR/g3" >/dev/null
n3=$("$QBERG" -w "$W3" scan quantum_features.vqe_results --columns experiment_id --format csv | tail -n +2 | sort -u | wc -l)
n3all=$("$QBERG" -w "$W3" scan quantum_features.vqe_results --columns experiment_id --format csv | tail -n +2 | wc -l)
check "the rerun recovers the cut batch: 120 experiments once each (got $n3 distinct of $n3all)" '[ "$n3" = 120 ] && [ "$n3all" = 120 ]'
check "fsck after the cut batch" '"$QBERG" -w "$W3" fsck --all >/dev/null'
# SIGHUP (the terminal closed) stops it as SIGTERM does (it killed the process, mid-batch if one ran);
# under nohup (SIGHUP ignored when started) it stays ignored
"$QBERG" -w "$W" ingest --raw "$R" --watch --interval 0.2 >/dev/null 2>"$TMPDIR/err4" &
pid=$!
sleep 0.5
kill -HUP $pid
set +e
wait $pid; rc=$?
set -e
check "SIGHUP: exit 0 and says so (got $rc; $(cat "$TMPDIR/err4"))" \
  '[ $rc = 0 ] && grep -q "^qberg: ingest --watch stopped by SIGHUP between batches$" "$TMPDIR/err4"'
(trap '' HUP; exec "$QBERG" -w "$W" ingest --raw "$R" --watch --interval 0.2 >/dev/null 2>"$TMPDIR/err5") &
pid=$!
sleep 0.5
kill -HUP $pid
sleep 0.3
alive=0; kill -0 $pid 2>/dev/null && alive=1
kill -TERM $pid 2>/dev/null || true
set +e
wait $pid
set -e
check "SIGHUP ignored at start (nohup): still ignored" '[ $alive = 1 ]'
# progress on a terminal across batches: a second batch's "rows" phase was timed from the first batch's start
# (0.0 MB/s, negative ETAs)
$QBERG generate --experiments 30 --iterations 50-120 --seed 24 --out "$TMPDIR/g4" >/dev/null
$QBERG generate --experiments 30 --iterations 50-120 --seed 25 --first-counter 200 --out "$TMPDIR/g5" >/dev/null
python3 - "$QBERG" "$TMPDIR/wh5" "$TMPDIR/raw5" "$TMPDIR/g4/experiment.vqe" "$TMPDIR/g5/experiment.vqe" >"$TMPDIR/tty5" <<'PY'
import os, pty, re, select, shutil, signal, subprocess, sys, time
q, wh, raw, src1, src2 = sys.argv[1:]
os.makedirs(raw + "/experiment.vqe")
master, slave = pty.openpty()
def deliver(src):
    for f in sorted(os.listdir(src)):
        tmp = os.path.join(raw, "experiment.vqe", "." + f)
        shutil.copy(os.path.join(src, f), tmp)
        os.rename(tmp, os.path.join(raw, "experiment.vqe", f))
p = subprocess.Popen([q, "-w", wh, "ingest", "--raw", raw, "--watch", "--interval", "0.2", "--threads", "1",
                      "--no-features"], stdout=subprocess.DEVNULL, stderr=slave)
os.close(slave)
data = b""
def pump(t):
    global data
    end = time.time() + t
    while time.time() < end:
        if select.select([master], [], [], 0.05)[0]:
            try:
                data += os.read(master, 65536)
            except OSError:
                return
deliver(src1); pump(4)
mark = len(data)
deliver(src2); pump(4)
p.send_signal(signal.SIGTERM); pump(1); p.wait()
frames = lambda b: [f for f in b.decode("latin-1").replace("\x1b[K", "").split("\r") if f.startswith("row pass")]
second = frames(data[mark:])
neg = [f for f in frames(data) if "ETA -" in f and "ETA --" not in f]
rated = [f for f in second if re.search(r"  [0-9.]*[1-9][0-9.]* MB/s  ETA [0-9]", f)]
print("ok" if second and not neg and rated else "bad: second %r negative %r" % (second[:4], neg[:2]))
PY
check "a second batch's progress has its own rate, no negative ETA ($(cat "$TMPDIR/tty5"))" '[ "$(cat "$TMPDIR/tty5")" = ok ]'
check "usage: --watch with --batch-id is an error" '! "$QBERG" -w "$W" ingest --raw "$R" --watch --batch-id 0e4c2a8e-2f7b-4c4e-9d0a-1b2c3d4e5f60 2>/dev/null'
echo "watch.sh: $pass passed, $fail failed"
[ "$fail" = 0 ]
