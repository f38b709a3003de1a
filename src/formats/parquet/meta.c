/* SPDX-License-Identifier: Apache-2.0 */
/* Parquet metadata Thrift decoding/encoding (parquet.thrift). */
#include "formats/parquet/meta.h"

int qb_pq_tail_parse(uint32_t *out_footer_len, const uint8_t tail[QB_PQ_TAIL_BYTES], uint64_t file_size, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_file_meta_decode(qb_pq_file_meta *out, const uint8_t *p, size_t n, uint64_t base_offset, qb_arena *a, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_file_meta_encode(qb_buf *out, const qb_pq_file_meta *m, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_page_header_decode(qb_pq_page_header *out, size_t *out_len, const uint8_t *p, size_t n, uint64_t base_offset, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_page_header_encode(qb_buf *out, const qb_pq_page_header *h, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int64_t qb_pq_column_meta_start(const qb_pq_column_meta *m)
{
  return 0;
}

int qb_pq_statistics_read(qb_pq_statistics *out, qb_tc_reader *r, qb_arena *a , qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_statistics_write(qb_tc_writer *w, const qb_pq_statistics *s, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_key_value_read(qb_pq_key_value *out, qb_tc_reader *r, qb_arena *a, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_key_value_write(qb_tc_writer *w, const qb_pq_key_value *kv, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_logical_type_read(qb_pq_logical_type *out, qb_tc_reader *r, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_logical_type_write(qb_tc_writer *w, const qb_pq_logical_type *lt, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_schema_element_read(qb_pq_schema_element *out, qb_tc_reader *r, qb_arena *a, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_schema_element_write(qb_tc_writer *w, const qb_pq_schema_element *e, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_column_order_read(qb_pq_column_order *out, qb_tc_reader *r, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_column_order_write(qb_tc_writer *w, qb_pq_column_order o, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_page_encoding_stats_read(qb_pq_page_encoding_stats *out, qb_tc_reader *r, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_page_encoding_stats_write(qb_tc_writer *w, const qb_pq_page_encoding_stats *s, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_column_meta_read(qb_pq_column_meta *out, qb_tc_reader *r, qb_arena *a, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_column_meta_write(qb_tc_writer *w, const qb_pq_column_meta *m, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_column_chunk_read(qb_pq_column_chunk *out, qb_tc_reader *r, qb_arena *a, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_column_chunk_write(qb_tc_writer *w, const qb_pq_column_chunk *c, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_row_group_read(qb_pq_row_group *out, qb_tc_reader *r, qb_arena *a, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_row_group_write(qb_tc_writer *w, const qb_pq_row_group *g, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_file_meta_read(qb_pq_file_meta *out, qb_tc_reader *r, qb_arena *a, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_file_meta_write(qb_tc_writer *w, const qb_pq_file_meta *m, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_page_header_read(qb_pq_page_header *out, qb_tc_reader *r, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_page_header_write(qb_tc_writer *w, const qb_pq_page_header *h, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}
