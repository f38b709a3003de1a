/* SPDX-License-Identifier: Apache-2.0 */
/* Test generator: writes a generated table with the qberg Parquet writer and dumps, independently of any
 * reader, what it wrote: EXPECTED.jsonl (one canonical JSON row per line) and TYPES.json (the column
 * types, for tests/formats/pq_compare.mjs). The write result (data_file metrics) goes to stdout as JSON.
 *
 *   pq_gen CASE OUT.parquet EXPECTED.jsonl TYPES.json [--rows N] [--seed N] [--codec NAME]
 *          [--page-version 1|2] [--no-dict] [--dict-bytes N] [--row-group-bytes N] [--page-bytes N]
 *          [--page-rows N] [--no-crc] [--aggregates]
 * CASE: alltypes (every physical/logical type, nulls, edge values; row API), nested (structs, lists,
 * maps, nulls at every level; row API), flat (int64/double/string/date/timestamp/bool/int32 through the
 * columnar batch API; with --aggregates EXPECTED holds one line of aggregates instead of rows, so 10 M
 * rows stay cheap to check).
 *
 * Canonical JSON: int32/date as numbers; int64, timestamps (µs), INT96 (µs) and decimals (unscaled) as
 * strings; floats with %.9g/%.17g and "NaN"/"Infinity"/"-Infinity"; binary/fixed/uuid as lowercase hex
 * strings; structs as objects; lists as arrays; maps as arrays of [key, value]. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "flat_agg.h"
#include "qberg/qberg.h"
#include "qberg/parquet.h"

/* ---- generated types ------------------------------------------------------------------------------- */

typedef enum {
  G_BOOL, G_I32, G_I64, G_F32, G_F64, G_STR, G_BIN, G_FIXED, G_DATE, G_TS, G_TSTZ, G_DEC, G_UUID, G_I96,
  G_I8, G_STRUCT, G_LIST, G_MAP
} gkind;

typedef struct gtype gtype;
struct gtype {
  const char *name;
  gkind kind;
  bool optional;
  int32_t id;
  int prec, scale, len; /* decimal precision/scale; FLBA length */
  gtype *kids[24];      /* struct fields; list: [element]; map: [key, value] */
  size_t n;
};

static const char *const kind_names[] = {"bool", "i32", "i64", "f32", "f64", "str", "bin", "fixed", "date",
                                         "ts", "tstz", "dec", "uuid", "i96", "i8", "struct", "list", "map"};

static void die(const char *what, const qb_err *e)
{
  fprintf(stderr, "pq_gen: %s: %s\n", what, e ? e->msg : "");
  exit(1);
}

static int dec_width(int prec)
{
  int w = 1;
  while (w < 16) {
    /* bytes needed for 10^prec - 1 as two's complement */
    double max = ldexp(1.0, 8 * w - 1);
    if (max > pow(10.0, prec)) break;
    w++;
  }
  return w;
}

