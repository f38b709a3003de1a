/* SPDX-License-Identifier: Apache-2.0 */
/* Commits under concurrency: threads and processes racing on one table land every commit exactly once on
 * a linear history, with create-exclusive and with the lock; retries and their limit; the lock's lease
 * (stale tickets broken) and fencing (a paused holder must not publish); outcome-unknown writes; old
 * metadata deletion; and SIGKILL at random points leaving the table at an acknowledged version. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include "catalog/catalog_int.h"
#include "harness.h"
#include "io/faulty.h"
#include "io/fileio_int.h"
#include "qberg/catalog.h"
#include "qberg/fsck.h"
#include "qberg/maintenance.h"
#include "support/meta_doc.h"
#include "util/clock.h"
#include "util/str.h"

/* Heavy runs shrink under sanitizers/valgrind (same code paths, fewer rounds). */
static int scaled(int n)
{
  if (getenv("QB_VALGRIND") && *getenv("QB_VALGRIND") == '1') return n / 8 > 2 ? n / 8 : 2;
  if (getenv("QB_SANITIZED")) return n / 2 > 2 ? n / 2 : 2;
  return n;
}

/* ...and their waits grow with the slowdown */
static int slowdown(void)
{
  if (getenv("QB_VALGRIND") && *getenv("QB_VALGRIND") == '1') return 30;
  return getenv("QB_SANITIZED") ? 3 : 1;
}

static bool file_exists(const char *path) { return access(path, F_OK) == 0; }

/* ---- a FileIO wrapper: hides capabilities, injects outcome-unknown writes, kills itself at call N ---- */

typedef struct wrap_io {
  qb_fileio base;
  struct qb_fileio_ops ops;
  qb_fileio *inner;
  const char *unknown_suffix; /* writes to paths ending so report QB_ECOMMIT_UNKNOWN... */
  bool unknown_published;     /* ...after publishing (true) or without publishing (false) */
  int unknown_count;          /* how many such writes to spoil */
  long calls;                 /* FileIO calls made */
  long kill_at;               /* raise SIGKILL at this call (0 = never) */
  const char *after_suffix;   /* once a write to a path ending so is closed (published): */
  void (*after)(void *ctx);   /* run this, as if the writer were descheduled right there */
  void *after_ctx;
} wrap_io;

typedef struct wrap_writer {
  qb_writer base;
  wrap_io *io;
  qb_writer *inner;
} wrap_writer;

static void count_call(wrap_io *w)
{
  if (++w->calls == w->kill_at) raise(SIGKILL);
}

static int ww_write(qb_writer *wb, const void *p, size_t n, qb_err *err)
{
  return qb_writer_write(((wrap_writer *)wb)->inner, p, n, err);
}

static void ww_free(wrap_writer *w)
{
  free(w->base.path);
  free(w);
}

static int ww_close(qb_writer *wb, qb_err *err)
{
  wrap_writer *w = (wrap_writer *)wb;
  wrap_io *io = w->io;
  count_call(io);
  bool spoil = io->unknown_count > 0 && io->unknown_suffix && qb_str_has_suffix(wb->path, io->unknown_suffix);
  int rc;
  if (spoil && !io->unknown_published) {
    qb_writer_abort(w->inner);
    rc = QB_FAIL(err, QB_ECOMMIT_UNKNOWN, "%s: timed out (injected)", wb->path);
  } else {
    rc = qb_writer_close(w->inner, err);
    if (spoil && rc == QB_OK) rc = QB_FAIL(err, QB_ECOMMIT_UNKNOWN, "%s: timed out after upload (injected)", wb->path);
  }
  if (spoil) io->unknown_count--;
  count_call(io);
  if (rc == QB_OK && io->after && io->after_suffix && qb_str_has_suffix(wb->path, io->after_suffix)) {
    void (*after)(void *) = io->after;
    io->after = NULL; /* once */
    after(io->after_ctx);
  }
  ww_free(w);
  return rc;
}

static void ww_abort(qb_writer *wb)
{
  wrap_writer *w = (wrap_writer *)wb;
  qb_writer_abort(w->inner);
  ww_free(w);
}

static const struct qb_writer_ops wrap_writer_ops = {ww_write, ww_close, ww_abort};

static int wr_open_read(qb_fileio *io, const char *path, qb_file **out, qb_err *err)
{
  wrap_io *w = (wrap_io *)io;
  count_call(w);
  return qb_fileio_open_read(out, w->inner, path, err);
}

static int wr_create(qb_fileio *io, const char *path, qb_create_mode mode, qb_writer **out, qb_err *err)
{
  wrap_io *w = (wrap_io *)io;
  count_call(w);
  wrap_writer *ww = calloc(1, sizeof *ww);
  if (!ww) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  int rc = qb_fileio_create(&ww->inner, w->inner, path, mode, err);
  if (rc) {
    free(ww);
    return rc;
  }
  ww->base.ops = &wrap_writer_ops;
  ww->base.path = strdup(path);
  ww->io = w;
  *out = &ww->base;
  return QB_OK;
}

static int wr_stat(qb_fileio *io, const char *path, qb_stat *out, qb_err *err)
{
  wrap_io *w = (wrap_io *)io;
  count_call(w);
  return qb_fileio_stat(w->inner, path, out, err);
}

static int wr_remove(qb_fileio *io, const char *path, qb_err *err)
{
  wrap_io *w = (wrap_io *)io;
  count_call(w);
  return qb_fileio_delete(w->inner, path, err);
}

static int wr_list(qb_fileio *io, const char *prefix, qb_list_fn fn, void *ctx, qb_err *err)
{
  wrap_io *w = (wrap_io *)io;
  count_call(w);
  return qb_fileio_list(w->inner, prefix, fn, ctx, err);
}

static void wr_free(qb_fileio *io)
{
  wrap_io *w = (wrap_io *)io;
  qb_fileio_free(w->inner);
  free(w);
}

static wrap_io *wrap_new(bool create_excl)
{
  wrap_io *w = calloc(1, sizeof *w);
  qb_err err = QB_ERR_INIT;
  if (!w || qb_fileio_local_new(&w->inner, &err)) {
    free(w);
    return NULL;
  }
  w->ops = *w->inner->ops;
  w->ops.name = "wrapped-local";
  if (!create_excl) w->ops.caps &= ~(unsigned)QB_IO_CREATE_EXCL;
  w->ops.open_read = wr_open_read;
  w->ops.create = wr_create;
  w->ops.stat = wr_stat;
  w->ops.remove = wr_remove;
  w->ops.list = wr_list;
  w->ops.free = wr_free;
  w->base.ops = &w->ops;
  w->base.caps = w->ops.caps;
  w->base.dir = w->inner->dir;
  return w;
}

/* ---- helpers ---- */

#define FAST_RETRIES                                                                                    \
  "{\"commit.retry.num-retries\":\"100000\",\"commit.retry.min-wait-ms\":\"1\","                         \
  "\"commit.retry.max-wait-ms\":\"32\",\"commit.retry.total-timeout-ms\":\"120000\"}"

static int open_cat(qb_catalog **out, const char *wh, qb_commit_mode mode, int64_t lease_ms, qb_fileio *io,
                    qb_err *err)
{
  qb_catalog_options o = QB_CATALOG_OPTIONS_INIT;
  o.commit_mode = mode;
  o.lock_lease_ms = lease_ms;
  o.io = io;
  return qb_catalog_open(out, wh, &o, err);
}

static int64_t verify_history(qb_catalog *cat, const char *wh, int64_t expect_versions, int64_t count_from)
{
  char *root = qb_str_printf("%s/db/t", wh);
  int64_t r = qbt_verify_history(cat, root, expect_versions, count_from);
  free(root);
  return r;
}

/* Does the current metadata of db.t hold key? */
/* Commits properties PREFIX-0 .. PREFIX-<n-1>, one commit each. */
static int commit_keys(qb_table *t, const char *prefix, int n, qb_err *err)
{
  for (int i = 0; i < n; i++) {
    char key[32];
    snprintf(key, sizeof key, "%s-%d", prefix, i);
    qbt_setprop p = {key, "1", 0, 0, 0};
    int rc = qb_table_commit(t, qbt_set_property, &p, NULL, err);
    if (rc) return rc;
  }
  return QB_OK;
}

