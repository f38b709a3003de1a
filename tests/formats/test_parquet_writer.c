/* SPDX-License-Identifier: Apache-2.0 */
/* Parquet writer: Dremel levels of nested shapes (formats.md §2.5 table), statistics rules, dictionary
 * fallback, page and row-group rolling, v1/v2 page headers, CRC, 0 and 1 row, the data_file metrics, and
 * errors naming the column. Files are decoded here with the codec primitives (footer/page-header decode,
 * decompress, level and value decoders), independently of the record reader. */
#include <math.h>
#include <zlib.h>

#include "formats/parquet/codec.h"
#include "formats/parquet/column_writer.h"
#include "formats/parquet/encodings.h"
#include "formats/parquet/meta.h"
#include "harness.h"
#include "qberg/parquet.h"
#include "util/arena.h"

/* ---- values ------------------------------------------------------------------------------------------ */

static qb_value V_NULL = {QB_V_NULL, {0}};
static qb_value vi32(int32_t x) { qb_value v = {QB_V_INT32, {0}}; v.u.i32 = x; return v; }
static qb_value vi64(int64_t x) { qb_value v = {QB_V_INT64, {0}}; v.u.i64 = x; return v; }
static qb_value vf64(double x) { qb_value v = {QB_V_DOUBLE, {0}}; v.u.f64 = x; return v; }
static qb_value vstr(const char *s)
{
  qb_value v = {QB_V_STRING, {0}};
  v.u.bytes.p = (const uint8_t *)s;
  v.u.bytes.n = strlen(s);
  return v;
}
static qb_value vbin(const void *p, size_t n)
{
  qb_value v = {QB_V_BYTES, {0}};
  v.u.bytes.p = p;
  v.u.bytes.n = n;
  return v;
}
static qb_value vseq(qb_vkind k, qb_value *items, size_t n)
{
  qb_value v = {k, {0}};
  v.u.seq.items = items;
  v.u.seq.n = n;
  return v;
}
#define LIST(...) vseq(QB_V_LIST, (qb_value[]){__VA_ARGS__}, sizeof((qb_value[]){__VA_ARGS__}) / sizeof(qb_value))
#define EMPTY_LIST vseq(QB_V_LIST, NULL, 0)
#define ROW(...) vseq(QB_V_STRUCT, (qb_value[]){__VA_ARGS__}, sizeof((qb_value[]){__VA_ARGS__}) / sizeof(qb_value))

/* ---- writing ----------------------------------------------------------------------------------------- */

typedef struct wfile {
  qb_fileio *io;
  qb_writer *sink;
  qb_pq_writer *w;
  char path[512];
} wfile;

static int wopen(wfile *f, const qb_pq_schema *s, const qb_pq_write_options *o, qb_err *err)
{
  memset(f, 0, sizeof *f);
  static int seq;
  snprintf(f->path, sizeof f->path, "%s/t%d.parquet", qb_test_tmpdir(), seq++);
  int rc = qb_fileio_local_new(&f->io, err);
  if (!rc) rc = qb_fileio_create(&f->sink, f->io, f->path, QB_CREATE_OVERWRITE, err);
  if (!rc) rc = qb_pq_writer_open(&f->w, f->sink, s, o, err);
  return rc;
}

static int wclose(wfile *f, qb_pq_write_result **res, qb_err *err)
{
  int rc = qb_pq_writer_close(f->w, res, err);
  f->w = NULL;
  if (!rc) rc = qb_writer_close(f->sink, err);
  else qb_writer_abort(f->sink);
  f->sink = NULL;
  qb_fileio_free(f->io);
  f->io = NULL;
  return rc;
}

static int write_rows(wfile *f, const qb_value *rows, size_t n, qb_err *err)
{
  for (size_t i = 0; i < n; i++) {
    int rc = qb_pq_writer_write_row(f->w, &rows[i], err);
    if (rc) return rc;
  }
  return QB_OK;
}

/* ---- reading back with the primitives ------------------------------------------------------------- */

typedef struct pqfile {
  uint8_t *p;
  size_t n;
  qb_arena a;
  qb_pq_file_meta m;
} pqfile;

static int pq_load(pqfile *f, const char *path, qb_err *err)
{
  memset(f, 0, sizeof *f);
  qb_arena_init(&f->a, 4096);
  qb_fileio *io = NULL;
  int rc = qb_fileio_local_new(&io, err);
  if (!rc) rc = qb_fileio_read_all(&f->p, &f->n, io, path, 1 << 30, err);
  qb_fileio_free(io);
  if (rc) return rc;
  if (f->n < 12 || memcmp(f->p, "PAR1", 4) != 0) return QB_FAIL(err, QB_ECORRUPT, "no leading magic");
  uint32_t flen;
  if ((rc = qb_pq_tail_parse(&flen, f->p + f->n - 8, f->n, err)) != QB_OK) return rc;
  return qb_pq_file_meta_decode(&f->m, f->p + f->n - 8 - flen, flen, f->n - 8 - flen, &f->a, err);
}

static void pq_free(pqfile *f)
{
  free(f->p);
  qb_arena_release(&f->a);
}

/* Everything in one column chunk: level entries, values (dictionary resolved), page kinds. */
#define CHUNK_MAX 32768
typedef struct chunk {
  size_t n;               /* level entries */
  int16_t rep[CHUNK_MAX], def[CHUNK_MAX];
  size_t nv;              /* non-null values */
  int64_t iv[CHUNK_MAX];  /* BOOLEAN, INT32, INT64 */
  double dv[CHUNK_MAX];   /* FLOAT, DOUBLE */
  char sv[CHUNK_MAX][48]; /* BYTE_ARRAY / FLBA (truncated copy, NUL-terminated) */
  int dict_pages, data_pages, dict_data_pages, plain_data_pages, dba_data_pages;
  int v1_pages, v2_pages;
  int crc_pages, crc_ok;
  int max_rows_in_page;
} chunk;

static int read_chunk(chunk *c, const pqfile *f, size_t rg, size_t col, int max_rep, int max_def, qb_err *err)
{
  memset(c, 0, sizeof *c);
  const qb_pq_column_meta *m = &f->m.row_groups[rg].columns[col].meta_data;
  int64_t pos = qb_pq_column_meta_start(m), end = pos + m->total_compressed_size;
  qb_pq_decoder d;
  qb_pq_decoder_init(&d);
  int32_t width = 0;
  int64_t dict_i[1024];
  double dict_d[1024];
  char dict_s[1024][48];
  uint32_t dict_n = 0;
  int rc = QB_OK;
  while (pos < end && rc == QB_OK) {
    qb_pq_page_header h;
    size_t hl;
    if ((rc = qb_pq_page_header_decode(&h, &hl, f->p + pos, (size_t)(end - pos), (uint64_t)pos, err))) break;
    const uint8_t *body = f->p + pos + hl;
    if (h.has_crc) {
      c->crc_pages++;
      c->crc_ok += (uint32_t)crc32(0, body, (uInt)h.compressed_page_size) == h.crc;
    }
    uint8_t *raw = malloc((size_t)h.uncompressed_page_size + 1);
    size_t lv = 0;
    int32_t nvals;
    qb_pq_encoding enc;
    bool v2 = h.type == QB_PQ_PAGE_DATA_V2;
    if (v2) {
      lv = (size_t)(h.data_page_header_v2.rep_levels_byte_length + h.data_page_header_v2.def_levels_byte_length);
      memcpy(raw, body, lv);
      if (h.data_page_header_v2.is_compressed)
        rc = qb_pq_decompress(m->codec, raw + lv, (size_t)h.uncompressed_page_size - lv, body + lv,
                              (size_t)h.compressed_page_size - lv, err);
      else memcpy(raw + lv, body + lv, (size_t)h.compressed_page_size - lv);
    } else {
      rc = qb_pq_decompress(m->codec, raw, (size_t)h.uncompressed_page_size, body, (size_t)h.compressed_page_size, err);
    }
    const uint8_t *p = raw, *pend = raw + h.uncompressed_page_size;
    if (rc) goto page_done;
    if (h.type == QB_PQ_PAGE_DICTIONARY) {
      c->dict_pages++;
      dict_n = (uint32_t)h.dictionary_page_header.num_values;
      width = m->type == QB_PQ_FIXED_LEN_BYTE_ARRAY ? 16 : 0;
      if ((rc = qb_pq_decoder_reset(&d, m->type, width, QB_PQ_PLAIN, p, (size_t)(pend - p), err))) goto page_done;
      for (uint32_t i = 0; i < dict_n && !rc; i++) {
        if (m->type == QB_PQ_INT64) rc = qb_pq_decoder_read_i64(&dict_i[i], 1, &d, err);
        else if (m->type == QB_PQ_INT32) {
          int32_t x;
          rc = qb_pq_decoder_read_i32(&x, 1, &d, err);
          dict_i[i] = x;
        } else if (m->type == QB_PQ_DOUBLE) rc = qb_pq_decoder_read_double(&dict_d[i], 1, &d, err);
        else {
          qb_slice s;
          rc = qb_pq_decoder_read_bytes(&s, 1, &d, err);
          snprintf(dict_s[i], 48, "%.*s", (int)(s.n < 47 ? s.n : 47), (const char *)s.p);
        }
      }
      goto page_done;
    }
    c->data_pages++;
    nvals = v2 ? h.data_page_header_v2.num_values : h.data_page_header.num_values;
    enc = v2 ? h.data_page_header_v2.encoding : h.data_page_header.encoding;
    v2 ? c->v2_pages++ : c->v1_pages++;
    if (nvals < 0 || c->n + (size_t)nvals > CHUNK_MAX) {
      rc = QB_FAIL(err, QB_ELIMIT, "test chunk holds at most %d entries", CHUNK_MAX);
      goto page_done;
    }
    size_t used;
    int16_t *rep = c->rep + c->n, *def = c->def + c->n;
    if (v2) {
      size_t rl = (size_t)h.data_page_header_v2.rep_levels_byte_length;
      if ((rc = qb_pq_levels_decode(rep, (size_t)nvals, max_rep, QB_PQ_RLE, false, p, rl, &used, err))) goto page_done;
      if ((rc = qb_pq_levels_decode(def, (size_t)nvals, max_def, QB_PQ_RLE, false, p + rl, lv - rl, &used, err)))
        goto page_done;
      p += lv;
    } else {
      if ((rc = qb_pq_levels_decode(rep, (size_t)nvals, max_rep, QB_PQ_RLE, true, p, (size_t)(pend - p), &used, err)))
        goto page_done;
      p += used;
      if ((rc = qb_pq_levels_decode(def, (size_t)nvals, max_def, QB_PQ_RLE, true, p, (size_t)(pend - p), &used, err)))
        goto page_done;
      p += used;
    }
    int rows = 0;
    size_t nn = 0;
    for (int32_t i = 0; i < nvals; i++) {
      rows += rep[i] == 0;
      nn += def[i] == max_def;
    }
    if (rows > c->max_rows_in_page) c->max_rows_in_page = rows;
    c->n += (size_t)nvals;
    bool dict = enc == QB_PQ_PLAIN_DICTIONARY || enc == QB_PQ_RLE_DICTIONARY;
    if (dict) c->dict_data_pages++;
    else if (enc == QB_PQ_DELTA_BYTE_ARRAY) c->dba_data_pages++;
    else c->plain_data_pages++;
    width = m->type == QB_PQ_FIXED_LEN_BYTE_ARRAY ? 16 : 0;
    if ((rc = qb_pq_decoder_reset(&d, m->type, width, enc, p, (size_t)(pend - p), err))) goto page_done;
    for (size_t i = 0; i < nn && !rc; i++, c->nv++) {
      if (dict) {
        uint32_t ix;
        if ((rc = qb_pq_decoder_read_indices(&ix, 1, dict_n, &d, err))) break;
        c->iv[c->nv] = dict_i[ix];
        c->dv[c->nv] = dict_d[ix];
        memcpy(c->sv[c->nv], dict_s[ix], 48);
      } else if (m->type == QB_PQ_INT64) rc = qb_pq_decoder_read_i64(&c->iv[c->nv], 1, &d, err);
      else if (m->type == QB_PQ_INT32) {
        int32_t x;
        rc = qb_pq_decoder_read_i32(&x, 1, &d, err);
        c->iv[c->nv] = x;
      } else if (m->type == QB_PQ_BOOLEAN) {
        uint8_t x;
        rc = qb_pq_decoder_read_bool(&x, 1, &d, err);
        c->iv[c->nv] = x;
      } else if (m->type == QB_PQ_DOUBLE) rc = qb_pq_decoder_read_double(&c->dv[c->nv], 1, &d, err);
      else if (m->type == QB_PQ_FLOAT) {
        float x;
        rc = qb_pq_decoder_read_float(&x, 1, &d, err);
        c->dv[c->nv] = x;
      } else {
        qb_slice s;
        rc = qb_pq_decoder_read_bytes(&s, 1, &d, err);
        if (!rc) snprintf(c->sv[c->nv], 48, "%.*s", (int)(s.n < 47 ? s.n : 47), (const char *)s.p);
      }
    }
  page_done:
    free(raw);
    pos += (int64_t)hl + h.compressed_page_size;
  }
  qb_pq_decoder_release(&d);
  return rc;
}

static bool levels_are(const chunk *c, const char *want)
{
  char got[8192] = "";
  size_t k = 0;
  for (size_t i = 0; i < c->n && k < sizeof got - 16; i++)
    k += (size_t)snprintf(got + k, sizeof got - k, "%s(%d,%d)", i ? " " : "", c->rep[i], c->def[i]);
  if (strcmp(got, want) != 0) {
    fprintf(stderr, "  levels: got  %s\n          want %s\n", got, want);
    return false;
  }
  return true;
}

/* ---- schema helpers --------------------------------------------------------------------------------- */

static qb_pq_schema *new_schema(void)
{
  qb_pq_schema *s = NULL;
  qb_err e = QB_ERR_INIT;
  if (qb_pq_schema_new(&s, "schema", &e)) return NULL;
  return s;
}

static qb_pq_node *prim(qb_pq_schema *s, qb_pq_node *parent, const char *name, qb_pq_repetition rep,
                        qb_pq_type t, int32_t len, const qb_pq_logical_type *lt, int32_t id)
{
  qb_pq_node *n = NULL;
  qb_err e = QB_ERR_INIT;
  if (qb_pq_schema_add_primitive(&n, s, parent, name, rep, t, len, lt, id, &e))
    fprintf(stderr, "  schema: %s\n", e.msg);
  return n;
}

/* ---- Dremel levels ------------------------------------------------------------------------------------- */

/* formats.md §2.5: optional list<optional list<optional double>>, checked against DuckDB output. */
QB_TEST(levels_list_of_lists)
{
  qb_err e = QB_ERR_INIT;
  qb_pq_schema *s = new_schema();
  qb_pq_node *outer, *inner;
  CHECK_OK(qb_pq_schema_add_list(&outer, NULL, s, qb_pq_schema_root(s), "coords", QB_PQ_OPTIONAL, 1, &e), &e);
  CHECK_OK(qb_pq_schema_add_list(&inner, NULL, s, outer, "element", QB_PQ_OPTIONAL, 2, &e), &e);
  prim(s, inner, "element", QB_PQ_OPTIONAL, QB_PQ_DOUBLE, 0, NULL, 3);
  CHECK_OK(qb_pq_schema_finish(s, &e), &e);
  qb_value rows[] = {
      ROW(LIST(LIST(vf64(1), vf64(2)), LIST(vf64(3)))),
      ROW(V_NULL),
      ROW(EMPTY_LIST),
      ROW(LIST(EMPTY_LIST)),
      ROW(LIST(V_NULL)),
      ROW(LIST(LIST(V_NULL, vf64(4)))),
  };
  wfile f;
  qb_pq_write_result *res = NULL;
  CHECK_OK(wopen(&f, s, NULL, &e), &e);
  CHECK_OK(write_rows(&f, rows, 6, &e), &e);
  CHECK_OK(wclose(&f, &res, &e), &e);
  pqfile pf;
  chunk *c = malloc(sizeof *c);
  CHECK_OK(pq_load(&pf, f.path, &e), &e);
  CHECK_OK(read_chunk(c, &pf, 0, 0, 2, 5, &e), &e);
  EXPECT(levels_are(c, "(0,5) (2,5) (1,5) (0,0) (0,1) (0,3) (0,2) (0,4) (2,5)"));
  EXPECT(c->nv == 4 && c->dv[0] == 1 && c->dv[1] == 2 && c->dv[2] == 3 && c->dv[3] == 4);
  CHECK_EQ_INT(pf.m.num_rows, 6);
  CHECK_EQ_INT(pf.m.row_groups[0].columns[0].meta_data.num_values, 9);
  CHECK_EQ_INT(pf.m.row_groups[0].columns[0].meta_data.statistics.null_count, 5);
  CHECK_EQ_INT(res->columns[0].value_count, 9);
  CHECK_EQ_INT(res->columns[0].null_count, 5);
  CHECK_EQ_INT(res->columns[0].max_rep, 2);
  CHECK_EQ_INT(res->columns[0].field_id, 3);
  CHECK_EQ_STR(res->columns[0].path, "coords.list.element.list.element");
  qb_pq_write_result_free(res);
  pq_free(&pf);
  free(c);
  qb_pq_schema_free(s);
}

