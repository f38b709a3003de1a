/* SPDX-License-Identifier: Apache-2.0 */
/* The data_file struct (spec "Manifests", "Data File Fields"): decoding from the manifest read schema,
 * encoding for Java's v2 write schema, partition values as Avro wants them, copies and equality. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "iceberg/manifest_int.h"

static const uint8_t empty_bytes[1];

/* A data file that owns its memory (qb_data_file_copy, qb_data_file_from_parquet). */
typedef struct owned_data_file {
  qb_data_file f; /* first: qb_data_file_free casts back */
  qb_arena arena;
} owned_data_file;

bool qb_counts_get(const qb_counts *c, int32_t field_id, int64_t *out)
{
  for (size_t i = 0; c->items && i < c->n; i++)
    if (c->items[i].field_id == field_id) {
      *out = c->items[i].value;
      return true;
    }
  return false;
}

bool qb_bounds_get(const qb_bounds *b, int32_t field_id, qb_slice *out)
{
  for (size_t i = 0; b->items && i < b->n; i++)
    if (b->items[i].field_id == field_id) {
      *out = b->items[i].value;
      return true;
    }
  return false;
}

/* ---- decoding (read schema) ---------------------------------------------------------------------------- */

static int need_string(const char **out, const qb_value *v, const char *name, qb_arena *a, qb_err *err)
{
  if (v->kind != QB_V_STRING && v->kind != QB_V_BYTES) return QB_FAIL(err, QB_ECORRUPT, "data_file.%s is missing", name);
  if (memchr(v->u.bytes.p, 0, v->u.bytes.n)) return QB_FAIL(err, QB_ECORRUPT, "data_file.%s contains a NUL byte", name);
  char *s = qb_arena_strndup(a, v->u.bytes.n ? (const char *)v->u.bytes.p : "", v->u.bytes.n);
  if (!s) return QB_FAIL(err, QB_ENOMEM, "out of memory copying data_file.%s", name);
  *out = s;
  return QB_OK;
}

static int opt_string(const char **out, const qb_value *v, const char *name, qb_arena *a, qb_err *err)
{
  *out = NULL;
  return v->kind == QB_V_NULL ? QB_OK : need_string(out, v, name, a, err);
}

static int need_long(int64_t *out, const qb_value *v, const char *name, qb_err *err)
{
  if (v->kind != QB_V_INT64 && v->kind != QB_V_INT32) return QB_FAIL(err, QB_ECORRUPT, "data_file.%s is missing", name);
  *out = qb_manifest__opt_i64(v);
  return QB_OK;
}

static int to_i32(int32_t *out, int64_t x, const char *what, qb_err *err)
{
  if (x < INT32_MIN || x > INT32_MAX) return QB_FAIL(err, QB_ECORRUPT, "%s %lld does not fit an int", what, (long long)x);
  *out = (int32_t)x;
  return QB_OK;
}

static int counts_from(qb_counts *out, const qb_value *v, const char *name, qb_arena *a, qb_err *err)
{
  out->n = 0;
  out->items = NULL;
  if (v->kind == QB_V_NULL) return QB_OK;
  if (v->kind != QB_V_MAP) return QB_FAIL(err, QB_ECORRUPT, "data_file.%s is not a map", name);
  qb_column_count *items = qb_ice__alloc(a, v->u.seq.n, sizeof *items, err);
  if (!items) return QB_ENOMEM;
  for (size_t i = 0; i < v->u.seq.n; i++) {
    const qb_value *k = &v->u.seq.items[2 * i], *x = &v->u.seq.items[2 * i + 1];
    if (k->kind != QB_V_INT64 || x->kind != QB_V_INT64)
      return QB_FAIL(err, QB_ECORRUPT, "data_file.%s[%zu] has a null key or value", name, i);
    int rc = to_i32(&items[i].field_id, k->u.i64, "field id", err);
    if (rc) return qb_err_wrap(err, "data_file.%s[%zu]", name, i);
    items[i].value = x->u.i64;
  }
  out->n = v->u.seq.n;
  out->items = items;
  return QB_OK;
}

