/* SPDX-License-Identifier: Apache-2.0 */
/* Orphan file removal (Java DeleteOrphanFiles, iceberg.md §7.4): list the table directory, keep what the kept
 * metadata reaches and what is too young to judge, delete the rest (only when asked: dry run by default).
 * Paths on both sides are compared by one normalised key (maintenance_int.h), so "s3a://b/t/x" in a manifest
 * protects the listed "s3://b/t/x" (iceberg.md PART III pain point 7). */
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_int.h"
#include "maintenance/maintenance_int.h"
#include "qberg/s3.h"
#include "util/clock.h"
#include "util/str.h"

#define DEFAULT_WINDOW_MS (3 * 86400000LL)

/* Snapshot summary properties naming a file the snapshot's readers use beside its manifests: qberg ingest's
 * experiment index names its Bloom filter (pipeline/experiment_index.c; not an Iceberg statistics file,
 * which must be Puffin). A file a kept snapshot names this way is reachable. */
static const char *const sidecar_keys[] = {"qberg.bloom"};

typedef struct orphan_ctx {
  const qb_maint_tbl *m;
  const qb_orphan_options *o;
  qb_maint_pathset valid;     /* keys of referenced files */
  qb_maint_pathset manifests; /* keys of manifests already read */
  char *key;                  /* the current path's key (reused) */
  size_t key_cap;
  int64_t cutoff;
  int64_t version;  /* the current metadata version (-1 unknown) */
  qb_orphan_report *rep;
  qb_maint_pathset nested; /* directories (relative) below the table's that are tables themselves */
  char **orphans; /* deleted only once the whole listing succeeded */
  bool *temp;     /* orphans[i] is a temporary file */
  size_t n_orphans, cap_orphans;
} orphan_ctx;

static int add_valid(orphan_ctx *c, const char *recorded, qb_err *err)
{
  int rc = qb_maint__key_into(&c->key, &c->key_cap, c->m, recorded, err);
  return rc ? rc : qb_maint__pathset_add(&c->valid, c->key, NULL, NULL, err);
}

static int on_file(void *ctx, const char *path, qb_file_content content, qb_entry_status status, qb_err *err)
{
  (void)content;
  (void)status; /* every entry: a file a deleted entry names may still be read through an older snapshot */
  return add_valid(ctx, path, err);
}

static int on_manifest(void *ctx, const char *path, qb_manifest_content content, int64_t added, int64_t live,
                       qb_err *err)
{
  (void)content;
  (void)added;
  (void)live;
  orphan_ctx *c = ctx;
  bool first = false;
  int rc = qb_maint__key_into(&c->key, &c->key_cap, c->m, path, err);
  if (rc == QB_OK) rc = qb_maint__pathset_add(&c->manifests, c->key, NULL, &first, err);
  if (rc == QB_OK && first && (rc = qb_maint__pathset_add(&c->valid, c->key, NULL, NULL, err)) == QB_OK)
    rc = qb_maint__manifest_files(c->m, path, on_file, c, err);
  return rc;
}

/* The valid set: metadata files kept, version hint, and everything every snapshot reaches. Any failure here
 * fails the whole operation: deleting on partial knowledge could delete live data. */
