/* SPDX-License-Identifier: Apache-2.0 */
/* Table consistency checks (qberg fsck) against the rules of the spec's "Snapshots", "Manifest Lists",
 * "Manifests", "Sequence Numbers", "Snapshot References" and the Hadoop layout's version hint: streams every
 * manifest list and distinct manifest once, stats (deep: reads) every distinct data and delete file once. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_int.h"
#include "iceberg/table_int.h"
#include "qberg/fsck.h"
#include "qberg/scan.h"
#include "util/buf.h"
#include "util/hash.h"
#include "util/str.h"

#define CLOCK_SKEW_MS 60000 /* Java TableMetadata: snapshots may be up to one minute out of order */

/* What one distinct manifest holds (entries by status, live files and rows by content). */
/* What the live entries of a manifest hold for one partition field (for the list's partition summaries) */
typedef struct pstat {
  const qb_type *type; /* the field's result type */
  bool has_null, has_nan, any;
  qb_value min, max;
  qb_buf min_buf, max_buf;
} pstat;

static int keep_value(qb_value *dst, qb_buf *b, const qb_value *v, qb_err *err);
static bool is_nan(const qb_value *v);

typedef struct mstat {
  bool readable;
  int32_t spec_id;       /* the partition spec it was read with (the one its header names) */
  int64_t n_status[3];   /* entries by status: existing, added, deleted */
  int64_t rows_status[3];
  int64_t live_data_files, live_data_records;
  int64_t live_pos_files, live_pos_records, live_eq_files, live_eq_records;
  /* ADDED / DELETED entries of the snapshot that wrote the manifest (its added_snapshot_id) */
  int64_t own_added_data_files, own_added_records, own_deleted_data_files, own_deleted_records;
  int64_t own_added_delete_files, own_removed_delete_files;
  int64_t writer; /* the snapshot that wrote it (QB_UNASSIGNED: unknown, an inline manifest without such entries) */
  int64_t data_entries, delete_entries; /* by content, every status */
  struct pstat *parts; /* per field of its spec (n_parts; 0 when the spec does not bind to the schema) */
  size_t n_parts;
  const char *path;  /* the manifest (arena) */
  const char **live; /* its live data files (arena strings; the array malloc'd) */
  size_t n_live, cap_live;
} mstat;

typedef struct fsck {
  qb_tbl v;
  const qb_fsck_options *o;
  qb_fsck_report *rep;
  const qb_schema *schema; /* the current one: manifests are read with it, as a scan of the table reads them */
  const qb_name_mapping *mapping; /* schema.name-mapping.default, for data files without field ids */
  bool mapping_broken;            /* it does not parse: every scan fails, rows are not read as a scan reads them */
  qb_arena arena;
  qb_map manifests;  /* path -> mstat* */
  qb_map files;      /* data/delete file paths already checked */
  qb_delete_index *deletes; /* delete files are read through it, as scans read them (made when first needed) */
} fsck;

static int problem(fsck *f, const char *check, const char *file, int64_t snap, const char *field, const char *expected,
                   const char *found, const char *detail, qb_err *err)
{
  f->rep->problems++;
  if (!f->o->on_problem) return QB_OK;
  qb_fsck_problem p = {check, file, snap, field, expected, found, detail};
  return f->o->on_problem(f->o->ctx, &p, err);
}

static int problem_i64(fsck *f, const char *check, const char *file, int64_t snap, const char *field, int64_t expected,
                       int64_t found, qb_err *err)
{
  char e[32], g[32];
  snprintf(e, sizeof e, "%" PRId64, expected);
  snprintf(g, sizeof g, "%" PRId64, found);
  return problem(f, check, file, snap, field, e, g, NULL, err);
}

/* Does the recorded file exist with `size` (-1: any)? Problems are reported; *ok says whether it can be read. */
static int check_exists(bool *ok, bool *exists, fsck *f, const char *recorded, const char *field, int64_t size,
                        int64_t snap, qb_err *err)
{
  *ok = *exists = false;
  char *path;
  int rc = qb_tbl__path(&path, &f->v, recorded, err);
  if (rc) return rc;
  qb_stat st;
  qb_err e = QB_ERR_INIT;
  rc = qb_fileio_stat(f->v.io, path, &st, &e);
  /* a table moved or copied (or recording relative / s3a:// locations) is checked where it is now: say where */
  char *at = strcmp(path, recorded) ? qb_str_printf("looked for at %s", path) : NULL;
  free(path);
  if (rc == QB_ENOTFOUND) {
    rc = problem(f, "missing", recorded, snap, NULL, "exists", "absent", at, err);
  } else if (rc) {
    rc = problem(f, "unreadable", recorded, snap, NULL, NULL, NULL, e.msg, err);
  } else {
    *exists = true;
    *ok = true; /* it exists: a wrong size is reported, reading it may still find more */
    if (size >= 0 && (int64_t)st.size_bytes != size) {
      *ok = false;
      char ev[32], gv[32];
      snprintf(ev, sizeof ev, "%" PRId64, size);
      snprintf(gv, sizeof gv, "%" PRId64, (int64_t)st.size_bytes);
      rc = problem(f, "size", recorded, snap, field, ev, gv, at, err);
    }
  }
  free(at);
  return rc;
}

/* ---- data and delete files ------------------------------------------------------------------------------ */

static int check_values(fsck *f, const qb_data_file *df, const qb_partition_spec *spec, int64_t snap, qb_err *err);

static int check_parquet(fsck *f, const qb_data_file *df, const qb_partition_spec *spec, int64_t snap, qb_err *err)
{
  char *path;
  int rc = qb_tbl__path(&path, &f->v, df->file_path, err);
  if (rc) return rc;
  qb_err e = QB_ERR_INIT;
  qb_pq_reader *r = NULL;
  qb_pq_scan *s = NULL;
  int64_t rows = 0;
  rc = qb_pq_reader_open_path(&r, f->v.io, path, NULL, &e);
  free(path);
  if (rc == QB_OK && qb_pq_reader_num_rows(r) != df->record_count) {
    rc = problem_i64(f, "record-count", df->file_path, snap, "record_count (Parquet footer num_rows)",
                     df->record_count, qb_pq_reader_num_rows(r), err);
    qb_pq_reader_close(r);
    return rc;
  }
  if (rc == QB_OK) rc = qb_pq_scan_new(&s, r, NULL, &e);
  while (rc == QB_OK) {
    const qb_value *row;
    if ((rc = qb_pq_scan_next(&row, s, &e)) || !row) break;
    rows++;
  }
  qb_pq_scan_free(s);
  qb_pq_reader_close(r);
  f->rep->rows_read += rows;
  if (rc == QB_ENOMEM) return QB_FAIL(err, QB_ENOMEM, "out of memory reading %s", df->file_path);
  if (rc) return problem(f, "unreadable", df->file_path, snap, NULL, NULL, NULL, e.msg, err);
  if (rows != df->record_count) return problem_i64(f, "record-count", df->file_path, snap, "record_count (rows read)",
                                                   df->record_count, rows, err);
  return df->content == QB_CONTENT_DATA && !f->mapping_broken ? check_values(f, df, spec, snap, err) : QB_OK;
}

/* ---- deep: the rows of a data file against what its manifest entry says about them ---------------------- */

/* What one top-level primitive column of the file holds */
typedef struct colstat {
  int64_t nulls, nans;
  bool any; /* a value neither null nor NaN was seen: min and max hold */
  qb_value min, max;
  qb_buf min_buf, max_buf; /* the bytes of string/binary/decimal extremes (the rows' are valid for one row) */
} colstat;

/* One partition field whose source is a top-level column of the file */
typedef struct pcheck {
  size_t top;
  const qb_type *result;
  bool done; /* a mismatch was reported: once per file and field */
} pcheck;

static bool is_nan(const qb_value *v)
{
  return (v->kind == QB_V_FLOAT && isnan(v->u.f32)) || (v->kind == QB_V_DOUBLE && isnan(v->u.f64));
}

