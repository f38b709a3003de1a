/* SPDX-License-Identifier: Apache-2.0 */
/* Writer-side column-chunk dictionary: open addressing over entry indices (see dict_builder.h). */
#include "formats/parquet/dict_builder.h"

#include <stdlib.h>
#include <string.h>

#define MIN_SLOTS 1024

/* Two lanes of 8 bytes each per step: the multiply chains of the lanes overlap, so an 80-byte id waits for
 * five dependent multiplies rather than ten. Only lookups depend on the hash (entry order does not), so
 * it may change without changing a file. */
static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
  uint64_t h = 0x243F6A8885A308D3ULL ^ ((uint64_t)n * 0x9E3779B97F4A7C15ULL), g = 0x13198A2E03707344ULL;
  while (n >= 16) {
    uint64_t k, j;
    memcpy(&k, p, 8);
    memcpy(&j, p + 8, 8);
    h = (h ^ k) * 0xBF58476D1CE4E5B9ULL;
    g = (g ^ j) * 0x94D049BB133111EBULL;
    h ^= h >> 31;
    g ^= g >> 29;
    p += 16;
    n -= 16;
  }
  if (n >= 8) {
    uint64_t k;
    memcpy(&k, p, 8);
    h = (h ^ k) * 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 31;
    p += 8;
    n -= 8;
  }
  uint64_t k = 0;
  memcpy(&k, p, n);
  h = (h ^ k ^ (g * 0x9E3779B97F4A7C15ULL)) * 0x94D049BB133111EBULL;
  return h ^ (h >> 32);
}

/* qb_buf_append with the capacity test inline: this runs for every new entry. */
static inline int app(qb_buf *b, const void *p, size_t n, qb_err *err)
{
  if (b->cap - b->n <= n) {
    int rc = qb_buf_reserve(b, n, err);
    if (rc) return rc;
  }
  if (n) memcpy(b->p + b->n, p, n);
  b->n += n;
  return QB_OK;
}

void qb_pq_dict_init(qb_pq_dict *d, size_t width, bool numeric)
{
  memset(d, 0, sizeof *d);
  d->width = width;
  d->numeric = numeric;
  qb_buf_init(&d->values, QB_BUF_NOLIMIT);
  qb_buf_init(&d->ends, QB_BUF_NOLIMIT);
}

void qb_pq_dict_reset(qb_pq_dict *d)
{
  /* Release the memory (called per row group and on fallback to PLAIN): a writer with many columns or
   * many open files would otherwise keep every dictionary's peak size. */
  size_t width = d->width, hint_bytes = d->n ? d->values.n : d->hint_bytes;
  bool numeric = d->numeric;
  uint32_t hint_n = d->n ? d->n : d->hint_n;
  qb_pq_dict_free(d);
  qb_pq_dict_init(d, width, numeric);
  d->hint_n = hint_n;
  d->hint_bytes = hint_bytes;
}

void qb_pq_dict_free(qb_pq_dict *d)
{
  if (!d) return;
  free(d->slots);
  free(d->nslots);
  free(d->direct);
  qb_buf_free(&d->values);
  qb_buf_free(&d->ends);
  d->slots = NULL;
  d->nslots = NULL;
  d->direct = NULL;
  d->dcap = 0;
  d->mask = 0;
  d->n = 0;
  d->last = 0;
}

/* A bytes-keyed slot: the hash's top 32 bits as the tag, the entry + 1 below. */
static inline uint64_t bytes_slot(uint64_t h, uint32_t e1) { return (h >> 32) << 32 | e1; }

/* The first table and value buffers, sized for the hint (the previous chunk's dictionary). */
static int first_alloc(qb_pq_dict *d, size_t *out_cap, qb_err *err)
{
  /* bytes-keyed slots are 8 bytes like the numbers' (tag and entry): half as many make the same 4 KiB
   * first table as the 4-byte slots before them */
  size_t cap = d->numeric ? MIN_SLOTS : MIN_SLOTS / 2;
  /* the entries a direct dictionary already holds too */
  while (cap / 2 < (size_t)(d->hint_n > d->n ? d->hint_n : d->n) + 1) cap *= 2;
  *out_cap = cap;
  if (!d->hint_n || d->values.cap) return QB_OK;
  int rc = qb_buf_reserve(&d->values, d->hint_bytes, err);
  if (!rc && d->width == 0) rc = qb_buf_reserve(&d->ends, (size_t)d->hint_n * 8, err);
  return rc;
}

