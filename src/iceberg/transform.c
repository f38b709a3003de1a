/* SPDX-License-Identifier: Apache-2.0 */
/* Partition transforms (spec "Partition Transforms", Appendix B "32-bit Hash Requirements"):
 * identity, bucket[N], truncate[W], year, month, day, hour, void; and Java's human strings
 * (Transform.toHumanString, TransformUtil) used in partition paths. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iceberg/iceberg_int.h"
#include "util/buf.h"
#include "util/murmur3.h"
#include "util/str.h"

#define MICROS_PER_HOUR INT64_C(3600000000)
#define MICROS_PER_DAY INT64_C(86400000000)


/* ---- names ----------------------------------------------------------------------------------- */

static const struct {
  const char *name;
  qb_transform_kind kind;
} simple[] = {{"identity", QB_TR_IDENTITY}, {"year", QB_TR_YEAR}, {"month", QB_TR_MONTH},
              {"day", QB_TR_DAY},           {"hour", QB_TR_HOUR}, {"void", QB_TR_VOID}};

/* "bucket[16]" / "truncate[4]": the parameter must be a positive decimal int. */
static bool parse_param(const char *s, const char *prefix, int32_t *out)
{
  size_t n = strlen(prefix);
  if (strncmp(s, prefix, n) || s[n] != '[') return false;
  const char *p = s + n + 1;
  int64_t v = 0;
  if (*p < '0' || *p > '9') return false;
  while (*p >= '0' && *p <= '9') {
    v = v * 10 + (*p++ - '0');
    if (v > INT32_MAX) return false;
  }
  if (p[0] != ']' || p[1] || v <= 0) return false;
  *out = (int32_t)v;
  return true;
}

static int parse(qb_transform *out, const char *s)
{
  memset(out, 0, sizeof *out);
  for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++)
    if (!strcmp(s, simple[i].name)) {
      out->kind = simple[i].kind;
      return QB_OK;
    }
  if (parse_param(s, "bucket", &out->param)) {
    out->kind = QB_TR_BUCKET;
    return QB_OK;
  }
  if (parse_param(s, "truncate", &out->param)) {
    out->kind = QB_TR_TRUNCATE;
    return QB_OK;
  }
  return QB_EUNSUPPORTED;
}

int qb_transform_parse(qb_transform *out, const char *s, qb_err *err)
{
  if (parse(out, s) == QB_OK) return QB_OK;
  return QB_FAIL(err, QB_EUNSUPPORTED, "unknown transform '%s'", s);
}

int qb_transform__parse_keep(qb_transform *out, qb_arena *a, const char *s, qb_err *err)
{
  if (parse(out, s) == QB_OK) return QB_OK;
  /* The spec asks readers to tolerate unknown transforms; keep the text for round trips. */
  out->kind = QB_TR_UNKNOWN;
  out->unknown = qb_ice__strdup(a, s, err);
  return out->unknown ? QB_OK : QB_ENOMEM;
}

void qb_transform_to_string(char *buf, size_t n, const qb_transform *t)
{
  if (!n) return;
  switch (t->kind) {
  case QB_TR_BUCKET: snprintf(buf, n, "bucket[%d]", (int)t->param); return;
  case QB_TR_TRUNCATE: snprintf(buf, n, "truncate[%d]", (int)t->param); return;
  case QB_TR_UNKNOWN: snprintf(buf, n, "%s", t->unknown ? t->unknown : "?"); return;
  default: break;
  }
  for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++)
    if (simple[i].kind == t->kind) {
      snprintf(buf, n, "%s", simple[i].name);
      return;
    }
  snprintf(buf, n, "?");
}

/* ---- applicability and result types ---------------------------------------------------------- */