static int keep_value(qb_value *dst, qb_buf *b, const qb_value *v, qb_err *err)
{
  *dst = *v;
  if (v->kind != QB_V_STRING && v->kind != QB_V_BYTES) return QB_OK;
  qb_buf_reset(b);
  int rc = qb_buf_append(b, v->u.bytes.p, v->u.bytes.n, err);
  dst->u.bytes.p = b->p ? b->p : (const uint8_t *)"";
  return rc;
}

static char *text_of(const qb_type *t, const qb_value *v)
{
  char *out = NULL;
  qb_err e = QB_ERR_INIT;
  if (qb_value_to_text(&out, t, v, &e)) return NULL;
  return out;
}

/* A problem whose expected and found values are typed values (text forms) */
static int problem_values(fsck *f, const char *check, const qb_data_file *df, int64_t snap, const char *field,
                          const char *exp_prefix, const qb_type *et, const qb_value *ev, const qb_type *gt,
                          const qb_value *gv, const char *detail, qb_err *err)
{
  char *e = text_of(et, ev), *g = text_of(gt, gv);
  char *exp = qb_str_printf("%s%s", exp_prefix, e ? e : "?");
  int rc = exp ? problem(f, check, df->file_path, snap, field, exp, g ? g : "?", detail, err)
               : QB_FAIL(err, QB_ENOMEM, "out of memory");
  free(e);
  free(g);
  free(exp);
  return rc;
}

/* A zero float/double bound stands for -0.0 (lower) or +0.0 (upper): writers record zeros without their
 * sign, and scans read them so (expr_metrics.c) */
static void zero_signed(qb_value *v, bool lower)
{
  if (v->kind == QB_V_DOUBLE && v->u.f64 == 0) v->u.f64 = lower ? -0.0 : 0.0;
  if (v->kind == QB_V_FLOAT && v->u.f32 == 0) v->u.f32 = lower ? -0.0f : 0.0f;
}

static int compare_column(fsck *f, const qb_data_file *df, int64_t snap, const qb_field *fl, const colstat *c,
                          qb_err *err)
{
  char field[160];
  int64_t n;
  int rc = QB_OK;
  if (qb_counts_get(&df->null_value_counts, fl->id, &n) && n != c->nulls) {
    snprintf(field, sizeof field, "null_value_counts of %s (field %d)", fl->name, (int)fl->id);
    rc = problem_i64(f, "metrics", df->file_path, snap, field, c->nulls, n, err);
  }
  if (rc == QB_OK && (fl->type->id == QB_T_FLOAT || fl->type->id == QB_T_DOUBLE) &&
      qb_counts_get(&df->nan_value_counts, fl->id, &n) && n != c->nans) {
    snprintf(field, sizeof field, "nan_value_counts of %s (field %d)", fl->name, (int)fl->id);
    rc = problem_i64(f, "metrics", df->file_path, snap, field, c->nans, n, err);
  }
  if (rc == QB_OK && qb_counts_get(&df->value_counts, fl->id, &n) && n != df->record_count) {
    snprintf(field, sizeof field, "value_counts of %s (field %d)", fl->name, (int)fl->id);
    rc = problem_i64(f, "metrics", df->file_path, snap, field, df->record_count, n, err);
  }
  /* uuid bounds follow the writers' unsigned byte order, values Java's signed one: scans use them only
   * within one half (expr_metrics.c); they are not judged here */
  if (!c->any || fl->type->id == QB_T_UUID) return rc;
  for (int lower = 1; rc == QB_OK && lower >= 0; lower--) {
    qb_slice b;
    qb_value bv;
    qb_err ignored = QB_ERR_INIT;
    if (!qb_bounds_get(lower ? &df->lower_bounds : &df->upper_bounds, fl->id, &b) || !b.p ||
        qb_bound_decode(&bv, fl->type, b, &ignored) || is_nan(&bv))
      continue;
    zero_signed(&bv, lower);
    const qb_value *ext = lower ? &c->min : &c->max;
    int cmp = qb_ice__value_cmp(fl->type, &bv, ext);
    if (lower ? cmp <= 0 : cmp >= 0) continue;
    snprintf(field, sizeof field, "%s of %s (field %d)", lower ? "lower_bounds" : "upper_bounds", fl->name,
             (int)fl->id);
    rc = problem_values(f, "metrics", df, snap, field, lower ? "<= " : ">= ", fl->type, ext, fl->type, &bv,
                        "the file holds a value outside the bounds: scans filtering on the column skip it", err);
  }
  return rc;
}

/* Read the data file as a scan does (the current schema, the name mapping) and compare its rows with the
 * entry's null/NaN/value counts, lower/upper bounds and partition values: the statistics scans prune by. */
static int check_values(fsck *f, const qb_data_file *df, const qb_partition_spec *spec, int64_t snap, qb_err *err)
{
  const qb_type *st = qb_schema_struct(f->schema);
  size_t n = st->n_fields, np = spec ? spec->n_fields : 0;
  char *path;
  int rc = qb_tbl__path(&path, &f->v, df->file_path, err);
  if (rc) return rc;
  qb_data_reader_opts o;
  memset(&o, 0, sizeof o);
  o.schema = f->schema;
  o.mapping = f->mapping;
  o.spec = spec; /* identity columns the file lacks come from the partition, as in a scan */
  o.partition = spec ? &df->partition : NULL;
  qb_data_reader *r = NULL;
  qb_err e = QB_ERR_INIT;
  colstat *cs = calloc(n ? n : 1, sizeof *cs);
  pcheck *pc = calloc(np ? np : 1, sizeof *pc);
  if (!cs || !pc) {
    rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
    goto done;
  }
  for (size_t i = 0; i < n; i++) {
    qb_buf_init(&cs[i].min_buf, QB_BUF_NOLIMIT);
    qb_buf_init(&cs[i].max_buf, QB_BUF_NOLIMIT);
  }
  int orc = qb_data_reader__open(&r, f->v.io, path, &o, &e);
  for (size_t k = 0; orc == QB_OK && k < np; k++) {
    const qb_partition_field *pf = &spec->fields[k];
    pc[k].done = true;
    for (size_t i = 0; i < n; i++) {
      qb_err ignored = QB_ERR_INIT;
      if (st->fields[i].id == pf->source_id && qb_data_reader__from_file(r, i) &&
          qb_type_is_primitive(st->fields[i].type) && pf->transform.kind != QB_TR_UNKNOWN &&
          qb_transform_result_type(&pc[k].result, &pf->transform, st->fields[i].type, &ignored) == QB_OK) {
        pc[k].top = i;
        pc[k].done = false;
      }
    }
  }
  bool part_ok = df->partition.kind == QB_V_STRUCT && df->partition.u.seq.n == np;
  int64_t pos;
  const qb_value *row;
  while (orc == QB_OK && rc == QB_OK) {
    if ((orc = qb_data_reader__next(&row, &pos, r, &e)) || !row) break;
    for (size_t i = 0; rc == QB_OK && i < n; i++) {
      const qb_field *fl = &st->fields[i];
      if (!qb_type_is_primitive(fl->type) || !qb_data_reader__from_file(r, i)) continue;
      const qb_value *v = &row->u.seq.items[i];
      colstat *c = &cs[i];
      if (v->kind == QB_V_NULL) {
        c->nulls++;
      } else if (is_nan(v)) {
        c->nans++;
      } else {
        if (!c->any || qb_ice__value_cmp(fl->type, v, &c->min) < 0) rc = keep_value(&c->min, &c->min_buf, v, err);
        if (rc == QB_OK && (!c->any || qb_ice__value_cmp(fl->type, v, &c->max) > 0))
          rc = keep_value(&c->max, &c->max_buf, v, err);
        c->any = true;
      }
    }
    for (size_t k = 0; rc == QB_OK && part_ok && k < np; k++) {
      if (pc[k].done) continue;
      const qb_field *src = &st->fields[pc[k].top];
      const qb_value *want = &df->partition.u.seq.items[k];
      qb_value tv;
      uint8_t scratch[16];
      qb_err ignored = QB_ERR_INIT;
      if (qb_transform_apply(&tv, scratch, &spec->fields[k].transform, src->type, &row->u.seq.items[pc[k].top],
                             &ignored))
        continue;
      bool same = tv.kind == QB_V_NULL || want->kind == QB_V_NULL
                      ? tv.kind == want->kind
                      : qb_ice__value_cmp(pc[k].result, &tv, want) == 0;
      const qb_value *sv = &row->u.seq.items[pc[k].top];
      if (!same && src->type->id == QB_T_LONG && sv->kind == QB_V_INT64 && sv->u.i64 >= INT32_MIN &&
          sv->u.i64 <= INT32_MAX && spec->fields[k].transform.kind == QB_TR_TRUNCATE && want->kind != QB_V_NULL) {
        /* written while the column was an int (int→long): truncate wrapped in int arithmetic near INT32_MIN,
         * and scans look for that value too (expr_project.c) */
        qb_value iv = {.kind = QB_V_INT32, .u.i32 = (int32_t)sv->u.i64}, it;
        same = qb_transform_apply(&it, scratch, &spec->fields[k].transform, qb_type_primitive(QB_T_INT), &iv,
                                  &ignored) == QB_OK &&
               it.kind == QB_V_INT32 && qb_ice__value_cmp(pc[k].result, &(qb_value){.kind = QB_V_INT64, .u.i64 = it.u.i32}, want) == 0;
      }
      if (same) continue;
      pc[k].done = true;
      char field[160], *rowtext = text_of(src->type, &row->u.seq.items[pc[k].top]);
      snprintf(field, sizeof field, "partition %s", spec->fields[k].name);
      char *why = qb_str_printf("row %" PRId64 " holds %s = %s: scans filtering on %s skip it", pos, src->name,
                                rowtext ? rowtext : "?", src->name);
      rc = why ? problem_values(f, "partition", df, snap, field, "", pc[k].result, &tv, pc[k].result, want, why, err)
               : QB_FAIL(err, QB_ENOMEM, "out of memory");
      free(why);
      free(rowtext);
    }
  }
  if (rc == QB_OK && orc == QB_ENOMEM) rc = QB_FAIL(err, QB_ENOMEM, "out of memory reading %s", df->file_path);
  else if (rc == QB_OK && orc)
    rc = problem(f, "unreadable", df->file_path, snap, NULL, NULL, NULL, e.msg, err); /* as a scan would fail */
  else
    for (size_t i = 0; rc == QB_OK && i < n; i++)
      if (qb_type_is_primitive(st->fields[i].type) && qb_data_reader__from_file(r, i))
        rc = compare_column(f, df, snap, &st->fields[i], &cs[i], err);
done:
  qb_data_reader__close(r);
  for (size_t i = 0; cs && i < n; i++) {
    qb_buf_free(&cs[i].min_buf);
    qb_buf_free(&cs[i].max_buf);
  }
  free(cs);
  free(pc);
  free(path);
  return rc;
}

