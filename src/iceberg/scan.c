/* SPDX-License-Identifier: Apache-2.0 */
/* Table scans (spec "Scan Planning"; Java TableScan, ManifestGroup, SnapshotUtil): choose the snapshot,
 * index its delete files, then stream the data manifests entry by entry, pruning manifests by partition
 * summaries, files by partition values and column metrics, and read each surviving data file one row
 * group at a time, dropping deleted rows and rows the filter rejects. An incremental scan (Java
 * IncrementalAppendScan) reads only the files the append snapshots after a start snapshot added. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "iceberg/partition_tuple.h"
#include "iceberg/scan_int.h"
#include "util/str.h"

typedef struct spec_filter {
  int32_t spec_id;
  const qb_bexpr *proj; /* the filter projected onto the spec */
  bool readable;        /* the spec's source columns are in the scan schema */
} spec_filter;

struct qb_scan {
  qb_tbl tbl;
  qb_arena arena;
  const qb_snapshot *snap; /* NULL: the table has no snapshot */
  const qb_schema *schema;
  const qb_bexpr *filter;
  qb_type row_type;
  const int32_t *sel; /* field id of each returned column */
  size_t n_sel;
  size_t n_top;
  bool *needed_base, *needed;
  qb_pq_predicate *preds;
  size_t n_preds;
  const qb_name_mapping *mapping;
  qb_delete_index *deletes;
  spec_filter *specs;
  size_t n_specs;
  /* incremental: the append snapshots after the start, newest first (n_range 0: a full scan) */
  bool incremental;
  const qb_snapshot **range;
  size_t n_range, range_pos;
  int64_t list_snapshot_id; /* the snapshot whose manifest list is open (incremental) */
  /* iteration */
  qb_manifest_list_reader *list;
  qb_manifest_reader *mr;
  const qb_partition_spec *mr_spec;
  const qb_bexpr *mr_proj;
  int32_t mr_spec_id;
  qb_scan_task task;
  const qb_delete_file *const *task_dels; /* the deletes of `task` */
  const qb_data_file **task_files;        /* the same, as task.deletes */
  size_t cap_task_files;
  qb_data_reader *dr;
  qb_value out;
  qb_value *out_items;
  uint64_t limit;
  qb_scan_metrics m;
  int rc;
  qb_err first;
  int mode; /* 0 unused, 1 rows, 2 files, 3 rows in bulk */
  bool done;
  /* qb_scan_next_rows: the selected fields' top-level positions (flat_sel: all selected fields are
   * top-level primitives), whether the open file is read in bulk, and the rows handed out */
  size_t *sel_top;
  bool flat_sel, dr_flat;
  qb_value *bulk;
  size_t bulk_cap;
};

/* 9999-12-31T23:59:59.999Z */
#define QB_AS_OF_MAX_EPOCH_MS 253402300799999LL

/* ---- snapshot selection ------------------------------------------------------------------------------ */

/* epoch milliseconds as 2024-01-31T10:00:00.000Z (UTC), for messages */
static void fmt_ms(char *buf, size_t cap, int64_t ms)
{
  time_t sec = (time_t)(ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000));
  struct tm tm;
  char day[32];
  if (gmtime_r(&sec, &tm) && strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm))
    snprintf(buf, cap, "%s.%03dZ", day, (int)(ms - (int64_t)sec * 1000));
  else
    snprintf(buf, cap, "%lld ms", (long long)ms);
}

