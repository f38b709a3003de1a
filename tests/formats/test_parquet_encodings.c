/* SPDX-License-Identifier: Apache-2.0 */
/* Parquet encodings: vectors from Encodings.md, bit widths 0..32, DELTA_* extremes, BYTE_STREAM_SPLIT,
 * PLAIN layouts, hostile inputs. */
#include <math.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>

#include "formats/parquet/dict_builder.h"
#include "formats/parquet/encodings.h"
#include "formats/parquet/meta.h"
#include "harness.h"

static size_t unhex(uint8_t *out, const char *hex)
{
  size_t n = 0;
  for (const char *p = hex; *p;) {
    if (*p == ' ') {
      p++;
      continue;
    }
    unsigned v;
    sscanf(p, "%2x", &v);
    out[n++] = (uint8_t)v;
    p += 2;
  }
  return n;
}

static bool bytes_eq(const qb_buf *b, const char *hex)
{
  uint8_t want[512];
  size_t n = unhex(want, hex);
  if (b->n != n || (n && memcmp(b->p, want, n) != 0)) {
    fprintf(stderr, "  got:");
    for (size_t i = 0; i < b->n; i++) fprintf(stderr, " %02x", b->p[i]);
    fprintf(stderr, "\n  want: %s\n", hex);
    return false;
  }
  return true;
}

/* Deterministic pseudo-random numbers (xorshift64*). */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 2685821657736338717ull;
}

/* ---- RLE hybrid ---------------------------------------------------------------------------------------- */

QB_TEST(rle_hybrid_spec_vectors)
{
  static const struct {
    const char *hex; /* runs, no length prefix */
    int bit_width;
    size_t n;
    uint32_t want[12];
  } cases[] = {
      /* Encodings.md: 0..7 bit-packed with width 3 → 10001000 11000110 11111010 */
      {"03 88 c6 fa", 3, 8, {0, 1, 2, 3, 4, 5, 6, 7}},
      /* RLE run of 5 copies of 4 (width 3: one value byte) */
      {"0a 04", 3, 5, {4, 4, 4, 4, 4}},
      /* RLE run of 3 x 0x1234 with width 13 (two value bytes, LE) then bit-packed 8 values of 1 */
      {"06 34 12", 13, 3, {0x1234, 0x1234, 0x1234}},
      /* width 1 bit-packed, padded: 10 values of alternating 1,0 in two groups */
      {"05 55 55", 1, 10, {1, 0, 1, 0, 1, 0, 1, 0, 1, 0}},
      /* mixed: RLE 2 x 1, then bit-packed group 0..7 at width 3 */
      {"04 01 03 88 c6 fa", 3, 10, {1, 1, 0, 1, 2, 3, 4, 5, 6, 7}},
      /* width 32: RLE of 2 x 0xffffffff */
      {"04 ff ff ff ff", 32, 2, {0xffffffffu, 0xffffffffu}},
      /* width 0: no runs needed */
      {"", 0, 12, {0}},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    qb_err err = QB_ERR_INIT;
    uint8_t in[64];
    size_t n = unhex(in, cases[c].hex);
    qb_pq_rle_decoder d;
    CHECK_OK(qb_pq_rle_decoder_init(&d, in, n, cases[c].bit_width, &err), &err);
    uint32_t got[12];
    CHECK_OK(qb_pq_rle_decode(got, cases[c].n, &d, &err), &err);
    for (size_t i = 0; i < cases[c].n; i++) EXPECT(got[i] == cases[c].want[i]);
  }
}