static bool has_key(qb_catalog *cat, const char *key)
{
  qb_table *t;
  qb_err err = QB_ERR_INIT;
  if (qb_table_load(&t, cat, "db.t", &err)) return false;
  char *v = qbt_get_property(qb_table_metadata_json(t).p, qb_table_metadata_json(t).n, key);
  qb_table_free(t);
  bool r = v != NULL;
  free(v);
  return r;
}

/* ---- threads ---- */

typedef struct worker {
  qb_catalog *cat;
  int id, commits;
  int done;
  int attempts;
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
    w->attempts += info.attempts;
    w->done++;
  }
  qb_table_free(t);
  return NULL;
}

static void thread_race(qb_commit_mode mode, int nthreads, int per_thread)
{
  qb_err err = QB_ERR_INIT;
  char *wh = qb_str_printf("%s/wh", qb_test_tmpdir());
  qb_catalog *cat;
  CHECK_OK(open_cat(&cat, wh, mode, 1000, NULL, &err), &err);
  qbt_make mk = {FAST_RETRIES};
  CHECK_OK(qb_catalog_create_table(NULL, cat, "db.t", qbt_make_table, &mk, NULL, &err), &err);
  worker w[16];
  pthread_t th[16];
  for (int i = 0; i < nthreads; i++) {
    w[i] = (worker){cat, i, per_thread, 0, 0, ""};
    CHECK(pthread_create(&th[i], NULL, worker_main, &w[i]) == 0);
  }
  int total = 0, attempts = 0;
  for (int i = 0; i < nthreads; i++) {
    pthread_join(th[i], NULL);
    if (w[i].msg[0]) fprintf(stderr, "  worker %d: %s\n", i, w[i].msg);
    EXPECT(w[i].done == per_thread);
    total += w[i].done;
    attempts += w[i].attempts;
  }
  CHECK_EQ_INT(total, nthreads * per_thread);
  CHECK(attempts >= total);
  CHECK_EQ_INT(verify_history(cat, wh, 1 + total, 1), 1 + total);
  for (int i = 0; i < nthreads; i++)
    for (int j = 0; j < per_thread; j++) {
      char key[32];
      snprintf(key, sizeof key, "w-%d-%d", i, j);
      EXPECT(has_key(cat, key));
    }
  if (getenv("QB_TEST_VERBOSE"))
    fprintf(stderr, "  %d threads x %d commits: %d attempts\n", nthreads, per_thread, attempts);
  qb_catalog_free(cat);
  free(wh);
}

QB_TEST(threads_race_create_exclusive) { thread_race(QB_COMMIT_EXCLUSIVE, 8, scaled(25)); }

QB_TEST(threads_race_lock) { thread_race(QB_COMMIT_LOCK, 8, scaled(12)); }

/* ---- qb_fsck after the races and crashes: every metadata-log file there, parents and refs consistent ---- */

typedef struct fsck_count {
  int other, hint;
} fsck_count;

static int fsck_problem(void *ctx, const qb_fsck_problem *p, qb_err *err)
{
  (void)err;
  fsck_count *c = ctx;
  /* the hint is written after the publish, best effort: a kill in between (or a slower writer of an older
   * hint) leaves it behind, and loads probe forward past it */
  if (!strcmp(p->check, "version-hint")) {
    c->hint++;
    return QB_OK;
  }
  fprintf(stderr, "  fsck: %s: %s: %s %s %s %s\n", p->check, p->file ? p->file : "-", p->field ? p->field : "",
          p->expected ? p->expected : "", p->found ? p->found : "", p->detail ? p->detail : "");
  c->other++;
  return QB_OK;
}

/* Problems other than a stale version hint (counted in *hint). */
static int fsck_table(qb_catalog *cat, int *hint)
{
  qb_err err = QB_ERR_INIT;
  qb_table *t;
  fsck_count c = {0, 0};
  if (qb_table_load(&t, cat, "db.t", &err)) return 1000;
  qb_fsck_options o = QB_FSCK_OPTIONS_INIT;
  o.on_problem = fsck_problem;
  o.ctx = &c;
  qb_fsck_report rep;
  int rc = qb_fsck(t, &o, &rep, &err);
  qb_table_free(t);
  if (rc) fprintf(stderr, "  fsck: %s\n", err.msg);
  *hint = c.hint;
  return rc ? 1000 : c.other;
}

/* ---- processes: 8 x 100 commits on one table ---- */

static void process_race(qb_commit_mode mode, int nproc, int per_proc)
{
  qb_err err = QB_ERR_INIT;
  char *wh = qb_str_printf("%s/wh", qb_test_tmpdir());
  qb_catalog *cat;
  CHECK_OK(open_cat(&cat, wh, mode, 1000, NULL, &err), &err);
  qbt_make mk = {FAST_RETRIES};
  CHECK_OK(qb_catalog_create_table(NULL, cat, "db.t", qbt_make_table, &mk, NULL, &err), &err);
  fflush(NULL);
  pid_t pids[16];
  int64_t t0 = qb_mono_ns();
  for (int i = 0; i < nproc; i++) {
    pids[i] = fork();
    CHECK(pids[i] >= 0);
    if (pids[i] == 0) {
      worker w = {cat, i, per_proc, 0, 0, ""};
      worker_main(&w);
      if (w.msg[0]) fprintf(stderr, "  process %d: %s\n", i, w.msg);
      _exit(w.done == per_proc ? 0 : 1);
    }
  }
  for (int i = 0; i < nproc; i++) {
    int st;
    CHECK(waitpid(pids[i], &st, 0) == pids[i]);
    EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  }
  int64_t ms = (qb_mono_ns() - t0) / 1000000;
  int total = nproc * per_proc;
  CHECK_EQ_INT(verify_history(cat, wh, 1 + total, 1), 1 + total);
  for (int i = 0; i < nproc; i++)
    for (int j = 0; j < per_proc; j++) {
      char key[32];
      snprintf(key, sizeof key, "w-%d-%d", i, j);
      EXPECT(has_key(cat, key));
    }
  int hint;
  CHECK_EQ_INT(fsck_table(cat, &hint), 0);
  fprintf(stderr, "  %d processes x %d commits (%s): %lld ms\n", nproc, per_proc,
          mode == QB_COMMIT_LOCK ? "lock" : "create-exclusive", (long long)ms);
  qb_catalog_free(cat);
  free(wh);
}

QB_TEST(processes_8x100_create_exclusive) { process_race(QB_COMMIT_EXCLUSIVE, 8, scaled(100)); }

QB_TEST(processes_8x100_lock) { process_race(QB_COMMIT_LOCK, 8, scaled(100)); }

/* ---- processes: create-if-not-exists, then append, on a fresh table ---- */

/* Load db.t, creating it when there is none; a lost create race (QB_EEXISTS) loads the winner's table.
 * *created says whether this process created it. */
static int load_or_create(qb_table **out, qb_catalog *cat, bool purge, bool *created, qb_err *err)
{
  static const char sj[] = "{\"type\":\"struct\",\"schema-id\":0,\"fields\":[{\"id\":1,\"name\":\"id\","
                           "\"required\":true,\"type\":\"long\"},{\"id\":2,\"name\":\"v\",\"required\":false,"
                           "\"type\":\"string\"}]}";
  static const qb_kv props[] = {{"commit.retry.num-retries", "100000"},
                                {"commit.retry.min-wait-ms", "1"},
                                {"commit.retry.max-wait-ms", "32"},
                                {"commit.retry.total-timeout-ms", "120000"},
                                {"write.metadata.delete-after-commit.enabled", "true"},
                                {"write.metadata.previous-versions-max", "5"}};
  size_t n_props = sizeof props / sizeof props[0] - (purge ? 0 : 2);
  *created = false;
  for (int tries = 0; tries < 100; tries++) {
    int rc = qb_table_load(out, cat, "db.t", err);
    if (rc != QB_ENOTFOUND) return rc;
    qb_err_clear(err);
    qb_schema *schema;
    if ((rc = qb_schema_parse_json(&schema, sj, sizeof sj - 1, err))) return rc;
    qb_table_def def = {schema, NULL, NULL, props, n_props};
    rc = qb_catalog_create_table_def(out, cat, "db.t", &def, NULL, err);
    qb_schema_free(schema);
    if (rc == QB_OK) {
      *created = true;
      return QB_OK;
    }
    if (rc != QB_EEXISTS) return rc;
    qb_err_clear(err);
  }
  return QB_FAIL(err, QB_EINTERNAL, "db.t neither loads nor can be created");
}