/* Map with optional values, a struct with a nested optional struct, and list<struct<x, list<string>>>. */
QB_TEST(levels_map_struct_list_of_struct)
{
  qb_err e = QB_ERR_INIT;
  qb_pq_schema *s = new_schema();
  qb_pq_node *root = qb_pq_schema_root(s), *kv, *st, *stb, *ls, *elem, *y;
  qb_pq_logical_type str = QB_PQ_LOGICAL(QB_PQ_LT_STRING);
  CHECK_OK(qb_pq_schema_add_map(&kv, NULL, s, root, "m", QB_PQ_OPTIONAL, 1, &e), &e);
  prim(s, kv, "key", QB_PQ_REQUIRED, QB_PQ_BYTE_ARRAY, 0, &str, 2);
  prim(s, kv, "value", QB_PQ_OPTIONAL, QB_PQ_INT32, 0, NULL, 3);
  CHECK_OK(qb_pq_schema_add_group(&st, s, root, "st", QB_PQ_OPTIONAL, 4, &e), &e);
  prim(s, st, "a", QB_PQ_REQUIRED, QB_PQ_INT32, 0, NULL, 5);
  CHECK_OK(qb_pq_schema_add_group(&stb, s, st, "b", QB_PQ_OPTIONAL, 6, &e), &e);
  prim(s, stb, "c", QB_PQ_OPTIONAL, QB_PQ_BYTE_ARRAY, 0, &str, 7);
  CHECK_OK(qb_pq_schema_add_list(&ls, NULL, s, root, "ls", QB_PQ_REQUIRED, 8, &e), &e);
  CHECK_OK(qb_pq_schema_add_group(&elem, s, ls, "element", QB_PQ_OPTIONAL, 9, &e), &e);
  prim(s, elem, "x", QB_PQ_OPTIONAL, QB_PQ_INT64, 0, NULL, 10);
  CHECK_OK(qb_pq_schema_add_list(&y, NULL, s, elem, "y", QB_PQ_OPTIONAL, 11, &e), &e);
  prim(s, y, "element", QB_PQ_REQUIRED, QB_PQ_BYTE_ARRAY, 0, &str, 12);
  CHECK_OK(qb_pq_schema_finish(s, &e), &e);

  qb_value m1[] = {vstr("a"), vi32(1), vstr("b"), V_NULL};
  qb_value rows[] = {
      ROW(V_NULL, V_NULL, EMPTY_LIST),
      ROW(vseq(QB_V_MAP, NULL, 0), ROW(vi32(1), V_NULL), LIST(V_NULL, ROW(V_NULL, V_NULL))),
      ROW(vseq(QB_V_MAP, m1, 2), ROW(vi32(2), ROW(V_NULL)), LIST(ROW(vi64(7), EMPTY_LIST))),
      ROW(V_NULL, ROW(vi32(3), ROW(vstr("x"))), LIST(ROW(vi64(8), LIST(vstr("p"), vstr("q"))), ROW(V_NULL, LIST(vstr("r"))))),
  };
  wfile f;
  CHECK_OK(wopen(&f, s, NULL, &e), &e);
  CHECK_OK(write_rows(&f, rows, 4, &e), &e);
  CHECK_OK(wclose(&f, NULL, &e), &e);
  pqfile pf;
  chunk *c = malloc(sizeof *c);
  CHECK_OK(pq_load(&pf, f.path, &e), &e);
  /* m.key_value.key: max_def 2, max_rep 1 */
  CHECK_OK(read_chunk(c, &pf, 0, 0, 1, 2, &e), &e);
  EXPECT(levels_are(c, "(0,0) (0,1) (0,2) (1,2) (0,0)"));
  EXPECT(c->nv == 2 && !strcmp(c->sv[0], "a") && !strcmp(c->sv[1], "b"));
  /* m.key_value.value: max_def 3 */
  CHECK_OK(read_chunk(c, &pf, 0, 1, 1, 3, &e), &e);
  EXPECT(levels_are(c, "(0,0) (0,1) (0,3) (1,2) (0,0)"));
  /* st.a: max_def 1 (a required); st.b.c: max_def 3 */
  CHECK_OK(read_chunk(c, &pf, 0, 2, 0, 1, &e), &e);
  EXPECT(levels_are(c, "(0,0) (0,1) (0,1) (0,1)"));
  EXPECT(c->nv == 3 && c->iv[0] == 1 && c->iv[2] == 3);
  CHECK_OK(read_chunk(c, &pf, 0, 3, 0, 3, &e), &e);
  EXPECT(levels_are(c, "(0,0) (0,1) (0,2) (0,3)"));
  /* ls.list.element.x: ls required (0), list (1), element optional (2), x optional (3) */
  CHECK_OK(read_chunk(c, &pf, 0, 4, 1, 3, &e), &e);
  EXPECT(levels_are(c, "(0,0) (0,1) (1,2) (0,3) (0,3) (1,2)"));
  /* ls.list.element.y.list.element: + y optional (3), list repeated (4), element required */
  CHECK_OK(read_chunk(c, &pf, 0, 5, 2, 4, &e), &e);
  EXPECT(levels_are(c, "(0,0) (0,1) (1,2) (0,3) (0,4) (2,4) (1,4)"));
  EXPECT(c->nv == 3 && !strcmp(c->sv[2], "r"));
  pq_free(&pf);
  free(c);
  qb_pq_schema_free(s);
}

/* ---- statistics ---------------------------------------------------------------------------------------- */

static double le_double(qb_slice s)
{
  double d = NAN;
  if (s.n == 8) memcpy(&d, s.p, 8);
  return d;
}

QB_TEST(stats_float_rules_and_bounds)
{
  qb_err e = QB_ERR_INIT;
  qb_pq_schema *s = new_schema();
  qb_pq_node *root = qb_pq_schema_root(s);
  qb_pq_logical_type str = QB_PQ_LOGICAL(QB_PQ_LT_STRING);
  prim(s, root, "z", QB_PQ_OPTIONAL, QB_PQ_DOUBLE, 0, NULL, 1);    /* -0.0, 0.0, NaN, 1.5 */
  prim(s, root, "zero", QB_PQ_OPTIONAL, QB_PQ_DOUBLE, 0, NULL, 2); /* +0.0 only */
  prim(s, root, "nan", QB_PQ_OPTIONAL, QB_PQ_DOUBLE, 0, NULL, 3);  /* NaN only */
  prim(s, root, "big", QB_PQ_OPTIONAL, QB_PQ_BYTE_ARRAY, 0, &str, 4);
  prim(s, root, "i", QB_PQ_REQUIRED, QB_PQ_INT32, 0, NULL, 5);
  CHECK_OK(qb_pq_schema_finish(s, &e), &e);
  static char longs[5000];
  memset(longs, 'z', sizeof longs - 1);
  qb_value rows[] = {
      ROW(vf64(-0.0), vf64(0.0), vf64(NAN), vstr("b"), vi32(-5)),
      ROW(vf64(0.0), V_NULL, vf64(NAN), vstr(longs), vi32(7)),
      ROW(vf64(NAN), vf64(0.0), V_NULL, vstr("a"), vi32(-9)),
      ROW(vf64(1.5), V_NULL, vf64(NAN), V_NULL, vi32(3)),
  };
  wfile f;
  qb_pq_write_result *res = NULL;
  CHECK_OK(wopen(&f, s, NULL, &e), &e);
  CHECK_OK(write_rows(&f, rows, 4, &e), &e);
  CHECK_OK(wclose(&f, &res, &e), &e);
  pqfile pf;
  CHECK_OK(pq_load(&pf, f.path, &e), &e);
  const qb_pq_column_chunk *cc = pf.m.row_groups[0].columns;
  const qb_pq_statistics *z = &cc[0].meta_data.statistics;
  /* min zero is written -0.0, max never NaN; deprecated min/max too (signed = type order) */
  CHECK(z->has_min_value && z->has_max_value && z->has_min && z->has_max);
  CHECK(signbit(le_double(z->min_value)) && le_double(z->min_value) == 0);
  CHECK_EQ_INT((int64_t)le_double(z->max_value), 1);
  CHECK(le_double(z->max_value) == 1.5);
  CHECK_EQ_INT(z->nan_count, 1);
  CHECK_EQ_INT(z->null_count, 0);
  const qb_pq_statistics *zero = &cc[1].meta_data.statistics;
  CHECK(signbit(le_double(zero->min_value)) && !signbit(le_double(zero->max_value)));
  CHECK_EQ_INT(zero->null_count, 2);
  const qb_pq_statistics *nan = &cc[2].meta_data.statistics;
  CHECK(!nan->has_min_value && !nan->has_max_value && nan->has_nan_count && nan->nan_count == 3);
  /* a 5000-byte max: footer drops min/max (parquet-java MAX_STATS_SIZE), metrics keep raw bounds */
  const qb_pq_statistics *big = &cc[3].meta_data.statistics;
  CHECK(!big->has_min_value && !big->has_max_value && big->null_count == 1);
  CHECK(res->columns[3].has_bounds && res->columns[3].lower_bound.n == 1 && res->columns[3].upper_bound.n == 4999);
  const qb_pq_statistics *i = &cc[4].meta_data.statistics;
  int32_t lo, hi;
  memcpy(&lo, i->min_value.p, 4);
  memcpy(&hi, i->max_value.p, 4);
  CHECK(lo == -9 && hi == 7 && i->has_min && i->has_max);
  CHECK_EQ_INT(pf.m.n_column_orders, 5);
  CHECK(pf.m.column_orders[0] == QB_PQ_ORDER_TYPE_DEFINED);
  /* metrics */
  CHECK_EQ_INT(res->columns[0].nan_count, 1);
  CHECK_EQ_INT(res->columns[2].nan_count, 3);
  CHECK(!res->columns[2].has_bounds);
  CHECK(signbit(le_double(res->columns[1].lower_bound)) && !signbit(le_double(res->columns[1].upper_bound)));
  pq_free(&pf);
  qb_pq_write_result_free(res);
  qb_pq_schema_free(s);
}

QB_TEST(stats_signed_decimal_unsigned_int_bool)
{
  qb_err e = QB_ERR_INIT;
  qb_pq_schema *s = new_schema();
  qb_pq_node *root = qb_pq_schema_root(s);
  qb_pq_logical_type dec = QB_PQ_LOGICAL_DECIMAL(38, 2), u32 = QB_PQ_LOGICAL_INTEGER(32, false);
  prim(s, root, "dec", QB_PQ_REQUIRED, QB_PQ_FIXED_LEN_BYTE_ARRAY, 16, &dec, 1);
  prim(s, root, "u", QB_PQ_REQUIRED, QB_PQ_INT32, 0, &u32, 2);
  prim(s, root, "b", QB_PQ_REQUIRED, QB_PQ_BOOLEAN, 0, NULL, 3);
  prim(s, root, "bin", QB_PQ_REQUIRED, QB_PQ_BYTE_ARRAY, 0, NULL, 4);
  CHECK_OK(qb_pq_schema_finish(s, &e), &e);
  uint8_t minus1[] = {0xFF}, plus1[] = {0x01}, big[] = {0x00, 0x80}; /* -1, 1, 128 (sign-extended) */
  uint8_t hi[] = {0xFF, 0x00}, lo[] = {0x01};
  qb_value rows[] = {
      ROW(vbin(plus1, 1), vi32(-1), (qb_value){QB_V_BOOL, {.b = true}}, vbin(hi, 2)),
      ROW(vbin(minus1, 1), vi32(5), (qb_value){QB_V_BOOL, {.b = true}}, vbin(lo, 1)),
      ROW(vbin(big, 2), vi32(0), (qb_value){QB_V_BOOL, {.b = true}}, vbin(hi, 1)),
  };
  wfile f;
  qb_pq_write_result *res = NULL;
  CHECK_OK(wopen(&f, s, NULL, &e), &e);
  CHECK_OK(write_rows(&f, rows, 3, &e), &e);
  CHECK_OK(wclose(&f, &res, &e), &e);
  pqfile pf;
  CHECK_OK(pq_load(&pf, f.path, &e), &e);
  const qb_pq_column_chunk *cc = pf.m.row_groups[0].columns;
  /* decimal: signed big-endian order; -1 is the min; 16 bytes sign-extended; no deprecated min/max */
  const qb_pq_statistics *d = &cc[0].meta_data.statistics;
  CHECK(d->min_value.n == 16 && d->min_value.p[0] == 0xFF && d->min_value.p[15] == 0xFF);
  CHECK(d->max_value.n == 16 && d->max_value.p[0] == 0x00 && d->max_value.p[14] == 0x00 && d->max_value.p[15] == 0x80);
  CHECK(!d->has_min && !d->has_max);
  /* UINT_32: unsigned order, 0xFFFFFFFF (-1) is the max; no deprecated (signed) min/max */
  const qb_pq_statistics *u = &cc[1].meta_data.statistics;
  uint32_t umin, umax;
  memcpy(&umin, u->min_value.p, 4);
  memcpy(&umax, u->max_value.p, 4);
  CHECK(umin == 0 && umax == 0xFFFFFFFFu && !u->has_min);
  const qb_pq_statistics *b = &cc[2].meta_data.statistics;
  CHECK(b->min_value.n == 1 && b->min_value.p[0] == 1 && b->max_value.p[0] == 1);
  /* BYTE_ARRAY: unsigned lexicographic, shorter prefix first */
  const qb_pq_statistics *bin = &cc[3].meta_data.statistics;
  CHECK(bin->min_value.n == 1 && bin->min_value.p[0] == 0x01);
  CHECK(bin->max_value.n == 2 && bin->max_value.p[0] == 0xFF);
  pq_free(&pf);
  qb_pq_write_result_free(res);
  qb_pq_schema_free(s);
}

/* ---- dictionary, pages, row groups ------------------------------------------------------------------ */

/* Batches check page sizes every 512 values. */
#define BATCH_SLACK 512

static qb_pq_schema *one_column(qb_pq_type t, qb_pq_repetition rep)
{
  qb_pq_schema *s = new_schema();
  qb_err e = QB_ERR_INIT;
  qb_pq_logical_type str = QB_PQ_LOGICAL(QB_PQ_LT_STRING);
  prim(s, qb_pq_schema_root(s), "c", rep, t, 0, t == QB_PQ_BYTE_ARRAY ? &str : NULL, 1);
  if (qb_pq_schema_finish(s, &e)) fprintf(stderr, "  %s\n", e.msg);
  return s;
}

QB_TEST(dictionary_then_fallback_mid_chunk)
{
  qb_err e = QB_ERR_INIT;
  qb_pq_schema *s = one_column(QB_PQ_BYTE_ARRAY, QB_PQ_OPTIONAL);
  /* the values after the fallback share most of their bytes ("v00300", "v00301"): PLAIN pages, or
   * DELTA_BYTE_ARRAY ones (when on), the first of them re-encoded from the dictionary's indices */
  for (int dba = 0; dba < 2; dba++) {
    qb_pq_write_options o = QB_PQ_WRITE_OPTIONS_INIT;
    o.page_row_limit = 100;
    o.dictionary_page_size_bytes = 400; /* ~40 distinct 6-byte strings fit */
    o.delta_byte_array = dba;
    wfile f;
    CHECK_OK(wopen(&f, s, &o, &e), &e);
    char buf[32];
    for (int i = 0; i < 1000; i++) {
      /* first 300 rows: 10 distinct values (dictionary pays off); then unique values overflow it */
      snprintf(buf, sizeof buf, "v%05d", i < 300 ? i % 10 : i);
      qb_value row = ROW(i % 50 == 0 ? V_NULL : vstr(buf));
      CHECK_OK(qb_pq_writer_write_row(f.w, &row, &e), &e);
    }
    CHECK_OK(wclose(&f, NULL, &e), &e);
    pqfile pf;
    chunk *c = malloc(sizeof *c);
    CHECK_OK(pq_load(&pf, f.path, &e), &e);
    CHECK_OK(read_chunk(c, &pf, 0, 0, 0, 1, &e), &e);
    CHECK_EQ_INT(c->dict_pages, 1);
    int fallback_pages = dba ? c->dba_data_pages : c->plain_data_pages;
    CHECK(c->dict_data_pages >= 3 && fallback_pages >= 6);
    CHECK_EQ_INT(c->dict_data_pages + fallback_pages, 10);
    CHECK_EQ_INT(c->dict_data_pages + c->plain_data_pages + c->dba_data_pages, 10);
    CHECK_EQ_INT(c->max_rows_in_page, 100);
    CHECK_EQ_INT(c->n, 1000);
    CHECK_EQ_INT(c->nv, 980);
    /* values survive both encodings */
    size_t k = 0;
    for (int i = 0; i < 1000; i++) {
      if (i % 50 == 0) continue;
      snprintf(buf, sizeof buf, "v%05d", i < 300 ? i % 10 : i);
      if (strcmp(c->sv[k++], buf) != 0) {
        fprintf(stderr, "  row %d: %s != %s\n", i, c->sv[k - 1], buf);
        CHECK(0);
      }
    }
    const qb_pq_column_meta *m = &pf.m.row_groups[0].columns[0].meta_data;
    CHECK(m->has_dictionary_page_offset && m->dictionary_page_offset == 4 && m->data_page_offset > 4);
    /* encoding_stats: 1 dictionary page, dictionary-encoded and PLAIN (DELTA_BYTE_ARRAY) data pages
     * (parquet-java v1 ids) */
    CHECK_EQ_INT(m->n_encoding_stats, 3);
    CHECK(m->encoding_stats[0].page_type == QB_PQ_PAGE_DICTIONARY &&
          m->encoding_stats[0].encoding == QB_PQ_PLAIN_DICTIONARY && m->encoding_stats[0].count == 1);
    CHECK(m->encoding_stats[1].page_type == QB_PQ_PAGE_DATA && m->encoding_stats[1].encoding == QB_PQ_PLAIN_DICTIONARY);
    CHECK(m->encoding_stats[2].encoding == (dba ? QB_PQ_DELTA_BYTE_ARRAY : QB_PQ_PLAIN) &&
          m->encoding_stats[1].count + m->encoding_stats[2].count == 10);
    CHECK_EQ_INT(c->crc_pages, 11);
    CHECK_EQ_INT(c->crc_ok, 11);
    pq_free(&pf);
    free(c);
  }
  qb_pq_schema_free(s);
}

