/* SPDX-License-Identifier: Apache-2.0 */
/* Append-commit latency as a table's history grows (bench/commit.sh). For each checkpoint N a table gets a
 * history of N snapshots, then SAMPLES further commits of one row each are timed (a fast append: one data
 * file, one manifest, one manifest list, one metadata file, the hint). Every storage call goes through a
 * counting FileIO wrapper, so the output also says how many storage requests one commit makes (on S3 each is
 * one HTTP request: HEAD per open, GET per read, PUT per file written, HEAD per stat, LIST, DELETE).
 *
 *   commit_bench WAREHOUSE CHECKPOINTS [--samples N] [--merge] [--real] [--floor]
 *     WAREHOUSE    a local directory or s3:// URI (S3 settings from the environment / qberg.conf)
 *     CHECKPOINTS  comma-separated snapshot counts (e.g. 10,1000,10000)
 *     --merge      merge appends (QB_TXN_APPEND) instead of fast appends
 *     --real       build the history by N real commits (slow for large N); default: one real append, then
 *                  one commit adding N-1 snapshots in fast-append shape (the head's manifest list holds N
 *                  distinct manifest entries, every snapshot has its summary), so the metadata and the parent
 *                  list a commit reads and rewrites are nearly as large as after N real fast appends (the
 *                  snapshot log and metadata log stay short: the builder logs one entry per commit)
 *     --floor      after the last checkpoint, publish that table's current metadata file alone, SAMPLES times,
 *                  through the same FileIO (create-exclusive: on S3 the same signed, Content-MD5 PUT with
 *                  If-None-Match; locally write, fsync, link): what writing the document costs by itself
 * Prints one JSON object per checkpoint: {"snapshots":N,"median_ms":…,"mean_ms":…,"requests":{…}}. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

static const struct qb_file_ops cnt_file_ops = {.pread = cf_pread, .close = cf_close};

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
  /* designated: the vtable grows optional slots; those left NULL fall back to the counted calls above. The
   * publish mode is the inner store's, so a commit here does what it does on that store. */
  c->ops = (struct qb_fileio_ops){.name = "counting",
                                  .caps = inner->ops->caps,
                                  .open_read = c_open,
                                  .create = c_create,
                                  .stat = c_stat,
                                  .remove = c_remove,
                                  .list = c_list,
                                  .free = c_free,
                                  .probe = inner->ops->probe ? c_probe : NULL,
                                  .batched_publish = inner->ops->batched_publish};
  c->dir = (struct qb_fileio_dir_ops){.list_dir = c_list_dir, .mkdir = c_mkdir, .rmdir = c_rmdir, .rename = c_rename};
  c->base.ops = &c->ops;
  c->base.impl = c;
  c->base.dir = inner->dir ? &c->dir : NULL;
  c->base.caps = inner->caps;
  *out = &c->base;
  return QB_OK;
}

/* ---- a synthetic history ---------------------------------------------------------------------------------- */

typedef struct synth {
  qb_fileio *io;
  int64_t n;            /* snapshots to reach */
  qb_manifest_file *m;  /* the one real manifest (copied) */
} synth;

