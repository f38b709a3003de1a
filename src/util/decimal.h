/* SPDX-License-Identifier: Apache-2.0 */
/* Decimal text to double, exactly as strtod rounds it (nearest, ties to even) in the C locale, without
 * strtod's cost in the common case: Clinger's fast path, then the Eisel-Lemire algorithm, then strtod for
 * the rare inputs neither decides (halfway cases, subnormals, more than 19 digits that matter). */
#ifndef QB_UTIL_DECIMAL_H
#define QB_UTIL_DECIMAL_H

#include <float.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Longest token qb_decimal_to_double accepts (the strtod fallback copies it to the stack). */
#define QB_DECIMAL_MAX_CHARS 767

/**
 * *out = the double nearest the number p[0..n) in JSON's grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`,
 * bit for bit what strtod gives: ±HUGE_VAL beyond the range, ±0 or a subnormal below it, -0.0 for "-0.0".
 * Returns false (and leaves *out alone) when p is not such a number or is longer than QB_DECIMAL_MAX_CHARS.
 */
bool qb_decimal_to_double(double *out, const char *p, size_t n);

/* The digits of a number as a tokenizer meets them, for callers that validate a number themselves
 * (raw_vqe.c's parse_number) and need not scan it twice: feed every digit of the integer part, then
 * every digit of the fraction, then add the exponent to q; qb_decimal_acc_to_double then gives what
 * qb_decimal_to_double gives for the same text, or false when only the slow path can decide (then call
 * qb_decimal_to_double on the text). qb_decimal_to_double's own scan uses these same steps. */
#define QB_DECIMAL_ACC_DIGITS 19 /* 10^19 - 1 < 2^64: the mantissa digits kept */
typedef struct qb_decimal_acc {
  uint64_t w;      /* the first 19 significant digits */
  int64_t q;       /* value = w * 10^q (with `truncated`: w * 10^q plus less than one unit of w) */
  int nd;          /* significant digits in w */
  bool truncated;  /* a nonzero digit after the 19th was dropped */
} qb_decimal_acc;

static inline void qb_decimal_acc_int_digit(qb_decimal_acc *a, unsigned d)
{
  if (a->nd < QB_DECIMAL_ACC_DIGITS) {
    a->w = a->w * 10 + d;
    if (a->w) a->nd++; /* a lone leading "0" is not significant */
  } else {
    a->q++;
    a->truncated |= d != 0;
  }
}

static inline void qb_decimal_acc_frac_digit(qb_decimal_acc *a, unsigned d)
{
  if (a->nd < QB_DECIMAL_ACC_DIGITS) {
    a->w = a->w * 10 + d;
    a->q--;
    if (a->w) a->nd++; /* zeros before the first nonzero digit are not significant */
  } else {
    a->truncated |= d != 0;
  }
}

/* Whether the 8 bytes at p are ASCII digits that qb_decimal_acc_frac_digits8 may take at once: all
 * significant (a nonzero digit came before) and within the 19 kept. Little-endian only (else false). */
static inline bool qb_decimal_acc_take8(const qb_decimal_acc *a, const char *p, uint64_t *x)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  if (!a->w || a->nd + 8 > QB_DECIMAL_ACC_DIGITS) return false;
  memcpy(x, p, 8);
  /* each byte 0x30..0x39: high nibble 3, and adding 6 does not carry out of the low nibble */
  return ((*x & 0xF0F0F0F0F0F0F0F0ULL) | (((*x + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) >> 4)) ==
         0x3333333333333333ULL;
#else
  (void)a, (void)p, (void)x;
  return false;
#endif
}

/* Eight fraction digits x (as qb_decimal_acc_take8 loaded them) in three multiplications: pairs, then
 * quadruples, then the eight (the first digit is the lowest byte). Same as eight frac_digit calls. */
static inline void qb_decimal_acc_frac_digits8(qb_decimal_acc *a, uint64_t x)
{
  x = ((x & 0x0F0F0F0F0F0F0F0FULL) * 2561) >> 8;
  x = ((x & 0x00FF00FF00FF00FFULL) * 6553601) >> 16;
  x = ((x & 0x0000FFFF0000FFFFULL) * 42949672960001ULL) >> 32;
  a->w = a->w * 100000000 + (uint32_t)x;
  a->q -= 8;
  a->nd += 8;
}

/* qb_decimal_acc_to_double past its inline cases (decimal.c). */
bool qb_decimal__acc_to_double_rest(double *out, const qb_decimal_acc *a, bool neg);