static int collect(orphan_ctx *c, qb_err *err)
{
  const qb_table_metadata *md = c->m->view.md;
  int rc = add_valid(c, qb_table_metadata_path(c->m->t), err);
  size_t n;
  const qb_metadata_log_entry *log = qb_table_metadata_metadata_log(md, &n);
  for (size_t i = 0; rc == QB_OK && i < n; i++) {
    char *own = qb_maint__logged_metadata_file(c->m, log[i].metadata_file);
    rc = add_valid(c, log[i].metadata_file, err);
    if (rc == QB_OK && own) rc = add_valid(c, own, err);
    free(own);
  }
  char *hint = qb_str_printf("%s/metadata/version-hint.text", qb_table_location(c->m->t));
  if (!hint) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  if (rc == QB_OK) rc = add_valid(c, hint, err);
  free(hint);
  for (size_t i = 0; rc == QB_OK && i < qb_table_metadata_n_snapshots(md); i++) {
    const qb_snapshot *s = qb_table_metadata_snapshot_at(md, i);
    if (s->manifest_list) rc = add_valid(c, s->manifest_list, err);
    for (size_t k = 0; rc == QB_OK && k < sizeof sidecar_keys / sizeof *sidecar_keys; k++) {
      const char *p = qb_snapshot_summary_get(s, sidecar_keys[k]);
      qb_err e = QB_ERR_INIT; /* a value that is no path (another tool's property) protects nothing */
      if (p && *p && (rc = add_valid(c, p, &e)) != QB_OK && rc != QB_ENOMEM) rc = QB_OK;
      if (rc) *err = e;
      else qb_err_clear(&e);
    }
    if (rc == QB_OK) rc = qb_maint__snapshot_manifests(c->m, s, on_manifest, c, err);
  }
  for (int kind = 0; rc == QB_OK && kind < 2; kind++) {
    const qb_statistics_file *st =
        kind ? qb_table_metadata_partition_statistics(md, &n) : qb_table_metadata_statistics(md, &n);
    for (size_t i = 0; rc == QB_OK && i < n; i++) {
      char *p;
      if ((rc = qb_maint__statistics_path(&p, st[i].json, err)) == QB_OK && p) rc = add_valid(c, p, err);
      free(p);
    }
  }
  return rc;
}

/* A temporary file of a qberg writer, named by io/local.c "." + name + "." + 16 lowercase hex digits + ".tmp":
 * the length of the name it was to be published under, else 0. A killed writer leaves it behind (the rename
 * never came) and nothing else removes it. Matched strictly: any other hidden name is another tool's. */
static size_t temp_target_len(const char *s, size_t len)
{
  if (len < 23 || s[0] != '.' || memcmp(s + len - 4, ".tmp", 4) || s[len - 21] != '.') return 0;
  for (size_t i = len - 20; i < len - 4; i++)
    if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return 0;
  return len - 22;
}

/* Java HiddenPathFilter: a name starting with '_' or '.' (but not a partition directory "_x=1") below the
 * table directory: the catalog's lock directory, .crc sidecars, Spark's _SUCCESS markers. A qberg temporary
 * file (*temp set) is judged by the name it was to get, so it is hidden only where that file would be. */
static bool hidden(const char *rel, bool *temp)
{
  *temp = false;
  for (const char *s = rel; *s;) {
    const char *e = strchr(s, '/'), *name = s;
    size_t len = e ? (size_t)(e - s) : strlen(s), n = len, target = e ? 0 : temp_target_len(s, len);
    if (target) {
      *temp = true;
      name = s + 1;
      n = target;
    }
    if (n && (name[0] == '.' || name[0] == '_') && !memchr(name, '=', n)) return true;
    s = e ? e + 1 : s + len;
  }
  return false;
}

/* A metadata file of the current version or newer: a writer is committing it now */
static bool newer_metadata(const orphan_ctx *c, const char *rel)
{
  if (strncmp(rel, "metadata/", 9) || strchr(rel + 9, '/')) return false;
  int64_t v;
  return qb_hadoop__parse_name(rel + 9, &v) != QB_MDNAME_NONE && (c->version < 0 || v >= c->version);
}

/* A freed-version marker (catalog_int.h): it is what stops a stale writer from publishing a deleted version
 * number again, so it is never an orphan; commits bound their number themselves. */
static bool freed_marker(const char *rel)
{
  return !strncmp(rel, "metadata-freed/", 15) && rel[15] == 'v' && !strchr(rel + 15, '/');
}

/* A table's own file below this table's directory ("x/metadata/v1.metadata.json", the version hint): x is
 * another table (a Hadoop catalog made one inside this one's directory before create refused it), whose files
 * are not this table's orphans. Its directory relative to ours goes into `nested`. */
