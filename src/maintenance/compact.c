/* SPDX-License-Identifier: Apache-2.0 */
/* Data file compaction (Java RewriteDataFiles, bin-pack strategy; spec "Snapshots" operation "replace",
 * "Scan Planning" for the deletes applied): plan per partition from the manifests, stream each chosen
 * file's rows (deletes applied) into a partitioned writer, commit one rewrite transaction. */
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_int.h"
#include "iceberg/data_writer_int.h"
#include "iceberg/partition_tuple.h"
#include "iceberg/table_int.h"
#include "qberg/compact.h"
#include "qberg/table.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/hash.h"

#define DEFAULT_TARGET (512LL << 20) /* Java TableProperties.WRITE_TARGET_FILE_SIZE_BYTES_DEFAULT */
#define DEFAULT_MIN_INPUT 5          /* Java BinPackRewriteFilePlanner MIN_INPUT_FILES_DEFAULT */
#define MAX_ATTEMPTS 4               /* the first try and 3 redos after conflicting commits */

/* One live data file that may be rewritten. */
typedef struct cfile {
  qb_data_file *f; /* copy without metrics (planning 10,000 files must stay small) */
  int32_t spec_id;
  const qb_delete_file **dels; /* the deletes that apply (borrowed from the delete index) */
  size_t n_dels;
  size_t next; /* next file of the same group, SIZE_MAX at the end */
} cfile;

/* The files of one partition (spec id + partition tuple). */
typedef struct cgroup {
  size_t first, last, n;
  int64_t bytes;
  bool deletes, old_spec, too_large, rewrite;
} cgroup;

typedef struct spec_proj {
  int32_t spec_id;
  const qb_bexpr *proj;
} spec_proj;

typedef struct plan {
  qb_tbl v;
  const qb_schema *schema;
  const qb_partition_spec *spec; /* the current one */
  const qb_name_mapping *mapping;
  qb_arena arena;
  qb_delete_index *dx;
  const qb_bexpr *filter; /* NULL: every partition */
  spec_proj proj[16]; /* the filter projected onto each spec seen */
  size_t n_proj;
  int64_t target, min_size, max_size;
  int32_t min_input;
  uint64_t roll_min_rows; /* the writer's (qb_data_writer__roll_min_rows): a file too large is split only with 2x */
  cfile *files;
  size_t n_files, cap_files;
  cgroup *groups;
  size_t n_groups, cap_groups;
  qb_map group_of; /* partition key -> group index + 1 */
  qb_map needed;   /* delete file (pointer) -> 1: needed by a file that stays, 2: used only by rewritten ones */
  qb_buf key;
} plan;

static void plan_free(plan *p)
{
  for (size_t i = 0; i < p->n_files; i++) {
    qb_data_file_free(p->files[i].f);
    free(p->files[i].dels);
  }
  free(p->files);
  free(p->groups);
  qb_map_free(&p->group_of);
  qb_map_free(&p->needed);
  qb_buf_free(&p->key);
  qb_delete_index__free(p->dx);
  qb_arena_release(&p->arena);
}

/* ---- planning ------------------------------------------------------------------------------------------ */

/* A byte key for a partition tuple: kind tag, then the value's bytes (lengths prefixed). */
static int key_value(qb_buf *b, const qb_value *v, qb_err *err)
{
  uint8_t k = (uint8_t)v->kind;
  int rc = qb_buf_append(b, &k, 1, err);
  if (rc) return rc;
  switch (v->kind) {
  case QB_V_NULL: return QB_OK;
  case QB_V_BOOL: return qb_buf_append(b, &v->u.b, sizeof v->u.b, err);
  case QB_V_INT32: return qb_buf_append(b, &v->u.i32, sizeof v->u.i32, err);
  case QB_V_INT64: return qb_buf_append(b, &v->u.i64, sizeof v->u.i64, err);
  case QB_V_FLOAT: return qb_buf_append(b, &v->u.f32, sizeof v->u.f32, err);
  case QB_V_DOUBLE: return qb_buf_append(b, &v->u.f64, sizeof v->u.f64, err);
  case QB_V_BYTES:
  case QB_V_STRING: {
    uint64_t n = v->u.bytes.n;
    if ((rc = qb_buf_append(b, &n, sizeof n, err))) return rc;
    return n ? qb_buf_append(b, v->u.bytes.p, v->u.bytes.n, err) : QB_OK;
  }
  default: return QB_FAIL(err, QB_EUNSUPPORTED, "nested partition value");
  }
}

