/* SPDX-License-Identifier: Apache-2.0 */
/* Append-commit latency as a table's history grows (bench/commit.sh): one process appends one row per
 * commit (a fast append: one manifest, one manifest list, one metadata file) until the table has each
 * checkpoint's number of snapshots, and there times SAMPLES further commits. Every storage call goes through
 * a counting FileIO wrapper, so the output also says how many storage requests one commit makes (on S3 each
 * is one HTTP request: HEAD per open, GET per read, PUT per file written, HEAD per stat, LIST, DELETE).
 *
 *   commit_bench WAREHOUSE CHECKPOINTS [--samples N] [--merge]
 *     WAREHOUSE    a local directory or s3:// URI (S3 settings from the environment / qberg.conf)
 *     CHECKPOINTS  comma-separated snapshot counts, ascending (e.g. 10,1000,10000)
 *     --merge      merge appends (QB_TXN_APPEND) instead of fast appends
 * Prints one JSON object per checkpoint: {"snapshots":N,"median_ms":…,"mean_ms":…,"requests":{…}}. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/fileio_int.h"
#include "qberg/qberg.h"
#include "util/clock.h"

/* ---- a FileIO that counts calls ---------------------------------------------------------------------- */

typedef struct counts {
  uint64_t open, read, create, stat, remove, list, other;
} counts;

static counts g_counts;

typedef struct cnt_io {
  qb_fileio base;
  struct qb_fileio_ops ops;
  struct qb_fileio_dir_ops dir;
  qb_fileio *inner;
} cnt_io;

typedef struct cnt_file {
  qb_file base;
  qb_file *inner;
} cnt_file;

static qb_fileio *inner_of(qb_fileio *io) { return ((cnt_io *)io->impl)->inner; }

static int cf_pread(qb_file *f, void *buf, size_t n, uint64_t off, qb_err *err)
{
  g_counts.read++;
  return qb_file_pread(((cnt_file *)f)->inner, buf, n, off, err);
}

static void cf_close(qb_file *f)
{
  qb_file_close(((cnt_file *)f)->inner);
  free(f->path);
  free(f);
}

static const struct qb_file_ops cnt_file_ops = {cf_pread, cf_close};

static int c_open(qb_fileio *io, const char *path, qb_file **out, qb_err *err)
{
  g_counts.open++;
  qb_file *in;
  int rc = qb_fileio_open_read(&in, inner_of(io), path, err);
  if (rc) return rc;
  cnt_file *f = calloc(1, sizeof *f);
  if (!f || !(f->base.path = strdup(path))) {
    free(f);
    qb_file_close(in);
    return QB_FAIL(err, QB_ENOMEM, "out of memory");
  }
  f->base.ops = &cnt_file_ops;
  f->base.size = qb_file_size(in);
  f->inner = in;
  *out = &f->base;
  return QB_OK;
}

static int c_create(qb_fileio *io, const char *path, qb_create_mode mode, qb_writer **out, qb_err *err)
{
  g_counts.create++;
  return qb_fileio_create(out, inner_of(io), path, mode, err);
}

static int c_stat(qb_fileio *io, const char *path, qb_stat *out, qb_err *err)
{
  g_counts.stat++;
  return qb_fileio_stat(inner_of(io), path, out, err);
}

static int c_remove(qb_fileio *io, const char *path, qb_err *err)
{
  g_counts.remove++;
  return qb_fileio_delete(inner_of(io), path, err);
}

static int c_list(qb_fileio *io, const char *prefix, qb_list_fn fn, void *ctx, qb_err *err)
{
  g_counts.list++;
  return qb_fileio_list(inner_of(io), prefix, fn, ctx, err);
}

static int c_probe(qb_fileio *io, const char *uri, qb_err *err)
{
  g_counts.other++;
  unsigned caps;
  int rc = qb_fileio_probe(inner_of(io), uri, &caps, err);
  io->caps = inner_of(io)->caps;
  return rc;
}

static int c_list_dir(qb_fileio *io, const char *dir, qb_dir_fn fn, void *ctx, qb_err *err)
{
  g_counts.list++;
  return qb_fileio_list_dir(inner_of(io), dir, fn, ctx, err);
}

static int c_mkdir(qb_fileio *io, const char *dir, qb_err *err)
{
  g_counts.other++;
  return qb_fileio_mkdir(inner_of(io), dir, err);
}

static int c_rmdir(qb_fileio *io, const char *dir, qb_err *err)
{
  g_counts.other++;
  return qb_fileio_rmdir(inner_of(io), dir, err);
}

static int c_rename(qb_fileio *io, const char *from, const char *to, qb_err *err)
{
  g_counts.other++;
  return qb_fileio_rename(inner_of(io), from, to, err);
}

static void c_free(qb_fileio *io)
{
  cnt_io *c = io->impl;
  qb_fileio_free(c->inner);
  free(c);
}

static int counting_io(qb_fileio **out, qb_fileio *inner, qb_err *err)
{
  cnt_io *c = calloc(1, sizeof *c);
  if (!c) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  c->inner = inner;
  c->ops = (struct qb_fileio_ops){"counting", inner->ops->caps, c_open, c_create, c_stat, c_remove, c_list, c_free,
                                  NULL, NULL, inner->ops->probe ? c_probe : NULL};
  c->dir = (struct qb_fileio_dir_ops){c_list_dir, c_mkdir, c_rmdir, c_rename};
  c->base.ops = &c->ops;
  c->base.impl = c;
  c->base.dir = inner->dir ? &c->dir : NULL;
  c->base.caps = inner->caps;
  *out = &c->base;
  return QB_OK;
}

