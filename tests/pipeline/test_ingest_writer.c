/* SPDX-License-Identifier: Apache-2.0 */
/* The ingest's writer thread (src/pipeline/ingest_writer.c) under warehouse faults: the warehouse FileIO
 * (io/faulty.h) fails its Nth call for N across a whole first batch. The writer thread issues the same
 * calls in the same order as one thread, so --threads 2 must end exactly as --threads 1 — the same code and
 * message (the failed data file named, the qb_err context chain), the same tables committed. A fault in a
 * feature table's data file (the writer thread's work) fails the batch with nothing committed, and no
 * thread is left running after qb_ingest_run returns. The raw files' FileIO, failed at its Nth call the same
 * way, ends both thread counts alike too. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "support/task_count.h"
#include "support/vqe_support.h"
#include "io/faulty.h"
#include "qberg/catalog.h"
#include "qberg/fileio.h"
#include "qberg/pipeline.h"
#include "qberg/vqe.h"

typedef struct outcome {
  int rc;
  char msg[1024];     /* with the warehouse folder and UUIDs masked */
  unsigned calls;     /* warehouse calls made */
  bool fired;
  int committed;      /* feature tables with a snapshot */
  int threads_after;  /* threads of the process when qb_ingest_run returned */
  unsigned ran_threads;
} outcome;

/* Mask what differs between two runs: the warehouse folder, UUIDs and snapshot ids (they draw from a
 * random stream that goes on across runs). */
static void mask(char *s, const char *wh)
{
  size_t wn = strlen(wh);
  for (char *p; (p = strstr(s, wh));) {
    memset(p, 'W', 1);
    memmove(p + 1, p + wn, strlen(p + wn) + 1);
  }
  for (char *p = s; *p; p++) {
    size_t i = 0;
    while (i < 36 && p[i] && ((i == 8 || i == 13 || i == 18 || i == 23) ? p[i] == '-' : isxdigit((unsigned char)p[i])))
      i++;
    if (i == 36) memset(p, 'u', 36);
    for (i = 0; p[i] >= '0' && p[i] <= '9';) i++;
    if (i >= 12) { /* snapshot ids, as one 'n': a random id has 18 or 19 digits (about 1 in 9 has 18) */
      *p = 'n';
      memmove(p + 1, p + i, strlen(p + i) + 1);
      i = 1;
    }
    if (i) p += i - 1;
  }
}

/* One batch of the files under `raw` into a fresh warehouse whose FileIO fails call `at` (0: none), read
 * through a raw FileIO that fails its call `raw_at` (0: none; then o->calls and o->fired are the raw
 * FileIO's). */
static int run_faults(outcome *o, const char *raw, unsigned at, unsigned raw_at, unsigned threads, qb_err *err)
{
  memset(o, 0, sizeof *o);
  char wh[512];
  snprintf(wh, sizeof wh, "%s/wh", qb_test_tmpdir());
  qb_fileio *local = NULL, *io = NULL;
  qb_fault_plan plan = {at, QB_FAULT_FAIL, QB_EIO, 0, false, NULL, NULL, false};
  int rc = qb_fileio_local_new(&local, err);
  if (rc == QB_OK) rc = qb_fileio_faulty_new(&io, local, true, &plan, err);
  else qb_fileio_free(local);
  qb_fileio *raw_io = NULL, *raw_local = NULL;
  qb_fault_plan raw_plan = {raw_at, QB_FAULT_FAIL, QB_EIO, 0, false, NULL, NULL, false};
  if (rc == QB_OK) rc = qb_fileio_local_new(&raw_local, err);
  if (rc == QB_OK) rc = qb_fileio_faulty_new(&raw_io, raw_local, true, &raw_plan, err);
  else qb_fileio_free(raw_local);
  qb_catalog *cat = NULL;
  qb_catalog_options co = QB_CATALOG_OPTIONS_INIT;
  co.io = io;
  qb_ingest_report *rep = calloc(1, sizeof *rep);
  if (rc == QB_OK && !rep) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
  if (rc == QB_OK) rc = qb_catalog_open(&cat, wh, &co, err);
  if (rc == QB_OK) {
    qb_ingest_options opts = QB_INGEST_OPTIONS_INIT;
    opts.raw = raw;
    opts.raw_io = raw_io;
    opts.batch_id = "33333333-3333-4333-8333-333333333333";
    opts.no_features = true;
    opts.threads = threads;
    qb_err e = QB_ERR_INIT;
    int before = test_threads_now();
    o->rc = qb_ingest_run(rep, cat, &opts, &e);
    o->threads_after = test_threads_settled(before);
    o->ran_threads = rep->threads;
    snprintf(o->msg, sizeof o->msg, "%s", o->rc ? e.msg : "");
    mask(o->msg, wh);
    o->calls = qb_fileio_faulty_calls(raw_at ? raw_io : io);
    o->fired = qb_fileio_faulty_fired(raw_at ? raw_io : io);
  }
  qb_catalog_free(cat);
  /* what the batch left, through a FileIO without faults */
  if (rc == QB_OK) rc = qb_catalog_open(&cat, wh, NULL, err);
  for (int t = 0; rc == QB_OK && t < QB_VQE_FEATURE_TABLES; t++) {
    char ident[128];
    snprintf(ident, sizeof ident, "%s.%s", QB_VQE_NAMESPACE, qb_vqe_table_describe((qb_vqe_table)t)->name);
    qb_table *tb = NULL;
    const qb_table_metadata *md;
    qb_err e = QB_ERR_INIT;
    if (qb_table_load(&tb, cat, ident, &e) == QB_OK && qb_table_get_metadata(&md, tb, &e) == QB_OK &&
        qb_table_metadata_current_snapshot_id(md) >= 0)
      o->committed++;
    qb_table_free(tb);
  }
  qb_catalog_free(cat);
  qb_fileio_free(io);
  qb_fileio_free(raw_io);
  free(rep);
  return rc;
}

