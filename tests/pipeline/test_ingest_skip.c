/* SPDX-License-Identifier: Apache-2.0 */
/* A raw file listed but gone when read (QB_ENOTFOUND on open, or on the read after the open: an S3 404) is
 * skipped by qb_ingest_run (src/pipeline/ingest.c settle_file): in the report, not in the ledger nor in
 * rejected_inputs, and the next batch that lists it processes it, with the ledger's range summary still
 * deciding without reading stored rows. The raw FileIO is io/faulty.h's wrapper failing one call. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "io/faulty.h"
#include "qberg/catalog.h"
#include "qberg/fileio.h"
#include "qberg/pipeline.h"
#include "qberg/scan.h"
#include "qberg/vqe.h"
#include "util/str.h"

/* Rows of column `col` of `ident`; those containing `needle` into *matching (NULL: not counted). A table
 * without a snapshot has none. */
static long long count_rows(qb_catalog *cat, const char *ident, const char *col, const char *needle,
                            long long *matching, qb_err *err)
{
  qb_table *t = NULL;
  if (qb_table_load(&t, cat, ident, err)) return -1;
  const char *cols[1] = {col};
  qb_scan_options so = QB_SCAN_OPTIONS_INIT;
  so.columns = cols;
  so.n_columns = 1;
  qb_scan *s = NULL;
  long long n = 0;
  if (matching) *matching = 0;
  int rc = qb_scan_new(&s, t, &so, err);
  const qb_value *row;
  while (rc == QB_OK && (rc = qb_scan_next(&row, s, err)) == QB_OK && row) {
    n++;
    const qb_value *v = &row->u.seq.items[0];
    if (matching && needle && v->kind == QB_V_STRING &&
        memmem(v->u.bytes.p, v->u.bytes.n, needle, strlen(needle)))
      (*matching)++;
  }
  qb_scan_free(s);
  qb_table_free(t);
  return rc ? -1 : n;
}

typedef struct fixture {
  qb_catalog *cat;
  char raw[512];
  qb_ingest_report *rep;
} fixture;

/* A warehouse and `count` raw files {counter}-{nano}.json with counters 10, 11, ... */
static int setup(fixture *f, uint64_t count, qb_err *err)
{
  memset(f, 0, sizeof *f);
  const char *tmp = qb_test_tmpdir();
  char wh[512];
  snprintf(wh, sizeof wh, "%s/wh", tmp);
  snprintf(f->raw, sizeof f->raw, "%s/raw", tmp);
  if (!(f->rep = calloc(1, sizeof *f->rep))) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  int rc = qb_catalog_open(&f->cat, wh, NULL, err);
  qb_vqe_gen_options g = QB_VQE_GEN_OPTIONS_INIT;
  g.seed = 7;
  g.count = count;
  g.first_counter = 10;
  g.min_iterations = 2;
  g.max_iterations = 3;
  if (rc == QB_OK) rc = qb_vqe_generate(qb_catalog_io(f->cat), f->raw, &g, err);
  return rc;
}

static void teardown(fixture *f)
{
  qb_catalog_free(f->cat);
  free(f->rep);
}

/* One batch; the raw files read through the faulty wrapper with `plan`. *fired says whether its fault
 * fired. batch: call number `fail_at` fails with QB_ENOTFOUND (0: no fault). */
static int batch_with(fixture *f, const qb_fault_plan *plan, bool *fired, qb_err *err)
{
  qb_fileio *local = NULL, *io = NULL;
  int rc = qb_fileio_local_new(&local, err);
  if (rc == QB_OK) rc = qb_fileio_faulty_new(&io, local, true, plan, err);
  else qb_fileio_free(local);
  qb_ingest_options o = QB_INGEST_OPTIONS_INIT;
  o.raw = f->raw;
  o.raw_io = io;
  o.no_features = true;
  if (rc == QB_OK) rc = qb_ingest_run(f->rep, f->cat, &o, err);
  if (fired) *fired = io && qb_fileio_faulty_fired(io);
  qb_fileio_free(io);
  return rc;
}

static int batch(fixture *f, unsigned fail_at, bool *fired, qb_err *err)
{
  qb_fault_plan plan = {fail_at, QB_FAULT_FAIL, QB_ENOTFOUND, 0, false, NULL, NULL, false};
  return batch_with(f, &plan, fired, err);
}

