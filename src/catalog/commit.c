/* SPDX-License-Identifier: Apache-2.0 */
/* The commit loop (iceberg.md §6.1, Java SnapshotProducer.commit + Tasks.exponentialBackoff): refresh,
 * let the caller rebuild its change on the current version, check the result with the metadata model,
 * publish v<N+1> (publish.c; under the lock of lock.c on stores without create-exclusive), retry lost
 * races with exponential backoff bounded by the commit.retry.* table properties; then the version hint
 * and write.metadata.delete-after-commit (HadoopTableOperations.commit). */
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_int.h"
#include "util/clock.h"
#include "util/hash.h"
#include "util/str.h"

typedef struct committer {
  qb_table *t;       /* the handle being committed (refreshed as we go) */
  qb_catalog *cat;
  bool creating;     /* building v1 of a new table */
  bool exclusive;    /* create-exclusive publish, else the lock */
  qb_lock_opts lock;
  /* builder commits: the metadata the callback built and serialised (validated by the builder), so the
   * document is not parsed again; NULL for raw-JSON callbacks */
  qb_table_metadata **built;
} committer;

/* How to publish. An S3 store says it can create-exclusive only once probed (a conditional PUT tried
 * twice: Garage ignores If-None-Match and overwrites): probe once, under the table's metadata prefix, when
 * the answer matters. A failed probe leaves the lock. */
