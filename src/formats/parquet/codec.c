/* SPDX-License-Identifier: Apache-2.0 */
/* Parquet page codecs (parquet-format Compression.md; formats.md §2.6) over snappy-c, zlib, libzstd, liblz4
 * and libbrotli. Decompression targets a buffer of exactly the size the page header announces. */
#include "formats/parquet/codec.h"

#include <brotli/decode.h>
#include <brotli/encode.h>
#include <limits.h>
#include <lz4.h>
#include <snappy-c.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>
/* ZSTD_compressSequences (zstd ≥ 1.4.10, exported by the shared library; see qb_pq_zstd_compress_rows) */
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>
#include <zstd_errors.h>

#if (defined(__x86_64__) || defined(__SSE2__)) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define QB_CRC_FOLD 1 /* PCLMULQDQ page CRCs when the CPU has it (see crc_fold) */
#endif

/* ---- names ------------------------------------------------------------------------------------------------ */

const char *qb_pq_codec_name(qb_pq_codec c)
{
  static const char *const names[] = {"UNCOMPRESSED", "SNAPPY", "GZIP", "LZO", "BROTLI", "LZ4", "ZSTD", "LZ4_RAW"};
  return (unsigned)c < sizeof names / sizeof names[0] ? names[c] : "?";
}

int qb_pq_codec_parse(qb_pq_codec *out, const char *name, qb_err *err)
{
  static const struct {
    const char *name;
    qb_pq_codec codec;
  } names[] = {{"uncompressed", QB_PQ_UNCOMPRESSED}, {"none", QB_PQ_UNCOMPRESSED}, {"snappy", QB_PQ_SNAPPY},
               {"gzip", QB_PQ_GZIP},   {"lzo", QB_PQ_LZO},   {"brotli", QB_PQ_BROTLI}, {"lz4", QB_PQ_LZ4},
               {"zstd", QB_PQ_ZSTD},   {"lz4_raw", QB_PQ_LZ4_RAW}};
  for (size_t i = 0; name && i < sizeof names / sizeof names[0]; i++) {
    if (strcasecmp(name, names[i].name) == 0) {
      *out = names[i].codec;
      return QB_OK;
    }
  }
  return QB_FAIL(err, QB_EINVAL, "unknown parquet codec '%s' (uncompressed, snappy, gzip, zstd, lz4_raw, brotli)",
                 name ? name : "(null)");
}

int qb_pq_codec_check_write(qb_pq_codec c, int level, qb_err *err)
{
  if (c == QB_PQ_LZ4)
    return QB_FAIL(err, QB_EINVAL, "codec LZ4 (Hadoop framing, deprecated by Parquet) cannot be written: use lz4_raw");
  if (!qb_pq_codec_available(c, true))
    return QB_FAIL(err, QB_EINVAL, "codec %s cannot be written (uncompressed, snappy, gzip, zstd, lz4_raw, brotli)",
                   qb_pq_codec_name(c));
  if ((c == QB_PQ_GZIP && (level < 0 || level > 9)) || (c == QB_PQ_ZSTD && level > 22) ||
      (c == QB_PQ_BROTLI && (level < 0 || level > 11)))
    return QB_FAIL(err, QB_EINVAL, "compression level %d is out of range for %s (%s)", level, qb_pq_codec_name(c),
                   c == QB_PQ_GZIP ? "0-9" : c == QB_PQ_ZSTD ? "at most 22" : "0-11");
  return QB_OK;
}

bool qb_pq_codec_available(qb_pq_codec c, bool for_write)
{
  switch (c) {
    case QB_PQ_UNCOMPRESSED:
    case QB_PQ_SNAPPY:
    case QB_PQ_GZIP:
    case QB_PQ_BROTLI:
    case QB_PQ_ZSTD:
    case QB_PQ_LZ4_RAW: return true;
    case QB_PQ_LZ4: return !for_write; /* deprecated: its framing is ambiguous across writers */
    default: return false;
  }
}

/* ---- page CRC ------------------------------------------------------------------------------------------ */

#ifdef QB_CRC_FOLD