static void build(qb_pq_schema *s, qb_pq_node *parent, gtype *t)
{
  qb_err e = QB_ERR_INIT;
  qb_pq_repetition rep = t->optional ? QB_PQ_OPTIONAL : QB_PQ_REQUIRED;
  qb_pq_logical_type lt = QB_PQ_LOGICAL_NONE;
  qb_pq_type pt = QB_PQ_INT32;
  int32_t len = 0;
  qb_pq_node *g = NULL, *mid = NULL;
  int rc = QB_OK;
  switch (t->kind) {
  case G_STRUCT:
    rc = qb_pq_schema_add_group(&g, s, parent, t->name, rep, t->id, &e);
    for (size_t i = 0; rc == QB_OK && i < t->n; i++) build(s, g, t->kids[i]);
    break;
  case G_LIST:
    rc = qb_pq_schema_add_list(&mid, NULL, s, parent, t->name, rep, t->id, &e);
    if (rc == QB_OK) build(s, mid, t->kids[0]);
    break;
  case G_MAP:
    rc = qb_pq_schema_add_map(&mid, NULL, s, parent, t->name, rep, t->id, &e);
    if (rc == QB_OK) {
      build(s, mid, t->kids[0]);
      build(s, mid, t->kids[1]);
    }
    break;
  default:
    switch (t->kind) {
    case G_BOOL: pt = QB_PQ_BOOLEAN; break;
    case G_I32: pt = QB_PQ_INT32; break;
    case G_I8: pt = QB_PQ_INT32; lt = QB_PQ_LOGICAL_INTEGER(8, true); break;
    case G_I64: pt = QB_PQ_INT64; break;
    case G_F32: pt = QB_PQ_FLOAT; break;
    case G_F64: pt = QB_PQ_DOUBLE; break;
    case G_STR: pt = QB_PQ_BYTE_ARRAY; lt = QB_PQ_LOGICAL(QB_PQ_LT_STRING); break;
    case G_BIN: pt = QB_PQ_BYTE_ARRAY; break;
    case G_FIXED: pt = QB_PQ_FIXED_LEN_BYTE_ARRAY; len = t->len; break;
    case G_DATE: pt = QB_PQ_INT32; lt = QB_PQ_LOGICAL(QB_PQ_LT_DATE); break;
    case G_TS: pt = QB_PQ_INT64; lt = QB_PQ_LOGICAL_TIMESTAMP(false, QB_PQ_MICROS); break;
    case G_TSTZ: pt = QB_PQ_INT64; lt = QB_PQ_LOGICAL_TIMESTAMP(true, QB_PQ_MICROS); break;
    case G_DEC:
      lt = QB_PQ_LOGICAL_DECIMAL(t->prec, t->scale);
      if (t->prec <= 9) pt = QB_PQ_INT32;
      else if (t->prec <= 18) pt = QB_PQ_INT64;
      else {
        pt = QB_PQ_FIXED_LEN_BYTE_ARRAY;
        len = t->len = dec_width(t->prec);
      }
      break;
    case G_UUID: pt = QB_PQ_FIXED_LEN_BYTE_ARRAY; len = 16; lt = QB_PQ_LOGICAL(QB_PQ_LT_UUID); break;
    case G_I96: pt = QB_PQ_INT96; break;
    default: break;
    }
    rc = qb_pq_schema_add_primitive(NULL, s, parent, t->name, rep, pt, len, &lt, t->id, &e);
  }
  if (rc) die("schema", &e);
}

static void dump_type(FILE *f, const gtype *t)
{
  fprintf(f, "{\"name\":\"%s\",\"t\":\"%s\",\"optional\":%s,\"id\":%d", t->name, kind_names[t->kind],
          t->optional ? "true" : "false", t->id);
  if (t->kind == G_DEC) fprintf(f, ",\"prec\":%d,\"scale\":%d", t->prec, t->scale);
  if (t->n) {
    fputs(",\"kids\":[", f);
    for (size_t i = 0; i < t->n; i++) {
      if (i) fputc(',', f);
      dump_type(f, t->kids[i]);
    }
    fputc(']', f);
  }
  fputc('}', f);
}

/* ---- values: a bump pool reset per row ------------------------------------------------------------ */

static qb_value pool[1 << 16];
static size_t pool_n;
static uint8_t bytes_pool[1 << 20];
static size_t bytes_n;

static qb_value *vals(size_t n)
{
  if (pool_n + n > sizeof pool / sizeof pool[0]) die("value pool exhausted", NULL);
  qb_value *v = &pool[pool_n];
  pool_n += n;
  return v;
}

static uint8_t *bytes(size_t n)
{
  if (bytes_n + n > sizeof bytes_pool) die("byte pool exhausted", NULL);
  uint8_t *p = &bytes_pool[bytes_n];
  bytes_n += n;
  return p;
}

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint64_t rnd(void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static qb_value vnull(void) { return qb_value_null(); }
static qb_value vi32(int32_t x) { qb_value v = {.kind = QB_V_INT32}; v.u.i32 = x; return v; }
static qb_value vi64(int64_t x) { qb_value v = {.kind = QB_V_INT64}; v.u.i64 = x; return v; }
static qb_value vbool(bool x) { qb_value v = {.kind = QB_V_BOOL}; v.u.b = x; return v; }
static qb_value vf32(float x) { qb_value v = {.kind = QB_V_FLOAT}; v.u.f32 = x; return v; }
static qb_value vf64(double x) { qb_value v = {.kind = QB_V_DOUBLE}; v.u.f64 = x; return v; }
static qb_value vbytes(qb_vkind k, const uint8_t *p, size_t n)
{
  qb_value v = {.kind = k};
  v.u.bytes.p = p;
  v.u.bytes.n = n;
  return v;
}
static qb_value vstr(const char *s) { return vbytes(QB_V_STRING, (const uint8_t *)s, strlen(s)); }
static qb_value vseq(qb_vkind k, qb_value *items, size_t n)
{
  qb_value v = {.kind = k};
  v.u.seq.items = items;
  v.u.seq.n = n;
  return v;
}

static const char *const words[] = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta",
                                    "héllo ✓ 日本", "quote\"back\\slash", "tab\tnew\nline", ""};

