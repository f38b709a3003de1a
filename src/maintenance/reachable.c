/* SPDX-License-Identifier: Apache-2.0 */
/* Streaming the paths a snapshot reaches (spec "Manifest Lists": manifest_path 500, added_snapshot_id 503,
 * content 517; "Manifests": status 0, data_file 2 with content 134 and file_path 100) with the lean scanner
 * (iceberg/manifest_paths.c): fields matched by id, so v1 and v2 files of every writer read alike, and nothing
 * but the paths is decoded into memory (iceberg.md PART III pain point 6: expiration that loads whole
 * manifests runs out of memory). */
#include <stdlib.h>
#include <string.h>

#include "formats/json/json.h"
#include "maintenance/maintenance_int.h"

int qb_maint__scanner_open(qb_maint_tbl *m, qb_err *err) { return qb_manifest_paths__new(&m->scanner, err); }

void qb_maint__scanner_close(qb_maint_tbl *m)
{
  qb_manifest_paths__free(m->scanner);
  m->scanner = NULL;
}

typedef struct list_sink {
  qb_maint_manifest_fn fn;
  void *ctx;
} list_sink;

static int on_list_item(void *ctx, const qb_mp_list_item *it, qb_err *err)
{
  list_sink *k = ctx;
  int64_t live = it->added_files < 0 || it->existing_files < 0 ? -1 : it->added_files + it->existing_files;
  return k->fn(k->ctx, it->path, it->content == 1 ? QB_MANIFEST_DELETES : QB_MANIFEST_DATA, it->added_snapshot_id,
               live, err);
}

int qb_maint__snapshot_manifests(const qb_maint_tbl *m, const qb_snapshot *s, qb_maint_manifest_fn fn, void *ctx,
                                 qb_err *err)
{
  int rc = QB_OK;
  if (!s->manifest_list) { /* v1 inline manifests: data, added by an unknown snapshot */
    for (size_t i = 0; rc == QB_OK && i < s->n_manifests; i++)
      rc = fn(ctx, s->manifests[i], QB_MANIFEST_DATA, -1, -1, err);
    return rc;
  }
  char *phys;
  if ((rc = qb_tbl__path(&phys, &m->view, s->manifest_list, err)) == QB_OK) {
    list_sink k = {fn, ctx};
    rc = qb_manifest_paths__list(m->scanner, m->io, phys, on_list_item, &k, err);
    free(phys);
  }
  return rc ? qb_err_wrap(err, "manifest list %s", s->manifest_list) : QB_OK;
}

typedef struct entry_sink {
  qb_maint_file_path_fn fn;
  void *ctx;
} entry_sink;

static int on_entry(void *ctx, const qb_mp_entry *e, qb_err *err)
{
  entry_sink *k = ctx;
  if (e->status < 0 || e->status > 2 || e->content < 0 || e->content > 2)
    return QB_FAIL(err, QB_ECORRUPT, "entry status %lld / content %lld out of range", (long long)e->status,
                   (long long)e->content);
  return k->fn(k->ctx, e->path, (qb_file_content)e->content, (qb_entry_status)e->status, err);
}

int qb_maint__manifest_files(const qb_maint_tbl *m, const char *recorded, qb_maint_file_path_fn fn, void *ctx,
                             qb_err *err)
{
  char *phys;
  int rc = qb_tbl__path(&phys, &m->view, recorded, err);
  if (rc == QB_OK) {
    entry_sink k = {fn, ctx};
    rc = qb_manifest_paths__manifest(m->scanner, m->io, phys, on_entry, &k, err);
    free(phys);
  }
  return rc ? qb_err_wrap(err, "manifest %s", recorded) : QB_OK;
}

int qb_maint__statistics_path(char **out, const char *json, qb_err *err)
{
  *out = NULL;
  json_object *o;
  int rc = qb_json_parse(&o, json, strlen(json), err);
  if (rc) return rc;
  const char *p = NULL;
  if ((rc = qb_json_opt_str(&p, o, "statistics-path", err)) == QB_OK && p && !(*out = strdup(p)))
    rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
  json_object_put(o);
  return rc;
}