/* CRC-32 by carry-less multiplication (Intel, "Fast CRC Computation for Generic Polynomials Using PCLMULQDQ
 * Instruction", 2009): zlib's table-driven crc32 takes ~3.4 instructions per byte, 1 % of an ingest's
 * instructions (BENCHMARKS.md session 16); folding takes ~0.3. Four 128-bit lanes are folded 64 bytes
 * forward (x^(512±32) mod P, bit-reflected), then into one lane 16 bytes at a time (x^(128±32) mod P). The
 * lane left is congruent mod P to everything before it, so zlib's CRC of those 16 bytes, started from zero
 * (the caller's CRC went into the first lane), continues the CRC over the tail. */
__attribute__((target("pclmul"))) static __m128i crc_fold_lane(__m128i x, __m128i k)
{
  return _mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11));
}

/* n >= 64 */
__attribute__((target("pclmul"))) static uint32_t crc_fold(uint32_t crc, const uint8_t *p, size_t n)
{
  const __m128i k512 = _mm_set_epi64x(0x1c6e41596, 0x154442bd4), k128 = _mm_set_epi64x(0x0ccaa009e, 0x1751997d0);
  __m128i x0 = _mm_xor_si128(_mm_loadu_si128((const __m128i *)p), _mm_cvtsi32_si128((int)~crc));
  __m128i x1 = _mm_loadu_si128((const __m128i *)(p + 16));
  __m128i x2 = _mm_loadu_si128((const __m128i *)(p + 32));
  __m128i x3 = _mm_loadu_si128((const __m128i *)(p + 48));
  for (p += 64, n -= 64; n >= 64; p += 64, n -= 64) {
    x0 = _mm_xor_si128(crc_fold_lane(x0, k512), _mm_loadu_si128((const __m128i *)p));
    x1 = _mm_xor_si128(crc_fold_lane(x1, k512), _mm_loadu_si128((const __m128i *)(p + 16)));
    x2 = _mm_xor_si128(crc_fold_lane(x2, k512), _mm_loadu_si128((const __m128i *)(p + 32)));
    x3 = _mm_xor_si128(crc_fold_lane(x3, k512), _mm_loadu_si128((const __m128i *)(p + 48)));
  }
  x1 = _mm_xor_si128(crc_fold_lane(x0, k128), x1);
  x2 = _mm_xor_si128(crc_fold_lane(x1, k128), x2);
  x3 = _mm_xor_si128(crc_fold_lane(x2, k128), x3);
  for (; n >= 16; p += 16, n -= 16) x3 = _mm_xor_si128(crc_fold_lane(x3, k128), _mm_loadu_si128((const __m128i *)p));
  uint8_t lane[16];
  _mm_storeu_si128((__m128i *)lane, x3);
  uLong c = crc32(0xffffffffUL, lane, sizeof lane); /* zlib inverts before and after: a zero register */
  return (uint32_t)crc32(c, p, (uInt)n);
}
#endif

uint32_t qb_pq_crc32(uint32_t crc, const void *p, size_t n)
{
  const uint8_t *b = p;
#ifdef QB_CRC_FOLD
  if (n >= 64 && __builtin_cpu_supports("pclmul")) return crc_fold(crc, b, n);
#endif
  uLong c = crc;
  while (n > 0) {
    uInt chunk = n > UINT_MAX ? UINT_MAX : (uInt)n;
    c = crc32(c, b, chunk);
    b += chunk;
    n -= chunk;
  }
  return (uint32_t)c;
}

/* ---- decompression ------------------------------------------------------------------------------------- */

static int size_mismatch(const char *codec, size_t got, size_t want, qb_err *err)
{
  return QB_FAIL(err, QB_ECORRUPT, "%s: page decompresses to %zu bytes, header says %zu", codec, got, want);
}