/* Calls on the raw FileIO of a first batch: 1 the listing, then per file (in counter order) open, read. */
#define OPEN_OF(k) (2 + 2 * (k))
#define READ_OF(k) (3 + 2 * (k))

QB_TEST(vanished_on_open_is_skipped_and_ingested_when_listed_again)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  CHECK_OK(setup(&f, 3, &err), &err);
  bool fired = false;
  CHECK_OK(batch(&f, OPEN_OF(1), &fired, &err), &err); /* file 11: gone at its open */
  CHECK(fired);
  qb_ingest_report *r = f.rep;
  CHECK_EQ_INT((long long)r->files_seen, 3);
  CHECK_EQ_INT((long long)r->files_new, 3);
  CHECK_EQ_INT((long long)r->files_rejected, 0);
  CHECK_EQ_INT((long long)r->files_skipped, 1);
  CHECK_EQ_INT((long long)r->n_skipped, 1);
  CHECK_EQ_INT((long long)r->n_rejects, 0);
  CHECK_EQ_INT((long long)r->records, 2);
  CHECK(strstr(r->skipped[0].file, "/experiment.vqe/11-") != NULL);
  CHECK(strstr(r->skipped[0].reason, "11-") != NULL); /* the read error names the file */
  CHECK_EQ_INT((long long)r->rows[QB_VQE_MOLECULES], 2);
  long long m = -1;
  CHECK_EQ_INT(count_rows(f.cat, QB_VQE_NAMESPACE ".ingested_files", "file", "/11-", &m, &err), 2);
  CHECK_EQ_INT(m, 0);
  CHECK_EQ_INT(count_rows(f.cat, QB_VQE_NAMESPACE ".rejected_inputs", "file", NULL, NULL, &err), 0);

  /* listed again: ingested. It lies among the last batch's own files: that batch's 2 rows decide. */
  CHECK_OK(batch(&f, 0, NULL, &err), &err);
  CHECK_EQ_INT((long long)r->files_new, 1);
  CHECK_EQ_INT((long long)r->files_skipped, 0);
  CHECK_EQ_INT((long long)r->n_skipped, 0);
  CHECK_EQ_INT((long long)r->records, 1);
  CHECK_EQ_INT((long long)r->ledger_rows_read, 2);
  CHECK_EQ_INT((long long)r->rows[QB_VQE_MOLECULES], 1);
  CHECK_EQ_INT(count_rows(f.cat, QB_VQE_NAMESPACE ".ingested_files", "file", "/11-", &m, &err), 3);
  CHECK_EQ_INT(m, 1);
  CHECK_EQ_INT(count_rows(f.cat, QB_VQE_NAMESPACE ".molecules", "experiment_id", NULL, NULL, &err), 3);

  /* then nothing new, and the summary holds the three files: nothing read */
  CHECK_OK(batch(&f, 0, NULL, &err), &err);
  CHECK_EQ_INT((long long)r->files_new, 0);
  CHECK_EQ_INT((long long)r->ledger_rows_read, 0);
  CHECK_EQ_INT(count_rows(f.cat, QB_VQE_NAMESPACE ".ingested_files", "file", NULL, NULL, &err), 3);
  teardown(&f);
}

/* S3: the object replaced between its HEAD and a GET ("changed since it was opened", QB_ECORRUPT, retryable),
 * while the stat that follows finds it as listed (it failed, or the producer wrote it back): skipped, and the
 * next batch ingests it. It was rejected for good (found by exploreI). */
QB_TEST(replaced_while_read_is_skipped_though_stat_finds_it_as_listed)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  CHECK_OK(setup(&f, 3, &err), &err);
  bool fired = false;
  qb_fault_plan plan = {READ_OF(1), QB_FAULT_FAIL, QB_ECORRUPT, 0, false, NULL, NULL, true};
  CHECK_OK(batch_with(&f, &plan, &fired, &err), &err);
  CHECK(fired);
  qb_ingest_report *r = f.rep;
  CHECK_EQ_INT((long long)r->files_rejected, 0);
  CHECK_EQ_INT((long long)r->files_skipped, 1);
  CHECK_EQ_INT((long long)r->records, 2);
  CHECK(strstr(r->skipped[0].file, "/experiment.vqe/11-") != NULL);
  CHECK_EQ_INT(count_rows(f.cat, QB_VQE_NAMESPACE ".rejected_inputs", "file", NULL, NULL, &err), 0);
  CHECK_OK(batch(&f, 0, NULL, &err), &err);
  CHECK_EQ_INT((long long)r->files_new, 1);
  CHECK_EQ_INT((long long)r->files_rejected, 0);
  CHECK_EQ_INT(count_rows(f.cat, QB_VQE_NAMESPACE ".molecules", "experiment_id", NULL, NULL, &err), 3);
  teardown(&f);
}

