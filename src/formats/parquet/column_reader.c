/* SPDX-License-Identifier: Apache-2.0 */
/* One column chunk being read: the chunk bytes (one range read), then batches of QB_PQ_BATCH level
 * entries with their values row-aligned ("spaced": vals[i] is meaningful when def[i] == max_def), values
 * converted to the qb_value representation (INT96 and MILLIS/NANOS to micros, FLOAT16 to float) and
 * dictionary indices resolved (parquet-format Encodings.md; formats.md §2.4, §2.5). */
#include <stdlib.h>
#include <string.h>

#include "formats/parquet/read_int.h"

int qb_pq__col_wrap_page(qb_pq_colreader *c, qb_err *err)
{
  return qb_err_wrap(err, "page %d (offset %llu)", c->cur_page, (unsigned long long)c->cur_page_off);
}

int qb_pq__col_open(qb_pq_colreader *c, qb_pq_reader *r, size_t rg, const qb_pq_rfield *leaf, qb_err *err)
{
  const qb_pq_node *n = leaf->pub.node;
  bool fresh = !c->r; /* else the buffers of the column's previous chunk are reused */
  c->r = r;
  c->leaf = leaf;
  c->column = (size_t)leaf->pub.column;
  c->path = n->path;
  c->type = n->type;
  c->type_length = n->type_length;
  c->max_def = leaf->max_def;
  c->max_rep = leaf->max_rep;
  qb_pq__leaf_storage(&c->kind, &c->conv, &c->vsize, &leaf->pub);
  if (fresh) {
    qb_pq_decoder_init(&c->dec);
    c->dec.max_scratch_bytes = (size_t)r->opts.max_page_bytes;
    size_t b = QB_PQ_BATCH;
    c->vals = malloc(b * c->vsize);
    c->nulls = malloc(b);
    c->u32 = malloc(b * sizeof *c->u32);
    if (c->max_def) c->def = malloc(b * sizeof *c->def);
    if (c->max_rep) c->rep = malloc(b * sizeof *c->rep);
    if (c->conv == QB_PQ_CONV_INT96 || c->conv == QB_PQ_CONV_FLOAT16) c->tmp = malloc(b * sizeof *c->tmp);
    if (c->conv == QB_PQ_CONV_TIME_MILLIS) c->tmp32 = malloc(b * sizeof *c->tmp32);
    if (!c->vals || !c->nulls || !c->u32 || (c->max_def && !c->def) || (c->max_rep && !c->rep) ||
        ((c->conv == QB_PQ_CONV_INT96 || c->conv == QB_PQ_CONV_FLOAT16) && !c->tmp) ||
        (c->conv == QB_PQ_CONV_TIME_MILLIS && !c->tmp32))
      return QB_FAIL(err, QB_ENOMEM, "out of memory for column buffers");
  }
  const qb_pq_column_meta *m = &r->meta.row_groups[rg].columns[c->column].meta_data;
  c->codec = m->codec;
  c->meta_values = m->num_values;
  c->chunk_off = (uint64_t)qb_pq_column_meta_start(m); /* checked against the file at open */
  c->chunk_len = m->num_values ? (size_t)m->total_compressed_size : 0; /* see validate() in reader.c */
  if ((uint64_t)c->chunk_len > r->opts.max_chunk_bytes)
    return QB_FAIL(err, QB_ELIMIT, "column chunk of %zu bytes is above the limit of %llu", c->chunk_len,
                   (unsigned long long)r->opts.max_chunk_bytes);
  if (!c->chunk || c->chunk_cap < c->chunk_len) {
    free(c->chunk);
    c->chunk_cap = c->chunk_len ? c->chunk_len : 1;
    if (!(c->chunk = malloc(c->chunk_cap))) {
      c->chunk_cap = 0;
      return QB_FAIL(err, QB_ENOMEM, "out of memory for a column chunk of %zu bytes", c->chunk_len);
    }
  }
  return qb_file_pread(r->file, c->chunk, c->chunk_len, c->chunk_off, err);
}

void qb_pq__col_release_retired(qb_pq_colreader *c)
{
  while (c->retired) {
    qb_pq_retired *t = c->retired;
    c->retired = t->next;
    free(t->buf);
    qb_pq_decoder_release(&t->dec);
    free(t);
  }
}

