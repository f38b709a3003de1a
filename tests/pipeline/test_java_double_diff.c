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

/* ---- qb_java_double_text_is: a reader keeps a number's source text only if it is Java's ---- */

/* A plain decimal's digits and exponent as the JSON reader gives them (-?int.frac, no leading zeros, at
 * most 19 significant digits); false for any other shape. */
static bool plain_digits(const char *t, uint64_t *D, int *e10)
{
  const char *p = t + (*t == '-');
  if (p[0] == '0' ? p[1] != '.' : !(p[0] >= '1' && p[0] <= '9')) return false;
  uint64_t w = 0;
  int nd = 0, frac = 0;
  bool dot = false;
  for (; *p; p++) {
    if (*p == '.') {
      if (dot) return false;
      dot = true;
      continue;
    }
    if (*p < '0' || *p > '9') return false;
    if (w || *p != '0') {
      if (++nd > 19) return false;
      w = w * 10 + (uint64_t)(*p - '0');
    }
    frac += dot;
  }
  if (!dot || frac == 0) return false;
  *D = w;
  *e10 = -frac;
  return true;
}

/* v printed with p + 1 significant digits (C's correct rounding), in plain form; false if not plain */
static bool plain_text(char *out, size_t cap, double v, int p)
{
  char e[64], digs[40];
  snprintf(e, sizeof e, "%.*e", p, v);
  const char *q = e;
  bool neg = *q == '-';
  q += neg;
  int nd = 0;
  for (; *q && *q != 'e'; q++)
    if (*q != '.') digs[nd++] = *q;
  int x = atoi(q + 1), n = 0;
  if (neg) out[n++] = '-';
  if (x >= 0) {
    if (nd <= x + 1) return false;
    memcpy(out + n, digs, (size_t)x + 1);
    n += x + 1;
    out[n++] = '.';
    memcpy(out + n, digs + x + 1, (size_t)(nd - x - 1));
    n += nd - x - 1;
  } else {
    out[n++] = '0';
    out[n++] = '.';
    for (int z = 0; z < -x - 1; z++) out[n++] = '0';
    memcpy(out + n, digs, (size_t)nd);
    n += nd;
  }
  out[n] = '\0';
  (void)cap;
  return true;
}

static long text_checked, text_kept, text_bad, own_seen, own_kept;

/* If the check keeps text t for d, t must be Java's text of d. */
static bool text_for(const char *t, uint64_t D, int e10, double d)
{
  text_checked++;
  if (!qb_java_double_text_is(d, D, e10)) return false;
  text_kept++;
  char got[QB_JAVA_DOUBLE_MAX + 8], want[JAVA_DOUBLE_REF_MAX + 8];
  qb_java_double_to_string(got, d);
  java_double_ref_to_string(want, d);
  if (strcmp(t, got) || strcmp(t, want)) {
    if (text_bad++ < 10) fprintf(stderr, "  kept %s for %a, Java prints %s (reference %s)\n", t, d, got, want);
  }
  return true;
}

/* One candidate source text, for the double it parses to (what the reader asks) and, as the contract
 * allows any double, for doubles near it that the text does not parse to. */
static void text_candidate(const char *t, bool own)
{
  uint64_t D;
  int e10;
  if (!plain_digits(t, &D, &e10)) return;
  double d = strtod(t, NULL);
  bool kept = text_for(t, D, e10, d);
  if (own) own_seen++, own_kept += kept;
  double lo = d, hi = d;
  for (int i = 0; i < 3; i++) {
    lo = nextafter(lo, 0);
    hi = nextafter(hi, d < 0 ? -INFINITY : INFINITY);
    text_for(t, D, e10, lo);
    text_for(t, D, e10, hi);
  }
  text_for(t, D, e10, d * (1 + 0x1p-30));
}

/* Java's own text, the C-rounded texts of 1..17 digits (the shortest round trip among them), and Java's
 * text one unit off in its last digit or one digit longer. */