QB_TEST(pages_close_on_staged_memory)
{
  qb_err e = QB_ERR_INIT;
  qb_pq_schema *s = one_column(QB_PQ_INT64, QB_PQ_OPTIONAL);
  qb_pq_write_options o = QB_PQ_WRITE_OPTIONS_INIT;
  o.page_row_limit = 0;
  o.page_size_bytes = 4096;
  wfile f;
  CHECK_OK(wopen(&f, s, &o, &e), &e);
  enum { N = 20000 };
  static int64_t v[N];
  static uint8_t valid[N];
  for (int i = 0; i < N; i++) v[i] = 42, valid[i] = i < N / 2; /* one value, then nulls */
  qb_pq_column_batch cols[1] = {{v, NULL, valid, NULL}};
  CHECK_OK(qb_pq_writer_write_batch(f.w, cols, N, &e), &e);
  CHECK_OK(wclose(&f, NULL, &e), &e);
  pqfile pf;
  chunk *c = malloc(sizeof *c);
  CHECK_OK(pq_load(&pf, f.path, &e), &e);
  CHECK_OK(read_chunk(c, &pf, 0, 0, 0, 1, &e), &e);
  /* 6 bytes staged per value (int16 level + u32 index), 2 per null: pages of at most 16 KiB staged */
  CHECK(c->data_pages >= (N / 2 * 6 + N / 2 * 2) / (4 * 4096));
  CHECK(c->max_rows_in_page <= 4 * 4096 / 2 + BATCH_SLACK);
  CHECK(c->dict_pages == 1 && c->nv == N / 2 && c->iv[N / 2 - 1] == 42);
  pq_free(&pf);
  free(c);
  qb_pq_schema_free(s);
}

/* Unique values: the dictionary does not pay off on the first page, so no dictionary page at all. */
QB_TEST(dictionary_dropped_on_first_page)
{
  qb_err e = QB_ERR_INIT;
  qb_pq_schema *s = one_column(QB_PQ_INT64, QB_PQ_REQUIRED);
  wfile f;
  CHECK_OK(wopen(&f, s, NULL, &e), &e);
  for (int i = 0; i < 3000; i++) {
    qb_value row = ROW(vi64((int64_t)i * 7919));
    CHECK_OK(qb_pq_writer_write_row(f.w, &row, &e), &e);
  }
  CHECK_OK(wclose(&f, NULL, &e), &e);
  pqfile pf;
  chunk *c = malloc(sizeof *c);
  CHECK_OK(pq_load(&pf, f.path, &e), &e);
  CHECK_OK(read_chunk(c, &pf, 0, 0, 0, 0, &e), &e);
  CHECK_EQ_INT(c->dict_pages, 0);
  CHECK_EQ_INT(c->plain_data_pages, 1);
  CHECK_EQ_INT(c->nv, 3000);
  CHECK_EQ_INT(c->iv[2999], 2999 * 7919);
  CHECK(!pf.m.row_groups[0].columns[0].meta_data.has_dictionary_page_offset);
  pq_free(&pf);
  free(c);
  qb_pq_schema_free(s);
}

QB_TEST(pages_and_row_groups_roll_v2)
{
  qb_err e = QB_ERR_INIT;
  qb_pq_schema *s = new_schema();
  qb_pq_node *root = qb_pq_schema_root(s), *l;
  prim(s, root, "id", QB_PQ_REQUIRED, QB_PQ_INT64, 0, NULL, 1);
  CHECK_OK(qb_pq_schema_add_list(&l, NULL, s, root, "l", QB_PQ_OPTIONAL, 2, &e), &e);
  prim(s, l, "element", QB_PQ_OPTIONAL, QB_PQ_INT32, 0, NULL, 3);
  CHECK_OK(qb_pq_schema_finish(s, &e), &e);
  qb_pq_write_options o = QB_PQ_WRITE_OPTIONS_INIT;
  o.data_page_version = 2;
  o.page_size_bytes = 64;         /* a page closes after a row once its estimate reaches 64 bytes */
  o.row_group_size_bytes = 2000;
  o.codec = QB_PQ_SNAPPY;
  wfile f;
  qb_pq_write_result *res = NULL;
  CHECK_OK(wopen(&f, s, &o, &e), &e);
  uint64_t values = 0;
  for (int i = 0; i < 600; i++) {
    qb_value items[3] = {vi32(i), V_NULL, vi32(-i)};
    qb_value row = ROW(vi64((int64_t)i * 1000003), i % 5 == 0 ? V_NULL : vseq(QB_V_LIST, items, (size_t)(i % 4)));
    values += i % 5 == 0 || i % 4 == 0 ? 1 : (uint64_t)(i % 4);
    CHECK_OK(qb_pq_writer_write_row(f.w, &row, &e), &e);
  }
  CHECK_EQ_INT(qb_pq_writer_rows(f.w), 600);
  CHECK_OK(wclose(&f, &res, &e), &e);
  pqfile pf;
  CHECK_OK(pq_load(&pf, f.path, &e), &e);
  CHECK(pf.m.n_row_groups >= 3);
  CHECK_EQ_INT(pf.m.version, 2);
  CHECK_EQ_INT(res->n_split_offsets, pf.m.n_row_groups);
  int64_t rows = 0;
  uint64_t list_values = 0, list_bytes = 0;
  chunk *c = malloc(sizeof *c);
  for (uint32_t g = 0; g < pf.m.n_row_groups; g++) {
    const qb_pq_row_group *rg = &pf.m.row_groups[g];
    CHECK(rg->has_file_offset && (uint64_t)rg->file_offset == res->split_offsets[g]);
    CHECK_EQ_INT(qb_pq_column_meta_start(&rg->columns[0].meta_data), rg->file_offset);
    CHECK(rg->has_ordinal && rg->ordinal == (int16_t)g);
    rows += rg->num_rows;
    CHECK_OK(read_chunk(c, &pf, g, 1, 1, 3, &e), &e);
    CHECK(c->v1_pages == 0 && (c->v2_pages > 1 || g + 1 == pf.m.n_row_groups));
    CHECK_EQ_INT(c->crc_ok, c->crc_pages);
    int64_t starts = 0;
    for (size_t i = 0; i < c->n; i++) starts += c->rep[i] == 0;
    CHECK_EQ_INT(starts, rg->num_rows); /* v2 pages start at row boundaries: every row is whole */
    list_values += (uint64_t)rg->columns[1].meta_data.num_values;
    list_bytes += (uint64_t)rg->columns[1].meta_data.total_compressed_size;
  }
  CHECK_EQ_INT(rows, 600);
  CHECK_EQ_INT(list_values, values);
  CHECK_EQ_INT(res->columns[1].value_count, values);
  CHECK_EQ_INT(res->columns[1].size_bytes, list_bytes);
  CHECK_EQ_INT(res->record_count, 600);
  CHECK_EQ_INT(res->file_size_bytes, pf.n);
  pq_free(&pf);
  free(c);
  qb_pq_write_result_free(res);
  qb_pq_schema_free(s);
}

QB_TEST(zero_rows_and_one_row)
{
  qb_err e = QB_ERR_INIT;
  qb_pq_schema *s = one_column(QB_PQ_BYTE_ARRAY, QB_PQ_OPTIONAL);
  qb_pq_kv kv[] = {{"iceberg.schema", "{\"type\":\"struct\"}"}};
  qb_pq_write_options o = QB_PQ_WRITE_OPTIONS_INIT;
  o.key_value = kv;
  o.n_key_value = 1;
  wfile f;
  qb_pq_write_result *res = NULL;
  CHECK_OK(wopen(&f, s, &o, &e), &e);
  CHECK_OK(wclose(&f, &res, &e), &e);
  pqfile pf;
  CHECK_OK(pq_load(&pf, f.path, &e), &e);
  CHECK_EQ_INT(pf.m.num_rows, 0);
  CHECK_EQ_INT(pf.m.n_row_groups, 0);
  CHECK_EQ_INT(pf.m.n_key_value_metadata, 1);
  CHECK_EQ_STR(pf.m.key_value_metadata[0].key, "iceberg.schema");
  CHECK_EQ_STR(pf.m.created_by, "qberg version " QB_VERSION);
  CHECK(res->record_count == 0 && res->n_split_offsets == 0 && res->columns[0].value_count == 0);
  CHECK(!res->columns[0].has_bounds);
  CHECK_EQ_INT(res->file_size_bytes, pf.n);
  pq_free(&pf);
  qb_pq_write_result_free(res);

  CHECK_OK(wopen(&f, s, NULL, &e), &e);
  qb_value row = ROW(vstr("only"));
  CHECK_OK(qb_pq_writer_write_row(f.w, &row, &e), &e);
  CHECK_OK(wclose(&f, &res, &e), &e);
  chunk *c = malloc(sizeof *c);
  CHECK_OK(pq_load(&pf, f.path, &e), &e);
  CHECK_EQ_INT(pf.m.num_rows, 1);
  CHECK_OK(read_chunk(c, &pf, 0, 0, 0, 1, &e), &e);
  CHECK(c->nv == 1 && !strcmp(c->sv[0], "only"));
  CHECK(res->columns[0].has_bounds && res->columns[0].lower_bound.n == 4 && !memcmp(res->columns[0].lower_bound.p, "only", 4));
  CHECK_EQ_INT(res->split_offsets[0], 4);
  pq_free(&pf);
  free(c);
  qb_pq_write_result_free(res);
  qb_pq_schema_free(s);
}

/* ---- columnar batches --------------------------------------------------------------------------------- */

QB_TEST(batch_matches_rows)
{
  qb_err e = QB_ERR_INIT;
  qb_pq_schema *s = new_schema();
  qb_pq_node *root = qb_pq_schema_root(s);
  qb_pq_logical_type str = QB_PQ_LOGICAL(QB_PQ_LT_STRING);
  prim(s, root, "i", QB_PQ_REQUIRED, QB_PQ_INT64, 0, NULL, 1);
  prim(s, root, "d", QB_PQ_OPTIONAL, QB_PQ_DOUBLE, 0, NULL, 2);
  prim(s, root, "s", QB_PQ_OPTIONAL, QB_PQ_BYTE_ARRAY, 0, &str, 3);
  prim(s, root, "b", QB_PQ_OPTIONAL, QB_PQ_BOOLEAN, 0, NULL, 4);
  CHECK_OK(qb_pq_schema_finish(s, &e), &e);
  enum { N = 3000 };
  static int64_t iv[N], off[N + 1];
  static double dv[N];
  static uint8_t bv[N], valid[N];
  static char data[N * 8];
  off[0] = 0;
  for (int i = 0; i < N; i++) {
    iv[i] = i % 17;
    dv[i] = i * 0.5;
    bv[i] = i % 3 == 0;
    valid[i] = i % 9 != 4;
    off[i + 1] = off[i] + snprintf(data + off[i], 8, "%d", i % 100);
  }
  dv[5] = NAN; /* valid row: counted, never a bound */
  dv[7] = -3.0;
  qb_pq_column_batch cols[4] = {{iv, NULL, NULL, NULL}, {dv, NULL, valid, NULL}, {data, off, valid, NULL}, {bv, NULL, valid, NULL}};
  wfile f;
  qb_pq_write_result *res = NULL;
  qb_pq_write_options o = QB_PQ_WRITE_OPTIONS_INIT;
  o.page_row_limit = 1000;
  CHECK_OK(wopen(&f, s, &o, &e), &e);
  CHECK_OK(qb_pq_writer_write_batch(f.w, cols, 1234, &e), &e);
  /* the rest as a second batch starting mid-way (slices of the same arrays) */
  qb_pq_column_batch rest[4] = {{iv + 1234, NULL, NULL, NULL}, {dv + 1234, NULL, valid + 1234, NULL}, {data, off + 1234, valid + 1234, NULL},
                                {bv + 1234, NULL, valid + 1234, NULL}};
  CHECK_OK(qb_pq_writer_write_batch(f.w, rest, N - 1234, &e), &e);
  CHECK_OK(wclose(&f, &res, &e), &e);
  pqfile pf;
  chunk *c = malloc(sizeof *c);
  CHECK_OK(pq_load(&pf, f.path, &e), &e);
  CHECK_OK(read_chunk(c, &pf, 0, 0, 0, 0, &e), &e);
  CHECK(c->nv == N && c->iv[20] == 3 && c->dict_pages == 1);
  CHECK_OK(read_chunk(c, &pf, 0, 1, 0, 1, &e), &e);
  size_t k = 0, nulls = 0;
  for (int i = 0; i < N; i++) {
    CHECK_EQ_INT(c->def[i], valid[i] ? 1 : 0);
    if (valid[i] && i != 5) CHECK(c->dv[k] == dv[i]);
    if (valid[i]) k++;
    else nulls++;
  }
  /* statistics of the columnar path: NaN counted, not a bound; min/max over the valid rows only */
  const qb_pq_statistics *ds = &pf.m.row_groups[0].columns[1].meta_data.statistics;
  CHECK(ds->nan_count == 1 && ds->null_count == (int64_t)nulls);
  CHECK(le_double(ds->min_value) == -3.0 && le_double(ds->max_value) == (N - 1) * 0.5);
  CHECK_EQ_INT(res->columns[1].nan_count, 1);
  const qb_pq_statistics *is = &pf.m.row_groups[0].columns[0].meta_data.statistics;
  int64_t imin, imax;
  memcpy(&imin, is->min_value.p, 8);
  memcpy(&imax, is->max_value.p, 8);
  CHECK(imin == 0 && imax == 16);
  CHECK_EQ_INT(res->columns[1].null_count, nulls);
  CHECK_OK(read_chunk(c, &pf, 0, 2, 0, 1, &e), &e);
  k = 0;
  for (int i = 0; i < N; i++) {
    if (!valid[i]) continue;
    char want[8];
    snprintf(want, sizeof want, "%d", i % 100);
    CHECK_EQ_STR(c->sv[k++], want);
  }
  CHECK_OK(read_chunk(c, &pf, 0, 3, 0, 1, &e), &e);
  k = 0;
  for (int i = 0; i < N; i++)
    if (valid[i]) CHECK_EQ_INT(c->iv[k++], bv[i]);
  CHECK_EQ_INT(c->data_pages, 3);
  pq_free(&pf);
  free(c);
  qb_pq_write_result_free(res);
  qb_pq_schema_free(s);
}

/* The batch path's shortcuts (a value equal to the previous row's reuses its dictionary index, PLAIN
 * strings copied per run with min/max found per run, the switch to PLAIN in the middle of a run) give the
 * same values and statistics as writing the rows one by one. */
typedef struct rscan {
  qb_fileio *io;
  qb_pq_reader *r;
  qb_pq_scan *sc;
} rscan;

static int rscan_open(rscan *x, const char *path, qb_err *err)
{
  memset(x, 0, sizeof *x);
  int rc = qb_fileio_local_new(&x->io, err);
  if (!rc) rc = qb_pq_reader_open_path(&x->r, x->io, path, NULL, err);
  if (!rc) rc = qb_pq_scan_new(&x->sc, x->r, NULL, err);
  return rc;
}

static void rscan_close(rscan *x)
{
  qb_pq_scan_free(x->sc);
  qb_pq_reader_close(x->r);
  qb_fileio_free(x->io);
}

/* NaN != NaN: doubles compare by bits */
static bool same_cell_value(const qb_value *x, const qb_value *y)
{
  if (x->kind == QB_V_DOUBLE && y->kind == QB_V_DOUBLE) return !memcmp(&x->u.f64, &y->u.f64, 8);
  return qb_value_equal(x, y);
}