static int bounds_from(qb_bounds *out, const qb_value *v, const char *name, qb_arena *a, qb_err *err)
{
  out->n = 0;
  out->items = NULL;
  if (v->kind == QB_V_NULL) return QB_OK;
  if (v->kind != QB_V_MAP) return QB_FAIL(err, QB_ECORRUPT, "data_file.%s is not a map", name);
  qb_column_bound *items = qb_ice__alloc(a, v->u.seq.n, sizeof *items, err);
  if (!items) return QB_ENOMEM;
  for (size_t i = 0; i < v->u.seq.n; i++) {
    const qb_value *k = &v->u.seq.items[2 * i], *x = &v->u.seq.items[2 * i + 1];
    if (k->kind != QB_V_INT64 || x->kind != QB_V_BYTES)
      return QB_FAIL(err, QB_ECORRUPT, "data_file.%s[%zu] has a null key or value", name, i);
    int rc = to_i32(&items[i].field_id, k->u.i64, "field id", err);
    if (rc) return qb_err_wrap(err, "data_file.%s[%zu]", name, i);
    items[i].value.p = x->u.bytes.n ? x->u.bytes.p : empty_bytes;
    items[i].value.n = x->u.bytes.n;
  }
  out->n = v->u.seq.n;
  out->items = items;
  return QB_OK;
}

static int longs_from(const int64_t **out, size_t *n, const qb_value *v, const char *name, qb_arena *a, qb_err *err)
{
  *out = NULL;
  *n = 0;
  if (v->kind == QB_V_NULL) return QB_OK;
  if (v->kind != QB_V_LIST) return QB_FAIL(err, QB_ECORRUPT, "data_file.%s is not an array", name);
  int64_t *xs = qb_ice__alloc(a, v->u.seq.n, sizeof *xs, err);
  if (!xs) return QB_ENOMEM;
  for (size_t i = 0; i < v->u.seq.n; i++) {
    if (v->u.seq.items[i].kind != QB_V_INT64) return QB_FAIL(err, QB_ECORRUPT, "data_file.%s[%zu] is null", name, i);
    xs[i] = v->u.seq.items[i].u.i64;
  }
  *out = xs;
  *n = v->u.seq.n;
  return QB_OK;
}

