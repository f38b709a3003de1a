/* SPDX-License-Identifier: Apache-2.0 */
/* The partitioned data writer (Java FanoutDataWriter + OutputFileFactory + RollingFileWriter): each row
 * goes to the open Parquet file of its partition (the spec's transforms), files roll over at
 * write.target-file-size-bytes, and every finished file becomes a data_file with its metrics
 * (qb_data_file_from_parquet under the table's metrics config). */
#include <stdatomic.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "formats/parquet/writer.h"
#include "iceberg/data_writer_int.h"
#include "iceberg/manifest_int.h"
#include "util/clock.h"
#include "util/hash.h"
#include "util/str.h"

#define DEFAULT_TARGET_FILE_SIZE ((uint64_t)512 << 20)
#define DEFAULT_MAX_OPEN_FILES 64
/* table property: false writes string pages without dictionary PLAIN, never DELTA_BYTE_ARRAY (TABLES.md) */
#define QB_DELTA_BYTE_ARRAY_PROP "qberg.parquet.delta-byte-array.enabled"
/* Buffered row-group bytes shared by all open files of all data writers of the process: with fan-out to
 * many partitions, and to many tables at once (an ingest batch writes nine), each file gets
 * budget / open files (never more than write.parquet.row-group-size-bytes), which bounds memory. */
#define ROW_GROUP_BUDGET ((uint64_t)64 << 20)
#define MIN_ROW_GROUP_BYTES ((uint64_t)1 << 20)
/* One file's share when few are open (the ML tables' one or two files, an append or a compaction into one
 * partition): a whole 64 MiB row group of ml_iteration_features' doubles (they barely compress) plus the
 * dictionaries took the ML phase of a 1 GB batch to 174 MiB of RSS. */
#define MAX_ROW_GROUP_SHARE ((uint64_t)16 << 20)

/* Open files of every writer, and a counter bumped when that changes: a writer re-shares its files'
 * budget on its next row when another writer opened or finished a file. */
static atomic_size_t g_open_files;
static atomic_uint g_open_epoch;

static void open_files_add(size_t n, bool add)
{
  if (!n) return;
  if (add) atomic_fetch_add(&g_open_files, n);
  else atomic_fetch_sub(&g_open_files, n);
  atomic_fetch_add(&g_open_epoch, 1);
}

typedef struct part_file {
  qb_arena arena;       /* the partition tuple and paths */
  qb_value partition;   /* QB_V_STRUCT of the spec's values (copied) */
  uint8_t *key;         /* the map key (in arena) */
  size_t key_n;
  char *physical, *recorded;
  qb_writer *sink;
  qb_pq_writer *pq;
  uint64_t rows;
  uint64_t last_used;
} part_file;

struct qb_data_writer {
  qb_tbl tbl;           /* tbl.md is only used while opening: the writer may outlive that version */
  qb_arena arena;       /* copies of the schema, spec, location and root */
  const char *location, *root;
  const qb_schema *schema;
  const qb_partition_spec *spec;
  qb_pq_schema *pq_schema;
  qb_pq_write_options wo;
  qb_pq_kv footer[1];
  char *schema_json;
  qb_metrics_config *metrics;
  uint64_t target;
  /* written / buffered bytes of the row groups of the files finished so far: each new file's size estimate
   * starts from them (qb_pq_writer_size_hint), as the buffered bytes are mostly uncompressed */
  uint64_t ratio_out, ratio_in;
  uint64_t roll_min_rows; /* qb_data_writer__roll_min_rows */
  size_t max_open;
  int32_t sort_order_id;
  qb_map open;          /* partition key -> part_file */
  /* the files of the last rows routed, newest first (NULL: none): rows arrive grouped, and a batch's runs
   * alternate among a few partitions, so most routes find their file here without the map's hashing */
  part_file *recent[4];
  size_t n_open;
  unsigned epoch;       /* g_open_epoch when the budget was last shared */
  qb_data_file **files; /* finished */
  size_t n_files, cap_files;
  char **written;       /* physical paths of finished files (abort deletes them) */
  uint64_t rows, tick;
  qb_value *norm;       /* scratch: a normalised row */
  qb_arena nest;        /* scratch: nested values of the last row that normalising changed */
  uint8_t (*pscratch)[16];
  qb_value *pvals;
  size_t *psrc;                 /* per partition field: the top-level column of its source (batches) */
  size_t *pwidth;               /* per partition field: its source column's value width (0: BYTE_ARRAY) */
  uint8_t *dict_lost;           /* per leaf column: its dictionary lost in a file of this write (wo.dict_lost) */
  uint8_t *codec_skip;          /* per leaf column: its next chunks stored uncompressed (wo.codec_skip) */
  /* per top-level column, while a batch is written: the row holding the value of the last row given to
   * a file (a declared repeat holds none; qb_pq__writer_write_batch_valid) */
  size_t *bsrc;
  size_t *plast;                /* per partition field, while a batch is split: the row holding the value
                                 * of its column in the row before the one looked at */
  uint8_t *no_dict;             /* per leaf column: written without dictionary (wo.no_dictionary) */
  /* rows and batches laid out in another schema (qb_data_writer_set_input_schema); in_map NULL: in `schema`
   * itself. in_map[j]: the input column holding the table's top-level column j, or -1 (written as null) */
  long *in_map;
  size_t in_n;                  /* the input's top-level columns */
  qb_value *in_row;             /* scratch: a row in the table's order */
  qb_pq_column_batch *in_cols;  /* scratch: a batch in the table's order */
  uint8_t *zeros;               /* an all-null column's validity, offsets and values (zeros_n bytes) */
  size_t zeros_n;
  bool wrote;                   /* a row or batch was given (the input schema is fixed from then on) */
  bool flat;                    /* every top-level column of `schema` is primitive (leaf j is column j) */
  qb_value row_view;            /* the struct over in_row */
  qb_buf key;
  int rc;
  qb_err first;
};

/* ---- options from table properties ------------------------------------------------------------------- */

int qb_data_writer__roll_min_rows(uint64_t *out, const qb_table_metadata *md, qb_err *err)
{
  int64_t v;
  int rc = qb_tbl__prop_i64(&v, md, QB_ROLL_MIN_ROWS_PROP, QB_DATA_WRITER_ROLL_MIN_ROWS, err);
  if (rc) return rc;
  if (v < 1) return QB_FAIL(err, QB_EINVAL, "table property %s must be at least 1", QB_ROLL_MIN_ROWS_PROP);
  *out = (uint64_t)v;
  return QB_OK;
}