static int resolve_mode(qb_catalog *cat, const char *meta_dir, bool *exclusive, qb_err *err)
{
  if (cat->mode != QB_COMMIT_LOCK && !qb_fileio_can(cat->io, QB_IO_CREATE_EXCL) &&
      !__atomic_exchange_n(&cat->probed, 1, __ATOMIC_ACQ_REL)) {
    qb_err e = QB_ERR_INIT;
    int rc = qb_fileio_probe(cat->io, meta_dir, NULL, &e);
    (void)rc;
  }
  bool can = qb_fileio_can(cat->io, QB_IO_CREATE_EXCL);
  if (cat->mode == QB_COMMIT_EXCLUSIVE && !can)
    return QB_FAIL(err, QB_EUNSUPPORTED,
                   "this store does not honour create-exclusive writes and the commit mode requires them");
  *exclusive = cat->mode == QB_COMMIT_EXCLUSIVE || (cat->mode == QB_COMMIT_AUTO && can);
  return QB_OK;
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

/* write.metadata.delete-after-commit.enabled: delete the files that were in the base's metadata-log and
 * are not in the new one (Java HadoopTableOperations.deleteRemovedMetadataFiles). Best effort. */
static int delete_old_metadata(committer *c, const qb_table_metadata *base, const qb_table_metadata *next,
                               const char *current)
{
  size_t nb, nn;
  const qb_metadata_log_entry *lb = qb_table_metadata_metadata_log(base, &nb);
  const qb_metadata_log_entry *ln = qb_table_metadata_metadata_log(next, &nn);
  int deleted = 0;
  for (size_t i = 0; i < nb; i++) {
    bool kept = false;
    for (size_t j = 0; j < nn && !kept; j++) kept = !strcmp(lb[i].metadata_file, ln[j].metadata_file);
    if (kept) continue;
    char *p = own_metadata_file(c->t->meta_dir, lb[i].metadata_file);
    if (p && strcmp(qb_path_base(p), qb_path_base(current)) != 0) {
      qb_err e = QB_ERR_INIT;
      if (qb_hadoop__free_version(c->cat->io, c->t->meta_dir, qb_table_metadata_uuid(next), p, &e) == QB_OK)
        deleted++;
    }
    free(p);
  }
  return deleted;
}

typedef struct attempt_out {
  uint8_t *json; /* the document a raw-JSON callback made; NULL for builder commits */
  size_t n;
  qb_metadata_json *doc; /* a builder commit's document, in pieces (never gathered into one buffer) */
  char *path;    /* where */
  qb_table_metadata *md; /* parsed */
  bool retry;    /* lost a race (or the lock): may be repeated on a newer base */
} attempt_out;

/* Deleting old metadata files frees their version numbers: a writer whose base v<N> is older than the
 * metadata-log window can publish v<N+1> create-exclusive again and fork the history (its base may be stale
 * even right after a refresh: a hint left behind by a slow writer names a version a slow deleter has not
 * removed yet, and probing forward stops at the first deleted version). So after publishing, with
 * delete-after-commit on, list metadata/: if no version above ours exists, none was ever used (a version
 * is only deleted by a committer of a newer one, which is there unless itself deleted by a still newer
 * one). Otherwise v<N+2> must descend from ours (its metadata-log ends with our file and our
 * last-updated-ms), or be gone while ours is gone too (ours then left a later version's log). Else ours is
 * a fork: take it back and retry on a fresh base. Residual window: docs/CATALOG.md. */
static int descends_from_ours(committer *c, const char *next, const attempt_out *o, bool *ours, qb_err *err)
{
  *ours = false;
  uint8_t *json;
  size_t n;
  qb_table_metadata *md;
  qb_stat st;
  int rc = qb_hadoop__read_metadata(c->cat->io, next, &json, &n, err);
  if (rc == QB_ENOTFOUND) {
    qb_err_clear(err);
    rc = qb_fileio_stat(c->cat->io, o->path, &st, err);
    if (rc == QB_ENOTFOUND) {
      qb_err_clear(err);
      *ours = true;
      return QB_OK;
    }
    return rc;
  }
  if (rc) return rc;
  rc = qb_table_metadata_parse(&md, json, n, err);
  free(json);
  if (rc) return rc;
  size_t nl;
  const qb_metadata_log_entry *log = qb_table_metadata_metadata_log(md, &nl);
  *ours = nl > 0 && !strcmp(qb_path_base(log[nl - 1].metadata_file), qb_path_base(o->path)) &&
          log[nl - 1].timestamp_ms == qb_table_metadata_last_updated_ms(o->md);
  qb_table_metadata_free(md);
  return QB_OK;
}

/* qb_hash_bytes of the document this attempt published (its JSON text, before any gzip), as a freed marker
 * records the file it freed (qb_hadoop__freed_identity). */
static uint64_t published_hash(const attempt_out *o)
{
  if (o->json) return qb_hash_bytes(o->json, o->n);
  size_t n_parts;
  const qb_slice *parts = qb_metadata_json_parts(o->doc, &n_parts);
  uint64_t h = QB_HASH_BYTES_INIT;
  for (size_t i = 0; i < n_parts; i++) h = qb_hash_bytes_update(h, parts[i].p, parts[i].n);
  return qb_hash_bytes_final(h);
}

static int check_not_resurrected(committer *c, const qb_commit_base *base, attempt_out *o, bool list, qb_err *err)
{
  qb_err e = QB_ERR_INIT;
  bool stale = false;
  int64_t max = -1;
  /* the freed marker (qb_hadoop__free_version) closes what the listing cannot: a deleter that left one is
   * seen whatever a listing racing with newer commits misses */
  int rc = c->creating ? qb_hadoop__version_freed_any(c->cat->io, c->t->meta_dir, 1, &stale, &e)
                       : qb_hadoop__version_freed(c->cat->io, c->t->meta_dir, base->version + 1,
                                                  qb_table_metadata_uuid(base->metadata), &stale, &e);
  int64_t ours_v = (base->version < 0 ? 0 : base->version) + 1;
  if (rc == QB_OK && !stale && list) rc = qb_hadoop__max_version(c->cat->io, c->t->meta_dir, &max, &e);
  /* Both signs are confirmed by the next version. A marker also appears when OUR version was fine and was
   * freed after we published it: a slow writer (descheduled between its publish and this check) whose
   * version newer commits built on and a deleter then removed; taking it "back" and retrying would commit
   * the change twice. Ours stands if the next version descends from it (its metadata-log ends with our
   * file and last-updated-ms), or is gone with ours gone too; a resurrected number has neither (its old
   * successor names the old file's time, and our file is still there). */
  /* A marker that records the file it freed decides at once: ours (freed after newer commits built on it)
   * stands, another file of our number means ours is a fork. The next version's metadata-log cannot always
   * tell: two writers building on one base within a millisecond give the same last-updated-ms, and a fork
   * of the freed file was taken for it (an acknowledged commit lost in create_race_deleting_old_metadata). */
  bool decided = false;
  if (rc == QB_OK && stale && !c->creating) {
    bool known = false;
    uint64_t fsize = 0, fhash = 0;
    rc = qb_hadoop__freed_identity(c->cat->io, c->t->meta_dir, ours_v, qb_table_metadata_uuid(base->metadata),
                                   &known, &fsize, &fhash, &e);
    if (rc == QB_OK && known) {
      stale = !(fsize == o->n && fhash == published_hash(o));
      decided = true;
    }
  }
  if (rc == QB_OK && !decided && (stale || max > ours_v)) {
    char *next = qb_hadoop__version_path(c->t->meta_dir, ours_v + 1, QB_MDNAME_PLAIN);
    bool ours = false;
    rc = next ? descends_from_ours(c, next, o, &ours, &e) : QB_FAIL(&e, QB_ENOMEM, "out of memory");
    stale = !ours;
    free(next);
  }
  if (rc) {
    *err = e;
    return QB_FAIL(err, QB_ECOMMIT_UNKNOWN, "%s: cannot check that the history did not move past version %lld: %s",
                   o->path, (long long)base->version, e.msg);
  }
  if (!stale) return QB_OK;
  int drc = qb_fileio_delete(c->cat->io, o->path, &e);
  if (drc == QB_ENOTFOUND) drc = QB_OK; /* already gone: a cleaner freed the fork */
  if (drc != QB_OK)
    return QB_FAIL(err, QB_ECOMMIT_UNKNOWN,
                   "%s was published on version %lld, which newer commits had left behind, and cannot be taken "
                   "back: %s",
                   o->path, (long long)base->version, e.msg);
  o->retry = true;
  return QB_FAIL(err, QB_ECONFLICT, "version %lld: version %lld was left behind by newer commits (stale base)",
                 (long long)base->version + 1, (long long)base->version);
}

/* One attempt: build on `base`, check the result, publish it as the next version. */
static int attempt_once(committer *c, qb_lock *lk, const qb_commit_base *base, qb_metadata_fn fn, void *ctx,
                        attempt_out *o, qb_err *err)
{
  memset(o, 0, sizeof *o);
  if (c->built) {
    qb_table_metadata_free(*c->built);
    *c->built = NULL;
  }
  int rc = fn(ctx, base, &o->json, &o->n, err);
  bool built = rc == QB_OK && c->built && *c->built;
  if (rc == QB_OK && !o->json && !built) rc = QB_FAIL(err, QB_EINVAL, "the metadata callback produced no document");
  if (rc) goto fail; /* the caller's own refusal (QB_ECONFLICT = cannot rebase) is final */
  /* Never publish a document the model does not accept as table metadata. A builder's result was
   * validated when it was built and its JSON is the model's own serialisation: no need to parse it back
   * (that parse was half the cost of a commit on a long history); it is serialised here, in pieces that
   * share the snapshots text cached with the metadata. */
  qb_slice whole = {o->json, o->n};
  const qb_slice *parts = &whole;
  size_t n_parts = 1;
  if (built) {
    o->md = *c->built;
    *c->built = NULL;
    if ((rc = qb_table_metadata_to_json_parts(&o->doc, o->md, err)) != QB_OK) goto fail;
    parts = qb_metadata_json_parts(o->doc, &n_parts);
    o->n = qb_metadata_json_size(o->doc);
  } else if ((rc = qb_table_metadata_parse(&o->md, o->json, o->n, err)) != QB_OK) {
    qb_err_wrap(err, "the new metadata is not valid");
    goto fail;
  }
  qb_meta_info next;
  if ((rc = qb_meta_info_from(&next, o->md, err)) != QB_OK) goto fail;
  /* Java: "Hadoop path-based tables cannot be relocated", "... cannot relocate metadata" */
  if (base->metadata && strcmp(qb_table_metadata_location(o->md), qb_table_metadata_location(base->metadata))) {
    rc = QB_FAIL(err, QB_EINVAL, "the new metadata moves the table from %s to %s: Hadoop tables cannot be relocated",
                 qb_table_metadata_location(base->metadata), qb_table_metadata_location(o->md));
    goto fail;
  }
  if (next.has_metadata_path) {
    rc = QB_FAIL(err, QB_EUNSUPPORTED, "write.metadata.path is set: Hadoop tables keep metadata in metadata/");
    goto fail;
  }
  /* fencing: the last look at the lock, right before the version is written */
  if (lk && (rc = qb_lock__check(lk, err)) != QB_OK) {
    o->retry = rc == QB_ECONFLICT;
    goto fail;
  }
  qb_publish p = {c->cat->io, c->t->meta_dir, (base->version < 0 ? 0 : base->version) + 1, parts, n_parts, o->n,
                  next.gzip, c->exclusive};
  rc = qb_publish__version(&p, &o->path, err);
  o->retry = rc == QB_ECONFLICT;
  /* A new table's v1 may be free again because another writer created the table and its commits already
   * deleted v1; an existing table's next version, because old metadata is deleted after commits. */
  /* The listing check also covers deleters that leave no marker (Java, older qberg), when this table
   * deletes old metadata; the marker is looked up on every commit, as `maintain clean-metadata --force`
   * frees versions of tables that do not. */
  qb_meta_info bi;
  if (rc == QB_OK && c->exclusive && (c->creating || (base->metadata && base->version >= 0)))
    rc = check_not_resurrected(c, base, o,
                               c->creating || (qb_meta_info_from(&bi, base->metadata, err) == QB_OK &&
                                               bi.delete_after_commit),
                               err);
  /* A write that outlasted the lease may land after a writer that broke our lock checked that the
   * version was free: that writer can still replace ours. Do not acknowledge it. */
  if (rc == QB_OK && lk && !qb_lock__held_since_write(lk, qb_mono_ns()))
    rc = QB_FAIL(err, QB_ECOMMIT_UNKNOWN,
                 "%s: the commit lock's lease ran out while the version was written; another writer may "
                 "replace it",
                 o->path);
  if (rc == QB_OK) return QB_OK;
fail:
  free(o->json);
  free(o->path);
  qb_table_metadata_free(o->md);
  qb_metadata_json_free(o->doc);
  o->doc = NULL;
  o->json = NULL;
  o->path = NULL;
  o->md = NULL;
  return rc;
}

static int do_commit(committer *c, qb_metadata_fn fn, void *ctx, qb_commit_info *info, qb_err *err)
{
  qb_table *t = c->t;
  int rc = QB_OK, failures = 0;
  int64_t start = qb_mono_ns();
  char *uuid = NULL; /* of the table when the commit began */
  qb_meta_info limits;
  qb_meta_info_defaults(&limits); /* creating: the table has no properties yet */
  if (!c->creating) {
    const qb_table_metadata *md;
    if ((rc = qb_table_get_metadata(&md, t, err)) || (rc = qb_meta_info_from(&limits, md, err))) return rc;
    if (qb_table_metadata_uuid(md) && !(uuid = strdup(qb_table_metadata_uuid(md))))
      return QB_FAIL(err, QB_ENOMEM, "out of memory");
  }
  c->lock.deadline_ns = start + limits.retry_total_ms * 1000000LL;
  for (int attempt = 1;; attempt++) {
    info->attempts = attempt;
    qb_lock *lk = NULL;
    if (!c->exclusive) {
      if ((rc = qb_lock__acquire(&lk, c->cat->io, t->meta_dir, &c->lock, err)) != QB_OK) break;
      info->used_lock = true;
    }
    /* Under the lock, re-read: the version we build on must be the latest. With create-exclusive a stale
     * base only costs a lost race (or, with old metadata deleted, a version taken back by
     * check_not_resurrected), so the first attempt uses what the handle has. */
    if (!c->creating && (lk || attempt > 1 || t->pinned)) {
      t->pinned = false;
      rc = qb_table_refresh(t, err);
    }
    const qb_table_metadata *base_md = NULL;
    if (rc == QB_OK && !c->creating) rc = qb_table_get_metadata(&base_md, t, err);
    /* Java checkUUID: a table dropped and re-created under our feet is another table */
    if (rc == QB_OK && uuid && qb_table_metadata_uuid(base_md) && strcmp(uuid, qb_table_metadata_uuid(base_md)))
      rc = QB_FAIL(err, QB_ECONFLICT, "table %s was replaced (uuid %s, now %s)", t->name, uuid,
                   qb_table_metadata_uuid(base_md));
    qb_commit_base base = {t->root, NULL, 0, {NULL, 0}, NULL, attempt};
    if (!c->creating) {
      base.metadata_path = t->path;
      base.version = t->version;
      base.metadata = base_md;
      /* a raw-JSON callback reads the base document; builder callbacks get the parsed metadata only */
      if (rc == QB_OK && !c->built) rc = qb_table__json(&base.json, t, err);
    }
    attempt_out o = {0};
    if (rc == QB_OK) rc = attempt_once(c, lk, &base, fn, ctx, &o, err);
    qb_lock__release(lk);
    if (rc == QB_OK) {
      int64_t version = (base.version < 0 ? 0 : base.version) + 1;
      qb_err e = QB_ERR_INIT;
      qb_meta_info next;
      info->version = version;
      info->hint_written = qb_hadoop__write_hint(c->cat->io, t->meta_dir, version, &e) == QB_OK;
      if (base_md && qb_meta_info_from(&next, o.md, &e) == QB_OK && next.delete_after_commit)
        info->deleted_metadata = delete_old_metadata(c, base_md, o.md, o.path);
      qb_table__set(t, o.path, version, o.json, o.n);
      t->hint_stale = !info->hint_written;
      t->md = o.md;
      qb_metadata_json_free(o.doc);
      break;
    }
    /* A base that was stale (the handle's version, on the first attempt) may name files a concurrent
     * expire-snapshots or compaction has deleted since: the change could not be built on it. That is a
     * lost race, not a missing file, when the table has moved on: retry on the new head. Any attempt's
     * QB_ENOTFOUND is taken so (a refreshed base can go stale as well before the callback reads it); a
     * file really missing fails at once on an idle table, after the retry limit on a busy one. */
    if (rc == QB_ENOTFOUND && !o.retry && !c->creating && base_md) {
      qb_err e = QB_ERR_INIT;
      int64_t was = base.version;
      if (qb_table_refresh(t, &e) == QB_OK && t->version != was) o.retry = true;
    }
    if (!o.retry || c->creating) break; /* creating: v1 exists, someone else created the table */
    failures++;
    int64_t elapsed_ms = (qb_mono_ns() - start) / 1000000;
    if (failures > limits.retry_num || elapsed_ms > limits.retry_total_ms) {
      qb_err_wrap(err, "gave up after %d attempts in %lld ms (commit.retry.num-retries=%lld)", attempt,
                  (long long)elapsed_ms, (long long)limits.retry_num);
      break;
    }
    qb_err_clear(err);
    rc = QB_OK;
    qb_catalog__sleep_ms(backoff_ms(&limits, failures));
  }
  free(uuid);
  return rc;
}

static int commit_with(qb_table *t, qb_metadata_fn apply, void *ctx, qb_table_metadata **built,
                       qb_commit_info *info, qb_err *err)
{
  qb_commit_info dummy;
  if (!info) info = &dummy;
  memset(info, 0, sizeof *info);
  committer c = {t, t->cat, false, false, {t->cat->lease_ms, 0}, built};
  int rc = resolve_mode(t->cat, t->meta_dir, &c.exclusive, err);
  if (rc == QB_OK) rc = do_commit(&c, apply, ctx, info, err);
  if (built) {
    qb_table_metadata_free(*built);
    *built = NULL;
  }
  return rc ? qb_err_wrap(err, "commit to table %s", t->name) : QB_OK;
}

int qb_table_commit(qb_table *t, qb_metadata_fn apply, void *ctx, qb_commit_info *info, qb_err *err)
{
  return commit_with(t, apply, ctx, NULL, info, err);
}

static int create_with(qb_table **out, qb_catalog *cat, const char *table, qb_metadata_fn make, void *ctx,
                       qb_table_metadata **built, qb_commit_info *info, qb_err *err)
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
  if (rc == QB_OK) rc = qb_catalog__check_place(cat, table, root, true, err);
  if (rc == QB_OK) {
    t = calloc(1, sizeof *t);
    if (!t || !(t->name = strdup(table)) || !(t->root = strdup(root)) || !(t->meta_dir = qb_path_join(root, "metadata")))
      rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
  }
  if (rc == QB_OK) {
    t->cat = cat;
    t->version = -1;
    committer c = {t, cat, true, false, {cat->lease_ms, 0}, built};
    rc = resolve_mode(cat, t->meta_dir, &c.exclusive, err);
    if (rc == QB_OK) rc = do_commit(&c, make, ctx, info, err);
    if (rc == QB_ECONFLICT) { /* v1 already there: another writer created the table first */
      qb_err_clear(err);
      rc = QB_FAIL(err, QB_EEXISTS, "table %s was created concurrently by another writer", table);
    }
  }
  free(root);
  free(file);
  if (built) {
    qb_table_metadata_free(*built);
    *built = NULL;
  }
  if (rc || !out) {
    qb_table_free(t);
    return rc ? qb_err_wrap(err, "creating table %s", table) : QB_OK;
  }
  *out = t;
  return QB_OK;
}

