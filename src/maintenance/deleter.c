/* SPDX-License-Identifier: Apache-2.0 */
/* Deleting the files maintenance found unneeded: in batches of 1,000 (one S3 DeleteObjects request), each
 * file reported to the caller; a batch that fails is retried one file at a time so that every failure is
 * named, and failures are counted, never fatal (Java's cleanup logs them and goes on). */
#include <stdlib.h>

#include "maintenance/maintenance_int.h"

void qb_maint__deleter_init(qb_maint_deleter *d, qb_fileio *io, bool dry_run, qb_maint_file_fn fn, void *ctx,
                            qb_maint_deletions *counts)
{
  d->io = io;
  d->dry_run = dry_run;
  d->fn = fn;
  d->ctx = ctx;
  d->counts = counts;
  d->n = 0;
}

static void count(qb_maint_deletions *c, qb_maint_file_kind kind)
{
  switch (kind) {
  case QB_MAINT_DATA: c->data_files++; break;
  case QB_MAINT_DELETES: c->delete_files++; break;
  case QB_MAINT_MANIFEST: c->manifests++; break;
  case QB_MAINT_MANIFEST_LIST: c->manifest_lists++; break;
  case QB_MAINT_STATISTICS: c->statistics++; break;
  case QB_MAINT_METADATA: c->metadata++; break;
  case QB_MAINT_ORPHAN: c->orphans++; break;
  case QB_MAINT_UPLOAD: break; /* counted in qb_orphan_report.uploads */
  }
}

static void done_one(qb_maint_deleter *d, size_t i, const qb_err *failure)
{
  if (failure) d->counts->failed++;
  else count(d->counts, d->kinds[i]);
  if (d->fn) d->fn(d->ctx, d->kinds[i], d->paths[i], failure);
}

void qb_maint__deleter_flush(qb_maint_deleter *d)
{
  if (!d->n) return;
  qb_err e = QB_ERR_INIT;
  if (d->dry_run || qb_fileio_delete_many(d->io, (const char *const *)d->paths, d->n, &e) == QB_OK) {
    for (size_t i = 0; i < d->n; i++) done_one(d, i, NULL);
  } else {
    for (size_t i = 0; i < d->n; i++) {
      qb_err_clear(&e);
      int rc = qb_fileio_delete(d->io, d->paths[i], &e);
      done_one(d, i, rc ? &e : NULL);
    }
  }
  for (size_t i = 0; i < d->n; i++) free(d->paths[i]);
  d->n = 0;
}

void qb_maint__delete(qb_maint_deleter *d, qb_maint_file_kind kind, char *path)
{
  d->paths[d->n] = path;
  d->kinds[d->n++] = kind;
  if (d->n == sizeof d->paths / sizeof d->paths[0]) qb_maint__deleter_flush(d);
}
