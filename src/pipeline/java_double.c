/* SPDX-License-Identifier: Apache-2.0 */
/* Java 17 Double.toString: jdk.internal.math.FloatingDecimal (BinaryToASCIIBuffer.dtoa and getChars),
 * re-implemented from its description, including its quirks (pipeline-spec §6.3, §8 gotcha 5):
 *  - an exact fast path for integers below 2^63, which rounds away "insignificant" low digits;
 *  - digit generation with a symmetric stopping test (Steele & White), in int, long or big-integer
 *    arithmetic depending on the operand sizes — the int/long variants use Java's wrapping arithmetic and
 *    a strict `>` in the high test while the big-integer one uses `>=`, so all three are kept separate;
 *  - E-notation outside 1e-3 <= |d| < 1e7 forces at least two digits before the stopping test applies.
 * Speed (same digits): for 2^-8 <= |d| < 16 (nearly every number of the experiment-id text) the long
 * loop's outcome is computed instead of stepped through (shift_loop); elsewhere the long loop tests only
 * every fourth or second step where the stop test is monotone, and the big-integer loop runs on 128-bit
 * words when its numbers fit. The unoptimised port is kept in tests/support/java_double_ref.c as the
 * oracle of test_java_double_diff. */
#include "pipeline/java_double.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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
  char d[64];       /* room past the digits: getChars copies 23 bytes from any of them */
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

/* ---- the same quotient step on 128-bit words, when the numbers fit ---- */
__extension__ typedef unsigned __int128 u128;
#define U128_BITS 120

