/* SPDX-License-Identifier: Apache-2.0 */
/* Page framing for the writer (see page_writer.h). */
#include "formats/parquet/page_writer.h"

#include <stdint.h>

#include "formats/parquet/codec.h"

int qb_pq_page_write(qb_buf *out, qb_pq_page_header *h, const uint8_t *raw, size_t raw_n, const uint8_t *body,
                     size_t body_n, bool compress, qb_pq_chunk_codec *cc, bool crc, qb_buf *scratch,
                     int64_t *out_bytes, int64_t *out_uncompressed, qb_err *err)
{
  int rc;
  const uint8_t *stored = body;
  size_t stored_n = body_n;
  /* the first page fixes the chunk's codec, whether or not this page is compressed */
  compress = qb_pq_chunk_codec_compresses(cc, raw_n + body_n) && compress;
  if (h->type == QB_PQ_PAGE_DATA_V2) h->data_page_header_v2.is_compressed = compress;
  if (compress) {
    qb_buf_reset(scratch);
    /* PLAIN values by type (codec.h): strings (data pages, and dictionary pages, whose values are PLAIN
     * too) one row match each; floating point without Huffman-coded literals */
    bool plain = h->type == QB_PQ_PAGE_DICTIONARY ||
                 (h->type == QB_PQ_PAGE_DATA && h->data_page_header.encoding == QB_PQ_PLAIN) ||
                 (h->type == QB_PQ_PAGE_DATA_V2 && h->data_page_header_v2.encoding == QB_PQ_PLAIN);
    bool searched = false;
    if (plain && cc->type == QB_PQ_BYTE_ARRAY) rc = qb_pq_compressor_run_rows(cc->z, scratch, body, body_n, err);
    else if (plain && (cc->type == QB_PQ_DOUBLE || cc->type == QB_PQ_FLOAT))
      rc = qb_pq_compressor_run_floats(cc->z, scratch, body, body_n, err);
    else {
      searched = true;
      rc = qb_pq_compressor_run(cc->z, scratch, body, body_n, err);
    }
    if (rc != QB_OK) return rc;
    stored = scratch->p;
    stored_n = scratch->n;
    qb_pq_chunk_codec_count(cc, body_n, stored_n, searched);
  }
  if (raw_n + body_n > INT32_MAX || raw_n + stored_n > INT32_MAX)
    return QB_FAIL(err, QB_EINVAL, "page of %zu bytes exceeds the 2 GiB page limit", raw_n + body_n);
  h->uncompressed_page_size = (int32_t)(raw_n + body_n);
  h->compressed_page_size = (int32_t)(raw_n + stored_n);
  h->has_crc = crc;
  if (crc) {
    /* parquet.thrift: the CRC covers the page bytes after the header, as stored (compressed). Empty
     * parts are skipped: zlib's crc32() returns its initial value for a NULL buffer. */
    uint32_t sum = 0;
    if (raw_n) sum = qb_pq_crc32(sum, raw, raw_n);
    if (stored_n) sum = qb_pq_crc32(sum, stored, stored_n);
    h->crc = sum;
  }
  size_t at = out->n;
  if ((rc = qb_pq_page_header_encode(out, h, err)) != QB_OK) return rc;
  size_t header_n = out->n - at;
  if (raw_n && (rc = qb_buf_append(out, raw, raw_n, err)) != QB_OK) return rc;
  if (stored_n && (rc = qb_buf_append(out, stored, stored_n, err)) != QB_OK) return rc;
  *out_bytes = (int64_t)(header_n + raw_n + stored_n);
  *out_uncompressed = (int64_t)(header_n + raw_n + body_n);
  return QB_OK;
}
