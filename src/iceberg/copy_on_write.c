/* SPDX-License-Identifier: Apache-2.0 */
/* Copy-on-write deletes (spec "Row-level Deletes": copy-on-write replaces data files; Java
 * SparkCopyOnWriteOperation): decide, file by file, whether a delete by row filter keeps a data file,
 * removes it whole, or rewrites it without the matching rows, in the same partition and spec. */
#include <stdlib.h>
#include <string.h>

#include "iceberg/copy_on_write.h"
#include "iceberg/data_writer_int.h"
#include "iceberg/iceberg_int.h"
#include "iceberg/partition_tuple.h"
#include "iceberg/producer_int.h"

typedef struct cow {
  qb_tbl v;
  const qb_schema *schema;
  const qb_bexpr *filter;
  const qb_name_mapping *mapping;
  qb_delete_index *dx;
  qb_arena arena;
  bool *needed; /* per top-level field: read for the decision */
  size_t n_top;
  const qb_cow_sink *sink;
} cow;

static int open_manifest(qb_manifest_reader **out, cow *c, const qb_manifest_file *mf, qb_err *err)
{
  int rc = qb_tbl__open_manifest(out, &c->v, c->schema, mf, err);
  return rc ? qb_err_wrap(err, "manifest %s", mf->manifest_path) : QB_OK;
}

static int open_list(qb_manifest_list_reader **lr, cow *c, const qb_snapshot *snap, qb_err *err)
{
  if (!snap->manifest_list) return qb_manifest_list_reader_open_snapshot(lr, c->v.io, snap, err);
  char *path;
  int rc = qb_tbl__path(&path, &c->v, snap->manifest_list, err);
  if (rc) return rc;
  rc = qb_manifest_list_reader_open(lr, c->v.io, path, err);
  free(path);
  return rc;
}

/* Read the data file's live rows (deletes applied). Without a writer: count the rows that match and the
 * ones that do not; with one: write the ones that do not. */
static int pass(uint64_t *yes, uint64_t *no, cow *c, const qb_data_file *f, const qb_partition_spec *spec,
                const bool *needed, qb_data_writer *w, qb_err *err)
{
  char *path;
  int rc = qb_tbl__path(&path, &c->v, f->file_path, err);
  if (rc) return rc;
  qb_data_reader_opts ro = {c->schema, needed, c->mapping, spec, &f->partition, NULL, 0};
  qb_data_reader *r;
  rc = qb_data_reader__open(&r, c->v.io, path, &ro, err);
  free(path);
  *yes = *no = 0;
  while (rc == QB_OK) {
    const qb_value *row;
    int64_t pos;
    if ((rc = qb_data_reader__next(&row, &pos, r, err)) || !row) break;
    if (qb_delete_index__deleted(c->dx, row, pos)) continue;
    qb_row_ref rc2 = {c->schema, row};
    /* three-valued: a filter that is null on the row is not true, so the row is kept (SQL DELETE) */
    if (qb_bexpr__eval(c->filter, qb_row__lookup_cb, &rc2)) {
      (*yes)++;
    } else {
      (*no)++;
      if (w) rc = qb_data_writer_write(w, row, err);
    }
  }
  qb_data_reader__close(r);
  return rc;
}

static int on_file(cow *c, const qb_manifest_entry *e, int32_t spec_id, const qb_partition_spec *spec,
                   const qb_bexpr *proj, qb_err *err)
{
  const qb_data_file *f = &e->data_file;
  qb_partition_tuple tc = {spec, &f->partition};
  if (spec && !qb_bexpr__eval(proj, qb_partition__tuple_lookup, &tc)) return QB_OK;
  /* the same pruning as the snapshot producer's, so both see the same candidates */
  if (!qb_bexpr__metrics_might_match(c->filter, f, c->schema) && f->record_count > 0) return QB_OK;
  if (spec && qb_producer__identity_only(c->filter, spec)) return QB_OK; /* the producer removes it whole */
  const qb_delete_file *const *dels;
  size_t nd;
  int rc = qb_delete_index__for(&dels, &nd, c->dx, f, spec_id, e->sequence_number, err);
  if (rc == QB_OK) rc = qb_delete_index__begin_file(c->dx, f, spec, dels, nd, err);
  if (rc) return rc;
  bool *needed = c->needed + c->n_top;
  memcpy(needed, c->needed, c->n_top * sizeof *needed);
  for (size_t i = 0; i < nd; i++) {
    const qb_data_file *d = dels[i]->file;
    for (size_t k = 0; d->content == QB_CONTENT_EQUALITY_DELETES && k < d->n_equality_ids; k++) {
      const qb_schema_entry *en = qb_schema__entry(c->schema, d->equality_ids[k]);
      if (en && en->path_len) needed[en->path[0]] = true;
    }
  }
  uint64_t yes, no;
  if ((rc = pass(&yes, &no, c, f, spec, needed, NULL, err))) return rc;
  if (!yes || !no) return c->sink->decided(c->sink->ctx, f->file_path, no == 0, err);
  if (!spec) return QB_FAIL(err, QB_ECORRUPT, "partition spec %d is not in the table", (int)spec_id);
  qb_data_writer *w;
  if ((rc = qb_data_writer__open(&w, &c->v, c->schema, spec, NULL, err))) return rc;
  uint64_t yes2, no2;
  rc = pass(&yes2, &no2, c, f, spec, NULL, w, err);
  if (rc == QB_OK && (yes2 != yes || no2 != no))
    rc = QB_FAIL(err, QB_ECORRUPT, "the file read differently the second time (%llu/%llu rows, then %llu/%llu)",
                 (unsigned long long)yes, (unsigned long long)no, (unsigned long long)yes2, (unsigned long long)no2);
  if (rc == QB_OK) rc = qb_data_writer_close(w, err);
  if (rc == QB_OK) rc = c->sink->rewritten(c->sink->ctx, f->file_path, w, spec_id, err);
  if (rc) qb_data_writer_abort(w);
  else qb_data_writer_free(w);
  return rc;
}

