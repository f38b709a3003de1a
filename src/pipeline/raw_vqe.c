/* SPDX-License-Identifier: Apache-2.0 */
/* Parser of raw VQEDecoratedResult JSON records (pipeline-spec §1.2, §1.3; acceptance rules in
 * docs/PIPELINE.md): a schema-driven recursive descent over the bytes, filling qb_vqe_record directly,
 * with the path of every field for messages. Unions are bare as goavro writes them ("standard JSON
 * full"); the Avro JSON encoding's {"double": 1.5} wrapper is also accepted. */
#include "pipeline/raw_vqe.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/java_double.h"
#include "util/decimal.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define MAX_PATH 16        /* the schema nests 6 deep; unknown subtrees are skipped, not pathed */
#define MAX_SKIP_DEPTH 64  /* nesting allowed inside an ignored unknown field */
#define MAX_NUMBER_CHARS 64 /* goavro writes at most 24; longer tokens are rejected as absurd */
#define EXACT_INT_LIMIT (INT64_C(1) << 53)

typedef struct seg {
  const char *key; /* NULL: array index */
  size_t key_n;
  size_t idx;
} seg;

typedef struct ps {
  const char *name;
  const uint8_t *p, *end;
  size_t line;
  qb_arena *a;
  qb_err *err;
  seg path[MAX_PATH];
  int depth;
  unsigned float_fields, int_fields;
  /* the last string parse_string read: its text between the quotes, and whether that text is Jackson's
   * escaping of the decoded string (qb_vqe_record.ansatz_json) */
  const uint8_t *str_raw;
  size_t str_raw_n;
  bool str_jackson;
} ps;

/* ---- errors ---- */

static void format_path(const ps *s, char *out, size_t cap)
{
  size_t n = 0;
  out[0] = '\0';
  for (int i = 0; i < s->depth && i < MAX_PATH && n + 1 < cap; i++) {
    int w;
    if (s->path[i].key)
      w = snprintf(out + n, cap - n, "%s%.*s", i ? "." : "", (int)s->path[i].key_n, s->path[i].key);
    else
      w = snprintf(out + n, cap - n, "[%zu]", s->path[i].idx);
    if (w < 0) break;
    n += (size_t)w;
  }
}

static int fail(ps *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(ps *s, const char *fmt, ...)
{
  char path[320], what[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  format_path(s, path, sizeof path);
  return QB_FAIL(s->err, QB_ECORRUPT, "%s: line %zu: %s%s%s", s->name, s->line, path, path[0] ? ": " : "",
                 what);
}

static int fail_nomem(ps *s) { return QB_FAIL(s->err, QB_ENOMEM, "%s: out of memory parsing record", s->name); }

static void push_key(ps *s, const char *key, size_t n)
{
  if (s->depth < MAX_PATH) s->path[s->depth] = (seg){key, n, 0};
  s->depth++;
}
static void push_idx(ps *s, size_t i)
{
  if (s->depth < MAX_PATH) s->path[s->depth] = (seg){NULL, 0, i};
  s->depth++;
}
static void pop(ps *s) { s->depth--; }
/* The index of the array element on top of the path (pushed by push_idx), for a message about it. */
static void set_idx(ps *s, size_t i)
{
  if (s->depth <= MAX_PATH) s->path[s->depth - 1].idx = i;
}

/* ---- lexical level ---- */

static void ws_run(ps *s)
{
  while (s->p < s->end) {
    uint8_t c = *s->p;
    if (c == '\n')
      s->line++;
    else if (c != ' ' && c != '\t' && c != '\r')
      break;
    s->p++;
  }
}

/* Skip blanks: the writers put none between tokens, so the common case is one compare. */
static inline void ws(ps *s)
{
  if (s->p < s->end && *s->p > ' ') return;
  ws_run(s);
}

/* What the next value is, for "expected X, got Y". */
static const char *describe(const ps *s)
{
  if (s->p >= s->end) return "end of input";
  switch (*s->p) {
  case '{': return "object";
  case '[': return "array";
  case '"': return "string";
  case 't':
  case 'f': return "boolean";
  case 'n': return "null";
  case '-':
  case '+':
  case 'N':
  case 'I': return "number";
  default: return (*s->p >= '0' && *s->p <= '9') ? "number" : "invalid JSON";
  }
}

static int expect_char_slow(ps *s, char c, const char *what)
{
  ws(s);
  if (s->p < s->end && *s->p == (uint8_t)c) {
    s->p++;
    return QB_OK;
  }
  if (s->p >= s->end) return fail(s, "unexpected end of input (truncated record?), expected %s", what);
  return fail(s, "invalid JSON: expected %s, got '%c'", what, *s->p);
}

static inline int expect_char(ps *s, char c, const char *what)
{
  if (s->p < s->end && *s->p == (uint8_t)c) {
    s->p++;
    return QB_OK;
  }
  return expect_char_slow(s, c, what);
}

/* The bytes that may follow a number or literal: a separator, a closing bracket or a blank. */
static const bool is_delim_byte[256] = {[','] = true, [']'] = true, ['}'] = true, [' '] = true,
                                        ['\t'] = true, ['\r'] = true, ['\n'] = true};

static bool is_delim(const ps *s) { return s->p >= s->end || is_delim_byte[*s->p]; }

static int literal(ps *s, const char *lit)
{
  size_t n = strlen(lit);
  if ((size_t)(s->end - s->p) < n || memcmp(s->p, lit, n) != 0) {
    if ((size_t)(s->end - s->p) < n && !memcmp(s->p, lit, (size_t)(s->end - s->p)))
      return fail(s, "unexpected end of input (truncated record?)");
    return fail(s, "invalid JSON literal");
  }
  s->p += n;
  if (!is_delim(s)) return fail(s, "invalid JSON literal");
  return QB_OK;
}

/* Length of a valid UTF-8 sequence at p (1..4), 0 if invalid (overlong, surrogate, > U+10FFFF). */
static size_t utf8_len(const uint8_t *p, const uint8_t *end)
{
  uint8_t c = p[0];
  size_t n;
  uint32_t cp;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
    cp = c & 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    cp = c & 0x0f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if ((size_t)(end - p) < n) return 0;
  for (size_t i = 1; i < n; i++) {
    if ((p[i] & 0xc0) != 0x80) return 0;
    cp = cp << 6 | (p[i] & 0x3f);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return n;
}

static int hex4(const uint8_t *p, uint32_t *out)
{
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) {
    uint8_t c = p[i];
    v <<= 4;
    if (c >= '0' && c <= '9')
      v |= (uint32_t)(c - '0');
    else if (c >= 'a' && c <= 'f')
      v |= (uint32_t)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      v |= (uint32_t)(c - 'A' + 10);
    else
      return -1;
  }
  *out = v;
  return 0;
}

static size_t put_utf8(char *o, uint32_t cp)
{
  if (cp < 0x80) {
    o[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (char)(0xc0 | cp >> 6);
    o[1] = (char)(0x80 | (cp & 0x3f));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xe0 | cp >> 12);
    o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
    o[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
  }
  o[0] = (char)(0xf0 | cp >> 18);
  o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
  o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
  o[3] = (char)(0x80 | (cp & 0x3f));
  return 4;
}

/* The first byte from q on (before end) that is not printable ASCII or is '"' or '\\': sixteen bytes at a
 * time with SSE2 (baseline on x86-64; a signed compare below 0x20 also catches the bytes >= 0x80), then
 * eight at a time while they last. Per byte, < 0x20 or >= 0x80 sets its high bit in x - 0x20.. or in x;
 * '"' and '\\' zero their byte of x ^ 0x22.. or x ^ 0x5c.. (the has-zero-byte test). Borrows only raise
 * false alarms above a true one or in its word, which the byte loop then sorts out. */
static inline const uint8_t *plain_run_end(const uint8_t *q, const uint8_t *end)
{
  const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20);
  while (end - q >= 16) {
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)q);
    __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
                             _mm_cmplt_epi8(v, space));
    unsigned bits = (unsigned)_mm_movemask_epi8(m);
    if (bits) return q + __builtin_ctz(bits);
    q += 16;
  }
