/* SPDX-License-Identifier: Apache-2.0 */
/* qberg parquet cat|meta: print the rows of a Parquet file as JSON lines, or its metadata (schema with
 * field ids and logical types, row groups, column chunks, statistics). JSON conventions: docs/PARQUET.md. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "qberg/parquet.h"

static const char usage_text[] =
    "usage: qberg parquet cat FILE [--columns a,b.c] [--field-ids 1,2] [--limit N] [--count [--batch]]\n"
    "       qberg parquet meta FILE [--json]\n"
    "\n"
    "cat   print rows as JSON lines: integers exact, doubles round-trippable, dates \"YYYY-MM-DD\",\n"
    "      timestamps \"YYYY-MM-DDTHH:MM:SS.ffffff\" (+\"Z\" when UTC-adjusted), decimals as exact strings,\n"
    "      binary as lowercase hex strings, maps as [{\"key\":..,\"value\":..}], NaN/Infinity as strings\n"
    "meta  print the schema (field ids, logical types), row groups, column chunks and statistics\n";

/* ---- JSON text ---------------------------------------------------------------------------------------- */

static void put_json_string(FILE *o, const uint8_t *p, size_t n)
{
  putc('"', o);
  for (size_t i = 0; i < n;) {
    uint8_t c = p[i];
    if (c == '"' || c == '\\') {
      putc('\\', o);
      putc(c, o);
      i++;
    } else if (c < 0x20) {
      static const char esc[] = "btnvfr";
      if (c >= 8 && c <= 13 && c != 11) fprintf(o, "\\%c", esc[c - 8]);
      else fprintf(o, "\\u%04x", c);
      i++;
    } else if (c < 0x80) {
      putc(c, o);
      i++;
    } else {
      /* copy a well-formed UTF-8 sequence; anything else becomes U+FFFD */
      size_t len = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c <= 0xdf ? 2 : 0;
      bool ok = len && i + len <= n;
      for (size_t k = 1; ok && k < len; k++) ok = (p[i + k] & 0xc0) == 0x80;
      if (ok && len == 3) ok = !(c == 0xe0 && p[i + 1] < 0xa0) && !(c == 0xed && p[i + 1] >= 0xa0);
      if (ok && len == 4) ok = !(c == 0xf0 && p[i + 1] < 0x90) && !(c == 0xf4 && p[i + 1] >= 0x90);
      if (ok) {
        fwrite(p + i, 1, len, o);
        i += len;
      } else {
        fputs("\\ufffd", o);
        i++;
      }
    }
  }
  putc('"', o);
}

static void put_cstr(FILE *o, const char *s) { put_json_string(o, (const uint8_t *)s, strlen(s)); }

static void put_hex(FILE *o, const uint8_t *p, size_t n)
{
  putc('"', o);
  for (size_t i = 0; i < n; i++) fprintf(o, "%02x", p[i]);
  putc('"', o);
}

/* Shortest text that reads back to the same double (or float). */
static void put_double(FILE *o, double d, bool is_float)
{
  if (isnan(d)) {
    fputs("\"NaN\"", o);
    return;
  }
  if (isinf(d)) {
    fputs(d > 0 ? "\"Infinity\"" : "\"-Infinity\"", o);
    return;
  }
  char buf[40];
  for (int prec = is_float ? 6 : 15; prec <= 17; prec++) {
    snprintf(buf, sizeof buf, "%.*g", prec, d);
    if (is_float ? strtof(buf, NULL) == (float)d : strtod(buf, NULL) == d) break;
  }
  fputs(buf, o);
}

