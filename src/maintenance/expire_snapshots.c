/* SPDX-License-Identifier: Apache-2.0 */
/* Snapshot expiration (spec "Snapshot Retention Policy"; Java RemoveSnapshots and ReachableFileCleanup,
 * iceberg.md §7.1): which snapshots and refs go, the metadata commit that removes them, then the files only
 * they reached. Reachability streams manifests into hash sets of path keys: the manifests of kept snapshots
 * (from their lists), the candidates (manifests of removed snapshots not kept), the live files of the kept
 * manifests (each read once), then the candidates' live files are streamed and those not in the set go. */
#include <stdlib.h>
#include <string.h>

#include "maintenance/maintenance_int.h"
#include "util/clock.h"

#define DEFAULT_MAX_SNAPSHOT_AGE_MS 432000000LL /* 5 days */

/* What the last commit attempt removed, copied out of its base. */
typedef struct removed_snap {
  char *list;         /* manifest list, or NULL */
  char **manifests;   /* v1 inline manifests */
  size_t n_manifests;
} removed_snap;

typedef struct expire_ctx {
  const qb_expire_options *o;
  int64_t now;
  int64_t *ids; /* removed snapshot ids */
  size_t n_ids;
  const char **refs; /* refs removed (borrowed from the base: only used inside the attempt) */
  size_t n_refs;
  qb_expire_item *items; /* for on_item: refs removed (names owned), then snapshots removed */
  size_t n_items;
  int64_t refs_removed;
  removed_snap *snaps;
  size_t n_snaps;
  char **stats; /* statistics files of removed snapshots */
  size_t n_stats;
  int64_t snapshots;
  bool want_items; /* the caller passed on_item */
} expire_ctx;

static void ctx_reset(expire_ctx *c)
{
  for (size_t i = 0; i < c->n_snaps; i++) {
    free(c->snaps[i].list);
    for (size_t k = 0; k < c->snaps[i].n_manifests; k++) free(c->snaps[i].manifests[k]);
    free(c->snaps[i].manifests);
  }
  for (size_t i = 0; i < c->n_stats; i++) free(c->stats[i]);
  for (size_t i = 0; i < c->n_items; i++) free((char *)c->items[i].ref);
  free(c->items);
  c->items = NULL;
  c->n_items = 0;
  free(c->snaps);
  free(c->stats);
  free(c->ids);
  free(c->refs);
  c->snaps = NULL;
  c->stats = NULL;
  c->ids = NULL;
  c->refs = NULL;
  c->n_snaps = c->n_stats = c->n_ids = c->n_refs = 0;
}

static int prop_i64(int64_t *out, const qb_table_metadata *md, const char *key, int64_t def, qb_err *err)
{
  int rc = qb_tbl__prop_i64(out, md, key, def, err);
  if (rc == QB_OK && *out < 0) rc = QB_FAIL(err, QB_EINVAL, "table property %s must not be negative", key);
  return rc;
}

static const qb_snapshot *lookup(const qb_map *by_id, int64_t id)
{
  void **v = qb_map_get(by_id, &id, sizeof id);
  return v ? *v : NULL;
}

