/* SPDX-License-Identifier: Apache-2.0 */
/* Parquet encodings (Encodings.md). */
#include "formats/parquet/encodings.h"

int qb_pq_bit_width(uint64_t max_value)
{
  return QB_FAIL(NULL, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_rle_decoder_init(qb_pq_rle_decoder *d, const uint8_t *p, size_t n, int bit_width, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_rle_decode(uint32_t *out, size_t count, qb_pq_rle_decoder *d, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

size_t qb_pq_rle_decoder_consumed(const qb_pq_rle_decoder *d)
{
  return 0;
}

void qb_pq_rle_encoder_init(qb_pq_rle_encoder *e, qb_buf *out, int bit_width)
{
}

int qb_pq_rle_encoder_put(qb_pq_rle_encoder *e, uint32_t v, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_rle_encoder_finish(qb_pq_rle_encoder *e, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_rle_encode(qb_buf *out, const uint32_t *v, size_t n, int bit_width, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_levels_decode(int16_t *out, size_t count, int max_level, qb_pq_encoding enc, bool len_prefixed, const uint8_t *p, size_t n, size_t *out_consumed, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_levels_encode(qb_buf *out, const int16_t *levels, size_t n, int max_level, bool len_prefixed, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_dbp_decoder_init(qb_pq_dbp_decoder *d, const uint8_t *p, size_t n, bool is_int32, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

uint64_t qb_pq_dbp_total(const qb_pq_dbp_decoder *d)
{
  return 0;
}

int qb_pq_dbp_decode_i64(int64_t *out, size_t count, qb_pq_dbp_decoder *d, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_dbp_decode_i32(int32_t *out, size_t count, qb_pq_dbp_decoder *d, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_dbp_skip_all(const uint8_t **out_end, qb_pq_dbp_decoder *d, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_dbp_encode_i32(qb_buf *out, const int32_t *v, size_t n, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_dbp_encode_i64(qb_buf *out, const int64_t *v, size_t n, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_plain_encode_bool(qb_buf *out, const uint8_t *v, size_t n, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_plain_encode_i32(qb_buf *out, const int32_t *v, size_t n, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_plain_encode_i64(qb_buf *out, const int64_t *v, size_t n, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_plain_encode_float(qb_buf *out, const float *v, size_t n, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_plain_encode_double(qb_buf *out, const double *v, size_t n, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_plain_encode_bytes(qb_buf *out, const qb_slice *v, size_t n, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_plain_encode_fixed(qb_buf *out, const qb_slice *v, size_t n, size_t width, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_dlba_encode(qb_buf *out, const qb_slice *v, size_t n, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_dba_encode(qb_buf *out, const qb_slice *v, size_t n, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_bss_encode(qb_buf *out, const void *values, size_t n, size_t width, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

void qb_pq_decoder_init(qb_pq_decoder *d)
{
}

int qb_pq_decoder_reset(qb_pq_decoder *d, qb_pq_type type, int32_t type_length, qb_pq_encoding enc, const uint8_t *p, size_t n, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

void qb_pq_decoder_release(qb_pq_decoder *d)
{
}

int qb_pq_decoder_read_bool(uint8_t *out, size_t count, qb_pq_decoder *d, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_decoder_read_i32(int32_t *out, size_t count, qb_pq_decoder *d, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_decoder_read_i64(int64_t *out, size_t count, qb_pq_decoder *d, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_decoder_read_float(float *out, size_t count, qb_pq_decoder *d, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_decoder_read_double(double *out, size_t count, qb_pq_decoder *d, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_decoder_read_bytes(qb_slice *out, size_t count, qb_pq_decoder *d, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_decoder_read_indices(uint32_t *out, size_t count, uint32_t dict_size, qb_pq_decoder *d, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}
