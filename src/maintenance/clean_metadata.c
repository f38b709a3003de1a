/* SPDX-License-Identifier: Apache-2.0 */
/* Metadata file cleanup (Java CatalogUtil.deleteRemovedMetadataFiles, iceberg.md §7.5): the metadata-log keeps
 * write.metadata.previous-versions-max files; older versions of a Hadoop table are never read again (loading
 * starts at the hint or the newest version and probes forward), so they can go when the table allows it
 * (write.metadata.delete-after-commit.enabled) — also those left before the property was set, which Java
 * only reaches through orphan removal. The current version, newer ones, and the hint's are never deleted. */
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_int.h"
#include "maintenance/maintenance_int.h"
#include "util/str.h"

typedef struct clean_ctx {
  const qb_maint_tbl *m;
  qb_map keep; /* keys of metadata files to keep */
  int64_t current, hinted;
  char **doomed;
  size_t n_doomed, cap;
  qb_clean_metadata_report *rep;
} clean_ctx;

static int keep_path(clean_ctx *c, const char *p, qb_err *err)
{
  char *key;
  int rc = qb_maint__key(&key, c->m, p, err);
  if (rc) return rc;
  rc = qb_map_put_str(&c->keep, key, NULL, err);
  free(key);
  return rc;
}

static int on_entry(void *ctx, const char *name, bool is_dir, qb_err *err)
{
  clean_ctx *c = ctx;
  int64_t v;
  if (is_dir || qb_hadoop__parse_name(name, &v) == QB_MDNAME_NONE) return QB_OK;
  c->rep->metadata_files++;
  char *path = qb_str_printf("%s/metadata/%s", qb_table_location(c->m->t), name), *key = NULL;
  if (!path) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  int rc = qb_maint__key(&key, c->m, path, err);
  if (rc == QB_OK) {
    bool keep = c->current < 0 || v >= c->current || v == c->hinted || qb_map_has_str(&c->keep, key);
    if (keep) {
      c->rep->kept++;
    } else {
      if (c->n_doomed == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 32;
        char **g = realloc(c->doomed, cap * sizeof *g);
        if (!g) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
        else {
          c->doomed = g;
          c->cap = cap;
        }
      }
      if (rc == QB_OK) {
        c->doomed[c->n_doomed++] = path;
        path = NULL;
      }
    }
  }
  free(key);
  free(path);
  return rc;
}

/* The version version-hint.text names, or -1 (Java reads Integer.parseInt of the first line). */
static int64_t hinted_version(const qb_maint_tbl *m)
{
  char *p = qb_str_printf("%s/metadata/version-hint.text", qb_table_location(m->t));
  uint8_t *data = NULL;
  size_t n;
  qb_err e = QB_ERR_INIT;
  int64_t v = -1;
  if (p && qb_fileio_read_all(&data, &n, m->io, p, 64, &e) == QB_OK) {
    char buf[32];
    size_t k = 0;
    while (k < n && k < sizeof buf - 1 && data[k] >= '0' && data[k] <= '9') buf[k] = (char)data[k], k++;
    buf[k] = '\0';
    if (!k || !qb_str_to_i64(buf, &v)) v = -1;
  }
  free(data);
  free(p);
  return v;
}

/* A version file is deleted only after its freed marker is down (catalog_int.h: a writer on a stale base
 * must not publish the freed number again unseen). No marker, no deletion: the file stays for a later run. */
static int freed_marker(qb_maint_tbl *m, const char *meta_dir, const char *path)
{
  int64_t v;
  if (qb_hadoop__parse_name(qb_path_base(path), &v) == QB_MDNAME_NONE) return QB_OK; /* not a version */
  qb_err e = QB_ERR_INIT;
  return qb_hadoop__mark_freed(m->io, meta_dir, qb_table_metadata_uuid(m->view.md), path, NULL, &e);
}

int qb_clean_metadata(qb_table *t, const qb_clean_metadata_options *opts, qb_clean_metadata_report *out, qb_err *err)
{
  qb_clean_metadata_options defaults = QB_CLEAN_METADATA_OPTIONS_INIT;
  const qb_clean_metadata_options *o = opts ? opts : &defaults;
  qb_clean_metadata_report rep;
  memset(&rep, 0, sizeof rep);
  qb_maint_tbl m;
  int rc = qb_maint__open(&m, t, err);
  if (rc) return qb_err_wrap(err, "cleaning metadata of %s", qb_table_name(t));
  rep.enabled = o->force || qb_tbl__prop_bool(m.view.md, "write.metadata.delete-after-commit.enabled", false);
  clean_ctx c = {&m, {0}, qb_table_version(t), hinted_version(&m), NULL, 0, 0, &rep};
  qb_map_init(&c.keep);
  rc = keep_path(&c, qb_table_metadata_path(t), err);
  size_t n;
  const qb_metadata_log_entry *log = qb_table_metadata_metadata_log(m.view.md, &n);
  for (size_t i = 0; rc == QB_OK && i < n; i++) {
    char *own = qb_maint__logged_metadata_file(&m, log[i].metadata_file);
    rc = keep_path(&c, log[i].metadata_file, err);
    if (rc == QB_OK && own) rc = keep_path(&c, own, err);
    free(own);
  }
  char *dir = qb_str_printf("%s/metadata", qb_table_location(t));
  if (rc == QB_OK && !dir) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
  if (rc == QB_OK) rc = qb_fileio_list_dir(m.io, dir, on_entry, &c, err);
  qb_maint_deleter d;
  qb_maint__deleter_init(&d, m.io, o->dry_run || !rep.enabled, o->on_file, o->ctx, &rep.deleted);
  for (size_t i = 0; i < c.n_doomed; i++) {
    char *p = NULL;
    qb_err e = QB_ERR_INIT;
    /* the same containment rule as every deletion */
    if (rc == QB_OK && qb_maint__deletable(&p, &m, c.doomed[i], &e) == QB_OK && p && (o->dry_run || !rep.enabled ||
                                                                                   freed_marker(&m, dir, p) == QB_OK))
      qb_maint__delete(&d, QB_MAINT_METADATA, p);
    free(c.doomed[i]);
  }
  qb_maint__deleter_flush(&d);
  free(c.doomed);
  free(dir);
  qb_map_free(&c.keep);
  qb_maint__close(&m);
  if (out) *out = rep;
  return rc ? qb_err_wrap(err, "cleaning metadata of %s", qb_table_name(t)) : QB_OK;
}