/* Java RemoveSnapshots.internalApply on `md`: the ids to remove and the refs to drop go into `c`. */
static int compute(expire_ctx *c, const qb_table_metadata *md, qb_err *err)
{
  ctx_reset(c);
  if (!qb_tbl__prop_bool(md, "gc.enabled", true))
    return QB_FAIL(err, QB_EINVAL, "cannot expire snapshots: gc.enabled is false (deleting files may corrupt "
                                   "other tables)");
  int64_t max_age, min_keep, max_ref_age;
  int rc;
  if ((rc = prop_i64(&max_age, md, "history.expire.max-snapshot-age-ms", DEFAULT_MAX_SNAPSHOT_AGE_MS, err)) ||
      (rc = prop_i64(&min_keep, md, "history.expire.min-snapshots-to-keep", 1, err)) ||
      (rc = prop_i64(&max_ref_age, md, "history.expire.max-ref-age-ms", INT64_MAX, err)))
    return rc;
  int64_t older = c->o->older_than_ms >= 0 ? c->o->older_than_ms : c->now - max_age;
  int64_t min_default = c->o->retain_last >= 0 ? c->o->retain_last : min_keep;
  size_t n = qb_table_metadata_n_snapshots(md), nr = qb_table_metadata_n_refs(md);
  c->snapshots = (int64_t)n;

  qb_map by_id;
  qb_u64set retain, referenced;
  qb_map_init(&by_id);
  qb_u64set_init(&retain);
  qb_u64set_init(&referenced);
  bool *kept_ref = calloc(nr ? nr : 1, sizeof *kept_ref);
  if (!kept_ref) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
  for (size_t i = 0; rc == QB_OK && i < n; i++) {
    const qb_snapshot *s = qb_table_metadata_snapshot_at(md, i);
    rc = qb_map_put(&by_id, &s->snapshot_id, sizeof s->snapshot_id, (void *)s, NULL, err);
  }
  /* refs to keep: main always; the others while younger than their max-ref-age-ms; dangling ones go */
  for (size_t i = 0; rc == QB_OK && i < nr; i++) {
    const qb_ref *r = qb_table_metadata_ref_at(md, i);
    const qb_snapshot *s = lookup(&by_id, r->snapshot_id);
    int64_t age_max = r->max_ref_age_ms >= 0 ? r->max_ref_age_ms : max_ref_age;
    kept_ref[i] = !strcmp(r->name, "main") ? s != NULL : s && c->now - s->timestamp_ms <= age_max;
    if (kept_ref[i]) rc = qb_u64set_add(&retain, (uint64_t)r->snapshot_id, err);
  }
  /* each kept branch: ancestors while fewer than min-snapshots-to-keep or newer than max-snapshot-age */
  for (size_t i = 0; rc == QB_OK && i < nr; i++) {
    const qb_ref *r = qb_table_metadata_ref_at(md, i);
    if (!kept_ref[i]) continue;
    if (r->type != QB_REF_BRANCH) {
      rc = qb_u64set_add(&referenced, (uint64_t)r->snapshot_id, err);
      continue;
    }
    int64_t cutoff = r->max_snapshot_age_ms >= 0 ? c->now - r->max_snapshot_age_ms : older;
    int64_t min = r->min_snapshots_to_keep >= 0 ? r->min_snapshots_to_keep : min_default;
    int64_t kept = 0;
    bool walking = true;
    size_t steps = 0;
    for (const qb_snapshot *a = lookup(&by_id, r->snapshot_id); rc == QB_OK && a && steps <= n; steps++) {
      if (walking && (kept < min || a->timestamp_ms >= cutoff)) {
        rc = qb_u64set_add(&retain, (uint64_t)a->snapshot_id, err);
        kept++;
      } else {
        walking = false;
      }
      if (rc == QB_OK) rc = qb_u64set_add(&referenced, (uint64_t)a->snapshot_id, err);
      a = a->has_parent ? lookup(&by_id, a->parent_id) : NULL;
    }
  }
  /* snapshots no ref reaches stay while younger than the cutoff */
  for (size_t i = 0; rc == QB_OK && i < n; i++) {
    const qb_snapshot *s = qb_table_metadata_snapshot_at(md, i);
    if (!qb_u64set_has(&referenced, (uint64_t)s->snapshot_id) && s->timestamp_ms >= older)
      rc = qb_u64set_add(&retain, (uint64_t)s->snapshot_id, err);
  }
  if (rc == QB_OK && ((c->ids = malloc((n ? n : 1) * sizeof *c->ids)) == NULL ||
                      (c->snaps = calloc(n ? n : 1, sizeof *c->snaps)) == NULL ||
                      (c->refs = malloc((nr ? nr : 1) * sizeof *c->refs)) == NULL))
    rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
  for (size_t i = 0; rc == QB_OK && i < nr; i++)
    if (!kept_ref[i]) c->refs[c->n_refs++] = qb_table_metadata_ref_at(md, i)->name;
  c->refs_removed = (int64_t)c->n_refs;
  if (rc == QB_OK && c->want_items && !(c->items = calloc(c->n_refs + n + 1, sizeof *c->items)))
    rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
  for (size_t i = 0; rc == QB_OK && c->items && i < nr; i++) {
    const qb_ref *r = qb_table_metadata_ref_at(md, i);
    if (kept_ref[i]) continue;
    const qb_snapshot *s = lookup(&by_id, r->snapshot_id);
    qb_expire_item *it = &c->items[c->n_items];
    if (!(it->ref = strdup(r->name))) {
      rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
      break;
    }
    c->n_items++;
    it->branch = r->type == QB_REF_BRANCH;
    it->dangling = s == NULL;
    it->snapshot_id = r->snapshot_id;
    it->timestamp_ms = s ? s->timestamp_ms : -1;
  }
  for (size_t i = 0; rc == QB_OK && i < n; i++) {
    const qb_snapshot *s = qb_table_metadata_snapshot_at(md, i);
    if (qb_u64set_has(&retain, (uint64_t)s->snapshot_id)) continue;
    c->ids[c->n_ids++] = s->snapshot_id;
    if (c->items) c->items[c->n_items++] = (qb_expire_item){NULL, false, false, s->snapshot_id, s->timestamp_ms};
    removed_snap *r = &c->snaps[c->n_snaps++];
    if (s->manifest_list && !(r->list = strdup(s->manifest_list))) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
    if (rc == QB_OK && s->n_manifests) {
      if (!(r->manifests = calloc(s->n_manifests, sizeof *r->manifests))) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
      for (size_t k = 0; rc == QB_OK && k < s->n_manifests; k++, r->n_manifests++)
        if (!(r->manifests[k] = strdup(s->manifests[k]))) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
    }
  }
  /* statistics of removed snapshots */
  for (int kind = 0; rc == QB_OK && kind < 2; kind++) {
    size_t ns;
    const qb_statistics_file *st =
        kind ? qb_table_metadata_partition_statistics(md, &ns) : qb_table_metadata_statistics(md, &ns);
    for (size_t i = 0; rc == QB_OK && i < ns; i++) {
      if (qb_u64set_has(&retain, (uint64_t)st[i].snapshot_id)) continue;
      char *p, **grown;
      if ((rc = qb_maint__statistics_path(&p, st[i].json, err)) || !p) continue;
      if (!(grown = realloc(c->stats, (c->n_stats + 1) * sizeof *grown))) {
        free(p);
        rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
        break;
      }
      c->stats = grown;
      c->stats[c->n_stats++] = p;
    }
  }
  free(kept_ref);
  qb_map_free(&by_id);
  qb_u64set_free(&retain);
  qb_u64set_free(&referenced);
  return rc;
}

