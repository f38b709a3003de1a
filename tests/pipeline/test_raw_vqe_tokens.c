/* SPDX-License-Identifier: Apache-2.0 */
/* The raw-record tokenizer's fast paths against independent references, on random tokens put into a real
 * record: strings (plain runs skipped eight bytes at a time, escapes and UTF-8) against json-c's decoding,
 * numbers (the one-scan path and the validating scan it hands over to) against strtod; keys matched
 * against the field expected next, out of order, escaped or repeated. */
#include <json-c/json.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "harness.h"
#include "support/vqe_support.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next(void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}
static unsigned below(unsigned n) { return (unsigned)(next() % n); }

/* vqe_e1_record with `what` (which must occur once) replaced by `by` */
static char *record_with(const char *what, const char *by)
{
  const char *at = strstr(vqe_e1_record, what);
  if (!at) return NULL;
  size_t pre = (size_t)(at - vqe_e1_record), wn = strlen(what), bn = strlen(by);
  size_t rest = strlen(at + wn);
  char *s = malloc(pre + bn + rest + 1);
  if (!s) return NULL;
  memcpy(s, vqe_e1_record, pre);
  memcpy(s + pre, by, bn);
  memcpy(s + pre + bn, at + wn, rest + 1);
  return s;
}

/* A random valid JSON string body: mostly printable ASCII, some escapes and multi-byte UTF-8, at any
 * offset relative to 8-byte words. */
static size_t random_body(char *o, bool with_specials)
{
  static const char *const esc[] = {"\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t", "\\u00e9",
                                    "\\u0041", "\\ud83d\\ude00", "\\u2028"};
  static const char *const utf8[] = {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xd0\x96"};
  size_t n = 0, len = 1 + below(below(4) ? 40 : 160); /* long ones: several 16-byte blocks between escapes */
  for (size_t i = 0; i < len; i++) {
    unsigned k = with_specials ? below(12) : 10;
    if (k == 0) {
      const char *e = esc[below(sizeof esc / sizeof esc[0])];
      memcpy(o + n, e, strlen(e));
      n += strlen(e);
    } else if (k == 1) {
      const char *u = utf8[below(sizeof utf8 / sizeof utf8[0])];
      memcpy(o + n, u, strlen(u));
      n += strlen(u);
    } else {
      char c;
      do c = (char)(0x20 + below(0x5f)); while (c == '"' || c == '\\');
      o[n++] = c;
    }
  }
  o[n] = '\0';
  return n;
}

QB_TEST(random_strings_match_json_c)
{
  qb_err err = QB_ERR_INIT;
  int mismatches = 0, parsed = 0;
  for (int i = 0; i < 3000; i++) {
    char body[2048], lit[2056];
    random_body(body, i % 2 == 1);
    snprintf(lit, sizeof lit, "\"%s\"", body);
    char *text = record_with("\"sto3g\"", lit);
    CHECK(text != NULL);
    qb_arena a;
    qb_arena_init(&a, 0);
    qb_vqe_record r;
    int rc = vqe_parse_one(&r, &a, "t.json", text, &err);
    json_object *j = json_tokener_parse(lit);
    if (rc == QB_OK && j) {
      parsed++;
      int jn = json_object_get_string_len(j);
      if ((size_t)jn != r.basis_set.n || memcmp(json_object_get_string(j), r.basis_set.p, r.basis_set.n)) {
        if (mismatches++ < 3) fprintf(stderr, "  string %s decoded differently\n", lit);
      }
    } else if (mismatches++ < 3) {
      fprintf(stderr, "  string %s: rc %d (%s), json-c %s\n", lit, rc, err.msg, j ? "ok" : "failed");
    }
    json_object_put(j);
    qb_arena_release(&a);
    free(text);
  }
  EXPECT(mismatches == 0);
  EXPECT(parsed == 3000);
}

QB_TEST(invalid_strings_are_rejected_wherever_they_sit)
{
  /* a control character, a bad escape, invalid UTF-8: at every offset of a plain run, so that each
   * byte position of the 16-byte (SSE2) and 8-byte fast paths and of the byte tail meets it */
  static const char *const bad[] = {"\x01", "\x1f", "\\x", "\\u12G", "\xc3(", "\xed\xa0\x80", "\xff", "\\ud800"};
  qb_err err = QB_ERR_INIT;
  int accepted = 0;
  for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++)
    for (size_t at = 0; at < 40; at++) {
      char lit[96];
      snprintf(lit, sizeof lit, "\"%.*s%s%.*s\"", (int)at, "abcdefghijklmnopqrstuvwxyz0123456789@#$%", bad[b],
               (int)(39 - at), "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@#$%");
      char *text = record_with("\"sto3g\"", lit);
      CHECK(text != NULL);
      qb_arena a;
      qb_arena_init(&a, 0);
      qb_vqe_record r;
      int rc = vqe_parse_one(&r, &a, "t.json", text, &err);
      if (rc == QB_OK && accepted++ < 3) fprintf(stderr, "  accepted %s\n", lit);
      qb_arena_release(&a);
      free(text);
    }
  EXPECT(accepted == 0);
}

