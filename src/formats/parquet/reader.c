/* SPDX-License-Identifier: Apache-2.0 */
/* Parquet file reader: tail and footer (parquet-format README "File Format"), validation of the footer
 * against the schema and the file size (formats.md §2.3), and the file/row-group/chunk metadata getters. */
#include <stdlib.h>
#include <string.h>

#include "formats/parquet/read_int.h"

/* Semantic checks the Thrift decoder cannot do: every row group has one chunk per leaf, of the leaf's type
 * and path, and every chunk lies between the leading magic and the footer. */
static int validate(qb_pq_reader *r, qb_err *err)
{
  const qb_pq_file_meta *m = &r->meta;
  if (m->num_rows < 0) return QB_FAIL(err, QB_ECORRUPT, "negative num_rows %lld", (long long)m->num_rows);
  for (size_t g = 0; g < m->n_row_groups; g++) {
    const qb_pq_row_group *rg = &m->row_groups[g];
    if (rg->num_rows < 0)
      return QB_FAIL(err, QB_ECORRUPT, "row group %zu: negative num_rows %lld", g, (long long)rg->num_rows);
    if (rg->n_columns != r->n_leaves)
      return QB_FAIL(err, QB_ECORRUPT, "row group %zu: %u column chunks for %zu schema columns", g,
                     rg->n_columns, r->n_leaves);
    for (size_t i = 0; i < rg->n_columns; i++) {
      const qb_pq_column_chunk *cc = &rg->columns[i];
      const qb_pq_column *col = qb_pq_schema_column_info(r->schema, i);
      if (cc->has_file_path)
        return QB_FAIL(err, QB_EUNSUPPORTED, "row group %zu: column %s: chunk stored in another file (%s)", g,
                       col->leaf->path, cc->file_path);
      if (!cc->has_meta_data)
        return QB_FAIL(err, QB_ECORRUPT, "row group %zu: column %s: no column metadata", g, col->leaf->path);
      const qb_pq_column_meta *cm = &cc->meta_data;
      if ((int)cm->type != (int)col->leaf->type)
        return QB_FAIL(err, QB_ECORRUPT, "row group %zu: column %s: chunk type %s, schema says %s", g,
                       col->leaf->path, qb_pq_type_name(cm->type), qb_pq_type_name(col->leaf->type));
      bool same = cm->n_path == col->path_len;
      for (size_t k = 0; same && k < cm->n_path; k++) same = !strcmp(cm->path_in_schema[k], col->path[k]);
      if (!same)
        return QB_FAIL(err, QB_ECORRUPT, "row group %zu: column %zu: path_in_schema does not match schema column %s",
                       g, i, col->leaf->path);
      if (cm->num_values < 0)
        return QB_FAIL(err, QB_ECORRUPT, "row group %zu: column %s: negative num_values %lld", g, col->leaf->path,
                       (long long)cm->num_values);
      int64_t start = qb_pq_column_meta_start(cm), size = cm->total_compressed_size;
      /* a chunk without values is never read (column_chunk_key_value_metadata.parquet has offset 0) */
      if (cm->num_values == 0) continue;
      if (start < 4 || size < 0 || (uint64_t)start > r->data_end || (uint64_t)size > r->data_end - (uint64_t)start)
        return QB_FAIL(err, QB_ECORRUPT,
                       "row group %zu: column %s: chunk at offset %lld of %lld bytes is outside the data area "
                       "[4, %llu)",
                       g, col->leaf->path, (long long)start, (long long)size, (unsigned long long)r->data_end);
      if (size == 0)
        return QB_FAIL(err, QB_ECORRUPT, "row group %zu: column %s: a chunk of 0 bytes holds %lld values", g,
                       col->leaf->path, (long long)cm->num_values);
    }
  }
  return QB_OK;
}