static int options(qb_data_writer *w, const qb_data_writer_options *o, qb_err *err)
{
  const qb_table_metadata *md = w->tbl.md;
  qb_pq_write_options wo = QB_PQ_WRITE_OPTIONS_INIT;
  const char *codec = qb_table_metadata_property(md, "write.parquet.compression-codec");
  int64_t v;
  int rc;
  if (codec && (rc = qb_pq_codec_parse(&wo.codec, codec, err)))
    return qb_err_wrap(err, "table property write.parquet.compression-codec");
  const char *level = qb_table_metadata_property(md, "write.parquet.compression-level");
  if ((rc = qb_tbl__prop_i64(&v, md, "write.parquet.compression-level", 0, err))) return rc;
  wo.compression_level = v < INT_MIN ? INT_MIN : v > INT_MAX ? INT_MAX : (int)v;
  /* checked here, where the properties can be named (the Parquet writer checks again, per file) */
  if ((rc = qb_pq_codec_check_write(wo.codec, wo.compression_level, err)))
    return qb_err_wrap(err, "table properties write.parquet.compression-codec=%s, write.parquet.compression-level=%s",
                       codec ? codec : "(default zstd)", level ? level : "(default)");
  if ((rc = qb_tbl__prop_i64(&v, md, "write.parquet.row-group-size-bytes", (int64_t)128 << 20, err))) return rc;
  if (v <= 0) return QB_FAIL(err, QB_EINVAL, "write.parquet.row-group-size-bytes must be positive");
  wo.row_group_size_bytes = (uint64_t)v;
  if ((rc = qb_tbl__prop_i64(&v, md, "write.parquet.page-size-bytes", 1 << 20, err))) return rc;
  if (v <= 0 || v > INT32_MAX) return QB_FAIL(err, QB_EINVAL, "write.parquet.page-size-bytes is out of range");
  wo.page_size_bytes = (uint32_t)v;
  if ((rc = qb_tbl__prop_i64(&v, md, "write.parquet.page-row-limit", 20000, err))) return rc;
  if (v < 0 || v > INT32_MAX) return QB_FAIL(err, QB_EINVAL, "write.parquet.page-row-limit is out of range");
  wo.page_row_limit = (uint32_t)v;
  if ((rc = qb_tbl__prop_i64(&v, md, "write.parquet.dict-size-bytes", 2 << 20, err))) return rc;
  if (v <= 0 || v > INT32_MAX) return QB_FAIL(err, QB_EINVAL, "write.parquet.dict-size-bytes is out of range");
  wo.dictionary_page_size_bytes = (uint32_t)v;
  /* qberg's own switch (no Iceberg property exists): DELTA_BYTE_ARRAY for string pages without dictionary
   * whose values share long prefixes. Off unless "true" (as Java's Boolean.parseBoolean): icebird and
   * Iceberg-Java's vectorized reader before apache/iceberg PR #15362 fail on it (docs/COMPATIBILITY.md) */
  wo.delta_byte_array = qb_tbl__prop_bool(md, QB_DELTA_BYTE_ARRAY_PROP, false);
  if (o->target_file_size_bytes) {
    w->target = o->target_file_size_bytes;
  } else {
    if ((rc = qb_tbl__prop_i64(&v, md, "write.target-file-size-bytes", (int64_t)DEFAULT_TARGET_FILE_SIZE, err)))
      return rc;
    if (v <= 0) return QB_FAIL(err, QB_EINVAL, "write.target-file-size-bytes must be positive");
    w->target = (uint64_t)v;
  }
  w->max_open = o->max_open_files ? o->max_open_files : DEFAULT_MAX_OPEN_FILES;
  if ((rc = qb_data_writer__roll_min_rows(&w->roll_min_rows, md, err))) return rc;
  /* Java writes the table schema into the footer as "iceberg.schema" */
  if ((rc = qb_schema_to_json(&w->schema_json, w->schema, err))) return rc;
  w->footer[0] = (qb_pq_kv){"iceberg.schema", w->schema_json};
  wo.key_value = w->footer;
  wo.n_key_value = 1;
  w->wo = wo;
  return QB_OK;
}

/* Iceberg's write.parquet.dict-encoding-enabled.column.<path> (parquet-java withDictionaryEncoding(path,
 * b)): a column set to anything but "true" (Java Boolean.parseBoolean) is written without dictionary. */
static int no_dictionary_columns(qb_data_writer *w, qb_err *err)
{
  static const char prefix[] = "write.parquet.dict-encoding-enabled.column.";
  size_t nl = qb_pq_schema_n_columns(w->pq_schema);
  for (size_t i = 0; i < nl; i++) {
    const char *path = qb_pq_node_path(qb_pq_schema_column(w->pq_schema, i));
    char *key = qb_arena_alloc(&w->arena, sizeof prefix + strlen(path));
    if (!key) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    memcpy(key, prefix, sizeof prefix - 1);
    strcpy(key + sizeof prefix - 1, path);
    const char *v = qb_table_metadata_property(w->tbl.md, key);
    if (!v || !strcasecmp(v, "true")) continue;
    if (!w->no_dict && !(w->no_dict = calloc(nl, 1))) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    w->no_dict[i] = 1;
  }
  w->wo.no_dictionary = w->no_dict;
  return QB_OK;
}

int qb_data_writer__open(qb_data_writer **out, const qb_tbl *t, const qb_schema *schema, const qb_partition_spec *spec,
                         const qb_data_writer_options *o, qb_err *err)
{
  *out = NULL;
  qb_data_writer_options defaults = QB_DATA_WRITER_OPTIONS_INIT;
  if (!o) o = &defaults;
  if (o->version != QB_DATA_WRITER_OPTIONS_VERSION)
    return QB_FAIL(err, QB_EINVAL, "data writer options version %u, expected %u", o->version,
                   QB_DATA_WRITER_OPTIONS_VERSION);
  qb_data_writer *w = calloc(1, sizeof *w);
  if (!w) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  w->tbl = *t;
  qb_arena_init(&w->arena, 4096);
  qb_map_init(&w->open);
  qb_schema *sc = NULL;
  qb_partition_spec *sp = qb_arena_calloc(&w->arena, 1, sizeof *sp);
  const char *loc = qb_table_metadata_location(t->md);
  w->location = qb_arena_strdup(&w->arena, loc);
  w->root = qb_arena_strdup(&w->arena, t->root ? t->root : loc);
  int rc = sp && w->location && w->root ? QB_OK : QB_FAIL(err, QB_ENOMEM, "out of memory");
  for (char *e = rc ? NULL : (char *)w->location + strlen(w->location); e && e > w->location + 1 && e[-1] == '/';) *--e = 0;
  for (char *e = rc ? NULL : (char *)w->root + strlen(w->root); e && e > w->root + 1 && e[-1] == '/';) *--e = 0;
  if (rc == QB_OK) rc = qb_schema__copy(&sc, &w->arena, schema, qb_schema_id(schema), err);
  if (rc == QB_OK) rc = qb_partition_spec__copy(sp, &w->arena, spec, err);
  if (rc) {
    qb_data_writer_free(w);
    return rc;
  }
  w->schema = sc;
  w->spec = spec = sp;
  schema = sc;
  qb_buf_init(&w->key, 1 << 20);
  /* rows are written in the order they come, never sorted: the files are in the unsorted order (0), whatever
   * the table's default (sort_order_id is a claim about the file; Spark sorts before it makes it) */
  w->sort_order_id = 0;
  size_t nf = qb_schema_n_fields(schema), np = spec->n_fields;
  w->norm = calloc(nf ? nf : 1, sizeof *w->norm);
  w->pscratch = calloc(np ? np : 1, sizeof *w->pscratch);
  w->pvals = calloc(np ? np : 1, sizeof *w->pvals);
  w->psrc = calloc(np ? np : 1, sizeof *w->psrc);
  w->pwidth = calloc(np ? np : 1, sizeof *w->pwidth);
  w->bsrc = calloc(nf ? nf : 1, sizeof *w->bsrc);
  w->plast = calloc(np ? np : 1, sizeof *w->plast);
  rc = w->norm && w->pscratch && w->pvals && w->psrc && w->pwidth && w->bsrc && w->plast
           ? QB_OK
           : QB_FAIL(err, QB_ENOMEM, "out of memory");
  /* a partition source that is not a top-level column (a struct member) keeps SIZE_MAX: such tables have
   * a struct column, which write_batch rejects */
  for (size_t k = 0; rc == QB_OK && k < np; k++) {
    w->psrc[k] = SIZE_MAX;
    for (size_t c = 0; c < nf; c++)
      if (qb_schema_struct(schema)->fields[c].id == spec->fields[k].source_id) w->psrc[k] = c;
  }
  if (rc == QB_OK) rc = qb_partition_spec_validate(spec, schema, err);
  if (rc == QB_OK) rc = options(w, o, err);
  if (rc == QB_OK) rc = qb_data_writer__parquet_schema(&w->pq_schema, schema, err);
  if (rc == QB_OK) {
    size_t nl = qb_pq_schema_n_columns(w->pq_schema);
    for (size_t k = 0; k < np; k++)
      if (w->psrc[k] < nl) w->pwidth[k] = qb_pq_node_value_width(qb_pq_schema_column(w->pq_schema, w->psrc[k]));
    /* shared by the Parquet writers of all files of this write: a column whose dictionary lost in one file
     * does not hash every value of the next files into a dictionary they then drop */
    w->dict_lost = calloc(nl ? nl : 1, 1);
    /* and so is what compression saves per column: chunks it does not pay for are stored (TABLES.md) */
    w->codec_skip = calloc(nl ? nl : 1, 1);
    if (!w->dict_lost || !w->codec_skip) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
    w->wo.dict_lost = w->dict_lost;
    w->wo.codec_skip = w->codec_skip;
  }
  if (rc == QB_OK) rc = no_dictionary_columns(w, err);
  if (rc == QB_OK)
    rc = qb_metrics_config_new(&w->metrics, schema, qb_table_metadata_properties(t->md), qb_table_metadata_n_properties(t->md),
                               qb_table_metadata_default_sort_order(t->md), err);
  if (rc) {
    qb_data_writer_free(w);
    return qb_err_wrap(err, "data writer for %s", t->name ? t->name : qb_table_metadata_location(t->md));
  }
  w->tbl.md = NULL;
  *out = w;
  return QB_OK;
}

