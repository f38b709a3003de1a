/* SPDX-License-Identifier: Apache-2.0 */
/* Producing a snapshot (spec "Snapshots", "Manifests", "Commit Conflict Resolution and Retry"; Java
 * SnapshotProducer, MergingSnapshotProducer, ManifestFilterManager, ManifestMergeManager). Per attempt,
 * on the version being built on: validate the change (appends never conflict; removed files must still be
 * live; rewrites, and deletes/overwrites that rewrote files copy-on-write, fail if deletes were added for
 * the replaced files; overwrites, copy-on-write deletes and partition replacements fail if concurrent
 * commits added files they would have covered), write the manifests the attempt needs
 * (manifests of added files are written once and reused), stream the manifest list (new manifests first,
 * then the parent's, rewritten where files were removed), and add the snapshot to the metadata. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iceberg/manifest_int.h"
#include "iceberg/partition_tuple.h"
#include "iceberg/producer_int.h"
#include "util/clock.h"
#include "util/hash.h"
#include "util/str.h"

#define DEFAULT_MIN_COUNT_TO_MERGE 100
#define DEFAULT_MANIFEST_TARGET_SIZE ((int64_t)8 << 20)

enum { KEEP = 1, REMOVE = 2, PARTIAL = 3 }; /* filter decisions, cached per data file path */

typedef struct written {
  char *physical;
  bool used; /* referenced by the last attempt */
} written;

typedef struct new_manifest {
  int32_t spec_id;
  qb_manifest_content content;
  qb_manifest_file *mf; /* manifest_path = the recorded path */
  size_t file;          /* index in written */
} new_manifest;

struct qb_producer {
  qb_producer_spec s;
  char uuid[37];
  int64_t snapshot_id;
  int manifest_counter;
  written *files;
  size_t n_files, cap_files;
  new_manifest *adds; /* manifests of the added files: written at the first attempt, reused */
  size_t n_adds;
  bool adds_written;
  qb_map removed;      /* recorded path -> found in this attempt */
  qb_map decisions;    /* data file path -> KEEP / REMOVE / PARTIAL (files never change) */
  qb_buf key;
  qb_txn_result result;
  qb_fileio *io;       /* where the files were written (kept for the cleanup after the commit) */
  /* per attempt */
  const qb_tbl *base;  /* valid during qb_producer__apply only */
  const qb_schema *schema;
  const qb_snapshot *parent;
  int64_t seq;
  qb_arena arena;
  qb_map changed;      /* partition keys touched */
  qb_map removed_parts; /* partition keys of the data files removed */
  qb_summary_delta delta;
  size_t n_found;
};

/* ---- bookkeeping ---------------------------------------------------------------------------------------- */

static int track(qb_producer *p, const char *physical, size_t *idx, qb_err *err)
{
  if (p->n_files == p->cap_files) {
    size_t nc = p->cap_files ? p->cap_files * 2 : 16;
    written *nf = realloc(p->files, nc * sizeof *nf);
    if (!nf) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    p->files = nf;
    p->cap_files = nc;
  }
  if (!(p->files[p->n_files].physical = strdup(physical))) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  p->files[p->n_files].used = true;
  if (idx) *idx = p->n_files;
  p->n_files++;
  return QB_OK;
}

int qb_producer__new(qb_producer **out, const qb_producer_spec *s, qb_err *err)
{
  qb_producer *p = calloc(1, sizeof *p);
  if (!p) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  p->s = *s;
  qb_uuid_v4(p->uuid);
  qb_map_init(&p->removed);
  qb_map_init(&p->decisions);
  qb_map_init(&p->changed);
  qb_map_init(&p->removed_parts);
  qb_buf_init(&p->key, 1 << 20);
  qb_arena_init(&p->arena, 4096);
  for (size_t i = 0; i < s->n_decided; i++) {
    int rc = qb_map_put_str(&p->decisions, s->decided[i], (void *)(intptr_t)(s->decided_remove[i] ? REMOVE : KEEP), err);
    if (rc) {
      qb_producer__free(p);
      return rc;
    }
  }
  for (size_t i = 0; i < s->n_removed; i++) {
    int rc = qb_map_put_str(&p->removed, s->removed[i], NULL, err);
    if (rc) {
      qb_producer__free(p);
      return rc;
    }
  }
  *out = p;
  return QB_OK;
}

void qb_producer__free(qb_producer *p)
{
  if (!p) return;
  for (size_t i = 0; i < p->n_files; i++) free(p->files[i].physical);
  free(p->files);
  for (size_t i = 0; i < p->n_adds; i++) qb_manifest_file_free(p->adds[i].mf);
  free(p->adds);
  qb_map_free(&p->removed);
  qb_map_free(&p->decisions);
  qb_map_free(&p->changed);
  qb_map_free(&p->removed_parts);
  qb_buf_free(&p->key);
  qb_arena_release(&p->arena);
  free(p);
}

void qb_producer__finish(qb_producer *p, int rc)
{
  if (rc == QB_ECOMMIT_UNKNOWN || !p->io) return; /* it may be visible: keep every file */
  for (size_t i = 0; i < p->n_files; i++)
    if (rc != QB_OK || !p->files[i].used) qb_tbl__delete_quietly(p->io, p->files[i].physical);
}

void qb_producer__result(const qb_producer *p, qb_txn_result *out) { *out = p->result; }

/* ---- small helpers -------------------------------------------------------------------------------------- */

static const char *operation(const qb_producer *p)
{
  const qb_summary_delta *d = &p->delta;
  bool adds = d->added_data_files || d->added_delete_files, removes = d->deleted_data_files || d->removed_delete_files;
  switch (p->s.op) {
  case QB_TXN_APPEND:
  case QB_TXN_FAST_APPEND: return "append";
  case QB_TXN_DELETE: return adds ? "overwrite" : "delete"; /* copy-on-write added the rewritten files */
  case QB_TXN_REWRITE: return "replace";
  case QB_TXN_REPLACE_PARTITIONS: return "overwrite";
  case QB_TXN_OVERWRITE: return adds && !removes ? "append" : removes && !adds ? "delete" : "overwrite";
  case QB_TXN_ROW_DELTA:
    if (d->added_delete_files && !d->added_data_files) return "delete";
    return d->added_delete_files ? "overwrite" : "append";
  }
  return "overwrite";
}