/* One round: nproc processes each create-if-not-exists db.t in a fresh warehouse and commit per_proc
 * changes. Exactly one creates it; v1 and every later version exist; the history is linear. With `purge`
 * old metadata files are deleted as commits go (previous-versions-max=5, 8 writers), under the loads of others:
 * every commit must still land once. */
static void create_race_round(qb_commit_mode mode, bool purge, int round, int nproc, int per_proc)
{
  qb_err err = QB_ERR_INIT;
  char *wh = qb_str_printf("%s/wh-%d", qb_test_tmpdir(), round);
  qb_catalog *cat;
  CHECK_OK(open_cat(&cat, wh, mode, 1000, NULL, &err), &err);
  fflush(NULL);
  pid_t pids[16];
  for (int i = 0; i < nproc; i++) {
    pids[i] = fork();
    CHECK(pids[i] >= 0);
    if (pids[i] == 0) {
      qb_catalog *ccat; /* a catalog of its own, as a separate qberg process has */
      qb_table *t;
      bool created;
      if (open_cat(&ccat, wh, mode, 1000, NULL, &err) || load_or_create(&t, ccat, purge, &created, &err)) {
        fprintf(stderr, "  round %d process %d: %s\n", round, i, err.msg);
        _exit(1);
      }
      for (int j = 0; j < per_proc; j++) {
        char key[32];
        snprintf(key, sizeof key, "w-%d-%d", i, j);
        qb_kv kv = {key, "1"};
        if (qb_table_set_properties(t, &kv, 1, NULL, 0, NULL, &err)) {
          fprintf(stderr, "  round %d process %d commit %d: %s\n", round, i, j, err.msg);
          _exit(1);
        }
      }
      qb_table_free(t);
      qb_catalog_free(ccat);
      _exit(created ? 10 : 0);
    }
  }
  int creators = 0;
  for (int i = 0; i < nproc; i++) {
    int st;
    CHECK(waitpid(pids[i], &st, 0) == pids[i]);
    EXPECT(WIFEXITED(st) && (WEXITSTATUS(st) == 0 || WEXITSTATUS(st) == 10));
    creators += WIFEXITED(st) && WEXITSTATUS(st) == 10;
  }
  CHECK_EQ_INT(creators, 1);
  int total = nproc * per_proc;
  if (!purge) {
    CHECK_EQ_INT(verify_history(cat, wh, 1 + total, 1), 1 + total);
  } else {
    qb_table *t;
    CHECK_OK(qb_table_load(&t, cat, "db.t", &err), &err);
    CHECK_EQ_INT(qb_table_version(t), 1 + total);
    qb_table_free(t);
    for (int i = 0; i < nproc; i++)
      for (int j = 0; j < per_proc; j++) {
        char key[32];
        snprintf(key, sizeof key, "w-%d-%d", i, j);
        EXPECT(has_key(cat, key));
      }
  }
  char *hint = qb_str_printf("%s/db/t/metadata/version-hint.text", wh);
  uint8_t *h;
  size_t hn;
  CHECK_OK(qb_fileio_read_all(&h, &hn, qb_catalog_io(cat), hint, 64, &err), &err);
  /* the hint is a whole number naming an existing version (writers may leave it a little behind) */
  char num[32];
  snprintf(num, sizeof num, "%.*s", (int)(hn < 31 ? hn : 31), (const char *)h);
  char *end;
  long hv = strtol(num, &end, 10);
  EXPECT(hn > 0 && *end == '\0' && hv >= 1 && hv <= 1 + total);
  free(h);
  free(hint);
  qb_catalog_free(cat);
  free(wh);
}

static void create_race(qb_commit_mode mode, bool purge, int rounds, int nproc, int per_proc)
{
  int64_t t0 = qb_mono_ns();
  int failed_before = qb__failed_checks;
  for (int r = 0; r < rounds && qb__failed_checks == failed_before; r++) create_race_round(mode, purge, r, nproc, per_proc);
  fprintf(stderr, "  %d rounds of %d processes create-if-not-exists + %d commits (%s%s): %lld ms\n", rounds, nproc,
          per_proc, mode == QB_COMMIT_LOCK ? "lock" : "create-exclusive", purge ? ", old metadata deleted" : "",
          (long long)((qb_mono_ns() - t0) / 1000000));
}

QB_TEST(create_race_20_rounds_create_exclusive) { create_race(QB_COMMIT_EXCLUSIVE, false, scaled(20), 8, 5); }

QB_TEST(create_race_lock) { create_race(QB_COMMIT_LOCK, false, scaled(6), 8, 3); }

QB_TEST(create_race_deleting_old_metadata) { create_race(QB_COMMIT_EXCLUSIVE, true, scaled(20), 8, 5); }

/* ---- retries ---- */

QB_TEST(lost_race_retries_then_gives_up)
{
  qb_err err = QB_ERR_INIT;
  char *wh = qb_str_printf("%s/wh", qb_test_tmpdir());
  qb_catalog *cat;
  CHECK_OK(qb_catalog_open(&cat, wh, NULL, &err), &err);
  qbt_make mk = {"{\"commit.retry.num-retries\":\"0\",\"commit.retry.min-wait-ms\":\"1\"}"};
  CHECK_OK(qb_catalog_create_table(NULL, cat, "db.t", qbt_make_table, &mk, NULL, &err), &err);
  qb_table *a, *b;
  CHECK_OK(qb_table_load(&a, cat, "db.t", &err), &err);
  CHECK_OK(qb_table_load(&b, cat, "db.t", &err), &err);
  qbt_setprop pa = {"w-a", "1", 0, 0, 0}, pb = {"w-b", "1", 0, 0, 0};
  CHECK_OK(qb_table_commit(a, qbt_set_property, &pa, NULL, &err), &err);
  /* b still at v1: its v2 is taken, and no retry is allowed */
  qb_commit_info info;
  CHECK_FAIL(qb_table_commit(b, qbt_set_property, &pb, &info, &err), QB_ECONFLICT, &err,
             "gave up after 1 attempts");
  CHECK(strstr(err.msg, "commit.retry.num-retries=0") && strstr(err.msg, "committed by another writer"));
  CHECK(!has_key(cat, "w-b") && has_key(cat, "w-a"));
  /* with one retry allowed the same change rebases on v2 and lands as v3 */
  qbt_setprop pc = {"w-c", "1", 0, 0, 0};
  qb_table *c;
  CHECK_OK(qb_table_load(&c, cat, "db.t", &err), &err);
  CHECK_OK(qb_table_commit(a, qbt_set_property, &pa, NULL, &err), &err); /* v3 by a; c is stale */
  qbt_setprop one = {"commit.retry.num-retries", "1", 0, 0, 0};
  CHECK_OK(qb_table_commit(a, qbt_set_property, &one, NULL, &err), &err); /* v4 */
  qb_table_free(c);
  CHECK_OK(qb_table_load(&c, cat, "db.t", &err), &err);
  CHECK_OK(qb_table_commit(a, qbt_set_property, &pa, NULL, &err), &err); /* v5: c (at v4) is stale again */
  CHECK_OK(qb_table_commit(c, qbt_set_property, &pc, &info, &err), &err);
  CHECK_EQ_INT(info.attempts, 2);
  CHECK_EQ_INT(info.version, 6);
  CHECK_EQ_INT(pc.calls, 2);
  CHECK_EQ_INT(pc.seen_version, 5);
  CHECK(has_key(cat, "w-c"));
  qb_table_free(a);
  qb_table_free(b);
  qb_table_free(c);
  qb_catalog_free(cat);
  free(wh);
}

static int refuse_on_retry(void *ctx, const qb_commit_base *base, uint8_t **out, size_t *out_n, qb_err *err)
{
  qbt_setprop *sp = ctx;
  if (base->attempt > 1) {
    sp->calls++;
    return QB_FAIL(err, QB_ECONFLICT, "file x.parquet was deleted by a concurrent commit");
  }
  return qbt_set_property(ctx, base, out, out_n, err);
}