QB_TEST(batch_shortcuts_equal_rows)
{
  qb_err e = QB_ERR_INIT;
  qb_pq_schema *s = new_schema();
  qb_pq_node *root = qb_pq_schema_root(s);
  qb_pq_logical_type str = QB_PQ_LOGICAL(QB_PQ_LT_STRING);
  prim(s, root, "const", QB_PQ_OPTIONAL, QB_PQ_BYTE_ARRAY, 0, &str, 1); /* runs of equal strings, nulls */
  prim(s, root, "id", QB_PQ_OPTIONAL, QB_PQ_BYTE_ARRAY, 0, &str, 2);    /* distinct: PLAIN after the probe */
  prim(s, root, "d", QB_PQ_OPTIONAL, QB_PQ_DOUBLE, 0, NULL, 3);         /* repeated values and NaNs */
  prim(s, root, "i", QB_PQ_REQUIRED, QB_PQ_INT32, 0, NULL, 4);
  CHECK_OK(qb_pq_schema_finish(s, &e), &e);
  enum { N = 20000 };
  int32_t *iv = malloc(N * sizeof *iv);
  double *dv = malloc(N * sizeof *dv);
  int64_t *coff = malloc((N + 1) * sizeof *coff), *ioff = malloc((N + 1) * sizeof *ioff);
  uint8_t *cvalid = malloc(N), *dvalid = malloc(N);
  char *cdata = malloc(N * 8), *idata = malloc(N * 24);
  qb_value *rows = malloc(N * sizeof *rows), *items = malloc(N * 4 * sizeof *items);
  coff[0] = ioff[0] = 0;
  for (int i = 0; i < N; i++) {
    iv[i] = (i / 7) % 5;
    dv[i] = i % 50 < 10 ? NAN : (double)((i / 3) % 11) - 5.5;
    dvalid[i] = i % 13 != 0;
    cvalid[i] = i % 100 > 2;
    coff[i + 1] = coff[i] + snprintf(cdata + coff[i], 8, "b%d", (i / 500) % 3);
    /* ids: the first 9000 distinct (the dictionary probe gives up), then a few repeats, one shorter */
    ioff[i + 1] = ioff[i] + snprintf(idata + ioff[i], 24, i < 9000 ? "exp_%07d" : "exp_%d", i < 9000 ? N - i : i % 4);
    qb_value *it = &items[i * 4];
    it[0] = cvalid[i] ? vbin(cdata + coff[i], (size_t)(coff[i + 1] - coff[i])) : V_NULL;
    if (cvalid[i]) it[0].kind = QB_V_STRING;
    it[1] = vbin(idata + ioff[i], (size_t)(ioff[i + 1] - ioff[i]));
    it[1].kind = QB_V_STRING;
    it[2] = dvalid[i] ? vf64(dv[i]) : V_NULL;
    it[3] = vi32(iv[i]);
    rows[i] = vseq(QB_V_STRUCT, it, 4);
  }
  qb_pq_column_batch cols[4] = {{cdata, coff, cvalid, NULL}, {idata, ioff, NULL, NULL}, {dv, NULL, dvalid, NULL}, {iv, NULL, NULL, NULL}};
  qb_pq_write_options o = QB_PQ_WRITE_OPTIONS_INIT;
  o.page_row_limit = 10000; /* over the 8192-value dictionary probe: the id column falls back mid-run */
  wfile fr, fb;
  qb_pq_write_result *rr = NULL, *rb = NULL;
  CHECK_OK(wopen(&fr, s, &o, &e), &e);
  CHECK_OK(write_rows(&fr, rows, N, &e), &e);
  CHECK_OK(wclose(&fr, &rr, &e), &e);
  CHECK_OK(wopen(&fb, s, &o, &e), &e);
  CHECK_OK(qb_pq_writer_write_batch(fb.w, cols, 777, &e), &e); /* two batches, split mid-page */
  qb_pq_column_batch rest[4] = {{cdata, coff + 777, cvalid + 777, NULL}, {idata, ioff + 777, NULL, NULL},
                                {dv + 777, NULL, dvalid + 777, NULL}, {iv + 777, NULL, NULL, NULL}};
  CHECK_OK(qb_pq_writer_write_batch(fb.w, rest, N - 777, &e), &e);
  CHECK_OK(wclose(&fb, &rb, &e), &e);
  for (size_t c = 0; c < 4; c++) {
    const qb_pq_column_metrics *a = &rr->columns[c], *b = &rb->columns[c];
    CHECK_EQ_INT(a->value_count, b->value_count);
    CHECK_EQ_INT(a->null_count, b->null_count);
    CHECK_EQ_INT(a->nan_count, b->nan_count);
    CHECK(a->has_bounds == b->has_bounds);
    CHECK(a->lower_bound.n == b->lower_bound.n && !memcmp(a->lower_bound.p, b->lower_bound.p, a->lower_bound.n));
    CHECK(a->upper_bound.n == b->upper_bound.n && !memcmp(a->upper_bound.p, b->upper_bound.p, a->upper_bound.n));
  }
  CHECK_EQ_INT(rb->columns[2].nan_count, 0 + (size_t)rr->columns[2].nan_count);
  CHECK(rb->columns[2].nan_count > 1000);
  CHECK(rb->columns[1].upper_bound.n == 5 && !memcmp(rb->columns[1].upper_bound.p, "exp_3", 5));
  CHECK(rb->columns[1].lower_bound.n == 5 && !memcmp(rb->columns[1].lower_bound.p, "exp_0", 5));
  /* both files read back equal row by row, and equal the rows written */
  rscan xa, xb;
  CHECK_OK(rscan_open(&xa, fr.path, &e), &e);
  CHECK_OK(rscan_open(&xb, fb.path, &e), &e);
  size_t same = 0, n = 0;
  for (;;) {
    const qb_value *ra, *rb2;
    CHECK_OK(qb_pq_scan_next(&ra, xa.sc, &e), &e);
    CHECK_OK(qb_pq_scan_next(&rb2, xb.sc, &e), &e);
    if (!ra || !rb2) {
      CHECK(!ra && !rb2);
      break;
    }
    bool eq = true;
    for (size_t c = 0; c < 4; c++)
      eq = eq && same_cell_value(&ra->u.seq.items[c], &rb2->u.seq.items[c]) &&
           same_cell_value(&rb2->u.seq.items[c], &rows[n].u.seq.items[c]);
    same += eq;
    n++;
  }
  CHECK_EQ_INT(n, N);
  CHECK_EQ_INT(same, N);
  rscan_close(&xa);
  rscan_close(&xb);
  qb_pq_write_result_free(rr);
  qb_pq_write_result_free(rb);
  free(iv), free(dv), free(coff), free(ioff), free(cvalid), free(dvalid), free(cdata), free(idata), free(rows), free(items);
  qb_pq_schema_free(s);
}

/* Long repeats of a dictionary index are staged as runs: pages with runs, a dictionary that outgrows its
 * limit mid-page (the runs expanded back into PLAIN values) and runs over batch and page boundaries write
 * the same file as the same rows one by one. */
QB_TEST(batch_runs_write_what_rows_write)
{
  qb_err e = QB_ERR_INIT;
  qb_pq_schema *s = new_schema();
  qb_pq_node *root = qb_pq_schema_root(s);
  qb_pq_logical_type str = QB_PQ_LOGICAL(QB_PQ_LT_STRING);
  prim(s, root, "s", QB_PQ_OPTIONAL, QB_PQ_BYTE_ARRAY, 0, &str, 1); /* runs of new values, nulls in runs */
  prim(s, root, "d", QB_PQ_REQUIRED, QB_PQ_DOUBLE, 0, NULL, 2);       /* runs of new values */
  prim(s, root, "k", QB_PQ_REQUIRED, QB_PQ_INT32, 0, NULL, 3);        /* runs of a few values: keeps its dictionary */
  CHECK_OK(qb_pq_schema_finish(s, &e), &e);
  enum { N = 12000 };
  int32_t *kv = malloc(N * sizeof *kv);
  double *dv = malloc(N * sizeof *dv);
  int64_t *off = malloc((N + 1) * sizeof *off);
  uint8_t *valid = malloc(N), *rep[3];
  char *data = malloc((size_t)N * 24);
  qb_value *rows = malloc(N * sizeof *rows), *items = malloc(N * 3 * sizeof *items);
  off[0] = 0;
  int run = 0, left = 0;
  for (int i = 0; i < N; i++) {
    if (!left) left = 1 + (int)((uint32_t)(run * 2654435761u) >> 7) % 70, run++; /* runs of 1 to 70 rows, each a new value */
    left--;
    valid[i] = run % 9 != 4;
    off[i + 1] = off[i] + (valid[i] ? snprintf(data + off[i], 24, "value_%012d", run) : 0);
    dv[i] = run * 0.25;
    kv[i] = (i / 40) % 3;
    qb_value *it = &items[i * 3];
    it[0] = valid[i] ? vbin(data + off[i], (size_t)(off[i + 1] - off[i])) : V_NULL;
    if (valid[i]) it[0].kind = QB_V_STRING;
    it[1] = vf64(dv[i]);
    it[2] = vi32(kv[i]);
    rows[i] = vseq(QB_V_STRUCT, it, 3);
  }
  for (int c = 0; c < 3; c++) {
    rep[c] = calloc(N, 1);
    for (int i = 1; i < N; i++)
      rep[c][i] = c == 0 ? valid[i] == valid[i - 1] && (off[i + 1] - off[i] == off[i] - off[i - 1]) &&
                               !memcmp(data + off[i], data + off[i - 1], (size_t)(off[i + 1] - off[i]))
                : c == 1 ? dv[i] == dv[i - 1]
                         : kv[i] == kv[i - 1];
  }
  qb_pq_write_options o = QB_PQ_WRITE_OPTIONS_INIT;
  o.page_row_limit = 1500;              /* pages close on rows only: the same pages both ways */
  o.dictionary_page_size_bytes = 2000; /* "s" outgrows it on its second or third page, "d" later */
  char paths[3][512];
  for (int way = 0; way < 3; way++) { /* rows; batches; batches with declared repeats */
    wfile f;
    CHECK_OK(wopen(&f, s, &o, &e), &e);
    if (way == 0) {
      CHECK_OK(write_rows(&f, rows, N, &e), &e);
    } else {
      for (size_t at = 0, step = 999; at < N; at += step) { /* batches cut inside runs */
        size_t n = at + step < N ? step : N - at;
        qb_pq_column_batch cols[3] = {{data, off + at, valid + at, way == 2 ? rep[0] + at : NULL},
                                      {dv + at, NULL, NULL, way == 2 ? rep[1] + at : NULL},
                                      {kv + at, NULL, NULL, way == 2 ? rep[2] + at : NULL}};
        uint8_t r0[3] = {rep[0][at], rep[1][at], rep[2][at]};
        for (int c = 0; c < 3; c++) rep[c][at] = 0; /* a batch's first row repeats nothing */
        CHECK_OK(qb_pq_writer_write_batch(f.w, cols, n, &e), &e);
        for (int c = 0; c < 3; c++) rep[c][at] = r0[c];
      }
    }
    CHECK_OK(wclose(&f, NULL, &e), &e);
    snprintf(paths[way], sizeof paths[way], "%s", f.path);
  }
  pqfile a, b, c;
  CHECK_OK(pq_load(&a, paths[0], &e), &e);
  CHECK_OK(pq_load(&b, paths[1], &e), &e);
  CHECK_OK(pq_load(&c, paths[2], &e), &e);
  CHECK(a.n == b.n && !memcmp(a.p, b.p, a.n));
  CHECK(a.n == c.n && !memcmp(a.p, c.p, a.n));
  const qb_pq_column_meta *m0 = &a.m.row_groups[0].columns[0].meta_data, *m2 = &a.m.row_groups[0].columns[2].meta_data;
  const qb_pq_column_meta *m1 = &a.m.row_groups[0].columns[1].meta_data;
  CHECK(m0->has_dictionary_page_offset && m0->n_encoding_stats == 3); /* dictionary pages, then PLAIN ones */
  CHECK(m1->has_dictionary_page_offset && m1->n_encoding_stats == 3);
  CHECK(m2->has_dictionary_page_offset && m2->n_encoding_stats == 2);
  pq_free(&a);
  pq_free(&b);
  pq_free(&c);
  for (int k = 0; k < 3; k++) free(rep[k]);
  free(kv), free(dv), free(off), free(valid), free(data), free(rows), free(items);
  qb_pq_schema_free(s);
}

/* A chunk whose first 8,192 values were all distinct drops its dictionary; the column's next chunks give
 * up after 256 distinct values (a saving only: they are PLAIN as before), and a chunk whose values repeat
 * keeps its dictionary (and restores the long probe). */
QB_TEST(distinct_column_probes_shorter_in_later_row_groups)
{
  qb_err e = QB_ERR_INIT;
  qb_pq_schema *s = one_column(QB_PQ_BYTE_ARRAY, QB_PQ_REQUIRED);
  qb_pq_write_options o = QB_PQ_WRITE_OPTIONS_INIT;
  o.row_group_size_bytes = 200000;
  wfile f;
  CHECK_OK(wopen(&f, s, &o, &e), &e);
  enum { N = 70000 };
  static int64_t off[N + 1];
  static char data[N * 16];
  off[0] = 0;
  for (int i = 0; i < N; i++) /* 30,000 distinct ids, then 10 repeated names */
    off[i + 1] = off[i] + snprintf(data + off[i], 16, i < 30000 ? "id-%08d" : "name-%d", i < 30000 ? i : i % 10);
  qb_pq_column_batch col = {data, off, NULL, NULL};
  CHECK_OK(qb_pq_writer_write_batch(f.w, &col, N, &e), &e);
  CHECK_OK(wclose(&f, NULL, &e), &e);
  pqfile pf;
  CHECK_OK(pq_load(&pf, f.path, &e), &e);
  CHECK(pf.m.n_row_groups >= 3);
  size_t plain_rgs = 0, last = pf.m.n_row_groups - 1;
  int64_t first_rows = pf.m.row_groups[0].num_rows;
  for (size_t rg = 0; rg < last; rg++) {
    const qb_pq_column_meta *m = &pf.m.row_groups[rg].columns[0].meta_data;
    plain_rgs += !m->has_dictionary_page_offset;
  }
  const qb_pq_column_meta *ml = &pf.m.row_groups[last].columns[0].meta_data;
  CHECK(first_rows > 8192);   /* the first row group probed the long way ... */
  CHECK_EQ_INT(plain_rgs, last); /* ... and every row group of ids is PLAIN */
  CHECK(ml->has_dictionary_page_offset); /* the repeated names get their dictionary back */
  pq_free(&pf);
  qb_pq_schema_free(s);
}

/* Long strings with few distinct values (ansatz_info's OpenQASM texts): their PLAIN size is the value bytes,
 * not 4 per value, so the first-page rule keeps the dictionary, by rows and by batch alike. A dropped
 * dictionary made one PLAIN page of the whole row group (tens of MiB at ingest scale). */
QB_TEST(long_repeated_strings_keep_dictionary)
{
  qb_err e = QB_ERR_INIT;
  enum { N = 2000, DISTINCT = 30, LEN = 2000 };
  static char text[DISTINCT][LEN];
  for (int d = 0; d < DISTINCT; d++) memset(text[d], 'a' + d % 26, LEN), text[d][0] = (char)('0' + d % 10), text[d][1] = (char)('A' + d);
  static int64_t off[N + 1];
  static char data[N * LEN];
  off[0] = 0;
  for (int i = 0; i < N; i++) {
    int d = (i / 3) % DISTINCT; /* runs of three equal values: the batch's repeat shortcut counts them too */
    memcpy(data + off[i], text[d], LEN);
    off[i + 1] = off[i] + LEN;
  }
  for (int way = 0; way < 2; way++) {
    qb_pq_schema *s = one_column(QB_PQ_BYTE_ARRAY, QB_PQ_REQUIRED);
    wfile f;
    CHECK_OK(wopen(&f, s, NULL, &e), &e);
    if (way == 0) {
      for (int i = 0; i < N; i++) {
        qb_value row = ROW(vbin(data + off[i], LEN));
        CHECK_OK(qb_pq_writer_write_row(f.w, &row, &e), &e);
      }
    } else {
      qb_pq_column_batch col = {data, off, NULL, NULL};
      CHECK_OK(qb_pq_writer_write_batch(f.w, &col, N, &e), &e);
    }
    CHECK_OK(wclose(&f, NULL, &e), &e);
    pqfile pf;
    CHECK_OK(pq_load(&pf, f.path, &e), &e);
    const qb_pq_column_meta *m = &pf.m.row_groups[0].columns[0].meta_data;
    CHECK(m->has_dictionary_page_offset);
    CHECK(m->total_uncompressed_size < (int64_t)DISTINCT * LEN * 2); /* not N * LEN bytes of PLAIN */
    pq_free(&pf);
    qb_pq_schema_free(s);
  }
}

/* Write `n` rows of one-column batch `col` twice, by rows (`rows`) and by batches split at `cut`, and
 * return whether both files are byte for byte the same; `out_path` gets the batch file's path. */
static bool rows_and_batches_same_file(const qb_pq_schema *s, const qb_pq_write_options *o, const qb_value *rows,
                                       const qb_pq_column_batch *col, const qb_pq_column_batch *rest, size_t n,
                                       size_t cut, char *out_path, qb_err *e)
{
  wfile fr, fb;
  if (wopen(&fr, s, o, e) || write_rows(&fr, rows, n, e) || wclose(&fr, NULL, e)) return false;
  if (wopen(&fb, s, o, e) || qb_pq_writer_write_batch(fb.w, col, cut, e) ||
      qb_pq_writer_write_batch(fb.w, rest, n - cut, e) || wclose(&fb, NULL, e))
    return false;
  snprintf(out_path, 512, "%s", fb.path);
  pqfile a, b;
  if (pq_load(&a, fr.path, e) || pq_load(&b, fb.path, e)) return false;
  bool same = a.n == b.n && !memcmp(a.p, b.p, a.n);
  pq_free(&a);
  pq_free(&b);
  return same;
}

/* The dictionary probe: a first page whose dictionary already loses by the first-page rule when it holds
 * 8,192 values is dropped there (values 90 % distinct: the page would drop it at its end anyway), by rows
 * and by batches alike, also when a run of equal values reaches the probe inside a batch; a column whose
 * values repeat enough keeps its dictionary. NaN, -0.0 and +0.0 are distinct dictionary keys (bits). */