static const qb_snapshot *snapshot_of(const qb_table_metadata *md, int64_t id)
{
  return id < 0 ? NULL : qb_table_metadata_snapshot_by_id(md, id);
}

/* The head of the target branch; a branch that does not exist yet forks from main (Java
 * SnapshotUtil.latestSnapshot). */
static const qb_snapshot *branch_head(const qb_table_metadata *md, const char *branch)
{
  const qb_ref *r = qb_table_metadata_ref(md, branch ? branch : "main");
  if (r) return qb_table_metadata_snapshot_by_id(md, r->snapshot_id);
  return qb_table_metadata_current_snapshot(md);
}

static int partition_key(qb_buf *b, int32_t spec_id, const qb_value *part, qb_err *err)
{
  qb_buf_reset(b);
  int rc = qb_buf_printf(b, err, "%d:", (int)spec_id);
  size_t n = part->kind == QB_V_STRUCT ? part->u.seq.n : 0;
  for (size_t i = 0; rc == QB_OK && i < n; i++) {
    const qb_value *v = &part->u.seq.items[i];
    uint8_t tmp[9] = {(uint8_t)v->kind};
    size_t tn = 1;
    switch (v->kind) {
    case QB_V_BOOL: tmp[1] = v->u.b, tn = 2; break;
    case QB_V_INT32: qb_put_le64(tmp + 1, (uint64_t)(int64_t)v->u.i32), tn = 9; break;
    case QB_V_INT64: qb_put_le64(tmp + 1, (uint64_t)v->u.i64), tn = 9; break;
    case QB_V_FLOAT: {
      double d = v->u.f32;
      memcpy(tmp + 1, &d, 8);
      tn = 9;
      break;
    }
    case QB_V_DOUBLE: memcpy(tmp + 1, &v->u.f64, 8), tn = 9; break;
    case QB_V_BYTES:
    case QB_V_STRING: qb_put_le64(tmp + 1, v->u.bytes.n), tn = 9; break;
    default: break;
    }
    rc = qb_buf_append(b, tmp, tn, err);
    if (rc == QB_OK && (v->kind == QB_V_BYTES || v->kind == QB_V_STRING))
      rc = qb_buf_append(b, v->u.bytes.p, v->u.bytes.n, err);
  }
  return rc;
}

static int mark_changed(qb_producer *p, int32_t spec_id, const qb_value *part, qb_err *err)
{
  int rc = partition_key(&p->key, spec_id, part, err);
  return rc ? rc : qb_map_put(&p->changed, p->key.p, p->key.n, NULL, NULL, err);
}

static void count_file(qb_summary_delta *d, const qb_data_file *f, bool added)
{
  int64_t one = 1, recs = f->record_count, size = f->file_size_in_bytes;
  if (f->content == QB_CONTENT_DATA) {
    if (added) d->added_data_files += one, d->added_records += recs, d->added_files_size += size;
    else d->deleted_data_files += one, d->deleted_records += recs, d->removed_files_size += size;
    return;
  }
  if (added) d->added_delete_files += one, d->added_files_size += size;
  else d->removed_delete_files += one, d->removed_files_size += size;
  if (f->content == QB_CONTENT_POSITION_DELETES) {
    if (added) d->added_pos_delete_files += one, d->added_pos_deletes += recs;
    else d->removed_pos_delete_files += one, d->removed_pos_deletes += recs;
  } else {
    if (added) d->added_eq_delete_files += one, d->added_eq_deletes += recs;
    else d->removed_eq_delete_files += one, d->removed_eq_deletes += recs;
  }
}

static int new_path(qb_producer *p, const qb_tbl *base, const char *name, char **physical, char **recorded, qb_err *err)
{
  char *rel = qb_str_printf("metadata/%s", name);
  if (!rel) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  int rc = qb_tbl__new_path(physical, recorded, base, rel, err);
  free(rel);
  (void)p;
  return rc;
}

static const qb_schema *schema_for_spec(const qb_tbl *base, const qb_partition_spec *spec)
{
  /* the current schema, unless a source column of this older spec was dropped from it */
  const qb_schema *cur = qb_table_metadata_current_schema(base->md);
  for (size_t i = 0; spec && i < spec->n_fields; i++)
    if (!qb_schema_find_field(cur, spec->fields[i].source_id)) {
      for (size_t k = qb_table_metadata_n_schemas(base->md); k-- > 0;) {
        const qb_schema *s = qb_table_metadata_schema_at(base->md, k);
        bool all = true;
        for (size_t j = 0; j < spec->n_fields && all; j++) all = qb_schema_find_field(s, spec->fields[j].source_id) != NULL;
        if (all) return s;
      }
      break;
    }
  return cur;
}

/* Open a manifest writer for a new manifest of this producer. */
static int open_manifest(qb_manifest_writer **w, char **recorded, size_t *idx, qb_producer *p, const qb_tbl *base,
                         int32_t spec_id, qb_manifest_content content, qb_err *err)
{
  const qb_partition_spec *spec = qb_table_metadata_spec_by_id(base->md, spec_id);
  if (!spec) return QB_FAIL(err, QB_EINVAL, "the table has no partition spec %d", (int)spec_id);
  char name[80], *physical = NULL;
  snprintf(name, sizeof name, "%s-m%d.avro", p->uuid, p->manifest_counter++);
  int rc = new_path(p, base, name, &physical, recorded, err);
  /* Batched publish: the version file, written after every manifest and the manifest list and referring to
   * them through the list, syncs metadata/ with their names in it before it appears, so a directory fsync
   * per manifest would only repeat it (docs/CATALOG.md, "Durability"). */
  qb_manifest_write_options mo = QB_MANIFEST_WRITE_OPTIONS_INIT;
  mo.batched = true;
  if (rc == QB_OK)
    rc = qb_manifest_writer_open(w, base->io, physical, schema_for_spec(base, spec), spec, content, p->snapshot_id,
                                 &mo, err);
  if (rc == QB_OK) rc = track(p, physical, idx, err);
  if (rc) {
    qb_manifest_writer_abort(*w);
    *w = NULL;
    free(*recorded);
    *recorded = NULL;
  }
  free(physical);
  return rc;
}