/* ---- rows --------------------------------------------------------------------------------------------- */

/* A value in the kind the Parquet column wants (ints/longs, floats/doubles, decimal widths), at any depth:
 * the canonical form (qb_ice__value_canon, what `qberg append` parses) holds a decimal(P <= 9) as INT64
 * where its Parquet column is INT32, and a decimal of precision > 18 given as INT32/INT64 (read from a file
 * written before the column was widened past 18 digits) becomes its big-endian bytes. Nested sequences with
 * a changed item, and those bytes, are copied into `a`; `col` names the top-level column in errors. */
static int normalise_value(qb_value *out, const qb_type *t, const char *col, const qb_value *v, qb_arena *a,
                           int depth, qb_err *err)
{
  *out = *v;
  if (v->kind == QB_V_NULL) return QB_OK;
  if (t->id == QB_T_STRUCT || t->id == QB_T_LIST || t->id == QB_T_MAP) {
    size_t n = v->u.seq.n * (t->id == QB_T_MAP ? 2 : 1);
    bool fits = t->id == QB_T_STRUCT ? v->kind == QB_V_STRUCT && v->u.seq.n == t->n_fields
                                     : v->kind == (t->id == QB_T_LIST ? QB_V_LIST : QB_V_MAP);
    if (!fits || depth > 64) return QB_OK; /* the Parquet writer says what does not fit */
    qb_value *copy = NULL;
    for (size_t i = 0; i < n; i++) {
      const qb_type *it = t->id == QB_T_STRUCT ? t->fields[i].type
                          : t->id == QB_T_LIST ? t->element
                                               : (i % 2 ? t->value : t->key);
      qb_value x;
      int rc = normalise_value(&x, it, col, &v->u.seq.items[i], a, depth + 1, err);
      if (rc) return rc;
      const qb_value *in = &v->u.seq.items[i];
      bool changed = x.kind != in->kind || ((x.kind == QB_V_STRUCT || x.kind == QB_V_LIST || x.kind == QB_V_MAP) &&
                                             x.u.seq.items != in->u.seq.items);
      if (!copy && changed) {
        copy = qb_arena_alloc(a, n * sizeof *copy);
        if (!copy) return QB_FAIL(err, QB_ENOMEM, "out of memory");
        memcpy(copy, v->u.seq.items, n * sizeof *copy);
        out->u.seq.items = copy;
      }
      if (copy) copy[i] = x;
    }
    return QB_OK;
  }
  switch (t->id) {
  case QB_T_INT:
  case QB_T_DATE:
    if (v->kind == QB_V_INT64) {
      if (v->u.i64 < INT32_MIN || v->u.i64 > INT32_MAX)
        return QB_FAIL(err, QB_EINVAL, "column %s: %lld does not fit an int", col, (long long)v->u.i64);
      *out = (qb_value){.kind = QB_V_INT32, .u.i32 = (int32_t)v->u.i64};
    }
    return QB_OK;
  case QB_T_LONG:
  case QB_T_TIME:
  case QB_T_TIMESTAMP:
  case QB_T_TIMESTAMPTZ:
    if (v->kind == QB_V_INT32) *out = (qb_value){.kind = QB_V_INT64, .u.i64 = v->u.i32};
    return QB_OK;
  case QB_T_FLOAT:
    if (v->kind == QB_V_DOUBLE) *out = (qb_value){.kind = QB_V_FLOAT, .u.f32 = (float)v->u.f64};
    return QB_OK;
  case QB_T_DOUBLE:
    if (v->kind == QB_V_FLOAT) *out = (qb_value){.kind = QB_V_DOUBLE, .u.f64 = v->u.f32};
    else if (v->kind == QB_V_INT32 || v->kind == QB_V_INT64)
      *out = (qb_value){.kind = QB_V_DOUBLE, .u.f64 = v->kind == QB_V_INT32 ? v->u.i32 : (double)v->u.i64};
    return QB_OK;
  case QB_T_DECIMAL: {
    qb_i128 x;
    if (!qb_ice__decimal_of(v, &x)) return QB_FAIL(err, QB_EINVAL, "column %s: a decimal needs INT32, INT64 or BYTES", col);
    if (t->precision <= 9) *out = (qb_value){.kind = QB_V_INT32, .u.i32 = (int32_t)x};
    else if (t->precision <= 18) *out = (qb_value){.kind = QB_V_INT64, .u.i64 = (int64_t)x};
    else if (v->kind != QB_V_BYTES) { /* read from a file written before the column was widened past 18 digits */
      uint8_t *dec = qb_arena_alloc(a, 16);
      if (!dec) return QB_FAIL(err, QB_ENOMEM, "out of memory");
      *out = (qb_value){.kind = QB_V_BYTES, .u.bytes = {dec, qb_ice__decimal_bytes(x, dec)}};
    }
    if ((t->precision <= 9 && (qb_i128)out->u.i32 != x) || (t->precision <= 18 && t->precision > 9 && (qb_i128)out->u.i64 != x))
      return QB_FAIL(err, QB_EINVAL, "column %s: decimal value out of range", col);
    return QB_OK;
  }
  default: return QB_OK;
  }
}