QB_TEST(probe_drops_a_losing_dictionary)
{
  qb_err e = QB_ERR_INIT;
  enum { N = 20000 };
  static double v[N];
  static qb_value rows[N], items[N];
  for (int mode = 0; mode < 2; mode++) {
    for (int i = 0; i < N; i++) {
      if (mode == 0) v[i] = i % 10 == 9 ? v[i - 1] : i * 0.5; /* 90 % distinct */
      else v[i] = (double)(i % 1000);                        /* 5 % distinct: the dictionary pays */
      if (i >= 8000 && i < 8400) v[i] = 1e9;                 /* a run across the probe (8,192) */
      if (i % 1000 == 1) v[i] = NAN;
      if (i % 1000 == 2) v[i] = -0.0;
      if (i % 1000 == 3) v[i] = 0.0;
      items[i] = vf64(v[i]);
      rows[i] = vseq(QB_V_STRUCT, &items[i], 1);
    }
    qb_pq_schema *s = one_column(QB_PQ_DOUBLE, QB_PQ_REQUIRED);
    qb_pq_column_batch col = {v, NULL, NULL, NULL}, rest = {v + 8100, NULL, NULL, NULL};
    char path[512];
    CHECK(rows_and_batches_same_file(s, NULL, rows, &col, &rest, N, 8100, path, &e));
    pqfile pf;
    chunk *c = malloc(sizeof *c);
    CHECK_OK(pq_load(&pf, path, &e), &e);
    CHECK_OK(read_chunk(c, &pf, 0, 0, 0, 0, &e), &e);
    CHECK_EQ_INT(c->dict_pages, mode == 0 ? 0 : 1);
    CHECK_EQ_INT(c->nv, N);
    size_t bad = 0;
    for (int i = 0; i < N; i++) {
      uint64_t x, y;
      memcpy(&x, &c->dv[i], 8);
      memcpy(&y, &v[i], 8);
      bad += x != y; /* bit for bit: -0.0 stays -0.0, NaN stays NaN */
    }
    CHECK_EQ_INT(bad, 0);
    const qb_pq_statistics *st = &pf.m.row_groups[0].columns[0].meta_data.statistics;
    double mn, mx;
    CHECK(st->has_min_value && st->min_value.n == 8 && st->has_max_value && st->max_value.n == 8);
    memcpy(&mn, st->min_value.p, 8);
    memcpy(&mx, st->max_value.p, 8);
    CHECK(mx == 1e9 && mn == 0.0 && signbit(mn)); /* NaN is never a bound; a zero min is written -0.0 */
    pq_free(&pf);
    free(c);
    qb_pq_schema_free(s);
  }
  /* strings, 90 % distinct, with nulls: the probe counts values, not rows */
  static char data[N * 12];
  static int64_t off[N + 1];
  static uint8_t valid[N];
  off[0] = 0;
  for (int i = 0; i < N; i++) {
    valid[i] = i % 7 != 0;
    off[i + 1] = off[i] + (valid[i] ? snprintf(data + off[i], 12, "t%06d", i % 10 == 9 ? i - 1 : i) : 0);
    items[i] = valid[i] ? vbin(data + off[i], (size_t)(off[i + 1] - off[i])) : V_NULL;
    rows[i] = vseq(QB_V_STRUCT, &items[i], 1);
  }
  qb_pq_schema *s = one_column(QB_PQ_BYTE_ARRAY, QB_PQ_OPTIONAL);
  qb_pq_column_batch col = {data, off, valid, NULL}, rest = {data, off + 9000, valid + 9000, NULL};
  char path[512];
  CHECK(rows_and_batches_same_file(s, NULL, rows, &col, &rest, N, 9000, path, &e));
  pqfile pf;
  CHECK_OK(pq_load(&pf, path, &e), &e);
  CHECK(!pf.m.row_groups[0].columns[0].meta_data.has_dictionary_page_offset);
  pq_free(&pf);
  qb_pq_schema_free(s);
}

/* PLAIN strings in batches: runs without a null (given a `valid` array of ones) take the dense staging
 * loop, runs with nulls the general one; an OPTIONAL and a REQUIRED column: the same file as rows, the
 * values read back, and statistics that are the values' bounds. */
QB_TEST(batch_plain_strings_dense_runs)
{
  qb_err e = QB_ERR_INIT;
  enum { N = 6000 };
  static char data[N * 24];
  static int64_t off[N + 1];
  static uint8_t valid[N], ones[N];
  static qb_value rows[N], items[N];
  for (int req = 0; req < 2; req++) {
    off[0] = 0;
    for (int i = 0; i < N; i++) {
      ones[i] = 1;
      valid[i] = req || !(i >= 2000 && i < 2600 && i % 5 == 0); /* nulls in a few runs only */
      /* distinct, with a shared prefix and heads that tie (8 equal first bytes) or not */
      int n = valid[i] ? snprintf(data + off[i], 24, i % 3 ? "exp_%04d_it_%05d" : "%c%07d", i % 3 ? i % 97 : 'a' + i % 26,
                                  (i * 7919) % 100000)
                       : 0;
      off[i + 1] = off[i] + n;
      items[i] = valid[i] ? vbin(data + off[i], (size_t)n) : V_NULL;
      rows[i] = vseq(QB_V_STRUCT, &items[i], 1);
    }
    qb_pq_schema *s = one_column(QB_PQ_BYTE_ARRAY, req ? QB_PQ_REQUIRED : QB_PQ_OPTIONAL);
    const uint8_t *vv = req ? ones : valid;
    qb_pq_column_batch col = {data, off, vv, NULL}, rest = {data, off + 2345, vv + 2345, NULL};
    char path[512];
    CHECK(rows_and_batches_same_file(s, NULL, rows, &col, &rest, N, 2345, path, &e));
    pqfile pf;
    chunk *c = malloc(sizeof *c);
    CHECK_OK(pq_load(&pf, path, &e), &e);
    CHECK_OK(read_chunk(c, &pf, 0, 0, 0, req ? 0 : 1, &e), &e);
    size_t k = 0;
    for (size_t i = 0; i < N; i++)
      if (valid[i]) {
        CHECK(k < c->nv && strlen(c->sv[k]) == (size_t)(off[i + 1] - off[i]) &&
              !memcmp(c->sv[k], data + off[i], (size_t)(off[i + 1] - off[i])));
        k++;
      }
    CHECK(k == c->nv && c->plain_data_pages > 0 && c->dba_data_pages == 0 && c->dict_pages == 0);
    free(c);
    const qb_pq_column_meta *m = &pf.m.row_groups[0].columns[0].meta_data;
    CHECK(!m->has_dictionary_page_offset && m->statistics.has_min_value && m->statistics.has_max_value);
    /* the first row group's bounds are those of its rows' values (unsigned byte order) */
    size_t rg_rows = (size_t)pf.m.row_groups[0].num_rows;
    const char *lo = NULL, *hi = NULL;
    size_t lon = 0, hin = 0;
    for (size_t i = 0; i < rg_rows; i++) {
      if (!valid[i]) continue;
      const char *p = data + off[i];
      size_t n = (size_t)(off[i + 1] - off[i]);
      int c1 = lo ? memcmp(p, lo, n < lon ? n : lon) : -1, c2 = hi ? memcmp(p, hi, n < hin ? n : hin) : 1;
      if (!lo || c1 < 0 || (c1 == 0 && n < lon)) lo = p, lon = n;
      if (!hi || c2 > 0 || (c2 == 0 && n > hin)) hi = p, hin = n;
    }
    CHECK(m->statistics.min_value.n == lon && !memcmp(m->statistics.min_value.p, lo, lon));
    CHECK(m->statistics.max_value.n == hin && !memcmp(m->statistics.max_value.p, hi, hin));
    pq_free(&pf);
    qb_pq_schema_free(s);
  }
}

/* Read back the one DOUBLE column of `path`: whether it has a dictionary page and whether its values are
 * `v` bit for bit. */
static bool double_chunk_is(const char *path, const double *v, size_t n, int *dict_pages, qb_err *e)
{
  pqfile pf;
  chunk *c = malloc(sizeof *c);
  bool ok = c && pq_load(&pf, path, e) == QB_OK;
  if (ok && (ok = read_chunk(c, &pf, 0, 0, 0, 0, e) == QB_OK && c->nv == n)) {
    *dict_pages = c->dict_pages;
    for (size_t i = 0; i < n; i++) ok = ok && !memcmp(&c->dv[i], &v[i], 8);
  }
  if (c) pq_free(&pf);
  free(c);
  return ok;
}

/* Dictionary-encoded INT32, INT64, FLOAT and DOUBLE batches without declared repeats (their own loop
 * in the writer): runs of equal bits with nulls inside and between them, NaNs (counted per value), -0.0
 * and +0.0 (distinct entries), a run across the 8,192-value probe, pages closing inside runs and batches,
 * a chunk whose dictionary outgrows its limit mid-batch, one whose dictionary loses at the probe inside a
 * run: rows and batches write the same file. */
QB_TEST(batch_numeric_dictionary_equals_rows)
{
  qb_err e = QB_ERR_INIT;
  enum { N = 20000 };
  static const qb_pq_type types[] = {QB_PQ_INT32, QB_PQ_INT64, QB_PQ_FLOAT, QB_PQ_DOUBLE};
  static int32_t i32[N];
  static int64_t i64[N];
  static float f32[N];
  static double f64[N];
  static uint8_t valid[N];
  static qb_value rows[N], items[N];
  for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
    for (int limit = 0; limit < 3; limit++) { /* 2: mostly distinct, dropped at the probe inside the run */
      uint32_t x = 7;
      int64_t cur = 0;
      for (int i = 0; i < N; i++) {
        x = x * 1103515245u + 12345u;
        if (limit == 2 ? (x >> 16) % 8 != 0 : (x >> 16) % 4 == 0) /* runs of a few rows; 2: mostly 1 */
          cur = limit == 2 ? i : (int64_t)((x >> 8) % 300) - 150;
        int64_t v = i >= 8000 && i < 9500 ? 4242 : cur; /* a run across the probe (values, not rows) */
        valid[i] = (x >> 20) % 11 != 0;
        i32[i] = (int32_t)v;
        i64[i] = v * 1000003;
        f32[i] = (float)v * 0.5f;
        f64[i] = (double)v * 0.25;
        if (v == 7) f32[i] = NAN, f64[i] = NAN;
        if (v == 0 && (x >> 24) % 2) f32[i] = -0.0f, f64[i] = -0.0;
        qb_value *it = &items[i];
        *it = V_NULL;
        if (valid[i]) {
          switch (types[t]) {
          case QB_PQ_INT32: *it = vi32(i32[i]); break;
          case QB_PQ_INT64: *it = vi64(i64[i]); break;
          case QB_PQ_FLOAT: it->kind = QB_V_FLOAT, it->u.f32 = f32[i]; break;
          default: *it = vf64(f64[i]); break;
          }
        }
        rows[i] = vseq(QB_V_STRUCT, it, 1);
      }
      const void *vals = types[t] == QB_PQ_INT32 ? (const void *)i32
                         : types[t] == QB_PQ_INT64 ? (const void *)i64
                         : types[t] == QB_PQ_FLOAT ? (const void *)f32
                                                   : (const void *)f64;
      size_t w = types[t] == QB_PQ_INT32 || types[t] == QB_PQ_FLOAT ? 4 : 8, cut = 8200;
      qb_pq_schema *s = one_column(types[t], QB_PQ_OPTIONAL);
      qb_pq_column_batch col = {vals, NULL, valid, NULL}, rest = {(const uint8_t *)vals + cut * w, NULL, valid + cut, NULL};
      qb_pq_write_options o = QB_PQ_WRITE_OPTIONS_INIT;
      o.page_row_limit = limit == 2 ? 0 : 3001; /* 2: the probe on the first page */
      if (limit == 1) o.dictionary_page_size_bytes = 200 * (uint32_t)w; /* outgrown mid-batch: PLAIN after */
      char path[512];
      CHECK(rows_and_batches_same_file(s, &o, rows, &col, &rest, N, cut, path, &e));
      pqfile pf;
      CHECK_OK(pq_load(&pf, path, &e), &e);
      const qb_pq_column_meta *m = &pf.m.row_groups[0].columns[0].meta_data;
      /* without the limit every page is dictionary-encoded; with it the chunk ends in PLAIN pages */
      bool plain = false;
      for (uint32_t k = 0; k < m->n_encoding_stats; k++) plain |= m->encoding_stats[k].encoding == QB_PQ_PLAIN &&
                                                                  m->encoding_stats[k].page_type != QB_PQ_PAGE_DICTIONARY;
      CHECK(limit ? plain : m->has_dictionary_page_offset && m->n_encoding_stats == 2);
      CHECK(limit != 2 || !m->has_dictionary_page_offset);
      if (types[t] == QB_PQ_FLOAT || types[t] == QB_PQ_DOUBLE) {
        int64_t nans = 0;
        for (int i = 0; i < N; i++) nans += valid[i] && (types[t] == QB_PQ_FLOAT ? isnan(f32[i]) : isnan(f64[i]));
        CHECK(nans > 0 && m->statistics.has_nan_count && m->statistics.nan_count == nans);
      }
      pq_free(&pf);
      qb_pq_schema_free(s);
    }
  }
}

/* Small integer keys make a direct dictionary (dict_builder.h); the batch path stages the rows found in
 * its array whose next row differs in one tight loop (dict_run_num). Index cycles (a parameter's index on
 * each of its iteration's rows) with new keys late, runs of equal values, nulls in one stretch, the
 * probes (1,024 and 8,192 values) inside tight stretches, keys beyond the direct range mid-chunk: the
 * batches write the rows' file byte for byte, and it reads back the values. */
QB_TEST(batch_direct_dictionary_equals_rows)
{
  qb_err e = QB_ERR_INIT;
  enum { N = 20000 };
  static int32_t i32[N];
  static int64_t i64[N], want[N];
  static uint8_t valid[N];
  static qb_value rows[N], items[N];
  chunk *c = malloc(sizeof *c);
  for (int t = 0; t < 2; t++) {
    for (int mode = 0; mode < 3; mode++) {
      size_t nv = 0;
      for (int i = 0; i < N; i++) {
        int64_t v = mode == 1 ? (i / 3) % 50 : i % (i < 10000 ? 37 : 61);
        if (mode == 1 && i >= 9000 && i < 9040) v = 7;   /* a run kept as a run */
        if (mode == 2 && i >= 15000 && i < 15011) v = 5000 + i; /* out of direct range: the hash table */
        valid[i] = !(mode == 2 && i >= 3000 && i < 3100 && i % 3);
        i32[i] = (int32_t)v;
        i64[i] = v;
        items[i] = valid[i] ? (t ? vi64(v) : vi32((int32_t)v)) : V_NULL;
        rows[i] = vseq(QB_V_STRUCT, &items[i], 1);
        if (valid[i]) want[nv++] = v;
      }
      const void *vals = t ? (const void *)i64 : (const void *)i32;
      size_t w = t ? 8 : 4, cut = 8200;
      qb_pq_schema *s = one_column(t ? QB_PQ_INT64 : QB_PQ_INT32, QB_PQ_OPTIONAL);
      qb_pq_column_batch col = {vals, NULL, valid, NULL}, rest = {(const uint8_t *)vals + cut * w, NULL, valid + cut, NULL};
      qb_pq_write_options o = QB_PQ_WRITE_OPTIONS_INIT;
      o.page_row_limit = 3001;
      char path[512];
      CHECK(rows_and_batches_same_file(s, &o, rows, &col, &rest, N, cut, path, &e));
      pqfile pf;
      CHECK_OK(pq_load(&pf, path, &e), &e);
      CHECK_EQ_INT(pf.m.n_row_groups, 1);
      CHECK_OK(read_chunk(c, &pf, 0, 0, 0, 1, &e), &e);
      CHECK(c->dict_pages == 1 && c->plain_data_pages == 0 && c->dict_data_pages == 7);
      CHECK_EQ_INT(c->nv, nv);
      bool same = true;
      for (size_t k = 0; k < nv; k++) same &= c->iv[k] == want[k];
      CHECK(same);
      pq_free(&pf);
      qb_pq_schema_free(s);
    }
  }
  free(c);
}

/* The dictionary hint shared by the files of one data set (qb_pq_write_options.dict_lost): a file whose
 * dictionary loses sets the column's byte; the files after it (and files open at the time, from their next
 * new value) judge their dictionary from 256 values on instead of 8,192, by the same rule on their own
 * values, by rows and batches alike; a column whose values repeat keeps its dictionary. */
QB_TEST(dict_lost_hint_across_files)
{
  qb_err e = QB_ERR_INIT;
  enum { N = 20000, M = 5000 };
  static double lose[N], late[M], period[M];
  static qb_value rows[M], items[M];
  for (int i = 0; i < N; i++) lose[i] = i % 10 == 9 ? lose[i - 1] : i * 0.5; /* 90 % distinct */
  for (int i = 0; i < M; i++) {
    late[i] = i < 300 ? i * 0.25 : 7.0; /* distinct at first, a dictionary that pays by the page end */
    period[i] = (double)(i % 100);
    items[i] = vf64(late[i]);
    rows[i] = vseq(QB_V_STRUCT, &items[i], 1);
  }
  qb_pq_schema *s = one_column(QB_PQ_DOUBLE, QB_PQ_REQUIRED);
  uint8_t lost[1] = {0};
  qb_pq_write_options o = QB_PQ_WRITE_OPTIONS_INIT;
  o.dict_lost = lost;
  qb_pq_column_batch cl = {late, NULL, NULL, NULL}, cl_rest = {late + 1000, NULL, NULL, NULL};
  qb_pq_column_batch cx = {lose, NULL, NULL, NULL}, cp = {period, NULL, NULL, NULL};
  int dp = -1;
  wfile f, g;
  /* no hint yet: `late` keeps its dictionary, and a winning dictionary leaves the byte clear */
  CHECK_OK(wopen(&f, s, &o, &e), &e);
  CHECK_OK(qb_pq_writer_write_batch(f.w, &cl, M, &e), &e);
  CHECK_OK(wclose(&f, NULL, &e), &e);
  CHECK(double_chunk_is(f.path, late, M, &dp, &e));
  CHECK_EQ_INT(dp, 1);
  CHECK_EQ_INT(lost[0], 0);
  /* a losing dictionary sets it */
  CHECK_OK(wopen(&f, s, &o, &e), &e);
  CHECK_OK(qb_pq_writer_write_batch(f.w, &cx, N, &e), &e);
  CHECK_OK(wclose(&f, NULL, &e), &e);
  CHECK(double_chunk_is(f.path, lose, N, &dp, &e));
  CHECK_EQ_INT(dp, 0);
  CHECK_EQ_INT(lost[0], 1);
  /* the next file of the data set: `late` is judged at 256 distinct values and written PLAIN */
  char path[512];
  CHECK(rows_and_batches_same_file(s, &o, rows, &cl, &cl_rest, M, 1000, path, &e));
  CHECK(double_chunk_is(path, late, M, &dp, &e));
  CHECK_EQ_INT(dp, 0);
  /* values repeating within 256 keep their dictionary despite the hint */
  CHECK_OK(wopen(&f, s, &o, &e), &e);
  CHECK_OK(qb_pq_writer_write_batch(f.w, &cp, M, &e), &e);
  CHECK_OK(wclose(&f, NULL, &e), &e);
  CHECK(double_chunk_is(f.path, period, M, &dp, &e));
  CHECK_EQ_INT(dp, 1);
  /* a file open when another drops: judged at its next new value (301 distinct of 301: PLAIN) */
  lost[0] = 0;
  qb_pq_column_batch head = {late, NULL, NULL, NULL}, tail = {late + 300, NULL, NULL, NULL};
  CHECK_OK(wopen(&f, s, &o, &e), &e);
  CHECK_OK(qb_pq_writer_write_batch(f.w, &head, 300, &e), &e);
  CHECK_OK(wopen(&g, s, &o, &e), &e);
  CHECK_OK(qb_pq_writer_write_batch(g.w, &cx, N, &e), &e);
  CHECK_OK(wclose(&g, NULL, &e), &e);
  CHECK_EQ_INT(lost[0], 1);
  late[300] = 1000.5; /* a value not seen before */
  CHECK_OK(qb_pq_writer_write_batch(f.w, &tail, M - 300, &e), &e);
  CHECK_OK(wclose(&f, NULL, &e), &e);
  CHECK(double_chunk_is(f.path, late, M, &dp, &e));
  CHECK_EQ_INT(dp, 0);
  qb_pq_schema_free(s);
}