/* Close a manifest writer; *out is its list entry with the recorded path (owned). */
static int close_manifest(qb_manifest_file **out, qb_manifest_writer *w, const char *recorded, qb_err *err)
{
  qb_manifest_file *mf = NULL;
  int rc = qb_manifest_writer_close(&mf, w, err);
  if (rc) return rc;
  qb_manifest_file tmp = *mf;
  tmp.manifest_path = recorded;
  rc = qb_manifest_file_copy(out, &tmp, err);
  qb_manifest_file_free(mf);
  return rc;
}

/* ---- the added files' manifests (written once) ----------------------------------------------------------- */

static int write_added(qb_producer *p, const qb_tbl *base, qb_err *err)
{
  if (p->adds_written) return QB_OK;
  const qb_producer_spec *s = &p->s;
  bool *done = calloc(s->n_added ? s->n_added : 1, sizeof *done);
  if (!done) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  int rc = QB_OK;
  for (size_t i = 0; rc == QB_OK && i < s->n_added; i++) {
    if (done[i]) continue;
    int32_t spec_id = s->added_spec_ids[i];
    qb_manifest_content content = s->added[i]->content == QB_CONTENT_DATA ? QB_MANIFEST_DATA : QB_MANIFEST_DELETES;
    new_manifest *na = realloc(p->adds, (p->n_adds + 1) * sizeof *na);
    if (!na) {
      rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
      break;
    }
    p->adds = na;
    new_manifest *m = &p->adds[p->n_adds];
    memset(m, 0, sizeof *m);
    m->spec_id = spec_id;
    m->content = content;
    qb_manifest_writer *w;
    char *recorded;
    if ((rc = open_manifest(&w, &recorded, &m->file, p, base, spec_id, content, err))) break;
    for (size_t k = i; rc == QB_OK && k < s->n_added; k++) {
      const qb_data_file *f = s->added[k];
      if (done[k] || s->added_spec_ids[k] != spec_id || (f->content == QB_CONTENT_DATA) != (content == QB_MANIFEST_DATA))
        continue;
      done[k] = true;
      if (s->op == QB_TXN_REWRITE && s->start_sequence_number > 0) {
        /* Java use-starting-sequence-number: equality deletes committed since the rewrite started still
         * apply to the rewritten rows */
        qb_manifest_entry e = {QB_ENTRY_ADDED, p->snapshot_id, s->start_sequence_number, QB_UNASSIGNED, *f};
        rc = qb_manifest_writer_append(w, &e, err);
      } else {
        rc = qb_manifest_writer_add(w, f, err);
      }
      if (rc) qb_err_wrap(err, "adding %s", f->file_path);
    }
    if (rc) {
      qb_manifest_writer_abort(w);
      free(recorded);
      break;
    }
    rc = close_manifest(&m->mf, w, recorded, err);
    free(recorded);
    if (rc == QB_OK) p->n_adds++;
  }
  free(done);
  if (rc == QB_OK) p->adds_written = true;
  return rc;
}

/* ---- what to remove ------------------------------------------------------------------------------------- */

bool qb_producer__identity_only(const qb_bexpr *f, const qb_partition_spec *spec)
{
  int32_t ids[64];
  size_t n = qb_bexpr__field_ids(f, ids, 64);
  if (n > 64) return false;
  for (size_t i = 0; i < n; i++) {
    bool found = false;
    for (size_t k = 0; k < spec->n_fields && !found; k++)
      found = spec->fields[k].source_id == ids[i] && spec->fields[k].transform.kind == QB_TR_IDENTITY;
    if (!found) return false;
  }
  return true;
}

/* Read the file and count the rows that match and that do not. */
static int decide_by_rows(int *decision, qb_producer *p, const qb_bexpr *f, const qb_manifest_entry *e,
                          const qb_partition_spec *spec, qb_err *err)
{
  const qb_schema *schema = p->schema;
  const qb_type *st = qb_schema_struct(schema);
  bool *needed = calloc(st->n_fields ? st->n_fields : 1, sizeof *needed);
  if (!needed) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  int32_t ids[64];
  size_t n = qb_bexpr__field_ids(f, ids, 64);
  for (size_t i = 0; i < st->n_fields; i++) needed[i] = n > 64;
  for (size_t i = 0; i < n && i < 64; i++) {
    const qb_schema_entry *en = qb_schema__entry(schema, ids[i]);
    if (en && en->path_len) needed[en->path[0]] = true;
  }
  char *path = NULL;
  qb_data_reader *r = NULL;
  int rc = qb_tbl__path(&path, p->base, e->data_file.file_path, err);
  qb_data_reader_opts o = {schema, needed, NULL, spec, &e->data_file.partition, NULL, 0};
  if (rc == QB_OK) rc = qb_data_reader__open(&r, p->base->io, path, &o, err);
  uint64_t yes = 0, no = 0;
  while (rc == QB_OK) {
    const qb_value *row;
    if ((rc = qb_data_reader__next(&row, NULL, r, err)) || !row) break;
    qb_row_ref c = {schema, row};
    if (qb_bexpr__eval(f, qb_row__lookup_cb, &c)) yes++;
    else no++;
  }
  qb_data_reader__close(r);
  free(path);
  free(needed);
  *decision = yes && no ? PARTIAL : yes || !no ? REMOVE : KEEP;
  return rc;
}

typedef struct removal {
  const qb_bexpr *filter;      /* bound to the current schema, or NULL */
  const qb_bexpr *proj;        /* projected onto the manifest's spec */
  const qb_partition_spec *spec;
  int32_t spec_id;
  qb_map *replaced;            /* replace partitions: partition keys of the added files */
  bool replace_all_of_spec;    /* replace partitions of an unpartitioned spec */
} removal;

