/* SPDX-License-Identifier: Apache-2.0 */
/* The catalog on S3 (radosgw on 127.0.0.1, tests/s3/rgw-ctl; without QB_S3_ENDPOINT the binary re-executes
 * itself under `rgw-ctl run`): layout and listing without directories, and commit races of threads and of
 * 8 processes x 100 commits, with If-None-Match (radosgw honours it: probed) and with the lock fallback
 * on a FileIO that never sends it (what Garage needs). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "qberg/catalog.h"
#include "qberg/s3.h"
#include "support/meta_doc.h"
#include "util/clock.h"
#include "util/str.h"

__attribute__((constructor)) static void need_server(int argc, char **argv)
{
  if (getenv("QB_S3_ENDPOINT")) return;
  const char *root = getenv("QB_ROOT");
  char *ctl = qb_str_printf("%s/tests/s3/rgw-ctl", root && *root ? root : ".");
  char **av = calloc((size_t)argc + 5, sizeof *av);
  int n = 0;
  av[n++] = "bash";
  av[n++] = ctl;
  av[n++] = "run";
  av[n++] = "--";
  for (int i = 0; i < argc; i++) av[n++] = argv[i];
  execvp("bash", av);
  perror("exec rgw-ctl");
  _exit(2);
}

static qb_fileio *open_io(qb_s3_cond_mode cond)
{
  qb_s3_options o = QB_S3_OPTIONS_INIT;
  o.endpoint = getenv("QB_S3_ENDPOINT");
  o.region = "garage";
  o.access_key_id = getenv("QB_S3_ACCESS_KEY");
  o.secret_access_key = getenv("QB_S3_SECRET_KEY");
  o.conditional_put = cond;
  o.retry_base_ms = 10;
  qb_fileio *io = NULL;
  qb_err err = QB_ERR_INIT;
  if (qb_fileio_s3_new(&io, &o, &err)) fprintf(stderr, "qb_fileio_s3_new: %s\n", err.msg);
  return io;
}

/* A fresh bucket and warehouse URI per test. */
static char *new_warehouse(qb_fileio *io)
{
  char *bucket = qb_str_printf("qbcat-%08llx", (unsigned long long)(qb_random_u64() & 0xffffffff));
  char *u = qb_str_printf("s3://%s", bucket);
  qb_err err = QB_ERR_INIT;
  if (qb_s3_bucket_create(io, u, &err)) fprintf(stderr, "bucket: %s\n", err.msg);
  char *wh = qb_str_printf("s3://%s/wh", bucket);
  free(u);
  free(bucket);
  return wh;
}

static int open_cat(qb_catalog **out, const char *wh, qb_fileio *io, qb_commit_mode mode, qb_err *err)
{
  qb_catalog_options o = QB_CATALOG_OPTIONS_INIT;
  o.io = io;
  o.commit_mode = mode;
  o.lock_lease_ms = 5000; /* S3 LastModified may have 1 s resolution: renewals every lease/4 must show */
  return qb_catalog_open(out, wh, &o, err);
}

#define FAST_RETRIES                                                                                    \
  "{\"commit.retry.num-retries\":\"100000\",\"commit.retry.min-wait-ms\":\"1\","                  \
  "\"commit.retry.max-wait-ms\":\"32\",\"commit.retry.total-timeout-ms\":\"300000\"}"

static int collect_cb(void *ctx, const char *name, qb_err *err)
{
  char *buf = ctx;
  if (*buf) strcat(buf, " ");
  strcat(buf, name);
  return QB_OK;
}

QB_TEST(s3_layout_listing_drop)
{
  qb_err err = QB_ERR_INIT;
  qb_fileio *io = open_io(QB_S3_COND_AUTO);
  CHECK(io != NULL);
  char *wh = new_warehouse(io);
  qb_catalog *cat;
  CHECK_OK(open_cat(&cat, wh, io, QB_COMMIT_AUTO, &err), &err);
  CHECK_OK(qb_catalog_create_namespace(cat, "empty", &err), &err); /* a no-op on S3: prefixes only */
  const char *idents[] = {"db.t2", "db.t1", "a.b.t3"};
  for (size_t i = 0; i < 3; i++)
    CHECK_OK(qb_catalog_create_table(NULL, cat, idents[i], qbt_make_table, NULL, NULL, &err), &err);
  char buf[512] = "";
  CHECK_OK(qb_catalog_list_tables(cat, NULL, collect_cb, buf, &err), &err);
  CHECK_EQ_STR(buf, "a.b.t3 db.t1 db.t2");
  buf[0] = '\0';
  CHECK_OK(qb_catalog_list_namespaces(cat, NULL, collect_cb, buf, &err), &err);
  CHECK_EQ_STR(buf, "a db");
  /* commits, then loading with the hint gone: listing finds the newest version */
  qb_table *t;
  CHECK_OK(qb_table_load(&t, cat, "db.t1", &err), &err);
  qb_commit_info info;
  for (int i = 0; i < 3; i++) {
    qbt_setprop p = {"k", "v", 0, 0, 0};
    CHECK_OK(qb_table_commit(t, qbt_set_property, &p, &info, &err), &err);
  }
  CHECK(!info.used_lock); /* radosgw honours If-None-Match: the probe found it */
  CHECK_EQ_INT(qb_fileio_s3_conditional_put(io), QB_S3_COND_HONOURED);
  qb_table_free(t);
  char *hint = qb_str_printf("%s/db/t1/metadata/version-hint.text", wh);
  CHECK_OK(qb_fileio_delete(io, hint, &err), &err);
  CHECK_OK(qb_table_load(&t, cat, "db.t1", &err), &err);
  CHECK_EQ_INT(qb_table_version(t), 4);
  qb_table_free(t);
  CHECK_FAIL(qb_catalog_rename_table(cat, "db.t1", "db.t9", &err), QB_EUNSUPPORTED, &err, "cannot rename");
  CHECK_OK(qb_catalog_drop_table(cat, "db.t1", true, &err), &err);
  CHECK_FAIL(qb_table_load(&t, cat, "db.t1", &err), QB_ENOTFOUND, &err, "no metadata file");
  buf[0] = '\0';
  CHECK_OK(qb_catalog_list_tables(cat, "db", collect_cb, buf, &err), &err);
  CHECK_EQ_STR(buf, "db.t2");
  free(hint);
  qb_catalog_free(cat);
  qb_fileio_free(io);
  free(wh);
}

