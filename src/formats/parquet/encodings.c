/* SPDX-License-Identifier: Apache-2.0 */
/* Parquet encodings (parquet-format Encodings.md; formats.md §2.4): RLE/bit-packed hybrid, levels, PLAIN,
 * dictionary indices, DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT. */
#include "formats/parquet/encodings.h"

#include <string.h>

/* Runs longer than this are rejected: no page holds 2^31 values (num_values is an i32). */
#define MAX_RUN ((uint64_t)INT32_MAX)


/* `width` (0..64) bits at bit offset `bitpos` of p, LSB first. The caller guarantees the bytes exist. */
static uint64_t get_bits(const uint8_t *p, uint64_t bitpos, unsigned width)
{
  if (!width) return 0;
  const uint8_t *b = p + (bitpos >> 3);
  unsigned shift = (unsigned)(bitpos & 7);
  unsigned nbytes = (shift + width + 7) / 8;
  uint64_t v = 0;
  for (unsigned i = 0; i < nbytes && i < 8; i++) v |= (uint64_t)b[i] << (8 * i);
  v >>= shift;
  if (nbytes > 8) v |= (uint64_t)b[8] << (64 - shift);
  if (width < 64) v &= ((uint64_t)1 << width) - 1;
  return v;
}

/* ULEB128 from [*p, end); false if truncated or longer than 10 bytes. */
static bool uleb(uint64_t *out, const uint8_t **p, const uint8_t *end)
{
  uint64_t v = 0;
  const uint8_t *q = *p;
  for (unsigned shift = 0; shift < 64; shift += 7) {
    if (q >= end) return false;
    uint8_t b = *q++;
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *out = v;
      *p = q;
      return true;
    }
  }
  return false;
}

/* ---- RLE / bit-packed hybrid: decoder ------------------------------------------------------------------ */

int qb_pq_rle_decoder_init(qb_pq_rle_decoder *d, const uint8_t *p, size_t n, int bit_width, qb_err *err)
{
  memset(d, 0, sizeof *d);
  if (bit_width < 0 || bit_width > 32)
    return QB_FAIL(err, QB_EINVAL, "RLE hybrid: bit width %d outside 0..32", bit_width);
  d->start = d->p = p;
  d->end = p ? p + n : p;
  d->bit_width = bit_width;
  return QB_OK;
}

static int rle_next_run(qb_pq_rle_decoder *d, qb_err *err)
{
  if (d->p >= d->end) {
    if (d->bit_width == 0) { /* all zeros; writers may omit the runs entirely */
      d->in_rle = true;
      d->rle_value = 0;
      d->run_left = UINT32_MAX;
      return QB_OK;
    }
    return QB_FAIL(err, QB_ECORRUPT, "RLE hybrid: input ends at byte %zu before all values were read",
                   (size_t)(d->p - d->start));
  }
  size_t at = (size_t)(d->p - d->start);
  uint64_t h;
  if (!uleb(&h, &d->p, d->end))
    return QB_FAIL(err, QB_ECORRUPT, "RLE hybrid: truncated run header at byte %zu", at);
  uint64_t count = (h & 1) ? (h >> 1) * 8 : h >> 1;
  if ((h >> 1) > MAX_RUN || count > MAX_RUN)
    return QB_FAIL(err, QB_ECORRUPT, "RLE hybrid: run of %llu values at byte %zu is too long",
                   (unsigned long long)count, at);
  d->run_left = (uint32_t)count;
  if (h & 1) {
    /* Bit-packed: (h>>1) groups of 8 values, bit_width bytes each. parquet-java's reader tolerates a final run
     * cut short after its last real value, so we take what is there and fail only if a missing value is read. */
    uint64_t bytes = (h >> 1) * (uint64_t)d->bit_width;
    size_t avail = (size_t)(d->end - d->p);
    d->in_rle = false;
    d->bp = d->p;
    d->bp_pos = 0;
    d->p += bytes < avail ? (size_t)bytes : avail;
  } else {
    size_t nbytes = ((size_t)d->bit_width + 7) / 8;
    if ((size_t)(d->end - d->p) < nbytes)
      return QB_FAIL(err, QB_ECORRUPT, "RLE hybrid: truncated RLE run value at byte %zu", at);
    uint32_t v = 0;
    for (size_t i = 0; i < nbytes; i++) v |= (uint32_t)d->p[i] << (8 * i);
    d->p += nbytes;
    if (d->bit_width < 32 && (v >> d->bit_width))
      return QB_FAIL(err, QB_ECORRUPT, "RLE hybrid: run value %u at byte %zu exceeds bit width %d", v, at,
                     d->bit_width);
    d->in_rle = true;
    d->rle_value = v;
  }
  return QB_OK;
}

int qb_pq_rle_decode(uint32_t *out, size_t count, qb_pq_rle_decoder *d, qb_err *err)
{
  while (count > 0) {
    if (d->run_left == 0) {
      int rc = rle_next_run(d, err);
      if (rc) return rc;
      continue;
    }
    size_t take = count < d->run_left ? count : d->run_left;
    if (d->in_rle) {
      for (size_t i = 0; i < take; i++) out[i] = d->rle_value;
    } else {
      unsigned w = (unsigned)d->bit_width;
      uint64_t avail_bits = (uint64_t)(d->p - d->bp) * 8;
      if (w && ((uint64_t)d->bp_pos + take) * w > avail_bits)
        return QB_FAIL(err, QB_ECORRUPT, "RLE hybrid: truncated bit-packed run at byte %zu",
                       (size_t)(d->p - d->start));
      for (size_t i = 0; i < take; i++) out[i] = (uint32_t)get_bits(d->bp, ((uint64_t)d->bp_pos + i) * w, w);
      d->bp_pos += (uint32_t)take;
    }
    d->run_left -= (uint32_t)take;
    out += take;
    count -= take;
  }
  return QB_OK;
}

size_t qb_pq_rle_decoder_consumed(const qb_pq_rle_decoder *d) { return (size_t)(d->p - d->start); }

/* ---- RLE / bit-packed hybrid: encoder (the parquet-java RunLengthBitPackingHybridEncoder scheme) ---------- */

void qb_pq_rle_encoder_init(qb_pq_rle_encoder *e, qb_buf *out, int bit_width)
{
  memset(e, 0, sizeof *e);
  e->out = out;
  e->bit_width = bit_width;
  e->bp_header_at = SIZE_MAX;
  if (bit_width < 0 || bit_width > 32) e->rc = QB_EINVAL;
}

static int enc_fail(qb_pq_rle_encoder *e, int rc)
{
  if (!e->rc) e->rc = rc;
  return rc;
}

static int end_bit_packed_run(qb_pq_rle_encoder *e)
{
  if (e->bp_header_at == SIZE_MAX) return QB_OK;
  e->out->p[e->bp_header_at] = (uint8_t)(e->bp_groups << 1 | 1);
  e->bp_header_at = SIZE_MAX;
  e->bp_groups = 0;
  return QB_OK;
}

/* Eight w-bit values packed into w bytes at dst (and up to 3 bytes of slack after them). */
static inline __attribute__((always_inline)) void pack8(uint8_t *dst, const uint32_t *v, unsigned w)
{
  uint64_t acc = 0, mask = w >= 32 ? 0xFFFFFFFFu : ((uint64_t)1 << w) - 1;
  unsigned bits = 0;
#pragma GCC unroll 8
  for (unsigned i = 0; i < 8; i++) {
    acc |= ((uint64_t)v[i] & mask) << bits;
    bits += w;
    if (bits >= 32) {
      qb_put_le32(dst, (uint32_t)acc);
      dst += 4;
      acc >>= 32;
      bits -= 32;
    }
  }
  if (bits) qb_put_le32(dst, (uint32_t)acc);
}

