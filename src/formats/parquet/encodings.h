/* SPDX-License-Identifier: Apache-2.0 */
/* Parquet value and level encodings (parquet-format Encodings.md; formats.md §2.4): RLE/bit-packed hybrid,
 * PLAIN, dictionary indices, DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT.
 * Decoders work on one page's bytes, write into caller arrays and never allocate per value. */
#ifndef QB_FORMATS_PARQUET_ENCODINGS_H
#define QB_FORMATS_PARQUET_ENCODINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "qberg/common.h"
#include "qberg/err.h"
#include "qberg/parquet.h"
#include "util/arena.h"
#include "util/buf.h"

/** Bits needed to store `max_value` (0 for 0; max level 1 → 1, 5 → 3). Inline: the column writer asks
 * on every value for its page-size estimate. */
static inline int qb_pq_bit_width(uint64_t max_value) { return max_value ? 64 - __builtin_clzll(max_value) : 0; }

/* ---- RLE / bit-packed hybrid ------------------------------------------------------------------------- */

/**
 * Streaming decoder of RLE/bit-packed hybrid runs (no length prefix: the caller strips it) for bit widths
 * 0..32. The last bit-packed group may be padded: decoding stops at the count asked for. With bit width 0
 * every value is 0 and an exhausted input is not an error (a one-entry dictionary may have no runs).
 * A plain value: nothing to free. Fields are private.
 */
typedef struct qb_pq_rle_decoder {
  const uint8_t *p, *end; /* next run header / end of input */
  const uint8_t *start;   /* for offsets in messages */
  int bit_width;
  bool in_rle;            /* current run kind */
  uint32_t run_left;      /* values left in the current run */
  uint32_t rle_value;
  const uint8_t *bp;      /* bit-packed run: start of its data (p is already past it) */
  uint32_t bp_pos;        /* index of the next value within that run */
} qb_pq_rle_decoder;

/** @return QB_OK, or QB_EINVAL for a bit width outside 0..32. */
int qb_pq_rle_decoder_init(qb_pq_rle_decoder *d, const uint8_t *p, size_t n, int bit_width, qb_err *err);
/**
 * Decode exactly `count` values. Input that ends first, a run header that overflows, or a bit-packed run
 * whose bytes are not all present is QB_ECORRUPT ("RLE hybrid: truncated bit-packed run at byte 17").
 */
int qb_pq_rle_decode(uint32_t *out, size_t count, qb_pq_rle_decoder *d, qb_err *err);
/** Bytes consumed so far: up to the end of the current run (useful after the last value). */
size_t qb_pq_rle_decoder_consumed(const qb_pq_rle_decoder *d);

/**
 * Encoder producing what parquet-java's RunLengthBitPackingHybridEncoder produces: runs of ≥ 8 equal values
 * become RLE runs, the rest is bit-packed in groups of 8 (≤ 63 groups per run, so the run header is one
 * byte reserved up front; the final group is zero-padded). Appends to `out`; errors are sticky.
 */
typedef struct qb_pq_rle_encoder {
  qb_buf *out;
  int bit_width;
  int rc;                 /* first error */
  uint32_t buffered[8];
  int n_buffered;
  uint32_t prev;
  size_t repeat;
  size_t bp_groups;       /* groups in the open bit-packed run */
  size_t bp_header_at;    /* offset in out of the reserved header byte; SIZE_MAX when no run is open */
} qb_pq_rle_encoder;

/** bit_width 0..32; values must fit in it (checked: QB_EINVAL). */
void qb_pq_rle_encoder_init(qb_pq_rle_encoder *e, qb_buf *out, int bit_width);
int qb_pq_rle_encoder_put(qb_pq_rle_encoder *e, uint32_t v, qb_err *err);
/** n values, as n puts would (the same bytes), runs and groups of eight distinct values at once. */
int qb_pq_rle_encoder_put_many(qb_pq_rle_encoder *e, const uint32_t *v, size_t n, qb_err *err);
/** `count` copies of v, as `count` puts would: the part beyond the first few only counted. */
int qb_pq_rle_encoder_put_run(qb_pq_rle_encoder *e, uint32_t v, size_t count, qb_err *err);
/** Flush the buffered values and close the open run. The encoder may not be used afterwards. */
int qb_pq_rle_encoder_finish(qb_pq_rle_encoder *e, qb_err *err);
/** One-shot: encode n values (no length prefix). */
int qb_pq_rle_encode(qb_buf *out, const uint32_t *v, size_t n, int bit_width, qb_err *err);

/* ---- levels ----------------------------------------------------------------------------------------------- */

