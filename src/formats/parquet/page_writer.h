/* SPDX-License-Identifier: Apache-2.0 */
/* Frames one page: compresses its body, computes the CRC, encodes the PageHeader and appends
 * header + page bytes (parquet.thrift PageHeader; formats.md §2.3 "PageHeader", "DataPageHeaderV2"). */
#ifndef QB_FORMATS_PARQUET_PAGE_WRITER_H
#define QB_FORMATS_PARQUET_PAGE_WRITER_H

#include "formats/parquet/compressor.h"
#include "formats/parquet/meta.h"
#include "qberg/parquet.h"
#include "util/buf.h"

/**
 * Append one page to `out`.
 * @param h         the header with its type and type-specific part filled; sizes and crc are set here
 * @param raw       bytes stored uncompressed in front of the body (data page v2 levels), may be NULL
 * @param body      the bytes to compress (v1: levels + values; v2: values; dictionary: values)
 * @param compress  false stores the body as is (v2 `is_compressed` false); true compresses it when the
 *                  chunk's codec (fixed by its first page, see qb_pq_chunk_codec) is not UNCOMPRESSED.
 *                  A v2 data page's `is_compressed` is set here to what was done.
 * @param cc        the column's chunk codec (holds the writer's compressor)
 * @param crc       store a CRC-32 in the header
 * @param scratch   reused buffer for the compressed body
 * @param out_bytes OUT: bytes appended (header included) and, in out_uncompressed, the same count with
 *                  the body uncompressed (ColumnMetaData totals include headers)
 * @return QB_OK, QB_ENOMEM/QB_ELIMIT, QB_EINVAL (a page above 2 GiB), codec errors
 */
int qb_pq_page_write(qb_buf *out, qb_pq_page_header *h, const uint8_t *raw, size_t raw_n, const uint8_t *body,
                     size_t body_n, bool compress, qb_pq_chunk_codec *cc, bool crc, qb_buf *scratch,
                     int64_t *out_bytes, int64_t *out_uncompressed, qb_err *err);

#endif
