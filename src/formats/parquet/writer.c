/* SPDX-License-Identifier: Apache-2.0 */
/* Parquet file writer: "PAR1", row groups of column chunks as they fill, FileMetaData footer, and the
 * metrics Iceberg's data_file needs (parquet-format README "File format"; formats.md §2.1, §2.3, §2.7). */
#include <stdlib.h>
#include <string.h>

#include "formats/parquet/codec.h"
#include "formats/parquet/column_writer.h"
#include "formats/parquet/compressor.h"
#include "formats/parquet/meta.h"
#include "formats/parquet/schema.h"
#include "formats/parquet/shred.h"
#include "formats/parquet/writer.h"
#include "formats/parquet/col_stats.h"
#include "formats/thrift/compact.h"
#include "qberg/parquet.h"
#include "util/arena.h"
#include "util/buf.h"

/* Rows per columnar sub-batch: the row-group size is checked between sub-batches, which are sized from
 * the bytes per row seen so far (BATCH_ROWS_FIRST while nothing is known). */
#define BATCH_ROWS_MAX 8192
#define BATCH_ROWS_FIRST 1024

struct qb_pq_writer {
  qb_writer *sink;             /* borrowed */
  uint64_t base;               /* sink offset of the file's "PAR1" */
  const qb_pq_schema *schema;  /* borrowed */
  qb_pq_write_options o;       /* copy; key_value and created_by point into `arena` */
  uint64_t buffered;           /* buffered_bytes() as of the last row or row group written */
  bool buffered_now;           /* `buffered` is buffered_bytes() now (set by maybe_flush: no column changed
                                * since; write_batch then sizes its sub-batch without summing again) */
  qb_arena arena;              /* footer strings: created_by, key/values, schema elements */
  qb_arena rg_arena;           /* one row group's column chunks and statistics, until they are encoded */
  qb_pq_compressor z;          /* shared by every column: one page is compressed at a time */
  qb_pq_colw *cols;
  size_t n_cols;
  qb_pq_col_stats *file_stats;     /* per column, over all row groups */
  uint64_t *col_bytes, *col_values;
  size_t *bsrc;                /* per column: qb_pq_writer_write_batch's row holding the last row's value */
  /* Finished row groups' metadata as thrift compact bytes (~1/3 of the structs' size, and one growing
   * buffer instead of arena chunks): a fan-out writer keeps dozens of files open for a whole batch, each
   * with up to hundreds of small row groups. */
  qb_buf rg_meta;
  uint64_t *rg_offsets;        /* file offset of each row group: Iceberg split offsets */
  size_t n_rgs, cap_rgs;
  uint64_t rg_rows, rows;
  uint64_t bytes_per_row;      /* of the last row group written (0 before the first): batch sizing */
  /* The open row group's buffered bytes are mostly uncompressed; qb_pq_writer_bytes scales them by the
   * ratio of bytes written to bytes buffered of the row groups written so far (staged_out / staged_in),
   * or, before the first, by the caller's hint (qb_pq_writer_size_hint; hint_in 0: none, taken as 1). */
  uint64_t staged_in, staged_out, hint_in, hint_out;
  bool flat;                   /* write_batch allowed */
  bool flat_rows;              /* every root field a leaf: write_row shreds with qb_pq_shred_flat */
  const char *not_flat;        /* else: the first column that is not flat */
  int poison_rc;               /* first non-input error; every later call returns it */
  qb_err poison;
};

static int fail_poisoned(qb_pq_writer *w, qb_err *err)
{
  if (err) *err = w->poison;
  return w->poison_rc;
}

static int poison(qb_pq_writer *w, int rc, qb_err *err)
{
  w->poison_rc = rc;
  w->poison = *err;
  return rc;
}