QB_TEST(rle_hybrid_encoder_matches_parquet_java)
{
  static const struct {
    int bit_width;
    size_t n;
    uint32_t v[24];
    const char *hex;
  } cases[] = {
      {1, 10, {1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, "14 01"},     /* ≥ 8 repeats: one RLE run */
      {3, 8, {0, 1, 2, 3, 4, 5, 6, 7}, "03 88 c6 fa"},      /* the Encodings.md example */
      {3, 3, {0, 1, 2}, "03 88 00 00"},                     /* final group zero-padded */
      {1, 0, {0}, ""},
      /* 8 mixed values (bit-packed) then 10 x 1 (RLE) */
      {1, 18, {0, 1, 0, 1, 0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, "03 aa 14 01"},
      /* width 0 */
      {0, 9, {0}, "12"},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    qb_err err = QB_ERR_INIT;
    qb_buf b;
    qb_buf_init(&b, 1024);
    CHECK_OK(qb_pq_rle_encode(&b, cases[c].v, cases[c].n, cases[c].bit_width, &err), &err);
    EXPECT(bytes_eq(&b, cases[c].hex));
    qb_buf_free(&b);
  }
}

static void rle_round_trip(int bw, size_t n, int pattern)
{
  qb_err err = QB_ERR_INIT;
  uint32_t *v = malloc((n + 1) * sizeof *v), *got = malloc((n + 1) * sizeof *got);
  uint64_t mask = bw == 32 ? 0xffffffffu : ((uint64_t)1 << bw) - 1;
  uint32_t cur = 0;
  for (size_t i = 0; i < n; i++) {
    switch (pattern) {
      case 0: v[i] = (uint32_t)(rnd() & mask); break;                   /* noise: bit-packed */
      case 1: if (rnd() % 13 == 0) cur = (uint32_t)(rnd() & mask);      /* runs: RLE */
              v[i] = cur; break;
      default: v[i] = (uint32_t)((i / 3) & mask); break;                /* short runs */
    }
  }
  qb_buf b;
  qb_buf_init(&b, QB_BUF_NOLIMIT);
  int rc = qb_pq_rle_encode(&b, v, n, bw, &err);
  EXPECT(rc == QB_OK);
  qb_pq_rle_decoder d;
  EXPECT(qb_pq_rle_decoder_init(&d, b.p, b.n, bw, &err) == QB_OK);
  /* decode in uneven chunks to cross run boundaries */
  size_t done = 0, step = 1;
  while (done < n) {
    size_t k = n - done < step ? n - done : step;
    rc = qb_pq_rle_decode(got + done, k, &d, &err);
    if (rc) break;
    done += k;
    step = step * 3 + 1;
  }
  EXPECT(rc == QB_OK);
  EXPECT(memcmp(got, v, n * sizeof *v) == 0);
  if (bw > 0) EXPECT(qb_pq_rle_decoder_consumed(&d) == b.n);
  qb_buf_free(&b);
  free(v);
  free(got);
}

QB_TEST(rle_hybrid_round_trip_all_bit_widths)
{
  static const size_t lens[] = {0, 1, 7, 8, 9, 63, 64, 65, 504, 505, 1000, 5000};
  for (int bw = 0; bw <= 32; bw++)
    for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++)
      for (int pat = 0; pat < 3; pat++) rle_round_trip(bw, lens[l], pat);
}

/* A bit-packed group of eight values for every width, against packing bit by bit (LSB first): the
 * encoder has one unrolled packer per width. */
QB_TEST(rle_hybrid_bit_packed_group_every_width)
{
  for (int bw = 1; bw <= 32; bw++) {
    uint64_t mask = bw == 32 ? 0xffffffffu : ((uint64_t)1 << bw) - 1;
    for (int round = 0; round < 20; round++) {
      uint32_t v[8];
      for (int i = 0; i < 8; i++) v[i] = (uint32_t)(rnd() & mask);
      v[1] = v[0] ^ 1; /* not all equal: one bit-packed group */
      if (round == 0)
        for (int i = 0; i < 8; i++) v[i] = i % 2 ? (uint32_t)mask : 0; /* all ones and zeros */
      uint8_t want[1 + 32];
      memset(want, 0, sizeof want);
      want[0] = 1 << 1 | 1; /* one group, bit-packed */
      for (int i = 0; i < 8; i++)
        for (int b = 0; b < bw; b++)
          if (v[i] >> b & 1) want[1 + (i * bw + b) / 8] |= (uint8_t)(1u << ((i * bw + b) % 8));
      qb_err err = QB_ERR_INIT;
      qb_buf out;
      qb_buf_init(&out, QB_BUF_NOLIMIT);
      CHECK_OK(qb_pq_rle_encode(&out, v, 8, bw, &err), &err);
      CHECK(out.n == (size_t)(1 + bw) && !memcmp(out.p, want, out.n));
      qb_buf_free(&out);
    }
  }
}

/* qb_pq_rle_encode's bulk paths (runs counted at once, groups of eight distinct neighbours packed at once)
 * write the bytes that feeding qb_pq_rle_encoder_put one value at a time writes. */
QB_TEST(rle_hybrid_bulk_equals_put)
{
  static const int widths[] = {1, 2, 3, 7, 8, 13, 20, 32};
  for (size_t wi = 0; wi < sizeof widths / sizeof widths[0]; wi++) {
    int bw = widths[wi];
    uint64_t mask = bw == 32 ? 0xffffffffu : ((uint64_t)1 << bw) - 1;
    for (int pattern = 0; pattern < 4; pattern++) {
      enum { N = 5000 };
      static uint32_t v[N];
      uint32_t cur = 0;
      for (size_t i = 0; i < N; i++) {
        if (pattern == 0) v[i] = (uint32_t)(rnd() & mask);                       /* noise */
        else if (pattern == 1) v[i] = rnd() % 11 == 0 ? (cur = (uint32_t)(rnd() & mask)) : cur; /* runs */
        else if (pattern == 2) v[i] = (uint32_t)((i / (1 + i % 9)) & mask);      /* runs of every length */
        else v[i] = (uint32_t)(((i * 7) ^ (i >> 4)) & mask) | (i % 17 < 9 ? 0 : 1); /* mixed */
      }
      qb_err err = QB_ERR_INIT;
      qb_buf a, b;
      qb_buf_init(&a, QB_BUF_NOLIMIT);
      qb_buf_init(&b, QB_BUF_NOLIMIT);
      CHECK_OK(qb_pq_rle_encode(&a, v, N, bw, &err), &err);
      qb_pq_rle_encoder e;
      qb_pq_rle_encoder_init(&e, &b, bw);
      for (size_t i = 0; i < N; i++) CHECK_OK(qb_pq_rle_encoder_put(&e, v[i], &err), &err);
      CHECK_OK(qb_pq_rle_encoder_finish(&e, &err), &err);
      CHECK(a.n == b.n && !memcmp(a.p, b.p, a.n));
      qb_buf_free(&a);
      qb_buf_free(&b);
    }
  }
}

/* put_many and put_run write what one put per value writes, for runs of every length after anything. */
QB_TEST(rle_hybrid_runs_equal_puts)
{
  static const int widths[] = {1, 3, 8, 17, 32};
  for (size_t wi = 0; wi < sizeof widths / sizeof widths[0]; wi++) {
    int bw = widths[wi];
    uint64_t mask = bw == 32 ? 0xffffffffu : ((uint64_t)1 << bw) - 1;
    for (int round = 0; round < 200; round++) {
      qb_err err = QB_ERR_INIT;
      qb_buf a, b;
      qb_buf_init(&a, QB_BUF_NOLIMIT);
      qb_buf_init(&b, QB_BUF_NOLIMIT);
      qb_pq_rle_encoder ea, eb;
      qb_pq_rle_encoder_init(&ea, &a, bw);
      qb_pq_rle_encoder_init(&eb, &b, bw);
      uint32_t lit[40];
      for (int seg = 0; seg < 12; seg++) {
        size_t nl = rnd() % 20;
        for (size_t i = 0; i < nl; i++) lit[i] = (uint32_t)(rnd() % 3 ? rnd() & mask : (i ? lit[i - 1] : 0));
        CHECK_OK(qb_pq_rle_encoder_put_many(&ea, lit, nl, &err), &err);
        for (size_t i = 0; i < nl; i++) CHECK_OK(qb_pq_rle_encoder_put(&eb, lit[i], &err), &err);
        uint32_t v = (uint32_t)(rnd() % 2 && nl ? lit[nl - 1] : rnd() & mask);
        size_t count = rnd() % 4 ? rnd() % 30 : rnd() % 3000;
        CHECK_OK(qb_pq_rle_encoder_put_run(&ea, v, count, &err), &err);
        for (size_t i = 0; i < count; i++) CHECK_OK(qb_pq_rle_encoder_put(&eb, v, &err), &err);
      }
      CHECK_OK(qb_pq_rle_encoder_finish(&ea, &err), &err);
      CHECK_OK(qb_pq_rle_encoder_finish(&eb, &err), &err);
      CHECK(a.n == b.n && !memcmp(a.p, b.p, a.n));
      qb_buf_free(&a);
      qb_buf_free(&b);
    }
  }
}

/* put_many's groups of eight: every split of a group into two values (a x k, then b), eight equal ones
 * (an RLE run, not a group), and such groups after a group, after a run and after a few values: the
 * bytes of one put per value. */
QB_TEST(rle_hybrid_groups_with_equal_neighbours)
{
  static const int widths[] = {1, 2, 5, 32};
  for (size_t wi = 0; wi < sizeof widths / sizeof widths[0]; wi++) {
    int bw = widths[wi];
    for (int lead = 0; lead < 4; lead++) {     /* before: nothing, a group, a run of 9, 3 values */
      for (int k = 1; k <= 9; k++) {           /* a x k then b x (9 - k) ... */
        uint32_t v[64];
        size_t n = 0;
        if (lead == 1)
          for (int i = 0; i < 8; i++) v[n++] = (uint32_t)(i & 1);
        if (lead == 2)
          for (int i = 0; i < 9; i++) v[n++] = 1;
        if (lead == 3)
          for (int i = 0; i < 3; i++) v[n++] = (uint32_t)i & 1;
        for (int g = 0; g < 3; g++)
          for (int i = 0; i < 9; i++) v[n++] = i < k ? (uint32_t)(g & 1) : (uint32_t)(1 - (g & 1));
        qb_err err = QB_ERR_INIT;
        qb_buf a, b;
        qb_buf_init(&a, QB_BUF_NOLIMIT);
        qb_buf_init(&b, QB_BUF_NOLIMIT);
        CHECK_OK(qb_pq_rle_encode(&a, v, n, bw, &err), &err);
        qb_pq_rle_encoder e;
        qb_pq_rle_encoder_init(&e, &b, bw);
        for (size_t i = 0; i < n; i++) CHECK_OK(qb_pq_rle_encoder_put(&e, v[i], &err), &err);
        CHECK_OK(qb_pq_rle_encoder_finish(&e, &err), &err);
        CHECK(a.n == b.n && !memcmp(a.p, b.p, a.n));
        qb_buf_free(&a);
        qb_buf_free(&b);
      }
    }
  }
}

QB_TEST(rle_hybrid_hostile)
{
  qb_err err = QB_ERR_INIT;
  uint8_t in[32];
  uint32_t out[16];
  qb_pq_rle_decoder d;
  /* bit-packed run announcing 8 values, only 1 of 3 bytes present: 2 values readable, the 3rd is not */
  size_t n = unhex(in, "03 88");
  CHECK_OK(qb_pq_rle_decoder_init(&d, in, n, 3, &err), &err);
  CHECK_OK(qb_pq_rle_decode(out, 2, &d, &err), &err);
  CHECK_EQ_INT(out[1], 1);
  CHECK_FAIL(qb_pq_rle_decode(out, 1, &d, &err), QB_ECORRUPT, &err, "truncated bit-packed run");
  /* input ends */
  n = unhex(in, "04 01");
  CHECK_OK(qb_pq_rle_decoder_init(&d, in, n, 1, &err), &err);
  CHECK_FAIL(qb_pq_rle_decode(out, 3, &d, &err), QB_ECORRUPT, &err, "input ends at byte 2");
  /* RLE value wider than the bit width */
  n = unhex(in, "02 09");
  CHECK_OK(qb_pq_rle_decoder_init(&d, in, n, 3, &err), &err);
  CHECK_FAIL(qb_pq_rle_decode(out, 1, &d, &err), QB_ECORRUPT, &err, "run value 9 at byte 0 exceeds bit width 3");
  /* absurd run length */
  n = unhex(in, "ff ff ff ff 7f 01");
  CHECK_OK(qb_pq_rle_decoder_init(&d, in, n, 1, &err), &err);
  CHECK_FAIL(qb_pq_rle_decode(out, 1, &d, &err), QB_ECORRUPT, &err, "is too long");
  /* truncated header */
  n = unhex(in, "80");
  CHECK_OK(qb_pq_rle_decoder_init(&d, in, n, 1, &err), &err);
  CHECK_FAIL(qb_pq_rle_decode(out, 1, &d, &err), QB_ECORRUPT, &err, "truncated run header at byte 0");
  CHECK_FAIL(qb_pq_rle_decoder_init(&d, in, n, 33, &err), QB_EINVAL, &err, "bit width 33");
}

/* ---- levels ---------------------------------------------------------------------------------------------- */

QB_TEST(levels_v1_v2_and_bit_packed)
{
  qb_err err = QB_ERR_INIT;
  int16_t lv[20] = {0, 1, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 1, 0, 2, 2, 3, 1, 0, 3};
  qb_buf b;
  qb_buf_init(&b, 1024);
  CHECK_OK(qb_buf_append(&b, "xy", 2, &err), &err); /* levels may start mid-buffer */
  CHECK_OK(qb_pq_levels_encode(&b, lv, 20, 3, true, &err), &err);
  CHECK_EQ_INT(qb_le32(b.p + 2), b.n - 6);
  CHECK_OK(qb_buf_append(&b, "VALUES", 6, &err), &err);
  int16_t got[20];
  size_t used;
  CHECK_OK(qb_pq_levels_decode(got, 20, 3, QB_PQ_RLE, true, b.p + 2, b.n - 2, &used, &err), &err);
  CHECK(memcmp(got, lv, sizeof lv) == 0);
  CHECK(memcmp(b.p + 2 + used, "VALUES", 6) == 0);
  /* v2: no prefix, the section is exact */
  qb_buf_reset(&b);
  CHECK_OK(qb_pq_levels_encode(&b, lv, 20, 3, false, &err), &err);
  CHECK_OK(qb_pq_levels_decode(got, 20, 3, QB_PQ_RLE, false, b.p, b.n, &used, &err), &err);
  CHECK(memcmp(got, lv, sizeof lv) == 0);
  CHECK_EQ_INT(used, b.n);
  /* level above max */
  CHECK_FAIL(qb_pq_levels_decode(got, 20, 2, QB_PQ_RLE, false, b.p, b.n, &used, &err), QB_ECORRUPT, &err,
             "exceeds the maximum 2");
  /* length prefix beyond the page */
  uint8_t bad[8] = {0x10, 0, 0, 0, 2, 1};
  CHECK_FAIL(qb_pq_levels_decode(got, 1, 1, QB_PQ_RLE, true, bad, 6, &used, &err), QB_ECORRUPT, &err,
             "length 16 exceeds the 2 bytes");
  /* max level 0: nothing stored */
  qb_buf_reset(&b);
  CHECK_OK(qb_pq_levels_encode(&b, lv, 20, 0, true, &err), &err);
  CHECK_EQ_INT(b.n, 0);
  CHECK_OK(qb_pq_levels_decode(got, 20, 0, QB_PQ_BIT_PACKED, true, NULL, 0, &used, &err), &err);
  CHECK_EQ_INT(got[19], 0);
  CHECK_EQ_INT(used, 0);
  /* deprecated BIT_PACKED, Encodings.md example: 0..7 width 3 → 00000101 00111001 01110111 */
  uint8_t bp[3] = {0x05, 0x39, 0x77};
  CHECK_OK(qb_pq_levels_decode(got, 8, 7, QB_PQ_BIT_PACKED, false, bp, 3, &used, &err), &err);
  for (int i = 0; i < 8; i++) CHECK_EQ_INT(got[i], i);
  CHECK_EQ_INT(used, 3);
  CHECK_FAIL(qb_pq_levels_decode(got, 9, 7, QB_PQ_BIT_PACKED, false, bp, 3, &used, &err), QB_ECORRUPT, &err,
             "9 values need 4 bytes");
  CHECK_FAIL(qb_pq_levels_decode(got, 1, 1, QB_PQ_PLAIN, false, bp, 3, &used, &err), QB_EUNSUPPORTED, &err,
             "PLAIN");
  qb_buf_free(&b);
}

/* ---- DELTA_BINARY_PACKED ----------------------------------------------------------------------------- */

/* A run of one level without an array (pages without nulls) writes what the array encoder writes:
 * a bit-packed group below 8 levels, one RLE run from 8 on; with and without the v1 length prefix. */
QB_TEST(levels_run_equals_levels_array)
{
  qb_err e = QB_ERR_INIT;
  static int16_t lv[70000];
  static const size_t counts[] = {0, 1, 7, 8, 9, 63, 64, 65, 127, 128, 20000, 70000};
  static const int maxes[] = {0, 1, 2, 3, 7, 300};
  for (size_t m = 0; m < sizeof maxes / sizeof maxes[0]; m++)
    for (int level = 0; level <= 1 && level <= maxes[m]; level++)
      for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++)
        for (int prefixed = 0; prefixed < 2; prefixed++) {
          size_t n = counts[k];
          int lvl = level ? maxes[m] : 0;
          for (size_t i = 0; i < n; i++) lv[i] = (int16_t)lvl;
          qb_buf a, b;
          qb_buf_init(&a, QB_BUF_NOLIMIT);
          qb_buf_init(&b, QB_BUF_NOLIMIT);
          CHECK_OK(qb_pq_levels_encode(&a, lv, n, maxes[m], prefixed, &e), &e);
          CHECK_OK(qb_pq_levels_encode_run(&b, lvl, n, maxes[m], prefixed, &e), &e);
          if (a.n != b.n || (a.n && memcmp(a.p, b.p, a.n))) {
            fprintf(stderr, "  max %d level %d n %zu prefixed %d differ\n", maxes[m], lvl, n, prefixed);
            CHECK(0);
          }
          if (n == 70000 && maxes[m] == 1) { /* and it decodes */
            int16_t *back = malloc(n * sizeof *back);
            size_t used;
            CHECK_OK(qb_pq_levels_decode(back, n, 1, QB_PQ_RLE, prefixed, b.p, b.n, &used, &e), &e);
            CHECK(used == b.n && back[0] == lvl && back[n - 1] == lvl);
            free(back);
          }
          qb_buf_free(&a);
          qb_buf_free(&b);
        }
  qb_buf out;
  qb_buf_init(&out, QB_BUF_NOLIMIT);
  CHECK_FAIL(qb_pq_levels_encode_run(&out, 2, 10, 1, false, &e), QB_EINVAL, &e, "level 2 outside 0..1");
  qb_buf_free(&out);
}