/* The early dictionary judgement (1,024 first-page values): a dictionary that loses there while at most
 * 1 value in 64 repeats an earlier one is dropped at once, also inside a run of equal values that reaches
 * value 1,024, by rows and batches alike, even when the rest of the page would have made it pay (the rule
 * trades that case for not hashing the first 8,192 values of ids and measurements); with more repeats it
 * stays and the page-end rule keeps it. Strings alike. */
QB_TEST(early_probe_drops_an_almost_distinct_dictionary)
{
  qb_err e = QB_ERR_INIT;
  enum { N = 20000 };
  static double v[N];
  static qb_value rows[N], items[N];
  qb_pq_schema *s = one_column(QB_PQ_DOUBLE, QB_PQ_REQUIRED);
  for (int mode = 0; mode < 3; mode++) {
    for (int i = 0; i < N; i++) {
      v[i] = i * 0.5;
      if (mode == 1 && i % 40 == 39 && i < 1020) v[i] = v[i - 1]; /* 25 repeats in the first 1,024 */
      if (mode == 2 && i % 80 == 79 && i < 1020) v[i] = v[i - 1]; /* 12 (+3 in the run): 15 ≤ 1,024 / 64 */
      if (i >= 1020 && i < 1100) v[i] = 1e9;                       /* a run across value 1,024 */
      if (i >= 1100) v[i] = 7.0;                                   /* then one value: a dictionary would pay */
      items[i] = vf64(v[i]);
      rows[i] = vseq(QB_V_STRUCT, &items[i], 1);
    }
    qb_pq_column_batch col = {v, NULL, NULL, NULL}, rest = {v + 1010, NULL, NULL, NULL};
    char path[512];
    int dp = -1;
    CHECK(rows_and_batches_same_file(s, NULL, rows, &col, &rest, N, 1010, path, &e));
    CHECK(double_chunk_is(path, v, N, &dp, &e));
    CHECK_EQ_INT(dp * 10 + mode, (mode == 1 ? 10 : 0) + mode); /* the mode in the message */
  }
  qb_pq_schema_free(s);
  /* strings: 1,024 distinct ids, then one repeated name */
  static char data[N * 12];
  static int64_t off[N + 1];
  for (int repeats = 0; repeats < 2; repeats++) {
    off[0] = 0;
    for (int i = 0; i < N; i++) {
      int id = repeats && i % 30 == 29 ? i - 1 : i; /* 34 repeats in the first 1,024 */
      off[i + 1] = off[i] + (i < 1024 ? snprintf(data + off[i], 12, "id-%06d", id) : snprintf(data + off[i], 12, "name"));
      items[i] = vbin(data + off[i], (size_t)(off[i + 1] - off[i]));
      rows[i] = vseq(QB_V_STRUCT, &items[i], 1);
    }
    qb_pq_schema *t = one_column(QB_PQ_BYTE_ARRAY, QB_PQ_REQUIRED);
    qb_pq_column_batch col = {data, off, NULL, NULL}, rest = {data, off + 600, NULL, NULL};
    char path[512];
    CHECK(rows_and_batches_same_file(t, NULL, rows, &col, &rest, N, 600, path, &e));
    pqfile pf;
    CHECK_OK(pq_load(&pf, path, &e), &e);
    CHECK_EQ_INT(pf.m.row_groups[0].columns[0].meta_data.has_dictionary_page_offset, repeats);
    pq_free(&pf);
    qb_pq_schema_free(t);
  }
}

/* Write one-column batch `col` (`n` rows in batches of `step`) with options `o` into a new file: its path
 * into `path` (512 bytes). */
static bool write_batches(const qb_pq_schema *s, const qb_pq_write_options *o, const qb_pq_column_batch *col,
                          size_t width, size_t n, size_t step, char *path, qb_err *e)
{
  wfile f;
  if (wopen(&f, s, o, e)) return false;
  for (size_t i = 0; i < n; i += step) {
    size_t k = n - i < step ? n - i : step;
    qb_pq_column_batch b = *col;
    if (width) b.values = (const uint8_t *)col->values + i * width;
    else b.offsets = col->offsets + i;
    if (b.valid) b.valid += i;
    if (qb_pq_writer_write_batch(f.w, &b, k, e)) return false;
  }
  snprintf(path, 512, "%s", f.path);
  return wclose(&f, NULL, e) == QB_OK;
}

static bool same_file_bytes(const char *a_path, const char *b_path, qb_err *e)
{
  pqfile a, b;
  if (pq_load(&a, a_path, e) || pq_load(&b, b_path, e)) return false;
  bool same = a.n == b.n && !memcmp(a.p, b.p, a.n);
  pq_free(&a);
  pq_free(&b);
  return same;
}

/* qb_pq_write_options.no_dictionary: a column whose values are distinct on (almost) every row is written
 * byte for byte as its dropped dictionary attempt leaves it (dropped by the probe or by the first-page rule
 * at the chunk end, with nulls, by rows and batches alike), and PLAIN in every row group; a column whose
 * values repeat is written PLAIN where it would keep its dictionary, and reads back bit for bit. */
QB_TEST(no_dictionary_column)
{
  qb_err e = QB_ERR_INIT;
  enum { N = 45000 };
  static double v[N];
  static char data[N * 16];
  static int64_t off[N + 1];
  static uint8_t valid[N];
  static qb_value rows[N], items[N];
  const uint8_t off1[1] = {1};
  qb_pq_write_options plain = QB_PQ_WRITE_OPTIONS_INIT;
  plain.no_dictionary = off1;
  off[0] = 0;
  for (int i = 0; i < N; i++) {
    v[i] = i % 50 == 7 ? v[i - 1] : i * 0.75 + 0.125; /* 98 % distinct */
    valid[i] = i % 13 != 0;
    off[i + 1] = off[i] + (valid[i] ? snprintf(data + off[i], 16, "exp_%08d", i) : 0);
  }
  char a[512], b[512];
  /* doubles: N rows (pages of 20,000, the probe at 8,192), 3,000 rows (the first-page rule at the chunk
   * end); batches of 4,096 and of 700 values */
  qb_pq_schema *sd = one_column(QB_PQ_DOUBLE, QB_PQ_REQUIRED);
  qb_pq_column_batch cd = {v, NULL, NULL, NULL};
  size_t counts[] = {N, 3000};
  for (int k = 0; k < 2; k++) {
    for (size_t step = 4096; step >= 700; step = step == 4096 ? 700 : 0) {
      CHECK(write_batches(sd, NULL, &cd, 8, counts[k], step, a, &e));
      CHECK(write_batches(sd, &plain, &cd, 8, counts[k], step, b, &e));
      CHECK(same_file_bytes(a, b, &e));
    }
  }
  /* strings with nulls, by rows and by batches */
  qb_pq_schema *ss = one_column(QB_PQ_BYTE_ARRAY, QB_PQ_OPTIONAL);
  qb_pq_column_batch cs = {data, off, valid, NULL}, rest = {data, off + 10000, valid + 10000, NULL};
  for (int i = 0; i < N; i++) {
    items[i] = valid[i] ? vbin(data + off[i], (size_t)(off[i + 1] - off[i])) : V_NULL;
    rows[i] = vseq(QB_V_STRUCT, &items[i], 1);
  }
  CHECK(write_batches(ss, NULL, &cs, 0, N, 4096, a, &e));
  CHECK(rows_and_batches_same_file(ss, &plain, rows, &cs, &rest, N, 10000, b, &e));
  CHECK(same_file_bytes(a, b, &e));
  /* small row groups: every chunk is PLAIN (row groups may close at other rows than with the dictionary
   * attempt, which counts its dictionary in the buffered size) and holds its rows */
  qb_pq_write_options small = QB_PQ_WRITE_OPTIONS_INIT;
  small.row_group_size_bytes = 64 << 10;
  small.no_dictionary = off1;
  CHECK(write_batches(ss, &small, &cs, 0, N, 1000, b, &e));
  pqfile pf;
  CHECK_OK(pq_load(&pf, b, &e), &e);
  CHECK(pf.m.n_row_groups > 1);
  int64_t nrows = 0;
  for (uint32_t g = 0; g < pf.m.n_row_groups; g++) {
    CHECK(!pf.m.row_groups[g].columns[0].meta_data.has_dictionary_page_offset);
    nrows += pf.m.row_groups[g].num_rows;
  }
  CHECK_EQ_INT(nrows, N);
  pq_free(&pf);
  /* repeating values: a dictionary by default, PLAIN when off, the same values either way */
  enum { M = 20000 };
  for (int i = 0; i < M; i++) v[i] = (double)(i % 100);
  int dp = -1;
  CHECK(write_batches(sd, NULL, &cd, 8, M, 4096, a, &e));
  CHECK(double_chunk_is(a, v, M, &dp, &e));
  CHECK_EQ_INT(dp, 1);
  CHECK(write_batches(sd, &plain, &cd, 8, M, 4096, b, &e));
  CHECK(double_chunk_is(b, v, M, &dp, &e));
  CHECK_EQ_INT(dp, 0);
  qb_pq_schema_free(sd);
  qb_pq_schema_free(ss);
}

/* DELTA_BYTE_ARRAY (qb_pq_write_options.delta_byte_array): string pages without dictionary whose values
 * share long prefixes (ids built as <experiment>_term_<n>), with nulls, in v1 and v2 pages, by rows and
 * batches alike (the same bytes); every value reads back; off, the same values PLAIN in ≥ 3x the bytes.
 * Values without shared prefixes stay PLAIN; the chunk's first page decides for the whole chunk; a
 * dictionary that loses its first page falls back to DELTA_BYTE_ARRAY. */
QB_TEST(delta_byte_array_pages)
{
  qb_err e = QB_ERR_INIT;
  enum { N = 30000 };
  static char data[N * 48];
  static int64_t off[N + 1];
  static uint8_t valid[N];
  static qb_value rows[N], items[N];
  static char want[N][48];
  const uint8_t off1[1] = {1};
  qb_pq_schema *ss = one_column(QB_PQ_BYTE_ARRAY, QB_PQ_OPTIONAL);
  char a[512], b[512];
  for (int kind = 0; kind < 3; kind++) {
    /* 0: ids sharing ~35 of ~40 bytes; 1: short values without shared prefixes; 2: a first page of
     * such values, then ids */
    off[0] = 0;
    for (int i = 0; i < N; i++) {
      valid[i] = i % 17 != 3;
      bool ids = kind == 0 || (kind == 2 && i >= 100);
      if (ids) snprintf(want[i], 48, "%032x_term_%d", i / 300 * 2654435761u, i % 300);
      else snprintf(want[i], 48, "%c%c%05d", 'A' + i % 26, 'a' + i * 7 % 26, i);
      off[i + 1] = off[i] + (valid[i] ? (int64_t)strlen(want[i]) : 0);
      if (valid[i]) memcpy(data + off[i], want[i], strlen(want[i]));
      items[i] = valid[i] ? vbin(data + off[i], strlen(want[i])) : V_NULL;
      rows[i] = vseq(QB_V_STRUCT, &items[i], 1);
    }
    qb_pq_column_batch cs = {data, off, valid, NULL}, rest = {data, off + 10000, valid + 10000, NULL};
    int64_t bytes[2] = {0, 0};
    for (int v2 = 0; v2 < 2; v2++) {
      for (int on = 1; on >= 0; on--) {
        qb_pq_write_options o = QB_PQ_WRITE_OPTIONS_INIT;
        o.no_dictionary = off1;
        o.data_page_version = v2 ? 2 : 1;
        o.delta_byte_array = on;
        if (kind == 2) o.page_row_limit = 100;
        CHECK(rows_and_batches_same_file(ss, &o, rows, &cs, &rest, N, 10000, b, &e));
        pqfile pf;
        chunk *c = malloc(sizeof *c);
        CHECK_OK(pq_load(&pf, b, &e), &e);
        CHECK_EQ_INT(pf.m.n_row_groups, 1);
        CHECK_OK(read_chunk(c, &pf, 0, 0, 0, 1, &e), &e);
        bool dba = on && kind == 0;
        CHECK_EQ_INT(c->dba_data_pages, dba ? c->data_pages : 0);
        CHECK_EQ_INT(c->plain_data_pages, dba ? 0 : c->data_pages);
        CHECK_EQ_INT(c->n, N);
        size_t k = 0;
        for (int i = 0; i < N; i++)
          if (valid[i] && strcmp(c->sv[k++], want[i]) != 0) {
            fprintf(stderr, "  kind %d v2 %d on %d row %d: %s != %s\n", kind, v2, on, i, c->sv[k - 1], want[i]);
            CHECK(0);
            break;
          }
        CHECK_EQ_INT(c->nv, k);
        const qb_pq_column_meta *m = &pf.m.row_groups[0].columns[0].meta_data;
        CHECK_EQ_INT(m->n_encoding_stats, 1);
        CHECK(m->encoding_stats[0].encoding == (dba ? QB_PQ_DELTA_BYTE_ARRAY : QB_PQ_PLAIN) &&
              m->encoding_stats[0].count == c->data_pages);
        bool listed = false;
        for (uint32_t i = 0; i < m->n_encodings; i++) listed |= m->encodings[i] == QB_PQ_DELTA_BYTE_ARRAY;
        CHECK(listed == dba);
        bytes[on] = m->total_uncompressed_size;
        pq_free(&pf);
        free(c);
      }
      if (kind == 0) CHECK(bytes[1] * 3 < bytes[0]);
      else CHECK_EQ_INT(bytes[1], bytes[0]);
    }
  }
  /* the dictionary is tried and loses its first page: the pages are DELTA_BYTE_ARRAY from the first */
  qb_pq_write_options on = QB_PQ_WRITE_OPTIONS_INIT;
  on.delta_byte_array = true;
  CHECK(write_batches(ss, &on, &(qb_pq_column_batch){data, off, valid, NULL}, 0, N, 4096, a, &e));
  pqfile pf;
  chunk *c = malloc(sizeof *c);
  CHECK_OK(pq_load(&pf, a, &e), &e);
  CHECK_OK(read_chunk(c, &pf, 0, 0, 0, 1, &e), &e);
  CHECK(!pf.m.row_groups[0].columns[0].meta_data.has_dictionary_page_offset);
  CHECK(c->dba_data_pages > 0 && c->plain_data_pages == 0 && c->dict_data_pages == 0);
  pq_free(&pf);
  free(c);
  qb_pq_schema_free(ss);
}

/* Definition levels of a page stay implicit until its first null: pages without nulls, a null arriving
 * after thousands of implicit levels (mid-batch and at a batch start), an all-null page, an empty batch;
 * rows and batches write the same bytes, and the levels read back. */
QB_TEST(implicit_definition_levels)
{
  qb_err e = QB_ERR_INIT;
  enum { N = 12000 };
  static int64_t v[N];
  static uint8_t valid[N];
  static qb_value rows[N], items[N];
  for (int i = 0; i < N; i++) {
    v[i] = i % 37;
    valid[i] = !(i == 5010 || i == 5000 || (i >= 9000 && i < 12000)); /* page 4 (9000..) is all null */
    items[i] = valid[i] ? vi64(v[i]) : V_NULL;
    rows[i] = vseq(QB_V_STRUCT, &items[i], 1);
  }
  qb_pq_schema *s = one_column(QB_PQ_INT64, QB_PQ_OPTIONAL);
  for (int version = 1; version <= 2; version++) {
    qb_pq_write_options o = QB_PQ_WRITE_OPTIONS_INIT;
    o.page_row_limit = 3000;
    o.data_page_version = version;
    qb_pq_column_batch col = {v, NULL, valid, NULL}, rest = {v + 5000, NULL, valid + 5000, NULL};
    char path[512];
    CHECK(rows_and_batches_same_file(s, &o, rows, &col, &rest, N, 5000, path, &e));
    pqfile pf;
    chunk *c = malloc(sizeof *c);
    CHECK_OK(pq_load(&pf, path, &e), &e);
    CHECK_OK(read_chunk(c, &pf, 0, 0, 0, 1, &e), &e);
    CHECK_EQ_INT(c->n, N);
    CHECK_EQ_INT(c->nv, N - 2 - 3000);
    size_t bad = 0, k = 0;
    for (int i = 0; i < N; i++) {
      bad += c->def[i] != valid[i];
      if (valid[i]) bad += c->iv[k++] != v[i];
    }
    CHECK_EQ_INT(bad, 0);
    pq_free(&pf);
    free(c);
  }
  /* an empty batch between two others changes nothing */
  wfile f;
  CHECK_OK(wopen(&f, s, NULL, &e), &e);
  qb_pq_column_batch col = {v, NULL, NULL, NULL};
  CHECK_OK(qb_pq_writer_write_batch(f.w, &col, 10, &e), &e);
  CHECK_OK(qb_pq_writer_write_batch(f.w, &col, 0, &e), &e);
  CHECK_OK(qb_pq_writer_write_batch(f.w, &col, 10, &e), &e);
  qb_pq_write_result *res = NULL;
  CHECK_OK(wclose(&f, &res, &e), &e);
  CHECK_EQ_INT(res->record_count, 20);
  CHECK_EQ_INT(res->columns[0].null_count, 0);
  qb_pq_write_result_free(res);
  qb_pq_schema_free(s);
}