static int write_bit_packed_group(qb_pq_rle_encoder *e, qb_err *err)
{
  /* ≤ 63 groups per run keeps the header one byte, so it can be reserved before the run's length is known. */
  if (e->bp_groups >= 63) end_bit_packed_run(e);
  int rc;
  if (e->bp_header_at == SIZE_MAX) {
    if ((rc = qb_buf_putc(e->out, 0, err))) return enc_fail(e, rc);
    e->bp_header_at = e->out->n - 1;
  }
  size_t w = (size_t)e->bit_width;
  /* 4 bytes of slack: the last store below may write up to 3 bytes past the group */
  if (e->out->cap - e->out->n < w + 4 && (rc = qb_buf_reserve(e->out, w + 4, err))) return enc_fail(e, rc);
  /* eight w-bit values are exactly w bytes, least significant bit first: through a 64-bit accumulator
   * that holds fewer than 32 bits between values (so w ≤ 32 more always fit), stored 4 bytes at a time;
   * the bits left at the end are a whole number of bytes (8w - 32k), stored as one more word of which
   * only those bytes count */
  uint8_t *dst = e->out->p + e->out->n;
  /* one unrolled copy per width: the shifts and stores are constants then (a loop over a variable
   * width was ~130 instructions a group) */
  switch (w) {
#define PACK_CASE(W) \
  case W: pack8(dst, e->buffered, W); break;
    PACK_CASE(0) PACK_CASE(1) PACK_CASE(2) PACK_CASE(3) PACK_CASE(4) PACK_CASE(5) PACK_CASE(6) PACK_CASE(7)
    PACK_CASE(8) PACK_CASE(9) PACK_CASE(10) PACK_CASE(11) PACK_CASE(12) PACK_CASE(13) PACK_CASE(14)
    PACK_CASE(15) PACK_CASE(16) PACK_CASE(17) PACK_CASE(18) PACK_CASE(19) PACK_CASE(20) PACK_CASE(21)
    PACK_CASE(22) PACK_CASE(23) PACK_CASE(24) PACK_CASE(25) PACK_CASE(26) PACK_CASE(27) PACK_CASE(28)
    PACK_CASE(29) PACK_CASE(30) PACK_CASE(31)
#undef PACK_CASE
  default: pack8(dst, e->buffered, 32); break;
  }
  e->out->n += w;
  e->n_buffered = 0;
  e->repeat = 0;
  e->bp_groups++;
  return QB_OK;
}

static int write_rle_run(qb_pq_rle_encoder *e, qb_err *err)
{
  end_bit_packed_run(e);
  uint8_t tmp[16];
  size_t n = 0;
  uint64_t h = (uint64_t)e->repeat << 1;
  do {
    uint8_t b = h & 0x7f;
    h >>= 7;
    tmp[n++] = (uint8_t)(b | (h ? 0x80 : 0));
  } while (h);
  for (int i = 0; i < (e->bit_width + 7) / 8; i++) tmp[n++] = (uint8_t)(e->prev >> (8 * i));
  int rc = qb_buf_append(e->out, tmp, n, err);
  if (rc) return enc_fail(e, rc);
  e->repeat = 0;
  e->n_buffered = 0;
  return QB_OK;
}

/* One value (qb_pq_rle_encoder_put): inline in put_many's loop, which runs it for the values around runs. */
static inline __attribute__((always_inline)) int put_value(qb_pq_rle_encoder *e, uint32_t v, qb_err *err)
{
  if (e->rc) return e->rc == QB_EINVAL ? QB_FAIL(err, QB_EINVAL, "RLE hybrid: invalid encoder") : e->rc;
  if (e->bit_width < 32 && (v >> e->bit_width))
    return enc_fail(e, QB_FAIL(err, QB_EINVAL, "RLE hybrid: value %u does not fit in %d bits", v, e->bit_width));
  if (e->repeat > 0 && v == e->prev) {
    /* Past 8 repeats the value is part of an RLE run and not buffered. */
    if (++e->repeat >= 8) return QB_OK;
  } else {
    if (e->repeat >= 8) {
      int rc = write_rle_run(e, err);
      if (rc) return rc;
    }
    e->repeat = 1;
    e->prev = v;
  }
  e->buffered[e->n_buffered++] = v;
  return e->n_buffered == 8 ? write_bit_packed_group(e, err) : QB_OK;
}

int qb_pq_rle_encoder_put(qb_pq_rle_encoder *e, uint32_t v, qb_err *err) { return put_value(e, v, err); }

int qb_pq_rle_encoder_finish(qb_pq_rle_encoder *e, qb_err *err)
{
  if (e->rc) return e->rc == QB_EINVAL ? QB_FAIL(err, QB_EINVAL, "RLE hybrid: invalid encoder") : e->rc;
  int rc = QB_OK;
  if (e->repeat >= 8) {
    rc = write_rle_run(e, err);
  } else if (e->n_buffered > 0) {
    for (int i = e->n_buffered; i < 8; i++) e->buffered[i] = 0;
    rc = write_bit_packed_group(e, err);
    end_bit_packed_run(e);
  } else {
    end_bit_packed_run(e);
  }
  return rc;
}

int qb_pq_rle_encoder_put_many(qb_pq_rle_encoder *e, const uint32_t *v, size_t n, qb_err *err)
{
  for (size_t i = 0; i < n;) {
    if (e->repeat >= 8 && v[i] == e->prev) {
      /* inside an RLE run: count the rest of it at once (what put does one value at a time) */
      size_t j = i + 1;
      /* four values per step (runs of a record-constant column are long), then one at a time */
      uint64_t pat = (uint64_t)e->prev * 0x100000001u, a, b;
      for (; j + 4 <= n; j += 4) {
        memcpy(&a, v + j, 8);
        memcpy(&b, v + j + 2, 8);
        if ((a ^ pat) | (b ^ pat)) break;
      }
      while (j < n && v[j] == e->prev) j++;
      e->repeat += j - i;
      i = j;
      continue;
    }
    if (e->n_buffered == 0 && e->repeat == 0 && i + 8 <= n && !e->rc) {
      /* eight values, not all equal, after a written group or run (no repeat counted): what eight puts
       * do, at once. Only the eighth of eight equal values brings the repeat count to 8 (it starts at 1
       * on the first), so they all end up buffered and the eighth put writes the bit-packed group. */
      const uint32_t *g = v + i;
      uint32_t any = g[0], diff = 0;
      for (int k = 1; k < 8; k++) {
        diff |= g[k] ^ g[0];
        any |= g[k];
      }
      if (diff && (e->bit_width >= 32 || !(any >> e->bit_width))) {
        memcpy(e->buffered, g, sizeof e->buffered);
        e->n_buffered = 8;
        e->prev = g[7];
        int rc = write_bit_packed_group(e, err);
        if (rc) return rc;
        i += 8;
        continue;
      }
    }
    int rc = put_value(e, v[i++], err);
    if (rc) return rc;
  }
  return QB_OK;
}

int qb_pq_rle_encoder_put_run(qb_pq_rle_encoder *e, uint32_t v, size_t count, qb_err *err)
{
  /* one put at a time until the value is inside an RLE run (at most about 16), then every further put
   * would only count */
  for (; count && !(e->repeat >= 8 && e->prev == v && !e->rc); count--) {
    int rc = put_value(e, v, err);
    if (rc) return rc;
  }
  e->repeat += count;
  return QB_OK;
}

int qb_pq_rle_encode(qb_buf *out, const uint32_t *v, size_t n, int bit_width, qb_err *err)
{
  qb_pq_rle_encoder e;
  qb_pq_rle_encoder_init(&e, out, bit_width);
  int rc = qb_pq_rle_encoder_put_many(&e, v, n, err);
  return rc ? rc : qb_pq_rle_encoder_finish(&e, err);
}

/* ---- levels ----------------------------------------------------------------------------------------------- */

