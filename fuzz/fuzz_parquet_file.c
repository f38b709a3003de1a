/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: a whole Parquet file from memory: footer, metadata getters (statistics), a scan with a
 * statistics predicate, every row (up to a cap) with the row API, then the batch API. Limits are small so a
 * hostile header cannot ask for gigabytes. */
#include <stdint.h>
#include <string.h>

#include "qberg/parquet.h"

#define MAX_ROWS 20000

static void read_rows(qb_pq_reader *r, const qb_pq_scan_options *so)
{
  qb_err err = QB_ERR_INIT;
  qb_pq_scan *s;
  if (qb_pq_scan_new(&s, r, so, &err)) return;
  const qb_value *row;
  for (int i = 0; i < MAX_ROWS && !qb_pq_scan_next(&row, s, &err) && row; i++) continue;
  qb_pq_scan_free(s);
}

static void read_batches(qb_pq_reader *r)
{
  qb_err err = QB_ERR_INIT;
  qb_pq_scan *s;
  if (qb_pq_scan_new(&s, r, NULL, &err)) return;
  qb_pq_batch b;
  size_t rows = 0;
  while (rows < MAX_ROWS && !qb_pq_scan_next_batch(&b, s, 1000, &err) && b.n_rows) rows += b.n_rows;
  qb_pq_scan_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  qb_err err = QB_ERR_INIT;
  qb_file *f;
  qb_pq_reader *r;
  if (qb_file_from_memory(&f, data, size, "fuzz.parquet", &err)) return 0;
  qb_pq_read_options o = QB_PQ_READ_OPTIONS_INIT;
  o.max_footer_bytes = 1 << 20;
  o.max_chunk_bytes = 4 << 20;
  o.max_page_bytes = 4 << 20;
  if (qb_pq_reader_open(&r, f, &o, &err)) {
    qb_file_close(f);
    return 0;
  }
  /* metadata and statistics of every chunk; a predicate on the first usable min value */
  qb_pq_predicate pred;
  bool have_pred = false;
  size_t ncols = qb_pq_schema_n_columns(qb_pq_reader_schema(r));
  for (size_t g = 0; g < qb_pq_reader_num_row_groups(r); g++) {
    qb_pq_row_group_info rg;
    if (qb_pq_reader_row_group(&rg, r, g, &err)) break;
    for (size_t c = 0; c < ncols; c++) {
      qb_pq_chunk_info ci;
      if (qb_pq_reader_chunk(&ci, r, g, c, &err)) break;
      const qb_pq_field *leaf = qb_pq_reader_column_field(r, c);
      if (!have_pred && ci.has_stats && ci.stats.has_min && qb_pq_node_max_rep(leaf->node) == 0) {
        memset(&pred, 0, sizeof pred);
        pred.column = leaf->path;
        pred.op = (qb_pq_op)(g % 5);
        pred.value = ci.stats.min;
        have_pred = true;
      }
    }
  }
  qb_pq_scan_options so = QB_PQ_SCAN_OPTIONS_INIT;
  if (have_pred) {
    so.predicates = &pred;
    so.n_predicates = 1;
  }
  read_rows(r, &so);
  read_batches(r);
  qb_pq_reader_close(r);
  qb_file_close(f);
  return 0;
}