/* ---- delete files, as scans apply them ----------------------------------------------------------------- */

#define FILE_PATH_ID 2147483546 /* position delete files' reserved field ids */

typedef struct pos_check {
  fsck *f;
  const qb_data_file *df;
  int64_t snap;
  qb_slice lo, hi; /* the entry's file_path bounds (p NULL: none) */
  bool bounds_done, ref_done;
} pos_check;

static int bytes_cmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
  int c = memcmp(a, b, an < bn ? an : bn);
  return c ? c : (an > bn) - (an < bn);
}

/* One row of a position delete file: scans apply it only to the data file its entry's referenced_data_file
 * names, and skip the file for data files outside its file_path bounds, so a row naming another file is lost. */
static int check_pos_row(void *ctx, const uint8_t *path, size_t n, int64_t pos, int64_t row, qb_err *err)
{
  (void)pos;
  pos_check *c = ctx;
  const qb_data_file *df = c->df;
  int rc = QB_OK;
  const char *ref = df->referenced_data_file;
  if (!c->ref_done && ref && bytes_cmp(path, n, (const uint8_t *)ref, strlen(ref))) {
    c->ref_done = true;
    char *found = qb_str_printf("%.*s", (int)n, (const char *)path);
    char *why = qb_str_printf("row %" PRId64 " deletes from another data file than the one referenced: scans apply "
                              "the file to the referenced one only, the row's delete is lost", row);
    rc = found && why ? problem(c->f, "delete-file", df->file_path, c->snap, "referenced_data_file", ref, found, why,
                                err)
                      : QB_FAIL(err, QB_ENOMEM, "out of memory");
    free(found);
    free(why);
  }
  bool below = c->lo.p && bytes_cmp(path, n, c->lo.p, c->lo.n) < 0, above = c->hi.p && bytes_cmp(path, n, c->hi.p, c->hi.n) > 0;
  if (rc == QB_OK && !c->bounds_done && (below || above)) {
    c->bounds_done = true;
    const qb_slice *b = below ? &c->lo : &c->hi;
    char *exp = qb_str_printf("%s %.*s", below ? "<=" : ">=", (int)n, (const char *)path);
    char *found = qb_str_printf("%.*s", (int)b->n, (const char *)b->p);
    char *why = qb_str_printf("row %" PRId64 " names a data file outside the bounds: scans do not apply the file to it, "
                              "the row's delete is lost", row);
    rc = exp && found && why ? problem(c->f, "metrics", df->file_path, c->snap,
                                       below ? "lower_bounds of file_path (field 2147483546)"
                                             : "upper_bounds of file_path (field 2147483546)",
                                       exp, found, why, err)
                             : QB_FAIL(err, QB_ENOMEM, "out of memory");
    free(exp);
    free(found);
    free(why);
  }
  return rc;
}

/* A delete file as scans apply it (deletes.c): an equality delete's ids must be key columns of the table (deep:
 * its key columns read as scans read them), a position delete's rows (deep) read as file_path and pos and held
 * against its referenced_data_file and file_path bounds. Before, delete files were only decoded raw: fsck
 * called tables clean whose scans failed on a delete file, or lost its deletes (found by exploreO). */
static int check_delete(fsck *f, const qb_data_file *df, int64_t snap, bool read, qb_err *err)
{
  int rc = QB_OK;
  if (!f->deletes && (rc = qb_delete_index__new(&f->deletes, &f->v, f->schema, f->mapping, err))) return rc;
  pos_check c = {f, df, snap, {0}, {0}, false, false};
  qb_bounds_get(&df->lower_bounds, FILE_PATH_ID, &c.lo);
  qb_bounds_get(&df->upper_bounds, FILE_PATH_ID, &c.hi);
  qb_err e = QB_ERR_INIT;
  bool fn_failed = false;
  rc = qb_delete_index__verify(f->deletes, df, read, check_pos_row, &c, &fn_failed, &e);
  if (rc && fn_failed) {
    *err = e; /* reporting a problem failed */
    return rc;
  }
  if (rc == QB_ENOMEM) return QB_FAIL(err, QB_ENOMEM, "out of memory reading %s", df->file_path);
  return rc ? problem(f, "unreadable", df->file_path, snap, NULL, NULL, NULL, e.msg, err) : QB_OK;
}