typedef struct worker {
  qb_catalog *cat;
  int id, commits, done;
  bool used_lock;
  char msg[1200];
} worker;

static void *worker_main(void *arg)
{
  worker *w = arg;
  qb_err err = QB_ERR_INIT;
  qb_table *t;
  if (qb_table_load(&t, w->cat, "db.t", &err)) {
    snprintf(w->msg, sizeof w->msg, "%s", err.msg);
    return NULL;
  }
  for (int j = 0; j < w->commits; j++) {
    char key[32];
    snprintf(key, sizeof key, "w-%d-%d", w->id, j);
    qbt_setprop sp = {key, "1", 0, 0, 0};
    qb_commit_info info;
    if (qb_table_commit(t, qbt_set_property, &sp, &info, &err)) {
      snprintf(w->msg, sizeof w->msg, "commit %s: %s", key, err.msg);
      break;
    }
    w->used_lock = info.used_lock;
    w->done++;
  }
  qb_table_free(t);
  return NULL;
}

/* n writers x per commits on one S3 table, as threads or processes; every commit lands once, linearly */
static void race(qb_s3_cond_mode cond, qb_commit_mode mode, bool processes, int n, int per, bool expect_lock)
{
  qb_err err = QB_ERR_INIT;
  qb_fileio *io = open_io(cond);
  CHECK(io != NULL);
  char *wh = new_warehouse(io);
  qb_catalog *cat;
  CHECK_OK(open_cat(&cat, wh, io, mode, &err), &err);
  qbt_make mk = {FAST_RETRIES};
  CHECK_OK(qb_catalog_create_table(NULL, cat, "db.t", qbt_make_table, &mk, NULL, &err), &err);
  int64_t t0 = qb_mono_ns();
  worker w[8];
  pthread_t th[8];
  pid_t pids[8];
  fflush(NULL);
  for (int i = 0; i < n; i++) {
    w[i] = (worker){cat, i, per, 0, false, ""};
    if (!processes) {
      CHECK(pthread_create(&th[i], NULL, worker_main, &w[i]) == 0);
      continue;
    }
    pids[i] = fork();
    CHECK(pids[i] >= 0);
    if (pids[i] == 0) {
      /* a process of its own: its own connections and probe, as a separate qberg would have */
      qb_fileio *cio = open_io(cond);
      qb_catalog *ccat;
      if (!cio || open_cat(&ccat, wh, cio, mode, &err)) _exit(3);
      w[i].cat = ccat;
      worker_main(&w[i]);
      if (w[i].msg[0]) fprintf(stderr, "  process %d: %s\n", i, w[i].msg);
      _exit(w[i].done == per && w[i].used_lock == expect_lock ? 0 : 1);
    }
  }
  for (int i = 0; i < n; i++) {
    if (processes) {
      int st;
      CHECK(waitpid(pids[i], &st, 0) == pids[i]);
      EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    } else {
      pthread_join(th[i], NULL);
      if (w[i].msg[0]) fprintf(stderr, "  worker %d: %s\n", i, w[i].msg);
      EXPECT(w[i].done == per && w[i].used_lock == expect_lock);
    }
  }
  int64_t ms = (qb_mono_ns() - t0) / 1000000;
  char *root = qb_str_printf("%s/db/t", wh);
  CHECK_EQ_INT(qbt_verify_history(cat, root, 1 + n * per, 1), 1 + n * per);
  fprintf(stderr, "  S3 %d %s x %d commits (%s): %lld ms\n", n, processes ? "processes" : "threads", per,
          expect_lock ? "lock" : "If-None-Match", (long long)ms);
  free(root);
  qb_catalog_free(cat);
  qb_fileio_free(io);
  free(wh);
}

QB_TEST(s3_threads_race_if_none_match) { race(QB_S3_COND_AUTO, QB_COMMIT_AUTO, false, 8, 10, false); }

/* a FileIO that never sends If-None-Match (Garage ignores it): the catalog must fall back to the lock */
QB_TEST(s3_threads_race_lock_fallback) { race(QB_S3_COND_OFF, QB_COMMIT_AUTO, false, 8, 10, true); }

QB_TEST(s3_processes_8x100_if_none_match) { race(QB_S3_COND_AUTO, QB_COMMIT_AUTO, true, 8, 100, false); }

/* the full figure with the lock fallback forced on: 8 processes x 100 commits */
QB_TEST(s3_processes_8x100_lock) { race(QB_S3_COND_OFF, QB_COMMIT_AUTO, true, 8, 100, true); }
