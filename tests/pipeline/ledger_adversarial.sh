# Adversarial cases for the ledger's range summary and the index's Bloom filter (docs/PIPELINE.md "Which
# files are new", "De-duplication"): the ledger's snapshots expired before a late file among the last
# batch's files; a file deleted and a late one inside the range in the same listing (count equal, sum
# different); a rejected file; names outside {counter}-{unix_nano} (spaces, colons), equal nanos, and new
# files after them; a Bloom filter file truncated, or with its bits zeroed under a valid header. Every case
# asserts that no raw file is recorded twice and no experiment's rows are duplicated.
set -eu
. "$QB_ROOT/tests/lib/pipeline.sh"
# files_seen files_new files_rejected ledger_rows_read
run() {
  ingest_json "$1"
  jfields "$1" files_seen files_new files_rejected stored_reads.ledger_rows
}

# 1. the ledger's snapshots expired: the summary's base is gone, a late file among the last batch's files
gen 2 10 1
gen 2 20 2 # (in the same batch)
check "first batch: 4 new" '[ "$(run a1)" = "4 4 0 0" ]'
gen 2 30 3
check "second batch: 2 new, nothing read" '[ "$(run a2)" = "6 2 0 0" ]'
"$QBERG" -w "$W" maintain expire-snapshots quantum_features.ingested_files --older-than "$(( $(date +%s%3N) + 60000 ))" --retain-last 1 >/dev/null
check "the ledger keeps one snapshot" \
  '[ "$("$QBERG" -w "$W" snapshots quantum_features.ingested_files --json | grep -o "\"snapshot-id\"" | wc -l)" = 1 ]'
gen 1 30 4 500
check "a late file among the last batch's files after an expire: 1 new, not an error" \
  '[ "$(run a3 | cut -d" " -f1-3)" = "7 1 0" ]'
check "every file once in the ledger (7)" 'once 7'
check "then nothing new, nothing read" '[ "$(run a4)" = "7 0 0 0" ]'

# 2. one file deleted and a late file inside the range in the same listing: count equal, sum different
mv "$T/20-1700000000000020000.json" "$TMPDIR/victim.json"
gen 1 15 5
check "deleted + late inside the range: the rows decide, 1 new" '[ "$(run a5 | cut -d" " -f1-3)" = "7 1 0" ]'
check "every file once in the ledger (8)" 'once 8'
mv "$TMPDIR/victim.json" "$T/20-1700000000000020000.json"
check "restored: not ingested again" '[ "$(run a6 | cut -d" " -f1-3)" = "8 0 0" ]'
check "molecules: one row per experiment (8)" 'molecules_once 8'

# 3. a rejected file: recorded once, never retried, not a reason to read the ledger again
printf '{"not a vqe record": 1}\n' >"$T/40-1700000000000040000.json"
check "a rejected file: 1 new, 1 rejected" '[ "$(run a7 | cut -d" " -f1-3)" = "9 1 1" ]'
check "rerun: nothing new, no ledger row read" '[ "$(run a8)" = "9 0 0 0" ]'
check "the rejected file once in the ledger" '[ "$(ledger_files | grep -c "40-1700000000000040000")" = 1 ]'

# 4. names outside the pattern (spaces, colons, a newline-free oddity), equal nanos with other counters
gen 1 50 6
mv "$T/50-1700000000000050000.json" "$T/my file: 50.json"
gen 1 51 7
mv "$T/51-1700000000000051000.json" "$T/7-1700000000000050000.json" # the nano of 50 with counter 7
gen 1 52 8
mv "$T/52-1700000000000052000.json" "$T/99999999999999999999999-1.json" # an overflowing counter
check "odd names: 3 new" '[ "$(run a9 | cut -d" " -f1-3)" = "12 3 0" ]'
check "rerun: nothing new, nothing read" '[ "$(run a10)" = "12 0 0 0" ]'
gen 1 53 9
mv "$T/53-1700000000000053000.json" "$T/3-1700000000000050000.json" # equal nano, lower counter: a late file
gen 1 54 10
mv "$T/54-1700000000000054000.json" "$T/a file.json" # sorts among the odd names of the last batch
check "a late equal-nano file and a late odd name: 2 new" '[ "$(run a11 | cut -d" " -f1-3)" = "14 2 0" ]'
check "every file once in the ledger (14)" 'once 14'
check "molecules: one row per experiment (13)" 'molecules_once 13'