int qb_data_file__from_value(qb_data_file *out, const qb_value *v, qb_arena *a, qb_err *err)
{
  memset(out, 0, sizeof *out);
  if (v->kind != QB_V_STRUCT || v->u.seq.n != QB_DF_N) return QB_FAIL(err, QB_ECORRUPT, "data_file is missing");
  const qb_value *x = v->u.seq.items;
  int64_t content = x[QB_DF_CONTENT].kind == QB_V_NULL ? 0 : qb_manifest__opt_i64(&x[QB_DF_CONTENT]);
  if (content < 0 || content > 2)
    return QB_FAIL(err, QB_ECORRUPT, "data_file.content %lld is not 0, 1 or 2", (long long)content);
  out->content = (qb_file_content)content;
  int rc = need_string(&out->file_path, &x[QB_DF_FILE_PATH], "file_path", a, err);
  /* an empty path names no file: reading it failed with ": open: No such file or directory", naming
   * neither the manifest nor the entry */
  if (!rc && !*out->file_path) rc = QB_FAIL(err, QB_ECORRUPT, "data_file.file_path is empty");
  if (!rc) rc = need_string(&out->file_format, &x[QB_DF_FILE_FORMAT], "file_format", a, err);
  if (rc) return rc;
  out->partition = x[QB_DF_PARTITION];
  if (out->partition.kind == QB_V_NULL) { /* a writer without a partition field: unpartitioned */
    out->partition.kind = QB_V_STRUCT;
    out->partition.u.seq.items = NULL;
    out->partition.u.seq.n = 0;
  }
  if (out->partition.kind != QB_V_STRUCT) return QB_FAIL(err, QB_ECORRUPT, "data_file.partition is not a record");
  if ((rc = need_long(&out->record_count, &x[QB_DF_RECORD_COUNT], "record_count", err)) ||
      (rc = need_long(&out->file_size_in_bytes, &x[QB_DF_FILE_SIZE], "file_size_in_bytes", err)) ||
      (rc = counts_from(&out->column_sizes, &x[QB_DF_COLUMN_SIZES], "column_sizes", a, err)) ||
      (rc = counts_from(&out->value_counts, &x[QB_DF_VALUE_COUNTS], "value_counts", a, err)) ||
      (rc = counts_from(&out->null_value_counts, &x[QB_DF_NULL_VALUE_COUNTS], "null_value_counts", a, err)) ||
      (rc = counts_from(&out->nan_value_counts, &x[QB_DF_NAN_VALUE_COUNTS], "nan_value_counts", a, err)) ||
      (rc = bounds_from(&out->lower_bounds, &x[QB_DF_LOWER_BOUNDS], "lower_bounds", a, err)) ||
      (rc = bounds_from(&out->upper_bounds, &x[QB_DF_UPPER_BOUNDS], "upper_bounds", a, err)) ||
      (rc = longs_from(&out->split_offsets, &out->n_split_offsets, &x[QB_DF_SPLIT_OFFSETS], "split_offsets", a,
                       err)))
    return rc;
  const int64_t *ids;
  size_t n_ids;
  if ((rc = longs_from(&ids, &n_ids, &x[QB_DF_EQUALITY_IDS], "equality_ids", a, err))) return rc;
  if (ids) {
    int32_t *eq = qb_ice__alloc(a, n_ids, sizeof *eq, err);
    if (!eq) return QB_ENOMEM;
    for (size_t i = 0; i < n_ids; i++)
      if ((rc = to_i32(&eq[i], ids[i], "data_file.equality_ids: field id", err))) return rc;
    out->equality_ids = eq;
    out->n_equality_ids = n_ids;
  }
  const qb_value *km = &x[QB_DF_KEY_METADATA];
  if (km->kind == QB_V_BYTES) {
    out->key_metadata.p = km->u.bytes.n ? km->u.bytes.p : empty_bytes;
    out->key_metadata.n = km->u.bytes.n;
  }
  out->sort_order_id = QB_UNASSIGNED;
  if (x[QB_DF_SORT_ORDER_ID].kind != QB_V_NULL &&
      (rc = to_i32(&out->sort_order_id, qb_manifest__opt_i64(&x[QB_DF_SORT_ORDER_ID]), "data_file.sort_order_id", err)))
    return rc;
  return opt_string(&out->referenced_data_file, &x[QB_DF_REFERENCED_DATA_FILE], "referenced_data_file", a, err);
}

/* ---- encoding (write schema) ------------------------------------------------------------------------------- */

static qb_value v_str(const char *s, qb_vkind kind)
{
  qb_value v = {.kind = s ? kind : QB_V_NULL};
  if (s) {
    v.u.bytes.p = (const uint8_t *)s;
    v.u.bytes.n = strlen(s);
  }
  return v;
}

static int counts_to(qb_value *out, const qb_counts *c, qb_arena *a, qb_err *err)
{
  *out = qb_value_null();
  if (!c->items) return QB_OK;
  qb_value *items = qb_ice__alloc(a, 2 * c->n, sizeof *items, err);
  if (!items) return QB_ENOMEM;
  for (size_t i = 0; i < c->n; i++) {
    items[2 * i] = qb_value_i32(c->items[i].field_id);
    items[2 * i + 1] = qb_value_i64(c->items[i].value);
  }
  out->kind = QB_V_MAP;
  out->u.seq.items = items;
  out->u.seq.n = c->n;
  return QB_OK;
}

static int bounds_to(qb_value *out, const qb_bounds *b, qb_arena *a, qb_err *err)
{
  *out = qb_value_null();
  if (!b->items) return QB_OK;
  qb_value *items = qb_ice__alloc(a, 2 * b->n, sizeof *items, err);
  if (!items) return QB_ENOMEM;
  for (size_t i = 0; i < b->n; i++) {
    items[2 * i] = qb_value_i32(b->items[i].field_id);
    items[2 * i + 1].kind = QB_V_BYTES;
    items[2 * i + 1].u.bytes.p = b->items[i].value.p;
    items[2 * i + 1].u.bytes.n = b->items[i].value.n;
  }
  out->kind = QB_V_MAP;
  out->u.seq.items = items;
  out->u.seq.n = b->n;
  return QB_OK;
}

