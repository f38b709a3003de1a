/* SPDX-License-Identifier: Apache-2.0 */
/* Decimal to double (IEEE 754 binary64, round to nearest, ties to even), as strtod does it but faster:
 *  1. Clinger's fast path: up to 2^53 with a power of ten up to 10^22, both exact doubles, so one IEEE
 *     multiplication or division rounds once, correctly (W. Clinger, "How to Read Floating Point Numbers
 *     Accurately", PLDI 1990);
 *  2. the Eisel-Lemire algorithm: the 64-bit mantissa times a 128-bit truncated 10^q decides the result
 *     unless the product lies too near a halfway point (D. Lemire, "Number Parsing at a Gigabyte per
 *     Second", Software: Practice and Experience 51(8), 2021, section 5);
 *  3. strtod in the C locale for what neither decides: subnormals, exact halfway cases, and mantissas
 *     whose digits beyond the 19th could move the result.
 * Correctness is checked against strtod on millions of inputs (tests/util/test_decimal.c). */
#include "util/decimal.h"

#include <float.h>
#include <locale.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/decimal_pow5.h"

_Static_assert(QB_DECIMAL_POW5_MIN == QB_DECIMAL__POW5_MIN && QB_DECIMAL_POW5_MAX == QB_DECIMAL__POW5_MAX,
               "decimal.h's bounds of the power table are decimal_pow5.h's");
const uint64_t (*const qb_decimal__pow5)[2] = qb_decimal_pow5;

/* The decimal value w * 10^q, with `truncated` set when nonzero digits were dropped after the 19th. */
typedef struct decimal {
  qb_decimal_acc a;
  bool neg;
} decimal;

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static bool scan(decimal *d, const char *p, const char *end)
{
  memset(d, 0, sizeof *d);
  if (p < end && *p == '-') {
    d->neg = true;
    p++;
  }
  if (p >= end || !is_digit(*p)) return false;
  if (*p == '0') {
    p++;
    if (p < end && is_digit(*p)) return false; /* a leading zero */
  } else {
    for (; p < end && is_digit(*p); p++) qb_decimal_acc_int_digit(&d->a, (unsigned)(*p - '0'));
  }
  if (p < end && *p == '.') {
    p++;
    if (p >= end || !is_digit(*p)) return false;
    for (; p < end && is_digit(*p); p++) qb_decimal_acc_frac_digit(&d->a, (unsigned)(*p - '0'));
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    p++;
    bool eneg = false;
    if (p < end && (*p == '+' || *p == '-')) eneg = *p++ == '-';
    if (p >= end || !is_digit(*p)) return false;
    int64_t e = 0;
    for (; p < end && is_digit(*p); p++)
      if (e < 1000000) e = e * 10 + (*p - '0'); /* far beyond any double: the result is 0 or infinite */
    d->a.q += eneg ? -e : e;
  }
  return p == end;
}

/* Clinger: exact when w and 10^|q| are exact doubles and the arithmetic rounds once in double. */
static bool clinger(double *out, const qb_decimal_acc *d, bool neg)
{
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
  static const double p10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  uint64_t w = d->w;
  int64_t q = d->q;
  if (w > (UINT64_C(1) << 53) || q < -22) return false;
  if (q > 22) { /* 12e25 = 120000 * 1e22: move the excess into w while it stays exact */
    for (; q > 22; q--) {
      if (w > (UINT64_C(1) << 53) / 10) return false;
      w *= 10;
    }
  }
  double x = (double)w;
  x = q < 0 ? x / p10[-q] : x * p10[q];
  *out = neg ? -x : x;
  return true;
#else
  (void)out;
  (void)d;
  (void)neg;
  return false; /* extended-precision evaluation would round twice */
#endif
}

static void mul64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
#if defined(__SIZEOF_INT128__)
  __extension__ typedef unsigned __int128 u128;
  u128 r = (u128)a * b;
  *hi = (uint64_t)(r >> 64);
  *lo = (uint64_t)r;
