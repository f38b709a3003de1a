/* SPDX-License-Identifier: Apache-2.0 */
/* Parquet write/read benchmark driven by bench/parquet.sh: a 12-column table (int64, double, string,
 * date, timestamp, bool; realistic cardinalities) written through the columnar batch API, and any Parquet
 * file of that shape read back through qb_pq_scan_next_batch. Prints one JSON line per run.
 *
 *   parquet_bench write OUT.parquet [--rows N] [--codec NAME] [--level N] [--page-rows N] [--page-version V]
 *                                   [--no-dict 1]
 *       times the writer (open, write_batch calls, qb_pq_writer_close); the data of each 64 Ki-row batch is
 *       generated outside the timed region; publishing (fsync + rename) is timed separately.
 *   parquet_bench read FILE
 *       times open + scan of all columns, folding every value into per-column checksums (printed, so two
 *       readers of the same data can be compared). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "qberg/qberg.h"
#include "qberg/parquet.h"

#define BATCH 65536
#define NCOLS 12

static double clock_s(clockid_t id)
{
  struct timespec t;
  clock_gettime(id, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Wall and CPU seconds of the timed regions: CPU time is what matters on a shared, loaded machine. */
typedef struct timer {
  double wall, cpu, w0, c0;
} timer;
static void t_start(timer *t)
{
  t->w0 = clock_s(CLOCK_MONOTONIC);
  t->c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
}
static void t_stop(timer *t)
{
  t->wall += clock_s(CLOCK_MONOTONIC) - t->w0;
  t->cpu += clock_s(CLOCK_PROCESS_CPUTIME_ID) - t->c0;
}

static void die(const char *what, const qb_err *e)
{
  fprintf(stderr, "parquet_bench: %s: %s\n", what, e ? e->msg : "");
  exit(1);
}

static uint64_t mix(uint64_t x)
{
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  return x ^ (x >> 33);
}

/* id, user_id, amount, price, name, category, comment, d, ts, flag, qty, disc */
static qb_pq_schema *schema(void)
{
  qb_pq_schema *s = NULL;
  qb_err e = QB_ERR_INIT;
  qb_pq_logical_type str = QB_PQ_LOGICAL(QB_PQ_LT_STRING), date = QB_PQ_LOGICAL(QB_PQ_LT_DATE),
                     ts = QB_PQ_LOGICAL_TIMESTAMP(false, QB_PQ_MICROS);
  static const struct {
    const char *name;
    qb_pq_type t;
    int lt; /* 0 none, 1 string, 2 date, 3 timestamp */
    bool optional;
  } cols[NCOLS] = {
      {"id", QB_PQ_INT64, 0, false},     {"user_id", QB_PQ_INT64, 0, false},   {"amount", QB_PQ_DOUBLE, 0, false},
      {"price", QB_PQ_DOUBLE, 0, false}, {"name", QB_PQ_BYTE_ARRAY, 1, false}, {"category", QB_PQ_BYTE_ARRAY, 1, false},
      {"comment", QB_PQ_BYTE_ARRAY, 1, false}, {"d", QB_PQ_INT32, 2, false}, {"ts", QB_PQ_INT64, 3, false},
      {"flag", QB_PQ_BOOLEAN, 0, false}, {"qty", QB_PQ_INT64, 0, false},     {"disc", QB_PQ_DOUBLE, 0, true},
  };
  if (qb_pq_schema_new(&s, "schema", &e)) die("schema", &e);
  for (int i = 0; i < NCOLS; i++) {
    const qb_pq_logical_type *lt = cols[i].lt == 1 ? &str : cols[i].lt == 2 ? &date : cols[i].lt == 3 ? &ts : NULL;
    if (qb_pq_schema_add_primitive(NULL, s, qb_pq_schema_root(s), cols[i].name,
                                   cols[i].optional ? QB_PQ_OPTIONAL : QB_PQ_REQUIRED, cols[i].t, 0, lt, i + 1, &e))
      die("schema", &e);
  }
  if (qb_pq_schema_finish(s, &e)) die("schema", &e);
  return s;
}

typedef struct batch {
  int64_t id[BATCH], user_id[BATCH], ts[BATCH], qty[BATCH];
  double amount[BATCH], price[BATCH], disc[BATCH];
  int32_t d[BATCH];
  uint8_t flag[BATCH], disc_valid[BATCH];
  int64_t name_off[BATCH + 1], cat_off[BATCH + 1], com_off[BATCH + 1];
  char name[BATCH * 12], cat[BATCH * 6], com[BATCH * 32];
} batch;