/* Whether a live entry is removed by this commit. */
static int should_remove(bool *out, qb_producer *p, const removal *rm, const qb_manifest_entry *e, qb_err *err)
{
  *out = false;
  const qb_data_file *f = &e->data_file;
  if (p->removed.count) {
    void **slot = qb_map_get(&p->removed, f->file_path, strlen(f->file_path));
    if (slot) {
      if (!*slot) p->n_found++;
      *slot = (void *)1;
      *out = true;
      return QB_OK;
    }
  }
  if (f->content != QB_CONTENT_DATA) return QB_OK;
  if (rm->replaced) {
    if (rm->replace_all_of_spec) {
      *out = true;
      return QB_OK;
    }
    int rc = partition_key(&p->key, rm->spec_id, &f->partition, err);
    if (rc) return rc;
    *out = qb_map_get(rm->replaced, p->key.p, p->key.n) != NULL;
    return QB_OK;
  }
  if (!rm->filter) return QB_OK;
  qb_partition_tuple tc = {rm->spec, &f->partition};
  if (!qb_bexpr__eval(rm->proj, qb_partition__tuple_lookup, &tc)) return QB_OK;
  if (!qb_bexpr__metrics_might_match(rm->filter, f, p->schema) && f->record_count > 0) return QB_OK;
  if (qb_producer__identity_only(rm->filter, rm->spec)) {
    *out = true;
    return QB_OK;
  }
  void **slot = qb_map_get(&p->decisions, f->file_path, strlen(f->file_path));
  int decision = slot ? (int)(intptr_t)*slot : 0;
  if (!decision) {
    int rc = decide_by_rows(&decision, p, rm->filter, e, rm->spec, err);
    if (rc == QB_OK) rc = qb_map_put_str(&p->decisions, f->file_path, (void *)(intptr_t)decision, err);
    if (rc) return rc;
  }
  if (decision == PARTIAL) /* the transaction rewrote every such file it saw: this one is new */
    return QB_FAIL(err, QB_ECONFLICT,
                   "a concurrent commit added %s, where some but not all rows match the filter: retry the delete",
                   f->file_path);
  *out = decision == REMOVE;
  return QB_OK;
}

static int open_manifest_reader(qb_manifest_reader **r, const qb_producer *p, const qb_manifest_file *mf, qb_err *err)
{
  char *path;
  int rc = qb_tbl__path(&path, p->base, mf->manifest_path, err);
  if (rc) return rc;
  qb_manifest_read_options ro = QB_MANIFEST_READ_OPTIONS_INIT;
  ro.manifest = mf;
  const qb_partition_spec *spec = qb_table_metadata_spec_by_id(p->base->md, mf->partition_spec_id);
  if (spec) {
    ro.spec = spec;
    ro.schema = schema_for_spec(p->base, spec);
  }
  rc = qb_manifest_reader_open(r, p->base->io, path, &ro, err);
  free(path);
  return rc;
}

/* Filter one parent manifest: *out is NULL when it stays as it is, else the rewritten manifest (entries
 * removed by this commit DELETED, the other live ones EXISTING). */
static int filter_manifest(qb_manifest_file **out, qb_producer *p, const qb_manifest_file *mf, const removal *rm,
                           qb_err *err)
{
  *out = NULL;
  qb_manifest_reader *r = NULL;
  bool any = false;
  int rc = open_manifest_reader(&r, p, mf, err);
  while (rc == QB_OK) { /* first pass: is anything removed? */
    const qb_manifest_entry *e;
    if ((rc = qb_manifest_reader_next(&e, r, err)) || !e) break;
    if (e->status == QB_ENTRY_DELETED) continue;
    bool rem;
    if ((rc = should_remove(&rem, p, rm, e, err))) break;
    any = any || rem;
  }
  qb_manifest_reader_close(r);
  r = NULL;
  if (rc || !any) return rc ? qb_err_wrap(err, "manifest %s", mf->manifest_path) : QB_OK;
  qb_manifest_writer *w = NULL;
  char *recorded = NULL;
  rc = open_manifest(&w, &recorded, NULL, p, p->base, mf->partition_spec_id, mf->content, err);
  if (rc == QB_OK) rc = open_manifest_reader(&r, p, mf, err);
  while (rc == QB_OK) {
    const qb_manifest_entry *e;
    if ((rc = qb_manifest_reader_next(&e, r, err)) || !e) break;
    if (e->status == QB_ENTRY_DELETED) continue; /* deletions of earlier snapshots are not carried on */
    bool rem;
    size_t before = p->n_found;
    if ((rc = should_remove(&rem, p, rm, e, err))) break;
    p->n_found = before; /* counted in the first pass */
    qb_manifest_entry ne = *e;
    ne.status = rem ? QB_ENTRY_DELETED : QB_ENTRY_EXISTING;
    if ((rc = qb_manifest_writer_append(w, &ne, err))) break;
    if (rem) {
      count_file(&p->delta, &e->data_file, false);
      if ((rc = mark_changed(p, mf->partition_spec_id, &e->data_file.partition, err))) break;
      if (e->data_file.content == QB_CONTENT_DATA &&
          (rc = qb_map_put(&p->removed_parts, p->key.p, p->key.n, NULL, NULL, err)))
        break;
      p->result.removed_files++;
      if (e->data_file.content == QB_CONTENT_DATA) p->result.removed_records += (uint64_t)e->data_file.record_count;
    }
  }
  qb_manifest_reader_close(r);
  if (rc == QB_OK) rc = close_manifest(out, w, recorded, err);
  else qb_manifest_writer_abort(w);
  free(recorded);
  if (rc == QB_OK) p->result.manifests_written++;
  return rc ? qb_err_wrap(err, "rewriting manifest %s", mf->manifest_path) : QB_OK;
}

/* ---- validation against concurrent commits ------------------------------------------------------------ */

/* Call fn on every live entry of every manifest added by the snapshots between the parent (inclusive)
 * and the start snapshot (exclusive) on the parent's ancestry, whose content is `content`. */
typedef int (*added_fn)(qb_producer *p, const qb_manifest_entry *e, int32_t spec_id, void *ctx, qb_err *err);