/* Keep the load factor at or below 1/2 so probe sequences stay short. The table grows fourfold: a chunk's
 * dictionary of distinct values (measurements, ids) is rehashed a third as often as by doubling. */
static int grow(qb_pq_dict *d, qb_err *err)
{
  size_t cap = (d->mask + 1) * 4;
  int rc;
  if (!(d->numeric ? (void *)d->nslots : (void *)d->slots) && (rc = first_alloc(d, &cap, err)) != QB_OK) return rc;
  size_t mask = cap - 1;
  unsigned shift = 64;
  while (((size_t)1 << (64 - shift)) < cap) shift--;
  if (d->numeric) {
    uint64_t *ns = calloc(cap, sizeof *ns);
    if (!ns) return QB_FAIL(err, QB_ENOMEM, "dictionary: out of memory for %zu slots", cap);
    free(d->nslots);
    d->nslots = ns;
    d->mask = mask;
    d->shift = shift;
    for (uint32_t i = 0; i < d->n; i++) {
      const uint8_t *p = qb_pq_dict_fixed(d, i);
      uint64_t key = 0;
      if (d->width == 4) {
        uint32_t b;
        memcpy(&b, p, 4);
        key = b;
      } else {
        memcpy(&key, p, 8);
      }
      size_t s = qb_pq_dict__slot(d, key);
      while (ns[s]) s = (s + 1) & mask;
      ns[s] = (uint64_t)qb_pq_dict__tag(key) << 32 | (i + 1);
    }
    return QB_OK;
  }
  uint64_t *slots = calloc(cap, sizeof *slots);
  if (!slots) return QB_FAIL(err, QB_ENOMEM, "dictionary: out of memory for %zu slots", cap);
  /* the old slots' tags are their hashes' top 32 bits, all a first slot needs (cap <= 2^32) */
  uint64_t *old = d->slots;
  size_t old_cap = old ? d->mask + 1 : 0;
  for (size_t i = 0; i < old_cap; i++) {
    uint64_t v = old[i];
    if (!v) continue;
    size_t s = (size_t)(((v >> 32) << 32) >> shift);
    while (slots[s]) s = (s + 1) & mask;
    slots[s] = v;
  }
  free(old);
  d->slots = slots;
  d->mask = mask;
  d->shift = shift;
  return QB_OK;
}

/* A direct dictionary (see qb_pq_dict.direct; also the first entry of an empty one): add `key` (below
 * QB_PQ_DICT_DIRECT_MAX), growing the array to a power of two past it. */
static int add_direct(qb_pq_dict *d, const void *bits, size_t width, uint64_t key, uint32_t *out_idx, bool *out_new,
                      qb_err *err)
{
  int rc;
  if (key >= d->dcap) {
    uint32_t cap = d->dcap ? d->dcap : 64;
    while (cap <= key) cap *= 2;
    uint32_t *dir = realloc(d->direct, (size_t)cap * sizeof *dir);
    if (!dir) return QB_FAIL(err, QB_ENOMEM, "dictionary: out of memory for %u direct slots", cap);
    memset(dir + d->dcap, 0, (size_t)(cap - d->dcap) * sizeof *dir);
    d->direct = dir;
    d->dcap = cap;
  }
  if (!d->values.cap && d->hint_n && (rc = qb_buf_reserve(&d->values, d->hint_bytes, err)) != QB_OK) return rc;
  if ((rc = app(&d->values, bits, width, err)) != QB_OK) return rc;
  d->last = ++d->n;
  d->direct[key] = d->n;
  d->plain_bytes += width;
  *out_idx = d->n - 1;
  *out_new = true;
  return QB_OK;
}