# 5. the Bloom filter truncated, then zeroed under a valid header: never trusted, the entries decide
bloom() { ls -t "$W"/quantum_features/experiment_index/data/bloom-*.bin | head -n 1; }
redeliver() { cp "$T/10-1700000000000010000.json" "$T/$1-1800000000000000000.json"; }
b=$(bloom)
head -c 40 "$b" >"$TMPDIR/t" && cat "$TMPDIR/t" >"$b"
redeliver 1000
check "filter truncated: a re-delivered experiment is known" \
  '[ "$(run a12 | cut -d" " -f2)" = 1 ] && molecules_once 13'
gen 1 60 11
check "a new experiment: a new filter is written" '[ "$(run a12b | cut -d" " -f2)" = 1 ]'
b=$(bloom)
python3 -c 'import sys; p=sys.argv[1]; d=bytearray(open(p,"rb").read()); d[32:]=bytes(len(d)-32); open(p,"wb").write(d)' "$b"
redeliver 1001
check "filter bits zeroed: a re-delivered experiment is known, no row duplicated" \
  '[ "$(run a13 | cut -d" " -f2)" = 1 ] && molecules_once 14'
check "fsck of the index is clean" '"$QBERG" -w "$W" fsck quantum_features.experiment_index >/dev/null'

# 6. the index compacted (a replace snapshot without the filter key): the filter still describes it
"$QBERG" -w "$W" maintain compact quantum_features.experiment_index >/dev/null
redeliver 1002
check "index compacted: a re-delivered experiment is known" \
  '[ "$(run a14 | cut -d" " -f2)" = 1 ] && molecules_once 14'

# 7. the ledger and the index rolled back (their directories restored from before two batches: what a
# crash before their commits leaves): the files are processed again, their experiments dropped
cp -a "$W/quantum_features/ingested_files" "$TMPDIR/ledger.old"
cp -a "$W/quantum_features/experiment_index" "$TMPDIR/index.old"
gen 2 70 12
check "2 new" '[ "$(run a15 | cut -d" " -f2)" = 2 ]'
gen 1 80 13
check "1 new" '[ "$(run a16 | cut -d" " -f2)" = 1 ]'
rm -rf "$W/quantum_features/ingested_files" "$W/quantum_features/experiment_index"
cp -a "$TMPDIR/ledger.old" "$W/quantum_features/ingested_files"
cp -a "$TMPDIR/index.old" "$W/quantum_features/experiment_index"
check "after the rollback: the 3 files again" '[ "$(run a17 | cut -d" " -f2)" = 3 ]'
check "no experiment's rows twice (14 + 3)" 'molecules_once 17'
check "then nothing new" '[ "$(run a18 | cut -d" " -f2)" = 0 ]'
check "fsck of the index is clean after the rollback" '"$QBERG" -w "$W" fsck quantum_features.experiment_index >/dev/null'

# 8. stray names in the ledger (section 4) sort before the patterned ones: a new file (a later write time)
# lies after the folder's range and reads no row; a new stray name inside the stray names' span reads the
# ledger once, one before them none (write times after the re-delivered files' 1800000000000000000)
gen 1 90 14 200000000000000000
check "stray names in the ledger, a new file: 1 new, no ledger row read" '[ "$(run a19 | cut -d" " -f2-4)" = "1 0 0" ]'
gen 1 91 15
mv "$T/91-1700000000000091000.json" "$T/b stray.json"
check "a new stray name among the stray names: 1 new, the ledger read" \
  '[ "$(run a20 | cut -d" " -f2-3)" = "1 0" ] && [ "$(jfields a20 stored_reads.ledger_rows)" -gt 0 ]'
gen 1 92 16
mv "$T/92-1700000000000092000.json" "$T/0 stray.json"
check "a new stray name before them: 1 new, no ledger row read" '[ "$(run a21 | cut -d" " -f2-4)" = "1 0 0" ]'
check "then nothing new, nothing read" '[ "$(run a22 | cut -d" " -f2-4)" = "0 0 0" ]'
check "no file twice in the ledger, no experiment's rows twice (17 + 3)" \
  '[ "$(ledger_files | uniq -d | wc -l)" = 0 ] && molecules_once 20'
finish ledger_adversarial.sh