int qb_scan__snapshot_as_of(const qb_snapshot **out, const qb_table_metadata *md, int64_t ts_ms, qb_err *err)
{
  size_t n;
  const qb_snapshot_log_entry *log = qb_table_metadata_snapshot_log(md, &n);
  const qb_snapshot *best = NULL;
  /* Java SnapshotUtil.nullableSnapshotIdAsOfTime: the last log entry at or before the time. If its snapshot
   * is no longer in the table (a log left with gaps by an engine that filters it on expiration), the state at
   * that time is gone: an error, as in Java and PyIceberg; the entry before it was not current then. */
  const qb_snapshot_log_entry *at = NULL;
  for (size_t i = 0; i < n; i++)
    if (log[i].timestamp_ms <= ts_ms) at = &log[i];
  if (at && !(best = qb_table_metadata_snapshot_by_id(md, at->snapshot_id))) {
    char when[40], made[40];
    fmt_ms(when, sizeof when, ts_ms);
    fmt_ms(made, sizeof made, at->timestamp_ms);
    return QB_FAIL(err, QB_ENOTFOUND,
                   "snapshot %lld, current at %s (made current at %s), is no longer in the table (expired)",
                   (long long)at->snapshot_id, when, made);
  }
  if (!n) /* no log: the newest snapshot of main's ancestry committed by then */
    for (const qb_snapshot *s = qb_table_metadata_current_snapshot(md); s;
         s = s->has_parent ? qb_table_metadata_snapshot_by_id(md, s->parent_id) : NULL)
      if (s->timestamp_ms <= ts_ms) {
        best = s;
        break;
      }
  if (!best) {
    char when[40], first[40];
    fmt_ms(when, sizeof when, ts_ms);
    const qb_snapshot *oldest = NULL; /* the first log entry whose snapshot exists: where time travel starts */
    for (size_t i = 0; i < n && !oldest; i++) {
      oldest = qb_table_metadata_snapshot_by_id(md, log[i].snapshot_id);
      if (oldest) fmt_ms(first, sizeof first, log[i].timestamp_ms);
    }
    if (!oldest)
      return QB_FAIL(err, QB_ENOTFOUND, "no snapshot was current at or before %s (%lld ms)", when, (long long)ts_ms);
    return QB_FAIL(err, QB_ENOTFOUND,
                   "no snapshot was current at or before %s (%lld ms): the table's history starts at %s (snapshot "
                   "%lld); snapshots current before that were expired or did not exist",
                   when, (long long)ts_ms, first, (long long)oldest->snapshot_id);
  }
  *out = best;
  return QB_OK;
}

int qb_scan_options_as_of(qb_scan_options *opts, const qb_table_metadata *md, const char *text, qb_err *err)
{
  int64_t v;
  if (qb_str_to_i64(text, &v) && qb_table_metadata_snapshot_by_id(md, v)) {
    opts->snapshot_id = v;
    return QB_OK;
  }
  if (qb_table_metadata_ref(md, text)) {
    opts->ref = text;
    return QB_OK;
  }
  if (qb_str_to_i64(text, &v) && v >= 0) {
    /* epoch milliseconds, up to the end of year 9999: a larger number is a snapshot id that is not (or no
     * longer) in the table; read as a time it would silently select the current snapshot */
    if (v > QB_AS_OF_MAX_EPOCH_MS)
      return QB_FAIL(err, QB_ENOTFOUND,
                     "no snapshot %lld in the table (expired, or never one of its snapshots); a time is epoch "
                     "milliseconds or an ISO-8601 timestamp",
                     (long long)v);
    opts->as_of_ms = v;
    return QB_OK;
  }
  qb_err e = QB_ERR_INIT;
  if (qb_ice__parse_timestamp(&v, text, strlen(text), &e) == QB_OK) {
    int64_t ms = v >= 0 ? v / 1000 : -((-v + 999) / 1000);
    if (ms >= 0) {
      opts->as_of_ms = ms;
      return QB_OK;
    }
    /* before 1970: as_of_ms -1 means "unset" (the current snapshot), so resolve the time here */
    const qb_snapshot *snap;
    int rc = qb_scan__snapshot_as_of(&snap, md, ms, err);
    if (rc == QB_OK) opts->snapshot_id = snap->snapshot_id;
    return rc;
  }
  return QB_FAIL(err, QB_ENOTFOUND, "'%s' is neither a snapshot id, a branch or tag, nor a timestamp", text);
}