static void writer_free(qb_pq_writer *w)
{
  if (!w) return;
  for (size_t i = 0; i < w->n_cols; i++) {
    qb_pq_colw_free(&w->cols[i]);
    qb_pq_col_stats_free(&w->file_stats[i]);
  }
  free(w->cols);
  free(w->file_stats);
  free(w->col_bytes);
  free(w->col_values);
  free(w->bsrc);
  qb_buf_free(&w->rg_meta);
  free(w->rg_offsets);
  qb_pq_compressor_free(&w->z);
  qb_arena_release(&w->arena);
  qb_arena_release(&w->rg_arena);
  free(w);
}

void qb_pq_writer_abort(qb_pq_writer *w) { writer_free(w); }

static int check_options(const qb_pq_write_options *o, qb_err *err)
{
  if (o->version != QB_PQ_WRITE_OPTIONS_VERSION)
    return QB_FAIL(err, QB_EINVAL, "write options version %u, this library knows %d", o->version,
                   QB_PQ_WRITE_OPTIONS_VERSION);
  int rc = qb_pq_codec_check_write(o->codec, o->compression_level, err);
  if (rc) return rc;
  if (o->data_page_version != 1 && o->data_page_version != 2)
    return QB_FAIL(err, QB_EINVAL, "data page version %d (want 1 or 2)", o->data_page_version);
  if (o->row_group_size_bytes == 0 || o->page_size_bytes == 0)
    return QB_FAIL(err, QB_EINVAL, "row group and page sizes must be > 0");
  if (o->n_key_value && !o->key_value) return QB_FAIL(err, QB_EINVAL, "n_key_value > 0 without key_value");
  for (size_t i = 0; i < o->n_key_value; i++)
    if (!o->key_value[i].key) return QB_FAIL(err, QB_EINVAL, "key_value[%zu] has no key", i);
  return QB_OK;
}

/* Flat for write_batch: no REPEATED node, and the leaf is the only node that may be OPTIONAL. */
static bool column_is_flat(const qb_pq_column *col)
{
  return col->max_rep == 0 && col->max_def == (col->leaf->repetition == QB_PQ_OPTIONAL ? 1 : 0);
}

