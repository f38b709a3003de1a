/* SPDX-License-Identifier: Apache-2.0 */
/* Manifest entries and manifest list entries as JSON objects with the v2 Avro field names (the layout an
 * Avro dump of the file shows), for the CLI and for comparisons with other readers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/json/json.h"
#include "iceberg/manifest_int.h"
#include "util/str.h"

static void hex(qb_jw *w, const uint8_t *p, size_t n)
{
  char small[129], *s = n <= 64 ? small : malloc(2 * n + 1);
  if (!s) {
    w->rc = w->rc ? w->rc : QB_FAIL(w->err, QB_ENOMEM, "out of memory formatting bytes");
    return;
  }
  qb_hex_encode(s, p, n);
  qb_jw_begin_object(w);
  qb_jw_key(w, "$hex");
  qb_jw_str(w, s);
  qb_jw_end_object(w);
  if (s != small) free(s);
}

static void slice(qb_jw *w, qb_slice s)
{
  if (!s.p) qb_jw_null(w);
  else hex(w, s.p, s.n);
}

static void opt_i64(qb_jw *w, int64_t x)
{
  if (x == QB_UNASSIGNED) qb_jw_null(w);
  else qb_jw_i64(w, x);
}

/* The shortest text that reads back as the same double (JavaScript's Number#toString digits). */
static void number(qb_jw *w, double d, int max_digits, bool is_float)
{
  char buf[40];
  if (isnan(d) || isinf(d)) {
    qb_jw_str(w, isnan(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
    return;
  }
  for (int prec = 1; prec <= max_digits; prec++) {
    snprintf(buf, sizeof buf, "%.*g", prec, d);
    double back = strtod(buf, NULL);
    if (is_float ? (float)back == (float)d : back == d) break;
  }
  qb_jw_raw(w, buf);
}

static void value(qb_jw *w, const qb_value *v)
{
  switch (v->kind) {
  case QB_V_NULL: qb_jw_null(w); break;
  case QB_V_BOOL: qb_jw_bool(w, v->u.b); break;
  case QB_V_INT32: qb_jw_i64(w, v->u.i32); break;
  case QB_V_INT64: qb_jw_i64(w, v->u.i64); break;
  case QB_V_FLOAT: number(w, v->u.f32, 9, true); break;
  case QB_V_DOUBLE: number(w, v->u.f64, 17, false); break;
  case QB_V_STRING: qb_jw_strn(w, (const char *)v->u.bytes.p, v->u.bytes.n); break;
  case QB_V_BYTES: hex(w, v->u.bytes.p, v->u.bytes.n); break;
  default: qb_jw_null(w); break; /* partition values are primitive */
  }
}

static void counts(qb_jw *w, const char *key, const qb_counts *c)
{
  qb_jw_key(w, key);
  if (!c->items) {
    qb_jw_null(w);
    return;
  }
  qb_jw_begin_array(w);
  for (size_t i = 0; i < c->n; i++) {
    qb_jw_begin_object(w);
    qb_jw_key(w, "key");
    qb_jw_i64(w, c->items[i].field_id);
    qb_jw_key(w, "value");
    qb_jw_i64(w, c->items[i].value);
    qb_jw_end_object(w);
  }
  qb_jw_end_array(w);
}

static void bounds(qb_jw *w, const char *key, const qb_bounds *b)
{
  qb_jw_key(w, key);
  if (!b->items) {
    qb_jw_null(w);
    return;
  }
  qb_jw_begin_array(w);
  for (size_t i = 0; i < b->n; i++) {
    qb_jw_begin_object(w);
    qb_jw_key(w, "key");
    qb_jw_i64(w, b->items[i].field_id);
    qb_jw_key(w, "value");
    slice(w, b->items[i].value);
    qb_jw_end_object(w);
  }
  qb_jw_end_array(w);
}

static void data_file(qb_jw *w, const qb_data_file *f, const qb_type *ptype)
{
  qb_jw_begin_object(w);
  qb_jw_key(w, "content");
  qb_jw_i64(w, f->content);
  qb_jw_key(w, "file_path");
  qb_jw_str(w, f->file_path);
  qb_jw_key(w, "file_format");
  qb_jw_str(w, f->file_format);
  qb_jw_key(w, "partition");
  qb_jw_begin_object(w);
  size_t n = f->partition.kind == QB_V_STRUCT ? f->partition.u.seq.n : 0;
  for (size_t i = 0; i < n; i++) {
    char idx[24];
    snprintf(idx, sizeof idx, "%zu", i);
    qb_jw_key(w, ptype && i < ptype->n_fields ? ptype->fields[i].name : idx);
    value(w, &f->partition.u.seq.items[i]);
  }
  qb_jw_end_object(w);
  qb_jw_key(w, "record_count");
  qb_jw_i64(w, f->record_count);
  qb_jw_key(w, "file_size_in_bytes");
  qb_jw_i64(w, f->file_size_in_bytes);
  counts(w, "column_sizes", &f->column_sizes);
  counts(w, "value_counts", &f->value_counts);
  counts(w, "null_value_counts", &f->null_value_counts);
  counts(w, "nan_value_counts", &f->nan_value_counts);
  bounds(w, "lower_bounds", &f->lower_bounds);
  bounds(w, "upper_bounds", &f->upper_bounds);
  qb_jw_key(w, "key_metadata");
  slice(w, f->key_metadata);
  qb_jw_key(w, "split_offsets");
  if (!f->split_offsets) {
    qb_jw_null(w);
  } else {
    qb_jw_begin_array(w);
    for (size_t i = 0; i < f->n_split_offsets; i++) qb_jw_i64(w, f->split_offsets[i]);
    qb_jw_end_array(w);
  }
  qb_jw_key(w, "equality_ids");
  if (!f->equality_ids) {
    qb_jw_null(w);
  } else {
    qb_jw_begin_array(w);
    for (size_t i = 0; i < f->n_equality_ids; i++) qb_jw_i64(w, f->equality_ids[i]);
    qb_jw_end_array(w);
  }
  qb_jw_key(w, "sort_order_id");
  opt_i64(w, f->sort_order_id);
  qb_jw_key(w, "referenced_data_file");
  if (f->referenced_data_file) qb_jw_str(w, f->referenced_data_file);
  else qb_jw_null(w);
  qb_jw_end_object(w);
}

static int finish(char **out, size_t *out_n, qb_jw *w, qb_buf *b, qb_err *err)
{
  int rc = qb_jw_finish(w);
  if (!rc) rc = qb_buf_cstr(b, err);
  if (rc) {
    qb_buf_free(b);
    return rc;
  }
  *out = (char *)qb_buf_detach(b, out_n);
  return QB_OK;
}

int qb_manifest_entry_to_json(char **out, size_t *out_n, const qb_manifest_entry *e, const qb_type *partition_type,
                              qb_err *err)
{
  qb_buf b;
  qb_jw w;
  *out = NULL;
  qb_buf_init(&b, (size_t)256 << 20);
  qb_jw_init(&w, &b, false, err);
  qb_jw_begin_object(&w);
  qb_jw_key(&w, "status");
  qb_jw_i64(&w, e->status);
  qb_jw_key(&w, "snapshot_id");
  opt_i64(&w, e->snapshot_id);
  qb_jw_key(&w, "sequence_number");
  opt_i64(&w, e->sequence_number);
  qb_jw_key(&w, "file_sequence_number");
  opt_i64(&w, e->file_sequence_number);
  qb_jw_key(&w, "data_file");
  data_file(&w, &e->data_file, partition_type);
  qb_jw_end_object(&w);
  return finish(out, out_n, &w, &b, err);
}

int qb_manifest_file_to_json(char **out, size_t *out_n, const qb_manifest_file *m, qb_err *err)
{
  qb_buf b;
  qb_jw w;
  *out = NULL;
  qb_buf_init(&b, (size_t)16 << 20);
  qb_jw_init(&w, &b, false, err);
  qb_jw_begin_object(&w);
  qb_jw_key(&w, "manifest_path");
  qb_jw_str(&w, m->manifest_path);
  qb_jw_key(&w, "manifest_length");
  opt_i64(&w, m->manifest_length);
  qb_jw_key(&w, "partition_spec_id");
  qb_jw_i64(&w, m->partition_spec_id);
  qb_jw_key(&w, "content");
  qb_jw_i64(&w, m->content);
  qb_jw_key(&w, "sequence_number");
  opt_i64(&w, m->sequence_number);
  qb_jw_key(&w, "min_sequence_number");
  opt_i64(&w, m->min_sequence_number);
  qb_jw_key(&w, "added_snapshot_id");
  opt_i64(&w, m->added_snapshot_id);
  qb_jw_key(&w, "added_files_count");
  opt_i64(&w, m->added_files_count);
  qb_jw_key(&w, "existing_files_count");
  opt_i64(&w, m->existing_files_count);
  qb_jw_key(&w, "deleted_files_count");
  opt_i64(&w, m->deleted_files_count);
  qb_jw_key(&w, "added_rows_count");
  opt_i64(&w, m->added_rows_count);
  qb_jw_key(&w, "existing_rows_count");
  opt_i64(&w, m->existing_rows_count);
  qb_jw_key(&w, "deleted_rows_count");
  opt_i64(&w, m->deleted_rows_count);
  qb_jw_key(&w, "partitions");
  if (!m->partitions) {
    qb_jw_null(&w);
  } else {
    qb_jw_begin_array(&w);
    for (size_t i = 0; i < m->n_partitions; i++) {
      const qb_partition_field_summary *s = &m->partitions[i];
      qb_jw_begin_object(&w);
      qb_jw_key(&w, "contains_null");
      qb_jw_bool(&w, s->contains_null);
      qb_jw_key(&w, "contains_nan");
      if (s->contains_nan < 0) qb_jw_null(&w);
      else qb_jw_bool(&w, s->contains_nan != 0);
      qb_jw_key(&w, "lower_bound");
      slice(&w, s->lower_bound);
      qb_jw_key(&w, "upper_bound");
      slice(&w, s->upper_bound);
      qb_jw_end_object(&w);
    }
    qb_jw_end_array(&w);
  }
  qb_jw_key(&w, "key_metadata");
  slice(&w, m->key_metadata);
  qb_jw_end_object(&w);
  return finish(out, out_n, &w, &b, err);
}
