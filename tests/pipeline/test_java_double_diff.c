/* SPDX-License-Identifier: Apache-2.0 */
/* Differential test: qb_java_double_to_string (optimised) against the unoptimised reference port kept in
 * tests/support/java_double_ref.c, byte for byte, on random bit patterns and on the value families the
 * VQE generator and Spark data produce (energies, parameters, coefficients, short decimals, integers up to
 * 2^63, powers of two and ten, subnormals, the plain/E-form boundaries 1e-3 and 1e7, 17-digit values), and
 * densely on the range the computed long loop (shift_loop: 2^-8 <= |d| < 16) serves and its edges.
 * About 1.2 M doubles by default (~5 s); QB_JDOUBLE_DIFF_N=<count> runs 1.2 times that many in total. */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "harness.h"
#include "pipeline/java_double.h"
#include "support/java_double_ref.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint64_t rnd(void)
{
  /* splitmix64: every bit pattern is reachable */
  uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
static double uni(void) { return (double)(rnd() >> 11) * 0x1.0p-53; }
static double from_bits(uint64_t b)
{
  double d;
  memcpy(&d, &b, sizeof d);
  return d;
}

/* per-family count: the total from QB_JDOUBLE_DIFF_N (default 1 M) split by weight (out of 100) */
static long count_for(int weight)
{
  const char *e = getenv("QB_JDOUBLE_DIFF_N");
  long total = e && *e ? atol(e) : 1000000;
  return total / 100 * weight;
}

static long bad_total;
static void same(double v)
{
  char got[QB_JAVA_DOUBLE_MAX + 8], want[JAVA_DOUBLE_REF_MAX + 8];
  size_t gn = qb_java_double_to_string(got, v), wn = java_double_ref_to_string(want, v);
  if (gn != wn || memcmp(got, want, wn + 1)) {
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    if (bad_total++ < 10) fprintf(stderr, "  %016llx: got %s, reference %s\n", (unsigned long long)b, got, want);
  }
}

/* a random decimal with `digits` significant digits times 10^exp10, parsed like any text input */
static double decimal(int digits, int exp10)
{
  char s[48];
  int n = 0;
  s[n++] = (char)('1' + rnd() % 9);
  for (int i = 1; i < digits; i++) s[n++] = (char)('0' + rnd() % 10);
  snprintf(s + n, sizeof s - (size_t)n, "e%d", exp10);
  return strtod(s, NULL);
}

QB_TEST(any_bit_pattern)
{
  bad_total = 0;
  for (long i = count_for(30); i > 0; i--) same(from_bits(rnd()));
  EXPECT(bad_total == 0);
}

QB_TEST(generator_ranges)
{
  bad_total = 0;
  for (long i = count_for(30); i > 0; i--) {
    double v;
    switch (i % 8) {
    case 0: v = -1 - 99 * uni(); break;                          /* energies, full precision */
    case 1: v = -decimal(12 + (int)(rnd() % 6), -(int)(rnd() % 2)); break; /* energies, 12-17 digits */
    case 2: v = (uni() * 2 - 1) * 2 * 3.141592653589793; break;  /* parameters in [-2pi, 2pi] */
    case 3: v = (uni() * 2 - 1) * ldexp(1, -(int)(rnd() % 24)); break; /* coefficients down to 1e-7 */
    case 4: v = uni() * 100; break;                             /* times, norms */
    case 5: v = decimal(1 + (int)(rnd() % 8), -(int)(rnd() % 12)); break; /* short decimals */
    case 6: v = 1764161000.0 + uni() * 1e6; break;              /* epoch seconds */
    default: v = from_bits(rnd() >> 12 | (uint64_t)(1023 - 24 + rnd() % 32) << 52); break; /* 1e-7..1e3 */
    }
    same(v);
    same(-v);
  }
  EXPECT(bad_total == 0);
}

QB_TEST(integers_powers_and_subnormals)
{
  bad_total = 0;
  for (long i = count_for(20); i > 0; i--) {
    uint64_t r = rnd();
    switch (i % 6) {
    case 0: same((double)(int64_t)(r % 2000001) - 1000000); break;       /* small integers */
    case 1: same((double)(r >> (rnd() % 64))); break;                  /* integers up to 2^64 */
    case 2: same(from_bits(r & ((UINT64_C(1) << 52) - 1))); break;     /* subnormals */
    case 3: same(from_bits(r & ((UINT64_C(1) << 52) - 1) >> (rnd() % 52))); break; /* tiny subnormals */
    case 4: same(ldexp(1.0 + (double)(r % 8) / 8, (int)(rnd() % 2098) - 1074)); break; /* near 2^k */
    default: /* few significant bits: the values whose digit loops end on exact ties (b + m == tens) */
      same(ldexp((double)((r >> 40) >> (r % 24) | 1), (int)(rnd() % 2000) - 1000));
      same(ldexp((double)(r >> 52 | 1), (int)(rnd() % 200) - 100));
      break;
    }
  }
  for (int e = -1074; e <= 1023; e++) { /* every power of two and its neighbours */
    double p = ldexp(1, e);
    same(p), same(nextafter(p, 0)), same(nextafter(p, INFINITY)), same(-p);
  }
  for (int e = -325; e <= 308; e++) { /* every power of ten, neighbours, 1..9 times it */
    char s[32];
    snprintf(s, sizeof s, "1e%d", e);
    double p = strtod(s, NULL);
    same(p), same(nextafter(p, 0)), same(nextafter(p, INFINITY));
    for (int k = 2; k <= 9; k++) {
      snprintf(s, sizeof s, "%de%d", k, e);
      same(strtod(s, NULL));
    }
  }
  same(0.0), same(-0.0), same(INFINITY), same(-INFINITY), same(NAN), same(DBL_MAX), same(DBL_MIN), same(DBL_TRUE_MIN);
  same(9007199254740992.0), same(9223372036854775807.0), same(-9223372036854775808.0), same(2e23);
  EXPECT(bad_total == 0);
}

QB_TEST(boundaries_and_17_digits)
{
  bad_total = 0;
  static const double centers[] = {1e-3, 1e7, 1.0, 10.0, 0.1, 0.01, 1e-4, 1e8, 1e15, 1e16, 1e17, 1e18, 1e19};
  long walk = count_for(10) / (long)(sizeof centers / sizeof centers[0]) / 4;
  for (size_t c = 0; c < sizeof centers / sizeof centers[0]; c++) {
    double up = centers[c], down = centers[c];
    for (long k = 0; k < walk; k++) {
      same(up), same(down), same(-up), same(-down);
      up = nextafter(up, INFINITY);
      down = nextafter(down, 0);
    }
  }
  for (long i = count_for(10); i > 0; i--) same(decimal(17, (int)(rnd() % 640) - 340)); /* 17 digits */
  EXPECT(bad_total == 0);
}

/* shift_loop (2^-8 <= |d| < 16, not a power of two, decimal-exponent estimate -3..0): every exponent from
 * 2^-10 to 2^5 (both sides of the range), full-precision and few-bit significands (the digit loop ends on
 * ties, 2 R == s, and on short digit strings), short and 17-digit decimals, the generator's coefficient and
 * parameter shapes, and the neighbours of where the estimate is one too high (just below 10^k) and where
 * the first digit's rounding carries (9.99..., 0.0999...). */
QB_TEST(shift_loop_range)
{
  bad_total = 0;
  for (long i = count_for(20); i > 0; i--) {
    uint64_t r = rnd();
    double v;
    switch (i % 6) {
    case 0: v = from_bits(r >> 12 | (uint64_t)(1023 - 10 + (int)(rnd() % 16)) << 52); break;
    case 1: v = ldexp((double)(r >> (11 + rnd() % 53) | 1), -(int)(rnd() % 64)); break; /* few bits */
    case 2: v = decimal(1 + (int)(rnd() % 17), -(int)(rnd() % 5)); break;
    case 3: { /* sums of two normals, like the generator's coefficients (normal * 0.1) */
      double u1 = uni(), u2 = uni();
      v = sqrt(-2.0 * log(u1 > 0 ? u1 : 0x1.0p-53)) * cos(2 * 3.141592653589793 * u2) * 0.1;
      break;
    }
    case 4: v = uni() * 2 * 3.141592653589793 + (uni() - 0.5) * 0.1; break; /* parameters and steps */
    default: v = decimal(16 + (int)(rnd() % 2), -(int)(rnd() % 4)) * (1 + (double)(r % 5) * 0x1p-52); break;
    }
    same(v);
    same(-v);
  }
  static const double edges[] = {0x1p-8, 0x1p-9, 16.0, 8.0, 10.0, 1.0, 0.1, 0.01, 1e-3, 2e-3, 4e-3, 5e-3,
                                 9.5, 0.95, 0.095, 0.0095, 0.5, 0.25, 0.75, 3.0, 7.0, 1.5};
  for (size_t c = 0; c < sizeof edges / sizeof edges[0]; c++) {
    double up = edges[c], down = edges[c];
    for (int k = 0; k < 2000; k++) {
      same(up), same(down);
      up = nextafter(up, INFINITY);
      down = nextafter(down, 0);
    }
  }
  for (int d = 1; d <= 17; d++) /* 9.99..9, 0.99..9, 0.099..9, 0.0099..9 and their neighbours */
    for (int e = 0; e >= -3; e--) {
      char t[40];
      int n = snprintf(t, sizeof t, "0.");
      for (int j = 0; j < d; j++) t[n++] = '9';
      snprintf(t + n, sizeof t - (size_t)n, "e%d", e + 1);
      double p = strtod(t, NULL);
      same(p), same(nextafter(p, 0)), same(nextafter(p, INFINITY));
    }
  EXPECT(bad_total == 0);
}
