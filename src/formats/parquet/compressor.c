/* SPDX-License-Identifier: Apache-2.0 */
/* Stateful page compressor for the writer (see compressor.h). */
#include "formats/parquet/compressor.h"

#include <zstd.h>

#include "formats/parquet/codec.h"

void qb_pq_compressor_init(qb_pq_compressor *c, qb_pq_codec codec, int level)
{
  c->codec = codec;
  c->level = level;
  c->zctx = NULL;
}

void qb_pq_compressor_free(qb_pq_compressor *c)
{
  if (!c) return;
  ZSTD_freeCCtx(c->zctx);
  c->zctx = NULL;
}

int qb_pq_compressor_run(qb_pq_compressor *c, qb_buf *out, const uint8_t *src, size_t n, qb_err *err)
{
  if (c->codec != QB_PQ_ZSTD) return qb_pq_compress(out, c->codec, c->level, src, n, err);
  int rc;
  if (!c->zctx && !(c->zctx = ZSTD_createCCtx())) return QB_FAIL(err, QB_ENOMEM, "zstd: cannot create a context");
  size_t cap = ZSTD_compressBound(n);
  if ((rc = qb_buf_reserve(out, cap, err)) != QB_OK) return rc;
  size_t got = ZSTD_compressCCtx(c->zctx, out->p + out->n, cap, src, n, c->level ? c->level : QB_PQ_ZSTD_DEFAULT_LEVEL);
  if (ZSTD_isError(got)) return QB_FAIL(err, QB_EINTERNAL, "zstd: %s", ZSTD_getErrorName(got));
  out->n += got;
  return QB_OK;
}
