/* SPDX-License-Identifier: Apache-2.0 */
/* drop --purge: the files a table references (Java CatalogUtil.dropTableData): every snapshot's manifest
 * list, the manifests in it (spec "Manifest Lists", manifest_path = field 500), the data and delete files
 * in those (spec "Manifests", data_file = field 2, file_path = field 100), and statistics files. Manifests
 * are read with a reader schema holding only those fields, matched by field id, so v1 and v2 files of
 * any writer read alike. */
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_int.h"
#include "formats/json/json.h"
#include "qberg/avro.h"
#include "util/hash.h"
#include "util/str.h"

static const char LIST_SCHEMA[] =
    "{\"type\":\"record\",\"name\":\"manifest_file\",\"fields\":["
    "{\"name\":\"manifest_path\",\"type\":\"string\",\"field-id\":500}]}";
static const char MANIFEST_SCHEMA[] =
    "{\"type\":\"record\",\"name\":\"manifest_entry\",\"fields\":[{\"name\":\"data_file\",\"field-id\":2,"
    "\"type\":{\"type\":\"record\",\"name\":\"r2\",\"fields\":["
    "{\"name\":\"file_path\",\"type\":\"string\",\"field-id\":100}]}}]}";

typedef struct refs {
  qb_table *t;
  const char *location; /* recorded in the metadata */
  qb_map data, manifests, lists, stats; /* resolved path -> NULL */
} refs;

/* A path recorded under the table's recorded location names the same file under the directory the table
 * is in now (a moved or copied table: the corpus tables record s3a://... locations). */
static char *resolve(const refs *r, const char *path)
{
  size_t ln = strlen(r->location);
  if (ln && !strncmp(path, r->location, ln) && path[ln] == '/')
    return qb_str_printf("%s%s", qb_table_location(r->t), path + ln);
  return strdup(path);
}

static int add(qb_map *m, const refs *r, const char *path, size_t n, qb_err *err)
{
  char *p = qb_str_printf("%.*s", (int)n, path), *res = p ? resolve(r, p) : NULL;
  free(p);
  if (!res) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  int rc = qb_map_put_str(m, res, NULL, err);
  free(res);
  return rc;
}

/* Each record of the Avro file `path` (projected by `schema_json`): the string at field `outer`
 * (-1: top level) / `inner` goes into `into`. A file already gone is skipped (an earlier purge). */
static int read_paths(refs *r, const char *path, const char *schema_json, int outer, qb_map *into, qb_err *err)
{
  qb_avro_schema *schema;
  int rc = qb_avro_schema_parse(&schema, schema_json, strlen(schema_json), err);
  if (rc) return rc;
  qb_avro_read_options o = QB_AVRO_READ_OPTIONS_INIT;
  o.reader_schema = schema;
  qb_avro_reader *rd;
  rc = qb_avro_reader_open_path(&rd, qb_catalog_io(r->t->cat), path, &o, err);
  if (rc == QB_ENOTFOUND) {
    qb_err_clear(err);
    qb_avro_schema_free(schema);
    return QB_OK;
  }
  const qb_value *v;
  while (rc == QB_OK && (rc = qb_avro_reader_next(&v, rd, err)) == QB_OK && v) {
    if (v->kind != QB_V_STRUCT || v->u.seq.n < 1) continue;
    const qb_value *s = &v->u.seq.items[0];
    if (outer >= 0) s = s->kind == QB_V_STRUCT && s->u.seq.n > 0 ? &s->u.seq.items[0] : NULL;
    if (s && s->kind == QB_V_STRING) rc = add(into, r, (const char *)s->u.bytes.p, s->u.bytes.n, err);
  }
  qb_avro_reader_close(rd);
  qb_avro_schema_free(schema);
  return rc ? qb_err_wrap(err, "reading %s", path) : QB_OK;
}

static int collect(refs *r, const qb_table_metadata *md, qb_err *err)
{
  int rc = QB_OK;
  for (size_t i = 0; rc == QB_OK && i < qb_table_metadata_n_snapshots(md); i++) {
    const qb_snapshot *s = qb_table_metadata_snapshot_at(md, i);
    if (s->manifest_list) rc = add(&r->lists, r, s->manifest_list, strlen(s->manifest_list), err);
    for (size_t k = 0; rc == QB_OK && k < s->n_manifests; k++) /* v1 inline manifests */
      rc = add(&r->manifests, r, s->manifests[k], strlen(s->manifests[k]), err);
  }
  for (size_t i = 0; rc == QB_OK && i < r->lists.cap; i++)
    if (r->lists.slots[i].key) rc = read_paths(r, r->lists.slots[i].key, LIST_SCHEMA, -1, &r->manifests, err);
  for (size_t i = 0; rc == QB_OK && i < r->manifests.cap; i++)
    if (r->manifests.slots[i].key) rc = read_paths(r, r->manifests.slots[i].key, MANIFEST_SCHEMA, 0, &r->data, err);
  /* statistics and partition statistics: {"statistics-path": ...} entries kept as JSON text by the model */
  for (int kind = 0; rc == QB_OK && kind < 2; kind++) {
    size_t n;
    const qb_statistics_file *st =
        kind ? qb_table_metadata_partition_statistics(md, &n) : qb_table_metadata_statistics(md, &n);
    for (size_t i = 0; rc == QB_OK && i < n; i++) {
      json_object *o;
      const char *p;
      if ((rc = qb_json_parse(&o, st[i].json, strlen(st[i].json), err)) != QB_OK) break;
      if ((rc = qb_json_req_str(&p, o, "statistics-path", err)) == QB_OK) rc = add(&r->stats, r, p, strlen(p), err);
      json_object_put(o);
    }
  }
  return rc;
}