int qb_pq_levels_decode(int16_t *out, size_t count, int max_level, qb_pq_encoding enc, bool len_prefixed,
                        const uint8_t *p, size_t n, size_t *out_consumed, qb_err *err)
{
  *out_consumed = 0;
  if (max_level < 0 || max_level > INT16_MAX) return QB_FAIL(err, QB_EINVAL, "levels: max level %d", max_level);
  if (max_level == 0) {
    memset(out, 0, count * sizeof *out);
    return QB_OK;
  }
  int bw = qb_pq_bit_width((uint64_t)max_level);
  if (enc == QB_PQ_BIT_PACKED) {
    /* Deprecated BIT_PACKED: values packed MSB first, no run headers. */
    if (count > (SIZE_MAX - 7) / (size_t)bw) return QB_FAIL(err, QB_ECORRUPT, "levels: count %zu too large", count);
    size_t bytes = (count * (size_t)bw + 7) / 8;
    if (bytes > n)
      return QB_FAIL(err, QB_ECORRUPT, "BIT_PACKED levels: %zu values need %zu bytes, page has %zu", count, bytes, n);
    for (size_t i = 0; i < count; i++) {
      unsigned v = 0;
      for (int j = 0; j < bw; j++) {
        size_t pos = i * (size_t)bw + (size_t)j;
        v = v << 1 | ((p[pos >> 3] >> (7 - (pos & 7))) & 1);
      }
      if (v > (unsigned)max_level)
        return QB_FAIL(err, QB_ECORRUPT, "level %u at index %zu exceeds the maximum %d", v, i, max_level);
      out[i] = (int16_t)v;
    }
    *out_consumed = bytes;
    return QB_OK;
  }
  if (enc != QB_PQ_RLE)
    return QB_FAIL(err, QB_EUNSUPPORTED, "levels: encoding %s (%d) is not supported", qb_pq_encoding_name(enc),
                   (int)enc);
  size_t len = n, skip = 0;
  if (len_prefixed) {
    if (n < 4) return QB_FAIL(err, QB_ECORRUPT, "levels: %zu bytes cannot hold the 4-byte length", n);
    len = qb_le32(p);
    skip = 4;
    if (len > n - 4)
      return QB_FAIL(err, QB_ECORRUPT, "levels: length %zu exceeds the %zu bytes of the page", len, n - 4);
  }
  qb_pq_rle_decoder d;
  int rc = qb_pq_rle_decoder_init(&d, p + skip, len, bw, err);
  uint32_t tmp[256];
  for (size_t done = 0; !rc && done < count;) {
    size_t k = count - done < 256 ? count - done : 256;
    if ((rc = qb_pq_rle_decode(tmp, k, &d, err))) break;
    for (size_t i = 0; i < k; i++) {
      if (tmp[i] > (uint32_t)max_level)
        return QB_FAIL(err, QB_ECORRUPT, "level %u at index %zu exceeds the maximum %d", tmp[i], done + i, max_level);
      out[done + i] = (int16_t)tmp[i];
    }
    done += k;
  }
  if (rc) return qb_err_wrap(err, "levels (max %d)", max_level), rc;
  *out_consumed = skip + len;
  return QB_OK;
}

int qb_pq_levels_encode(qb_buf *out, const int16_t *levels, size_t n, int max_level, bool len_prefixed, qb_err *err)
{
  if (max_level == 0) return QB_OK;
  if (max_level < 0 || max_level > INT16_MAX) return QB_FAIL(err, QB_EINVAL, "levels: max level %d", max_level);
  int rc;
  size_t at = out->n;
  if (len_prefixed && (rc = qb_buf_append(out, "\0\0\0\0", 4, err))) return rc;
  qb_pq_rle_encoder e;
  qb_pq_rle_encoder_init(&e, out, qb_pq_bit_width((uint64_t)max_level));
  for (size_t i = 0; i < n;) {
    if (e.repeat >= 8 && (uint32_t)levels[i] == e.prev) {
      /* inside an RLE run (of a level already checked): count the rest of it at once */
      size_t j = i + 1;
      while (j < n && (uint32_t)levels[j] == e.prev) j++;
      e.repeat += j - i;
      i = j;
      continue;
    }
    if (levels[i] < 0 || levels[i] > max_level)
      return QB_FAIL(err, QB_EINVAL, "levels: level %d at index %zu outside 0..%d", levels[i], i, max_level);
    if ((rc = put_value(&e, (uint32_t)levels[i], err))) return rc;
    i++;
  }
  if ((rc = qb_pq_rle_encoder_finish(&e, err))) return rc;
  if (len_prefixed) {
    size_t len = out->n - at - 4;
    if (len > UINT32_MAX) return QB_FAIL(err, QB_ELIMIT, "levels: %zu bytes", len);
    qb_put_le32(out->p + at, (uint32_t)len);
  }
  return QB_OK;
}

int qb_pq_levels_encode_run(qb_buf *out, int level, size_t n, int max_level, bool len_prefixed, qb_err *err)
{
  /* Fewer than 8 equal values are one bit-packed group, as the encoder writes them. */
  if (n < 8 || max_level == 0) {
    int16_t few[8];
    for (size_t i = 0; i < n && i < 8; i++) few[i] = (int16_t)level;
    return qb_pq_levels_encode(out, few, n < 8 ? n : 0, max_level, len_prefixed, err);
  }
  if (max_level < 0 || max_level > INT16_MAX) return QB_FAIL(err, QB_EINVAL, "levels: max level %d", max_level);
  if (level < 0 || level > max_level)
    return QB_FAIL(err, QB_EINVAL, "levels: level %d outside 0..%d", level, max_level);
  int rc;
  size_t at = out->n;
  if (len_prefixed && (rc = qb_buf_append(out, "\0\0\0\0", 4, err))) return rc;
  qb_pq_rle_encoder e;
  qb_pq_rle_encoder_init(&e, out, qb_pq_bit_width((uint64_t)max_level));
  e.prev = (uint32_t)level;
  e.repeat = n;
  if ((rc = write_rle_run(&e, err))) return rc;
  if (len_prefixed) qb_put_le32(out->p + at, (uint32_t)(out->n - at - 4));
  return QB_OK;
}

/* ---- DELTA_BINARY_PACKED ------------------------------------------------------------------------------- */

int qb_pq_dbp_decoder_init(qb_pq_dbp_decoder *d, const uint8_t *p, size_t n, bool is_int32, qb_err *err)
{
  memset(d, 0, sizeof *d);
  d->start = d->p = p;
  d->end = p ? p + n : p;
  d->is_int32 = is_int32;
  uint64_t block, minis, total, first;
  if (!uleb(&block, &d->p, d->end) || !uleb(&minis, &d->p, d->end) || !uleb(&total, &d->p, d->end) ||
      !uleb(&first, &d->p, d->end))
    return QB_FAIL(err, QB_ECORRUPT, "DELTA_BINARY_PACKED: truncated header");
  if (block == 0 || block % 128 || block > (1u << 20) || minis == 0 || block % minis || (block / minis) % 32)
    return QB_FAIL(err, QB_ECORRUPT,
                   "DELTA_BINARY_PACKED: block size %llu with %llu miniblocks (need multiples of 128 and 32)",
                   (unsigned long long)block, (unsigned long long)minis);
  d->block_size = (uint32_t)block;
  d->n_miniblocks = (uint32_t)minis;
  d->per_miniblock = (uint32_t)(block / minis);
  d->total = total;
  d->last = (uint64_t)((int64_t)(first >> 1) ^ -(int64_t)(first & 1));
  return QB_OK;
}

uint64_t qb_pq_dbp_total(const qb_pq_dbp_decoder *d) { return d->total; }