#endif
  while (end - q >= 8) {
    uint64_t x, qt, bs;
    memcpy(&x, q, 8);
    qt = x ^ (ones * '"');
    bs = x ^ (ones * '\\');
    if (((x - ones * 0x20) | x | ((qt - ones) & ~qt) | ((bs - ones) & ~bs)) & highs) break;
    q += 8;
  }
  for (; q < end; q++)
    if (*q < 0x20 || *q >= 0x80 || *q == '"' || *q == '\\') break;
  return q;
}

/* A JSON string at s->p (which is '"'). Without escapes the result points into the input. */
static int parse_string(ps *s, qb_vqe_str *out)
{
  const uint8_t *start = ++s->p, *q = start;
  bool escaped = false;
  /* pass 1: find the closing quote, validating UTF-8 and control characters; plain runs are skipped
   * eight bytes at a time */
  for (;;) {
    q = plain_run_end(q, s->end);
    if (q >= s->end) return fail(s, "unexpected end of input inside a string (truncated record?)");
    uint8_t c = *q;
    if (c == '"') break;
    if (c < 0x20) return fail(s, "control character U+%04X must be escaped in a JSON string", c);
    if (c == '\\') {
      escaped = true;
      if (q + 1 >= s->end) return fail(s, "unexpected end of input inside a string (truncated record?)");
      q += 2;
      continue;
    }
    if (c >= 0xc2 && c <= 0xdf && s->end - q >= 2 && (q[1] & 0xc0) == 0x80) { /* two bytes: θ, é */
      q += 2;
      continue;
    }
    size_t n = utf8_len(q, s->end);
    if (!n) return fail(s, "invalid UTF-8 in string at byte offset %zu", (size_t)(q - start));
    q += n;
  }
  size_t raw_n = (size_t)(q - start);
  s->str_raw = start;
  s->str_raw_n = raw_n;
  s->str_jackson = true; /* pass 1 let no raw '"', '\\' or control byte through: Jackson copies the rest */
  if (!escaped) {
    out->p = (const char *)start;
    out->n = raw_n;
    s->p = q + 1;
    return QB_OK;
  }
  /* pass 2: decode escapes; the decoded text is never longer than the escaped one */
  char *o = qb_arena_alloc(s->a, raw_n + 1);
  if (!o) return fail_nomem(s);
  size_t n = 0;
  for (const uint8_t *r = start; r < q;) {
    if (*r != '\\') { /* a run up to the next escape, already validated by pass 1 */
#if defined(__SSE2__)
      /* sixteen bytes copied at a time while they lie inside the string, the first '\\' among them
       * deciding how far the run went; the store stays inside o, since n <= r - start */
      const __m128i bslash = _mm_set1_epi8('\\');
      unsigned bits = 0;
      while (q - r >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)r);
        _mm_storeu_si128((__m128i *)(void *)(o + n), v);
        if ((bits = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, bslash)))) break;
        r += 16;
        n += 16;
      }
      if (bits) {
        r += __builtin_ctz(bits);
        n += (size_t)__builtin_ctz(bits);
        continue;
      }
      if (r >= q) break;
#endif
      const uint8_t *bs = memchr(r, '\\', (size_t)(q - r));
      size_t run = bs ? (size_t)(bs - r) : (size_t)(q - r);
      memcpy(o + n, r, run);
      n += run;
      r += run;
      continue;
    }
    uint8_t e = r[1];
    r += 2;
    switch (e) {
    case '"': o[n++] = '"'; break;
    case '\\': o[n++] = '\\'; break;
    case '/': o[n++] = '/', s->str_jackson = false; break; /* Jackson writes '/' as it is */
    case 'b': o[n++] = '\b'; break;
    case 'f': o[n++] = '\f'; break;
    case 'n': o[n++] = '\n'; break;
    case 'r': o[n++] = '\r'; break;
    case 't': o[n++] = '\t'; break;
    case 'u': {
      uint32_t cp, lo;
      s->str_jackson = false; /* Jackson's \u00XX for the other C0 controls is not worth matching */
      if (q - r < 4 || hex4(r, &cp)) return fail(s, "invalid \\u escape in string");
      r += 4;
      if (cp >= 0xdc00 && cp <= 0xdfff) return fail(s, "invalid \\u escape in string: unpaired surrogate");
      if (cp >= 0xd800 && cp <= 0xdbff) {
        if (q - r < 6 || r[0] != '\\' || r[1] != 'u' || hex4(r + 2, &lo) || lo < 0xdc00 || lo > 0xdfff)
          return fail(s, "invalid \\u escape in string: unpaired surrogate");
        r += 6;
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
      }
      n += put_utf8(o + n, cp);
      break;
    }
    default: return fail(s, "invalid escape '\\%c' in string", e);
    }
  }
  o[n] = '\0';
  out->p = o;
  out->n = n;
  s->p = q + 1;
  return QB_OK;
}

/* ---- numbers ---- */

typedef struct numtok {
  const uint8_t *text;
  size_t len;
  bool is_int;    /* no fraction, no exponent */
  bool int_fits;  /* is_int and within int64 */
  bool special;   /* a NaN/Infinity/INF token (Spark's allowNonNumericNumbers) */
  bool nonfinite; /* special, or a number beyond the double range such as 1e400 */
  int64_t i;
  double d;
  /* parse_number_fast only: a fraction without exponent (-?int.frac), its significant digits and
   * -(digits after the point), for qb_java_double_text_is */
  bool plain;
  uint64_t digits;
  int64_t e10;
} numtok;

/* Spark reads with allowNonNumericNumbers: NaN, Infinity, +Infinity, -Infinity, INF, +INF, -INF. */
static bool nonfinite_token(ps *s, numtok *t)
{
  static const char *const toks[] = {"NaN", "Infinity", "+Infinity", "-Infinity", "INF", "+INF", "-INF"};
  for (size_t i = 0; i < sizeof toks / sizeof toks[0]; i++) {
    size_t n = strlen(toks[i]);
    if ((size_t)(s->end - s->p) >= n && !memcmp(s->p, toks[i], n)) {
      const uint8_t *save = s->p;
      s->p += n;
      if (!is_delim(s)) {
        s->p = save;
        continue;
      }
      t->text = save;
      t->len = n;
      t->special = t->nonfinite = true;
      t->d = toks[i][0] == 'N' ? NAN : toks[i][0] == '-' ? -INFINITY : INFINITY;
      return true;
    }
  }
  return false;
}