static int bad_partition(const qb_type *t, const qb_value *in, qb_err *err)
{
  char tn[48];
  qb_type_to_string(tn, sizeof tn, t);
  return QB_FAIL(err, QB_EINVAL, "a value of kind %d does not fit partition type %s", (int)in->kind, tn);
}

int qb_manifest__partition_value(qb_value *out, uint8_t scratch[16], const qb_type *t, const qb_value *in,
                                 qb_err *err)
{
  *out = *in;
  if (in->kind == QB_V_NULL) return QB_OK;
  switch (t->id) {
  case QB_T_BOOLEAN: return in->kind == QB_V_BOOL ? QB_OK : bad_partition(t, in, err);
  case QB_T_INT:
  case QB_T_DATE:
    if (in->kind == QB_V_INT64 && in->u.i64 >= INT32_MIN && in->u.i64 <= INT32_MAX) *out = qb_value_i32((int32_t)in->u.i64);
    return out->kind == QB_V_INT32 ? QB_OK : bad_partition(t, in, err);
  case QB_T_LONG:
  case QB_T_TIME:
  case QB_T_TIMESTAMP:
  case QB_T_TIMESTAMPTZ:
    if (in->kind == QB_V_INT32) *out = qb_value_i64(in->u.i32);
    return out->kind == QB_V_INT64 ? QB_OK : bad_partition(t, in, err);
  case QB_T_FLOAT: return in->kind == QB_V_FLOAT ? QB_OK : bad_partition(t, in, err);
  case QB_T_DOUBLE:
    if (in->kind == QB_V_FLOAT) {
      out->kind = QB_V_DOUBLE;
      out->u.f64 = in->u.f32;
    }
    return out->kind == QB_V_DOUBLE ? QB_OK : bad_partition(t, in, err);
  case QB_T_STRING:
  case QB_T_BINARY:
    if (in->kind != QB_V_STRING && in->kind != QB_V_BYTES) return bad_partition(t, in, err);
    out->kind = t->id == QB_T_STRING ? QB_V_STRING : QB_V_BYTES;
    return QB_OK;
  case QB_T_UUID:
  case QB_T_FIXED:
    if (in->kind != QB_V_BYTES || in->u.bytes.n != (t->id == QB_T_UUID ? 16u : (size_t)t->length))
      return bad_partition(t, in, err);
    return QB_OK;
  case QB_T_DECIMAL: {
    qb_i128 d, limit = 1;
    if (!qb_ice__decimal_of(in, &d)) return bad_partition(t, in, err);
    for (int32_t i = 0; i < t->precision; i++) limit *= 10;
    if (d >= limit || d <= -limit)
      return QB_FAIL(err, QB_EINVAL, "decimal value does not fit precision %d", (int)t->precision);
    /* Java writes decimals as fixed(decimalRequiredBytes(P)), sign-extended big-endian */
    int32_t width = qb_manifest__decimal_width(t->precision);
    for (int32_t i = width - 1; i >= 0; i--) {
      scratch[i] = (uint8_t)(d & 0xff);
      d >>= 8;
    }
    out->kind = QB_V_BYTES;
    out->u.bytes.p = scratch;
    out->u.bytes.n = (size_t)width;
    return QB_OK;
  }
  default: return bad_partition(t, in, err);
  }
}

static int partition_to(qb_value *out, const qb_value *p, const qb_type *ptype, qb_arena *a, qb_err *err)
{
  size_t n = ptype ? ptype->n_fields : 0;
  size_t have = p->kind == QB_V_STRUCT ? p->u.seq.n : 0;
  if ((p->kind != QB_V_STRUCT && p->kind != QB_V_NULL) || have != n)
    return QB_FAIL(err, QB_EINVAL, "the partition tuple has %zu values, the spec %zu fields", have, n);
  qb_value *items = qb_ice__alloc(a, n, sizeof *items, err);
  uint8_t(*scratch)[16] = qb_ice__alloc(a, n, sizeof *scratch, err);
  if (!items || !scratch) return QB_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    int rc = qb_manifest__partition_value(&items[i], scratch[i], ptype->fields[i].type, &p->u.seq.items[i], err);
    if (rc) return qb_err_wrap(err, "partition field %s", ptype->fields[i].name);
  }
  out->kind = QB_V_STRUCT;
  out->u.seq.items = items;
  out->u.seq.n = n;
  return QB_OK;
}