static int dbp_block_begin(qb_pq_dbp_decoder *d, qb_err *err)
{
  uint64_t zz;
  size_t at = (size_t)(d->p - d->start);
  if (!uleb(&zz, &d->p, d->end))
    return QB_FAIL(err, QB_ECORRUPT, "DELTA_BINARY_PACKED: truncated block header at byte %zu", at);
  if ((size_t)(d->end - d->p) < d->n_miniblocks)
    return QB_FAIL(err, QB_ECORRUPT, "DELTA_BINARY_PACKED: truncated miniblock widths at byte %zu", at);
  d->min_delta = (uint64_t)((int64_t)(zz >> 1) ^ -(int64_t)(zz & 1));
  d->widths = d->p;
  d->p += d->n_miniblocks;
  d->mini = 0;
  d->mini_pos = 0;
  d->mini_data = NULL;
  d->block_left = d->block_size;
  return QB_OK;
}

/* Load miniblock d->mini (its width is only validated now: absent miniblocks may carry garbage widths).
 * INT32 pages may have widths up to 64 too: DuckDB computes INT32 deltas in 64 bits (width 33 when they
 * span more than 2^32) and parquet-java reads both types with one 64-bit reader; the sums wrap mod 2^64 and
 * an INT32 value is their low 32 bits, which is what 32-bit arithmetic gives. */
static int dbp_mini_load(qb_pq_dbp_decoder *d, qb_err *err)
{
  unsigned w = d->widths[d->mini];
  if (w > 64u)
    return QB_FAIL(err, QB_ECORRUPT, "DELTA_BINARY_PACKED: miniblock bit width %u at byte %zu", w,
                   (size_t)(d->widths + d->mini - d->start));
  size_t bytes = (size_t)w * d->per_miniblock / 8;
  if ((size_t)(d->end - d->p) < bytes)
    return QB_FAIL(err, QB_ECORRUPT, "DELTA_BINARY_PACKED: truncated miniblock at byte %zu",
                   (size_t)(d->p - d->start));
  d->mini_data = d->p;
  d->p += bytes;
  return QB_OK;
}

static int dbp_next(uint64_t *out, qb_pq_dbp_decoder *d, qb_err *err)
{
  int rc;
  if (d->returned >= d->total)
    return QB_FAIL(err, QB_ECORRUPT, "DELTA_BINARY_PACKED: more values requested than the %llu in the stream",
                   (unsigned long long)d->total);
  if (d->returned++ == 0) {
    *out = d->last;
    return QB_OK;
  }
  if (d->block_left == 0 && (rc = dbp_block_begin(d, err))) return rc;
  if (d->mini_pos == d->per_miniblock) {
    d->mini++;
    d->mini_pos = 0;
    d->mini_data = NULL;
  }
  if (!d->mini_data && (rc = dbp_mini_load(d, err))) return rc;
  unsigned w = d->widths[d->mini];
  uint64_t delta = get_bits(d->mini_data, (uint64_t)d->mini_pos * w, w);
  d->last += d->min_delta + delta; /* wraps mod 2^64 by design */
  d->mini_pos++;
  d->block_left--;
  *out = d->last;
  return QB_OK;
}

int qb_pq_dbp_decode_i64(int64_t *out, size_t count, qb_pq_dbp_decoder *d, qb_err *err)
{
  for (size_t i = 0; i < count; i++) {
    uint64_t v;
    int rc = dbp_next(&v, d, err);
    if (rc) return rc;
    out[i] = (int64_t)v;
  }
  return QB_OK;
}

int qb_pq_dbp_decode_i32(int32_t *out, size_t count, qb_pq_dbp_decoder *d, qb_err *err)
{
  for (size_t i = 0; i < count; i++) {
    uint64_t v;
    int rc = dbp_next(&v, d, err);
    if (rc) return rc;
    out[i] = (int32_t)(uint32_t)v; /* low 32 bits: same as 32-bit wrapping arithmetic */
  }
  return QB_OK;
}

int qb_pq_dbp_skip_all(const uint8_t **out_end, qb_pq_dbp_decoder *d, qb_err *err)
{
  uint64_t left = d->total > d->returned ? d->total - d->returned : 0;
  if (d->returned == 0 && left > 0) {
    left--;
    d->returned = 1;
  }
  /* Continue a partly read block first, then whole blocks; each block costs ≥ 1 + n_miniblocks input bytes,
   * so the loop is bounded by the input even for a hostile total. */
  while (left > 0) {
    int rc;
    if (d->block_left == 0 && (rc = dbp_block_begin(d, err))) return rc;
    if (d->mini_pos == d->per_miniblock) {
      d->mini++;
      d->mini_pos = 0;
      d->mini_data = NULL;
    }
    if (!d->mini_data && (rc = dbp_mini_load(d, err))) return rc;
    uint64_t in_mini = d->per_miniblock - d->mini_pos;
    uint64_t take = left < in_mini ? left : in_mini;
    d->mini_pos += (uint32_t)take;
    d->block_left -= (uint32_t)take;
    d->returned += take;
    left -= take;
  }
  *out_end = d->p;
  return QB_OK;
}

/* The 32 values u[0..32) of one miniblock, `w` bits each, LSB first, into dst (4 * w bytes): a 64-bit
 * accumulator stored a word at a time (32 * w bits end on a word or half-word boundary). */
static void dbp_pack32(uint8_t *dst, const uint64_t *u, unsigned w)
{
  uint64_t acc = 0;
  unsigned bits = 0;
  for (size_t i = 0; i < 32; i++) {
    uint64_t v = u[i];
    acc |= v << bits;
    bits += w;
    if (bits >= 64) {
      qb_put_le64(dst, acc);
      dst += 8;
      bits -= 64;
      acc = bits ? v >> (w - bits) : 0;
    }
  }
  if (bits) qb_put_le32(dst, (uint32_t)acc);
}

/* Writes one block of up to 128 deltas (given as uint64 bit patterns, already wrapped to 32 bits for INT32). */
static int dbp_write_block(qb_buf *out, const uint64_t *deltas, size_t n, bool is_int32, qb_err *err)
{
  int64_t min = 0;
  if (is_int32) {
    min = (int32_t)(uint32_t)deltas[0];
    for (size_t i = 1; i < n; i++)
      if ((int32_t)(uint32_t)deltas[i] < min) min = (int32_t)(uint32_t)deltas[i];
  } else {
    min = (int64_t)deltas[0];
    for (size_t i = 1; i < n; i++)
      if ((int64_t)deltas[i] < min) min = (int64_t)deltas[i];
  }
  uint8_t hdr[10 + 4];
  size_t hn = 0;
  uint64_t zz = ((uint64_t)min << 1) ^ (uint64_t)(min >> 63);
  do {
    uint8_t b = zz & 0x7f;
    zz >>= 7;
    hdr[hn++] = (uint8_t)(b | (zz ? 0x80 : 0));
  } while (zz);
  /* the values above the minimum, zero after the last (a partial miniblock is padded) */
  uint64_t u[128];
  uint64_t mask = is_int32 ? 0xffffffffu : UINT64_MAX;
  for (size_t i = 0; i < n; i++) u[i] = (deltas[i] - (uint64_t)min) & mask;
  for (size_t i = n; i < (n + 31) / 32 * 32; i++) u[i] = 0;
  unsigned widths[4] = {0, 0, 0, 0};
  size_t bytes = 0;
  for (size_t m = 0; m * 32 < n; m++) {
    uint64_t any = 0; /* the width of the largest value is that of their OR */
    for (size_t i = m * 32; i < (m + 1) * 32; i++) any |= u[i];
    widths[m] = (unsigned)qb_pq_bit_width(any);
    bytes += (size_t)widths[m] * 4;
  }
  for (size_t m = 0; m < 4; m++) hdr[hn++] = (uint8_t)widths[m];
  int rc = qb_buf_reserve(out, hn + bytes, err);
  if (rc) return rc;
  uint8_t *dst = out->p + out->n;
  memcpy(dst, hdr, hn);
  dst += hn;
  for (size_t m = 0; m * 32 < n; m++) {
    if (widths[m]) dbp_pack32(dst, u + m * 32, widths[m]);
    dst += (size_t)widths[m] * 4;
  }
  out->n += hn + bytes;
  return QB_OK;
}