static void text_candidates(double v)
{
  char j[QB_JAVA_DOUBLE_MAX + 8], t[64];
  size_t n = qb_java_double_to_string(j, v);
  text_candidate(j, true);
  for (int p = 0; p <= 16; p++)
    if (plain_text(t, sizeof t, v, p)) text_candidate(t, false);
  memcpy(t, j, n + 1);
  if (n >= 3 && t[n - 1] >= '1' && t[n - 1] <= '8') {
    t[n - 1]++;
    text_candidate(t, false);
    t[n - 1] -= 2;
    text_candidate(t, false);
    t[n - 1]++;
  }
  static const char tails[] = "0159";
  for (int i = 0; i < 4; i++) {
    t[n] = tails[i];
    t[n + 1] = '\0';
    text_candidate(t, false);
  }
}

QB_TEST(text_is_kept_only_when_it_is_javas_text)
{
  text_checked = text_kept = text_bad = own_seen = own_kept = 0;
  long n = count_for(10);
  for (long i = 0; i < n; i++) {
    uint64_t r = rnd();
    double v;
    switch (r % 6) {
    case 0: v = ldexp(1.0 + uni(), (int)(rnd() % 16) - 10); break; /* 2^-10 .. 2^6, random bits */
    case 1: { /* coefficients: mostly 0.01 .. 0.2, some larger */
      double u1 = uni(), u2 = uni();
      v = sqrt(-2.0 * log(u1 > 0 ? u1 : 0x1.0p-53)) * cos(2 * 3.141592653589793 * u2) * 0.1;
      break;
    }
    case 2: v = uni() * 2 * 3.141592653589793; break; /* parameters */
    case 3: v = decimal(1 + (int)(rnd() % 17), -(int)(rnd() % 5)); break; /* short and long decimals */
    case 4: v = from_bits((rnd() & 0x000FFFFFFFFFFFFFULL) | ((uint64_t)(1015 + rnd() % 13) << 52)); break;
    default: v = ldexp((double)(r >> (11 + rnd() % 53) | 1), -(int)(rnd() % 64)); break; /* few bits, ties */
    }
    text_candidates(v);
    text_candidates(-v);
  }
  static const double edges[] = {0x1p-8, 16.0, 10.0, 1.0, 0.1, 0.01, 5e-3, 9.5, 0.95, 0.095, 0.5, 3.0};
  for (size_t c = 0; c < sizeof edges / sizeof edges[0]; c++) {
    double up = edges[c], down = edges[c];
    for (int k = 0; k < 300; k++) {
      text_candidates(up), text_candidates(down);
      up = nextafter(up, INFINITY);
      down = nextafter(down, 0);
    }
  }
  fprintf(stderr, "  %ld texts checked, %ld kept; Java's own texts kept %ld of %ld\n", text_checked, text_kept,
          own_kept, own_seen);
  EXPECT(text_bad == 0);
  /* the check is not vacuous: most of Java's own texts in the served range are recognised */
  EXPECT(own_kept * 2 > own_seen);
  /* shapes it must refuse whatever the value: no point, exponent, one digit, outside the range */
  EXPECT(!qb_java_double_text_is(0.25, 25, -2)); /* a power of two: left to dtoa */
  EXPECT(!qb_java_double_text_is(0.3, 3, -1));   /* one significant digit */
  EXPECT(!qb_java_double_text_is(0.30, 30, -2)); /* trailing zero: Java prints 0.3 */
  EXPECT(!qb_java_double_text_is(1e-3 * 1.5, 15, -4));
  EXPECT(!qb_java_double_text_is(20.5, 205, -1));
  EXPECT(qb_java_double_text_is(0.08570723518187925, 8570723518187925, -17));
  EXPECT(qb_java_double_text_is(-3.380864145282007, 3380864145282007, -15));
}