/**
 * Decode `count` repetition or definition levels in 0..max_level.
 * @param enc           QB_PQ_RLE (hybrid, bit width = qb_pq_bit_width(max_level)) or QB_PQ_BIT_PACKED
 *                      (deprecated MSB-first packing, ceil(count*width/8) bytes)
 * @param len_prefixed  RLE in data page v1: a u32 LE byte length precedes the runs; false in data page v2
 *                      (then [p, p+n) is exactly the level section)
 * @param out_consumed  OUT: bytes of [p, p+n) the levels occupy (4 + length when prefixed)
 * With max_level 0 nothing is read: all levels are 0 and *out_consumed is 0.
 * A level above max_level, a length prefix beyond n, or truncated runs are QB_ECORRUPT; another encoding
 * is QB_EUNSUPPORTED.
 */
int qb_pq_levels_decode(int16_t *out, size_t count, int max_level, qb_pq_encoding enc, bool len_prefixed,
                        const uint8_t *p, size_t n, size_t *out_consumed, qb_err *err);
/** Encode levels with the RLE hybrid (bit width from max_level), with the u32 LE length prefix when asked
 * (data page v1). With max_level 0 nothing is written. */
int qb_pq_levels_encode(qb_buf *out, const int16_t *levels, size_t n, int max_level, bool len_prefixed,
                        qb_err *err);
/** The bytes qb_pq_levels_encode writes for `n` copies of `level`, without a levels array (a page of a
 * column without nulls: one RLE run from 8 levels on). */
int qb_pq_levels_encode_run(qb_buf *out, int level, size_t n, int max_level, bool len_prefixed, qb_err *err);

/* ---- DELTA_BINARY_PACKED ------------------------------------------------------------------------------- */

/**
 * Streaming DELTA_BINARY_PACKED decoder. Arithmetic is done in uint64 and wraps (int64 extremes); INT32
 * columns take the low 32 bits (same result as 32-bit wrapping writers). Miniblock bit widths above 64
 * (above 32 for INT32) are QB_ECORRUPT only for miniblocks that hold values: widths of miniblocks after the
 * last value may be garbage (parquet-java pads them). Fields are private.
 */
typedef struct qb_pq_dbp_decoder {
  const uint8_t *start, *p, *end;
  bool is_int32;
  uint32_t block_size, n_miniblocks, per_miniblock;
  uint64_t total;         /* values in the stream (header) */
  uint64_t returned;      /* values handed out so far */
  uint64_t last;          /* previous value */
  uint64_t min_delta;     /* current block */
  const uint8_t *widths;  /* current block's n_miniblocks width bytes */
  uint32_t mini;          /* current miniblock index */
  uint32_t mini_pos;      /* values consumed from it */
  const uint8_t *mini_data;
  uint32_t block_left;    /* values left in the current block; 0 before the first block */
} qb_pq_dbp_decoder;

/**
 * Parse the header. Block size must be a positive multiple of 128 and values per miniblock a positive
 * multiple of 32 (else QB_ECORRUPT). Total count is not trusted for allocation by this module.
 */
int qb_pq_dbp_decoder_init(qb_pq_dbp_decoder *d, const uint8_t *p, size_t n, bool is_int32, qb_err *err);
/** Values the header announces. */
uint64_t qb_pq_dbp_total(const qb_pq_dbp_decoder *d);
/** Decode exactly `count` more values (asking past the total is QB_ECORRUPT). */
int qb_pq_dbp_decode_i64(int64_t *out, size_t count, qb_pq_dbp_decoder *d, qb_err *err);
int qb_pq_dbp_decode_i32(int32_t *out, size_t count, qb_pq_dbp_decoder *d, qb_err *err);
/**
 * Skip to the end of the stream without decoding (O(bytes)): *out_end is the first byte after the last
 * miniblock holding values (where DELTA_LENGTH_BYTE_ARRAY data starts). Works on a freshly initialised
 * decoder; the decoder is consumed.
 */
int qb_pq_dbp_skip_all(const uint8_t **out_end, qb_pq_dbp_decoder *d, qb_err *err);

/** Encode with block size 128 and 4 miniblocks of 32 (parquet-java defaults). INT32 deltas wrap in 32 bits
 * so bit widths stay ≤ 32 as 32-bit readers require. */
int qb_pq_dbp_encode_i32(qb_buf *out, const int32_t *v, size_t n, qb_err *err);
int qb_pq_dbp_encode_i64(qb_buf *out, const int64_t *v, size_t n, qb_err *err);

/* ---- PLAIN encoders (one page's worth of non-null values at a time) --------------------------------- */