QB_TEST(rebase_refusal_is_final)
{
  qb_err err = QB_ERR_INIT;
  char *wh = qb_str_printf("%s/wh", qb_test_tmpdir());
  qb_catalog *cat;
  CHECK_OK(qb_catalog_open(&cat, wh, NULL, &err), &err);
  CHECK_OK(qb_catalog_create_table(NULL, cat, "db.t", qbt_make_table, NULL, NULL, &err), &err);
  qb_table *a, *b;
  CHECK_OK(qb_table_load(&a, cat, "db.t", &err), &err);
  CHECK_OK(qb_table_load(&b, cat, "db.t", &err), &err);
  qbt_setprop pa = {"w-a", "1", 0, 0, 0}, pb = {"w-b", "1", 0, 0, 0};
  CHECK_OK(qb_table_commit(a, qbt_set_property, &pa, NULL, &err), &err);
  CHECK_FAIL(qb_table_commit(b, refuse_on_retry, &pb, NULL, &err), QB_ECONFLICT, &err, "deleted by a concurrent");
  CHECK_EQ_INT(pb.calls, 2); /* first attempt + the refusal: no further retries */
  char *v3 = qb_str_printf("%s/db/t/metadata/v3.metadata.json", wh);
  CHECK(!file_exists(v3));
  free(v3);
  qb_table_free(a);
  qb_table_free(b);
  qb_catalog_free(cat);
  free(wh);
}

QB_TEST(table_replaced_under_a_handle)
{
  qb_err err = QB_ERR_INIT;
  char *wh = qb_str_printf("%s/wh", qb_test_tmpdir());
  qb_catalog *cat;
  CHECK_OK(qb_catalog_open(&cat, wh, NULL, &err), &err);
  CHECK_OK(qb_catalog_create_table(NULL, cat, "db.t", qbt_make_table, NULL, NULL, &err), &err);
  qb_table *old;
  CHECK_OK(qb_table_load(&old, cat, "db.t", &err), &err);
  CHECK_OK(qb_catalog_drop_table(cat, "db.t", false, &err), &err);
  qb_table *t;
  CHECK_OK(qb_catalog_create_table(&t, cat, "db.t", qbt_make_table, NULL, NULL, &err), &err);
  qbt_setprop p = {"k", "v", 0, 0, 0};
  CHECK_OK(qb_table_commit(t, qbt_set_property, &p, NULL, &err), &err);
  qbt_setprop q = {"w-old", "1", 0, 0, 0};
  CHECK_FAIL(qb_table_commit(old, qbt_set_property, &q, NULL, &err), QB_ECONFLICT, &err, "was replaced");
  CHECK(!has_key(cat, "w-old"));
  qb_table_free(old);
  qb_table_free(t);
  qb_catalog_free(cat);
  free(wh);
}

/* ---- modes ---- */

QB_TEST(commit_modes_follow_the_store)
{
  qb_err err = QB_ERR_INIT;
  char *wh = qb_str_printf("%s/wh", qb_test_tmpdir());
  wrap_io *w = wrap_new(false); /* a store without create-exclusive, like Garage */
  CHECK(w != NULL);
  qb_catalog *cat;
  CHECK_OK(open_cat(&cat, wh, QB_COMMIT_EXCLUSIVE, 0, &w->base, &err), &err);
  CHECK_FAIL(qb_catalog_create_table(NULL, cat, "db.t", qbt_make_table, NULL, NULL, &err), QB_EUNSUPPORTED, &err,
             "does not honour create-exclusive");
  qb_catalog_free(cat);
  CHECK_OK(open_cat(&cat, wh, QB_COMMIT_AUTO, 0, &w->base, &err), &err);
  qb_commit_info info;
  qb_table *t;
  CHECK_OK(qb_catalog_create_table(&t, cat, "db.t", qbt_make_table, NULL, &info, &err), &err);
  CHECK(info.used_lock); /* auto falls back to the lock */
  qbt_setprop p = {"k", "v", 0, 0, 0};
  CHECK_OK(qb_table_commit(t, qbt_set_property, &p, &info, &err), &err);
  CHECK(info.used_lock && info.version == 2);
  /* the lock left nothing behind */
  char *lockdir = qb_str_printf("%s/db/t/metadata/_qberg_lock", wh);
  char *cmd = qb_str_printf("test -z \"$(ls -A '%s')\"", lockdir);
  CHECK(system(cmd) == 0);
  free(cmd);
  free(lockdir);
  qb_table_free(t);
  qb_catalog_free(cat);
  qb_fileio_free(&w->base);
  free(wh);
}

/* ---- the lock: stale tickets are broken after the lease; a paused holder must not publish ---- */

static void put_file(const char *path, const char *text, int64_t age_s)
{
  FILE *f = fopen(path, "w");
  if (f) {
    fputs(text, f);
    fclose(f);
  }
  if (age_s) {
    struct utimbuf ut = {time(NULL) - age_s, time(NULL) - age_s};
    utime(path, &ut);
  }
}

QB_TEST(stale_lock_broken_after_lease)
{
  qb_err err = QB_ERR_INIT;
  char *wh = qb_str_printf("%s/wh", qb_test_tmpdir());
  qb_catalog *cat;
  const int64_t lease = 400;
  CHECK_OK(open_cat(&cat, wh, QB_COMMIT_LOCK, lease, NULL, &err), &err);
  qb_table *t;
  CHECK_OK(qb_catalog_create_table(&t, cat, "db.t", qbt_make_table, NULL, NULL, &err), &err);
  char *dir = qb_str_printf("%s/db/t/metadata/_qberg_lock", wh);
  /* a crashed holder's ticket written just now (by wall clock it is fresh: only a lease of silence tells) */
  char *ticket = qb_str_printf("%s/t-00000000000000000001-0000crashed0000", dir);
  char *choosing = qb_str_printf("%s/c-0000crashed0001", dir);
  put_file(ticket, "{}", 0);
  put_file(choosing, "{}", 0);
  qbt_setprop p = {"k", "1", 0, 0, 0};
  int64_t t0 = qb_mono_ns();
  CHECK_OK(qb_table_commit(t, qbt_set_property, &p, NULL, &err), &err);
  int64_t waited = (qb_mono_ns() - t0) / 1000000;
  CHECK(waited >= lease - 20); /* not before the lease ran out */
  CHECK(waited < lease * 5);
  CHECK(!file_exists(ticket) && !file_exists(choosing));
  CHECK_EQ_INT(qb_table_version(t), 2);
  /* an ancient ticket (older than 3 leases by its mtime) is broken at once */
  put_file(ticket, "{}", 3600);
  t0 = qb_mono_ns();
  CHECK_OK(qb_table_commit(t, qbt_set_property, &p, NULL, &err), &err);
  waited = (qb_mono_ns() - t0) / 1000000;
  CHECK(waited < lease / 2);
  CHECK(!file_exists(ticket));
  /* a live holder that keeps renewing is never broken: a waiter times out instead */
  free(ticket);
  free(choosing);
  free(dir);
  qb_table_free(t);
  qb_catalog_free(cat);
  free(wh);
}

typedef struct paused {
  qb_catalog *cat;
  qbt_setprop sp;
  int rc;
  qb_commit_info info;
  char msg[1024];
} paused;

static void *paused_main(void *arg)
{
  paused *p = arg;
  qb_err err = QB_ERR_INIT;
  qb_table *t;
  p->rc = qb_table_load(&t, p->cat, "db.t", &err);
  if (p->rc == QB_OK) {
    p->rc = qb_table_commit(t, qbt_set_property, &p->sp, &p->info, &err);
    qb_table_free(t);
  }
  memcpy(p->msg, err.msg, sizeof p->msg);
  return NULL;
}

