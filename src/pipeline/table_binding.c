/* SPDX-License-Identifier: Apache-2.0 */
/* The pipeline's tables bound by field id (see table_binding.h). */
#include "pipeline/table_binding.h"

#include <stdlib.h>
#include <string.h>

#include "iceberg/data_writer_int.h"
#include "qberg/scan.h"
#include "qberg/schema.h"
#include "qberg/table_metadata.h"

int qb_vqe__txn_begin(qb_txn **out, qb_table *table, qb_txn_op op, const qb_schema *schema, qb_err *err)
{
  *out = NULL;
  qb_txn *txn = NULL;
  int rc = qb_txn_begin(&txn, table, op, NULL, err);
  if (rc) return rc;
  if ((rc = qb_txn_set_write_schema(txn, schema, err)) != QB_OK) {
    qb_txn_abort(txn);
    const char *name = qb_table_name(table);
    /* the table named once: the data writer's errors name it already */
    if (err && name && strstr(err->msg, name)) return qb_err_wrap(err, "as the pipeline writes it");
    return qb_err_wrap(err, "table %s, as the pipeline writes it", name ? name : "?");
  }
  *out = txn;
  return QB_OK;
}

int qb_vqe__txn_begin_vqe(qb_txn **out, qb_table *table, qb_vqe_table t, qb_err *err)
{
  *out = NULL;
  qb_schema *schema = NULL;
  int rc = qb_vqe_table_schema(&schema, t, err);
  if (rc == QB_OK) rc = qb_vqe__txn_begin(out, table, QB_TXN_FAST_APPEND, schema, err);
  qb_schema_free(schema);
  return rc;
}

/* Whether the pipeline can write `table` in `schema`: a transaction begun with it and aborted. */
static int check_table(qb_table *table, const qb_schema *schema, qb_err *err)
{
  qb_txn *txn = NULL;
  int rc = qb_vqe__txn_begin(&txn, table, QB_TXN_FAST_APPEND, schema, err);
  qb_txn_abort(txn); /* nothing was written */
  return rc;
}

int qb_vqe__column_names(const char **out, qb_table *table, const qb_schema *schema, const char *const *names,
                         size_t n, qb_err *err)
{
  const qb_table_metadata *md = NULL;
  int rc = qb_table_get_metadata(&md, table, err);
  if (rc) return rc;
  const qb_schema *now = qb_table_metadata_current_schema(md);
  for (size_t i = 0; i < n; i++) {
    const qb_field *f = qb_schema_find_field_by_name(schema, names[i]);
    if (!f) return QB_FAIL(err, QB_EINTERNAL, "the pipeline's schema has no column %s", names[i]);
    const char *name = qb_schema_field_name(now, f->id);
    if (!name)
      return QB_FAIL(err, QB_EINVAL,
                     "table %s: column %s (field id %d), which the pipeline reads, was dropped from the table; "
                     "add it back (qberg alter %s add-column %s TYPE) for the pipeline to fill it again",
                     qb_table_name(table), names[i], (int)f->id, qb_table_name(table), names[i]);
    out[i] = name;
  }
  return QB_OK;
}

int qb_vqe__bind_schema(qb_schema **out, qb_table *table, const qb_schema *schema, bool writes, qb_err *err)
{
  *out = NULL;
  const qb_table_metadata *md = NULL;
  int rc = qb_table_get_metadata(&md, table, err);
  if (rc) return rc;
  const qb_schema *now = qb_table_metadata_current_schema(md);
  size_t n = qb_schema_n_fields(schema);
  const qb_field *f = qb_schema_fields(schema);
  qb_field *bound = malloc((n ? n : 1) * sizeof *bound);
  if (!bound) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  memcpy(bound, f, n * sizeof *bound);
  for (size_t i = 0; i < n; i++) {
    if (qb_schema_find_field(now, f[i].id)) continue;
    const qb_field *by_name = qb_schema_find_field_by_name(now, f[i].name);
    /* a top-level column of the same type whose id no column of the pipeline uses: the one re-added */
    bool top = false, taken = false;
    for (size_t k = 0; by_name && k < qb_schema_n_fields(now); k++) top |= &qb_schema_fields(now)[k] == by_name;
    for (size_t k = 0; top && k < n; k++) taken |= f[k].id == by_name->id;
    if (top && !taken && qb_data_writer__same_shape(by_name->type, f[i].type)) bound[i].id = by_name->id;
  }
  rc = qb_schema_new(out, qb_schema_id(schema), bound, n, NULL, 0, err);
  free(bound);
  if (rc == QB_OK && writes && (rc = check_table(table, *out, err)) != QB_OK) {
    qb_schema_free(*out);
    *out = NULL;
  }
  return rc;
}

static qb_value text_value(const char *s)
{
  return (qb_value){.kind = QB_V_STRING, .u.bytes = {(const uint8_t *)s, strlen(s)}};
}

int qb_vqe__audit_row_exists(bool *out, qb_table *meta, const qb_schema *schema, const char *batch,
                             const char *processing_name, qb_err *err)
{
  static const char *const cols[] = {"processing_batch_id", "processing_name"};
  const char *names[2];
  size_t n_cols = processing_name ? 2 : 1;
  *out = false;
  int rc = qb_vqe__column_names(names, meta, schema, cols, n_cols, err);
  qb_value values[2] = {text_value(batch), text_value(processing_name ? processing_name : "")};
  qb_expr *filter = NULL;
  for (size_t i = 0; rc == QB_OK && i < n_cols; i++) {
    qb_expr *p = NULL, *both = NULL;
    rc = qb_expr_predicate(&p, QB_EXPR_EQ, names[i], &values[i], 1, err);
    if (rc == QB_OK && filter) {
      rc = qb_expr_and(&both, filter, p, err); /* takes both */
      filter = NULL;
      p = both;
    }
    if (rc == QB_OK) filter = p;
  }
  qb_scan_options o = QB_SCAN_OPTIONS_INIT;
  o.columns = names;
  o.n_columns = 1;
  o.filter = filter;
  qb_scan *s = NULL;
  const qb_value *row = NULL;
  if (rc == QB_OK) rc = qb_scan_new(&s, meta, &o, err);
  if (rc == QB_OK) rc = qb_scan_next(&row, s, err);
  *out = rc == QB_OK && row;
  qb_scan_free(s);
  qb_expr_free(filter);
  return rc ? qb_err_wrap(err, "looking for batch id %s in %s.processing_metadata", batch, QB_VQE_NAMESPACE) : QB_OK;
}
