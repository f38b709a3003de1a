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

/** *out = the value of the accumulated digits (negated if `neg`), or false when undecided. A true result
 * is always finite: values beyond the double range (and subnormal ones) are left undecided. Zero and
 * Clinger's fast path (w and 10^|q| exact doubles: one IEEE operation rounds once, correctly) inline,
 * as tokenizers meet them most; the rest in decimal.c. */
static inline bool qb_decimal_acc_to_double(double *out, const qb_decimal_acc *a, bool neg)
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
  return qb_decimal__acc_to_double_rest(out, a, neg);
}

#endif