static int gunzip(uint8_t *dst, size_t dst_len, const uint8_t *src, size_t src_len, qb_err *err)
{
  if (src_len > UINT_MAX || dst_len > UINT_MAX)
    return QB_FAIL(err, QB_EUNSUPPORTED, "gzip: pages over 4 GiB are not supported");
  z_stream z;
  memset(&z, 0, sizeof z);
  /* 15 + 32: accept gzip (and zlib) headers automatically. */
  if (inflateInit2(&z, 15 + 32) != Z_OK) return QB_FAIL(err, QB_ENOMEM, "gzip: cannot initialise zlib");
  z.next_in = (Bytef *)src;
  z.avail_in = (uInt)src_len;
  z.next_out = dst;
  z.avail_out = (uInt)dst_len;
  int rc = QB_OK;
  for (;;) {
    int zr = inflate(&z, Z_FINISH);
    if (zr == Z_STREAM_END) {
      /* Concatenated members (concatenated_gzip_members.parquet): start again on what is left. */
      if (z.avail_in == 0) break;
      if (inflateReset(&z) != Z_OK) {
        rc = QB_FAIL(err, QB_ECORRUPT, "gzip: cannot reset for the next member");
        break;
      }
      continue;
    }
    /* Z_BUF_ERROR: no progress possible. Out of input means truncated; otherwise the output is full. */
    if ((zr == Z_BUF_ERROR || zr == Z_OK) && z.avail_out == 0 && z.avail_in > 0) {
      rc = QB_FAIL(err, QB_ECORRUPT, "gzip: page decompresses to more than the %zu bytes the header says", dst_len);
    } else if (zr == Z_BUF_ERROR || zr == Z_OK) {
      rc = QB_FAIL(err, QB_ECORRUPT, "gzip: truncated stream after %zu of %zu bytes", dst_len - z.avail_out,
                   dst_len);
    } else if (zr == Z_MEM_ERROR) {
      rc = QB_FAIL(err, QB_ENOMEM, "gzip: out of memory");
    } else {
      rc = QB_FAIL(err, QB_ECORRUPT, "gzip: %s at input byte %zu", z.msg ? z.msg : "invalid data",
                   src_len - z.avail_in);
    }
    break;
  }
  size_t got = dst_len - z.avail_out;
  inflateEnd(&z);
  if (!rc && got != dst_len) rc = size_mismatch("gzip", got, dst_len, err);
  return rc;
}

/* Hadoop's Lz4Codec framing: repeated [u32 BE uncompressed length][u32 BE compressed length][LZ4 block].
 * Returns false (without an error) when the bytes are not in that framing. */
static bool lz4_hadoop(uint8_t *dst, size_t dst_len, const uint8_t *src, size_t src_len)
{
  size_t out = 0;
  while (src_len >= 8) {
    uint32_t raw = qb_be32(src), comp = qb_be32(src + 4);
    src += 8;
    src_len -= 8;
    if (comp > src_len || raw > dst_len - out || comp > INT_MAX || raw > INT_MAX) return false;
    int got = LZ4_decompress_safe((const char *)src, (char *)dst + out, (int)comp, (int)raw);
    if (got < 0 || (uint32_t)got != raw) return false;
    src += comp;
    src_len -= comp;
    out += raw;
  }
  return src_len == 0 && out == dst_len;
}

static int lz4_raw(const char *name, uint8_t *dst, size_t dst_len, const uint8_t *src, size_t src_len, qb_err *err)
{
  if (src_len > INT_MAX || dst_len > INT_MAX) return QB_FAIL(err, QB_EUNSUPPORTED, "%s: pages over 2 GiB", name);
  int got = LZ4_decompress_safe((const char *)src, (char *)dst, (int)src_len, (int)dst_len);
  if (got < 0)
    return QB_FAIL(err, QB_ECORRUPT, "%s: invalid block (or larger than the %zu bytes the header says)", name,
                   dst_len);
  if ((size_t)got != dst_len) return size_mismatch(name, (size_t)got, dst_len, err);
  return QB_OK;
}

static int unbrotli(uint8_t *dst, size_t dst_len, const uint8_t *src, size_t src_len, qb_err *err)
{
  BrotliDecoderState *s = BrotliDecoderCreateInstance(NULL, NULL, NULL);
  if (!s) return QB_FAIL(err, QB_ENOMEM, "brotli: cannot create a decoder");
  size_t in_left = src_len, out_left = dst_len;
  const uint8_t *in = src;
  uint8_t *out = dst;
  BrotliDecoderResult r = BrotliDecoderDecompressStream(s, &in_left, &in, &out_left, &out, NULL);
  int rc = QB_OK;
  if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT)
    rc = QB_FAIL(err, QB_ECORRUPT, "brotli: page decompresses to more than the %zu bytes the header says", dst_len);
  else if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT)
    rc = QB_FAIL(err, QB_ECORRUPT, "brotli: truncated stream after %zu of %zu bytes", dst_len - out_left, dst_len);
  else if (r != BROTLI_DECODER_RESULT_SUCCESS)
    rc = QB_FAIL(err, QB_ECORRUPT, "brotli: %s", BrotliDecoderErrorString(BrotliDecoderGetErrorCode(s)));
  else if (in_left != 0)
    rc = QB_FAIL(err, QB_ECORRUPT, "brotli: %zu trailing bytes after the stream", in_left);
  else if (out_left != 0)
    rc = size_mismatch("brotli", dst_len - out_left, dst_len, err);
  BrotliDecoderDestroyInstance(s);
  return rc;
}