static int apply(void *ctx, const qb_commit_base *base, qb_metadata_builder *b, qb_err *err)
{
  expire_ctx *c = ctx;
  int rc = compute(c, base->metadata, err);
  for (size_t i = 0; rc == QB_OK && i < c->n_refs; i++) rc = qb_metadata_builder_remove_ref(b, c->refs[i], err);
  if (rc == QB_OK && c->n_ids) rc = qb_metadata_builder_remove_snapshots(b, c->ids, c->n_ids, err);
  c->n_refs = 0; /* the names belong to the base */
  return rc;
}

/* ---- file cleanup ---- */

typedef struct cleanup {
  const qb_maint_tbl *m;
  qb_maint_deleter *d;
  qb_maint_pathset kept; /* key of a manifest of a kept snapshot -> recorded path */
  qb_maint_pathset cand; /* key of a manifest only removed snapshots reference -> recorded path */
  bool cand_live;              /* some candidate may hold live entries */
  qb_maint_pathset reachable; /* keys of the live files of kept manifests */
  qb_maint_pathset queued;    /* keys of files queued for deletion */
  qb_maint_pathset listed;    /* recorded paths of manifests the removed snapshots' lists already gave */
  qb_maint_pathset seen;      /* recorded paths of the candidates' live files already settled */
  qb_maint_pathset kept_stats; /* keys of the statistics files kept snapshots name */
  qb_u64set read;              /* removed snapshots whose manifest list was read whole */
  int64_t cur_snap;            /* the removed snapshot whose list is being read */
  char *key;                   /* the current entry's key (reused) */
  size_t key_cap;
  int64_t manifests_read;
} cleanup;

