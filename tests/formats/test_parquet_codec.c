/* SPDX-License-Identifier: Apache-2.0 */
/* Parquet codecs: round trips, gzip multi-member, Hadoop-framed and raw LZ4, real pages, corrupt input, CRC;
 * zstd's default-level parameters (codec.h) against libzstd's own levels. */
#include <lz4.h>
#include <zlib.h>
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_c_literalCompressionMode: the reference frames of zstd_page_kind_parameters */
#include <zstd.h>

#include "formats/parquet/codec.h"
#include "formats/parquet/compressor.h"
#include "formats/parquet/meta.h"
#include "harness.h"

static uint8_t *make_input(int kind, size_t n)
{
  uint8_t *p = malloc(n ? n : 1);
  uint64_t x = 88172645463325252ull;
  for (size_t i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    switch (kind) {
      case 0: p[i] = (uint8_t)x; break;                         /* incompressible */
      case 1: p[i] = (uint8_t)("parquet!"[i % 8]); break;       /* very repetitive */
      default: p[i] = (uint8_t)(i / 100 + (x % 4)); break;      /* column-like */
    }
  }
  return p;
}

QB_TEST(round_trip_every_writable_codec)
{
  static const qb_pq_codec codecs[] = {QB_PQ_UNCOMPRESSED, QB_PQ_SNAPPY, QB_PQ_GZIP, QB_PQ_ZSTD, QB_PQ_LZ4_RAW,
                                       QB_PQ_BROTLI};
  static const size_t sizes[] = {0, 1, 100, 65536, 300000};
  static const int levels[] = {QB_PQ_LEVEL_DEFAULT, 1};
  for (size_t c = 0; c < sizeof codecs / sizeof codecs[0]; c++) {
    CHECK(qb_pq_codec_available(codecs[c], true) && qb_pq_codec_available(codecs[c], false));
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
      for (int kind = 0; kind < 3; kind++) {
        for (size_t l = 0; l < 2; l++) {
          qb_err err = QB_ERR_INIT;
          uint8_t *in = make_input(kind, sizes[s]);
          qb_buf b;
          qb_buf_init(&b, QB_BUF_NOLIMIT);
          CHECK_OK(qb_buf_append(&b, "hdr", 3, &err), &err); /* compress appends */
          CHECK_OK(qb_pq_compress(&b, codecs[c], levels[l], in, sizes[s], &err), &err);
          if (kind == 1 && sizes[s] >= 65536 && codecs[c] != QB_PQ_UNCOMPRESSED) CHECK(b.n < sizes[s] / 4);
          uint8_t *out = malloc(sizes[s] + 1);
          CHECK_OK(qb_pq_decompress(codecs[c], out, sizes[s], b.p + 3, b.n - 3, &err), &err);
          CHECK(sizes[s] == 0 || memcmp(in, out, sizes[s]) == 0);
          /* one byte more or less than the page says: corrupt */
          if (sizes[s] > 0) {
            CHECK_FAIL(qb_pq_decompress(codecs[c], out, sizes[s] - 1, b.p + 3, b.n - 3, &err), QB_ECORRUPT, &err, "");
            uint8_t *big = malloc(sizes[s] + 1);
            CHECK_FAIL(qb_pq_decompress(codecs[c], big, sizes[s] + 1, b.p + 3, b.n - 3, &err), QB_ECORRUPT, &err, "");
            free(big);
          }
          free(out);
          free(in);
          qb_buf_free(&b);
        }
      }
    }
  }
}

/* A PLAIN BYTE_ARRAY page like the ingest's: ids ([u32 length]<64 hex chars>_iter_<n>_param_<k>) or, with
 * `labels`, 12-letter Pauli strings over IXYZ (hamiltonian_terms.term_label); `rows` rows. */
static uint8_t *id_page(size_t rows, bool labels, size_t *n)
{
  uint8_t *p = malloc(rows * 100), *w = p;
  uint64_t x = 0x2545f4914f6cdd1dull;
  char eid[65], v[100];
  for (size_t r = 0; r < rows; r++) {
    if (r % 400 == 0) /* a new experiment every 400 rows */
      for (int i = 0; i < 64; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        eid[i] = "0123456789abcdef"[x & 15];
      }
    eid[64] = 0;
    int len = labels ? 12 : snprintf(v, sizeof v, "%s_iter_%d_param_%d", eid, (int)(x % 2000000) - 1000000 + (int)(r / 8), (int)(r % 8));
    for (int i = 0; labels && i < 12; i++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      v[i] = "IXYZ"[x & 3];
    }
    uint32_t l = (uint32_t)len;
    memcpy(w, &l, 4);
    memcpy(w + 4, v, l);
    w += 4 + l;
  }
  *n = (size_t)(w - p);
  return p;
}

