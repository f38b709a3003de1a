/* SPDX-License-Identifier: Apache-2.0 */
/* Growable byte buffer with a hard cap chosen per use (curl's dynbuf idea).
 * A failed append frees the buffer and returns QB_ENOMEM or QB_ELIMIT; callers then only qb_buf_free. */
#ifndef QB_UTIL_BUF_H
#define QB_UTIL_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "qberg/err.h"

typedef struct qb_buf {
  uint8_t *p;
  size_t n;   /* bytes used */
  size_t cap; /* bytes allocated */
  size_t max; /* hard cap on n */
} qb_buf;

#define QB_BUF_NOLIMIT ((size_t)-1)

void qb_buf_init(qb_buf *b, size_t max_bytes);
void qb_buf_free(qb_buf *b);
/** Drop the contents, keep the allocation. */
void qb_buf_reset(qb_buf *b);
/* The growth path of qb_buf_reserve (the limit test, realloc); callers use qb_buf_reserve. */
int qb_buf__grow(qb_buf *b, size_t extra, qb_err *err);

/** Like qb_buf_reserve, but a growth allocates exactly n + extra + 1 bytes (no doubling): for callers that
 * know the final size, where rounding up to a power of two would hold up to twice the memory. */
int qb_buf_reserve_exact(qb_buf *b, size_t extra, qb_err *err);

/* qb_buf_reserve, qb_buf_append and qb_buf_putc are C99 inline definitions (buf.c emits the external
 * ones): most calls fit the capacity already (the Thrift and Avro writers append one to ten bytes at a
 * time, hundreds of thousands of times per ingest), and a call plus the limit arithmetic cost more than the
 * copy. The test here is the one qb_buf__grow would pass without growing: room for extra + 1 (the NUL
 * qb_buf_cstr may add) and n + extra within the hard cap. */

/** Make room for `extra` more bytes; QB_OK, QB_ENOMEM or QB_ELIMIT (err may be NULL). */
inline int qb_buf_reserve(qb_buf *b, size_t extra, qb_err *err)
{
  if (extra < b->cap - b->n && b->n + extra <= b->max) return QB_OK;
  return qb_buf__grow(b, extra, err);
}

inline int qb_buf_append(qb_buf *b, const void *p, size_t n, qb_err *err)
{
  if (!(n < b->cap - b->n && b->n + n <= b->max)) {
    int rc = qb_buf__grow(b, n, err);
    if (rc) return rc;
  }
  if (n) memcpy(b->p + b->n, p, n);
  b->n += n;
  return QB_OK;
}

inline int qb_buf_putc(qb_buf *b, uint8_t c, qb_err *err)
{
  if (!(1 < b->cap - b->n && b->n + 1 <= b->max)) {
    int rc = qb_buf__grow(b, 1, err);
    if (rc) return rc;
  }
  b->p[b->n++] = c;
  return QB_OK;
}
int qb_buf_puts(qb_buf *b, const char *s, qb_err *err);
int qb_buf_printf(qb_buf *b, qb_err *err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/** Keep the buffer NUL-terminated without counting the NUL in n (for text). */
int qb_buf_cstr(qb_buf *b, qb_err *err);
/** Hand the bytes to the caller (free() them); the buffer is left empty. */
uint8_t *qb_buf_detach(qb_buf *b, size_t *n_out);

/* Little-endian fixed-width helpers used by every binary format. */
static inline uint32_t qb_le32(const uint8_t *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t qb_le64(const uint8_t *p) { return (uint64_t)qb_le32(p) | (uint64_t)qb_le32(p + 4) << 32; }
static inline void qb_put_le32(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}
static inline void qb_put_le64(uint8_t *p, uint64_t v)
{
  qb_put_le32(p, (uint32_t)v);
  qb_put_le32(p + 4, (uint32_t)(v >> 32));
}
static inline uint32_t qb_be32(const uint8_t *p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}
static inline void qb_put_be32(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

#endif
