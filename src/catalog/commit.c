/* SPDX-License-Identifier: Apache-2.0 */
/* The commit loop (iceberg.md §6.1, Java SnapshotProducer.commit + Tasks.exponentialBackoff): refresh,
 * let the caller rebuild its change on the current version, publish v<N+1> (publish.c; under the lock of
 * lock.c on stores without create-exclusive), retry lost races with exponential backoff bounded by the
 * commit.retry.* table properties; then the version hint and write.metadata.delete-after-commit. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog/catalog_int.h"
#include "util/clock.h"
#include "util/str.h"

typedef struct committer {
  qb_table *t;           /* the handle being committed (refreshed as we go) */
  qb_catalog *cat;
  const char *root;      /* table directory */
  const char *meta_dir;
  bool exclusive;        /* create-exclusive publish, else the lock */
  qb_lock_opts lock;
} committer;

static int resolve_mode(qb_catalog *cat, bool *exclusive, qb_err *err)
{
  bool can = qb_fileio_can(cat->io, QB_IO_CREATE_EXCL);
  if (cat->mode == QB_COMMIT_EXCLUSIVE && !can)
    return QB_FAIL(err, QB_EUNSUPPORTED,
                   "this store does not honour create-exclusive writes and the commit mode requires them");
  *exclusive = cat->mode == QB_COMMIT_EXCLUSIVE || (cat->mode == QB_COMMIT_AUTO && can);
  return QB_OK;
}

static void sleep_ms(int64_t ms)
{
  struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0) {
  }
}

/* Java Tasks: min-wait * 2^(k-1), capped at max-wait, plus up to 10% jitter. */
static int64_t backoff_ms(const qb_meta_info *mi, int failures)
{
  int64_t d = mi->retry_min_ms;
  for (int i = 1; i < failures && d < mi->retry_max_ms; i++) d *= 2;
  if (d > mi->retry_max_ms) d = mi->retry_max_ms;
  int64_t j = d / 10;
  return d + (j > 0 ? (int64_t)(qb_random_u64() % (uint64_t)j) : 0);
}

/* The file named by a metadata-log entry, if it is a metadata file of this table's metadata/ directory
 * (whatever URI spelling the log uses): its path under meta_dir, else NULL. Nothing outside the table's
 * metadata directory is ever deleted on the say-so of a log entry. */
static char *own_metadata_file(const char *meta_dir, const char *logged)
{
  const char *base = qb_path_base(logged);
  int64_t v;
  size_t bl = strlen(base), ll = strlen(logged);
  if (qb_hadoop__parse_name(base, &v) == QB_MDNAME_NONE || ll < bl + 10 ||
      strncmp(logged + ll - bl - 10, "/metadata/", 10) != 0)
    return NULL;
  return qb_path_join(meta_dir, base);
}

/* write.metadata.delete-after-commit.enabled: delete the files that were in the base's metadata-log
 * and are not in the new one (Java HadoopTableOperations.deleteRemovedMetadataFiles). Best effort. */
static int delete_old_metadata(committer *c, const qb_meta_info *base, const qb_meta_info *next,
                               const char *current)
{
  int deleted = 0;
  for (size_t i = 0; i < base->n_log; i++) {
    bool kept = false;
    for (size_t j = 0; j < next->n_log && !kept; j++) kept = !strcmp(base->log[i], next->log[j]);
    if (kept) continue;
    char *p = own_metadata_file(c->meta_dir, base->log[i]);
    if (p && strcmp(qb_path_base(p), qb_path_base(current)) != 0) {
      qb_err e = QB_ERR_INIT;
      if (qb_fileio_delete(c->cat->io, p, &e) == QB_OK) deleted++;
    }
    free(p);
  }
  return deleted;
}

/*
 * One attempt: build on `base` (creating: version 0 and no json) and publish the result as the next
 * version. *retry = true when the attempt lost a race (or the lock) and may be repeated on a newer base.
 * On QB_OK, *out_json and *out_path are the published document and its path, *next its parsed info.
 */