QB_TEST(zstd_default_parameters_and_explicit_levels)
{
  qb_err err = QB_ERR_INIT;
  size_t n;
  uint8_t *in = id_page(6000, false, &n);
  qb_buf def, l1, l19, run;
  qb_buf_init(&def, QB_BUF_NOLIMIT);
  qb_buf_init(&l1, QB_BUF_NOLIMIT);
  qb_buf_init(&l19, QB_BUF_NOLIMIT);
  qb_buf_init(&run, QB_BUF_NOLIMIT);
  CHECK_OK(qb_pq_compress(&def, QB_PQ_ZSTD, QB_PQ_LEVEL_DEFAULT, in, n, &err), &err);
  CHECK_OK(qb_pq_compress(&l1, QB_PQ_ZSTD, 1, in, n, &err), &err);
  CHECK_OK(qb_pq_compress(&l19, QB_PQ_ZSTD, 19, in, n, &err), &err);
  /* an explicit level is libzstd's own, byte for byte (write.parquet.compression-level is honoured exactly) */
  uint8_t *ref = malloc(ZSTD_compressBound(n));
  size_t got = ZSTD_compress(ref, ZSTD_compressBound(n), in, n, 1);
  CHECK(!ZSTD_isError(got) && got == l1.n && memcmp(ref, l1.p, got) == 0);
  got = ZSTD_compress(ref, ZSTD_compressBound(n), in, n, 19);
  CHECK(!ZSTD_isError(got) && got == l19.n && memcmp(ref, l19.p, got) == 0);
  /* the default level's parameters take effect: fewer bytes than level 1 on such ids (level 19 does not
   * beat it there), and level 19 is honoured where it pays: Pauli labels */
  CHECK(def.n < l1.n);
  size_t ln;
  uint8_t *labels = id_page(20000, true, &ln);
  qb_buf_reset(&run);
  CHECK_OK(qb_pq_compress(&run, QB_PQ_ZSTD, QB_PQ_LEVEL_DEFAULT, labels, ln, &err), &err);
  size_t label_def = run.n;
  qb_buf_reset(&run);
  CHECK_OK(qb_pq_compress(&run, QB_PQ_ZSTD, 19, labels, ln, &err), &err);
  CHECK(run.n < label_def * 9 / 10);
  free(labels);
  /* and libzstd and our reader decompress it */
  uint8_t *out = malloc(n);
  CHECK(ZSTD_decompress(out, n, def.p, def.n) == n && memcmp(out, in, n) == 0);
  memset(out, 0, n);
  CHECK_OK(qb_pq_decompress(QB_PQ_ZSTD, out, n, def.p, def.n, &err), &err);
  CHECK(memcmp(out, in, n) == 0);
  /* the writer's compressor reuses its context: every page is the frame qb_pq_compress writes alone */
  for (int level = QB_PQ_LEVEL_DEFAULT; level <= 19; level += 19) {
    qb_pq_compressor z;
    qb_pq_compressor_init(&z, QB_PQ_ZSTD, level);
    for (int page = 0; page < 3; page++) {
      size_t part = page == 1 ? 1000 : n;
      qb_buf_reset(&run);
      CHECK_OK(qb_pq_compressor_run(&z, &run, in, part, &err), &err);
      qb_buf_reset(&l1);
      CHECK_OK(qb_pq_compress(&l1, QB_PQ_ZSTD, level, in, part, &err), &err);
      CHECK(run.n == l1.n && memcmp(run.p, l1.p, run.n) == 0);
    }
    CHECK(run.n == (level ? l19.n : def.n));
    qb_pq_compressor_free(&z);
  }
  free(out);
  free(ref);
  free(in);
  qb_buf_free(&def);
  qb_buf_free(&l1);
  qb_buf_free(&l19);
  qb_buf_free(&run);
}

/* PLAIN BYTE_ARRAY rows: [u32 LE length][bytes] */
static void put_row(qb_buf *b, const char *v, size_t n)
{
  uint8_t len[4] = {(uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24)};
  qb_err err = QB_ERR_INIT;
  CHECK_OK(qb_buf_append(b, len, 4, &err), &err);
  if (n) CHECK_OK(qb_buf_append(b, v, n, &err), &err);
}

/* Compress `in` with one of the page paths of the writer's context and check the frame decompresses to it
 * (libzstd and qb_pq_decompress); *size gets the frame's size. */
static void zstd_path_round_trip(qb_pq_compressor *z, int path, const qb_buf *in, size_t *size)
{
  *size = 0;
  qb_err err = QB_ERR_INIT;
  qb_buf out;
  qb_buf_init(&out, QB_BUF_NOLIMIT);
  CHECK_OK(qb_buf_append(&out, "hdr", 3, &err), &err); /* compression appends */
  if (path == 0) CHECK_OK(qb_pq_compressor_run(z, &out, in->p, in->n, &err), &err);
  else if (path == 1) CHECK_OK(qb_pq_compressor_run_rows(z, &out, in->p, in->n, &err), &err);
  else CHECK_OK(qb_pq_compressor_run_floats(z, &out, in->p, in->n, &err), &err);
  CHECK(memcmp(out.p, "hdr", 3) == 0);
  uint8_t *back = malloc(in->n + 1);
  CHECK(ZSTD_decompress(back, in->n, out.p + 3, out.n - 3) == in->n);
  CHECK(in->n == 0 || memcmp(back, in->p, in->n) == 0);
  memset(back, 0, in->n);
  CHECK_OK(qb_pq_decompress(QB_PQ_ZSTD, back, in->n, out.p + 3, out.n - 3, &err), &err);
  CHECK(in->n == 0 || memcmp(back, in->p, in->n) == 0);
  free(back);
  *size = out.n - 3;
  qb_buf_free(&out);
}

static size_t zstd_path(qb_pq_compressor *z, int path, const qb_buf *in)
{
  size_t n;
  zstd_path_round_trip(z, path, in, &n);
  return n;
}

