# qberg ingest's memory does not grow with the size of one record: a raw file of 30,000 iterations (30 MB,
# ~480,000 iteration_parameters rows) peaks at ~85 MiB; before the runs of iterations were derived a slice at
# a time, the column buffers held every row of the record (346 MiB, ~11x the file; 1.17 GiB for a 111 MB
# file). Peak RSS from /usr/bin/time (the process re-executes itself for huge pages under the same pid).
set -eu
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi; }
T=/usr/bin/time
[ -x "$T" ] || { echo "memory.sh: no $T"; echo "memory.sh: 0 passed, 1 failed"; exit 1; }

$QBERG generate --experiments 1 --iterations 30000-30000 --seed 5 --out "$TMPDIR/raw" >/dev/null
for th in 1 2; do
  rm -rf "$TMPDIR/wh"
  "$T" -f %M -o "$TMPDIR/rss" "$QBERG" -w "$TMPDIR/wh" ingest --raw "$TMPDIR/raw" --threads $th >"$TMPDIR/out" 2>&1 || true
  kb=$(tail -1 "$TMPDIR/rss")
  check "threads $th: ingest ran" 'grep -q "iteration_parameters *[0-9]" "$TMPDIR/out"'
  check "threads $th: peak RSS ${kb} KB under 160 MiB" '[ "$kb" -lt $((160 * 1024)) ]'
done
rows=$("$QBERG" -w "$TMPDIR/wh" scan quantum_features.iteration_parameters --columns parameter_index --format csv | tail -n +2 | wc -l)
want=$(python3 -c "
import json,glob
r=json.load(open(glob.glob('$TMPDIR/raw/experiment.vqe/*.json')[0]))
print(sum(len(i['parameters']) for i in r['vqe_result']['iteration_list']))")
check "every iteration_parameters row written ($rows of $want)" '[ "$rows" = "$want" ]'

echo "memory.sh: $pass passed, $fail failed"
[ "$fail" = 0 ]