int qb_pq_decompress(qb_pq_codec codec, uint8_t *dst, size_t dst_len, const uint8_t *src, size_t src_len,
                     qb_err *err)
{
  switch (codec) {
    case QB_PQ_UNCOMPRESSED:
      if (src_len != dst_len) return size_mismatch("uncompressed", src_len, dst_len, err);
      if (dst_len) memmove(dst, src, dst_len);
      return QB_OK;
    case QB_PQ_SNAPPY: {
      size_t n = 0;
      if (snappy_uncompressed_length((const char *)src, src_len, &n) != SNAPPY_OK)
        return QB_FAIL(err, QB_ECORRUPT, "snappy: invalid length preamble");
      if (n != dst_len) return size_mismatch("snappy", n, dst_len, err);
      if (dst_len == 0) return QB_OK;
      if (snappy_uncompress((const char *)src, src_len, (char *)dst, &n) != SNAPPY_OK)
        return QB_FAIL(err, QB_ECORRUPT, "snappy: invalid compressed data");
      return n == dst_len ? QB_OK : size_mismatch("snappy", n, dst_len, err);
    }
    case QB_PQ_GZIP: return gunzip(dst, dst_len, src, src_len, err);
    case QB_PQ_ZSTD: {
      size_t n = ZSTD_decompress(dst, dst_len, src, src_len);
      if (ZSTD_isError(n)) {
        if (ZSTD_getErrorCode(n) == ZSTD_error_dstSize_tooSmall)
          return QB_FAIL(err, QB_ECORRUPT, "zstd: page decompresses to more than the %zu bytes the header says",
                         dst_len);
        return QB_FAIL(err, QB_ECORRUPT, "zstd: %s", ZSTD_getErrorName(n));
      }
      return n == dst_len ? QB_OK : size_mismatch("zstd", n, dst_len, err);
    }
    case QB_PQ_LZ4_RAW: return lz4_raw("lz4_raw", dst, dst_len, src, src_len, err);
    case QB_PQ_LZ4:
      /* Hadoop framing first (parquet-java); old parquet-cpp wrote one raw block (non_hadoop_lz4_compressed). */
      if (lz4_hadoop(dst, dst_len, src, src_len)) return QB_OK;
      return lz4_raw("lz4 (neither Hadoop-framed nor a raw block)", dst, dst_len, src, src_len, err);
    case QB_PQ_BROTLI: return unbrotli(dst, dst_len, src, src_len, err);
    default: return QB_FAIL(err, QB_EUNSUPPORTED, "unsupported compression codec %s (%d)", qb_pq_codec_name(codec),
                            (int)codec);
  }
}

/* ---- compression ----------------------------------------------------------------------------------------- */