QB_TEST(zstd_rows_and_floats_round_trip)
{
  char v[300];
  qb_buf ids, labels, mixed, odd, big, lv, dbl;
  qb_buf *all[] = {&ids, &labels, &mixed, &odd, &big, &lv, &dbl};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) qb_buf_init(all[i], QB_BUF_NOLIMIT);
  const char *hex = "9abd9edab89a29325959d1908e13c6cb6c7f518bf72bd9c8799189c3f9548d4f";
  uint64_t x = 88172645463325252ull;
  long long iter = 0;
  for (int r = 0; r < 20000; r++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    /* parameter ids: one id per row, a random iteration number every 12 rows (qberg generate's) */
    if (r % 12 == 0) iter = (long long)(x % 2000000) - 1000000;
    put_row(&ids, v, (size_t)snprintf(v, sizeof v, "%s_iter_%lld_param_%d", hex, iter, r % 12));
    /* Pauli labels: 12 random letters of 4 */
    for (int k = 0; k < 12; k++) v[k] = "IXYZ"[(x >> (2 * k)) & 3];
    put_row(&labels, v, 12);
    /* term ids: varying lengths; every length change is a candidate miss */
    put_row(&mixed, v, (size_t)snprintf(v, sizeof v, "%s_term_%lld", hex, (long long)(x % 2000000) - 1000000));
  }
  /* empty and one-byte values, a value longer than the longest offset used */
  put_row(&odd, "", 0);
  put_row(&odd, "", 0);
  put_row(&odd, "a", 1);
  put_row(&odd, "a", 1);
  put_row(&odd, "abcd", 4);
  put_row(&odd, "abcd", 4);
  uint8_t *huge = make_input(1, 200000);
  put_row(&big, (const char *)huge, 200000);
  put_row(&big, (const char *)huge, 200000);
  put_row(&big, "tail", 4);
  free(huge);
  /* a v1 page: [u32 length][RLE levels] in front of the rows parse as one more row */
  uint8_t levels[] = {3, 0, 0, 0, 0xf8, 0xba, 0x01};
  qb_err err = QB_ERR_INIT;
  CHECK_OK(qb_buf_append(&lv, levels, sizeof levels, &err), &err);
  CHECK_OK(qb_buf_append(&lv, ids.p, 50000, &err), &err); /* rows cut mid-value: zstd's own search */
  for (int r = 0; r < 4000; r++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    double d = (double)(x >> 11) / 9007199254740992.0 * 6.28;
    CHECK_OK(qb_buf_append(&dbl, &d, 8, &err), &err);
  }

  qb_pq_compressor z;
  qb_pq_compressor_init(&z, QB_PQ_ZSTD, QB_PQ_LEVEL_DEFAULT);
  /* every path on one context, in turns: each frame stands alone */
  for (int round = 0; round < 2; round++) {
    size_t ids_rows = zstd_path(&z, 1, &ids), ids_plain = zstd_path(&z, 0, &ids);
    /* one match a row: ~3 bytes of ~89 (zstd's search, which also finds the 12-row period, ~2.3) */
    CHECK(ids_rows < ids.n / 25);
    CHECK(ids_plain < ids.n / 25);
    size_t lab_rows = zstd_path(&z, 1, &labels), lab_plain = zstd_path(&z, 0, &labels);
    CHECK(lab_rows < lab_plain);         /* 7-byte matches in random letters were noise */
    CHECK(lab_rows < labels.n / 3);
    size_t dbl_raw = zstd_path(&z, 2, &dbl), dbl_huf = zstd_path(&z, 0, &dbl);
    CHECK(dbl_raw >= dbl_huf);           /* Huffman gains a little on the exponent bytes, */
    CHECK(dbl_raw <= dbl.n + 64);        /* the raw literals cost nothing beyond the frame */
    size_t mixed_rows = zstd_path(&z, 1, &mixed);
    CHECK(mixed_rows < mixed.n / 10);
    zstd_path(&z, 1, &odd);
    size_t big_rows = zstd_path(&z, 1, &big);
    CHECK(big_rows < 2000);              /* long values: zstd's own search (the rows path left 200 KB literal) */
    zstd_path(&z, 1, &lv);
    CHECK(zstd_path(&z, 1, &dbl) == dbl_huf); /* not rows: zstd's own search, the same frame */
  }
  /* a page that is exactly rows after v1 levels */
  qb_buf_reset(&lv);
  CHECK_OK(qb_buf_append(&lv, levels, sizeof levels, &err), &err);
  CHECK_OK(qb_buf_append(&lv, ids.p, ids.n, &err), &err);
  CHECK(zstd_path(&z, 1, &lv) < ids.n / 25);
  qb_pq_compressor_free(&z);
  /* an explicit level is zstd's own on every path: the frame qb_pq_compress writes */
  qb_pq_compressor_init(&z, QB_PQ_ZSTD, 1);
  qb_buf one;
  qb_buf_init(&one, QB_BUF_NOLIMIT);
  CHECK_OK(qb_pq_compress(&one, QB_PQ_ZSTD, 1, ids.p, ids.n, &err), &err);
  CHECK(zstd_path(&z, 1, &ids) == one.n);
  qb_buf_reset(&one);
  CHECK_OK(qb_pq_compress(&one, QB_PQ_ZSTD, 1, dbl.p, dbl.n, &err), &err);
  CHECK(zstd_path(&z, 2, &dbl) == one.n);
  qb_buf_free(&one);
  qb_pq_compressor_free(&z);
  /* other codecs ignore the page kind */
  qb_pq_compressor_init(&z, QB_PQ_SNAPPY, QB_PQ_LEVEL_DEFAULT);
  qb_buf_init(&one, QB_BUF_NOLIMIT);
  CHECK_OK(qb_pq_compressor_run_rows(&z, &one, ids.p, ids.n, &err), &err);
  uint8_t *back = malloc(ids.n);
  CHECK_OK(qb_pq_decompress(QB_PQ_SNAPPY, back, ids.n, one.p, one.n, &err), &err);
  CHECK(memcmp(back, ids.p, ids.n) == 0);
  free(back);
  qb_buf_free(&one);
  qb_pq_compressor_free(&z);
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) qb_buf_free(all[i]);
}