QB_TEST(dbp_vectors)
{
  static const struct {
    const char *hex;
    bool is32;
    size_t n;
    int64_t want[8];
  } cases[] = {
      /* 1..5: min delta 1, all widths 0, no miniblock bytes */
      {"80 01 04 05 02  02 00 00 00 00", false, 5, {1, 2, 3, 4, 5}},
      /* Encodings.md example 2: 7 5 3 1 2 3 4 5 → min delta -2, width 2 */
      {"80 01 04 08 0e  03 02 00 00 00  c0 3f 00 00 00 00 00 00", false, 8, {7, 5, 3, 1, 2, 3, 4, 5}},
      /* same with garbage widths for the absent miniblocks (parquet-java pads them) */
      {"80 01 04 08 0e  03 02 ff 63 41  c0 3f 00 00 00 00 00 00", true, 8, {7, 5, 3, 1, 2, 3, 4, 5}},
      /* int64 wrap-around: INT64_MAX then + 1 */
      {"80 01 04 02 fe ff ff ff ff ff ff ff ff 01  02 00 00 00 00", false, 2, {INT64_MAX, INT64_MIN}},
      /* int32 wrap-around: INT32_MAX then + 1 */
      {"80 01 04 02 fe ff ff ff 0f  02 00 00 00 00", true, 2, {INT32_MAX, INT32_MIN}},
      /* a single value: header only */
      {"80 01 04 01 07", false, 1, {-4}},
      /* no values */
      {"80 01 04 00 00", false, 0, {0}},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    qb_err err = QB_ERR_INIT;
    uint8_t in[64];
    size_t n = unhex(in, cases[c].hex);
    qb_pq_dbp_decoder d;
    CHECK_OK(qb_pq_dbp_decoder_init(&d, in, n, cases[c].is32, &err), &err);
    CHECK_EQ_INT(qb_pq_dbp_total(&d), cases[c].n);
    qb_pq_dbp_decoder skip = d;
    if (cases[c].is32) {
      int32_t got[8];
      CHECK_OK(qb_pq_dbp_decode_i32(got, cases[c].n, &d, &err), &err);
      for (size_t i = 0; i < cases[c].n; i++) EXPECT(got[i] == cases[c].want[i]);
    } else {
      int64_t got[8];
      CHECK_OK(qb_pq_dbp_decode_i64(got, cases[c].n, &d, &err), &err);
      for (size_t i = 0; i < cases[c].n; i++) EXPECT(got[i] == cases[c].want[i]);
    }
    const uint8_t *end;
    CHECK_OK(qb_pq_dbp_skip_all(&end, &skip, &err), &err);
    EXPECT(end == in + n);
    int64_t one;
    CHECK_FAIL(qb_pq_dbp_decode_i64(&one, 1, &d, &err), QB_ECORRUPT, &err, "more values requested");
  }
}

QB_TEST(dbp_encoder_matches_spec_example)
{
  qb_err err = QB_ERR_INIT;
  qb_buf b;
  qb_buf_init(&b, 1024);
  int64_t v[8] = {7, 5, 3, 1, 2, 3, 4, 5};
  CHECK_OK(qb_pq_dbp_encode_i64(&b, v, 8, &err), &err);
  CHECK(bytes_eq(&b, "80 01 04 08 0e  03 02 00 00 00  c0 3f 00 00 00 00 00 00"));
  qb_buf_reset(&b);
  int32_t w[8] = {7, 5, 3, 1, 2, 3, 4, 5};
  CHECK_OK(qb_pq_dbp_encode_i32(&b, w, 8, &err), &err);
  CHECK(bytes_eq(&b, "80 01 04 08 0e  03 02 00 00 00  c0 3f 00 00 00 00 00 00"));
  qb_buf_free(&b);
}

QB_TEST(dbp_round_trip_extremes)
{
  static const size_t lens[] = {0, 1, 2, 31, 32, 33, 128, 129, 257, 1000, 4097};
  for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++) {
    size_t n = lens[l];
    for (int pat = 0; pat < 4; pat++) {
      qb_err err = QB_ERR_INIT;
      int64_t *v = malloc((n + 1) * sizeof *v), *g = malloc((n + 1) * sizeof *g);
      int32_t *v32 = malloc((n + 1) * sizeof *v32), *g32 = malloc((n + 1) * sizeof *g32);
      for (size_t i = 0; i < n; i++) {
        switch (pat) {
          case 0: v[i] = (int64_t)rnd(); break;                                   /* full 64-bit noise */
          case 1: v[i] = (i & 1) ? INT64_MIN : INT64_MAX; break;                  /* maximal deltas */
          case 2: v[i] = (int64_t)i * 1000 - 7; break;                            /* constant delta */
          default: v[i] = (int64_t)(rnd() % 100) - 50; break;                     /* small noise */
        }
        v32[i] = pat == 1 ? ((i & 1) ? INT32_MIN : INT32_MAX) : (int32_t)(uint32_t)v[i];
      }
      qb_buf b;
      qb_buf_init(&b, QB_BUF_NOLIMIT);
      EXPECT(qb_pq_dbp_encode_i64(&b, v, n, &err) == QB_OK);
      qb_pq_dbp_decoder d;
      EXPECT(qb_pq_dbp_decoder_init(&d, b.p, b.n, false, &err) == QB_OK);
      EXPECT(qb_pq_dbp_decode_i64(g, n, &d, &err) == QB_OK);
      EXPECT(memcmp(v, g, n * sizeof *v) == 0);
      qb_pq_dbp_decoder s;
      const uint8_t *end = NULL;
      EXPECT(qb_pq_dbp_decoder_init(&s, b.p, b.n, false, &err) == QB_OK);
      EXPECT(qb_pq_dbp_skip_all(&end, &s, &err) == QB_OK && end == b.p + b.n);

      qb_buf_reset(&b);
      EXPECT(qb_pq_dbp_encode_i32(&b, v32, n, &err) == QB_OK);
      /* INT32 widths stay ≤ 32 (what 32-bit readers require) */
      EXPECT(qb_pq_dbp_decoder_init(&d, b.p, b.n, true, &err) == QB_OK);
      EXPECT(qb_pq_dbp_decode_i32(g32, n, &d, &err) == QB_OK);
      EXPECT(memcmp(v32, g32, n * sizeof *v32) == 0);
      qb_buf_free(&b);
      free(v);
      free(g);
      free(v32);
      free(g32);
    }
  }
}