bool qb_transform_can_apply(const qb_transform *t, const qb_type *src)
{
  if (!qb_type_is_primitive(src)) return t->kind == QB_TR_VOID;
  switch (t->kind) {
  case QB_TR_IDENTITY:
  case QB_TR_VOID: return true;
  case QB_TR_BUCKET:
    /* Java Bucket.canTransform: not boolean, float or double. */
    return src->id != QB_T_BOOLEAN && src->id != QB_T_FLOAT && src->id != QB_T_DOUBLE;
  case QB_TR_TRUNCATE:
    return src->id == QB_T_INT || src->id == QB_T_LONG || src->id == QB_T_DECIMAL || src->id == QB_T_STRING ||
           src->id == QB_T_BINARY;
  case QB_TR_YEAR:
  case QB_TR_MONTH:
  case QB_TR_DAY: return src->id == QB_T_DATE || src->id == QB_T_TIMESTAMP || src->id == QB_T_TIMESTAMPTZ;
  case QB_TR_HOUR: return src->id == QB_T_TIMESTAMP || src->id == QB_T_TIMESTAMPTZ;
  case QB_TR_UNKNOWN: return false;
  }
  return false;
}

int qb_transform_result_type(const qb_type **out, const qb_transform *t, const qb_type *src, qb_err *err)
{
  if (!qb_transform_can_apply(t, src)) {
    char tn[40], ts[40];
    qb_transform_to_string(tn, sizeof tn, t);
    qb_type_to_string(ts, sizeof ts, src);
    return QB_FAIL(err, QB_EINVAL, "cannot apply transform %s to a %s", tn, ts);
  }
  switch (t->kind) {
  case QB_TR_BUCKET:
  case QB_TR_YEAR:
  case QB_TR_MONTH:
  case QB_TR_HOUR: *out = qb_type_primitive(QB_T_INT); break;
  case QB_TR_DAY: *out = qb_type_primitive(QB_T_DATE); break;
  default: *out = src; break;
  }
  return QB_OK;
}

/* ---- value helpers --------------------------------------------------------------------------- */

static int bad_value(const qb_type *t, const qb_value *v, qb_err *err)
{
  char tn[40];
  qb_type_to_string(tn, sizeof tn, t);
  return QB_FAIL(err, QB_EINVAL, "value of kind %d does not fit type %s", (int)v->kind, tn);
}

static bool int_of(const qb_value *v, int64_t *out)
{
  if (v->kind == QB_V_INT32) *out = v->u.i32;
  else if (v->kind == QB_V_INT64) *out = v->u.i64;
  else return false;
  return true;
}

static int64_t floor_div(int64_t a, int64_t b)
{
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
  return q;
}

/* From the remainder, not a - floor_div(a, b) * b: that product overflows for a near INT64_MIN (UBSan, on
 * truncate of INT64_MIN; found by a review). */
static int64_t floor_mod(int64_t a, int64_t b)
{
  int64_t m = a % b;
  return m != 0 && ((m < 0) != (b < 0)) ? m + b : m;
}

/* Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's civil_from_days). */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
  z += 719468;
  int64_t era = floor_div(z, 146097);
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

/* ---- bucket ---------------------------------------------------------------------------------- */

static int32_t hash_long(int64_t v)
{
  uint8_t b[8];
  qb_put_le64(b, (uint64_t)v);
  return (int32_t)qb_murmur3_x86_32(b, 8, 0);
}

int qb_bucket_hash(int32_t *out, const qb_type *src, const qb_value *v, qb_err *err)
{
  int64_t x;
  qb_i128 d;
  switch (src->id) {
  case QB_T_INT:
  case QB_T_LONG:
  case QB_T_DATE:
  case QB_T_TIME:
  case QB_T_TIMESTAMP:
  case QB_T_TIMESTAMPTZ:
    /* Appendix B: int and date hash as the 8-byte long (Java BucketUtil.hash(int) = hashLong). */
    if (!int_of(v, &x)) return bad_value(src, v, err);
    *out = hash_long(x);
    return QB_OK;
  case QB_T_DECIMAL: {
    uint8_t b[16];
    if (!qb_ice__decimal_of(v, &d)) return bad_value(src, v, err);
    size_t n = qb_ice__decimal_bytes(d, b);
    *out = (int32_t)qb_murmur3_x86_32(b, n, 0);
    return QB_OK;
  }
  case QB_T_STRING:
  case QB_T_UUID:
  case QB_T_FIXED:
  case QB_T_BINARY:
    if (v->kind != QB_V_BYTES && v->kind != QB_V_STRING) return bad_value(src, v, err);
    if (src->id == QB_T_UUID && v->u.bytes.n != 16) return QB_FAIL(err, QB_EINVAL, "uuid value of %zu bytes", v->u.bytes.n);
    *out = (int32_t)qb_murmur3_x86_32(v->u.bytes.p, v->u.bytes.n, 0);
    return QB_OK;
  default: {
    char tn[40];
    qb_type_to_string(tn, sizeof tn, src);
    return QB_FAIL(err, QB_EINVAL, "cannot bucket by type %s", tn);
  }
  }
}