static void fencing_case(const char *retries, bool expect_landed)
{
  qb_err err = QB_ERR_INIT;
  char *wh = qb_str_printf("%s/wh", qb_test_tmpdir());
  qb_catalog *cat;
  const int lease = 400;
  CHECK_OK(open_cat(&cat, wh, QB_COMMIT_LOCK, lease, NULL, &err), &err);
  CHECK_OK(qb_catalog_create_table(NULL, cat, "db.t", qbt_make_table, NULL, NULL, &err), &err);
  qb_table *t;
  CHECK_OK(qb_table_load(&t, cat, "db.t", &err), &err);
  qbt_setprop r = {"commit.retry.num-retries", retries, 0, 0, 0};
  CHECK_OK(qb_table_commit(t, qbt_set_property, &r, NULL, &err), &err); /* v2 */
  /* A takes the lock and pauses for three leases inside its change */
  paused a = {cat, {"w-a", "1", 0, 3 * lease, 0}, -1, {0}, ""};
  pthread_t th;
  CHECK(pthread_create(&th, NULL, paused_main, &a) == 0);
  usleep(100 * 1000);
  /* B waits, finds A's ticket silent for a lease, breaks it and commits v3 */
  qbt_setprop b = {"w-b", "1", 0, 0, 0};
  qb_commit_info info;
  CHECK_OK(qb_table_commit(t, qbt_set_property, &b, &info, &err), &err);
  CHECK_EQ_INT(info.version, 3);
  pthread_join(th, NULL);
  /* A woke up without its lease: it did not publish over B. v3 is B's alone. */
  char *v3 = qb_str_printf("%s/db/t/metadata/v3.metadata.json", wh);
  uint8_t *doc;
  size_t n;
  CHECK_OK(qb_fileio_read_all(&doc, &n, qb_catalog_io(cat), v3, 1 << 20, &err), &err);
  char *va = qbt_get_property(doc, n, "w-a"), *vb = qbt_get_property(doc, n, "w-b");
  CHECK(vb && !va);
  free(va);
  free(vb);
  free(doc);
  if (expect_landed) {
    /* with retries A re-took the lock and rebased its change on B's version */
    if (a.rc) fprintf(stderr, "  A: %s\n", a.msg);
    CHECK_EQ_INT(a.rc, QB_OK);
    CHECK_EQ_INT(a.info.version, 4);
    CHECK_EQ_INT(a.sp.seen_version, 3);
    CHECK_EQ_INT(verify_history(cat, wh, 4, 2), 4);
  } else {
    CHECK_EQ_INT(a.rc, QB_ECONFLICT);
    CHECK(strstr(a.msg, "lease lost") || strstr(a.msg, "broken"));
    char *v4 = qb_str_printf("%s/db/t/metadata/v4.metadata.json", wh);
    CHECK(!file_exists(v4));
    free(v4);
  }
  free(v3);
  qb_table_free(t);
  qb_catalog_free(cat);
  free(wh);
}

QB_TEST(fencing_paused_holder_does_not_publish) { fencing_case("0", false); }

QB_TEST(fencing_paused_holder_retries_on_top) { fencing_case("3", true); }

QB_TEST(lock_wait_times_out)
{
  qb_err err = QB_ERR_INIT;
  char *wh = qb_str_printf("%s/wh", qb_test_tmpdir());
  qb_catalog *cat;
  CHECK_OK(open_cat(&cat, wh, QB_COMMIT_LOCK, 10000, NULL, &err), &err);
  qbt_make mk = {"{\"commit.retry.total-timeout-ms\":\"300\"}"};
  qb_table *t;
  CHECK_OK(qb_catalog_create_table(&t, cat, "db.t", qbt_make_table, &mk, NULL, &err), &err);
  /* a live holder (fresh ticket, long lease) keeps the lock past our total timeout */
  char *ticket = qb_str_printf("%s/db/t/metadata/_qberg_lock/t-00000000000000000001-0000alive0000", wh);
  put_file(ticket, "{}", 0);
  qbt_setprop p = {"k", "1", 0, 0, 0};
  int64_t t0 = qb_mono_ns();
  CHECK_FAIL(qb_table_commit(t, qbt_set_property, &p, NULL, &err), QB_ECONFLICT, &err, "timed out waiting");
  CHECK(strstr(err.msg, "t-00000000000000000001-0000alive0000"));
  CHECK((qb_mono_ns() - t0) / 1000000 < 2000);
  CHECK(file_exists(ticket));
  CHECK_EQ_INT(p.calls, 0);
  free(ticket);
  qb_table_free(t);
  qb_catalog_free(cat);
  free(wh);
}

/* ---- outcome unknown ---- */

QB_TEST(outcome_unknown_resolved_by_reading_back)
{
  for (int excl = 1; excl >= 0; excl--) {
    qb_err err = QB_ERR_INIT;
    char *wh = qb_str_printf("%s/wh", qb_test_tmpdir());
    wrap_io *w = wrap_new(excl);
    qb_catalog *cat;
    CHECK_OK(open_cat(&cat, wh, QB_COMMIT_AUTO, 1000, &w->base, &err), &err);
    qb_table *t;
    CHECK_OK(qb_catalog_create_table(&t, cat, "db.t", qbt_make_table, NULL, NULL, &err), &err);
    /* the upload went through but the store timed out: reading back shows our version: committed */
    w->unknown_suffix = "/v2.metadata.json";
    w->unknown_published = true;
    w->unknown_count = 1;
    qbt_setprop p = {"w-1", "1", 0, 0, 0};
    qb_commit_info info;
    CHECK_OK(qb_table_commit(t, qbt_set_property, &p, &info, &err), &err);
    CHECK_EQ_INT(info.version, 2);
    CHECK_EQ_INT(info.attempts, 1);
    CHECK(has_key(cat, "w-1"));
    /* the upload did not arrive (yet): unknown, reported as such, nothing retried or deleted */
    w->unknown_suffix = "/v3.metadata.json";
    w->unknown_published = false;
    w->unknown_count = 1;
    qbt_setprop q = {"w-2", "1", 0, 0, 0};
    CHECK_FAIL(qb_table_commit(t, qbt_set_property, &q, &info, &err), QB_ECOMMIT_UNKNOWN, &err, "outcome unknown");
    CHECK_EQ_INT(q.calls, 1);
    CHECK(!has_key(cat, "w-2"));
    qb_table_free(t);
    qb_catalog_free(cat);
    qb_fileio_free(&w->base);
    free(wh);
  }
}

/* ---- write.metadata.delete-after-commit.enabled ---- */

QB_TEST(old_metadata_deleted_after_commit)
{
  qb_err err = QB_ERR_INIT;
  char *wh = qb_str_printf("%s/wh", qb_test_tmpdir());
  qb_catalog *cat;
  CHECK_OK(qb_catalog_open(&cat, wh, NULL, &err), &err);
  qbt_make mk = {"{\"write.metadata.previous-versions-max\":\"3\","
                 "\"write.metadata.delete-after-commit.enabled\":\"true\"}"};
  qb_table *t;
  CHECK_OK(qb_catalog_create_table(&t, cat, "db.t", qbt_make_table, &mk, NULL, &err), &err);
  int deleted = 0;
  for (int i = 0; i < 6; i++) {
    char key[16];
    snprintf(key, sizeof key, "w-%d", i);
    qbt_setprop p = {key, "1", 0, 0, 0};
    qb_commit_info info;
    CHECK_OK(qb_table_commit(t, qbt_set_property, &p, &info, &err), &err);
    deleted += info.deleted_metadata;
  }
  CHECK_EQ_INT(qb_table_version(t), 7);
  CHECK_EQ_INT(deleted, 3);
  for (int v = 1; v <= 7; v++) {
    char *p = qb_str_printf("%s/db/t/metadata/v%d.metadata.json", wh, v);
    EXPECT(file_exists(p) == (v >= 4)); /* v7 + the 3 versions its metadata-log keeps */
    free(p);
  }
  char *last = NULL;
  CHECK_EQ_INT(qbt_metadata_log(qb_table_metadata_json(t).p, qb_table_metadata_json(t).n, &last), 3);
  free(last);
  /* without the hint the table still loads by listing */
  char *hp = qb_str_printf("%s/db/t/metadata/version-hint.text", wh);
  unlink(hp);
  qb_table *u;
  CHECK_OK(qb_table_load(&u, cat, "db.t", &err), &err);
  CHECK_EQ_INT(qb_table_version(u), 7);
  qb_table_free(u);
  /* switched off: nothing more is deleted */
  qbt_setprop off = {"write.metadata.delete-after-commit.enabled", "false", 0, 0, 0};
  CHECK_OK(qb_table_commit(t, qbt_set_property, &off, NULL, &err), &err);
  qbt_setprop p = {"w-x", "1", 0, 0, 0};
  qb_commit_info info;
  CHECK_OK(qb_table_commit(t, qbt_set_property, &p, &info, &err), &err);
  CHECK_EQ_INT(info.deleted_metadata, 0);
  char *v5 = qb_str_printf("%s/db/t/metadata/v5.metadata.json", wh);
  CHECK(file_exists(v5));
  free(v5);
  free(hp);
  qb_table_free(t);
  qb_catalog_free(cat);
  free(wh);
}