QB_TEST(dbp_hostile)
{
  qb_err err = QB_ERR_INIT;
  uint8_t in[64];
  qb_pq_dbp_decoder d;
  int64_t out[4];
  size_t n = unhex(in, "08 01 05 02");
  CHECK_FAIL(qb_pq_dbp_decoder_init(&d, in, n, false, &err), QB_ECORRUPT, &err, "block size 8 with 1 miniblocks");
  n = unhex(in, "80 01 04");
  CHECK_FAIL(qb_pq_dbp_decoder_init(&d, in, n, false, &err), QB_ECORRUPT, &err, "truncated header");
  /* huge total, no blocks */
  n = unhex(in, "80 01 04 ff ff ff ff 0f 00");
  CHECK_OK(qb_pq_dbp_decoder_init(&d, in, n, false, &err), &err);
  CHECK_OK(qb_pq_dbp_decode_i64(out, 1, &d, &err), &err);
  CHECK_FAIL(qb_pq_dbp_decode_i64(out, 1, &d, &err), QB_ECORRUPT, &err, "truncated block header");
  const uint8_t *end;
  CHECK_OK(qb_pq_dbp_decoder_init(&d, in, n, false, &err), &err);
  CHECK_FAIL(qb_pq_dbp_skip_all(&end, &d, &err), QB_ECORRUPT, &err, "truncated block header");
  /* width 65 in a used miniblock */
  n = unhex(in, "80 01 04 03 00 00 41 00 00 00");
  CHECK_OK(qb_pq_dbp_decoder_init(&d, in, n, false, &err), &err);
  CHECK_FAIL(qb_pq_dbp_decode_i64(out, 2, &d, &err), QB_ECORRUPT, &err, "miniblock bit width 65");
  /* width 65 in INT32 too */
  n = unhex(in, "80 01 04 03 00 00 41 00 00 00");
  CHECK_OK(qb_pq_dbp_decoder_init(&d, in, n, true, &err), &err);
  CHECK_FAIL(qb_pq_dbp_decode_i64(out, 2, &d, &err), QB_ECORRUPT, &err, "miniblock bit width 65");
  /* miniblock bytes missing */
  n = unhex(in, "80 01 04 03 00 00 08 00 00 00 01 02");
  CHECK_OK(qb_pq_dbp_decoder_init(&d, in, n, false, &err), &err);
  CHECK_FAIL(qb_pq_dbp_decode_i64(out, 2, &d, &err), QB_ECORRUPT, &err, "truncated miniblock");
}

/* DuckDB's V2 writer computes INT32 deltas in 64 bits: -2e9, 2e9+1, -2e9-2 has deltas 4000000001 and
 * -4000000003, a miniblock of width 33. DuckDB and parquet-java (one 64-bit reader for both types) read
 * such pages; the values are the low 32 bits of the 64-bit sums. */
static size_t put_uleb(uint8_t *p, uint64_t v)
{
  size_t n = 0;
  do {
    p[n] = (uint8_t)(v & 0x7f);
    v >>= 7;
    if (v) p[n] |= 0x80;
    n++;
  } while (v);
  return n;
}

QB_TEST(dbp_int32_miniblock_width_33)
{
  qb_err err = QB_ERR_INIT;
  static uint8_t in[256];
  const int32_t want[3] = {-2000000000, 2000000001, -2000000002};
  size_t n = put_uleb(in, 128);
  n += put_uleb(in + n, 4);
  n += put_uleb(in + n, 3);
  n += put_uleb(in + n, (uint64_t)(-2 * (int64_t)want[0] - 1)); /* zig-zag of the first value */
  int64_t d1 = (int64_t)want[1] - want[0], d2 = (int64_t)want[2] - want[1], min = d1 < d2 ? d1 : d2;
  n += put_uleb(in + n, (uint64_t)(-2 * min - 1));                 /* min delta < 0 */
  const uint8_t widths[4] = {33, 0, 0, 0};
  memcpy(in + n, widths, 4);
  n += 4;
  uint64_t u[2] = {(uint64_t)(d1 - min), (uint64_t)(d2 - min)};
  CHECK(qb_pq_bit_width(u[0] | u[1]) == 33);
  uint8_t *mb = in + n; /* 32 values of 33 bits, LSB first */
  memset(mb, 0, 132);
  for (size_t i = 0; i < 2; i++)
    for (unsigned b = 0; b < 33; b++)
      if (u[i] >> b & 1) mb[(i * 33 + b) / 8] |= (uint8_t)(1u << ((i * 33 + b) % 8));
  n += 132;
  qb_pq_dbp_decoder d;
  int32_t out[3];
  CHECK_OK(qb_pq_dbp_decoder_init(&d, in, n, true, &err), &err);
  CHECK_OK(qb_pq_dbp_decode_i32(out, 3, &d, &err), &err);
  for (size_t i = 0; i < 3; i++) CHECK(out[i] == want[i]);
  /* through the page decoder too */
  qb_pq_decoder pd;
  qb_pq_decoder_init(&pd);
  CHECK_OK(qb_pq_decoder_reset(&pd, QB_PQ_INT32, 0, QB_PQ_DELTA_BINARY_PACKED, in, n, &err), &err);
  memset(out, 0, sizeof out);
  CHECK_OK(qb_pq_decoder_read_i32(out, 3, &pd, &err), &err);
  for (size_t i = 0; i < 3; i++) CHECK(out[i] == want[i]);
  qb_pq_decoder_release(&pd);
}

/* ---- PLAIN ----------------------------------------------------------------------------------------------- */

QB_TEST(plain_round_trip_all_types)
{
  qb_err err = QB_ERR_INIT;
  qb_pq_decoder d;
  qb_pq_decoder_init(&d);
  qb_buf b;
  qb_buf_init(&b, 1 << 16);

  uint8_t bools[9] = {1, 0, 1, 1, 0, 0, 0, 0, 1}, gb[9];
  CHECK_OK(qb_pq_plain_encode_bool(&b, bools, 9, &err), &err);
  CHECK(bytes_eq(&b, "0d 01"));
  CHECK_OK(qb_pq_decoder_reset(&d, QB_PQ_BOOLEAN, 0, QB_PQ_PLAIN, b.p, b.n, &err), &err);
  CHECK_OK(qb_pq_decoder_read_bool(gb, 3, &d, &err), &err);
  CHECK_OK(qb_pq_decoder_read_bool(gb + 3, 6, &d, &err), &err);
  CHECK(memcmp(gb, bools, 9) == 0);

  qb_buf_reset(&b);
  int32_t i32[3] = {1, -2, INT32_MIN}, g32[3];
  CHECK_OK(qb_pq_plain_encode_i32(&b, i32, 3, &err), &err);
  CHECK(bytes_eq(&b, "01000000 feffffff 00000080"));
  CHECK_OK(qb_pq_decoder_reset(&d, QB_PQ_INT32, 0, QB_PQ_PLAIN, b.p, b.n, &err), &err);
  CHECK_OK(qb_pq_decoder_read_i32(g32, 3, &d, &err), &err);
  CHECK(memcmp(g32, i32, sizeof i32) == 0);
  CHECK_FAIL(qb_pq_decoder_read_i32(g32, 1, &d, &err), QB_ECORRUPT, &err, "ends before value 3");

  qb_buf_reset(&b);
  int64_t i64[2] = {INT64_MAX, -1}, g64[2];
  CHECK_OK(qb_pq_plain_encode_i64(&b, i64, 2, &err), &err);
  CHECK(bytes_eq(&b, "ffffffffffffff7f ffffffffffffffff"));
  CHECK_OK(qb_pq_decoder_reset(&d, QB_PQ_INT64, 0, QB_PQ_PLAIN, b.p, b.n, &err), &err);
  CHECK_OK(qb_pq_decoder_read_i64(g64, 2, &d, &err), &err);
  CHECK(memcmp(g64, i64, sizeof i64) == 0);

  qb_buf_reset(&b);
  float f[2] = {1.0f, -0.0f}, gf[2];
  CHECK_OK(qb_pq_plain_encode_float(&b, f, 2, &err), &err);
  CHECK(bytes_eq(&b, "0000803f 00000080"));
  CHECK_OK(qb_pq_decoder_reset(&d, QB_PQ_FLOAT, 0, QB_PQ_PLAIN, b.p, b.n, &err), &err);
  CHECK_OK(qb_pq_decoder_read_float(gf, 2, &d, &err), &err);
  CHECK(memcmp(gf, f, sizeof f) == 0);

  qb_buf_reset(&b);
  double dv[2] = {1.0, NAN}, gd[2];
  CHECK_OK(qb_pq_plain_encode_double(&b, dv, 2, &err), &err);
  CHECK_OK(qb_pq_decoder_reset(&d, QB_PQ_DOUBLE, 0, QB_PQ_PLAIN, b.p, b.n, &err), &err);
  CHECK_OK(qb_pq_decoder_read_double(gd, 2, &d, &err), &err);
  CHECK(gd[0] == 1.0 && isnan(gd[1]));

  qb_buf_reset(&b);
  qb_slice s[3] = {{(const uint8_t *)"", 0}, {(const uint8_t *)"abc", 3}, {(const uint8_t *)"z", 1}}, gs[4];
  CHECK_OK(qb_pq_plain_encode_bytes(&b, s, 3, &err), &err);
  CHECK(bytes_eq(&b, "00000000 03000000 616263 01000000 7a"));
  CHECK_OK(qb_pq_decoder_reset(&d, QB_PQ_BYTE_ARRAY, 0, QB_PQ_PLAIN, b.p, b.n, &err), &err);
  CHECK_OK(qb_pq_decoder_read_bytes(gs, 3, &d, &err), &err);
  CHECK(gs[1].n == 3 && memcmp(gs[1].p, "abc", 3) == 0 && gs[1].p == b.p + 8); /* zero-copy */
  CHECK(gs[0].n == 0 && gs[2].n == 1 && gs[2].p[0] == 'z');
  /* a length past the end */
  b.p[4] = 0x30;
  CHECK_OK(qb_pq_decoder_reset(&d, QB_PQ_BYTE_ARRAY, 0, QB_PQ_PLAIN, b.p, b.n, &err), &err);
  CHECK_FAIL(qb_pq_decoder_read_bytes(gs, 3, &d, &err), QB_ECORRUPT, &err, "value 1 has length 48");

  qb_buf_reset(&b);
  qb_slice fx[2] = {{(const uint8_t *)"abcdefghijkl", 12}, {(const uint8_t *)"ABCDEFGHIJKL", 12}};
  CHECK_OK(qb_pq_plain_encode_fixed(&b, fx, 2, 12, &err), &err);
  CHECK_OK(qb_pq_decoder_reset(&d, QB_PQ_INT96, 0, QB_PQ_PLAIN, b.p, b.n, &err), &err);
  CHECK_OK(qb_pq_decoder_read_bytes(gs, 2, &d, &err), &err);
  CHECK(gs[1].n == 12 && memcmp(gs[1].p, "ABCDEFGHIJKL", 12) == 0);
  CHECK_OK(qb_pq_decoder_reset(&d, QB_PQ_FIXED_LEN_BYTE_ARRAY, 5, QB_PQ_PLAIN, b.p, b.n, &err), &err);
  CHECK_OK(qb_pq_decoder_read_bytes(gs, 4, &d, &err), &err);
  CHECK(gs[3].n == 5 && memcmp(gs[3].p, "DEFGH", 5) == 0);
  CHECK_FAIL(qb_pq_decoder_read_bytes(gs, 1, &d, &err), QB_ECORRUPT, &err, "ends before value 4");
  CHECK_FAIL(qb_pq_plain_encode_fixed(&b, fx, 2, 5, &err), QB_EINVAL, &err, "value 0 is 12 bytes");

  /* misuse */
  CHECK_FAIL(qb_pq_decoder_read_i64(g64, 1, &d, &err), QB_EINVAL, &err, "cannot read INT64 values");
  CHECK_FAIL(qb_pq_decoder_reset(&d, QB_PQ_DOUBLE, 0, QB_PQ_DELTA_BINARY_PACKED, b.p, b.n, &err), QB_EUNSUPPORTED,
             &err, "DELTA_BINARY_PACKED (5) is not valid for DOUBLE");
  qb_pq_decoder_release(&d);
  qb_buf_free(&b);
}

