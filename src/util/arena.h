/* SPDX-License-Identifier: Apache-2.0 */
/* Per-operation bump allocator: everything parsed for one read or commit, freed at once.
 * -DQB_DEBUG_ARENA turns each allocation into its own malloc so ASan/valgrind see overruns. */
#ifndef QB_UTIL_ARENA_H
#define QB_UTIL_ARENA_H

#include <stddef.h>

typedef struct qb_arena_chunk qb_arena_chunk;
typedef struct qb_arena {
  qb_arena_chunk *head;
  size_t chunk_size;  /* default size of a new chunk */
  size_t total_bytes; /* bytes handed out (for limits and tests) */
} qb_arena;

void qb_arena_init(qb_arena *a, size_t chunk_size);
/** 16-byte aligned, NULL on ENOMEM. Memory is not zeroed. */
void *qb_arena_alloc(qb_arena *a, size_t n);
/** Zeroed; NULL on overflow of n*size or ENOMEM. */
void *qb_arena_calloc(qb_arena *a, size_t n, size_t size);
/** Grow p, the block of old_n bytes that qb_arena_alloc (or this function) returned last from `a`, to new_n
 * (>= old_n) bytes where it is, when the chunk holding it has the room: returns p, its first old_n bytes
 * unchanged. NULL when it cannot (p was not the last block, no room, or -DQB_DEBUG_ARENA): nothing changed,
 * the caller allocates a new block and copies. For arrays grown while they are parsed, which are nearly
 * always the last block: no copy of what was read so far. */
void *qb_arena_extend(qb_arena *a, void *p, size_t old_n, size_t new_n);
char *qb_arena_strdup(qb_arena *a, const char *s);
char *qb_arena_strndup(qb_arena *a, const char *s, size_t n);
void *qb_arena_memdup(qb_arena *a, const void *p, size_t n);
char *qb_arena_sprintf(qb_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Bytes of the chunks the arena holds (what it costs, free tails included; for bounds in tests). */
size_t qb_arena_reserved_bytes(const qb_arena *a);
/** Free every chunk; the arena may be reused after qb_arena_init. NULL-safe. */
void qb_arena_release(qb_arena *a);

#endif