int qb_data_file__to_value(qb_value *out, const qb_data_file *f, const qb_type *ptype, qb_arena *a, qb_err *err)
{
  if (!f->file_path || !f->file_format) return QB_FAIL(err, QB_EINVAL, "a data file needs a file_path and a file_format");
  if ((unsigned)f->content > QB_CONTENT_EQUALITY_DELETES)
    return QB_FAIL(err, QB_EINVAL, "data file content %d is not 0, 1 or 2", (int)f->content);
  if (f->record_count < 0 || f->file_size_in_bytes < 0)
    return QB_FAIL(err, QB_EINVAL, "%s: negative record count or file size", f->file_path);
  qb_value *x = qb_ice__alloc(a, QB_DF_N, sizeof *x, err);
  if (!x) return QB_ENOMEM;
  x[QB_DF_CONTENT] = qb_value_i32((int32_t)f->content);
  x[QB_DF_FILE_PATH] = v_str(f->file_path, QB_V_STRING);
  x[QB_DF_FILE_FORMAT] = v_str(f->file_format, QB_V_STRING);
  int rc = partition_to(&x[QB_DF_PARTITION], &f->partition, ptype, a, err);
  if (rc) return qb_err_wrap(err, "%s", f->file_path);
  x[QB_DF_RECORD_COUNT] = qb_value_i64(f->record_count);
  x[QB_DF_FILE_SIZE] = qb_value_i64(f->file_size_in_bytes);
  if ((rc = counts_to(&x[QB_DF_COLUMN_SIZES], &f->column_sizes, a, err)) ||
      (rc = counts_to(&x[QB_DF_VALUE_COUNTS], &f->value_counts, a, err)) ||
      (rc = counts_to(&x[QB_DF_NULL_VALUE_COUNTS], &f->null_value_counts, a, err)) ||
      (rc = counts_to(&x[QB_DF_NAN_VALUE_COUNTS], &f->nan_value_counts, a, err)) ||
      (rc = bounds_to(&x[QB_DF_LOWER_BOUNDS], &f->lower_bounds, a, err)) ||
      (rc = bounds_to(&x[QB_DF_UPPER_BOUNDS], &f->upper_bounds, a, err)))
    return rc;
  x[QB_DF_KEY_METADATA] = qb_value_null();
  if (f->key_metadata.p) {
    x[QB_DF_KEY_METADATA].kind = QB_V_BYTES;
    x[QB_DF_KEY_METADATA].u.bytes.p = f->key_metadata.p;
    x[QB_DF_KEY_METADATA].u.bytes.n = f->key_metadata.n;
  }
  x[QB_DF_SPLIT_OFFSETS] = qb_value_null();
  if (f->split_offsets) {
    qb_value *l = qb_ice__alloc(a, f->n_split_offsets, sizeof *l, err);
    if (!l) return QB_ENOMEM;
    for (size_t i = 0; i < f->n_split_offsets; i++) l[i] = qb_value_i64(f->split_offsets[i]);
    x[QB_DF_SPLIT_OFFSETS].kind = QB_V_LIST;
    x[QB_DF_SPLIT_OFFSETS].u.seq.items = l;
    x[QB_DF_SPLIT_OFFSETS].u.seq.n = f->n_split_offsets;
  }
  x[QB_DF_EQUALITY_IDS] = qb_value_null();
  if (f->equality_ids) {
    qb_value *l = qb_ice__alloc(a, f->n_equality_ids, sizeof *l, err);
    if (!l) return QB_ENOMEM;
    for (size_t i = 0; i < f->n_equality_ids; i++) l[i] = qb_value_i32(f->equality_ids[i]);
    x[QB_DF_EQUALITY_IDS].kind = QB_V_LIST;
    x[QB_DF_EQUALITY_IDS].u.seq.items = l;
    x[QB_DF_EQUALITY_IDS].u.seq.n = f->n_equality_ids;
  }
  x[QB_DF_SORT_ORDER_ID] = f->sort_order_id < 0 ? qb_value_null() : qb_value_i32(f->sort_order_id);
  x[QB_DF_REFERENCED_DATA_FILE] = v_str(f->referenced_data_file, QB_V_STRING);
  out->kind = QB_V_STRUCT;
  out->u.seq.items = x;
  out->u.seq.n = QB_DF_N;
  return QB_OK;
}