/* Delete the paths of `m` that lie outside the table directory (what is inside goes with the directory),
 * and never a path of another scheme than the directory's: the FileIO of this table cannot name it. */
static int delete_outside(refs *r, qb_map *m, int *deleted, qb_err *err)
{
  const char *root = qb_table_location(r->t);
  size_t rn = strlen(root);
  const char *scheme_end = strstr(root, "://");
  const char *batch[1000]; /* S3 DeleteObjects takes 1,000 keys per request */
  size_t n = 0;
  int rc = QB_OK;
  for (size_t i = 0; rc == QB_OK && i <= m->cap; i++) {
    const char *p = i < m->cap ? m->slots[i].key : NULL;
    if (p && !(!strncmp(p, root, rn) && p[rn] == '/')) {
      const char *pe = strstr(p, "://");
      bool same_scheme = scheme_end ? pe && pe - p == scheme_end - root && !strncmp(p, root, (size_t)(pe - p))
                                    : !pe || qb_str_has_prefix(p, "file:");
      if (same_scheme) batch[n++] = p;
    }
    if (n == sizeof batch / sizeof batch[0] || (i == m->cap && n)) {
      rc = qb_fileio_delete_many(qb_catalog_io(r->t->cat), batch, n, err);
      if (rc == QB_OK) *deleted += (int)n;
      n = 0;
    }
  }
  return rc ? qb_err_wrap(err, "purging") : QB_OK;
}

static void refs_free(refs *r)
{
  qb_map_free(&r->data);
  qb_map_free(&r->manifests);
  qb_map_free(&r->lists);
  qb_map_free(&r->stats);
}

static int refs_collect(refs *r, qb_table *t, const qb_table_metadata **md, qb_err *err)
{
  int rc = qb_table_get_metadata(md, t, err);
  *r = (refs){t, rc ? "" : qb_table_metadata_location(*md), {0}, {0}, {0}, {0}};
  qb_map_init(&r->data);
  qb_map_init(&r->manifests);
  qb_map_init(&r->lists);
  qb_map_init(&r->stats);
  return rc ? rc : collect(r, *md, err);
}

int qb_catalog__referenced_files(qb_table *t, qb_ref_fn fn, void *ctx, qb_err *err)
{
  refs r;
  const qb_table_metadata *md;
  int rc = refs_collect(&r, t, &md, err);
  qb_map *maps[] = {&r.data, &r.manifests, &r.lists, &r.stats};
  for (int k = 0; rc == QB_OK && k < 4; k++)
    for (size_t i = 0; rc == QB_OK && i < maps[k]->cap; i++)
      if (maps[k]->slots[i].key) rc = fn(ctx, (qb_ref_kind)k, maps[k]->slots[i].key, err);
  refs_free(&r);
  return rc;
}

int qb_catalog__purge(qb_table *t, int *deleted, qb_err *err)
{
  *deleted = 0;
  refs r;
  const qb_table_metadata *md;
  int rc = refs_collect(&r, t, &md, err);
  if (rc) {
    refs_free(&r);
    return qb_err_wrap(err, "finding the files to purge");
  }
  /* gc.enabled=false: the data may be shared with another table; Java then removes only metadata */
  const char *gc = qb_table_metadata_property(md, "gc.enabled");
  bool gc_enabled = !gc || strcmp(gc, "false") != 0;
  /* Java's order: data and delete files, manifests, manifest lists, then statistics */
  if (rc == QB_OK && gc_enabled) rc = delete_outside(&r, &r.data, deleted, err);
  if (rc == QB_OK) rc = delete_outside(&r, &r.manifests, deleted, err);
  if (rc == QB_OK) rc = delete_outside(&r, &r.lists, deleted, err);
  if (rc == QB_OK) rc = delete_outside(&r, &r.stats, deleted, err);
  refs_free(&r);
  return rc;
}