/* A random JSON number token: integer, fraction and exponent parts of random lengths. */
static void random_number(char *o, size_t cap)
{
  char digits[40];
  size_t n = 0;
  if (below(2)) digits[n++] = '-';
  unsigned int_len = below(4) == 0 ? 0 : 1 + below(below(3) == 0 ? 25 : 4);
  if (int_len == 0) {
    digits[n++] = '0';
  } else {
    digits[n++] = (char)('1' + below(9));
    for (unsigned i = 1; i < int_len; i++) digits[n++] = (char)('0' + below(10));
  }
  digits[n] = '\0';
  char frac[32] = "", ex[16] = "";
  if (below(4)) {
    size_t f = 0, fl = 1 + below(below(2) ? 18 : 25);
    frac[f++] = '.';
    for (size_t i = 0; i < fl; i++) frac[f++] = (char)('0' + (below(5) == 0 ? 0 : below(10)));
    frac[f] = '\0';
  }
  if (below(4) == 0) snprintf(ex, sizeof ex, "%s%d", below(2) ? "e" : "E-", (int)below(330));
  snprintf(o, cap, "%s%s%s", digits, frac, ex);
}

QB_TEST(random_numbers_match_strtod)
{
  qb_err err = QB_ERR_INIT;
  int mismatches = 0, compared = 0;
  for (int i = 0; i < 20000; i++) {
    char tok[96], field[128];
    random_number(tok, sizeof tok);
    snprintf(field, sizeof field, "\"minimum\":%s,", tok);
    char *text = record_with("\"minimum\":-1.2,", field);
    CHECK(text != NULL);
    double want = strtod(tok, NULL);
    bool is_int = !strpbrk(tok, ".eE");
    if (is_int && want == 0) want = 0.0; /* Spark reads the token -0 as the long 0 */
    /* an integer token is a double when it is one exactly (any beyond 2^53 with zero low bits) */
    errno = 0;
    long long ll = is_int ? strtoll(tok, NULL, 10) : 0;
    bool exact_int = errno != ERANGE && (fabs(want) <= 9007199254740992.0 ||
                                         (want < 9223372036854775808.0 && (long long)want == ll));
    bool accept = isfinite(want) && strlen(tok) <= 64 && (!is_int || exact_int);
    qb_arena a;
    qb_arena_init(&a, 0);
    qb_vqe_record r;
    int rc = vqe_parse_one(&r, &a, "t.json", text, &err);
    if ((rc == QB_OK) != accept) {
      if (mismatches++ < 5) fprintf(stderr, "  %s: rc %d, expected %s\n", tok, rc, accept ? "accept" : "reject");
    } else if (rc == QB_OK) {
      compared++;
      if (memcmp(&r.minimum, &want, 8) && mismatches++ < 5)
        fprintf(stderr, "  %s: %.17g, strtod %.17g\n", tok, r.minimum, want);
    }
    qb_arena_release(&a);
    free(text);
  }
  EXPECT(mismatches == 0);
  EXPECT(compared > 15000);
}

/* One token of the bulk test: a random shape (random_number), a double's shortest-ish text (%.15g-%.17g of
 * random bits: the writers' shape), or a point at or beside the exact midpoint of two adjacent doubles
 * (the correctly rounded case; long double holds the midpoint exactly), 17 to 21 significant digits. */