static int parse_number_slow(ps *s, numtok *t)
{
  memset(t, 0, sizeof *t);
  uint8_t c0 = *s->p, c1 = s->p + 1 < s->end ? s->p[1] : 0;
  if ((c0 == 'N' || c0 == 'I' || c0 == '+' || (c0 == '-' && c1 == 'I')) && nonfinite_token(s, t)) return QB_OK;
  const uint8_t *q = s->p;
  t->text = q;
  bool neg = q < s->end && *q == '-';
  q += neg;
  if (q >= s->end) return fail(s, "unexpected end of input in a number (truncated record?)");
  /* one scan validates the token and gathers its digits (qb_decimal_acc: no second scan to convert it) */
  qb_decimal_acc acc = {0, 0, 0, false};
  if (*q == '0') {
    q++;
    if (q < s->end && *q >= '0' && *q <= '9') return fail(s, "invalid number: leading zero");
  } else if (*q >= '1' && *q <= '9') {
    for (; q < s->end && *q >= '0' && *q <= '9'; q++) qb_decimal_acc_int_digit(&acc, (unsigned)(*q - '0'));
  } else {
    return fail(s, "invalid JSON: expected a value");
  }
  t->is_int = true;
  if (q < s->end && *q == '.') {
    t->is_int = false;
    q++;
    if (q >= s->end || *q < '0' || *q > '9') return fail(s, "invalid number: no digit after '.'");
    for (;;) {
      uint64_t x;
      if (s->end - q >= 8 && qb_decimal_acc_take8(&acc, (const char *)q, &x)) {
        qb_decimal_acc_frac_digits8(&acc, x);
        q += 8;
      } else if (q < s->end && *q >= '0' && *q <= '9') {
        qb_decimal_acc_frac_digit(&acc, (unsigned)(*q++ - '0'));
      } else {
        break;
      }
    }
  }
  if (q < s->end && (*q == 'e' || *q == 'E')) {
    t->is_int = false;
    q++;
    bool eneg = false;
    if (q < s->end && (*q == '+' || *q == '-')) eneg = *q++ == '-';
    if (q >= s->end || *q < '0' || *q > '9') return fail(s, "invalid number: no digit in the exponent");
    int64_t e = 0;
    for (; q < s->end && *q >= '0' && *q <= '9'; q++)
      if (e < 1000000) e = e * 10 + (*q - '0'); /* far beyond any double: the result is 0 or infinite */
    acc.q += eneg ? -e : e;
  }
  t->len = (size_t)(q - t->text);
  s->p = q;
  if (!is_delim(s)) return fail(s, "invalid number");
  if (t->len > MAX_NUMBER_CHARS) return fail(s, "number token of %zu characters is not accepted", t->len);
  if (t->is_int) {
    /* acc.q > 0 only past 19 digits (>= 10^19 > INT64_MAX): no int64 */
    uint64_t v = acc.w;
    t->int_fits = acc.q == 0 && v <= (uint64_t)INT64_MAX + neg;
    if (t->int_fits) {
      t->i = !neg ? (int64_t)v : v > (uint64_t)INT64_MAX ? INT64_MIN : -(int64_t)v;
      t->d = (double)t->i; /* Spark converts the long: the token -0 becomes +0.0 */
      return QB_OK;
    }
  }
  /* exactly strtod's double (in the C locale): src/util/decimal.c, from the gathered digits when they decide */
  if (!qb_decimal_acc_to_double(&t->d, &acc, neg) && !qb_decimal_to_double(&t->d, (const char *)t->text, t->len))
    return fail(s, "invalid number");
  if (!isfinite(t->d)) t->nonfinite = true;
  return QB_OK;
}

/* The value of 8 ASCII digits (first digit in the lowest byte of a little-endian load): pairs,
 * quadruples, then the eight. */
static inline uint32_t digits8_value(uint64_t x)
{
  x = ((x & 0x0F0F0F0F0F0F0F0FULL) * 2561) >> 8;
  x = ((x & 0x00FF00FF00FF00FFULL) * 6553601) >> 16;
  return (uint32_t)(((x & 0x0000FFFF0000FFFFULL) * 42949672960001ULL) >> 32);
}

/* The end of the run of ASCII digits at q, their value added to *w (w = w * 10^k + run; it wraps past
 * 19 digits, which the caller counts). Eight bytes at a time: a byte b is flagged unless it is a digit,
 * by the high bit of b - 0x30 (set for b < 0x30 and b >= 0xB0) or of b + 0x46 (set for 0x3A <= b < 0xBA);
 * borrows and carries come only out of flagged bytes and only reach bytes above them, so the lowest flag
 * is the first non-digit. A partial run is shifted to the top of the word behind '0' bytes, so the same
 * conversion serves. */
static inline __attribute__((always_inline)) const uint8_t *digit_run(const uint8_t *q, const uint8_t *end, uint64_t *w)
{
  static const uint32_t pow10[8] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000};
  const uint64_t zeros = 0x3030303030303030ULL;
  uint64_t v = *w;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  /* the usual fraction, 15 to 17 digits: two words tested at once, then at most two single digits */
  if (end - q >= 18) {
    uint64_t x0, x1;
    memcpy(&x0, q, 8);
    memcpy(&x1, q + 8, 8);
    uint64_t f0 = ((x0 - zeros) | (x0 + 0x4646464646464646ULL)) & 0x8080808080808080ULL;
    uint64_t f1 = ((x1 - zeros) | (x1 + 0x4646464646464646ULL)) & 0x8080808080808080ULL;
    if (!f0) {
      v = v * 100000000 + digits8_value(x0);
      if (f1) {
        int k = __builtin_ctzll(f1) / 8;
        if (k) v = v * pow10[k] + digits8_value(x1 << (8 * (8 - k)) | zeros >> (8 * k));
        *w = v;
        return q + 8 + k;
      }
      v = v * 100000000 + digits8_value(x1);
      q += 16;
      if ((unsigned)(q[0] - '0') > 9) {
        *w = v;
        return q;
      }
      v = v * 10 + (unsigned)(q[0] - '0');
      q++;
      if ((unsigned)(q[0] - '0') > 9) {
        *w = v;
        return q;
      }
    }
  }
  while (end - q >= 8) {
    uint64_t x;
    memcpy(&x, q, 8);
    uint64_t flags = ((x - zeros) | (x + 0x4646464646464646ULL)) & 0x8080808080808080ULL;
    if (!flags) {
      v = v * 100000000 + digits8_value(x);
      q += 8;
      continue;
    }
    int k = __builtin_ctzll(flags) / 8;
    if (k) {
      v = v * pow10[k] + digits8_value(x << (8 * (8 - k)) | zeros >> (8 * k));
      q += k;
    }
    *w = v;
    return q;
  }
#endif
  for (; q < end && *q >= '0' && *q <= '9'; q++) v = v * 10 + (unsigned)(*q - '0');
  *w = v;
  return q;
}

/* The shapes writers produce, -?(0|[1-9]d*)(.d+)?([eE][+-]?d{1,4})? with at most 19 significant digits,
 * in one scan that never fails: false sends the token to parse_number_slow, which decides (and words
 * every error) as before. The digits kept are the same as qb_decimal_acc's (w * 10^q, nothing dropped). */
