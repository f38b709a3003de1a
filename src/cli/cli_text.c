/* SPDX-License-Identifier: Apache-2.0 */
/* Text forms the verbs share for showing values to a person. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The code point of the well-formed UTF-8 sequence at s[0..n) into *cp; returns its length, 0 when the bytes
 * there are not one (a stray continuation byte, a truncated, overlong or surrogate sequence, above U+10FFFF). */
static size_t utf8_decode(uint32_t *cp, const unsigned char *s, size_t n)
{
  size_t len = s[0] < 0x80 ? 1 : (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3 : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
  if (!len || len > n) return 0;
  uint32_t c = len == 1 ? s[0] : len == 2 ? s[0] & 0x1Fu : len == 3 ? s[0] & 0x0Fu : s[0] & 0x07u;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    c = (c << 6) | (s[i] & 0x3Fu);
  }
  static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (c < min[len] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
  *cp = c;
  return len;
}

/* Terminal columns of one code point: 0 for combining marks, zero-width characters and variation selectors,
 * 2 for East Asian wide and fullwidth characters and emoji, 1 otherwise (a table, not the locale's wcwidth:
 * the output must not depend on LC_CTYPE). */
static size_t cp_width(uint32_t c)
{
  static const uint32_t zero[][2] = {{0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x0610, 0x061A},
                                     {0x064B, 0x065F}, {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF}, {0x200B, 0x200F},
                                     {0x202A, 0x202E}, {0x2060, 0x2064}, {0x20D0, 0x20FF}, {0xFE00, 0xFE0F},
                                     {0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF}, {0xE0100, 0xE01EF}};
  static const uint32_t wide[][2] = {{0x1100, 0x115F}, {0x231A, 0x231B}, {0x2329, 0x232A}, {0x23E9, 0x23EC},
                                     {0x2614, 0x2615}, {0x2648, 0x2653}, {0x26AA, 0x26AB}, {0x26BD, 0x26BE},
                                     {0x26F5, 0x26F5}, {0x26FA, 0x26FA}, {0x2705, 0x2705}, {0x270A, 0x270B},
                                     {0x2728, 0x2728}, {0x274C, 0x274C}, {0x2753, 0x2757}, {0x2795, 0x2797},
                                     {0x2B1B, 0x2B1C}, {0x2B50, 0x2B50}, {0x2E80, 0x303E}, {0x3041, 0x33FF},
                                     {0x3400, 0x4DBF}, {0x4E00, 0x9FFF}, {0xA000, 0xA4CF}, {0xA960, 0xA97F},
                                     {0xAC00, 0xD7A3}, {0xF900, 0xFAFF}, {0xFE10, 0xFE19}, {0xFE30, 0xFE6F},
                                     {0xFF00, 0xFF60}, {0xFFE0, 0xFFE6}, {0x16FE0, 0x18AFF}, {0x1B000, 0x1B2FF},
                                     {0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF}, {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A},
                                     {0x1F200, 0x1F251}, {0x1F300, 0x1F64F}, {0x1F680, 0x1F6FF}, {0x1F7E0, 0x1F7EB},
                                     {0x1F90C, 0x1F9FF}, {0x1FA70, 0x1FAFF}, {0x20000, 0x3FFFD}};
  for (size_t i = 0; i < sizeof zero / sizeof zero[0]; i++)
    if (c >= zero[i][0] && c <= zero[i][1]) return 0;
  for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++)
    if (c >= wide[i][0] && c <= wide[i][1]) return 2;
  return 1;
}

size_t qb_cli_utf8_len(const char *s, size_t n)
{
  uint32_t cp;
  return n ? utf8_decode(&cp, (const unsigned char *)s, n) : 0;
}

char *qb_cli_text_escape(const char *s, size_t n)
{
  /* at most 6 bytes of output per input byte (\u0085 for the 2 bytes of a C1 control) */
  char *out = malloc(6 * n + 1), *o = out;
  if (!out) return NULL;
  const unsigned char *u = (const unsigned char *)s;
  static const char hex[] = "0123456789abcdef";
  for (size_t i = 0; i < n;) {
    uint32_t cp;
    size_t len = utf8_decode(&cp, u + i, n - i);
    if (!len) { /* not UTF-8: the byte in hex */
      *o++ = '\\', *o++ = 'x', *o++ = hex[u[i] >> 4], *o++ = hex[u[i] & 15];
      i++;
      continue;
    }
    const char *esc = cp == '\\' ? "\\\\" : cp == 0 ? "\\0" : cp == '\n' ? "\\n" : cp == '\t' ? "\\t" : cp == '\r' ? "\\r" : NULL;
    if (esc) {
      *o++ = esc[0], *o++ = esc[1];
    } else if (cp < 0x20 || cp == 0x7F) {
      *o++ = '\\', *o++ = 'x', *o++ = hex[cp >> 4], *o++ = hex[cp & 15];
    } else if (cp >= 0x80 && cp <= 0x9F) {
      *o++ = '\\', *o++ = 'u', *o++ = '0', *o++ = '0', *o++ = hex[cp >> 4], *o++ = hex[cp & 15];
    } else {
      memcpy(o, u + i, len);
      o += len;
    }
    i += len;
  }
  *o = '\0';
  return out;
}

size_t qb_cli_text_width(const char *s)
{
  size_t w = 0, n = strlen(s);
  const unsigned char *u = (const unsigned char *)s;
  for (size_t i = 0; i < n;) {
    uint32_t cp;
    size_t len = utf8_decode(&cp, u + i, n - i);
    w += len ? cp_width(cp) : 1;
    i += len ? len : 1;
  }
  return w;
}

char *qb_cli_text_fit(char *s, size_t max_cols)
{
  if (!s || max_cols == 0 || qb_cli_text_width(s) <= max_cols) return s;
  size_t w = 0, n = strlen(s), i = 0;
  const unsigned char *u = (const unsigned char *)s;
  while (i < n) {
    uint32_t cp;
    size_t len = utf8_decode(&cp, u + i, n - i), cw = len ? cp_width(cp) : 1;
    if (w + cw > max_cols - 1) break; /* one column left for the ellipsis */
    w += cw;
    i += len ? len : 1;
  }
  char *out = realloc(s, i + 4);
  if (!out) {
    free(s);
    return NULL;
  }
  memcpy(out + i, "\xE2\x80\xA6", 4); /* U+2026 and the terminating NUL */
  return out;
}

void qb_cli_put_text(const char *s, size_t pad)
{
  char *e = s ? qb_cli_text_escape(s, strlen(s)) : NULL;
  const char *shown = e ? e : s ? s : "";
  fputs(shown, stdout);
  for (size_t w = qb_cli_text_width(shown); w < pad; w++) putchar(' ');
  free(e);
}