static int dbp_encode(qb_buf *out, const void *values, size_t n, bool is_int32, qb_err *err)
{
  uint8_t hdr[40];
  size_t hn = 0;
  int64_t first = n ? (is_int32 ? ((const int32_t *)values)[0] : ((const int64_t *)values)[0]) : 0;
  uint64_t fields[4] = {128, 4, n, ((uint64_t)first << 1) ^ (uint64_t)(first >> 63)};
  for (int f = 0; f < 4; f++) {
    uint64_t v = fields[f];
    do {
      uint8_t b = v & 0x7f;
      v >>= 7;
      hdr[hn++] = (uint8_t)(b | (v ? 0x80 : 0));
    } while (v);
  }
  int rc = qb_buf_append(out, hdr, hn, err);
  uint64_t deltas[128];
  const int32_t *v32 = values;
  const int64_t *v64 = values;
  for (size_t i = 1; !rc && i < n;) {
    size_t k = 0;
    if (is_int32) /* deltas wrap in 32 bits */
      for (; k < 128 && i < n; k++, i++) deltas[k] = (uint32_t)v32[i] - (uint32_t)v32[i - 1];
    else
      for (; k < 128 && i < n; k++, i++) deltas[k] = (uint64_t)v64[i] - (uint64_t)v64[i - 1];
    rc = dbp_write_block(out, deltas, k, is_int32, err);
  }
  return rc;
}

int qb_pq_dbp_encode_i32(qb_buf *out, const int32_t *v, size_t n, qb_err *err) { return dbp_encode(out, v, n, true, err); }
int qb_pq_dbp_encode_i64(qb_buf *out, const int64_t *v, size_t n, qb_err *err) { return dbp_encode(out, v, n, false, err); }

/* ---- PLAIN and other encoders -------------------------------------------------------------------------- */

int qb_pq_plain_encode_bool(qb_buf *out, const uint8_t *v, size_t n, qb_err *err)
{
  size_t bytes = (n + 7) / 8;
  int rc = qb_buf_reserve(out, bytes, err);
  if (rc) return rc;
  uint8_t *dst = out->p + out->n;
  memset(dst, 0, bytes);
  for (size_t i = 0; i < n; i++)
    if (v[i]) dst[i >> 3] |= (uint8_t)(1u << (i & 7));
  out->n += bytes;
  return QB_OK;
}

static int plain_fixed(qb_buf *out, const void *v, size_t n, size_t width, qb_err *err)
{
  if (n > SIZE_MAX / width) return QB_FAIL(err, QB_ELIMIT, "PLAIN: %zu values", n);
  int rc = qb_buf_reserve(out, n * width, err);
  if (rc) return rc;
  uint8_t *dst = out->p + out->n;
  const uint8_t *src = v;
  for (size_t i = 0; i < n; i++, dst += width, src += width) {
    if (width == 4) {
      uint32_t x;
      memcpy(&x, src, 4);
      qb_put_le32(dst, x);
    } else {
      uint64_t x;
      memcpy(&x, src, 8);
      qb_put_le64(dst, x);
    }
  }
  out->n += n * width;
  return QB_OK;
}

int qb_pq_plain_encode_i32(qb_buf *out, const int32_t *v, size_t n, qb_err *err) { return plain_fixed(out, v, n, 4, err); }
int qb_pq_plain_encode_i64(qb_buf *out, const int64_t *v, size_t n, qb_err *err) { return plain_fixed(out, v, n, 8, err); }
int qb_pq_plain_encode_float(qb_buf *out, const float *v, size_t n, qb_err *err) { return plain_fixed(out, v, n, 4, err); }
int qb_pq_plain_encode_double(qb_buf *out, const double *v, size_t n, qb_err *err) { return plain_fixed(out, v, n, 8, err); }

int qb_pq_plain_encode_bytes(qb_buf *out, const qb_slice *v, size_t n, qb_err *err)
{
  size_t total = 4 * n;
  for (size_t i = 0; i < n; i++) {
    if (v[i].n > UINT32_MAX) return QB_FAIL(err, QB_EINVAL, "PLAIN BYTE_ARRAY: value %zu is %zu bytes", i, v[i].n);
    total += v[i].n;
  }
  int rc = qb_buf_reserve(out, total, err); /* one reservation: this runs for every dictionary page */
  if (rc) return rc;
  uint8_t *dst = out->p + out->n;
  for (size_t i = 0; i < n; i++) {
    qb_put_le32(dst, (uint32_t)v[i].n);
    if (v[i].n) memcpy(dst + 4, v[i].p, v[i].n);
    dst += 4 + v[i].n;
  }
  out->n += total;
  return QB_OK;
}

int qb_pq_plain_encode_fixed(qb_buf *out, const qb_slice *v, size_t n, size_t width, qb_err *err)
{
  for (size_t i = 0; i < n; i++) {
    if (v[i].n != width)
      return QB_FAIL(err, QB_EINVAL, "PLAIN fixed-width: value %zu is %zu bytes, the column takes %zu", i, v[i].n,
                     width);
    int rc = qb_buf_append(out, v[i].p, width, err);
    if (rc) return rc;
  }
  return QB_OK;
}

/* DLBA of the suffixes v[i][skip[i]..]; skip may be NULL. Works in chunks to stay allocation-bounded. */
static int dlba_encode(qb_buf *out, const qb_slice *v, const int32_t *skip, size_t n, qb_err *err)
{
  qb_buf lens;
  qb_buf_init(&lens, QB_BUF_NOLIMIT);
  int rc = qb_buf_reserve(&lens, n * sizeof(int32_t), err);
  int32_t *l = rc ? NULL : (int32_t *)(void *)lens.p;
  for (size_t i = 0; !rc && i < n; i++) {
    size_t len = v[i].n - (skip ? (size_t)skip[i] : 0);
    if (len > INT32_MAX) rc = QB_FAIL(err, QB_EINVAL, "DELTA_LENGTH_BYTE_ARRAY: value of %zu bytes", len);
    else l[i] = (int32_t)len;
  }
  if (!rc) rc = qb_pq_dbp_encode_i32(out, l, n, err);
  for (size_t i = 0; !rc && i < n; i++) {
    size_t s = skip ? (size_t)skip[i] : 0;
    rc = qb_buf_append(out, v[i].p + s, v[i].n - s, err);
  }
  qb_buf_free(&lens);
  return rc;
}

int qb_pq_dlba_encode(qb_buf *out, const qb_slice *v, size_t n, qb_err *err) { return dlba_encode(out, v, NULL, n, err); }

int qb_pq_dba_encode(qb_buf *out, const qb_slice *v, size_t n, qb_err *err)
{
  qb_buf pre;
  qb_buf_init(&pre, QB_BUF_NOLIMIT);
  int rc = qb_buf_reserve(&pre, n * sizeof(int32_t) + 1, err);
  int32_t *p = rc ? NULL : (int32_t *)(void *)pre.p;
  for (size_t i = 0; !rc && i < n; i++) {
    size_t k = 0;
    if (i > 0) {
      size_t lim = v[i].n < v[i - 1].n ? v[i].n : v[i - 1].n;
      while (k < lim && v[i].p[k] == v[i - 1].p[k]) k++;
    }
    if (k > INT32_MAX) rc = QB_FAIL(err, QB_EINVAL, "DELTA_BYTE_ARRAY: prefix of %zu bytes", k);
    else p[i] = (int32_t)k;
  }
  if (!rc) rc = qb_pq_dbp_encode_i32(out, p, n, err);
  if (!rc) rc = dlba_encode(out, v, p, n, err);
  qb_buf_free(&pre);
  return rc;
}