static int note_nested(orphan_ctx *c, const char *rel, qb_err *err)
{
  const char *base = strrchr(rel, '/');
  if (!base || base - rel < 9 || memcmp(base - 9, "/metadata", 9)) return QB_OK;
  int64_t v;
  if (strcmp(base + 1, "version-hint.text") && qb_hadoop__parse_name(base + 1, &v) == QB_MDNAME_NONE) return QB_OK;
  char *dir = qb_str_printf("%.*s", (int)(base - 9 - rel), rel);
  int rc = dir ? qb_maint__pathset_add(&c->nested, dir, NULL, NULL, err) : QB_FAIL(err, QB_ENOMEM, "out of memory");
  free(dir);
  return rc;
}

/* Whether the listed `path` lies in a nested table's directory */
static bool in_nested(const orphan_ctx *c, const char *path)
{
  if (!c->nested.count) return false;
  char *norm;
  qb_err e = QB_ERR_INIT;
  if (qb_uri_normalize(&norm, path, &e)) return true; /* cannot tell: keep it */
  bool in = false;
  char *rel = norm + strlen(c->m->root_norm);
  for (char *s = strchr(rel, '/'); s && !in; s = strchr(s + 1, '/')) {
    *s = '\0';
    in = qb_maint__pathset_has(&c->nested, rel);
    *s = '/';
  }
  free(norm);
  return in;
}

static int on_listed(void *ctx, const char *path, const qb_stat *st, qb_err *err)
{
  orphan_ctx *c = ctx;
  c->rep->listed++;
  char *norm;
  qb_err e = QB_ERR_INIT;
  if (qb_uri_normalize(&norm, path, &e)) return e.code == QB_ENOMEM ? QB_FAIL(err, QB_ENOMEM, "out of memory") : QB_OK;
  int rc = QB_OK;
  const char *rel = norm + strlen(c->m->root_norm);
  char *key = NULL;
  bool temp;
  if (!qb_maint__inside(c->m, norm)) {
    c->rep->hidden++; /* not ours to judge */
  } else if (hidden(rel, &temp)) {
    c->rep->hidden++;
  } else if ((rc = note_nested(c, rel, err)) != QB_OK) {
    /* out of memory */
  } else if ((rc = qb_maint__key(&key, c->m, path, err)) == QB_OK) {
    if (qb_maint__pathset_has(&c->valid, key) || newer_metadata(c, rel) || freed_marker(rel)) {
      c->rep->referenced++;
    } else if (st->mtime_ms <= 0 || st->mtime_ms >= c->cutoff) {
      c->rep->too_young++;
    } else {
      if (c->n_orphans == c->cap_orphans) {
        size_t cap = c->cap_orphans ? 2 * c->cap_orphans : 64;
        char **g = realloc(c->orphans, cap * sizeof *g);
        if (g) c->orphans = g;
        bool *tg = g ? realloc(c->temp, cap * sizeof *tg) : NULL;
        if (tg) c->temp = tg;
        if (!g || !tg) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
        else c->cap_orphans = cap;
      }
      if (rc == QB_OK && !(c->orphans[c->n_orphans] = strdup(path))) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
      if (rc == QB_OK) {
        c->temp[c->n_orphans] = temp;
        c->n_orphans++;
        c->rep->orphans++;
        c->rep->temp_files += temp;
      }
    }
  }
  free(key);
  free(norm);
  return rc;
}

/* An unfinished multipart upload under the table: a killed writer's once begun before the cutoff. They were
 * never aborted, their parts kept (and billed on AWS) for ever (found by exploreV). */