int qb_catalog_create_table(qb_table **out, qb_catalog *cat, const char *table, qb_metadata_fn make, void *ctx,
                            qb_commit_info *info, qb_err *err)
{
  return create_with(out, cat, table, make, ctx, NULL, info, err);
}

/* ---- builder-based commits ---- */

typedef struct update_ctx {
  qb_metadata_update_fn fn;
  void *ctx;
  const qb_table_def *def; /* creating */
  qb_table_metadata *built; /* the last document built, handed to the committer */
} update_ctx;

static int finish(update_ctx *u, qb_metadata_builder *b, const char *previous, uint8_t **out, size_t *out_n,
                  qb_err *err)
{
  qb_table_metadata *md;
  int rc = qb_metadata_builder_build(&md, b, previous, qb_now_ms(), err);
  if (rc) return rc;
  /* no document: the committer serialises u->built straight to the store */
  *out = NULL;
  *out_n = 0;
  qb_table_metadata_free(u->built);
  u->built = md;
  return QB_OK;
}

static int update_adapter(void *ctx, const qb_commit_base *base, uint8_t **out, size_t *out_n, qb_err *err)
{
  update_ctx *u = ctx;
  qb_metadata_builder *b;
  int rc = qb_metadata_builder_from(&b, base->metadata, err);
  if (rc) return rc;
  if ((rc = u->fn(u->ctx, base, b, err)) != QB_OK) {
    qb_metadata_builder_free(b);
    return rc;
  }
  return finish(u, b, base->metadata_path, out, out_n, err);
}

