# Which listed raw files are new (docs/PIPELINE.md "Which files are new"): a batch reads no ledger row when
# the listing shows the ledger's files unchanged; a late file among the last batch's reads that batch's
# rows; a late file with an old name, a deleted and a restored raw file make it read the ledger's rows and
# decide exactly; a file is never ingested twice; a ledger without the range summary (an older warehouse, a
# compaction, a foreign append) is read whole and then migrated.
set -eu
. "$QB_ROOT/tests/lib/pipeline.sh"
# files_seen files_new ledger_rows_read
run() {
  ingest_json "$1"
  jfields "$1" files_seen files_new stored_reads.ledger_rows
}

gen 3 10 1
check "first batch: 3 listed, 3 new, no ledger row read" '[ "$(run b1)" = "3 3 0" ]'
check "rerun: nothing new, no ledger row read (the last batch's files match its range)" '[ "$(run b2)" = "3 0 0" ]'
gen 2 20 2
check "2 files after the ranges: new without reading the ledger" '[ "$(run b3)" = "5 2 0" ]'
check "rerun: nothing read" '[ "$(run b3b)" = "5 0 0" ]'
gen 1 1 3
check "a late file before the ranges: new without reading the ledger" '[ "$(run b4)" = "6 1 0" ]'
gen 1 11 4 500
check "a late file inside the range (written between 11 and 12): found by reading the 6 ledger rows" \
  '[ "$(run b5)" = "7 1 6" ]'
check "the late file is in the ledger" 'ledger_files | grep -q "/11-1700000000000011500.json\$"'
check "after it: nothing new, no ledger row read" '[ "$(run b6)" = "7 0 0" ]'

# a raw file deleted (retention): the range no longer matches, the rows decide, nothing is re-ingested
victim=10-1700000000000010000.json
mv "$T/$victim" "$TMPDIR/victim.json"
check "a deleted raw file, no new file: ledger rows read, nothing new" '[ "$(run b7)" = "6 0 7" ]'
mv "$TMPDIR/victim.json" "$T/$victim"
check "the file restored: the listing is the summary's set again, nothing read" '[ "$(run b8)" = "7 0 0" ]'
mv "$T/$victim" "$TMPDIR/victim.json"
gen 1 50 7
check "deleted again, and a new file: rows read, 1 new (its commit records the 6 old files left)" \
  '[ "$(run b9)" = "7 1 7" ]'
mv "$TMPDIR/victim.json" "$T/$victim"
check "the file restored: rows read, not ingested again" '[ "$(run b10)" = "8 0 8" ]'
check "every raw file once in the ledger" '[ "$(ledger_files | uniq -d | wc -l)" = 0 ] && [ "$(ledger_files | wc -l)" = 8 ]'
check "molecules: one row per experiment" \
  '[ "$("$QBERG" -w "$W" scan quantum_features.molecules --columns experiment_id --format csv | tail -n +2 | sort -u | wc -l)" = 8 ]'
gen 1 60 8
check "a new file: rows read (the range still differs), 1 new" '[ "$(run b11)" = "9 1 8" ]'
check "then nothing read" '[ "$(run b12)" = "9 0 0" ]'

# a producer restart: its counter starts again at 0, its clock does not: new files, no full read
gen 2 0 9 100000
check "a restarted counter with later write times: 2 new, nothing read" '[ "$(run b13)" = "11 2 0" ]'

# a compaction of the ledger (a replace snapshot carrying the summary of the snapshot it replaced), even
# once that snapshot expired: nothing read (before, every row was read once)
"$QBERG" -w "$W" maintain compact quantum_features.ingested_files --min-input-files 2 >/dev/null
"$QBERG" -w "$W" maintain rewrite-manifests quantum_features.ingested_files >/dev/null
"$QBERG" -w "$W" maintain expire-snapshots quantum_features.ingested_files --older-than 0s >/dev/null
c=$("$QBERG" -w "$W" snapshots quantum_features.ingested_files --json | grep -c '"replace"' || true)
check "the ledger was compacted, the snapshot before expired" '[ "$c" = 1 ]'
check "after compacting the ledger: nothing new, nothing read" '[ "$(run b14)" = "11 0 0" ]'

