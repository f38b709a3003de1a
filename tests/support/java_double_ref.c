/* SPDX-License-Identifier: Apache-2.0 */
/* TEST-ONLY REFERENCE: src/pipeline/java_double.c as it was before its speed-ups (session 17), kept
 * verbatim as the oracle of tests/pipeline/test_java_double_diff.c. It is the port of Java 17's
 * FloatingDecimal (BinaryToASCIIBuffer.dtoa and getChars) that was checked against the spec's Spark
 * vectors (test_spark_json); the library's version must print the same bytes for every double.
 * Do not optimise this copy. */
#include "support/java_double_ref.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define EXP_SHIFT 52
#define FRACT_HOB (UINT64_C(1) << EXP_SHIFT)
#define SIGNIF_MASK (FRACT_HOB - 1)
#define EXP_BIAS 1023
#define MAX_SMALL_BIN_EXP 62
#define MIN_SMALL_BIN_EXP (-21)

/* approximately ceil(log2(5^i)), as in the JDK (the approximation decides which arithmetic is used) */
static const int n5bits[27] = {0,  3,  5,  7,  10, 12, 14, 17, 19, 21, 24, 26, 28, 31,
                               33, 35, 38, 40, 42, 45, 47, 49, 52, 54, 56, 59, 61};
static const int32_t small5[14] = {1,       5,        25,        125,       625,        3125,      15625,
                                   78125,   390625,   1953125,   9765625,   48828125,   244140625, 1220703125};
static const int64_t long5[27] = {INT64_C(1),
                                  INT64_C(5),
                                  INT64_C(25),
                                  INT64_C(125),
                                  INT64_C(625),
                                  INT64_C(3125),
                                  INT64_C(15625),
                                  INT64_C(78125),
                                  INT64_C(390625),
                                  INT64_C(1953125),
                                  INT64_C(9765625),
                                  INT64_C(48828125),
                                  INT64_C(244140625),
                                  INT64_C(1220703125),
                                  INT64_C(6103515625),
                                  INT64_C(30517578125),
                                  INT64_C(152587890625),
                                  INT64_C(762939453125),
                                  INT64_C(3814697265625),
                                  INT64_C(19073486328125),
                                  INT64_C(95367431640625),
                                  INT64_C(476837158203125),
                                  INT64_C(2384185791015625),
                                  INT64_C(11920928955078125),
                                  INT64_C(59604644775390625),
                                  INT64_C(298023223876953125),
                                  INT64_C(1490116119384765625)};
/* number of decimal digits of 2^i minus one, i.e. how many low digits of a 2^i-ulp value mean nothing */
static const int insig_pow2[64] = {0,  0,  0,  0,  1,  1,  1,  2,  2,  2,  3,  3,  3,  3,  4,  4,
                                   4,  5,  5,  5,  6,  6,  6,  6,  7,  7,  7,  8,  8,  8,  9,  9,
                                   9,  9,  10, 10, 10, 11, 11, 11, 12, 12, 12, 12, 13, 13, 13, 14,
                                   14, 14, 15, 15, 15, 15, 16, 16, 16, 17, 17, 17, 18, 18, 18, 19};

/* Java int/long arithmetic wraps; C signed overflow is undefined, so go through unsigned. */
static int32_t jmul32(int32_t a, int32_t b) { return (int32_t)((uint32_t)a * (uint32_t)b); }
static int32_t jadd32(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }
static int32_t jshl32(int32_t a, int s) { return (int32_t)((uint32_t)a << (s & 31)); }
static int64_t jmul64(int64_t a, int64_t b) { return (int64_t)((uint64_t)a * (uint64_t)b); }
static int64_t jadd64(int64_t a, int64_t b) { return (int64_t)((uint64_t)a + (uint64_t)b); }
static int64_t jshl64(int64_t a, int s) { return (int64_t)((uint64_t)a << (s & 63)); }

typedef struct digits {
  char d[32];
  int first, n;     /* digits d[first .. first+n) */
  int dec_exponent; /* value = 0.d1d2... * 10^dec_exponent */
} digits;

/* ---- a small unsigned big integer: enough for 5^340 * 2^1100 * 10^20 (about 1900 bits) ---- */
#define BIG_WORDS 64
typedef struct big {
  uint32_t w[BIG_WORDS]; /* little-endian words */
  int n;                 /* words in use; no leading zero words */
} big;

