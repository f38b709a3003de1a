/* SPDX-License-Identifier: Apache-2.0 */
/* Per-chunk codec choice of the Parquet writer (qb_pq_write_options.codec_skip, compressor.h): a column of
 * random doubles is written UNCOMPRESSED after one compressed probe chunk and probed again every 16th
 * chunk, a compressible column keeps the configured codec (and level), data that becomes compressible is
 * compressed again, the hint carries over to the next file of a data set, tiny single-page chunks are
 * stored, and without the hint every chunk has the configured codec. Each chunk's codec is read back from
 * the footer by the public reader, and every value is read back and compared. DuckDB and hyparquet read
 * such files in tests/formats/parquet_chunk_codec.sh. */
#include <string.h>

#include "formats/parquet/compressor.h"
#include "harness.h"
#include "qberg/fileio.h"
#include "qberg/parquet.h"

enum { RG_ROWS = 2000, MAX_RGS = 64 };

static uint64_t splitmix(uint64_t *s)
{
  uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* 8 random bytes that are a finite double (no NaN payloads, which compare unequal) */
static double random_double(uint64_t *s)
{
  uint64_t b = splitmix(s);
  if (((b >> 52) & 0x7ff) == 0x7ff) b &= ~(1ULL << 62);
  double d;
  memcpy(&d, &b, sizeof d);
  return d;
}

static qb_pq_schema *two_columns(qb_err *err)
{
  qb_pq_schema *s = NULL;
  qb_pq_node *n;
  int rc = qb_pq_schema_new(&s, "schema", err);
  if (!rc) rc = qb_pq_schema_add_primitive(&n, s, qb_pq_schema_root(s), "x", QB_PQ_REQUIRED, QB_PQ_DOUBLE, 0, NULL, 1, err);
  if (!rc) rc = qb_pq_schema_add_primitive(&n, s, qb_pq_schema_root(s), "y", QB_PQ_REQUIRED, QB_PQ_INT64, 0, NULL, 2, err);
  if (!rc) rc = qb_pq_schema_finish(s, err);
  if (rc) {
    qb_pq_schema_free(s);
    return NULL;
  }
  return s;
}

typedef struct data {
  double x[MAX_RGS * RG_ROWS];
  int64_t y[MAX_RGS * RG_ROWS];
  size_t n;
} data;

/* rows of `rgs` row groups: x random up to row group `random_until` (exclusive), then a repeating pattern;
 * y compressible (a period of 1,000 distinct 8-byte values) */
static void fill(data *d, size_t rgs, size_t random_until, uint64_t seed)
{
  d->n = rgs * RG_ROWS;
  for (size_t i = 0; i < d->n; i++) {
    d->x[i] = i / RG_ROWS < random_until ? random_double(&seed) : (double)(i % 50) * 0.125;
    d->y[i] = (int64_t)(i % 1000) * 1000003;
  }
}

/* Write `d` as one row group per RG_ROWS rows; codecs[rg][col] read back from the footer; every value is
 * checked against `d` with the reader. Returns the number of row groups, -1 on failure. */
/* Close the Parquet writer and its sink after writing ended with `rc`: the file published when all went
 * well, else abandoned; the first failure is returned. */
static int finish(qb_pq_writer *w, qb_writer *sink, int rc, qb_err *err)
{
  if (w) {
    int rc2 = qb_pq_writer_close(w, NULL, rc ? NULL : err);
    if (!rc) rc = rc2;
  }
  if (sink) {
    if (!rc) rc = qb_writer_close(sink, err);
    else qb_writer_abort(sink);
  }
  return rc;
}

static int write_and_read(const data *d, const qb_pq_write_options *o, qb_pq_codec codecs[][2], qb_err *err)
{
  static int seq;
  char path[512];
  snprintf(path, sizeof path, "%s/cc%d.parquet", qb_test_tmpdir(), seq++);
  qb_pq_schema *s = two_columns(err);
  qb_fileio *io = NULL;
  qb_writer *sink = NULL;
  qb_pq_writer *w = NULL;
  int rc = s ? qb_fileio_local_new(&io, err) : QB_EINVAL;
  if (!rc) rc = qb_fileio_create(&sink, io, path, QB_CREATE_OVERWRITE, err);
  if (!rc) rc = qb_pq_writer_open(&w, sink, s, o, err);
  /* one row group per RG_ROWS rows: the group's last row is written under a 1-byte budget, which writes
   * the group out after it */
  for (size_t at = 0; !rc && at < d->n; at += RG_ROWS) {
    qb_pq_column_batch head[2] = {{d->x + at, NULL, NULL, NULL}, {d->y + at, NULL, NULL, NULL}};
    qb_pq_column_batch last[2] = {{d->x + at + RG_ROWS - 1, NULL, NULL, NULL}, {d->y + at + RG_ROWS - 1, NULL, NULL, NULL}};
    qb_pq_writer_set_row_group_size(w, (uint64_t)1 << 40);
    rc = qb_pq_writer_write_batch(w, head, RG_ROWS - 1, err);
    qb_pq_writer_set_row_group_size(w, 1);
    if (!rc) rc = qb_pq_writer_write_batch(w, last, 1, err);
  }
  rc = finish(w, sink, rc, err);
  int n_rgs = -1;
  qb_pq_reader *r = NULL;
  if (!rc) rc = qb_pq_reader_open_path(&r, io, path, NULL, err);
  if (!rc) {
    n_rgs = (int)qb_pq_reader_num_row_groups(r);
    for (int g = 0; !rc && g < n_rgs && g < MAX_RGS; g++) {
      for (size_t c = 0; !rc && c < 2; c++) {
        qb_pq_chunk_info ci;
        rc = qb_pq_reader_chunk(&ci, r, (size_t)g, c, err);
        if (!rc) codecs[g][c] = ci.codec;
      }
    }
  }
  qb_pq_scan *sc = NULL;
  if (!rc) rc = qb_pq_scan_new(&sc, r, NULL, err);
  size_t i = 0, bad = 0;
  const qb_value *row;
  while (!rc && !(rc = qb_pq_scan_next(&row, sc, err)) && row) {
    const qb_value *it = row->u.seq.items;
    if (i >= d->n || it[0].kind != QB_V_DOUBLE || it[1].kind != QB_V_INT64 ||
        memcmp(&it[0].u.f64, &d->x[i], sizeof(double)) != 0 || it[1].u.i64 != d->y[i])
      bad++;
    i++;
  }
  if (!rc && (bad || i != d->n)) rc = QB_FAIL(err, QB_ECORRUPT, "%zu of %zu rows differ (read %zu)", bad, d->n, i);
  qb_pq_scan_free(sc);
  qb_pq_reader_close(r);
  qb_fileio_free(io);
  qb_pq_schema_free(s);
  return rc ? -1 : n_rgs;
}

static data D;
static qb_pq_codec C[MAX_RGS][2];

static qb_pq_write_options opts(uint8_t *skip)
{
  qb_pq_write_options o = QB_PQ_WRITE_OPTIONS_INIT;
  o.dictionary = false; /* PLAIN pages: their bytes are what the codec sees */
  o.codec_skip = skip;
  return o;
}

QB_TEST(random_doubles_stored_after_probe_compressible_column_compressed)
{
  qb_err e = QB_ERR_INIT;
  for (int version = 1; version <= 2; version++) {
    uint8_t skip[2] = {0, 0};
    qb_pq_write_options o = opts(skip);
    o.data_page_version = version;
    fill(&D, 40, 40, 42);
    int n = write_and_read(&D, &o, C, &e);
    CHECK_EQ_INT(n, 40);
    if (n != 40) continue;
    size_t wrong = 0;
    for (int g = 0; g < n; g++) {
      /* chunk 0 probes and saves < 1/16: 15 chunks stored, the 16th probes again */
      wrong += C[g][0] != (g % 16 == 0 ? QB_PQ_ZSTD : QB_PQ_UNCOMPRESSED);
      wrong += C[g][1] != QB_PQ_ZSTD;
    }
    CHECK_EQ_INT(wrong, 0);
    /* probes at 0, 16, 32; chunks 33..39 used 7 of the 15 */
    CHECK_EQ_INT(skip[0], 8);
    CHECK_EQ_INT(skip[1], 0);
  }
}

QB_TEST(data_that_becomes_compressible_is_compressed_again)
{
  qb_err e = QB_ERR_INIT;
  uint8_t skip[2] = {0, 0};
  qb_pq_write_options o = opts(skip);
  fill(&D, 24, 5, 7); /* random in row groups 0..4, a repeating pattern from 5 on */
  int n = write_and_read(&D, &o, C, &e);
  CHECK_EQ_INT(n, 24);
  size_t wrong = 0;
  for (int g = 0; g < n; g++)
    wrong += C[g][0] != (g == 0 || g >= 16 ? QB_PQ_ZSTD : QB_PQ_UNCOMPRESSED);
  CHECK_EQ_INT(wrong, 0);
  CHECK_EQ_INT(skip[0], 0);
}

QB_TEST(hint_shared_by_the_files_of_a_data_set)
{
  qb_err e = QB_ERR_INIT;
  uint8_t skip[2] = {0, 0};
  qb_pq_write_options o = opts(skip);
  fill(&D, 3, 3, 1);
  CHECK_EQ_INT(write_and_read(&D, &o, C, &e), 3);
  CHECK(C[0][0] == QB_PQ_ZSTD && C[1][0] == QB_PQ_UNCOMPRESSED && C[2][0] == QB_PQ_UNCOMPRESSED);
  CHECK_EQ_INT(skip[0], 13);
  /* the next file stores its first chunk of x at once, from the hint */
  fill(&D, 2, 2, 2);
  CHECK_EQ_INT(write_and_read(&D, &o, C, &e), 2);
  CHECK(C[0][0] == QB_PQ_UNCOMPRESSED && C[1][0] == QB_PQ_UNCOMPRESSED);
  CHECK(C[0][1] == QB_PQ_ZSTD && C[1][1] == QB_PQ_ZSTD);
  CHECK_EQ_INT(skip[0], 11);
}

QB_TEST(without_the_hint_every_chunk_has_the_configured_codec)
{
  qb_err e = QB_ERR_INIT;
  qb_pq_write_options o = opts(NULL);
  fill(&D, 20, 20, 3);
  CHECK_EQ_INT(write_and_read(&D, &o, C, &e), 20);
  size_t wrong = 0;
  for (int g = 0; g < 20; g++) wrong += C[g][0] != QB_PQ_ZSTD || C[g][1] != QB_PQ_ZSTD;
  CHECK_EQ_INT(wrong, 0);
  /* the table's codec is honoured too when it is not zstd, and UNCOMPRESSED stays UNCOMPRESSED */
  uint8_t skip[2] = {0, 0};
  o = opts(skip);
  o.codec = QB_PQ_GZIP;
  o.compression_level = 9;
  CHECK_EQ_INT(write_and_read(&D, &o, C, &e), 20);
  wrong = 0;
  for (int g = 0; g < 20; g++)
    wrong += C[g][0] != (g % 16 == 0 ? QB_PQ_GZIP : QB_PQ_UNCOMPRESSED) || C[g][1] != QB_PQ_GZIP;
  CHECK_EQ_INT(wrong, 0);
  o.codec = QB_PQ_UNCOMPRESSED;
  o.compression_level = 0;
  memset(skip, 0, sizeof skip);
  CHECK_EQ_INT(write_and_read(&D, &o, C, &e), 20);
  wrong = 0;
  for (int g = 0; g < 20; g++) wrong += C[g][0] != QB_PQ_UNCOMPRESSED || C[g][1] != QB_PQ_UNCOMPRESSED;
  CHECK_EQ_INT(wrong, 0);
  CHECK_EQ_INT(skip[0], 0);
}

/* A one-page chunk under 256 bytes (page and dictionary) is stored: zstd's frame would not pay for itself.
 * Larger chunks of a compressible column, or a tiny first page followed by more pages, are compressed. */
QB_TEST(tiny_single_page_chunks_are_stored)
{
  qb_err e = QB_ERR_INIT;
  uint8_t skip[2] = {0, 0};
  qb_pq_write_options o = opts(skip);
  static const double xs[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  static const int64_t ys[10] = {5, 5, 5, 5, 5, 5, 5, 5, 5, 5};
  qb_pq_schema *s = two_columns(&e);
  CHECK(s != NULL);
  char path[512];
  snprintf(path, sizeof path, "%s/tiny.parquet", qb_test_tmpdir());
  qb_fileio *io = NULL;
  qb_writer *sink = NULL;
  qb_pq_writer *w = NULL;
  CHECK_OK(qb_fileio_local_new(&io, &e), &e);
  CHECK_OK(qb_fileio_create(&sink, io, path, QB_CREATE_OVERWRITE, &e), &e);
  CHECK_OK(qb_pq_writer_open(&w, sink, s, &o, &e), &e);
  qb_pq_column_batch cols[2] = {{xs, NULL, NULL, NULL}, {ys, NULL, NULL, NULL}};
  CHECK_OK(qb_pq_writer_write_batch(w, cols, 10, &e), &e);
  CHECK_OK(qb_pq_writer_close(w, NULL, &e), &e);
  CHECK_OK(qb_writer_close(sink, &e), &e);
  qb_pq_reader *r = NULL;
  CHECK_OK(qb_pq_reader_open_path(&r, io, path, NULL, &e), &e);
  qb_pq_chunk_info ci;
  for (size_t c = 0; c < 2; c++) {
    CHECK_OK(qb_pq_reader_chunk(&ci, r, 0, c, &e), &e);
    CHECK_EQ_INT(ci.codec, QB_PQ_UNCOMPRESSED);
  }
  qb_pq_scan *sc = NULL;
  CHECK_OK(qb_pq_scan_new(&sc, r, NULL, &e), &e);
  const qb_value *row;
  size_t n = 0, bad = 0;
  while (qb_pq_scan_next(&row, sc, &e) == QB_OK && row) {
    bad += row->u.seq.items[0].u.f64 != xs[n] || row->u.seq.items[1].u.i64 != ys[n];
    n++;
  }
  CHECK_EQ_INT(n, 10);
  CHECK_EQ_INT(bad, 0);
  qb_pq_scan_free(sc);
  qb_pq_reader_close(r);
  qb_fileio_free(io);
  qb_pq_schema_free(s);
  CHECK_EQ_INT(skip[0], 0); /* tiny chunks teach nothing */
  /* pages of 10 rows: the first is tiny but the chunk has 200 pages, so it is compressed */
  o.page_row_limit = 10;
  fill(&D, 1, 0, 4);
  CHECK_EQ_INT(write_and_read(&D, &o, C, &e), 1);
  CHECK(C[0][0] == QB_PQ_ZSTD && C[0][1] == QB_PQ_ZSTD);
}

/* A column of random 48-bit integers (two zero bytes in each 8): zstd at the default level finds no
 * matches and its literal Huffman saves ~15 %, more than 1/16 but less than the 1/5 that pages compressed by
 * zstd's own search must save (QB_PQ_PROBE_MIN_GAIN_SEARCH): after each compressed chunk the column stores
 * QB_PQ_STORE_CHUNKS_SEARCH (7) chunks, so every 8th chunk is ZSTD. At an explicit level (1 included) the
 * 1/16 rule alone holds and every chunk is ZSTD. Every value is read back. */
enum { WIDE_RG = 4000, WIDE_RGS = 13 };
static int64_t W[WIDE_RG * WIDE_RGS];

static int write_wide(const qb_pq_write_options *o, qb_pq_codec *codecs, qb_err *err)
{
  static int seq;
  char path[512];
  snprintf(path, sizeof path, "%s/wide%d.parquet", qb_test_tmpdir(), seq++);
  qb_pq_schema *s = NULL;
  qb_pq_node *nd;
  int rc = qb_pq_schema_new(&s, "schema", err);
  if (!rc) rc = qb_pq_schema_add_primitive(&nd, s, qb_pq_schema_root(s), "w", QB_PQ_REQUIRED, QB_PQ_INT64, 0, NULL, 1, err);
  if (!rc) rc = qb_pq_schema_finish(s, err);
  qb_fileio *io = NULL;
  qb_writer *sink = NULL;
  qb_pq_writer *w = NULL;
  if (!rc) rc = qb_fileio_local_new(&io, err);
  if (!rc) rc = qb_fileio_create(&sink, io, path, QB_CREATE_OVERWRITE, err);
  if (!rc) rc = qb_pq_writer_open(&w, sink, s, o, err);
  for (size_t at = 0; !rc && at < WIDE_RG * WIDE_RGS; at += WIDE_RG) {
    qb_pq_column_batch head = {W + at, NULL, NULL, NULL}, last = {W + at + WIDE_RG - 1, NULL, NULL, NULL};
    qb_pq_writer_set_row_group_size(w, (uint64_t)1 << 40);
    rc = qb_pq_writer_write_batch(w, &head, WIDE_RG - 1, err);
    qb_pq_writer_set_row_group_size(w, 1);
    if (!rc) rc = qb_pq_writer_write_batch(w, &last, 1, err);
  }
  rc = finish(w, sink, rc, err);
  int n_rgs = -1;
  qb_pq_reader *r = NULL;
  if (!rc) rc = qb_pq_reader_open_path(&r, io, path, NULL, err);
  if (!rc) {
    n_rgs = (int)qb_pq_reader_num_row_groups(r);
    for (int g = 0; !rc && g < n_rgs && g < WIDE_RGS; g++) {
      qb_pq_chunk_info ci;
      rc = qb_pq_reader_chunk(&ci, r, (size_t)g, 0, err);
      if (!rc) codecs[g] = ci.codec;
    }
  }
  qb_pq_scan *sc = NULL;
  if (!rc) rc = qb_pq_scan_new(&sc, r, NULL, err);
  size_t i = 0, bad = 0;
  const qb_value *row;
  while (!rc && !(rc = qb_pq_scan_next(&row, sc, err)) && row) {
    bad += i >= WIDE_RG * WIDE_RGS || row->u.seq.items[0].kind != QB_V_INT64 || row->u.seq.items[0].u.i64 != W[i];
    i++;
  }
  if (!rc && (bad || i != WIDE_RG * WIDE_RGS)) rc = QB_FAIL(err, QB_ECORRUPT, "%zu rows differ (read %zu)", bad, i);
  qb_pq_scan_free(sc);
  qb_pq_reader_close(r);
  qb_fileio_free(io);
  qb_pq_schema_free(s);
  return rc ? -1 : n_rgs;
}

QB_TEST(random_integers_store_seven_of_eight_chunks_at_the_default_level_only)
{
  qb_err e = QB_ERR_INIT;
  uint64_t seed = 99;
  for (size_t i = 0; i < WIDE_RG * WIDE_RGS; i++) W[i] = (int64_t)(splitmix(&seed) >> 16);
  qb_pq_codec codecs[WIDE_RGS];
  for (int version = 1; version <= 2; version++) {
    uint8_t skip[1] = {0};
    qb_pq_write_options o = opts(skip);
    o.data_page_version = version;
    CHECK_EQ_INT(write_wide(&o, codecs, &e), WIDE_RGS);
    size_t wrong = 0;
    for (int g = 0; g < WIDE_RGS; g++) wrong += codecs[g] != (g % 8 == 0 ? QB_PQ_ZSTD : QB_PQ_UNCOMPRESSED);
    CHECK_EQ_INT(wrong, 0);
    CHECK_EQ_INT(skip[0], QB_PQ_STORE_CHUNKS_SEARCH - 4); /* chunk 8 probed last, 9..12 stored */
    /* an explicit level, the default's own number included: zstd's gain of ~15 % keeps every chunk */
    for (int level = 1; level <= 3; level += 2) {
      skip[0] = 0;
      o.compression_level = level;
      CHECK_EQ_INT(write_wide(&o, codecs, &e), WIDE_RGS);
      wrong = 0;
      for (int g = 0; g < WIDE_RGS; g++) wrong += codecs[g] != QB_PQ_ZSTD;
      CHECK_EQ_INT(wrong, 0);
      CHECK_EQ_INT(skip[0], 0);
    }
  }
}
