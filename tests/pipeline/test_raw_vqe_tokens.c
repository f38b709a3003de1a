/* SPDX-License-Identifier: Apache-2.0 */
/* The raw-record tokenizer's fast paths against independent references, on random tokens put into a real
 * record: strings (the plain-ASCII memchr path and the byte loop with escapes and UTF-8) against json-c's
 * decoding, numbers (digits gathered in the validating scan) against strtod. */
#include <json-c/json.h>
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
  size_t n = 0, len = 1 + below(40);
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
    char body[512], lit[520];
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
   * byte position of the 8-byte fast path meets it */
  static const char *const bad[] = {"\x01", "\x1f", "\\x", "\\u12G", "\xc3(", "\xed\xa0\x80", "\xff", "\\ud800"};
  qb_err err = QB_ERR_INIT;
  int accepted = 0;
  for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++)
    for (size_t at = 0; at < 20; at++) {
      char lit[64];
      snprintf(lit, sizeof lit, "\"%.*s%s%.*s\"", (int)at, "abcdefghijklmnopqrstuvwxyz", bad[b], (int)(19 - at),
               "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
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
    bool accept = isfinite(want) && strlen(tok) <= 64 && (!is_int || fabs(want) <= 9007199254740992.0);
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