static void big_trim(big *b)
{
  while (b->n > 0 && b->w[b->n - 1] == 0) b->n--;
}

static void big_mul_small(big *b, uint32_t m)
{
  uint64_t carry = 0;
  for (int i = 0; i < b->n; i++) {
    uint64_t t = (uint64_t)b->w[i] * m + carry;
    b->w[i] = (uint32_t)t;
    carry = t >> 32;
  }
  if (carry && b->n < BIG_WORDS) b->w[b->n++] = (uint32_t)carry;
}

static void big_shl(big *b, int s)
{
  if (s <= 0 || b->n == 0) return;
  int words = s / 32, bits = s % 32;
  if (b->n + words + 1 > BIG_WORDS) words = BIG_WORDS - b->n - 1; /* cannot happen for doubles */
  uint32_t out[BIG_WORDS] = {0};
  for (int i = b->n - 1; i >= 0; i--) {
    uint64_t v = (uint64_t)b->w[i] << bits;
    out[i + words + 1] |= (uint32_t)(v >> 32);
    out[i + words] |= (uint32_t)v;
  }
  b->n += words + 1;
  memcpy(b->w, out, sizeof out);
  big_trim(b);
}

/* b = v * 5^p5 * 2^p2 */
static void big_set_mul_pow52(big *b, uint64_t v, int p5, int p2)
{
  memset(b, 0, sizeof *b);
  b->w[0] = (uint32_t)v;
  b->w[1] = (uint32_t)(v >> 32);
  b->n = 2;
  big_trim(b);
  for (; p5 >= 13; p5 -= 13) big_mul_small(b, (uint32_t)small5[13]);
  if (p5 > 0) big_mul_small(b, (uint32_t)small5[p5]);
  big_shl(b, p2);
}

static int big_cmp(const big *a, const big *b)
{
  if (a->n != b->n) return a->n < b->n ? -1 : 1;
  for (int i = a->n - 1; i >= 0; i--)
    if (a->w[i] != b->w[i]) return a->w[i] < b->w[i] ? -1 : 1;
  return 0;
}

static void big_add(big *out, const big *a, const big *b)
{
  int n = a->n > b->n ? a->n : b->n;
  uint64_t carry = 0;
  for (int i = 0; i < n; i++) {
    uint64_t t = carry + (i < a->n ? a->w[i] : 0) + (i < b->n ? b->w[i] : 0);
    out->w[i] = (uint32_t)t;
    carry = t >> 32;
  }
  out->n = n;
  if (carry && n < BIG_WORDS) out->w[out->n++] = (uint32_t)carry;
}

static void big_sub(big *a, const big *b) /* a -= b, a >= b */
{
  int64_t borrow = 0;
  for (int i = 0; i < a->n; i++) {
    int64_t t = (int64_t)a->w[i] - (i < b->n ? b->w[i] : 0) - borrow;
    borrow = t < 0;
    a->w[i] = (uint32_t)(t + (borrow ? (INT64_C(1) << 32) : 0));
  }
  big_trim(a);
}

/* FDBigInteger.quoRemIteration: q = b / s, b = 10 * (b mod s). The JDK only calls it when q < 10. */
static int big_quo_rem10(big *b, const big *s)
{
  int q = 0;
  while (q < 10 && big_cmp(b, s) >= 0) {
    big_sub(b, s);
    q++;
  }
  big_mul_small(b, 10);
  return q;
}

/* ---- FloatingDecimal.BinaryToASCIIBuffer ---- */

static void develop_long_digits(digits *out, int dec_exp, int64_t lvalue, int insignificant)
{
  if (insignificant != 0) {
    int64_t pow10 = long5[insignificant] << insignificant; /* 10^i = 5^i * 2^i */
    int64_t residue = lvalue % pow10;
    lvalue /= pow10;
    dec_exp += insignificant;
    if (residue >= (pow10 >> 1)) lvalue++; /* round half up on the discarded digits */
  }
  int pos = 19;
  int c = (int)(lvalue % 10);
  lvalue /= 10;
  while (c == 0) { /* trailing zeros only move the exponent */
    dec_exp++;
    c = (int)(lvalue % 10);
    lvalue /= 10;
  }
  while (lvalue != 0) {
    out->d[pos--] = (char)('0' + c);
    dec_exp++;
    c = (int)(lvalue % 10);
    lvalue /= 10;
  }
  out->d[pos] = (char)('0' + c);
  out->dec_exponent = dec_exp + 1;
  out->first = pos;
  out->n = 20 - pos;
}