static void bulk_token(char *o, size_t cap)
{
  unsigned k = below(4);
  double d;
  do {
    uint64_t bits = next();
    if (below(2)) bits = (bits & 0x800FFFFFFFFFFFFFULL) | (uint64_t)(1013 + below(30)) << 52; /* ~1e-3..1e6 */
    memcpy(&d, &bits, 8);
  } while (!isfinite(d));
  if (k == 0) {
    random_number(o, cap);
  } else if (k == 1) {
    snprintf(o, cap, "%.*g", 15 + (int)below(3), d);
  } else {
    long double mid = ((long double)d + (long double)nextafter(d, INFINITY)) / 2;
    snprintf(o, cap, "%.*Lg", 17 + (int)below(5), mid);
  }
}

/* Millions of numbers through the array reader (read_double's inlined fast scan and its fallback),
 * 50,000 to a record: each bit-identical to strtod, the record rejected exactly when a token is not
 * accepted (an integer beyond 2^53, a value beyond the double range, a token over 64 characters). */
QB_TEST(bulk_numbers_match_strtod)
{
  enum { PER = 50000, RECORDS = 40 };
  qb_err err = QB_ERR_INIT;
  char *arr = malloc((size_t)PER * 100 + 64);
  double *want = malloc(PER * sizeof *want);
  CHECK(arr && want);
  long compared = 0;
  int mismatches = 0;
  for (int rec = 0; rec < RECORDS && mismatches < 5; rec++) {
    size_t n = (size_t)snprintf(arr, 64, "\"optimal_parameters\":[");
    for (int i = 0; i < PER; i++) {
      char tok[96];
      double w;
      bool is_int, accept;
      do {
        bulk_token(tok, sizeof tok);
        w = strtod(tok, NULL);
        is_int = !strpbrk(tok, ".eE");
        accept = isfinite(w) && strlen(tok) <= 64 && (!is_int || fabs(w) <= 9007199254740992.0);
      } while (!accept);
      if (is_int && w == 0) w = 0.0; /* Spark reads the token -0 as the long 0 */
      want[i] = w;
      n += (size_t)snprintf(arr + n, 100, "%s%s", i ? "," : "", tok);
    }
    memcpy(arr + n, "]", 2);
    char *text = record_with("\"optimal_parameters\":[0.15,0.25,0.35,0.45]", arr);
    CHECK(text != NULL);
    qb_arena a;
    qb_arena_init(&a, 0);
    qb_vqe_record r;
    int rc = vqe_parse_one(&r, &a, "t.json", text, &err);
    if (rc != QB_OK || r.optimal_parameters.n != PER) {
      fprintf(stderr, "  record %d: rc %d %s\n", rec, rc, err.msg);
      mismatches++;
    } else {
      for (int i = 0; i < PER; i++, compared++)
        if (memcmp(&r.optimal_parameters.v[i], &want[i], 8) && mismatches++ < 5)
          fprintf(stderr, "  #%d: %.17g, strtod %.17g\n", i, r.optimal_parameters.v[i], want[i]);
    }
    qb_arena_release(&a);
    free(text);
  }
  free(arr);
  free(want);
  EXPECT(mismatches == 0);
  EXPECT(compared == (long)PER * RECORDS);
}

/* The one-scan number path (at most 19 significant digits, exponents of 1-4 digits) and its hand-over to
 * the validating scan, at its edges: every value against strtod, every malformed token rejected. */