/* The row matcher's compares (32 bytes at a time with AVX2, else 16, then one; codec.c rows_common*):
 * rows sharing 0-99 bytes with the row before, every difference at another position within and across the
 * compare widths, each page also cut 0-2 rows short (the last compare meets the page's end inside a
 * width). Every frame must decompress to its page, and a page of 96-byte rows that differ in one byte
 * (a ~100-byte match a row) compresses to a few bytes a row. */
QB_TEST(zstd_rows_match_lengths)
{
  qb_err err = QB_ERR_INIT;
  qb_buf page;
  qb_buf_init(&page, QB_BUF_NOLIMIT);
  qb_pq_compressor z;
  qb_pq_compressor_init(&z, QB_PQ_ZSTD, QB_PQ_LEVEL_DEFAULT);
  char v[96];
  memset(v, 'a', sizeof v);
  for (int r = 0; r < 2000; r++) {
    v[r % 96] = (char)('b' + r % 23); /* the row before differs here only */
    put_row(&page, v, sizeof v);
  }
  size_t all = zstd_path(&z, 1, &page);
  CHECK(all < page.n / 20);
  /* the same rows, cut to rows of every length 1..99 that share a prefix of every length */
  qb_buf cut;
  qb_buf_init(&cut, QB_BUF_NOLIMIT);
  for (size_t len = 1; len < 100; len++) {
    qb_buf_reset(&cut);
    char w[100];
    memset(w, 'x', sizeof w);
    for (size_t r = 0; r < 64; r++) {
      w[(r * 7) % len] ^= 1; /* a difference at (r * 7) % len: a match of 4 + that many bytes */
      put_row(&cut, w, len);
    }
    zstd_path(&z, 1, &cut);
    /* shorter pages of the same rows */
    qb_buf head;
    qb_buf_init(&head, QB_BUF_NOLIMIT);
    CHECK_OK(qb_buf_append(&head, cut.p, cut.n - (len + 4) * (len % 3), &err), &err);
    zstd_path(&z, 1, &head);
    qb_buf_free(&head);
  }
  qb_buf_free(&cut);
  qb_buf_free(&page);
  qb_pq_compressor_free(&z);
}

/* Edge pages on the rows path (qb_pq_zstd_compress_rows), each through libzstd and our reader: an empty
 * page, one row, one empty row; a page of 1-byte rows whose second row starts a match over the whole rest of
 * the page (a match longer than zstd's 128 KiB block, split by zstd); a page of exactly 128 KiB; rows of
 * random bytes and random lengths over alphabets of 2..256 letters (short matches, literal runs of every
 * size, pages across block boundaries). */
QB_TEST(zstd_rows_edge_pages)
{
  qb_pq_compressor z;
  qb_pq_compressor_init(&z, QB_PQ_ZSTD, QB_PQ_LEVEL_DEFAULT);
  qb_buf page;
  qb_buf_init(&page, QB_BUF_NOLIMIT);
  zstd_path(&z, 1, &page); /* empty */
  put_row(&page, "only", 4);
  zstd_path(&z, 1, &page); /* one row */
  qb_buf_reset(&page);
  put_row(&page, "", 0);
  zstd_path(&z, 1, &page); /* one empty row */
  qb_buf_reset(&page);
  for (int r = 0; r < 300000; r++) put_row(&page, "a", 1);
  CHECK(page.n > 4 * 128 * 1024);
  CHECK(zstd_path(&z, 1, &page) < 1000); /* one match of 1.5 MB */
  qb_buf_reset(&page);
  char v[300];
  memset(v, 'q', sizeof v);
  while (page.n + 68 <= 128 * 1024) put_row(&page, v, 64);
  put_row(&page, v, 128 * 1024 - page.n - 4);
  CHECK(page.n == 128 * 1024);
  CHECK(zstd_path(&z, 1, &page) < 1000);
  uint64_t x = 0x9e3779b97f4a7c15ull;
  const unsigned alphabets[] = {2, 4, 10, 16, 64, 256};
  for (size_t a = 0; a < sizeof alphabets / sizeof alphabets[0]; a++) {
    for (size_t rows = 2; rows < 40000; rows = rows * 5 + 3) {
      qb_buf_reset(&page);
      for (size_t r = 0; r < rows; r++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t len = (size_t)(x % 24);
        for (size_t k = 0; k < len; k++) v[k] = (char)((x >> (k % 56)) % alphabets[a] + (x >> 60));
        put_row(&page, v, len);
      }
      zstd_path(&z, 1, &page);
    }
  }
  qb_buf_free(&page);
  qb_pq_compressor_free(&z);
}

/* libzstd's own frame of `in` with the default level's parameters (codec.h) and this literal mode and
 * target length: what each page kind's frame must be, byte for byte. */