static int for_each_added_since(qb_producer *p, qb_manifest_content content, added_fn fn, void *ctx, qb_err *err)
{
  const qb_table_metadata *md = p->base->md;
  for (const qb_snapshot *s = p->parent; s && s->snapshot_id != p->s.start_snapshot_id;
       s = s->has_parent ? snapshot_of(md, s->parent_id) : NULL) {
    qb_manifest_list_reader *lr = NULL;
    int rc;
    if (s->manifest_list) {
      char *path;
      if ((rc = qb_tbl__path(&path, p->base, s->manifest_list, err))) return rc;
      rc = qb_manifest_list_reader_open(&lr, p->base->io, path, err);
      free(path);
    } else {
      rc = qb_manifest_list_reader_open_snapshot(&lr, p->base->io, s, err);
    }
    while (rc == QB_OK) {
      const qb_manifest_file *mf;
      if ((rc = qb_manifest_list_reader_next(&mf, lr, err)) || !mf) break;
      if (mf->content != content || mf->added_snapshot_id != s->snapshot_id) continue;
      qb_manifest_reader *r;
      if ((rc = open_manifest_reader(&r, p, mf, err))) break;
      while (rc == QB_OK) {
        const qb_manifest_entry *e;
        if ((rc = qb_manifest_reader_next(&e, r, err)) || !e) break;
        if (e->status == QB_ENTRY_ADDED && e->snapshot_id == s->snapshot_id)
          rc = fn(p, e, mf->partition_spec_id, ctx, err);
      }
      qb_manifest_reader_close(r);
    }
    qb_manifest_list_reader_close(lr);
    if (rc) return rc;
  }
  return QB_OK;
}

typedef struct conflict_ctx {
  const qb_bexpr *filter;
  qb_map *replaced;
  bool replace_all;
  const qb_map *removed_parts; /* rewrite: partitions of the removed data files */
} conflict_ctx;

static int conflicting_data(qb_producer *p, const qb_manifest_entry *e, int32_t spec_id, void *ctx, qb_err *err)
{
  conflict_ctx *c = ctx;
  const qb_data_file *f = &e->data_file;
  bool hit = false;
  if (c->replaced) {
    int rc = partition_key(&p->key, spec_id, &f->partition, err);
    if (rc) return rc;
    hit = c->replace_all || qb_map_get(c->replaced, p->key.p, p->key.n) != NULL;
  } else if (c->filter) {
    const qb_partition_spec *spec = qb_table_metadata_spec_by_id(p->base->md, spec_id);
    const qb_bexpr *proj = &qb_bexpr__true;
    if (spec && qb_bexpr__project(&proj, c->filter, spec, p->schema, &p->arena, err)) return err->code;
    qb_partition_tuple tc = {spec, &f->partition};
    hit = (!spec || qb_bexpr__eval(proj, qb_partition__tuple_lookup, &tc)) &&
          qb_bexpr__metrics_might_match(c->filter, f, p->schema);
  }
  if (hit)
    return QB_FAIL(err, QB_ECONFLICT, "a concurrent commit (snapshot %lld) added %s, which this %s would have covered",
                   (long long)e->snapshot_id, f->file_path,
                   p->s.op == QB_TXN_REPLACE_PARTITIONS ? "partition replacement" : "overwrite");
  return QB_OK;
}

static int conflicting_delete(qb_producer *p, const qb_manifest_entry *e, int32_t spec_id, void *ctx, qb_err *err)
{
  conflict_ctx *c = ctx;
  const qb_data_file *f = &e->data_file;
  bool hit;
  if (f->content == QB_CONTENT_POSITION_DELETES && f->referenced_data_file) {
    hit = qb_map_get(&p->removed, f->referenced_data_file, strlen(f->referenced_data_file)) != NULL;
  } else {
    const qb_partition_spec *spec = qb_table_metadata_spec_by_id(p->base->md, spec_id);
    int rc = partition_key(&p->key, spec_id, &f->partition, err);
    if (rc) return rc;
    hit = (f->content == QB_CONTENT_EQUALITY_DELETES && (!spec || spec->n_fields == 0)) ||
          qb_map_get(c->removed_parts, p->key.p, p->key.n) != NULL;
  }
  if (hit)
    return QB_FAIL(err, QB_ECONFLICT,
                   "a concurrent commit (snapshot %lld) added delete file %s for files this commit replaces",
                   (long long)e->snapshot_id, f->file_path);
  return QB_OK;
}

/* ---- the attempt --------------------------------------------------------------------------------------- */

typedef struct merge_plan {
  int32_t spec_id;
  bool active;
} merge_plan;

static int64_t new_snapshot_id(const qb_table_metadata *md)
{
  for (;;) { /* Java: a random UUID folded to a positive long; never one the table has */
    int64_t id = (int64_t)(qb_random_u64() & INT64_MAX);
    if (id && !qb_table_metadata_snapshot_by_id(md, id)) return id;
  }
}

static int open_parent_list(qb_manifest_list_reader **lr, qb_producer *p, qb_err *err)
{
  *lr = NULL;
  if (!p->parent) return QB_OK;
  if (!p->parent->manifest_list) return qb_manifest_list_reader_open_snapshot(lr, p->base->io, p->parent, err);
  char *path;
  int rc = qb_tbl__path(&path, p->base, p->parent->manifest_list, err);
  if (rc) return rc;
  rc = qb_manifest_list_reader_open(lr, p->base->io, path, err);
  free(path);
  return rc;
}

/* A parent manifest the v2 list cannot record as it is: a v1 snapshot's inline "manifests" (no manifest list)
 * or an old v1 list entry carry neither the length nor the file and row counts. Java's GenericManifestFile(file,
 * specId) takes the length from the file; the counts are those of its entries. Others are returned as they are
 * (*out NULL). */