/* ---- apply ----------------------------------------------------------------------------------- */

/* Truncate a UTF-8 string to at most w code points (Java UnicodeUtil.truncateString). */
static size_t utf8_prefix(const uint8_t *p, size_t n, int32_t w)
{
  size_t i = 0;
  for (int32_t cps = 0; i < n && cps < w; cps++) {
    i++;
    while (i < n && (p[i] & 0xC0) == 0x80) i++;
  }
  return i;
}

static int time_unit(int64_t *out, const qb_transform *t, const qb_type *src, int64_t x)
{
  int64_t days, y;
  int m, d;
  if (src->id == QB_T_DATE) {
    days = x;
  } else {
    if (t->kind == QB_TR_HOUR) {
      *out = floor_div(x, MICROS_PER_HOUR);
      return QB_OK;
    }
    days = floor_div(x, MICROS_PER_DAY);
  }
  if (t->kind == QB_TR_DAY) {
    *out = days;
    return QB_OK;
  }
  civil_from_days(days, &y, &m, &d);
  *out = t->kind == QB_TR_YEAR ? y - 1970 : (y - 1970) * 12 + (m - 1);
  return QB_OK;
}

int qb_transform_apply(qb_value *out, uint8_t scratch[16], const qb_transform *t, const qb_type *src,
                       const qb_value *in, qb_err *err)
{
  const qb_type *rt;
  int rc = qb_transform_result_type(&rt, t, src, err);
  if (rc) return rc;
  if (in->kind == QB_V_NULL || t->kind == QB_TR_VOID) {
    *out = qb_value_null();
    return QB_OK;
  }
  int64_t x;
  switch (t->kind) {
  case QB_TR_IDENTITY: *out = *in; return QB_OK;
  case QB_TR_BUCKET: {
    int32_t h;
    if ((rc = qb_bucket_hash(&h, src, in, err))) return rc;
    out->kind = QB_V_INT32;
    out->u.i32 = (int32_t)((h & INT32_MAX) % t->param);
    return QB_OK;
  }
  case QB_TR_TRUNCATE: {
    int64_t w = t->param;
    switch (src->id) {
    case QB_T_INT:
    case QB_T_LONG:
      if (!int_of(in, &x)) return bad_value(src, in, err);
      /* Spec: v - (((v % W) + W) % W), remainder always non-negative. Overflow-free in 64 bits for ints. */
      if (src->id == QB_T_INT) {
        out->kind = QB_V_INT32;
        out->u.i32 = (int32_t)(x - floor_mod(x, w));
      } else {
        out->kind = QB_V_INT64;
        /* below INT64_MIN for the bucket of INT64_MIN: wraps to near INT64_MAX, as Java's long arithmetic
         * (an int's wraps the same way in 32 bits above); scans keep that partition (expr_project.c) */
        out->u.i64 = (int64_t)((uint64_t)x - (uint64_t)floor_mod(x, w));
      }
      return QB_OK;
    case QB_T_DECIMAL: {
      qb_i128 d;
      if (!qb_ice__decimal_of(in, &d)) return bad_value(src, in, err);
      qb_i128 r = d % w;
      if (r < 0) r += w;
      d -= r;
      if (in->kind == QB_V_INT32) {
        out->kind = QB_V_INT32;
        out->u.i32 = (int32_t)d;
      } else if (in->kind == QB_V_INT64) {
        out->kind = QB_V_INT64;
        out->u.i64 = (int64_t)d;
      } else {
        size_t n = qb_ice__decimal_bytes(d, scratch);
        out->kind = QB_V_BYTES;
        out->u.bytes.p = scratch;
        out->u.bytes.n = n;
      }
      return QB_OK;
    }
    case QB_T_STRING:
      if (in->kind != QB_V_STRING && in->kind != QB_V_BYTES) return bad_value(src, in, err);
      *out = *in;
      out->u.bytes.n = utf8_prefix(in->u.bytes.p, in->u.bytes.n, t->param);
      return QB_OK;
    default: /* binary */
      if (in->kind != QB_V_BYTES) return bad_value(src, in, err);
      *out = *in;
      if (out->u.bytes.n > (size_t)w) out->u.bytes.n = (size_t)w;
      return QB_OK;
    }
  }
  case QB_TR_YEAR:
  case QB_TR_MONTH:
  case QB_TR_DAY:
  case QB_TR_HOUR: {
    int64_t r;
    if (!int_of(in, &x)) return bad_value(src, in, err);
    time_unit(&r, t, src, x);
    if (r < INT32_MIN || r > INT32_MAX) return QB_FAIL(err, QB_EINVAL, "transform result out of int range");
    out->kind = QB_V_INT32;
    out->u.i32 = (int32_t)r;
    return QB_OK;
  }
  default: return QB_FAIL(err, QB_EUNSUPPORTED, "cannot apply an unknown transform");
  }
}