static int choose(qb_scan *s, const qb_scan_options *o, qb_err *err)
{
  const qb_table_metadata *md = s->tbl.md;
  int set = (o->snapshot_id != QB_UNASSIGNED) + (o->ref != NULL) + (o->as_of_ms >= 0);
  if (set > 1) return QB_FAIL(err, QB_EINVAL, "choose the snapshot by id, by ref or by time, not several");
  const qb_schema *schema = qb_table_metadata_current_schema(md);
  bool snapshot_schema = true;
  if (o->snapshot_id != QB_UNASSIGNED) {
    if (!(s->snap = qb_table_metadata_snapshot_by_id(md, o->snapshot_id)))
      return QB_FAIL(err, QB_ENOTFOUND, "no snapshot %lld", (long long)o->snapshot_id);
  } else if (o->ref) {
    const qb_ref *r = qb_table_metadata_ref(md, o->ref);
    if (!r) return QB_FAIL(err, QB_ENOTFOUND, "no branch or tag '%s'", o->ref);
    if (!(s->snap = qb_table_metadata_snapshot_by_id(md, r->snapshot_id)))
      return QB_FAIL(err, QB_ECORRUPT, "ref '%s' names snapshot %lld, which does not exist", o->ref,
                     (long long)r->snapshot_id);
    snapshot_schema = r->type == QB_REF_TAG; /* a branch reads with the table's schema (SnapshotUtil.schemaFor) */
  } else if (o->as_of_ms >= 0) {
    int rc = qb_scan__snapshot_as_of(&s->snap, md, o->as_of_ms, err);
    if (rc) return rc;
  } else {
    s->snap = qb_table_metadata_current_snapshot(md);
    snapshot_schema = false;
  }
  if (s->snap && snapshot_schema && s->snap->has_schema_id) {
    const qb_schema *ss = qb_table_metadata_schema_by_id(md, s->snap->schema_id);
    if (ss) schema = ss;
  }
  if (!schema) return QB_FAIL(err, QB_ECORRUPT, "the table has no current schema");
  s->schema = schema;
  return QB_OK;
}

/* Java BaseIncrementalAppendScan: the snapshots from the scan's back to (without) the start, following
 * parents; appends are read, replaces (compaction) skipped, anything else refused. */
static int incremental_range(qb_scan *s, int64_t after_id, qb_err *err)
{
  const qb_table_metadata *md = s->tbl.md;
  size_t n = 0;
  const qb_snapshot *cur = s->snap;
  s->incremental = true;
  for (; cur && cur->snapshot_id != after_id; n++)
    cur = cur->has_parent ? qb_table_metadata_snapshot_by_id(md, cur->parent_id) : NULL;
  if (!cur)
    return QB_FAIL(err, QB_ENOTFOUND,
                   "incremental scan: snapshot %lld is not an ancestor of snapshot %lld (expired, or on another "
                   "branch)",
                   (long long)after_id, (long long)(s->snap ? s->snap->snapshot_id : -1));
  if (!(s->range = qb_ice__alloc(&s->arena, n ? n : 1, sizeof *s->range, err))) return QB_ENOMEM;
  cur = s->snap;
  for (size_t i = 0; i < n; i++) {
    const char *op = cur->operation ? cur->operation : "(no operation)";
    if (!strcmp(op, "append"))
      s->range[s->n_range++] = cur;
    else if (strcmp(op, "replace"))
      return QB_FAIL(err, QB_EUNSUPPORTED, "incremental scan over a %s snapshot (%lld): only appends add rows",
                     op, (long long)cur->snapshot_id);
    cur = qb_table_metadata_snapshot_by_id(md, cur->parent_id);
  }
  return QB_OK;
}

/* ---- projection and pushdown --------------------------------------------------------------------------- */

static int select_columns(qb_scan *s, const qb_scan_options *o, qb_err *err)
{
  const qb_type *st = qb_schema_struct(s->schema);
  size_t n = o->columns ? o->n_columns : st->n_fields;
  int32_t *sel = qb_ice__alloc(&s->arena, n ? n : 1, sizeof *sel, err);
  qb_field *fields = qb_ice__alloc(&s->arena, n ? n : 1, sizeof *fields, err);
  if (!sel || !fields) return QB_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    const qb_field *f;
    if (!o->columns) {
      f = &st->fields[i];
    } else {
      f = qb_schema_find_field_by_name(s->schema, o->columns[i]);
      if (!f) return QB_FAIL(err, QB_ENOTFOUND, "no column '%s'", o->columns[i]);
      const qb_schema_entry *e = qb_schema__entry(s->schema, f->id);
      if (!e || e->in_collection)
        return QB_FAIL(err, QB_EINVAL, "column '%s' is inside a list or map: select the enclosing column", o->columns[i]);
    }
    sel[i] = f->id;
    fields[i] = *f;
    if (o->columns && !(fields[i].name = qb_ice__strdup(&s->arena, o->columns[i], err))) return QB_ENOMEM;
  }
  s->sel = sel;
  s->n_sel = n;
  memset(&s->row_type, 0, sizeof s->row_type);
  s->row_type.id = QB_T_STRUCT;
  s->row_type.fields = fields;
  s->row_type.n_fields = n;
  s->n_top = st->n_fields;
  s->needed_base = qb_ice__alloc(&s->arena, s->n_top ? s->n_top : 1, sizeof(bool), err);
  s->needed = qb_ice__alloc(&s->arena, s->n_top ? s->n_top : 1, sizeof(bool), err);
  s->out_items = qb_ice__alloc(&s->arena, n ? n : 1, sizeof(qb_value), err);
  if (!s->needed_base || !s->needed || !s->out_items) return QB_ENOMEM;
  memset(s->needed_base, 0, s->n_top * sizeof(bool));
  int32_t ids[256];
  size_t nf = qb_bexpr__field_ids(s->filter, ids, 256);
  if (nf > 256) { /* a huge filter: read everything */
    for (size_t i = 0; i < s->n_top; i++) s->needed_base[i] = true;
    nf = 0;
  }
  for (size_t i = 0; i < n + nf; i++) {
    const qb_schema_entry *e = qb_schema__entry(s->schema, i < n ? sel[i] : ids[i - n]);
    if (e && e->path_len) s->needed_base[e->path[0]] = true;
  }
  if (!(s->sel_top = qb_ice__alloc(&s->arena, n ? n : 1, sizeof *s->sel_top, err))) return QB_ENOMEM;
  s->flat_sel = true;
  for (size_t i = 0; i < n; i++) {
    const qb_schema_entry *e = qb_schema__entry(s->schema, sel[i]);
    if (!e || e->in_collection || e->path_len != 1 || !qb_type_is_primitive(e->field->type)) s->flat_sel = false;
    else s->sel_top[i] = e->path[0];
  }
  return QB_OK;
}