/* big_quo_rem10 on a 128-bit b: q = min(b / s, 10), b = 10 * (b - q s); s = 2^shift when shift >= 0 */
static int u128_quo_rem10(u128 *b, u128 s, int shift)
{
  int q = 0;
  if (shift >= 0) {
    u128 w = *b >> shift;
    q = w > 10 ? 10 : (int)w;
    *b -= (u128)q << shift;
  } else {
    while (q < 10 && *b >= s) {
      *b -= s;
      q++;
    }
  }
  *b *= 10;
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


static size_t format_digits(char t[QB_JAVA_DOUBLE_MAX], bool neg, const digits *g);

const uint64_t qb_java__pow10_u64[20] = {UINT64_C(1),
                                       UINT64_C(10),
                                       UINT64_C(100),
                                       UINT64_C(1000),
                                       UINT64_C(10000),
                                       UINT64_C(100000),
                                       UINT64_C(1000000),
                                       UINT64_C(10000000),
                                       UINT64_C(100000000),
                                       UINT64_C(1000000000),
                                       UINT64_C(10000000000),
                                       UINT64_C(100000000000),
                                       UINT64_C(1000000000000),
                                       UINT64_C(10000000000000),
                                       UINT64_C(100000000000000),
                                       UINT64_C(1000000000000000),
                                       UINT64_C(10000000000000000),
                                       UINT64_C(100000000000000000),
                                       UINT64_C(1000000000000000000),
                                       UINT64_C(10000000000000000000)};

/* hi and lo (each < 10^8) as sixteen ASCII digits at dst, leading zeros kept. */
#if defined(__SSE2__)
/* SSE2 (baseline on x86-64), after W. Mula's 8-digit conversion: both numbers split into 4-digit halves
 * (x * 0xd1b71759 >> 45 is x / 10000 for x < 10^8), each half spread over four 16-bit lanes and divided
 * by 1000, 100, 10, 1 (a multiply-high by a reciprocal, then by a power of two), then each lane minus ten
 * times its left neighbour is one digit. Checked on all 10^8 inputs. */
static inline __attribute__((always_inline)) void sixteen_digits(char *dst, uint32_t hi, uint32_t lo)
{
  const __m128i x = _mm_set_epi64x((long long)lo, (long long)hi);
  const __m128i q = _mm_srli_epi64(_mm_mul_epu32(x, _mm_set1_epi32((int)0xd1b71759)), 45);
  const __m128i r = _mm_sub_epi32(x, _mm_mul_epu32(q, _mm_set1_epi32(10000)));
  const __m128i div = _mm_set_epi16(-32768, 13108, 5243, 8389, -32768, 13108, 5243, 8389);
  const __m128i sh = _mm_set_epi16(-32768, 1 << 13, 1 << 11, 1 << 7, -32768, 1 << 13, 1 << 11, 1 << 7);
  __m128i v[2];
  for (int j = 0; j < 2; j++) {
    __m128i v1 = _mm_slli_epi64(j ? _mm_unpackhi_epi16(q, r) : _mm_unpacklo_epi16(q, r), 2); /* 4 abcd, 4 efgh */
    __m128i v2 = _mm_unpacklo_epi16(v1, v1);
    v2 = _mm_unpacklo_epi32(v2, v2);
    __m128i v4 = _mm_mulhi_epu16(_mm_mulhi_epu16(v2, div), sh); /* a, ab, abc, abcd, e, ef, efg, efgh */
    v[j] = _mm_sub_epi16(v4, _mm_slli_epi64(_mm_mullo_epi16(v4, _mm_set1_epi16(10)), 16));
  }
  _mm_storeu_si128((__m128i *)(void *)dst, _mm_add_epi8(_mm_packus_epi16(v[0], v[1]), _mm_set1_epi8('0')));
}
#else
/* y < 10^8 as eight ASCII digits in memory order, four lanes at a time: 4-digit halves in 32-bit lanes,
 * then 2-digit quarters in 16-bit lanes, then digits in bytes. Each lane's product stays inside its lane
 * (9999 * 10486 < 2^32, 99 * 103 < 2^16); x * 10486 >> 20 is x / 100 for x < 43,699 and x * 103 >> 10 is
 * x / 10 for x < 179. (Little-endian byte order.) */
static inline uint64_t eight_digits(uint32_t y)
{
  uint64_t hi = y / 10000, x = hi | (uint64_t)(y - (uint32_t)hi * 10000) << 32;
  uint64_t t = ((x * 10486) >> 20) & UINT64_C(0x0000007F0000007F);
  x = t | (x - t * 100) << 16;
  t = ((x * 103) >> 10) & UINT64_C(0x000F000F000F000F);
  x = t | (x - t * 10) << 8;
  return x | UINT64_C(0x3030303030303030);
}
static inline void sixteen_digits(char *dst, uint32_t hi, uint32_t lo)
{
  uint64_t w1 = eight_digits(hi), w2 = eight_digits(lo);
  memcpy(dst, &w1, 8);
  memcpy(dst + 8, &w2, 8);
}
#endif

/* The long loop of dtoa (below) for s = 2^S, with the digits and the stopping step computed instead of
 * stepped through, and the text written into t; 0 when it does not apply (dtoa then runs the loop).
 *
 * Java, exact here: on entry b = b0, m = m0, s, tens = 10 s are the long loop's non-negative values (Bbits,
 * tenSbits < 64). With S <= 58 and 2 m0 <= s nothing wraps where it matters: while the loop goes on,
 * b >= m and b + m <= tens, so m <= tens / 2 = 5 s <= 5 * 2^58, and the next 10 m is below 2^64 — either
 * exact or negative, and a negative m makes Java set low = high = true, the same as exact arithmetic would
 * (m > tens then, so b < m and b + m > tens); the first step's 10 m0 <= 5 s is exact.
 *
 * After the first digit (q = b0 / s in 1..9), Java's step k + 1 tests b = 10 R_k, m = 10 M_k with
 * R_k = b0 10^k mod s and M_k = m0 10^k: it stops iff R_k < M_k (low) or R_k + M_k > s (high), and then
 * holds the k + 1 digits Q_k = floor(b0 10^k / s). The stop test is monotone in k: if R_k < M_k then either
 * 10 M_k > s / 2 (every R stops) or 10 R_k < s and R_{k+1} = 10 R_k < M_{k+1}; the high side is the mirror
 * image (s - R_{k+1} = 10 (s - R_k)). So the first stopping k is found from K, the first k with
 * 2 M_k > s (where every R stops), walking down while the step below also stops. R_k is the low S bits of
 * b0 10^k, so the low 64 bits of that product are enough. Rounding: see below. Equality never decides a
 * test: R_k is a multiple of 2^(k+1) and M_k an odd multiple of 2^k (or both one power higher after a
 * dropped first digit), and S > k + 1 (S >= 50, k <= 18): R_k + M_k is an odd multiple of 2^k, s is not. */
static inline __attribute__((always_inline)) size_t shift_loop(char *t, bool neg, int dec_exp, uint64_t b0, uint64_t m0, int S)
{
  const uint64_t s = (uint64_t)1 << S, mask = s - 1;
  if (S > 58 || b0 >= 10 * s) return 0;
  if (b0 < s) { /* first quotient 0: Java drops it unless this step stops (then leave it to the loop) */
    if (b0 < m0 || b0 + m0 > s) return 0;
    b0 *= 10;
    m0 *= 10;
    dec_exp--;
    if (b0 < s) return 0;
  } else if (dec_exp < -3 || dec_exp >= 8) {
    return 0; /* E-form: the first step may not stop (rare here: leave it to the loop) */
  }
  if (2 * m0 > s) return 0;
  /* K, the first k with m0 10^k > 2^(S-1): with 2^a <= m0 < 2^(a+1) and x = S - 1 - a >= 0 it is the
   * first k with 10^k > 2^(x-1) (floor((x - 1) log10 2) + 1, as no power of ten is one of two) or the
   * next one (10^k > 2^x is enough) */
  const int x = S - 1 - (63 - __builtin_clzll(m0));
  int K = x > 0 ? (((x - 1) * 78913) >> 18) + 1 : 0;
  K += m0 * qb_java__pow10_u64[K] <= s >> 1;
  /* b0 < 10 s <= 10 * 2^58 and 10^K <= 10 s / (2 m0) < 2^62; Q_K < 10^(K+1) and K <= 18 (2 * 10^18 >
   * 2^58), so Q fits in 64 bits */
  int k = K;
  uint64_t R = b0 * qb_java__pow10_u64[K] & mask; /* M_k = m0 10^k is only needed for the test */
  while (k > 0) {
    uint64_t R1 = b0 * qb_java__pow10_u64[k - 1] & mask, M1 = m0 * qb_java__pow10_u64[k - 1];
    if (R1 >= M1 && R1 + M1 <= s) break; /* step k - 1 goes on: k is the first that stops */
    R = R1, k--;
  }
  uint64_t Q = (uint64_t)(((u128)b0 * qb_java__pow10_u64[k]) >> S);
  int n = k + 1; /* digits */
  /* Java rounds up when high and not low, or when both and 2 R > s or 2 R == s with an odd last digit.
   * At a stopping step that is just 2 R + (Q & 1) > s: high and not low (R >= M, R > s - M) give 2 R > s,
   * low and not high (R < M, R <= s - M) give 2 R < s, and 2 R == s is low exactly when it is high. */
  Q += 2 * R + (Q & 1) > s;
  /* 99..9 rounded up (Java: "10..0", one more decade) cannot happen here: with k >= 1 step k - 1 would
   * have stopped already (its distance to the next integer is a tenth of step k's), and with k = 0 the
   * value would lie within half an ulp below 10^(1-D), which no double below 10 and no double nearest
   * 1, 0.1, 0.01, 1e-3 or 1e-4 does. Left to dtoa all the same. */
  if (Q == qb_java__pow10_u64[n]) return 0;
  int e = dec_exp + 1; /* value = 0.DIGITS * 10^e */
  size_t i = neg;
  t[0] = '-';
  if (n <= 17 && e <= 1 && e > -3) {
    /* the 17 digits of Q 10^(17-n): the first, then sixteen (the padding zeros lie past the text) */
    uint64_t T = Q * qb_java__pow10_u64[17 - n], d0 = T / qb_java__pow10_u64[16], r = T - d0 * qb_java__pow10_u64[16];
    uint64_t hi = r / 100000000, lo = r - hi * 100000000;
    if (e == 1) { /* d.ddd, at least one digit after the point (a zero of T's padding) */
      t[i] = (char)('0' + d0);
      t[i + 1] = '.';
      sixteen_digits(t + i + 2, (uint32_t)hi, (uint32_t)lo);
      i += 2 + (size_t)(n > 1 ? n - 1 : 1);
    } else { /* 0.DIGITS, 0.0DIGITS, 0.00DIGITS */
      memcpy(t + i, "0.00", 4);
      i += (size_t)(2 - e);
      t[i] = (char)('0' + d0);
      sixteen_digits(t + i + 1, (uint32_t)hi, (uint32_t)lo);
      i += (size_t)n;
    }
    t[i] = '\0';
    return i;
  }
  digits g; /* other layouts: E-form below 1e-3 (after a dropped first digit), 18 or 19 digits */
  for (int j = n - 1; j >= 0; j--, Q /= 10) g.d[j] = (char)('0' + Q % 10);
  g.first = 0;
  g.n = n;
  g.dec_exponent = e;
  return format_digits(t, neg, &g);
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

  int dec_exp = qb_java__estimate_dec_exp(fract_bits, bin_exp);
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

  char *const dg = out->d;
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
        dg[nd++] = (char)('0' + q);
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
        dg[nd++] = (char)('0' + q);
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
        dg[nd++] = (char)('0' + q);
      if (dec_exp < -3 || dec_exp >= 8) high = low = false;
      if (!low && !high && b >= 0 && s > 0) {
        /* Java's loop below in unsigned words, with the same wrapped values: b stays in [0, tens) (tens
         * < 2^63). Java continues iff m > 0 && b >= m && b + m <= tens; with 1 <= m <= cap (cap <= tens/2,
         * so no sum wraps) that is the one unsigned test b - m <= tens - 2m, and otherwise this loop stops
         * and the Java loop below re-tests the same values. cap <= UINT64_MAX / 10 keeps m * 10 exact
         * after the first step, so m grows tenfold and the loop ends within 20 digits (nd < 30 holds).
         * While m <= cap / 10^4, four steps run and only the fourth is tested, then while m <= cap / 100
         * two: if step t+1 continues, so did step t (b_t = 10 * (b_{t-1} mod s) is the next digit times
         * s plus b_{t+1} / 10, so m_{t+1} / 10 <= b_{t+1} / 10 <= s - m_{t+1} / 10 puts b_t within
         * [m_t, tens - m_t]); when the tested step stops, the first step that stops is looked up. */
        uint64_t ub = (uint64_t)b, um = (uint64_t)m;
        const uint64_t ut = (uint64_t)tens, cap = ut / 2 < UINT64_MAX / 10 ? ut / 2 : UINT64_MAX / 10;
        const uint64_t cap2 = cap / 100, cap4 = cap / 10000;
        char *dp = dg + nd;
        bool stopped = false;
#define JD_GOES_ON(u, mm) ((u) - (mm) <= ut - 2 * (mm))
#define JD_STEPS(DIGIT, REST)                                                                        \
  while (um - 1 < cap4) {                                                                                 \
    uint64_t u1 = (REST(ub)) * 10, u2 = (REST(u1)) * 10, u3 = (REST(u2)) * 10, u4 = (REST(u3)) * 10;      \
    uint64_t m4 = um * 10000;                                                                             \
    dp[0] = (char)('0' + (DIGIT(ub)));                                                                    \
    dp[1] = (char)('0' + (DIGIT(u1)));                                                                    \
    dp[2] = (char)('0' + (DIGIT(u2)));                                                                    \
    dp[3] = (char)('0' + (DIGIT(u3)));                                                                    \
    if (!JD_GOES_ON(u4, m4)) {                                                                            \
      uint64_t m1 = um * 10, m2 = um * 100, m3 = um * 1000;                                               \
      int k = !JD_GOES_ON(u1, m1) ? 1 : !JD_GOES_ON(u2, m2) ? 2 : !JD_GOES_ON(u3, m3) ? 3 : 4;            \
      ub = k == 1 ? u1 : k == 2 ? u2 : k == 3 ? u3 : u4;                                                  \
      um = k == 1 ? m1 : k == 2 ? m2 : k == 3 ? m3 : m4;                                                  \
      dp += k;                                                                                            \
      stopped = true;                                                                                     \
      break;                                                                                              \
    }                                                                                                     \
    ub = u4;                                                                                              \
    um = m4;                                                                                              \
    dp += 4;                                                                                              \
  }                                                                                                       \
  while (!stopped && um - 1 < cap2) {                                                                     \
    uint64_t u1 = (REST(ub)) * 10, m1 = um * 10;                                                          \
    uint64_t u2 = (REST(u1)) * 10, m2 = um * 100;                                                         \
    dp[0] = (char)('0' + (DIGIT(ub)));                                                                    \
    dp[1] = (char)('0' + (DIGIT(u1)));                                                                    \
    if (!JD_GOES_ON(u2, m2)) { /* step 2 stops; step 1 may have */                                       \
      bool second = JD_GOES_ON(u1, m1);                                                                   \
      ub = second ? u2 : u1;                                                                              \
      um = second ? m2 : m1;                                                                              \
      dp += 1 + second;                                                                                   \
      stopped = true;                                                                                     \
      break;                                                                                              \
    }                                                                                                     \
    ub = u2;                                                                                              \
    um = m2;                                                                                              \
    dp += 2;                                                                                              \
  }                                                                                                       \
  if (!stopped) do {                                                                                      \
      *dp++ = (char)('0' + (DIGIT(ub)));                                                                  \
      ub = (REST(ub)) * 10;                                                                               \
      um *= 10;                                                                                           \
    } while (um - 1 < cap && JD_GOES_ON(ub, um))
        if (shift >= 0) {
          const uint64_t mask = ((uint64_t)1 << shift) - 1;
#define JD_SHIFT_DIGIT(x) ((x) >> shift)
#define JD_SHIFT_REST(x) ((x) & mask)
          JD_STEPS(JD_SHIFT_DIGIT, JD_SHIFT_REST);
        } else {
          const uint64_t us = (uint64_t)s;
#define JD_DIV_DIGIT(x) ((x) / us)
#define JD_DIV_REST(x) ((x) % us)
          JD_STEPS(JD_DIV_DIGIT, JD_DIV_REST);
        }
        nd = (int)(dp - dg);
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
        dg[nd++] = (char)('0' + q);
      }
      low_digit_difference = jadd64(jshl64(b, 1), -tens);
    }
  } else if (B5 < 26 && S5 < 26 && Bbits <= U128_BITS && tenSbits <= U128_BITS &&
             M2 + 1 + n5bits[M5 + 1] <= U128_BITS) {
    /* The big-integer loop below (its `>=` high test, no wrapping) on 128-bit words: B, 10 M and 10 S
     * start below 2^120, and while the loop continues 10 M < 10 S, so nothing passes 2^124. Doubles
     * from 1e-3 down to about 1e-7 (short of the long loop's 64 bits) take this path. */
    const u128 S = (u128)long5[S5] << S2, tenS = (u128)long5[S5 + 1] << (S2 + 1);
    u128 B = (u128)fract_bits * (uint64_t)long5[B5] << B2;
    u128 M = (u128)long5[M5 + 1] << (M2 + 1); /* 10 * M: B is multiplied by 10 in each step */
    const int shift = S5 == 0 ? S2 : -1;       /* S = 2^S2 */
    q = u128_quo_rem10(&B, S, shift);
    low = B < M;
    high = tenS <= B + M;
    if (q == 0 && !high)
      dec_exp--;
    else
      dg[nd++] = (char)('0' + q);
    if (dec_exp < -3 || dec_exp >= 8) high = low = false;
    while (!low && !high && nd < 30) {
      q = u128_quo_rem10(&B, S, shift);
      M *= 10;
      low = B < M;
      high = tenS <= B + M;
      dg[nd++] = (char)('0' + q);
    }
    low_digit_difference = high && low ? ((B << 1) > tenS) - ((B << 1) < tenS) : 0;
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
      dg[nd++] = (char)('0' + q);
    if (dec_exp < -3 || dec_exp >= 8) high = low = false;
    while (!low && !high && nd < 30) {
      q = big_quo_rem10(&B, &S);
      big_mul_small(&M, 10);
      low = big_cmp(&B, &M) < 0;
      big_add(&sum, &B, &M);
      high = big_cmp(&tenS, &sum) <= 0;
      dg[nd++] = (char)('0' + q);
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

/* 23 bytes at once: a digit run is at most 19 long; the bytes copied past it are overwritten or lie past
 * the text's NUL, inside out's QB_JAVA_DOUBLE_MAX bytes (the furthest copy starts at out + 9) */
static void copy23(char *dst, const char *src) { memcpy(dst, src, 23); }

/* BinaryToASCIIBuffer.getChars: plain for 10^-3 <= |d| < 10^7, else d.dddEx. Fixed-size copies (no
 * length-dependent calls); bytes of t past the text are unspecified. */
static size_t format_digits(char t[QB_JAVA_DOUBLE_MAX], bool neg, const digits *g)
{
  size_t i = 0;
  const char *dg = g->d + g->first;
  int n = g->n, e = g->dec_exponent;
  if (neg) t[i++] = '-';
  if (e > 0 && e < 8) {
    copy23(t + i, dg);
    if (n < e) { /* integer part padded with zeros, then ".0" */
      memset(t + i + n, '0', 8);
      i += (size_t)e;
      t[i++] = '.';
      t[i++] = '0';
    } else {
      i += (size_t)e;
      t[i] = '.';
      copy23(t + i + 1, dg + e);
      if (n == e) t[i + 1] = '0';
      i += 1 + (size_t)(n > e ? n - e : 1);
    }
  } else if (e <= 0 && e > -3) {
    memcpy(t + i, "0.00", 4);
    i += (size_t)(2 - e);
    copy23(t + i, dg);
    i += (size_t)n;
  } else {
    t[i] = dg[0];
    t[i + 1] = '.';
    copy23(t + i + 2, dg + 1);
    if (n > 1) {
      i += 2 + (size_t)(n - 1);
    } else {
      t[i + 2] = '0';
      i += 3;
    }
    t[i++] = 'E';
    int x;
    if (e <= 0) {
      t[i++] = '-';
      x = -e + 1;
    } else {
      x = e - 1;
    }
    if (x >= 100) t[i++] = (char)('0' + x / 100);
    if (x >= 10) t[i++] = (char)('0' + x / 10 % 10);
    t[i++] = (char)('0' + x % 10);
  }
  t[i] = '\0';
  return i;
}

/* Every double shift_loop does not take: specials, zero, then dtoa's general paths. Out of line, so that
 * the common path does not save and restore the registers these need. */
static __attribute__((noinline)) size_t to_string_general(char out[QB_JAVA_DOUBLE_MAX], uint64_t bits)
{
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
  digits g; /* dtoa sets every field; format_digits copies unset bytes past the digits but never reads them */
  dtoa(&g, bin_exp, fract, n_significant_bits);
  return format_digits(out, neg, &g);
}

size_t qb_java_double_to_string(char out[QB_JAVA_DOUBLE_MAX], double d)
{
  uint64_t bits;
  memcpy(&bits, &d, sizeof bits);
  const bool neg = (bits >> 63) != 0;
  const uint64_t fract = bits & SIGNIF_MASK;
  const int bin_exp = (int)((bits >> EXP_SHIFT) & 0x7ff);
  if (fract != 0 && bin_exp >= EXP_BIAS - 8 && bin_exp <= EXP_BIAS + 3) {
    /* Most doubles printed (2^-8 <= |d| < 16, not a power of two) go straight to shift_loop with dtoa's
     * long-loop values, which for a normal double with bin_exp = E and a decimal-exponent estimate D in
     * -3..0 (B5 = -D, S5 = 0) come out as: B2 = B5 after the tail zeros (tz) leave, S2 = n_tiny =
     * 52 - tz - E, M2 = B5 - tz - 1; when B5 <= n_tiny the common factor is 2^B5, and M2 = -tz - 1 < 0 then
     * shifts everything by tz + 1: b = fract * 5^B5 * 2, s = 2^(53 - E - B5), m = 5^B5, Bbits = 54 +
     * n5bits[B5] (54..61: the long loop, not the int one), tenSbits = S2 + 4 < 64. n_tiny >= 1 keeps
     * the exact-integer path out. (Powers of two halve m and are left to dtoa.) qb_java_double_text_is
     * (java_double.h) repeats these conditions and shift_loop's early returns: change them together. */
    const int E = bin_exp - EXP_BIAS, D = qb_java__estimate_dec_exp(fract, E), B5 = -D, S = 53 - E - B5;
    const int n_tiny = 52 - __builtin_ctzll(fract) - E;
    if (D <= 0 && D >= -3 && n_tiny >= 1 && n_tiny >= B5 && S <= 58) {
      size_t len = shift_loop(out, neg, D, (fract | FRACT_HOB) * 2 * (uint64_t)long5[B5], (uint64_t)long5[B5], S);
      if (len) return len;
    }
  }
  return to_string_general(out, bits);
}