/* `maintain clean-metadata --force` frees old version numbers of a table that does not delete old metadata
 * itself, so no listing check runs on its commits: a writer still on v1 publishes the freed v2
 * create-exclusive. Its freed marker must make it take that file back and land on the real head, not fork
 * the history (before the markers, the table loaded at that v2: four acknowledged commits gone). */
QB_TEST(stale_writer_on_a_version_clean_metadata_freed)
{
  qb_err err = QB_ERR_INIT;
  char *wh = qb_str_printf("%s/wh", qb_test_tmpdir());
  qb_catalog *cat;
  CHECK_OK(qb_catalog_open(&cat, wh, NULL, &err), &err);
  qbt_make mk = {"{\"write.metadata.previous-versions-max\":\"1\"}"};
  qb_table *t, *stale;
  CHECK_OK(qb_catalog_create_table(&t, cat, "db.t", qbt_make_table, &mk, NULL, &err), &err);
  CHECK_OK(qb_table_load(&stale, cat, "db.t", &err), &err);
  CHECK_OK(commit_keys(t, "w", 4, &err), &err);
  CHECK_EQ_INT(qb_table_version(t), 5);
  qb_clean_metadata_options co = QB_CLEAN_METADATA_OPTIONS_INIT;
  co.force = true;
  qb_clean_metadata_report rep;
  CHECK_OK(qb_clean_metadata(t, &co, &rep, &err), &err);
  CHECK_EQ_INT((int)rep.deleted.metadata, 3); /* v1..v3: v5 and the one version its metadata-log keeps stay */
  const qb_table_metadata *tm;
  CHECK_OK(qb_table_get_metadata(&tm, t, &err), &err);
  const char *uuid = qb_table_metadata_uuid(tm);
  CHECK(uuid != NULL);
  for (int v = 1; v <= 5; v++) {
    char *mark = qb_str_printf("%s/db/t/metadata-freed/v%d-%s", wh, v, uuid);
    EXPECT(file_exists(mark) == (v <= 3));
    free(mark);
  }
  qbt_setprop ps = {"w-stale", "1", 0, 0, 0};
  qb_commit_info info;
  CHECK_OK(qb_table_commit(stale, qbt_set_property, &ps, &info, &err), &err);
  CHECK_EQ_INT(info.attempts, 2);
  CHECK_EQ_INT(info.version, 6);
  CHECK_EQ_INT(ps.seen_version, 5);
  char *v2 = qb_str_printf("%s/db/t/metadata/v2.metadata.json", wh);
  CHECK(!file_exists(v2)); /* taken back */
  free(v2);
  qb_table *u;
  CHECK_OK(qb_table_load(&u, cat, "db.t", &err), &err);
  CHECK_EQ_INT(qb_table_version(u), 6);
  qb_table_free(u);
  EXPECT(has_key(cat, "w-stale") && has_key(cat, "w-0") && has_key(cat, "w-3"));
  /* remove-orphans keeps the markers, whatever their age */
  CHECK_OK(qb_table_load(&u, cat, "db.t", &err), &err);
  qb_orphan_options oo = QB_ORPHAN_OPTIONS_INIT;
  oo.dry_run = false;
  oo.older_than_ms = qb_now_ms() + 86400000;
  qb_orphan_report orep;
  CHECK_OK(qb_remove_orphan_files(u, &oo, &orep, &err), &err);
  qb_table_free(u);
  for (int v = 1; v <= 3; v++) {
    char *mark = qb_str_printf("%s/db/t/metadata-freed/v%d-%s", wh, v, uuid);
    EXPECT(file_exists(mark));
    free(mark);
  }
  qb_table_free(t);
  qb_table_free(stale);
  /* dropping the table takes its markers with it: a new table at the same place starts clean */
  CHECK_OK(qb_catalog_drop_table(cat, "db.t", false, &err), &err);
  char *freed = qb_str_printf("%s/db/t/metadata-freed", wh);
  CHECK(!file_exists(freed));
  /* a marker left by an interrupted drop of another table names its uuid: it refuses nothing here but a
   * new table's v1 (which the drop removes first) */
  char *leftover = qb_str_printf("%s/v3-00000000-0000-0000-0000-000000000000", freed);
  CHECK_OK(qb_fileio_write_all(qb_catalog_io(cat), leftover, "", 0, QB_CREATE_OVERWRITE, &err), &err);
  CHECK_OK(qb_catalog_create_table(&t, cat, "db.t", qbt_make_table, &mk, NULL, &err), &err);
  for (int i = 0; i < 3; i++) {
    qbt_setprop p = {"again", "1", 0, 0, 0};
    CHECK_OK(qb_table_commit(t, qbt_set_property, &p, &info, &err), &err);
    CHECK_EQ_INT(info.attempts, 1);
  }
  CHECK_EQ_INT(qb_table_version(t), 4);
  qb_table_free(t);
  free(leftover);
  free(freed);
  qb_catalog_free(cat);
  free(wh);
}

/* A stale writer publishes v2 again after delete-after-commit freed it, and v3 (built on the freed v2) is still
 * there: v3's metadata-log names v2 with the freed file's last-updated-ms. Writers that build on one base
 * within the same millisecond give equal times (pinned here with QB_TEST_NOW), and the stale writer's v2 was
 * taken for the freed one: its commit was acknowledged and lost (seen in create_race_deleting_old_metadata
 * under load). The freed marker records the freed file's size and hash, so the fork is told apart: taken
 * back, and the change lands on a fresh base. */
QB_TEST(stale_writer_same_millisecond_as_the_freed_version)
{
  setenv("QB_TEST_NOW", "1795694400000", 1); /* unix ms: the test documents use it too */
  qb_err err = QB_ERR_INIT;
  char *wh = qb_str_printf("%s/wh", qb_test_tmpdir());
  qb_catalog *cat;
  CHECK_OK(qb_catalog_open(&cat, wh, NULL, &err), &err);
  qbt_make mk = {"{\"write.metadata.previous-versions-max\":\"1\","
                 "\"write.metadata.delete-after-commit.enabled\":\"true\"}"};
  qb_table *t, *stale;
  CHECK_OK(qb_catalog_create_table(&t, cat, "db.t", qbt_make_table, &mk, NULL, &err), &err);
  CHECK_OK(qb_table_load(&stale, cat, "db.t", &err), &err);
  CHECK_OK(commit_keys(t, "w", 3, &err), &err); /* v2..v4; v4's log keeps v3, so v1 and v2 are freed */
  CHECK_EQ_INT(qb_table_version(t), 4);
  char *v2 = qb_str_printf("%s/db/t/metadata/v2.metadata.json", wh);
  char *v3 = qb_str_printf("%s/db/t/metadata/v3.metadata.json", wh);
  CHECK(!file_exists(v2) && file_exists(v3));
  qbt_setprop ps = {"w-stale", "1", 0, 0, 0};
  qb_commit_info info;
  CHECK_OK(qb_table_commit(stale, qbt_set_property, &ps, &info, &err), &err);
  EXPECT(info.attempts == 2 && info.version == 5);
  qb_table *u;
  CHECK_OK(qb_table_load(&u, cat, "db.t", &err), &err);
  EXPECT(qb_table_version(u) == 5);
  qb_table_free(u);
  EXPECT(has_key(cat, "w-stale") && has_key(cat, "w-0") && has_key(cat, "w-2"));
  free(v2);
  free(v3);
  qb_table_free(t);
  qb_table_free(stale);
  qb_catalog_free(cat);
  free(wh);
  unsetenv("QB_TEST_NOW");
}

/* A stale writer's fork of a freed v2 is freed again by `clean-metadata --force` between its publish and its
 * marker check. The marker must keep the first freer's identity: overwritten with the fork's own, the check
 * took the fork for the writer's own freed version and acknowledged a commit that is in no version (found by a
 * review). The fork is taken back (already gone) and the change lands on a fresh base. */