/* Conjuncts the Parquet reader can use to skip row groups by their statistics. */
static int pushdown(qb_scan *s, qb_err *err)
{
  const qb_bexpr *stack[64];
  size_t sp = 0, cap = 16;
  s->preds = qb_ice__alloc(&s->arena, cap, sizeof *s->preds, err);
  if (!s->preds) return QB_ENOMEM;
  stack[sp++] = s->filter;
  while (sp) {
    const qb_bexpr *e = stack[--sp];
    if (e->op == QB_EXPR_AND) {
      if (sp + 2 <= 64) {
        stack[sp++] = e->left;
        stack[sp++] = e->right;
      }
      continue;
    }
    qb_pq_op op;
    switch (e->op) {
    case QB_EXPR_EQ: op = QB_PQ_OP_EQ; break;
    case QB_EXPR_LT: op = QB_PQ_OP_LT; break;
    case QB_EXPR_LE: op = QB_PQ_OP_LE; break;
    case QB_EXPR_GT: op = QB_PQ_OP_GT; break;
    case QB_EXPR_GE: op = QB_PQ_OP_GE; break;
    case QB_EXPR_IS_NULL: op = QB_PQ_OP_IS_NULL; break;
    case QB_EXPR_NOT_NULL: op = QB_PQ_OP_NOT_NULL; break;
    default: continue;
    }
    /* types whose Parquet statistics order matches Iceberg's and whose values pass as they are */
    switch (e->type->id) {
    case QB_T_INT:
    case QB_T_LONG:
    case QB_T_DATE:
    case QB_T_TIMESTAMP:
    case QB_T_TIMESTAMPTZ:
    case QB_T_FLOAT:
    case QB_T_DOUBLE:
    case QB_T_STRING: break;
    default: continue;
    }
    if (s->n_preds == cap) break;
    qb_pq_predicate *p = &s->preds[s->n_preds++];
    p->column = NULL;
    p->field_id = e->field_id;
    p->op = op;
    p->value = e->n_values ? e->values[0] : qb_value_null();
  }
  return QB_OK;
}

static spec_filter *filter_for_spec(qb_scan *s, const qb_manifest_file *mf, qb_err *err)
{
  int32_t spec_id = mf->partition_spec_id;
  for (size_t i = 0; i < s->n_specs; i++)
    if (s->specs[i].spec_id == spec_id) return &s->specs[i];
  const qb_partition_spec *spec = qb_table_metadata_spec_by_id(s->tbl.md, spec_id);
  if (!spec) {
    QB_FAIL(err, QB_ECORRUPT, "manifest %s: the manifest list names partition spec %d, which the table does not have",
            mf->manifest_path, spec_id);
    return NULL;
  }
  spec_filter *ns = realloc(s->specs, (s->n_specs + 1) * sizeof *ns);
  if (!ns) {
    QB_FAIL(err, QB_ENOMEM, "out of memory");
    return NULL;
  }
  s->specs = ns;
  spec_filter *f = &s->specs[s->n_specs];
  f->spec_id = spec_id;
  f->readable = qb_tbl__spec_binds(spec, s->schema);
  f->proj = &qb_bexpr__true;
  if (f->readable && qb_bexpr__project(&f->proj, s->filter, spec, s->schema, &s->arena, err)) return NULL;
  s->n_specs++;
  return f;
}