int qb_pq_writer_open(qb_pq_writer **out, qb_writer *sink, const qb_pq_schema *schema,
                      const qb_pq_write_options *opts, qb_err *err)
{
  int rc;
  *out = NULL;
  qb_pq_write_options defaults = QB_PQ_WRITE_OPTIONS_INIT;
  if (!opts) opts = &defaults;
  if (!schema || !schema->finished || schema->n_columns == 0)
    return QB_FAIL(err, QB_EINVAL, "parquet writer: the schema is not finished");
  if ((rc = check_options(opts, err)) != QB_OK) return qb_err_wrap(err, "parquet writer");

  qb_pq_writer *w = calloc(1, sizeof *w);
  if (!w) return QB_FAIL(err, QB_ENOMEM, "parquet writer: out of memory");
  qb_arena_init(&w->arena, 4 << 10);
  qb_arena_init(&w->rg_arena, 16 << 10);
  qb_buf_init(&w->rg_meta, QB_BUF_NOLIMIT);
  w->sink = sink;
  w->base = qb_writer_offset(sink);
  w->schema = schema;
  w->o = *opts;
  qb_pq_compressor_init(&w->z, opts->codec, opts->compression_level);
  w->n_cols = schema->n_columns;
  w->cols = calloc(w->n_cols, sizeof *w->cols);
  w->file_stats = calloc(w->n_cols, sizeof *w->file_stats);
  w->col_bytes = calloc(w->n_cols, sizeof *w->col_bytes);
  w->col_values = calloc(w->n_cols, sizeof *w->col_values);
  w->bsrc = calloc(w->n_cols ? w->n_cols : 1, sizeof *w->bsrc);
  if (!w->cols || !w->file_stats || !w->col_bytes || !w->col_values || !w->bsrc) {
    free(w->cols);
    w->cols = NULL;
    w->n_cols = 0;
    rc = QB_FAIL(err, QB_ENOMEM, "parquet writer: out of memory");
    goto fail;
  }
  w->flat = true;
  w->flat_rows = qb_pq_shred_is_flat(schema);
  for (size_t i = 0; i < w->n_cols; i++) {
    const qb_pq_column *col = &schema->columns[i];
    qb_pq_colw_init(&w->cols[i], col, &w->o, &w->z);
    if (w->o.dict_lost) qb_pq_colw_share_lost(&w->cols[i], &w->o.dict_lost[i]);
    if (w->o.no_dictionary && w->o.no_dictionary[i]) qb_pq_colw_no_dictionary(&w->cols[i]);
    if (w->o.codec_skip) qb_pq_chunk_codec_share(&w->cols[i].cz, &w->o.codec_skip[i]);
    qb_pq_col_stats_init(&w->file_stats[i], col->leaf);
    if (w->flat && !column_is_flat(col)) {
      w->flat = false;
      w->not_flat = col->leaf->path;
    }
  }

  /* copy what the options point to: the caller's strings need not outlive this call */
  const char *created_by = opts->created_by;
  w->o.created_by = created_by ? qb_arena_strdup(&w->arena, created_by) : "qberg version " QB_VERSION;
  qb_pq_kv *kv = opts->n_key_value ? qb_arena_calloc(&w->arena, opts->n_key_value, sizeof *kv) : NULL;
  if (!w->o.created_by || (opts->n_key_value && !kv)) {
    rc = QB_FAIL(err, QB_ENOMEM, "parquet writer: out of memory");
    goto fail;
  }
  for (size_t i = 0; i < opts->n_key_value; i++) {
    kv[i].key = qb_arena_strdup(&w->arena, opts->key_value[i].key);
    kv[i].value = opts->key_value[i].value ? qb_arena_strdup(&w->arena, opts->key_value[i].value) : NULL;
    if (!kv[i].key || (opts->key_value[i].value && !kv[i].value)) {
      rc = QB_FAIL(err, QB_ENOMEM, "parquet writer: out of memory");
      goto fail;
    }
  }
  w->o.key_value = kv;

  if ((rc = qb_writer_write(sink, QB_PQ_MAGIC, 4, err)) != QB_OK) goto fail;
  *out = w;
  return QB_OK;
fail:
  writer_free(w);
  return rc;
}

uint64_t qb_pq_writer_rows(const qb_pq_writer *w) { return w->rows; }

void qb_pq_writer_set_row_group_size(qb_pq_writer *w, uint64_t bytes)
{
  if (w && bytes) w->o.row_group_size_bytes = bytes;
}

static int flush_row_group(qb_pq_writer *w, qb_err *err);

static uint64_t buffered_bytes(const qb_pq_writer *w)
{
  uint64_t n = 0;
  for (size_t i = 0; i < w->n_cols; i++) n += qb_pq_colw_buffered_bytes(&w->cols[i]);
  return n;
}

uint64_t qb_pq_writer_bytes(const qb_pq_writer *w)
{
  uint64_t written = qb_writer_offset(w->sink) - w->base, in = w->staged_in, out = w->staged_out;
  if (!in) in = w->hint_in, out = w->hint_out;
  if (!in) return written + w->buffered;
  return written + (uint64_t)((double)w->buffered * ((double)out / (double)in)) + 1;
}

void qb_pq_writer_size_hint(qb_pq_writer *w, uint64_t out_bytes, uint64_t in_bytes)
{
  if (w && in_bytes) w->hint_in = in_bytes, w->hint_out = out_bytes;
}

void qb_pq_writer_size_ratio(const qb_pq_writer *w, uint64_t *out_bytes, uint64_t *in_bytes)
{
  *out_bytes = w->staged_out;
  *in_bytes = w->staged_in;
}

int qb_pq_writer_flush_row_group(qb_pq_writer *w, qb_err *err)
{
  if (w->poison_rc) return fail_poisoned(w, err);
  int rc = flush_row_group(w, err);
  if (rc) return poison(w, rc, err);
  w->buffered = buffered_bytes(w);
  w->buffered_now = true;
  return QB_OK;
}

