/* SPDX-License-Identifier: Apache-2.0 */
/* Typed values of Iceberg primitive types (spec "Primitive Types"): canonical kinds, Java's ordering
 * (Comparators), and the text forms used by filters, the CLI and JSON rows (ISO dates and timestamps
 * in UTC, decimals as BigDecimal.toString, uuids in 8-4-4-4-12 form, binary as hex). */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iceberg/expr_int.h"

#define MICROS_PER_SECOND INT64_C(1000000)
#define MICROS_PER_DAY INT64_C(86400000000)

/* ---- calendar (proleptic Gregorian, H. Hinnant's algorithms: no libc time zone involved) ----------- */

static int64_t days_from_civil(int64_t y, int m, int d)
{
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

static int64_t floor_div(int64_t a, int64_t b)
{
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
  return q;
}

uint8_t *qb_ice__bytes_dup(qb_arena *a, const uint8_t *p, size_t n)
{
  uint8_t *q = qb_arena_alloc(a, n + 1);
  if (!q) return NULL;
  if (n) memcpy(q, p, n);
  q[n] = 0;
  return q;
}

/* ---- canonical kinds and ordering ------------------------------------------------------------------ */

static bool int_of(const qb_value *v, int64_t *out)
{
  if (v->kind == QB_V_INT32) *out = v->u.i32;
  else if (v->kind == QB_V_INT64) *out = v->u.i64;
  else return false;
  return true;
}

static bool real_of(const qb_value *v, double *out)
{
  if (v->kind == QB_V_FLOAT) *out = v->u.f32;
  else if (v->kind == QB_V_DOUBLE) *out = v->u.f64;
  else return false;
  return true;
}

static int kind_mismatch(const qb_type *t, const qb_value *v, qb_err *err)
{
  char tn[48];
  qb_type_to_string(tn, sizeof tn, t);
  static const char *const names[] = {"null", "boolean", "int", "long", "float", "double", "bytes", "string",
                                      "struct", "list", "map"};
  return QB_FAIL(err, QB_EINVAL, "a %s value does not fit type %s",
                 (unsigned)v->kind < sizeof names / sizeof names[0] ? names[v->kind] : "?", tn);
}

int qb_ice__value_canon(qb_value *out, const qb_type *t, const qb_value *in, qb_arena *a, qb_err *err)
{
  int64_t i;
  double d;
  switch (t->id) {
  case QB_T_BOOLEAN:
    if (in->kind != QB_V_BOOL) return kind_mismatch(t, in, err);
    *out = *in;
    return QB_OK;
  case QB_T_INT:
  case QB_T_DATE:
    if (!int_of(in, &i)) return kind_mismatch(t, in, err);
    if (i < INT32_MIN || i > INT32_MAX) return QB_FAIL(err, QB_EINVAL, "%" PRId64 " does not fit a 32-bit int", i);
    out->kind = QB_V_INT32;
    out->u.i32 = (int32_t)i;
    return QB_OK;
  case QB_T_LONG:
  case QB_T_TIME:
  case QB_T_TIMESTAMP:
  case QB_T_TIMESTAMPTZ:
    if (!int_of(in, &i)) return kind_mismatch(t, in, err);
    out->kind = QB_V_INT64;
    out->u.i64 = i;
    return QB_OK;
  case QB_T_FLOAT:
    if (real_of(in, &d)) {
      out->kind = QB_V_FLOAT;
      out->u.f32 = (float)d;
      return QB_OK;
    }
    return kind_mismatch(t, in, err);
  case QB_T_DOUBLE:
    if (real_of(in, &d)) {
      out->kind = QB_V_DOUBLE;
      out->u.f64 = d;
      return QB_OK;
    }
    return kind_mismatch(t, in, err);
  case QB_T_DECIMAL: {
    qb_i128 x;
    if (!qb_ice__decimal_of(in, &x)) return kind_mismatch(t, in, err);
    if (t->precision <= 18) {
      out->kind = QB_V_INT64;
      out->u.i64 = (int64_t)x;
      if ((qb_i128)out->u.i64 != x) return QB_FAIL(err, QB_EINVAL, "decimal value out of range");
      return QB_OK;
    }
    uint8_t tmp[16];
    size_t n = qb_ice__decimal_bytes(x, tmp);
    uint8_t *p = qb_arena_memdup(a, tmp, n);
    if (!p) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    out->kind = QB_V_BYTES;
    out->u.bytes.p = p;
    out->u.bytes.n = n;
    return QB_OK;
  }
  case QB_T_STRING:
  case QB_T_UUID:
  case QB_T_FIXED:
  case QB_T_BINARY: {
    if (in->kind != QB_V_STRING && in->kind != QB_V_BYTES) return kind_mismatch(t, in, err);
    if (t->id == QB_T_UUID && in->u.bytes.n != 16) return QB_FAIL(err, QB_EINVAL, "a uuid has 16 bytes, not %zu", in->u.bytes.n);
    if (t->id == QB_T_FIXED && in->u.bytes.n != (size_t)t->length)
      return QB_FAIL(err, QB_EINVAL, "fixed[%d] value has %zu bytes", t->length, in->u.bytes.n);
    uint8_t *p = qb_ice__bytes_dup(a, in->u.bytes.p, in->u.bytes.n);
    if (!p) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    out->kind = t->id == QB_T_STRING ? QB_V_STRING : QB_V_BYTES;
    out->u.bytes.p = p;
    out->u.bytes.n = in->u.bytes.n;
    return QB_OK;
  }
  default: return kind_mismatch(t, in, err);
  }
}

/* Java Double.compare: -0.0 < 0.0 and NaN after everything (NaN equals NaN). */
static int cmp_real(double a, double b)
{
  if (a < b) return -1;
  if (a > b) return 1;
  bool na = isnan(a), nb = isnan(b);
  if (na || nb) return na == nb ? 0 : na ? 1 : -1;
  bool sa = signbit(a), sb = signbit(b);
  return sa == sb ? 0 : sa ? -1 : 1;
}

static int cmp_bytes(const qb_value *a, const qb_value *b)
{
  size_t n = a->u.bytes.n < b->u.bytes.n ? a->u.bytes.n : b->u.bytes.n;
  int c = n ? memcmp(a->u.bytes.p, b->u.bytes.p, n) : 0;
  if (c) return c < 0 ? -1 : 1;
  return a->u.bytes.n < b->u.bytes.n ? -1 : a->u.bytes.n > b->u.bytes.n;
}

int qb_ice__value_cmp(const qb_type *t, const qb_value *a, const qb_value *b)
{
  int64_t x, y;
  double dx, dy;
  switch (t->id) {
  case QB_T_BOOLEAN: return (a->u.b > b->u.b) - (a->u.b < b->u.b);
  case QB_T_FLOAT:
  case QB_T_DOUBLE:
    if (real_of(a, &dx) && real_of(b, &dy)) return cmp_real(dx, dy);
    break;
  case QB_T_DECIMAL: {
    qb_i128 p, q;
    if (qb_ice__decimal_of(a, &p) && qb_ice__decimal_of(b, &q)) return (p > q) - (p < q);
    break;
  }
  case QB_T_UUID: /* Java UUID.compareTo: both halves as signed longs (differs from bytes for high bits) */
    if (a->u.bytes.n == 16 && b->u.bytes.n == 16)
      for (int h = 0; h < 2; h++) {
        int64_t ha = 0, hb = 0;
        for (int k = 0; k < 8; k++) {
          ha = (int64_t)(((uint64_t)ha << 8) | a->u.bytes.p[h * 8 + k]);
          hb = (int64_t)(((uint64_t)hb << 8) | b->u.bytes.p[h * 8 + k]);
        }
        if (ha != hb) return ha < hb ? -1 : 1;
      }
    return cmp_bytes(a, b);
  case QB_T_STRING:
  case QB_T_FIXED:
  case QB_T_BINARY: return cmp_bytes(a, b);
  default:
    if (int_of(a, &x) && int_of(b, &y)) return (x > y) - (x < y);
    break;
  }
  return cmp_bytes(a, b);
}

/* ---- parsing text ------------------------------------------------------------------------------------- */

typedef struct cursor {
  const char *s;
  size_t i, n;
} cursor;

static bool digits(cursor *c, int count, int64_t *out)
{
  int64_t v = 0;
  for (int k = 0; k < count; k++) {
    if (c->i >= c->n || !isdigit((unsigned char)c->s[c->i])) return false;
    v = v * 10 + (c->s[c->i++] - '0');
  }
  *out = v;
  return true;
}

static bool lit(cursor *c, char ch)
{
  if (c->i < c->n && c->s[c->i] == ch) {
    c->i++;
    return true;
  }
  return false;
}

static bool parse_ymd(cursor *c, int64_t *days)
{
  int64_t y, m, d;
  bool neg = lit(c, '-');
  if (!neg) lit(c, '+');
  size_t st = c->i;
  y = 0;
  while (c->i < c->n && isdigit((unsigned char)c->s[c->i]) && c->i - st < 9) y = y * 10 + (c->s[c->i++] - '0');
  if (c->i - st < 4) return false;
  if (neg) y = -y;
  if (!lit(c, '-') || !digits(c, 2, &m) || !lit(c, '-') || !digits(c, 2, &d)) return false;
  if (m < 1 || m > 12 || d < 1) return false;
  static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > mdays[m - 1] || (m == 2 && d == 29 && !leap)) return false;
  *days = days_from_civil(y, (int)m, (int)d);
  return true;
}

