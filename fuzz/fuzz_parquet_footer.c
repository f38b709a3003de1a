/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: FileMetaData decoding (the bytes before "len PAR1"), schema tree building and flattening,
 * and the encode → decode → encode round trip. Allocation must stay proportional to the input. */
#include <stdint.h>
#include <string.h>

#include "formats/parquet/meta.h"
#include "formats/parquet/schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  qb_err err = QB_ERR_INIT;
  qb_arena a;
  qb_arena_init(&a, 0);
  qb_pq_file_meta m;
  int rc = qb_pq_file_meta_decode(&m, data, size, 0, &a, &err);
  /* Every element of every list costs at least one input byte; each decoded element is < 512 bytes. */
  if (a.total_bytes > 512 * size + 4096) __builtin_trap();
  if (rc == QB_OK) {
    qb_pq_schema *s = NULL;
    if (qb_pq_schema_from_elements(&s, m.schema, m.n_schema, &err) == QB_OK) {
      qb_pq_schema_element *els;
      size_t n;
      if (qb_pq_schema_to_elements(&els, &n, s, &a, &err) != QB_OK || n != m.n_schema) __builtin_trap();
      for (size_t i = 0; i < qb_pq_schema_n_columns(s); i++) {
        const qb_pq_column *c = qb_pq_schema_column_info(s, i);
        if (!c || c->max_def < c->max_rep || c->path_len == 0) __builtin_trap();
      }
      qb_pq_schema_free(s);
    }
    qb_buf b1, b2;
    qb_buf_init(&b1, 64u << 20);
    qb_buf_init(&b2, 64u << 20);
    qb_pq_file_meta m2;
    if (qb_pq_file_meta_encode(&b1, &m, &err) == QB_OK) {
      if (qb_pq_file_meta_decode(&m2, b1.p, b1.n, 0, &a, &err) != QB_OK) __builtin_trap();
      if (qb_pq_file_meta_encode(&b2, &m2, &err) != QB_OK) __builtin_trap();
      if (b1.n != b2.n || memcmp(b1.p, b2.p, b1.n) != 0) __builtin_trap();
    }
    qb_buf_free(&b1);
    qb_buf_free(&b2);
  }
  qb_arena_release(&a);
  return 0;
}