static void zstd_reference(qb_buf *out, const qb_buf *in, ZSTD_paramSwitch_e literals, int target)
{
  qb_err err = QB_ERR_INIT;
  ZSTD_CCtx *c = ZSTD_createCCtx();
  CHECK(c != NULL);
  CHECK(!ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, QB_PQ_ZSTD_DEFAULT_LEVEL)));
  CHECK(!ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_hashLog, QB_PQ_ZSTD_DEFAULT_HASH_LOG)));
  CHECK(!ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_minMatch, QB_PQ_ZSTD_DEFAULT_MIN_MATCH)));
  CHECK(!ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_literalCompressionMode, literals)));
  CHECK(!ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_targetLength, target)));
  qb_buf_reset(out);
  CHECK_OK(qb_buf_reserve(out, ZSTD_compressBound(in->n), &err), &err);
  size_t got = ZSTD_compress2(c, out->p, ZSTD_compressBound(in->n), in->p, in->n);
  CHECK(!ZSTD_isError(got));
  out->n = ZSTD_isError(got) ? 0 : got;
  ZSTD_freeCCtx(c);
}

/* The frame of `in` on path 0 (run), 1 (rows) or 2 (floats) of `z`, in `out`, after the round trip checks. */
static void zstd_path_frame(qb_pq_compressor *z, int path, const qb_buf *in, qb_buf *out)
{
  qb_err err = QB_ERR_INIT;
  qb_buf_reset(out);
  if (path == 0) CHECK_OK(qb_pq_compressor_run(z, out, in->p, in->n, &err), &err);
  else if (path == 1) CHECK_OK(qb_pq_compressor_run_rows(z, out, in->p, in->n, &err), &err);
  else CHECK_OK(qb_pq_compressor_run_floats(z, out, in->p, in->n, &err), &err);
  uint8_t *back = malloc(in->n + 1);
  CHECK(ZSTD_decompress(back, in->n, out->p, out->n) == in->n);
  CHECK(in->n == 0 || memcmp(back, in->p, in->n) == 0);
  free(back);
}

static bool same_bytes(const qb_buf *a, const qb_buf *b)
{
  return a->n == b->n && (a->n == 0 || memcmp(a->p, b->p, a->n) == 0);
}

/* Each page kind's zstd parameters at the default level (codec.h: QB_PQ_ZSTD_SMALL_RAW, _FLOATS_TARGET,
 * _FALLBACK_SHORT, _FALLBACK_TARGET): the frame is libzstd's own for those parameters, and one context
 * writes every page's frame as a fresh context would, whatever page came before (each frame sets its own
 * literal mode and target length; the rows path resets them for ZSTD_compressSequences). */
QB_TEST(zstd_page_kind_parameters)
{
  qb_err err = QB_ERR_INIT;
  enum { SMALL, EXACT, FLOATS, HEX, TEXT, IDS, DBL_RUN, KINDS };
  qb_buf page[KINDS], fresh[KINDS], ref, got;
  for (int k = 0; k < KINDS; k++) qb_buf_init(&page[k], QB_BUF_NOLIMIT), qb_buf_init(&fresh[k], QB_BUF_NOLIMIT);
  qb_buf_init(&ref, QB_BUF_NOLIMIT);
  qb_buf_init(&got, QB_BUF_NOLIMIT);
  const int path[KINDS] = {0, 0, 2, 1, 1, 1, 0};
  uint8_t *col = make_input(2, QB_PQ_ZSTD_SMALL_RAW); /* a few symbols: Huffman would code them in ~2 bits */
  CHECK_OK(qb_buf_append(&page[SMALL], col, QB_PQ_ZSTD_SMALL_RAW - 1, &err), &err);
  CHECK_OK(qb_buf_append(&page[EXACT], col, QB_PQ_ZSTD_SMALL_RAW, &err), &err);
  free(col);
  uint64_t x = 0x2545f4914f6cdd1dull;
  for (int r = 0; r < 6000; r++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    double d = (double)(x >> 11) / 9007199254740992.0 * 3.14;
    CHECK_OK(qb_buf_append(&page[FLOATS], &d, 8, &err), &err);
  }
  CHECK_OK(qb_buf_append(&page[DBL_RUN], page[FLOATS].p, page[FLOATS].n, &err), &err);
  char v[200];
  for (int r = 0; r < 3000; r++) { /* 64-hex ids (the experiment ids' dictionaries): 68 bytes a row */
    for (int k = 0; k < 64; k++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      v[k] = "0123456789abcdef"[x & 15];
    }
    put_row(&page[HEX], v, 64);
  }
  for (int r = 0; r < 1000; r++) { /* text-like values of 196 bytes, unlike the row before */
    for (int k = 0; k < 196; k++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      v[k] = (char)('a' + x % 26);
    }
    put_row(&page[TEXT], v, 196);
  }
  size_t n;
  uint8_t *ids = id_page(6000, false, &n); /* row-matched: ZSTD_compressSequences */
  CHECK_OK(qb_buf_append(&page[IDS], ids, n, &err), &err);
  free(ids);
  CHECK(page[HEX].n <= 3000 * (size_t)QB_PQ_ZSTD_FALLBACK_SHORT && page[TEXT].n > 1000 * (size_t)QB_PQ_ZSTD_FALLBACK_SHORT);

  /* each kind on a fresh context, against libzstd's frame for that kind's parameters */
  for (int k = 0; k < KINDS; k++) {
    qb_pq_compressor z;
    qb_pq_compressor_init(&z, QB_PQ_ZSTD, QB_PQ_LEVEL_DEFAULT);
    zstd_path_frame(&z, path[k], &page[k], &fresh[k]);
    qb_pq_compressor_free(&z);
  }
  zstd_reference(&ref, &page[SMALL], ZSTD_ps_disable, 0); /* raw literals under QB_PQ_ZSTD_SMALL_RAW */
  CHECK(same_bytes(&fresh[SMALL], &ref));
  zstd_reference(&got, &page[SMALL], ZSTD_ps_auto, 0);
  CHECK(got.n < ref.n); /* Huffman would have coded them smaller: the parameter took effect */
  zstd_reference(&ref, &page[EXACT], ZSTD_ps_auto, 0);
  CHECK(same_bytes(&fresh[EXACT], &ref));
  zstd_reference(&ref, &page[FLOATS], ZSTD_ps_disable, QB_PQ_ZSTD_FLOATS_TARGET);
  CHECK(same_bytes(&fresh[FLOATS], &ref));
  zstd_reference(&ref, &page[DBL_RUN], ZSTD_ps_auto, 0); /* the same doubles not as PLAIN floats */
  CHECK(same_bytes(&fresh[DBL_RUN], &ref));
  zstd_reference(&ref, &page[HEX], ZSTD_ps_enable, QB_PQ_ZSTD_FALLBACK_TARGET);
  CHECK(same_bytes(&fresh[HEX], &ref));
  CHECK(fresh[HEX].n < page[HEX].n * 6 / 10); /* hex digits still Huffman-coded (~4 bits of 8) */
  zstd_reference(&ref, &page[TEXT], ZSTD_ps_auto, 0);  /* long values: zstd's full search */
  CHECK(same_bytes(&fresh[TEXT], &ref));
  CHECK(fresh[IDS].n < page[IDS].n / 25);                /* the row matches */

  /* one context, the kinds in three orders: every frame is the fresh context's */
  const int orders[3][KINDS] = {{0, 1, 2, 3, 4, 5, 6}, {6, 5, 4, 3, 2, 1, 0}, {2, 5, 0, 3, 5, 6, 4}};
  qb_pq_compressor z;
  qb_pq_compressor_init(&z, QB_PQ_ZSTD, QB_PQ_LEVEL_DEFAULT);
  for (int o = 0; o < 3; o++) {
    for (int i = 0; i < KINDS; i++) {
      int k = orders[o][i];
      zstd_path_frame(&z, path[k], &page[k], &got);
      CHECK(same_bytes(&got, &fresh[k]));
    }
  }
  qb_pq_compressor_free(&z);
  for (int k = 0; k < KINDS; k++) qb_buf_free(&page[k]), qb_buf_free(&fresh[k]);
  qb_buf_free(&ref);
  qb_buf_free(&got);
}