static int normalise(qb_value *out, const qb_field *f, const qb_value *v, qb_arena *a, qb_err *err)
{
  return normalise_value(out, f->type, f->name, v, a, 0, err);
}

/* The map key of a partition tuple: kind-tagged bytes of each value. */
static int partition_key(qb_buf *b, const qb_value *vals, size_t n, qb_err *err)
{
  qb_buf_reset(b);
  int rc = qb_buf_putc(b, 'p', err);
  for (size_t i = 0; rc == QB_OK && i < n; i++) {
    const qb_value *v = &vals[i];
    uint8_t tmp[9] = {(uint8_t)v->kind};
    switch (v->kind) {
    case QB_V_NULL: rc = qb_buf_append(b, tmp, 1, err); break;
    case QB_V_BOOL: tmp[1] = v->u.b; rc = qb_buf_append(b, tmp, 2, err); break;
    case QB_V_INT32: qb_put_le64(tmp + 1, (uint64_t)(int64_t)v->u.i32); rc = qb_buf_append(b, tmp, 9, err); break;
    case QB_V_INT64: qb_put_le64(tmp + 1, (uint64_t)v->u.i64); rc = qb_buf_append(b, tmp, 9, err); break;
    case QB_V_FLOAT: {
      double d = v->u.f32;
      memcpy(tmp + 1, &d, 8);
      rc = qb_buf_append(b, tmp, 9, err);
      break;
    }
    case QB_V_DOUBLE: memcpy(tmp + 1, &v->u.f64, 8); rc = qb_buf_append(b, tmp, 9, err); break;
    case QB_V_BYTES:
    case QB_V_STRING:
      qb_put_le64(tmp + 1, v->u.bytes.n);
      rc = qb_buf_append(b, tmp, 9, err);
      if (rc == QB_OK) rc = qb_buf_append(b, v->u.bytes.p, v->u.bytes.n, err);
      break;
    default: rc = QB_FAIL(err, QB_EINTERNAL, "a partition value of kind %d", (int)v->kind);
    }
  }
  return rc;
}

static int copy_value(qb_value *out, const qb_value *v, qb_arena *a, qb_err *err)
{
  *out = *v;
  if (v->kind == QB_V_STRING || v->kind == QB_V_BYTES) {
    uint8_t *p = qb_ice__bytes_dup(a, v->u.bytes.p, v->u.bytes.n);
    if (!p) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    out->u.bytes.p = p;
  }
  return QB_OK;
}

static void part_free(part_file *p)
{
  if (!p) return;
  qb_pq_writer_abort(p->pq);
  qb_writer_abort(p->sink);
  free(p->physical);
  free(p->recorded);
  qb_arena_release(&p->arena);
  free(p);
}

/* Finish the file of `p`: footer, publish, data_file with metrics. Frees p. */
static int finish(qb_data_writer *w, part_file *p, qb_err *err)
{
  qb_pq_write_result *res = NULL;
  qb_data_file *f = NULL;
  /* the last row group written first, so that the ratio counts the whole file (a file of one row group,
   * the usual one when the target is below the row group size, would add nothing) */
  int rc = qb_pq_writer_flush_row_group(p->pq, err);
  if (rc == QB_OK) {
    uint64_t out, in;
    qb_pq_writer_size_ratio(p->pq, &out, &in);
    w->ratio_out += out;
    w->ratio_in += in;
    rc = qb_pq_writer_close(p->pq, &res, err);
  } else {
    qb_pq_writer_abort(p->pq);
  }
  p->pq = NULL;
  if (rc == QB_OK) {
    rc = qb_writer_close(p->sink, err);
    p->sink = NULL;
  }
  if (rc == QB_OK && w->n_files == w->cap_files) {
    size_t nc = w->cap_files ? w->cap_files * 2 : 16;
    qb_data_file **nf = realloc(w->files, nc * sizeof *nf);
    char **nw = nf ? realloc(w->written, nc * sizeof *nw) : NULL;
    if (nf) w->files = nf;
    if (nw) w->written = nw;
    if (!nf || !nw) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
    else w->cap_files = nc;
  }
  if (rc == QB_OK)
    rc = qb_data_file_from_parquet(&f, res, p->recorded, p->partition.u.seq.n ? &p->partition : NULL, w->schema,
                                   w->metrics, err);
  if (rc == QB_OK) f->sort_order_id = w->sort_order_id;
  if (rc == QB_OK) {
    w->files[w->n_files] = f;
    w->written[w->n_files++] = p->physical;
    p->physical = NULL;
    f = NULL;
  } else {
    qb_err_wrap(err, "%s", p->physical);
    if (p->physical) {
      qb_tbl__delete_quietly(w->tbl.io, p->physical);
    }
  }
  qb_data_file_free(f);
  qb_pq_write_result_free(res);
  if (p->key) {
    void **slot = qb_map_get(&w->open, p->key, p->key_n);
    if (slot) *slot = NULL; /* the map keeps the key; a NULL value means "no open file" */
    w->n_open--;
    open_files_add(1, false);
  }
  for (size_t i = 0; i < sizeof w->recent / sizeof w->recent[0]; i++)
    if (w->recent[i] == p) w->recent[i] = NULL;
  part_free(p);
  return rc;
}

static int start_file(part_file **out, qb_data_writer *w, const qb_value *vals, size_t n, qb_err *err)
{
  part_file *p = calloc(1, sizeof *p);
  if (!p) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  qb_arena_init(&p->arena, 1024);
  qb_value *items = qb_arena_calloc(&p->arena, n ? n : 1, sizeof *items);
  int rc = items ? QB_OK : QB_FAIL(err, QB_ENOMEM, "out of memory");
  for (size_t i = 0; rc == QB_OK && i < n; i++) rc = copy_value(&items[i], &vals[i], &p->arena, err);
  p->partition = (qb_value){.kind = QB_V_STRUCT, .u.seq = {items, n}};
  char *ppath = NULL, *rel = NULL, uuid[37];
  qb_uuid_v4(uuid);
  if (rc == QB_OK && n) rc = qb_partition_spec_path(&ppath, w->spec, w->schema, &items[0], err);
  if (rc == QB_OK) {
    rel = n ? qb_str_printf("data/%s/%s.parquet", ppath, uuid) : qb_str_printf("data/%s.parquet", uuid);
    if (!rel) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
  }
  if (rc == QB_OK) {
    p->physical = qb_str_printf("%s/%s", w->root, rel);
    p->recorded = qb_str_printf("%s/%s", w->location, rel);
    if (!p->physical || !p->recorded) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
  }
  /* Batched: the data file's bytes are fsynced at close, but its name (and any partition directory created
   * for it) is made durable by the next durable publish through the table's FileIO, which syncs every such
   * directory once before its own name appears: the commit's manifest list or version, the first files that
   * refer to this one (docs/CATALOG.md, "Durability"). */
  if (rc == QB_OK) rc = qb_fileio_create(&p->sink, w->tbl.io, p->physical, QB_CREATE_EXCLUSIVE_BATCHED, err);
  if (rc == QB_OK) rc = qb_pq_writer_open(&p->pq, p->sink, w->pq_schema, &w->wo, err);
  if (rc == QB_OK) qb_pq_writer_size_hint(p->pq, w->ratio_out, w->ratio_in);
  free(ppath);
  free(rel);
  if (rc) {
    if (p->physical) qb_err_wrap(err, "%s", p->physical);
    part_free(p);
    return rc;
  }
  *out = p;
  return QB_OK;
}