QB_TEST(rle_booleans_and_dictionary_indices)
{
  qb_err err = QB_ERR_INIT;
  qb_pq_decoder d;
  qb_pq_decoder_init(&d);
  /* RLE booleans: u32 length + hybrid with width 1: 10 x true, then 8 bit-packed */
  uint8_t in[32];
  size_t n = unhex(in, "04000000 14 01 03 a5");
  uint8_t got[18];
  CHECK_OK(qb_pq_decoder_reset(&d, QB_PQ_BOOLEAN, 0, QB_PQ_RLE, in, n, &err), &err);
  CHECK_OK(qb_pq_decoder_read_bool(got, 18, &d, &err), &err);
  static const uint8_t want[18] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 0, 1, 0, 1};
  CHECK(memcmp(got, want, 18) == 0);
  CHECK_FAIL(qb_pq_decoder_reset(&d, QB_PQ_BOOLEAN, 0, QB_PQ_RLE, in, 3, &err), QB_ECORRUPT, &err, "4-byte length");

  /* dictionary indices: bit width 2, RLE 3 x 2, bit-packed 0..3 */
  n = unhex(in, "02 06 02 03 e4 e4");
  uint32_t idx[11];
  CHECK_OK(qb_pq_decoder_reset(&d, QB_PQ_BYTE_ARRAY, 0, QB_PQ_RLE_DICTIONARY, in, n, &err), &err);
  CHECK_OK(qb_pq_decoder_read_indices(idx, 11, 4, &d, &err), &err);
  static const uint32_t wi[11] = {2, 2, 2, 0, 1, 2, 3, 0, 1, 2, 3};
  CHECK(memcmp(idx, wi, sizeof wi) == 0);
  CHECK_OK(qb_pq_decoder_reset(&d, QB_PQ_DOUBLE, 0, QB_PQ_PLAIN_DICTIONARY, in, n, &err), &err);
  CHECK_FAIL(qb_pq_decoder_read_indices(idx, 11, 3, &d, &err), QB_ECORRUPT, &err, "dictionary index 3 >= 3 entries at value 6");
  /* bit width 0: every index is 0 (one-entry dictionary) */
  n = unhex(in, "00");
  CHECK_OK(qb_pq_decoder_reset(&d, QB_PQ_INT32, 0, QB_PQ_RLE_DICTIONARY, in, n, &err), &err);
  CHECK_OK(qb_pq_decoder_read_indices(idx, 5, 1, &d, &err), &err);
  CHECK_EQ_INT(idx[4], 0);
  /* no values section */
  CHECK_OK(qb_pq_decoder_reset(&d, QB_PQ_INT32, 0, QB_PQ_RLE_DICTIONARY, in, 0, &err), &err);
  CHECK_FAIL(qb_pq_decoder_read_indices(idx, 1, 1, &d, &err), QB_ECORRUPT, &err, "no values section");
  n = unhex(in, "21 00");
  CHECK_FAIL(qb_pq_decoder_reset(&d, QB_PQ_INT32, 0, QB_PQ_RLE_DICTIONARY, in, n, &err), QB_ECORRUPT, &err,
             "bit width 33 > 32");
  CHECK_FAIL(qb_pq_decoder_read_i32((int32_t *)idx, 1, &d, &err), QB_EINVAL, &err, "cannot read INT32");
  qb_pq_decoder_release(&d);
}

/* ---- DELTA_LENGTH_BYTE_ARRAY / DELTA_BYTE_ARRAY ------------------------------------------------------ */

QB_TEST(delta_length_byte_array)
{
  qb_err err = QB_ERR_INIT;
  /* Encodings.md: "Hello", "World", "Foobar", "ABCDEF" → lengths 5 5 6 6 then the bytes */
  qb_slice v[4] = {{(const uint8_t *)"Hello", 5}, {(const uint8_t *)"World", 5},
                   {(const uint8_t *)"Foobar", 6}, {(const uint8_t *)"ABCDEF", 6}};
  qb_buf b;
  qb_buf_init(&b, 4096);
  CHECK_OK(qb_pq_dlba_encode(&b, v, 4, &err), &err);
  CHECK(b.n > 22 && memcmp(b.p + b.n - 22, "HelloWorldFoobarABCDEF", 22) == 0);
  qb_pq_dbp_decoder lens;
  CHECK_OK(qb_pq_dbp_decoder_init(&lens, b.p, b.n, true, &err), &err);
  int32_t l[4];
  CHECK_OK(qb_pq_dbp_decode_i32(l, 4, &lens, &err), &err);
  CHECK(l[0] == 5 && l[1] == 5 && l[2] == 6 && l[3] == 6);

  qb_pq_decoder d;
  qb_pq_decoder_init(&d);
  qb_slice g[4];
  CHECK_OK(qb_pq_decoder_reset(&d, QB_PQ_BYTE_ARRAY, 0, QB_PQ_DELTA_LENGTH_BYTE_ARRAY, b.p, b.n, &err), &err);
  CHECK_OK(qb_pq_decoder_read_bytes(g, 1, &d, &err), &err);
  CHECK_OK(qb_pq_decoder_read_bytes(g + 1, 3, &d, &err), &err);
  for (int i = 0; i < 4; i++) CHECK(g[i].n == v[i].n && memcmp(g[i].p, v[i].p, v[i].n) == 0);
  CHECK(g[0].p == b.p + b.n - 22); /* zero-copy */
  CHECK_FAIL(qb_pq_decoder_read_bytes(g, 1, &d, &err), QB_ECORRUPT, &err, "more values requested");
  /* data cut short */
  CHECK_OK(qb_pq_decoder_reset(&d, QB_PQ_BYTE_ARRAY, 0, QB_PQ_DELTA_LENGTH_BYTE_ARRAY, b.p, b.n - 3, &err), &err);
  CHECK_FAIL(qb_pq_decoder_read_bytes(g, 4, &d, &err), QB_ECORRUPT, &err, "value 3 has length 6 but 3 bytes are left");
  qb_pq_decoder_release(&d);
  qb_buf_free(&b);
}

QB_TEST(delta_byte_array)
{
  qb_err err = QB_ERR_INIT;
  /* Encodings.md: axis axle babble babyhood → prefixes 0 2 0 3, suffixes axis le babble yhood */
  qb_slice v[4] = {{(const uint8_t *)"axis", 4}, {(const uint8_t *)"axle", 4},
                   {(const uint8_t *)"babble", 6}, {(const uint8_t *)"babyhood", 8}};
  qb_buf b;
  qb_buf_init(&b, 4096);
  CHECK_OK(qb_pq_dba_encode(&b, v, 4, &err), &err);
  CHECK(memcmp(b.p + b.n - 17, "axislebabbleyhood", 17) == 0);
  qb_pq_dbp_decoder pre;
  CHECK_OK(qb_pq_dbp_decoder_init(&pre, b.p, b.n, true, &err), &err);
  int32_t p[4];
  CHECK_OK(qb_pq_dbp_decode_i32(p, 4, &pre, &err), &err);
  CHECK(p[0] == 0 && p[1] == 2 && p[2] == 0 && p[3] == 3);

  qb_pq_decoder d;
  qb_pq_decoder_init(&d);
  qb_slice g[4];
  CHECK_OK(qb_pq_decoder_reset(&d, QB_PQ_BYTE_ARRAY, 0, QB_PQ_DELTA_BYTE_ARRAY, b.p, b.n, &err), &err);
  CHECK_OK(qb_pq_decoder_read_bytes(g, 2, &d, &err), &err);
  CHECK_OK(qb_pq_decoder_read_bytes(g + 2, 2, &d, &err), &err);
  for (int i = 0; i < 4; i++) CHECK(g[i].n == v[i].n && memcmp(g[i].p, v[i].p, v[i].n) == 0);
  /* FLBA(4) variant with a length mismatch */
  CHECK_OK(qb_pq_decoder_reset(&d, QB_PQ_FIXED_LEN_BYTE_ARRAY, 4, QB_PQ_DELTA_BYTE_ARRAY, b.p, b.n, &err), &err);
  CHECK_OK(qb_pq_decoder_read_bytes(g, 2, &d, &err), &err);
  CHECK_FAIL(qb_pq_decoder_read_bytes(g, 1, &d, &err), QB_ECORRUPT, &err, "value 2 has 6 bytes, the column takes 4");
  qb_pq_decoder_release(&d);

  /* prefix longer than the previous value */
  qb_buf_reset(&b);
  int32_t bad_pre[2] = {0, 9}, lens[2] = {1, 1};
  CHECK_OK(qb_pq_dbp_encode_i32(&b, bad_pre, 2, &err), &err);
  CHECK_OK(qb_pq_dbp_encode_i32(&b, lens, 2, &err), &err);
  CHECK_OK(qb_buf_append(&b, "ab", 2, &err), &err);
  CHECK_OK(qb_pq_decoder_reset(&d, QB_PQ_BYTE_ARRAY, 0, QB_PQ_DELTA_BYTE_ARRAY, b.p, b.n, &err), &err);
  CHECK_FAIL(qb_pq_decoder_read_bytes(g, 2, &d, &err), QB_ECORRUPT, &err, "prefix length 9, previous value has 1");
  qb_pq_decoder_release(&d);
  qb_buf_free(&b);
}