/* One pass over the snapshot's manifests of `content`. */
static int each_live(cow *c, const qb_snapshot *snap, qb_manifest_content content, qb_err *err)
{
  qb_manifest_list_reader *lr;
  int rc = open_list(&lr, c, snap, err);
  if (rc) return rc;
  for (;;) {
    const qb_manifest_file *mf;
    if ((rc = qb_manifest_list_reader_next(&mf, lr, err)) || !mf) break;
    if (mf->content != content || (mf->added_files_count == 0 && mf->existing_files_count == 0)) continue;
    const qb_partition_spec *spec = qb_table_metadata_spec_by_id(c->v.md, mf->partition_spec_id);
    const qb_bexpr *proj = &qb_bexpr__true;
    if (content == QB_MANIFEST_DATA && spec &&
        (rc = qb_bexpr__project(&proj, c->filter, spec, c->schema, &c->arena, err)))
      break;
    if (content == QB_MANIFEST_DATA && !qb_bexpr__summary_might_match(proj, mf, spec)) continue;
    qb_manifest_reader *r;
    if ((rc = open_manifest(&r, c, mf, err))) break;
    for (;;) {
      const qb_manifest_entry *e;
      if ((rc = qb_manifest_reader_next(&e, r, err)) || !e) break;
      if (e->status == QB_ENTRY_DELETED) continue;
      if (content == QB_MANIFEST_DELETES) {
        if (e->data_file.content != QB_CONTENT_DATA) rc = qb_delete_index__add(c->dx, e, mf->partition_spec_id, err);
      } else if (e->data_file.content == QB_CONTENT_DATA) {
        rc = on_file(c, e, mf->partition_spec_id, spec, proj, err);
        if (rc) qb_err_wrap(err, "data file %s", e->data_file.file_path);
      }
      if (rc) break;
    }
    qb_manifest_reader_close(r);
    if (rc) break;
  }
  qb_manifest_list_reader_close(lr);
  return rc;
}

int qb_cow__plan(const qb_tbl *view, const qb_snapshot *snap, const qb_expr *filter, const qb_cow_sink *sink,
                 qb_err *err)
{
  if (!snap || !filter) return QB_OK;
  cow c = {0};
  c.v = *view;
  c.sink = sink;
  c.schema = qb_table_metadata_current_schema(view->md);
  qb_arena_init(&c.arena, 4096);
  int rc = qb_expr__bind(&c.filter, filter, c.schema, &c.arena, err);
  if (rc == QB_OK && c.filter->op == QB_EXPR_FALSE) {
    qb_arena_release(&c.arena);
    return QB_OK;
  }
  const char *nm = qb_table_metadata_property(view->md, "schema.name-mapping.default");
  if (rc == QB_OK && nm) rc = qb_name_mapping__parse(&c.mapping, nm, &c.arena, err);
  c.n_top = qb_schema_struct(c.schema)->n_fields;
  if (rc == QB_OK && !(c.needed = calloc(2 * c.n_top + 1, sizeof *c.needed)))
    rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
  if (rc == QB_OK) { /* the filter's columns (all of them when it reads too many to list) */
    int32_t ids[64];
    size_t n = qb_bexpr__field_ids(c.filter, ids, 64);
    for (size_t i = 0; i < c.n_top; i++) c.needed[i] = n > 64;
    for (size_t i = 0; i < n && i < 64; i++) {
      const qb_schema_entry *en = qb_schema__entry(c.schema, ids[i]);
      if (en && en->path_len) c.needed[en->path[0]] = true;
    }
  }
  if (rc == QB_OK) rc = qb_delete_index__new(&c.dx, &c.v, c.schema, c.mapping, err);
  if (rc == QB_OK && qb_table_metadata_format_version(view->md) >= 2) rc = each_live(&c, snap, QB_MANIFEST_DELETES, err);
  if (rc == QB_OK) rc = each_live(&c, snap, QB_MANIFEST_DATA, err);
  qb_delete_index__free(c.dx);
  free(c.needed);
  qb_arena_release(&c.arena);
  return rc;
}
