/* SPDX-License-Identifier: Apache-2.0 */
/* qb_java_double_to_string's long-arithmetic digit loop (unsigned words; the division by s = 2^S2 is a
 * shift and a mask) against the JDK 17 loop as written (Java's / and % on wrapping longs), kept here as
 * the reference: digit for digit on millions of random doubles of every magnitude the loop serves, and
 * on the neighbours of the boundaries (10, 1e7, 1e-3, powers of two). (JDK-printed values: test_spark_json.) */
#include <math.h>
#include <stdlib.h>

#include "harness.h"
#include "pipeline/java_double.h"

static const int n5bits[27] = {0,  3,  5,  7,  10, 12, 14, 17, 19, 21, 24, 26, 28, 31,
                               33, 35, 38, 40, 42, 45, 47, 49, 52, 54, 56, 59, 61};

static int64_t pow5(int i)
{
  int64_t p = 1;
  while (i-- > 0) p *= 5;
  return p;
}
static int64_t wmul(int64_t a, int64_t b) { return (int64_t)((uint64_t)a * (uint64_t)b); }
static int64_t wadd(int64_t a, int64_t b) { return (int64_t)((uint64_t)a + (uint64_t)b); }
static int64_t wshl(int64_t a, int s) { return (int64_t)((uint64_t)a << (s & 63)); }

typedef struct ref {
  char d[40];
  int n, dec_exponent;
} ref;

/* FloatingDecimal.dtoa for a normal double that takes the long loop; false for any other path. */
static bool ref_long_loop(ref *out, double v)
{
  uint64_t bits;
  memcpy(&bits, &v, 8);
  int e = (int)(bits >> 52 & 0x7ff);
  if (e == 0 || e == 0x7ff) return false;
  uint64_t fract = (bits & ((UINT64_C(1) << 52) - 1)) | UINT64_C(1) << 52;
  int bin_exp = e - 1023, nsig = 53;
  int tail = __builtin_ctzll(fract), nfb = 53 - tail, tiny = nfb - bin_exp - 1;
  if (tiny < 0) tiny = 0;
  if (bin_exp <= 62 && bin_exp >= -21 && tiny < 27 && nfb + n5bits[tiny] < 64 && tiny == 0) return false;
  uint64_t b1 = (UINT64_C(1023) << 52) | (fract & ((UINT64_C(1) << 52) - 1));
  double d2;
  memcpy(&d2, &b1, 8);
  double t = d2 - 1.5;
  t = t * 0.289529654;
  t = t + 0.176091259;
  double u = (double)bin_exp * 0.301029995663981;
  double dd = t + u;
  int dec_exp = (int)floor(dd);
  int B5 = dec_exp < 0 ? -dec_exp : 0, B2 = B5 + tiny + bin_exp, S5 = dec_exp > 0 ? dec_exp : 0, S2 = S5 + tiny;
  int M5 = B5, M2 = B2 - nsig;
  fract >>= tail;
  B2 -= nfb - 1;
  int c2 = B2 < S2 ? B2 : S2;
  B2 -= c2, S2 -= c2, M2 -= c2;
  if (nfb == 1) M2 -= 1;
  if (M2 < 0) B2 -= M2, S2 -= M2, M2 = 0;
  if (B5 >= 27 || S5 + 1 >= 27) return false;
  int Bbits = nfb + B2 + n5bits[B5], tenSbits = S2 + 1 + n5bits[S5 + 1];
  if (!(Bbits < 64 && tenSbits < 64) || (Bbits < 32 && tenSbits < 32)) return false;
  int64_t b = wshl(wmul((int64_t)fract, pow5(B5)), B2), s = wshl(pow5(S5), S2), m = wshl(pow5(M5), M2);
  int64_t tens = wmul(s, 10);
  int nd = 0, q = (int)(b / s);
  b = wmul(10, b % s);
  m = wmul(m, 10);
  bool low = b < m, high = wadd(b, m) > tens;
  if (q == 0 && !high) dec_exp--;
  else out->d[nd++] = (char)('0' + q);
  if (dec_exp < -3 || dec_exp >= 8) high = low = false;
  while (!low && !high && nd < 30) {
    q = (int)(b / s);
    b = wmul(10, b % s);
    m = wmul(m, 10);
    if (m > 0) low = b < m, high = wadd(b, m) > tens;
    else low = high = true;
    out->d[nd++] = (char)('0' + q);
  }
  int64_t ldd = wadd(wshl(b, 1), -tens);
  out->n = nd;
  out->dec_exponent = dec_exp + 1;
  if (high && (!low || ldd > 0 || (ldd == 0 && (out->d[nd - 1] & 1)))) { /* round the last digit up */
    int i = nd - 1;
    while (i > 0 && out->d[i] == '9') out->d[i--] = '0';
    if (out->d[i] == '9') out->d[i] = '1', out->dec_exponent++;
    else out->d[i]++;
  }
  return true;
}