/* The column writer's DELTA_BYTE_ARRAY path: values staged PLAIN split in place (qb_pq_dba_split_plain),
 * then encoded (qb_pq_dba_encode_split): the same bytes as the slice encoder, read back by the page
 * decoder; empty values, no shared prefix, one value, counts around the block (128) and miniblock (32)
 * boundaries, values longer than a word and a 1 MiB value, all values equal; the probe rule; input that is
 * not n PLAIN values. */
static bool dba_plain_roundtrip(const qb_slice *v, size_t n)
{
  qb_err err = QB_ERR_INIT;
  qb_buf plain, a, b, last;
  qb_buf_init(&plain, QB_BUF_NOLIMIT);
  qb_buf_init(&a, QB_BUF_NOLIMIT);
  qb_buf_init(&b, QB_BUF_NOLIMIT);
  qb_buf_init(&last, QB_BUF_NOLIMIT);
  int32_t *pre = calloc(n + 1, sizeof *pre), *suf = calloc(n + 1, sizeof *suf);
  bool ok = qb_pq_plain_encode_bytes(&plain, v, n, &err) == QB_OK, pays = false;
  size_t split = plain.n;
  ok = ok && qb_pq_dba_split_plain(pre, suf, &pays, &last, plain.p, &split, n, 0, &err) == QB_OK && pays;
  ok = ok && (!n || (last.n == v[n - 1].n && (!last.n || !memcmp(last.p, v[n - 1].p, last.n))));
  ok = ok && qb_pq_dba_encode_split(&a, pre, suf, n, plain.p, split, &err) == QB_OK;
  ok = ok && qb_pq_dba_encode(&b, v, n, &err) == QB_OK && a.n == b.n && memcmp(a.p, b.p, a.n) == 0;
  qb_pq_decoder d;
  qb_pq_decoder_init(&d);
  qb_slice *g = calloc(n ? n : 1, sizeof *g);
  ok = ok && g && qb_pq_decoder_reset(&d, QB_PQ_BYTE_ARRAY, 0, QB_PQ_DELTA_BYTE_ARRAY, a.p, a.n, &err) == QB_OK &&
       qb_pq_decoder_read_bytes(g, n, &d, &err) == QB_OK;
  for (size_t i = 0; ok && i < n; i++) ok = g[i].n == v[i].n && (!v[i].n || memcmp(g[i].p, v[i].p, v[i].n) == 0);
  if (!ok) fprintf(stderr, "  n=%zu: %s\n", n, err.msg);
  qb_pq_decoder_release(&d);
  free(g);
  free(pre);
  free(suf);
  qb_buf_free(&plain);
  qb_buf_free(&a);
  qb_buf_free(&b);
  qb_buf_free(&last);
  return ok;
}

QB_TEST(delta_byte_array_from_plain)
{
  qb_err err = QB_ERR_INIT;
  enum { N = 1000 };
  static char text[N][96];
  static qb_slice v[N];
  /* ids as the ingest writes them: a 64-character experiment id, "_term_", a number */
  for (int i = 0; i < N; i++) {
    snprintf(text[i], sizeof text[i], "%064x_term_%d", i / 300, i % 300);
    v[i] = (qb_slice){(const uint8_t *)text[i], strlen(text[i])};
  }
  size_t counts[] = {1, 2, 31, 32, 33, 127, 128, 129, 255, 256, 257, 300, N};
  for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) CHECK(dba_plain_roundtrip(v, counts[k]));
  /* empty values among others, all empty, no shared prefix, all equal */
  qb_slice mixed[6] = {{(const uint8_t *)"abc", 3}, {(const uint8_t *)"abd", 3}, {(const uint8_t *)"", 0},
                       {(const uint8_t *)"abd", 3}, {(const uint8_t *)"abd", 3}, {(const uint8_t *)"ab", 2}};
  CHECK(dba_plain_roundtrip(mixed, 6));
  qb_slice empty[40];
  for (int i = 0; i < 40; i++) empty[i] = (qb_slice){(const uint8_t *)"", 0};
  CHECK(dba_plain_roundtrip(empty, 40));
  static char distinct[200][12];
  static qb_slice dv[200], same[200];
  for (int i = 0; i < 200; i++) {
    snprintf(distinct[i], sizeof distinct[i], "%c%07d", 'A' + i % 26, i * 7919 % 10007);
    dv[i] = (qb_slice){(const uint8_t *)distinct[i], strlen(distinct[i])};
    same[i] = v[5];
  }
  CHECK(dba_plain_roundtrip(same, 200));
  /* prefixes that end inside, at and after a word: values of 1..40 bytes sharing 0..39 */
  static char ramp[41][48];
  static qb_slice rv[40];
  for (int i = 0; i < 40; i++) {
    memset(ramp[i], 'r', 48);
    ramp[i][i] = (char)('a' + i % 26);
    rv[i] = (qb_slice){(const uint8_t *)ramp[i], (size_t)(i % 2 ? i + 1 : 40 - i)};
  }
  CHECK(dba_plain_roundtrip(rv, 40));
  /* a value of 1 MiB (a page's worth) after one sharing all but its last byte */
  uint8_t *big = malloc((1 << 20) + 1);
  memset(big, 'x', (1 << 20) + 1);
  qb_slice bv[3] = {{big, (size_t)1 << 20}, {big, ((size_t)1 << 20) + 1}, {big, 5}};
  CHECK(dba_plain_roundtrip(bv, 3));
  free(big);

  /* the rule on the first `probe` values: nothing moved when they do not pay */
  qb_buf plain, last;
  qb_buf_init(&plain, QB_BUF_NOLIMIT);
  qb_buf_init(&last, QB_BUF_NOLIMIT);
  int32_t pre[8], suf[8];
  bool pays = true;
  CHECK_OK(qb_pq_plain_encode_bytes(&plain, dv, 6, &err), &err); /* 8-byte values sharing nothing */
  size_t n = plain.n;
  uint8_t *copy = malloc(plain.n);
  memcpy(copy, plain.p, plain.n);
  CHECK_OK(qb_pq_dba_split_plain(pre, suf, &pays, &last, plain.p, &n, 6, 6, &err), &err);
  CHECK(!pays && n == plain.n && !memcmp(copy, plain.p, n));
  /* mixed: shared 2 + 3 + 2 = 7 of 14 bytes (half: it pays); the first 2 values share 2 of 6 (it does not) */
  qb_buf_reset(&plain);
  CHECK_OK(qb_pq_plain_encode_bytes(&plain, mixed, 6, &err), &err);
  n = plain.n;
  CHECK_OK(qb_pq_dba_split_plain(pre, suf, &pays, &last, plain.p, &n, 6, 2, &err), &err);
  CHECK(!pays && n == plain.n);
  CHECK_OK(qb_pq_dba_split_plain(pre, suf, &pays, &last, plain.p, &n, 6, 6, &err), &err);
  CHECK(pays && n == 7 && !memcmp(plain.p, "abcdabd", 7) && last.n == 2 && !memcmp(last.p, "ab", 2));
  CHECK(pre[0] == 0 && pre[1] == 2 && pre[2] == 0 && pre[3] == 0 && pre[4] == 3 && pre[5] == 2);
  CHECK(suf[0] == 3 && suf[1] == 1 && suf[2] == 0 && suf[3] == 3 && suf[4] == 0 && suf[5] == 0);
  /* input that is not exactly n PLAIN values */
  qb_buf_reset(&plain);
  CHECK_OK(qb_pq_plain_encode_bytes(&plain, mixed, 6, &err), &err);
  n = plain.n;
  CHECK_FAIL(qb_pq_dba_split_plain(pre, suf, &pays, &last, plain.p, &n, 7, 0, &err), QB_EINVAL, &err,
             "value 6: truncated PLAIN input");
  n = plain.n - 1;
  CHECK_FAIL(qb_pq_dba_split_plain(pre, suf, &pays, &last, plain.p, &n, 6, 0, &err), QB_EINVAL, &err,
             "value 5 of 2 bytes: truncated");
  n = plain.n;
  CHECK_FAIL(qb_pq_dba_split_plain(pre, suf, &pays, &last, plain.p, &n, 5, 0, &err), QB_EINVAL, &err,
             "6 bytes after 5 values");
  free(copy);
  qb_buf_free(&plain);
  qb_buf_free(&last);
}

QB_TEST(delta_byte_array_expansion_is_bounded)
{
  /* A 2000-byte first value then 10000 values sharing all of it: ~20 MB from a small page. */
  qb_err err = QB_ERR_INIT;
  enum { N = 10000 };
  int32_t *pre = calloc(N, sizeof *pre), *len = calloc(N, sizeof *len);
  len[0] = 2000;
  for (int i = 1; i < N; i++) pre[i] = 2000;
  qb_buf b;
  qb_buf_init(&b, QB_BUF_NOLIMIT);
  CHECK_OK(qb_pq_dbp_encode_i32(&b, pre, N, &err), &err);
  CHECK_OK(qb_pq_dbp_encode_i32(&b, len, N, &err), &err);
  CHECK_OK(qb_buf_reserve(&b, 2000, &err), &err);
  memset(b.p + b.n, 'q', 2000);
  b.n += 2000;
  CHECK(b.n < 4000);
  qb_pq_decoder d;
  qb_pq_decoder_init(&d);
  d.max_scratch_bytes = 1 << 20;
  qb_slice *g = calloc(N, sizeof *g);
  CHECK_OK(qb_pq_decoder_reset(&d, QB_PQ_BYTE_ARRAY, 0, QB_PQ_DELTA_BYTE_ARRAY, b.p, b.n, &err), &err);
  CHECK_FAIL(qb_pq_decoder_read_bytes(g, N, &d, &err), QB_ELIMIT, &err, "page expands to more than 1048576 bytes");
  /* the default limit lets it through */
  d.max_scratch_bytes = 0;
  CHECK_OK(qb_pq_decoder_reset(&d, QB_PQ_BYTE_ARRAY, 0, QB_PQ_DELTA_BYTE_ARRAY, b.p, b.n, &err), &err);
  CHECK_EQ_INT(d.max_scratch_bytes, QB_PQ_DEFAULT_MAX_SCRATCH_BYTES);
  CHECK_OK(qb_pq_decoder_read_bytes(g, N, &d, &err), &err);
  CHECK(g[N - 1].n == 2000 && g[N - 1].p[1999] == 'q');
  qb_pq_decoder_release(&d);
  qb_buf_free(&b);
  free(g);
  free(pre);
  free(len);
}

