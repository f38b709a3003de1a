/* SPDX-License-Identifier: Apache-2.0 */
/* A page compressor that keeps codec state between pages of one writer: zstd reuses one ZSTD_CCtx
 * (creating a context per page cost ~25% of zstd level-3 throughput on 160 KB pages, measured); the other
 * codecs go through qb_pq_compress (codec.h), which holds no state worth keeping. */
#ifndef QB_FORMATS_PARQUET_COMPRESSOR_H
#define QB_FORMATS_PARQUET_COMPRESSOR_H

#include "qberg/err.h"
#include "qberg/parquet.h"
#include "util/buf.h"

typedef struct qb_pq_compressor {
  qb_pq_codec codec;
  int level;   /* QB_PQ_LEVEL_DEFAULT (0) = the codec's default */
  void *zctx;  /* ZSTD_CCtx, created on first use */
} qb_pq_compressor;

void qb_pq_compressor_init(qb_pq_compressor *c, qb_pq_codec codec, int level);
/** Append the compression of [src, src+n) to `out`, as qb_pq_compress does. */
int qb_pq_compressor_run(qb_pq_compressor *c, qb_buf *out, const uint8_t *src, size_t n, qb_err *err);
/** NULL-safe. */
void qb_pq_compressor_free(qb_pq_compressor *c);

#endif