/* Proleptic Gregorian date of a day number (days since 1970-01-01), H. Hinnant's civil_from_days. */
static void civil(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
  days += 719468;
  int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  unsigned doe = (unsigned)(days - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static void put_date_text(FILE *o, int64_t days)
{
  int64_t y;
  unsigned m, d;
  civil(days, &y, &m, &d);
  if (y < 0) fprintf(o, "-%04" PRId64 "-%02u-%02u", -y, m, d);
  else fprintf(o, "%04" PRId64 "-%02u-%02u", y, m, d);
}

static void put_time_text(FILE *o, int64_t us)
{
  fprintf(o, "%02d:%02d:%02d.%06d", (int)(us / 3600000000LL), (int)(us / 60000000 % 60), (int)(us / 1000000 % 60),
          (int)(us % 1000000));
}

static void put_timestamp(FILE *o, int64_t us, bool utc)
{
  int64_t days = us / 86400000000LL, rem = us % 86400000000LL;
  if (rem < 0) rem += 86400000000LL, days--;
  putc('"', o);
  put_date_text(o, days);
  putc('T', o);
  put_time_text(o, rem);
  if (utc) putc('Z', o);
  putc('"', o);
}

/* Exact decimal text of a big-endian two's complement integer with `scale` digits after the point. */
static void put_decimal_bytes(FILE *o, const uint8_t *p, size_t n, int32_t scale)
{
  bool neg = n && (p[0] & 0x80);
  /* magnitude in base 1e9 limbs, least significant first */
  size_t cap = n + 2, len = 0;
  uint32_t *limbs = calloc(cap, sizeof *limbs);
  uint8_t *mag = malloc(n ? n : 1);
  if (!limbs || !mag) {
    free(limbs);
    free(mag);
    fputs("null", o);
    return;
  }
  for (size_t i = 0; i < n; i++) mag[i] = neg ? (uint8_t)~p[i] : p[i];
  if (neg) /* two's complement: magnitude = ~x + 1 */
    for (size_t i = n; i-- > 0;)
      if (++mag[i] != 0) break;
  for (size_t i = 0; i < n; i++) {
    uint64_t carry = mag[i];
    for (size_t k = 0; k < len; k++) {
      uint64_t v = (uint64_t)limbs[k] * 256 + carry;
      limbs[k] = (uint32_t)(v % 1000000000u);
      carry = v / 1000000000u;
    }
    while (carry) {
      limbs[len++] = (uint32_t)(carry % 1000000000u);
      carry /= 1000000000u;
    }
  }
  char *digits = malloc(len * 9 + 2), *d = digits;
  if (!digits) {
    free(limbs);
    free(mag);
    fputs("null", o);
    return;
  }
  if (len == 0) *d++ = '0';
  for (size_t k = len; k-- > 0;) d += sprintf(d, k == len - 1 ? "%u" : "%09u", limbs[k]);
  *d = '\0';
  size_t nd = strlen(digits);
  putc('"', o);
  if (neg && strcmp(digits, "0")) putc('-', o);
  if (scale <= 0) {
    fputs(digits, o);
    for (int32_t i = 0; i < -scale; i++) putc('0', o);
  } else if ((size_t)scale >= nd) {
    fputs("0.", o);
    for (size_t i = nd; i < (size_t)scale; i++) putc('0', o);
    fputs(digits, o);
  } else {
    fwrite(digits, 1, nd - (size_t)scale, o);
    putc('.', o);
    fputs(digits + nd - (size_t)scale, o);
  }
  putc('"', o);
  free(digits);
  free(limbs);
  free(mag);
}

static void put_decimal_int(FILE *o, int64_t v, int32_t scale)
{
  uint8_t be[8];
  for (int i = 0; i < 8; i++) be[i] = (uint8_t)((uint64_t)v >> (56 - 8 * i));
  put_decimal_bytes(o, be, 8, scale);
}

static void put_value(FILE *o, const qb_value *v, const qb_pq_field *f);

static void put_primitive(FILE *o, const qb_value *v, const qb_pq_field *f)
{
  int64_t i = v->kind == QB_V_INT32 ? v->u.i32 : v->kind == QB_V_INT64 ? v->u.i64 : 0;
  bool bytes = v->kind == QB_V_BYTES || v->kind == QB_V_STRING;
  switch (f->vtype) {
  case QB_PQ_V_BOOL: fputs(v->u.b ? "true" : "false", o); return;
  case QB_PQ_V_INT: fprintf(o, "%" PRId64, i); return;
  case QB_PQ_V_UINT:
    fprintf(o, "%" PRIu64, v->kind == QB_V_INT32 ? (uint64_t)(uint32_t)v->u.i32 : (uint64_t)v->u.i64);
    return;
  case QB_PQ_V_FLOAT: put_double(o, v->u.f32, true); return;
  case QB_PQ_V_DOUBLE: put_double(o, v->u.f64, false); return;
  case QB_PQ_V_STRING: put_json_string(o, v->u.bytes.p, v->u.bytes.n); return;
  case QB_PQ_V_DECIMAL:
    if (bytes) put_decimal_bytes(o, v->u.bytes.p, v->u.bytes.n, f->scale);
    else put_decimal_int(o, i, f->scale);
    return;
  case QB_PQ_V_DATE:
    putc('"', o);
    put_date_text(o, i);
    putc('"', o);
    return;
  case QB_PQ_V_TIME:
    putc('"', o);
    put_time_text(o, i);
    putc('"', o);
    return;
  case QB_PQ_V_TIMESTAMP: put_timestamp(o, i, f->utc_adjusted); return;
  case QB_PQ_V_UUID:
    if (v->u.bytes.n == 16) {
      const uint8_t *u = v->u.bytes.p;
      fprintf(o, "\"%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x\"", u[0], u[1], u[2], u[3],
              u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
      return;
    }
    /* fall through */
  default: put_hex(o, v->u.bytes.p, v->u.bytes.n); return;
  }
}

static void put_value(FILE *o, const qb_value *v, const qb_pq_field *f)
{
  if (v->kind == QB_V_NULL) {
    fputs("null", o);
    return;
  }
  switch (f->kind) {
  case QB_PQ_F_PRIMITIVE: put_primitive(o, v, f); return;
  case QB_PQ_F_STRUCT:
    putc('{', o);
    for (size_t i = 0; i < v->u.seq.n && i < f->n_children; i++) {
      if (i) putc(',', o);
      put_cstr(o, f->children[i]->name);
      putc(':', o);
      put_value(o, &v->u.seq.items[i], f->children[i]);
    }
    putc('}', o);
    return;
  case QB_PQ_F_LIST:
    putc('[', o);
    for (size_t i = 0; i < v->u.seq.n; i++) {
      if (i) putc(',', o);
      put_value(o, &v->u.seq.items[i], f->children[0]);
    }
    putc(']', o);
    return;
  case QB_PQ_F_MAP:
    putc('[', o);
    for (size_t i = 0; i < v->u.seq.n; i++) {
      if (i) putc(',', o);
      fputs("{\"key\":", o);
      put_value(o, &v->u.seq.items[2 * i], f->children[0]);
      fputs(",\"value\":", o);
      put_value(o, &v->u.seq.items[2 * i + 1], f->children[1]);
      putc('}', o);
    }
    putc(']', o);
    return;
  }
}

/* ---- cat ------------------------------------------------------------------------------------------------ */

/* Split "a,b,c" in place into argv-like pieces (allocated array of pointers into s). */
static char **split_list(char *s, size_t *n)
{
  size_t cap = 1;
  for (const char *p = s; *p; p++) cap += *p == ',';
  char **v = calloc(cap, sizeof *v);
  if (!v) return NULL;
  *n = 0;
  for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) v[(*n)++] = tok;
  return v;
}

static int open_reader(qb_pq_reader **r, qb_fileio **io, const char *path, qb_err *err)
{
  int rc = qb_fileio_local_new(io, err);
  if (rc) return rc;
  return qb_pq_reader_open_path(r, *io, path, NULL, err);
}

static int cmd_cat(int argc, char **argv)
{
  const char *path = NULL;
  char *columns = NULL, *ids = NULL;
  long long limit = -1;
  bool count = false, batch = false;
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--count") || !strcmp(a, "--batch")) {
      *(a[2] == 'c' ? &count : &batch) = true;
      continue;
    }
    if ((!strcmp(a, "--columns") || !strcmp(a, "--field-ids") || !strcmp(a, "--limit")) && i + 1 >= argc)
      return qb_cli_usage_error("parquet", "%s needs a value", a);
    if (!strcmp(a, "--columns")) {
      columns = argv[++i];
    } else if (!strcmp(a, "--field-ids")) {
      ids = argv[++i];
    } else if (!strcmp(a, "--limit")) {
      char *end;
      limit = strtoll(argv[++i], &end, 10);
      if (*end || limit < 0) return qb_cli_usage_error("parquet", "--limit wants a number >= 0, not '%s'", argv[i]);
    } else if (!strcmp(a, "--json")) {
      continue; /* rows are always JSON */
    } else if (a[0] == '-' && a[1]) {
      return qb_cli_usage_error("parquet", "unknown option '%s'", a);
    } else if (path) {
      return qb_cli_usage_error("parquet", "unexpected argument '%s'", a);
    } else {
      path = a;
    }
  }
  if (!path) return qb_cli_usage_error("parquet", "cat needs a FILE");
  if (batch && !count) return qb_cli_usage_error("parquet", "--batch goes with --count");
  qb_err err = QB_ERR_INIT;
  qb_pq_scan_options so = QB_PQ_SCAN_OPTIONS_INIT;
  char **cols = NULL;
  int32_t *id_list = NULL;
  qb_fileio *io = NULL;
  qb_pq_reader *r = NULL;
  qb_pq_scan *s = NULL;
  int status = QB_EXIT_OK;
  if (columns && !(cols = split_list(columns, &so.n_columns))) return QB_EXIT_ERROR;
  so.columns = (const char *const *)cols;
  if (ids) {
    size_t n;
    char **parts = split_list(ids, &n);
    id_list = calloc(n ? n : 1, sizeof *id_list);
    if (!parts || !id_list) {
      free(parts);
      status = QB_EXIT_ERROR;
      goto done;
    }
    for (size_t i = 0; i < n; i++) {
      char *end;
      long v = strtol(parts[i], &end, 10);
      if (*end || v < INT32_MIN || v > INT32_MAX) {
        status = qb_cli_usage_error("parquet", "bad field id '%s'", parts[i]);
        free(parts);
        goto done;
      }
      id_list[i] = (int32_t)v;
    }
    free(parts);
    so.field_ids = id_list;
    so.n_field_ids = n;
  }
  if (open_reader(&r, &io, path, &err) || qb_pq_scan_new(&s, r, &so, &err)) {
    status = qb_cli_fail(&err);
    goto done;
  }
  if (count) {
    long long rows = 0;
    for (;;) {
      int rc;
      size_t got = 0;
      if (batch) {
        qb_pq_batch b;
        rc = qb_pq_scan_next_batch(&b, s, 4096, &err);
        got = b.n_rows;
      } else {
        const qb_value *row;
        rc = qb_pq_scan_next(&row, s, &err);
        got = row != NULL;
      }
      if (rc) {
        status = qb_cli_fail(&err);
        goto done;
      }
      if (!got || (limit >= 0 && rows >= limit)) break;
      rows += (long long)got;
    }
    printf("%lld\n", limit >= 0 && rows > limit ? limit : rows);
    goto done;
  }
  size_t nf = qb_pq_scan_num_fields(s);
  for (long long row_no = 0; limit < 0 || row_no < limit; row_no++) {
    const qb_value *row;
    if (qb_pq_scan_next(&row, s, &err)) {
      fflush(stdout);
      status = qb_cli_fail(&err);
      goto done;
    }
    if (!row) break;
    putchar('{');
    for (size_t i = 0; i < nf; i++) {
      const qb_pq_field *f = qb_pq_scan_field(s, i);
      if (i) putchar(',');
      put_cstr(stdout, f->name);
      putchar(':');
      put_value(stdout, &row->u.seq.items[i], f);
    }
    fputs("}\n", stdout);
  }
done:
  qb_pq_scan_free(s);
  qb_pq_reader_close(r);
  qb_fileio_free(io);
  free(cols);
  free(id_list);
  if (fflush(stdout) != 0 && status == QB_EXIT_OK) status = QB_EXIT_ERROR;
  return status;
}