/* HH:MM[:SS[.f{1,9}]] → micros since midnight (nanoseconds are floored to micros) */
static bool parse_hms(cursor *c, int64_t *micros)
{
  int64_t h, m, s = 0, frac = 0;
  if (!digits(c, 2, &h) || !lit(c, ':') || !digits(c, 2, &m)) return false;
  if (lit(c, ':')) {
    if (!digits(c, 2, &s)) return false;
    if (lit(c, '.')) {
      int nd = 0;
      while (c->i < c->n && isdigit((unsigned char)c->s[c->i])) {
        if (nd < 6) frac = frac * 10 + (c->s[c->i] - '0');
        nd++;
        c->i++;
      }
      if (nd == 0 || nd > 9) return false;
      for (int k = nd; k < 6; k++) frac *= 10;
    }
  }
  if (h > 23 || m > 59 || s > 59) return false;
  *micros = ((h * 60 + m) * 60 + s) * MICROS_PER_SECOND + frac;
  return true;
}

int qb_ice__parse_date(int32_t *out, const char *s, size_t n, qb_err *err)
{
  cursor c = {s, 0, n};
  int64_t days;
  if (!parse_ymd(&c, &days) || c.i != n || days < INT32_MIN || days > INT32_MAX)
    return QB_FAIL(err, QB_EINVAL, "'%.*s' is not a date (YYYY-MM-DD)", (int)(n > 64 ? 64 : n), s);
  *out = (int32_t)days;
  return QB_OK;
}

