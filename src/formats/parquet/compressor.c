/* SPDX-License-Identifier: Apache-2.0 */
/* Stateful page compressor and per-chunk codec choice for the writer (see compressor.h). */
#include "formats/parquet/compressor.h"

#include "formats/parquet/codec.h"

void qb_pq_compressor_init(qb_pq_compressor *c, qb_pq_codec codec, int level)
{
  c->codec = codec;
  c->level = level;
  c->zctx = NULL;
  qb_buf_init(&c->seqs, QB_BUF_NOLIMIT);
}

void qb_pq_compressor_free(qb_pq_compressor *c)
{
  if (!c) return;
  qb_pq_zstd_free(c->zctx);
  c->zctx = NULL;
  qb_buf_free(&c->seqs);
}

int qb_pq_compressor_run(qb_pq_compressor *c, qb_buf *out, const uint8_t *src, size_t n, qb_err *err)
{
  if (c->codec != QB_PQ_ZSTD) return qb_pq_compress(out, c->codec, c->level, src, n, err);
  return qb_pq_zstd_compress(&c->zctx, out, c->level, src, n, err);
}

int qb_pq_compressor_run_rows(qb_pq_compressor *c, qb_buf *out, const uint8_t *src, size_t n, qb_err *err)
{
  if (c->codec != QB_PQ_ZSTD || c->level != QB_PQ_LEVEL_DEFAULT) return qb_pq_compressor_run(c, out, src, n, err);
  return qb_pq_zstd_compress_rows(&c->zctx, &c->seqs, out, src, n, err);
}

int qb_pq_compressor_run_floats(qb_pq_compressor *c, qb_buf *out, const uint8_t *src, size_t n, qb_err *err)
{
  if (c->codec != QB_PQ_ZSTD || c->level != QB_PQ_LEVEL_DEFAULT) return qb_pq_compressor_run(c, out, src, n, err);
  return qb_pq_zstd_compress_floats(&c->zctx, out, src, n, err);
}

/* ---- per-chunk codec -------------------------------------------------------------------------------------- */

static void chunk_reset(qb_pq_chunk_codec *cc)
{
  cc->decided = cc->store = cc->closing = false;
  cc->extra = 0;
  cc->in = cc->out = cc->searched = 0;
}

void qb_pq_chunk_codec_init(qb_pq_chunk_codec *cc, qb_pq_compressor *z)
{
  cc->z = z;
  cc->skip = NULL;
  cc->type = QB_PQ_INT32;
  chunk_reset(cc);
}

void qb_pq_chunk_codec_type(qb_pq_chunk_codec *cc, qb_pq_type type)
{
  cc->type = type;
}

void qb_pq_chunk_codec_share(qb_pq_chunk_codec *cc, uint8_t *skip)
{
  cc->skip = skip;
}

void qb_pq_chunk_codec_closing(qb_pq_chunk_codec *cc, size_t dict_bytes)
{
  cc->closing = true;
  cc->extra = dict_bytes;
}

bool qb_pq_chunk_codec_compresses(qb_pq_chunk_codec *cc, size_t n)
{
  if (!cc->decided) {
    cc->decided = true;
    if (cc->skip && cc->z->codec != QB_PQ_UNCOMPRESSED) {
      if (*cc->skip) {
        (*cc->skip)--;
        cc->store = true;
      } else if (cc->closing && n + cc->extra < QB_PQ_STORE_TINY_BYTES) {
        cc->store = true;
      }
    }
  }
  return !cc->store && cc->z->codec != QB_PQ_UNCOMPRESSED;
}

void qb_pq_chunk_codec_count(qb_pq_chunk_codec *cc, size_t in, size_t out, bool searched)
{
  cc->in += in;
  cc->out += out;
  if (searched) cc->searched += in;
}

/* How many of the column's next chunks to store after this compressed chunk (compressor.h): it must save
 * 1/QB_PQ_PROBE_MIN_GAIN of its bytes, and at the default zstd level 1/QB_PQ_PROBE_MIN_GAIN_SEARCH of those
 * zstd's search compressed. */
static uint8_t chunk_store_next(const qb_pq_chunk_codec *cc)
{
  if (cc->in < QB_PQ_PROBE_MIN_BYTES) return 0;
  uint64_t saved = cc->in - (cc->out < cc->in ? cc->out : cc->in);
  if (saved < cc->in / QB_PQ_PROBE_MIN_GAIN) return QB_PQ_STORE_CHUNKS;
  if (cc->z->codec != QB_PQ_ZSTD || cc->z->level != QB_PQ_LEVEL_DEFAULT) return 0;
  if (saved < (cc->in - cc->searched) / QB_PQ_PROBE_MIN_GAIN + cc->searched / QB_PQ_PROBE_MIN_GAIN_SEARCH)
    return QB_PQ_STORE_CHUNKS_SEARCH;
  return 0;
}

qb_pq_codec qb_pq_chunk_codec_end(qb_pq_chunk_codec *cc)
{
  qb_pq_codec codec = cc->store ? QB_PQ_UNCOMPRESSED : cc->z->codec;
  uint8_t next = cc->skip && !cc->store ? chunk_store_next(cc) : 0;
  if (next) *cc->skip = next;
  chunk_reset(cc);
  return codec;
}