static int partition_key(plan *p, int32_t spec_id, const qb_value *part, qb_err *err)
{
  qb_buf_reset(&p->key);
  int rc = qb_buf_append(&p->key, &spec_id, sizeof spec_id, err);
  size_t n = part->kind == QB_V_STRUCT ? part->u.seq.n : 0;
  for (size_t i = 0; rc == QB_OK && i < n; i++) rc = key_value(&p->key, &part->u.seq.items[i], err);
  return rc;
}

/* Does the partition filter select this file? (inclusive: its partition or metrics may hold a match) */
static int selected(bool *out, plan *p, const qb_data_file *f, int32_t spec_id, qb_err *err)
{
  *out = true;
  if (!p->filter) return QB_OK;
  const qb_partition_spec *spec = qb_table_metadata_spec_by_id(p->v.md, spec_id);
  if (!spec) return QB_FAIL(err, QB_ECORRUPT, "data file %s: unknown partition spec %d", f->file_path, (int)spec_id);
  const qb_bexpr *proj = NULL;
  for (size_t i = 0; i < p->n_proj; i++)
    if (p->proj[i].spec_id == spec_id) proj = p->proj[i].proj;
  if (!proj) {
    int rc = qb_bexpr__project(&proj, p->filter, spec, p->schema, &p->arena, err);
    if (rc) return rc;
    if (p->n_proj < sizeof p->proj / sizeof p->proj[0]) p->proj[p->n_proj++] = (spec_proj){spec_id, proj};
  }
  qb_partition_tuple tc = {spec, &f->partition};
  *out = qb_bexpr__eval(proj, qb_partition__tuple_lookup, &tc) &&
         qb_bexpr__metrics_might_match(p->filter, f, p->schema);
  return QB_OK;
}

/* Mark the deletes of a file: a file that stays keeps them needed. */
static int mark_deletes(plan *p, const qb_delete_file *const *dels, size_t n, bool stays, qb_err *err)
{
  for (size_t i = 0; i < n; i++) {
    void **slot = qb_map_get(&p->needed, &dels[i], sizeof dels[i]);
    if (slot) {
      if (stays) *slot = (void *)(uintptr_t)1;
      continue;
    }
    int rc = qb_map_put(&p->needed, &dels[i], sizeof dels[i], (void *)(uintptr_t)(stays ? 1 : 2), NULL, err);
    if (rc) return rc;
  }
  return QB_OK;
}

