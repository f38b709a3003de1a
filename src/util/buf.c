/* SPDX-License-Identifier: Apache-2.0 */
/* Bounded growable buffer (see buf.h). */
#include "util/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void qb_buf_init(qb_buf *b, size_t max_bytes)
{
  b->p = NULL;
  b->n = b->cap = 0;
  b->max = max_bytes;
}

void qb_buf_free(qb_buf *b)
{
  if (!b) return;
  free(b->p);
  b->p = NULL;
  b->n = b->cap = 0;
}

void qb_buf_reset(qb_buf *b) { b->n = 0; }

/* The external definitions of the inline functions in buf.h (C11 6.7.4). */
extern inline int qb_buf_reserve(qb_buf *b, size_t extra, qb_err *err);
extern inline int qb_buf_append(qb_buf *b, const void *p, size_t n, qb_err *err);
extern inline int qb_buf_putc(qb_buf *b, uint8_t c, qb_err *err);

/* The capacity of `b` set to `cap` bytes (> n); on failure the buffer is freed, as every failed growth does. */
static int set_cap(qb_buf *b, size_t cap, qb_err *err)
{
  uint8_t *p = realloc(b->p, cap);
  if (!p) {
    qb_buf_free(b);
    return QB_FAIL(err, QB_ENOMEM, "out of memory growing a buffer to %zu bytes", cap);
  }
  b->p = p;
  b->cap = cap;
  return QB_OK;
}

int qb_buf__grow(qb_buf *b, size_t extra, qb_err *err)
{
  if (extra > b->max || b->n > b->max - extra) {
    size_t n = b->n;
    qb_buf_free(b);
    return QB_FAIL(err, QB_ELIMIT, "buffer limit of %zu bytes exceeded (have %zu, adding %zu)", b->max, n, extra);
  }
  size_t need = b->n + extra + 1; /* +1 keeps room for a NUL */
  if (need <= b->cap) return QB_OK;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < need) cap = cap > ((size_t)-1) / 2 ? need : cap * 2;
  return set_cap(b, cap, err);
}

int qb_buf_reserve_exact(qb_buf *b, size_t extra, qb_err *err)
{
  if (extra < b->cap - b->n && b->n + extra <= b->max) return QB_OK;
  if (extra > b->max || b->n > b->max - extra) return qb_buf__grow(b, extra, err); /* the limit error */
  size_t need = b->n + extra + 1;
  if (need < b->n) {
    qb_buf_free(b);
    return QB_FAIL(err, QB_ENOMEM, "out of memory growing a buffer past %zu bytes", (size_t)-1);
  }
  return set_cap(b, need, err);
}

int qb_buf_puts(qb_buf *b, const char *s, qb_err *err) { return qb_buf_append(b, s, strlen(s), err); }

int qb_buf_printf(qb_buf *b, qb_err *err, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) return QB_FAIL(err, QB_EINTERNAL, "bad format string");
  int rc = qb_buf_reserve(b, (size_t)n, err);
  if (rc) return rc;
  va_start(ap, fmt);
  vsnprintf((char *)b->p + b->n, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->n += (size_t)n;
  return QB_OK;
}

int qb_buf_cstr(qb_buf *b, qb_err *err)
{
  int rc = qb_buf_reserve(b, 0, err);
  if (rc) return rc;
  b->p[b->n] = '\0';
  return QB_OK;
}

uint8_t *qb_buf_detach(qb_buf *b, size_t *n_out)
{
  uint8_t *p = b->p;
  if (n_out) *n_out = b->n;
  b->p = NULL;
  b->n = b->cap = 0;
  return p;
}