static int flush_row_group(qb_pq_writer *w, qb_err *err)
{
  int rc;
  if (w->rg_rows == 0) return QB_OK;
  if (w->n_rgs == w->cap_rgs) {
    size_t cap = w->cap_rgs ? w->cap_rgs * 2 : 8;
    uint64_t *r = realloc(w->rg_offsets, cap * sizeof *r);
    if (!r) return QB_FAIL(err, QB_ENOMEM, "row group %zu: out of memory", w->n_rgs);
    w->rg_offsets = r;
    w->cap_rgs = cap;
  }
  qb_pq_row_group rg;
  memset(&rg, 0, sizeof rg);
  rg.columns = qb_arena_calloc(&w->rg_arena, w->n_cols, sizeof *rg.columns);
  if (!rg.columns) return QB_FAIL(err, QB_ENOMEM, "row group %zu: out of memory", w->n_rgs);
  rg.n_columns = (uint32_t)w->n_cols;
  rg.has_file_offset = rg.has_total_compressed_size = true;
  rg.file_offset = (int64_t)(qb_writer_offset(w->sink) - w->base);
  uint64_t staged = buffered_bytes(w);
  for (size_t i = 0; i < w->n_cols; i++) {
    qb_pq_column_chunk *cc = &rg.columns[i];
    rc = qb_pq_colw_flush(cc, &w->cols[i], w->sink, w->base, &w->rg_arena, &w->file_stats[i], err);
    if (rc) return qb_err_wrap(err, "row group %zu: column %s", w->n_rgs, w->cols[i].col->leaf->path);
    rg.total_byte_size += cc->meta_data.total_uncompressed_size;
    rg.total_compressed_size += cc->meta_data.total_compressed_size;
    w->col_bytes[i] += (uint64_t)cc->meta_data.total_compressed_size;
    w->col_values[i] += (uint64_t)cc->meta_data.num_values;
  }
  rg.num_rows = (int64_t)w->rg_rows;
  w->bytes_per_row = (uint64_t)rg.total_compressed_size / w->rg_rows + 1;
  w->staged_in += staged;
  w->staged_out += qb_writer_offset(w->sink) - w->base - (uint64_t)rg.file_offset;
  if (w->n_rgs <= INT16_MAX) {
    rg.has_ordinal = true;
    rg.ordinal = (int16_t)w->n_rgs;
  }
  qb_tc_writer tw;
  qb_tc_writer_init(&tw, &w->rg_meta);
  qb_pq_row_group_write(&tw, &rg, err);
  qb_arena_release(&w->rg_arena);
  qb_arena_init(&w->rg_arena, 16 << 10);
  if ((rc = qb_tc_writer_status(&tw)) != QB_OK) return qb_err_wrap(err, "row group %zu: metadata", w->n_rgs);
  w->rg_offsets[w->n_rgs++] = (uint64_t)rg.file_offset;
  w->rg_rows = 0;
  /* The zstd context (about 0.5 MiB) is only needed while pages are written: an idle file of a fan-out
   * writer should not hold one; it is created again for the next row group's first page. */
  qb_pq_compressor_free(&w->z);
  return QB_OK;
}

/* maybe_flush where `buffered` is buffered_bytes(w), summed by the caller. */
static int flush_if_full(qb_pq_writer *w, uint64_t buffered, qb_err *err)
{
  w->buffered = buffered;
  w->buffered_now = true;
  if (w->buffered < w->o.row_group_size_bytes) return QB_OK;
  int rc = flush_row_group(w, err);
  w->buffered = buffered_bytes(w);
  w->buffered_now = rc == QB_OK; /* a failed flush poisons the writer anyway */
  return rc;
}

static int maybe_flush(qb_pq_writer *w, qb_err *err)
{
  /* Summing every column is a per-row cost: do it once here and keep the result for qb_pq_writer_bytes. */
  return flush_if_full(w, buffered_bytes(w), err);
}