/* --id-strings: strings built as the ingest's ids (a 64-hex-digit experiment id, then per-row numbers), which
 * the writer stores DELTA_BYTE_ARRAY when they are not dictionary-encoded */
static bool id_strings;

static qb_value gen_string(uint64_t i)
{
  uint64_t r = rnd();
  if (r % 4 == 0 && !id_strings) return vstr(words[r % (sizeof words / sizeof words[0])]);
  if (i == 7) { /* one value above parquet-java's 4 KiB statistics bound */
    uint8_t *p = bytes(5000);
    for (size_t k = 0; k < 5000; k++) p[k] = (uint8_t)('a' + k % 26);
    return vbytes(QB_V_STRING, p, 5000);
  }
  char tmp[128];
  int n = id_strings ? snprintf(tmp, sizeof tmp, "%016" PRIx64 "%048" PRIx64 "_iter_%" PRIu64 "_param_%" PRIu64,
                                (uint64_t)((i / 50) * 0x9E3779B97F4A7C15ULL), i / 50, i % 50, r % 7)
                     : snprintf(tmp, sizeof tmp, "s%" PRIu64 "_%" PRIx64, i, r % 100000);
  uint8_t *p = bytes((size_t)n);
  memcpy(p, tmp, (size_t)n);
  return vbytes(QB_V_STRING, p, (size_t)n);
}

static qb_value gen_bytes(size_t n, bool any)
{
  uint8_t *p = bytes(n);
  for (size_t k = 0; k < n; k++) p[k] = (uint8_t)rnd();
  if (any && n && rnd() % 3 == 0) p[0] = 0xFF;
  return vbytes(QB_V_BYTES, p, n);
}

/* A random unscaled decimal fitting prec digits, as big-endian two's complement of `width` bytes
 * (sometimes shorter: the writer must sign-extend). */
static qb_value gen_decimal_bytes(int prec, int width)
{
  __int128 lim = 1;
  for (int k = 0; k < prec; k++) lim *= 10;
  unsigned __int128 r = ((unsigned __int128)rnd() << 64) | rnd();
  __int128 x = (__int128)(r % (2 * (unsigned __int128)lim - 1)) - (lim - 1);
  if (rnd() % 5 == 0) x = (__int128)(int64_t)rnd() % 1000; /* small: minimal encoding is short */
  uint8_t full[16];
  for (int k = 0; k < 16; k++) full[15 - k] = (uint8_t)((unsigned __int128)x >> (8 * k));
  int start = 16 - width;
  if (rnd() % 2) { /* minimal two's complement length */
    while (start < 15 && ((full[start] == 0x00 && !(full[start + 1] & 0x80)) ||
                          (full[start] == 0xFF && (full[start + 1] & 0x80))))
      start++;
  }
  uint8_t *p = bytes((size_t)(16 - start));
  memcpy(p, full + start, (size_t)(16 - start));
  return vbytes(QB_V_BYTES, p, (size_t)(16 - start));
}

static qb_value gen_value(const gtype *t, uint64_t i, int depth);