/* Java's q = b / s; b = 10 * (b % s) for the long loop. s = 5^S5 * 2^S2: with S5 == 0 it is 2^shift
 * (shift >= 0), and for b >= 0 the quotient and remainder are a shift and a mask — the same values without
 * a 64-bit division (most doubles below 10 take this path). A negative b (Java's wrapped arithmetic)
 * keeps the division, which truncates toward zero where a shift would not. */
static int long_digit(int64_t *b, int64_t s, int shift)
{
  int64_t q, r;
  if (shift >= 0 && *b >= 0) {
    q = *b >> shift;
    r = (int64_t)((uint64_t)*b & (((uint64_t)1 << shift) - 1));
  } else {
    q = *b / s;
    r = *b % s;
  }
  *b = jmul64(10, r);
  return (int)q;
}

static void roundup(digits *out)
{
  int i = out->first + out->n - 1;
  char q = out->d[i];
  if (q == '9') {
    while (q == '9' && i > out->first) {
      out->d[i] = '0';
      q = out->d[--i];
    }
    if (q == '9') { /* carry out of the first digit: 1 followed by zeros, one more decade */
      out->dec_exponent += 1;
      out->d[out->first] = '1';
      return;
    }
  }
  out->d[i] = (char)(q + 1);
}

/* floor(log10(d)) estimate, computed in double exactly as the JDK does (may be one too high). */
static int estimate_dec_exp(uint64_t fract_bits, int bin_exp)
{
  uint64_t bits = ((uint64_t)EXP_BIAS << EXP_SHIFT) | (fract_bits & SIGNIF_MASK);
  double d2;
  memcpy(&d2, &bits, sizeof d2);
  /* one operation per statement: no fused multiply-add may change the rounding */
  double t = d2 - 1.5;
  t = t * 0.289529654;
  t = t + 0.176091259;
  double u = (double)bin_exp * 0.301029995663981;
  double d = t + u;
  int i = (int)d; /* floor: |d| < 400 */
  return d < i ? i - 1 : i;
}