/* ---- meta ---------------------------------------------------------------------------------------------- */

static const char *unit_name(qb_pq_time_unit u)
{
  return u == QB_PQ_MILLIS ? "MILLIS" : u == QB_PQ_MICROS ? "MICROS" : u == QB_PQ_NANOS ? "NANOS" : "?";
}

static const char *converted_name(qb_pq_converted_type c)
{
  static const char *const names[] = {"UTF8",         "MAP",         "MAP_KEY_VALUE",    "LIST",
                                      "ENUM",         "DECIMAL",     "DATE",             "TIME_MILLIS",
                                      "TIME_MICROS",  "TIMESTAMP_MILLIS", "TIMESTAMP_MICROS", "UINT_8",
                                      "UINT_16",      "UINT_32",     "UINT_64",          "INT_8",
                                      "INT_16",       "INT_32",      "INT_64",           "JSON",
                                      "BSON",         "INTERVAL"};
  return (unsigned)c < sizeof names / sizeof names[0] ? names[c] : "?";
}

/* "STRING", "DECIMAL(10,2)", "TIMESTAMP(MICROS,true)"; empty when there is no logical type. */
static void logical_text(char *buf, size_t n, const qb_pq_node *node)
{
  qb_pq_logical_type lt = qb_pq_node_logical(node);
  static const char *const names[] = {"",     "STRING", "MAP",     "LIST",    "ENUM",    "DECIMAL",
                                      "DATE", "TIME",   "TIMESTAMP", "",      "INTEGER", "UNKNOWN",
                                      "JSON", "BSON",   "UUID",    "FLOAT16"};
  buf[0] = '\0';
  if (lt.unrecognized_id) {
    snprintf(buf, n, "UNRECOGNIZED(%d)", lt.unrecognized_id);
    return;
  }
  if ((unsigned)lt.kind >= sizeof names / sizeof names[0]) return;
  switch (lt.kind) {
  case QB_PQ_LT_NONE: return;
  case QB_PQ_LT_DECIMAL: snprintf(buf, n, "DECIMAL(%d,%d)", (int)lt.precision, (int)lt.scale); return;
  case QB_PQ_LT_TIME:
  case QB_PQ_LT_TIMESTAMP:
    snprintf(buf, n, "%s(%s,%s)", names[lt.kind], unit_name(lt.unit), lt.utc_adjusted ? "true" : "false");
    return;
  case QB_PQ_LT_INTEGER: snprintf(buf, n, "INTEGER(%d,%s)", (int)lt.bit_width, lt.is_signed ? "true" : "false"); return;
  default: snprintf(buf, n, "%s", names[lt.kind]); return;
  }
}

