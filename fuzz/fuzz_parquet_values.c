/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the page value decoder and level decoder on hostile bytes. Input: [type][encoding][count]
 * [flba width][bytes...]; every supported (type, encoding) pair and both level forms are reachable. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "formats/parquet/encodings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 4) return 0;
  qb_pq_type type = (qb_pq_type)(data[0] % 8);
  qb_pq_encoding enc = (qb_pq_encoding)(data[1] % 10);
  size_t count = data[2] * 4u + 1;
  int32_t flba = data[3] % 20 + 1;
  const uint8_t *p = data + 4;
  size_t n = size - 4;
  qb_err err = QB_ERR_INIT;

  int16_t levels[1021];
  size_t used;
  (void)qb_pq_levels_decode(levels, count, data[3] % 9, QB_PQ_RLE, data[0] & 8, p, n, &used, &err);
  if (used > n) __builtin_trap();
  (void)qb_pq_levels_decode(levels, count, data[3] % 9, QB_PQ_BIT_PACKED, false, p, n, &used, &err);

  qb_pq_decoder d;
  qb_pq_decoder_init(&d);
  d.max_scratch_bytes = 1 << 20;
  if (qb_pq_decoder_reset(&d, type, flba, enc, p, n, &err) == QB_OK) {
    union {
      uint8_t b[1021];
      int32_t i32[1021];
      int64_t i64[1021];
      float f[1021];
      double dbl[1021];
      uint32_t idx[1021];
      qb_slice s[1021];
    } out;
    int rc = QB_OK;
    for (size_t done = 0; done < count && rc == QB_OK; done += 97) {
      size_t k = count - done < 97 ? count - done : 97;
      if (enc == QB_PQ_PLAIN_DICTIONARY || enc == QB_PQ_RLE_DICTIONARY) {
        rc = qb_pq_decoder_read_indices(out.idx, k, 1000, &d, &err);
        continue;
      }
      switch (type) {
        case QB_PQ_BOOLEAN: rc = qb_pq_decoder_read_bool(out.b, k, &d, &err); break;
        case QB_PQ_INT32: rc = qb_pq_decoder_read_i32(out.i32, k, &d, &err); break;
        case QB_PQ_INT64: rc = qb_pq_decoder_read_i64(out.i64, k, &d, &err); break;
        case QB_PQ_FLOAT: rc = qb_pq_decoder_read_float(out.f, k, &d, &err); break;
        case QB_PQ_DOUBLE: rc = qb_pq_decoder_read_double(out.dbl, k, &d, &err); break;
        default:
          rc = qb_pq_decoder_read_bytes(out.s, k, &d, &err);
          /* slices stay inside the page or the scratch */
          for (size_t i = 0; rc == QB_OK && i < k; i++)
            if (out.s[i].n && out.s[i].p >= p && out.s[i].p < p + n && out.s[i].p + out.s[i].n > p + n) __builtin_trap();
          break;
      }
    }
  }
  qb_pq_decoder_release(&d);
  return 0;
}