/* ---- copies ------------------------------------------------------------------------------------------------- */

static int copy_value(qb_value *out, const qb_value *v, qb_arena *a, int depth, qb_err *err)
{
  *out = *v;
  if (depth > QB_AVRO_MAX_DEPTH) return QB_FAIL(err, QB_EINVAL, "partition value nested too deeply");
  switch (v->kind) {
  case QB_V_BYTES:
  case QB_V_STRING:
    out->u.bytes.p = v->u.bytes.n ? qb_arena_memdup(a, v->u.bytes.p, v->u.bytes.n) : empty_bytes;
    return out->u.bytes.p ? QB_OK : QB_FAIL(err, QB_ENOMEM, "out of memory copying a value");
  case QB_V_STRUCT:
  case QB_V_LIST:
  case QB_V_MAP: {
    size_t n = v->kind == QB_V_MAP ? 2 * v->u.seq.n : v->u.seq.n;
    qb_value *items = qb_ice__alloc(a, n, sizeof *items, err);
    if (!items) return QB_ENOMEM;
    for (size_t i = 0; i < n; i++) {
      int rc = copy_value(&items[i], &v->u.seq.items[i], a, depth + 1, err);
      if (rc) return rc;
    }
    out->u.seq.items = items;
    return QB_OK;
  }
  default: return QB_OK;
  }
}

static int copy_counts(qb_counts *out, const qb_counts *c, qb_arena *a, qb_err *err)
{
  *out = *c;
  if (!c->items) return QB_OK;
  qb_column_count *items = qb_ice__alloc(a, c->n, sizeof *items, err);
  if (!items) return QB_ENOMEM;
  if (c->n) memcpy(items, c->items, c->n * sizeof *items);
  out->items = items;
  return QB_OK;
}

static int copy_bytes(qb_slice *out, qb_slice s, qb_arena *a, qb_err *err)
{
  *out = s;
  if (!s.p) return QB_OK;
  out->p = s.n ? qb_arena_memdup(a, s.p, s.n) : empty_bytes;
  return out->p ? QB_OK : QB_FAIL(err, QB_ENOMEM, "out of memory copying %zu bytes", s.n);
}

static int copy_bounds(qb_bounds *out, const qb_bounds *b, qb_arena *a, qb_err *err)
{
  *out = *b;
  if (!b->items) return QB_OK;
  qb_column_bound *items = qb_ice__alloc(a, b->n, sizeof *items, err);
  if (!items) return QB_ENOMEM;
  for (size_t i = 0; i < b->n; i++) {
    items[i].field_id = b->items[i].field_id;
    int rc = copy_bytes(&items[i].value, b->items[i].value, a, err);
    if (rc) return rc;
  }
  out->items = items;
  return QB_OK;
}

static const char *copy_str(qb_arena *a, const char *s, int *rc, qb_err *err)
{
  if (!s || *rc) return NULL;
  char *p = qb_ice__strdup(a, s, err);
  if (!p) *rc = QB_ENOMEM;
  return p;
}