/* The least recently written open file (finished to make room). */
static part_file *lru(qb_data_writer *w)
{
  part_file *best = NULL;
  for (size_t i = 0; i < w->open.cap; i++) {
    part_file *p = w->open.slots[i].key ? w->open.slots[i].value : NULL;
    if (p && (!best || p->last_used < best->last_used)) best = p;
  }
  return best;
}

/* Give every open file its share of ROW_GROUP_BUDGET (called when a file opens). */
static void share_budget(qb_data_writer *w)
{
  w->epoch = atomic_load(&g_open_epoch);
  size_t open = atomic_load(&g_open_files);
  uint64_t share = ROW_GROUP_BUDGET / (open ? open : 1);
  if (share < MIN_ROW_GROUP_BYTES) share = MIN_ROW_GROUP_BYTES;
  if (share > MAX_ROW_GROUP_SHARE) share = MAX_ROW_GROUP_SHARE;
  if (share > w->wo.row_group_size_bytes) share = w->wo.row_group_size_bytes;
  for (size_t i = 0; i < w->open.cap; i++) {
    part_file *p = w->open.slots[i].key ? w->open.slots[i].value : NULL;
    if (p) qb_pq_writer_set_row_group_size(p->pq, share);
  }
}

static int poison(qb_data_writer *w, int rc, qb_err *err)
{
  w->rc = rc;
  if (err) w->first = *err;
  else w->first.code = (qb_code)rc;
  return rc;
}

/* Finish p's file when it has reached the target size and holds w->roll_min_rows rows. While no row group
 * of this write has been written, the estimate is the buffered, uncompressed size, several times the
 * file's: the row group is written out first, which gives the ratio (a target below the row group size
 * made files 1/16 of it, and compaction then rewrote them on every run). */
static int roll_at_target(qb_data_writer *w, part_file *p, qb_err *err)
{
  if (p->rows < w->roll_min_rows || qb_pq_writer_bytes(p->pq) < w->target) return QB_OK;
  uint64_t out, in;
  qb_pq_writer_size_ratio(p->pq, &out, &in);
  if (!in && !w->ratio_in) {
    int rc = qb_pq_writer_flush_row_group(p->pq, err);
    if (rc) return rc;
    if (qb_pq_writer_bytes(p->pq) < w->target) return QB_OK;
  }
  return finish(w, p, err);
}

/* The open file of the partition in w->pvals (opened if needed: the least recently written one is finished
 * beyond max_open_files). Errors are the writer's poison. */
static int route(part_file **out, qb_data_writer *w, qb_err *err)
{
  size_t np = w->spec->n_fields;
  int rc = partition_key(&w->key, w->pvals, np, err);
  if (rc) return rc;
  const size_t nr = sizeof w->recent / sizeof w->recent[0];
  part_file *p = NULL;
  size_t at = nr - 1; /* where p was in recent[] (moved to the front below); the oldest entry drops out */
  for (size_t i = 0; i < nr; i++) {
    part_file *q = w->recent[i];
    if (q && q->key_n == w->key.n && !memcmp(q->key, w->key.p, w->key.n)) {
      p = q;
      at = i;
      break;
    }
  }
  if (!p) {
    void **slot = qb_map_get(&w->open, w->key.p, w->key.n);
    p = slot ? *slot : NULL;
  }
  if (!p) {
    if (w->n_open >= w->max_open && (rc = finish(w, lru(w), err))) return rc;
    if ((rc = start_file(&p, w, w->pvals, np, err))) return rc;
    if (!(p->key = qb_arena_memdup(&p->arena, w->key.p, w->key.n))) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
    if (rc == QB_OK) rc = qb_map_put(&w->open, w->key.p, w->key.n, p, NULL, err);
    if (rc) {
      part_free(p);
      return rc;
    }
    p->key_n = w->key.n;
    w->n_open++;
    open_files_add(1, true);
  }
  if (w->epoch != atomic_load_explicit(&g_open_epoch, memory_order_relaxed)) share_budget(w);
  memmove(&w->recent[1], &w->recent[0], at * sizeof w->recent[0]);
  w->recent[0] = p;
  *out = p;
  return QB_OK;
}

/* Whether values of type `a` can be written as `b`: the same type, nested types compared by shape only (the
 * ids, names, docs and requiredness of their inner fields may differ: a table created by another engine
 * numbers them its own way, and the row's nested values are positional; the writer checks each value
 * against the table's type as it writes it). */
bool qb_data_writer__same_shape(const qb_type *a, const qb_type *b)
{
  if (a->id != b->id) return false;
  switch (a->id) {
  case QB_T_LIST: return qb_data_writer__same_shape(a->element, b->element);
  case QB_T_MAP: return qb_data_writer__same_shape(a->key, b->key) && qb_data_writer__same_shape(a->value, b->value);
  case QB_T_STRUCT:
    if (a->n_fields != b->n_fields) return false;
    for (size_t i = 0; i < a->n_fields; i++)
      if (!qb_data_writer__same_shape(a->fields[i].type, b->fields[i].type)) return false;
    return true;
  default: return qb_type_equal(a, b);
  }
}

/* Appends `s` to buf (capacity n, *used so far), cut at the end; stays NUL-terminated. */
static void put_text(char *buf, size_t n, size_t *used, const char *s)
{
  size_t k = strlen(s);
  if (*used + 1 >= n) return;
  if (k > n - 1 - *used) k = n - 1 - *used;
  memcpy(buf + *used, s, k);
  *used += k;
  buf[*used] = 0;
}

/* `t` as text for a message: primitives as the spec writes them, nested types with what they hold
 * (list<string>, map<string, long>, struct<double, long>), cut at the buffer's end (n > 0). */
static void shape_text(char *buf, size_t n, size_t *used, const qb_type *t)
{
  if (t->id != QB_T_LIST && t->id != QB_T_MAP && t->id != QB_T_STRUCT) {
    char p[64];
    qb_type_to_string(p, sizeof p, t);
    put_text(buf, n, used, p);
    return;
  }
  /* what the nested type holds: its element, its key and value, or its fields' types */
  size_t k = t->id == QB_T_LIST ? 1 : t->id == QB_T_MAP ? 2 : t->n_fields;
  put_text(buf, n, used, t->id == QB_T_LIST ? "list<" : t->id == QB_T_MAP ? "map<" : "struct<");
  for (size_t i = 0; i < k; i++) {
    const qb_type *c = t->id == QB_T_LIST  ? t->element
                       : t->id == QB_T_MAP ? (i ? t->value : t->key)
                                           : t->fields[i].type;
    if (i) put_text(buf, n, used, ", ");
    shape_text(buf, n, used, c);
  }
  put_text(buf, n, used, ">");
}