static inline __attribute__((always_inline)) bool parse_number_fast(ps *s, numtok *t)
{
  const uint8_t *q = s->p, *end = s->end;
  bool neg = *q == '-';
  q += neg;
  if (q >= end) return false;
  uint64_t w = 0;
  int nd = 0; /* significant digits in w */
  int64_t e10 = 0;
  if (*q == '0') {
    q++;
  } else if (*q >= '1' && *q <= '9') {
    if (end - q >= 2 && (unsigned)(q[1] - '0') > 9) { /* one digit, as in most parameters (0 to 2 pi) */
      w = (unsigned)(*q++ - '0');
      nd = 1;
    } else {
      const uint8_t *first = q;
      q = digit_run(q, end, &w);
      nd = (int)(q - first);
    }
  } else {
    return false;
  }
  bool is_int = true;
  if (q < end && *q == '.') {
    is_int = false;
    const uint8_t *f = ++q;
    if (!w)
      while (q < end && *q == '0') q++; /* zeros before the first significant digit: only the scale */
    const uint8_t *sig = q;
    q = digit_run(q, end, &w); /* wraps past 19 digits: then rejected below */
    if (q == f) return false;  /* no digit after '.' */
    nd += (int)(q - sig);
    e10 = -(int64_t)(q - f);
  }
  if (nd > QB_DECIMAL_ACC_DIGITS) return false;
  t->plain = !is_int;
  t->digits = w;
  t->e10 = e10;
  if (q < end && !is_delim_byte[*q]) {
    if ((*q | 0x20) != 'e') return false;
    t->plain = false;
    is_int = false;
    q++;
    bool eneg = false;
    if (q < end && (*q == '+' || *q == '-')) eneg = *q++ == '-';
    const uint8_t *x0 = q;
    int64_t e = 0;
    for (; q < end && *q >= '0' && *q <= '9' && q - x0 < 4; q++) e = e * 10 + (*q - '0');
    if (q == x0 || (q < end && !is_delim_byte[*q])) return false;
    e10 += eneg ? -e : e;
  }
  size_t len = (size_t)(q - s->p);
  if (len > MAX_NUMBER_CHARS) return false;
  /* every member set (no memset): what read_double_fast does not read the compiler drops */
  t->text = s->p;
  t->len = len;
  t->is_int = is_int;
  t->special = false;
  t->int_fits = false;
  t->i = 0;
  if (is_int) {
    /* at most 19 digits: below 10^19, so only INT64_MAX + 1 .. 10^19 - 1 do not fit */
    t->int_fits = w <= (uint64_t)INT64_MAX + neg;
    if (t->int_fits) {
      t->i = !neg ? (int64_t)w : w > (uint64_t)INT64_MAX ? INT64_MIN : -(int64_t)w;
      t->d = (double)t->i; /* Spark converts the long: the token -0 becomes +0.0 */
      t->nonfinite = false;
      s->p = q;
      return true;
    }
  }
  qb_decimal_acc acc = {w, e10, nd, false};
  if (!qb_decimal_acc_to_double(&t->d, &acc, neg)) return false;
  t->nonfinite = false; /* what it decides is finite: 1e400 goes to parse_number_slow */
  s->p = q;
  return true;
}

static int parse_number(ps *s, numtok *t)
{
  if (parse_number_fast(s, t)) return QB_OK;
  return parse_number_slow(s, t);
}

/* ---- typed readers: one per Avro type of the schema ---- */

static bool at_number(const ps *s)
{
  if (s->p >= s->end) return false;
  uint8_t c = *s->p;
  return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == 'N' || c == 'I';
}

/* read_double's usual case, inlined into the loops that read numbers: a token parse_number_fast decides
 * that read_double accepts as it is (a finite fraction, or an integer within 2^53). Anything else leaves
 * the cursor where it was and returns false: read_double_slow then decides and words every error. */
static inline __attribute__((always_inline)) bool read_double_fast_tok(ps *s, double *out, unsigned float_bit,
                                                                       numtok *tok)
{
  numtok t;
  const uint8_t *start = s->p;
  if (start >= s->end || !parse_number_fast(s, &t)) return false;
  *tok = t;
  if (t.is_int) {
    if (!t.int_fits || t.i > EXACT_INT_LIMIT || t.i < -EXACT_INT_LIMIT) {
      s->p = start;
      return false;
    }
    s->int_fields |= float_bit;
  } else {
    s->float_fields |= float_bit; /* finite: parse_number_fast leaves the others to read_double_slow */
  }
  *out = t.d;
  return true;
}

/* The token is not needed: the compiler drops the copy. */
static inline __attribute__((always_inline)) bool read_double_fast(ps *s, double *out, unsigned float_bit)
{
  numtok t;
  return read_double_fast_tok(s, out, float_bit, &t);
}

/* Beyond 2^53 an integer is a double only when its low bits are zero (9137676287411802112 is one). */
static bool int_is_a_double(int64_t i)
{
  double d = (double)i;
  return d >= -9223372036854775808.0 && d < 9223372036854775808.0 && (int64_t)d == i;
}

static __attribute__((noinline)) int read_double_slow(ps *s, double *out, unsigned float_bit)
{
  ws(s);
  numtok t;
  /* the usual token straight into the inlined fast scan, which rejects every other start unread */
  if (s->p >= s->end || !parse_number_fast(s, &t)) {
    if (!at_number(s)) return fail(s, "expected number, got %s", describe(s));
    int rc = parse_number_slow(s, &t);
    if (rc) return rc;
  }
  if (t.special) return fail(s, "non-finite number %.*s is not accepted", (int)t.len, t.text);
  if (t.nonfinite) return fail(s, "number %.*s is out of the range of a double", (int)t.len, t.text);
  if (t.is_int) {
    if (!t.int_fits || ((t.i > EXACT_INT_LIMIT || t.i < -EXACT_INT_LIMIT) && !int_is_a_double(t.i)))
      return fail(s, "integer %.*s has no exact double value", (int)t.len, t.text);
    s->int_fields |= float_bit;
  } else {
    s->float_fields |= float_bit;
  }
  *out = t.d;
  return QB_OK;
}

static int read_double(ps *s, double *out, unsigned float_bit)
{
  if (read_double_fast(s, out, float_bit)) return QB_OK;
  return read_double_slow(s, out, float_bit);
}

static int read_int(ps *s, int32_t *out)
{
  ws(s);
  if (!at_number(s)) return fail(s, "expected integer, got %s", describe(s));
  numtok t;
  int rc = parse_number(s, &t);
  if (rc) return rc;
  if (!t.is_int) return fail(s, "expected integer, got number %.*s", (int)t.len, t.text);
  if (!t.int_fits || t.i < INT32_MIN || t.i > INT32_MAX)
    return fail(s, "integer %.*s is out of range for an Avro int (32 bits)", (int)t.len, t.text);
  *out = (int32_t)t.i;
  return QB_OK;
}

static int read_bool(ps *s, bool *out)
{
  ws(s);
  if (s->p < s->end && *s->p == 't') {
    *out = true;
    return literal(s, "true");
  }
  if (s->p < s->end && *s->p == 'f') {
    *out = false;
    return literal(s, "false");
  }
  return fail(s, "expected boolean, got %s", describe(s));
}

static int read_string(ps *s, qb_vqe_str *out)
{
  ws(s);
  if (s->p >= s->end || *s->p != '"') return fail(s, "expected string, got %s", describe(s));
  return parse_string(s, out);
}

/* Arrays: '[' then elements; *more says whether an element follows. */
static int array_begin(ps *s, const char *what, bool *more)
{
  ws(s);
  if (s->p >= s->end || *s->p != '[') return fail(s, "expected %s, got %s", what, describe(s));
  s->p++;
  ws(s);
  if (s->p < s->end && *s->p == ']') {
    s->p++;
    *more = false;
    return QB_OK;
  }
  *more = true;
  return QB_OK;
}

static int array_after(ps *s, bool *more)
{
  ws(s);
  if (s->p < s->end && *s->p == ',') {
    s->p++;
    *more = true;
    return QB_OK;
  }
  *more = false;
  return expect_char(s, ']', "',' or ']'");
}

/* Grow an arena array geometrically: in place when it is the arena's last block (nothing was allocated
 * since it grew last: the usual case, as the elements are read into it), else into a new block (the old
 * one stays in the arena until it is released). */
static int grow(ps *s, void **v, size_t *cap, size_t used, size_t elem)
{
  if (used < *cap) return QB_OK;
  size_t ncap = *cap ? *cap * 2 : 8;
  if (ncap > SIZE_MAX / elem) return fail_nomem(s);
  if (*cap && qb_arena_extend(s->a, *v, *cap * elem, ncap * elem)) {
    *cap = ncap;
    return QB_OK;
  }
  void *nv = qb_arena_alloc(s->a, ncap * elem);
  if (!nv) return fail_nomem(s);
  if (used) memcpy(nv, *v, used * elem);
  *v = nv;
  *cap = ncap;
  return QB_OK;
}