QB_TEST(size_mismatch_messages)
{
  qb_err err = QB_ERR_INIT;
  uint8_t *in = make_input(2, 1000), out[2000];
  qb_buf b;
  qb_buf_init(&b, QB_BUF_NOLIMIT);
  CHECK_OK(qb_pq_compress(&b, QB_PQ_SNAPPY, 0, in, 1000, &err), &err);
  CHECK_FAIL(qb_pq_decompress(QB_PQ_SNAPPY, out, 1200, b.p, b.n, &err), QB_ECORRUPT, &err,
             "snappy: page decompresses to 1000 bytes, header says 1200");
  qb_buf_reset(&b);
  CHECK_OK(qb_pq_compress(&b, QB_PQ_ZSTD, 0, in, 1000, &err), &err);
  CHECK_FAIL(qb_pq_decompress(QB_PQ_ZSTD, out, 1200, b.p, b.n, &err), QB_ECORRUPT, &err,
             "zstd: page decompresses to 1000 bytes, header says 1200");
  CHECK_FAIL(qb_pq_decompress(QB_PQ_ZSTD, out, 999, b.p, b.n, &err), QB_ECORRUPT, &err,
             "zstd: page decompresses to more than the 999 bytes");
  qb_buf_reset(&b);
  CHECK_OK(qb_pq_compress(&b, QB_PQ_GZIP, 0, in, 1000, &err), &err);
  CHECK_FAIL(qb_pq_decompress(QB_PQ_GZIP, out, 1200, b.p, b.n, &err), QB_ECORRUPT, &err,
             "gzip: page decompresses to 1000 bytes, header says 1200");
  CHECK_FAIL(qb_pq_decompress(QB_PQ_GZIP, out, 999, b.p, b.n, &err), QB_ECORRUPT, &err,
             "gzip: page decompresses to more than the 999 bytes");
  CHECK_FAIL(qb_pq_decompress(QB_PQ_GZIP, out, 1000, b.p, b.n - 3, &err), QB_ECORRUPT, &err, "gzip: truncated stream");
  /* RFC 1952 header (1f 8b), not zlib */
  CHECK(b.p[0] == 0x1f && b.p[1] == 0x8b);
  qb_buf_reset(&b);
  CHECK_OK(qb_pq_compress(&b, QB_PQ_BROTLI, 0, in, 1000, &err), &err);
  CHECK_FAIL(qb_pq_decompress(QB_PQ_BROTLI, out, 999, b.p, b.n, &err), QB_ECORRUPT, &err,
             "brotli: page decompresses to more than the 999 bytes");
  CHECK_FAIL(qb_pq_decompress(QB_PQ_UNCOMPRESSED, out, 10, in, 11, &err), QB_ECORRUPT, &err,
             "uncompressed: page decompresses to 11 bytes, header says 10");
  qb_buf_free(&b);
  free(in);
}

