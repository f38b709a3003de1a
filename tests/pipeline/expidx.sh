# The experiment index's Bloom filter (docs/PIPELINE.md "De-duplication"): a batch of new experiments reads
# no index entry; a batch holding a stored experiment (the same record under a new file name) loads the
# entries and drops its rows; an index appended to without a filter (an older warehouse) or whose filter
# file is gone is loaded whole, and the next commit writes a filter again; a crash between the index and
# the ledger commit drops every row on the rerun. fsck stays clean.
set -eu
. "$QB_ROOT/tests/lib/pipeline.sh"
# files_new experiments_new experiments_known index_entries_read rows_appended
run() {
  ingest_json "$1"
  jfields "$1" files_new experiments.new experiments.known stored_reads.index_entries rows
}
blooms() { find "$W/quantum_features/experiment_index" -name 'bloom-*.bin' | wc -l; }

gen_asis 5 10 1
check "first batch: 5 new experiments, nothing read" '[ "$(run b1 | cut -d" " -f1-4)" = "5 5 0 0" ]'
gen_asis 4 20 2
check "second batch of new experiments: no index entry read" '[ "$(run b2 | cut -d" " -f1-4)" = "4 4 0 0" ]'
check "one filter file (the previous one deleted)" '[ "$(blooms)" = 1 ]'

# a stored experiment under a new file name: the filter holds it, the 9 entries are read, its rows dropped
first=$(ls "$T" | sort -t- -k1,1n | head -n 1)
cp "$T/$first" "$T/99-1.json"
check "a stored experiment again: entries read, known, no row appended" '[ "$(run b3 | cut -d" " -f1-5)" = "1 0 1 9 0" ]'

# an append without a filter (what an older qberg leaves): loaded whole at open
printf '{"experiment_digest":12345,"keyset_digest":0}\n' >"$TMPDIR/foreign.jsonl"
"$QBERG" -w "$W" append quantum_features.experiment_index "$TMPDIR/foreign.jsonl" >/dev/null
gen_asis 2 30 3
# (that snapshot covers no feature table either: the batch re-reads the 9 experiments' keys, re-adding them)
check "no filter in the current snapshot: the 10 entries are read, 2 new experiments" '[ "$(run b4 | cut -d" " -f1-4)" = "2 2 0 10" ]'
gen_asis 2 40 4
check "that batch wrote a filter: nothing read" '[ "$(run b5 | cut -d" " -f1-4)" = "2 2 0 0" ]'

# the filter file removed (an orphan clean-up): loaded whole, then a filter again
find "$W/quantum_features/experiment_index" -name 'bloom-*.bin' -delete
gen_asis 1 50 5
check "filter file gone: the 23 entries (10 + 9 recovered + 2 + 2) are read, 1 new experiment" \
  '[ "$(run b6 | cut -d" " -f1-4)" = "1 1 0 23" ]'
gen_asis 1 60 6
check "then nothing read" '[ "$(run b7 | cut -d" " -f1-4)" = "1 1 0 0" ]'
check "molecules: one row per experiment (5 + 4 + 2 + 2 + 1 + 1)" 'molecules_once 15'

# a compaction of the index (`maintain compact`, `maintain all`: a replace snapshot, without qberg's summary):
# the next batch still finds what the index covers, so it recovers nothing and adds no entry twice (it took
# every stored experiment for an interrupted batch's and appended a second entry for each)
entries() { "$QBERG" -w "$W" scan quantum_features.experiment_index --columns experiment_digest --format csv | tail -n +2 | wc -l; }
before=$(entries)
"$QBERG" -w "$W" maintain compact quantum_features.experiment_index --min-input-files 2 >/dev/null
gen_asis 1 65 8
check "after a compaction of the index: 1 new experiment, nothing recovered, no entry read" \
  '[ "$(run b7c | cut -d" " -f1-4)" = "1 1 0 0" ] && [ "$(jfields b7c experiments.recovered)" = 0 ]'
check "after a compaction of the index: one entry added ($before before, $(entries) now)" '[ "$(entries)" = $((before + 1)) ]'


# a crash after the index commit, before the ledger's: the rerun processes the files again, the filter
# holds their experiments, the entries are read and every row is dropped
rm -rf "$TMPDIR/ledger.before" && cp -a "$W/quantum_features/ingested_files" "$TMPDIR/ledger.before"
gen_asis 2 70 7
check "2 new experiments" '[ "$(run b8 | cut -d" " -f1-4)" = "2 2 0 0" ]'
rm -rf "$W/quantum_features/ingested_files" && cp -a "$TMPDIR/ledger.before" "$W/quantum_features/ingested_files"
check "after the crash: the 2 files again, both experiments known, no row appended" \
  '[ "$(run b9 | cut -d" " -f1-3,5)" = "2 0 2 0" ] && [ "$(jfields b9 stored_reads.index_entries)" -gt 0 ]'
check "then nothing new" '[ "$(run b10 | cut -d" " -f1)" = 0 ]'
check "after the crash and rerun: 18 experiments, each once" 'molecules_once 18'
check "fsck of the index table is clean" '"$QBERG" -w "$W" fsck quantum_features.experiment_index >/dev/null'

# `maintain all` run daily with no batch for a week: the first run compacts (replace snapshots), a later one
# expires every snapshot before them that no tag keeps (all of the index's and the ledger's) and removes
# orphans. A replace snapshot carries the summary of the one it replaced (qberg.covers, the filter, the
# ledger's ranges), so the next batch reads no stored key, no index entry and no ledger row, recovers
# nothing and adds one entry (before, the index snapshot holding qberg.covers expired: the batch read every
# stored key and entered every stored experiment a second time). The clock is moved forward from here on.
before=$(entries)
day=86400000 now=$(($(date +%s) * 1000))
QB_TEST_NOW=$((now + day)) "$QBERG" -w "$W" maintain all >/dev/null 2>&1
QB_TEST_NOW=$((now + 9 * day)) "$QBERG" -w "$W" maintain all >/dev/null 2>&1
export QB_TEST_NOW=$((now + 9 * day + 1000))
nsnap() { "$QBERG" -w "$W" snapshots "quantum_features.$1" --json | grep -o '"snapshot-id"' | wc -l; }
check "a week of maintain all: one snapshot left in the index and the ledger" \
  '[ "$(nsnap experiment_index) $(nsnap ingested_files)" = "1 1" ]'
gen 1 66 11 100000000000000000 # named after every stored file
check "after a week of maintain all: 1 new experiment, nothing recovered, nothing read" \
  '[ "$(run b11 | cut -d" " -f1-4)" = "1 1 0 0" ] &&
   [ "$(jfields b11 experiments.recovered stored_reads.key_rows stored_reads.ledger_rows index_filter_error)" = "0 0 0 " ]'
check "after a week of maintain all: one entry added ($before before, $(entries) now)" '[ "$(entries)" = $((before + 1)) ]'
check "after a week of maintain all: 19 experiments, each once" 'molecules_once 19'
check "fsck of the index table is still clean" '"$QBERG" -w "$W" fsck quantum_features.experiment_index >/dev/null'

finish expidx.sh