static int put_path(qb_maint_pathset *into, cleanup *cl, const char *recorded, const qb_maint_pathset *unless,
                    bool *added, qb_err *err)
{
  int rc = qb_maint__key_into(&cl->key, &cl->key_cap, cl->m, recorded, err);
  *added = false;
  if (rc == QB_OK && !(unless && qb_maint__pathset_has(unless, cl->key)))
    rc = qb_maint__pathset_add(into, cl->key, recorded, added, err);
  return rc;
}

static int on_kept_manifest(void *ctx, const char *path, qb_manifest_content content, int64_t added, int64_t live,
                            qb_err *err)
{
  (void)content;
  (void)added;
  (void)live;
  cleanup *cl = ctx;
  bool put;
  return put_path(&cl->kept, cl, path, NULL, &put, err);
}

static int on_removed_manifest(void *ctx, const char *path, qb_manifest_content content, int64_t added, int64_t live,
                               qb_err *err)
{
  (void)content;
  cleanup *cl = ctx;
  bool put = false;
  /* Consecutive lists repeat most of their manifests. One added by another removed snapshot whose list was
   * already read whole was settled there (a list holds the manifests its snapshot added); a list that
   * claims otherwise can only keep a manifest from being a candidate, never make one. */
  if (added >= 0 && added != cl->cur_snap && qb_u64set_has(&cl->read, (uint64_t)added)) return QB_OK;
  /* other paths seen before are settled without making their key */
  bool first;
  int rc = qb_maint__pathset_add(&cl->listed, path, NULL, &first, err);
  if (rc || !first) return rc;
  rc = put_path(&cl->cand, cl, path, &cl->kept, &put, err);
  if (put && live != 0) cl->cand_live = true; /* a manifest of deleted entries only has no file to give up */
  return rc;
}

static int on_kept_file(void *ctx, const char *path, qb_file_content content, qb_entry_status status, qb_err *err)
{
  (void)content;
  cleanup *cl = ctx;
  if (status == QB_ENTRY_DELETED) return QB_OK;
  int rc = qb_maint__key_into(&cl->key, &cl->key_cap, cl->m, path, err);
  return rc ? rc : qb_maint__pathset_add(&cl->reachable, cl->key, NULL, NULL, err);
}

static void queue(qb_maint_deleter *d, const qb_maint_tbl *m, qb_maint_file_kind kind, const char *recorded)
{
  char *p;
  qb_err e = QB_ERR_INIT;
  if (qb_maint__deletable(&p, m, recorded, &e) == QB_OK && p) qb_maint__delete(d, kind, p);
}

/* A live file of a candidate manifest: deleted unless a kept manifest has it live (Java reads live entries
 * only: a DELETED entry's file is live in an older manifest, or already gone). */
static int on_candidate_file(void *ctx, const char *path, qb_file_content content, qb_entry_status status, qb_err *err)
{
  cleanup *cl = ctx;
  if (status == QB_ENTRY_DELETED) return QB_OK;
  /* merged manifests repeat the files of the ones they replaced: a path seen before is settled */
  bool first = false;
  int rc = qb_maint__pathset_add(&cl->seen, path, NULL, &first, err);
  if (rc || !first) return rc;
  if ((rc = qb_maint__key_into(&cl->key, &cl->key_cap, cl->m, path, err))) return rc;
  if (!qb_maint__pathset_has(&cl->reachable, cl->key) &&
      (rc = qb_maint__pathset_add(&cl->queued, cl->key, NULL, &first, err)) == QB_OK && first)
    queue(cl->d, cl->m, content == QB_CONTENT_DATA ? QB_MAINT_DATA : QB_MAINT_DELETES, path);
  return rc;
}