#else
  uint64_t al = a & 0xffffffffu, ah = a >> 32, bl = b & 0xffffffffu, bh = b >> 32;
  uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
  uint64_t mid = (ll >> 32) + (lh & 0xffffffffu) + (hl & 0xffffffffu);
  *lo = (mid << 32) | (ll & 0xffffffffu);
  *hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
#endif
}

/* floor(q * log2(10)) for |q| < 2^15, in integer arithmetic (217706 / 2^16 ~ log2(10)). */
static int64_t floor_log2_pow10(int64_t q)
{
  int64_t x = 217706 * q;
  return x >= 0 ? x / 65536 : -((-x + 65535) / 65536);
}

/* Eisel-Lemire for a normal result: false when the product is too near a halfway point to decide, or the
 * result is subnormal or infinite. */
static inline __attribute__((always_inline)) bool eisel_lemire(uint64_t *bits, uint64_t w, int64_t q)
{
  if (q < QB_DECIMAL_POW5_MIN || q > QB_DECIMAL_POW5_MAX) return false;
  const uint64_t *p5 = qb_decimal_pow5[q - QB_DECIMAL_POW5_MIN];
  int clz = __builtin_clzll(w);
  w <<= clz;
  /* the binary exponent the top bit of the product stands for, biased */
  uint64_t e2 = (uint64_t)(floor_log2_pow10(q) + 64 + 1023 - clz);
  uint64_t hi, lo;
  mul64(w, p5[0], &hi, &lo);
  if ((hi & 0x1ff) == 0x1ff && lo + w < w) {
    /* the low bits could carry into the 54 that matter: add the next 64 bits of 10^q */
    uint64_t hi2, lo2;
    mul64(w, p5[1], &hi2, &lo2);
    uint64_t mlo = lo + hi2, mhi = hi + (mlo < lo);
    if ((mhi & 0x1ff) == 0x1ff && mlo + 1 == 0 && lo2 + w < w) return false;
    hi = mhi;
    lo = mlo;
  }
  return qb_decimal__lemire_round(bits, hi, lo, e2);
}

static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static locale_t c_locale;
static void c_locale_init(void) { c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0); }

static double slow(const char *p, size_t n)
{
  char buf[QB_DECIMAL_MAX_CHARS + 1];
  memcpy(buf, p, n);
  buf[n] = '\0';
  pthread_once(&c_locale_once, c_locale_init);
  /* the C locale: '.' whatever the process's locale says ("C" itself when newlocale failed) */
  return c_locale ? strtod_l(buf, NULL, c_locale) : strtod(buf, NULL);
}

bool qb_decimal__acc_to_double_rest(double *out, const qb_decimal_acc *a, bool neg)
{
  if (a->w == 0) {
    *out = neg ? -0.0 : 0.0;
    return true;
  }
  /* the inline part took q in [-22, 22]: only the q > 22 that fit (12e25 = 120000 * 1e22) are left */
  if (!a->truncated && a->q > 22 && clinger(out, a, neg)) return true;
  uint64_t bits, bits_up;
  /* with dropped digits the value lies in (w, w + 1) * 10^q: decided when both ends round alike */
  if (eisel_lemire(&bits, a->w, a->q) &&
      (!a->truncated || (eisel_lemire(&bits_up, a->w + 1, a->q) && bits_up == bits))) {
    if (neg) bits |= UINT64_C(1) << 63;
    memcpy(out, &bits, sizeof *out);
    return true;
  }
  return false;
}

bool qb_decimal_to_double(double *out, const char *p, size_t n)
{
  decimal d;
  if (!p || n == 0 || n > QB_DECIMAL_MAX_CHARS || !scan(&d, p, p + n)) return false;
  if (!qb_decimal_acc_to_double(out, &d.a, d.neg)) *out = slow(p, n);
  return true;
}