static int add_candidate(plan *p, const qb_manifest_entry *e, int32_t spec_id, const qb_delete_file *const *dels,
                         size_t nd, qb_err *err)
{
  if (p->n_files == p->cap_files) {
    size_t nc = p->cap_files ? p->cap_files * 2 : 64;
    cfile *nf = realloc(p->files, nc * sizeof *nf);
    if (!nf) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    p->files = nf;
    p->cap_files = nc;
  }
  cfile *c = &p->files[p->n_files];
  memset(c, 0, sizeof *c);
  qb_data_file slim = e->data_file;
  memset(&slim.column_sizes, 0, sizeof slim.column_sizes);
  memset(&slim.value_counts, 0, sizeof slim.value_counts);
  memset(&slim.null_value_counts, 0, sizeof slim.null_value_counts);
  memset(&slim.nan_value_counts, 0, sizeof slim.nan_value_counts);
  memset(&slim.lower_bounds, 0, sizeof slim.lower_bounds);
  memset(&slim.upper_bounds, 0, sizeof slim.upper_bounds);
  int rc = qb_data_file_copy(&c->f, &slim, err);
  if (rc) return rc;
  c->spec_id = spec_id;
  c->next = SIZE_MAX;
  if (nd) {
    if (!(c->dels = malloc(nd * sizeof *c->dels))) {
      qb_data_file_free(c->f);
      return QB_FAIL(err, QB_ENOMEM, "out of memory");
    }
    memcpy(c->dels, dels, nd * sizeof *dels);
    c->n_dels = nd;
  }
  size_t idx = p->n_files++;
  if ((rc = partition_key(p, spec_id, &e->data_file.partition, err))) return rc;
  void **slot = qb_map_get(&p->group_of, p->key.p, p->key.n);
  size_t g;
  if (slot) {
    g = (size_t)(uintptr_t)*slot - 1;
    p->files[p->groups[g].last].next = idx;
  } else {
    if (p->n_groups == p->cap_groups) {
      size_t nc = p->cap_groups ? p->cap_groups * 2 : 16;
      cgroup *ng = realloc(p->groups, nc * sizeof *ng);
      if (!ng) return QB_FAIL(err, QB_ENOMEM, "out of memory");
      p->groups = ng;
      p->cap_groups = nc;
    }
    g = p->n_groups++;
    memset(&p->groups[g], 0, sizeof p->groups[g]);
    p->groups[g].first = idx;
    if ((rc = qb_map_put(&p->group_of, p->key.p, p->key.n, (void *)(uintptr_t)(g + 1), NULL, err))) return rc;
  }
  cgroup *gr = &p->groups[g];
  gr->last = idx;
  gr->n++;
  gr->bytes += e->data_file.file_size_in_bytes;
  gr->deletes |= nd > 0;
  gr->old_spec |= spec_id != p->spec->spec_id;
  gr->too_large |= e->data_file.file_size_in_bytes > p->max_size &&
                   (uint64_t)e->data_file.record_count >= 2 * p->roll_min_rows;
  return QB_OK;
}

static int open_manifest(qb_manifest_reader **out, plan *p, const qb_manifest_file *mf, qb_err *err)
{
  return qb_tbl__open_manifest(out, &p->v, p->schema, mf, err);
}

/* One pass over the snapshot's manifests of `content`, calling the entry handler on live entries. */
static int each_live(plan *p, const qb_snapshot *snap, qb_manifest_content content,
                     int (*fn)(plan *p, const qb_manifest_entry *e, int32_t spec_id, qb_err *err), qb_err *err)
{
  qb_manifest_list_reader *lr;
  int rc;
  if (snap->manifest_list) {
    char *path;
    if ((rc = qb_tbl__path(&path, &p->v, snap->manifest_list, err))) return rc;
    rc = qb_manifest_list_reader_open(&lr, p->v.io, path, err);
    free(path);
  } else {
    rc = qb_manifest_list_reader_open_snapshot(&lr, p->v.io, snap, err);
  }
  if (rc) return rc;
  for (;;) {
    const qb_manifest_file *mf;
    if ((rc = qb_manifest_list_reader_next(&mf, lr, err)) || !mf) break;
    if (mf->content != content || (mf->added_files_count == 0 && mf->existing_files_count == 0)) continue;
    qb_manifest_reader *r;
    if ((rc = open_manifest(&r, p, mf, err))) break;
    for (;;) {
      const qb_manifest_entry *e;
      if ((rc = qb_manifest_reader_next(&e, r, err)) || !e) break;
      if (e->status == QB_ENTRY_DELETED) continue;
      if ((rc = fn(p, e, mf->partition_spec_id, err))) break;
    }
    qb_manifest_reader_close(r);
    if (rc) break;
  }
  qb_manifest_list_reader_close(lr);
  return rc;
}