QB_TEST(vanished_on_read_after_open_is_skipped)
{
  /* S3: the object deleted between the HEAD and the GET (404); here the last file, after the ranges */
  qb_err err = QB_ERR_INIT;
  fixture f;
  CHECK_OK(setup(&f, 3, &err), &err);
  bool fired = false;
  CHECK_OK(batch(&f, READ_OF(2), &fired, &err), &err);
  CHECK(fired);
  qb_ingest_report *r = f.rep;
  CHECK_EQ_INT((long long)r->files_skipped, 1);
  CHECK_EQ_INT((long long)r->files_rejected, 0);
  CHECK(strstr(r->skipped[0].file, "/experiment.vqe/12-") != NULL);
  CHECK_EQ_INT(count_rows(f.cat, QB_VQE_NAMESPACE ".ingested_files", "file", NULL, NULL, &err), 2);
  CHECK_OK(batch(&f, 0, NULL, &err), &err);
  CHECK_EQ_INT((long long)r->files_new, 1);
  CHECK_EQ_INT((long long)r->ledger_rows_read, 0); /* after both ranges: new without reading */
  CHECK_EQ_INT(count_rows(f.cat, QB_VQE_NAMESPACE ".ingested_files", "file", NULL, NULL, &err), 3);
  CHECK_EQ_INT(count_rows(f.cat, QB_VQE_NAMESPACE ".molecules", "experiment_id", NULL, NULL, &err), 3);
  CHECK_OK(batch(&f, 0, NULL, &err), &err);
  CHECK_EQ_INT((long long)r->files_new, 0);
  CHECK_EQ_INT((long long)r->ledger_rows_read, 0);
  teardown(&f);
}

QB_TEST(every_file_vanished_records_nothing)
{
  /* the only new file gone: no ledger commit, the summary unchanged, a later batch reads nothing */
  qb_err err = QB_ERR_INIT;
  fixture f;
  CHECK_OK(setup(&f, 1, &err), &err);
  bool fired = false;
  CHECK_OK(batch(&f, OPEN_OF(0), &fired, &err), &err);
  CHECK(fired);
  CHECK_EQ_INT((long long)f.rep->files_skipped, 1);
  CHECK_EQ_INT((long long)f.rep->records, 0);
  CHECK_EQ_INT(count_rows(f.cat, QB_VQE_NAMESPACE ".ingested_files", "file", NULL, NULL, &err), 0);
  CHECK_OK(batch(&f, 0, NULL, &err), &err);
  CHECK_EQ_INT((long long)f.rep->files_new, 1);
  CHECK_EQ_INT((long long)f.rep->files_skipped, 0);
  CHECK_EQ_INT((long long)f.rep->ledger_rows_read, 0);
  CHECK_EQ_INT(count_rows(f.cat, QB_VQE_NAMESPACE ".molecules", "experiment_id", NULL, NULL, &err), 1);
  teardown(&f);
}