QB_TEST(number_fast_path_edges_match_strtod)
{
  static const char *const good[] = {
      "0.1234567890123456789", "0.12345678901234567891", "1234567890.123456789", "12345678901.23456789",
      "0.0000000001234567890123456789", "0.00000000012345678901234567891", "9999999999999999999.5",
      "-0.0", "0.0", "0e0", "-0e-0", "0.000", "1e-5", "1E+22", "1e22", "1e23", "2.5e-05", "1e0400",
      "9.999999999999998", "10.0", "10", "1e7", "1E7", "9999999.999999998", "1e-3", "0.001", "9.999999999999998E-4",
      "4.9e-324", "4.9406564584124654e-324", "2.2250738585072014e-308", "2.225073858507201e-308",
      "1.7976931348623157e308", "123456789012345678e-10", "0.30000000000000004", "1.00000000000000011102230246251565",
      "9007199254740992", "-9007199254740992", "9007199254740993.0", "1.5e0001", "1.5e00001", "7e-0", "12345678",
      "1234567.8", "0.12345678", "0.123456789", "12345678.12345678", "-0.006794613435034633"};
  static const char *const bad[] = {"01", "1.", "1.e5", "-", "1e", "1e+", "1.5x", "--1", "-.5", "1.5.5", "0x10",
                                    "1e5.5", "00.5", "-01.5", "1.7976931348623159e308", "1e400", "1e99999",
                                    "9007199254740993", "1.5e", "2.-1"};
  qb_err err = QB_ERR_INIT;
  int bad_n = 0;
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    char field[128];
    snprintf(field, sizeof field, "\"minimum\":%s,", good[i]);
    char *text = record_with("\"minimum\":-1.2,", field);
    CHECK(text != NULL);
    double want = strtod(good[i], NULL);
    if (!strpbrk(good[i], ".eE") && want == 0) want = 0.0;
    qb_arena a;
    qb_arena_init(&a, 0);
    qb_vqe_record r;
    int rc = vqe_parse_one(&r, &a, "t.json", text, &err);
    if (strcmp(good[i], "1e0400") == 0) {
      EXPECT(rc != QB_OK); /* beyond the double range: rejected like the slow scan does */
    } else if (rc != QB_OK || memcmp(&r.minimum, &want, 8)) {
      if (bad_n++ < 5) fprintf(stderr, "  %s: rc %d, %.17g, strtod %.17g\n", good[i], rc, r.minimum, want);
    }
    qb_arena_release(&a);
    free(text);
  }
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char field[128];
    snprintf(field, sizeof field, "\"minimum\":%s,", bad[i]);
    char *text = record_with("\"minimum\":-1.2,", field);
    CHECK(text != NULL);
    qb_arena a;
    qb_arena_init(&a, 0);
    qb_vqe_record r;
    if (vqe_parse_one(&r, &a, "t.json", text, &err) == QB_OK && bad_n++ < 5) fprintf(stderr, "  accepted %s\n", bad[i]);
    qb_arena_release(&a);
    free(text);
  }
  EXPECT(bad_n == 0);
}

QB_TEST(int_fields_at_their_limits)
{
  static const struct {
    const char *tok;
    bool ok;
    int32_t want;
  } cases[] = {{"2147483647", true, 2147483647},  {"-2147483648", true, INT32_MIN}, {"2147483648", false, 0},
               {"-2147483649", false, 0},         {"-0", true, 0},                {"0", true, 0},
               {"1.0", false, 0},                 {"1e0", false, 0},              {"01", false, 0},
               {"9223372036854775807", false, 0}, {"9223372036854775808", false, 0},
               {"-9223372036854775808", false, 0}, {"99999999999999999999", false, 0}};
  qb_err err = QB_ERR_INIT;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char field[64];
    snprintf(field, sizeof field, "\"multiplicity\":%s,", cases[i].tok);
    char *text = record_with("\"multiplicity\":1,", field);
    CHECK(text != NULL);
    qb_arena a;
    qb_arena_init(&a, 0);
    qb_vqe_record r;
    int rc = vqe_parse_one(&r, &a, "t.json", text, &err);
    if ((rc == QB_OK) != cases[i].ok || (rc == QB_OK && r.multiplicity != cases[i].want))
      fprintf(stderr, "  %s: rc %d\n", cases[i].tok, rc);
    EXPECT((rc == QB_OK) == cases[i].ok);
    if (rc == QB_OK) EXPECT(r.multiplicity == cases[i].want);
    qb_arena_release(&a);
    free(text);
  }
}

/* Keys are first matched against the field expected next; any other order, an escaped name, an unknown
 * or a repeated member must give what the string parse and the table search give. */
