/* SPDX-License-Identifier: Apache-2.0 */
/* Manifest rewrite (Java RewriteManifests / BaseRewriteManifests clustered by partition, iceberg.md §7.3 and
 * PART III pain point 5): the live entries of each (spec, content) group of main's manifests, ordered by
 * partition tuple, into manifests of about the target size, kept as EXISTING entries with their snapshot ids
 * and sequence numbers, committed as a "replace" snapshot. Two passes over the group: the first counts the
 * distinct partitions and their estimated bytes and cuts the sorted tuples into bins; the second routes each
 * entry to its bin's writer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maintenance/maintenance_int.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/str.h"

#define DEFAULT_TARGET (8LL << 20)

typedef struct group {
  int32_t spec_id;
  qb_manifest_content content;
  qb_manifest_file **in; /* copies */
  size_t n_in;
} group;

typedef struct part_info {
  int64_t bytes, entries;
  size_t bin;
} part_info;

typedef struct rewrite {
  qb_maint_tbl *m;
  const qb_schema *schema;
  int64_t target;
  int64_t parent_id;  /* main's head the rewrite read */
  int64_t snapshot_id;
  char uuid[37];
  int manifest_counter;
  group *groups;
  size_t n_groups;
  qb_map replaced;            /* keys of the manifests rewritten */
  qb_manifest_file **out;     /* manifests written (recorded paths) */
  size_t n_out;
  char **written;             /* physical paths of everything written: deleted unless committed */
  size_t n_written;
  bool *is_list;              /* written[i] is a manifest list (one per attempt) */
  size_t winning_list;        /* the list of the attempt last applied */
  int64_t entries, kept;
  bool stale_plan; /* the commit found manifests of the plan replaced by another writer */
} rewrite;

/* ---- partition tuples as byte strings whose memcmp order is the tuple order (nulls first) ---- */

static int key_value(qb_buf *b, const qb_value *v, qb_err *err)
{
  uint8_t t[9];
  int rc = QB_OK;
  uint64_t u = 0;
  size_t w = 0;
  switch (v->kind) {
  case QB_V_NULL: return qb_buf_append(b, "\0", 1, err);
  case QB_V_BOOL: t[0] = 1; t[1] = v->u.b; return qb_buf_append(b, t, 2, err);
  case QB_V_INT32: u = (uint32_t)v->u.i32 ^ 0x80000000u; w = 4; break;
  case QB_V_INT64: u = (uint64_t)v->u.i64 ^ 0x8000000000000000ull; w = 8; break;
  case QB_V_FLOAT: {
    uint32_t x;
    memcpy(&x, &v->u.f32, 4);
    u = x & 0x80000000u ? ~x : x | 0x80000000u;
    w = 4;
    break;
  }
  case QB_V_DOUBLE: {
    uint64_t x;
    memcpy(&x, &v->u.f64, 8);
    u = x & 0x8000000000000000ull ? ~x : x | 0x8000000000000000ull;
    w = 8;
    break;
  }
  case QB_V_BYTES:
  case QB_V_STRING:
    rc = qb_buf_append(b, "\1", 1, err);
    for (size_t i = 0; rc == QB_OK && i < v->u.bytes.n; i++) /* 00 -> 00 ff, end 00 00: prefixes sort first */
      rc = v->u.bytes.p[i] ? qb_buf_append(b, &v->u.bytes.p[i], 1, err) : qb_buf_append(b, "\0\xff", 2, err);
    return rc ? rc : qb_buf_append(b, "\0\0", 2, err);
  default: return QB_FAIL(err, QB_ECORRUPT, "a partition value of kind %d", (int)v->kind);
  }
  t[0] = 1;
  for (size_t i = 0; i < w; i++) t[1 + i] = (uint8_t)(u >> (8 * (w - 1 - i)));
  return qb_buf_append(b, t, w + 1, err);
}

static int partition_key(qb_buf *b, const qb_value *partition, qb_err *err)
{
  qb_buf_reset(b);
  int rc = qb_buf_append(b, "", 0, err);
  if (partition->kind != QB_V_STRUCT) return rc;
  for (size_t i = 0; rc == QB_OK && i < partition->u.seq.n; i++) rc = key_value(b, &partition->u.seq.items[i], err);
  return rc;
}

/* ---- reading a group ---- */

