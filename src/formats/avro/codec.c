/* SPDX-License-Identifier: Apache-2.0 */
/* Avro container block codecs (Avro 1.11 spec, "Object Container Files" codecs): null; deflate = raw
 * RFC 1951 without zlib header or checksum (zlib windowBits -15); snappy = a raw snappy block followed by
 * the 4-byte big-endian CRC32 of the uncompressed data; zstandard = zstd frames. */
#include "formats/avro/codec.h"

#include <snappy-c.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

static const char *const names[] = {"null", "deflate", "snappy", "zstandard"};

const char *qb_avro__codec_name(qb_avro_codec c) { return (unsigned)c < 4 ? names[c] : "?"; }

int qb_avro__codec_parse(qb_avro_codec *out, const uint8_t *name, size_t n, qb_err *err)
{
  for (int i = 0; i < 4; i++)
    if (strlen(names[i]) == n && !memcmp(names[i], name, n)) {
      *out = (qb_avro_codec)i;
      return QB_OK;
    }
  char shown[64];
  size_t k = 0;
  for (size_t i = 0; i < n && k < sizeof shown - 1; i++) shown[k++] = name[i] >= 0x20 && name[i] < 0x7f ? (char)name[i] : '?';
  shown[k] = '\0';
  return QB_FAIL(err, QB_EUNSUPPORTED, "unsupported codec '%s' (supported: null, deflate, snappy, zstandard)", shown);
}

static int too_big(size_t max, qb_err *err)
{
  return QB_FAIL(err, QB_ELIMIT, "decompressed block exceeds the limit of %zu bytes", max);
}

/* Grow `out` for streaming output, never beyond max. Returns the free room (0 after a failure in *rc). */
static size_t room(qb_buf *out, size_t max, size_t in_n, int *rc, qb_err *err)
{
  if (out->n >= max) {
    *rc = too_big(max, err);
    return 0;
  }
  size_t want = out->cap > out->n + 1 ? out->cap - out->n - 1 : 0;
  if (want == 0) {
    want = out->n ? out->n : (in_n < 16384 ? 65536 : 4 * in_n); /* doubling; first guess 4x the input */
    if (want > max - out->n) want = max - out->n;
    if ((*rc = qb_buf_reserve(out, want, err)) != QB_OK) return 0;
  }
  return want < max - out->n ? want : max - out->n;
}

static int inflate_block(const uint8_t *in, size_t n, qb_buf *out, size_t max, qb_err *err)
{
  z_stream zs;
  memset(&zs, 0, sizeof zs);
  if (inflateInit2(&zs, -15) != Z_OK) return QB_FAIL(err, QB_ENOMEM, "deflate: cannot start zlib");
  int rc = QB_OK;
  zs.next_in = (Bytef *)in;
  for (;;) {
    /* zlib counts in uInt: feed at most 1 GiB at a time */
    if (zs.avail_in == 0 && n) {
      zs.avail_in = n > (1u << 30) ? 1u << 30 : (uInt)n;
      n -= zs.avail_in;
    }
    size_t r = room(out, max, n + zs.avail_in, &rc, err);
    if (rc) break;
    zs.next_out = out->p + out->n;
    zs.avail_out = r > (1u << 30) ? 1u << 30 : (uInt)r;
    uInt before = zs.avail_out;
    int z = inflate(&zs, Z_NO_FLUSH);
    out->n += before - zs.avail_out;
    if (z == Z_STREAM_END) break;
    if (z == Z_OK || (z == Z_BUF_ERROR && zs.avail_out == 0)) continue;
    if (z == Z_BUF_ERROR && zs.avail_in == 0 && n == 0) {
      rc = QB_FAIL(err, QB_ECORRUPT, "deflate: truncated stream");
    } else if (z == Z_MEM_ERROR) {
      rc = QB_FAIL(err, QB_ENOMEM, "deflate: out of memory");
    } else {
      rc = QB_FAIL(err, QB_ECORRUPT, "deflate: %s", zs.msg ? zs.msg : "corrupt stream");
    }
    break;
  }
  inflateEnd(&zs);
  return rc;
}

static int snappy_block(const uint8_t *in, size_t n, qb_buf *out, size_t max, qb_err *err)
{
  if (n < 4) return QB_FAIL(err, QB_ECORRUPT, "snappy: block of %zu bytes is shorter than its checksum", n);
  size_t len;
  if (snappy_uncompressed_length((const char *)in, n - 4, &len) != SNAPPY_OK)
    return QB_FAIL(err, QB_ECORRUPT, "snappy: bad length header");
  if (len > max) return too_big(max, err);
  int rc = qb_buf_reserve(out, len, err);
  if (rc) return rc;
  if (snappy_uncompress((const char *)in, n - 4, (char *)out->p, &len) != SNAPPY_OK)
    return QB_FAIL(err, QB_ECORRUPT, "snappy: corrupt block");
  out->n = len;
  uint32_t want = qb_be32(in + n - 4);
  uint32_t got = (uint32_t)crc32(0, out->p, (uInt)len);
  if (want != got)
    return QB_FAIL(err, QB_ECORRUPT, "snappy: CRC32 mismatch (stored %08x, computed %08x)", want, got);
  return QB_OK;
}