int qb_data_writer_set_input_schema(qb_data_writer *w, const qb_schema *input, qb_err *err)
{
  if (w->wrote) return QB_FAIL(err, QB_EINVAL, "the input schema is set before the first row");
  free(w->in_map);
  free(w->in_row);
  free(w->in_cols);
  w->in_map = NULL, w->in_row = NULL, w->in_cols = NULL, w->in_n = 0;
  if (!input) return QB_OK;
  const qb_type *st = qb_schema_struct(w->schema), *in = qb_schema_struct(input);
  size_t nf = st->n_fields;
  bool same = in->n_fields == nf;
  for (size_t j = 0; same && j < nf; j++)
    same = in->fields[j].id == st->fields[j].id && qb_data_writer__same_shape(in->fields[j].type, st->fields[j].type);
  if (same) return QB_OK; /* the table's own layout: nothing to map */
  long *map = malloc((nf ? nf : 1) * sizeof *map);
  if (!map) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  for (size_t j = 0; j < nf; j++) {
    const qb_field *f = &st->fields[j];
    map[j] = -1;
    for (size_t i = 0; i < in->n_fields && map[j] < 0; i++)
      if (in->fields[i].id == f->id) map[j] = (long)i;
    if (map[j] < 0 && f->required) {
      free(map);
      return QB_FAIL(err, QB_EINVAL, "column %s (field id %d) is required, and the rows have no such column",
                     f->name, (int)f->id);
    }
    if (map[j] >= 0 && !qb_data_writer__same_shape(in->fields[map[j]].type, f->type)) {
      char want[160] = "", got[160] = "";
      size_t wn = 0, gn = 0;
      shape_text(want, sizeof want, &wn, f->type);
      shape_text(got, sizeof got, &gn, in->fields[map[j]].type);
      const char *was = in->fields[map[j]].name;
      free(map);
      return QB_FAIL(err, QB_EINVAL, "column %s (field id %d) is %s in the table, the rows' %s is %s", f->name,
                     (int)f->id, want, was, got);
    }
  }
  w->in_row = calloc(nf ? nf : 1, sizeof *w->in_row);
  w->in_cols = calloc(nf ? nf : 1, sizeof *w->in_cols);
  if (!w->in_row || !w->in_cols) {
    free(map);
    return QB_FAIL(err, QB_ENOMEM, "out of memory");
  }
  w->in_map = map;
  w->in_n = in->n_fields;
  w->flat = true;
  for (size_t j = 0; j < nf; j++) w->flat = w->flat && qb_type_is_primitive(st->fields[j].type);
  return QB_OK;
}

/* `row` (in the input schema) as a row of the table's schema: the writer's scratch row, or `row` itself. */
static int input_row(qb_data_writer *w, const qb_value **row, qb_err *err)
{
  if (!w->in_map) return QB_OK;
  const qb_value *r = *row;
  if (!r || r->kind != QB_V_STRUCT || r->u.seq.n != w->in_n)
    return QB_FAIL(err, QB_EINVAL, "a row is a struct of %zu columns", w->in_n);
  size_t nf = qb_schema_struct(w->schema)->n_fields;
  for (size_t j = 0; j < nf; j++) w->in_row[j] = w->in_map[j] < 0 ? qb_value_null() : r->u.seq.items[w->in_map[j]];
  w->row_view = (qb_value){.kind = QB_V_STRUCT, .u.seq = {w->in_row, nf}};
  *row = &w->row_view;
  return QB_OK;
}

/* `cols` (in the input schema) as the table's columns: the writer's scratch batch, or `cols` itself. A
 * column the input lacks reads as null from a shared buffer of zeros: validity 0, offsets 0, values 0. */
static int input_batch(qb_data_writer *w, const qb_pq_column_batch **cols, size_t n_rows, qb_err *err)
{
  if (!w->in_map || !*cols) return QB_OK;
  size_t nf = qb_schema_struct(w->schema)->n_fields, need = 0;
  for (size_t j = 0; j < nf; j++) {
    if (w->in_map[j] >= 0) continue;
    size_t width = qb_pq_node_value_width(qb_pq_schema_column(w->pq_schema, j));
    size_t b = (n_rows + 1) * (width > 8 ? width : 8);
    if (b > need) need = b;
  }
  if (need > w->zeros_n) {
    uint8_t *z = calloc(1, need);
    if (!z) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    free(w->zeros);
    w->zeros = z;
    w->zeros_n = need;
  }
  for (size_t j = 0; j < nf; j++) {
    if (w->in_map[j] >= 0) {
      w->in_cols[j] = (*cols)[w->in_map[j]];
      continue;
    }
    bool bytes = qb_pq_node_type(qb_pq_schema_column(w->pq_schema, j)) == QB_PQ_BYTE_ARRAY;
    w->in_cols[j] = (qb_pq_column_batch){w->zeros, bytes ? (const int64_t *)(const void *)w->zeros : NULL, w->zeros,
                                         NULL};
  }
  *cols = w->in_cols;
  return QB_OK;
}

/* A row in the table's schema (after the input mapping) checked and normalised into w->norm (values in
 * w->nest), and its partition values into w->pvals: the steps a write and qb_data_writer__partition_of
 * share. */
static int prepare_row(qb_data_writer *w, const qb_value *row, qb_err *err)
{
  const qb_type *st = qb_schema_struct(w->schema);
  if (!row || row->kind != QB_V_STRUCT || row->u.seq.n != st->n_fields)
    return QB_FAIL(err, QB_EINVAL, "a row is a struct of %zu columns", st->n_fields);
  int rc;
  qb_arena_release(&w->nest);
  qb_arena_init(&w->nest, 4096);
  for (size_t i = 0; i < st->n_fields; i++) {
    if (row->u.seq.items[i].kind == QB_V_NULL && st->fields[i].required)
      return QB_FAIL(err, QB_EINVAL, "column %s is required but null", st->fields[i].name);
    if ((rc = normalise(&w->norm[i], &st->fields[i], &row->u.seq.items[i], &w->nest, err))) return rc;
  }
  qb_value nrow = {.kind = QB_V_STRUCT, .u.seq = {w->norm, st->n_fields}};
  if (w->spec->n_fields && (rc = qb_partition_spec_eval(w->pvals, w->pscratch, w->spec, w->schema, &nrow, err)))
    return qb_err_wrap(err, "partitioning a row");
  return QB_OK;
}

/* A row in the table's schema (qb_data_writer_write after the input mapping). */
static int write_row(qb_data_writer *w, const qb_value *row, qb_err *err)
{
  int rc = prepare_row(w, row, err);
  if (rc) return rc;
  qb_value nrow = {.kind = QB_V_STRUCT, .u.seq = {w->norm, qb_schema_struct(w->schema)->n_fields}};
  part_file *p;
  if ((rc = route(&p, w, err))) return poison(w, rc, err);
  rc = qb_pq_writer_write_row(p->pq, &nrow, err);
  if (rc == QB_EINVAL) return qb_err_wrap(err, "writing a row"); /* the writer stays usable */
  if (rc) return poison(w, rc, err);
  p->rows++;
  p->last_used = ++w->tick;
  w->rows++;
  if ((rc = roll_at_target(w, p, err))) return poison(w, rc, err);
  return QB_OK;
}