static int check_file(fsck *f, const qb_data_file *df, const qb_partition_spec *spec, int64_t snap, qb_err *err)
{
  if (qb_map_has_str(&f->files, df->file_path)) return QB_OK;
  int rc = qb_map_put_str(&f->files, df->file_path, NULL, err);
  if (rc) return rc;
  if (df->content == QB_CONTENT_DATA) f->rep->data_files++;
  else f->rep->delete_files++;
  /* equality ids are checked without reading: a scan fails on them before it reads the file */
  bool ids_ok = true;
  if (df->content == QB_CONTENT_EQUALITY_DELETES) {
    int64_t before = f->rep->problems;
    if ((rc = check_delete(f, df, snap, false, err))) return rc;
    ids_ok = f->rep->problems == before;
  }
  bool ok, exists;
  if ((rc = check_exists(&ok, &exists, f, df->file_path, "file_size_in_bytes", df->file_size_in_bytes, snap, err)) ||
      !ok || !f->o->deep)
    return rc;
  if (df->file_format && strcasecmp(df->file_format, "parquet")) return QB_OK; /* only Parquet is read */
  int64_t before = f->rep->problems;
  if ((rc = check_parquet(f, df, spec, snap, err)) || df->content == QB_CONTENT_DATA || !ids_ok ||
      f->rep->problems != before)
    return rc;
  return check_delete(f, df, snap, true, err);
}

/* ---- manifests ------------------------------------------------------------------------------------------- */

static int keep_live(mstat *m, fsck *f, const char *path, qb_err *err)
{
  if (m->n_live == m->cap_live) {
    size_t cap = m->cap_live ? 2 * m->cap_live : 16;
    const char **g = realloc(m->live, cap * sizeof *g);
    if (!g) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    m->live = g;
    m->cap_live = cap;
  }
  if (!(m->live[m->n_live] = qb_arena_strdup(&f->arena, path))) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  m->n_live++;
  return QB_OK;
}

/* Read as a scan reads it (qb_tbl__open_manifest): partition values typed by the table's spec over the current
 * schema, so whatever makes a scan fail on the manifest is reported. */
static int read_manifest(mstat *m, fsck *f, const qb_manifest_file *mf, bool inline_list, int64_t snap, qb_err *err)
{
  if (!qb_table_metadata_spec_by_id(f->v.md, mf->partition_spec_id)) {
    char g[32];
    snprintf(g, sizeof g, "%d", (int)mf->partition_spec_id);
    return problem(f, "partition-spec", mf->manifest_path, snap, "partition_spec_id", "a spec of the table", g,
                   "the manifest list names a partition spec the table does not have: no scan can read the manifest",
                   err);
  }
  qb_manifest_reader *r;
  qb_err e = QB_ERR_INIT;
  int rc = qb_tbl__open_manifest(&r, &f->v, f->schema, mf, &e);
  if (rc == QB_ENOMEM) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  if (rc) return problem(f, "unreadable", mf->manifest_path, snap, NULL, NULL, NULL, e.msg, err);
  const qb_partition_spec *rspec = qb_manifest_reader_spec(r);
  m->spec_id = rspec->spec_id;
  if (rspec->n_fields && qb_tbl__spec_binds(rspec, f->schema)) {
    if (!(m->parts = calloc(rspec->n_fields, sizeof *m->parts))) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
    for (size_t k = 0; rc == QB_OK && k < rspec->n_fields; k++) {
      pstat *ps = &m->parts[m->n_parts++];
      qb_buf_init(&ps->min_buf, QB_BUF_NOLIMIT);
      qb_buf_init(&ps->max_buf, QB_BUF_NOLIMIT);
      const qb_field *src = qb_schema_find_field(f->schema, rspec->fields[k].source_id);
      qb_err ignored = QB_ERR_INIT;
      if (!src || rspec->fields[k].transform.kind == QB_TR_UNKNOWN ||
          qb_transform_result_type(&ps->type, &rspec->fields[k].transform, src->type, &ignored))
        ps->type = NULL; /* not judged */
    }
  }
  while (rc == QB_OK) {
    const qb_manifest_entry *en;
    if ((rc = qb_manifest_reader_next(&en, r, &e)) || !en) break;
    const qb_data_file *df = &en->data_file;
    int st = en->status;
    m->n_status[st]++;
    m->rows_status[st] += df->record_count;
    /* a list names the snapshot that wrote the manifest; an inline (v1 "manifests") one does not: the snapshot
     * listing it stands in for it (Java BaseSnapshot), although it may list older snapshots' manifests too.
     * There the ADDED and DELETED entries name it. */
    if (inline_list && st != QB_ENTRY_EXISTING && m->writer == QB_UNASSIGNED) m->writer = en->snapshot_id;
    bool own = en->snapshot_id == m->writer;
    bool data = df->content == QB_CONTENT_DATA;
    if (data) m->data_entries++;
    else m->delete_entries++;
    if (st == QB_ENTRY_ADDED && own) {
      if (data) {
        m->own_added_data_files++;
        m->own_added_records += df->record_count;
      } else {
        m->own_added_delete_files++;
      }
    }
    if (st == QB_ENTRY_DELETED && own) {
      if (data) {
        m->own_deleted_data_files++;
        m->own_deleted_records += df->record_count;
      } else {
        m->own_removed_delete_files++;
      }
    }
    if (st == QB_ENTRY_DELETED) continue;
    for (size_t k = 0; rc == QB_OK && df->partition.kind == QB_V_STRUCT && k < m->n_parts && k < df->partition.u.seq.n;
         k++) {
      pstat *ps = &m->parts[k];
      const qb_value *v = &df->partition.u.seq.items[k];
      if (!ps->type) continue;
      if (v->kind == QB_V_NULL) {
        ps->has_null = true;
      } else if (is_nan(v)) {
        ps->has_nan = true;
      } else {
        if (!ps->any || qb_ice__value_cmp(ps->type, v, &ps->min) < 0) rc = keep_value(&ps->min, &ps->min_buf, v, err);
        if (rc == QB_OK && (!ps->any || qb_ice__value_cmp(ps->type, v, &ps->max) > 0))
          rc = keep_value(&ps->max, &ps->max_buf, v, err);
        ps->any = true;
      }
    }
    if (rc) break;
    if (data) {
      m->live_data_files++;
      m->live_data_records += df->record_count;
      if ((rc = keep_live(m, f, df->file_path, err))) break;
    } else if (df->content == QB_CONTENT_POSITION_DELETES) {
      m->live_pos_files++;
      m->live_pos_records += df->record_count;
    } else {
      m->live_eq_files++;
      m->live_eq_records += df->record_count;
    }
    if (mf->sequence_number > 0 && en->sequence_number > mf->sequence_number) {
      char e1[32], g1[32];
      snprintf(e1, sizeof e1, "<= %" PRId64, mf->sequence_number);
      snprintf(g1, sizeof g1, "%" PRId64, en->sequence_number);
      if ((rc = problem(f, "sequence-number", mf->manifest_path, snap, "entry sequence_number", e1, g1, df->file_path,
                        err)))
        break;
    }
    if ((rc = check_file(f, df, qb_manifest_reader_spec(r), snap, err))) break;
  }
  qb_manifest_reader_close(r);
  if (rc == QB_ENOMEM) return rc;
  if (rc && e.code) return problem(f, "unreadable", mf->manifest_path, snap, NULL, NULL, NULL, e.msg, err);
  if (rc == QB_OK) m->readable = true;
  return rc;
}

static int manifest_stat(mstat **out, fsck *f, const qb_manifest_file *mf, bool inline_list, int64_t snap,
                         qb_err *err)
{
  *out = qb_map_get_str(&f->manifests, mf->manifest_path);
  if (*out) return QB_OK;
  mstat *m = calloc(1, sizeof *m);
  if (!m) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  int rc = qb_map_put_str(&f->manifests, mf->manifest_path, m, err);
  if (rc) {
    free(m);
    return rc;
  }
  f->rep->manifests++;
  m->writer = inline_list ? QB_UNASSIGNED : mf->added_snapshot_id;
  if (!(m->path = qb_arena_strdup(&f->arena, mf->manifest_path))) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  bool ok, exists;
  if ((rc = check_exists(&ok, &exists, f, mf->manifest_path, "manifest_length", mf->manifest_length, snap, err)))
    return rc;
  if (exists) rc = read_manifest(m, f, mf, inline_list, snap, err);
  *out = m;
  return rc;
}