QB_TEST(vanished_late_file_inside_the_range_is_found_when_it_reappears)
{
  /* a late file whose write time falls between two ingested files (inside the folder's range) vanishes in
   * a batch that records a normal new file: the summary it writes must not count it, so when it reappears
   * the listing differs from the summary and the ledger's rows decide */
  qb_err err = QB_ERR_INIT;
  fixture f;
  CHECK_OK(setup(&f, 3, &err), &err); /* 10, 11, 12 */
  CHECK_OK(batch(&f, 0, NULL, &err), &err);
  CHECK_EQ_INT((long long)f.rep->files_new, 3);
  /* the late file 50, written between 10 and 11 */
  char dir[600], late[700];
  snprintf(dir, sizeof dir, "%s/experiment.vqe", f.raw);
  unsigned long long nano[2] = {0, 0};
  DIR *dp = opendir(dir);
  CHECK(dp != NULL);
  for (struct dirent *e; dp && (e = readdir(dp));) {
    unsigned long long c, n;
    if (sscanf(e->d_name, "%llu-%llu.json", &c, &n) == 2 && (c == 10 || c == 11)) nano[c - 10] = n;
  }
  if (dp) closedir(dp);
  CHECK(nano[0] && nano[1] > nano[0] + 1);
  qb_vqe_gen_options g = QB_VQE_GEN_OPTIONS_INIT;
  g.seed = 8;
  g.count = 1;
  g.min_iterations = 2;
  g.max_iterations = 3;
  g.first_counter = 50;
  char *text = NULL, name[64];
  size_t text_n = 0;
  CHECK_OK(qb_vqe_gen_record(&text, &text_n, name, &g, 0, &err), &err);
  snprintf(late, sizeof late, "%s/50-%llu.json", dir, nano[0] + (nano[1] - nano[0]) / 2);
  CHECK_OK(qb_fileio_write_all(qb_catalog_io(f.cat), late, text, text_n, QB_CREATE_OVERWRITE, &err), &err);
  free(text);
  g.seed = 9;
  g.first_counter = 13;
  g.start_unix_ns = INT64_C(1864161042873512960); /* after every other file */
  CHECK_OK(qb_vqe_generate(qb_catalog_io(f.cat), f.raw, &g, &err), &err);
  /* calls: the listing, then 13's open and read, 50's open (10..12 are the first batch's own files: the
   * listing there differs from its set, so that batch's rows decide) */
  bool fired = false;
  CHECK_OK(batch(&f, 4, &fired, &err), &err);
  CHECK(fired);
  qb_ingest_report *r = f.rep;
  CHECK_EQ_INT((long long)r->files_seen, 5);
  CHECK_EQ_INT((long long)r->files_new, 2);
  CHECK_EQ_INT((long long)r->files_skipped, 1);
  CHECK(strstr(r->skipped[0].file, "/experiment.vqe/50-") != NULL);
  CHECK_EQ_INT((long long)r->ledger_rows_read, 3);
  long long m = -1;
  CHECK_EQ_INT(count_rows(f.cat, QB_VQE_NAMESPACE ".ingested_files", "file", "/13-", &m, &err), 4);
  CHECK_EQ_INT(m, 1);
  CHECK_OK(batch(&f, 0, NULL, &err), &err);
  CHECK_EQ_INT((long long)r->files_new, 1);
  CHECK_EQ_INT((long long)r->files_skipped, 0);
  CHECK_EQ_INT((long long)r->ledger_rows_read, 4);
  CHECK_EQ_INT(count_rows(f.cat, QB_VQE_NAMESPACE ".ingested_files", "file", "/50-", &m, &err), 5);
  CHECK_EQ_INT(m, 1);
  CHECK_OK(batch(&f, 0, NULL, &err), &err);
  CHECK_EQ_INT((long long)r->files_new, 0);
  CHECK_EQ_INT((long long)r->ledger_rows_read, 0);
  CHECK_EQ_INT(count_rows(f.cat, QB_VQE_NAMESPACE ".molecules", "experiment_id", NULL, NULL, &err), 5);
  teardown(&f);
}

/* The local FileIO reads a batch's raw files through a reader of their folder held for the batch
 * (qb_dir_reader): what happens to the folder and its files between the listing and the reads. */
typedef struct mid_batch {
  fixture *f;
  int what; /* 1: rename the folder (and put an empty one at its name); 2: delete file 12; 3: grow file 12 */
  bool done;
} mid_batch;

/* The raw file with counter `counter` in `dir` (malloc'd), or NULL. */
static char *raw_file_named(const char *dir, unsigned counter)
{
  DIR *d = opendir(dir);
  if (!d) return NULL;
  char want[32], *out = NULL;
  snprintf(want, sizeof want, "%u-", counter);
  struct dirent *e;
  while (!out && (e = readdir(d)))
    if (!strncmp(e->d_name, want, strlen(want))) out = qb_str_printf("%s/%s", dir, e->d_name);
  closedir(d);
  return out;
}