int qb_data_file__copy_into(qb_data_file *out, const qb_data_file *src, qb_arena *a, qb_err *err)
{
  int rc = QB_OK;
  *out = *src;
  out->file_path = copy_str(a, src->file_path, &rc, err);
  out->file_format = copy_str(a, src->file_format, &rc, err);
  out->referenced_data_file = copy_str(a, src->referenced_data_file, &rc, err);
  if (rc || (rc = copy_value(&out->partition, &src->partition, a, 0, err)) ||
      (rc = copy_counts(&out->column_sizes, &src->column_sizes, a, err)) ||
      (rc = copy_counts(&out->value_counts, &src->value_counts, a, err)) ||
      (rc = copy_counts(&out->null_value_counts, &src->null_value_counts, a, err)) ||
      (rc = copy_counts(&out->nan_value_counts, &src->nan_value_counts, a, err)) ||
      (rc = copy_bounds(&out->lower_bounds, &src->lower_bounds, a, err)) ||
      (rc = copy_bounds(&out->upper_bounds, &src->upper_bounds, a, err)) ||
      (rc = copy_bytes(&out->key_metadata, src->key_metadata, a, err)))
    return rc;
  if (src->split_offsets) {
    int64_t *xs = qb_ice__alloc(a, src->n_split_offsets, sizeof *xs, err);
    if (!xs) return QB_ENOMEM;
    if (src->n_split_offsets) memcpy(xs, src->split_offsets, src->n_split_offsets * sizeof *xs);
    out->split_offsets = xs;
  }
  if (src->equality_ids) {
    int32_t *xs = qb_ice__alloc(a, src->n_equality_ids, sizeof *xs, err);
    if (!xs) return QB_ENOMEM;
    if (src->n_equality_ids) memcpy(xs, src->equality_ids, src->n_equality_ids * sizeof *xs);
    out->equality_ids = xs;
  }
  return QB_OK;
}

/* ---- the size of a copy: what qb_data_file__copy_into takes from an arena (blocks rounded as qb_arena_alloc
 * rounds them), so that a data file held until a commit (every file a write, a compaction or a delete index
 * keeps) costs its contents, not a 4 KiB chunk each (20,000 appended files took 180 MB). ---------------------- */

static size_t block(size_t n) { return ((n ? n : 1) + 15) & ~(size_t)15; }

static size_t value_size(const qb_value *v, int depth)
{
  if (depth > QB_AVRO_MAX_DEPTH) return 0;
  switch (v->kind) {
  case QB_V_BYTES:
  case QB_V_STRING: return v->u.bytes.n ? block(v->u.bytes.n) : 0;
  case QB_V_STRUCT:
  case QB_V_LIST:
  case QB_V_MAP: {
    size_t n = v->kind == QB_V_MAP ? 2 * v->u.seq.n : v->u.seq.n, sz = block((n ? n : 1) * sizeof(qb_value));
    for (size_t i = 0; i < n; i++) sz += value_size(&v->u.seq.items[i], depth + 1);
    return sz;
  }
  default: return 0;
  }
}

static size_t counts_size(const qb_counts *c)
{
  return c->items ? block((c->n ? c->n : 1) * sizeof(qb_column_count)) : 0;
}

static size_t bounds_size(const qb_bounds *b)
{
  if (!b->items) return 0;
  size_t sz = block((b->n ? b->n : 1) * sizeof(qb_column_bound));
  for (size_t i = 0; i < b->n; i++)
    if (b->items[i].value.p && b->items[i].value.n) sz += block(b->items[i].value.n);
  return sz;
}

size_t qb_data_file__copy_size(const qb_data_file *f)
{
  size_t sz = value_size(&f->partition, 0) + counts_size(&f->column_sizes) + counts_size(&f->value_counts) +
              counts_size(&f->null_value_counts) + counts_size(&f->nan_value_counts) + bounds_size(&f->lower_bounds) +
              bounds_size(&f->upper_bounds);
  const char *strs[] = {f->file_path, f->file_format, f->referenced_data_file};
  for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
    if (strs[i]) sz += block(strlen(strs[i]) + 1);
  if (f->key_metadata.p && f->key_metadata.n) sz += block(f->key_metadata.n);
  if (f->split_offsets) sz += block((f->n_split_offsets ? f->n_split_offsets : 1) * sizeof(int64_t));
  if (f->equality_ids) sz += block((f->n_equality_ids ? f->n_equality_ids : 1) * sizeof(int32_t));
  return sz;
}

