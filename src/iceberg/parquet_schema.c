/* SPDX-License-Identifier: Apache-2.0 */
/* The Parquet schema of an Iceberg schema (spec Appendix A "Parquet"; Java TypeToMessageType): field ids
 * on every field, 3-level lists and maps, decimals by precision, timestamps in microseconds with
 * isAdjustedToUTC for timestamptz, the message named "table". */
#include "iceberg/data_writer_int.h"
#include "iceberg/manifest_int.h"

static int add_field(qb_pq_schema *s, qb_pq_node *parent, const char *name, bool required, int32_t id,
                     const qb_type *t, int depth, qb_err *err);

static int add_primitive(qb_pq_schema *s, qb_pq_node *parent, const char *name, qb_pq_repetition rep, int32_t id,
                         const qb_type *t, qb_err *err)
{
  qb_pq_type pt;
  int32_t len = 0;
  qb_pq_logical_type lt = QB_PQ_LOGICAL_NONE;
  switch (t->id) {
  case QB_T_BOOLEAN: pt = QB_PQ_BOOLEAN; break;
  case QB_T_INT: pt = QB_PQ_INT32; break;
  case QB_T_LONG: pt = QB_PQ_INT64; break;
  case QB_T_FLOAT: pt = QB_PQ_FLOAT; break;
  case QB_T_DOUBLE: pt = QB_PQ_DOUBLE; break;
  case QB_T_DECIMAL:
    lt = QB_PQ_LOGICAL_DECIMAL(t->precision, t->scale);
    if (t->precision <= 9) pt = QB_PQ_INT32;
    else if (t->precision <= 18) pt = QB_PQ_INT64;
    else pt = QB_PQ_FIXED_LEN_BYTE_ARRAY, len = qb_manifest__decimal_width(t->precision);
    break;
  case QB_T_DATE:
    pt = QB_PQ_INT32;
    lt = QB_PQ_LOGICAL(QB_PQ_LT_DATE);
    break;
  case QB_T_TIME:
    pt = QB_PQ_INT64;
    lt = QB_PQ_LOGICAL_TIME(false, QB_PQ_MICROS);
    break;
  case QB_T_TIMESTAMP:
  case QB_T_TIMESTAMPTZ:
    pt = QB_PQ_INT64;
    lt = QB_PQ_LOGICAL_TIMESTAMP(t->id == QB_T_TIMESTAMPTZ, QB_PQ_MICROS);
    break;
  case QB_T_STRING:
    pt = QB_PQ_BYTE_ARRAY;
    lt = QB_PQ_LOGICAL(QB_PQ_LT_STRING);
    break;
  case QB_T_UUID:
    pt = QB_PQ_FIXED_LEN_BYTE_ARRAY;
    len = 16;
    lt = QB_PQ_LOGICAL(QB_PQ_LT_UUID);
    break;
  case QB_T_FIXED:
    pt = QB_PQ_FIXED_LEN_BYTE_ARRAY;
    len = t->length;
    break;
  case QB_T_BINARY: pt = QB_PQ_BYTE_ARRAY; break;
  default: return QB_FAIL(err, QB_EINTERNAL, "type %d is not primitive", (int)t->id);
  }
  return qb_pq_schema_add_primitive(NULL, s, parent, name, rep, pt, len, &lt, id, err);
}

static int add_field(qb_pq_schema *s, qb_pq_node *parent, const char *name, bool required, int32_t id,
                     const qb_type *t, int depth, qb_err *err)
{
  if (depth > QB_PQ_MAX_SCHEMA_DEPTH) return QB_FAIL(err, QB_ELIMIT, "schema nested too deeply");
  qb_pq_repetition rep = required ? QB_PQ_REQUIRED : QB_PQ_OPTIONAL;
  qb_pq_node *n;
  int rc;
  switch (t->id) {
  case QB_T_STRUCT:
    if ((rc = qb_pq_schema_add_group(&n, s, parent, name, rep, id, err))) return rc;
    for (size_t i = 0; i < t->n_fields; i++) {
      const qb_field *f = &t->fields[i];
      if ((rc = add_field(s, n, f->name, f->required, f->id, f->type, depth + 1, err))) return rc;
    }
    return QB_OK;
  case QB_T_LIST:
    if ((rc = qb_pq_schema_add_list(&n, NULL, s, parent, name, rep, id, err))) return rc;
    return add_field(s, n, "element", t->element_required, t->element_id, t->element, depth + 1, err);
  case QB_T_MAP:
    if ((rc = qb_pq_schema_add_map(&n, NULL, s, parent, name, rep, id, err))) return rc;
    if ((rc = add_field(s, n, "key", true, t->key_id, t->key, depth + 1, err))) return rc;
    return add_field(s, n, "value", t->value_required, t->value_id, t->value, depth + 1, err);
  default: return add_primitive(s, parent, name, rep, id, t, err);
  }
}

int qb_data_writer__parquet_schema(qb_pq_schema **out, const qb_schema *schema, qb_err *err)
{
  qb_pq_schema *s;
  int rc = qb_pq_schema_new(&s, "table", err);
  if (rc) return rc;
  const qb_type *st = qb_schema_struct(schema);
  if (st->n_fields == 0) rc = QB_FAIL(err, QB_EINVAL, "a schema without columns cannot be written to Parquet");
  for (size_t i = 0; rc == QB_OK && i < st->n_fields; i++) {
    const qb_field *f = &st->fields[i];
    rc = add_field(s, qb_pq_schema_root(s), f->name, f->required, f->id, f->type, 1, err);
    if (rc) qb_err_wrap(err, "column %s", f->name);
  }
  if (rc == QB_OK) rc = qb_pq_schema_finish(s, err);
  if (rc) {
    qb_pq_schema_free(s);
    return rc;
  }
  *out = s;
  return QB_OK;
}