int qb_pq_writer_write_row(qb_pq_writer *w, const qb_value *row, qb_err *err)
{
  int rc;
  qb_err local = QB_ERR_INIT;
  if (!err) err = &local;
  if (w->poison_rc) return fail_poisoned(w, err);
  w->buffered_now = false;
  if (w->flat_rows) {
    /* a rejected row leaves no trace: qb_pq_shred_flat checks the whole row before the first value */
    if ((rc = qb_pq_shred_flat(w->cols, w->schema, row, err)) == QB_EINVAL)
      return qb_err_wrap(err, "row %llu", (unsigned long long)w->rows);
    if (rc) goto fail;
  } else {
    if ((rc = qb_pq_shred_check(w->schema, row, err)) != QB_OK)
      return qb_err_wrap(err, "row %llu", (unsigned long long)w->rows);
    if ((rc = qb_pq_shred_row(w->cols, w->schema, row, err)) != QB_OK) goto fail;
  }
  for (size_t i = 0; i < w->n_cols; i++)
    if ((rc = qb_pq_colw_end_rows(&w->cols[i], err)) != QB_OK) {
      qb_err_wrap(err, "column %s", w->cols[i].col->leaf->path);
      goto fail;
    }
  w->rows++;
  w->rg_rows++;
  if ((rc = maybe_flush(w, err)) != QB_OK) goto fail;
  return QB_OK;
fail:
  qb_err_wrap(err, "row %llu", (unsigned long long)w->rows);
  return poison(w, rc, err);
}

/* The writer takes a repeated row without reading it (it holds no value of its own). A repeat across a
 * change of validity would desync its values from the definition levels (a corrupt page), so that is
 * refused. One branch-free pass. */
static int check_repeats(const qb_pq_node *leaf, const qb_pq_column_batch *b, size_t n_rows, qb_err *err)
{
  const uint8_t *rep = b->repeats, *valid = b->valid;
  if (rep[0]) return QB_FAIL(err, QB_EINVAL, "column %s: row 0: repeats a row before the batch", leaf->path);
  if (!valid) return QB_OK;
  uint8_t bad = 0;
  for (size_t i = 1; i < n_rows; i++) bad |= (uint8_t)((rep[i] != 0) & ((valid[i] != 0) ^ (valid[i - 1] != 0)));
  for (size_t i = 1; bad && i < n_rows; i++)
    if (rep[i] && (valid[i] != 0) != (valid[i - 1] != 0))
      return QB_FAIL(err, QB_EINVAL, "column %s: row %zu: repeats row %zu of another validity", leaf->path, i, i - 1);
  return QB_OK;
}

