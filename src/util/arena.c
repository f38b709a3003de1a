/* SPDX-License-Identifier: Apache-2.0 */
/* Bump allocator in chunks (see arena.h). */
#include "util/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct qb_arena_chunk {
  qb_arena_chunk *next;
  size_t used, cap;
  _Alignas(16) unsigned char data[];
};

void qb_arena_init(qb_arena *a, size_t chunk_size)
{
  a->head = NULL;
  a->chunk_size = chunk_size ? chunk_size : 64 * 1024;
  a->total_bytes = 0;
}

void *qb_arena_alloc(qb_arena *a, size_t n)
{
  if (n == 0) n = 1;
  if (n > SIZE_MAX - 64) return NULL;
  size_t need = (n + 15) & ~(size_t)15;
#ifdef QB_DEBUG_ARENA
  qb_arena_chunk *c = malloc(sizeof *c + need);
  if (!c) return NULL;
  c->used = c->cap = need;
  c->next = a->head;
  a->head = c;
  a->total_bytes += n;
  return c->data;
#else
  qb_arena_chunk *c = a->head;
  if (!c || c->cap - c->used < need) {
    size_t cap = need > a->chunk_size ? need : a->chunk_size;
    qb_arena_chunk *nc = malloc(sizeof *nc + cap);
    if (!nc) return NULL;
    nc->used = 0;
    nc->cap = cap;
    if (c && need > a->chunk_size) {
      /* A big one-off goes behind the head so the head keeps its free space. */
      nc->next = c->next;
      c->next = nc;
      nc->used = need;
      a->total_bytes += n;
      return nc->data;
    }
    nc->next = c;
    a->head = c = nc;
  }
  void *p = c->data + c->used;
  c->used += need;
  a->total_bytes += n;
  return p;
#endif
}

void *qb_arena_extend(qb_arena *a, void *p, size_t old_n, size_t new_n)
{
#ifdef QB_DEBUG_ARENA
  (void)a, (void)p, (void)old_n, (void)new_n;
  return NULL; /* every block its own malloc: ASan keeps seeing the old block's bounds */
#else
  qb_arena_chunk *c = a->head;
  if (!c || !p || new_n < old_n || new_n > SIZE_MAX - 64) return NULL;
  size_t old_need = (old_n ? old_n + 15 : 16) & ~(size_t)15, need = (new_n + 15) & ~(size_t)15;
  /* p is the head chunk's last block: it ends where the chunk's used bytes end (alloc rounds to 16) */
  if (c->used < old_need || (unsigned char *)p != c->data + c->used - old_need) return NULL;
  size_t start = c->used - old_need;
  if (c->cap - start < need) return NULL;
  c->used = start + need;
  a->total_bytes += new_n - old_n;
  return p;
#endif
}

void *qb_arena_calloc(qb_arena *a, size_t n, size_t size)
{
  if (size && n > SIZE_MAX / size) return NULL;
  void *p = qb_arena_alloc(a, n * size);
  if (p) memset(p, 0, n * size);
  return p;
}

void *qb_arena_memdup(qb_arena *a, const void *p, size_t n)
{
  void *q = qb_arena_alloc(a, n);
  if (q && n) memcpy(q, p, n);
  return q;
}

char *qb_arena_strndup(qb_arena *a, const char *s, size_t n)
{
  char *q = qb_arena_alloc(a, n + 1);
  if (!q) return NULL;
  memcpy(q, s, n);
  q[n] = '\0';
  return q;
}

char *qb_arena_strdup(qb_arena *a, const char *s) { return s ? qb_arena_strndup(a, s, strlen(s)) : NULL; }

char *qb_arena_sprintf(qb_arena *a, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) return NULL;
  char *q = qb_arena_alloc(a, (size_t)n + 1);
  if (!q) return NULL;
  va_start(ap, fmt);
  vsnprintf(q, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return q;
}

size_t qb_arena_reserved_bytes(const qb_arena *a)
{
  size_t n = 0;
  for (const qb_arena_chunk *c = a->head; c; c = c->next) n += c->cap;
  return n;
}

void qb_arena_release(qb_arena *a)
{
  if (!a) return;
  qb_arena_chunk *c = a->head;
  while (c) {
    qb_arena_chunk *n = c->next;
    free(c);
    c = n;
  }
  a->head = NULL;
  a->total_bytes = 0;
}