/* The elements' loop keeps an index entry on the path while the writers' separator (a bare ',') follows an
 * element, and writes the index into it only for an element the fast path leaves (no message can come from
 * the fast path); anything else goes through array_after with the entry popped, as the messages expect. */
static int read_doubles(ps *s, qb_vqe_doubles *out, unsigned float_bit)
{
  bool more;
  int rc = array_begin(s, "array of numbers", &more);
  double *v = NULL;
  size_t n = 0, cap = 0;
  while (!rc && more) {
    push_idx(s, n);
    for (;;) {
      if (n == cap && (rc = grow(s, (void **)&v, &cap, n, sizeof *v))) {
        pop(s);
        return rc;
      }
      if (!read_double_fast(s, &v[n], float_bit)) {
        set_idx(s, n);
        if ((rc = read_double_slow(s, &v[n], float_bit))) break;
      }
      n++;
      if (s->p >= s->end || *s->p != ',') break;
      s->p++;
    }
    pop(s);
    if (rc) {
      n++;
      break;
    }
    rc = array_after(s, &more);
  }
  out->v = v;
  out->n = n;
  return rc;
}

static int read_strings(ps *s, qb_vqe_str **out, size_t *out_n)
{
  bool more;
  int rc = array_begin(s, "array of strings", &more);
  qb_vqe_str *v = NULL;
  size_t n = 0, cap = 0;
  while (!rc && more) {
    if ((rc = grow(s, (void **)&v, &cap, n, sizeof *v))) return rc;
    push_idx(s, n);
    rc = read_string(s, &v[n]);
    pop(s);
    n++;
    if (!rc) rc = array_after(s, &more);
  }
  *out = v;
  *out_n = n;
  return rc;
}

/* ---- objects ---- */

typedef struct field {
  const char *name;
  size_t len;
  bool required;
} field;

#define F(name, required) {name, sizeof name - 1, required}


typedef struct obj {
  const field *fields;
  size_t n_fields;
  bool strict; /* unknown members are errors: in Spark they would become part of experiment_id */
  bool first;
  uint32_t seen; /* bit per field */
  size_t guess;  /* the field expected next: the one after the last found (writers keep schema order) */
} obj;

#define OBJ(fields, strict) {fields, sizeof fields / sizeof fields[0], strict, true, 0, 0}

static int skip_value(ps *s, int depth);

/* Whether the n bytes at p (the caller checked they are there) equal lit: overlapping 8-byte (4-byte
 * below 8) compares, the last ending with lit, which the compiler turns into immediates for a literal. */
static inline bool bytes_are(const uint8_t *p, const char *lit, size_t n)
{
  uint64_t a, b;
  if (n < 4) {
    for (size_t i = 0; i < n; i++)
      if (p[i] != (uint8_t)lit[i]) return false;
    return true;
  }
  if (n < 8) {
    uint32_t c, d, e, f;
    memcpy(&c, p, 4);
    memcpy(&d, lit, 4);
    memcpy(&e, p + n - 4, 4);
    memcpy(&f, lit + n - 4, 4);
    return c == d && e == f;
  }
  for (size_t i = 0; i + 8 < n; i += 8) {
    memcpy(&a, p + i, 8);
    memcpy(&b, lit + i, 8);
    if (a != b) return false;
  }
  memcpy(&a, p + n - 8, 8);
  memcpy(&b, lit + n - 8, 8);
  return a == b;
}

/* Whether p (at a '"') starts the JSON string that is exactly f's name: the name, then '"'. */
static inline bool key_is(const uint8_t *p, const uint8_t *end, const field *f)
{
  size_t n = f->len;
  return (size_t)(end - p) >= n + 2 && p[n + 1] == '"' && bytes_are(p + 1, f->name, n);
}

static int obj_begin(ps *s, const char *what)
{
  ws(s);
  if (s->p >= s->end || *s->p != '{') return fail(s, "expected %s, got %s", what, describe(s));
  s->p++;
  return QB_OK;
}

/* Next member: *idx = its field index, or -1 after '}' (then required fields are checked). The member's
 * key is on the path until the caller's pop(). Unknown members of a lenient object are skipped here. */
static int obj_next_full(ps *s, obj *o, int *idx)
{
  int rc;
  for (;;) {
    ws(s);
    bool end = s->p < s->end && *s->p == '}';
    if (!o->first && !end) {
      if (s->p < s->end && *s->p == ',') {
        s->p++;
        ws(s);
      } else if (s->p >= s->end) {
        return fail(s, "unexpected end of input (truncated record?), expected ',' or '}'");
      } else {
        return fail(s, "invalid JSON: expected ',' or '}', got '%c'", *s->p);
      }
    }
    o->first = false;
    if (end) {
      s->p++;
      *idx = -1;
      if (o->seen == (1u << o->n_fields) - 1) return QB_OK; /* every field present */
      for (size_t i = 0; i < o->n_fields; i++)
        if (o->fields[i].required && !(o->seen & (1u << i))) {
          push_key(s, o->fields[i].name, o->fields[i].len);
          rc = fail(s, "missing required field");
          pop(s);
          return rc;
        }
      return QB_OK;
    }
    if (s->p >= s->end) return fail(s, "unexpected end of input (truncated record?), expected a field name");
    if (*s->p != '"') return fail(s, "invalid JSON: expected a field name, got '%c'", *s->p);
    qb_vqe_str key;
    int found = -1;
    if (o->guess < o->n_fields && key_is(s->p, s->end, &o->fields[o->guess])) {
      /* the name then its closing quote: the same key parse_string would give (names are plain ASCII) */
      found = (int)o->guess;
      key.p = (const char *)s->p + 1;
      key.n = o->fields[found].len;
      s->p += key.n + 2;
    } else {
      if ((rc = parse_string(s, &key))) return rc;
      for (size_t i = 0; i < o->n_fields; i++)
        if (o->fields[i].len == key.n && !memcmp(o->fields[i].name, key.p, key.n)) {
          found = (int)i;
          break;
        }
    }
    if ((rc = expect_char(s, ':', "':'"))) return rc;
    push_key(s, key.p, key.n);
    if (found < 0 && o->strict) {
      rc = fail(s, "unknown field (not in the VQEDecoratedResult schema; it would change experiment_id)");
      pop(s);
      return rc;
    }
    if (found < 0) {
      rc = skip_value(s, 1);
      pop(s);
      if (rc) return rc;
      continue;
    }
    if (o->seen & (1u << found)) {
      rc = fail(s, "duplicate field");
      pop(s);
      return rc;
    }
    o->seen |= 1u << found;
    o->guess = (size_t)found + 1;
    *idx = found;
    return QB_OK;
  }
}

/* obj_next for what the writers put: no blanks, the field expected next (not seen yet) or '}' after every
 * field; it changes nothing unless it decides, and hands everything else to obj_next_full. */
static int obj_next(ps *s, obj *o, int *idx)
{
  const uint8_t *p = s->p, *end = s->end;
  if (p >= end) return obj_next_full(s, o, idx);
  if (*p == '}' && o->seen == (1u << o->n_fields) - 1) {
    o->first = false;
    s->p = p + 1;
    *idx = -1;
    return QB_OK;
  }
  if (!o->first) {
    if (*p != ',') return obj_next_full(s, o, idx);
    p++;
  }
  size_t g = o->guess;
  if (g >= o->n_fields || p >= end || *p != '"' || !key_is(p, end, &o->fields[g])) return obj_next_full(s, o, idx);
  size_t n = o->fields[g].len;
  if ((size_t)(end - p) < n + 3 || p[n + 2] != ':' || (o->seen & (1u << g))) return obj_next_full(s, o, idx);
  o->first = false;
  push_key(s, (const char *)p + 1, n);
  s->p = p + n + 3;
  o->seen |= 1u << g;
  o->guess = g + 1;
  *idx = (int)g;
  return QB_OK;
}

