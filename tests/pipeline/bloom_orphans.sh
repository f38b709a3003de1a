# The experiment index's Bloom filter and orphan removal (docs/PIPELINE.md "De-duplication",
# docs/MAINTENANCE.md "remove-orphans"): the filter a kept snapshot names (`qberg.bloom`) is reachable, so
# remove-orphans with a cutoff in the future keeps the live filter and deletes a stale one (left by a batch
# that failed before its index commit); a damaged filter is reported, not used, replaced and deleted by the
# next index commit; a moved or copied warehouse keeps its filter in its own directory. The report's
# skipped_inputs is present (a vanished file: test_ingest_skip.c).
set -eu
. "$QB_ROOT/tests/lib/pipeline.sh"
IX="$W/quantum_features/experiment_index"
blooms() { find "$IX" -name 'bloom-*.bin' | sort; }
# files_new experiments_new index_entries_read index_filter_error
run() {
  ingest_json "$1"
  jfields "$1" files_new experiments.new stored_reads.index_entries index_filter_error
}

gen 3 10 1
check "first batch: 3 new experiments" '[ "$(run b1 | cut -d" " -f1-3)" = "3 3 0" ]'
check "skipped_inputs is reported, empty" '[ "$(jfields b1 files_skipped skipped_inputs)" = "0 []" ]'
live=$(blooms)
check "one filter file" '[ "$(echo "$live" | wc -l)" = 1 ] && [ -f "$live" ]'
stale="$IX/data/bloom-00000000-0000-4000-8000-000000000000-1.bin"
cp "$live" "$stale"
check "a stale filter next to it" '[ "$(blooms | wc -l)" = 2 ]'
future=$(( $(date +%s%3N) + 60000 ))
"$QBERG" -w "$W" maintain remove-orphans quantum_features.experiment_index --older-than "$future" --delete >/dev/null
check "remove-orphans (cutoff in the future) keeps the live filter" '[ -f "$live" ]'
check "... and deletes the stale one" '[ ! -e "$stale" ] && [ "$(blooms | wc -l)" = 1 ]'
gen 2 20 2
check "the live filter is used: 2 new experiments, no index entry read" '[ "$(run b2 | cut -d" " -f1-3)" = "2 2 0" ]'
check "no filter error" '[ "$(jfields b2 index_filter_error)" = "" ]'

# a damaged filter: reported with its name, the entries read, the file replaced and deleted
bad=$(blooms)
printf 'QBBLOOM2 but not a filter' >"$bad"
gen 1 30 3
check "damaged filter: the 5 entries read, 1 new" '[ "$(run b3 | cut -d" " -f1-3)" = "1 1 5" ]'
check "the report names the damaged file" 'jfields b3 index_filter_error | grep -qF "$(basename "$bad")"'
check "the damaged file is deleted, one new filter" '[ ! -e "$bad" ] && [ "$(blooms | wc -l)" = 1 ]'
gen 1 40 4
check "then the new filter is used" '[ "$(run b4 | cut -d" " -f1-3)" = "1 1 0" ]'
"$QBERG" -w "$W" maintain remove-orphans quantum_features.experiment_index --older-than "$future" --delete >/dev/null
check "remove-orphans again: the live filter stays" '[ "$(blooms | wc -l)" = 1 ]'
gen 1 50 5
check "and is used" '[ "$(run b5 | cut -d" " -f1-3)" = "1 1 0" ]'
check "molecules: one row per experiment (8)" 'molecules_once 8'
check "fsck of the index is clean" '"$QBERG" -w "$W" fsck quantum_features.experiment_index >/dev/null'

# A warehouse moved elsewhere keeps its recorded locations: the filter is still read, written and deleted in
# the table's directory. It was written under the old location (recreating that tree, or failing every
# batch at the index commit when the old path could not be made: here a file stands there), and a copy of
# a warehouse deleted the original's filter.
cur=$(blooms)
cp -a "$W" "$TMPDIR/copy"
mv "$W" "$TMPDIR/moved"
echo "not a directory" >"$W"
W0=$W W="$TMPDIR/moved" IX="$W/quantum_features/experiment_index"
gen 1 60 6
check "moved warehouse: the batch commits, the filter used (1 new, no entry read)" '[ "$(run b6 | cut -d" " -f1-3)" = "1 1 0" ]'
check "moved warehouse: the new filter is in the table's directory, the old one deleted" \
  '[ "$(blooms | wc -l)" = 1 ] && [ "$(jfields b6 index_filter_error)" = "" ]'
rm -f "$W0"
gen 1 70 7
check "moved warehouse: the next batch uses that filter" '[ "$(run b7 | cut -d" " -f1-3)" = "1 1 0" ]'
check "moved warehouse: nothing written at the old location" '[ ! -e "$W0" ]'
check "the copy's filter is untouched" '[ "$(find "$TMPDIR/copy" -name "bloom-*.bin" | wc -l)" = 1 ] && [ -f "$TMPDIR/copy/${cur#"$W0"/}" ]'
"$QBERG" -w "$W" maintain remove-orphans quantum_features.experiment_index --older-than "$future" --delete >/dev/null
check "moved warehouse: remove-orphans keeps the live filter" '[ "$(blooms | wc -l)" = 1 ]'
check "moved warehouse: molecules: one row per experiment (10)" 'molecules_once 10'
finish bloom_orphans.sh
