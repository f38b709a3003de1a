/* SPDX-License-Identifier: Apache-2.0 */
/* Sort orders (spec "Sorting", Appendix C "Sort Orders"): JSON in Java SortOrderParser's key order
 * (transform, source-id, direction, null-order) and validation against a schema. */
#include <string.h>
#include <strings.h>

#include "iceberg/iceberg_int.h"

int qb_sort_order__from_json(qb_sort_order *out, qb_arena *a, const json_object *o, qb_err *err)
{
  json_object *arr;
  if (!json_object_is_type(o, json_type_object))
    return QB_FAIL(err, QB_ECORRUPT, "cannot parse sort order from non-object: %s", qb_json_kind(o));
  int rc = qb_json_req_i32(&out->order_id, o, "order-id", err);
  if (!rc) rc = qb_json_req_array(&arr, o, "fields", err);
  if (rc) return rc;
  size_t n = json_object_array_length(arr);
  qb_sort_field *f = qb_ice__alloc(a, n, sizeof *f, err);
  if (!f) return QB_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    json_object *e = json_object_array_get_idx(arr, i);
    const char *tr, *dir, *nulls;
    if (!json_object_is_type(e, json_type_object))
      rc = QB_FAIL(err, QB_ECORRUPT, "cannot parse sort field, not an object: %s", qb_json_kind(e));
    if (!rc) rc = qb_json_req_str(&tr, e, "transform", err);
    if (!rc) rc = qb_json_req_i32(&f[i].source_id, e, "source-id", err);
    if (!rc) rc = qb_json_req_str(&dir, e, "direction", err);
    if (!rc) rc = qb_json_req_str(&nulls, e, "null-order", err);
    if (!rc) rc = qb_transform__parse_keep(&f[i].transform, a, tr, err);
    if (!rc) {
      /* Java SortDirection.fromString and toNullOrder are case-insensitive. */
      if (!strcasecmp(dir, "asc")) f[i].direction = QB_SORT_ASC;
      else if (!strcasecmp(dir, "desc")) f[i].direction = QB_SORT_DESC;
      else rc = QB_FAIL(err, QB_ECORRUPT, "invalid sort direction '%s'", dir);
    }
    if (!rc) {
      if (!strcasecmp(nulls, "nulls-first")) f[i].null_order = QB_NULLS_FIRST;
      else if (!strcasecmp(nulls, "nulls-last")) f[i].null_order = QB_NULLS_LAST;
      else rc = QB_FAIL(err, QB_ECORRUPT, "unexpected null order '%s'", nulls);
    }
    if (rc) return qb_err_wrap(err, "fields[%zu]", i);
  }
  out->n_fields = n;
  out->fields = f;
  return QB_OK;
}

void qb_sort_order__to_json(qb_jw *w, const qb_sort_order *order)
{
  char tr[64];
  qb_jw_begin_object(w);
  qb_jw_key(w, "order-id");
  qb_jw_i64(w, order->order_id);
  qb_jw_key(w, "fields");
  qb_jw_begin_array(w);
  for (size_t i = 0; i < order->n_fields; i++) {
    const qb_sort_field *f = &order->fields[i];
    qb_transform_to_string(tr, sizeof tr, &f->transform);
    qb_jw_begin_object(w);
    qb_jw_key(w, "transform");
    qb_jw_str(w, f->transform.kind == QB_TR_UNKNOWN ? f->transform.unknown : tr);
    qb_jw_key(w, "source-id");
    qb_jw_i64(w, f->source_id);
    qb_jw_key(w, "direction");
    qb_jw_str(w, f->direction == QB_SORT_DESC ? "desc" : "asc");
    qb_jw_key(w, "null-order");
    qb_jw_str(w, f->null_order == QB_NULLS_LAST ? "nulls-last" : "nulls-first");
    qb_jw_end_object(w);
  }
  qb_jw_end_array(w);
  qb_jw_end_object(w);
}

int qb_sort_order__copy(qb_sort_order *out, qb_arena *a, const qb_sort_order *src, qb_err *err)
{
  qb_sort_field *f = qb_ice__alloc(a, src->n_fields, sizeof *f, err);
  if (!f) return QB_ENOMEM;
  for (size_t i = 0; i < src->n_fields; i++) {
    f[i] = src->fields[i];
    if (f[i].transform.kind == QB_TR_UNKNOWN && f[i].transform.unknown &&
        !(f[i].transform.unknown = qb_ice__strdup(a, src->fields[i].transform.unknown, err)))
      return QB_ENOMEM;
  }
  out->order_id = src->order_id;
  out->n_fields = src->n_fields;
  out->fields = f;
  return QB_OK;
}

int qb_sort_order_validate(const qb_sort_order *order, const qb_schema *schema, qb_err *err)
{
  if (order->order_id == 0 && order->n_fields)
    return QB_FAIL(err, QB_EINVAL, "sort order id 0 is reserved for the unsorted order");
  for (size_t i = 0; i < order->n_fields; i++) {
    const qb_sort_field *f = &order->fields[i];
    const qb_field *src = qb_schema_find_field(schema, f->source_id);
    if (!src) return QB_FAIL(err, QB_EINVAL, "sort field %zu: cannot find source column %d", i, (int)f->source_id);
    if (f->direction != QB_SORT_ASC && f->direction != QB_SORT_DESC)
      return QB_FAIL(err, QB_EINVAL, "sort field %zu: invalid direction", i);
    if (f->null_order != QB_NULLS_FIRST && f->null_order != QB_NULLS_LAST)
      return QB_FAIL(err, QB_EINVAL, "sort field %zu: invalid null order", i);
    const qb_type *rt;
    if (qb_transform_result_type(&rt, &f->transform, src->type, err)) return qb_err_wrap(err, "sort field %zu", i);
  }
  return QB_OK;
}