/* ---- BYTE_STREAM_SPLIT --------------------------------------------------------------------------------- */

QB_TEST(byte_stream_split)
{
  qb_err err = QB_ERR_INIT;
  qb_pq_decoder d;
  qb_pq_decoder_init(&d);
  qb_buf b;
  qb_buf_init(&b, 4096);
  /* layout: byte k of value i at k*N + i */
  float f[3] = {1.0f, 2.5f, -3.0f}, gf[3];
  CHECK_OK(qb_pq_bss_encode(&b, f, 3, 4, &err), &err);
  CHECK(bytes_eq(&b, "000000 000000 802040 3f40c0")); /* 3f800000 40200000 c0400000 split */
  CHECK_OK(qb_pq_decoder_reset(&d, QB_PQ_FLOAT, 0, QB_PQ_BYTE_STREAM_SPLIT, b.p, b.n, &err), &err);
  CHECK_OK(qb_pq_decoder_read_float(gf, 1, &d, &err), &err);
  CHECK_OK(qb_pq_decoder_read_float(gf + 1, 2, &d, &err), &err);
  CHECK(memcmp(gf, f, sizeof f) == 0);
  CHECK_FAIL(qb_pq_decoder_read_float(gf, 1, &d, &err), QB_ECORRUPT, &err, "ends before value 3");

  double dv[2] = {1.0, -2.0}, gd[2];
  int64_t iv[2] = {INT64_MIN, 42}, gi[2];
  int32_t i32[2] = {-1, 7}, g32[2];
  qb_buf_reset(&b);
  CHECK_OK(qb_pq_bss_encode(&b, dv, 2, 8, &err), &err);
  CHECK_OK(qb_pq_decoder_reset(&d, QB_PQ_DOUBLE, 0, QB_PQ_BYTE_STREAM_SPLIT, b.p, b.n, &err), &err);
  CHECK_OK(qb_pq_decoder_read_double(gd, 2, &d, &err), &err);
  CHECK(gd[0] == 1.0 && gd[1] == -2.0);
  qb_buf_reset(&b);
  CHECK_OK(qb_pq_bss_encode(&b, iv, 2, 8, &err), &err);
  CHECK_OK(qb_pq_decoder_reset(&d, QB_PQ_INT64, 0, QB_PQ_BYTE_STREAM_SPLIT, b.p, b.n, &err), &err);
  CHECK_OK(qb_pq_decoder_read_i64(gi, 2, &d, &err), &err);
  CHECK(gi[0] == INT64_MIN && gi[1] == 42);
  qb_buf_reset(&b);
  CHECK_OK(qb_pq_bss_encode(&b, i32, 2, 4, &err), &err);
  CHECK_OK(qb_pq_decoder_reset(&d, QB_PQ_INT32, 0, QB_PQ_BYTE_STREAM_SPLIT, b.p, b.n, &err), &err);
  CHECK_OK(qb_pq_decoder_read_i32(g32, 2, &d, &err), &err);
  CHECK(g32[0] == -1 && g32[1] == 7);

  /* FLBA width 3 */
  qb_buf_reset(&b);
  CHECK_OK(qb_pq_bss_encode(&b, "abcdefghijkl", 4, 3, &err), &err);
  CHECK(memcmp(b.p, "adgjbehkcfil", 12) == 0);
  qb_slice gs[4];
  CHECK_OK(qb_pq_decoder_reset(&d, QB_PQ_FIXED_LEN_BYTE_ARRAY, 3, QB_PQ_BYTE_STREAM_SPLIT, b.p, b.n, &err), &err);
  CHECK_OK(qb_pq_decoder_read_bytes(gs, 1, &d, &err), &err);
  CHECK_OK(qb_pq_decoder_read_bytes(gs + 1, 3, &d, &err), &err);
  CHECK(gs[0].n == 3 && memcmp(gs[0].p, "abc", 3) == 0 && memcmp(gs[3].p, "jkl", 3) == 0);
  CHECK_FAIL(qb_pq_decoder_reset(&d, QB_PQ_FIXED_LEN_BYTE_ARRAY, 5, QB_PQ_BYTE_STREAM_SPLIT, b.p, b.n, &err),
             QB_ECORRUPT, &err, "12 bytes is not a multiple of the width 5");
  qb_pq_decoder_release(&d);
  qb_buf_free(&b);
}

/* ---- real pages -------------------------------------------------------------------------------------- */

static uint8_t *slurp(const char *name, size_t *n)
{
  char path[1024];
  snprintf(path, sizeof path, "%s/parquet/%s", qb_test_data_dir(), name);
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *p = malloc((size_t)len + 1);
  if (fread(p, 1, (size_t)len, f) != (size_t)len) {
    free(p);
    return NULL;
  }
  fclose(f);
  p[len] = '\0';
  *n = (size_t)len;
  return p;
}

/* Field `col` of a CSV line with double-quoted fields (commas inside quotes). Returns its length. */
static size_t csv_field(char *out, size_t cap, const char *line, int col)
{
  int c = 0;
  size_t n = 0;
  bool q = false;
  for (const char *p = line; *p && *p != '\n'; p++) {
    if (*p == '"') {
      if (q && p[1] == '"') {
        if (c == col && n + 1 < cap) out[n++] = '"';
        p++;
      } else {
        q = !q;
      }
    } else if (*p == ',' && !q) {
      if (c++ == col) break;
    } else if (c == col && n + 1 < cap) {
      out[n++] = *p;
    }
  }
  out[n] = '\0';
  return n;
}

/* parquet-mr 1.12.1 pages: DELTA_BINARY_PACKED INT32 and DELTA_BYTE_ARRAY strings, checked against the
 * upstream expected values. */
QB_TEST(real_delta_pages_match_upstream_csv)
{
  qb_err err = QB_ERR_INIT;
  size_t n, cn;
  uint8_t *file = slurp("delta_encoding_required_column.parquet", &n);
  char *csv = (char *)slurp("delta_encoding_required_column_expect.csv", &cn);
  CHECK(file && csv);
  const char *lines[101];
  int nl = 0;
  for (char *p = csv; *p && nl < 101; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p)) lines[nl++] = p;
  CHECK_EQ_INT(nl, 101); /* header + 100 rows */
  qb_arena a;
  qb_arena_init(&a, 0);
  uint32_t len;
  CHECK_OK(qb_pq_tail_parse(&len, file + n - 8, n, &err), &err);
  qb_pq_file_meta m;
  CHECK_OK(qb_pq_file_meta_decode(&m, file + n - 8 - len, len, n - 8 - len, &a, &err), &err);
  CHECK_EQ_INT(m.row_groups[0].n_columns, 17);
  qb_pq_decoder d;
  qb_pq_decoder_init(&d);
  int dbp = 0, dba = 0;
  for (uint32_t c = 0; c < 17; c++) {
    const qb_pq_column_meta *cm = &m.row_groups[0].columns[c].meta_data;
    CHECK_EQ_INT(cm->codec, QB_PQ_UNCOMPRESSED);
    size_t pos = (size_t)qb_pq_column_meta_start(cm), end = pos + (size_t)cm->total_compressed_size;
    int row = 0;
    while (pos < end) {
      qb_pq_page_header h;
      size_t hl;
      CHECK_OK(qb_pq_page_header_decode(&h, &hl, file + pos, end - pos, pos, &err), &err);
      pos += hl;
      const uint8_t *vals = file + pos;
      size_t vn = (size_t)h.compressed_page_size;
      int count;
      qb_pq_encoding enc;
      if (h.type == QB_PQ_PAGE_DATA_V2) {
        size_t lv = (size_t)h.data_page_header_v2.def_levels_byte_length + (size_t)h.data_page_header_v2.rep_levels_byte_length;
        vals += lv;
        vn -= lv;
        count = h.data_page_header_v2.num_values;
        enc = h.data_page_header_v2.encoding;
      } else {
        CHECK_EQ_INT(h.type, QB_PQ_PAGE_DATA);
        count = h.data_page_header.num_values; /* required, flat: no levels stored */
        enc = h.data_page_header.encoding;
      }
      CHECK_OK(qb_pq_decoder_reset(&d, cm->type, 0, enc, vals, vn, &err), &err);
      char want[256];
      for (int i = 0; i < count; i++, row++) {
        CHECK(row < 100);
        size_t wl = csv_field(want, sizeof want, lines[1 + row], (int)c);
        if (cm->type == QB_PQ_INT32) {
          int32_t v;
          CHECK_OK(qb_pq_decoder_read_i32(&v, 1, &d, &err), &err);
          CHECK_EQ_INT(v, strtol(want, NULL, 10));
        } else {
          qb_slice v;
          CHECK_OK(qb_pq_decoder_read_bytes(&v, 1, &d, &err), &err);
          if (v.n != wl || memcmp(v.p, want, wl) != 0)
            fprintf(stderr, "  column %u row %d: got '%.*s' want '%s'\n", c, row, (int)v.n, (const char *)v.p, want);
          CHECK(v.n == wl && memcmp(v.p, want, wl) == 0);
        }
      }
      if (enc == QB_PQ_DELTA_BINARY_PACKED) dbp++;
      if (enc == QB_PQ_DELTA_BYTE_ARRAY) dba++;
      pos += (size_t)h.compressed_page_size;
    }
    CHECK_EQ_INT(row, 100);
  }
  CHECK(dbp >= 9 && dba >= 8);
  qb_pq_decoder_release(&d);
  qb_arena_release(&a);
  free(file);
  free(csv);
}