int qb_table_commit_update(qb_table *t, qb_metadata_update_fn update, void *ctx, qb_commit_info *info, qb_err *err)
{
  update_ctx u = {update, ctx, NULL, NULL};
  return commit_with(t, update_adapter, &u, &u.built, info, err);
}

typedef struct props_change {
  const qb_kv *set;
  size_t n_set;
  const char *const *remove;
  size_t n_remove;
} props_change;

static int props_update(void *ctx, const qb_commit_base *base, qb_metadata_builder *b, qb_err *err)
{
  props_change *p = ctx;
  int rc = p->n_set ? qb_metadata_builder_set_properties(b, p->set, p->n_set, err) : QB_OK;
  if (rc == QB_OK && p->n_remove) rc = qb_metadata_builder_remove_properties(b, p->remove, p->n_remove, err);
  return rc;
}

int qb_table_set_properties(qb_table *t, const qb_kv *set, size_t n_set, const char *const *remove, size_t n_remove,
                            qb_commit_info *info, qb_err *err)
{
  props_change p = {set, n_set, remove, n_remove};
  return qb_table_commit_update(t, props_update, &p, info, err);
}

static int create_adapter(void *ctx, const qb_commit_base *base, uint8_t **out, size_t *out_n, qb_err *err)
{
  update_ctx *u = ctx;
  const qb_table_def *def = u->def;
  qb_metadata_builder *b;
  int rc = qb_metadata_builder_new_table(&b, def->schema, def->spec, def->order, base->table_location, NULL, err);
  if (rc) return rc;
  if (def->n_properties && (rc = qb_metadata_builder_set_properties(b, def->properties, def->n_properties, err))) {
    qb_metadata_builder_free(b);
    return rc;
  }
  return finish(u, b, NULL, out, out_n, err);
}

int qb_catalog_create_table_def(qb_table **out, qb_catalog *cat, const char *table, const qb_table_def *def,
                                qb_commit_info *info, qb_err *err)
{
  if (!def || !def->schema) {
    if (out) *out = NULL;
    return QB_FAIL(err, QB_EINVAL, "creating table %s: a schema is required", table);
  }
  update_ctx u = {NULL, NULL, def, NULL};
  return create_with(out, cat, table, create_adapter, &u, &u.built, info, err);
}
