/* SPDX-License-Identifier: Apache-2.0 */
/* Parquet compression codecs (Compression.md). */
#include "formats/parquet/codec.h"

int qb_pq_decompress(qb_pq_codec codec, uint8_t *dst, size_t dst_len, const uint8_t *src, size_t src_len, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_compress(qb_buf *out, qb_pq_codec codec, int level, const uint8_t *src, size_t n, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

uint32_t qb_pq_crc32(uint32_t crc, const void *p, size_t n)
{
  return 0;
}