static int on_delete(plan *p, const qb_manifest_entry *e, int32_t spec_id, qb_err *err)
{
  if (e->data_file.content == QB_CONTENT_DATA) return QB_OK;
  return qb_delete_index__add(p->dx, e, spec_id, err);
}

static int on_data(plan *p, const qb_manifest_entry *e, int32_t spec_id, qb_err *err)
{
  const qb_data_file *f = &e->data_file;
  if (f->content != QB_CONTENT_DATA) return QB_OK;
  const qb_delete_file *const *dels;
  size_t nd;
  int rc = qb_delete_index__for(&dels, &nd, p->dx, f, spec_id, e->sequence_number, err);
  if (rc) return rc;
  bool sel;
  if ((rc = selected(&sel, p, f, spec_id, err))) return rc;
  /* Java SizeBasedFileRewriter: too small, too large, or with deletes; files of older specs always. A file
   * too large that the writer would not split (too few rows for two files) is left: else a target below a
   * few rows' size would rewrite such files on every run. */
  bool too_large = f->file_size_in_bytes > p->max_size && (uint64_t)f->record_count >= 2 * p->roll_min_rows;
  bool candidate = sel && (f->file_size_in_bytes < p->min_size || too_large || nd > 0 ||
                           spec_id != p->spec->spec_id);
  if (!candidate) return mark_deletes(p, dels, nd, true, err);
  return add_candidate(p, e, spec_id, dels, nd, err);
}

static int make_plan(plan *p, qb_table *t, const qb_compact_options *o, qb_err *err)
{
  const qb_table_metadata *md;
  int rc = qb_table_get_metadata(&md, t, err);
  if (rc) return rc;
  p->v = (qb_tbl){t->cat->io, md, t->root, t->name};
  p->schema = qb_table_metadata_current_schema(md);
  p->spec = qb_table_metadata_default_spec(md);
  if (!p->schema || !p->spec) return QB_FAIL(err, QB_ECORRUPT, "table %s has no current schema or spec", t->name);
  if (o && o->target_size_bytes < 0) return QB_FAIL(err, QB_EINVAL, "target size must be positive");
  if (o && o->target_size_bytes) p->target = o->target_size_bytes;
  else if ((rc = qb_tbl__prop_i64(&p->target, md, "write.target-file-size-bytes", DEFAULT_TARGET, err))) return rc;
  if (p->target <= 0) return QB_FAIL(err, QB_EINVAL, "target size must be positive");
  p->min_size = p->target / 4 * 3;       /* Java MIN_FILE_SIZE_DEFAULT_RATIO 0.75 */
  p->max_size = p->target / 10 * 18;     /* Java MAX_FILE_SIZE_DEFAULT_RATIO 1.80 */
  if (p->max_size < p->target) p->max_size = INT64_MAX; /* overflowed */
  if ((rc = qb_data_writer__roll_min_rows(&p->roll_min_rows, md, err))) return rc;
  p->min_input = o && o->min_input_files > 0 ? o->min_input_files : DEFAULT_MIN_INPUT;
  if (o && o->min_input_files < 0) return QB_FAIL(err, QB_EINVAL, "min input files must be positive");
  if (o && o->partition_filter) {
    qb_expr *e;
    if ((rc = qb_expr_parse(&e, o->partition_filter, err))) return qb_err_wrap(err, "partition filter");
    rc = qb_expr__bind(&p->filter, e, p->schema, &p->arena, err);
    qb_expr_free(e);
    if (rc) return qb_err_wrap(err, "partition filter");
  }
  const char *nm = qb_table_metadata_property(md, "schema.name-mapping.default");
  if (nm && (rc = qb_name_mapping__parse(&p->mapping, nm, &p->arena, err))) return rc;
  if ((rc = qb_delete_index__new(&p->dx, &p->v, p->schema, p->mapping, err))) return rc;
  const qb_snapshot *snap = qb_table_metadata_current_snapshot(md);
  if (!snap) return QB_OK;
  if ((rc = each_live(p, snap, QB_MANIFEST_DELETES, on_delete, err))) return rc;
  if ((rc = each_live(p, snap, QB_MANIFEST_DATA, on_data, err))) return rc;
  /* Java BinPackRewriteFilePlanner: enough files, enough content, or something that must go */
  for (size_t g = 0; g < p->n_groups; g++) {
    cgroup *gr = &p->groups[g];
    gr->rewrite = (gr->n >= 2 && gr->n >= (size_t)p->min_input) || (gr->n >= 2 && gr->bytes > p->target) ||
                  gr->deletes || gr->old_spec || gr->too_large;
    for (size_t i = gr->first; i != SIZE_MAX; i = p->files[i].next)
      if ((rc = mark_deletes(p, p->files[i].dels, p->files[i].n_dels, !gr->rewrite, err))) return rc;
  }
  return QB_OK;
}