/* ---- open ---------------------------------------------------------------------------------------------- */

static int open_list_of(qb_scan *s, const qb_snapshot *snap, qb_err *err)
{
  qb_manifest_list_reader_close(s->list);
  s->list = NULL;
  if (!snap) return QB_OK;
  s->list_snapshot_id = snap->snapshot_id;
  if (snap->manifest_list) {
    char *path;
    int rc = qb_tbl__path(&path, &s->tbl, snap->manifest_list, err);
    if (rc) return rc;
    rc = qb_manifest_list_reader_open(&s->list, s->tbl.io, path, err);
    free(path);
    return rc;
  }
  return qb_manifest_list_reader_open_snapshot(&s->list, s->tbl.io, snap, err);
}

static int open_list(qb_scan *s, qb_err *err) { return open_list_of(s, s->snap, err); }

/* As every reader of the table's manifests does (fsck checks them this way too) */
static int open_manifest(qb_manifest_reader **out, qb_scan *s, const qb_manifest_file *mf, qb_err *err)
{
  return qb_tbl__open_manifest(out, &s->tbl, s->schema, mf, err);
}

/* Read every delete manifest of the snapshot into the delete index (Java reads them before the data). */
static int index_deletes(qb_scan *s, qb_err *err)
{
  int rc = qb_delete_index__new(&s->deletes, &s->tbl, s->schema, s->mapping, err);
  if (rc) return rc;
  if (s->incremental) { /* the newest appended snapshot's list first; no delete applies to appended files */
    s->range_pos = 0;
    return s->n_range ? open_list_of(s, s->range[s->range_pos++], err) : QB_OK;
  }
  if ((rc = open_list(s, err)) || !s->list) return rc;
  for (;;) {
    const qb_manifest_file *mf;
    if ((rc = qb_manifest_list_reader_next(&mf, s->list, err)) || !mf) break;
    if (mf->content != QB_MANIFEST_DELETES) continue;
    s->m.delete_manifests++;
    spec_filter *sf = filter_for_spec(s, mf, err);
    if (!sf) return err->code;
    qb_manifest_reader *r;
    if ((rc = open_manifest(&r, s, mf, err))) return rc;
    for (;;) {
      const qb_manifest_entry *e;
      if ((rc = qb_manifest_reader_next(&e, r, err)) || !e) break;
      if (e->status == QB_ENTRY_DELETED || e->data_file.content == QB_CONTENT_DATA) continue;
      if ((rc = qb_delete_index__add(s->deletes, e, mf->partition_spec_id, err))) break;
      s->m.delete_files++;
    }
    qb_manifest_reader_close(r);
    if (rc) return rc;
  }
  if (rc == QB_OK) rc = open_list(s, err); /* again, for the data manifests */
  return rc;
}

int qb_scan__open(qb_scan **out, const qb_tbl *t, const qb_scan_options *o, qb_err *err)
{
  *out = NULL;
  qb_scan_options opts = QB_SCAN_OPTIONS_INIT;
  if (o && o->version == 1) { /* the fields before after_snapshot_id */
    memcpy(&opts, o, offsetof(qb_scan_options, after_snapshot_id));
    opts.version = QB_SCAN_OPTIONS_VERSION;
  } else if (o && o->version == QB_SCAN_OPTIONS_VERSION) {
    opts = *o;
  } else if (o) {
    return QB_FAIL(err, QB_EINVAL, "scan options version %u, expected 1 to %u", o->version, QB_SCAN_OPTIONS_VERSION);
  }
  o = &opts;
  qb_scan *s = calloc(1, sizeof *s);
  if (!s) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  s->tbl = *t;
  s->limit = o->limit;
  qb_arena_init(&s->arena, 16 << 10);
  int rc = choose(s, o, err);
  if (rc == QB_OK && o->after_snapshot_id != QB_UNASSIGNED) rc = incremental_range(s, o->after_snapshot_id, err);
  if (rc == QB_OK) rc = qb_expr__bind(&s->filter, o->filter, s->schema, &s->arena, err);
  if (rc == QB_OK) rc = select_columns(s, o, err);
  if (rc == QB_OK) rc = pushdown(s, err);
  const char *nm = qb_table_metadata_property(t->md, "schema.name-mapping.default");
  if (rc == QB_OK && nm) rc = qb_name_mapping__parse(&s->mapping, nm, &s->arena, err);
  if (rc == QB_OK) rc = index_deletes(s, err);
  if (rc) {
    qb_scan_free(s);
    return qb_err_wrap(err, "scan of %s", t->name ? t->name : qb_table_metadata_location(t->md));
  }
  *out = s;
  return QB_OK;
}

