/* SPDX-License-Identifier: Apache-2.0 */
/* The ML feature job (src/pipeline/ml_features.c) under warehouse faults, on one thread and on two (the
 * rows written by a worker thread while the calling thread reads the sources): the warehouse FileIO
 * (io/faulty.h) fails its Nth call for N across a whole run. Each faulty run fails with the injected fault
 * named or succeeds; no thread is left running; and a run without faults afterwards leaves both ML tables
 * with exactly one summary row per experiment and every iteration once — nothing lost, nothing doubled. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "support/task_count.h"
#include "support/vqe_support.h"
#include "io/faulty.h"
#include "qberg/catalog.h"
#include "qberg/features.h"
#include "qberg/fileio.h"
#include "qberg/pipeline.h"
#include "qberg/scan.h"
#include "qberg/table.h"
#include "qberg/vqe.h"
#include "util/hash.h"

/* A warehouse at `wh` holding one ingest batch of the files under `raw`, without the ML tables. */
static int ingest(const char *wh, const char *raw, qb_err *err)
{
  qb_catalog *cat = NULL;
  qb_ingest_report *rep = calloc(1, sizeof *rep);
  if (!rep) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  int rc = qb_catalog_open(&cat, wh, NULL, err);
  if (rc == QB_OK) {
    qb_ingest_options o = QB_INGEST_OPTIONS_INIT;
    o.raw = raw;
    o.no_features = true;
    o.threads = 1;
    rc = qb_ingest_run(rep, cat, &o, err);
  }
  qb_catalog_free(cat);
  free(rep);
  return rc;
}

/* qb_features_run on `wh` through a FileIO that fails call `at` (0: none). */
static int features(int *run_rc, char *msg, size_t msg_n, unsigned *calls, const char *wh, unsigned at,
                    unsigned threads, qb_err *err)
{
  qb_fileio *local = NULL, *io = NULL;
  qb_fault_plan plan = {at, QB_FAULT_FAIL, QB_EIO, 0, false, NULL, NULL, false};
  int rc = qb_fileio_local_new(&local, err);
  if (rc == QB_OK) rc = qb_fileio_faulty_new(&io, local, true, &plan, err);
  else qb_fileio_free(local);
  qb_catalog *cat = NULL;
  qb_catalog_options co = QB_CATALOG_OPTIONS_INIT;
  co.io = io;
  if (rc == QB_OK) rc = qb_catalog_open(&cat, wh, &co, err);
  if (rc == QB_OK) {
    qb_features_options fo = QB_FEATURES_OPTIONS_INIT;
    fo.threads = threads;
    qb_features_report r;
    qb_err e = QB_ERR_INIT;
    *run_rc = qb_features_run(&r, cat, &fo, &e);
    snprintf(msg, msg_n, "%s", *run_rc ? e.msg : "");
    *calls = qb_fileio_faulty_calls(io);
  }
  qb_catalog_free(cat);
  qb_fileio_free(io);
  return rc;
}

/* Rows of ML table `name` and the distinct experiment ids among them. */
static int count_rows(uint64_t *rows, uint64_t *ids, const char *wh, const char *name, qb_err *err)
{
  *rows = *ids = 0;
  qb_catalog *cat = NULL;
  qb_table *t = NULL;
  qb_scan *s = NULL;
  char ident[128];
  snprintf(ident, sizeof ident, "%s.%s", QB_VQE_NAMESPACE, name);
  const char *cols[1] = {"experiment_id"};
  qb_scan_options o = QB_SCAN_OPTIONS_INIT;
  o.columns = cols;
  o.n_columns = 1;
  uint64_t seen[4096];
  size_t n_seen = 0;
  int rc = qb_catalog_open(&cat, wh, NULL, err);
  if (rc == QB_OK) rc = qb_table_load(&t, cat, ident, err);
  if (rc == QB_OK) rc = qb_scan_new(&s, t, &o, err);
  const qb_value *v;
  size_t n;
  while (rc == QB_OK && (rc = qb_scan_next_rows(&v, &n, s, 0, err)) == QB_OK && n) {
    for (size_t i = 0; i < n; i++) {
      (*rows)++;
      uint64_t h = qb_hash_bytes(v[i].u.bytes.p, v[i].u.bytes.n);
      bool dup = false;
      for (size_t k = 0; k < n_seen && !dup; k++) dup = seen[k] == h;
      if (!dup && n_seen < 4096) seen[n_seen++] = h;
    }
  }
  *ids = n_seen;
  qb_scan_free(s);
  qb_table_free(t);
  qb_catalog_free(cat);
  return rc;
}

