/* SPDX-License-Identifier: Apache-2.0 */
/* Aggregates of pq_gen's "flat" table, computed by the writer side (pq_gen) and by the reader side
 * (pq_flat_check) and printed identically, so a 10 M-row round trip is checked without dumping rows. */
#ifndef QB_TESTS_TOOLS_FLAT_AGG_H
#define QB_TESTS_TOOLS_FLAT_AGG_H

#include <inttypes.h>
#include <stdio.h>

typedef struct flat_agg {
  uint64_t rows, n_v, n_s, n_d, n_ts, n_flag, n_true;
  int64_t sum_id, sum_d, sum_n, sum_ts_s;
  double sum_v; /* values are multiples of 0.25 below 2^53 in total: exact in any order */
  uint64_t sum_len_s;
} flat_agg;

static inline void flat_agg_print(FILE *f, const flat_agg *a)
{
  fprintf(f,
          "{\"rows\":%" PRIu64 ",\"sum_id\":\"%" PRId64 "\",\"n_v\":%" PRIu64 ",\"sum_v\":%.17g,\"n_s\":%" PRIu64
          ",\"sum_len_s\":%" PRIu64 ",\"n_d\":%" PRIu64 ",\"sum_d\":\"%" PRId64 "\",\"n_ts\":%" PRIu64
          ",\"sum_ts_s\":\"%" PRId64 "\",\"n_flag\":%" PRIu64 ",\"n_true\":%" PRIu64 ",\"sum_n\":\"%" PRId64 "\"}\n",
          a->rows, a->sum_id, a->n_v, a->sum_v, a->n_s, a->sum_len_s, a->n_d, a->sum_d, a->n_ts, a->sum_ts_s, a->n_flag,
          a->n_true, a->sum_n);
}

#endif
