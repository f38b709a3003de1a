/* SPDX-License-Identifier: Apache-2.0 */
/* Reads a file of pq_gen's "flat" table with the qberg reader (columnar batches) and prints the same
 * aggregates pq_gen computed while writing it (flat_agg.h), plus this process's peak RSS on stderr.
 *   pq_flat_check FILE.parquet */
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "flat_agg.h"
#include "qberg/qberg.h"
#include "qberg/parquet.h"

static void die(const char *what, const qb_err *e)
{
  fprintf(stderr, "pq_flat_check: %s: %s\n", what, e ? e->msg : "");
  exit(1);
}

int main(int argc, char **argv)
{
  if (argc != 2) {
    fprintf(stderr, "usage: pq_flat_check FILE.parquet\n");
    return 2;
  }
  qb_err e = QB_ERR_INIT;
  qb_fileio *io = NULL;
  qb_pq_reader *r = NULL;
  qb_pq_scan *sc = NULL;
  if (qb_fileio_local_new(&io, &e) || qb_pq_reader_open_path(&r, io, argv[1], NULL, &e) ||
      qb_pq_scan_new(&sc, r, NULL, &e))
    die("open", &e);
  flat_agg a;
  memset(&a, 0, sizeof a);
  for (;;) {
    qb_pq_batch b;
    if (qb_pq_scan_next_batch(&b, sc, 65536, &e)) die("read", &e);
    if (!b.n_rows) break;
    if (b.n_columns != 7) die("not the flat table", NULL);
    const qb_pq_batch_column *c = b.columns;
#define NUL(k, i) (c[k].nulls && c[k].nulls[i])
    for (size_t i = 0; i < b.n_rows; i++) {
      a.sum_id += ((const int64_t *)c[0].values)[i];
      if (!NUL(1, i)) a.n_v++, a.sum_v += ((const double *)c[1].values)[i];
      if (!NUL(2, i)) a.n_s++, a.sum_len_s += ((const qb_slice *)c[2].values)[i].n;
      if (!NUL(3, i)) a.n_d++, a.sum_d += ((const int32_t *)c[3].values)[i];
      if (!NUL(4, i)) a.n_ts++, a.sum_ts_s += ((const int64_t *)c[4].values)[i] / 1000000 - 1600000000;
      if (!NUL(5, i)) a.n_flag++, a.n_true += ((const uint8_t *)c[5].values)[i];
      a.sum_n += ((const int32_t *)c[6].values)[i];
    }
    a.rows += b.n_rows;
  }
  flat_agg_print(stdout, &a);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  fprintf(stderr, "max_rss_kb %ld\n", ru.ru_maxrss);
  qb_pq_scan_free(sc);
  qb_pq_reader_close(r);
  qb_fileio_free(io);
  return 0;
}