/* Number dictionary slots hold a folded tag of the key: 8-byte keys whose tags collide (hi ^ lo equal)
 * must still be told apart by their values, across growth, and keep first-seen indices. */
QB_TEST(dict_u64_tag_collisions)
{
  qb_pq_dict d;
  qb_pq_dict_init(&d, 8, true);
  qb_err err;
  enum { N = 5000 };
  for (int pass = 0; pass < 2; pass++) {
    for (uint32_t i = 0; i < N; i++) {
      /* (i, 0) and (0, i) fold to the same tag i; keys alternate so `last` never short-cuts */
      uint64_t k = (i & 1) ? (uint64_t)(i / 2 + 1) << 32 : (uint64_t)(i / 2 + 1);
      uint32_t idx = 0;
      bool added = false;
      CHECK_OK(qb_pq_dict_put_u64(&d, k, &idx, &added, &err), &err);
      CHECK_EQ_INT(idx, i);
      CHECK(added == (pass == 0));
    }
  }
  CHECK_EQ_INT(d.n, N);
  qb_pq_dict_free(&d);
  /* 4-byte keys: the tag is the key */
  qb_pq_dict_init(&d, 4, true);
  for (uint32_t i = 0; i < 3000; i++) {
    uint32_t idx = 0;
    bool added = false;
    CHECK_OK(qb_pq_dict_put_u32(&d, i * 2654435761u, &idx, &added, &err), &err);
    CHECK(added && idx == i);
  }
  for (uint32_t i = 0; i < 3000; i++) {
    uint32_t idx = 0;
    bool added = true;
    CHECK_OK(qb_pq_dict_put_u32(&d, i * 2654435761u, &idx, &added, &err), &err);
    CHECK(!added && idx == i);
  }
  qb_pq_dict_free(&d);
}

/* Bytes-keyed slots hold the hash's top 32 bits as a tag, and growth rehashes from the tags alone: ids that
 * share a long head (an experiment's id and a suffix), prefixes of one another, the empty value and
 * 150,000 keys (a few full 32-bit tag collisions among them, by the birthday bound) keep first-seen indices
 * across growth, are found again in another order, and a reset dictionary (sized by its hint) starts over. */
QB_TEST(dict_bytes_tags_across_growth)
{
  enum { N = 150000 };
  static char keys[N][96];
  static size_t lens[N];
  const char *head = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  for (int i = 0; i < N; i++) {
    switch (i % 4) {
    case 0: lens[i] = (size_t)snprintf(keys[i], sizeof keys[i], "%s_iter_%d_param_%d", head, i / 15, i % 15); break;
    case 1: lens[i] = (size_t)snprintf(keys[i], sizeof keys[i], "%d", i); break;
    case 2: lens[i] = (size_t)snprintf(keys[i], sizeof keys[i], "%.*s%d", i % 60, head, i); break;
    default: lens[i] = (size_t)snprintf(keys[i], sizeof keys[i], "XYZI%07d", i); break;
    }
  }
  lens[1] = 0; /* the empty value */
  qb_pq_dict d;
  qb_pq_dict_init(&d, 0, false);
  qb_err err;
  for (int pass = 0; pass < 2; pass++) {
    for (int k = 0; k < N; k++) {
      int i = pass ? (int)(((uint64_t)k * 7919) % N) : k; /* the second pass in another order */
      uint32_t idx = 0;
      bool added = false;
      CHECK_OK(qb_pq_dict_put_bytes(&d, (const uint8_t *)keys[i], lens[i], &idx, &added, &err), &err);
      CHECK_EQ_INT(idx, i);
      CHECK(added == (pass == 0));
    }
  }
  CHECK_EQ_INT(d.n, N);
  size_t n = 0;
  const uint8_t *p = qb_pq_dict_bytes(&d, 4, &n);
  CHECK(n == lens[4] && memcmp(p, keys[4], n) == 0);
  qb_pq_dict_reset(&d);
  for (int k = 0; k < 3000; k++) {
    uint32_t idx = 0;
    bool added = false;
    CHECK_OK(qb_pq_dict_put_bytes(&d, (const uint8_t *)keys[N - 1 - k], lens[N - 1 - k], &idx, &added, &err), &err);
    CHECK(added && idx == (uint32_t)k);
  }
  qb_pq_dict_free(&d);
  /* FLBA keys (width 16) use the same slots */
  qb_pq_dict_init(&d, 16, false);
  for (int pass = 0; pass < 2; pass++) {
    for (int i = 0; i < 5000; i++) {
      uint8_t key[16] = {0};
      memcpy(key, &i, sizeof i);
      key[15] = 0x5a;
      uint32_t idx = 0;
      bool added = false;
      CHECK_OK(qb_pq_dict_put_bytes(&d, key, 16, &idx, &added, &err), &err);
      CHECK(idx == (uint32_t)i && added == (pass == 0));
    }
  }
  qb_pq_dict_free(&d);
}

/* qb_pq_bytes_eq agrees with memcmp for every length up to 40 and a difference at each position (the
 * word loads of short keys overlap; the tail word is compared first). */
QB_TEST(bytes_eq_matches_memcmp)
{
  uint8_t a[48], b[48];
  for (size_t n = 0; n <= 40; n++) {
    for (size_t i = 0; i < sizeof a; i++) a[i] = b[i] = (uint8_t)(i * 37 + 1);
    CHECK(qb_pq_bytes_eq(a, b, n));
    for (size_t at = 0; at < n; at++) {
      b[at] ^= 0x80;
      CHECK(!qb_pq_bytes_eq(a, b, n));
      CHECK(qb_pq_bytes_eq(a, b, at)); /* the bytes before the difference */
      b[at] ^= 0x80;
    }
    b[n] ^= 1; /* a difference just past n is not seen */
    CHECK(qb_pq_bytes_eq(a, b, n));
  }
}

/* Small number keys (below QB_PQ_DICT_DIRECT_MAX) are looked up in a direct array until the first larger
 * key, which builds the hash table from the entries so far: indices stay first-seen, whichever structure
 * found or added a key, for 4- and 8-byte keys, across resets, and with more direct entries than the first
 * hash table would hold. */
QB_TEST(dict_direct_small_keys)
{
  qb_err err;
  enum { N = 3000 };
  static uint64_t keys[N];
  /* distinct keys in [0, 4096) in a scrambled order (an odd multiplier permutes mod 4096): 0 and 4095
   * included */
  for (uint32_t i = 0; i < N; i++) keys[i] = (uint64_t)((i * 2731u + 4095u) & 4095u);
  for (int width = 4; width <= 8; width += 4) {
    qb_pq_dict d;
    qb_pq_dict_init(&d, (size_t)width, true);
    for (int round = 0; round < 2; round++) { /* the second after a reset (sized by its hint) */
      for (int pass = 0; pass < 2; pass++) {
        for (uint32_t i = 0; i < N; i++) {
          uint32_t idx = UINT32_MAX;
          bool added = !pass;
          if (width == 4) CHECK_OK(qb_pq_dict_put_u32(&d, (uint32_t)keys[i], &idx, &added, &err), &err);
          else CHECK_OK(qb_pq_dict_put_u64(&d, keys[i], &idx, &added, &err), &err);
          CHECK_EQ_INT(idx, i);
          CHECK(added == (pass == 0));
        }
        CHECK(d.direct != NULL && d.nslots == NULL);
      }
      /* a key just out of range, then one with high bits: the hash table takes over with all entries */
      uint64_t big[2] = {QB_PQ_DICT_DIRECT_MAX, width == 4 ? 0xFFFFFFFFu : 0x3FF0000000000000ULL};
      for (int b = 0; b < 2; b++) {
        uint32_t idx = 0;
        bool added = false;
        if (width == 4) CHECK_OK(qb_pq_dict_put_u32(&d, (uint32_t)big[b], &idx, &added, &err), &err);
        else CHECK_OK(qb_pq_dict_put_u64(&d, big[b], &idx, &added, &err), &err);
        CHECK(added && idx == (uint32_t)(N + b));
        CHECK(d.direct == NULL && d.nslots != NULL);
      }
      for (uint32_t i = 0; i < N + 2; i++) {
        uint64_t k = i < N ? keys[i] : big[i - N];
        uint32_t idx = UINT32_MAX;
        bool added = true;
        if (width == 4) CHECK_OK(qb_pq_dict_put_u32(&d, (uint32_t)k, &idx, &added, &err), &err);
        else CHECK_OK(qb_pq_dict_put_u64(&d, k, &idx, &added, &err), &err);
        CHECK(!added && idx == i);
        uint32_t k4 = (uint32_t)k;
        CHECK_EQ_INT(memcmp(qb_pq_dict_fixed(&d, i), width == 4 ? (const void *)&k4 : (const void *)&k, (size_t)width), 0);
      }
      CHECK_EQ_INT(d.n, N + 2);
      CHECK(d.plain_bytes == (size_t)(N + 2) * (size_t)width);
      qb_pq_dict_reset(&d);
      CHECK(d.n == 0 && d.direct == NULL && d.nslots == NULL);
    }
    qb_pq_dict_free(&d);
  }
  /* a large first key never makes a direct array */
  qb_pq_dict d;
  qb_pq_dict_init(&d, 8, true);
  uint32_t idx;
  bool added;
  CHECK_OK(qb_pq_dict_put_u64(&d, 0x4000000000000000ULL, &idx, &added, &err), &err);
  CHECK(added && idx == 0 && d.direct == NULL && d.nslots != NULL);
  CHECK_OK(qb_pq_dict_put_u64(&d, 7, &idx, &added, &err), &err);
  CHECK(added && idx == 1 && d.direct == NULL);
  CHECK_OK(qb_pq_dict_put_u64(&d, 7, &idx, &added, &err), &err);
  CHECK(!added && idx == 1);
  qb_pq_dict_free(&d);
}
