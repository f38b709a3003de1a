/* SPDX-License-Identifier: Apache-2.0 */
/* The experiment index of the ingest (docs/PIPELINE.md "De-duplication"): a compact Iceberg table
 * `quantum_features.experiment_index` with one 16-byte entry per stored experiment, read instead of the
 * key columns of the nine feature tables, so a batch's cost does not grow with the stored rows. */
#ifndef QB_PIPELINE_EXPERIMENT_INDEX_H
#define QB_PIPELINE_EXPERIMENT_INDEX_H

#include "pipeline/digest_bloom.h"
#include "qberg/catalog.h"
#include "qberg/table.h"
#include "qberg/vqe.h"

#define QB_EXPIDX_TABLE QB_VQE_NAMESPACE ".experiment_index"

/** experiment digest -> key-set digest (0: unknown, the batch must compare its rows one by one). */
typedef struct qb_expidx_map {
  uint64_t *keys, *vals; /* key 0 = empty slot */
  size_t cap, count;
} qb_expidx_map;

void qb_expidx_map_init(qb_expidx_map *m);
void qb_expidx_map_free(qb_expidx_map *m);
/** The value slot of `exp`, inserted (value 0, *created = true) when missing. Valid until the next insert. */
int qb_expidx_map_ref(uint64_t **out, bool *created, qb_expidx_map *m, uint64_t exp, qb_err *err);
bool qb_expidx_map_get(const qb_expidx_map *m, uint64_t exp, uint64_t *keyset);

/* Key-set digests are multiset sums: the empty set is QB_EXPIDX_EMPTY and each stored row adds
 * qb_expidx_mix(table, key digest), so the digest of an experiment grows with the rows appended to it. */
#define QB_EXPIDX_EMPTY UINT64_C(0x51424b5345544d54)
static inline uint64_t qb_expidx_add(uint64_t keyset, uint64_t mixed)
{
  if (!keyset) return 0; /* unknown stays unknown */
  keyset += mixed;
  return keyset ? keyset : 1;
}

/** The digest of an experiment_id (never 0). */
uint64_t qb_expidx_digest(const char *experiment_id, size_t n);

typedef struct qb_expidx {
  qb_table *table;
  qb_schema *schema;     /* the index's rows as qberg writes them, bound to the table (table_binding.h) */
  char *cols[2];         /* the table's current names of experiment_digest and keyset_digest; owned */
  qb_fileio *io;
  /* The entries committed before this batch: `stored` once `loaded`; before that, `bloom` (when
   * `have_bloom`) says which digests may be stored. An index without a filter (written before it, or
   * appended to by another writer) is loaded at open. */
  qb_expidx_map stored;
  bool loaded, have_bloom;
  qb_bloom bloom;
  char *bloom_path;
  char *named_bloom;     /* where the filter file the index's history names last is (used or not): deleted after
                            the next commit names a new one */
  char bloom_error[1024]; /* why a named filter was not used ("": used, or none named) */
  int64_t opened_at; /* the snapshot current at open (-1: none): what `bloom` and `stored` describe */
  /* per feature table: the snapshot id the index covers (-1: none; the index was never committed) */
  int64_t covers[QB_VQE_FEATURE_TABLES];
  /* per feature table: its table uuid when the index covered it ("": not recorded, an older qberg) */
  char covers_uuid[QB_VQE_FEATURE_TABLES][40];
  /* The key-set digests cannot be trusted: a feature table was replaced (dropped and created again) since
   * they were computed, so an experiment's digest counts rows the table no longer holds. Every stored
   * experiment a batch meets again is then compared row by row. Sticky: every later index commit keeps
   * it (qberg.keysets-untrusted). */
  bool keysets_untrusted;
  uint64_t entries_read; /* index rows read by this batch */
} qb_expidx;

/** Create the index table if missing, read the snapshots it covers and its Bloom filter (or its entries). */
int qb_expidx_open(qb_expidx *ix, qb_catalog *cat, qb_err *err);
/**
 * Whether `exp` was stored before this batch, and its key-set digest (0: unknown). Loads the entries
 * the first time the filter cannot rule the digest out.
 */
int qb_expidx_lookup(bool *found, uint64_t *keyset, qb_expidx *ix, uint64_t exp, qb_err *err);
/** Without loading: 1 stored, 0 not stored, -1 the filter cannot tell. */
int qb_expidx_stored(const qb_expidx *ix, uint64_t exp);
/**
 * Append the batch's entries (`added`) and record that the index now covers `covers` (the feature
 * tables' snapshot ids after the batch) of the tables `uuids` (NULL entries: not recorded), with a Bloom
 * filter of every entry written next to the index's data files and named in the same commit; a
 * `keysets_untrusted` index stays so. Nothing is committed when `added` is empty.
 */
int qb_expidx_commit(qb_expidx *ix, const qb_expidx_map *added, const int64_t covers[QB_VQE_FEATURE_TABLES],
                     const char *const uuids[QB_VQE_FEATURE_TABLES], const char *batch_id, int64_t timestamp_us,
                     qb_err *err);
/** NULL-safe on a zeroed struct. */
void qb_expidx_close(qb_expidx *ix);

#endif