static void dtoa(digits *out, int bin_exp, uint64_t fract_bits, int n_significant_bits)
{
  const int tail_zeros = __builtin_ctzll(fract_bits);
  const int n_fract_bits = EXP_SHIFT + 1 - tail_zeros;
  int n_tiny_bits = n_fract_bits - bin_exp - 1;
  if (n_tiny_bits < 0) n_tiny_bits = 0;

  if (bin_exp <= MAX_SMALL_BIN_EXP && bin_exp >= MIN_SMALL_BIN_EXP && n_tiny_bits < 27 &&
      n_fract_bits + n5bits[n_tiny_bits] < 64 && n_tiny_bits == 0) {
    /* an integer that fits in a long: exact digits */
    int insignificant = 0;
    if (bin_exp > n_significant_bits) {
      int p2 = bin_exp - n_significant_bits - 1;
      insignificant = (p2 > 1 && p2 < 64) ? insig_pow2[p2] : 0;
    }
    uint64_t v = bin_exp >= EXP_SHIFT ? fract_bits << (bin_exp - EXP_SHIFT) : fract_bits >> (EXP_SHIFT - bin_exp);
    develop_long_digits(out, 0, (int64_t)v, insignificant);
    return;
  }

  int dec_exp = estimate_dec_exp(fract_bits, bin_exp);
  int B5 = dec_exp < 0 ? -dec_exp : 0;
  int B2 = B5 + n_tiny_bits + bin_exp;
  int S5 = dec_exp > 0 ? dec_exp : 0;
  int S2 = S5 + n_tiny_bits;
  int M5 = B5;
  int M2 = B2 - n_significant_bits;

  fract_bits >>= tail_zeros;
  B2 -= n_fract_bits - 1;
  int common2 = B2 < S2 ? B2 : S2;
  B2 -= common2;
  S2 -= common2;
  M2 -= common2;
  if (n_fract_bits == 1) M2 -= 1; /* exact power of two: the next lower double is half as far */
  if (M2 < 0) {
    B2 -= M2;
    S2 -= M2;
    M2 = 0;
  }

  int nd = 0;
  bool low, high;
  int64_t low_digit_difference;
  int q;
  const int Bbits = n_fract_bits + B2 + (B5 < 27 ? n5bits[B5] : B5 * 3);
  const int tenSbits = S2 + 1 + ((S5 + 1) < 27 ? n5bits[S5 + 1] : (S5 + 1) * 3);
  /* E-form (decExp < -3 or >= 8) must print a digit after the point: no early stop after digit one */
  if (Bbits < 64 && tenSbits < 64) {
    if (Bbits < 32 && tenSbits < 32) {
      int32_t b = jshl32(jmul32((int32_t)fract_bits, small5[B5]), B2);
      int32_t s = jshl32(small5[S5], S2);
      int32_t m = jshl32(small5[M5], M2);
      int32_t tens = jmul32(s, 10);
      q = b / s;
      b = jmul32(10, b % s);
      m = jmul32(m, 10);
      low = b < m;
      high = jadd32(b, m) > tens;
      if (q == 0 && !high)
        dec_exp--;
      else
        out->d[nd++] = (char)('0' + q);
      if (dec_exp < -3 || dec_exp >= 8) high = low = false;
      while (!low && !high && nd < 30) {
        q = b / s;
        b = jmul32(10, b % s);
        m = jmul32(m, 10);
        if (m > 0) {
          low = b < m;
          high = jadd32(b, m) > tens;
        } else { /* m overflowed: the JDK stops here */
          low = high = true;
        }
        out->d[nd++] = (char)('0' + q);
      }
      low_digit_difference = jadd32(jshl32(b, 1), -tens);
    } else {
      int64_t b = jshl64(jmul64((int64_t)fract_bits, long5[B5]), B2);
      int64_t s = jshl64(long5[S5], S2);
      int64_t m = jshl64(long5[M5], M2);
      int64_t tens = jmul64(s, 10);
      const int shift = S5 == 0 && S2 < 63 ? S2 : -1; /* s = 2^S2 */
      q = long_digit(&b, s, shift);
      m = jmul64(m, 10);
      low = b < m;
      high = jadd64(b, m) > tens;
      if (q == 0 && !high)
        dec_exp--;
      else
        out->d[nd++] = (char)('0' + q);
      if (dec_exp < -3 || dec_exp >= 8) high = low = false;
      if (!low && !high && b >= 0 && s > 0) {
        /* Java's loop below in unsigned words, with the same wrapped values: b stays in [0, tens) (tens
         * < 2^63), so b < m and b + m compare as Java's signed longs do once m > 0 (m < 2^63). */
        uint64_t ub = (uint64_t)b, um = (uint64_t)m, us = (uint64_t)s;
        const int64_t st = tens;
        if (shift >= 0) {
          const uint64_t mask = ((uint64_t)1 << shift) - 1;
          do {
            q = (int)(ub >> shift);
            ub = (ub & mask) * 10;
            um *= 10;
            out->d[nd++] = (char)('0' + q);
          } while ((int64_t)um > 0 && ub >= um && (int64_t)(ub + um) <= st && nd < 30);
        } else {
          do {
            q = (int)(ub / us);
            ub = ub % us * 10;
            um *= 10;
            out->d[nd++] = (char)('0' + q);
          } while ((int64_t)um > 0 && ub >= um && (int64_t)(ub + um) <= st && nd < 30);
        }
        b = (int64_t)ub;
        m = (int64_t)um;
        if (m > 0) {
          low = b < m;
          high = jadd64(b, m) > tens;
        } else {
          low = high = true;
        }
      }
      while (!low && !high && nd < 30) {
        q = long_digit(&b, s, shift);
        m = jmul64(m, 10);
        if (m > 0) {
          low = b < m;
          high = jadd64(b, m) > tens;
        } else {
          low = high = true;
        }
        out->d[nd++] = (char)('0' + q);
      }
      low_digit_difference = jadd64(jshl64(b, 1), -tens);
    }
  } else {
    /* Scaling all four numbers by the same power of two (the JDK's normalisation) changes nothing. */
    big S, B, M, tenS, sum;
    big_set_mul_pow52(&S, 1, S5, S2);
    big_set_mul_pow52(&B, fract_bits, B5, B2);
    big_set_mul_pow52(&M, 1, M5 + 1, M2 + 1); /* 10 * M: B is multiplied by 10 in each step */
    big_set_mul_pow52(&tenS, 1, S5 + 1, S2 + 1);
    q = big_quo_rem10(&B, &S);
    low = big_cmp(&B, &M) < 0;
    big_add(&sum, &B, &M);
    high = big_cmp(&tenS, &sum) <= 0;
    if (q == 0 && !high)
      dec_exp--;
    else
      out->d[nd++] = (char)('0' + q);
    if (dec_exp < -3 || dec_exp >= 8) high = low = false;
    while (!low && !high && nd < 30) {
      q = big_quo_rem10(&B, &S);
      big_mul_small(&M, 10);
      low = big_cmp(&B, &M) < 0;
      big_add(&sum, &B, &M);
      high = big_cmp(&tenS, &sum) <= 0;
      out->d[nd++] = (char)('0' + q);
    }
    if (high && low) {
      big_shl(&B, 1);
      low_digit_difference = big_cmp(&B, &tenS);
    } else {
      low_digit_difference = 0;
    }
  }
  out->dec_exponent = dec_exp + 1;
  out->first = 0;
  out->n = nd;
  if (high) {
    if (low) {
      if (low_digit_difference == 0) {
        if ((out->d[out->first + out->n - 1] & 1) != 0) roundup(out); /* tie: make the last digit even */
      } else if (low_digit_difference > 0) {
        roundup(out);
      }
    } else {
      roundup(out);
    }
  }
}