/* The lookup missed (qb_pq_dict_put_u32/u64, inline): add the value at empty slot `s`, or after the table
 * is made or grown (s == SIZE_MAX or the load factor would pass 1/2). */
static inline int add_fixed(qb_pq_dict *d, const void *bits, size_t width, size_t s, uint64_t key, uint32_t *out_idx,
                            bool *out_new, qb_err *err)
{
  int rc;
  if (!d->nslots) { /* empty or direct */
    if (key < QB_PQ_DICT_DIRECT_MAX) return add_direct(d, bits, width, key, out_idx, out_new, err);
    /* the first key out of direct range: the hash table from here on (grow indexes the entries so far) */
    free(d->direct);
    d->direct = NULL;
    d->dcap = 0;
    s = SIZE_MAX;
  }
  if (s == SIZE_MAX || (size_t)d->n + 1 > (d->mask + 1) / 2) {
    if ((rc = grow(d, err)) != QB_OK) return rc;
    for (s = qb_pq_dict__slot(d, key); d->nslots[s];) s = (s + 1) & d->mask;
  }
  if ((rc = app(&d->values, bits, width, err)) != QB_OK) return rc;
  d->last = ++d->n;
  d->nslots[s] = (uint64_t)qb_pq_dict__tag(key) << 32 | d->n;
  d->plain_bytes += width;
  *out_idx = d->n - 1;
  *out_new = true;
  return QB_OK;
}

int qb_pq_dict__add_u32(qb_pq_dict *d, uint32_t bits, size_t s, uint32_t *out_idx, bool *out_new, qb_err *err)
{
  return add_fixed(d, &bits, 4, s, bits, out_idx, out_new, err);
}

int qb_pq_dict__add_u64(qb_pq_dict *d, uint64_t bits, size_t s, uint32_t *out_idx, bool *out_new, qb_err *err)
{
  return add_fixed(d, &bits, 8, s, bits, out_idx, out_new, err);
}

int qb_pq_dict_put_bytes(qb_pq_dict *d, const uint8_t *p, size_t n, uint32_t *out_idx, bool *out_new,
                         qb_err *err)
{
  int rc;
  if (d->last) {
    size_t ln = d->width;
    const uint8_t *lv = d->width ? qb_pq_dict_fixed(d, d->last - 1) : qb_pq_dict_bytes(d, d->last - 1, &ln);
    if (ln == n && qb_pq_bytes_eq(lv, p, n)) {
      *out_idx = d->last - 1;
      *out_new = false;
      return QB_OK;
    }
  }
  if (!d->slots && (rc = grow(d, err)) != QB_OK) return rc;
  uint64_t h = hash_bytes(p, n), tag = h >> 32;
  size_t s = (size_t)(h >> d->shift);
  for (uint64_t v; (v = d->slots[s]) != 0; s = (s + 1) & d->mask) {
    if (v >> 32 != tag) continue; /* another hash: its entry's bytes are not read */
    uint32_t e = (uint32_t)v;
    size_t en = d->width;
    const uint8_t *ev = d->width ? qb_pq_dict_fixed(d, e - 1) : qb_pq_dict_bytes(d, e - 1, &en);
    if (en == n && qb_pq_bytes_eq(ev, p, n)) {
      d->last = e;
      *out_idx = e - 1;
      *out_new = false;
      return QB_OK;
    }
  }
  if ((size_t)d->n + 1 > (d->mask + 1) / 2) {
    if ((rc = grow(d, err)) != QB_OK) return rc;
    for (s = (size_t)(h >> d->shift); d->slots[s];) s = (s + 1) & d->mask;
  }
  if ((rc = app(&d->values, p, n, err)) != QB_OK) return rc;
  if (d->width == 0) {
    uint64_t end = d->values.n;
    if ((rc = app(&d->ends, &end, 8, err)) != QB_OK) return rc;
    d->plain_bytes += 4 + n;
  } else {
    d->plain_bytes += n;
  }
  d->last = ++d->n;
  d->slots[s] = bytes_slot(h, d->n);
  *out_idx = d->n - 1;
  *out_new = true;
  return QB_OK;
}