int qb_pq_column_batch_validate(const qb_pq_node *leaf, const qb_pq_column_batch *b, size_t n_rows, qb_err *err)
{
  if (!b->values) return QB_FAIL(err, QB_EINVAL, "column %s: no values", leaf->path);
  /* Each check is a branch-free pass over the batch (it vectorises; the ingest runs it twice per batch,
   * in the data writer and here), and only a failed pass looks for the row to name. */
  if (b->valid && leaf->repetition == QB_PQ_REQUIRED) {
    uint8_t any_null = 0;
    for (size_t i = 0; i < n_rows; i++) any_null |= b->valid[i] == 0;
    for (size_t i = 0; any_null && i < n_rows; i++)
      if (!b->valid[i]) return QB_FAIL(err, QB_EINVAL, "column %s: row %zu: null in a REQUIRED column", leaf->path, i);
  }
  bool rep = b->repeats && n_rows;
  if (leaf->type != QB_PQ_BYTE_ARRAY) return rep ? check_repeats(leaf, b, n_rows, err) : QB_OK;
  const int64_t *off = b->offsets;
  if (!off) return QB_FAIL(err, QB_EINVAL, "column %s: BYTE_ARRAY column without offsets", leaf->path);
  if (off[0] < 0) return QB_FAIL(err, QB_EINVAL, "column %s: negative offset", leaf->path);
  /* a value length outside 0 .. UINT32_MAX (offsets decreasing, or a value over 4 GiB) sets a high bit;
   * blocks of 8 rows as pairs of 64-bit lanes (gcc and clang vector extension: SSE2 on x86-64, scalar
   * elsewhere), folded once at the end (gcc -O2 leaves a loop of unknown count unvectorised) */
  typedef uint64_t u64x2 __attribute__((vector_size(16)));
  u64x2 acc = {0, 0};
  size_t i8 = n_rows & ~(size_t)7;
  for (size_t i = 0; i < i8; i += 8) {
    /* one variable per lane pair: through arrays gcc kept the copies on the stack (a store and a load
     * more per pair) */
    u64x2 l0, l1, l2, l3, h0, h1, h2, h3;
    memcpy(&l0, off + i, 16);
    memcpy(&l1, off + i + 2, 16);
    memcpy(&l2, off + i + 4, 16);
    memcpy(&l3, off + i + 6, 16);
    memcpy(&h0, off + i + 1, 16);
    memcpy(&h1, off + i + 3, 16);
    memcpy(&h2, off + i + 5, 16);
    memcpy(&h3, off + i + 7, 16);
    acc |= (h0 - l0) | (h1 - l1) | (h2 - l2) | (h3 - l3);
  }
  uint64_t lens = acc[0] | acc[1];
  for (size_t i = i8; i < n_rows; i++) lens |= (uint64_t)off[i + 1] - (uint64_t)off[i];
  for (size_t i = 0; (lens >> 32) && i < n_rows; i++)
    if (off[i + 1] < off[i] || off[i + 1] - off[i] > (int64_t)UINT32_MAX)
      return QB_FAIL(err, QB_EINVAL, "column %s: row %zu: bad offsets %lld..%lld", leaf->path, i, (long long)off[i],
                     (long long)off[i + 1]);
  return rep ? check_repeats(leaf, b, n_rows, err) : QB_OK;
}

static int check_batch(const qb_pq_writer *w, const qb_pq_column_batch *cols, size_t n_rows, bool columns,
                       qb_err *err)
{
  if (!w->flat)
    return QB_FAIL(err, QB_EINVAL,
                   "column %s: write_batch needs flat columns (no lists, maps or optional groups); use write_row",
                   w->not_flat);
  if (n_rows == 0) return QB_OK;
  if (!cols) return QB_FAIL(err, QB_EINVAL, "write_batch: no columns given");
  for (size_t c = 0; columns && c < w->n_cols; c++) {
    int rc = qb_pq_column_batch_validate(w->cols[c].col->leaf, &cols[c], n_rows, err);
    if (rc) return rc;
  }
  return QB_OK;
}

/* Rows [row0, row0 + n_rows) of `cols`; src as in qb_pq__writer_write_batch_valid. */
static int write_batch(qb_pq_writer *w, const qb_pq_column_batch *cols, size_t row0, size_t n_rows, size_t *src,
                       bool check_columns, qb_err *err)
{
  int rc;
  qb_err local = QB_ERR_INIT;
  if (!err) err = &local;
  if (w->poison_rc) return fail_poisoned(w, err);
  if ((rc = check_batch(w, cols, n_rows, check_columns, err)) != QB_OK) return rc;
  size_t row = row0, end = row0 + n_rows;
  while (row < end) {
    /* size the sub-batch so the row group closes near its target: rows left at the current bytes/row */
    size_t sub = BATCH_ROWS_FIRST;
    uint64_t have = w->buffered_now ? w->buffered : buffered_bytes(w);
    uint64_t per_row = w->rg_rows ? have / w->rg_rows + 1 : w->bytes_per_row;
    if (per_row) {
      uint64_t left = have < w->o.row_group_size_bytes ? (w->o.row_group_size_bytes - have) / per_row + 1 : 1;
      sub = left < BATCH_ROWS_MAX ? (size_t)left : BATCH_ROWS_MAX;
    }
    if (sub > end - row) sub = end - row;
    w->buffered_now = false;
    uint64_t buffered = 0; /* buffered_bytes(w) after the sub-batch, from what each column's page test sized */
    for (size_t c = 0; c < w->n_cols; c++) {
      uint64_t bytes;
      if ((rc = qb_pq_colw_put_batch(&w->cols[c], &cols[c], row, sub, &src[c], &bytes, err)) != QB_OK) {
        qb_err_wrap(err, "column %s", w->cols[c].col->leaf->path);
        return poison(w, rc, err);
      }
      buffered += bytes;
    }
    row += sub;
    w->rows += sub;
    w->rg_rows += sub;
    if ((rc = flush_if_full(w, buffered, err)) != QB_OK) return poison(w, rc, err);
  }
  return QB_OK;
}