static qb_value gen_prim(const gtype *t, uint64_t i)
{
  uint64_t r = rnd();
  switch (t->kind) {
  case G_BOOL: return vbool(r & 1);
  case G_I8: return vi32((int32_t)(int8_t)r);
  case G_I32: {
    static const int32_t edge[] = {INT32_MIN, INT32_MAX, 0, -1, 1};
    return i < 5 ? vi32(edge[i]) : vi32((int32_t)r);
  }
  case G_I64: {
    static const int64_t edge[] = {INT64_MIN, INT64_MAX, 0, -1, 1};
    if (i < 5) return vi64(edge[i]);
    return vi64(r % 3 ? (int64_t)(r % 1000) : (int64_t)r);
  }
  case G_F32: {
    static const float edge[] = {NAN, INFINITY, -INFINITY, -0.0f, 0.0f, 3.4028235e38f, 1.17549435e-38f, 1e-45f};
    if (i < 8) return vf32(edge[i]);
    return vf32((float)((int64_t)(r % 2000001) - 1000000) / 64.0f);
  }
  case G_F64: {
    static const double edge[] = {NAN, INFINITY, -INFINITY, -0.0, 0.0, 1.7976931348623157e308, 4.9e-324, 0.1};
    if (i < 8) return vf64(edge[i]);
    if (r % 4 == 0) return vf64((double)(r % 16) / 4.0); /* repeats: dictionary */
    return vf64(((double)(r >> 11) / 9007199254740992.0 - 0.5) * 1e6);
  }
  case G_STR: return gen_string(i);
  case G_BIN: return gen_bytes(r % 9, true);
  case G_FIXED: return gen_bytes((size_t)t->len, true);
  case G_UUID: return gen_bytes(16, false);
  case G_DATE: return vi32((int32_t)(r % 200001) - 100000);
  case G_TS:
  case G_TSTZ: return vi64((int64_t)(r % 1000000000000000ULL) - 500000000000000LL);
  case G_DEC:
    if (t->prec <= 9) return vi32((int32_t)((int64_t)(r % 1999999999ULL) - 999999999));
    if (t->prec <= 18) return vi64((int64_t)(r % 1999999999999999999ULL) - 999999999999999999LL);
    return gen_decimal_bytes(t->prec, t->len);
  case G_I96: {
    uint8_t *p = bytes(12);
    uint64_t nanos = (r % 86400000000ULL) * 1000; /* whole microseconds */
    uint32_t jd = (uint32_t)(2440588 - 20000 + (rnd() % 40000));
    for (int k = 0; k < 8; k++) p[k] = (uint8_t)(nanos >> (8 * k));
    for (int k = 0; k < 4; k++) p[8 + k] = (uint8_t)(jd >> (8 * k));
    return vbytes(QB_V_BYTES, p, 12);
  }
  default: return vnull();
  }
}

static qb_value gen_value(const gtype *t, uint64_t i, int depth)
{
  uint64_t r = rnd();
  if (t->optional && r % 7 == 0) return vnull();
  switch (t->kind) {
  case G_STRUCT: {
    qb_value *it = vals(t->n);
    for (size_t k = 0; k < t->n; k++) it[k] = gen_value(t->kids[k], i, depth + 1);
    return vseq(QB_V_STRUCT, it, t->n);
  }
  case G_LIST: {
    size_t n = (r >> 8) % 5; /* 0..4 items: empty lists are frequent */
    qb_value *it = vals(n ? n : 1);
    for (size_t k = 0; k < n; k++) it[k] = gen_value(t->kids[0], i, depth + 1);
    return vseq(QB_V_LIST, it, n);
  }
  case G_MAP: {
    size_t n = (r >> 8) % 4;
    qb_value *it = vals(2 * n + 1);
    for (size_t k = 0; k < n; k++) {
      /* distinct keys: readers may fold duplicates */
      if (t->kids[0]->kind == G_STR) {
        char tmp[32];
        int len = snprintf(tmp, sizeof tmp, "k%zu_%" PRIu64, k, rnd() % 100);
        uint8_t *p = bytes((size_t)len);
        memcpy(p, tmp, (size_t)len);
        it[2 * k] = vbytes(QB_V_STRING, p, (size_t)len);
      } else {
        it[2 * k] = vi32((int32_t)(k * 1000 + rnd() % 1000));
      }
      it[2 * k + 1] = gen_value(t->kids[1], i, depth + 1);
    }
    return vseq(QB_V_MAP, it, n);
  }
  default: return gen_prim(t, i);
  }
}

/* ---- canonical JSON ---------------------------------------------------------------------------------- */

static void json_str(FILE *f, const uint8_t *p, size_t n)
{
  fputc('"', f);
  for (size_t k = 0; k < n; k++) {
    uint8_t c = p[k];
    if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
    else if (c == '\n') fputs("\\n", f);
    else if (c == '\t') fputs("\\t", f);
    else if (c < 0x20) fprintf(f, "\\u%04x", c);
    else fputc(c, f);
  }
  fputc('"', f);
}

static void json_hex(FILE *f, const uint8_t *p, size_t n)
{
  fputc('"', f);
  for (size_t k = 0; k < n; k++) fprintf(f, "%02x", p[k]);
  fputc('"', f);
}

static void json_double(FILE *f, double d, bool single)
{
  if (isnan(d)) fputs("\"NaN\"", f);
  else if (isinf(d)) fputs(d > 0 ? "\"Infinity\"" : "\"-Infinity\"", f);
  else fprintf(f, single ? "%.9g" : "%.17g", d);
}

static void json_i128(FILE *f, __int128 x)
{
  char buf[64];
  int k = 63;
  buf[k] = 0;
  bool neg = x < 0;
  unsigned __int128 u = neg ? (unsigned __int128)(-(x + 1)) + 1 : (unsigned __int128)x;
  do {
    buf[--k] = (char)('0' + (int)(u % 10));
    u /= 10;
  } while (u);
  if (neg) buf[--k] = '-';
  fprintf(f, "\"%s\"", buf + k);
}

