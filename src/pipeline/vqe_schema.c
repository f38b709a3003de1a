/* SPDX-License-Identifier: Apache-2.0 */
/* Iceberg schemas and partition specs of the feature tables, from their descriptions (vqe_tables.c), with
 * the field ids Iceberg gives a table Spark creates: TypeUtil.assignFreshIds numbers every field of a struct
 * before descending into any of them, so the columns are 1..n and list elements follow, depth first. */
#include <string.h>

#include "qberg/vqe.h"

#define MAX_COLUMNS 32
#define MAX_LISTS 16

typedef struct builder {
  qb_type lists[MAX_LISTS];
  int n_lists;
  int32_t next_id;
} builder;

static const qb_type *list_of(builder *b, const qb_type *element)
{
  qb_type *l = &b->lists[b->n_lists++];
  memset(l, 0, sizeof *l);
  l->id = QB_T_LIST;
  l->element_id = b->next_id++;
  l->element_required = false; /* Spark infers containsNull = true */
  l->element = element;
  return l;
}

/* Nested ids are handed out when the column's type is built, in column order, outer list first. */
static const qb_type *column_type(builder *b, qb_vqe_type t)
{
  switch (t) {
  case QB_VQE_T_STRING: return qb_type_primitive(QB_T_STRING);
  case QB_VQE_T_LONG: return qb_type_primitive(QB_T_LONG);
  case QB_VQE_T_INT: return qb_type_primitive(QB_T_INT);
  case QB_VQE_T_DOUBLE: return qb_type_primitive(QB_T_DOUBLE);
  case QB_VQE_T_BOOLEAN: return qb_type_primitive(QB_T_BOOLEAN);
  case QB_VQE_T_TIMESTAMPTZ: return qb_type_primitive(QB_T_TIMESTAMPTZ);
  case QB_VQE_T_DATE: return qb_type_primitive(QB_T_DATE);
  case QB_VQE_T_LIST_STRING: return list_of(b, qb_type_primitive(QB_T_STRING));
  case QB_VQE_T_LIST_LONG: return list_of(b, qb_type_primitive(QB_T_LONG));
  case QB_VQE_T_LIST_DOUBLE: return list_of(b, qb_type_primitive(QB_T_DOUBLE));
  case QB_VQE_T_LIST_LIST_DOUBLE: {
    qb_type *outer = &b->lists[b->n_lists++];
    memset(outer, 0, sizeof *outer);
    outer->id = QB_T_LIST;
    outer->element_id = b->next_id++;
    outer->element = list_of(b, qb_type_primitive(QB_T_DOUBLE));
    return outer;
  }
  }
  return NULL;
}

int qb_vqe_table_schema(qb_schema **out, qb_vqe_table t, qb_err *err)
{
  *out = NULL;
  const qb_vqe_table_desc *d = qb_vqe_table_describe(t);
  if (!d) return QB_FAIL(err, QB_EINVAL, "unknown VQE table %d", (int)t);
  if (d->n_columns > MAX_COLUMNS) return QB_FAIL(err, QB_EINTERNAL, "%s: too many columns", d->name);
  qb_field fields[MAX_COLUMNS];
  builder b = {.next_id = (int32_t)d->n_columns + 1};
  for (size_t i = 0; i < d->n_columns; i++) {
    memset(&fields[i], 0, sizeof fields[i]);
    fields[i].id = (int32_t)i + 1;
    fields[i].name = d->columns[i].name;
    fields[i].required = d->columns[i].required;
    fields[i].type = column_type(&b, d->columns[i].type);
    if (!fields[i].type || b.n_lists > MAX_LISTS - 2)
      return QB_FAIL(err, QB_EINTERNAL, "%s.%s: no Iceberg type", d->name, d->columns[i].name);
  }
  int rc = qb_schema_new(out, 0, fields, d->n_columns, NULL, 0, err);
  return rc ? qb_err_wrap(err, "schema of %s", d->name) : QB_OK;
}

int qb_vqe_table_partition_spec(qb_partition_spec *out, qb_partition_field fields[QB_VQE_MAX_PARTITION_FIELDS],
                                qb_vqe_table t, qb_err *err)
{
  const qb_vqe_table_desc *d = qb_vqe_table_describe(t);
  if (!d) return QB_FAIL(err, QB_EINVAL, "unknown VQE table %d", (int)t);
  if (d->n_partition_columns > QB_VQE_MAX_PARTITION_FIELDS)
    return QB_FAIL(err, QB_EINTERNAL, "%s: too many partition columns", d->name);
  for (size_t i = 0; i < d->n_partition_columns; i++) {
    memset(&fields[i], 0, sizeof fields[i]);
    fields[i].source_id = (int32_t)d->partition_columns[i] + 1;
    fields[i].field_id = QB_PARTITION_FIELD_ID_START + (int32_t)i;
    fields[i].name = d->columns[d->partition_columns[i]].name; /* identity: the column's own name */
    fields[i].transform.kind = QB_TR_IDENTITY;
  }
  out->spec_id = 0;
  out->n_fields = d->n_partition_columns;
  out->fields = fields;
  return QB_OK;
}