static int complete_manifest(qb_manifest_file **out, qb_producer *p, const qb_manifest_file *mf, qb_err *err)
{
  *out = NULL;
  if (mf->manifest_length >= 0 && mf->added_files_count >= 0 && mf->existing_files_count >= 0 &&
      mf->deleted_files_count >= 0 && mf->added_rows_count >= 0 && mf->existing_rows_count >= 0 &&
      mf->deleted_rows_count >= 0)
    return QB_OK;
  char *path;
  int rc = qb_tbl__path(&path, p->base, mf->manifest_path, err);
  if (rc) return rc;
  qb_manifest_file *c = NULL;
  qb_manifest_reader *r = NULL;
  qb_stat st;
  if ((rc = qb_manifest_file_copy(&c, mf, err)) == QB_OK && (rc = qb_fileio_stat(p->base->io, path, &st, err)) == QB_OK) {
    c->manifest_length = (int64_t)st.size_bytes;
    c->added_files_count = c->existing_files_count = c->deleted_files_count = 0;
    c->added_rows_count = c->existing_rows_count = c->deleted_rows_count = 0;
    qb_manifest_read_options ro = QB_MANIFEST_READ_OPTIONS_INIT;
    ro.manifest = mf;
    rc = qb_manifest_reader_open(&r, p->base->io, path, &ro, err);
  }
  while (rc == QB_OK) {
    const qb_manifest_entry *e;
    if ((rc = qb_manifest_reader_next(&e, r, err)) || !e) break;
    int64_t rows = e->data_file.record_count > 0 ? e->data_file.record_count : 0;
    if (e->status == QB_ENTRY_ADDED) c->added_files_count++, c->added_rows_count += rows;
    else if (e->status == QB_ENTRY_EXISTING) c->existing_files_count++, c->existing_rows_count += rows;
    else c->deleted_files_count++, c->deleted_rows_count += rows;
  }
  qb_manifest_reader_close(r);
  if (rc) {
    qb_manifest_file_free(c);
    rc = qb_err_wrap(err, "manifest %s of snapshot %" PRId64, path, p->parent ? p->parent->snapshot_id : -1);
  } else {
    *out = c;
  }
  free(path);
  return rc;
}

/* MergeAppend: when a spec has at least min-count-to-merge data manifests, its manifests below the target
 * size (and the new one) are merged into one, new entries ADDED and the others EXISTING. */
static int merge_manifests(qb_manifest_file **out, qb_producer *p, int32_t spec_id, int64_t target, qb_err *err)
{
  *out = NULL;
  qb_manifest_writer *w = NULL;
  char *recorded = NULL;
  int rc = open_manifest(&w, &recorded, NULL, p, p->base, spec_id, QB_MANIFEST_DATA, err);
  for (size_t i = 0; rc == QB_OK && i < p->s.n_added; i++)
    if (p->s.added_spec_ids[i] == spec_id && p->s.added[i]->content == QB_CONTENT_DATA)
      rc = qb_manifest_writer_add(w, p->s.added[i], err);
  qb_manifest_list_reader *lr = NULL;
  if (rc == QB_OK) rc = open_parent_list(&lr, p, err);
  while (rc == QB_OK && lr) {
    const qb_manifest_file *mf;
    if ((rc = qb_manifest_list_reader_next(&mf, lr, err)) || !mf) break;
    if (mf->content != QB_MANIFEST_DATA || mf->partition_spec_id != spec_id || mf->manifest_length >= target) continue;
    qb_manifest_reader *r;
    if ((rc = open_manifest_reader(&r, p, mf, err))) break;
    while (rc == QB_OK) {
      const qb_manifest_entry *e;
      if ((rc = qb_manifest_reader_next(&e, r, err)) || !e) break;
      if (e->status == QB_ENTRY_DELETED) continue;
      qb_manifest_entry ne = *e;
      ne.status = QB_ENTRY_EXISTING;
      rc = qb_manifest_writer_append(w, &ne, err);
    }
    qb_manifest_reader_close(r);
  }
  qb_manifest_list_reader_close(lr);
  if (rc == QB_OK) rc = close_manifest(out, w, recorded, err);
  else qb_manifest_writer_abort(w);
  free(recorded);
  if (rc == QB_OK) p->result.manifests_written++;
  return rc;
}