QB_TEST(corrupt_input_is_an_error)
{
  static const qb_pq_codec codecs[] = {QB_PQ_SNAPPY, QB_PQ_GZIP, QB_PQ_ZSTD, QB_PQ_LZ4_RAW, QB_PQ_LZ4, QB_PQ_BROTLI};
  uint8_t *in = make_input(2, 5000);
  for (size_t c = 0; c < sizeof codecs / sizeof codecs[0]; c++) {
    qb_err err = QB_ERR_INIT;
    qb_buf b;
    qb_buf_init(&b, QB_BUF_NOLIMIT);
    qb_pq_codec wc = codecs[c] == QB_PQ_LZ4 ? QB_PQ_LZ4_RAW : codecs[c];
    CHECK_OK(qb_pq_compress(&b, wc, 0, in, 5000, &err), &err);
    uint8_t *out = malloc(5000);
    /* garbage, truncation and bit flips never crash; the first two always fail */
    uint8_t junk[64];
    memset(junk, 0xa5, sizeof junk);
    EXPECT(qb_pq_decompress(codecs[c], out, 5000, junk, sizeof junk, &err) == QB_ECORRUPT);
    EXPECT(qb_pq_decompress(codecs[c], out, 5000, b.p, b.n / 2, &err) == QB_ECORRUPT);
    EXPECT(qb_pq_decompress(codecs[c], out, 5000, b.p, 0, &err) == QB_ECORRUPT);
    for (size_t i = 0; i < b.n; i += 7) {
      b.p[i] ^= 0x40;
      int rc = qb_pq_decompress(codecs[c], out, 5000, b.p, b.n, &err);
      EXPECT(rc == QB_OK || rc == QB_ECORRUPT);
      b.p[i] ^= 0x40;
    }
    free(out);
    qb_buf_free(&b);
  }
  free(in);
}

QB_TEST(gzip_multi_member)
{
  qb_err err = QB_ERR_INIT;
  uint8_t *in = make_input(2, 30000);
  qb_buf b;
  qb_buf_init(&b, QB_BUF_NOLIMIT);
  /* three members: 10000 + 0 + 20000 bytes */
  CHECK_OK(qb_pq_compress(&b, QB_PQ_GZIP, 1, in, 10000, &err), &err);
  CHECK_OK(qb_pq_compress(&b, QB_PQ_GZIP, 9, in + 10000, 0, &err), &err);
  CHECK_OK(qb_pq_compress(&b, QB_PQ_GZIP, 0, in + 10000, 20000, &err), &err);
  uint8_t *out = malloc(30000);
  CHECK_OK(qb_pq_decompress(QB_PQ_GZIP, out, 30000, b.p, b.n, &err), &err);
  CHECK(memcmp(out, in, 30000) == 0);
  /* trailing garbage after the last member */
  CHECK_OK(qb_buf_append(&b, "xyz", 3, &err), &err);
  CHECK_FAIL(qb_pq_decompress(QB_PQ_GZIP, out, 30000, b.p, b.n, &err), QB_ECORRUPT, &err, "gzip: ");
  free(out);
  free(in);
  qb_buf_free(&b);
}