/* Work another process does while a writer is paused after publishing (wrap_io's `after` hook): `commits`
 * property commits, then `clean-metadata --force`. `failed` says which step went wrong. */
typedef struct freeing_work {
  const char *wh;
  int commits;
  int failed;
} freeing_work;

static void freeing_work_run(void *ctx)
{
  freeing_work *o = ctx;
  qb_err err = QB_ERR_INIT;
  qb_catalog *cat;
  qb_table *t;
  if (qb_catalog_open(&cat, o->wh, NULL, &err)) {
    o->failed = 1;
    return;
  }
  if (qb_table_load(&t, cat, "db.t", &err)) {
    o->failed = 2;
  } else {
    if (o->commits && commit_keys(t, "other", o->commits, &err)) o->failed = 3;
    qb_clean_metadata_options co = QB_CLEAN_METADATA_OPTIONS_INIT;
    co.force = true;
    qb_clean_metadata_report rep;
    if (!o->failed && qb_clean_metadata(t, &co, &rep, &err)) o->failed = 4;
    qb_table_free(t);
  }
  qb_catalog_free(cat);
}

QB_TEST(fork_freed_again_by_a_cleaner_is_taken_back)
{
  qb_err err = QB_ERR_INIT;
  char *wh = qb_str_printf("%s/wh", qb_test_tmpdir());
  qb_catalog *plain;
  CHECK_OK(qb_catalog_open(&plain, wh, NULL, &err), &err);
  qbt_make mk = {"{\"write.metadata.previous-versions-max\":\"1\","
                 "\"write.metadata.delete-after-commit.enabled\":\"true\"}"};
  qb_table *t;
  CHECK_OK(qb_catalog_create_table(&t, plain, "db.t", qbt_make_table, &mk, NULL, &err), &err);
  wrap_io *w = wrap_new(true);
  CHECK(w != NULL);
  qb_catalog *cat;
  CHECK_OK(open_cat(&cat, wh, QB_COMMIT_EXCLUSIVE, 0, &w->base, &err), &err);
  qb_table *stale;
  CHECK_OK(qb_table_load(&stale, cat, "db.t", &err), &err); /* base v1 */
  CHECK_OK(commit_keys(t, "w", 3, &err), &err);              /* v2..v4: v1 and v2 freed */
  CHECK_EQ_INT(qb_table_version(t), 4);
  freeing_work o = {wh, 0, 0}; /* the cleaner alone */
  w->after_suffix = "/v2.metadata.json";
  w->after = freeing_work_run;
  w->after_ctx = &o;
  qbt_setprop ps = {"w-stale", "1", 0, 0, 0};
  qb_commit_info info;
  CHECK_OK(qb_table_commit(stale, qbt_set_property, &ps, &info, &err), &err);
  CHECK_EQ_INT(o.failed, 0);
  CHECK(w->after == NULL); /* the cleaner ran */
  EXPECT(info.attempts == 2 && info.version == 5);
  qb_table *u;
  CHECK_OK(qb_table_load(&u, plain, "db.t", &err), &err);
  EXPECT(qb_table_version(u) == 5);
  qb_table_free(u);
  EXPECT(has_key(plain, "w-stale") && has_key(plain, "w-2"));
  qb_table_free(t);
  qb_table_free(stale);
  qb_catalog_free(cat);
  qb_fileio_free(&w->base);
  qb_catalog_free(plain);
  free(wh);
}

/* A writer descheduled between its create-exclusive publish of v6 and its freed-marker check, while other
 * commits build v7..v9 on v6 and `clean-metadata --force` frees v6 (and with `keep` = 1 also v7): the
 * marker then names the writer's OWN, legitimate version. Its commit must stand (one attempt, version 6);
 * taking it "back" and retrying would apply the change twice (the table would end at v10). */
static void own_version_freed_after_publish(int keep, bool builder)
{
  qb_err err = QB_ERR_INIT;
  char *wh = qb_str_printf("%s/wh-%d", qb_test_tmpdir(), keep);
  char props[96];
  snprintf(props, sizeof props, "{\"write.metadata.previous-versions-max\":\"%d\"}", keep);
  qb_catalog *plain;
  CHECK_OK(qb_catalog_open(&plain, wh, NULL, &err), &err);
  qbt_make mk = {props};
  qb_table *t;
  CHECK_OK(qb_catalog_create_table(&t, plain, "db.t", qbt_make_table, &mk, NULL, &err), &err);
  qb_table_free(t);
  wrap_io *w = wrap_new(true);
  CHECK(w != NULL);
  freeing_work o = {wh, 3, 0};
  qb_catalog *cat;
  CHECK_OK(open_cat(&cat, wh, QB_COMMIT_EXCLUSIVE, 0, &w->base, &err), &err);
  CHECK_OK(qb_table_load(&t, cat, "db.t", &err), &err);
  CHECK_OK(commit_keys(t, "w", 4, &err), &err);
  CHECK_EQ_INT(qb_table_version(t), 5);
  w->after_suffix = "/v6.metadata.json";
  w->after = freeing_work_run;
  w->after_ctx = &o;
  qbt_setprop mine = {"mine", "1", 0, 0, 0};
  qb_commit_info info;
  if (builder) { /* the model's document, published in pieces: the freed marker's hash must match them too */
    qb_kv kv = {"mine", "1"};
    CHECK_OK(qb_table_set_properties(t, &kv, 1, NULL, 0, &info, &err), &err);
  } else {
    CHECK_OK(qb_table_commit(t, qbt_set_property, &mine, &info, &err), &err);
    CHECK_EQ_INT(mine.calls, 1);
  }
  CHECK_EQ_INT(o.failed, 0);
  CHECK(w->after == NULL); /* the interleaving ran */
  CHECK_EQ_INT(info.attempts, 1);
  CHECK_EQ_INT(info.version, 6);
  char *v6 = qb_str_printf("%s/db/t/metadata/v6.metadata.json", wh);
  CHECK(!file_exists(v6)); /* freed by the cleaner, not re-published */
  free(v6);
  qb_table *u;
  CHECK_OK(qb_table_load(&u, plain, "db.t", &err), &err);
  CHECK_EQ_INT(qb_table_version(u), 9); /* 1 + 4 + mine + 3 others: nothing applied twice */
  qb_table_free(u);
  EXPECT(has_key(plain, "mine") && has_key(plain, "other-2") && has_key(plain, "w-0"));
  qb_table_free(t);
  qb_catalog_free(cat);
  qb_fileio_free(&w->base);
  qb_catalog_free(plain);
  free(wh);
}

/* keep 1: v7 is freed too (the next version is gone with ours gone); keep 2: v7 stays and descends from v6 */
QB_TEST(own_version_freed_after_publish_next_gone) { own_version_freed_after_publish(1, false); }

QB_TEST(own_version_freed_after_publish_next_kept) { own_version_freed_after_publish(2, false); }

QB_TEST(own_version_freed_after_publish_builder_commit) { own_version_freed_after_publish(1, true); }

/* ---- crash safety: SIGKILL a committing process, at random times and at every FileIO call ---- */

/* The child commits w-<i> properties forever, writing each acknowledged version to fd. */
static void crash_child(const char *wh, qb_commit_mode mode, long kill_at, int fd)
{
  wrap_io *w = wrap_new(true);
  qb_err err = QB_ERR_INIT;
  qb_catalog *cat;
  if (!w || open_cat(&cat, wh, mode, 300 * slowdown(), &w->base, &err)) _exit(3);
  qb_table *t;
  if (qb_table_load(&t, cat, "db.t", &err)) _exit(4);
  w->kill_at = kill_at ? w->calls + kill_at : 0;
  for (int i = 0;; i++) {
    char key[64];
    snprintf(key, sizeof key, "w-%d-%lld", (int)getpid(), (long long)i);
    qbt_setprop p = {key, "1", 0, 0, 0};
    if (qb_table_commit(t, qbt_set_property, &p, NULL, &err)) _exit(5);
    int64_t v = qb_table_version(t);
    if (write(fd, &v, sizeof v) != (ssize_t)sizeof v) _exit(6);
  }
}