static int open_footer(qb_pq_reader *r, qb_err *err)
{
  uint8_t tail[QB_PQ_TAIL_BYTES], head[4];
  int rc;
  if (r->size < QB_PQ_TAIL_BYTES + 4)
    return QB_FAIL(err, QB_ECORRUPT, "not a Parquet file: %llu bytes", (unsigned long long)r->size);
  if ((rc = qb_file_pread(r->file, tail, sizeof tail, r->size - sizeof tail, err))) return rc;
  if ((rc = qb_pq_tail_parse(&r->footer_len, tail, r->size, err))) return rc;
  if ((rc = qb_file_pread(r->file, head, sizeof head, 0, err))) return rc;
  if (memcmp(head, QB_PQ_MAGIC, 4))
    return QB_FAIL(err, QB_ECORRUPT, "not a Parquet file: does not start with PAR1");
  if (r->footer_len > r->opts.max_footer_bytes)
    return QB_FAIL(err, QB_ELIMIT, "footer of %u bytes is above the limit of %llu", r->footer_len,
                   (unsigned long long)r->opts.max_footer_bytes);
  r->data_end = r->size - QB_PQ_TAIL_BYTES - r->footer_len;
  uint8_t *buf = malloc(r->footer_len ? r->footer_len : 1);
  if (!buf) return QB_FAIL(err, QB_ENOMEM, "out of memory for a footer of %u bytes", r->footer_len);
  rc = qb_file_pread(r->file, buf, r->footer_len, r->data_end, err);
  if (!rc) rc = qb_pq_file_meta_decode(&r->meta, buf, r->footer_len, r->data_end, &r->arena, err);
  free(buf);
  if (rc) return rc;
  if ((rc = qb_pq_schema_from_elements(&r->schema, r->meta.schema, r->meta.n_schema, err))) return rc;
  r->n_leaves = qb_pq_schema_n_columns(r->schema);
  if ((rc = validate(r, err))) return rc;
  r->leaf = qb_arena_calloc(&r->arena, r->n_leaves ? r->n_leaves : 1, sizeof *r->leaf);
  if (!r->leaf) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  return qb_pq__fields_build(&r->top, &r->n_top, &r->n_fields, r->leaf, r->schema, &r->arena, err);
}

int qb_pq_reader_open(qb_pq_reader **out, qb_file *file, const qb_pq_read_options *opts, qb_err *err)
{
  *out = NULL;
  qb_pq_read_options def = QB_PQ_READ_OPTIONS_INIT;
  if (opts && opts->version != QB_PQ_READ_OPTIONS_VERSION)
    return QB_FAIL(err, QB_EINVAL, "%s: read options version %u, expected %u", qb_file_path(file), opts->version,
                   QB_PQ_READ_OPTIONS_VERSION);
  qb_pq_reader *r = calloc(1, sizeof *r);
  if (!r) return QB_FAIL(err, QB_ENOMEM, "%s: out of memory", qb_file_path(file));
  r->file = file;
  r->path = qb_file_path(file);
  r->size = qb_file_size(file);
  r->opts = opts ? *opts : def;
  qb_arena_init(&r->arena, 64 << 10);
  int rc = open_footer(r, err);
  if (rc) {
    qb_err_wrap(err, "%s", r->path);
    qb_pq_reader_close(r);
    return rc;
  }
  *out = r;
  return QB_OK;
}

int qb_pq_reader_open_path(qb_pq_reader **out, qb_fileio *io, const char *path, const qb_pq_read_options *opts,
                           qb_err *err)
{
  qb_file *f;
  *out = NULL;
  int rc = qb_fileio_open_read(&f, io, path, err);
  if (rc) return rc;
  if ((rc = qb_pq_reader_open(out, f, opts, err))) {
    qb_file_close(f);
    return rc;
  }
  (*out)->owns_file = true;
  return QB_OK;
}

void qb_pq_reader_close(qb_pq_reader *r)
{
  if (!r) return;
  qb_pq_schema_free(r->schema);
  qb_arena_release(&r->arena);
  if (r->owns_file) qb_file_close(r->file);
  free(r);
}

