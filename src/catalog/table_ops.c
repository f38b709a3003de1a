/* SPDX-License-Identifier: Apache-2.0 */
/* The table layer's public entry points on a catalog table handle: scans, data writers, transactions and
 * schema/spec/ref changes. The work is done in src/iceberg/ on a qb_tbl (metadata + FileIO + directory);
 * commits go through the catalog's commit loop (commit.c) with the table layer's rebase callbacks. */
#include "catalog/catalog_int.h"
#include "iceberg/scan_int.h"

/* The table layer's view of a loaded handle (borrowed: valid until the next refresh or commit of t). */
static int view(qb_tbl *out, qb_table *t, qb_err *err)
{
  const qb_table_metadata *md;
  int rc = qb_table_get_metadata(&md, t, err);
  if (rc) return rc;
  *out = (qb_tbl){t->cat->io, md, t->root, t->name};
  return QB_OK;
}

int qb_scan_new(qb_scan **out, qb_table *t, const qb_scan_options *opts, qb_err *err)
{
  *out = NULL;
  qb_tbl v;
  int rc = view(&v, t, err);
  return rc ? rc : qb_scan__open(out, &v, opts, err);
}