/** BOOLEAN: bit-packed LSB first, 8 per byte; v[i] != 0 is true. Pass the whole page in one call. */
int qb_pq_plain_encode_bool(qb_buf *out, const uint8_t *v, size_t n, qb_err *err);
int qb_pq_plain_encode_i32(qb_buf *out, const int32_t *v, size_t n, qb_err *err);
int qb_pq_plain_encode_i64(qb_buf *out, const int64_t *v, size_t n, qb_err *err);
int qb_pq_plain_encode_float(qb_buf *out, const float *v, size_t n, qb_err *err);
int qb_pq_plain_encode_double(qb_buf *out, const double *v, size_t n, qb_err *err);
/** BYTE_ARRAY: u32 LE length + bytes (a value ≥ 4 GiB is QB_EINVAL). */
int qb_pq_plain_encode_bytes(qb_buf *out, const qb_slice *v, size_t n, qb_err *err);
/** FIXED_LEN_BYTE_ARRAY (width = type_length) and INT96 (width 12): raw bytes; every v[i].n must equal
 * width (QB_EINVAL). */
int qb_pq_plain_encode_fixed(qb_buf *out, const qb_slice *v, size_t n, size_t width, qb_err *err);

/* ---- other encoders (tests, optional writer use) ----------------------------------------------------- */

/** DELTA_LENGTH_BYTE_ARRAY: DBP lengths then the concatenated bytes. */
int qb_pq_dlba_encode(qb_buf *out, const qb_slice *v, size_t n, qb_err *err);
/** DELTA_BYTE_ARRAY: DBP prefix lengths (shared prefix with the previous value), then DLBA suffixes. */
int qb_pq_dba_encode(qb_buf *out, const qb_slice *v, size_t n, qb_err *err);
/** Bytes a and b share from their start, up to lim: two words at a time (the first differing byte of two
 * words is their XOR's lowest set byte on a little-endian machine, its highest on a big-endian one).
 * Inline: the column writer asks once per DELTA_BYTE_ARRAY value. */
static inline size_t qb_pq_common_prefix(const uint8_t *a, const uint8_t *b, size_t lim)
{
  size_t k = 0;
  for (; k + 16 <= lim; k += 16) {
    uint64_t x0, y0, x1, y1;
    memcpy(&x0, a + k, 8);
    memcpy(&y0, b + k, 8);
    memcpy(&x1, a + k + 8, 8);
    memcpy(&y1, b + k + 8, 8);
    if ((x0 ^ y0) | (x1 ^ y1)) break;
  }
  for (; k + 8 <= lim; k += 8) {
    uint64_t x, y;
    memcpy(&x, a + k, 8);
    memcpy(&y, b + k, 8);
    if (x != y) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
      return k + (size_t)(__builtin_clzll(x ^ y) >> 3);
#else
      return k + (size_t)(__builtin_ctzll(x ^ y) >> 3);
#endif
    }
  }
  while (k < lim && a[k] == b[k]) k++;
  return k;
}

/** DELTA_BYTE_ARRAY of n values already split: prefix lengths, suffix lengths, and the suffixes back to
 * back ([suffixes, suffixes + suffix_n), the sum of suf). */
int qb_pq_dba_encode_split(qb_buf *out, const int32_t *pre, const int32_t *suf, size_t n, const uint8_t *suffixes,
                           size_t suffix_n, qb_err *err);
/**
 * Split `n` values staged in their PLAIN layout (u32 LE length, bytes; back to back, as the column writer
 * stages them) at [plain, plain + *plain_n) for DELTA_BYTE_ARRAY, in place, when it pays: when the first
 * min(probe, n) values' shared prefixes (bytes in common with the previous value) make up at least half of
 * their bytes. Then (*out_pays) pre[0..n) and suf[0..n) hold the prefix and suffix lengths, the suffixes are
 * moved to the front of the buffer (*plain_n becomes their total) and `last` holds the last value. Else
 * nothing is moved (pre and suf are scratch; also for a value over INT32_MAX bytes, which DELTA_BYTE_ARRAY
 * cannot hold). probe 0 splits without judging. Input that is not exactly n PLAIN values is QB_EINVAL,
 * more than INT32_MAX values QB_ELIMIT.
 */
int qb_pq_dba_split_plain(int32_t *pre, int32_t *suf, bool *out_pays, qb_buf *last, uint8_t *plain, size_t *plain_n,
                          size_t n, size_t probe, qb_err *err);
/** BYTE_STREAM_SPLIT of n values of `width` bytes each, stored back to back at `values`. */
int qb_pq_bss_encode(qb_buf *out, const void *values, size_t n, size_t width, qb_err *err);

/* ---- the page value decoder ------------------------------------------------------------------------------ */