static void converted_text(char *buf, size_t n, const qb_pq_node *node)
{
  qb_pq_converted_type c = qb_pq_node_converted(node);
  buf[0] = '\0';
  if (c == QB_PQ_CT_NONE) return;
  snprintf(buf, n, "%s", converted_name(c));
}

static void type_text(char *buf, size_t n, const qb_pq_node *node)
{
  qb_pq_type t = qb_pq_node_type(node);
  if (t == QB_PQ_FIXED_LEN_BYTE_ARRAY) snprintf(buf, n, "fixed_len_byte_array(%d)", (int)qb_pq_node_type_length(node));
  else {
    snprintf(buf, n, "%s", qb_pq_type_name(t));
    for (char *p = buf; *p; p++) *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
  }
}

static void print_node_text(FILE *o, const qb_pq_node *node, int depth)
{
  char lt[64], ct[32], ty[48];
  int32_t id;
  logical_text(lt, sizeof lt, node);
  converted_text(ct, sizeof ct, node);
  fprintf(o, "%*s", 2 * depth, "");
  if (depth == 0) {
    fprintf(o, "message %s {\n", qb_pq_node_name(node));
  } else {
    const char *rep = qb_pq_repetition_name(qb_pq_node_repetition(node));
    char low[16];
    snprintf(low, sizeof low, "%s", rep);
    for (char *p = low; *p; p++) *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    if (qb_pq_node_is_leaf(node)) {
      type_text(ty, sizeof ty, node);
      fprintf(o, "%s %s %s", low, ty, qb_pq_node_name(node));
    } else {
      fprintf(o, "%s group %s", low, qb_pq_node_name(node));
    }
    if (lt[0]) fprintf(o, " (%s)", lt);
    else if (ct[0]) fprintf(o, " (%s)", ct);
    if (qb_pq_node_field_id(node, &id)) fprintf(o, " = %d", (int)id);
    fputs(qb_pq_node_is_leaf(node) ? ";\n" : " {\n", o);
  }
  for (size_t i = 0; i < qb_pq_node_n_children(node); i++) print_node_text(o, qb_pq_node_child(node, i), depth + 1);
  if (!qb_pq_node_is_leaf(node)) fprintf(o, "%*s}\n", 2 * depth, "");
}