static int zstd_block(const uint8_t *in, size_t n, qb_buf *out, size_t max, qb_err *err)
{
  ZSTD_DCtx *dc = ZSTD_createDCtx();
  if (!dc) return QB_FAIL(err, QB_ENOMEM, "zstandard: out of memory");
  /* A frame may ask for a window as large as 2^27 bytes; allow no more than the block limit needs. */
  int wlog = 10;
  while (wlog < 27 && ((size_t)1 << wlog) < max) wlog++;
  ZSTD_DCtx_setParameter(dc, ZSTD_d_windowLogMax, wlog);
  ZSTD_inBuffer ib = {in, n, 0};
  int rc = QB_OK;
  size_t last = 1;
  while (ib.pos < ib.size || last != 0) {
    size_t r = room(out, max, n, &rc, err);
    if (rc) break;
    ZSTD_outBuffer ob = {out->p + out->n, r, 0};
    last = ZSTD_decompressStream(dc, &ob, &ib);
    if (ZSTD_isError(last) && ZSTD_getErrorCode(last) == ZSTD_error_frameParameter_windowTooLarge) {
      rc = QB_FAIL(err, QB_ELIMIT, "decompressed block exceeds the limit of %zu bytes (zstandard window too large)",
                   max);
      break;
    }
    if (ZSTD_isError(last)) {
      rc = QB_FAIL(err, QB_ECORRUPT, "zstandard: %s", ZSTD_getErrorName(last));
      break;
    }
    out->n += ob.pos;
    if (ib.pos == ib.size && last != 0 && ob.pos < ob.size) {
      rc = QB_FAIL(err, QB_ECORRUPT, "zstandard: truncated frame");
      break;
    }
  }
  ZSTD_freeDCtx(dc);
  return rc;
}

int qb_avro__decompress(qb_avro_codec c, const uint8_t *in, size_t n, qb_buf *out, size_t max, qb_err *err)
{
  qb_buf_reset(out);
  switch (c) {
  case QB_AVRO_CODEC_NULL:
    if (n > max) return too_big(max, err);
    return qb_buf_append(out, in, n, err);
  case QB_AVRO_CODEC_DEFLATE: return inflate_block(in, n, out, max, err);
  case QB_AVRO_CODEC_SNAPPY: return snappy_block(in, n, out, max, err);
  case QB_AVRO_CODEC_ZSTD: return zstd_block(in, n, out, max, err);
  }
  return QB_FAIL(err, QB_EINTERNAL, "unknown codec %d", (int)c);
}

int qb_avro__compress(qb_avro_codec c, int level, const uint8_t *in, size_t n, qb_buf *out, qb_err *err)
{
  int rc;
  switch (c) {
  case QB_AVRO_CODEC_NULL: return qb_buf_append(out, in, n, err);
  case QB_AVRO_CODEC_DEFLATE: {
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (n > (1u << 30)) return QB_FAIL(err, QB_ELIMIT, "deflate: block of %zu bytes is too large", n);
    if (deflateInit2(&zs, level ? level : 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
      return QB_FAIL(err, QB_EINVAL, "deflate: cannot start zlib at level %d", level);
    uLong bound = deflateBound(&zs, (uLong)n);
    if ((rc = qb_buf_reserve(out, bound, err)) != QB_OK) {
      deflateEnd(&zs);
      return rc;
    }
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)n;
    zs.next_out = out->p + out->n;
    zs.avail_out = (uInt)bound;
    int z = deflate(&zs, Z_FINISH);
    out->n += bound - zs.avail_out;
    deflateEnd(&zs);
    return z == Z_STREAM_END ? QB_OK : QB_FAIL(err, QB_EINTERNAL, "deflate: zlib returned %d", z);
  }
  case QB_AVRO_CODEC_SNAPPY: {
    size_t len = snappy_max_compressed_length(n);
    if ((rc = qb_buf_reserve(out, len + 4, err)) != QB_OK) return rc;
    if (snappy_compress((const char *)in, n, (char *)out->p + out->n, &len) != SNAPPY_OK)
      return QB_FAIL(err, QB_EINTERNAL, "snappy: compression failed");
    out->n += len;
    qb_put_be32(out->p + out->n, (uint32_t)crc32(0, in, (uInt)n));
    out->n += 4;
    return QB_OK;
  }
  case QB_AVRO_CODEC_ZSTD: {
    size_t bound = ZSTD_compressBound(n);
    if ((rc = qb_buf_reserve(out, bound, err)) != QB_OK) return rc;
    size_t z = ZSTD_compress(out->p + out->n, bound, in, n, level ? level : 3);
    if (ZSTD_isError(z)) return QB_FAIL(err, QB_EINTERNAL, "zstandard: %s", ZSTD_getErrorName(z));
    out->n += z;
    return QB_OK;
  }
  }
  return QB_FAIL(err, QB_EINVAL, "unknown codec %d", (int)c);
}