int qb_pq_writer_write_batch(qb_pq_writer *w, const qb_pq_column_batch *cols, size_t n_rows, qb_err *err)
{
  /* row 0 never repeats (qb_pq_column_batch_validate): the sources start unread */
  memset(w->bsrc, 0, w->n_cols * sizeof *w->bsrc);
  return write_batch(w, cols, 0, n_rows, w->bsrc, true, err);
}

int qb_pq__writer_write_batch_valid(qb_pq_writer *w, const qb_pq_column_batch *cols, size_t row0, size_t n_rows,
                                    size_t *src, qb_err *err)
{
  return write_batch(w, cols, row0, n_rows, src, false, err);
}

static int write_footer(qb_pq_writer *w, qb_err *err)
{
  int rc;
  qb_pq_file_meta m;
  memset(&m, 0, sizeof m);
  /* FileMetaData.version: 1 for v1 pages (parquet-java); 2 when v2 pages are used (Arrow, DuckDB V2) */
  m.version = w->o.data_page_version == 2 ? 2 : 1;
  size_t n_el = 0;
  if ((rc = qb_pq_schema_to_elements(&m.schema, &n_el, w->schema, &w->arena, err)) != QB_OK) return rc;
  m.n_schema = (uint32_t)n_el;
  m.num_rows = (int64_t)w->rows;
  m.n_row_groups = (uint32_t)w->n_rgs;
  m.row_groups_encoded = w->rg_meta.p ? w->rg_meta.p : (const uint8_t *)"";
  m.row_groups_encoded_len = w->rg_meta.n;
  if (w->o.n_key_value) {
    m.has_key_value_metadata = true;
    m.n_key_value_metadata = (uint32_t)w->o.n_key_value;
    m.key_value_metadata = qb_arena_calloc(&w->arena, w->o.n_key_value, sizeof *m.key_value_metadata);
    if (!m.key_value_metadata) return QB_FAIL(err, QB_ENOMEM, "footer: out of memory");
    for (size_t i = 0; i < w->o.n_key_value; i++) {
      const qb_pq_kv *kv = &w->o.key_value[i];
      m.key_value_metadata[i].key = kv->key;
      m.key_value_metadata[i].has_value = kv->value != NULL;
      m.key_value_metadata[i].value = kv->value;
      m.key_value_metadata[i].value_len = kv->value ? strlen(kv->value) : 0;
    }
  }
  m.has_created_by = true;
  m.created_by = w->o.created_by;
  /* One TypeDefinedOrder per leaf: required for readers to use min_value/max_value. */
  m.has_column_orders = true;
  m.n_column_orders = (uint32_t)w->n_cols;
  m.column_orders = qb_arena_calloc(&w->arena, w->n_cols, sizeof *m.column_orders);
  if (!m.column_orders) return QB_FAIL(err, QB_ENOMEM, "footer: out of memory");
  for (size_t i = 0; i < w->n_cols; i++) m.column_orders[i] = QB_PQ_ORDER_TYPE_DEFINED;

  qb_buf b;
  qb_buf_init(&b, (size_t)UINT32_MAX);
  if ((rc = qb_pq_file_meta_encode(&b, &m, err)) == QB_OK) {
    uint8_t tail[QB_PQ_TAIL_BYTES];
    qb_put_le32(tail, (uint32_t)b.n);
    memcpy(tail + 4, QB_PQ_MAGIC, 4);
    if ((rc = qb_writer_write(w->sink, b.p, b.n, err)) == QB_OK) rc = qb_writer_write(w->sink, tail, sizeof tail, err);
  }
  qb_buf_free(&b);
  return rc ? qb_err_wrap(err, "footer") : QB_OK;
}