static void json_value(FILE *f, const gtype *t, const qb_value *v)
{
  if (v->kind == QB_V_NULL) {
    fputs("null", f);
    return;
  }
  switch (t->kind) {
  case G_BOOL: fputs(v->u.b ? "true" : "false", f); break;
  case G_I8:
  case G_I32:
  case G_DATE: fprintf(f, "%d", v->u.i32); break;
  case G_I64:
  case G_TS:
  case G_TSTZ: fprintf(f, "\"%" PRId64 "\"", v->u.i64); break;
  case G_F32: json_double(f, v->u.f32, true); break;
  case G_F64: json_double(f, v->u.f64, false); break;
  case G_STR: json_str(f, v->u.bytes.p, v->u.bytes.n); break;
  case G_BIN:
  case G_FIXED:
  case G_UUID: json_hex(f, v->u.bytes.p, v->u.bytes.n); break;
  case G_DEC:
    if (v->kind == QB_V_INT32) fprintf(f, "\"%d\"", v->u.i32);
    else if (v->kind == QB_V_INT64) fprintf(f, "\"%" PRId64 "\"", v->u.i64);
    else {
      __int128 x = (v->u.bytes.n && (v->u.bytes.p[0] & 0x80)) ? -1 : 0;
      for (size_t k = 0; k < v->u.bytes.n; k++) x = (__int128)(((unsigned __int128)x << 8) | v->u.bytes.p[k]);
      json_i128(f, x);
    }
    break;
  case G_I96: {
    uint64_t nanos = 0;
    uint32_t jd = 0;
    for (int k = 0; k < 8; k++) nanos |= (uint64_t)v->u.bytes.p[k] << (8 * k);
    for (int k = 0; k < 4; k++) jd |= (uint32_t)v->u.bytes.p[8 + k] << (8 * k);
    fprintf(f, "\"%" PRId64 "\"", ((int64_t)jd - 2440588) * (int64_t)86400000000 + (int64_t)(nanos / 1000));
    break;
  }
  case G_STRUCT:
    fputc('{', f);
    for (size_t k = 0; k < t->n; k++) {
      fprintf(f, "%s\"%s\":", k ? "," : "", t->kids[k]->name);
      json_value(f, t->kids[k], &v->u.seq.items[k]);
    }
    fputc('}', f);
    break;
  case G_LIST:
    fputc('[', f);
    for (size_t k = 0; k < v->u.seq.n; k++) {
      if (k) fputc(',', f);
      json_value(f, t->kids[0], &v->u.seq.items[k]);
    }
    fputc(']', f);
    break;
  case G_MAP:
    fputc('[', f);
    for (size_t k = 0; k < v->u.seq.n; k++) {
      fputs(k ? ",[" : "[", f);
      json_value(f, t->kids[0], &v->u.seq.items[2 * k]);
      fputc(',', f);
      json_value(f, t->kids[1], &v->u.seq.items[2 * k + 1]);
      fputc(']', f);
    }
    fputc(']', f);
    break;
  }
}

/* ---- cases ------------------------------------------------------------------------------------------- */

static gtype *gt(const char *name, gkind kind, bool optional, int32_t id)
{
  gtype *t = calloc(1, sizeof *t);
  if (!t) die("out of memory", NULL);
  t->name = name;
  t->kind = kind;
  t->optional = optional;
  t->id = id;
  return t;
}

static gtype *add(gtype *parent, gtype *kid)
{
  parent->kids[parent->n++] = kid;
  return kid;
}

static gtype *dec(const char *name, int32_t id, int prec, int scale)
{
  gtype *t = gt(name, G_DEC, true, id);
  t->prec = prec;
  t->scale = scale;
  return t;
}

static gtype *case_alltypes(void)
{
  gtype *r = gt("schema", G_STRUCT, false, -1);
  add(r, gt("b", G_BOOL, true, 1));
  add(r, gt("i32", G_I32, true, 2));
  add(r, gt("i64", G_I64, false, 3));
  add(r, gt("f32", G_F32, true, 4));
  add(r, gt("f64", G_F64, true, 5));
  add(r, gt("s", G_STR, true, 6));
  add(r, gt("bin", G_BIN, true, 7));
  add(r, gt("fx", G_FIXED, true, 8))->len = 5;
  add(r, gt("d", G_DATE, true, 9));
  add(r, gt("ts", G_TS, true, 10));
  add(r, gt("tstz", G_TSTZ, true, 11));
  add(r, dec("dec9", 12, 9, 2));
  add(r, dec("dec18", 13, 18, 4));
  add(r, dec("dec38", 14, 38, 10));
  add(r, gt("uuid", G_UUID, true, 15));
  add(r, gt("i96", G_I96, true, 16));
  add(r, gt("i8", G_I8, false, 17));
  add(r, gt("s_req", G_STR, false, 18));
  return r;
}