int qb_ice__parse_timestamp(int64_t *out, const char *s, size_t n, qb_err *err)
{
  cursor c = {s, 0, n};
  int64_t days, micros = 0, offset_min = 0;
  bool ok = parse_ymd(&c, &days);
  if (ok && c.i < n && (s[c.i] == 'T' || s[c.i] == 't' || s[c.i] == ' ')) {
    c.i++;
    ok = parse_hms(&c, &micros);
  }
  if (ok && c.i < n) {
    if (s[c.i] == 'Z' || s[c.i] == 'z') {
      c.i++;
    } else if (s[c.i] == '+' || s[c.i] == '-') {
      bool neg = s[c.i++] == '-';
      int64_t hh, mm = 0;
      ok = digits(&c, 2, &hh) && (!lit(&c, ':') || digits(&c, 2, &mm)) && hh <= 18 && mm <= 59;
      offset_min = (neg ? -1 : 1) * (hh * 60 + mm);
    } else {
      ok = false;
    }
  }
  if (!ok || c.i != n || days > INT64_MAX / MICROS_PER_DAY - 1 || days < INT64_MIN / MICROS_PER_DAY + 1)
    return QB_FAIL(err, QB_EINVAL, "'%.*s' is not a timestamp (YYYY-MM-DD[THH:MM[:SS[.ffffff]]][Z|+HH:MM])",
                   (int)(n > 64 ? 64 : n), s);
  *out = days * MICROS_PER_DAY + micros - offset_min * 60 * MICROS_PER_SECOND;
  return QB_OK;
}

static int hexval(char ch)
{
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

/* Hex digits, dashes ignored (uuid text), optional 0x / X'' wrapper not supported: plain hex only. */
static int parse_hex(qb_value *out, const char *s, size_t n, qb_arena *a, qb_err *err)
{
  uint8_t *p = qb_arena_alloc(a, n / 2 + 1);
  if (!p) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  size_t k = 0;
  int hi = -1;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '-') continue;
    int v = hexval(s[i]);
    if (v < 0) return QB_FAIL(err, QB_EINVAL, "'%.*s' is not hexadecimal", (int)(n > 64 ? 64 : n), s);
    if (hi < 0) {
      hi = v;
    } else {
      p[k++] = (uint8_t)(hi << 4 | v);
      hi = -1;
    }
  }
  if (hi >= 0) return QB_FAIL(err, QB_EINVAL, "'%.*s' has an odd number of hex digits", (int)(n > 64 ? 64 : n), s);
  out->kind = QB_V_BYTES;
  out->u.bytes.p = p;
  out->u.bytes.n = k;
  return QB_OK;
}