static int gzip(qb_buf *out, int level, const uint8_t *src, size_t n, qb_err *err)
{
  if (n > UINT_MAX) return QB_FAIL(err, QB_EINVAL, "gzip: input of %zu bytes is over 4 GiB", n);
  z_stream z;
  memset(&z, 0, sizeof z);
  /* 15 + 16: RFC 1952 gzip wrapper, as Compression.md requires (not zlib, not raw deflate). */
  if (deflateInit2(&z, level ? level : Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return QB_FAIL(err, QB_EINTERNAL, "gzip: cannot initialise zlib (level %d)", level);
  size_t bound = deflateBound(&z, (uLong)n);
  int rc = bound > UINT_MAX ? QB_FAIL(err, QB_EINVAL, "gzip: input too large") : qb_buf_reserve(out, bound, err);
  if (!rc) {
    z.next_in = (Bytef *)src;
    z.avail_in = (uInt)n;
    z.next_out = out->p + out->n;
    z.avail_out = (uInt)bound;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END) rc = QB_FAIL(err, QB_EINTERNAL, "gzip: deflate did not finish");
    else out->n += bound - z.avail_out;
  }
  deflateEnd(&z);
  return rc;
}

/* The default level's context is level 1 with QB_PQ_ZSTD_DEFAULT_HASH_LOG and _MIN_MATCH (codec.h), set
 * once: ZSTD_compress2 keeps a context's parameters from frame to frame. */
static int zstd_default_ctx(ZSTD_CCtx *z)
{
  return !ZSTD_isError(ZSTD_CCtx_setParameter(z, ZSTD_c_compressionLevel, QB_PQ_ZSTD_DEFAULT_LEVEL)) &&
         !ZSTD_isError(ZSTD_CCtx_setParameter(z, ZSTD_c_hashLog, QB_PQ_ZSTD_DEFAULT_HASH_LOG)) &&
         !ZSTD_isError(ZSTD_CCtx_setParameter(z, ZSTD_c_minMatch, QB_PQ_ZSTD_DEFAULT_MIN_MATCH));
}

/* The context in *zctx, created (for `level`) on first use. */
static int zstd_ctx(ZSTD_CCtx **out, void **zctx, int level, qb_err *err)
{
  ZSTD_CCtx *z = *zctx;
  if (!z) {
    if (!(z = ZSTD_createCCtx())) return QB_FAIL(err, QB_ENOMEM, "zstd: cannot create a context");
    if (level == QB_PQ_LEVEL_DEFAULT && !zstd_default_ctx(z)) {
      ZSTD_freeCCtx(z);
      return QB_FAIL(err, QB_EINTERNAL, "zstd: the library refuses the default level's parameters");
    }
    *zctx = z;
  }
  *out = z;
  return QB_OK;
}

#if defined(ZSTD_VERSION_NUMBER) && ZSTD_VERSION_NUMBER >= 10502 /* ZSTD_compressSequences, ZSTD_ps_* */
#define QB_ZSTD_ROWS 1
#else
/* before 1.5.2 the same values of ZSTD_c_literalCompressionMode were named ZSTD_lcm_auto/_huffman/_uncompressed */
typedef int ZSTD_paramSwitch_e;
#define ZSTD_ps_auto 0
#define ZSTD_ps_enable 1
#define ZSTD_ps_disable 2
#endif

/* One frame of the default level's context with this frame's literal coding and ZSTD_c_targetLength
 * (codec.h: QB_PQ_ZSTD_SMALL_RAW, _FALLBACK_TARGET, _FLOATS_TARGET). Both are set for every frame, so no
 * frame inherits another page kind's choice; the reset ends the session ZSTD_compressSequences leaves open,
 * which refuses parameter changes. */
static int zstd_frame_params(ZSTD_CCtx *z, ZSTD_paramSwitch_e literals, int target, qb_err *err)
{
  ZSTD_CCtx_reset(z, ZSTD_reset_session_only);
  if (ZSTD_isError(ZSTD_CCtx_setParameter(z, ZSTD_c_literalCompressionMode, literals)) ||
      ZSTD_isError(ZSTD_CCtx_setParameter(z, ZSTD_c_targetLength, target)))
    return QB_FAIL(err, QB_EINTERNAL, "zstd: the library refuses the page's literal mode or target length");
  return QB_OK;
}

static int zstd_default_frame(ZSTD_CCtx *z, qb_buf *out, const uint8_t *src, size_t n, ZSTD_paramSwitch_e literals,
                              int target, qb_err *err)
{
  int rc;
  size_t cap = ZSTD_compressBound(n);
  if ((rc = qb_buf_reserve(out, cap, err)) != QB_OK) return rc;
  if ((rc = zstd_frame_params(z, literals, target, err)) != QB_OK) return rc;
  size_t got = ZSTD_compress2(z, out->p + out->n, cap, src, n);
  if (ZSTD_isError(got)) return QB_FAIL(err, QB_EINTERNAL, "zstd: %s", ZSTD_getErrorName(got));
  out->n += got;
  return QB_OK;
}

int qb_pq_zstd_compress(void **zctx, qb_buf *out, int level, const uint8_t *src, size_t n, qb_err *err)
{
  int rc;
  ZSTD_CCtx *z;
  if ((rc = zstd_ctx(&z, zctx, level, err)) != QB_OK) return rc;
  if (level == QB_PQ_LEVEL_DEFAULT)
    return zstd_default_frame(z, out, src, n, n < QB_PQ_ZSTD_SMALL_RAW ? ZSTD_ps_disable : ZSTD_ps_auto, 0, err);
  size_t cap = ZSTD_compressBound(n);
  if ((rc = qb_buf_reserve(out, cap, err)) != QB_OK) return rc;
  /* an explicit level is zstd's own, parameters and all (the bytes of ZSTD_compress at that level) */
  size_t got = ZSTD_compressCCtx(z, out->p + out->n, cap, src, n, level);
  if (ZSTD_isError(got)) return QB_FAIL(err, QB_EINTERNAL, "zstd: %s", ZSTD_getErrorName(got));
  out->n += got;
  return QB_OK;
}

/* ---- zstd over PLAIN string rows ---------------------------------------------------------------------- */

#ifdef QB_ZSTD_ROWS

static uint32_t rd_le32(const uint8_t *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Bytes from `a` (ahead) equal to those from `b` (behind it), stopping at `end`: 16 at a time with SSE2
 * (the ids' matches run 70-90 bytes), else 8, then one. */
static size_t rows_common(const uint8_t *a, const uint8_t *b, const uint8_t *end)
{
  const uint8_t *s = a;
#if defined(__SSE2__) && (defined(__GNUC__) || defined(__clang__))
  while (end - a >= 16) {
    __m128i eq = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)a),
                                _mm_loadu_si128((const __m128i *)(const void *)b));
    unsigned m = (unsigned)_mm_movemask_epi8(eq);
    if (m != 0xffff) return (size_t)(a - s) + (size_t)__builtin_ctz(~m);
    a += 16;
    b += 16;
  }
#elif defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  while (end - a >= 8) {
    uint64_t x, y;
    memcpy(&x, a, 8);
    memcpy(&y, b, 8);
    if (x != y) return (size_t)(a - s) + (size_t)(__builtin_ctzll(x ^ y) >> 3);
    a += 8;
    b += 8;
  }