void qb_scan_free(qb_scan *s)
{
  if (!s) return;
  qb_data_reader__close(s->dr);
  qb_manifest_reader_close(s->mr);
  qb_manifest_list_reader_close(s->list);
  qb_delete_index__free(s->deletes);
  free(s->specs);
  free(s->task_files);
  free(s->bulk);
  qb_arena_release(&s->arena);
  free(s);
}

const qb_schema *qb_scan_table_schema(const qb_scan *s) { return s->schema; }
const qb_type *qb_scan_row_type(const qb_scan *s) { return &s->row_type; }
int64_t qb_scan_snapshot_id(const qb_scan *s) { return s->snap ? s->snap->snapshot_id : -1; }
void qb_scan_get_metrics(const qb_scan *s, qb_scan_metrics *out) { *out = s->m; }

/* ---- planning: the next data file ----------------------------------------------------------------------- */

static int plan_next(const qb_scan_task **task, qb_scan *s, qb_err *err)
{
  *task = NULL;
  int rc;
  for (;;) {
    if (!s->mr) {
      const qb_manifest_file *mf;
      if (!s->list) return QB_OK;
      if ((rc = qb_manifest_list_reader_next(&mf, s->list, err))) return rc;
      if (!mf) {
        qb_manifest_list_reader_close(s->list);
        s->list = NULL;
        if (s->incremental && s->range_pos < s->n_range) {
          if ((rc = open_list_of(s, s->range[s->range_pos++], err))) return rc;
          continue;
        }
        return QB_OK;
      }
      if (mf->content != QB_MANIFEST_DATA) continue;
      /* incremental: only the manifests this snapshot wrote (v1 lists may not say: their entries decide) */
      if (s->incremental && mf->added_snapshot_id != QB_UNASSIGNED && mf->added_snapshot_id != s->list_snapshot_id)
        continue;
      s->m.manifests_total++;
      /* Java ManifestGroup: manifests without added or existing files hold nothing live */
      if (mf->added_files_count == 0 && mf->existing_files_count == 0) {
        s->m.manifests_skipped++;
        continue;
      }
      spec_filter *sf = filter_for_spec(s, mf, err);
      if (!sf) return err->code;
      if (!qb_bexpr__summary_might_match(sf->proj, mf, qb_table_metadata_spec_by_id(s->tbl.md, sf->spec_id))) {
        s->m.manifests_skipped++;
        continue;
      }
      if ((rc = open_manifest(&s->mr, s, mf, err))) return rc;
      s->mr_spec = qb_manifest_reader_spec(s->mr);
      s->mr_proj = sf->readable ? sf->proj : &qb_bexpr__true;
      s->mr_spec_id = sf->spec_id;
    }
    const qb_manifest_entry *e;
    if ((rc = qb_manifest_reader_next(&e, s->mr, err))) return rc;
    if (!e) {
      qb_manifest_reader_close(s->mr);
      s->mr = NULL;
      continue;
    }
    if (e->status == QB_ENTRY_DELETED || e->data_file.content != QB_CONTENT_DATA) continue;
    /* incremental: files this snapshot added (a merged manifest also carries older files as EXISTING) */
    if (s->incremental && (e->status != QB_ENTRY_ADDED || e->snapshot_id != s->list_snapshot_id)) continue;
    s->m.data_files_total++;
    qb_partition_tuple tc = {s->mr_spec, &e->data_file.partition};
    if (s->mr_proj->op != QB_EXPR_TRUE && !qb_bexpr__eval(s->mr_proj, qb_partition__tuple_lookup, &tc)) {
      s->m.data_files_pruned_partition++;
      continue;
    }
    if (s->filter->op != QB_EXPR_TRUE && !qb_bexpr__metrics_might_match(s->filter, &e->data_file, s->schema)) {
      s->m.data_files_pruned_metrics++;
      continue;
    }
    const qb_delete_file *const *dels;
    size_t nd;
    if ((rc = qb_delete_index__for(&dels, &nd, s->deletes, &e->data_file, s->mr_spec_id, e->sequence_number, err)))
      return rc;
    if (nd > s->cap_task_files) {
      const qb_data_file **nf = realloc(s->task_files, nd * sizeof *nf);
      if (!nf) return QB_FAIL(err, QB_ENOMEM, "out of memory");
      s->task_files = nf;
      s->cap_task_files = nd;
    }
    for (size_t i = 0; i < nd; i++) s->task_files[i] = dels[i]->file;
    s->m.data_files_scanned++;
    s->task.entry = e;
    s->task.spec_id = s->mr_spec_id;
    s->task.n_deletes = nd;
    s->task.deletes = s->task_files;
    s->task_dels = dels;
    *task = &s->task;
    return QB_OK;
  }
}

