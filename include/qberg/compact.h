/* SPDX-License-Identifier: Apache-2.0 */
/* Data file compaction (Java RewriteDataFiles with the bin-pack strategy; spec "Snapshots", operation
 * "replace"): small files of each partition are rewritten, with their deletes applied, into files of the
 * target size, committed as one replace snapshot. See docs/COMPACTION.md. */
#ifndef QBERG_COMPACT_H
#define QBERG_COMPACT_H

#include "qberg/catalog.h"
#include "qberg/common.h"
#include "qberg/err.h"

typedef struct qb_compact_options {
  int64_t target_size_bytes;    /* 0: table property write.target-file-size-bytes, else 512 MiB */
  int32_t min_input_files;      /* 0: 5 */
  const char *partition_filter; /* NULL: all; same expression text as qberg scan --where */
  bool dry_run;                 /* plan only: the report says what would be rewritten, nothing is written */
} qb_compact_options;

typedef struct qb_compact_report {
  int64_t partitions;           /* partitions rewritten (or that would be, dry run) */
  int64_t files_in, files_out;  /* data files removed / written */
  int64_t bytes_in, bytes_out;  /* their sizes */
  int64_t delete_files_removed; /* delete files no longer needed, removed in the same snapshot */
  int64_t snapshot_id;          /* the replace snapshot; -1 when nothing was committed */
  int32_t retries;              /* times the rewrite was redone after a conflicting concurrent commit */
} qb_compact_report;

/**
 * Compact the main branch of `t`: per partition of the current spec (files of older specs are rewritten
 * into it), bin-pack data files smaller than 75% of the target (and files with deletes) into files of about
 * the target size, reading rows with position and equality deletes applied, and commit one "replace"
 * snapshot. Concurrent appends never conflict; when a concurrent commit removes or rewrites an input file
 * (or adds deletes for it) the compaction is redone from the new state a bounded number of times, then
 * QB_ECONFLICT with nothing visible (files written by a failed attempt are deleted; after
 * QB_ECOMMIT_UNKNOWN they are left, unreferenced or committed). Memory is bounded: rows stream from reader
 * to writer. `opts` may be NULL (defaults); `out` may be NULL. `t` is refreshed to the new version.
 * @return QB_OK (also when nothing needed compaction: snapshot_id -1), QB_EINVAL (bad filter),
 *         QB_ECONFLICT, QB_ECOMMIT_UNKNOWN, QB_EIO, QB_ECORRUPT, QB_ENOMEM
 */
QB_API int qb_compact(qb_table *t, const qb_compact_options *opts, qb_compact_report *out, qb_err *err) QB_WUR;

#endif