#endif
  while (a < end && *a == *b) a++, b++;
  return (size_t)(a - s);
}

#if defined(__GNUC__) || defined(__clang__)
#define QB_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define QB_ALWAYS_INLINE inline
#endif

typedef size_t (*rows_common_fn)(const uint8_t *a, const uint8_t *b, const uint8_t *end);

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define QB_ROWS_AVX2 1
/* rows_common 32 bytes at a time, on CPUs with AVX2 (rows_sequences picks it per page): an 80-byte id
 * match takes three compares instead of six (BENCHMARKS.md session 20). */
__attribute__((target("avx2"))) static QB_ALWAYS_INLINE size_t rows_common_avx2(const uint8_t *a,
                                                                                const uint8_t *b,
                                                                                const uint8_t *end)
{
  /* one index for both rows against the last whole step's start: a step is a load, a compare and two tests */
  size_t lim = (size_t)(end - a), i = 0;
  if (lim >= 32) {
    const size_t last = lim - 32;
    for (;;) {
      __m256i eq = _mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(const void *)(a + i)),
                                     _mm256_loadu_si256((const __m256i *)(const void *)(b + i)));
      unsigned m = (unsigned)_mm256_movemask_epi8(eq);
      if (m != 0xffffffffu) return i + (size_t)__builtin_ctz(~m);
      i += 32;
      if (i > last) break;
    }
  }
  return i + rows_common(a + i, b + i, end);
}
#endif

/* The number of [u32 LE length][bytes] rows that make up exactly [src, src+n), or 0. */
static size_t rows_count(const uint8_t *src, size_t n)
{
  size_t at = 0, rows = 0;
  while (n - at >= 4) {
    uint32_t len = rd_le32(src + at);
    if (len > n - at - 4) return 0;
    at += 4 + (size_t)len;
    rows++;
  }
  return at == n ? rows : 0;
}

/* One match per row (see QB_PQ_ZSTD_ROWS_MIN_MATCH in codec.h): against the row before when the two have
 * the same length (the match starts at the length prefix); otherwise against the last row of the same
 * length, and against the row before from the value (after the prefixes) when that covers more. Offsets
 * stay ≤ QB_PQ_ZSTD_ROWS_MAX_OFFSET, inside any window zstd picks for the page. Returns the number of
 * sequences written to `seq`, and in *matched the bytes they cover. `common` is a constant in each caller
 * below (rows_sequences), so the compare is inlined into the loop: a call a row cost ~10 instructions of
 * argument moves and spills. */