static void on_progress(void *ctx, const qb_ingest_progress *p)
{
  mid_batch *m = ctx;
  if (m->done || strcmp(p->phase, "rows") != 0 || p->files_done != 1) return;
  m->done = true;
  char from[600], to[600];
  snprintf(from, sizeof from, "%s/experiment.vqe", m->f->raw);
  snprintf(to, sizeof to, "%s/moved.vqe", m->f->raw);
  char *f12 = raw_file_named(from, 12);
  if (m->what == 1 && rename(from, to) == 0) (void)mkdir(from, 0755);
  if (m->what == 2 && f12) (void)unlink(f12);
  if (m->what == 3 && f12) { /* the same record with trailing blanks: longer than listed */
    FILE *fp = fopen(f12, "a");
    if (fp) {
      for (int i = 0; i < 9000; i++) fputc(' ', fp);
      fclose(fp);
    }
  }
  free(f12);
}

static int local_batch(fixture *f, mid_batch *m, qb_err *err)
{
  qb_ingest_options o = QB_INGEST_OPTIONS_INIT;
  o.raw = f->raw;
  o.no_features = true;
  o.progress = on_progress;
  o.progress_ctx = m;
  return qb_ingest_run(f->rep, f->cat, &o, err);
}

QB_TEST(folder_renamed_mid_batch_is_read_on_under_the_listed_names)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  CHECK_OK(setup(&f, 4, &err), &err);
  mid_batch m = {&f, 1, false};
  CHECK_OK(local_batch(&f, &m, &err), &err);
  CHECK(m.done);
  qb_ingest_report *r = f.rep;
  CHECK_EQ_INT((long long)r->files_new, 4);
  CHECK_EQ_INT((long long)r->files_skipped, 0);
  CHECK_EQ_INT((long long)r->records, 4);
  long long listed = -1;
  CHECK_EQ_INT(count_rows(f.cat, QB_VQE_NAMESPACE ".ingested_files", "file", "/experiment.vqe/", &listed, &err), 4);
  CHECK_EQ_INT(listed, 4);
  CHECK_EQ_INT(count_rows(f.cat, QB_VQE_NAMESPACE ".molecules", "experiment_id", NULL, NULL, &err), 4);
  teardown(&f);
}

QB_TEST(file_deleted_mid_batch_is_skipped)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  CHECK_OK(setup(&f, 4, &err), &err);
  mid_batch m = {&f, 2, false};
  CHECK_OK(local_batch(&f, &m, &err), &err); /* file 12 gone at its open: skipped, named */
  qb_ingest_report *r = f.rep;
  CHECK_EQ_INT((long long)r->files_skipped, 1);
  CHECK_EQ_INT((long long)r->records, 3);
  CHECK(strstr(r->skipped[0].file, "/experiment.vqe/12-") != NULL);
  CHECK(strstr(r->skipped[0].reason, "/experiment.vqe/12-") != NULL);
  teardown(&f);
}

QB_TEST(file_grown_mid_batch_is_read_whole)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  CHECK_OK(setup(&f, 4, &err), &err);
  mid_batch m = {&f, 3, false};
  CHECK_OK(local_batch(&f, &m, &err), &err); /* file 12 longer than listed: read whole, accepted */
  CHECK(m.done);
  qb_ingest_report *r = f.rep;
  CHECK_EQ_INT((long long)r->files_skipped, 0);
  CHECK_EQ_INT((long long)r->files_rejected, 0);
  CHECK_EQ_INT((long long)r->records, 4);
  teardown(&f);
}

/* A producer still writing raw file 12 (no '.' name and rename): the batch lists and reads it half written,
 * and the producer finishes it before the stat that precedes a rejection. */
typedef struct writer_race {
  char *path;
  uint8_t *whole;
  size_t n;
  bool finish; /* finish the file at the stat (false: the producer stalls, the file stays half written) */
  int stats;
} writer_race;

static void finish_at_stat(void *ctx, const char *path)
{
  writer_race *w = ctx;
  if (strcmp(path, w->path) != 0) return;
  w->stats++;
  FILE *fp = w->finish ? fopen(w->path, "wb") : NULL;
  if (fp) {
    (void)fwrite(w->whole, 1, w->n, fp);
    fclose(fp);
  }
}