typedef int (*entry_fn)(void *ctx, const qb_manifest_file *mf, const qb_manifest_entry *e, const qb_buf *key,
                        qb_err *err);

static int for_each_entry(rewrite *r, const group *g, entry_fn fn, void *ctx, qb_err *err)
{
  const qb_partition_spec *spec = qb_table_metadata_spec_by_id(r->m->view.md, g->spec_id);
  if (!spec) return QB_FAIL(err, QB_ECORRUPT, "partition spec %d is not in the metadata", (int)g->spec_id);
  qb_buf key;
  qb_buf_init(&key, 1 << 20);
  int rc = QB_OK;
  for (size_t i = 0; rc == QB_OK && i < g->n_in; i++) {
    const qb_manifest_file *mf = g->in[i];
    qb_manifest_read_options o = QB_MANIFEST_READ_OPTIONS_INIT;
    o.manifest = mf;
    o.spec = spec;
    o.schema = r->schema;
    qb_manifest_reader *rd;
    char *phys;
    if ((rc = qb_tbl__path(&phys, &r->m->view, mf->manifest_path, err))) break;
    rc = qb_manifest_reader_open(&rd, r->m->io, phys, &o, err);
    free(phys);
    const qb_manifest_entry *e;
    while (rc == QB_OK && (rc = qb_manifest_reader_next(&e, rd, err)) == QB_OK && e) {
      if (e->status == QB_ENTRY_DELETED) continue; /* Java keeps live entries only */
      if ((rc = partition_key(&key, &e->data_file.partition, err)) == QB_OK) rc = fn(ctx, mf, e, &key, err);
    }
    qb_manifest_reader_close(rd);
    if (rc) qb_err_wrap(err, "manifest %s", mf->manifest_path);
  }
  qb_buf_free(&key);
  return rc;
}

/* pass 1: bytes per distinct partition, estimated from each manifest's length per entry */
static int count_entry(void *ctx, const qb_manifest_file *mf, const qb_manifest_entry *e, const qb_buf *key,
                       qb_err *err)
{
  (void)e;
  qb_map *parts = ctx;
  int64_t n = 0;
  if (mf->added_files_count > 0) n += mf->added_files_count;
  if (mf->existing_files_count > 0) n += mf->existing_files_count;
  if (mf->deleted_files_count > 0) n += mf->deleted_files_count;
  int64_t per = n > 0 && mf->manifest_length > 0 ? mf->manifest_length / n : 1024;
  void **slot = qb_map_get(parts, key->p, key->n);
  if (slot) {
    ((part_info *)*slot)->bytes += per;
    ((part_info *)*slot)->entries++;
    return QB_OK;
  }
  part_info *pi = calloc(1, sizeof *pi);
  if (!pi) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  pi->bytes = per;
  pi->entries = 1;
  int rc = qb_map_put(parts, key->p, key->n, pi, NULL, err);
  if (rc) free(pi);
  return rc;
}