int qb_data_writer__partition_of(qb_data_writer *w, const qb_value *row, const uint8_t **key, size_t *n,
                                 qb_err *err)
{
  if (w->rc) {
    if (err) *err = w->first;
    return w->rc;
  }
  int rc = input_row(w, &row, err);
  if (rc == QB_OK) rc = prepare_row(w, row, err);
  if (rc == QB_OK) rc = partition_key(&w->key, w->pvals, w->spec->n_fields, err);
  if (rc) return rc;
  *key = w->key.p ? w->key.p : (const uint8_t *)"";
  *n = w->key.n;
  return QB_OK;
}

size_t qb_data_writer__max_open(const qb_data_writer *w) { return w->max_open; }

int qb_data_writer_write(qb_data_writer *w, const qb_value *row, qb_err *err)
{
  if (w->rc) {
    if (err) *err = w->first;
    return w->rc;
  }
  w->wrote = true;
  int rc = input_row(w, &row, err);
  return rc ? rc : write_row(w, row, err);
}

/* ---- columnar batches -------------------------------------------------------------------------------- */

/* Rows given to a new file before anything is known about its bytes per row. */
#define BATCH_FIRST_ROWS 16

/* The row holding row k's value: k, or for a declared repeat (which holds none, qb_pq_column_batch.repeats)
 * s, the row holding row k - 1's. */
static inline size_t value_row(const uint8_t *rep, size_t k, size_t s) { return rep && rep[k] ? s : k; }

/* The value held by row `row` of a batch column as the qb_value qb_data_writer_write would take (for
 * partitioning). */
static qb_value cell_value(const qb_field *f, const qb_pq_node *leaf, const qb_pq_column_batch *b, size_t row)
{
  qb_value v = qb_value_null();
  if (b->valid && !b->valid[row]) return v;
  const uint8_t *base = b->values;
  size_t width = qb_pq_node_value_width(leaf);
  switch (qb_pq_node_type(leaf)) {
  case QB_PQ_BOOLEAN: return qb_value_bool(base[row] != 0);
  case QB_PQ_INT32: memcpy(&v.u.i32, base + row * 4, 4); v.kind = QB_V_INT32; return v;
  case QB_PQ_INT64: memcpy(&v.u.i64, base + row * 8, 8); v.kind = QB_V_INT64; return v;
  case QB_PQ_FLOAT: memcpy(&v.u.f32, base + row * 4, 4); v.kind = QB_V_FLOAT; return v;
  case QB_PQ_DOUBLE: memcpy(&v.u.f64, base + row * 8, 8); v.kind = QB_V_DOUBLE; return v;
  case QB_PQ_BYTE_ARRAY:
    v.kind = f->type->id == QB_T_STRING ? QB_V_STRING : QB_V_BYTES;
    v.u.bytes.p = base + b->offsets[row];
    v.u.bytes.n = (size_t)(b->offsets[row + 1] - b->offsets[row]);
    return v;
  default:
    v.kind = QB_V_BYTES;
    v.u.bytes.p = base + row * width;
    v.u.bytes.n = width;
    return v;
  }
}

/* Whether rows i and j of a batch column hold the same value (nulls equal each other). */
static bool same_cell(size_t width, const qb_pq_column_batch *b, size_t i, size_t j)
{
  bool vi = !b->valid || b->valid[i], vj = !b->valid || b->valid[j];
  if (vi != vj) return false;
  if (!vi) return true;
  const uint8_t *base = b->values;
  if (width) return !memcmp(base + i * width, base + j * width, width);
  int64_t ni = b->offsets[i + 1] - b->offsets[i], nj = b->offsets[j + 1] - b->offsets[j];
  return ni == nj && !memcmp(base + b->offsets[i], base + b->offsets[j], (size_t)ni);
}

/* The whole batch is checked before a row is written, so a rejected batch leaves no trace. */
static int check_batch(const qb_data_writer *w, const qb_pq_column_batch *cols, size_t n_rows, qb_err *err)
{
  const qb_type *st = qb_schema_struct(w->schema);
  for (size_t c = 0; c < st->n_fields; c++)
    if (!qb_type_is_primitive(st->fields[c].type))
      return QB_FAIL(err, QB_EINVAL, "column %s: write_batch needs primitive top-level columns; use write",
                     st->fields[c].name);
  if (!cols) return QB_FAIL(err, QB_EINVAL, "write_batch: no columns given");
  for (size_t c = 0; c < st->n_fields; c++) {
    int rc = qb_pq_column_batch_validate(qb_pq_schema_column(w->pq_schema, c), &cols[c], n_rows, err);
    if (rc) return rc;
  }
  return QB_OK;
}

/* Whether rows i-1 and i agree on every partition source column (then they share a partition). Row i - 1
 * may be a declared repeat: its value is at row w->plast[k], which then becomes row i's. */
static bool same_partition(qb_data_writer *w, const qb_pq_column_batch *cols, size_t i)
{
  bool same = true;
  for (size_t k = 0; k < w->spec->n_fields; k++) {
    size_t c = w->psrc[k];
    /* a producer-declared repeat needs no comparison (qb_pq_column_batch.repeats, checked by check_batch) */
    if (cols[c].repeats && cols[c].repeats[i]) continue;
    same = same && same_cell(w->pwidth[k], &cols[c], w->plast[k], i);
    w->plast[k] = i;
  }
  return same;
}

/* Rows [row, row + n) of the batch, all of one partition: to its file, rolling at the target size as
 * qb_data_writer_write does (a file is finished once its estimated bytes reach the target). A slice gets
 * half the rows that the file's bytes per row so far say are left, so slices shrink geometrically towards
 * single rows near the target and a file ends within about a row of where the row path ends it. */
static int write_run(qb_data_writer *w, const qb_pq_column_batch *cols, size_t row, size_t n, qb_err *err)
{
  const qb_type *st = qb_schema_struct(w->schema);
  size_t nf = st->n_fields;
  /* every row before `row` went to a file: w->bsrc says where row - 1's values are. Only the partition
   * source columns are read (qb_partition_spec_eval looks at nothing else, and every column of a batch is
   * top-level), so only they are filled: a run costs its partition's columns, not the table's width. */
  size_t np = w->spec->n_fields;
  for (size_t k = 0; k < np; k++) {
    size_t c = w->psrc[k];
    w->norm[c] = cell_value(&st->fields[c], qb_pq_schema_column(w->pq_schema, c), &cols[c],
                            value_row(cols[c].repeats, row, w->bsrc[c]));
  }
  qb_value nrow = {.kind = QB_V_STRUCT, .u.seq = {w->norm, nf}};
  int rc;
  if (np && (rc = qb_partition_spec_eval(w->pvals, w->pscratch, w->spec, w->schema, &nrow, err)))
    return poison(w, qb_err_wrap(err, "partitioning a row"), err);
  while (n) {
    part_file *p;
    if ((rc = route(&p, w, err))) return poison(w, rc, err);
    size_t slice = n < BATCH_FIRST_ROWS ? n : BATCH_FIRST_ROWS;
    uint64_t have = qb_pq_writer_bytes(p->pq);
    if (p->rows) {
      uint64_t per_row = have / p->rows + 1;
      uint64_t left = have < w->target ? (w->target - have) / per_row / 2 + 1 : 1;
      slice = left < n ? (size_t)left : n;
    }
    /* the whole batch passed check_batch: the Parquet writer need not check each slice again. The
     * slice's first row may repeat a row another file took: w->bsrc says which row holds its value. */
    if ((rc = qb_pq__writer_write_batch_valid(p->pq, cols, row, slice, w->bsrc, err))) return poison(w, rc, err);
    p->rows += slice;
    p->last_used = ++w->tick;
    w->rows += slice;
    row += slice;
    n -= slice;
    if ((rc = roll_at_target(w, p, err))) return poison(w, rc, err);
  }
  return QB_OK;
}