/* A statistics bound as JSON, rendered like a value of the column. */
static void put_stat(FILE *o, const qb_value *v, const qb_pq_field *f) { put_value(o, v, f); }

static void print_stats_text(FILE *o, const qb_pq_stats *st, const qb_pq_field *f)
{
  if (st->has_min) {
    fputs(" min ", o);
    put_stat(o, &st->min, f);
  }
  if (st->has_max) {
    fputs(" max ", o);
    put_stat(o, &st->max, f);
  }
  if (!st->has_min && st->raw_min.p) {
    fputs(" min(unusable) 0x", o);
    for (size_t i = 0; i < st->raw_min.n; i++) fprintf(o, "%02x", st->raw_min.p[i]);
  }
  if (!st->has_max && st->raw_max.p) {
    fputs(" max(unusable) 0x", o);
    for (size_t i = 0; i < st->raw_max.n; i++) fprintf(o, "%02x", st->raw_max.p[i]);
  }
  if (st->has_null_count) fprintf(o, " nulls %" PRId64, st->null_count);
  if (st->has_distinct_count) fprintf(o, " distinct %" PRId64, st->distinct_count);
  if (st->has_nan_count) fprintf(o, " nans %" PRId64, st->nan_count);
  if ((st->has_min && !st->min_exact) || (st->has_max && !st->max_exact)) fputs(" (truncated)", o);
}