static int attempt_once(committer *c, qb_lock *lk, const qb_commit_base *base, qb_metadata_fn fn, void *ctx,
                        const qb_meta_info *base_info, qb_meta_info *next, uint8_t **out_json, size_t *out_n,
                        char **out_path, bool *retry, qb_err *err)
{
  *retry = false;
  *out_json = NULL;
  *out_path = NULL;
  uint8_t *doc = NULL;
  size_t n = 0;
  int rc = fn(ctx, base, &doc, &n, err);
  if (rc == QB_OK && !doc) rc = QB_FAIL(err, QB_EINVAL, "the metadata callback produced no document");
  if (rc) {
    free(doc);
    return rc; /* the caller's own refusal (QB_ECONFLICT = cannot rebase) is final */
  }
  rc = qb_meta_info_parse(next, doc, n, "new metadata", err);
  if (rc == QB_OK && base_info && strcmp(next->location, base_info->location) != 0)
    rc = QB_FAIL(err, QB_EINVAL, "new metadata moves the table from %s to %s: Hadoop tables cannot be relocated",
                 base_info->location, next->location);
  if (rc == QB_OK && next->has_metadata_path)
    rc = QB_FAIL(err, QB_EUNSUPPORTED, "write.metadata.path is set: Hadoop tables keep metadata in metadata/");
  /* fencing: the last look at the lock, right before the version is written */
  if (rc == QB_OK && lk && (rc = qb_lock__check(lk, err)) == QB_ECONFLICT) *retry = true;
  if (rc == QB_OK) {
    qb_publish p = {c->cat->io, c->meta_dir, (base->version < 0 ? 0 : base->version) + 1, doc, n, next->gzip,
                    c->exclusive};
    rc = qb_publish__version(&p, out_path, err);
    if (rc == QB_ECONFLICT) *retry = true;
    /* A write that outlasted the lease may land after a writer that broke our lock checked that the
     * version was free: that writer can still replace ours. Do not acknowledge it. */
    if (rc == QB_OK && lk && !qb_lock__held_since_write(lk, qb_mono_ns()))
      rc = QB_FAIL(err, QB_ECOMMIT_UNKNOWN,
                   "%s: the commit lock's lease ran out while the version was written; another writer may "
                   "replace it",
                   *out_path);
  }
  if (rc) {
    free(*out_path);
    *out_path = NULL;
    free(doc);
    qb_meta_info_free(next);
    return rc;
  }
  *out_json = doc;
  *out_n = n;
  return QB_OK;
}

static int do_commit(committer *c, bool creating, qb_metadata_fn fn, void *ctx, qb_commit_info *info, qb_err *err)
{
  qb_table *t = c->t;
  qb_meta_info base_info = {0}, first_info = {0};
  int rc = QB_OK, failures = 0;
  int64_t start = qb_mono_ns();
  /* creating: Java's defaults, the table has no properties yet */
  qb_meta_info limits = {.retry_num = 4, .retry_min_ms = 100, .retry_max_ms = 60000, .retry_total_ms = 1800000};
  if (!creating) {
    if ((rc = qb_meta_info_parse(&first_info, t->json, t->json_n, t->path, err)) != QB_OK) return rc;
    limits = first_info;
  }
  c->lock.deadline_ns = start + limits.retry_total_ms * 1000000LL;
  for (int attempt = 1;; attempt++) {
    info->attempts = attempt;
    qb_lock *lk = NULL;
    if (!c->exclusive) {
      if ((rc = qb_lock__acquire(&lk, c->cat->io, c->meta_dir, &c->lock, err)) != QB_OK) break;
      info->used_lock = true;
    }
    /* Under the lock, re-read: the version we build on must be the latest. With create-exclusive a stale
     * base only costs a lost race, so the first attempt uses what the handle has. */
    if (!creating && (lk || attempt > 1 || t->pinned)) {
      t->pinned = false;
      rc = qb_table_refresh(t, err);
    }
    if (rc == QB_OK && !creating) {
      qb_meta_info_free(&base_info);
      rc = qb_meta_info_parse(&base_info, t->json, t->json_n, t->path, err);
      /* Java checkUUID: a table dropped and re-created under our feet is another table */
      if (rc == QB_OK && first_info.uuid && base_info.uuid && strcmp(first_info.uuid, base_info.uuid) != 0)
        rc = QB_FAIL(err, QB_ECONFLICT, "table %s was replaced (uuid %s, now %s)", t->name, first_info.uuid,
                     base_info.uuid);
    }
    qb_commit_base base = {c->root, NULL, 0, {NULL, 0}, attempt};
    if (!creating) {
      base.metadata_path = t->path;
      base.version = t->version;
      base.json = (qb_slice){t->json, t->json_n};
    }
    qb_meta_info next = {0};
    uint8_t *doc = NULL;
    size_t n = 0;
    char *path = NULL;
    bool retry = false;
    if (rc == QB_OK)
      rc = attempt_once(c, lk, &base, fn, ctx, creating ? NULL : &base_info, &next, &doc, &n, &path, &retry, err);
    qb_lock__release(lk);
    if (rc == QB_OK) {
      int64_t version = (base.version < 0 ? 0 : base.version) + 1;
      qb_err e = QB_ERR_INIT;
      info->version = version;
      info->hint_written = qb_hadoop__write_hint(c->cat->io, c->meta_dir, version, &e) == QB_OK;
      if (!creating && next.delete_after_commit)
        info->deleted_metadata = delete_old_metadata(c, &base_info, &next, path);
      qb_meta_info_free(&next);
      qb_table__set(t, path, version, doc, n);
      break;
    }
    if (!retry || creating) break; /* creating: v1 exists, the table was created by someone else */
    failures++;
    int64_t elapsed_ms = (qb_mono_ns() - start) / 1000000;
    if (failures > limits.retry_num || elapsed_ms > limits.retry_total_ms) {
      qb_err_wrap(err, "gave up after %d attempts in %lld ms (commit.retry.num-retries=%lld)", attempt,
                  (long long)elapsed_ms, (long long)limits.retry_num);
      break;
    }
    qb_err_clear(err);
    rc = QB_OK;
    sleep_ms(backoff_ms(&limits, failures));
  }
  qb_meta_info_free(&base_info);
  qb_meta_info_free(&first_info);
  return rc;
}