/* The leaf column of top-level column j of the table's schema (its index among the Parquet leaves), for
 * a primitive j: the leaves of the columns before it counted. */
static size_t leaf_of(const qb_data_writer *w, size_t j)
{
  size_t leaf = 0;
  const qb_type *st = qb_schema_struct(w->schema);
  for (size_t i = 0; i < j; i++) {
    const qb_field *f = &st->fields[i];
    /* leaves of a nested column: its fields' paths in the Parquet schema start with its name */
    if (qb_type_is_primitive(f->type)) {
      leaf++;
      continue;
    }
    size_t nl = qb_pq_schema_n_columns(w->pq_schema), k = strlen(f->name);
    while (leaf < nl) {
      const char *path = qb_pq_node_path(qb_pq_schema_column(w->pq_schema, leaf));
      if (strncmp(path, f->name, k) || path[k] != '.') break;
      leaf++;
    }
  }
  return leaf;
}

/* A batch in the input schema for a table that has columns the batch path cannot write (nested ones, which
 * a user added since: the input lacks them): the rows one by one, the nested columns null. */
static int batch_as_rows(qb_data_writer *w, const qb_pq_column_batch *cols, size_t n_rows, qb_err *err)
{
  const qb_type *st = qb_schema_struct(w->schema);
  size_t nf = st->n_fields;
  int rc = QB_OK;
  size_t *leaf = calloc(nf ? nf : 1, sizeof *leaf), *src = calloc(nf ? nf : 1, sizeof *src);
  qb_value *items = calloc(nf ? nf : 1, sizeof *items);
  if (!leaf || !src || !items) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
  for (size_t j = 0; rc == QB_OK && j < nf; j++) {
    if (w->in_map[j] < 0) continue;
    if (!qb_type_is_primitive(st->fields[j].type))
      rc = QB_FAIL(err, QB_EINVAL, "column %s: write_batch needs primitive columns; use write", st->fields[j].name);
    else if ((leaf[j] = leaf_of(w, j)) >= qb_pq_schema_n_columns(w->pq_schema))
      rc = QB_FAIL(err, QB_EINTERNAL, "column %s: no leaf column", st->fields[j].name);
    else
      rc = qb_pq_column_batch_validate(qb_pq_schema_column(w->pq_schema, leaf[j]), &cols[w->in_map[j]], n_rows, err);
  }
  for (size_t i = 0; rc == QB_OK && i < n_rows; i++) {
    for (size_t j = 0; j < nf; j++) {
      items[j] = qb_value_null();
      if (w->in_map[j] < 0) continue;
      const qb_pq_column_batch *b = &cols[w->in_map[j]];
      if (!(b->repeats && b->repeats[i])) src[j] = i;
      items[j] = cell_value(&st->fields[j], qb_pq_schema_column(w->pq_schema, leaf[j]), b, src[j]);
    }
    qb_value row = {.kind = QB_V_STRUCT, .u.seq = {items, nf}};
    rc = write_row(w, &row, err);
  }
  free(leaf);
  free(src);
  free(items);
  return rc;
}

int qb_data_writer_write_batch(qb_data_writer *w, const qb_pq_column_batch *cols, size_t n_rows, qb_err *err)
{
  if (w->rc) {
    if (err) *err = w->first;
    return w->rc;
  }
  w->wrote = true;
  if (n_rows == 0) return QB_OK;
  if (w->in_map && cols && !w->flat) return batch_as_rows(w, cols, n_rows, err);
  int rc = input_batch(w, &cols, n_rows, err);
  if (rc == QB_OK) rc = check_batch(w, cols, n_rows, err);
  if (rc) return qb_err_wrap(err, "writing a batch");
  /* when every partition source column declares its repeats, rows repeating all of them are skipped
   * without comparisons: up to the first row that is not a repeat in some column, one memchr per column
   * (runs are an experiment's rows) */
  size_t np = w->spec->n_fields;
  memset(w->plast, 0, np * sizeof *w->plast);
  memset(w->bsrc, 0, qb_schema_struct(w->schema)->n_fields * sizeof *w->bsrc);
  bool declared = true;
  for (size_t k = 0; k < np; k++) declared = declared && cols[w->psrc[k]].repeats;
  size_t start = 0;
  for (size_t i = 1; i <= n_rows; i++) {
    if (declared && i < n_rows) {
      size_t j = n_rows;
      for (size_t k = 0; k < np && i < j; k++) {
        const uint8_t *rep = cols[w->psrc[k]].repeats, *z = memchr(rep + i, 0, j - i);
        if (z) j = (size_t)(z - rep);
      }
      i = j;
    }
    if (i < n_rows && same_partition(w, cols, i)) continue;
    if ((rc = write_run(w, cols, start, i - start, err))) return rc;
    start = i;
  }
  return QB_OK;
}

int qb_data_writer_close(qb_data_writer *w, qb_err *err)
{
  if (w->rc) {
    if (err) *err = w->first;
    return w->rc;
  }
  part_file *p;
  while ((p = lru(w))) {
    int rc = finish(w, p, err);
    if (rc) return poison(w, rc, err);
  }
  return QB_OK;
}

size_t qb_data_writer_n_files(const qb_data_writer *w) { return w->n_files; }
const qb_data_file *qb_data_writer_file(const qb_data_writer *w, size_t i) { return i < w->n_files ? w->files[i] : NULL; }
uint64_t qb_data_writer_rows(const qb_data_writer *w) { return w->rows; }

static void release(qb_data_writer *w, bool delete_files)
{
  for (size_t i = 0; i < w->open.cap; i++) {
    part_file *p = w->open.slots[i].key ? w->open.slots[i].value : NULL;
    if (p) part_free(p); /* nothing was published for it */
  }
  open_files_add(w->n_open, false);
  qb_map_free(&w->open);
  for (size_t i = 0; i < w->n_files; i++) {
    if (delete_files) {
      qb_tbl__delete_quietly(w->tbl.io, w->written[i]);
    }
    free(w->written[i]);
    qb_data_file_free(w->files[i]);
  }
  free(w->written);
  free(w->files);
  free(w->norm);
  qb_arena_release(&w->nest);
  free(w->in_map);
  free(w->in_row);
  free(w->in_cols);
  free(w->zeros);
  free(w->pscratch);
  free(w->pvals);
  free(w->psrc);
  free(w->pwidth);
  free(w->dict_lost);
  free(w->no_dict);
  free(w->codec_skip);
  free(w->bsrc);
  free(w->plast);
  free(w->schema_json);
  qb_buf_free(&w->key);
  qb_pq_schema_free(w->pq_schema);
  qb_metrics_config_free(w->metrics);
  qb_arena_release(&w->arena);
  free(w);
}

void qb_data_writer_free(qb_data_writer *w)
{
  if (w) release(w, false);
}

void qb_data_writer_abort(qb_data_writer *w)
{
  if (w) release(w, true);
}
