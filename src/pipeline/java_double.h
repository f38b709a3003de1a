/* SPDX-License-Identifier: Apache-2.0 */
/* Java 17's Double.toString(double), digit for digit: what Spark's cast(double as string) and Jackson's
 * writeNumber(double) print (pipeline-spec §6.3). JDK 17 is not always the shortest round-trip string
 * (2e23 prints 1.9999999999999998E23), so this is a port of its algorithm, not a shortest-digits search. */
#ifndef QB_PIPELINE_JAVA_DOUBLE_H
#define QB_PIPELINE_JAVA_DOUBLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Longest output: "-2.2250738585072014E-308" is 24 chars; digits never exceed 19. */
#define QB_JAVA_DOUBLE_MAX 32

/** Write Double.toString(d) into out (NUL-terminated); returns its length. NaN, "Infinity", "-Infinity".
 *  Any of the QB_JAVA_DOUBLE_MAX bytes of out may be written (those past the NUL are unspecified). */
size_t qb_java_double_to_string(char out[QB_JAVA_DOUBLE_MAX], double d);

/* ---- internals of the inline check below (shared with java_double.c) ---- */

#define QB_JAVA__SIGNIF_MASK ((UINT64_C(1) << 52) - 1)
extern const uint64_t qb_java__pow10_u64[20];         /* 10^0 .. 10^19 */

/* floor(log10(d)) estimate, computed in double exactly as the JDK does (may be one too high). */
static inline int qb_java__estimate_dec_exp(uint64_t fract_bits, int bin_exp)
{
  uint64_t bits = ((uint64_t)1023 << 52) | (fract_bits & QB_JAVA__SIGNIF_MASK);
  double d2;
  memcpy(&d2, &bits, sizeof d2);
  /* one operation per statement: no fused multiply-add may change the rounding (ISO C: no contraction) */
  double t = d2 - 1.5;
  t = t * 0.289529654;
  t = t + 0.176091259;
  double u = (double)bin_exp * 0.301029995663981;
  double d = t + u;
  int i = (int)d; /* floor: |d| < 400 */
  return d < i ? i - 1 : i;
}

/** Whether Double.toString(d) is the plain decimal digits * 10^e10 written as a JSON writer writes it:
 *  an optional '-', the integer part without leading zeros ("0" below 1), '.', then exactly -e10 digits
 *  (e10 < 0), the significant digits being those of `digits` (no exponent). True only when that text
 *  is byte for byte what qb_java_double_to_string(d) writes, so a reader may keep a number's source text
 *  instead of printing the parsed double; false says nothing (print it). Decided for most doubles
 *  2^-8 <= |d| < 16 (not powers of two) with at least two significant digits; about a third of the cost
 *  of printing (inline: the JSON reader asks it once per Hamiltonian coefficient).
 *
 *  How: the question is whether shift_loop (java_double.c) would print that text, so it takes the same
 *  entry conditions, then tests only the step the text implies instead of walking to it. With the first
 *  digit at 10^dec_exp (after a dropped first quotient, as shift_loop does) the text's n digits are
 *  Java's steps 0..k, k = n - 1 = dec_exp - e10. Java prints them iff step k stops, step k - 1 does not
 *  (the test is monotone, see shift_loop: so no earlier step stops either) and the rounded quotient Q_k
 *  equals digits. Java's text is then 0.DIGITS * 10^(dec_exp + 1) with n digits in shift_loop's plain
 *  layouts, which is the canonical plain text of digits * 10^e10: "d.ddd" (n >= 2: a digit after the
 *  point) or "0.0ddd", -e10 digits after the point either way. Whatever shift_loop leaves to dtoa
 *  answers false. test_java_double_diff checks it against both formatters. */
static inline bool qb_java_double_text_is(double d, uint64_t D, int e10)
{
  uint64_t bits;
  memcpy(&bits, &d, sizeof bits);
  const uint64_t fract = bits & QB_JAVA__SIGNIF_MASK;
  const int bin_exp = (int)((bits >> 52) & 0x7ff);
  /* range tests as one unsigned compare each: bin_exp in 1015..1026, e10 in -19..-1 */
  if (fract == 0 || (unsigned)(bin_exp - (1023 - 8)) > 11 || (unsigned)(e10 + 19) > 18) return false;
  const int E = bin_exp - 1023, Dx = qb_java__estimate_dec_exp(fract, E), B5 = -Dx, S = 53 - E - B5;
  const int n_tiny = 52 - __builtin_ctzll(fract) - E;
  if ((unsigned)(Dx + 3) > 3 || n_tiny < 1 || n_tiny < B5 || S > 58) return false;
  /* shift_loop's set-up, test for test */
  uint64_t m0 = (UINT32_C(0x7D190501) >> (8 * B5)) & 0xff; /* 5^B5, B5 in 0..3: one byte each */
  uint64_t b0 = (fract | (UINT64_C(1) << 52)) * 2 * m0;
  const uint64_t s = (uint64_t)1 << S, mask = s - 1;
  int dec_exp = Dx;
  if (b0 >= 10 * s) return false;
  if (b0 < s) {
    if (b0 < m0 || b0 + m0 > s) return false;
    b0 *= 10;
    m0 *= 10;
    dec_exp--;
    if (b0 < s) return false;
  } else if (dec_exp < -3 || dec_exp >= 8) {
    return false;
  }
  if (2 * m0 > s) return false;
  const int e = dec_exp + 1, k = dec_exp - e10;
  /* k <= 18 keeps 10^k and Q in shift_loop's bounds; e in -2..1 is its plain layout; k >= 1: n >= 2 */
  if ((unsigned)(k - 1) > 17 || (unsigned)(e + 2) > 3) return false;
  /* step k - 1 must not stop (if M_{k-1} > s it does) and step k must */
  const uint64_t R1 = b0 * qb_java__pow10_u64[k - 1] & mask, M1 = m0 * qb_java__pow10_u64[k - 1];
  if (M1 > s || R1 < M1 || R1 + M1 > s) return false;
  __extension__ const unsigned __int128 P = (unsigned __int128)b0 * qb_java__pow10_u64[k];
  const uint64_t R = (uint64_t)P & mask, M = 10 * M1; /* M1 <= s <= 2^58: no wrap */
  if (R >= M && R + M <= s) return false; /* step k goes on: Java prints more digits */
  uint64_t Q = (uint64_t)(P >> S);
  Q += 2 * R + (Q & 1) > s;
  return Q == D && Q != qb_java__pow10_u64[k + 1];
}

#endif