static const char hexd[] = "0123456789abcdef";

static void fill(batch *b, uint64_t base, size_t n)
{
  b->name_off[0] = b->cat_off[0] = b->com_off[0] = 0;
  for (size_t k = 0; k < n; k++) {
    uint64_t i = base + k, h = mix(i + 1), h2 = mix(i ^ 0xabcdef);
    b->id[k] = (int64_t)i;
    b->user_id[k] = (int64_t)(h % 100000);
    b->amount[k] = (double)(h2 % 1000000) / 100.0;
    b->price[k] = (double)((h >> 20) % 1000) / 4.0;
    char *p = b->name + b->name_off[k];
    memcpy(p, "user_", 5);
    int len = 5, v = (int)((h >> 30) % 10000);
    char tmp[8];
    int t = 0;
    do tmp[t++] = (char)('0' + v % 10), v /= 10; while (v);
    while (t) p[len++] = tmp[--t];
    b->name_off[k + 1] = b->name_off[k] + len;
    p = b->cat + b->cat_off[k];
    v = (int)((h2 >> 40) % 20);
    p[0] = 'c', p[1] = 'a', p[2] = 't';
    len = 3;
    if (v >= 10) p[len++] = (char)('0' + v / 10);
    p[len++] = (char)('0' + v % 10);
    b->cat_off[k + 1] = b->cat_off[k] + len;
    p = b->com + b->com_off[k];
    uint64_t c1 = mix(i * 31 + 7), c2 = mix(c1);
    for (int j = 0; j < 16; j++) p[j] = hexd[(c1 >> (4 * j)) & 15], p[16 + j] = hexd[(c2 >> (4 * j)) & 15];
    b->com_off[k + 1] = b->com_off[k] + 32;
    b->d[k] = 18262 + (int32_t)((h >> 44) % 1000); /* 2020-01-01 + 0..999 days */
    b->ts[k] = 1577836800000000LL + (int64_t)i * 1000003LL;
    b->flag[k] = (h2 >> 7) & 1;
    b->qty[k] = (int64_t)((h >> 52) % 100);
    b->disc_valid[k] = (h2 >> 12) % 10 != 0;
    b->disc[k] = (double)((h2 >> 16) % 100000) / 7.0;
  }
}

static int cmd_write(const char *out, uint64_t rows, const qb_pq_write_options *opts)
{
  qb_err e = QB_ERR_INIT;
  qb_pq_schema *s = schema();
  batch *b = malloc(sizeof *b);
  qb_fileio *io = NULL;
  qb_writer *sink = NULL;
  qb_pq_writer *w = NULL;
  qb_pq_write_result *res = NULL;
  qb_pq_write_options o = *opts;
  if (!b || qb_fileio_local_new(&io, &e)) die("setup", &e);
  timer t = {0}, pub = {0};
  t_start(&t);
  if (qb_fileio_create(&sink, io, out, QB_CREATE_OVERWRITE, &e) || qb_pq_writer_open(&w, sink, s, &o, &e)) die("open", &e);
  t_stop(&t);
  for (uint64_t base = 0; base < rows; base += BATCH) {
    size_t n = rows - base < BATCH ? (size_t)(rows - base) : BATCH;
    fill(b, base, n);
    qb_pq_column_batch cols[NCOLS] = {
        {b->id, NULL, NULL, NULL},      {b->user_id, NULL, NULL, NULL},       {b->amount, NULL, NULL, NULL}, {b->price, NULL, NULL, NULL},
        {b->name, b->name_off, NULL, NULL}, {b->cat, b->cat_off, NULL, NULL}, {b->com, b->com_off, NULL, NULL}, {b->d, NULL, NULL, NULL},
        {b->ts, NULL, NULL, NULL},      {b->flag, NULL, NULL, NULL},          {b->qty, NULL, NULL, NULL},    {b->disc, NULL, b->disc_valid, NULL},
    };
    t_start(&t);
    if (qb_pq_writer_write_batch(w, cols, n, &e)) die("write", &e);
    t_stop(&t);
  }
  t_start(&t);
  if (qb_pq_writer_close(w, &res, &e)) die("close", &e);
  t_stop(&t);
  t_start(&pub);
  if (qb_writer_close(sink, &e)) die("publish", &e);
  t_stop(&pub);
  printf("{\"op\":\"write\",\"rows\":%" PRIu64 ",\"wall\":%.3f,\"cpu\":%.3f,\"publish_wall\":%.3f,\"bytes\":%" PRIu64
         ",\"row_groups\":%zu}\n",
         rows, t.wall, t.cpu, pub.wall, res->file_size_bytes, res->n_split_offsets);
  qb_pq_write_result_free(res);
  qb_fileio_free(io);
  qb_pq_schema_free(s);
  free(b);
  return 0;
}