void qb_pq__col_end(qb_pq_colreader *c)
{
  if (!c->r) return;
  qb_pq__page_drop(c, false);
  qb_pq__col_release_retired(c);
  free(c->dict_buf);
  free(c->dict);
  /* everything of the chunk goes; the buffers stay */
  qb_pq_colreader keep = *c;
  memset(c, 0, sizeof *c);
  c->r = keep.r;
  c->dec = keep.dec;
  c->chunk = keep.chunk;
  c->chunk_cap = keep.chunk_cap;
  c->page_buf = keep.page_buf;
  c->page_cap = keep.page_cap;
  c->def = keep.def;
  c->rep = keep.rep;
  c->vals = keep.vals;
  c->nulls = keep.nulls;
  c->u32 = keep.u32;
  c->tmp = keep.tmp;
  c->tmp32 = keep.tmp32;
}

void qb_pq__col_close(qb_pq_colreader *c)
{
  if (!c->r) return;
  qb_pq__col_end(c);
  qb_pq_decoder_release(&c->dec);
  free(c->chunk);
  free(c->page_buf);
  free(c->vals);
  free(c->nulls);
  free(c->u32);
  free(c->def);
  free(c->rep);
  free(c->tmp);
  free(c->tmp32);
  memset(c, 0, sizeof *c);
}

static int out_of_range(qb_err *err) { return QB_FAIL(err, QB_ECORRUPT, "timestamp out of the int64 microsecond range"); }

int qb_pq__read_dense(qb_pq_colreader *c, qb_pq_decoder *dec, void *out, size_t k, qb_err *err)
{
  int rc = QB_OK;
  switch (c->type) {
  case QB_PQ_BOOLEAN: return qb_pq_decoder_read_bool(out, k, dec, err);
  case QB_PQ_INT32:
    if (c->conv != QB_PQ_CONV_TIME_MILLIS) return qb_pq_decoder_read_i32(out, k, dec, err);
    for (size_t done = 0; done < k && !rc; done += QB_PQ_BATCH) {
      size_t m = k - done < QB_PQ_BATCH ? k - done : QB_PQ_BATCH;
      if (!(rc = qb_pq_decoder_read_i32(c->tmp32, m, dec, err)))
        for (size_t i = 0; i < m; i++) ((int64_t *)out)[done + i] = (int64_t)c->tmp32[i] * 1000;
    }
    return rc;
  case QB_PQ_INT64: {
    int64_t *v = out;
    if ((rc = qb_pq_decoder_read_i64(v, k, dec, err))) return rc;
    if (c->conv == QB_PQ_CONV_MILLIS) {
      for (size_t i = 0; i < k; i++)
        if (__builtin_mul_overflow(v[i], 1000, &v[i])) return out_of_range(err);
    } else if (c->conv == QB_PQ_CONV_NANOS) {
      for (size_t i = 0; i < k; i++) v[i] = v[i] / 1000 - (v[i] % 1000 < 0);
    }
    return QB_OK;
  }
  case QB_PQ_INT96:
    for (size_t done = 0; done < k && !rc; done += QB_PQ_BATCH) {
      size_t m = k - done < QB_PQ_BATCH ? k - done : QB_PQ_BATCH;
      if ((rc = qb_pq_decoder_read_bytes(c->tmp, m, dec, err))) break;
      for (size_t i = 0; i < m; i++) qb_pq__int96_to_micros(&((int64_t *)out)[done + i], c->tmp[i].p);
    }
    return rc;
  case QB_PQ_FLOAT: return qb_pq_decoder_read_float(out, k, dec, err);
  case QB_PQ_DOUBLE: return qb_pq_decoder_read_double(out, k, dec, err);
  case QB_PQ_FIXED_LEN_BYTE_ARRAY:
    if (c->conv == QB_PQ_CONV_FLOAT16) {
      for (size_t done = 0; done < k && !rc; done += QB_PQ_BATCH) {
        size_t m = k - done < QB_PQ_BATCH ? k - done : QB_PQ_BATCH;
        if (!(rc = qb_pq_decoder_read_bytes(c->tmp, m, dec, err)))
          for (size_t i = 0; i < m; i++)
            ((float *)out)[done + i] = qb_pq__half_to_float((uint16_t)(c->tmp[i].p[0] | c->tmp[i].p[1] << 8));
      }
      return rc;
    }
    /* fall through */
  default: return qb_pq_decoder_read_bytes(out, k, dec, err);
  }
}