/* zstd: level 0 means QB_PQ_ZSTD_DEFAULT_LEVEL (1), byte for byte; another level is honoured. */
QB_TEST(zstd_default_level)
{
  qb_err e = QB_ERR_INIT;
  enum { N = 5000 };
  static int64_t v[N];
  for (int i = 0; i < N; i++) v[i] = (int64_t)i * i % 977; /* compressible, not trivially */
  qb_pq_column_batch col = {v, NULL, NULL, NULL};
  qb_pq_schema *s = one_column(QB_PQ_INT64, QB_PQ_REQUIRED);
  pqfile pf[3];
  static const int levels[3] = {0, 1, 19};
  for (int k = 0; k < 3; k++) {
    qb_pq_write_options o = QB_PQ_WRITE_OPTIONS_INIT;
    o.dictionary = false;
    o.compression_level = levels[k];
    wfile f;
    CHECK_OK(wopen(&f, s, &o, &e), &e);
    CHECK_OK(qb_pq_writer_write_batch(f.w, &col, N, &e), &e);
    CHECK_OK(wclose(&f, NULL, &e), &e);
    CHECK_OK(pq_load(&pf[k], f.path, &e), &e);
  }
  CHECK(pf[0].n == pf[1].n && !memcmp(pf[0].p, pf[1].p, pf[0].n));
  CHECK(pf[2].n != pf[1].n || memcmp(pf[2].p, pf[1].p, pf[1].n) != 0);
  chunk *c = malloc(sizeof *c);
  CHECK_OK(read_chunk(c, &pf[2], 0, 0, 0, 0, &e), &e);
  CHECK(c->nv == N && c->iv[N - 1] == v[N - 1]);
  free(c);
  for (int k = 0; k < 3; k++) pq_free(&pf[k]);
  qb_pq_schema_free(s);
}

/* The column writer's PLAIN string staging (`data`) keeps its capacity near what a page needs: growing
 * past the page size it stops at the page size + 1/16 in its size class (≤ 9/8; doubling would hold twice
 * a page), and after a row-group flush the column's next chunk reserves its previous largest page + 1/16
 * at once, in its size class.
 * Written straight through the column writer to see its buffers; the file is read back. */
QB_TEST(column_staging_sized_to_the_page)
{
  qb_err e = QB_ERR_INIT;
  enum { PAGE = 64 << 10, ROWS = 7, LEN = 50, BATCHES = 1000 };
  static char data[ROWS * BATCHES * LEN];
  static int64_t off[ROWS * BATCHES + 1];
  for (int i = 0; i < ROWS * BATCHES; i++) { /* distinct values, no shared structure to speak of */
    for (int k = 0; k < LEN; k++) data[i * LEN + k] = (char)('a' + (i * 31 + k * 7 + (i >> 3) * k) % 26);
    off[i + 1] = (int64_t)(i + 1) * LEN;
  }
  qb_pq_schema *s = one_column(QB_PQ_BYTE_ARRAY, QB_PQ_REQUIRED);
  qb_pq_write_options o = QB_PQ_WRITE_OPTIONS_INIT;
  o.dictionary = false;
  o.page_size_bytes = PAGE;
  qb_pq_compressor z;
  qb_pq_compressor_init(&z, o.codec, o.compression_level);
  qb_pq_colw c;
  qb_pq_colw_init(&c, &s->columns[0], &o, &z);
  qb_pq_column_batch col = {data, off, NULL, NULL};
  /* a page's staged bytes end within a batch of the page size (+ the headroom for the levels) */
  const size_t top = (PAGE + PAGE / 16 + 16 + 1) / 8 * 9, page_max = PAGE + ROWS * (LEN + 4) + 16;
  size_t max_cap = 0, max_n = 0, row = 0, src = 0;
  uint64_t buffered;
  while (c.pages.n == 0 || c.data.n < PAGE / 2) { /* the first page and half of the second */
    size_t before = c.data.n, pages = c.pages.n;
    CHECK_OK(qb_pq_colw_put_batch(&c, &col, row, ROWS, &src, &buffered, &e), &e);
    row += ROWS;
    if (c.data.cap > max_cap) max_cap = c.data.cap;
    /* a page closes after the batch that filled it: it held this batch's rows after `before` */
    size_t n = c.pages.n != pages ? before + ROWS * (LEN + 4) : c.data.n;
    if (n > max_n) max_n = n;
  }
  CHECK(max_n >= PAGE && max_n <= page_max);
  CHECK(max_cap >= max_n && max_cap <= top); /* doubling would have reached 2 * 64 KiB */
  CHECK(c.data.cap == max_cap);              /* the second page reuses the first one's buffer */
  /* flush the row group to a file */
  wfile f;
  memset(&f, 0, sizeof f);
  snprintf(f.path, sizeof f.path, "%s/staging.parquet", qb_test_tmpdir());
  CHECK_OK(qb_fileio_local_new(&f.io, &e), &e);
  CHECK_OK(qb_fileio_create(&f.sink, f.io, f.path, QB_CREATE_OVERWRITE, &e), &e);
  qb_arena a;
  qb_arena_init(&a, 4096);
  qb_pq_col_stats fs;
  qb_pq_col_stats_init(&fs, s->columns[0].leaf);
  qb_pq_column_chunk cc;
  CHECK_OK(qb_pq_colw_flush(&cc, &c, f.sink, 0, &a, &fs, &e), &e);
  CHECK(c.data.cap == 0 && c.pages.cap == 0); /* released with the row group */
  CHECK(cc.meta_data.num_values == (int64_t)row);
  /* the next chunk's first batch reserves the previous chunk's largest page + 1/16, exactly */
  CHECK_OK(qb_pq_colw_put_batch(&c, &col, row, ROWS, &src, &buffered, &e), &e);
  size_t want = max_n + max_n / 16 + 1;
  CHECK(c.data.cap >= want && c.data.cap <= want / 8 * 9 + 1 && c.data.cap < 2 * PAGE);
  CHECK_OK(qb_writer_close(f.sink, &e), &e);
  qb_fileio_free(f.io);
  qb_pq_col_stats_free(&fs);
  qb_arena_release(&a);
  qb_pq_colw_free(&c);
  qb_pq_compressor_free(&z);
  qb_pq_schema_free(s);
}

/* ---- errors ---------------------------------------------------------------------------------------------- */

QB_TEST(errors_name_the_column_and_keep_the_writer_usable)
{
  qb_err e = QB_ERR_INIT;
  qb_pq_schema *s = new_schema();
  qb_pq_node *root = qb_pq_schema_root(s), *l, *st;
  qb_pq_logical_type uuid = QB_PQ_LOGICAL(QB_PQ_LT_UUID);
  prim(s, root, "id", QB_PQ_REQUIRED, QB_PQ_INT64, 0, NULL, 1);
  CHECK_OK(qb_pq_schema_add_list(&l, NULL, s, root, "tags", QB_PQ_OPTIONAL, 2, &e), &e);
  prim(s, l, "element", QB_PQ_REQUIRED, QB_PQ_BYTE_ARRAY, 0, NULL, 3);
  CHECK_OK(qb_pq_schema_add_group(&st, s, root, "st", QB_PQ_REQUIRED, 4, &e), &e);
  prim(s, st, "u", QB_PQ_OPTIONAL, QB_PQ_FIXED_LEN_BYTE_ARRAY, 16, &uuid, 5);
  CHECK_OK(qb_pq_schema_finish(s, &e), &e);
  wfile f;
  CHECK_OK(wopen(&f, s, NULL, &e), &e);
  qb_value good = ROW(vi64(1), LIST(vstr("a")), ROW(V_NULL));
  CHECK_OK(qb_pq_writer_write_row(f.w, &good, &e), &e);
  qb_value r1 = ROW(vi64(2), LIST(vi64(5)), ROW(V_NULL));
  CHECK_FAIL(qb_pq_writer_write_row(f.w, &r1, &e), QB_EINVAL, &e, "row 1: column tags.list.element: expected STRING or BYTES, got INT64");
  qb_value r2 = ROW(V_NULL, V_NULL, ROW(V_NULL));
  CHECK_FAIL(qb_pq_writer_write_row(f.w, &r2, &e), QB_EINVAL, &e, "column id: null in a REQUIRED field");
  qb_value r3 = ROW(vi64(3), LIST(V_NULL), ROW(V_NULL));
  CHECK_FAIL(qb_pq_writer_write_row(f.w, &r3, &e), QB_EINVAL, &e, "column tags.list.element: null in a REQUIRED field");
  qb_value r4 = ROW(vi64(4), V_NULL, ROW(vbin("short", 5)));
  CHECK_FAIL(qb_pq_writer_write_row(f.w, &r4, &e), QB_EINVAL, &e, "column st.u: expected 16 bytes for FIXED_LEN_BYTE_ARRAY(16), got 5");
  qb_value r5 = ROW(vi64(5), V_NULL);
  CHECK_FAIL(qb_pq_writer_write_row(f.w, &r5, &e), QB_EINVAL, &e, "row: expected a STRUCT of 3 fields, got STRUCT of another size");
  qb_value r6 = ROW(vi64(6), vstr("x"), ROW(V_NULL));
  CHECK_FAIL(qb_pq_writer_write_row(f.w, &r6, &e), QB_EINVAL, &e, "field tags: expected LIST, got STRING");
  qb_value r7 = ROW(vi64(7), V_NULL, V_NULL);
  CHECK_FAIL(qb_pq_writer_write_row(f.w, &r7, &e), QB_EINVAL, &e, "field st: null in a REQUIRED field");
  /* not flat: the batch API refuses, naming the first nested column */
  qb_pq_column_batch cols[3] = {{NULL, NULL, NULL, NULL}, {NULL, NULL, NULL, NULL}, {NULL, NULL, NULL, NULL}};
  CHECK_FAIL(qb_pq_writer_write_batch(f.w, cols, 1, &e), QB_EINVAL, &e, "column tags.list.element: write_batch needs flat columns");
  /* rejected rows left nothing behind */
  qb_value good2 = ROW(vi64(8), EMPTY_LIST, ROW(vbin("0123456789abcdef", 16)));
  CHECK_OK(qb_pq_writer_write_row(f.w, &good2, &e), &e);
  qb_pq_write_result *res = NULL;
  CHECK_OK(wclose(&f, &res, &e), &e);
  CHECK_EQ_INT(res->record_count, 2);
  CHECK_EQ_INT(res->columns[0].value_count, 2);
  CHECK_EQ_INT(res->columns[1].value_count, 2);
  CHECK_EQ_INT(res->columns[2].null_count, 1);
  qb_pq_write_result_free(res);
  qb_pq_schema_free(s);
}

QB_TEST(batch_errors)
{
  qb_err e = QB_ERR_INIT;
  qb_pq_schema *s = new_schema();
  qb_pq_node *root = qb_pq_schema_root(s);
  prim(s, root, "i", QB_PQ_REQUIRED, QB_PQ_INT32, 0, NULL, 1);
  prim(s, root, "s", QB_PQ_OPTIONAL, QB_PQ_BYTE_ARRAY, 0, NULL, 2);
  CHECK_OK(qb_pq_schema_finish(s, &e), &e);
  wfile f;
  CHECK_OK(wopen(&f, s, NULL, &e), &e);
  int32_t iv[3] = {1, 2, 3};
  uint8_t valid[3] = {1, 0, 1};
  int64_t bad_off[4] = {0, 2, 1, 3}, off[4] = {0, 1, 1, 3};
  qb_pq_column_batch c1[2] = {{iv, NULL, valid, NULL}, {"abc", off, NULL, NULL}};
  CHECK_FAIL(qb_pq_writer_write_batch(f.w, c1, 3, &e), QB_EINVAL, &e, "column i: row 1: null in a REQUIRED column");
  qb_pq_column_batch c2[2] = {{iv, NULL, NULL, NULL}, {"abc", bad_off, NULL, NULL}};
  CHECK_FAIL(qb_pq_writer_write_batch(f.w, c2, 3, &e), QB_EINVAL, &e, "column s: row 1: bad offsets 2..1");
  qb_pq_column_batch c3[2] = {{iv, NULL, NULL, NULL}, {"abc", NULL, NULL, NULL}};
  CHECK_FAIL(qb_pq_writer_write_batch(f.w, c3, 3, &e), QB_EINVAL, &e, "column s: BYTE_ARRAY column without offsets");
  /* the same checks one column at a time, as the Iceberg data writer runs them before routing rows */
  const qb_pq_node *ni = qb_pq_schema_column(s, 0), *ns = qb_pq_schema_column(s, 1);
  int64_t neg[2] = {-1, 0}, huge[2] = {0, (int64_t)UINT32_MAX + 1};
  qb_pq_column_batch none = {NULL, NULL, NULL, NULL}, bneg = {"abc", neg, NULL, NULL}, bhuge = {"abc", huge, NULL, NULL};
  CHECK_FAIL(qb_pq_column_batch_validate(ni, &none, 3, &e), QB_EINVAL, &e, "column i: no values");
  CHECK_FAIL(qb_pq_column_batch_validate(ns, &bneg, 1, &e), QB_EINVAL, &e, "column s: negative offset");
  CHECK_FAIL(qb_pq_column_batch_validate(ns, &bhuge, 1, &e), QB_EINVAL, &e, "column s: row 0: bad offsets 0..4294967296");
  CHECK_FAIL(qb_pq_column_batch_validate(ni, &c1[0], 3, &e), QB_EINVAL, &e, "column i: row 1: null in a REQUIRED column");
  CHECK_OK(qb_pq_column_batch_validate(ni, &c1[0], 1, &e), &e); /* the null is beyond n_rows */
  CHECK_OK(qb_pq_column_batch_validate(ns, &c1[1], 3, &e), &e);
  qb_pq_column_batch ok[2] = {{iv, NULL, NULL, NULL}, {"abc", off, valid, NULL}};
  CHECK_OK(qb_pq_writer_write_batch(f.w, ok, 3, &e), &e);
  qb_pq_write_result *res = NULL;
  CHECK_OK(wclose(&f, &res, &e), &e);
  CHECK_EQ_INT(res->record_count, 3);
  CHECK_EQ_INT(res->columns[1].null_count, 1);
  qb_pq_write_result_free(res);
  qb_pq_schema_free(s);
}

/* qb_pq_column_batch.repeats: a batch that declares its repeated rows (all of them, or only some, as a
 * producer filling record-constant columns does) writes the same file byte for byte as one that declares
 * none: through dictionary runs, nulls, NaNs, the first-page probe, the fallback to PLAIN and PLAIN strings. */
/* Offsets are checked in blocks of 8 rows, then the rest: a decreasing offset or a value over 4 GiB at
 * any row of a block or of the rest is found and named, one beyond n_rows is not looked at. */
QB_TEST(batch_offsets_checked_in_blocks)
{
  qb_err e = QB_ERR_INIT;
  qb_pq_schema *s = new_schema();
  prim(s, qb_pq_schema_root(s), "s", QB_PQ_OPTIONAL, QB_PQ_BYTE_ARRAY, 0, NULL, 1);
  CHECK_OK(qb_pq_schema_finish(s, &e), &e);
  const qb_pq_node *leaf = qb_pq_schema_column(s, 0);
  enum { N = 21 };
  static const size_t counts[] = {7, 8, 9, 16, 20, 21};
  int64_t off[N + 1];
  char want[96];
  for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
    size_t n = counts[c];
    for (int huge = 0; huge < 2; huge++) {
      for (size_t bad = 0; bad < N; bad++) {
        for (size_t i = 0; i <= N; i++) off[i] = (int64_t)i * 3;
        /* row `bad`: its end before its start, or 4 GiB long (every later offset moved with it) */
        for (size_t i = bad + 1; i <= N; i++) off[i] += huge ? (int64_t)UINT32_MAX - 2 : -4;
        qb_pq_column_batch b = {"x", off, NULL, NULL};
        int rc = qb_pq_column_batch_validate(leaf, &b, n, &e);
        if (bad >= n) {
          CHECK_EQ_INT(rc, QB_OK);
          continue;
        }
        snprintf(want, sizeof want, "column s: row %zu: bad offsets %lld..%lld", bad, (long long)off[bad],
                 (long long)off[bad + 1]);
        CHECK_FAIL(rc, QB_EINVAL, &e, want);
      }
    }
  }
  qb_pq_schema_free(s);
}