# a foreign append (no summary): the whole ledger is read; a row it names is not ingested
gen 1 30 5
printf '{"file":"%s","status":"ingested","records":1}\n' "$T/30-1700000000000030000.json" >"$TMPDIR/foreign.jsonl"
"$QBERG" -w "$W" append quantum_features.ingested_files "$TMPDIR/foreign.jsonl" >/dev/null
gen 1 40 6
check "without a summary: 12 rows read, the foreign row's file skipped, 1 new" '[ "$(run b15)" = "13 1 12" ]'
check "that batch wrote the summary: no ledger row read" '[ "$(run b16)" = "13 0 0" ]'
check "the summary is in the ledger's current snapshot" \
  '"$QBERG" -w "$W" snapshots quantum_features.ingested_files --json | grep -q "qberg.ledger-ranges"'
check "every raw file once in the ledger (13 + the foreign row's)" '[ "$(ledger_files | uniq -d | wc -l)" = 0 ] && [ "$(ledger_files | wc -l)" = 13 ]'

# two sources in turn (--raw of another topic folder): the folder not listed keeps its set, no full read
R2="$TMPDIR/raw2"
"$QBERG" generate --experiments 2 --first-counter 1 --seed 11 --iterations 1-2 --out "$R2" >/dev/null
R_MAIN=$R
R=$R2
check "another source: 2 new, nothing read" '[ "$(run b17)" = "2 2 0" ]'
R=$R_MAIN
gen 1 200 12
check "back to the first source with a new file: 1 new, nothing read" '[ "$(run b18)" = "14 1 0" ]'
R=$R2
check "the other source again: nothing new, no ledger row read" '[ "$(run b19)" = "2 0 0" ]'

# a file still uploading when the last batch listed: its name falls among the last batch's files; only
# that batch's rows are read
R=$R_MAIN
gen 2 300 13
check "2 new files" '[ "$(run b20)" = "16 2 0" ]'
gen 1 300 14 500
check "a late file among the last batch's: found by reading that batch's 2 rows" '[ "$(run b21)" = "17 1 2" ]'
# the listing keeps a file in the last batch's range without its size (no stat while it is most likely
# known); once it turns out new it is stat'ed: the report counts its bytes
check "the late file's bytes are its size" '[ "$(jfields b21 bytes)" = "$(stat -c %s "$T/300-1700000000000300500.json")" ]'
check "then nothing read" '[ "$(run b22)" = "17 0 0" ]'
check "every raw file once in the ledger (16 + the foreign row + 2 of the other source)" \
  '[ "$(ledger_files | uniq -d | wc -l)" = 0 ] && [ "$(ledger_files | wc -l)" = 19 ]'

# --raw spelled another way names the same folder: its files keep their ledger keys (each spelling read every
# file again: "$R/", "$R//", "..././raw" and "./raw" were keys of their own)
spelled() { # spelled NAME RAW [DIR]: a batch of RAW run from DIR; prints files_seen files_new
  (cd "${3:-$TMPDIR}" && "$QBERG" -w "$W" ingest --raw "$2" --no-features --json >"$TMPDIR/$1.json" 2>"$TMPDIR/$1.err") || true
  jfields "$1" files_seen files_new
}
R=$R_MAIN
check "--raw R/: nothing new" '[ "$(spelled s1 "$R/")" = "17 0" ]'
check "--raw R//: nothing new" '[ "$(spelled s2 "$R//")" = "17 0" ]'
check "--raw ..././raw: nothing new" '[ "$(spelled s3 "$(dirname "$R")/./$(basename "$R")")" = "17 0" ]'
check "--raw file:R: nothing new" '[ "$(spelled s4 "file:$R")" = "17 0" ]'
# a relative --raw is a key of its own (relative to where qberg runs: docs/PIPELINE.md), then stable
check "--raw raw from its parent: keyed anew, the index knows the experiments" '[ "$(spelled s5 raw "$(dirname "$R")")" = "17 17" ]'
check "--raw ./raw/ after it: nothing new" '[ "$(spelled s6 ./raw/ "$(dirname "$R")")" = "17 0" ]'
check "no ledger key twice" '[ "$(ledger_files | uniq -d | wc -l)" = 0 ]'

finish ledger.sh