static QB_ALWAYS_INLINE size_t rows_sequences_with(const uint8_t *src, size_t n, ZSTD_Sequence *seq,
                                                   size_t *matched, rows_common_fn common)
{
  size_t same[64]; /* by length & 63: the last row's start, n for none */
  for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) same[i] = n;
  const uint8_t *end = src + n;
  ZSTD_Sequence *sq = seq; /* the next sequence: a pointer, not an index, keeps the loop's state in registers */
  size_t lit = 0, prev = 0, p = 4 + (size_t)rd_le32(src), sum = 0;
  same[rd_le32(src) & 63] = 0;
  while (p < n) {
    uint32_t len = rd_le32(src + p);
    size_t off = p - prev;
    if (p >= lit && off <= QB_PQ_ZSTD_ROWS_MAX_OFFSET) {
      size_t at = p, c = 0;
      if (rd_le32(src + prev) == len) {
        c = common(src + p, src + prev, end);
      } else {
        size_t q = same[len & 63];
        if (q != n && rd_le32(src + q) == len && p - q <= QB_PQ_ZSTD_ROWS_MAX_OFFSET) {
          c = common(src + p, src + q, end);
          off = p - q;
        }
        /* the row before shares the value's start (term ids: the experiment id; the numbers differ) */
        if (c < QB_PQ_ZSTD_ROWS_MIN_MATCH + 4) {
          size_t c1 = common(src + p + 4, src + prev + 4, end);
          if (c1 > c) at = p + 4, c = c1, off = p - prev;
        }
      }
      if (c >= QB_PQ_ZSTD_ROWS_MIN_MATCH) {
        sq->offset = (unsigned)off;
        sq->litLength = (unsigned)(at - lit);
        sq->matchLength = (unsigned)c;
        sq->rep = 0;
        sq++;
        sum += c;
        lit = at + c;
      }
    }
    same[len & 63] = p;
    prev = p;
    p += 4 + (size_t)len;
  }
  *matched = sum;
  return (size_t)(sq - seq);
}

#ifdef QB_ROWS_AVX2
__attribute__((target("avx2"))) static size_t rows_sequences_avx2(const uint8_t *src, size_t n,
                                                                  ZSTD_Sequence *seq, size_t *matched)
{
  return rows_sequences_with(src, n, seq, matched, rows_common_avx2);
}
#endif

static size_t rows_sequences(const uint8_t *src, size_t n, ZSTD_Sequence *seq, size_t *matched)
{
#ifdef QB_ROWS_AVX2
  if (__builtin_cpu_supports("avx2")) return rows_sequences_avx2(src, n, seq, matched);
#endif
  return rows_sequences_with(src, n, seq, matched, rows_common);
}
#endif

int qb_pq_zstd_compress_rows(void **zctx, qb_buf *seqs, qb_buf *out, const uint8_t *src, size_t n, qb_err *err)
{
#ifdef QB_ZSTD_ROWS
  int rc;
  size_t rows = n <= UINT32_MAX ? rows_count(src, n) : 0;
  if (rows < 2) return qb_pq_zstd_compress(zctx, out, QB_PQ_LEVEL_DEFAULT, src, n, err);
  qb_buf_reset(seqs);
  if ((rc = qb_buf_reserve(seqs, rows * sizeof(ZSTD_Sequence), err)) != QB_OK) return rc;
  ZSTD_Sequence *seq = (ZSTD_Sequence *)(void *)seqs->p;
  size_t matched, ns = rows_sequences(src, n, seq, &matched);
  ZSTD_CCtx *z;
  if ((rc = zstd_ctx(&z, zctx, QB_PQ_LEVEL_DEFAULT, err)) != QB_OK) return rc;
  /* long literal runs (text, JSON, values unlike the row before) may hold repeats only a search finds: a
   * quicker one (QB_PQ_ZSTD_FALLBACK_TARGET) that still Huffman-codes the literals */
  if (n - matched > (ns + 1) * QB_PQ_ZSTD_ROWS_MAX_LITERALS) {
    if (n / rows > QB_PQ_ZSTD_FALLBACK_SHORT) return zstd_default_frame(z, out, src, n, ZSTD_ps_auto, 0, err);
    return zstd_default_frame(z, out, src, n, ZSTD_ps_enable, QB_PQ_ZSTD_FALLBACK_TARGET, err);
  }
  size_t cap = ZSTD_compressBound(n);
  if ((rc = qb_buf_reserve(out, cap, err)) != QB_OK) return rc;
  /* The context's parameters (level 1, zstd_default_ctx; literals and target length back to zstd's choice
   * after another page kind's frame) still choose the entropy coding; the block delimiters are zstd's own
   * (ZSTD_c_blockDelimiters left at ZSTD_sf_noBlockDelimiters). */
  if ((rc = zstd_frame_params(z, ZSTD_ps_auto, 0, err)) != QB_OK) return rc;
  size_t got = ZSTD_compressSequences(z, out->p + out->n, cap, seq, ns, src, n);
  if (ZSTD_isError(got)) {
    /* not expected (every match ≥ 4 bytes fits zstd's sequence store); zstd's own search still works */
    ZSTD_CCtx_reset(z, ZSTD_reset_session_only);
    got = ZSTD_compress2(z, out->p + out->n, cap, src, n);
  }
  if (ZSTD_isError(got)) return QB_FAIL(err, QB_EINTERNAL, "zstd: %s", ZSTD_getErrorName(got));
  out->n += got;
  return QB_OK;
#else
  (void)seqs;
  return qb_pq_zstd_compress(zctx, out, QB_PQ_LEVEL_DEFAULT, src, n, err);
#endif
}