int qb_pq_dba_encode_split(qb_buf *out, const int32_t *pre, const int32_t *suf, size_t n, const uint8_t *suffixes,
                           size_t suffix_n, qb_err *err)
{
  int rc;
  if ((rc = qb_pq_dbp_encode_i32(out, pre, n, err)) != QB_OK || (rc = qb_pq_dbp_encode_i32(out, suf, n, err)) != QB_OK)
    return rc;
  return suffix_n ? qb_buf_append(out, suffixes, suffix_n, err) : QB_OK;
}

int qb_pq_dba_split_plain(int32_t *pre, int32_t *suf, bool *out_pays, qb_buf *last, uint8_t *plain, size_t *plain_n,
                          size_t n, size_t probe, qb_err *err)
{
  *out_pays = false;
  if (n > INT32_MAX) return QB_FAIL(err, QB_ELIMIT, "DELTA_BYTE_ARRAY: %zu values in one page", n);
  /* pass 1 (reads only): prefix and suffix lengths, the values checked against [plain, plain + *plain_n);
   * the rule is judged once the first `probe` values are in */
  const uint8_t *q = plain, *end = plain + *plain_n, *prev = NULL;
  size_t prev_n = 0;
  uint64_t shared = 0, bytes = 0, suffix_bytes = 0;
  if (probe > n) probe = n; /* 0: no judgement */
  for (size_t i = 0; i < n; i++) {
    if ((size_t)(end - q) < 4) return QB_FAIL(err, QB_EINVAL, "DELTA_BYTE_ARRAY: value %zu: truncated PLAIN input", i);
    uint32_t len = qb_le32(q);
    q += 4;
    if (len > (size_t)(end - q))
      return QB_FAIL(err, QB_EINVAL, "DELTA_BYTE_ARRAY: value %zu of %u bytes: truncated PLAIN input", i, len);
    if (len > INT32_MAX) return QB_OK; /* beyond DELTA_BYTE_ARRAY's int32 lengths: stays PLAIN */
    size_t k = prev ? qb_pq_common_prefix(q, prev, len < prev_n ? len : prev_n) : 0;
    pre[i] = (int32_t)k;
    suf[i] = (int32_t)(len - k);
    suffix_bytes += len - k;
    if (i < probe) shared += k, bytes += len;
    if (i + 1 == probe && shared * 2 < bytes) return QB_OK; /* it does not pay: nothing moved */
    prev = q;
    prev_n = len;
    q += len;
  }
  if (q != end) return QB_FAIL(err, QB_EINVAL, "DELTA_BYTE_ARRAY: %zu bytes after %zu values", (size_t)(end - q), n);
  int rc;
  qb_buf_reset(last);
  if (prev_n && (rc = qb_buf_append(last, prev, prev_n, err)) != QB_OK) return rc;
  /* pass 2: each suffix moved to the front; it never starts before where it is written */
  uint8_t *w = plain;
  const uint8_t *r = plain;
  for (size_t i = 0; i < n; i++) {
    size_t len = (size_t)pre[i] + (size_t)suf[i];
    memmove(w, r + 4 + pre[i], (size_t)suf[i]);
    w += suf[i];
    r += 4 + len;
  }
  *plain_n = (size_t)suffix_bytes;
  *out_pays = true;
  return QB_OK;
}

int qb_pq_bss_encode(qb_buf *out, const void *values, size_t n, size_t width, qb_err *err)
{
  if (width == 0 || (n && width > SIZE_MAX / n)) return QB_FAIL(err, QB_EINVAL, "BYTE_STREAM_SPLIT: bad width");
  int rc = qb_buf_reserve(out, n * width, err);
  if (rc) return rc;
  const uint8_t *src = values;
  uint8_t *dst = out->p + out->n;
  for (size_t i = 0; i < n; i++)
    for (size_t k = 0; k < width; k++) dst[k * n + i] = src[i * width + k];
  out->n += n * width;
  return QB_OK;
}


/* ---- the page value decoder ------------------------------------------------------------------------------ */

void qb_pq_decoder_init(qb_pq_decoder *d)
{
  memset(d, 0, sizeof *d);
  d->max_scratch_bytes = QB_PQ_DEFAULT_MAX_SCRATCH_BYTES;
}

void qb_pq_decoder_release(qb_pq_decoder *d)
{
  if (!d) return;
  if (d->scratch_live) qb_arena_release(&d->scratch);
  d->scratch_live = false;
}

/* Byte width of a fixed-size physical type (0 for BOOLEAN and BYTE_ARRAY). */
static size_t fixed_width(qb_pq_type type, int32_t type_length)
{
  switch (type) {
    case QB_PQ_INT32:
    case QB_PQ_FLOAT: return 4;
    case QB_PQ_INT64:
    case QB_PQ_DOUBLE: return 8;
    case QB_PQ_INT96: return 12;
    case QB_PQ_FIXED_LEN_BYTE_ARRAY: return type_length > 0 ? (size_t)type_length : 0;
    default: return 0;
  }
}

static bool encoding_fits(qb_pq_encoding enc, qb_pq_type t)
{
  switch (enc) {
    case QB_PQ_PLAIN:
    case QB_PQ_PLAIN_DICTIONARY:
    case QB_PQ_RLE_DICTIONARY: return true;
    case QB_PQ_RLE: return t == QB_PQ_BOOLEAN;
    case QB_PQ_DELTA_BINARY_PACKED: return t == QB_PQ_INT32 || t == QB_PQ_INT64;
    case QB_PQ_DELTA_LENGTH_BYTE_ARRAY: return t == QB_PQ_BYTE_ARRAY;
    case QB_PQ_DELTA_BYTE_ARRAY: return t == QB_PQ_BYTE_ARRAY || t == QB_PQ_FIXED_LEN_BYTE_ARRAY;
    case QB_PQ_BYTE_STREAM_SPLIT:
      return t == QB_PQ_FLOAT || t == QB_PQ_DOUBLE || t == QB_PQ_INT32 || t == QB_PQ_INT64 ||
             t == QB_PQ_FIXED_LEN_BYTE_ARRAY;
    default: return false;
  }
}