/* Any JSON value, validated and dropped (members the schema does not know, outside the id's structs). */
static int skip_value(ps *s, int depth)
{
  int rc;
  bool more;
  ws(s);
  if (depth > MAX_SKIP_DEPTH) return fail(s, "JSON nested deeper than %d levels", MAX_SKIP_DEPTH);
  if (s->p >= s->end) return fail(s, "unexpected end of input (truncated record?)");
  switch (*s->p) {
  case '{':
    s->p++;
    ws(s);
    if (s->p < s->end && *s->p == '}') {
      s->p++;
      return QB_OK;
    }
    for (;;) {
      qb_vqe_str key;
      ws(s);
      if (s->p >= s->end) return fail(s, "unexpected end of input (truncated record?), expected a field name");
      if (*s->p != '"') return fail(s, "invalid JSON: expected a field name, got '%c'", *s->p);
      if ((rc = parse_string(s, &key))) return rc;
      if ((rc = expect_char(s, ':', "':'"))) return rc;
      if ((rc = skip_value(s, depth + 1))) return rc;
      ws(s);
      if (s->p < s->end && *s->p == ',') {
        s->p++;
        continue;
      }
      return expect_char(s, '}', "',' or '}'");
    }
  case '[':
    if ((rc = array_begin(s, "array", &more))) return rc;
    while (more) {
      if ((rc = skip_value(s, depth + 1))) return rc;
      if ((rc = array_after(s, &more))) return rc;
    }
    return QB_OK;
  case '"': {
    qb_vqe_str str;
    return parse_string(s, &str);
  }
  case 't': return literal(s, "true");
  case 'f': return literal(s, "false");
  case 'n': return literal(s, "null");
  default: {
    numtok t;
    return parse_number(s, &t);
  }
  }
}

/* ["null", T] and ["T", "null"]: bare null or value as goavro writes, or the Avro JSON encoding's
 * {"T": value} wrapper. */
typedef int (*reader_fn)(ps *s, void *dst);

static int read_nullable(ps *s, const char *branch, reader_fn fn, void *dst, bool *has)
{
  ws(s);
  *has = false;
  if (s->p < s->end && *s->p == 'n') return literal(s, "null");
  int rc;
  if (s->p < s->end && *s->p == '{') {
    qb_vqe_str key;
    s->p++;
    ws(s);
    if (s->p >= s->end || *s->p != '"') return fail(s, "expected %s or null, got object", branch);
    if ((rc = parse_string(s, &key))) return rc;
    if (key.n != strlen(branch) || memcmp(key.p, branch, key.n))
      return fail(s, "union branch \"%.*s\" is not in the schema (expected \"%s\" or null)", (int)key.n, key.p,
                  branch);
    if ((rc = expect_char(s, ':', "':'")) || (rc = fn(s, dst)) || (rc = expect_char(s, '}', "'}'"))) return rc;
    *has = true;
    return QB_OK;
  }
  if ((rc = fn(s, dst))) return rc;
  *has = true;
  return QB_OK;
}

static int rd_double(ps *s, void *d) { return read_double(s, d, 0); }

static int rd_int(ps *s, void *d) { return read_int(s, d); }
static int rd_bool(ps *s, void *d) { return read_bool(s, d); }
static int rd_string(ps *s, void *d) { return read_string(s, d); }
static int rd_masses(ps *s, void *d) { return read_doubles(s, d, QB_VQE_F_MASSES); }

/* A nullable double as the writers put a present one (a bare number) straight into read_double_fast;
 * null, the {"double": x} wrapper, blanks and errors through read_nullable. */
static int read_nullable_double(ps *s, double *dst, bool *has)
{
  if (read_double_fast(s, dst, 0)) {
    *has = true;
    return QB_OK;
  }
  return read_nullable(s, "double", rd_double, dst, has);
}

static int read_coefficients(ps *s, qb_vqe_term *t)
{
  static const field fields[] = {F("real", true), F("imaginary", true)};
  obj o = OBJ(fields, true);
  int rc = obj_begin(s, "object (coefficients)"), idx;
  while (!rc && !(rc = obj_next(s, &o, &idx)) && idx >= 0) {
    rc = idx == 0 ? read_double(s, &t->real, QB_VQE_F_COEFF_REAL)
                  : read_double(s, &t->imaginary, QB_VQE_F_COEFF_IMAG);
    pop(s);
  }
  return rc;
}

#define LIT_IS(p, end, lit) ((size_t)((end) - (p)) >= sizeof lit - 1 && bytes_are(p, lit, sizeof lit - 1))

/* A term as the writers put it, {"label":"...","coefficients":{"real":x,"imaginary":y}} with a plain label
 * and numbers read_double_fast takes, matched as one template: about a third of the work of the member by
 * member reading. Anything else returns false with the cursor and the field bits as they were (the term's
 * own fields are rewritten by the general reader). */
static inline __attribute__((always_inline)) bool read_term_fast(ps *s, qb_vqe_term *t)
{
  const uint8_t *start = s->p, *end = s->end;
  unsigned ff = s->float_fields, inf = s->int_fields;
  if (!LIT_IS(start, end, "{\"label\":\"")) return false;
  const uint8_t *lab = start + 10, *q = plain_run_end(lab, end);
  if (q >= end || *q != '"') return false;
  t->label.p = (const char *)lab;
  t->label.n = (size_t)(q - lab);
  t->label_plain = t->label.p; /* plain_run_end stops at '"', '\\', < 0x20 and >= 0x80 */
  s->p = ++q;
  if (!LIT_IS(q, end, ",\"coefficients\":{\"real\":")) goto undo;
  s->p = q + 24;
  numtok tok;
  if (!read_double_fast_tok(s, &t->real, QB_VQE_F_COEFF_REAL, &tok)) goto undo;
  /* the experiment-id text prints the real with Double.toString: keep the source text when it is that
   * text (most writers print the shortest round trip, which Java's digits usually are) */
  t->real_text = (const char *)tok.text;
  t->real_text_n = tok.plain && tok.e10 >= -19 && qb_java_double_text_is(t->real, tok.digits, (int)tok.e10)
                       ? (uint8_t)tok.len
                       : 0;
  q = s->p;
  /* the writers' imaginary part is the integer 0 (Hamiltonians are real): as read_double_fast reads it */
  if (LIT_IS(q, end, ",\"imaginary\":0}}")) {
    t->imaginary = 0.0;
    s->int_fields |= QB_VQE_F_COEFF_IMAG;
    s->p = q + 16;
    return true;
  }
  if (!LIT_IS(q, end, ",\"imaginary\":")) goto undo;
  s->p = q + 13;
  if (!read_double_fast(s, &t->imaginary, QB_VQE_F_COEFF_IMAG)) goto undo;
  q = s->p;
  if (end - q < 2 || q[0] != '}' || q[1] != '}') goto undo;
  s->p = q + 2;
  return true;
undo:
  s->p = start;
  s->float_fields = ff;
  s->int_fields = inf;
  return false;
}

static int read_term(ps *s, qb_vqe_term *t)
{
  static const field fields[] = {F("label", true), F("coefficients", true)};
  obj o = OBJ(fields, true);
  int rc = obj_begin(s, "object (HamiltonianTerm)"), idx;
  while (!rc && !(rc = obj_next(s, &o, &idx)) && idx >= 0) {
    rc = idx == 0 ? read_string(s, &t->label) : read_coefficients(s, t);
    pop(s);
  }
  return rc;
}