int qb_table_commit(qb_table *t, qb_metadata_fn apply, void *ctx, qb_commit_info *info, qb_err *err)
{
  qb_commit_info dummy;
  if (!info) info = &dummy;
  memset(info, 0, sizeof *info);
  committer c = {t, t->cat, t->root, t->meta_dir, false, {t->cat->lease_ms, 0}};
  int rc = resolve_mode(t->cat, &c.exclusive, err);
  if (rc == QB_OK) rc = do_commit(&c, false, apply, ctx, info, err);
  return rc ? qb_err_wrap(err, "commit to table %s", t->name) : QB_OK;
}

int qb_catalog_create_table(qb_table **out, qb_catalog *cat, const char *table, qb_metadata_fn make, void *ctx,
                            qb_commit_info *info, qb_err *err)
{
  if (out) *out = NULL;
  qb_commit_info dummy;
  if (!info) info = &dummy;
  memset(info, 0, sizeof *info);
  char *root, *file;
  int rc = qb_catalog__resolve(cat, table, &root, &file, err);
  if (rc) return qb_err_wrap(err, "creating table %s", table);
  qb_table *t = NULL;
  bool exists = false;
  if (file) rc = QB_FAIL(err, QB_EINVAL, "name a table directory or identifier, not a metadata file");
  if (rc == QB_OK) rc = qb_hadoop__is_table_dir(cat->io, root, &exists, err);
  if (rc == QB_OK && exists) rc = QB_FAIL(err, QB_EEXISTS, "table %s already exists (%s)", table, root);
  if (rc == QB_OK) {
    t = calloc(1, sizeof *t);
    if (!t || !(t->name = strdup(table)) || !(t->root = strdup(root)) || !(t->meta_dir = qb_path_join(root, "metadata")))
      rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
  }
  if (rc == QB_OK) {
    t->cat = cat;
    t->version = -1;
    committer c = {t, cat, t->root, t->meta_dir, false, {cat->lease_ms, 0}};
    rc = resolve_mode(cat, &c.exclusive, err);
    if (rc == QB_OK) rc = do_commit(&c, true, make, ctx, info, err);
    /* v1 already there: another writer created the table first */
    if (rc == QB_ECONFLICT) {
      qb_err_clear(err);
      rc = QB_FAIL(err, QB_EEXISTS, "table %s was created concurrently by another writer", table);
    }
  }
  free(root);
  free(file);
  if (rc || !out) {
    qb_table_free(t);
    return rc ? qb_err_wrap(err, "creating table %s", table) : QB_OK;
  }
  *out = t;
  return QB_OK;
}