static void print_encodings(FILE *o, const qb_pq_chunk_info *ci, bool json)
{
  for (size_t k = 0; k < ci->n_encodings; k++) {
    if (json) {
      if (k) putc(',', o);
      put_cstr(o, qb_pq_encoding_name(ci->encodings[k]));
    } else {
      fprintf(o, "%s%s", k ? "," : "", qb_pq_encoding_name(ci->encodings[k]));
    }
  }
}

static int meta_text(FILE *o, qb_pq_reader *r, qb_err *err)
{
  const char *cb = qb_pq_reader_created_by(r);
  fprintf(o, "file: %s\nsize: %" PRIu64 " bytes (footer %u)\ncreated_by: %s\nformat version: %d\nrows: %" PRId64
             "\nrow groups: %zu\n",
          qb_pq_reader_path(r), qb_pq_reader_file_size(r), qb_pq_reader_footer_size(r), cb ? cb : "(none)",
          (int)qb_pq_reader_format_version(r), qb_pq_reader_num_rows(r), qb_pq_reader_num_row_groups(r));
  if (qb_pq_reader_num_kv(r)) fputs("key/value metadata:\n", o);
  for (size_t i = 0; i < qb_pq_reader_num_kv(r); i++) {
    const char *k, *v;
    size_t vn;
    qb_pq_reader_kv(r, i, &k, &v, &vn);
    fprintf(o, "  %s = ", k);
    if (v) {
      size_t show = vn > 200 ? 200 : vn;
      fwrite(v, 1, show, o);
      if (show < vn) fprintf(o, "... (%zu bytes)", vn);
    } else {
      fputs("(no value)", o);
    }
    putc('\n', o);
  }
  fputs("schema:\n", o);
  print_node_text(o, qb_pq_schema_root_const(qb_pq_reader_schema(r)), 0);
  size_t ncols = qb_pq_schema_n_columns(qb_pq_reader_schema(r));
  for (size_t g = 0; g < qb_pq_reader_num_row_groups(r); g++) {
    qb_pq_row_group_info rg;
    int rc = qb_pq_reader_row_group(&rg, r, g, err);
    if (rc) return rc;
    fprintf(o, "row group %zu: %" PRId64 " rows, %" PRId64 " bytes uncompressed", g, rg.num_rows, rg.total_byte_size);
    if (rg.total_compressed_size >= 0) fprintf(o, ", %" PRId64 " compressed", rg.total_compressed_size);
    if (rg.file_offset >= 0) fprintf(o, ", offset %" PRId64, rg.file_offset);
    putc('\n', o);
    for (size_t c = 0; c < ncols; c++) {
      qb_pq_chunk_info ci;
      if ((rc = qb_pq_reader_chunk(&ci, r, g, c, err))) return rc;
      fprintf(o, "  %s: %s %s [", ci.path, qb_pq_type_name(ci.type), qb_pq_codec_name(ci.codec));
      print_encodings(o, &ci, false);
      fprintf(o, "] values %" PRId64 " size %" PRId64 "/%" PRId64 " data_page_offset %" PRId64, ci.num_values,
              ci.total_compressed_size, ci.total_uncompressed_size, ci.data_page_offset);
      if (ci.has_dictionary_page_offset) fprintf(o, " dictionary_page_offset %" PRId64, ci.dictionary_page_offset);
      if (ci.has_bloom_filter) fprintf(o, " bloom_filter_offset %" PRId64, ci.bloom_filter_offset);
      if (ci.has_column_index) fputs(" column_index", o);
      if (ci.has_offset_index) fputs(" offset_index", o);
      if (ci.has_stats) {
        fputs("\n    stats:", o);
        print_stats_text(o, &ci.stats, qb_pq_reader_column_field(r, c));
      }
      putc('\n', o);
    }
  }
  return QB_OK;
}