static int synth_update(void *ctx, const qb_commit_base *base, qb_metadata_builder *b, qb_err *err)
{
  synth *sy = ctx;
  const qb_table_metadata *md = base->metadata;
  const qb_snapshot *head = qb_table_metadata_current_snapshot(md);
  int64_t have = (int64_t)qb_table_metadata_n_snapshots(md);
  char *list = NULL, *recorded = NULL;
  char name[64];
  snprintf(name, sizeof name, "metadata/snap-synthetic-%lld.avro", (long long)sy->n);
  list = malloc(strlen(base->table_location) + 80);
  recorded = malloc(strlen(qb_table_metadata_location(md)) + 80);
  if (!list || !recorded) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  sprintf(list, "%s/%s", base->table_location, name);
  sprintf(recorded, "%s/%s", qb_table_metadata_location(md), name);
  /* the head's list: N manifests, as after N fast appends */
  int64_t seq = qb_table_metadata_last_sequence_number(md);
  int64_t last_id = head->snapshot_id, id0 = (int64_t)0x1000000000LL;
  qb_manifest_list_writer *w;
  int rc = qb_manifest_list_writer_open(&w, sy->io, list, id0 + sy->n, id0 + sy->n - 1, seq + sy->n - have, NULL, err);
  /* distinct paths, so the list is as large as a real one (appends never open these manifests) */
  size_t pl = strlen(sy->m->manifest_path) + 24;
  char *mp = malloc(pl);
  if (!mp) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
  for (int64_t k = 0; rc == QB_OK && k < sy->n; k++) {
    qb_manifest_file m = *sy->m;
    snprintf(mp, pl, "%.*s-%lld.avro", (int)(strlen(sy->m->manifest_path) - 5), sy->m->manifest_path, (long long)k);
    m.manifest_path = mp;
    rc = qb_manifest_list_writer_append(w, &m, err);
  }
  free(mp);
  if (rc == QB_OK) rc = qb_manifest_list_writer_close(w, err);
  else qb_manifest_list_writer_abort(w);
  int64_t ts = qb_now_ms() - sy->n;
  for (int64_t k = have + 1; rc == QB_OK && k <= sy->n; k++) {
    char tr[24], tf[24], sz[24];
    snprintf(tr, sizeof tr, "%lld", (long long)k);
    snprintf(tf, sizeof tf, "%lld", (long long)k);
    snprintf(sz, sizeof sz, "%lld", (long long)k * 1500);
    qb_kv summary[] = {{"added-data-files", "1"},      {"added-records", "1"},         {"added-files-size", "1500"},
                       {"changed-partition-count", "1"}, {"total-records", tr},         {"total-files-size", sz},
                       {"total-data-files", tf},       {"total-delete-files", "0"},    {"total-position-deletes", "0"},
                       {"total-equality-deletes", "0"}, {"engine-name", "qberg"},      {"engine-version", QB_VERSION}};
    qb_snapshot s = {0};
    s.snapshot_id = id0 + k;
    s.has_parent = true;
    s.parent_id = last_id;
    s.sequence_number = seq + (k - have);
    s.timestamp_ms = ts + k;
    s.manifest_list = k == sy->n ? recorded : head->manifest_list;
    s.operation = "append";
    s.summary = summary;
    s.n_summary = sizeof summary / sizeof summary[0];
    s.has_schema_id = true;
    s.schema_id = 0;
    if ((rc = qb_metadata_builder_add_snapshot(b, &s, err)) == QB_OK)
      rc = qb_metadata_builder_set_branch_snapshot(b, "main", s.snapshot_id, err);
    last_id = s.snapshot_id;
  }
  free(list);
  free(recorded);
  return rc;
}

static int grow_synthetic(qb_table *t, qb_fileio *io, int64_t n, qb_err *err)
{
  const qb_table_metadata *md;
  qb_manifest_list_reader *r = NULL;
  const qb_manifest_file *m;
  synth sy = {io, n, NULL};
  int rc = qb_table_get_metadata(&md, t, err);
  char *path = NULL;
  if (rc == QB_OK) {
    const char *ml = qb_table_metadata_current_snapshot(md)->manifest_list;
    path = malloc(strlen(qb_table_location(t)) + strlen(ml) + 2);
    if (!path) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    sprintf(path, "%s/metadata/%s", qb_table_location(t), strrchr(ml, '/') + 1);
    rc = qb_manifest_list_reader_open(&r, io, path, err);
  }
  if (rc == QB_OK) rc = qb_manifest_list_reader_next(&m, r, err);
  if (rc == QB_OK) rc = qb_manifest_file_copy(&sy.m, m, err);
  qb_manifest_list_reader_close(r);
  free(path);
  if (rc == QB_OK) rc = qb_table_commit_update(t, synth_update, &sy, NULL, err);
  qb_manifest_file_free(sy.m);
  return rc;
}

/* ---- the benchmark ------------------------------------------------------------------------------------- */

/* CPU seconds of this process: the measure that survives a busy shared machine (wall time is shown too) */
static double cpu_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int append_one(qb_table *t, qb_txn_op op, int64_t i, qb_err *err)
{
  qb_value items[3] = {{.kind = QB_V_INT64, .u.i64 = i},
                       {.kind = QB_V_STRING, .u.bytes = {(const uint8_t *)"sto-3g", 6}},
                       {.kind = QB_V_DOUBLE, .u.f64 = -1.1 * (double)i}};
  qb_value row = {.kind = QB_V_STRUCT, .u.seq = {items, 3}};
  qb_txn *txn;
  int rc = qb_txn_begin(&txn, t, op, NULL, err);
  if (rc) return rc;
  if ((rc = qb_txn_write(txn, &row, err))) {
    qb_txn_abort(txn);
    return rc;
  }
  return qb_txn_commit(txn, NULL, err);
}