static int on_upload(void *ctx, const char *uri, const char *upload_id, int64_t initiated_ms, qb_err *err)
{
  orphan_ctx *c = ctx;
  (void)err;
  if (initiated_ms <= 0 || initiated_ms >= c->cutoff || in_nested(c, uri)) return QB_OK;
  c->rep->uploads++;
  qb_err e = QB_ERR_INIT;
  bool failed = !c->o->dry_run && qb_s3_upload_abort(c->m->io, uri, upload_id, &e) != QB_OK;
  c->rep->uploads_failed += failed;
  /* told like a file: a failure was only counted, its reason dropped and the exit status 0 (found by exploreR2) */
  if (c->o->on_file) c->o->on_file(c->o->ctx, QB_MAINT_UPLOAD, uri, failed ? &e : NULL);
  return QB_OK;
}

int qb_remove_orphan_files(qb_table *t, const qb_orphan_options *opts, qb_orphan_report *out, qb_err *err)
{
  qb_orphan_options defaults = QB_ORPHAN_OPTIONS_INIT;
  const qb_orphan_options *o = opts ? opts : &defaults;
  qb_orphan_report rep;
  memset(&rep, 0, sizeof rep);
  qb_maint_tbl m;
  int rc = qb_maint__open(&m, t, err);
  if (rc) return qb_err_wrap(err, "removing orphan files of %s", qb_table_name(t));
  int64_t now = o->now_ms ? o->now_ms : qb_now_ms();
  qb_maint_deleter d;
  qb_maint__deleter_init(&d, m.io, o->dry_run, o->on_file, o->ctx, &rep.deleted);
  orphan_ctx c = {&m, o, {0}, {0}, NULL, 0, o->older_than_ms >= 0 ? o->older_than_ms : now - DEFAULT_WINDOW_MS,
                  qb_table_version(t), &rep, {0}, NULL, NULL, 0, 0};
  qb_maint__pathset_init(&c.valid);
  qb_maint__pathset_init(&c.manifests);
  qb_maint__pathset_init(&c.nested);
  if (!qb_tbl__prop_bool(m.view.md, "gc.enabled", true))
    rc = QB_FAIL(err, QB_EINVAL, "cannot remove orphan files: gc.enabled is false");
  if (rc == QB_OK) rc = collect(&c, err);
  char *prefix = NULL;
  if (rc == QB_OK) {
    const char *loc = qb_table_location(t);
    prefix = qb_str_printf("%s%s", loc, loc[strlen(loc) - 1] == '/' ? "" : "/");
    if (!prefix) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
  }
  if (rc == QB_OK) rc = qb_fileio_list(m.io, prefix, on_listed, &c, err);
  for (size_t i = 0; i < c.n_orphans; i++) {
    if (rc == QB_OK && in_nested(&c, c.orphans[i])) { /* another table's: not ours to judge */
      rep.orphans--;
      rep.temp_files -= c.temp[i];
      rep.hidden++;
      free(c.orphans[i]);
    } else if (rc == QB_OK) {
      qb_maint__delete(&d, QB_MAINT_ORPHAN, c.orphans[i]);
    } else {
      free(c.orphans[i]);
    }
  }
  qb_maint__deleter_flush(&d);
  if (rc == QB_OK) {
    qb_err e = QB_ERR_INIT; /* a store without ListMultipartUploads (501, or not S3): nothing to abort */
    int urc = qb_s3_upload_list(m.io, prefix, on_upload, &c, &e);
    if (urc != QB_OK && urc != QB_EUNSUPPORTED) {
      /* a refused listing (403: no s3:ListBucketMultipartUploads) was "(1 failed)", no reason, exit 0 */
      rep.uploads_failed++;
      if (o->on_file) o->on_file(o->ctx, QB_MAINT_UPLOAD, prefix, &e);
    }
  }
  free(c.orphans);
  free(c.temp);
  qb_maint__pathset_free(&c.nested);
  free(prefix);
  qb_maint__pathset_free(&c.valid);
  qb_maint__pathset_free(&c.manifests);
  free(c.key);
  qb_maint__close(&m);
  if (out) *out = rep;
  return rc ? qb_err_wrap(err, "removing orphan files of %s", qb_table_name(t)) : QB_OK;
}