static void node_json(FILE *o, const qb_pq_node *node)
{
  char buf[64];
  int32_t id;
  fputs("{\"name\":", o);
  put_cstr(o, qb_pq_node_name(node));
  if (qb_pq_node_parent(node)) {
    fputs(",\"repetition\":", o);
    put_cstr(o, qb_pq_repetition_name(qb_pq_node_repetition(node)));
  }
  if (qb_pq_node_field_id(node, &id)) fprintf(o, ",\"field_id\":%d", (int)id);
  logical_text(buf, sizeof buf, node);
  if (buf[0]) {
    fputs(",\"logical_type\":", o);
    put_cstr(o, buf);
  }
  converted_text(buf, sizeof buf, node);
  if (buf[0]) {
    fputs(",\"converted_type\":", o);
    put_cstr(o, buf);
  }
  if (qb_pq_node_is_leaf(node)) {
    fputs(",\"type\":", o);
    put_cstr(o, qb_pq_type_name(qb_pq_node_type(node)));
    if (qb_pq_node_type(node) == QB_PQ_FIXED_LEN_BYTE_ARRAY) fprintf(o, ",\"type_length\":%d", (int)qb_pq_node_type_length(node));
    fprintf(o, ",\"column\":%d,\"max_def\":%d,\"max_rep\":%d", qb_pq_node_column_index(node), qb_pq_node_max_def(node),
            qb_pq_node_max_rep(node));
  } else {
    fputs(",\"children\":[", o);
    for (size_t i = 0; i < qb_pq_node_n_children(node); i++) {
      if (i) putc(',', o);
      node_json(o, qb_pq_node_child(node, i));
    }
    putc(']', o);
  }
  putc('}', o);
}

static int meta_json(FILE *o, qb_pq_reader *r, qb_err *err)
{
  const char *cb = qb_pq_reader_created_by(r);
  fputs("{\"file\":", o);
  put_cstr(o, qb_pq_reader_path(r));
  fprintf(o, ",\"file_size\":%" PRIu64 ",\"footer_size\":%u,\"created_by\":", qb_pq_reader_file_size(r),
          qb_pq_reader_footer_size(r));
  if (cb) put_cstr(o, cb);
  else fputs("null", o);
  fprintf(o, ",\"format_version\":%d,\"num_rows\":%" PRId64 ",\"key_value_metadata\":[",
          (int)qb_pq_reader_format_version(r), qb_pq_reader_num_rows(r));
  for (size_t i = 0; i < qb_pq_reader_num_kv(r); i++) {
    const char *k, *v;
    size_t vn;
    qb_pq_reader_kv(r, i, &k, &v, &vn);
    fputs(i ? ",{\"key\":" : "{\"key\":", o);
    put_cstr(o, k);
    fputs(",\"value\":", o);
    if (v) put_json_string(o, (const uint8_t *)v, vn);
    else fputs("null", o);
    putc('}', o);
  }
  fputs("],\"schema\":", o);
  node_json(o, qb_pq_schema_root_const(qb_pq_reader_schema(r)));
  fputs(",\"row_groups\":[", o);
  size_t ncols = qb_pq_schema_n_columns(qb_pq_reader_schema(r));
  for (size_t g = 0; g < qb_pq_reader_num_row_groups(r); g++) {
    qb_pq_row_group_info rg;
    int rc = qb_pq_reader_row_group(&rg, r, g, err);
    if (rc) return rc;
    fprintf(o, "%s{\"num_rows\":%" PRId64 ",\"total_byte_size\":%" PRId64, g ? "," : "", rg.num_rows, rg.total_byte_size);
    if (rg.total_compressed_size >= 0) fprintf(o, ",\"total_compressed_size\":%" PRId64, rg.total_compressed_size);
    if (rg.file_offset >= 0) fprintf(o, ",\"file_offset\":%" PRId64, rg.file_offset);
    if (rg.ordinal >= 0) fprintf(o, ",\"ordinal\":%d", (int)rg.ordinal);
    fputs(",\"columns\":[", o);
    for (size_t c = 0; c < ncols; c++) {
      qb_pq_chunk_info ci;
      if ((rc = qb_pq_reader_chunk(&ci, r, g, c, err))) return rc;
      const qb_pq_field *f = qb_pq_reader_column_field(r, c);
      fputs(c ? ",{\"path\":" : "{\"path\":", o);
      put_cstr(o, ci.path);
      fputs(",\"type\":", o);
      put_cstr(o, qb_pq_type_name(ci.type));
      fputs(",\"codec\":", o);
      put_cstr(o, qb_pq_codec_name(ci.codec));
      fputs(",\"encodings\":[", o);
      print_encodings(o, &ci, true);
      fprintf(o, "],\"num_values\":%" PRId64 ",\"total_compressed_size\":%" PRId64 ",\"total_uncompressed_size\":%" PRId64
                 ",\"data_page_offset\":%" PRId64 ",\"file_offset\":%" PRId64,
              ci.num_values, ci.total_compressed_size, ci.total_uncompressed_size, ci.data_page_offset, ci.file_offset);
      if (ci.has_dictionary_page_offset) fprintf(o, ",\"dictionary_page_offset\":%" PRId64, ci.dictionary_page_offset);
      if (ci.has_bloom_filter)
        fprintf(o, ",\"bloom_filter_offset\":%" PRId64 ",\"bloom_filter_length\":%d", ci.bloom_filter_offset,
                (int)ci.bloom_filter_length);
      fprintf(o, ",\"column_index\":%s,\"offset_index\":%s", ci.has_column_index ? "true" : "false",
              ci.has_offset_index ? "true" : "false");
      if (ci.has_stats) {
        const qb_pq_stats *st = &ci.stats;
        fputs(",\"statistics\":{", o);
        bool first = true;
#define SEP() (first ? (first = false, "") : ",")
        if (st->has_min) {
          fprintf(o, "%s\"min\":", SEP());
          put_stat(o, &st->min, f);
        }
        if (st->has_max) {
          fprintf(o, "%s\"max\":", SEP());
          put_stat(o, &st->max, f);
        }
        if (st->raw_min.p) {
          fprintf(o, "%s\"raw_min\":", SEP());
          put_hex(o, st->raw_min.p, st->raw_min.n);
        }
        if (st->raw_max.p) {
          fprintf(o, "%s\"raw_max\":", SEP());
          put_hex(o, st->raw_max.p, st->raw_max.n);
        }
        if (st->has_min || st->has_max)
          fprintf(o, "%s\"min_exact\":%s,\"max_exact\":%s,\"from_deprecated\":%s", SEP(), st->min_exact ? "true" : "false",
                  st->max_exact ? "true" : "false", st->from_deprecated ? "true" : "false");
        if (st->has_null_count) fprintf(o, "%s\"null_count\":%" PRId64, SEP(), st->null_count);
        if (st->has_distinct_count) fprintf(o, "%s\"distinct_count\":%" PRId64, SEP(), st->distinct_count);
        if (st->has_nan_count) fprintf(o, "%s\"nan_count\":%" PRId64, SEP(), st->nan_count);
#undef SEP
        putc('}', o);
      }
      putc('}', o);
    }
    fputs("]}", o);
  }
  fputs("]}\n", o);
  return QB_OK;
}