static int cmd_read(const char *path)
{
  qb_err e = QB_ERR_INIT;
  qb_fileio *io = NULL;
  qb_pq_reader *r = NULL;
  qb_pq_scan *sc = NULL;
  if (qb_fileio_local_new(&io, &e)) die("setup", &e);
  timer t = {0};
  t_start(&t);
  if (qb_pq_reader_open_path(&r, io, path, NULL, &e) || qb_pq_scan_new(&sc, r, NULL, &e)) die("open", &e);
  uint64_t rows = 0, sum[NCOLS] = {0}, nulls[NCOLS] = {0};
  for (;;) {
    qb_pq_batch b;
    if (qb_pq_scan_next_batch(&b, sc, 65536, &e)) die("read", &e);
    if (!b.n_rows) break;
    rows += b.n_rows;
    for (size_t c = 0; c < b.n_columns && c < NCOLS; c++) {
      const qb_pq_batch_column *col = &b.columns[c];
      uint64_t acc = 0;
      for (size_t i = 0; i < b.n_rows; i++) {
        if (col->nulls && col->nulls[i]) {
          nulls[c]++;
          continue;
        }
        switch (col->kind) {
        case QB_V_BOOL: acc += ((const uint8_t *)col->values)[i]; break;
        case QB_V_INT32: acc += (uint64_t)((const int32_t *)col->values)[i]; break;
        case QB_V_INT64: acc += (uint64_t)((const int64_t *)col->values)[i]; break;
        case QB_V_DOUBLE: acc += (uint64_t)(((const double *)col->values)[i] * 100.0 + 0.5); break;
        case QB_V_FLOAT: acc += (uint64_t)((const float *)col->values)[i]; break;
        default: acc += ((const qb_slice *)col->values)[i].n; break; /* strings: total length */
        }
      }
      sum[c] += acc;
    }
  }
  t_stop(&t);
  printf("{\"op\":\"read\",\"rows\":%" PRIu64 ",\"wall\":%.3f,\"cpu\":%.3f,\"checksum\":[", rows, t.wall, t.cpu);
  for (int c = 0; c < NCOLS; c++) printf("%s\"%" PRIu64 "/%" PRIu64 "\"", c ? "," : "", sum[c], nulls[c]);
  printf("]}\n");
  qb_pq_scan_free(sc);
  qb_pq_reader_close(r);
  qb_fileio_free(io);
  return 0;
}

int main(int argc, char **argv)
{
  if (argc >= 3 && !strcmp(argv[1], "write")) {
    uint64_t rows = 5000000;
    qb_pq_write_options o = QB_PQ_WRITE_OPTIONS_INIT;
    qb_err e = QB_ERR_INIT;
    for (int i = 3; i + 1 < argc; i += 2) {
      if (!strcmp(argv[i], "--rows")) rows = strtoull(argv[i + 1], NULL, 10);
      else if (!strcmp(argv[i], "--codec")) {
        if (qb_pq_codec_parse(&o.codec, argv[i + 1], &e)) die("codec", &e);
      } else if (!strcmp(argv[i], "--level")) o.compression_level = atoi(argv[i + 1]);
      else if (!strcmp(argv[i], "--page-rows")) o.page_row_limit = (uint32_t)strtoul(argv[i + 1], NULL, 10);
      else if (!strcmp(argv[i], "--page-version")) o.data_page_version = atoi(argv[i + 1]);
      else if (!strcmp(argv[i], "--no-dict")) o.dictionary = !!strcmp(argv[i + 1], "1");
      else die(argv[i], NULL);
    }
    return cmd_write(argv[2], rows, &o);
  }
  if (argc == 3 && !strcmp(argv[1], "read")) return cmd_read(argv[2]);
  fprintf(stderr, "usage: parquet_bench write OUT [--rows N] [--codec C] [--level N] [--page-rows N] "
                  "[--page-version V] [--no-dict 1] | read FILE\n");
  return 2;
}