/* The list entry's counts against the manifest's entries. */
static int check_counts(fsck *f, const qb_manifest_file *mf, const mstat *m, int64_t snap, qb_err *err)
{
  static const char *const files_names[3] = {"existing_files_count", "added_files_count", "deleted_files_count"};
  static const char *const rows_names[3] = {"existing_rows_count", "added_rows_count", "deleted_rows_count"};
  const int64_t files[3] = {mf->existing_files_count, mf->added_files_count, mf->deleted_files_count};
  const int64_t rows[3] = {mf->existing_rows_count, mf->added_rows_count, mf->deleted_rows_count};
  int rc = QB_OK;
  for (int s = 0; rc == QB_OK && s < 3; s++) {
    if (files[s] != QB_UNASSIGNED && files[s] != m->n_status[s])
      rc = problem_i64(f, "manifest-count", mf->manifest_path, snap, files_names[s], m->n_status[s], files[s], err);
    if (rc == QB_OK && rows[s] != QB_UNASSIGNED && rows[s] != m->rows_status[s])
      rc = problem_i64(f, "manifest-count", mf->manifest_path, snap, rows_names[s], m->rows_status[s], rows[s], err);
  }
  return rc;
}

/* The list entry's partition field summaries against the manifest's live entries: scans skip a whole manifest
 * by them (expr_metrics.c summary_pred), so a summary its entries contradict hides their rows. */
static int check_summaries(fsck *f, const qb_snapshot *s, const char *list, const qb_manifest_file *mf,
                           const mstat *m, qb_err *err)
{
  int rc = QB_OK;
  const qb_partition_spec *spec = qb_table_metadata_spec_by_id(f->v.md, mf->partition_spec_id);
  for (size_t k = 0; rc == QB_OK && spec && mf->partitions && k < mf->n_partitions && k < m->n_parts; k++) {
    const pstat *ps = &m->parts[k];
    const qb_partition_field_summary *sm = &mf->partitions[k];
    if (!ps->type || k >= spec->n_fields) continue;
    char field[160];
    const char *exp = NULL, *got = NULL, *what = "partition values outside the summary";
    qb_value bv;
    const qb_value *ext = NULL;
    qb_err ignored = QB_ERR_INIT;
    if (ps->has_null && !sm->contains_null) {
      snprintf(field, sizeof field, "partitions contains_null of %s", spec->fields[k].name);
      exp = "true", got = "false", what = "a null partition value";
    } else if (ps->has_nan && sm->contains_nan == 0) {
      snprintf(field, sizeof field, "partitions contains_nan of %s", spec->fields[k].name);
      exp = "true", got = "false", what = "a NaN partition value";
    } else if (ps->any && !sm->lower_bound.p && (sm->contains_null || sm->contains_nan == 1)) {
      snprintf(field, sizeof field, "partitions lower_bound of %s", spec->fields[k].name);
      exp = "a bound", got = "absent (only nulls or NaN)", what = "partition values that are not null";
    } else if (ps->any && sm->lower_bound.p && qb_bound_decode(&bv, ps->type, sm->lower_bound, &ignored) == QB_OK &&
               !is_nan(&bv) && qb_ice__value_cmp(ps->type, &bv, &ps->min) > 0) {
      snprintf(field, sizeof field, "partitions lower_bound of %s", spec->fields[k].name);
      ext = &ps->min;
    } else if (ps->any && sm->upper_bound.p && qb_bound_decode(&bv, ps->type, sm->upper_bound, &ignored) == QB_OK &&
               !is_nan(&bv) && qb_ice__value_cmp(ps->type, &bv, &ps->max) < 0) {
      snprintf(field, sizeof field, "partitions upper_bound of %s", spec->fields[k].name);
      ext = &ps->max;
    } else {
      continue;
    }
    char *why = qb_str_printf("%s holds %s: scans filtering on %s skip the manifest", m->path, what,
                              spec->fields[k].name);
    if (!why) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    if (ext) {
      char *e = text_of(ps->type, ext), *g = text_of(ps->type, &bv);
      char *ee = qb_str_printf("%s %s", ext == &ps->min ? "<=" : ">=", e ? e : "?");
      rc = ee ? problem(f, "partition-summary", list, s->snapshot_id, field, ee, g ? g : "?", why, err)
              : QB_FAIL(err, QB_ENOMEM, "out of memory");
      free(e);
      free(g);
      free(ee);
    } else {
      rc = problem(f, "partition-summary", list, s->snapshot_id, field, exp, got, why, err);
    }
    free(why);
  }
  return rc;
}

/* ---- snapshots ------------------------------------------------------------------------------------------- */

typedef struct totals {
  int64_t records, data_files, delete_files, pos_deletes, eq_deletes;
  int64_t added_files, added_records, deleted_files, deleted_records, added_delete_files, removed_delete_files;
} totals;

static int check_summary_key(fsck *f, const qb_snapshot *s, const char *list, const char *key, int64_t expected,
                             qb_err *err)
{
  const char *v = qb_snapshot_summary_get(s, key);
  if (!v) return QB_OK;
  char *end;
  long long got = strtoll(v, &end, 10);
  if (end == v || *end)
    return problem(f, "summary", list, s->snapshot_id, key, NULL, v, "not an integer", err);
  if (got != expected) return problem_i64(f, "summary", list, s->snapshot_id, key, expected, got, err);
  return QB_OK;
}

static int check_list_meta(fsck *f, const qb_snapshot *s, qb_manifest_list_reader *lr, qb_err *err)
{
  int rc = QB_OK;
  int64_t id = qb_manifest_list_reader_snapshot_id(lr), par = qb_manifest_list_reader_parent_snapshot_id(lr),
          seq = qb_manifest_list_reader_sequence_number(lr);
  if (id != QB_UNASSIGNED && id != s->snapshot_id)
    rc = problem_i64(f, "parent", s->manifest_list, s->snapshot_id, "snapshot-id (manifest list metadata)",
                     s->snapshot_id, id, err);
  int64_t want_par = s->has_parent ? s->parent_id : QB_UNASSIGNED;
  if (rc == QB_OK && (id != QB_UNASSIGNED || par != QB_UNASSIGNED) && par != want_par)
    rc = problem_i64(f, "parent", s->manifest_list, s->snapshot_id, "parent-snapshot-id (manifest list metadata)",
                     want_par, par, err);
  if (rc == QB_OK && seq != QB_UNASSIGNED && s->sequence_number > 0 && seq != s->sequence_number)
    rc = problem_i64(f, "sequence-number", s->manifest_list, s->snapshot_id, "sequence-number (manifest list metadata)",
                     s->sequence_number, seq, err);
  return rc;
}