static int cmd_meta(qb_cli *cli)
{
  const char *path = NULL;
  for (int i = 2; i < cli->argc; i++) {
    const char *a = cli->argv[i];
    if (!strcmp(a, "--json")) continue; /* the global flag, already in cli->json */
    if (a[0] == '-' && a[1]) return qb_cli_usage_error("parquet", "unknown option '%s'", a);
    if (path) return qb_cli_usage_error("parquet", "unexpected argument '%s'", a);
    path = a;
  }
  if (!path) return qb_cli_usage_error("parquet", "meta needs a FILE");
  qb_err err = QB_ERR_INIT;
  qb_fileio *io = NULL;
  qb_pq_reader *r = NULL;
  int status = QB_EXIT_OK;
  if (open_reader(&r, &io, path, &err) || (cli->json ? meta_json(stdout, r, &err) : meta_text(stdout, r, &err)))
    status = qb_cli_fail(&err);
  qb_pq_reader_close(r);
  qb_fileio_free(io);
  if (fflush(stdout) != 0 && status == QB_EXIT_OK) status = QB_EXIT_ERROR;
  return status;
}

int qb_cmd_parquet(qb_cli *cli)
{
  if (cli->argc < 2 || !strcmp(cli->argv[1], "-h") || !strcmp(cli->argv[1], "--help") ||
      qb_cli_wants_help(cli->argc, cli->argv)) {
    if (cli->argc < 2) {
      fputs(usage_text, stderr);
      return QB_EXIT_USAGE;
    }
    fputs(usage_text, stdout);
    return QB_EXIT_OK;
  }
  if (!strcmp(cli->argv[1], "cat")) return cmd_cat(cli->argc, cli->argv);
  if (!strcmp(cli->argv[1], "meta")) return cmd_meta(cli);
  return qb_cli_usage_error("parquet", "unknown subcommand '%s' (cat, meta)", cli->argv[1]);
}