/* BinaryToASCIIBuffer.getChars: plain for 10^-3 <= |d| < 10^7, else d.dddEx */
static size_t format_digits(char *o, bool neg, const digits *g)
{
  size_t i = 0;
  const char *dg = g->d + g->first;
  int n = g->n, e = g->dec_exponent;
  if (neg) o[i++] = '-';
  if (e > 0 && e < 8) {
    int int_len = n < e ? n : e;
    memcpy(o + i, dg, (size_t)int_len);
    i += (size_t)int_len;
    if (int_len < e) {
      for (int k = int_len; k < e; k++) o[i++] = '0';
      o[i++] = '.';
      o[i++] = '0';
    } else {
      o[i++] = '.';
      if (int_len < n) {
        memcpy(o + i, dg + int_len, (size_t)(n - int_len));
        i += (size_t)(n - int_len);
      } else {
        o[i++] = '0';
      }
    }
  } else if (e <= 0 && e > -3) {
    o[i++] = '0';
    o[i++] = '.';
    for (int k = e; k < 0; k++) o[i++] = '0';
    memcpy(o + i, dg, (size_t)n);
    i += (size_t)n;
  } else {
    o[i++] = dg[0];
    o[i++] = '.';
    if (n > 1) {
      memcpy(o + i, dg + 1, (size_t)(n - 1));
      i += (size_t)(n - 1);
    } else {
      o[i++] = '0';
    }
    o[i++] = 'E';
    int x;
    if (e <= 0) {
      o[i++] = '-';
      x = -e + 1;
    } else {
      x = e - 1;
    }
    if (x >= 100) o[i++] = (char)('0' + x / 100);
    if (x >= 10) o[i++] = (char)('0' + x / 10 % 10);
    o[i++] = (char)('0' + x % 10);
  }
  o[i] = '\0';
  return i;
}

size_t java_double_ref_to_string(char out[JAVA_DOUBLE_REF_MAX], double d)
{
  uint64_t bits;
  memcpy(&bits, &d, sizeof bits);
  bool neg = (bits >> 63) != 0;
  uint64_t fract = bits & SIGNIF_MASK;
  int bin_exp = (int)((bits >> EXP_SHIFT) & 0x7ff);
  const char *special = NULL;
  if (bin_exp == 0x7ff)
    special = fract ? "NaN" : neg ? "-Infinity" : "Infinity";
  else if (bin_exp == 0 && fract == 0)
    special = neg ? "-0.0" : "0.0";
  if (special) {
    size_t n = strlen(special);
    memcpy(out, special, n + 1);
    return n;
  }
  int n_significant_bits;
  if (bin_exp == 0) { /* subnormal: normalise so the hidden bit is set */
    int leading_zeros = __builtin_clzll(fract);
    int shift = leading_zeros - (63 - EXP_SHIFT);
    fract <<= shift;
    bin_exp = 1 - shift;
    n_significant_bits = 64 - leading_zeros;
  } else {
    fract |= FRACT_HOB;
    n_significant_bits = EXP_SHIFT + 1;
  }
  bin_exp -= EXP_BIAS;
  digits g;
  memset(&g, 0, sizeof g);
  dtoa(&g, bin_exp, fract, n_significant_bits);
  return format_digits(out, neg, &g);
}