size_t qb_data_file__held_bytes(const qb_data_file *f)
{
  return qb_arena_reserved_bytes(&((const owned_data_file *)f)->arena);
}

int qb_data_file__new_owned(qb_data_file **out, qb_arena **arena, size_t chunk_size, qb_err *err)
{
  owned_data_file *o = calloc(1, sizeof *o);
  if (!o) return QB_FAIL(err, QB_ENOMEM, "out of memory allocating a data file");
  qb_arena_init(&o->arena, chunk_size ? chunk_size : 4096);
  o->f.sort_order_id = QB_UNASSIGNED;
  *out = &o->f;
  *arena = &o->arena;
  return QB_OK;
}

int qb_data_file_copy(qb_data_file **out, const qb_data_file *src, qb_err *err)
{
  qb_arena *a = NULL;
  qb_data_file *f = NULL;
  *out = NULL;
  int rc = qb_data_file__new_owned(&f, &a, qb_data_file__copy_size(src), err);
  if (rc) return rc;
  if ((rc = qb_data_file__copy_into(f, src, a, err))) {
    qb_data_file_free(f);
    return rc;
  }
  *out = f;
  return QB_OK;
}

void qb_data_file_free(qb_data_file *f)
{
  if (!f) return;
  owned_data_file *o = (owned_data_file *)f;
  qb_arena_release(&o->arena);
  free(o);
}

/* ---- equality ------------------------------------------------------------------------------------------------ */

static bool str_eq(const char *a, const char *b) { return (!a && !b) || (a && b && !strcmp(a, b)); }

static bool slice_eq(qb_slice a, qb_slice b)
{
  if (!a.p || !b.p) return !a.p && !b.p;
  return a.n == b.n && (!a.n || !memcmp(a.p, b.p, a.n));
}

static bool counts_eq(const qb_counts *a, const qb_counts *b)
{
  if (!a->items || !b->items) return !a->items && !b->items;
  if (a->n != b->n) return false;
  for (size_t i = 0; i < a->n; i++) /* field by field: the struct has padding */
    if (a->items[i].field_id != b->items[i].field_id || a->items[i].value != b->items[i].value) return false;
  return true;
}

static bool bounds_eq(const qb_bounds *a, const qb_bounds *b)
{
  if (!a->items || !b->items) return !a->items && !b->items;
  if (a->n != b->n) return false;
  for (size_t i = 0; i < a->n; i++)
    if (a->items[i].field_id != b->items[i].field_id || !slice_eq(a->items[i].value, b->items[i].value)) return false;
  return true;
}

bool qb_data_file_equal(const qb_data_file *a, const qb_data_file *b)
{
  if (a->content != b->content || !str_eq(a->file_path, b->file_path) || !str_eq(a->file_format, b->file_format) ||
      !qb_value_equal(&a->partition, &b->partition) || a->record_count != b->record_count ||
      a->file_size_in_bytes != b->file_size_in_bytes || !counts_eq(&a->column_sizes, &b->column_sizes) ||
      !counts_eq(&a->value_counts, &b->value_counts) || !counts_eq(&a->null_value_counts, &b->null_value_counts) ||
      !counts_eq(&a->nan_value_counts, &b->nan_value_counts) || !bounds_eq(&a->lower_bounds, &b->lower_bounds) ||
      !bounds_eq(&a->upper_bounds, &b->upper_bounds) || !slice_eq(a->key_metadata, b->key_metadata) ||
      a->sort_order_id != b->sort_order_id || !str_eq(a->referenced_data_file, b->referenced_data_file))
    return false;
  if (!a->split_offsets != !b->split_offsets || a->n_split_offsets != b->n_split_offsets ||
      (a->n_split_offsets && memcmp(a->split_offsets, b->split_offsets, a->n_split_offsets * sizeof(int64_t))))
    return false;
  if (!a->equality_ids != !b->equality_ids || a->n_equality_ids != b->n_equality_ids ||
      (a->n_equality_ids && memcmp(a->equality_ids, b->equality_ids, a->n_equality_ids * sizeof(int32_t))))
    return false;
  return true;
}