/* ---- rewriting ------------------------------------------------------------------------------------------ */

/* Paths (physical) of the files this attempt wrote, deleted when it does not commit. */
typedef struct written {
  char **paths;
  size_t n, cap;
} written;

static int remember(written *w, const qb_tbl *v, const char *recorded, qb_err *err)
{
  if (w->n == w->cap) {
    size_t nc = w->cap ? w->cap * 2 : 16;
    char **np = realloc(w->paths, nc * sizeof *np);
    if (!np) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    w->paths = np;
    w->cap = nc;
  }
  int rc = qb_tbl__path(&w->paths[w->n], v, recorded, err);
  if (rc == QB_OK) w->n++;
  return rc;
}

static void written_release(written *w, qb_fileio *io, bool delete_files)
{
  for (size_t i = 0; i < w->n; i++) {
    if (delete_files) qb_tbl__delete_quietly(io, w->paths[i]);
    free(w->paths[i]);
  }
  free(w->paths);
  memset(w, 0, sizeof *w);
}

/* The target partitions of one pass over a group's files (old-spec groups: their rows fan out to partitions
 * of the current spec). A row goes to the writer when its partition is taken by this pass: already taken, or
 * new while fewer than the writer keeps open are; partitions of earlier passes are done; any other row is
 * left for a later pass. So no open file is finished early, which made a file per row beyond the limit. */
typedef struct passes {
  qb_map done, taken; /* partition keys */
  size_t n_taken, limit;
  bool more; /* rows were left for another pass */
} passes;

static int pass_takes(bool *take, passes *ps, qb_data_writer *w, const qb_value *row, qb_err *err)
{
  const uint8_t *key;
  size_t n;
  int rc = qb_data_writer__partition_of(w, row, &key, &n, err);
  if (rc) return rc;
  *take = false;
  if (qb_map_get(&ps->done, key, n)) return QB_OK;
  if (qb_map_get(&ps->taken, key, n)) return *take = true, QB_OK;
  if (ps->n_taken >= ps->limit) return ps->more = true, QB_OK;
  ps->n_taken++;
  *take = true;
  return qb_map_put(&ps->taken, key, n, (void *)1, NULL, err);
}

/* Stream the rows of one data file, deletes applied, into the writer (those of this pass only, with `ps`). */
static int copy_rows(plan *p, const cfile *c, qb_data_writer *w, passes *ps, qb_err *err)
{
  const qb_partition_spec *spec = qb_table_metadata_spec_by_id(p->v.md, c->spec_id);
  int rc = qb_delete_index__begin_file(p->dx, c->f, spec, c->dels, c->n_dels, err);
  if (rc) return rc;
  char *path;
  if ((rc = qb_tbl__path(&path, &p->v, c->f->file_path, err))) return rc;
  qb_data_reader_opts ro = {p->schema, NULL, p->mapping, spec, &c->f->partition, NULL, 0};
  qb_data_reader *r;
  rc = qb_data_reader__open(&r, p->v.io, path, &ro, err);
  free(path);
  if (rc) return qb_err_wrap(err, "reading %s", c->f->file_path);
  for (;;) {
    const qb_value *row;
    int64_t pos;
    if ((rc = qb_data_reader__next(&row, &pos, r, err)) || !row) break;
    if (qb_delete_index__deleted(p->dx, row, pos)) continue;
    bool take = true;
    if (ps && ((rc = pass_takes(&take, ps, w, row, err)) || !take)) {
      if (rc) break;
      continue;
    }
    if ((rc = qb_data_writer_write(w, row, err))) break;
  }
  qb_data_reader__close(r);
  return rc ? qb_err_wrap(err, "rewriting %s", c->f->file_path) : QB_OK;
}

