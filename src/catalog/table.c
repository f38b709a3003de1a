/* SPDX-License-Identifier: Apache-2.0 */
/* qb_table: a table directory and the metadata version a handle is at (loading: hadoop.c). */
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_int.h"
#include "util/str.h"

void qb_table__set(qb_table *t, char *path, int64_t version, uint8_t *json, size_t n)
{
  free(t->path);
  free(t->json);
  qb_table_metadata_free(t->md);
  t->md = NULL;
  t->path = path;
  t->version = version;
  t->json = json;
  t->json_n = n;
}

/* Is the current version the one the handle holds? Versions are published create-exclusive and never
 * rewritten, so the same plain v<N>.metadata.json of the same size is the same document: keep its parsed
 * metadata instead of reading and parsing it again (O(history) per commit under the lock). */
static bool unchanged(qb_table *t, const char *path, int64_t version)
{
  int64_t v;
  if (!t->md || !t->path || version < 0 || version != t->version || strcmp(path, t->path) ||
      qb_hadoop__parse_name(qb_path_base(path), &v) != QB_MDNAME_PLAIN)
    return false;
  qb_stat st;
  qb_err e = QB_ERR_INIT;
  if (qb_fileio_stat(t->cat->io, path, &st, &e) != QB_OK) {
    qb_err_clear(&e);
    return false;
  }
  return st.size_bytes == t->json_n;
}

/* Read `file`, or the current version of the table when file is NULL. */
static int load_version(qb_table *t, const char *file, qb_err *err)
{
  char *path = NULL;
  int64_t version = -1;
  int rc;
  uint8_t *json;
  size_t n;
  if (file) {
    if (!(path = strdup(file))) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    if (qb_hadoop__parse_name(qb_path_base(file), &version) == QB_MDNAME_NONE) version = -1;
    rc = qb_hadoop__read_metadata(t->cat->io, path, &json, &n, err);
  } else {
    /* The version found can vanish before it is read: another writer's commit deleted it
     * (write.metadata.delete-after-commit.enabled) once newer versions pushed it out of the metadata-log.
     * Then a newer version exists: look again. */
    for (int tries = 0;; tries++) {
      bool stale = false;
      if ((rc = qb_hadoop__find_current(t->cat->io, t->meta_dir, &path, &version, &stale, err)) != QB_OK)
        return rc;
      t->hint_stale = stale;
      if (unchanged(t, path, version)) {
        free(path);
        return QB_OK;
      }
      rc = qb_hadoop__read_metadata(t->cat->io, path, &json, &n, err);
      if (rc != QB_ENOTFOUND || tries == 8) break;
      qb_err_clear(err);
      free(path);
      path = NULL;
    }
  }
  if (rc) {
    free(path);
    return rc;
  }
  qb_table__set(t, path, version, json, n);
  return QB_OK;
}

int qb_table__open(qb_table **out, qb_catalog *cat, const char *name, const char *root, const char *file,
                   qb_err *err)
{
  *out = NULL;
  qb_table *t = calloc(1, sizeof *t);
  if (!t) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  t->cat = cat;
  t->version = -1;
  t->pinned = file != NULL;
  t->name = strdup(name);
  t->root = strdup(root);
  t->meta_dir = qb_path_join(root, "metadata");
  int rc = t->name && t->root && t->meta_dir ? load_version(t, file, err) : QB_FAIL(err, QB_ENOMEM, "out of memory");
  if (rc) {
    qb_table_free(t);
    return rc;
  }
  *out = t;
  return QB_OK;
}

int qb_table_load(qb_table **out, qb_catalog *cat, const char *table, qb_err *err)
{
  *out = NULL;
  char *root, *file;
  int rc = qb_catalog__resolve(cat, table, &root, &file, err);
  if (rc == QB_OK) {
    rc = qb_table__open(out, cat, table, root, file, err);
    free(root);
    free(file);
  }
  return rc ? qb_err_wrap(err, "loading table %s", table) : QB_OK;
}

int qb_table_refresh(qb_table *t, qb_err *err)
{
  if (t->pinned) return QB_OK;
  int rc = load_version(t, NULL, err);
  return rc ? qb_err_wrap(err, "refreshing table %s", t->name) : QB_OK;
}

void qb_table_free(qb_table *t)
{
  if (!t) return;
  free(t->name);
  free(t->root);
  free(t->meta_dir);
  free(t->path);
  free(t->json);
  qb_table_metadata_free(t->md);
  free(t);
}

int qb_table_get_metadata(const qb_table_metadata **out, qb_table *t, qb_err *err)
{
  *out = NULL;
  if (!t->md) {
    int rc = qb_table_metadata_parse(&t->md, t->json, t->json_n, err);
    if (rc) return qb_err_wrap(err, "table %s: %s", t->name, t->path);
  }
  *out = t->md;
  return QB_OK;
}

const char *qb_table_name(const qb_table *t) { return t->name; }
const char *qb_table_location(const qb_table *t) { return t->root; }
const char *qb_table_metadata_path(const qb_table *t) { return t->path; }
int64_t qb_table_version(const qb_table *t) { return t->version; }

int qb_table_repair_version_hint(qb_table *t, bool *repaired, qb_err *err)
{
  if (repaired) *repaired = false;
  if (t->pinned || !t->hint_stale || t->version < 0) return QB_OK;
  int rc = qb_hadoop__write_hint(t->cat->io, t->meta_dir, t->version, err);
  if (rc) return qb_err_wrap(err, "%s: repairing its version hint", t->name);
  t->hint_stale = false;
  if (repaired) *repaired = true;
  return QB_OK;
}

int qb_table__json(qb_slice *out, qb_table *t, qb_err *err)
{
  if (!t->json && t->md) {
    char *json;
    size_t n;
    int rc = qb_table_metadata_to_json(&json, &n, t->md, 0, err);
    if (rc) return qb_err_wrap(err, "table %s", t->name);
    t->json = (uint8_t *)json;
    t->json_n = n;
  }
  *out = (qb_slice){t->json, t->json_n};
  return QB_OK;
}

qb_slice qb_table_metadata_json(const qb_table *t)
{
  /* After a commit the handle keeps the metadata, not its document: serialise it now (the handle is
   * the caller's, used by one thread at a time; the bytes are those that were published). */
  qb_slice s = {NULL, 0};
  qb_err e = QB_ERR_INIT;
  if (qb_table__json(&s, (qb_table *)t, &e) != QB_OK) s = (qb_slice){NULL, 0};
  return s;
}