/* As read_doubles: the index entry stays on the path while a bare ',' follows a term, written for the
 * general reader only. */
static int read_hamiltonian(ps *s, qb_vqe_record *r)
{
  bool more;
  int rc = array_begin(s, "array of Hamiltonian terms", &more);
  qb_vqe_term *v = NULL;
  size_t n = 0, cap = 0;
  while (!rc && more) {
    push_idx(s, n);
    for (;;) {
      if (n == cap && (rc = grow(s, (void **)&v, &cap, n, sizeof *v))) {
        pop(s);
        return rc;
      }
      if (!read_term_fast(s, &v[n])) {
        set_idx(s, n);
        memset(&v[n], 0, sizeof v[n]);
        if ((rc = read_term(s, &v[n]))) break;
      }
      n++;
      if (s->p >= s->end || *s->p != ',') break;
      s->p++;
    }
    pop(s);
    if (rc) {
      n++;
      break;
    }
    rc = array_after(s, &more);
  }
  r->hamiltonian = v;
  r->n_hamiltonian = n;
  return rc;
}

static int read_initial_data(ps *s, qb_vqe_record *r)
{
  static const field fields[] = {
      F("backend", true),      F("num_qubits", true),    F("hamiltonian", true),   F("num_parameters", true),
      F("initial_parameters", true), F("optimizer", true), F("ansatz", true),      F("noise_backend", true),
      F("default_shots", false), F("ansatz_reps", true), F("init_strategy", false), F("seed", false),
      F("ansatz_name", false), F("exact_estimator", false)};
  obj o = OBJ(fields, true);
  int rc = obj_begin(s, "object (VQEInitialData)"), idx;
  while (!rc && !(rc = obj_next(s, &o, &idx)) && idx >= 0) {
    switch (idx) {
    case 0: rc = read_string(s, &r->backend); break;
    case 1: rc = read_int(s, &r->num_qubits); break;
    case 2: rc = read_hamiltonian(s, r); break;
    case 3: rc = read_int(s, &r->num_parameters); break;
    case 4: rc = read_doubles(s, &r->initial_parameters, QB_VQE_F_INITIAL_PARAMETERS); break;
    case 5: rc = read_string(s, &r->optimizer); break;
    case 6:
      if (!(rc = read_string(s, &r->ansatz)) && s->str_jackson) {
        r->ansatz_json.p = (const char *)s->str_raw;
        r->ansatz_json.n = s->str_raw_n;
        r->ansatz_json_of = r->ansatz;
      }
      break;
    case 7: rc = read_string(s, &r->noise_backend); break;
    case 8: rc = read_nullable(s, "int", rd_int, &r->default_shots, &r->has_default_shots); break;
    case 9: rc = read_int(s, &r->ansatz_reps); break;
    case 10: rc = read_nullable(s, "string", rd_string, &r->init_strategy, &r->has_init_strategy); break;
    case 11: rc = read_nullable(s, "int", rd_int, &r->seed, &r->has_seed); break;
    case 12: rc = read_nullable(s, "string", rd_string, &r->ansatz_name, &r->has_ansatz_name); break;
    default: /* a plain boolean added with a default: absent in old records, never null */
      rc = read_bool(s, &r->exact_estimator);
      r->has_exact_estimator = true;
    }
    pop(s);
  }
  return rc;
}

/* A nullable double as the writers put it: null (then a delimiter) or a number read_double_fast takes. */
static inline bool nullable_double_fast(ps *s, double *dst, bool *has)
{
  const uint8_t *p = s->p;
  if (LIT_IS(p, s->end, "null") && (s->end - p == 4 || is_delim_byte[p[4]])) {
    s->p = p + 4;
    *has = false;
    return true;
  }
  if (!read_double_fast(s, dst, 0)) return false;
  *has = true;
  return true;
}

/* An iteration as the writers write it, {"iteration":i,"parameters":[...],"result":x,"std":x,
 * "energy_delta":x,"parameter_delta_norm":x,"cumulative_min_energy":x} (the last three may be null),
 * matched as one template like a term. The parameters go through read_doubles with "parameters" on the
 * path, as the member-by-member reader has it, so its error stands (true, *rc set). Anything else returns
 * false with the cursor, the field bits and *it (zeroed by the caller) as they were. */
static bool read_iteration_fast(ps *s, qb_vqe_iteration *it, int *rc)
{
  const uint8_t *start = s->p, *end = s->end, *q = start;
  unsigned ff = s->float_fields, inf = s->int_fields;
  numtok t;
  *rc = QB_OK;
  if (!LIT_IS(q, end, "{\"iteration\":")) return false;
  s->p = q + 13;
  if (!parse_number_fast(s, &t) || !t.is_int || !t.int_fits || t.i < INT32_MIN || t.i > INT32_MAX) goto undo;
  it->iteration = (int32_t)t.i;
  q = s->p;
  if (!LIT_IS(q, end, ",\"parameters\":")) goto undo;
  s->p = q + 14;
  push_key(s, (const char *)q + 2, 10);
  *rc = read_doubles(s, &it->parameters, 0);
  pop(s);
  if (*rc) return true;
  q = s->p;
  if (!LIT_IS(q, end, ",\"result\":")) goto undo;
  s->p = q + 10;
  if (!read_double_fast(s, &it->result, 0)) goto undo;
  q = s->p;
  if (!LIT_IS(q, end, ",\"std\":")) goto undo;
  s->p = q + 7;
  if (!read_double_fast(s, &it->std, 0)) goto undo;
  q = s->p;
  if (!LIT_IS(q, end, ",\"energy_delta\":")) goto undo;
  s->p = q + 16;
  if (!nullable_double_fast(s, &it->energy_delta, &it->has_energy_delta)) goto undo;
  q = s->p;
  if (!LIT_IS(q, end, ",\"parameter_delta_norm\":")) goto undo;
  s->p = q + 24;
  if (!nullable_double_fast(s, &it->parameter_delta_norm, &it->has_parameter_delta_norm)) goto undo;
  q = s->p;
  if (!LIT_IS(q, end, ",\"cumulative_min_energy\":")) goto undo;
  s->p = q + 25;
  if (!nullable_double_fast(s, &it->cumulative_min_energy, &it->has_cumulative_min_energy)) goto undo;
  if (s->p >= end || *s->p != '}') goto undo;
  s->p++;
  return true;
undo:
  s->p = start;
  s->float_fields = ff;
  s->int_fields = inf;
  memset(it, 0, sizeof *it);
  return false;
}

static int read_iteration(ps *s, qb_vqe_iteration *it)
{
  int rc;
  if (read_iteration_fast(s, it, &rc)) return rc;
  static const field fields[] = {F("iteration", true),    F("parameters", true),
                                 F("result", true),       F("std", true),
                                 F("energy_delta", false), F("parameter_delta_norm", false),
                                 F("cumulative_min_energy", false)};
  obj o = OBJ(fields, false);
  int idx;
  rc = obj_begin(s, "object (VQEProcess)");
  while (!rc && !(rc = obj_next(s, &o, &idx)) && idx >= 0) {
    switch (idx) {
    case 0: rc = read_int(s, &it->iteration); break;
    case 1: rc = read_doubles(s, &it->parameters, 0); break;
    case 2: rc = read_double(s, &it->result, 0); break;
    case 3: rc = read_double(s, &it->std, 0); break;
    case 4: rc = read_nullable_double(s, &it->energy_delta, &it->has_energy_delta); break;
    case 5:
      rc = read_nullable_double(s, &it->parameter_delta_norm, &it->has_parameter_delta_norm);
      break;
    default:
      rc = read_nullable_double(s, &it->cumulative_min_energy, &it->has_cumulative_min_energy);
    }
    pop(s);
  }
  return rc;
}