void qb_pq_write_result_free(qb_pq_write_result *r)
{
  if (!r) return;
  for (size_t i = 0; r->columns && i < r->n_columns; i++) {
    free((void *)r->columns[i].path);
    free((void *)r->columns[i].lower_bound.p);
    free((void *)r->columns[i].upper_bound.p);
  }
  free(r->columns);
  free(r->split_offsets);
  free(r);
}

static int make_result(qb_pq_write_result **out, const qb_pq_writer *w, qb_err *err)
{
  int rc = QB_OK;
  qb_buf tmp;
  qb_buf_init(&tmp, QB_BUF_NOLIMIT);
  qb_pq_write_result *r = calloc(1, sizeof *r);
  if (!r) return QB_FAIL(err, QB_ENOMEM, "write result: out of memory");
  r->record_count = w->rows;
  r->file_size_bytes = qb_writer_offset(w->sink) - w->base;
  r->n_columns = w->n_cols;
  r->columns = calloc(w->n_cols, sizeof *r->columns);
  r->n_split_offsets = w->n_rgs;
  r->split_offsets = calloc(w->n_rgs ? w->n_rgs : 1, sizeof *r->split_offsets);
  if (!r->columns || !r->split_offsets) {
    rc = QB_FAIL(err, QB_ENOMEM, "write result: out of memory");
    goto done;
  }
  for (size_t i = 0; i < w->n_rgs; i++) r->split_offsets[i] = w->rg_offsets[i];
  for (size_t i = 0; i < w->n_cols; i++) {
    qb_pq_column_metrics *m = &r->columns[i];
    const qb_pq_node *leaf = w->cols[i].col->leaf;
    const qb_pq_col_stats *s = &w->file_stats[i];
    m->field_id = leaf->has_field_id ? leaf->field_id : QB_PQ_NO_FIELD_ID;
    m->path = strdup(leaf->path);
    m->type = leaf->type;
    m->max_rep = w->cols[i].max_rep;
    m->size_bytes = w->col_bytes[i];
    m->value_count = w->col_values[i];
    m->null_count = s->null_count;
    m->nan_count = s->nan_count;
    if (!m->path) {
      rc = QB_FAIL(err, QB_ENOMEM, "write result: out of memory");
      goto done;
    }
    m->has_bounds = s->has_minmax && s->order != QB_PQ_ORD_NONE;
    for (int k = 0; k < 2 && m->has_bounds; k++) {
      if ((rc = qb_pq_col_stats_bound(&tmp, s, k == 1, err)) != QB_OK) goto done;
      uint8_t *p = malloc(tmp.n ? tmp.n : 1);
      if (!p) {
        rc = QB_FAIL(err, QB_ENOMEM, "write result: out of memory");
        goto done;
      }
      if (tmp.n) memcpy(p, tmp.p, tmp.n);
      *(k ? &m->upper_bound : &m->lower_bound) = (qb_slice){p, tmp.n};
    }
  }
done:
  qb_buf_free(&tmp);
  if (rc) {
    qb_pq_write_result_free(r);
    return rc;
  }
  *out = r;
  return QB_OK;
}

int qb_pq_writer_close(qb_pq_writer *w, qb_pq_write_result **out, qb_err *err)
{
  int rc;
  qb_err local = QB_ERR_INIT;
  if (!err) err = &local;
  if (out) *out = NULL;
  if (w->poison_rc) {
    rc = fail_poisoned(w, err);
    goto done;
  }
  if ((rc = flush_row_group(w, err)) != QB_OK) goto done;
  if ((rc = write_footer(w, err)) != QB_OK) goto done;
  if (out) rc = make_result(out, w, err);
done:
  writer_free(w);
  return rc ? qb_err_wrap(err, "writing parquet") : QB_OK;
}