QB_TEST(a_fault_anywhere_then_a_clean_run_completes_the_tables)
{
  qb_err err = QB_ERR_INIT;
  const char *dir = qb_test_tmpdir();
  char raw[512], base[600], wh[600], cmd[2048];
  snprintf(base, sizeof base, "%s/base", dir);
  snprintf(wh, sizeof wh, "%s/wh", dir);
  /* 80-120 iterations a run, ~4,000 iteration rows: the worker gets more than one column set */
  CHECK_OK(vqe_generate_raw(raw, sizeof raw, "raw", 11, 40, 80, 120, &err), &err);
  CHECK_OK(ingest(base, raw, &err), &err);

  /* a clean run: the expected rows and the number of calls a run makes */
  snprintf(cmd, sizeof cmd, "rm -rf '%s' && cp -a '%s' '%s'", wh, base, wh);
  CHECK(system(cmd) == 0);
  int run_rc;
  char msg[1024];
  unsigned calls = 0, calls2 = 0;
  CHECK_OK(features(&run_rc, msg, sizeof msg, &calls, wh, 0, 1, &err), &err);
  CHECK_EQ_INT(run_rc, QB_OK);
  uint64_t want_iter, iter_ids, want_sum, sum_ids;
  CHECK_OK(count_rows(&want_iter, &iter_ids, wh, "ml_iteration_features", &err), &err);
  CHECK_OK(count_rows(&want_sum, &sum_ids, wh, "ml_run_summary", &err), &err);
  CHECK_EQ_INT(want_sum, 40);
  CHECK_EQ_INT(sum_ids, 40);
  CHECK_EQ_INT(iter_ids, 40);
  CHECK(want_iter >= 40 * 80);
  CHECK(system(cmd) == 0);
  CHECK_OK(features(&run_rc, msg, sizeof msg, &calls2, wh, 0, 2, &err), &err);
  CHECK_EQ_INT(run_rc, QB_OK);
  CHECK(calls > 20);

  int before = test_threads_now();
  bool slow = getenv("QB_VALGRIND") || getenv("QB_SANITIZED");
  unsigned samples = slow ? 8 : 24, step = calls / samples ? calls / samples : 1, failed = 0;
  for (unsigned at = 1; at <= calls; at += step) {
    for (unsigned threads = 1; threads <= 2; threads++) {
      CHECK(system(cmd) == 0);
      unsigned c;
      CHECK_OK(features(&run_rc, msg, sizeof msg, &c, wh, at, threads, &err), &err);
      if (run_rc) {
        failed++;
        if (!strstr(msg, "injected fault at call"))
          fprintf(stderr, "  call %u, %u threads: %s\n", at, threads, msg);
        CHECK(strstr(msg, "injected fault at call") != NULL);
      }
      CHECK_EQ_INT(test_threads_settled(before), before); /* the worker was joined, on failure too */
      /* then a run without faults: the tables complete, every row once */
      CHECK_OK(features(&run_rc, msg, sizeof msg, &c, wh, 0, threads, &err), &err);
      if (run_rc) fprintf(stderr, "  call %u, %u threads, the clean run after: %s\n", at, threads, msg);
      CHECK_EQ_INT(run_rc, QB_OK);
      uint64_t rows, ids;
      CHECK_OK(count_rows(&rows, &ids, wh, "ml_iteration_features", &err), &err);
      CHECK_EQ_INT(rows, want_iter);
      CHECK_EQ_INT(ids, 40);
      CHECK_OK(count_rows(&rows, &ids, wh, "ml_run_summary", &err), &err);
      CHECK_EQ_INT(rows, 40);
      CHECK_EQ_INT(ids, 40);
    }
  }
  CHECK(failed >= samples); /* most faults hit the run */
}
