/* SPDX-License-Identifier: Apache-2.0 */
/* Linear-probing hash map and 64-bit set (see hash.h). Load factor kept below 0.7. */
#include "util/hash.h"

#include <stdlib.h>
#include <string.h>

uint64_t qb_hash_bytes(const void *p, size_t n)
{
  /* FNV-1a then a splitmix finaliser: simple, good enough for keys of paths and names */
  return qb_hash_bytes_final(qb_hash_bytes_update(QB_HASH_BYTES_INIT, p, n));
}

uint64_t qb_hash_words(const void *p, size_t n)
{
  const uint8_t *b = p;
  uint64_t h = 0x9e3779b97f4a7c15ULL ^ n, w;
  for (; n >= 8; b += 8, n -= 8) {
    memcpy(&w, b, 8);
    h = (h ^ w) * 0xff51afd7ed558ccdULL;
    h ^= h >> 32;
  }
  w = 0;
  memcpy(&w, b, n);
  return qb_hash_u64(h ^ w);
}

void qb_map_init(qb_map *m) { memset(m, 0, sizeof *m); }

void qb_map_free(qb_map *m)
{
  if (!m) return;
  for (size_t i = 0; i < m->cap; i++) free(m->slots[i].key);
  free(m->slots);
  memset(m, 0, sizeof *m);
}

static size_t find_slot(const qb_map_slot *slots, size_t cap, const void *key, size_t len, uint64_t h)
{
  size_t i = (size_t)h & (cap - 1);
  for (;;) {
    const qb_map_slot *s = &slots[i];
    if (!s->key) return i;
    if (s->hash == h && s->key_len == len && memcmp(s->key, key, len) == 0) return i;
    i = (i + 1) & (cap - 1);
  }
}

static int grow(qb_map *m, qb_err *err)
{
  size_t ncap = m->cap ? m->cap * 2 : 16;
  qb_map_slot *ns = calloc(ncap, sizeof *ns);
  if (!ns) return QB_FAIL(err, QB_ENOMEM, "out of memory growing a hash map to %zu slots", ncap);
  for (size_t i = 0; i < m->cap; i++) {
    qb_map_slot *s = &m->slots[i];
    if (!s->key) continue;
    ns[find_slot(ns, ncap, s->key, s->key_len, s->hash)] = *s;
  }
  free(m->slots);
  m->slots = ns;
  m->cap = ncap;
  return QB_OK;
}

int qb_map_put(qb_map *m, const void *key, size_t key_len, void *value, bool *out_existed, qb_err *err)
{
  if ((m->count + 1) * 10 > m->cap * 7) {
    int rc = grow(m, err);
    if (rc) return rc;
  }
  uint64_t h = qb_hash_bytes(key, key_len);
  qb_map_slot *s = &m->slots[find_slot(m->slots, m->cap, key, key_len, h)];
  if (out_existed) *out_existed = s->key != NULL;
  if (!s->key) {
    char *k = malloc(key_len + 1);
    if (!k) return QB_FAIL(err, QB_ENOMEM, "out of memory copying a hash key");
    memcpy(k, key, key_len);
    k[key_len] = '\0';
    s->key = k;
    s->key_len = key_len;
    s->hash = h;
    m->count++;
  }
  s->value = value;
  return QB_OK;
}

int qb_map_put_str(qb_map *m, const char *key, void *value, qb_err *err)
{
  return qb_map_put(m, key, strlen(key), value, NULL, err);
}

void **qb_map_get(const qb_map *m, const void *key, size_t key_len)
{
  if (!m->cap) return NULL;
  qb_map_slot *s = &m->slots[find_slot(m->slots, m->cap, key, key_len, qb_hash_bytes(key, key_len))];
  return s->key ? &s->value : NULL;
}

void *qb_map_get_str(const qb_map *m, const char *key)
{
  void **v = qb_map_get(m, key, strlen(key));
  return v ? *v : NULL;
}

bool qb_map_has_str(const qb_map *m, const char *key) { return qb_map_get(m, key, strlen(key)) != NULL; }

void qb_u64set_init(qb_u64set *s) { memset(s, 0, sizeof *s); }

void qb_u64set_free(qb_u64set *s)
{
  if (!s) return;
  free(s->keys);
  memset(s, 0, sizeof *s);
}

static size_t u64_slot(const uint64_t *keys, size_t cap, uint64_t v)
{
  size_t i = (size_t)qb_hash_u64(v) & (cap - 1);
  while (keys[i] && keys[i] != v) i = (i + 1) & (cap - 1);
  return i;
}

int qb_u64set_add(qb_u64set *s, uint64_t v, qb_err *err)
{
  if (v == 0) {
    if (!s->has_zero) s->count++;
    s->has_zero = true;
    return QB_OK;
  }
  if ((s->count + 1) * 10 > s->cap * 7) {
    size_t ncap = s->cap ? s->cap * 2 : 64;
    uint64_t *nk = calloc(ncap, sizeof *nk);
    if (!nk) return QB_FAIL(err, QB_ENOMEM, "out of memory growing a set to %zu slots", ncap);
    for (size_t i = 0; i < s->cap; i++)
      if (s->keys[i]) nk[u64_slot(nk, ncap, s->keys[i])] = s->keys[i];
    free(s->keys);
    s->keys = nk;
    s->cap = ncap;
  }
  size_t i = u64_slot(s->keys, s->cap, v);
  if (!s->keys[i]) {
    s->keys[i] = v;
    s->count++;
  }
  return QB_OK;
}

bool qb_u64set_has(const qb_u64set *s, uint64_t v)
{
  if (v == 0) return s->has_zero;
  if (!s->cap) return false;
  return s->keys[u64_slot(s->keys, s->cap, v)] == v;
}