static int check_snapshot(fsck *f, const qb_snapshot *s, qb_err *err)
{
  int rc;
  qb_manifest_list_reader *lr = NULL;
  qb_err e = QB_ERR_INIT;
  const char *list = s->manifest_list ? s->manifest_list : "(inline manifests)";
  qb_map seen; /* the snapshot's live data files -> the manifest listing them */
  qb_map_init(&seen);
  f->rep->snapshots++;
  if (s->manifest_list) {
    f->rep->manifest_lists++;
    bool ok, exists;
    if ((rc = check_exists(&ok, &exists, f, s->manifest_list, NULL, -1, s->snapshot_id, err)) || !exists) return rc;
    char *path;
    if ((rc = qb_tbl__path(&path, &f->v, s->manifest_list, err))) return rc;
    rc = qb_manifest_list_reader_open(&lr, f->v.io, path, &e);
    free(path);
  } else {
    rc = qb_manifest_list_reader_open_snapshot(&lr, f->v.io, s, &e);
  }
  if (rc == QB_ENOMEM) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  if (rc) return problem(f, "unreadable", list, s->snapshot_id, NULL, NULL, NULL, e.msg, err);
  if ((rc = check_list_meta(f, s, lr, err))) goto done;
  totals t;
  memset(&t, 0, sizeof t);
  bool all_readable = true;
  for (;;) {
    const qb_manifest_file *mf;
    if ((rc = qb_manifest_list_reader_next(&mf, lr, &e)) || !mf) break;
    if (s->sequence_number > 0 && mf->sequence_number > s->sequence_number) {
      char e1[32], g1[32];
      snprintf(e1, sizeof e1, "<= %" PRId64, s->sequence_number);
      snprintf(g1, sizeof g1, "%" PRId64, mf->sequence_number);
      if ((rc = problem(f, "sequence-number", list, s->snapshot_id, "manifest sequence_number", e1, g1,
                        mf->manifest_path, err)))
        goto done;
    }
    mstat *m;
    if ((rc = manifest_stat(&m, f, mf, !s->manifest_list, s->snapshot_id, err))) goto done;
    if (!m->readable) {
      all_readable = false;
      continue;
    }
    if (m->spec_id != mf->partition_spec_id) { /* read once, from another list that named its spec right */
      char e1[32], g1[32];
      snprintf(e1, sizeof e1, "%d", (int)m->spec_id);
      snprintf(g1, sizeof g1, "%d", (int)mf->partition_spec_id);
      char *why = qb_str_printf("the entry of %s: the manifest was written with partition spec %s", mf->manifest_path, e1);
      rc = why ? problem(f, "partition-spec", list, s->snapshot_id, "partition_spec_id", e1, g1, why, err)
               : QB_FAIL(err, QB_ENOMEM, "out of memory");
      free(why);
      if (rc) goto done;
    }
    if ((rc = check_counts(f, mf, m, s->snapshot_id, err))) goto done;
    if ((rc = check_summaries(f, s, list, mf, m, err))) goto done;
    /* scans read data files from data manifests only, delete files from delete manifests only */
    bool as_deletes = mf->content == QB_MANIFEST_DELETES;
    if (as_deletes ? m->data_entries > 0 : m->delete_entries > 0) {
      char *why = qb_str_printf("%s holds %s files: scans %s", m->path, as_deletes ? "data" : "delete",
                                as_deletes ? "skip them (a delete manifest is read for deletes only)"
                                           : "do not apply them (a data manifest is read for data files only)");
      rc = why ? problem(f, "manifest-content", list, s->snapshot_id, "content", as_deletes ? "data" : "deletes",
                         as_deletes ? "deletes" : "data", why, err)
               : QB_FAIL(err, QB_ENOMEM, "out of memory");
      free(why);
      if (rc) goto done;
    }
    for (size_t i = 0; i < m->n_live; i++) {
      void **first = qb_map_get(&seen, m->live[i], strlen(m->live[i]));
      if (!first) {
        if ((rc = qb_map_put_str(&seen, m->live[i], (void *)m->path, err))) goto done;
        continue;
      }
      char *why = qb_str_printf("live in %s and %s of the snapshot: scans return its rows twice", (const char *)*first,
                                m->path);
      rc = why ? problem(f, "duplicate", m->live[i], s->snapshot_id, NULL, "live once", "live twice", why, err)
               : QB_FAIL(err, QB_ENOMEM, "out of memory");
      free(why);
      if (rc) goto done;
    }
    t.records += m->live_data_records;
    t.data_files += m->live_data_files;
    t.delete_files += m->live_pos_files + m->live_eq_files;
    t.pos_deletes += m->live_pos_records;
    t.eq_deletes += m->live_eq_records;
    if (m->writer == s->snapshot_id) { /* counted for the snapshot that wrote the manifest only */
      t.added_files += m->own_added_data_files;
      t.added_records += m->own_added_records;
      t.deleted_files += m->own_deleted_data_files;
      t.deleted_records += m->own_deleted_records;
      t.added_delete_files += m->own_added_delete_files;
      t.removed_delete_files += m->own_removed_delete_files;
    }
  }
  if (rc) {
    if (rc != QB_ENOMEM && e.code) rc = problem(f, "unreadable", list, s->snapshot_id, NULL, NULL, NULL, e.msg, err);
    goto done;
  }
  if (!all_readable) goto done; /* the sums cannot be known */
  const struct {
    const char *key;
    int64_t v;
  } keys[] = {{"total-records", t.records},
              {"total-data-files", t.data_files},
              {"total-delete-files", t.delete_files},
              {"total-position-deletes", t.pos_deletes},
              {"total-equality-deletes", t.eq_deletes},
              {"added-data-files", t.added_files},
              {"added-records", t.added_records},
              {"deleted-data-files", t.deleted_files},
              {"deleted-records", t.deleted_records},
              {"added-delete-files", t.added_delete_files},
              {"removed-delete-files", t.removed_delete_files}};
  for (size_t i = 0; rc == QB_OK && i < sizeof keys / sizeof keys[0]; i++)
    rc = check_summary_key(f, s, list, keys[i].key, keys[i].v, err);
done:
  qb_map_free(&seen);
  qb_manifest_list_reader_close(lr);
  return rc;
}

/* The position of each snapshot by id (value: index + 1), so that a history of n snapshots costs O(n) lookups
 * instead of n linear searches (qb_table_metadata_snapshot_by_id) in each pass. */
static int index_snapshots(qb_map *by_id, const qb_table_metadata *md, size_t n, qb_err *err)
{
  int rc = QB_OK;
  for (size_t i = 0; rc == QB_OK && i < n; i++) {
    int64_t id = qb_table_metadata_snapshot_at(md, i)->snapshot_id;
    rc = qb_map_put(by_id, &id, sizeof id, (void *)(uintptr_t)(i + 1), NULL, err);
  }
  return rc;
}

/* Index of the snapshot `id`, or n when the table has none. */
static size_t snapshot_index(const qb_map *by_id, int64_t id, size_t n)
{
  void **v = qb_map_get(by_id, &id, sizeof id);
  return v ? (size_t)(uintptr_t)*v - 1 : n;
}

/* Sequence numbers, parents and timestamps across snapshots; refs. Linear in the number of snapshots (a
 * history of 5,000 took a minute when each parent was searched for and each chain walked to its root). */