static gtype *case_nested(void)
{
  gtype *r = gt("schema", G_STRUCT, false, -1);
  add(r, gt("id", G_I64, false, 1));
  gtype *st = add(r, gt("st", G_STRUCT, true, 2));
  add(st, gt("a", G_I32, false, 3));
  gtype *stb = add(st, gt("b", G_STRUCT, true, 4));
  add(stb, gt("c", G_STR, true, 5));
  gtype *li = add(r, gt("li", G_LIST, true, 6));
  add(li, gt("element", G_I64, true, 7));
  gtype *ll = add(r, gt("ll", G_LIST, true, 8));
  gtype *lli = add(ll, gt("element", G_LIST, true, 9));
  add(lli, gt("element", G_F64, true, 10));
  gtype *m = add(r, gt("m", G_MAP, true, 11));
  add(m, gt("key", G_STR, false, 12));
  add(m, gt("value", G_I32, true, 13));
  gtype *ls = add(r, gt("ls", G_LIST, true, 14));
  gtype *lse = add(ls, gt("element", G_STRUCT, true, 15));
  add(lse, gt("x", G_I32, true, 16));
  gtype *lsy = add(lse, gt("y", G_LIST, true, 17));
  add(lsy, gt("element", G_STR, false, 18));
  gtype *rl = add(r, gt("rl", G_LIST, false, 19));
  add(rl, gt("element", G_STR, false, 20));
  gtype *mm = add(r, gt("mm", G_MAP, true, 21));
  add(mm, gt("key", G_I32, false, 22));
  gtype *mmv = add(mm, gt("value", G_STRUCT, true, 23));
  add(mmv, gt("p", G_F64, true, 24));
  add(mmv, gt("q", G_BOOL, false, 25));
  gtype *ml = add(r, gt("ml", G_MAP, true, 26));
  add(ml, gt("key", G_STR, false, 27));
  gtype *mlv = add(ml, gt("value", G_LIST, true, 28));
  add(mlv, gt("element", G_DATE, true, 29));
  return r;
}

static gtype *case_flat(void)
{
  gtype *r = gt("schema", G_STRUCT, false, -1);
  add(r, gt("id", G_I64, false, 1));
  add(r, gt("v", G_F64, true, 2));
  add(r, gt("s", G_STR, true, 3));
  add(r, gt("d", G_DATE, true, 4));
  add(r, gt("ts", G_TS, true, 5));
  add(r, gt("flag", G_BOOL, true, 6));
  add(r, gt("n", G_I32, false, 7));
  return r;
}

static void free_type(gtype *t)
{
  for (size_t i = 0; i < t->n; i++) free_type(t->kids[i]);
  free(t);
}

/* ---- flat case: columnar batches ------------------------------------------------------------------ */

#define FLAT_BATCH 65536