/* The 128-bit mantissas of 10^q for q in [QB_DECIMAL__POW5_MIN, QB_DECIMAL__POW5_MAX] (decimal.c, from
 * decimal_pow5.h, whose bounds it checks against these), for the inline Eisel-Lemire step below. */
#define QB_DECIMAL__POW5_MIN (-348)
#define QB_DECIMAL__POW5_MAX 347
extern const uint64_t (*const qb_decimal__pow5)[2];

/* The end of Eisel-Lemire, shared by the inline usual case below and decimal.c's full one: hi:lo is the
 * product of the normalised mantissa and 10^q's top bits (carry already added), e2 the biased binary exponent
 * its top bit would stand for with the top bit at 2^63. *bits = the positive result; false when the product
 * may be exactly halfway, or the result is subnormal or infinite. */
static inline __attribute__((always_inline)) bool qb_decimal__lemire_round(uint64_t *bits, uint64_t hi,
                                                                           uint64_t lo, uint64_t e2)
{
  uint64_t msb = hi >> 63;
  uint64_t m = hi >> (msb + 9); /* 54 bits: the 53 of the result and one rounding bit */
  e2 -= 1 ^ msb;
  if (lo == 0 && (hi & 0x1ff) == 0 && (m & 3) == 1) return false; /* maybe exactly halfway */
  m += m & 1;
  m >>= 1;
  if (m >> 53) { /* rounding carried into a new bit */
    m >>= 1;
    e2++;
  }
  if (e2 - 1 >= 0x7ff - 1) return false; /* subnormal or infinite */
  *bits = e2 << 52 | (m & ((UINT64_C(1) << 52) - 1));
  return true;
}

/* Eisel-Lemire's usual case inline (17-digit fractions miss Clinger's path; see decimal.c for the
 * algorithm): w != 0, nothing truncated, and the product's low bits clear of the carry and halfway tests.
 * false, deciding nothing, for everything else: the out-of-line rest then decides as before, so the result
 * is the same bit for bit (tests/util/test_decimal.c compares both with strtod). */
static inline bool qb_decimal__lemire_inline(double *out, uint64_t w, int64_t q, bool neg)
{
#if defined(__SIZEOF_INT128__)
  if (q < QB_DECIMAL__POW5_MIN || q > QB_DECIMAL__POW5_MAX) return false;
  const uint64_t *p5 = qb_decimal__pow5[q - QB_DECIMAL__POW5_MIN];
  int clz = __builtin_clzll(w);
  __extension__ typedef unsigned __int128 u128;
  u128 r = (u128)(w << clz) * p5[0];
  uint64_t hi = (uint64_t)(r >> 64), lo = (uint64_t)r;
  if ((hi & 0x1ff) == 0x1ff) return false; /* the next 64 bits of 10^q could carry in: the rest adds them */
  /* floor(q * log2(10)) (217706 / 2^16 ~ log2(10)) kept non-negative for the shift: 1200 * 2^16 >
   * 217706 * 348 */
  int64_t fl = ((217706 * q + INT64_C(1200) * 65536) >> 16) - 1200;
  uint64_t bits;
  if (!qb_decimal__lemire_round(&bits, hi, lo, (uint64_t)(fl + 64 + 1023 - clz))) return false;
  bits |= (uint64_t)neg << 63;
  memcpy(out, &bits, sizeof bits);
  return true;
#else
  (void)out, (void)w, (void)q, (void)neg;
  return false;
#endif
}

/** *out = the value of the accumulated digits (negated if `neg`), or false when undecided. A true result
 * is always finite: values beyond the double range (and subnormal ones) are left undecided. Zero,
 * Clinger's fast path (w and 10^|q| exact doubles: one IEEE operation rounds once, correctly) and
 * Eisel-Lemire's usual case inline, as tokenizers meet them most; the rest in decimal.c. */
static inline __attribute__((always_inline)) bool qb_decimal_acc_to_double(double *out, const qb_decimal_acc *a, bool neg)
{
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
  static const double p10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  if (!a->truncated && a->w <= (UINT64_C(1) << 53) && a->q >= -22 && a->q <= 22) {
    double x = (double)a->w;
    x = a->q < 0 ? x / p10[-a->q] : x * p10[a->q];
    *out = neg ? -x : x; /* w = 0 gives the zero of the sign */
    return true;
  }
#endif
  if (!a->truncated && a->w && qb_decimal__lemire_inline(out, a->w, a->q, neg)) return true;
  /* copies for the call, so that neither the caller's accumulator nor what holds *out need live in memory
   * on the paths above */
  qb_decimal_acc rest = *a;
  double x;
  if (!qb_decimal__acc_to_double_rest(&x, &rest, neg)) return false;
  *out = x;
  return true;
}

#endif