static void put_be32(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

QB_TEST(lz4_hadoop_framing_and_raw_fallback)
{
  qb_err err = QB_ERR_INIT;
  uint8_t *in = make_input(2, 20000);
  uint8_t *framed = malloc(2 * LZ4_compressBound(10000) + 16);
  size_t fn = 0;
  for (int part = 0; part < 2; part++) {
    int c = LZ4_compress_default((const char *)in + part * 10000, (char *)framed + fn + 8, 10000,
                                 LZ4_compressBound(10000));
    CHECK(c > 0);
    put_be32(framed + fn, 10000);
    put_be32(framed + fn + 4, (uint32_t)c);
    fn += 8 + (size_t)c;
  }
  uint8_t *out = malloc(20000);
  CHECK_OK(qb_pq_decompress(QB_PQ_LZ4, out, 20000, framed, fn, &err), &err);
  CHECK(memcmp(out, in, 20000) == 0);
  /* one raw block (old parquet-cpp) */
  int rn = LZ4_compress_default((const char *)in, (char *)framed, 20000, LZ4_compressBound(20000));
  CHECK(rn > 0);
  CHECK_OK(qb_pq_decompress(QB_PQ_LZ4, out, 20000, framed, (size_t)rn, &err), &err);
  CHECK(memcmp(out, in, 20000) == 0);
  CHECK_FAIL(qb_pq_decompress(QB_PQ_LZ4, out, 19999, framed, (size_t)rn, &err), QB_ECORRUPT, &err,
             "lz4 (neither Hadoop-framed nor a raw block)");
  CHECK_FAIL(qb_pq_compress(NULL, QB_PQ_LZ4, 0, in, 10, &err), QB_EUNSUPPORTED, &err, "cannot write compression codec LZ4");
  CHECK(!qb_pq_codec_available(QB_PQ_LZ4, true) && qb_pq_codec_available(QB_PQ_LZ4, false));
  free(out);
  free(framed);
  free(in);
}

static uint8_t *slurp(const char *name, size_t *n)
{
  char path[1024];
  snprintf(path, sizeof path, "%s/parquet/%s", qb_test_data_dir(), name);
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *p = malloc((size_t)len);
  if (fread(p, 1, (size_t)len, f) != (size_t)len) {
    free(p);
    p = NULL;
  }
  fclose(f);
  *n = (size_t)len;
  return p;
}

/* Every page of the codec files from parquet-testing decompresses to its announced size. */
QB_TEST(real_pages_decompress)
{
  static const struct {
    const char *file;
    qb_pq_codec codec;
  } files[] = {{"concatenated_gzip_members.parquet", QB_PQ_GZIP},
               {"hadoop_lz4_compressed.parquet", QB_PQ_LZ4},
               {"non_hadoop_lz4_compressed.parquet", QB_PQ_LZ4},
               {"lz4_raw_compressed.parquet", QB_PQ_LZ4_RAW},
               {"datapage_v2.snappy.parquet", QB_PQ_SNAPPY}};
  for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
    qb_err err = QB_ERR_INIT;
    size_t n;
    uint8_t *file = slurp(files[f].file, &n);
    CHECK(file);
    qb_arena a;
    qb_arena_init(&a, 0);
    uint32_t len;
    CHECK_OK(qb_pq_tail_parse(&len, file + n - 8, n, &err), &err);
    qb_pq_file_meta m;
    CHECK_OK(qb_pq_file_meta_decode(&m, file + n - 8 - len, len, n - 8 - len, &a, &err), &err);
    int pages = 0;
    for (uint32_t c = 0; c < m.row_groups[0].n_columns; c++) {
      const qb_pq_column_meta *cm = &m.row_groups[0].columns[c].meta_data;
      CHECK_EQ_INT(cm->codec, files[f].codec);
      size_t pos = (size_t)qb_pq_column_meta_start(cm), end = pos + (size_t)cm->total_compressed_size;
      while (pos < end) {
        qb_pq_page_header h;
        size_t hl;
        CHECK_OK(qb_pq_page_header_decode(&h, &hl, file + pos, end - pos, pos, &err), &err);
        pos += hl;
        size_t skip = h.type == QB_PQ_PAGE_DATA_V2 ? (size_t)h.data_page_header_v2.def_levels_byte_length +
                                                         (size_t)h.data_page_header_v2.rep_levels_byte_length
                                                   : 0;
        uint8_t *out = malloc((size_t)h.uncompressed_page_size + 1);
        if ((size_t)h.compressed_page_size > skip)
          CHECK_OK(qb_pq_decompress(cm->codec, out, (size_t)h.uncompressed_page_size - skip, file + pos + skip,
                                    (size_t)h.compressed_page_size - skip, &err),
                   &err);
        free(out);
        pos += (size_t)h.compressed_page_size;
        pages++;
      }
    }
    CHECK(pages >= 1);
    qb_arena_release(&a);
    free(file);
  }
}

QB_TEST(names_and_parse)
{
  qb_err err = QB_ERR_INIT;
  qb_pq_codec c;
  CHECK_OK(qb_pq_codec_parse(&c, "ZSTD", &err), &err);
  CHECK_EQ_INT(c, QB_PQ_ZSTD);
  CHECK_OK(qb_pq_codec_parse(&c, "lz4_raw", &err), &err);
  CHECK_EQ_INT(c, QB_PQ_LZ4_RAW);
  CHECK_OK(qb_pq_codec_parse(&c, "none", &err), &err);
  CHECK_EQ_INT(c, QB_PQ_UNCOMPRESSED);
  CHECK_FAIL(qb_pq_codec_parse(&c, "lzma", &err), QB_EINVAL, &err, "unknown parquet codec 'lzma'");
  CHECK_EQ_STR(qb_pq_codec_name(QB_PQ_BROTLI), "BROTLI");
  CHECK_EQ_STR(qb_pq_codec_name((qb_pq_codec)42), "?");
  CHECK(!qb_pq_codec_available(QB_PQ_LZO, false));
  uint8_t x[4] = {0};
  CHECK_FAIL(qb_pq_decompress(QB_PQ_LZO, x, 4, x, 4, &err), QB_EUNSUPPORTED, &err, "LZO");
  CHECK_FAIL(qb_pq_decompress((qb_pq_codec)9, x, 4, x, 4, &err), QB_EUNSUPPORTED, &err, "codec ? (9)");
}

QB_TEST(crc32)
{
  CHECK_EQ_INT(qb_pq_crc32(0, "123456789", 9), 0xCBF43926u); /* the CRC-32 check value */
  CHECK_EQ_INT(qb_pq_crc32(qb_pq_crc32(0, "1234", 4), "56789", 5), 0xCBF43926u);
  CHECK_EQ_INT(qb_pq_crc32(0, "", 0), 0);
  /* every length, alignment and start value against zlib's crc32 (on x86-64 from 64 bytes on the
   * PCLMULQDQ folding path), and one 3 MB run as pages are */
  size_t big = 3u << 20;
  uint8_t *in = make_input(0, big + 32);
  for (size_t n = 0; n < 1200; n++)
    for (size_t off = 0; off < 32; off += 7) {
      uint32_t start = (uint32_t)(n * 2654435761u);
      uint32_t want = (uint32_t)crc32(start, in + off, (uInt)n);
      EXPECT(qb_pq_crc32(start, in + off, n) == want);
      EXPECT(qb_pq_crc32(qb_pq_crc32(start, in + off, n / 3), in + off + n / 3, n - n / 3) == want);
    }
  CHECK_EQ_INT(qb_pq_crc32(0, in + 1, big), (uint32_t)crc32(0, in + 1, (uInt)big));
  free(in);
}