/* digits without leading or trailing zeros and the exponent x of 0.DIGITS * 10^x */
static void normalize(char *d, int *n, int *x)
{
  int lead = 0;
  while (lead < *n && d[lead] == '0') lead++;
  memmove(d, d + lead, (size_t)(*n - lead));
  *n -= lead;
  *x -= lead;
  while (*n > 0 && d[*n - 1] == '0') (*n)--;
}

/* the digits and exponent a Double.toString text stands for */
static void parse_java(const char *s, char *d, int *n, int *x)
{
  if (*s == '-') s++;
  int int_len = 0, exp10 = 0;
  bool point = false;
  *n = 0;
  for (; *s && *s != 'E'; s++) {
    if (*s == '.') point = true;
    else {
      d[(*n)++] = *s;
      if (!point) int_len++;
    }
  }
  if (*s == 'E') exp10 = atoi(s + 1);
  *x = int_len + exp10;
  normalize(d, n, x);
}

static uint64_t rng = 0x2545F4914F6CDD1DULL;
static uint64_t next(void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

/* Whether v prints as the JDK loop says; false when v does not take the long loop. */
static bool check_one(double v, int *bad)
{
  ref want;
  if (!ref_long_loop(&want, v)) return false;
  char s[QB_JAVA_DOUBLE_MAX], got[40];
  qb_java_double_to_string(s, v);
  int gn, gx, wn = want.n, wx = want.dec_exponent;
  parse_java(s, got, &gn, &gx);
  normalize(want.d, &wn, &wx);
  if (gn != wn || gx != wx || memcmp(got, want.d, (size_t)gn)) {
    if ((*bad)++ < 5) fprintf(stderr, "  %.17g: %s, JDK loop %.*sE%d\n", v, s, wn, want.d, wx);
  }
  return true;
}

QB_TEST(long_loop_matches_the_jdk_loop_at_the_boundaries)
{
  /* plain/E-form switches, the shift/division switch at 10 (s = 2^S2 below it), decades, powers of two */
  static const double centers[] = {10.0, 1e7, 1e-3, 1.0, 0.1, 100.0, 1e6, 9.999999999999998, 0.5, 2.0,
                                   1024.0, 0.0625, 3.0, 1e-2, 1e8, 1e15, 1e-4, 4503599627370496.0};
  int bad = 0;
  long compared = 0;
  for (size_t c = 0; c < sizeof centers / sizeof centers[0]; c++)
    for (int sign = 0; sign < 2; sign++) {
      double up = sign ? -centers[c] : centers[c], down = up;
      for (int k = 0; k < 3000; k++) {
        compared += check_one(up, &bad) + check_one(down, &bad);
        up = nextafter(up, sign ? -INFINITY : INFINITY);
        down = nextafter(down, 0.0);
      }
    }
  EXPECT(bad == 0);
  EXPECT(compared > 150000);
}

QB_TEST(long_loop_matches_the_jdk_loop)
{
  int bad = 0;
  long compared = 0, shifted = 0, divided = 0;
  for (long i = 0; i < 2000000; i++) {
    double v;
    uint64_t r = next();
    switch (i % 4) {
    case 0: { /* any bit pattern with an exponent around 1: the magnitudes of parameters and energies */
      uint64_t bits = (r & ((UINT64_C(1) << 52) - 1)) | (uint64_t)(1023 - 40 + (int)(r >> 58) * 2) << 52;
      memcpy(&v, &bits, 8);
      break;
    }
    case 1: v = ((double)(r >> 11) / 9007199254740992.0) * 20.0 - 10.0; break; /* uniform in [-10, 10) */
    case 2: v = (double)(int64_t)(r % 2000001 - 1000000) / 1000.0; break;     /* short decimals */
    default: v = ldexp((double)(r >> 11), (int)(next() % 200) - 150); break;  /* wide magnitudes */
    }
    if (!isfinite(v) || v == 0) continue;
    if (!check_one(v, &bad)) continue;
    compared++;
    shifted += fabs(v) < 10;
    divided += fabs(v) >= 10;
  }
  EXPECT(bad == 0);
  EXPECT(compared > 1000000);
  EXPECT(shifted > 500000);
  EXPECT(divided > 100000);
}