int qb_pq_decoder_reset(qb_pq_decoder *d, qb_pq_type type, int32_t type_length, qb_pq_encoding enc,
                        const uint8_t *p, size_t n, qb_err *err)
{
  size_t max_scratch = d->max_scratch_bytes ? d->max_scratch_bytes : QB_PQ_DEFAULT_MAX_SCRATCH_BYTES;
  qb_pq_decoder_release(d);
  memset(d, 0, sizeof *d);
  d->max_scratch_bytes = max_scratch;
  d->type = type;
  d->encoding = enc;
  d->start = d->p = p;
  d->end = p ? p + n : p;
  if ((unsigned)type > QB_PQ_FIXED_LEN_BYTE_ARRAY) return QB_FAIL(err, QB_EINVAL, "decoder: physical type %d", (int)type);
  if (type == QB_PQ_FIXED_LEN_BYTE_ARRAY && type_length <= 0)
    return QB_FAIL(err, QB_EINVAL, "decoder: FIXED_LEN_BYTE_ARRAY with length %d", type_length);
  d->type_length = (int32_t)fixed_width(type, type_length);
  if (!encoding_fits(enc, type))
    return QB_FAIL(err, QB_EUNSUPPORTED, "%s (%d) is not valid for %s", qb_pq_encoding_name(enc), (int)enc,
                   qb_pq_type_name(type));
  int rc = QB_OK;
  switch (enc) {
    case QB_PQ_PLAIN: break;
    case QB_PQ_PLAIN_DICTIONARY:
    case QB_PQ_RLE_DICTIONARY:
      if (n == 0) {
        /* An all-null page may have no values section at all; reading any index then fails. */
        rc = qb_pq_rle_decoder_init(&d->rle, p, 0, 1, err);
        break;
      }
      if (p[0] > 32) return QB_FAIL(err, QB_ECORRUPT, "dictionary indices: bit width %u > 32", p[0]);
      rc = qb_pq_rle_decoder_init(&d->rle, p + 1, n - 1, p[0], err);
      break;
    case QB_PQ_RLE: {
      if (n < 4) return QB_FAIL(err, QB_ECORRUPT, "RLE booleans: %zu bytes cannot hold the 4-byte length", n);
      uint32_t len = qb_le32(p);
      if (len > n - 4) return QB_FAIL(err, QB_ECORRUPT, "RLE booleans: length %u exceeds the %zu bytes left", len, n - 4);
      rc = qb_pq_rle_decoder_init(&d->rle, p + 4, len, 1, err);
      break;
    }
    case QB_PQ_DELTA_BINARY_PACKED:
      rc = qb_pq_dbp_decoder_init(&d->lengths, p, n, type == QB_PQ_INT32, err);
      break;
    case QB_PQ_DELTA_LENGTH_BYTE_ARRAY: {
      qb_pq_dbp_decoder tmp;
      if (!(rc = qb_pq_dbp_decoder_init(&d->lengths, p, n, true, err))) {
        tmp = d->lengths;
        rc = qb_pq_dbp_skip_all(&d->data, &tmp, err);
      }
      if (rc) return qb_err_wrap(err, "DELTA_LENGTH_BYTE_ARRAY lengths"), rc;
      break;
    }
    case QB_PQ_DELTA_BYTE_ARRAY: {
      qb_pq_dbp_decoder tmp;
      const uint8_t *suffixes = NULL;
      if (!(rc = qb_pq_dbp_decoder_init(&d->prefixes, p, n, true, err))) {
        tmp = d->prefixes;
        rc = qb_pq_dbp_skip_all(&suffixes, &tmp, err);
      }
      if (rc) return qb_err_wrap(err, "DELTA_BYTE_ARRAY prefix lengths"), rc;
      if (!(rc = qb_pq_dbp_decoder_init(&d->lengths, suffixes, (size_t)(d->end - suffixes), true, err))) {
        tmp = d->lengths;
        rc = qb_pq_dbp_skip_all(&d->data, &tmp, err);
      }
      if (rc) return qb_err_wrap(err, "DELTA_BYTE_ARRAY suffix lengths"), rc;
      if (qb_pq_dbp_total(&d->prefixes) != qb_pq_dbp_total(&d->lengths))
        return QB_FAIL(err, QB_ECORRUPT, "DELTA_BYTE_ARRAY: %llu prefix lengths but %llu suffixes",
                       (unsigned long long)qb_pq_dbp_total(&d->prefixes),
                       (unsigned long long)qb_pq_dbp_total(&d->lengths));
      break;
    }
    case QB_PQ_BYTE_STREAM_SPLIT:
      if (n % (size_t)d->type_length)
        return QB_FAIL(err, QB_ECORRUPT, "BYTE_STREAM_SPLIT: %zu bytes is not a multiple of the width %d", n,
                       d->type_length);
      d->bss_n = n / (size_t)d->type_length;
      break;
    default: break;
  }
  return rc;
}

static int wrong_read(qb_pq_decoder *d, const char *what, qb_err *err)
{
  return QB_FAIL(err, QB_EINVAL, "decoder: cannot read %s from a %s column encoded %s", what,
                 qb_pq_type_name(d->type), qb_pq_encoding_name(d->encoding));
}

static int short_input(qb_pq_decoder *d, size_t count, qb_err *err)
{
  return QB_FAIL(err, QB_ECORRUPT, "%s %s: values section (%zu bytes) ends before value %zu (reading %zu)",
                 qb_pq_encoding_name(d->encoding), qb_pq_type_name(d->type), (size_t)(d->end - d->start), d->index,
                 count);
}

/* PLAIN or BYTE_STREAM_SPLIT fixed-width values into out (count * w bytes, little-endian on the wire). */
static int read_fixed(void *out, size_t count, size_t w, qb_pq_decoder *d, qb_err *err)
{
  uint8_t *dst = out;
  if (d->encoding == QB_PQ_PLAIN) {
    size_t left = (size_t)(d->end - d->p);
    if (count > left / w) return short_input(d, count, err);
    for (size_t i = 0; i < count; i++, dst += w, d->p += w) {
      if (w == 4) {
        uint32_t v = qb_le32(d->p);
        memcpy(dst, &v, 4);
      } else {
        uint64_t v = qb_le64(d->p);
        memcpy(dst, &v, 8);
      }
    }
  } else {
    if (count > d->bss_n - d->index) return short_input(d, count, err);
    for (size_t i = 0; i < count; i++, dst += w) {
      uint8_t le[8];
      for (size_t k = 0; k < w; k++) le[k] = d->start[k * d->bss_n + d->index + i];
      if (w == 4) {
        uint32_t v = qb_le32(le);
        memcpy(dst, &v, 4);
      } else {
        uint64_t v = qb_le64(le);
        memcpy(dst, &v, 8);
      }
    }
  }
  d->index += count;
  return QB_OK;
}

int qb_pq_decoder_read_bool(uint8_t *out, size_t count, qb_pq_decoder *d, qb_err *err)
{
  if (d->type != QB_PQ_BOOLEAN) return wrong_read(d, "booleans", err);
  if (d->encoding == QB_PQ_PLAIN) {
    size_t bits_left = (size_t)(d->end - d->p) * 8 - d->bit;
    if (count > bits_left) return short_input(d, count, err);
    for (size_t i = 0; i < count; i++) {
      out[i] = (uint8_t)((*d->p >> d->bit) & 1);
      if (++d->bit == 8) {
        d->bit = 0;
        d->p++;
      }
    }
  } else if (d->encoding == QB_PQ_RLE) {
    uint32_t tmp[256];
    for (size_t done = 0; done < count;) {
      size_t k = count - done < 256 ? count - done : 256;
      int rc = qb_pq_rle_decode(tmp, k, &d->rle, err);
      if (rc) return qb_err_wrap(err, "RLE booleans at value %zu", d->index + done), rc;
      for (size_t i = 0; i < k; i++) out[done + i] = (uint8_t)tmp[i];
      done += k;
    }
  } else {
    return wrong_read(d, "booleans", err);
  }
  d->index += count;
  return QB_OK;
}

int qb_pq_decoder_read_i32(int32_t *out, size_t count, qb_pq_decoder *d, qb_err *err)
{
  if (d->type != QB_PQ_INT32) return wrong_read(d, "INT32 values", err);
  if (d->encoding == QB_PQ_DELTA_BINARY_PACKED) {
    int rc = qb_pq_dbp_decode_i32(out, count, &d->lengths, err);
    if (rc) return qb_err_wrap(err, "at value %zu", d->index), rc;
    d->index += count;
    return QB_OK;
  }
  if (d->encoding != QB_PQ_PLAIN && d->encoding != QB_PQ_BYTE_STREAM_SPLIT) return wrong_read(d, "INT32 values", err);
  return read_fixed(out, count, 4, d, err);
}

int qb_pq_decoder_read_i64(int64_t *out, size_t count, qb_pq_decoder *d, qb_err *err)
{
  if (d->type != QB_PQ_INT64) return wrong_read(d, "INT64 values", err);
  if (d->encoding == QB_PQ_DELTA_BINARY_PACKED) {
    int rc = qb_pq_dbp_decode_i64(out, count, &d->lengths, err);
    if (rc) return qb_err_wrap(err, "at value %zu", d->index), rc;
    d->index += count;
    return QB_OK;
  }
  if (d->encoding != QB_PQ_PLAIN && d->encoding != QB_PQ_BYTE_STREAM_SPLIT) return wrong_read(d, "INT64 values", err);
  return read_fixed(out, count, 8, d, err);
}