/* ---- human strings --------------------------------------------------------------------------- */

/* java.time ISO years: 4 digits, '-' before negative years, '+' before years above 9999. */
static void iso_year(qb_buf *b, int64_t y, qb_err *err)
{
  if (y > 9999)
    qb_buf_printf(b, err, "+%" PRId64, y);
  else if (y < 0)
    qb_buf_printf(b, err, "-%04" PRId64, -y);
  else
    qb_buf_printf(b, err, "%04" PRId64, y);
}

/* java.time fraction: nanos with trailing zeros dropped (ISO_LOCAL_TIME appendFraction(0, 9)). */
static void iso_fraction(qb_buf *b, int64_t nanos, qb_err *err)
{
  if (!nanos) return;
  char f[24];
  snprintf(f, sizeof f, "%09" PRId64, nanos % 1000000000);
  int n = 9;
  while (n > 0 && f[n - 1] == '0') n--;
  f[n] = 0;
  qb_buf_printf(b, err, ".%s", f);
}

static void human_timestamp(qb_buf *b, int64_t micros, bool tz, qb_err *err)
{
  int64_t days = floor_div(micros, MICROS_PER_DAY), y;
  int64_t rem = micros - days * MICROS_PER_DAY;
  int m, d;
  civil_from_days(days, &y, &m, &d);
  iso_year(b, y, err);
  int64_t secs = rem / 1000000;
  qb_buf_printf(b, err, "-%02d-%02dT%02d:%02d:%02d", m, d, (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
  iso_fraction(b, rem % 1000000 * 1000, err);
  if (tz) qb_buf_puts(b, "+00:00", err);
}

/* LocalTime.toString: HH:mm, then :ss when needed, then .SSS / .SSSSSS / .SSSSSSSSS as needed. */
static void human_time(qb_buf *b, int64_t micros, qb_err *err)
{
  int64_t secs = micros / 1000000, nanos = micros % 1000000 * 1000;
  qb_buf_printf(b, err, "%02d:%02d", (int)(secs / 3600), (int)(secs / 60 % 60));
  if (secs % 60 || nanos) qb_buf_printf(b, err, ":%02d", (int)(secs % 60));
  if (!nanos) return;
  if (nanos % 1000000 == 0)
    qb_buf_printf(b, err, ".%03d", (int)(nanos / 1000000));
  else if (nanos % 1000 == 0)
    qb_buf_printf(b, err, ".%06d", (int)(nanos / 1000));
  else
    qb_buf_printf(b, err, ".%09d", (int)nanos);
}

static void human_day(qb_buf *b, int64_t days, qb_err *err)
{
  int64_t y;
  int m, d;
  civil_from_days(days, &y, &m, &d);
  qb_buf_printf(b, err, "%04" PRId64 "-%02d-%02d", y, m, d);
}

static void base64(qb_buf *b, const uint8_t *p, size_t n, qb_err *err)
{
  static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
    char q[4] = {tbl[v >> 18], tbl[(v >> 12) & 63], i + 1 < n ? tbl[(v >> 6) & 63] : '=', i + 2 < n ? tbl[v & 63] : '='};
    qb_buf_append(b, q, 4, err);
  }
}

/* BigDecimal.toString: plain when scale >= 0 and the adjusted exponent >= -6, else scientific. */
static void human_decimal(qb_buf *b, qb_i128 unscaled, int32_t scale, qb_err *err)
{
  char digits[48];
  int n = 0;
  bool neg = unscaled < 0;
  unsigned __int128 u = neg ? (unsigned __int128)(-(unscaled + 1)) + 1 : (unsigned __int128)unscaled;
  do {
    digits[n++] = (char)('0' + (int)(u % 10));
    u /= 10;
  } while (u);
  for (int i = 0; i < n / 2; i++) {
    char c = digits[i];
    digits[i] = digits[n - 1 - i];
    digits[n - 1 - i] = c;
  }
  digits[n] = 0;
  if (neg) qb_buf_putc(b, '-', err);
  int64_t adjusted = -(int64_t)scale + (n - 1);
  if (scale == 0) {
    qb_buf_puts(b, digits, err);
  } else if (scale > 0 && adjusted >= -6) {
    if (n > scale) {
      qb_buf_append(b, digits, (size_t)(n - scale), err);
      qb_buf_putc(b, '.', err);
      qb_buf_puts(b, digits + n - scale, err);
    } else {
      qb_buf_puts(b, "0.", err);
      for (int i = 0; i < scale - n; i++) qb_buf_putc(b, '0', err);
      qb_buf_puts(b, digits, err);
    }
  } else {
    qb_buf_putc(b, digits[0], err);
    if (n > 1) {
      qb_buf_putc(b, '.', err);
      qb_buf_puts(b, digits + 1, err);
    }
    qb_buf_printf(b, err, "E%s%" PRId64, adjusted > 0 ? "+" : "", adjusted);
  }
}

/* Java Float/Double.toString: shortest round-trip digits; plain for 1e-3 <= |v| < 1e7, else d.dddE<n>. */
static void human_floating(qb_buf *b, double v, bool is_float, qb_err *err)
{
  if (isnan(v)) {
    qb_buf_puts(b, "NaN", err);
    return;
  }
  if (isinf(v)) {
    qb_buf_puts(b, v < 0 ? "-Infinity" : "Infinity", err);
    return;
  }
  if (signbit(v)) qb_buf_putc(b, '-', err);
  v = fabs(v);
  if (v == 0) {
    qb_buf_puts(b, "0.0", err);
    return;
  }
  char tmp[40];
  for (int p = 0; p < 17; p++) {
    snprintf(tmp, sizeof tmp, "%.*e", p, v);
    if (is_float ? strtof(tmp, NULL) == (float)v : strtod(tmp, NULL) == v) break;
  }
  /* tmp = "d.ddde[+-]xx": collect the digits and the exponent. */
  char digits[24];
  int n = 0;
  char *e = strchr(tmp, 'e');
  for (char *p = tmp; p < e; p++)
    if (*p != '.') digits[n++] = *p;
  while (n > 1 && digits[n - 1] == '0') n--;
  digits[n] = 0;
  int exp10 = atoi(e + 1);
  if (v >= 1e-3 && v < 1e7) {
    if (exp10 >= 0) {
      for (int i = 0; i <= exp10; i++) qb_buf_putc(b, i < n ? digits[i] : '0', err);
      qb_buf_putc(b, '.', err);
      if (n > exp10 + 1)
        qb_buf_puts(b, digits + exp10 + 1, err);
      else
        qb_buf_putc(b, '0', err);
    } else {
      qb_buf_puts(b, "0.", err);
      for (int i = 0; i < -exp10 - 1; i++) qb_buf_putc(b, '0', err);
      qb_buf_puts(b, digits, err);
    }
  } else {
    qb_buf_putc(b, digits[0], err);
    qb_buf_putc(b, '.', err);
    qb_buf_puts(b, n > 1 ? digits + 1 : "0", err);
    qb_buf_printf(b, err, "E%d", exp10);
  }
}

static int human_value(qb_buf *b, const qb_type *t, const qb_value *v, qb_err *err)
{
  int64_t x;
  qb_i128 d;
  switch (t->id) {
  case QB_T_BOOLEAN:
    if (v->kind != QB_V_BOOL) return bad_value(t, v, err);
    return qb_buf_puts(b, v->u.b ? "true" : "false", err);
  case QB_T_INT:
  case QB_T_LONG:
    if (!int_of(v, &x)) return bad_value(t, v, err);
    return qb_buf_printf(b, err, "%" PRId64, x);
  case QB_T_FLOAT:
    if (v->kind != QB_V_FLOAT) return bad_value(t, v, err);
    human_floating(b, v->u.f32, true, err);
    return err->code;
  case QB_T_DOUBLE:
    if (v->kind != QB_V_DOUBLE) return bad_value(t, v, err);
    human_floating(b, v->u.f64, false, err);
    return err->code;
  case QB_T_DECIMAL:
    if (!qb_ice__decimal_of(v, &d)) return bad_value(t, v, err);
    human_decimal(b, d, t->scale, err);
    return err->code;
  case QB_T_DATE:
    if (!int_of(v, &x)) return bad_value(t, v, err);
    human_day(b, x, err);
    return err->code;
  case QB_T_TIME:
    if (!int_of(v, &x)) return bad_value(t, v, err);
    if (x < 0 || x >= MICROS_PER_DAY) return QB_FAIL(err, QB_EINVAL, "time value %" PRId64 " out of range", x);
    human_time(b, x, err);
    return err->code;
  case QB_T_TIMESTAMP:
  case QB_T_TIMESTAMPTZ:
    if (!int_of(v, &x)) return bad_value(t, v, err);
    human_timestamp(b, x, t->id == QB_T_TIMESTAMPTZ, err);
    return err->code;
  case QB_T_STRING:
    if (v->kind != QB_V_STRING && v->kind != QB_V_BYTES) return bad_value(t, v, err);
    return qb_buf_append(b, v->u.bytes.p, v->u.bytes.n, err);
  case QB_T_UUID: {
    if (v->kind != QB_V_BYTES || v->u.bytes.n != 16) return bad_value(t, v, err);
    char hex[33];
    qb_hex_encode(hex, v->u.bytes.p, 16);
    return qb_buf_printf(b, err, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
  }
  case QB_T_FIXED:
  case QB_T_BINARY:
    if (v->kind != QB_V_BYTES) return bad_value(t, v, err);
    base64(b, v->u.bytes.p, v->u.bytes.n, err);
    return err->code;
  default: return bad_value(t, v, err);
  }
}

int qb_transform_human_string(char **out, const qb_transform *t, const qb_type *result, const qb_value *v,
                              qb_err *err_out)
{
  qb_buf b;
  int64_t x;
  qb_err local = QB_ERR_INIT, *err = err_out ? err_out : &local;
  *out = NULL;
  qb_buf_init(&b, (size_t)64 << 20);
  qb_err_clear(err);
  int rc = QB_OK;
  if (v->kind == QB_V_NULL || t->kind == QB_TR_VOID) {
    rc = qb_buf_puts(&b, "null", err);
  } else if (t->kind == QB_TR_YEAR || t->kind == QB_TR_MONTH || t->kind == QB_TR_HOUR) {
    if (!int_of(v, &x)) {
      rc = bad_value(result, v, err);
    } else if (t->kind == QB_TR_YEAR) {
      rc = qb_buf_printf(&b, err, "%04" PRId64, 1970 + x);
    } else if (t->kind == QB_TR_MONTH) {
      rc = qb_buf_printf(&b, err, "%04" PRId64 "-%02d", 1970 + floor_div(x, 12), (int)(1 + floor_mod(x, 12)));
    } else {
      human_day(&b, floor_div(x, 24), err);
      rc = err->code ? (int)err->code : qb_buf_printf(&b, err, "-%02d", (int)floor_mod(x, 24));
    }
  } else {
    rc = human_value(&b, result, v, err);
  }
  if (!rc) rc = qb_buf_cstr(&b, err);
  if (rc) {
    qb_buf_free(&b);
    return rc;
  }
  size_t n;
  *out = (char *)qb_buf_detach(&b, &n);
  return QB_OK;
}