static int check_lineage(fsck *f, const qb_table_metadata *md, const char *mdpath, qb_err *err)
{
  int rc = QB_OK;
  size_t n = qb_table_metadata_n_snapshots(md), nlog;
  const qb_snapshot_log_entry *log = qb_table_metadata_snapshot_log(md, &nlog);
  bool v2 = qb_table_metadata_format_version(md) >= 2;
  int64_t last_seq = qb_table_metadata_last_sequence_number(md);
  qb_u64set seqs, logged;
  qb_u64set_init(&seqs);
  qb_u64set_init(&logged);
  qb_map by_id;
  qb_map_init(&by_id);
  /* walk state per snapshot: 0 not seen, 1 on the chain being walked, 2 reaches a root, 3 reaches a cycle */
  unsigned char *state = calloc(n ? n : 1, 1);
  size_t *chain = malloc((n ? n : 1) * sizeof *chain);
  if (!state || !chain) rc = QB_FAIL(err, QB_ENOMEM, "out of memory checking the lineage of %zu snapshots", n);
  if (rc == QB_OK) rc = index_snapshots(&by_id, md, n, err);
  for (size_t k = 0; rc == QB_OK && k < nlog; k++) rc = qb_u64set_add(&logged, (uint64_t)log[k].snapshot_id, err);
  for (size_t i = 0; rc == QB_OK && i < n; i++) {
    const qb_snapshot *s = qb_table_metadata_snapshot_at(md, i);
    if (v2 && s->sequence_number > last_seq)
      rc = problem_i64(f, "sequence-number", mdpath, s->snapshot_id, "sequence-number (<= last-sequence-number)",
                       last_seq, s->sequence_number, err);
    if (rc == QB_OK && v2 && s->sequence_number > 0) {
      if (qb_u64set_has(&seqs, (uint64_t)s->sequence_number))
        rc = problem(f, "sequence-number", mdpath, s->snapshot_id, "sequence-number", "unique",
                     "shared with another snapshot", NULL, err);
      else
        rc = qb_u64set_add(&seqs, (uint64_t)s->sequence_number, err);
    }
    if (rc || !s->has_parent) continue;
    if (s->parent_id == s->snapshot_id) {
      rc = problem(f, "parent", mdpath, s->snapshot_id, "parent-snapshot-id", "another snapshot", "itself", NULL, err);
      continue;
    }
    size_t pi = snapshot_index(&by_id, s->parent_id, n);
    const qb_snapshot *p = pi < n ? qb_table_metadata_snapshot_at(md, pi) : NULL;
    if (!p) {
      /* an expired parent is normal; one the snapshot log still lists should be there */
      if (qb_u64set_has(&logged, (uint64_t)s->parent_id)) {
        char g[32];
        snprintf(g, sizeof g, "%" PRId64, s->parent_id);
        rc = problem(f, "parent", mdpath, s->snapshot_id, "parent-snapshot-id", "a snapshot of the table", g,
                     "the parent is in the snapshot-log but not in snapshots", err);
      }
      continue;
    }
    if (v2 && p->sequence_number >= s->sequence_number && s->sequence_number > 0) {
      char e1[48], g1[32];
      snprintf(e1, sizeof e1, "> %" PRId64 " (the parent's)", p->sequence_number);
      snprintf(g1, sizeof g1, "%" PRId64, s->sequence_number);
      rc = problem(f, "parent", mdpath, s->snapshot_id, "sequence-number", e1, g1, "not after its parent", err);
    }
    if (rc == QB_OK && s->timestamp_ms + CLOCK_SKEW_MS < p->timestamp_ms) {
      char e1[48], g1[32];
      snprintf(e1, sizeof e1, ">= %" PRId64 " (the parent's)", p->timestamp_ms);
      snprintf(g1, sizeof g1, "%" PRId64, s->timestamp_ms);
      rc = problem(f, "parent", mdpath, s->snapshot_id, "timestamp-ms", e1, g1, "older than its parent", err);
    }
  }
  qb_u64set_free(&seqs);
  qb_u64set_free(&logged);
  /* a snapshot whose chain of parents comes back to a snapshot of the chain reaches a cycle: each chain is
   * walked until a snapshot already decided, so every snapshot is visited once */
  for (size_t i = 0; rc == QB_OK && i < n; i++) {
    size_t len = 0, at = i;
    unsigned char end = 2;
    while (true) {
      if (state[at] == 1) end = 3; /* back on this chain */
      if (state[at]) {
        if (state[at] != 1) end = state[at];
        break;
      }
      state[at] = 1;
      chain[len++] = at;
      const qb_snapshot *s = qb_table_metadata_snapshot_at(md, at);
      if (!s->has_parent || (at = snapshot_index(&by_id, s->parent_id, n)) == n) break;
    }
    while (len) state[chain[--len]] = end;
  }
  for (size_t i = 0; rc == QB_OK && i < n; i++)
    if (state[i] == 3)
      rc = problem(f, "parent", mdpath, qb_table_metadata_snapshot_at(md, i)->snapshot_id, "parent-snapshot-id",
                   "a chain ending at a root", "a cycle", NULL, err);
  free(state);
  free(chain);
  qb_map_free(&by_id);
  int64_t cur = qb_table_metadata_current_snapshot_id(md);
  if (rc == QB_OK && cur != -1 && !qb_table_metadata_snapshot_by_id(md, cur))
    rc = problem_i64(f, "ref", mdpath, cur, "current-snapshot-id", -1, cur, err);
  for (size_t i = 0; rc == QB_OK && i < qb_table_metadata_n_refs(md); i++) {
    const qb_ref *r = qb_table_metadata_ref_at(md, i);
    if (!qb_table_metadata_snapshot_by_id(md, r->snapshot_id)) {
      char g[32];
      snprintf(g, sizeof g, "%" PRId64, r->snapshot_id);
      rc = problem(f, "ref", mdpath, r->snapshot_id, r->name, "a snapshot of the table", g,
                   "the ref points to a snapshot that does not exist", err);
    }
  }
  return rc;
}

/* The default partition spec must bind to the current schema (the rule every data writer applies: a spec
 * naming a column that is not there, or a partition name taken by another column, fails every append). */
static int check_default_spec(fsck *f, const qb_table_metadata *md, const char *mdpath, qb_err *err)
{
  const qb_partition_spec *spec = qb_table_metadata_default_spec(md);
  const qb_schema *schema = qb_table_metadata_current_schema(md);
  if (!spec || !schema) return QB_OK;
  qb_err why = {0};
  if (qb_partition_spec_validate(spec, schema, &why) == QB_OK) return QB_OK;
  char e[64], g[32];
  snprintf(e, sizeof e, "a spec that binds to schema %d (the current one)", (int)qb_schema_id(schema));
  snprintf(g, sizeof g, "spec %d", (int)spec->spec_id);
  return problem(f, "partition-spec", mdpath, -1, "default-spec-id", e, g, why.msg, err);
}

/* ---- metadata files and the version hint ------------------------------------------------------------------ */

typedef struct newest {
  int64_t version;
} newest;

static int on_meta_entry(void *ctx, const char *name, bool is_dir, qb_err *err)
{
  (void)err;
  newest *nw = ctx;
  int64_t v;
  if (!is_dir && qb_hadoop__parse_name(name, &v) != QB_MDNAME_NONE && v > nw->version) nw->version = v;
  return QB_OK;
}

static int check_metadata_files(fsck *f, qb_table *t, const qb_table_metadata *md, qb_err *err)
{
  int rc = QB_OK;
  const char *mdpath = qb_table_metadata_path(t);
  f->rep->metadata_files++;
  size_t nlog;
  const qb_metadata_log_entry *ml = qb_table_metadata_metadata_log(md, &nlog);
  for (size_t i = 0; rc == QB_OK && i < nlog; i++) {
    f->rep->metadata_files++;
    bool ok, exists;
    if ((rc = check_exists(&ok, &exists, f, ml[i].metadata_file, NULL, -1, -1, err))) break;
    if (i > 0 && ml[i].timestamp_ms < ml[i - 1].timestamp_ms)
      rc = problem_i64(f, "metadata-log", mdpath, -1, "metadata-log timestamp-ms (ascending)", ml[i - 1].timestamp_ms,
                       ml[i].timestamp_ms, err);
  }
  if (rc || t->pinned) return rc;
  /* the version hint (Hadoop layout): names the newest version, as a number or a file stem */
  int64_t cur = qb_table_version(t);
  char *hint_path = qb_path_join(t->meta_dir, QB_VERSION_HINT);
  if (!hint_path) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  uint8_t *buf = NULL;
  size_t n = 0;
  qb_err e = QB_ERR_INIT;
  int hrc = qb_fileio_read_all(&buf, &n, f->v.io, hint_path, 4096, &e);
  /* listed after the hint is read: the version a hint names was published before the hint was written, so
   * the listing has it unless it is gone (a commit in between only adds newer versions) */
  newest nw = {-1};
  qb_err le = QB_ERR_INIT;
  bool listed = cur >= 0 && qb_fileio_list_dir(f->v.io, t->meta_dir, on_meta_entry, &nw, &le) == QB_OK;
  if (hrc == QB_OK) {
    char text[128];
    size_t k = n < sizeof text - 1 ? n : sizeof text - 1;
    memcpy(text, buf, k);
    while (k && (text[k - 1] == '\n' || text[k - 1] == '\r' || text[k - 1] == ' ')) k--;
    text[k] = 0;
    char *end;
    long long hv = strtoll(text, &end, 10);
    const char *base = qb_path_base(mdpath);
    bool match;
    if (end != text && !*end) match = hv == cur;
    else match = !strncmp(base, text, k) && (base[k] == '.' || base[k] == 0);
    if (!match && end != text && !*end && listed && hv > cur && hv > nw.version) {
      /* the hint is written after its version is published: that version existed, and is gone */
      char *lost = qb_str_printf("%s/v%lld.metadata.json", t->meta_dir, hv);
      char *why = qb_str_printf("the version hint names v%lld, the table's last commit; without it the table loads "
                                "v%lld: that commit is lost", hv, (long long)cur);
      rc = lost && why ? problem(f, "missing", lost, -1, NULL, "exists", "absent", why, err)
                       : QB_FAIL(err, QB_ENOMEM, "out of memory");
      free(lost);
      free(why);
    } else if (!match) {
      char want[64];
      snprintf(want, sizeof want, "%" PRId64, cur);
      rc = problem(f, "version-hint", hint_path, -1, NULL, want, text, "the hint does not name the newest metadata",
                   err);
    }
  } else if (hrc != QB_ENOTFOUND) {
    rc = problem(f, "unreadable", hint_path, -1, NULL, NULL, NULL, e.msg, err);
  }
  free(buf);
  free(hint_path);
  if (rc) return rc;
  /* nothing newer than the version loaded */
  if (listed && nw.version > cur)
    rc = problem_i64(f, "version-hint", t->meta_dir, -1, "newest metadata version", nw.version, cur, err);
  return rc;
}

