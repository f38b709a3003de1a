/* SPDX-License-Identifier: Apache-2.0 */
/* The table layer's public entry points on a catalog table handle: scans, data writers, transactions and
 * schema/spec/ref changes. The work is done in src/iceberg/ on a qb_tbl (metadata + FileIO + directory);
 * commits go through the catalog's commit loop (commit.c) with the table layer's rebase callbacks. */
#include "catalog/catalog_int.h"
#include <string.h>

#include "iceberg/data_writer_int.h"
#include "iceberg/evolve_int.h"
#include "iceberg/scan_int.h"
#include "iceberg/txn_int.h"

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

/* ---- data writers ---- */

int qb_data_writer_open(qb_data_writer **out, qb_table *t, const qb_data_writer_options *opts, qb_err *err)
{
  *out = NULL;
  qb_tbl v;
  int rc = view(&v, t, err);
  if (rc) return rc;
  int32_t spec_id = opts ? opts->spec_id : -1;
  const qb_partition_spec *spec =
      spec_id < 0 ? qb_table_metadata_default_spec(v.md) : qb_table_metadata_spec_by_id(v.md, spec_id);
  if (!spec) return QB_FAIL(err, QB_EINVAL, "table %s has no partition spec %d", t->name, (int)spec_id);
  return qb_data_writer__open(out, &v, qb_table_metadata_current_schema(v.md), spec, opts, err);
}

/* ---- transactions ---- */

int qb_txn_begin(qb_txn **out, qb_table *t, qb_txn_op op, const qb_txn_options *opts, qb_err *err)
{
  *out = NULL;
  qb_tbl v;
  int rc = view(&v, t, err);
  return rc ? rc : qb_txn__begin(out, t, &v, op, opts, err);
}

static int txn_update(void *ctx, const qb_commit_base *base, qb_metadata_builder *b, qb_err *err)
{
  qb_txn *txn = ctx;
  qb_table *t = qb_txn__table(txn);
  if (!base->metadata) return QB_FAIL(err, QB_EINTERNAL, "a transaction needs an existing table");
  qb_tbl v = {t->cat->io, base->metadata, base->table_location, t->name};
  return qb_txn__apply(txn, &v, base->attempt, b, err);
}

int qb_txn_commit(qb_txn *txn, qb_txn_result *out, qb_err *err)
{
  if (out) memset(out, 0, sizeof *out);
  qb_commit_info info = {0};
  int rc = qb_txn__prepare(txn, err);
  if (rc == QB_OK) rc = qb_table_commit_update(qb_txn__table(txn), txn_update, txn, &info, err);
  qb_txn__finish(txn, rc, out);
  if (out && rc == QB_OK) {
    out->version = info.version;
    out->attempts = info.attempts;
  }
  qb_txn__free(txn);
  return rc;
}

int qb_table_append_stream(qb_table *t, qb_row_source_fn next, void *ctx, const char *tag, qb_txn_result *out,
                           qb_err *err)
{
  qb_txn *txn;
  int rc = qb_txn_begin(&txn, t, QB_TXN_APPEND, NULL, err);
  if (rc) return rc;
  for (;;) {
    const qb_value *row;
    if ((rc = next(ctx, &row, err)) || !row) break;
    if ((rc = qb_txn_write(txn, row, err))) break;
  }
  if (rc == QB_OK && tag) rc = qb_txn_tag(txn, tag, -1, err);
  if (rc) {
    qb_txn_abort(txn);
    return rc;
  }
  return qb_txn_commit(txn, out, err);
}

typedef struct array_source {
  const qb_value *rows;
  size_t n, i;
} array_source;

static int next_of_array(void *ctx, const qb_value **row, qb_err *err)
{
  (void)err;
  array_source *a = ctx;
  *row = a->i < a->n ? &a->rows[a->i++] : NULL;
  return QB_OK;
}

int qb_table_append_rows(qb_table *t, const qb_value *rows, size_t n, const char *tag, qb_txn_result *out,
                         qb_err *err)
{
  array_source a = {rows, n, 0};
  return qb_table_append_stream(t, next_of_array, &a, tag, out, err);
}

/* ---- schema and partition spec evolution ---- */

int qb_schema_change_begin(qb_schema_change **out, qb_table *t, qb_err *err)
{
  *out = NULL;
  const qb_table_metadata *md;
  int rc = qb_table_get_metadata(&md, t, err);
  return rc ? rc : qb_schema_change__new(out, t, md, err);
}

static int schema_update(void *ctx, const qb_commit_base *base, qb_metadata_builder *b, qb_err *err)
{
  return qb_schema_change__apply(ctx, base->metadata, b, err);
}

int qb_schema_change_commit(qb_schema_change *c, qb_commit_info *info, qb_err *err)
{
  int rc = qb_table_commit_update(qb_schema_change__table(c), schema_update, c, info, err);
  qb_schema_change__free(c);
  return rc;
}

int qb_spec_change_begin(qb_spec_change **out, qb_table *t, qb_err *err)
{
  *out = NULL;
  const qb_table_metadata *md;
  int rc = qb_table_get_metadata(&md, t, err);
  return rc ? rc : qb_spec_change__new(out, t, md, err);
}

static int spec_update(void *ctx, const qb_commit_base *base, qb_metadata_builder *b, qb_err *err)
{
  return qb_spec_change__apply(ctx, base->metadata, b, err);
}

int qb_spec_change_commit(qb_spec_change *c, qb_commit_info *info, qb_err *err)
{
  int rc = qb_table_commit_update(qb_spec_change__table(c), spec_update, c, info, err);
  qb_spec_change__free(c);
  return rc;
}

/* ---- refs ---- */

typedef struct ref_change {
  const qb_ref *ref;
  bool replace;
  const char *remove;
} ref_change;

static int ref_update(void *ctx, const qb_commit_base *base, qb_metadata_builder *b, qb_err *err)
{
  const ref_change *r = ctx;
  return r->remove ? qb_refs__remove(r->remove, base->metadata, b, err)
                   : qb_refs__set(r->ref, r->replace, base->metadata, b, err);
}

int qb_table_set_ref(qb_table *t, const qb_ref *ref, bool replace, qb_commit_info *info, qb_err *err)
{
  ref_change r = {ref, replace, NULL};
  return qb_table_commit_update(t, ref_update, &r, info, err);
}

int qb_table_remove_ref(qb_table *t, const char *name, qb_commit_info *info, qb_err *err)
{
  ref_change r = {NULL, false, name};
  return qb_table_commit_update(t, ref_update, &r, info, err);
}