QB_TEST(keys_out_of_order_escaped_or_repeated)
{
  qb_err err = QB_ERR_INIT;
  qb_arena a;
  qb_arena_init(&a, 0);
  qb_vqe_record want, r;
  CHECK_OK(vqe_parse_one(&want, &a, "t.json", vqe_e1_record, &err), &err);
  /* coefficients before label, imaginary before real; molecule_data's members reversed */
  char *t1 = record_with("{\"label\":\"ZZ\",\"coefficients\":{\"real\":0.0112801,\"imaginary\":0}}",
                         "{\"coefficients\":{\"imaginary\":0,\"real\":0.0112801},\"label\":\"ZZ\"}");
  CHECK(t1 != NULL);
  CHECK_OK(vqe_parse_one(&r, &a, "t.json", t1, &err), &err);
  CHECK(r.n_hamiltonian == 2);
  EXPECT(r.hamiltonian[1].real == want.hamiltonian[1].real && r.hamiltonian[1].label.n == 2 &&
         !memcmp(r.hamiltonian[1].label.p, "ZZ", 2));
  free(t1);
  /* an escaped key is the same name */
  char *t2 = record_with("\"minimum\":-1.2,", "\"mi\\u006eimum\":-1.5,");
  CHECK(t2 != NULL);
  CHECK_OK(vqe_parse_one(&r, &a, "t.json", t2, &err), &err);
  EXPECT(r.minimum == -1.5);
  free(t2);
  /* a key that extends the expected name, and one that is its prefix */
  char *t3 = record_with("\"minimum\":-1.2,", "\"minimumx\":-1.5,\"minimum\":-1.2,");
  CHECK(t3 != NULL);
  CHECK_OK(vqe_parse_one(&r, &a, "t.json", t3, &err), &err); /* VQEResult is lenient: unknown skipped */
  EXPECT(r.minimum == -1.2);
  free(t3);
  char *t4 = record_with("\"minimum\":-1.2,", "\"minimu\":-1.5,");
  CHECK(t4 != NULL);
  CHECK_FAIL(vqe_parse_one(&r, &a, "t.json", t4, &err), QB_ECORRUPT, &err, "minimum: missing required field");
  free(t4);
  /* a repeated member, found by the expected-next match the second time */
  char *t5 = record_with("\"real\":0.0112801,", "\"real\":0.0112801,\"real\":0.5,");
  CHECK(t5 != NULL);
  CHECK_FAIL(vqe_parse_one(&r, &a, "t.json", t5, &err), QB_ECORRUPT, &err, "duplicate field");
  free(t5);
  /* an unknown member of a strict struct, spelled like a known one plus a character */
  char *t6 = record_with("\"label\":\"ZZ\"", "\"labels\":\"ZZ\"");
  CHECK(t6 != NULL);
  CHECK_FAIL(vqe_parse_one(&r, &a, "t.json", t6, &err), QB_ECORRUPT, &err, "unknown field");
  free(t6);
  qb_arena_release(&a);
}

/* A Hamiltonian term is matched as one template when it is written as the writers write it; every other
 * spelling of the same term must give the same term and field bits, every bad one the same message, as the
 * member by member reading (which the reordered spelling always takes). */
