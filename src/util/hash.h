/* SPDX-License-Identifier: Apache-2.0 */
/* Open-addressing hash map from byte-string keys to pointers, and a set of 64-bit integers.
 * Keys are copied into the map; values are borrowed. Used for reachability sets, dictionaries, lookups. */
#ifndef QB_UTIL_HASH_H
#define QB_UTIL_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qberg/err.h"

static inline uint64_t qb_hash_u64(uint64_t x)
{
  /* splitmix64 finaliser: full avalanche for sequential ids */
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t qb_hash_bytes(const void *p, size_t n);

/* A hash of the same strength as qb_hash_bytes for in-memory tables, eight bytes at a time (FNV-1a costs ~6
 * instructions per byte): for keys of tens of bytes looked up often (paths, experiment ids). Not stable
 * across versions: never persist it. */
uint64_t qb_hash_words(const void *p, size_t n);

/* qb_hash_bytes in pieces, for keys that share a prefix (hash the prefix once, then each rest):
 * qb_hash_bytes(p, n) == qb_hash_bytes_final(qb_hash_bytes_update(QB_HASH_BYTES_INIT, p, n)), and
 * update(update(s, a, na), b, nb) == update(s, a + b, na + nb). */
#define QB_HASH_BYTES_INIT 0xcbf29ce484222325ULL
static inline uint64_t qb_hash_bytes_update(uint64_t state, const void *p, size_t n)
{
  /* FNV-1a: byte-serial, so any split gives the same state */
  const uint8_t *s = p;
  for (size_t i = 0; i < n; i++) {
    state ^= s[i];
    state *= 0x100000001b3ULL;
  }
  return state;
}
/* qb_hash_bytes_update over the first n (<= 8) bytes of x's little-endian form: bytes a caller built in a
 * register, hashed without storing and reloading them. */
static inline uint64_t qb_hash_bytes_update_le(uint64_t state, uint64_t x, size_t n)
{
  for (size_t i = 0; i < n; i++, x >>= 8) {
    state ^= x & 0xff;
    state *= 0x100000001b3ULL;
  }
  return state;
}
static inline uint64_t qb_hash_bytes_final(uint64_t state) { return qb_hash_u64(state); }

typedef struct qb_map_slot {
  char *key; /* NULL = empty; owned copy, NUL-terminated after key_len bytes */
  size_t key_len;
  uint64_t hash;
  void *value;
} qb_map_slot;

typedef struct qb_map {
  qb_map_slot *slots;
  size_t cap; /* power of two, 0 before first put */
  size_t count;
} qb_map;

void qb_map_init(qb_map *m);
void qb_map_free(qb_map *m);
/** Insert or replace. *out_existed (optional) says whether the key was there. */
int qb_map_put(qb_map *m, const void *key, size_t key_len, void *value, bool *out_existed, qb_err *err);
int qb_map_put_str(qb_map *m, const char *key, void *value, qb_err *err);
/** Pointer to the stored value slot or NULL; lets callers update in place. */
void **qb_map_get(const qb_map *m, const void *key, size_t key_len);
void *qb_map_get_str(const qb_map *m, const char *key);
bool qb_map_has_str(const qb_map *m, const char *key);
/** Iterate: for (size_t i = 0; i < m->cap; i++) if (m->slots[i].key) ... */

typedef struct qb_u64set {
  uint64_t *keys; /* 0 is stored out of band in has_zero */
  size_t cap, count;
  bool has_zero;
} qb_u64set;

void qb_u64set_init(qb_u64set *s);
void qb_u64set_free(qb_u64set *s);
int qb_u64set_add(qb_u64set *s, uint64_t v, qb_err *err);
bool qb_u64set_has(const qb_u64set *s, uint64_t v);

#endif