/* Delete what the removed snapshots of `c` reached and the snapshots of `m` (except ids in `skip`) do not:
 * the set of manifests of kept snapshots (from their lists), the candidates (manifests of removed snapshots
 * not in it), the live files of kept manifests (each read once, and only if a candidate may hold live
 * entries), then the candidates streamed: a live file not in the set goes. */
static int clean_files(const qb_maint_tbl *m, const qb_u64set *skip, const expire_ctx *c, qb_maint_deleter *d,
                       int64_t *manifests_read, qb_err *err)
{
  const qb_table_metadata *md = m->view.md;
  cleanup cl = {m, d, {0}, {0}, false, {0}, {0}, {0}, {0}, {0}, {0}, -1, NULL, 0, 0};
  qb_u64set_init(&cl.read);
  qb_maint__pathset_init(&cl.kept);
  qb_maint__pathset_init(&cl.cand);
  qb_maint__pathset_init(&cl.reachable);
  qb_maint__pathset_init(&cl.queued);
  qb_maint__pathset_init(&cl.listed);
  qb_maint__pathset_init(&cl.seen);
  qb_maint__pathset_init(&cl.kept_stats);
  int rc = QB_OK;
  for (size_t i = 0; rc == QB_OK && i < qb_table_metadata_n_snapshots(md); i++) {
    const qb_snapshot *s = qb_table_metadata_snapshot_at(md, i);
    if (!skip || !qb_u64set_has(skip, (uint64_t)s->snapshot_id))
      rc = qb_maint__snapshot_manifests(m, s, on_kept_manifest, &cl, err);
  }
  for (size_t i = 0; rc == QB_OK && i < c->n_snaps; i++) {
    const removed_snap *r = &c->snaps[i];
    for (size_t k = 0; rc == QB_OK && k < r->n_manifests; k++)
      rc = on_removed_manifest(&cl, r->manifests[k], QB_MANIFEST_DATA, -1, -1, err);
    if (rc || !r->list) continue;
    qb_snapshot s = {0};
    s.manifest_list = r->list;
    cl.cur_snap = c->ids[i];
    rc = qb_maint__snapshot_manifests(m, &s, on_removed_manifest, &cl, err);
    if (rc == QB_OK) rc = qb_u64set_add(&cl.read, (uint64_t)c->ids[i], err);
    else if (rc == QB_ENOTFOUND) { /* deleted by an earlier, interrupted cleanup */
      qb_err_clear(err);
      rc = QB_OK;
    }
  }
  /* statistics files the kept snapshots name: one Puffin file may serve several snapshots (Java deletes the
   * statistics files of the metadata before expiration minus those of the metadata after) */
  for (int kind = 0; rc == QB_OK && kind < 2; kind++) {
    size_t ns;
    const qb_statistics_file *st =
        kind ? qb_table_metadata_partition_statistics(md, &ns) : qb_table_metadata_statistics(md, &ns);
    for (size_t i = 0; rc == QB_OK && i < ns; i++) {
      if (skip && qb_u64set_has(skip, (uint64_t)st[i].snapshot_id)) continue;
      char *p;
      bool put;
      if ((rc = qb_maint__statistics_path(&p, st[i].json, err)) == QB_OK && p)
        rc = put_path(&cl.kept_stats, &cl, p, NULL, &put, err);
      free(p);
    }
  }
  for (size_t i = 0; rc == QB_OK && cl.cand_live && i < cl.kept.cap; i++) {
    if (!cl.kept.slots[i].key) continue;
    rc = qb_maint__manifest_files(m, cl.kept.slots[i].value, on_kept_file, &cl, err);
    cl.manifests_read++;
  }
  for (size_t i = 0; rc == QB_OK && cl.cand_live && i < cl.cand.cap; i++) {
    if (!cl.cand.slots[i].key) continue;
    rc = qb_maint__manifest_files(m, cl.cand.slots[i].value, on_candidate_file, &cl, err);
    cl.manifests_read++;
    if (rc == QB_ENOTFOUND) {
      qb_err_clear(err);
      rc = QB_OK;
    }
  }
  if (rc == QB_OK) {
    for (size_t i = 0; i < cl.cand.cap; i++)
      if (cl.cand.slots[i].key) queue(d, m, QB_MAINT_MANIFEST, cl.cand.slots[i].value);
    for (size_t i = 0; i < c->n_snaps; i++)
      if (c->snaps[i].list) queue(d, m, QB_MAINT_MANIFEST_LIST, c->snaps[i].list);
    for (size_t i = 0; i < c->n_stats; i++) {
      bool put = false;
      qb_err e = QB_ERR_INIT; /* a key that cannot be made: the file stays */
      if (put_path(&cl.queued, &cl, c->stats[i], &cl.kept_stats, &put, &e) == QB_OK && put)
        queue(d, m, QB_MAINT_STATISTICS, c->stats[i]);
    }
    qb_maint__deleter_flush(d);
  } else {
    for (size_t i = 0; i < d->n; i++) free(d->paths[i]); /* files queued before the failure stay */
    d->n = 0;
  }
  *manifests_read = cl.manifests_read;
  qb_maint__pathset_free(&cl.kept);
  qb_maint__pathset_free(&cl.cand);
  qb_maint__pathset_free(&cl.reachable);
  qb_maint__pathset_free(&cl.queued);
  qb_maint__pathset_free(&cl.listed);
  qb_maint__pathset_free(&cl.seen);
  qb_maint__pathset_free(&cl.kept_stats);
  qb_u64set_free(&cl.read);
  free(cl.key);
  return rc;
}

