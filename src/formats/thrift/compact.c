/* SPDX-License-Identifier: Apache-2.0 */
/* Thrift compact protocol reader and writer (thrift-compact-protocol.md). */
#include "formats/thrift/compact.h"

void qb_tc_reader_init(qb_tc_reader *r, const void *p, size_t n, size_t base_offset)
{
}

int qb_tc_read_struct_begin(qb_tc_reader *r, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_tc_read_struct_end(qb_tc_reader *r, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_tc_read_field(int16_t *out_id, uint8_t *out_type, qb_tc_reader *r, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_tc_read_varint(uint64_t *out, qb_tc_reader *r, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_tc_read_i8(int8_t *out, qb_tc_reader *r, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_tc_read_i16(int16_t *out, qb_tc_reader *r, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_tc_read_i32(int32_t *out, qb_tc_reader *r, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_tc_read_i64(int64_t *out, qb_tc_reader *r, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_tc_read_double(double *out, qb_tc_reader *r, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_tc_read_bool(bool *out, qb_tc_reader *r, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_tc_read_binary(qb_slice *out, qb_tc_reader *r, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_tc_read_string(char **out, size_t *out_len, qb_tc_reader *r, qb_arena *a, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_tc_read_uuid(uint8_t out[16], qb_tc_reader *r, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_tc_read_list_begin(uint8_t *out_elem_type, uint32_t *out_size, qb_tc_reader *r, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_tc_read_map_begin(uint8_t *out_key_type, uint8_t *out_val_type, uint32_t *out_size, qb_tc_reader *r, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_tc_skip(qb_tc_reader *r, uint8_t type, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

void qb_tc_writer_init(qb_tc_writer *w, qb_buf *b)
{
}

int qb_tc_write_struct_begin(qb_tc_writer *w, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_tc_write_struct_end(qb_tc_writer *w, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_tc_write_field_begin(qb_tc_writer *w, uint8_t type, int16_t id, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_tc_write_field_bool(qb_tc_writer *w, int16_t id, bool v, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_tc_write_field_i8(qb_tc_writer *w, int16_t id, int8_t v, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_tc_write_field_i16(qb_tc_writer *w, int16_t id, int16_t v, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_tc_write_field_i32(qb_tc_writer *w, int16_t id, int32_t v, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_tc_write_field_i64(qb_tc_writer *w, int16_t id, int64_t v, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_tc_write_field_double(qb_tc_writer *w, int16_t id, double v, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_tc_write_field_binary(qb_tc_writer *w, int16_t id, const void *p, size_t n, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_tc_write_field_string(qb_tc_writer *w, int16_t id, const char *s, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_tc_write_field_list(qb_tc_writer *w, int16_t id, uint8_t elem_type, uint32_t size, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_tc_write_varint(qb_tc_writer *w, uint64_t v, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_tc_write_i8(qb_tc_writer *w, int8_t v, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_tc_write_i16(qb_tc_writer *w, int16_t v, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_tc_write_i32(qb_tc_writer *w, int32_t v, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_tc_write_i64(qb_tc_writer *w, int64_t v, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_tc_write_double(qb_tc_writer *w, double v, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_tc_write_bool(qb_tc_writer *w, bool v, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_tc_write_binary(qb_tc_writer *w, const void *p, size_t n, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_tc_write_uuid(qb_tc_writer *w, const uint8_t v[16], qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_tc_write_list_begin(qb_tc_writer *w, uint8_t elem_type, uint32_t size, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_tc_write_map_begin(qb_tc_writer *w, uint8_t key_type, uint8_t val_type, uint32_t size, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}