/* With `rows_out`, also dump every row in canonical JSON (small tables). */
static int write_flat(qb_pq_writer *w, uint64_t rows, flat_agg *a, FILE *rows_out, qb_err *e)
{
  int64_t *id = malloc(FLAT_BATCH * sizeof *id), *ts = malloc(FLAT_BATCH * sizeof *ts);
  double *v = malloc(FLAT_BATCH * sizeof *v);
  int32_t *d = malloc(FLAT_BATCH * sizeof *d), *n = malloc(FLAT_BATCH * sizeof *n);
  uint8_t *flag = malloc(FLAT_BATCH), *valid[6];
  int64_t *off = malloc((FLAT_BATCH + 1) * sizeof *off);
  char *sdata = malloc(FLAT_BATCH * 24);
  for (int k = 0; k < 6; k++) valid[k] = malloc(FLAT_BATCH);
  int rc = QB_OK;
  memset(a, 0, sizeof *a);
  for (uint64_t base = 0; base < rows && rc == QB_OK; base += FLAT_BATCH) {
    size_t nb = rows - base < FLAT_BATCH ? (size_t)(rows - base) : FLAT_BATCH;
    off[0] = 0;
    for (size_t k = 0; k < nb; k++) {
      uint64_t i = base + k, r = rnd();
      id[k] = (int64_t)i;
      valid[1][k] = r % 10 != 0;
      v[k] = (double)(int64_t)((r >> 8) % 1000003) * 0.25; /* exact sums */
      valid[2][k] = r % 13 != 1;
      int len = snprintf(sdata + off[k], 24, "name_%" PRIu64, (r >> 20) % 50000);
      off[k + 1] = off[k] + (valid[2][k] ? len : 0);
      valid[3][k] = r % 17 != 2;
      d[k] = (int32_t)(18000 + (r >> 30) % 2000);
      valid[4][k] = r % 19 != 3;
      ts[k] = 1600000000000000LL + (int64_t)i * 1000003LL;
      valid[5][k] = r % 23 != 4;
      flag[k] = (r >> 40) & 1;
      n[k] = (int32_t)((r >> 44) % 100);
      a->sum_id += id[k];
      a->sum_n += n[k];
      if (valid[1][k]) a->n_v++, a->sum_v += v[k];
      if (valid[2][k]) a->n_s++, a->sum_len_s += (uint64_t)len;
      if (valid[3][k]) a->n_d++, a->sum_d += d[k];
      if (valid[4][k]) a->n_ts++, a->sum_ts_s += ts[k] / 1000000 - 1600000000;
      if (valid[5][k]) a->n_flag++, a->n_true += flag[k];
      if (rows_out) {
        fprintf(rows_out, "{\"id\":\"%" PRId64 "\",\"v\":", id[k]);
        if (valid[1][k]) json_double(rows_out, v[k], false);
        else fputs("null", rows_out);
        fputs(",\"s\":", rows_out);
        if (valid[2][k]) json_str(rows_out, (const uint8_t *)sdata + off[k], (size_t)len);
        else fputs("null", rows_out);
        if (valid[3][k]) fprintf(rows_out, ",\"d\":%d", d[k]);
        else fputs(",\"d\":null", rows_out);
        if (valid[4][k]) fprintf(rows_out, ",\"ts\":\"%" PRId64 "\"", ts[k]);
        else fputs(",\"ts\":null", rows_out);
        fprintf(rows_out, ",\"flag\":%s,\"n\":%d}\n", valid[5][k] ? (flag[k] ? "true" : "false") : "null", n[k]);
      }
    }
    a->rows += nb;
    qb_pq_column_batch cols[7] = {
        {id, NULL, NULL, NULL},        {v, NULL, valid[1], NULL},    {sdata, off, valid[2], NULL}, {d, NULL, valid[3], NULL},
        {ts, NULL, valid[4], NULL},    {flag, NULL, valid[5], NULL}, {n, NULL, NULL, NULL},
    };
    rc = qb_pq_writer_write_batch(w, cols, nb, e);
  }
  free(id), free(ts), free(v), free(d), free(n), free(flag), free(off), free(sdata);
  for (int k = 0; k < 6; k++) free(valid[k]);
  return rc;
}

/* ---- main ---------------------------------------------------------------------------------------------- */

static void dump_result(const qb_pq_write_result *r)
{
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("{\"record_count\":%" PRIu64 ",\"file_size\":%" PRIu64 ",\"max_rss_kb\":%ld,\"split_offsets\":[",
         r->record_count, r->file_size_bytes, ru.ru_maxrss);
  for (size_t i = 0; i < r->n_split_offsets; i++) printf("%s%" PRIu64, i ? "," : "", r->split_offsets[i]);
  printf("],\"columns\":[");
  for (size_t i = 0; i < r->n_columns; i++) {
    const qb_pq_column_metrics *m = &r->columns[i];
    printf("%s{\"path\":\"%s\",\"field_id\":%d,\"size\":%" PRIu64 ",\"values\":%" PRIu64 ",\"nulls\":%" PRIu64
           ",\"nans\":%" PRIu64 ",\"lower\":",
           i ? "," : "", m->path, m->field_id, m->size_bytes, m->value_count, m->null_count, m->nan_count);
    if (m->has_bounds) json_hex(stdout, m->lower_bound.p, m->lower_bound.n);
    else fputs("null", stdout);
    fputs(",\"upper\":", stdout);
    if (m->has_bounds) json_hex(stdout, m->upper_bound.p, m->upper_bound.n);
    else fputs("null", stdout);
    fputc('}', stdout);
  }
  printf("]}\n");
}