/* Move the k dense values at the front of vals to the positions of the entries that hold a value. */
static void spread(qb_pq_colreader *c, size_t m, size_t k)
{
  const int16_t *def = c->def;
  int16_t max = (int16_t)c->max_def;
  size_t j = k;
#define SPREAD(T)                                   \
  do {                                              \
    T *v = c->vals;                                 \
    for (size_t i = m; i-- > 0 && j < i + 1;)       \
      if (def[i] == max) v[i] = v[--j];             \
  } while (0)
  switch (c->vsize) {
  case 1: SPREAD(uint8_t); break;
  case 4: SPREAD(uint32_t); break;
  case 8: SPREAD(uint64_t); break;
  default: SPREAD(qb_slice); break;
  }
#undef SPREAD
}

/* Resolve k dictionary indices (in c->u32) into the m entries of the batch. */
static void gather(qb_pq_colreader *c, size_t m, size_t k)
{
  const uint32_t *idx = c->u32;
  const int16_t *def = c->def;
  int16_t max = (int16_t)c->max_def;
#define GATHER(T)                                              \
  do {                                                         \
    T *v = c->vals;                                            \
    const T *d = c->dict;                                      \
    if (k == m) {                                              \
      for (size_t i = 0; i < m; i++) v[i] = d[idx[i]];         \
    } else {                                                   \
      for (size_t i = 0, j = 0; i < m; i++)                    \
        if (def[i] == max) v[i] = d[idx[j++]];                 \
    }                                                          \
  } while (0)
  switch (c->vsize) {
  case 1: GATHER(uint8_t); break;
  case 4: GATHER(uint32_t); break;
  case 8: GATHER(uint64_t); break;
  default: GATHER(qb_slice); break;
  }
#undef GATHER
}

static int decode_batch(qb_pq_colreader *c, size_t m, qb_err *err)
{
  int rc;
  if (c->max_rep && (rc = qb_pq__levels_read(c->rep, m, &c->rep_lv, c->u32, err)))
    return qb_err_wrap(err, "repetition levels");
  if (c->max_def && (rc = qb_pq__levels_read(c->def, m, &c->def_lv, c->u32, err)))
    return qb_err_wrap(err, "definition levels");
  size_t k = m;
  if (c->max_def) {
    k = 0;
    for (size_t i = 0; i < m; i++) k += c->def[i] == c->max_def;
  }
  c->batch_nulls = k < m;
  if (k == 0) return QB_OK;
  if (c->dict_encoded) {
    if ((rc = qb_pq_decoder_read_indices(c->u32, k, (uint32_t)c->dict_n, &c->dec, err))) return qb_err_wrap(err, "values");
    gather(c, m, k);
    return QB_OK;
  }
  if ((rc = qb_pq__read_dense(c, &c->dec, c->vals, k, err))) return qb_err_wrap(err, "values");
  if (k < m) spread(c, m, k);
  return QB_OK;
}

int qb_pq__col_fill(qb_pq_colreader *c, qb_err *err)
{
  while (c->pos >= c->n) {
    c->pos = c->n = 0;
    if (c->page_left == 0) {
      if (c->done) return QB_OK;
      int rc = qb_pq__col_next_page(c, err);
      if (rc) return qb_pq__col_wrap_page(c, err);
      continue;
    }
    size_t m = c->page_left < QB_PQ_BATCH ? (size_t)c->page_left : QB_PQ_BATCH;
    int rc = decode_batch(c, m, err);
    if (rc) return qb_pq__col_wrap_page(c, err);
    c->n = m;
    c->page_left -= (int64_t)m;
  }
  return QB_OK;
}

int qb_pq__col_finish(qb_pq_colreader *c, int64_t rows, qb_err *err)
{
  int rc = qb_pq__col_fill(c, err);
  if (rc) return rc;
  if (c->n)
    return QB_FAIL(err, QB_ECORRUPT, "more values than the row group's %lld rows", (long long)rows);
  if (c->entries_seen != c->meta_values)
    return QB_FAIL(err, QB_ECORRUPT, "pages hold %lld values, the footer says %lld", (long long)c->entries_seen,
                   (long long)c->meta_values);
  return QB_OK;
}