static int rewrite_group(plan *p, qb_table *t, qb_txn *txn, const cgroup *gr, written *out_files,
                         qb_compact_report *rep, qb_err *err)
{
  qb_data_writer_options wo = QB_DATA_WRITER_OPTIONS_INIT;
  wo.target_file_size_bytes = (uint64_t)p->target;
  qb_data_writer *w;
  int rc = qb_data_writer_open(&w, t, &wo, err);
  if (rc) return rc;
  /* a group of the current spec writes one partition; an old spec's may fan out to many: in passes */
  passes ps = {.limit = qb_data_writer__max_open(w)};
  qb_map_init(&ps.done);
  qb_map_init(&ps.taken);
  for (size_t pass = 0; rc == QB_OK; pass++) {
    for (size_t i = gr->first; rc == QB_OK && i != SIZE_MAX; i = p->files[i].next) {
      const cfile *c = &p->files[i];
      if ((rc = copy_rows(p, c, w, gr->old_spec ? &ps : NULL, err))) break;
      if (pass) continue;
      if ((rc = qb_txn_remove_file(txn, c->f->file_path, err))) break;
      rep->files_in++;
      rep->bytes_in += c->f->file_size_in_bytes;
    }
    if (rc || !ps.more) break;
    for (size_t k = 0; rc == QB_OK && k < ps.taken.cap; k++) /* this pass's partitions are complete */
      if (ps.taken.slots[k].key)
        rc = qb_map_put(&ps.done, ps.taken.slots[k].key, ps.taken.slots[k].key_len, (void *)1, NULL, err);
    qb_map_free(&ps.taken);
    qb_map_init(&ps.taken);
    ps.n_taken = 0;
    ps.more = false;
  }
  qb_map_free(&ps.done);
  qb_map_free(&ps.taken);
  if (rc == QB_OK) rc = qb_data_writer_close(w, err);
  if (rc) {
    qb_data_writer_abort(w);
    return rc;
  }
  for (size_t i = 0; rc == QB_OK && i < qb_data_writer_n_files(w); i++) {
    const qb_data_file *f = qb_data_writer_file(w, i);
    if ((rc = remember(out_files, &p->v, f->file_path, err))) break;
    rc = qb_txn_add_file(txn, f, -1, err);
    rep->files_out++;
    rep->bytes_out += f->file_size_in_bytes;
  }
  if (rc) { /* nothing references them: delete every file of this writer */
    qb_data_writer_abort(w);
    return rc;
  }
  qb_data_writer_free(w);
  rep->partitions++;
  return rc;
}