QB_TEST(term_template_and_other_spellings_agree)
{
  static const char *const canon = "{\"label\":\"ZZ\",\"coefficients\":{\"real\":0.0112801,\"imaginary\":0}}";
  static const struct {
    const char *term;      /* replaces the second term of vqe_e1_record */
    const char *reordered; /* the same members in another order: never the template */
    const char *fail;      /* NULL: parses; else the message's tail */
  } cases[] = {
      {"{\"label\":\"ZZ\",\"coefficients\":{\"real\":0.0112801,\"imaginary\":0}}",
       "{\"coefficients\":{\"imaginary\":0,\"real\":0.0112801},\"label\":\"ZZ\"}", NULL},
      {"{ \"label\" : \"ZZ\" , \"coefficients\" : { \"real\" : 0.0112801 , \"imaginary\" : 0 } }",
       "{\"coefficients\":{\"imaginary\":0,\"real\":0.0112801},\"label\":\"ZZ\"}", NULL},
      {"{\"label\":\"Z\\u005a\",\"coefficients\":{\"real\":-3,\"imaginary\":0.25}}",
       "{\"coefficients\":{\"imaginary\":0.25,\"real\":-3},\"label\":\"ZZ\"}", NULL},
      {"{\"label\":\"Z\xc3\xa9\",\"coefficients\":{\"real\":1e-5,\"imaginary\":-0.0}}",
       "{\"coefficients\":{\"imaginary\":-0.0,\"real\":1e-5},\"label\":\"Z\xc3\xa9\"}", NULL},
      {"{\"label\":\"ZZ\",\"coefficients\":{\"real\":{\"double\":0.5},\"imaginary\":0}}", NULL,
       "hamiltonian[1].coefficients.real: expected number, got object"},
      {"{\"label\":\"ZZ\",\"coefficients\":{\"real\":0.5,\"imaginary\":1e400}}", NULL,
       "hamiltonian[1].coefficients.imaginary: number 1e400 is out of the range of a double"},
      {"{\"label\":\"ZZ\",\"coefficients\":{\"real\":9007199254740993,\"imaginary\":0}}", NULL,
       "hamiltonian[1].coefficients.real: integer 9007199254740993 has no exact double value"},
      {"{\"label\":\"ZZ\",\"coefficients\":{\"real\":0.5,\"imaginary\":0,\"x\":1}}", NULL,
       "hamiltonian[1].coefficients.x: unknown field"},
      {"{\"label\":\"ZZ\",\"coefficients\":{\"real\":0.5,\"imaginary\":0}", NULL, "expected ',' or '}', got ']'"},
      {"{\"label\":\"Z\x01\",\"coefficients\":{\"real\":0.5,\"imaginary\":0}}", NULL,
       "hamiltonian[1].label: control character U+0001 must be escaped"},
      {"{\"label\":\"ZZ\",\"coefficients\":{\"real\":0.5}}", NULL, "coefficients.imaginary: missing required field"},
      /* the imaginary 0 and the closing braces are one literal of the template: its neighbours are not */
      {"{\"label\":\"ZZ\",\"coefficients\":{\"real\":0.5,\"imaginary\":-0}}",
       "{\"coefficients\":{\"imaginary\":-0,\"real\":0.5},\"label\":\"ZZ\"}", NULL},
      {"{\"label\":\"ZZ\",\"coefficients\":{\"real\":0.5,\"imaginary\":0 }}",
       "{\"coefficients\":{\"imaginary\":0,\"real\":0.5},\"label\":\"ZZ\"}", NULL},
      {"{\"label\":\"ZZ\",\"coefficients\":{\"real\":0.5,\"imaginary\":00}}", NULL,
       "hamiltonian[1].coefficients.imaginary: invalid number: leading zero"},
      {"{\"label\":\"ZZ\",\"coefficients\":{\"real\":0.5,\"imaginary\":0}}}", NULL, "expected ',' or ']', got '}'"},
  };
  qb_err err = QB_ERR_INIT;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    qb_arena a;
    qb_arena_init(&a, 0);
    qb_vqe_record r, want;
    char *text = record_with(canon, cases[i].term);
    CHECK(text != NULL);
    int rc = vqe_parse_one(&r, &a, "t.json", text, &err);
    if (!cases[i].fail) {
      char *ref = record_with(canon, cases[i].reordered);
      CHECK(ref != NULL);
      CHECK_OK(rc, &err);
      CHECK_OK(vqe_parse_one(&want, &a, "t.json", ref, &err), &err);
      CHECK(r.n_hamiltonian == 2 && want.n_hamiltonian == 2);
      const qb_vqe_term *x = &r.hamiltonian[1], *y = &want.hamiltonian[1];
      EXPECT(x->label.n == y->label.n && !memcmp(x->label.p, y->label.p, x->label.n));
      EXPECT(!memcmp(&x->real, &y->real, sizeof x->real) && !memcmp(&x->imaginary, &y->imaginary, sizeof x->real));
      EXPECT(r.float_fields == want.float_fields && r.int_fields == want.int_fields);
      free(ref);
    } else {
      CHECK_FAIL(rc, QB_ECORRUPT, &err, cases[i].fail);
    }
    free(text);
    qb_arena_release(&a);
  }
}

/* Beyond 2^53 an integer token with zero low bits is a double, exactly: accepted, where the message said
 * "no exact double value (|x| > 2^53)" of any such token (found by exploreE). */