int qb_expire_snapshots(qb_table *t, const qb_expire_options *opts, qb_expire_report *out, qb_err *err)
{
  qb_expire_options defaults = QB_EXPIRE_OPTIONS_INIT;
  const qb_expire_options *o = opts ? opts : &defaults;
  qb_expire_report rep;
  memset(&rep, 0, sizeof rep);
  rep.version = -1;
  expire_ctx c;
  memset(&c, 0, sizeof c);
  c.o = o;
  c.now = o->now_ms ? o->now_ms : qb_now_ms();
  qb_expire_item_fn on_item = o->version >= 2 ? o->on_item : NULL;
  c.want_items = on_item != NULL;
  qb_maint_tbl m;
  qb_u64set skip;
  qb_u64set_init(&skip);
  int rc = qb_maint__open(&m, t, err);
  if (rc == QB_OK) rc = compute(&c, m.view.md, err);
  rep.snapshots = c.snapshots;
  if (rc == QB_OK && (c.n_ids || c.refs_removed)) {
    if (o->dry_run) {
      for (size_t i = 0; rc == QB_OK && i < c.n_ids; i++) rc = qb_u64set_add(&skip, (uint64_t)c.ids[i], err);
    } else {
      qb_maint__close(&m);
      qb_commit_info info;
      rc = qb_table_commit_update(t, apply, &c, &info, err);
      if (rc == QB_OK) {
        rep.snapshots = c.snapshots; /* of the version the commit built on, as the count expired is */
        rep.version = info.version;
        rep.attempts = info.attempts;
        rc = qb_maint__open(&m, t, err);
      }
    }
    rep.expired = (int64_t)c.n_ids;
    rep.refs_removed = c.refs_removed;
    if (on_item && rc == QB_OK)
      for (size_t i = 0; i < c.n_items; i++) on_item(o->ctx, &c.items[i]);
    if (rc == QB_OK && c.n_ids) {
      qb_maint_deleter d;
      qb_maint__deleter_init(&d, m.io, o->dry_run, o->on_file, o->ctx, &rep.deleted);
      rc = clean_files(&m, o->dry_run ? &skip : NULL, &c, &d, &rep.manifests_read, err);
      if (rc && !o->dry_run)
        qb_err_wrap(err, "expired %lld snapshots in version %lld, but finding their files failed (nothing deleted)",
                    (long long)rep.expired, (long long)rep.version);
    }
  }
  qb_maint__close(&m);
  qb_u64set_free(&skip);
  ctx_reset(&c);
  if (out) *out = rep;
  return rc ? qb_err_wrap(err, "expiring snapshots of %s", qb_table_name(t)) : QB_OK;
}