/* One attempt: plan on the version `t` is at, rewrite, commit. */
static int attempt(qb_table *t, const qb_compact_options *o, qb_compact_report *rep, qb_err *err)
{
  plan p;
  memset(&p, 0, sizeof p);
  qb_arena_init(&p.arena, 16 << 10);
  qb_map_init(&p.group_of);
  qb_map_init(&p.needed);
  qb_buf_init(&p.key, 1 << 20);
  int32_t retries = rep->retries;
  memset(rep, 0, sizeof *rep);
  rep->retries = retries;
  rep->snapshot_id = -1;
  qb_txn *txn = NULL;
  written out_files = {0};
  int rc = make_plan(&p, t, o, err);
  size_t n_rewrite = 0;
  for (size_t g = 0; g < p.n_groups; g++) n_rewrite += p.groups[g].rewrite;
  if (rc || n_rewrite == 0) goto done;
  if (o && o->dry_run) {
    for (size_t g = 0; g < p.n_groups; g++) {
      const cgroup *gr = &p.groups[g];
      if (!gr->rewrite) continue;
      rep->partitions++;
      rep->files_in += (int64_t)gr->n;
      rep->bytes_in += gr->bytes;
      rep->files_out += gr->bytes / p.target + (gr->bytes % p.target != 0); /* estimated */
    }
    for (size_t i = 0; i < p.needed.cap; i++)
      rep->delete_files_removed += p.needed.slots[i].key && p.needed.slots[i].value == (void *)(uintptr_t)2;
    goto done;
  }
  qb_txn_options to = QB_TXN_OPTIONS_INIT;
  if ((rc = qb_txn_begin(&txn, t, QB_TXN_REWRITE, &to, err))) goto done;
  for (size_t g = 0; rc == QB_OK && g < p.n_groups; g++)
    if (p.groups[g].rewrite) rc = rewrite_group(&p, t, txn, &p.groups[g], &out_files, rep, err);
  for (size_t i = 0; rc == QB_OK && i < p.needed.cap; i++) {
    if (!p.needed.slots[i].key || p.needed.slots[i].value != (void *)(uintptr_t)2) continue;
    const qb_delete_file *d;
    memcpy(&d, p.needed.slots[i].key, sizeof d);
    if ((rc = qb_txn_remove_file(txn, d->file->file_path, err)) == QB_OK) rep->delete_files_removed++;
  }
  if (rc == QB_OK && rep->files_out == 0) {
    /* every row was deleted: Java commits the removal as a delete; a rewrite needs an added file */
    qb_txn_abort(txn);
    txn = NULL;
    if ((rc = qb_txn_begin(&txn, t, QB_TXN_DELETE, &to, err))) goto done;
    for (size_t g = 0; rc == QB_OK && g < p.n_groups; g++)
      for (size_t i = p.groups[g].first; rc == QB_OK && p.groups[g].rewrite && i != SIZE_MAX; i = p.files[i].next)
        rc = qb_txn_remove_file(txn, p.files[i].f->file_path, err);
    for (size_t i = 0; rc == QB_OK && i < p.needed.cap; i++) {
      if (!p.needed.slots[i].key || p.needed.slots[i].value != (void *)(uintptr_t)2) continue;
      const qb_delete_file *d;
      memcpy(&d, p.needed.slots[i].key, sizeof d);
      rc = qb_txn_remove_file(txn, d->file->file_path, err);
    }
  }
  if (rc == QB_OK) {
    qb_txn_result res;
    rc = qb_txn_commit(txn, &res, err);
    txn = NULL;
    if (rc == QB_OK) rep->snapshot_id = res.snapshot_id;
  }
done:
  qb_txn_abort(txn);
  written_release(&out_files, p.v.io, rc != QB_OK && rc != QB_ECOMMIT_UNKNOWN);
  plan_free(&p);
  return rc;
}

int qb_compact(qb_table *t, const qb_compact_options *opts, qb_compact_report *out, qb_err *err)
{
  qb_compact_report rep;
  memset(&rep, 0, sizeof rep);
  int rc;
  for (int i = 0;; i++) {
    rc = attempt(t, opts, &rep, err);
    if (rc != QB_ECONFLICT || i + 1 >= MAX_ATTEMPTS) break;
    /* a concurrent commit removed or rewrote an input file, or added deletes for one: redo from the new state */
    qb_err_clear(err);
    if ((rc = qb_table_refresh(t, err))) break;
    rep.retries++;
  }
  if (out) *out = rep;
  return rc ? qb_err_wrap(err, "compacting %s", qb_table_name(t)) : QB_OK;
}