static uint64_t num_arg(const char *s)
{
  char *end;
  unsigned long long v = strtoull(s, &end, 10);
  if (*end) die("bad number", NULL);
  return v;
}

int main(int argc, char **argv)
{
  if (argc < 5) {
    fprintf(stderr, "usage: pq_gen alltypes|nested|flat OUT.parquet EXPECTED.jsonl TYPES.json [options]\n");
    return 2;
  }
  const char *cname = argv[1], *out = argv[2], *exp_path = argv[3], *types_path = argv[4];
  qb_pq_write_options o = QB_PQ_WRITE_OPTIONS_INIT;
  uint64_t rows = 100;
  bool aggregates = false;
  qb_err e = QB_ERR_INIT;
  for (int i = 5; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--no-dict")) o.dictionary = false;
    else if (!strcmp(a, "--id-strings")) id_strings = true;
    else if (!strcmp(a, "--delta-byte-array")) o.delta_byte_array = true;
    else if (!strcmp(a, "--no-delta-byte-array")) o.delta_byte_array = false;
    else if (!strcmp(a, "--no-crc")) o.page_crc = false;
    else if (!strcmp(a, "--aggregates")) aggregates = true;
    else if (!v) die(a, NULL);
    else if (!strcmp(a, "--rows")) rows = num_arg(v), i++;
    else if (!strcmp(a, "--seed")) rng ^= num_arg(v) * 0x2545F4914F6CDD1DULL, i++;
    else if (!strcmp(a, "--codec")) {
      if (qb_pq_codec_parse(&o.codec, v, &e)) die("codec", &e);
      i++;
    } else if (!strcmp(a, "--page-version")) o.data_page_version = (int)num_arg(v), i++;
    else if (!strcmp(a, "--dict-bytes")) o.dictionary_page_size_bytes = (uint32_t)num_arg(v), i++;
    else if (!strcmp(a, "--row-group-bytes")) o.row_group_size_bytes = num_arg(v), i++;
    else if (!strcmp(a, "--page-bytes")) o.page_size_bytes = (uint32_t)num_arg(v), i++;
    else if (!strcmp(a, "--page-rows")) o.page_row_limit = (uint32_t)num_arg(v), i++;
    else die(a, NULL);
  }
  gtype *root = !strcmp(cname, "alltypes") ? case_alltypes()
                : !strcmp(cname, "nested") ? case_nested()
                : !strcmp(cname, "flat")   ? case_flat()
                                           : NULL;
  if (!root) die("unknown case", NULL);

  qb_pq_schema *s = NULL;
  if (qb_pq_schema_new(&s, "schema", &e)) die("schema", &e);
  for (size_t i = 0; i < root->n; i++) build(s, qb_pq_schema_root(s), root->kids[i]);
  if (qb_pq_schema_finish(s, &e)) die("schema", &e);

  FILE *tf = fopen(types_path, "w"), *ef = fopen(exp_path, "w");
  if (!tf || !ef) die("cannot create output files", NULL);
  dump_type(tf, root);
  fputc('\n', tf);
  fclose(tf);

  qb_pq_kv kv[] = {{"qberg.test", cname}, {"qberg.empty", NULL}};
  o.key_value = kv;
  o.n_key_value = 2;
  qb_fileio *io = NULL;
  qb_writer *sink = NULL;
  qb_pq_writer *w = NULL;
  qb_pq_write_result *res = NULL;
  if (qb_fileio_local_new(&io, &e) || qb_fileio_create(&sink, io, out, QB_CREATE_OVERWRITE, &e)) die("create", &e);
  if (qb_pq_writer_open(&w, sink, s, &o, &e)) die("open", &e);
  if (!strcmp(cname, "flat")) {
    flat_agg a;
    if (write_flat(w, rows, &a, aggregates ? NULL : ef, &e)) die("write", &e);
    if (aggregates) flat_agg_print(ef, &a);
  } else {
    qb_value row;
    for (uint64_t i = 0; i < rows; i++) {
      pool_n = bytes_n = 0;
      row = gen_value(root, i, 0);
      if (qb_pq_writer_write_row(w, &row, &e)) die("write", &e);
      json_value(ef, root, &row);
      fputc('\n', ef);
    }
  }
  fclose(ef);
  if (qb_pq_writer_close(w, &res, &e)) die("close", &e);
  if (qb_writer_close(sink, &e)) die("publish", &e);
  dump_result(res);
  qb_pq_write_result_free(res);
  qb_pq_schema_free(s);
  qb_fileio_free(io);
  free_type(root);
  return 0;
}
