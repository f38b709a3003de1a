/* SPDX-License-Identifier: Apache-2.0 */
/* qb_decimal_to_double against glibc's strtod, bit for bit: a table of edge cases, then millions of
 * generated inputs — every random double in its shortest, 15-, 16- and 17-digit forms, random digit strings
 * with exponents across the whole range, subnormals, and exact halfway points with their neighbours. */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "harness.h"
#include "util/decimal.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint64_t rnd(void)
{
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

static uint64_t bits_of(double d)
{
  uint64_t b;
  memcpy(&b, &d, sizeof b);
  return b;
}

static double double_of(uint64_t b)
{
  double d;
  memcpy(&d, &b, sizeof d);
  return d;
}

static long mismatches;

/* One input: ours must accept it and equal strtod bit for bit. */
static void same_as_strtod(const char *s)
{
  double ours = 12345.0;
  bool ok = qb_decimal_to_double(&ours, s, strlen(s));
  double want = strtod(s, NULL);
  if (!ok || bits_of(ours) != bits_of(want)) {
    if (mismatches < 10)
      fprintf(stderr, "  %s: ours %s %a, strtod %a\n", s, ok ? "ok" : "refused", ours, want);
    mismatches++;
  }
}

QB_TEST(edge_cases)
{
  mismatches = 0;
  static const char *const cases[] = {
      "0", "-0", "0.0", "-0.0", "0e0", "-0e-999999999", "0.000000000000000000000000000000", "1", "-1", "1e0",
      "1E+2", "1e-2", "0.1", "0.2", "0.3", "0.7", "2.5", "3.141592653589793", "0.74", "1.008", "-0.8105479805373279",
      "1e-05", "1.234567e+06", "2e23", "2e+23", "1.9999999999999998e23", "8e22", "1e22", "1e23", "9e22",
      "9007199254740992", "9007199254740993", "9007199254740994", "9007199254740995",
      "9007199254740993.0000000000000000001", "9007199254740992.9999999999999999999",
      "18446744073709551615", "18446744073709551616", "9223372036854775807", "9223372036854775808",
      "123456789012345678901234567890",
      "1234567890123456789",
      "12345678901234567890",
      "0.1000000000000000055511151231257827021181583404541015625",
      "0.1000000000000000055511151231257827021181583404541015624",
      "0.1000000000000000055511151231257827021181583404541015626",
      "2.2250738585072014e-308",
      "2.2250738585072011e-308",
      "2.2250738585072012e-308",
      "2.225073858507201136057409796709131975934819546351645648e-308",
      "4.9406564584124654e-324",
      "5e-324",
      "2.4703282292062327e-324",
      "2.4703282292062328e-324",
      "2.47032822920623272088284396434110686182529901307162382212792841250337753635104375932649918180817996"
      "1898982823477228588654633283551779698981993873980053909390631503565951557022639229085839244910518443"
      "5931802849936536152500319370457678249219365623669863658480757001585769269903706311928279558551332927"
      "8343384093519780155312465972635795746227664652728272200563740064854999770965994704540208281662262378"
      "5739345073633900796776193057750674017632467360096895134053553745851666113422376667860416215968046191"
      "4467291840300530057530849048765391711386591646239524912623653881879636239373280423891018672348497668"
      "2350898633885879256283027559956575244555072551893136908362547791869486679949683240497058210285131854"
      "51396213837722826145437693412532098591327667236328125e-324",
      "1e-320", "1e-310", "1.5e-323", "1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308",
      "-1.7976931348623157e308", "1e308", "1e309", "1e400", "-1e400", "1e-400", "-1e-400", "1e-350",
      "7.2057594037927933e16", "4.35679273e-17", "2.03125e+04", "5e-1", "1e-1", "123e-2", "6.0221409e+23",
      "1.602176634e-19", "-4.0026", "15.999", "0.000001", "1e-7", "1.0e7", "9999999.0", "0.001", "9.999e-4",
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) same_as_strtod(cases[i]);
  CHECK_EQ_INT(mismatches, 0);
  double d = 1.0;
  CHECK(qb_decimal_to_double(&d, "-0.0", 4) && signbit(d) && d == 0.0);
  CHECK(qb_decimal_to_double(&d, "2e23", 4) && d == 2e23);
  CHECK(qb_decimal_to_double(&d, "1e400", 5) && isinf(d) && d > 0);
  CHECK(qb_decimal_to_double(&d, "9007199254740993", 16) && d == 9007199254740992.0); /* tie to even */
  CHECK(qb_decimal_to_double(&d, "12.5xyz", 4) && d == 12.5);                           /* n bounds it */
}

QB_TEST(rejects_what_json_does_not_allow)
{
  mismatches = 0;
  static const char *const bad[] = {"", "-", "01", "-01", "1.", ".5", "1e", "1e+", "1e-", "+1", "1x", "NaN",
                                    "Infinity", "-Infinity", " 1", "1 ", "0x10", "1.e5", "1..2", "--1", "1e5.5"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    double d = 7.0;
    EXPECT(!qb_decimal_to_double(&d, bad[i], strlen(bad[i])));
    EXPECT(d == 7.0);
  }
  char longer[QB_DECIMAL_MAX_CHARS + 2];
  memset(longer, '1', sizeof longer);
  double d;
  CHECK(!qb_decimal_to_double(&d, longer, sizeof longer));
  CHECK(qb_decimal_to_double(&d, longer, QB_DECIMAL_MAX_CHARS) && isinf(d));
}

/* Random finite doubles (uniform bit patterns: every exponent, subnormals included) as %.17g, %.16g,
 * %.15g and the shortest form that round-trips (what goavro and Redpanda Connect write). */
QB_TEST(random_doubles)
{
  mismatches = 0;
  char s[64];
  for (int i = 0; i < 100000; i++) {
    double d = double_of(rnd());
    if (!isfinite(d)) continue;
    for (int prec = 15; prec <= 17; prec++) {
      snprintf(s, sizeof s, "%.*g", prec, d);
      same_as_strtod(s);
    }
    for (int prec = 1; prec <= 17; prec++) { /* the shortest */
      snprintf(s, sizeof s, "%.*g", prec, d);
      if (strtod(s, NULL) == d) break;
    }
    same_as_strtod(s);
  }
  CHECK_EQ_INT(mismatches, 0);
}

/* Doubles like the raw files hold: values in [1e-6, 1e4) with 17 significant digits, the case Clinger's
 * fast path misses. */
QB_TEST(measurement_like)
{
  mismatches = 0;
  char s[64];
  for (int i = 0; i < 700000; i++) {
    double d = ldexp((double)(rnd() >> 11), -53) * pow(10.0, (double)(int)(rnd() % 10) - 6);
    if (rnd() & 1) d = -d;
    snprintf(s, sizeof s, "%.17g", d);
    same_as_strtod(s);
    snprintf(s, sizeof s, "%.17e", d);
    same_as_strtod(s);
  }
  CHECK_EQ_INT(mismatches, 0);
}

/* The generator's and the writers' shapes, which decimal.h's inline Eisel-Lemire step decides: a double in
 * [0, 2 pi) or in +-[1e-3, 10) in its shortest, 16- and 17-digit forms ("2.5944937983139154",
 * "-0.018390618365841934"), and 17- to 19-digit mantissas w with q in [-25, 0], whose products reach the
 * inline step's hand-overs (low 9 bits all ones, exact products) too. 4.5 million inputs. */
QB_TEST(generator_shapes_and_inline_eisel_lemire)
{
  mismatches = 0;
  char s[64];
  for (int i = 0; i < 1000000; i++) {
    double d = ldexp((double)(rnd() >> 11), -53);
    d = (i & 1) ? d * 6.283185307179586 : d * pow(10.0, (double)(int)(rnd() % 4) - 3) * 10.0;
    if (rnd() & 1) d = -d;
    for (int prec = 16; prec <= 17; prec++) {
      snprintf(s, sizeof s, "%.*g", prec, d);
      same_as_strtod(s);
    }
    for (int prec = 1; prec <= 17; prec++) { /* the shortest, as Python's repr writes it */
      snprintf(s, sizeof s, "%.*g", prec, d);
      if (strtod(s, NULL) == d) break;
    }
    same_as_strtod(s);
  }
  for (int i = 0; i < 1500000; i++) {
    int nd = 17 + (int)(rnd() % 3), q = -(int)(rnd() % 26);
    uint64_t w = 1 + (int)(rnd() % 9);
    for (int k = 1; k < nd; k++) w = w * 10 + rnd() % 10;
    if (i % 3 == 0) w -= w % 1000; /* trailing zeros: exact products */
    int n = snprintf(s, sizeof s, "%s%" PRIu64, rnd() & 1 ? "-" : "", w);
    snprintf(s + n, sizeof s - (size_t)n, "e%d", q);
    same_as_strtod(s);
  }
  CHECK_EQ_INT(mismatches, 0);
}

/* Random digit strings: 1 to 40 digits, a point anywhere, exponents across (and past) the double range. */
QB_TEST(random_digit_strings)
{
  mismatches = 0;
  char s[96];
  for (int i = 0; i < 1000000; i++) {
    size_t n = 0;
    if (rnd() & 1) s[n++] = '-';
    int nd = 1 + (int)(rnd() % 40), point = (int)(rnd() % (uint64_t)(nd + 1));
    for (int k = 0; k < nd; k++) {
      if (k == point && k > 0) s[n++] = '.';
      int digit = (int)(rnd() % 10);
      if (k == 0 && point != 1 && nd > 1 && digit == 0) digit = 1 + (int)(rnd() % 9); /* no leading zero */
      if (k == 0 && nd > 1 && point == 0) digit = 1 + (int)(rnd() % 9);
      s[n++] = (char)('0' + digit);
    }
    if (rnd() % 4) {
      int e = (int)(rnd() % 700) - 360;
      n += (size_t)snprintf(s + n, sizeof s - n, "%s%d", rnd() & 1 ? "e" : "E", e);
    }
    s[n] = '\0';
    same_as_strtod(s);
  }
  CHECK_EQ_INT(mismatches, 0);
}

/* Exact halfway points between neighbouring doubles (ties go to the even one), and the decimals just
 * below and above them: the inputs Eisel-Lemire must hand to strtod. Needs a long double that holds the
 * 54-bit midpoint exactly (x86's 64-bit mantissa). */
QB_TEST(halfway_points)
{
  mismatches = 0;
#if LDBL_MANT_DIG >= 64
  char s[900];
  for (int i = 0; i < 30000; i++) {
    int e = (int)(rnd() % 200) - 100;
    double d = ldexp(1.0 + ldexp((double)(rnd() >> 12), -52), e);
    if (i % 10 == 0) d = double_of(rnd() & ((UINT64_C(1) << 52) - 1)); /* subnormal */
    long double mid = ((long double)d + (long double)nextafter(d, INFINITY)) / 2;
    snprintf(s, sizeof s, "%.780Le", mid);
    char *ep = strchr(s, 'e');
    char *z = ep; /* drop trailing zeros of the mantissa: the exact decimal */
    while (z[-1] == '0') z--;
    if (z[-1] == '.') z++;
    memmove(z, ep, strlen(ep) + 1);
    if (strlen(s) > QB_DECIMAL_MAX_CHARS) continue;
    same_as_strtod(s);
    /* just above: append a digit 1 to the mantissa */
    char up[900];
    ep = strchr(s, 'e');
    size_t head = (size_t)(ep - s);
    memcpy(up, s, head);
    up[head] = '1';
    strcpy(up + head + 1, ep);
    if (!strchr(up, '.')) continue;
    if (strlen(up) <= QB_DECIMAL_MAX_CHARS) same_as_strtod(up);
    /* just below: the first 17..25 significant digits */
    for (int keep = 17; keep <= 25; keep += 4) {
      snprintf(s, sizeof s, "%.*Le", keep - 1, mid);
      same_as_strtod(s);
    }
  }
  CHECK_EQ_INT(mismatches, 0);
#endif
}

/* qb_decimal_acc: eight fraction digits at once give the same accumulator as eight single steps, and
 * the accumulator's double is qb_decimal_to_double's (random integer and fraction digits). */
QB_TEST(accumulator_blocks_equal_single_digits)
{
  uint64_t x = 0x853c49e6748fea9bULL;
  int bad = 0, blocks = 0;
  for (int iter = 0; iter < 200000; iter++) {
    char text[64];
    size_t n = 0;
    qb_decimal_acc one = {0, 0, 0, false}, blk = {0, 0, 0, false};
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    size_t int_len = 1 + x % 3, frac_len = 1 + (x >> 8) % 30;
    for (size_t i = 0; i < int_len; i++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      char c = (char)('0' + (i == 0 ? (int_len == 1 ? x % 10 : 1 + x % 9) : x % 10));
      text[n++] = c;
      qb_decimal_acc_int_digit(&one, (unsigned)(c - '0'));
      qb_decimal_acc_int_digit(&blk, (unsigned)(c - '0'));
    }
    text[n++] = '.';
    size_t f0 = n;
    for (size_t i = 0; i < frac_len; i++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      text[n++] = (char)('0' + (x % 3 == 0 ? 0 : x % 10)); /* zeros often: leading zeros of 0.00x */
    }
    text[n] = '\0';
    for (size_t i = f0; i < n; i++) qb_decimal_acc_frac_digit(&one, (unsigned)(text[i] - '0'));
    for (size_t i = f0; i < n;) {
      uint64_t w;
      if (n - i >= 8 && qb_decimal_acc_take8(&blk, text + i, &w)) {
        qb_decimal_acc_frac_digits8(&blk, w);
        i += 8;
        blocks++;
      } else {
        qb_decimal_acc_frac_digit(&blk, (unsigned)(text[i++] - '0'));
      }
    }
    if (one.w != blk.w || one.q != blk.q || one.nd != blk.nd || one.truncated != blk.truncated) bad++;
    double a, b;
    if (!qb_decimal_acc_to_double(&a, &blk, false) || !qb_decimal_to_double(&b, text, n)) continue;
    if (memcmp(&a, &b, 8)) bad++;
  }
  EXPECT(bad == 0);
  EXPECT(blocks > 100000);
}

/* qb_decimal_acc_to_double decides only finite values (raw_vqe.c's fast scan relies on it): at and past
 * the top of the double range, and in the subnormal range, it leaves the value to the slow path. */
QB_TEST(accumulator_decides_only_finite_values)
{
  static const struct {
    uint64_t w;
    int64_t q;
  } cases[] = {{17976931348623157, 292}, {17976931348623158, 292}, {17976931348623159, 292},
               {1797693134862315807ULL, 290}, {1, 309}, {9, 308}, {1, 400}, {1, 1000000},
               {4940656458412465, -340}, {1, -320}, {22250738585072011ULL, -326}, {1, -400}};
  int bad = 0;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    for (int neg = 0; neg < 2; neg++) {
      qb_decimal_acc a = {cases[i].w, cases[i].q, 19, false};
      double d;
      if (qb_decimal_acc_to_double(&d, &a, neg) && (!isfinite(d) || (d != 0 && fabs(d) < DBL_MIN))) {
        fprintf(stderr, "  %llue%lld decided as %g\n", (unsigned long long)cases[i].w, (long long)cases[i].q, d);
        bad++;
      }
    }
  EXPECT(bad == 0);
  /* and the largest double itself is decided, exactly */
  qb_decimal_acc top = {17976931348623157, 292, 17, false};
  double d;
  CHECK(qb_decimal_acc_to_double(&d, &top, false));
  EXPECT(d == DBL_MAX);
}