/* "-12.340", "1e3", "12" at `scale`: exact, refusing digits that would be lost. */
static int parse_decimal(qb_i128 *out, const char *s, size_t n, int32_t precision, int32_t scale, qb_err *err)
{
  size_t i = 0;
  bool neg = false;
  if (i < n && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  qb_i128 v = 0;
  int ndig = 0, frac = 0;
  bool dot = false, any = false;
  int64_t exp = 0;
  for (; i < n; i++) {
    char ch = s[i];
    if (ch == '.' && !dot) {
      dot = true;
      continue;
    }
    if (ch == 'e' || ch == 'E') {
      char *end;
      char buf[24];
      size_t k = n - i - 1 < sizeof buf - 1 ? n - i - 1 : sizeof buf - 1;
      memcpy(buf, s + i + 1, k);
      buf[k] = 0;
      errno = 0;
      exp = strtoll(buf, &end, 10);
      if (!k || *end || errno || exp > 100 || exp < -100) goto bad;
      break;
    }
    if (!isdigit((unsigned char)ch)) goto bad;
    any = true;
    if (v != 0 || ch != '0') ndig++;
    if (ndig > 38) goto range; /* a number, but more digits than any decimal holds */
    v = v * 10 + (ch - '0');
    if (dot) frac++;
  }
  if (!any) goto bad;
  int64_t shift = scale - (frac - exp); /* multiply by 10^shift */
  for (; shift > 0; shift--) {
    if (v > (qb_i128)1e37) goto range;
    v *= 10;
  }
  for (; shift < 0; shift++) {
    if (v % 10) return QB_FAIL(err, QB_EINVAL, "'%.*s' has more than %d digits after the point", (int)n, s, scale);
    v /= 10;
  }
  qb_i128 lim = 1;
  for (int k = 0; k < precision; k++) lim *= 10;
  if (v >= lim) goto range;
  *out = neg ? -v : v;
  return QB_OK;
range:
  return QB_FAIL(err, QB_EINVAL, "'%.*s' does not fit decimal(%d, %d)", (int)(n > 64 ? 64 : n), s, precision, scale);
bad:
  return QB_FAIL(err, QB_EINVAL, "'%.*s' is not a decimal number", (int)(n > 64 ? 64 : n), s);
}

int qb_ice__value_parse(qb_value *out, const qb_type *t, const char *s, size_t n, qb_arena *a, qb_err *err)
{
  char buf[64];
  const char *what = "a number";
  switch (t->id) {
  case QB_T_BOOLEAN:
    if (n == 4 && !strncasecmp(s, "true", 4)) *out = (qb_value){.kind = QB_V_BOOL, .u.b = true};
    else if (n == 5 && !strncasecmp(s, "false", 5)) *out = (qb_value){.kind = QB_V_BOOL, .u.b = false};
    else return QB_FAIL(err, QB_EINVAL, "'%.*s' is not a boolean", (int)(n > 64 ? 64 : n), s);
    return QB_OK;
  case QB_T_INT:
  case QB_T_LONG: {
    if (n == 0 || n >= sizeof buf) goto bad_number;
    memcpy(buf, s, n);
    buf[n] = 0;
    char *end;
    errno = 0;
    long long x = strtoll(buf, &end, 10);
    if (*end || errno || (t->id == QB_T_INT && (x < INT32_MIN || x > INT32_MAX))) {
      what = t->id == QB_T_INT ? "an int" : "a long";
      goto bad_number;
    }
    if (t->id == QB_T_INT) *out = (qb_value){.kind = QB_V_INT32, .u.i32 = (int32_t)x};
    else *out = (qb_value){.kind = QB_V_INT64, .u.i64 = x};
    return QB_OK;
  }
  case QB_T_FLOAT:
  case QB_T_DOUBLE: {
    if (n == 0 || n >= sizeof buf) goto bad_number;
    memcpy(buf, s, n);
    buf[n] = 0;
    double d;
    if (!strcmp(buf, "NaN")) d = NAN;
    else if (!strcmp(buf, "Infinity")) d = INFINITY;
    else if (!strcmp(buf, "-Infinity")) d = -INFINITY;
    else {
      char *end;
      d = strtod(buf, &end);
      if (*end || end == buf || !isfinite(d)) goto bad_number;
    }
    /* a finite number beyond the float range is refused, not stored as infinity (Float.parseFloat's way);
     * one that rounds to the largest float (3.4028235e38, the text scan prints for it) is that float */
    if (t->id == QB_T_FLOAT && isfinite(d) && isinf((float)d))
      return QB_FAIL(err, QB_EINVAL, "'%.*s' is beyond the range of a float (%g)", (int)(n > 64 ? 64 : n), s,
                     (double)FLT_MAX);
    if (t->id == QB_T_FLOAT) *out = (qb_value){.kind = QB_V_FLOAT, .u.f32 = (float)d};
    else *out = (qb_value){.kind = QB_V_DOUBLE, .u.f64 = d};
    return QB_OK;
  }
  case QB_T_DECIMAL: {
    qb_i128 x = 0;
    int rc = parse_decimal(&x, s, n, t->precision, t->scale, err);
    if (rc) return rc;
    if (t->precision <= 18) {
      *out = (qb_value){.kind = QB_V_INT64, .u.i64 = (int64_t)x};
      return QB_OK;
    }
    uint8_t tmp[16];
    size_t k = qb_ice__decimal_bytes(x, tmp);
    uint8_t *p = qb_arena_memdup(a, tmp, k);
    if (!p) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    *out = (qb_value){.kind = QB_V_BYTES, .u.bytes = {p, k}};
    return QB_OK;
  }
  case QB_T_DATE: {
    int32_t d;
    int rc = qb_ice__parse_date(&d, s, n, err);
    if (rc) return rc;
    *out = (qb_value){.kind = QB_V_INT32, .u.i32 = d};
    return QB_OK;
  }
  case QB_T_TIME: {
    cursor c = {s, 0, n};
    int64_t micros;
    if (!parse_hms(&c, &micros) || c.i != n)
      return QB_FAIL(err, QB_EINVAL, "'%.*s' is not a time (HH:MM:SS[.ffffff])", (int)(n > 64 ? 64 : n), s);
    *out = (qb_value){.kind = QB_V_INT64, .u.i64 = micros};
    return QB_OK;
  }
  case QB_T_TIMESTAMP:
  case QB_T_TIMESTAMPTZ: {
    int64_t us;
    int rc = qb_ice__parse_timestamp(&us, s, n, err);
    if (rc) return rc;
    *out = (qb_value){.kind = QB_V_INT64, .u.i64 = us};
    return QB_OK;
  }
  case QB_T_STRING: {
    char *p = qb_arena_strndup(a, s, n);
    if (!p) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    *out = (qb_value){.kind = QB_V_STRING, .u.bytes = {(const uint8_t *)p, n}};
    return QB_OK;
  }
  case QB_T_UUID:
  case QB_T_FIXED:
  case QB_T_BINARY: {
    int rc = parse_hex(out, s, n, a, err);
    if (rc) return rc;
    if (t->id == QB_T_UUID && out->u.bytes.n != 16)
      return QB_FAIL(err, QB_EINVAL, "'%.*s' is not a uuid", (int)(n > 64 ? 64 : n), s);
    if (t->id == QB_T_FIXED && out->u.bytes.n != (size_t)t->length)
      return QB_FAIL(err, QB_EINVAL, "'%.*s' is not %d bytes of hex", (int)(n > 64 ? 64 : n), s, t->length);
    return QB_OK;
  }
  default: return QB_FAIL(err, QB_EINVAL, "values of nested types have no text form here");
  }
bad_number:
  return QB_FAIL(err, QB_EINVAL, "'%.*s' is not %s", (int)(n > 64 ? 64 : n), s, what);
}

/* ---- formatting ------------------------------------------------------------------------------------------ */

static void put_date(qb_buf *b, int64_t days, qb_err *err)
{
  int64_t y;
  int m, d;
  civil_from_days(days, &y, &m, &d);
  if (y < 0 || y > 9999) qb_buf_printf(b, err, "%+05" PRId64 "-%02d-%02d", y, m, d);
  else qb_buf_printf(b, err, "%04" PRId64 "-%02d-%02d", y, m, d);
}

static void put_time(qb_buf *b, int64_t micros, qb_err *err)
{
  int64_t s = micros / MICROS_PER_SECOND, f = micros % MICROS_PER_SECOND;
  qb_buf_printf(b, err, "%02" PRId64 ":%02" PRId64 ":%02" PRId64, s / 3600, s / 60 % 60, s % 60);
  if (f) {
    char frac[8];
    snprintf(frac, sizeof frac, "%06" PRId64, f);
    for (int k = 5; k > 0 && frac[k] == '0'; k--) frac[k] = 0;
    qb_buf_printf(b, err, ".%s", frac);
  }
}

int qb_ice__value_text(qb_buf *b, const qb_type *t, const qb_value *v, qb_err *err)
{
  if (v->kind == QB_V_NULL) return qb_buf_puts(b, "null", err);
  int64_t x;
  switch (t->id) {
  case QB_T_BOOLEAN:
    if (v->kind != QB_V_BOOL) break;
    return qb_buf_puts(b, v->u.b ? "true" : "false", err);
  case QB_T_INT:
  case QB_T_LONG:
    if (!int_of(v, &x)) break;
    return qb_buf_printf(b, err, "%" PRId64, x);
  case QB_T_DATE:
    if (!int_of(v, &x)) break;
    put_date(b, x, err);
    return err && err->code ? err->code : QB_OK;
  case QB_T_TIME:
    if (!int_of(v, &x) || x < 0 || x >= MICROS_PER_DAY) break;
    put_time(b, x, err);
    return err && err->code ? err->code : QB_OK;
  case QB_T_TIMESTAMP:
  case QB_T_TIMESTAMPTZ: {
    if (!int_of(v, &x)) break;
    int64_t days = floor_div(x, MICROS_PER_DAY);
    put_date(b, days, err);
    qb_buf_putc(b, 'T', err);
    put_time(b, x - days * MICROS_PER_DAY, err);
    if (t->id == QB_T_TIMESTAMPTZ) qb_buf_puts(b, "+00:00", err);
    return err && err->code ? err->code : QB_OK;
  }
  case QB_T_DECIMAL: { /* plain digits with the point at the scale: "0.00000000000", never "0E-11" */
    qb_i128 u;
    if (!qb_ice__decimal_of(v, &u)) break;
    char digits[48];
    int n = 0;
    bool neg = u < 0;
    unsigned __int128 a = neg ? (unsigned __int128)(-(u + 1)) + 1 : (unsigned __int128)u;
    do {
      digits[n++] = (char)('0' + (int)(a % 10));
      a /= 10;
    } while (a);
    while (n <= t->scale) digits[n++] = '0';
    if (neg) qb_buf_putc(b, '-', err);
    for (int i = n - 1; i >= 0; i--) {
      qb_buf_putc(b, (uint8_t)digits[i], err);
      if (i == t->scale && i > 0) qb_buf_putc(b, '.', err);
    }
    return err && err->code ? err->code : QB_OK;
  }
  case QB_T_FLOAT:
  case QB_T_DOUBLE: {
    qb_transform id = {QB_TR_IDENTITY, 0, NULL};
    char *s;
    int rc = qb_transform_human_string(&s, &id, t, v, err);
    if (rc) return rc;
    rc = qb_buf_puts(b, s, err);
    free(s);
    return rc;
  }
  case QB_T_STRING:
    if (v->kind != QB_V_STRING && v->kind != QB_V_BYTES) break;
    return qb_buf_append(b, v->u.bytes.p, v->u.bytes.n, err);
  case QB_T_UUID:
    if (v->kind != QB_V_BYTES || v->u.bytes.n != 16) break;
    for (int i = 0; i < 16; i++) {
      if (i == 4 || i == 6 || i == 8 || i == 10) qb_buf_putc(b, '-', err);
      qb_buf_printf(b, err, "%02x", v->u.bytes.p[i]);
    }
    return err && err->code ? err->code : QB_OK;
  case QB_T_FIXED:
  case QB_T_BINARY:
    if (v->kind != QB_V_BYTES && v->kind != QB_V_STRING) break;
    for (size_t i = 0; i < v->u.bytes.n; i++) qb_buf_printf(b, err, "%02x", v->u.bytes.p[i]);
    return err && err->code ? err->code : QB_OK;
  default: break;
  }
  return kind_mismatch(t, v, err);
}
