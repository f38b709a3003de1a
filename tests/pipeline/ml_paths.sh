# The ML tables of one batch do not depend on how the ML job learns which experiments are new: the ingest's
# ML phase (its experiment index answers for ml_run_summary's ids) and a separate `qberg features` run on a
# warehouse ingested with --no-features (the scan path: it reads the stored ids) write byte-identical ML data
# files, for the first batch (whole tables) and for a second one (incremental). Guards any change to how the
# ingest hands the ML job what it needs: the ML files' row order follows the scan order of vqe_iterations'
# data files, which a fed path would have to reproduce exactly. Clock, seed and batch ids are pinned.
set -eu
export QB_TEST_NOW=20261126T120000Z QB_TEST_SEED=7
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi; }
js() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
B1=00000000-0000-0000-0000-000000000001
B2=00000000-0000-0000-0000-000000000002
# sha256 of a table's data files, sorted by content hash (the file names are not compared: the separate
# features run draws its file names in another process), one line per file
ml_hashes() { find "$1/quantum_features/$2/data" -name '*.parquet' -exec sha256sum {} + | cut -d' ' -f1 | sort; }

# three basis sets and varying iteration counts, so vqe_iterations spreads over several partition files
"$QBERG" generate --experiments 60 --iterations 5-40 --seed 11 --out "$TMPDIR/b1" >/dev/null
"$QBERG" generate --experiments 25 --iterations 5-40 --seed 12 --first-counter 200 --out "$TMPDIR/b2" >/dev/null
for w in fed scan; do mkdir -p "$TMPDIR/raw_$w/experiment.vqe" && cp "$TMPDIR"/b1/experiment.vqe/* "$TMPDIR/raw_$w/experiment.vqe/"; done

for step in 1 2; do
  eval "B=\$B$step"
  "$QBERG" -w "$TMPDIR/fed" ingest --raw "$TMPDIR/raw_fed" --threads 1 --batch-id "$B" --json >"$TMPDIR/fed$step.json"
  "$QBERG" -w "$TMPDIR/scan" ingest --raw "$TMPDIR/raw_scan" --threads 1 --batch-id "$B" --no-features --json >/dev/null
  "$QBERG" -w "$TMPDIR/scan" features --batch-id "$B" --json >"$TMPDIR/scan$step.json"
  check "batch $step: the ingest's ML phase read no stored experiment id" \
    '[ "$(js "$TMPDIR/fed$step.json" "d[\"features\"][\"stored_ids_read\"]")" = 0 ]'
  if [ $step = 2 ]; then
    check "batch 2: both runs incremental" \
      '[ "$(js "$TMPDIR/fed2.json" "d[\"features\"][\"incremental\"]")" = True ] && [ "$(js "$TMPDIR/scan2.json" "d[\"incremental\"]")" = True ]'
    check "batch 2: the features run read ml_run_summary's ids (the scan path)" \
      '[ "$(js "$TMPDIR/scan2.json" "d[\"stored_ids_read\"]")" -gt 0 ]'
  fi
  for t in ml_iteration_features ml_run_summary; do
    ml_hashes "$TMPDIR/fed" $t >"$TMPDIR/fed.$t"
    ml_hashes "$TMPDIR/scan" $t >"$TMPDIR/scan.$t"
    n=$(wc -l <"$TMPDIR/fed.$t")
    check "batch $step: $t: the same $n data files, byte for byte" '[ "$n" -ge "$step" ] && cmp -s "$TMPDIR/fed.$t" "$TMPDIR/scan.$t"'
  done
  check "batch $step: the same row counts" \
    '[ "$(js "$TMPDIR/fed$step.json" "[t[\"rows\"] for t in d[\"features\"][\"tables\"]]")" = "$(js "$TMPDIR/scan$step.json" "[t[\"rows\"] for t in d[\"tables\"]]")" ]'
  [ $step = 1 ] && for w in fed scan; do cp "$TMPDIR"/b2/experiment.vqe/* "$TMPDIR/raw_$w/experiment.vqe/"; done
done
echo "ml_paths.sh: $pass passed, $fail failed"
[ "$fail" = 0 ]