QB_TEST(batch_repeats_write_the_same_file)
{
  qb_err e = QB_ERR_INIT;
  qb_pq_schema *s = new_schema();
  qb_pq_node *root = qb_pq_schema_root(s);
  qb_pq_logical_type str = QB_PQ_LOGICAL(QB_PQ_LT_STRING);
  prim(s, root, "eid", QB_PQ_OPTIONAL, QB_PQ_BYTE_ARRAY, 0, &str, 1); /* long runs, runs of nulls */
  prim(s, root, "id", QB_PQ_REQUIRED, QB_PQ_BYTE_ARRAY, 0, &str, 2);  /* mostly distinct: PLAIN, some runs */
  prim(s, root, "d", QB_PQ_OPTIONAL, QB_PQ_DOUBLE, 0, NULL, 3);       /* runs of a value, of NaN */
  prim(s, root, "n", QB_PQ_REQUIRED, QB_PQ_INT64, 0, NULL, 4);
  CHECK_OK(qb_pq_schema_finish(s, &e), &e);
  enum { N = 30000, CUT = 777 };
  int64_t *nv = malloc(N * sizeof *nv), *eoff = malloc((N + 1) * sizeof *eoff), *ioff = malloc((N + 1) * sizeof *ioff);
  double *dv = malloc(N * sizeof *dv);
  uint8_t *evalid = malloc(N), *dvalid = malloc(N), *rep[4], *rest_rep[4];
  char *edata = malloc((size_t)N * 70), *idata = malloc((size_t)N * 24);
  eoff[0] = ioff[0] = 0;
  for (int i = 0; i < N; i++) {
    int run = i < 12000 ? i / 9000 : i / 37; /* one run over the 8,192-value probe, then short runs */
    evalid[i] = run % 11 != 3;
    eoff[i + 1] = eoff[i] + (evalid[i] ? snprintf(edata + eoff[i], 70, "%064d", run % 40) : 0);
    ioff[i + 1] = ioff[i] + snprintf(idata + ioff[i], 24, "param_%016d", i % 20 == 19 ? i - 1 : i);
    dvalid[i] = (i / 5) % 13 != 0;
    dv[i] = dvalid[i] ? ((i / 5) % 7 == 0 ? NAN : (double)((i / 5) % 3)) : 0;
    nv[i] = i / 100;
  }
  const void *vals[4] = {edata, idata, dv, nv};
  const int64_t *offs[4] = {eoff, ioff, NULL, NULL};
  const uint8_t *valids[4] = {evalid, NULL, dvalid, NULL};
  for (int c = 0; c < 4; c++) { /* every third true repeat left undeclared: the writer compares those */
    rep[c] = calloc(N, 1), rest_rep[c] = calloc(N, 1);
    for (int i = 1; i < N; i++) {
      bool va = !valids[c] || valids[c][i], vb = !valids[c] || valids[c][i - 1], same = va == vb;
      if (same && va && offs[c]) {
        int64_t la = offs[c][i + 1] - offs[c][i], lb = offs[c][i] - offs[c][i - 1];
        same = la == lb && !memcmp((const char *)vals[c] + offs[c][i], (const char *)vals[c] + offs[c][i - 1], (size_t)la);
      } else if (same && va) {
        same = !memcmp((const char *)vals[c] + 8 * i, (const char *)vals[c] + 8 * (i - 1), 8);
      }
      rep[c][i] = same && i % 3 != 0;
    }
    memcpy(rest_rep[c], rep[c] + CUT, N - CUT);
    rest_rep[c][0] = 0; /* a batch's first row repeats nothing */
  }
  /* way 2: the same repeats holding no value (qb_pq_column_batch): no bytes, a garbage slot */
  char *cdata[2] = {malloc((size_t)N * 70), malloc((size_t)N * 24)};
  int64_t *coff[2] = {malloc((N + 1) * sizeof(int64_t)), malloc((N + 1) * sizeof(int64_t))};
  uint8_t *cnum[2] = {malloc(N * 8), malloc(N * 8)};
  for (int c = 0; c < 4; c++) {
    bool bytes = offs[c] != NULL;
    int x = bytes ? c : c - 2;
    if (bytes) coff[x][0] = 0;
    for (int i = 0; i < N; i++) {
      bool none = rep[c][i] && i != CUT;
      if (bytes) {
        int64_t len = none ? 0 : offs[c][i + 1] - offs[c][i];
        memcpy(cdata[x] + coff[x][i], (const char *)vals[c] + offs[c][i], (size_t)len);
        coff[x][i + 1] = coff[x][i] + len;
      } else if (none) {
        memset(cnum[x] + 8 * i, 0xa5 ^ i, 8);
      } else {
        memcpy(cnum[x] + 8 * i, (const char *)vals[c] + 8 * i, 8);
      }
    }
  }
  CHECK(coff[0][N] < eoff[N] / 2 && coff[1][N] < ioff[N]);
  const void *cvals[4] = {cdata[0], cdata[1], cnum[0], cnum[1]};
  const int64_t *coffs[4] = {coff[0], coff[1], NULL, NULL};
  qb_pq_write_options o = QB_PQ_WRITE_OPTIONS_INIT;
  o.page_row_limit = 10000;
  char paths[3][512];
  /* with dictionaries (the runs keep theirs, the ids go PLAIN), then without (every column PLAIN, so
   * repeats are resolved value by value) */
  for (int dict = 1; dict >= 0; dict--) {
    o.dictionary = dict;
    for (int way = 0; way < 3; way++) {
      qb_pq_column_batch cols[4], rest[4];
      for (int c = 0; c < 4; c++) {
        size_t w = offs[c] ? 0 : 8;
        const void *v = way == 2 ? cvals[c] : vals[c];
        const int64_t *of = way == 2 ? coffs[c] : offs[c];
        cols[c] = (qb_pq_column_batch){v, of, valids[c], way ? rep[c] : NULL};
        rest[c] = (qb_pq_column_batch){(const char *)v + w * CUT, of ? of + CUT : NULL,
                                       valids[c] ? valids[c] + CUT : NULL, way ? rest_rep[c] : NULL};
      }
      wfile f;
      CHECK_OK(wopen(&f, s, &o, &e), &e);
      CHECK_OK(qb_pq_writer_write_batch(f.w, cols, CUT, &e), &e);
      CHECK_OK(qb_pq_writer_write_batch(f.w, rest, N - CUT, &e), &e);
      CHECK_OK(wclose(&f, NULL, &e), &e);
      snprintf(paths[way], sizeof paths[way], "%s", f.path);
    }
    pqfile a, b, cf;
    CHECK_OK(pq_load(&a, paths[0], &e), &e);
    CHECK_OK(pq_load(&b, paths[1], &e), &e);
    CHECK_OK(pq_load(&cf, paths[2], &e), &e);
    CHECK(a.n == b.n && !memcmp(a.p, b.p, a.n));
    CHECK(a.n == cf.n && !memcmp(a.p, cf.p, a.n));
    const qb_pq_column_meta *m0 = &a.m.row_groups[0].columns[0].meta_data, *m1 = &a.m.row_groups[0].columns[1].meta_data;
    CHECK(m0->has_dictionary_page_offset == dict); /* the runs kept the dictionary ... */
    CHECK(!m1->has_dictionary_page_offset);        /* ... the ids went PLAIN */
    pq_free(&a);
    pq_free(&b);
    pq_free(&cf);
  }
  for (int x = 0; x < 2; x++) free(cdata[x]), free(coff[x]), free(cnum[x]);
  for (int c = 0; c < 4; c++) free(rep[c]), free(rest_rep[c]);
  free(nv), free(eoff), free(ioff), free(dv), free(evalid), free(dvalid), free(edata), free(idata);
  qb_pq_schema_free(s);
}

/* repeats that would corrupt the file are refused before anything is written: the first row repeating a
 * row before the batch, a repeat across a change of validity (values and levels would disagree). A run
 * cannot reach past the batch: each flag names only its row and the one before. */
/* Unsigned byte order, the reference: memcmp, then the shorter first. */
static int ref_cmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
  int r = memcmp(a, b, an < bn ? an : bn);
  return r ? r : (an > bn) - (an < bn);
}

/* String bounds of PLAIN pages (the batch path decides most values by their first 8 bytes against the
 * chunk's bounds, the row path too): values that share long prefixes, are shorter than 8 bytes, empty, a
 * prefix of another, hold 0x00 and 0xff bytes; several row groups and pages; batches with nulls and
 * declared repeats. Every row group's min and max, written by rows and by batches, are a plain memcmp scan's. */
QB_TEST(batch_string_bounds_by_heads)
{
  qb_err e = QB_ERR_INIT;
  qb_pq_schema *s = new_schema();
  qb_pq_node *root = qb_pq_schema_root(s);
  prim(s, root, "b", QB_PQ_OPTIONAL, QB_PQ_BYTE_ARRAY, 0, NULL, 1);
  CHECK_OK(qb_pq_schema_finish(s, &e), &e);
  enum { N = 6000, RG = 1500 };
  static const uint8_t alpha[] = {0x00, 0x01, 'a', 'b', 0x7f, 0x80, 0xfe, 0xff};
  int64_t *off = malloc((N + 1) * sizeof *off);
  uint8_t *data = malloc((size_t)N * 24), *valid = malloc(N), *rep = malloc(N);
  qb_value *rows = malloc(N * sizeof *rows), *items = malloc(N * sizeof *items);
  uint32_t x = 12345;
  off[0] = 0;
  for (int i = 0; i < N; i++) {
    x = x * 1103515245u + 12345u;
    uint32_t r = x >> 8;
    valid[i] = r % 17 != 0;
    rep[i] = i % RG && r % 5 == 0 && i % 300 != 0; /* a repeat of row i - 1 (never a batch's first row) */
    if (rep[i]) valid[i] = valid[i - 1];
    size_t n = 0;
    uint8_t *d = data + off[i];
    if (rep[i]) {
      n = (size_t)(off[i] - off[i - 1]);
      memcpy(d, data + off[i - 1], n);
    } else if (valid[i]) {
      /* a shared 10-byte prefix (equal heads) for most, short and empty values for some */
      size_t kind = r % 7;
      if (kind < 4) {
        memcpy(d, "experiment", 10);
        n = 10;
      } else if (kind == 4) {
        memcpy(d, "exp", 3);
        n = 3;
      }
      size_t extra = (r >> 4) % (kind == 6 ? 2 : 12);
      for (size_t k = 0; k < extra; k++) d[n++] = alpha[(r >> (k % 20)) % 8 ^ (k & 7)];
    }
    off[i + 1] = off[i] + (int64_t)n;
    items[i] = valid[i] ? vbin(d, n) : V_NULL;
    rows[i] = vseq(QB_V_STRUCT, &items[i], 1);
  }
  qb_pq_write_options o = QB_PQ_WRITE_OPTIONS_INIT;
  o.dictionary = false;
  o.page_row_limit = 700;             /* pages end inside row groups and batches */
  o.codec = QB_PQ_UNCOMPRESSED;
  o.row_group_size_bytes = 16 << 10;  /* several row groups */
  wfile fr, fb;
  qb_pq_write_result *rr = NULL, *rb = NULL;
  CHECK_OK(wopen(&fr, s, &o, &e), &e);
  CHECK_OK(write_rows(&fr, rows, N, &e), &e);
  CHECK_OK(wclose(&fr, &rr, &e), &e);
  CHECK_OK(wopen(&fb, s, &o, &e), &e);
  for (size_t at = 0; at < N;) { /* batches of varying sizes, with declared repeats */
    size_t n = at + 1777 < N ? 1777 - at % 3 : N - at;
    uint8_t first = rep[at];
    rep[at] = 0;
    qb_pq_column_batch b = {data, off + at, valid + at, rep + at};
    CHECK_OK(qb_pq_writer_write_batch(fb.w, &b, n, &e), &e);
    rep[at] = first;
    at += n;
  }
  CHECK_OK(wclose(&fb, &rb, &e), &e);
  pqfile pr, pb;
  CHECK_OK(pq_load(&pr, fr.path, &e), &e);
  CHECK_OK(pq_load(&pb, fb.path, &e), &e);
  CHECK(pr.m.n_row_groups > 2);
  const pqfile *files[2] = {&pr, &pb};
  for (int f = 0; f < 2; f++) {
    const qb_pq_file_meta *m = &files[f]->m;
    int64_t row = 0;
    for (uint32_t g = 0; g < m->n_row_groups; g++) {
      const uint8_t *minp = NULL, *maxp = NULL;
      size_t minn = 0, maxn = 0;
      for (int64_t i = row; i < row + m->row_groups[g].num_rows && i < N; i++) {
        if (!valid[i]) continue;
        const uint8_t *p = data + off[i];
        size_t n = (size_t)(off[i + 1] - off[i]);
        if (!minp || ref_cmp(p, n, minp, minn) < 0) minp = p, minn = n;
        if (!maxp || ref_cmp(p, n, maxp, maxn) > 0) maxp = p, maxn = n;
      }
      row += m->row_groups[g].num_rows;
      const qb_pq_statistics *st = &m->row_groups[g].columns[0].meta_data.statistics;
      CHECK(minp && st->min_value.n == minn && !ref_cmp(st->min_value.p, st->min_value.n, minp, minn));
      CHECK(maxp && st->max_value.n == maxn && !ref_cmp(st->max_value.p, st->max_value.n, maxp, maxn));
    }
    CHECK_EQ_INT(row, N);
  }
  pq_free(&pr);
  pq_free(&pb);
  qb_pq_write_result_free(rr);
  qb_pq_write_result_free(rb);
  free(off), free(data), free(valid), free(rep), free(rows), free(items);
  qb_pq_schema_free(s);
}

QB_TEST(batch_repeats_that_lie)
{
  qb_err e = QB_ERR_INIT;
  qb_pq_schema *s = new_schema();
  qb_pq_node *root = qb_pq_schema_root(s);
  prim(s, root, "i", QB_PQ_REQUIRED, QB_PQ_INT32, 0, NULL, 1);
  prim(s, root, "s", QB_PQ_OPTIONAL, QB_PQ_BYTE_ARRAY, 0, NULL, 2);
  CHECK_OK(qb_pq_schema_finish(s, &e), &e);
  wfile f;
  CHECK_OK(wopen(&f, s, NULL, &e), &e);
  int32_t iv[4] = {7, 7, 7, 7};
  uint8_t valid[4] = {1, 1, 0, 1};
  int64_t off[5] = {0, 2, 4, 4, 5};
  uint8_t first[4] = {1, 1, 1, 1}, across_null[4] = {0, 1, 1, 0}, after_null[4] = {0, 1, 0, 1}, good[4] = {0, 1, 0, 0};
  qb_pq_column_batch c[2] = {{iv, NULL, NULL, NULL}, {"ababc", off, valid, NULL}};
  c[0].repeats = first;
  CHECK_FAIL(qb_pq_writer_write_batch(f.w, c, 4, &e), QB_EINVAL, &e, "column i: row 0: repeats a row before the batch");
  c[0].repeats = good;
  c[1].repeats = across_null;
  CHECK_FAIL(qb_pq_writer_write_batch(f.w, c, 4, &e), QB_EINVAL, &e, "column s: row 2: repeats row 1 of another validity");
  c[1].repeats = after_null;
  CHECK_FAIL(qb_pq_writer_write_batch(f.w, c, 4, &e), QB_EINVAL, &e, "column s: row 3: repeats row 2 of another validity");
  /* the same checks one column at a time (the Iceberg data writer's), and only within n_rows */
  const qb_pq_node *ns = qb_pq_schema_column(s, 1);
  CHECK_FAIL(qb_pq_column_batch_validate(ns, &c[1], 4, &e), QB_EINVAL, &e, "row 3: repeats row 2 of another validity");
  CHECK_OK(qb_pq_column_batch_validate(ns, &c[1], 3, &e), &e);
  qb_pq_column_batch empty = {iv, NULL, NULL, first};
  CHECK_OK(qb_pq_column_batch_validate(qb_pq_schema_column(s, 0), &empty, 0, &e), &e); /* no row to read */
  c[1].valid = valid;
  c[1].repeats = good;
  CHECK_OK(qb_pq_writer_write_batch(f.w, c, 4, &e), &e);
  qb_pq_write_result *res = NULL;
  CHECK_OK(wclose(&f, &res, &e), &e);
  CHECK_EQ_INT(res->record_count, 4);
  CHECK_EQ_INT(res->columns[1].null_count, 1);
  qb_pq_write_result_free(res);
  /* the rows read back as given */
  rscan x;
  CHECK_OK(rscan_open(&x, f.path, &e), &e);
  const char *want[4] = {"ab", "ab", NULL, "c"};
  for (int i = 0; i < 4; i++) {
    const qb_value *r;
    CHECK_OK(qb_pq_scan_next(&r, x.sc, &e), &e);
    CHECK(r != NULL);
    if (!r) break;
    const qb_value *v = &r->u.seq.items[1];
    CHECK_EQ_INT(r->u.seq.items[0].u.i32, 7);
    if (!want[i]) CHECK(v->kind == QB_V_NULL);
    else CHECK(v->kind != QB_V_NULL && v->u.bytes.n == strlen(want[i]) && !memcmp(v->u.bytes.p, want[i], v->u.bytes.n));
  }
  rscan_close(&x);
  qb_pq_schema_free(s);
}

QB_TEST(bad_options)
{
  qb_err e = QB_ERR_INIT;
  qb_pq_schema *s = one_column(QB_PQ_INT32, QB_PQ_REQUIRED);
  qb_pq_write_options o = QB_PQ_WRITE_OPTIONS_INIT;
  wfile f;
  o.codec = QB_PQ_LZ4;
  CHECK_FAIL(wopen(&f, s, &o, &e), QB_EINVAL, &e, "parquet writer: codec LZ4 (Hadoop framing, deprecated by Parquet) cannot be written: use lz4_raw");
  qb_writer_abort(f.sink);
  qb_fileio_free(f.io);
  o = (qb_pq_write_options)QB_PQ_WRITE_OPTIONS_INIT;
  o.data_page_version = 3;
  CHECK_FAIL(wopen(&f, s, &o, &e), QB_EINVAL, &e, "data page version 3");
  qb_writer_abort(f.sink);
  qb_fileio_free(f.io);
  o = (qb_pq_write_options)QB_PQ_WRITE_OPTIONS_INIT;
  o.codec = QB_PQ_GZIP;
  o.compression_level = 12;
  CHECK_FAIL(wopen(&f, s, &o, &e), QB_EINVAL, &e, "compression level 12 is out of range for GZIP");
  qb_writer_abort(f.sink);
  qb_fileio_free(f.io);
  o = (qb_pq_write_options)QB_PQ_WRITE_OPTIONS_INIT;
  o.version = 99;
  CHECK_FAIL(wopen(&f, s, &o, &e), QB_EINVAL, &e, "write options version 99");
  qb_writer_abort(f.sink);
  qb_fileio_free(f.io);
  qb_pq_schema *unfinished = new_schema();
  CHECK_FAIL(wopen(&f, unfinished, NULL, &e), QB_EINVAL, &e, "the schema is not finished");
  qb_writer_abort(f.sink);
  qb_fileio_free(f.io);
  qb_pq_schema_free(unfinished);
  qb_pq_schema_free(s);
}
