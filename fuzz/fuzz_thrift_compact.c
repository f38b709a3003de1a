/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the Thrift compact reader (generic skip) and PageHeader decode; a decoded header must
 * re-encode to bytes that decode to the same encoding again (idempotent round trip). */
#include <stdint.h>
#include <string.h>

#include "formats/parquet/meta.h"
#include "formats/thrift/compact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  qb_err err = QB_ERR_INIT;
  qb_tc_reader r;
  qb_tc_reader_init(&r, data, size, 0);
  if (qb_tc_skip(&r, QB_TC_STRUCT, &err) == QB_OK && (r.pos > size || r.depth != 0)) __builtin_trap();
  qb_tc_reader_init(&r, data, size, 0);
  (void)qb_tc_skip(&r, QB_TC_LIST, &err);

  qb_pq_page_header h, h2;
  size_t hl;
  if (qb_pq_page_header_decode(&h, &hl, data, size, 0, &err) != QB_OK) return 0;
  if (hl == 0 || hl > size) __builtin_trap();
  qb_buf b1, b2;
  qb_buf_init(&b1, 1 << 20);
  qb_buf_init(&b2, 1 << 20);
  if (qb_pq_page_header_encode(&b1, &h, &err) == QB_OK) {
    size_t hl2;
    if (qb_pq_page_header_decode(&h2, &hl2, b1.p, b1.n, 0, &err) != QB_OK || hl2 != b1.n) __builtin_trap();
    if (qb_pq_page_header_encode(&b2, &h2, &err) != QB_OK) __builtin_trap();
    if (b1.n != b2.n || memcmp(b1.p, b2.p, b1.n) != 0) __builtin_trap();
  }
  qb_buf_free(&b1);
  qb_buf_free(&b2);
  return 0;
}