/* The format's floor: publishing the table's current metadata file by itself, `samples` times. */
static int publish_floor(qb_fileio *io, qb_table *t, int samples, double *lat, double *cpu, qb_err *err)
{
  uint8_t *doc;
  size_t n;
  const char *src = qb_table_metadata_path(t);
  int rc = qb_fileio_read_all(&doc, &n, io, src, (size_t)1 << 30, err);
  for (int s = 0; rc == QB_OK && s < samples; s++) {
    char *dst = malloc(strlen(src) + 32);
    if (!dst) {
      rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
      break;
    }
    sprintf(dst, "%s.floor-%d", src, s);
    int64_t t0 = qb_mono_ns();
    double c0 = cpu_ms();
    rc = qb_fileio_write_all(io, dst, doc, n, QB_CREATE_EXCLUSIVE, err);
    lat[s] = (double)(qb_mono_ns() - t0) / 1e6;
    cpu[s] = cpu_ms() - c0;
    if (rc == QB_OK) rc = qb_fileio_delete(io, dst, err);
    free(dst);
  }
  free(doc);
  if (rc) return rc;
  qsort(lat, (size_t)samples, sizeof *lat, cmp_d);
  qsort(cpu, (size_t)samples, sizeof *cpu, cmp_d);
  printf("{\"floor\":true,\"bytes\":%zu,\"median_ms\":%.2f,\"median_cpu_ms\":%.2f}\n", n, lat[samples / 2],
         cpu[samples / 2]);
  fflush(stdout);
  return QB_OK;
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
  bool real = false, floor = false;
  qb_txn_op op = QB_TXN_FAST_APPEND;
  counts req = {0};
  for (int i = 3; i < argc; i++) {
    if (!strcmp(argv[i], "--samples") && i + 1 < argc) samples = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--merge")) op = QB_TXN_APPEND;
    else if (!strcmp(argv[i], "--real")) real = true;
    else if (!strcmp(argv[i], "--floor")) floor = true;
  }
  if (samples < 1) samples = 1;
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
  qb_kv props[] = {{"write.metadata.delete-after-commit.enabled", "true"},
                   {"write.metadata.previous-versions-max", "100"}};
  qb_table_def def = {NULL, NULL, NULL, props, 2};
  if (qb_catalog_open(&cat, argv[1], &o, &err) || qb_schema_parse_json(&schema, sj, strlen(sj), &err)) return die(&err);
  def.schema = schema;
  qb_err e2 = QB_ERR_INIT;
  if (qb_catalog_create_namespace(cat, "bench", &e2)) qb_err_clear(&e2); /* exists, or implicit on S3 */
  double *lat = calloc((size_t)samples, sizeof *lat), *cpu = calloc((size_t)samples, sizeof *cpu);
  for (int c = 0; c < nc; c++) {
    char name[64];
    snprintf(name, sizeof name, "bench.c%ld_%lld", checkpoints[c], (long long)(qb_random_u64() % 1000000));
    if (qb_catalog_create_table_def(&t, cat, name, &def, NULL, &err)) return die(&err);
    int64_t made = 0;
    for (int s = -1; s < samples; s++) {
      while (s < 0 && made < checkpoints[c] && (real || made == 0)) { /* history (not timed) */
        if (append_one(t, op, made, &err)) return die(&err);
        made++;
      }
      if (s < 0 && made < checkpoints[c]) {
        if (grow_synthetic(t, io, checkpoints[c], &err)) return die(&err);
        made = checkpoints[c];
      }
      if (s < 0) continue;
      counts before = g_counts;
      int64_t t0 = qb_mono_ns();
      double c0 = cpu_ms();
      if (append_one(t, op, made, &err)) return die(&err);
      lat[s] = (double)(qb_mono_ns() - t0) / 1e6;
      cpu[s] = cpu_ms() - c0;
      counts d = {g_counts.open - before.open, g_counts.read - before.read, g_counts.create - before.create,
                  g_counts.stat - before.stat, g_counts.remove - before.remove, g_counts.list - before.list,
                  g_counts.other - before.other};
      req.open += d.open, req.read += d.read, req.create += d.create, req.stat += d.stat, req.remove += d.remove,
          req.list += d.list, req.other += d.other;
      made++;
    }
    counts d = req;
    memset(&req, 0, sizeof req);
    qsort(lat, (size_t)samples, sizeof *lat, cmp_d);
    qsort(cpu, (size_t)samples, sizeof *cpu, cmp_d);
    double per = 1.0 / samples;
    printf("{\"snapshots\":%ld,\"samples\":%d,\"median_ms\":%.2f,\"median_cpu_ms\":%.2f,\"history\":\"%s\","
           "\"requests\":{\"open\":%.1f,\"read\":%.1f,\"write\":%.1f,\"stat\":%.1f,\"delete\":%.1f,\"list\":%.1f,"
           "\"other\":%.1f,\"total\":%.1f}}\n",
           checkpoints[c], samples, lat[samples / 2], cpu[samples / 2], real ? "real" : "synthetic", d.open * per,
           d.read * per, d.create * per, d.stat * per, d.remove * per, d.list * per, d.other * per,
           (double)(d.open + d.read + d.create + d.stat + d.remove + d.list + d.other) * per);
    fflush(stdout);
    if (floor && c == nc - 1 && publish_floor(io, t, samples, lat, cpu, &err)) return die(&err);
    qb_table_free(t);
    t = NULL;
  }
  free(lat);
  free(cpu);
  qb_table_free(t);
  qb_schema_free(schema);
  qb_catalog_free(cat);
  qb_fileio_free(io);
  qb_config_free(cfg);
  return 0;
}