static int cmp_slot(const void *a, const void *b)
{
  const qb_map_slot *x = *(qb_map_slot *const *)a, *y = *(qb_map_slot *const *)b;
  size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
  int c = memcmp(x->key, y->key, n);
  return c ? c : (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

/* Sorted tuples cut into bins of about the target size (a partition is never split). */
static int assign_bins(size_t *n_bins, qb_map *parts, int64_t target, qb_err *err)
{
  qb_map_slot **sorted = malloc((parts->count ? parts->count : 1) * sizeof *sorted);
  if (!sorted) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  size_t n = 0;
  for (size_t i = 0; i < parts->cap; i++)
    if (parts->slots[i].key) sorted[n++] = &parts->slots[i];
  qsort(sorted, n, sizeof *sorted, cmp_slot);
  size_t bin = 0;
  int64_t fill = 0;
  for (size_t i = 0; i < n; i++) {
    part_info *pi = sorted[i]->value;
    if (fill > 0 && fill + pi->bytes > target) {
      bin++;
      fill = 0;
    }
    pi->bin = bin;
    fill += pi->bytes;
  }
  *n_bins = n ? bin + 1 : 0;
  free(sorted);
  return QB_OK;
}

static int remember_written(rewrite *r, const char *phys, bool is_list, qb_err *err)
{
  char **g = realloc(r->written, (r->n_written + 1) * sizeof *g);
  if (g) r->written = g;
  bool *c = g ? realloc(r->is_list, (r->n_written + 1) * sizeof *c) : NULL;
  if (c) r->is_list = c;
  if (!g || !c || !(r->written[r->n_written] = strdup(phys))) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  r->is_list[r->n_written++] = is_list;
  return QB_OK;
}

/* pass 2 */
typedef struct writing {
  rewrite *r;
  qb_map *parts;
  qb_manifest_writer **w;
  char **recorded;
  size_t n_bins;
  const group *g;
  const qb_partition_spec *spec;
} writing;

static int write_entry(void *ctx, const qb_manifest_file *mf, const qb_manifest_entry *e, const qb_buf *key,
                       qb_err *err)
{
  (void)mf;
  writing *wr = ctx;
  rewrite *r = wr->r;
  void **slot = qb_map_get(wr->parts, key->p, key->n);
  if (!slot) return QB_FAIL(err, QB_EINTERNAL, "partition tuple not seen in the first pass");
  size_t bin = ((part_info *)*slot)->bin;
  int rc = QB_OK;
  if (!wr->w[bin]) {
    char rel[96], *phys;
    snprintf(rel, sizeof rel, "metadata/%s-m%d.avro", r->uuid, r->manifest_counter++);
    if ((rc = qb_tbl__new_path(&phys, &wr->recorded[bin], &r->m->view, rel, err))) return rc;
    if ((rc = remember_written(r, phys, false, err)) == QB_OK)
      rc = qb_manifest_writer_open(&wr->w[bin], r->m->io, phys, r->schema, wr->spec, wr->g->content, r->snapshot_id,
                                   NULL, err);
    free(phys);
    if (rc) return rc;
  }
  qb_manifest_entry x = *e;
  x.status = QB_ENTRY_EXISTING; /* keeps its snapshot id and both sequence numbers */
  r->entries++;
  return qb_manifest_writer_append(wr->w[bin], &x, err);
}

/* Rewrite group `g` if its entries fit in fewer manifests than it has (so a clustered table is left alone);
 * *created is 0 when it is left alone. */
static int rewrite_group(rewrite *r, const group *g, bool dry_run, int64_t *created, qb_err *err)
{
  qb_map parts;
  qb_map_init(&parts);
  size_t n_bins = 0;
  int rc = for_each_entry(r, g, count_entry, &parts, err);
  if (rc == QB_OK) rc = assign_bins(&n_bins, &parts, r->target, err);
  if (rc == QB_OK && n_bins >= g->n_in) n_bins = 0;
  for (size_t k = 0; rc == QB_OK && n_bins && k < g->n_in; k++) {
    char *key;
    if ((rc = qb_maint__key(&key, r->m, g->in[k]->manifest_path, err))) break;
    rc = qb_map_put_str(&r->replaced, key, NULL, err);
    free(key);
  }
  *created = (int64_t)n_bins;
  for (size_t i = 0; dry_run && n_bins && i < parts.cap; i++)
    if (parts.slots[i].key) r->entries += ((part_info *)parts.slots[i].value)->entries;
  writing wr = {r, &parts, NULL, NULL, n_bins, g, qb_table_metadata_spec_by_id(r->m->view.md, g->spec_id)};
  if (rc == QB_OK && !dry_run && n_bins) {
    wr.w = calloc(n_bins, sizeof *wr.w);
    wr.recorded = calloc(n_bins, sizeof *wr.recorded);
    qb_manifest_file **grown = realloc(r->out, (r->n_out + n_bins) * sizeof *grown);
    if (grown) r->out = grown;
    if (!wr.w || !wr.recorded || !grown) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
    if (rc == QB_OK) rc = for_each_entry(r, g, write_entry, &wr, err);
    *created = 0;
    for (size_t i = 0; wr.w && i < n_bins; i++) {
      if (!wr.w[i]) continue;
      if (rc) {
        qb_manifest_writer_abort(wr.w[i]);
        continue;
      }
      qb_manifest_file *mf;
      if ((rc = qb_manifest_writer_close(&mf, wr.w[i], err))) continue;
      qb_manifest_file rec = *mf;
      rec.manifest_path = wr.recorded[i]; /* the list records paths under the table's recorded location */
      rc = qb_manifest_file_copy(&r->out[r->n_out], &rec, err);
      qb_manifest_file_free(mf);
      if (rc == QB_OK) r->n_out++, (*created)++;
    }
    for (size_t i = 0; wr.recorded && i < n_bins; i++) free(wr.recorded[i]);
  }
  free(wr.w);
  free(wr.recorded);
  for (size_t i = 0; i < parts.cap; i++)
    if (parts.slots[i].key) free(parts.slots[i].value);
  qb_map_free(&parts);
  return rc;
}

/* A snapshot's manifest list, its recorded path taken under the table's directory (tables of other engines
 * record s3a:// or relative locations) */
static int open_list(qb_manifest_list_reader **lr, const qb_maint_tbl *m, const qb_snapshot *snap, qb_err *err)
{
  if (!snap->manifest_list) return qb_manifest_list_reader_open_snapshot(lr, m->io, snap, err);
  char *path;
  int rc = qb_tbl__path(&path, &m->view, snap->manifest_list, err);
  if (rc) return rc;
  rc = qb_manifest_list_reader_open(lr, m->io, path, err);
  free(path);
  return rc;
}

/* ---- the commit ---- */

typedef struct list_check {
  rewrite *r;
  size_t found;
} list_check;

static int check_replaced(void *ctx, const char *path, qb_manifest_content content, int64_t added, int64_t live,
                          qb_err *err)
{
  (void)content;
  (void)added;
  (void)live;
  list_check *c = ctx;
  char *key;
  int rc = qb_maint__key(&key, c->r->m, path, err);
  if (rc) return rc;
  if (qb_map_has_str(&c->r->replaced, key)) c->found++;
  free(key);
  return QB_OK;
}

static int apply(void *ctx, const qb_commit_base *base, qb_metadata_builder *b, qb_err *err)
{
  rewrite *r = ctx;
  const qb_table_metadata *md = base->metadata;
  const qb_snapshot *head = qb_table_metadata_current_snapshot(md);
  qb_maint_tbl view = *r->m;
  view.view.md = md;
  if (!head) return QB_FAIL(err, QB_ECONFLICT, "the table has no current snapshot any more");
  if (qb_table_metadata_snapshot_by_id(md, r->snapshot_id))
    return QB_FAIL(err, QB_ECONFLICT, "snapshot id %lld was taken concurrently", (long long)r->snapshot_id);
  int rc;
  qb_manifest_list_reader *lr = NULL;
  qb_manifest_list_writer *lw = NULL;
  qb_kv *summary = NULL;
  size_t n_summary = 0;
  char *phys = NULL, *rec = NULL;
  if (head->snapshot_id != r->parent_id) { /* Java validateDeletedManifests: each replaced one must be there */
    list_check c = {r, 0};
    if ((rc = qb_maint__snapshot_manifests(&view, head, check_replaced, &c, err))) return rc;
    if (c.found != r->replaced.count) {
      r->stale_plan = true;
      return QB_FAIL(err, QB_ECONFLICT, "%zu of the %zu manifests being rewritten were replaced concurrently",
                     r->replaced.count - c.found, r->replaced.count);
    }
  }
  int64_t seq = qb_table_metadata_last_sequence_number(md) + 1;
  char rel[128];
  snprintf(rel, sizeof rel, "metadata/snap-%lld-%d-%s.avro", (long long)r->snapshot_id, base->attempt, r->uuid);
  /* view, not r->m->view: a retry refreshed the handle, which freed the metadata r->m->view was planned on */
  if ((rc = qb_tbl__new_path(&phys, &rec, &view.view, rel, err))) return rc;
  if ((rc = remember_written(r, phys, true, err))) goto done;
  if ((rc = qb_manifest_list_writer_open(&lw, r->m->io, phys, r->snapshot_id, head->snapshot_id, seq, NULL, err)))
    goto done;
  for (size_t i = 0; rc == QB_OK && i < r->n_out; i++) rc = qb_manifest_list_writer_append(lw, r->out[i], err);
  r->kept = 0;
  if (rc == QB_OK) rc = open_list(&lr, &view, head, err);
  const qb_manifest_file *mf;
  while (rc == QB_OK && (rc = qb_manifest_list_reader_next(&mf, lr, err)) == QB_OK && mf) {
    char *key;
    if ((rc = qb_maint__key(&key, r->m, mf->manifest_path, err))) break;
    bool rewritten = qb_map_has_str(&r->replaced, key);
    free(key);
    if (!rewritten) {
      rc = qb_manifest_list_writer_append(lw, mf, err);
      r->kept++;
    }
  }
  if (rc) goto done;
  rc = qb_manifest_list_writer_close(lw, err);
  lw = NULL;
  if (rc) goto done;
  char created[24], kept[24], replaced[24], entries[24];
  snprintf(created, sizeof created, "%zu", r->n_out);
  snprintf(kept, sizeof kept, "%lld", (long long)r->kept);
  snprintf(replaced, sizeof replaced, "%zu", r->replaced.count);
  snprintf(entries, sizeof entries, "%lld", (long long)r->entries);
  qb_kv extra[70] = {{"manifests-created", created}, {"manifests-kept", kept},   {"manifests-replaced", replaced},
                     {"entries-processed", entries}, {"engine-name", "qberg"}, {"engine-version", QB_VERSION}};
  size_t n_extra = 6;
  char carried_ids[2][24];
  qb_summary__carry(extra, &n_extra, sizeof extra / sizeof extra[0], carried_ids, head); /* a replace: same rows */
  qb_summary_delta delta;
  memset(&delta, 0, sizeof delta);
  delta.changed_partition_count = -1;
  if ((rc = qb_snapshot_summary_build(&summary, &n_summary, &delta, extra, n_extra, head, err))) goto done;
  qb_snapshot snap;
  memset(&snap, 0, sizeof snap);
  snap.snapshot_id = r->snapshot_id;
  snap.has_parent = true;
  snap.parent_id = head->snapshot_id;
  snap.sequence_number = seq;
  snap.timestamp_ms = qb_now_ms();
  if (snap.timestamp_ms < head->timestamp_ms) snap.timestamp_ms = head->timestamp_ms;
  snap.manifest_list = rec;
  snap.operation = "replace";
  snap.summary = summary;
  snap.n_summary = n_summary;
  snap.has_schema_id = true;
  snap.schema_id = qb_schema_id(qb_table_metadata_current_schema(md));
  if ((rc = qb_metadata_builder_add_snapshot(b, &snap, err)) == QB_OK)
    rc = qb_metadata_builder_set_branch_snapshot(b, "main", r->snapshot_id, err);
  if (rc == QB_OK) r->winning_list = r->n_written - 1; /* this attempt's list, if it wins */
done:
  qb_manifest_list_writer_abort(lw);
  qb_manifest_list_reader_close(lr);
  free(summary);
  free(phys);
  free(rec);
  return rc;
}

static int collect_groups(rewrite *r, const qb_snapshot *head, qb_err *err)
{
  qb_manifest_list_reader *lr;
  int rc = open_list(&lr, r->m, head, err);
  const qb_manifest_file *mf;
  while (rc == QB_OK && (rc = qb_manifest_list_reader_next(&mf, lr, err)) == QB_OK && mf) {
    group *g = NULL;
    for (size_t i = 0; i < r->n_groups && !g; i++)
      if (r->groups[i].spec_id == mf->partition_spec_id && r->groups[i].content == mf->content) g = &r->groups[i];
    if (!g) {
      group *grown = realloc(r->groups, (r->n_groups + 1) * sizeof *grown);
      if (!grown) {
        rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
        break;
      }
      r->groups = grown;
      g = &r->groups[r->n_groups++];
      *g = (group){mf->partition_spec_id, mf->content, NULL, 0};
    }
    qb_manifest_file **in = realloc(g->in, (g->n_in + 1) * sizeof *in);
    if (!in) {
      rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
      break;
    }
    g->in = in;
    if ((rc = qb_manifest_file_copy(&g->in[g->n_in], mf, err)) == QB_OK) g->n_in++;
  }
  qb_manifest_list_reader_close(lr);
  return rc;
}

/* One plan of the rewrite on the table's current head, committed; *stale_plan when the commit found
 * manifests of the plan replaced by another writer meanwhile. */
static int rewrite_once(qb_table *t, const qb_rewrite_manifests_options *o, qb_rewrite_manifests_report *out,
                        bool *stale_plan, qb_err *err)
{
  qb_rewrite_manifests_report rep;
  memset(&rep, 0, sizeof rep);
  rep.snapshot_id = rep.version = -1;
  qb_maint_tbl m;
  int rc = qb_maint__open(&m, t, err);
  if (rc) {
    *out = rep;
    return rc;
  }
  rewrite r;
  memset(&r, 0, sizeof r);
  r.m = &m;
  qb_map_init(&r.replaced);
  const qb_table_metadata *md = m.view.md;
  const qb_snapshot *head = qb_table_metadata_current_snapshot(md);
  r.schema = qb_table_metadata_current_schema(md);
  r.target = o->target_size_bytes;
  if (r.target <= 0) rc = qb_tbl__prop_i64(&r.target, md, "commit.manifest.target-size-bytes", DEFAULT_TARGET, err);
  if (rc == QB_OK && r.target <= 0) r.target = DEFAULT_TARGET;
  if (rc == QB_OK && qb_table_metadata_format_version(md) < 2)
    rc = QB_FAIL(err, QB_EUNSUPPORTED, "the table is format v1: qberg rewrites the manifests of v2 tables only");
  if (rc == QB_OK && head) {
    r.parent_id = head->snapshot_id;
    do r.snapshot_id = (int64_t)(qb_random_u64() & INT64_MAX);
    while (!r.snapshot_id || qb_table_metadata_snapshot_by_id(md, r.snapshot_id));
    qb_uuid_v4(r.uuid);
    rc = collect_groups(&r, head, err);
  }
  /* a group of one manifest is already clustered */
  for (size_t i = 0; rc == QB_OK && i < r.n_groups; i++) {
    group *g = &r.groups[i];
    int64_t created = 0;
    if (g->n_in >= 2) rc = rewrite_group(&r, g, o->dry_run, &created, err);
    rep.created += created;
    if (created) rep.replaced += (int64_t)g->n_in;
    else rep.kept += (int64_t)g->n_in;
  }
  rep.entries = r.entries;
  if (rc == QB_OK && !o->dry_run && r.replaced.count) {
    qb_commit_info info;
    rc = qb_table_commit_update(t, apply, &r, &info, err);
    if (rc == QB_OK) {
      rep.snapshot_id = r.snapshot_id;
      rep.version = info.version;
      rep.attempts = info.attempts;
      rep.kept = r.kept;
    }
  }
  /* files of lost attempts, or of a failed rewrite; nothing after an unknown outcome */
  for (size_t i = 0; i < r.n_written; i++) {
    bool keep = rc == QB_ECOMMIT_UNKNOWN || (rc == QB_OK && (!r.is_list[i] || i == r.winning_list));
    if (!keep) qb_tbl__delete_quietly(m.io, r.written[i]);
    free(r.written[i]);
  }
  free(r.written);
  free(r.is_list);
  for (size_t i = 0; i < r.n_out; i++) qb_manifest_file_free(r.out[i]);
  free(r.out);
  for (size_t i = 0; i < r.n_groups; i++) {
    for (size_t k = 0; k < r.groups[i].n_in; k++) qb_manifest_file_free(r.groups[i].in[k]);
    free(r.groups[i].in);
  }
  free(r.groups);
  qb_map_free(&r.replaced);
  qb_maint__close(&m);
  *out = rep;
  *stale_plan = r.stale_plan;
  return rc;
}

/* Plans made on a head whose manifests another writer replaced before the commit (two `maintain all` at
 * once, a compaction meanwhile) are made again on the new head, which may need nothing any more: the
 * rewrite failed with QB_ECONFLICT there. */
#define REPLANS 3

int qb_rewrite_manifests(qb_table *t, const qb_rewrite_manifests_options *opts, qb_rewrite_manifests_report *out,
                         qb_err *err)
{
  qb_rewrite_manifests_options defaults = QB_REWRITE_MANIFESTS_OPTIONS_INIT;
  const qb_rewrite_manifests_options *o = opts ? opts : &defaults;
  qb_rewrite_manifests_report rep;
  int rc;
  for (int plan = 1;; plan++) {
    bool stale = false;
    rc = rewrite_once(t, o, &rep, &stale, err);
    qb_err e = QB_ERR_INIT;
    if (rc != QB_ECONFLICT || !stale || plan == REPLANS || qb_table_refresh(t, &e) != QB_OK) break;
  }
  if (out) *out = rep;
  return rc ? qb_err_wrap(err, "rewriting manifests of %s", qb_table_name(t)) : QB_OK;
}