QB_TEST(integer_beyond_2_53_that_is_a_double_is_accepted)
{
  static const struct {
    const char *tok;
    double want;
  } ok[] = {{"9137676287411802112", 9137676287411802112.0}, {"-9223372036854775808", -9223372036854775808.0},
            {"9007199254740994", 9007199254740994.0}};
  qb_err err = QB_ERR_INIT;
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    char by[64];
    snprintf(by, sizeof by, "\"vqe_time\":%s,", ok[i].tok);
    char *text = record_with("\"vqe_time\":1,", by);
    CHECK(text != NULL);
    qb_arena a;
    qb_arena_init(&a, 0);
    qb_vqe_record r;
    CHECK_OK(vqe_parse_one(&r, &a, "t.json", text, &err), &err);
    EXPECT(r.vqe_time == ok[i].want);
    qb_arena_release(&a);
    free(text);
  }
  char *text = record_with("\"vqe_time\":1,", "\"vqe_time\":9137676287411802113,");
  CHECK(text != NULL);
  qb_arena a;
  qb_arena_init(&a, 0);
  qb_vqe_record r;
  CHECK_FAIL(vqe_parse_one(&r, &a, "t.json", text, &err), QB_ECORRUPT, &err,
             "vqe_time: integer 9137676287411802113 has no exact double value");
  qb_arena_release(&a);
  free(text);
}

/* The element index in a message, whichever element of a number array is bad and whatever blanks sit
 * around the commas before it (the fast loop writes the index only for the elements it hands over). */
QB_TEST(bad_array_element_is_named_by_its_index)
{
  static const struct {
    const char *tok, *msg;
  } bad[] = {{"1e400", "number 1e400 is out of the range of a double"},
             {"\"x\"", "expected number, got string"},
             {"1.5x", "invalid number"},
             {"9007199254740993", "integer 9007199254740993 has no exact double value"}};
  qb_err err = QB_ERR_INIT;
  for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++)
    for (int at = 0; at < 12; at++)
      for (int blanks = 0; blanks < 2; blanks++) {
        char arr[256], want[128];
        size_t n = 0;
        n += (size_t)snprintf(arr + n, sizeof arr - n, "\"initial_parameters\":[");
        for (int i = 0; i < 12; i++)
          n += (size_t)snprintf(arr + n, sizeof arr - n, "%s%s", i ? (blanks && i % 3 == 0 ? " , " : ",") : "",
                                i == at ? bad[b].tok : i % 2 ? "0.25" : "3");
        snprintf(arr + n, sizeof arr - n, "],");
        snprintf(want, sizeof want, "initial_parameters[%d]: %s", at, bad[b].msg);
        char *text = record_with("\"initial_parameters\":[0.1,1e-05,2,0],", arr);
        CHECK(text != NULL);
        qb_arena a;
        qb_arena_init(&a, 0);
        qb_vqe_record r;
        CHECK_FAIL(vqe_parse_one(&r, &a, "t.json", text, &err), QB_ECORRUPT, &err, want);
        qb_arena_release(&a);
        free(text);
      }
}

/* An iteration is matched as one template when written as the writers write it; as for terms, every other
 * spelling must give the same iteration and field bits, every bad one the same message. */