static int read_iterations(ps *s, qb_vqe_record *r)
{
  bool more;
  int rc = array_begin(s, "array of iterations", &more);
  qb_vqe_iteration *v = NULL;
  size_t n = 0, cap = 0;
  while (!rc && more) {
    if ((rc = grow(s, (void **)&v, &cap, n, sizeof *v))) return rc;
    memset(&v[n], 0, sizeof v[n]);
    push_idx(s, n);
    rc = read_iteration(s, &v[n]);
    pop(s);
    n++;
    if (!rc) rc = array_after(s, &more);
  }
  if (!rc && n == 0) rc = fail(s, "empty iteration list: a VQE run without iterations is not accepted");
  r->iterations = v;
  r->n_iterations = n;
  return rc;
}

static int read_vqe_result(ps *s, qb_vqe_record *r)
{
  static const field fields[] = {F("initial_data", true),
                                 F("iteration_list", true),
                                 F("minimum", true),
                                 F("optimal_parameters", true),
                                 F("maxcv", false),
                                 F("minimization_time", true),
                                 F("nuclear_repulsion_energy", false),
                                 F("success", false),
                                 F("nfev", false),
                                 F("nit", false)};
  obj o = OBJ(fields, false);
  int rc = obj_begin(s, "object (VQEResult)"), idx;
  while (!rc && !(rc = obj_next(s, &o, &idx)) && idx >= 0) {
    switch (idx) {
    case 0: rc = read_initial_data(s, r); break;
    case 1: rc = read_iterations(s, r); break;
    case 2: rc = read_double(s, &r->minimum, 0); break;
    case 3: rc = read_doubles(s, &r->optimal_parameters, QB_VQE_F_OPTIMAL_PARAMETERS); break;
    case 4: rc = read_nullable_double(s, &r->maxcv, &r->has_maxcv); break;
    case 5: rc = read_double(s, &r->minimization_time, 0); break;
    case 6:
      rc = read_nullable_double(s, &r->nuclear_repulsion_energy, &r->has_nuclear_repulsion_energy);
      break;
    case 7: rc = read_nullable(s, "boolean", rd_bool, &r->success, &r->has_success); break;
    case 8: rc = read_nullable(s, "int", rd_int, &r->nfev, &r->has_nfev); break;
    default: rc = read_nullable(s, "int", rd_int, &r->nit, &r->has_nit);
    }
    pop(s);
  }
  return rc;
}

static int read_coords(ps *s, qb_vqe_record *r)
{
  bool more;
  int rc = array_begin(s, "array of arrays of numbers", &more);
  qb_vqe_doubles *v = NULL;
  size_t n = 0, cap = 0;
  while (!rc && more) {
    if ((rc = grow(s, (void **)&v, &cap, n, sizeof *v))) return rc;
    push_idx(s, n);
    rc = read_doubles(s, &v[n], QB_VQE_F_COORDS);
    pop(s);
    n++;
    if (!rc) rc = array_after(s, &more);
  }
  r->coords = v;
  r->n_coords = n;
  return rc;
}

static int read_molecule_data(ps *s, qb_vqe_record *r)
{
  static const field fields[] = {F("symbols", true), F("coords", true), F("multiplicity", true),
                                 F("charge", true),  F("units", true),  F("masses", false)};
  obj o = OBJ(fields, true);
  int rc = obj_begin(s, "object (MoleculeData)"), idx;
  while (!rc && !(rc = obj_next(s, &o, &idx)) && idx >= 0) {
    switch (idx) {
    case 0: rc = read_strings(s, &r->symbols, &r->n_symbols); break;
    case 1: rc = read_coords(s, r); break;
    case 2: rc = read_int(s, &r->multiplicity); break;
    case 3: rc = read_int(s, &r->charge); break;
    case 4: rc = read_string(s, &r->units); break;
    default: rc = read_nullable(s, "array", rd_masses, &r->masses, &r->has_masses);
    }
    pop(s);
  }
  return rc;
}

static int read_molecule(ps *s, qb_vqe_record *r)
{
  static const field fields[] = {F("molecule_data", true)};
  obj o = OBJ(fields, false);
  int rc = obj_begin(s, "object (MoleculeInfo)"), idx;
  while (!rc && !(rc = obj_next(s, &o, &idx)) && idx >= 0) {
    rc = read_molecule_data(s, r);
    pop(s);
  }
  return rc;
}

static int read_record(ps *s, qb_vqe_record *r)
{
  static const field fields[] = {F("vqe_result", true),      F("molecule", true),          F("basis_set", true),
                                 F("hamiltonian_time", true), F("mapping_time", true),      F("vqe_time", true),
                                 F("total_time", true),       F("molecule_id", true),       F("performance_start", false),
                                 F("performance_end", false)};
  obj o = OBJ(fields, false);
  int rc = obj_begin(s, "object (a VQEDecoratedResult record)"), idx;
  while (!rc && !(rc = obj_next(s, &o, &idx)) && idx >= 0) {
    switch (idx) {
    case 0: rc = read_vqe_result(s, r); break;
    case 1: rc = read_molecule(s, r); break;
    case 2: rc = read_string(s, &r->basis_set); break;
    case 3: rc = read_double(s, &r->hamiltonian_time, 0); break;
    case 4: rc = read_double(s, &r->mapping_time, 0); break;
    case 5: rc = read_double(s, &r->vqe_time, 0); break;
    case 6: rc = read_double(s, &r->total_time, 0); break;
    case 7: rc = read_int(s, &r->molecule_id); break;
    case 8:
      rc = read_nullable(s, "string", rd_string, &r->performance_start, &r->has_performance_start);
      break;
    default: rc = read_nullable(s, "string", rd_string, &r->performance_end, &r->has_performance_end);
    }
    pop(s);
  }
  return rc;
}

bool qb_vqe_utf8_valid(const char *p, size_t n)
{
  const uint8_t *q = (const uint8_t *)p, *end = q + n;
  while (q < end) {
    if (*q < 0x80) {
      q++;
      continue;
    }
    size_t k = utf8_len(q, end);
    if (!k) return false;
    q += k;
  }
  return true;
}

void qb_vqe_json_cursor_init(qb_vqe_json_cursor *c, const char *name, const void *p, size_t n)
{
  memset(c, 0, sizeof *c);
  c->name = name ? name : "(raw record)";
  c->p = p;
  c->n = n;
  c->line = 1;
  if (n >= 3 && !memcmp(p, "\xef\xbb\xbf", 3)) c->off = 3; /* a UTF-8 byte order mark, as Jackson skips it */
}

int qb_vqe_json_next(qb_vqe_record *out, bool *out_got, qb_vqe_json_cursor *c, qb_arena *a, qb_err *err)
{
  memset(out, 0, sizeof *out);
  *out_got = false;
  ps s = {.name = c->name, .p = c->p + c->off, .end = c->p + c->n, .line = c->line, .a = a, .err = err};
  ws(&s);
  if (s.p >= s.end) {
    c->off = c->n;
    c->line = s.line;
    return QB_OK;
  }
  int rc = read_record(&s, out);
  if (rc) {
    c->off = c->n; /* the file is rejected as a whole; do not resynchronise */
    return rc;
  }
  out->source = QB_VQE_SRC_JSON;
  out->float_fields = s.float_fields;
  out->int_fields = s.int_fields;
  c->off = (size_t)(s.p - c->p);
  c->line = s.line;
  c->n_records++;
  *out_got = true;
  return QB_OK;
}