static int run(outcome *o, const char *raw, unsigned at, unsigned threads, qb_err *err)
{
  return run_faults(o, raw, at, 0, threads, err);
}

/* Batches of `raw` without a fault on 1 and 2 threads: both commit every table. *after: the process's
 * threads after the 2-thread batch, as many as before it (its writer thread joined); -1 if a check failed. */
static void clean_runs(outcome *c1, outcome *c2, const char *raw, int *after)
{
  qb_err err = QB_ERR_INIT;
  *after = -1;
  int base = test_threads_now();
  CHECK_OK(run(c1, raw, 0, 1, &err), &err);
  CHECK_OK(run(c2, raw, 0, 2, &err), &err);
  CHECK_EQ_INT(c1->rc, QB_OK);
  CHECK_EQ_INT(c2->rc, QB_OK);
  CHECK_EQ_INT(c1->ran_threads, 1);
  CHECK_EQ_INT(c2->ran_threads, 2);
  CHECK_EQ_INT(c1->committed, QB_VQE_FEATURE_TABLES);
  CHECK_EQ_INT(c2->committed, QB_VQE_FEATURE_TABLES);
  /* ThreadSanitizer starts a thread of its own with the first pthread_create */
  CHECK(c2->threads_after == base || (getenv("TSAN_OPTIONS") && c2->threads_after == base + 1));
  *after = c2->threads_after;
}