/** Default bound on the bytes DELTA_BYTE_ARRAY / BYTE_STREAM_SPLIT(FLBA) may materialise per page: a tiny
 * hostile page can otherwise expand quadratically (long prefix repeated for every value). */
#define QB_PQ_DEFAULT_MAX_SCRATCH_BYTES ((size_t)256 << 20)

/**
 * Decodes the values section of one data (or dictionary) page into typed caller arrays. Reusable across
 * pages: qb_pq_decoder_init once, qb_pq_decoder_reset per page, qb_pq_decoder_release at the end.
 *
 * Supported (type × encoding):
 *   PLAIN                    all types
 *   RLE                      BOOLEAN (u32 LE length prefix + hybrid, bit width 1)
 *   PLAIN_DICTIONARY,
 *   RLE_DICTIONARY           all types, via qb_pq_decoder_read_indices (1 byte bit width + hybrid)
 *   DELTA_BINARY_PACKED      INT32, INT64
 *   DELTA_LENGTH_BYTE_ARRAY  BYTE_ARRAY
 *   DELTA_BYTE_ARRAY         BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY
 *   BYTE_STREAM_SPLIT        FLOAT, DOUBLE, INT32, INT64, FIXED_LEN_BYTE_ARRAY (N = n / width; n must be a
 *                            multiple of the width)
 * Byte slices point into the page bytes given to reset (PLAIN, DLBA, DBA with prefix 0) or into the
 * decoder's scratch (DBA with a prefix, BSS of FLBA); all stay valid until the next reset or release.
 * Reads return exactly `count` values or fail; running out of input is QB_ECORRUPT naming the value index.
 */
typedef struct qb_pq_decoder {
  qb_pq_type type;
  int32_t type_length;        /* FLBA width; 12 for INT96 */
  qb_pq_encoding encoding;
  const uint8_t *start, *p, *end; /* the values section; p = PLAIN / BSS cursor */
  size_t index;               /* values returned since reset */
  unsigned bit;               /* PLAIN BOOLEAN: next bit within *p */
  qb_pq_rle_decoder rle;      /* RLE booleans, dictionary indices */
  qb_pq_dbp_decoder lengths;  /* DBP values; DLBA lengths; DBA suffix lengths */
  qb_pq_dbp_decoder prefixes; /* DBA prefix lengths */
  const uint8_t *data;        /* DLBA/DBA: next byte of the concatenated values */
  qb_slice prev;              /* DBA: previous value */
  size_t bss_n;               /* BSS: values in the stream (stride) */
  qb_arena scratch;           /* materialised values; released on reset */
  bool scratch_live;
  size_t max_scratch_bytes;   /* QB_ELIMIT beyond this; settable after init */
} qb_pq_decoder;

void qb_pq_decoder_init(qb_pq_decoder *d);
/**
 * Start decoding a page's values section [p, p+n) (after levels, decompressed).
 * @param type_length  FLBA width (> 0); ignored for other types
 * @return QB_OK; QB_EUNSUPPORTED for a type × encoding pair not in the table ("DELTA_BINARY_PACKED is not
 *         valid for DOUBLE"); QB_ECORRUPT for a bad header (DBP, RLE length prefix, dictionary bit width > 32)
 */
int qb_pq_decoder_reset(qb_pq_decoder *d, qb_pq_type type, int32_t type_length, qb_pq_encoding enc,
                        const uint8_t *p, size_t n, qb_err *err);
/** NULL-safe; frees the scratch. The decoder may be reset again afterwards. */
void qb_pq_decoder_release(qb_pq_decoder *d);

/* Typed reads; the type must match the column's physical type (else QB_EINVAL). */
int qb_pq_decoder_read_bool(uint8_t *out, size_t count, qb_pq_decoder *d, qb_err *err); /* 0/1 */
int qb_pq_decoder_read_i32(int32_t *out, size_t count, qb_pq_decoder *d, qb_err *err);
int qb_pq_decoder_read_i64(int64_t *out, size_t count, qb_pq_decoder *d, qb_err *err);
int qb_pq_decoder_read_float(float *out, size_t count, qb_pq_decoder *d, qb_err *err);
int qb_pq_decoder_read_double(double *out, size_t count, qb_pq_decoder *d, qb_err *err);
/** BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY, INT96 (12-byte slices). */
int qb_pq_decoder_read_bytes(qb_slice *out, size_t count, qb_pq_decoder *d, qb_err *err);
/** Dictionary-encoded pages: indices, each checked < dict_size (QB_ECORRUPT "dictionary index 7 >= 5"). */
int qb_pq_decoder_read_indices(uint32_t *out, size_t count, uint32_t dict_size, qb_pq_decoder *d, qb_err *err);

#endif
