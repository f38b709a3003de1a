/* SPDX-License-Identifier: Apache-2.0 */
/* A feature-table row as one JSON object, for `qberg vqe rows` and debugging: doubles as Java prints them
 * (the text Spark would show), timestamps and dates as ISO-8601 text, non-finite doubles as strings. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "pipeline/spark_json.h"
#include "qberg/vqe.h"
#include "util/buf.h"

/* days since 1970-01-01 -> y-m-d (Howard Hinnant's civil_from_days) */
static void civil(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int value_json(qb_buf *b, qb_vqe_type type, const qb_value *v, qb_err *err)
{
  char tmp[64];
  int64_t y;
  unsigned mo, d;
  switch (v->kind) {
  case QB_V_NULL: return qb_buf_puts(b, "null", err);
  case QB_V_BOOL: return qb_spark_json_bool(b, v->u.b, err);
  case QB_V_INT32:
    if (type == QB_VQE_T_DATE) {
      civil(v->u.i32, &y, &mo, &d);
      return qb_buf_printf(b, err, "\"%04" PRId64 "-%02u-%02u\"", y, mo, d);
    }
    return qb_spark_json_long(b, v->u.i32, err);
  case QB_V_INT64:
    if (type == QB_VQE_T_TIMESTAMPTZ) {
      int64_t us = v->u.i64, days = us / INT64_C(86400000000), rem = us % INT64_C(86400000000);
      if (rem < 0) {
        rem += INT64_C(86400000000);
        days--;
      }
      civil(days, &y, &mo, &d);
      int64_t s = rem / 1000000;
      snprintf(tmp, sizeof tmp, "%02d:%02d:%02d.%06d", (int)(s / 3600), (int)(s / 60 % 60), (int)(s % 60),
               (int)(rem % 1000000));
      return qb_buf_printf(b, err, "\"%04" PRId64 "-%02u-%02uT%sZ\"", y, mo, d, tmp);
    }
    return qb_spark_json_long(b, v->u.i64, err);
  case QB_V_FLOAT: return qb_spark_json_double(b, v->u.f32, err);
  case QB_V_DOUBLE: return qb_spark_json_double(b, v->u.f64, err);
  case QB_V_BYTES:
  case QB_V_STRING: return qb_spark_json_string(b, (const char *)v->u.bytes.p, v->u.bytes.n, err);
  case QB_V_LIST: {
    qb_vqe_type elem = type == QB_VQE_T_LIST_LIST_DOUBLE ? QB_VQE_T_LIST_DOUBLE
                       : type == QB_VQE_T_LIST_STRING    ? QB_VQE_T_STRING
                       : type == QB_VQE_T_LIST_LONG      ? QB_VQE_T_LONG
                                                         : QB_VQE_T_DOUBLE;
    int rc = qb_buf_putc(b, '[', err);
    for (size_t i = 0; !rc && i < v->u.seq.n; i++) {
      if (i && (rc = qb_buf_putc(b, ',', err))) break;
      rc = value_json(b, elem, &v->u.seq.items[i], err);
    }
    return rc ? rc : qb_buf_putc(b, ']', err);
  }
  default: return QB_FAIL(err, QB_EINVAL, "unexpected value kind %d in a row", (int)v->kind);
  }
}

int qb_vqe_row_to_json(char **out, size_t *out_n, qb_vqe_table t, const qb_value *row, qb_err *err)
{
  const qb_vqe_table_desc *desc = qb_vqe_table_describe(t);
  if (!desc) return QB_FAIL(err, QB_EINVAL, "unknown table %d", (int)t);
  if (row->kind != QB_V_STRUCT || row->u.seq.n != desc->n_columns)
    return QB_FAIL(err, QB_EINVAL, "%s: a row needs %zu columns", desc->name, desc->n_columns);
  qb_buf b;
  qb_buf_init(&b, QB_BUF_NOLIMIT);
  bool first = true;
  int rc = qb_buf_putc(&b, '{', err);
  for (size_t i = 0; !rc && i < desc->n_columns; i++) {
    rc = qb_spark_json_key(&b, &first, desc->columns[i].name, err);
    if (!rc) rc = value_json(&b, desc->columns[i].type, &row->u.seq.items[i], err);
  }
  if (!rc) rc = qb_buf_putc(&b, '}', err);
  if (!rc) rc = qb_buf_cstr(&b, err);
  if (rc) {
    qb_buf_free(&b);
    return qb_err_wrap(err, "%s row as JSON", desc->name);
  }
  *out = (char *)qb_buf_detach(&b, out_n);
  return QB_OK;
}