static int poison(qb_scan *s, int rc, qb_err *err)
{
  s->rc = rc;
  if (err) s->first = *err;
  else s->first.code = (qb_code)rc;
  return rc;
}

int qb_scan_next_file(const qb_scan_task **task, qb_scan *s, qb_err *err)
{
  *task = NULL;
  if (s->rc) {
    if (err) *err = s->first;
    return s->rc;
  }
  if (s->mode == 1 || s->mode == 3) return QB_FAIL(err, QB_EINVAL, "this scan already returns rows");
  s->mode = 2;
  int rc = plan_next(task, s, err);
  return rc ? poison(s, rc, err) : QB_OK;
}

/* ---- rows ------------------------------------------------------------------------------------------------ */

static void end_file(qb_scan *s)
{
  if (!s->dr) return;
  uint64_t rd, sk;
  qb_data_reader__counts(s->dr, &rd, &sk);
  s->m.row_groups_read += rd;
  s->m.row_groups_skipped += sk;
  qb_data_reader__close(s->dr);
  s->dr = NULL;
}

static int start_file(qb_scan *s, const qb_scan_task *task, qb_err *err)
{
  const qb_data_file *f = &task->entry->data_file;
  const qb_delete_file *const *dels = s->task_dels;
  memcpy(s->needed, s->needed_base, s->n_top * sizeof(bool));
  for (size_t i = 0; i < task->n_deletes; i++) {
    const qb_data_file *d = dels[i]->file;
    for (size_t k = 0; d->content == QB_CONTENT_EQUALITY_DELETES && k < d->n_equality_ids; k++) {
      const qb_schema_entry *e = qb_schema__entry(s->schema, d->equality_ids[k]);
      if (e && e->path_len) s->needed[e->path[0]] = true;
    }
  }
  s->m.delete_files_applied += task->n_deletes;
  int rc = qb_delete_index__begin_file(s->deletes, f, qb_table_metadata_spec_by_id(s->tbl.md, task->spec_id), dels,
                                       task->n_deletes, err);
  if (rc) return rc;
  char *path;
  if ((rc = qb_tbl__path(&path, &s->tbl, f->file_path, err))) return rc;
  qb_data_reader_opts o = {s->schema, s->needed, s->mapping, s->mr_spec, &f->partition, s->preds, s->n_preds};
  if (qb_table_metadata_spec_by_id(s->tbl.md, task->spec_id) != s->mr_spec) o.spec = NULL;
  rc = qb_data_reader__open(&s->dr, s->tbl.io, path, &o, err);
  free(path);
  /* bulk reads: every row of the file is returned as read (no deletes, no filter) */
  s->dr_flat = rc == QB_OK && s->mode == 3 && s->flat_sel && task->n_deletes == 0 && s->filter->op == QB_EXPR_TRUE &&
               qb_data_reader__flat(s->dr, s->sel_top, s->n_sel);
  return rc;
}