int qb_pq_decoder_read_float(float *out, size_t count, qb_pq_decoder *d, qb_err *err)
{
  if (d->type != QB_PQ_FLOAT || (d->encoding != QB_PQ_PLAIN && d->encoding != QB_PQ_BYTE_STREAM_SPLIT))
    return wrong_read(d, "FLOAT values", err);
  return read_fixed(out, count, 4, d, err);
}

int qb_pq_decoder_read_double(double *out, size_t count, qb_pq_decoder *d, qb_err *err)
{
  if (d->type != QB_PQ_DOUBLE || (d->encoding != QB_PQ_PLAIN && d->encoding != QB_PQ_BYTE_STREAM_SPLIT))
    return wrong_read(d, "DOUBLE values", err);
  return read_fixed(out, count, 8, d, err);
}

static uint8_t *scratch_alloc(qb_pq_decoder *d, size_t n, qb_err *err)
{
  if (!d->scratch_live) {
    qb_arena_init(&d->scratch, 64 << 10);
    d->scratch_live = true;
  }
  if (n > d->max_scratch_bytes || d->scratch.total_bytes > d->max_scratch_bytes - n) {
    QB_FAIL(err, QB_ELIMIT, "%s: page expands to more than %zu bytes (at value %zu)", qb_pq_encoding_name(d->encoding),
            d->max_scratch_bytes, d->index);
    return NULL;
  }
  uint8_t *p = qb_arena_alloc(&d->scratch, n);
  if (!p) QB_FAIL(err, QB_ENOMEM, "%s: out of memory for %zu bytes", qb_pq_encoding_name(d->encoding), n);
  return p;
}

/* DELTA_LENGTH_BYTE_ARRAY / DELTA_BYTE_ARRAY: the next suffix of `len` bytes from the data section. */
static int take_data(qb_slice *out, int32_t len, qb_pq_decoder *d, qb_err *err)
{
  if (len < 0 || (size_t)len > (size_t)(d->end - d->data))
    return QB_FAIL(err, QB_ECORRUPT, "%s: value %zu has length %d but %zu bytes are left",
                   qb_pq_encoding_name(d->encoding), d->index, len, (size_t)(d->end - d->data));
  out->p = d->data;
  out->n = (size_t)len;
  d->data += len;
  return QB_OK;
}

int qb_pq_decoder_read_bytes(qb_slice *out, size_t count, qb_pq_decoder *d, qb_err *err)
{
  if (d->type != QB_PQ_BYTE_ARRAY && d->type != QB_PQ_FIXED_LEN_BYTE_ARRAY && d->type != QB_PQ_INT96)
    return wrong_read(d, "byte arrays", err);
  size_t w = (size_t)d->type_length;
  int rc = QB_OK;
  switch (d->encoding) {
    case QB_PQ_PLAIN:
      for (size_t i = 0; i < count; i++) {
        size_t len = w;
        if (d->type == QB_PQ_BYTE_ARRAY) {
          if (d->end - d->p < 4) return short_input(d, count - i, err);
          len = qb_le32(d->p);
          d->p += 4;
        }
        if (len > (size_t)(d->end - d->p)) {
          if (d->type == QB_PQ_BYTE_ARRAY)
            return QB_FAIL(err, QB_ECORRUPT, "PLAIN BYTE_ARRAY: value %zu has length %zu but %zu bytes are left",
                           d->index, len, (size_t)(d->end - d->p));
          return short_input(d, count - i, err);
        }
        out[i].p = d->p;
        out[i].n = len;
        d->p += len;
        d->index++;
      }
      return QB_OK;
    case QB_PQ_DELTA_LENGTH_BYTE_ARRAY:
      for (size_t i = 0; i < count; i++) {
        int32_t len;
        if ((rc = qb_pq_dbp_decode_i32(&len, 1, &d->lengths, err))) return qb_err_wrap(err, "at value %zu", d->index), rc;
        if ((rc = take_data(&out[i], len, d, err))) return rc;
        d->index++;
      }
      return QB_OK;
    case QB_PQ_DELTA_BYTE_ARRAY:
      for (size_t i = 0; i < count; i++) {
        int32_t pre, len;
        qb_slice suf;
        if ((rc = qb_pq_dbp_decode_i32(&pre, 1, &d->prefixes, err)) ||
            (rc = qb_pq_dbp_decode_i32(&len, 1, &d->lengths, err)))
          return qb_err_wrap(err, "at value %zu", d->index), rc;
        if (pre < 0 || (size_t)pre > d->prev.n)
          return QB_FAIL(err, QB_ECORRUPT, "DELTA_BYTE_ARRAY: value %zu has prefix length %d, previous value has %zu",
                         d->index, pre, d->prev.n);
        if ((rc = take_data(&suf, len, d, err))) return rc;
        if (d->type == QB_PQ_FIXED_LEN_BYTE_ARRAY && (size_t)pre + suf.n != w)
          return QB_FAIL(err, QB_ECORRUPT, "DELTA_BYTE_ARRAY: value %zu has %zu bytes, the column takes %zu", d->index,
                         (size_t)pre + suf.n, w);
        if (pre == 0) {
          out[i] = suf; /* no shared prefix: point into the page, no copy */
        } else {
          uint8_t *v = scratch_alloc(d, (size_t)pre + suf.n, err);
          if (!v) return err ? err->code : QB_ENOMEM;
          memcpy(v, d->prev.p, (size_t)pre);
          if (suf.n) memcpy(v + pre, suf.p, suf.n);
          out[i].p = v;
          out[i].n = (size_t)pre + suf.n;
        }
        d->prev = out[i];
        d->index++;
      }
      return QB_OK;
    case QB_PQ_BYTE_STREAM_SPLIT: {
      if (d->type != QB_PQ_FIXED_LEN_BYTE_ARRAY) return wrong_read(d, "byte arrays", err);
      if (count > d->bss_n - d->index) return short_input(d, count, err);
      if (count > SIZE_MAX / w) return QB_FAIL(err, QB_ELIMIT, "BYTE_STREAM_SPLIT: %zu values", count);
      uint8_t *v = count ? scratch_alloc(d, count * w, err) : NULL;
      if (count && !v) return err ? err->code : QB_ENOMEM;
      for (size_t i = 0; i < count; i++) {
        for (size_t k = 0; k < w; k++) v[i * w + k] = d->start[k * d->bss_n + d->index + i];
        out[i].p = v + i * w;
        out[i].n = w;
      }
      d->index += count;
      return QB_OK;
    }
    default: return wrong_read(d, "byte arrays", err);
  }
}

int qb_pq_decoder_read_indices(uint32_t *out, size_t count, uint32_t dict_size, qb_pq_decoder *d, qb_err *err)
{
  if (d->encoding != QB_PQ_PLAIN_DICTIONARY && d->encoding != QB_PQ_RLE_DICTIONARY)
    return wrong_read(d, "dictionary indices", err);
  if (count && d->end == d->start)
    return QB_FAIL(err, QB_ECORRUPT, "dictionary indices: the page has no values section but %zu values are needed",
                   count);
  int rc = qb_pq_rle_decode(out, count, &d->rle, err);
  if (rc) return qb_err_wrap(err, "dictionary indices at value %zu", d->index), rc;
  for (size_t i = 0; i < count; i++)
    if (out[i] >= dict_size)
      return QB_FAIL(err, QB_ECORRUPT, "dictionary index %u >= %u entries at value %zu", out[i], dict_size,
                     d->index + i);
  d->index += count;
  return QB_OK;
}
