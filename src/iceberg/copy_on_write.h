/* SPDX-License-Identifier: Apache-2.0 */
/* Copy-on-write deletes (copy_on_write.c): the plan of a delete or overwrite by row filter on one
 * snapshot (Java SparkCopyOnWriteOperation + OverwriteFiles / DeleteFiles with a row filter). */
#ifndef QB_ICEBERG_COPY_ON_WRITE_H
#define QB_ICEBERG_COPY_ON_WRITE_H

#include "iceberg/table_int.h"
#include "qberg/table.h"

/* What the plan found, handed to the transaction as it goes (each callback's pointers are borrowed for
 * the call). */
typedef struct qb_cow_sink {
  void *ctx;
  /* A file whose live rows were read: every one matches (remove) or none does (keep). */
  int (*decided)(void *ctx, const char *path, bool remove, qb_err *err);
  /* A file where some live rows match: it is replaced by the files of `w` (closed; rows that do not match)
   * of partition spec `spec_id`. */
  int (*rewritten)(void *ctx, const char *path, qb_data_writer *w, int32_t spec_id, qb_err *err);
} qb_cow_sink;

/* Plan a delete of the rows of `snap` that match `filter` (bound to the current schema of view->md):
 * every live data file that its partition and metrics say may hold a match, unless the filter reads only
 * identity partition columns of its spec (then the partition decides for the whole file), is read with the
 * delete files that apply to it, one file at a time, and rewritten when only some of its rows match. A row
 * where the filter is null does not match. */
int qb_cow__plan(const qb_tbl *view, const qb_snapshot *snap, const qb_expr *filter, const qb_cow_sink *sink,
                 qb_err *err);

#endif