QB_TEST(iteration_template_and_other_spellings_agree)
{
  static const char *const canon =
      "{\"iteration\":2,\"parameters\":[0.15,0.25,0.35,0.45],\"result\":-1.2,\"std\":0,"
      "\"energy_delta\":-0.1,\"parameter_delta_norm\":0.1,\"cumulative_min_energy\":-1.2}";
  static const char *const reordered =
      "{\"std\":0,\"result\":-1.2,\"cumulative_min_energy\":-1.2,\"parameter_delta_norm\":0.1,"
      "\"energy_delta\":-0.1,\"parameters\":[0.15,0.25,0.35,0.45],\"iteration\":2}";
  static const struct {
    const char *it;   /* replaces the second iteration of vqe_e1_record */
    const char *fail; /* NULL: parses as `reordered` does; else the message's tail */
  } cases[] = {
      {"{\"iteration\":2,\"parameters\":[0.15,0.25,0.35,0.45],\"result\":-1.2,\"std\":0,"
       "\"energy_delta\":-0.1,\"parameter_delta_norm\":0.1,\"cumulative_min_energy\":-1.2}", NULL},
      {"{\"iteration\": 2, \"parameters\": [0.15, 0.25, 0.35, 0.45], \"result\": -1.2, \"std\": 0, "
       "\"energy_delta\": -0.1, \"parameter_delta_norm\": 0.1, \"cumulative_min_energy\": -1.2}", NULL},
      {"{\"iteration\":2,\"parameters\":[0.15,0.25,0.35,0.45],\"result\":-1.2,\"std\":0,"
       "\"energy_delta\":{\"double\":-0.1},\"parameter_delta_norm\":0.1,\"cumulative_min_energy\":-1.2}", NULL},
      {"{\"iteration\":2,\"parameters\":[0.15,0.25,0.35,0.45],\"result\":-1.2,\"std\":0,"
       "\"energy_delta\":-0.1,\"parameter_delta_norm\":0.1,\"cumulative_min_energy\":-1.2,\"extra\":[1]}", NULL},
      {"{\"iteration\":2,\"parameters\":[0.15,\"x\",0.35,0.45],\"result\":-1.2,\"std\":0,"
       "\"energy_delta\":-0.1,\"parameter_delta_norm\":0.1,\"cumulative_min_energy\":-1.2}",
       "iteration_list[1].parameters[1]: expected number, got string"},
      {"{\"iteration\":2.5,\"parameters\":[0.15,0.25,0.35,0.45],\"result\":-1.2,\"std\":0,"
       "\"energy_delta\":-0.1,\"parameter_delta_norm\":0.1,\"cumulative_min_energy\":-1.2}",
       "iteration_list[1].iteration: expected integer, got number 2.5"},
      {"{\"iteration\":2,\"parameters\":[0.15,0.25,0.35,0.45],\"result\":1e400,\"std\":0,"
       "\"energy_delta\":-0.1,\"parameter_delta_norm\":0.1,\"cumulative_min_energy\":-1.2}",
       "iteration_list[1].result: number 1e400 is out of the range of a double"},
      {"{\"iteration\":2,\"parameters\":[0.15,0.25,0.35,0.45],\"result\":-1.2,\"std\":0,"
       "\"energy_delta\":nul,\"parameter_delta_norm\":0.1,\"cumulative_min_energy\":-1.2}",
       "iteration_list[1].energy_delta: invalid JSON literal"},
      {"{\"iteration\":2,\"parameters\":[0.15,0.25,0.35,0.45],\"result\":-1.2,"
       "\"energy_delta\":-0.1,\"parameter_delta_norm\":0.1,\"cumulative_min_energy\":-1.2}",
       "iteration_list[1].std: missing required field"},
  };
  qb_err err = QB_ERR_INIT;
  qb_arena a;
  qb_arena_init(&a, 0);
  qb_vqe_record want;
  char *ref = record_with(canon, reordered);
  CHECK(ref != NULL);
  CHECK_OK(vqe_parse_one(&want, &a, "t.json", ref, &err), &err);
  CHECK(want.n_iterations == 2);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    qb_vqe_record r;
    char *text = record_with(canon, cases[i].it);
    CHECK(text != NULL);
    int rc = vqe_parse_one(&r, &a, "t.json", text, &err);
    if (!cases[i].fail) {
      CHECK_OK(rc, &err);
      CHECK(r.n_iterations == 2);
      const qb_vqe_iteration *x = &r.iterations[1], *y = &want.iterations[1];
      EXPECT(x->iteration == y->iteration && x->parameters.n == y->parameters.n);
      EXPECT(!memcmp(x->parameters.v, y->parameters.v, x->parameters.n * sizeof(double)));
      EXPECT(!memcmp(&x->result, &y->result, sizeof(double)) && !memcmp(&x->std, &y->std, sizeof(double)));
      EXPECT(x->has_energy_delta && x->energy_delta == y->energy_delta);
      EXPECT(x->has_parameter_delta_norm && x->parameter_delta_norm == y->parameter_delta_norm);
      EXPECT(x->has_cumulative_min_energy && x->cumulative_min_energy == y->cumulative_min_energy);
      EXPECT(r.float_fields == want.float_fields && r.int_fields == want.int_fields);
      /* the first iteration (nulls) through the template too */
      EXPECT(!r.iterations[0].has_energy_delta && !r.iterations[0].has_parameter_delta_norm &&
             r.iterations[0].has_cumulative_min_energy);
    } else {
      CHECK_FAIL(rc, QB_ECORRUPT, &err, cases[i].fail);
    }
    free(text);
  }
  free(ref);
  qb_arena_release(&a);
}