/* ---- the benchmark ------------------------------------------------------------------------------------- */

static int cmp_d(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int die(const qb_err *err)
{
  fprintf(stderr, "commit_bench: %s: %s\n", qb_code_name(err->code), err->msg);
  return 1;
}

int main(int argc, char **argv)
{
  if (argc < 3) {
    fprintf(stderr, "usage: commit_bench WAREHOUSE CHECKPOINTS [--samples N] [--merge]\n");
    return 2;
  }
  int samples = 20;
  qb_txn_op op = QB_TXN_FAST_APPEND;
  for (int i = 3; i < argc; i++) {
    if (!strcmp(argv[i], "--samples") && i + 1 < argc) samples = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--merge")) op = QB_TXN_APPEND;
  }
  long checkpoints[16];
  int nc = 0;
  for (char *s = argv[2]; *s && nc < 16;) {
    checkpoints[nc++] = strtol(s, &s, 10);
    if (*s == ',') s++;
  }
  qb_err err = QB_ERR_INIT;
  qb_config *cfg = NULL;
  qb_fileio *inner = NULL, *io = NULL;
  qb_catalog *cat = NULL;
  qb_table *t = NULL;
  qb_schema *schema = NULL;
  const char *sj = "{\"type\":\"struct\",\"fields\":[{\"id\":1,\"name\":\"batch\",\"required\":true,\"type\":\"long\"},"
                   "{\"id\":2,\"name\":\"basis\",\"required\":false,\"type\":\"string\"},"
                   "{\"id\":3,\"name\":\"energy\",\"required\":false,\"type\":\"double\"}]}";
  qb_config_options co = QB_CONFIG_OPTIONS_INIT;
  if (qb_config_load(&cfg, &co, &err) || qb_fileio_for_uri(&inner, argv[1], cfg, &err) ||
      counting_io(&io, inner, &err))
    return die(&err);
  qb_catalog_options o = QB_CATALOG_OPTIONS_INIT;
  o.io = io;
  o.config = cfg;
  qb_table_def def = {NULL, NULL, NULL, NULL, 0};
  if (qb_catalog_open(&cat, argv[1], &o, &err) || qb_schema_parse_json(&schema, sj, strlen(sj), &err)) return die(&err);
  def.schema = schema;
  qb_err e2 = QB_ERR_INIT;
  (void)qb_catalog_create_namespace(cat, "bench", &e2);
  if (qb_catalog_create_table_def(&t, cat, "bench.commits", &def, NULL, &err)) return die(&err);
  double *lat = calloc((size_t)samples, sizeof *lat);
  int64_t made = 0;
  for (int c = 0; c < nc; c++) {
    counts before = g_counts;
    for (int s = -1; s < samples; s++) {
      while (s < 0 && made < checkpoints[c]) { /* grow the history to the checkpoint (not timed) */
        qb_value items[3] = {{.kind = QB_V_INT64, .u.i64 = made}, {.kind = QB_V_STRING, .u.bytes = {(const uint8_t *)"sto-3g", 6}},
                             {.kind = QB_V_DOUBLE, .u.f64 = -1.1}};
        qb_value row = {.kind = QB_V_STRUCT, .u.seq = {items, 3}};
        qb_txn *txn;
        if (qb_txn_begin(&txn, t, op, NULL, &err) || qb_txn_write(txn, &row, &err) || qb_txn_commit(txn, NULL, &err))
          return die(&err);
        made++;
        before = g_counts;
      }
      if (s < 0) continue;
      qb_value items[3] = {{.kind = QB_V_INT64, .u.i64 = made}, {.kind = QB_V_STRING, .u.bytes = {(const uint8_t *)"6-31g", 5}},
                           {.kind = QB_V_DOUBLE, .u.f64 = -2.2}};
      qb_value row = {.kind = QB_V_STRUCT, .u.seq = {items, 3}};
      int64_t t0 = qb_mono_ns();
      qb_txn *txn;
      if (qb_txn_begin(&txn, t, op, NULL, &err) || qb_txn_write(txn, &row, &err) || qb_txn_commit(txn, NULL, &err))
        return die(&err);
      lat[s] = (double)(qb_mono_ns() - t0) / 1e6;
      made++;
    }
    counts d = {g_counts.open - before.open, g_counts.read - before.read, g_counts.create - before.create,
                g_counts.stat - before.stat, g_counts.remove - before.remove, g_counts.list - before.list,
                g_counts.other - before.other};
    qsort(lat, (size_t)samples, sizeof *lat, cmp_d);
    double sum = 0;
    for (int s = 0; s < samples; s++) sum += lat[s];
    double per = 1.0 / samples;
    printf("{\"snapshots\":%ld,\"samples\":%d,\"median_ms\":%.2f,\"mean_ms\":%.2f,\"requests\":{\"open\":%.1f,"
           "\"read\":%.1f,\"write\":%.1f,\"stat\":%.1f,\"delete\":%.1f,\"list\":%.1f,\"other\":%.1f,\"total\":%.1f}}\n",
           checkpoints[c], samples, lat[samples / 2], sum / samples, d.open * per, d.read * per, d.create * per,
           d.stat * per, d.remove * per, d.list * per, d.other * per,
           (double)(d.open + d.read + d.create + d.stat + d.remove + d.list + d.other) * per);
    fflush(stdout);
  }
  free(lat);
  qb_table_free(t);
  qb_schema_free(schema);
  qb_catalog_free(cat);
  qb_fileio_free(io);
  qb_config_free(cfg);
  return 0;
}
