/* SPDX-License-Identifier: Apache-2.0 */
/* The snapshot producer (snapshot_producer.c): turns one transaction into manifests, a manifest list and a
 * snapshot on a given base version, re-validating on every attempt (Java SnapshotProducer,
 * MergingSnapshotProducer, FastAppend, MergeAppend, BaseOverwriteFiles, BaseReplacePartitions,
 * BaseRewriteFiles, BaseRowDelta, StreamingDelete). */
#ifndef QB_ICEBERG_PRODUCER_INT_H
#define QB_ICEBERG_PRODUCER_INT_H

#include "iceberg/table_int.h"
#include "qberg/table.h"

typedef struct qb_producer qb_producer;

typedef struct qb_producer_spec {
  qb_txn_op op;
  const char *branch;                /* NULL: main */
  const qb_data_file *const *added;  /* borrowed for the producer's life */
  const int32_t *added_spec_ids;     /* the spec of each added file */
  size_t n_added;
  const char *const *removed;        /* recorded paths */
  size_t n_removed;
  const qb_expr *filter;             /* remove files whose rows all match (NULL: none); files where only
                                        some do were rewritten before the commit (copy_on_write.c) */
  const qb_kv *extra;                /* extra summary entries */
  size_t n_extra;
  const char *tag;                   /* tag the new snapshot (NULL: none) */
  int64_t tag_max_ref_age_ms;
  int64_t start_snapshot_id;         /* head of the branch when the transaction began; -1: none */
  int64_t start_sequence_number;     /* its sequence number (rewrites keep it for the new files) */
  bool check_concurrent_adds;
  /* copy-on-write (copy_on_write.c) decided these files by reading their live rows: remove whole or keep */
  const char *const *decided;
  const bool *decided_remove;
  size_t n_decided;
  /* some of the removed files are rewritten (their other rows are among the added files): the commit is
   * an overwrite that validates like one (concurrent adds that may match the filter, concurrent deletes
   * for the removed files) */
  bool rewrites;
} qb_producer_spec;

/* Does the filter read only columns that `spec` partitions by identity? Then the partition tuple holds
 * every row's values and the projected filter is exact on it. */
bool qb_producer__identity_only(const qb_bexpr *f, const qb_partition_spec *spec);

int qb_producer__new(qb_producer **out, const qb_producer_spec *s, qb_err *err);
/* One commit attempt on `base` (base->md is the version being built on; base->root the table's directory):
 * validate, write what this attempt needs, add the snapshot and move the branch (and tag) in `b`. */
int qb_producer__apply(qb_producer *p, const qb_tbl *base, int attempt, qb_metadata_builder *b, qb_err *err);
/* After the commit: `rc` is its outcome. QB_OK deletes the files of lost attempts; other errors delete
 * everything the producer wrote, except QB_ECOMMIT_UNKNOWN, which deletes nothing. */
void qb_producer__finish(qb_producer *p, int rc);
void qb_producer__result(const qb_producer *p, qb_txn_result *out);
void qb_producer__free(qb_producer *p);

#endif