int qb_producer__apply(qb_producer *p, const qb_tbl *base, int attempt, qb_metadata_builder *b, qb_err *err)
{
  const qb_table_metadata *md = base->md;
  const qb_producer_spec *s = &p->s;
  p->base = base;
  p->io = base->io;
  p->schema = qb_table_metadata_current_schema(md);
  p->parent = branch_head(md, s->branch);
  /* Java TableMetadata.nextSequenceNumber: v1 tables have no sequence numbers (all 0, no
   * last-sequence-number to advance); a v1 snapshot numbered 1 made the table unloadable */
  p->seq = qb_table_metadata_format_version(md) > 1 ? qb_table_metadata_last_sequence_number(md) + 1 : 0;
  if (!p->snapshot_id || qb_table_metadata_snapshot_by_id(md, p->snapshot_id)) p->snapshot_id = new_snapshot_id(md);
  memset(&p->delta, 0, sizeof p->delta);
  memset(&p->result, 0, sizeof p->result);
  qb_map_free(&p->changed);
  qb_map_init(&p->changed);
  qb_map_free(&p->removed_parts);
  qb_map_init(&p->removed_parts);
  qb_arena_release(&p->arena);
  qb_arena_init(&p->arena, 4096);
  for (size_t i = 0; i < p->removed.cap; i++)
    if (p->removed.slots[i].key) p->removed.slots[i].value = NULL;
  p->n_found = 0;
  for (size_t i = 0; i < p->n_files; i++) p->files[i].used = false;
  int rc = QB_OK;
  qb_map replaced;
  qb_map_init(&replaced);
  qb_manifest_list_reader *lr = NULL;
  qb_manifest_list_writer *lw = NULL;
  char *list_physical = NULL, *list_recorded = NULL;
  qb_kv *summary = NULL;
  size_t n_summary = 0;
  merge_plan merges[8];
  size_t n_merges = 0;

  /* the filter, on this version's schema */
  removal rm = {NULL, NULL, NULL, 0, NULL, false};
  if (s->filter && (rc = qb_expr__bind(&rm.filter, s->filter, p->schema, &p->arena, err))) goto done;
  if (rm.filter && rm.filter->op == QB_EXPR_FALSE) rm.filter = NULL;

  /* replace partitions: the partitions of the added files */
  bool replace_all = false;
  if (s->op == QB_TXN_REPLACE_PARTITIONS) {
    for (size_t i = 0; rc == QB_OK && i < s->n_added; i++) {
      const qb_partition_spec *sp = qb_table_metadata_spec_by_id(md, s->added_spec_ids[i]);
      if (sp && sp->n_fields == 0) replace_all = true;
      if ((rc = partition_key(&p->key, s->added_spec_ids[i], &s->added[i]->partition, err)) == QB_OK)
        rc = qb_map_put(&replaced, p->key.p, p->key.n, (void *)1, NULL, err);
    }
    if (rc) goto done;
    rm.replaced = &replaced;
  }

  /* concurrent commits since the transaction began */
  bool moved = p->parent && p->parent->snapshot_id != s->start_snapshot_id;
  if (moved && s->check_concurrent_adds &&
      (((s->op == QB_TXN_OVERWRITE || s->rewrites) && rm.filter) || s->op == QB_TXN_REPLACE_PARTITIONS)) {
    conflict_ctx c = {rm.filter, rm.replaced, replace_all, NULL};
    if ((rc = for_each_added_since(p, QB_MANIFEST_DATA, conflicting_data, &c, err))) goto done;
  }

  if ((rc = write_added(p, base, err))) goto done;
  for (size_t i = 0; i < p->n_adds; i++) p->files[p->adds[i].file].used = false; /* until listed */
  for (size_t i = 0; i < s->n_added; i++) {
    count_file(&p->delta, s->added[i], true);
    if ((rc = mark_changed(p, s->added_spec_ids[i], &s->added[i]->partition, err))) goto done;
    p->result.added_files++;
    if (s->added[i]->content == QB_CONTENT_DATA) p->result.added_records += (uint64_t)s->added[i]->record_count;
  }
  p->result.manifests_written = attempt == 1 ? p->n_adds : 0;

  /* merge append: which specs to merge */
  int64_t min_count, target;
  if ((rc = qb_tbl__prop_i64(&min_count, md, "commit.manifest.min-count-to-merge", DEFAULT_MIN_COUNT_TO_MERGE, err)) ||
      (rc = qb_tbl__prop_i64(&target, md, "commit.manifest.target-size-bytes", DEFAULT_MANIFEST_TARGET_SIZE, err)))
    goto done;
  if (s->op == QB_TXN_APPEND && qb_tbl__prop_bool(md, "commit.manifest-merge.enabled", true)) {
    for (size_t i = 0; i < p->n_adds && n_merges < 8; i++)
      if (p->adds[i].content == QB_MANIFEST_DATA) merges[n_merges++] = (merge_plan){p->adds[i].spec_id, false};
    if (n_merges && (rc = open_parent_list(&lr, p, err)) == QB_OK && lr) {
      int64_t counts[8] = {0};
      for (;;) {
        const qb_manifest_file *mf;
        if ((rc = qb_manifest_list_reader_next(&mf, lr, err)) || !mf) break;
        for (size_t k = 0; k < n_merges; k++)
          if (mf->content == QB_MANIFEST_DATA && mf->partition_spec_id == merges[k].spec_id && mf->manifest_length < target)
            counts[k]++;
      }
      for (size_t k = 0; k < n_merges; k++) merges[k].active = counts[k] + 1 >= min_count && counts[k] >= 1;
      qb_manifest_list_reader_close(lr);
      lr = NULL;
    }
    if (rc) goto done;
  }

  /* the manifest list: new manifests first */
  char name[128];
  snprintf(name, sizeof name, "snap-%lld-%d-%s.avro", (long long)p->snapshot_id, attempt, p->uuid);
  if ((rc = new_path(p, base, name, &list_physical, &list_recorded, err))) goto done;
  /* Batched too: the version file, the one file that refers to the list, is a durable publish through the
   * same FileIO and syncs metadata/ (with the manifests' and the list's names in it) before it appears. */
  qb_manifest_write_options lo = QB_MANIFEST_WRITE_OPTIONS_INIT;
  lo.batched = true;
  if ((rc = qb_manifest_list_writer_open(&lw, base->io, list_physical, p->snapshot_id,
                                         p->parent ? p->parent->snapshot_id : QB_UNASSIGNED, p->seq, &lo, err)))
    goto done;
  if ((rc = track(p, list_physical, NULL, err))) goto done;
  for (size_t i = 0; i < p->n_adds; i++) {
    bool merged = false;
    for (size_t k = 0; k < n_merges; k++)
      merged = merged || (merges[k].active && merges[k].spec_id == p->adds[i].spec_id);
    if (merged && p->adds[i].content == QB_MANIFEST_DATA) continue;
    if ((rc = qb_manifest_list_writer_append(lw, p->adds[i].mf, err))) goto done;
    p->files[p->adds[i].file].used = true;
  }
  for (size_t k = 0; k < n_merges; k++) {
    if (!merges[k].active) continue;
    qb_manifest_file *m;
    if ((rc = merge_manifests(&m, p, merges[k].spec_id, target, err))) goto done;
    rc = qb_manifest_list_writer_append(lw, m, err);
    qb_manifest_file_free(m);
    if (rc) goto done;
  }

  /* then the parent's manifests, rewritten where this commit removes files */
  bool removes = s->n_removed || rm.filter || rm.replaced, merging = false;
  for (size_t k = 0; k < n_merges; k++) merging = merging || merges[k].active;
  if ((rc = open_parent_list(&lr, p, err))) goto done;
  /* all of them unchanged: copied block by block where the format allows (v1 lists and inline manifests go
   * through the loop below, which completes entries without length or counts) */
  if (lr && !removes && !merging && qb_manifest_list_reader_format_version(lr) != 1) {
    if ((rc = qb_manifest_list_writer__append_rest(lw, lr, NULL, err))) goto done;
    qb_manifest_list_reader_close(lr);
    lr = NULL;
  }
  while (lr) {
    const qb_manifest_file *mf;
    if ((rc = qb_manifest_list_reader_next(&mf, lr, err)) || !mf) break;
    bool merged = false;
    for (size_t k = 0; k < n_merges; k++)
      merged = merged || (merges[k].active && mf->content == QB_MANIFEST_DATA &&
                          mf->partition_spec_id == merges[k].spec_id && mf->manifest_length < target);
    if (merged) continue;
    removal r = rm;
    r.spec_id = mf->partition_spec_id;
    r.spec = qb_table_metadata_spec_by_id(md, mf->partition_spec_id);
    r.proj = &qb_bexpr__true;
    if (r.replaced) { /* only the partitions of specs the added files use */
      bool spec_added = false;
      for (size_t i = 0; i < s->n_added && !spec_added; i++) spec_added = s->added_spec_ids[i] == r.spec_id;
      if (!spec_added) r.replaced = NULL;
      else r.replace_all_of_spec = r.spec && r.spec->n_fields == 0;
    }
    bool nothing_live = mf->added_files_count == 0 && mf->existing_files_count == 0;
    bool all_found = s->n_removed && p->n_found == s->n_removed && !r.filter && !r.replaced;
    bool candidate = removes && !nothing_live && !all_found && (r.filter || r.replaced || s->n_removed) &&
                     (mf->content == QB_MANIFEST_DATA || s->n_removed);
    qb_manifest_file *rewritten = NULL;
    if (candidate) {
      if (!r.spec) {
        rc = QB_FAIL(err, QB_ECORRUPT, "manifest %s names partition spec %d, which the table does not have",
                     mf->manifest_path, (int)mf->partition_spec_id);
        goto done;
      }
      if (r.filter && (rc = qb_bexpr__project(&r.proj, r.filter, r.spec, p->schema, &p->arena, err))) goto done;
      if ((rc = filter_manifest(&rewritten, p, mf, &r, err))) goto done;
    }
    if (!rewritten && (rc = complete_manifest(&rewritten, p, mf, err))) goto done;
    rc = qb_manifest_list_writer_append(lw, rewritten ? rewritten : mf, err);
    qb_manifest_file_free(rewritten);
    if (rc) goto done;
  }
  if (rc) goto done;
  if (s->n_removed && p->n_found != s->n_removed) {
    for (size_t i = 0; i < p->removed.cap; i++)
      if (p->removed.slots[i].key && !p->removed.slots[i].value) {
        rc = QB_FAIL(err, QB_ECONFLICT, "file %s is not in the table (any more): it cannot be removed",
                     p->removed.slots[i].key);
        goto done;
      }
  }

  /* rewrites: no delete files were added since the start for the files being replaced */
  if (moved && (s->op == QB_TXN_REWRITE || s->rewrites) && s->n_removed) {
    /* the partitions of the removed data files were recorded while filtering */
    conflict_ctx c = {NULL, NULL, false, &p->removed_parts};
    if ((rc = for_each_added_since(p, QB_MANIFEST_DELETES, conflicting_delete, &c, err))) goto done;
  }

  rc = qb_manifest_list_writer_close(lw, err);
  lw = NULL;
  if (rc) goto done;

  /* the snapshot */
  p->delta.changed_partition_count = (int64_t)p->changed.count;
  qb_kv extra[130];
  size_t n_extra = 0;
  for (size_t i = 0; i < s->n_extra && n_extra < 62; i++) extra[n_extra++] = s->extra[i];
  if (s->op == QB_TXN_REPLACE_PARTITIONS) extra[n_extra++] = (qb_kv){"replace-partitions", "true"};
  extra[n_extra++] = (qb_kv){"engine-name", "qberg"};
  extra[n_extra++] = (qb_kv){"engine-version", QB_VERSION};
  char carried_ids[2][24];
  /* the same rows as the parent: its qberg.* state goes on (the parent may expire) */
  if (!strcmp(operation(p), "replace"))
    qb_summary__carry(extra, &n_extra, sizeof extra / sizeof extra[0], carried_ids, p->parent);
  if ((rc = qb_snapshot_summary_build(&summary, &n_summary, &p->delta, extra, n_extra, p->parent, err))) goto done;
  qb_snapshot snap = {0};
  snap.snapshot_id = p->snapshot_id;
  snap.has_parent = p->parent != NULL;
  snap.parent_id = p->parent ? p->parent->snapshot_id : 0;
  snap.sequence_number = p->seq;
  snap.timestamp_ms = qb_now_ms();
  if (p->parent && snap.timestamp_ms < p->parent->timestamp_ms) snap.timestamp_ms = p->parent->timestamp_ms;
  snap.manifest_list = list_recorded;
  snap.operation = operation(p);
  snap.summary = summary;
  snap.n_summary = n_summary;
  snap.has_schema_id = true;
  snap.schema_id = qb_schema_id(p->schema);
  if ((rc = qb_metadata_builder_add_snapshot(b, &snap, err))) goto done;
  if ((rc = qb_metadata_builder_set_branch_snapshot(b, s->branch ? s->branch : "main", p->snapshot_id, err))) goto done;
  if (s->tag) {
    qb_ref tag = QB_REF_INIT(s->tag, p->snapshot_id, QB_REF_TAG);
    tag.max_ref_age_ms = s->tag_max_ref_age_ms;
    const qb_ref *old = qb_table_metadata_ref(md, s->tag);
    if (old && old->type != QB_REF_TAG) {
      rc = QB_FAIL(err, QB_EINVAL, "'%s' is a branch, not a tag", s->tag);
      goto done;
    }
    if (old && tag.max_ref_age_ms == -1) tag.max_ref_age_ms = old->max_ref_age_ms; /* a move keeps it */
    if ((rc = qb_metadata_builder_set_ref(b, &tag, err))) goto done;
  }
  p->result.snapshot_id = p->snapshot_id;
  p->result.sequence_number = p->seq;
  p->result.attempts = attempt;

done:
  qb_manifest_list_writer_abort(lw);
  qb_manifest_list_reader_close(lr);
  qb_map_free(&replaced);
  free(summary);
  free(list_physical);
  free(list_recorded);
  return rc;
}