static void crash_rounds(qb_commit_mode mode, int rounds, int max_delay_ms, int max_kill_at)
{
  qb_err err = QB_ERR_INIT;
  char *wh = qb_str_printf("%s/wh", qb_test_tmpdir());
  qb_catalog *cat;
  CHECK_OK(open_cat(&cat, wh, mode, 300 * slowdown(), NULL, &err), &err);
  CHECK_OK(qb_catalog_create_table(NULL, cat, "db.t", qbt_make_table, NULL, NULL, &err), &err);
  int64_t acked = 1, landed_unacked = 0, stale_hints = 0;
  srand(12345);
  for (int r = 0; r < rounds; r++) {
    int fds[2];
    CHECK(pipe(fds) == 0);
    /* even rounds: killed at its n-th FileIO call (every step of the first commits: reading, writing the
     * version, the hint, the lock objects); odd rounds: after a random delay */
    long kill_at = r % 2 == 0 ? 1 + (r / 2) % max_kill_at : 0;
    fflush(NULL);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
      close(fds[0]);
      crash_child(wh, mode, kill_at, fds[1]);
    }
    close(fds[1]);
    if (!kill_at) usleep((useconds_t)(rand() % (max_delay_ms * slowdown())) * 1000);
    kill(pid, SIGKILL);
    int st;
    CHECK(waitpid(pid, &st, 0) == pid);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    int64_t v;
    while (read(fds[0], &v, sizeof v) == (ssize_t)sizeof v) {
      CHECK(v == acked + 1); /* acknowledged versions are consecutive */
      acked = v;
    }
    close(fds[0]);
    /* the table loads, at the last acknowledged version, or one more if the kill came between the
     * publish and the acknowledgement; its history stays linear */
    qb_table *t;
    int rc = qb_table_load(&t, cat, "db.t", &err);
    if (rc) fprintf(stderr, "  round %d: %s\n", r, err.msg);
    CHECK_OK(rc, &err);
    int64_t cur = qb_table_version(t);
    if (cur != acked && cur != acked + 1)
      fprintf(stderr, "  round %d: version %lld, acknowledged %lld\n", r, (long long)cur, (long long)acked);
    CHECK(cur == acked || cur == acked + 1);
    char *last = NULL;
    qbt_metadata_log(qb_table_metadata_json(t).p, qb_table_metadata_json(t).n, &last);
    char *want = qb_str_printf("%s/db/t/metadata/v%lld.metadata.json", wh, (long long)(cur - 1));
    CHECK(cur == 1 || (last && !strcmp(last, want)));
    free(last);
    free(want);
    qb_table_free(t);
    if (cur == acked + 1) landed_unacked++;
    acked = cur;
    int hint;
    CHECK_EQ_INT(fsck_table(cat, &hint), 0);
    stale_hints += hint;
  }
  CHECK(acked > 1);
  CHECK_EQ_INT(verify_history(cat, wh, acked, 1), acked);
  fprintf(stderr, "  %d kills (%s): %lld versions, %lld landed unacknowledged, fsck: %lld stale hints\n", rounds,
          mode == QB_COMMIT_LOCK ? "lock" : "create-exclusive", (long long)acked, (long long)landed_unacked,
          (long long)stale_hints);
  qb_catalog_free(cat);
  free(wh);
}

QB_TEST(sigkill_200_times_create_exclusive) { crash_rounds(QB_COMMIT_EXCLUSIVE, scaled(200), 40, 40); }

/* a killed holder's ticket blocks the next writer for one lease (300 ms): delays reach past it */
QB_TEST(sigkill_lock) { crash_rounds(QB_COMMIT_LOCK, scaled(40), 900, 120); }

/* ---- a fault at every FileIO call of a commit (SQLite's *fault.test idea) ---- */

static void fault_loop(qb_commit_mode mode, qb_fault_kind kind, qb_code code)
{
  qb_err err = QB_ERR_INIT;
  char *wh = qb_str_printf("%s/wh", qb_test_tmpdir());
  qb_catalog *clean;
  CHECK_OK(open_cat(&clean, wh, mode, 1000, NULL, &err), &err);
  qbt_make mk = {"{\"commit.retry.num-retries\":\"2\",\"commit.retry.min-wait-ms\":\"1\"}"};
  CHECK_OK(qb_catalog_create_table(NULL, clean, "db.t", qbt_make_table, &mk, NULL, &err), &err);
  int64_t version = 1;
  int fired = 0, failed = 0;
  char *meta = qb_str_printf("%s/db/t/metadata", wh);
  for (unsigned at = 1; at < 200; at++) {
    /* the same starting point every time: a fault that hit the hint write left it stale, and a stale
     * hint costs loads extra probes, which would move every later call */
    CHECK_OK(qb_hadoop__write_hint(qb_catalog_io(clean), meta, version, &err), &err);
    qb_fileio *local, *io;
    CHECK_OK(qb_fileio_local_new(&local, &err), &err);
    qb_fault_plan plan = {at, kind, code, 0, false, NULL, NULL, false};
    CHECK_OK(qb_fileio_faulty_new(&io, local, true, &plan, &err), &err);
    qb_catalog *cat;
    CHECK_OK(open_cat(&cat, wh, mode, 1000, io, &err), &err);
    qb_table *t;
    int rc = qb_table_load(&t, cat, "db.t", &err);
    char key[32];
    snprintf(key, sizeof key, "w-%u", at);
    if (rc == QB_OK) {
      qbt_setprop p = {key, "1", 0, 0, 0};
      rc = qb_table_commit(t, qbt_set_property, &p, NULL, &err);
      qb_table_free(t);
    }
    bool hit = qb_fileio_faulty_fired(io);
    qb_catalog_free(cat);
    qb_fileio_free(io);
    /* the truth, read without faults: old version, or new with our key; never anything between */
    qb_table *u;
    CHECK_OK(qb_table_load(&u, clean, "db.t", &err), &err);
    int64_t now = qb_table_version(u);
    qb_table_free(u);
    bool landed = has_key(clean, key);
    if (rc == QB_OK) {
      CHECK(now == version + 1 && landed);
    } else if (rc == QB_ECOMMIT_UNKNOWN) {
      CHECK((now == version && !landed) || (now == version + 1 && landed));
    } else {
      if (now != version) fprintf(stderr, "  fault at call %u: %s, yet version %lld\n", at, err.msg, (long long)now);
      CHECK(now == version && !landed);
      failed++;
    }
    version = now;
    CHECK_EQ_INT(verify_history(clean, wh, version, 1), version);
    if (!hit) break; /* the commit no longer reaches call `at` */
    fired++;
  }
  CHECK(fired >= 8);
  if (getenv("QB_TEST_VERBOSE"))
    fprintf(stderr, "  %s, %s: %d calls faulted, %d commits failed cleanly\n",
            mode == QB_COMMIT_LOCK ? "lock" : "create-exclusive", kind == QB_FAULT_FAIL ? "fail" : "fail-after",
            fired, failed);
  free(meta);
  qb_catalog_free(clean);
  free(wh);
}

QB_TEST(fault_at_every_call_exclusive) { fault_loop(QB_COMMIT_EXCLUSIVE, QB_FAULT_FAIL, QB_EIO); }
QB_TEST(fault_after_every_call_exclusive) { fault_loop(QB_COMMIT_EXCLUSIVE, QB_FAULT_FAIL_AFTER, QB_EIO); }
QB_TEST(fault_at_every_call_lock) { fault_loop(QB_COMMIT_LOCK, QB_FAULT_FAIL, QB_EIO); }
QB_TEST(fault_after_every_call_lock) { fault_loop(QB_COMMIT_LOCK, QB_FAULT_FAIL_AFTER, QB_EIO); }
/* A create-exclusive write that landed but was refused as existing: S3 after a lost answer, when the retry's
 * 412 cannot be recognised as our own object by its ETag (not the MD5 under SSE-KMS or SSE-C, or a HEAD that
 * failed). The commit took its own version for another writer's, retried on top of it and failed, deleting
 * the files its published version names (found by exploreD). */
QB_TEST(fault_after_every_call_exclusive_refused_as_existing)
{
  fault_loop(QB_COMMIT_EXCLUSIVE, QB_FAULT_FAIL_AFTER, QB_EEXISTS);
}