const char *qb_pq_reader_path(const qb_pq_reader *r) { return r->path; }
uint64_t qb_pq_reader_file_size(const qb_pq_reader *r) { return r->size; }
const qb_pq_schema *qb_pq_reader_schema(const qb_pq_reader *r) { return r->schema; }
int64_t qb_pq_reader_num_rows(const qb_pq_reader *r) { return r->meta.num_rows; }
size_t qb_pq_reader_num_row_groups(const qb_pq_reader *r) { return r->meta.n_row_groups; }
int32_t qb_pq_reader_format_version(const qb_pq_reader *r) { return r->meta.version; }
const char *qb_pq_reader_created_by(const qb_pq_reader *r) { return r->meta.has_created_by ? r->meta.created_by : NULL; }
uint32_t qb_pq_reader_footer_size(const qb_pq_reader *r) { return r->footer_len; }
size_t qb_pq_reader_num_kv(const qb_pq_reader *r) { return r->meta.n_key_value_metadata; }

void qb_pq_reader_kv(const qb_pq_reader *r, size_t i, const char **key, const char **value, size_t *value_len)
{
  const qb_pq_key_value *kv = &r->meta.key_value_metadata[i];
  *key = kv->key;
  *value = kv->has_value ? kv->value : NULL;
  if (value_len) *value_len = kv->has_value ? kv->value_len : 0;
}

size_t qb_pq_reader_num_fields(const qb_pq_reader *r) { return r->n_top; }
const qb_pq_field *qb_pq_reader_field(const qb_pq_reader *r, size_t i) { return i < r->n_top ? &r->top[i]->pub : NULL; }

const qb_pq_field *qb_pq_reader_column_field(const qb_pq_reader *r, size_t i)
{
  return i < r->n_leaves ? &r->leaf[i]->pub : NULL;
}

const qb_pq_field *qb_pq_reader_field_by_id(const qb_pq_reader *r, int32_t field_id)
{
  const qb_pq_rfield *f = qb_pq__fields_find_id(r->top, r->n_top, field_id);
  return f ? &f->pub : NULL;
}

int qb_pq_reader_row_group(qb_pq_row_group_info *out, const qb_pq_reader *r, size_t i, qb_err *err)
{
  if (i >= r->meta.n_row_groups)
    return QB_FAIL(err, QB_EINVAL, "%s: row group %zu of %u", r->path, i, r->meta.n_row_groups);
  const qb_pq_row_group *g = &r->meta.row_groups[i];
  out->num_rows = g->num_rows;
  out->total_byte_size = g->total_byte_size;
  out->total_compressed_size = g->has_total_compressed_size ? g->total_compressed_size : -1;
  out->file_offset = g->has_file_offset ? g->file_offset : -1;
  out->ordinal = g->has_ordinal ? g->ordinal : -1;
  out->n_sorting_columns = g->n_sorting_columns;
  return QB_OK;
}

int qb_pq_reader_chunk(qb_pq_chunk_info *out, const qb_pq_reader *r, size_t rg, size_t column, qb_err *err)
{
  if (rg >= r->meta.n_row_groups || column >= r->n_leaves)
    return QB_FAIL(err, QB_EINVAL, "%s: no column chunk (%zu, %zu)", r->path, rg, column);
  const qb_pq_column_chunk *cc = &r->meta.row_groups[rg].columns[column];
  const qb_pq_column_meta *m = &cc->meta_data;
  memset(out, 0, sizeof *out);
  out->column = column;
  out->path = qb_pq_node_path(qb_pq_schema_column(r->schema, column));
  out->type = m->type;
  out->codec = m->codec;
  out->encodings = m->encodings;
  out->n_encodings = m->n_encodings;
  out->num_values = m->num_values;
  out->total_compressed_size = m->total_compressed_size;
  out->total_uncompressed_size = m->total_uncompressed_size;
  out->data_page_offset = m->data_page_offset;
  out->has_dictionary_page_offset = m->has_dictionary_page_offset;
  out->dictionary_page_offset = m->dictionary_page_offset;
  out->file_offset = cc->file_offset;
  out->has_bloom_filter = m->has_bloom_filter_offset;
  out->bloom_filter_offset = m->bloom_filter_offset;
  out->bloom_filter_length = m->has_bloom_filter_length ? m->bloom_filter_length : -1;
  out->has_column_index = cc->has_column_index_offset;
  out->has_offset_index = cc->has_offset_index_offset;
  out->has_stats = m->has_statistics;
  if (m->has_statistics) qb_pq__stats_decode(&out->stats, r, rg, column);
  return QB_OK;
}