int qb_pq_zstd_compress_floats(void **zctx, qb_buf *out, const uint8_t *src, size_t n, qb_err *err)
{
  int rc;
  ZSTD_CCtx *z;
  if ((rc = zstd_ctx(&z, zctx, QB_PQ_LEVEL_DEFAULT, err)) != QB_OK) return rc;
  return zstd_default_frame(z, out, src, n, ZSTD_ps_disable, QB_PQ_ZSTD_FLOATS_TARGET, err);
}

void qb_pq_zstd_free(void *zctx)
{
  ZSTD_freeCCtx(zctx);
}

int qb_pq_compress(qb_buf *out, qb_pq_codec codec, int level, const uint8_t *src, size_t n, qb_err *err)
{
  int rc;
  switch (codec) {
    case QB_PQ_UNCOMPRESSED: return qb_buf_append(out, src, n, err);
    case QB_PQ_SNAPPY: {
      size_t cap = snappy_max_compressed_length(n);
      if ((rc = qb_buf_reserve(out, cap, err))) return rc;
      if (snappy_compress((const char *)src, n, (char *)out->p + out->n, &cap) != SNAPPY_OK)
        return QB_FAIL(err, QB_EINTERNAL, "snappy: compression failed");
      out->n += cap;
      return QB_OK;
    }
    case QB_PQ_GZIP: return gzip(out, level, src, n, err);
    case QB_PQ_ZSTD: {
      void *zctx = NULL;
      rc = qb_pq_zstd_compress(&zctx, out, level, src, n, err);
      qb_pq_zstd_free(zctx);
      return rc;
    }
    case QB_PQ_LZ4_RAW: {
      if (n > LZ4_MAX_INPUT_SIZE) return QB_FAIL(err, QB_EINVAL, "lz4_raw: input of %zu bytes is too large", n);
      int cap = LZ4_compressBound((int)n);
      if ((rc = qb_buf_reserve(out, (size_t)cap, err))) return rc;
      int got = LZ4_compress_default((const char *)src, (char *)out->p + out->n, (int)n, cap);
      if (got <= 0) return QB_FAIL(err, QB_EINTERNAL, "lz4_raw: compression failed");
      out->n += (size_t)got;
      return QB_OK;
    }
    case QB_PQ_BROTLI: {
      size_t cap = BrotliEncoderMaxCompressedSize(n);
      if (cap == 0) return QB_FAIL(err, QB_EINVAL, "brotli: input of %zu bytes is too large", n);
      if ((rc = qb_buf_reserve(out, cap, err))) return rc;
      /* Quality 11 (the library's maximum and default) is far too slow for page-sized writes. */
      int q = level ? level : 5;
      if (!BrotliEncoderCompress(q, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC, n, src, &cap, out->p + out->n))
        return QB_FAIL(err, QB_EINTERNAL, "brotli: compression failed (quality %d)", q);
      out->n += cap;
      return QB_OK;
    }
    default:
      return QB_FAIL(err, QB_EUNSUPPORTED, "cannot write compression codec %s (%d)", qb_pq_codec_name(codec),
                     (int)codec);
  }
}