QB_TEST(a_fault_anywhere_ends_as_on_one_thread)
{
  qb_err err = QB_ERR_INIT;
  char raw[512];
  CHECK_OK(vqe_generate_raw(raw, sizeof raw, "raw", 9, 24, 5, 12, &err), &err);
  outcome clean1, clean2;
  int after;
  clean_runs(&clean1, &clean2, raw, &after);
  CHECK(after >= 0);
  CHECK_EQ_INT(clean1.calls, clean2.calls); /* the same warehouse calls */

  /* ~30 call numbers spread over the batch, then ~12 between the last table set-up call and the first
   * commit found: the pass, where the writer thread writes data files as row groups fill (fewer under
   * valgrind and the sanitizers: each sample is two batches) */
  bool slow = getenv("QB_VALGRIND") || getenv("QB_SANITIZED");
  unsigned coarse = slow ? 12 : 30, fine = slow ? 6 : 12;
  unsigned step = clean1.calls / coarse ? clean1.calls / coarse : 1, data_faults = 0, setup_at = 0, commit_at = 0;
  for (int round = 0; round < 2; round++) {
    unsigned from = 1, to = clean1.calls;
    if (round == 1) {
      CHECK(commit_at > setup_at);
      from = setup_at + 1;
      to = commit_at - 1;
      step = (to - from) / fine ? (to - from) / fine : 1;
    }
    for (unsigned at = from; at <= to; at += step) {
      outcome o1, o2;
      CHECK_OK(run(&o1, raw, at, 1, &err), &err);
      CHECK_OK(run(&o2, raw, at, 2, &err), &err);
      if (o1.rc != o2.rc || strcmp(o1.msg, o2.msg) || o1.committed != o2.committed)
        fprintf(stderr, "  call %u: 1 thread: %d '%s' (%d committed); 2 threads: %d '%s' (%d committed)\n", at,
                o1.rc, o1.msg, o1.committed, o2.rc, o2.msg, o2.committed);
      CHECK(o1.fired && o2.fired);
      CHECK_EQ_INT(o2.rc, o1.rc);
      CHECK_EQ_STR(o2.msg, o1.msg);
      CHECK_EQ_INT(o2.committed, o1.committed);
      CHECK_EQ_INT(o2.threads_after, after); /* the writer thread was joined, on failure too */
      if (getenv("QB_TEST_VERBOSE")) fprintf(stderr, "call %u: %d %s\n", at, o2.rc, o2.msg);
      if (strstr(o2.msg, "creating table") || strstr(o2.msg, "loading table")) setup_at = at;
      if (!commit_at && strstr(o2.msg, "committing")) commit_at = at;
      /* a feature table's data file, before the commits: the writer thread's write failed */
      if (strstr(o2.msg, "/data/") && strstr(o2.msg, ".parquet") && !strstr(o2.msg, "committing")) {
        data_faults++;
        CHECK_EQ_INT(o2.rc, QB_EIO);
        CHECK(strncmp(o2.msg, "ingest batch ", 13) == 0); /* the batch id is masked as a UUID */
        CHECK(strstr(o2.msg, "injected fault at call") != NULL);
        CHECK_EQ_INT(o2.committed, 0);
      }
    }
  }
  CHECK(data_faults >= 3);
}

/* The other side of the threads' error paths: a failed raw read (the calling thread's, at any call number of
 * the raw FileIO: the listing, a file's read) while the writer thread may hold slices fails the batch as on
 * one thread: the same code and message, nothing committed, the writer thread joined. */
QB_TEST(a_raw_read_fault_anywhere_ends_as_on_one_thread)
{
  qb_err err = QB_ERR_INIT;
  char raw[512];
  CHECK_OK(vqe_generate_raw(raw, sizeof raw, "raw_reads", 11, 40, 3, 6, &err), &err);
  outcome clean1, clean2;
  int after;
  clean_runs(&clean1, &clean2, raw, &after);
  CHECK(after >= 0);
  /* the raw FileIO's calls of a clean batch: the listing, then the files' reads */
  outcome probe;
  CHECK_OK(run_faults(&probe, raw, 0, 1000000, 1, &err), &err);
  unsigned raw_calls = probe.calls;
  CHECK(raw_calls >= 40);
  bool slow = getenv("QB_VALGRIND") || getenv("QB_SANITIZED");
  unsigned step = slow ? raw_calls / 8 : 1, file_faults = 0;
  for (unsigned at = 1; at <= raw_calls; at += step ? step : 1) {
    outcome o1, o2;
    CHECK_OK(run_faults(&o1, raw, 0, at, 1, &err), &err);
    CHECK_OK(run_faults(&o2, raw, 0, at, 2, &err), &err);
    if (o1.rc != o2.rc || o1.committed != o2.committed)
      fprintf(stderr, "  raw call %u: 1 thread: %d '%s' (%d committed); 2 threads: %d '%s' (%d committed)\n", at,
              o1.rc, o1.msg, o1.committed, o2.rc, o2.msg, o2.committed);
    CHECK(o1.fired && o2.fired);
    CHECK_EQ_INT(o1.rc, QB_EIO);
    CHECK_EQ_INT(o2.rc, QB_EIO);
    CHECK_EQ_INT(o1.committed, 0);
    CHECK_EQ_INT(o2.committed, 0);
    CHECK(strstr(o2.msg, "injected fault at call") != NULL);
    CHECK_EQ_INT(o2.threads_after, after); /* the writer thread was joined */
    CHECK_EQ_STR(o2.msg, o1.msg);
    file_faults += strstr(o1.msg, ".json") != NULL; /* a raw file's read failed, not the listing */
  }
  CHECK(file_faults >= (slow ? 4u : 30u));
}