/* One check of `t` at the version it holds. */
static int fsck_once(qb_table *t, const qb_fsck_options *opts, qb_fsck_report *rep, qb_err *err)
{
  memset(rep, 0, sizeof *rep);
  const qb_table_metadata *md;
  int rc = qb_table_get_metadata(&md, t, err);
  if (rc) return rc;
  fsck f = {{t->cat->io, md, t->root, t->name}, opts, rep, qb_table_metadata_current_schema(md), NULL, false, {0}, {0}, {0},
            NULL};
  qb_arena_init(&f.arena, 4096);
  qb_map_init(&f.manifests);
  qb_map_init(&f.files);
  /* a scan parses the mapping before it reads anything: one that does not parse fails every scan */
  const char *nm = qb_table_metadata_property(md, "schema.name-mapping.default");
  qb_err me = QB_ERR_INIT;
  int mrc = nm ? qb_name_mapping__parse(&f.mapping, nm, &f.arena, &me) : QB_OK;
  if (mrc == QB_ENOMEM) {
    rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
  } else if (mrc) {
    f.mapping = NULL;
    f.mapping_broken = true;
    char *why = qb_str_printf("%s: every scan of the table fails", me.msg);
    rc = why ? problem(&f, "name-mapping", qb_table_metadata_path(t), -1, NULL, NULL, NULL, why, err)
             : QB_FAIL(err, QB_ENOMEM, "out of memory");
    free(why);
  }
  if (rc == QB_OK && !f.schema) rc = QB_FAIL(err, QB_ECORRUPT, "the table has no current schema");
  if (rc == QB_OK) rc = check_metadata_files(&f, t, md, err);
  if (rc == QB_OK) rc = check_lineage(&f, md, qb_table_metadata_path(t), err);
  if (rc == QB_OK) rc = check_default_spec(&f, md, qb_table_metadata_path(t), err);
  for (size_t i = 0; rc == QB_OK && i < qb_table_metadata_n_snapshots(md); i++)
    rc = check_snapshot(&f, qb_table_metadata_snapshot_at(md, i), err);
  for (size_t i = 0; i < f.manifests.cap; i++)
    if (f.manifests.slots[i].key) {
      mstat *m = f.manifests.slots[i].value;
      for (size_t k = 0; k < m->n_parts; k++) {
        qb_buf_free(&m->parts[k].min_buf);
        qb_buf_free(&m->parts[k].max_buf);
      }
      free(m->parts);
      free(m->live);
      free(m);
    }
  qb_map_free(&f.manifests);
  qb_map_free(&f.files);
  qb_delete_index__free(f.deletes);
  qb_arena_release(&f.arena);
  return rc;
}

/* Problems held back until the check is known to describe the table as it is (below). */
enum { HOLD_MAX = 4096, FSCK_ATTEMPTS = 3 };

typedef struct held_problem {
  char *s[6]; /* check, file, field, expected, found, detail */
  int64_t snapshot_id;
} held_problem;

typedef struct holder {
  const qb_fsck_options *user;
  held_problem *p;
  size_t n;
  bool passing; /* too many to hold: delivered as found, no second check */
} holder;

static void holder_clear(holder *h)
{
  for (size_t i = 0; i < h->n; i++)
    for (int k = 0; k < 6; k++) free(h->p[i].s[k]);
  free(h->p);
  h->p = NULL;
  h->n = 0;
}

static int deliver(const qb_fsck_options *user, const held_problem *hp, qb_err *err)
{
  qb_fsck_problem p = {hp->s[0], hp->s[1], hp->snapshot_id, hp->s[2], hp->s[3], hp->s[4], hp->s[5]};
  return user->on_problem ? user->on_problem(user->ctx, &p, err) : QB_OK;
}

static int flush_held(holder *h, qb_err *err)
{
  int rc = QB_OK;
  for (size_t i = 0; rc == QB_OK && i < h->n; i++) rc = deliver(h->user, &h->p[i], err);
  holder_clear(h);
  return rc;
}

static int hold_problem(void *ctx, const qb_fsck_problem *p, qb_err *err)
{
  holder *h = ctx;
  if (h->passing || !h->user->on_problem) return h->user->on_problem ? h->user->on_problem(h->user->ctx, p, err) : QB_OK;
  if (h->n == HOLD_MAX) {
    h->passing = true;
    int rc = flush_held(h, err);
    return rc ? rc : h->user->on_problem(h->user->ctx, p, err);
  }
  if (h->n % 64 == 0) {
    held_problem *np = realloc(h->p, (h->n + 64) * sizeof *np);
    if (!np) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    h->p = np;
  }
  held_problem *hp = &h->p[h->n];
  const char *src[6] = {p->check, p->file, p->field, p->expected, p->found, p->detail};
  memset(hp, 0, sizeof *hp);
  hp->snapshot_id = p->snapshot_id;
  h->n++;
  for (int k = 0; k < 6; k++)
    if (src[k] && !(hp->s[k] = strdup(src[k]))) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  return QB_OK;
}

/* A check runs on the version the handle holds; a commit made meanwhile (expire-snapshots deletes the files
 * of the snapshots it removes, a compaction's expiry the replaced files) makes files of that version
 * disappear while they are being checked: `missing` and `unreadable` problems of a healthy table. So the
 * problems of a check are held, and when there were some and the table has moved on since, the check is
 * repeated on the new version (FSCK_ATTEMPTS in all); the problems of the last check are reported. A table
 * named by an explicit metadata file is checked once. (found by exploreH: 1 run in 8 of `fsck --deep` next
 * to a maintenance loop reported a healthy table as corrupt) */
int qb_fsck(qb_table *t, const qb_fsck_options *opts, qb_fsck_report *out, qb_err *err)
{
  qb_fsck_options defaults = QB_FSCK_OPTIONS_INIT;
  if (!opts) opts = &defaults;
  if (opts->version != QB_FSCK_OPTIONS_VERSION)
    return QB_FAIL(err, QB_EINVAL, "fsck options version %u, expected %u", opts->version, QB_FSCK_OPTIONS_VERSION);
  qb_fsck_report rep;
  holder h = {opts, NULL, 0, false};
  qb_fsck_options held = *opts;
  held.on_problem = hold_problem;
  held.ctx = &h;
  int rc = QB_OK;
  for (int attempt = 1;; attempt++) {
    bool last = t->pinned || attempt == FSCK_ATTEMPTS;
    rc = fsck_once(t, last ? opts : &held, &rep, err);
    if (rc || last || !rep.problems || h.passing) break;
    int64_t was = qb_table_version(t);
    qb_err e = QB_ERR_INIT;
    if (qb_table_refresh(t, &e) != QB_OK || qb_table_version(t) == was) break;
    holder_clear(&h); /* the table moved on: check the new version */
  }
  if (rc == QB_OK) rc = flush_held(&h, err);
  holder_clear(&h);
  if (out) *out = rep;
  return rc ? qb_err_wrap(err, "fsck %s", qb_table_name(t)) : QB_OK;
}