/* The next returned row of the open file into s->out; *row NULL at the file's end. */
static int file_row(const qb_value **row, qb_scan *s, qb_err *err)
{
  *row = NULL;
  for (;;) {
    const qb_value *r;
    int64_t pos;
    int rc = qb_data_reader__next(&r, &pos, s->dr, err);
    if (rc || !r) return rc;
    s->m.rows_read++;
    if (qb_delete_index__deleted(s->deletes, r, pos)) {
      s->m.rows_deleted++;
      continue;
    }
    qb_row_ref rc2 = {s->schema, r};
    if (s->filter->op != QB_EXPR_TRUE && !qb_bexpr__eval(s->filter, qb_row__lookup_cb, &rc2)) {
      s->m.rows_filtered++;
      continue;
    }
    for (size_t i = 0; i < s->n_sel; i++) {
      const qb_value *v = qb_row__lookup(s->schema, r, s->sel[i]);
      s->out_items[i] = v ? *v : qb_value_null();
    }
    s->out = (qb_value){.kind = QB_V_STRUCT, .u.seq = {s->out_items, s->n_sel}};
    s->m.rows_returned++;
    *row = &s->out;
    return QB_OK;
  }
}

/* Open the next data file when none is; *more false at the end of the scan. */
static int ensure_file(bool *more, qb_scan *s, qb_err *err)
{
  *more = true;
  if (s->dr) return QB_OK;
  const qb_scan_task *task;
  int rc = plan_next(&task, s, err);
  if (rc || !task) {
    *more = false;
    return rc;
  }
  return start_file(s, task, err);
}

static int rows_next(const qb_value **row, qb_scan *s, qb_err *err)
{
  int rc;
  for (;;) {
    if (s->limit && s->m.rows_returned >= s->limit) {
      end_file(s);
      return QB_OK;
    }
    bool more;
    if ((rc = ensure_file(&more, s, err)) || !more) return rc;
    if ((rc = file_row(row, s, err)) || *row) return rc;
    end_file(s);
  }
}

static int rows_bulk(const qb_value **rows, size_t *n_rows, qb_scan *s, size_t max_rows, qb_err *err)
{
  int rc;
  for (;;) {
    if (s->limit && s->m.rows_returned >= s->limit) {
      end_file(s);
      return QB_OK;
    }
    bool more;
    if ((rc = ensure_file(&more, s, err)) || !more) return rc;
    if (!s->dr_flat) { /* deletes, a filter or nested columns: the row path, one row per call */
      const qb_value *row;
      if ((rc = file_row(&row, s, err))) return rc;
      if (row) {
        *rows = s->out_items;
        *n_rows = 1;
        return QB_OK;
      }
    } else {
      size_t max = max_rows;
      if (s->limit && s->limit - s->m.rows_returned < max) max = (size_t)(s->limit - s->m.rows_returned);
      size_t n;
      if ((rc = qb_data_reader__next_rows(s->bulk, &n, s->dr, s->sel_top, s->n_sel, max, err))) return rc;
      if (n) {
        s->m.rows_read += n;
        s->m.rows_returned += n;
        *rows = s->bulk;
        *n_rows = n;
        return QB_OK;
      }
    }
    end_file(s);
  }
}

int qb_scan_next(const qb_value **row, qb_scan *s, qb_err *err)
{
  *row = NULL;
  if (s->rc) {
    if (err) *err = s->first;
    return s->rc;
  }
  if (s->mode == 2 || s->mode == 3)
    return QB_FAIL(err, QB_EINVAL, "this scan already returns %s", s->mode == 2 ? "files" : "rows in bulk");
  s->mode = 1;
  int rc = rows_next(row, s, err);
  return rc ? poison(s, rc, err) : QB_OK;
}

int qb_scan_next_rows(const qb_value **rows, size_t *n_rows, qb_scan *s, size_t max_rows, qb_err *err)
{
  *rows = NULL;
  *n_rows = 0;
  if (s->rc) {
    if (err) *err = s->first;
    return s->rc;
  }
  if (s->mode == 1 || s->mode == 2)
    return QB_FAIL(err, QB_EINVAL, "this scan already returns %s", s->mode == 1 ? "rows one by one" : "files");
  s->mode = 3;
  if (max_rows == 0) max_rows = 1024;
  size_t width = s->n_sel ? s->n_sel : 1;
  if (max_rows > SIZE_MAX / sizeof(qb_value) / width) max_rows = SIZE_MAX / sizeof(qb_value) / width;
  if (s->bulk_cap < max_rows) {
    qb_value *b = realloc(s->bulk, max_rows * width * sizeof *b);
    if (!b) return poison(s, QB_FAIL(err, QB_ENOMEM, "out of memory"), err);
    s->bulk = b;
    s->bulk_cap = max_rows;
  }
  int rc = rows_bulk(rows, n_rows, s, max_rows, err);
  return rc ? poison(s, rc, err) : QB_OK;
}