/* File 12 cut to half its bytes; its whole bytes kept in *w. */
static int half_write(fixture *f, writer_race *w, qb_err *err)
{
  char dir[600];
  snprintf(dir, sizeof dir, "%s/experiment.vqe", f->raw);
  if (!(w->path = raw_file_named(dir, 12))) return QB_FAIL(err, QB_ENOTFOUND, "no raw file 12 in %s", dir);
  qb_fileio *io = qb_catalog_io(f->cat);
  int rc = qb_fileio_read_all(&w->whole, &w->n, io, w->path, SIZE_MAX, err);
  if (rc == QB_OK && truncate(w->path, (off_t)(w->n / 2)) != 0)
    rc = QB_FAIL_ERRNO(err, QB_EIO, errno, "truncating %s", w->path);
  return rc;
}

static int race_batch(fixture *f, writer_race *w, qb_err *err)
{
  qb_fault_plan plan = {0};
  plan.before_stat = finish_at_stat;
  plan.before_stat_ctx = w;
  return batch_with(f, &plan, NULL, err);
}

QB_TEST(file_finished_while_read_is_skipped_then_ingested_whole)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  CHECK_OK(setup(&f, 4, &err), &err);
  writer_race w = {0};
  w.finish = true;
  CHECK_OK(half_write(&f, &w, &err), &err);
  CHECK_OK(race_batch(&f, &w, &err), &err);
  qb_ingest_report *r = f.rep;
  CHECK_EQ_INT(w.stats, 1); /* asked once, when the parse failed */
  CHECK_EQ_INT((long long)r->files_new, 4);
  CHECK_EQ_INT((long long)r->files_rejected, 0);
  CHECK_EQ_INT((long long)r->files_skipped, 1);
  CHECK_EQ_INT((long long)r->records, 3);
  CHECK(strstr(r->skipped[0].file, "/experiment.vqe/12-") != NULL);
  CHECK(strstr(r->skipped[0].reason, "changed while the batch read it") != NULL);
  CHECK(strstr(r->skipped[0].reason, "unexpected end of input") != NULL);
  CHECK_EQ_INT(count_rows(f.cat, QB_VQE_NAMESPACE ".ingested_files", "file", NULL, NULL, &err), 3);
  /* the next batch reads the finished file: nothing rejected, all four experiments stored */
  memset(f.rep, 0, sizeof *f.rep);
  CHECK_OK(batch(&f, 0, NULL, &err), &err);
  CHECK_EQ_INT((long long)r->files_new, 1);
  CHECK_EQ_INT((long long)r->files_rejected, 0);
  CHECK_EQ_INT((long long)r->records, 1);
  CHECK_EQ_INT(count_rows(f.cat, QB_VQE_NAMESPACE ".ingested_files", "file", NULL, NULL, &err), 4);
  CHECK_EQ_INT(count_rows(f.cat, QB_VQE_NAMESPACE ".molecules", "experiment_id", NULL, NULL, &err), 4);
  free(w.path);
  free(w.whole);
  teardown(&f);
}

QB_TEST(file_cut_and_unchanged_is_rejected)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  CHECK_OK(setup(&f, 4, &err), &err);
  writer_race w = {0};
  CHECK_OK(half_write(&f, &w, &err), &err);
  CHECK_OK(race_batch(&f, &w, &err), &err); /* the same size and time as listed: a broken file */
  qb_ingest_report *r = f.rep;
  CHECK_EQ_INT(w.stats, 1);
  CHECK_EQ_INT((long long)r->files_rejected, 1);
  CHECK_EQ_INT((long long)r->files_skipped, 0);
  CHECK_EQ_INT((long long)r->records, 3);
  CHECK(strstr(r->rejects[0].file, "/experiment.vqe/12-") != NULL);
  CHECK(strstr(r->rejects[0].reason, "unexpected end of input") != NULL);
  long long cut = -1;
  CHECK_EQ_INT(count_rows(f.cat, QB_VQE_NAMESPACE ".rejected_inputs", "file", "/experiment.vqe/12-", &cut, &err), 1);
  CHECK_EQ_INT(cut, 1);
  free(w.path);
  free(w.whole);
  teardown(&f);
}
