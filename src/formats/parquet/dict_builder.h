/* SPDX-License-Identifier: Apache-2.0 */
/* Writer-side dictionary of one column chunk: distinct values in first-seen order with a hash index,
 * giving the indices of RLE_DICTIONARY data pages and the values of the PLAIN dictionary page
 * (parquet-format Encodings.md "Dictionary Encoding"; formats.md §2.4). */
#ifndef QB_FORMATS_PARQUET_DICT_BUILDER_H
#define QB_FORMATS_PARQUET_DICT_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "qberg/err.h"
#include "util/buf.h"

/** Entries beyond this make the column fall back to PLAIN (indices are u32, dict page num_values i32). */
#define QB_PQ_DICT_MAX_ENTRIES ((uint32_t)1 << 30)

/**
 * Fixed-width values (INT32/FLOAT as 4 bytes, INT64/DOUBLE as 8, FLBA/INT96 as `width`) are keyed by
 * their bytes, so -0.0 and +0.0, and NaNs with different payloads, are distinct entries (values are
 * written back bit for bit). BYTE_ARRAY values (width 0) are keyed by their bytes.
 */
typedef struct qb_pq_dict {
  size_t width;        /* value width in bytes; 0 = BYTE_ARRAY */
  bool numeric;        /* 4/8-byte numbers (put_u32/put_u64), else keyed by bytes (put_bytes) */
  uint64_t *slots;     /* bytes-keyed hash index: 0 = empty, else tag << 32 | entry + 1, the tag being the
                        * hash's top 32 bits: a probe reads an entry's bytes only when the tag matches, so
                        * collisions and new values touch nothing but the slot array. The first slot is
                        * the hash's top log2(slots) bits, which the tag holds too: growing rehashes no
                        * bytes (tables stay at or below 2^32 slots) */
  uint64_t *nslots;    /* numeric hash index (slots stays NULL): 0 = empty, else tag << 32 | entry + 1, the
                        * tag (qb_pq_dict__tag) rejecting most non-matching slots without reading the value
                        * array (4-byte keys: the tag is the key, so no value read at all) */
  size_t mask;         /* slot count - 1 (power of two) */
  unsigned shift;      /* 64 - log2(slot count): numbers take their slot from a product's top bits */
  uint32_t n;          /* entries */
  qb_buf values;       /* fixed width: n * width bytes; BYTE_ARRAY: the bytes of all entries back to back */
  qb_buf ends;         /* BYTE_ARRAY: u64 end offset of each entry in `values` */
  size_t plain_bytes;  /* size of the PLAIN dictionary page these entries make */
  uint32_t last;       /* entry + 1 of the previous put, 0 = none: runs of one value (an experiment's
                        * id on each of its rows) skip hashing and probing */
  uint32_t *direct;    /* numbers, while every key is below QB_PQ_DICT_DIRECT_MAX (counts, indices, steps,
                        * sizes; nslots stays NULL): direct[key] = entry + 1, 0 = absent, for keys below
                        * dcap. A lookup is one load from an array of a few cache lines (the hash table
                        * spreads even 100 small keys over 100 lines of 8 KiB); the first larger key
                        * builds the hash table from the entries and frees it */
  uint32_t dcap;       /* direct's length (a power of two), 0 = none */
  /* entries and value bytes of the last dictionary reset while not empty: the next one (the column's
   * next chunk) is sized for as many at its first put, rather than grown by doubling (each growth a
   * rehash or a realloc copy) */
  uint32_t hint_n;
  size_t hint_bytes;
} qb_pq_dict;

/** Keys below this are looked up directly while a numeric dictionary holds no other (16 KiB at most). */
#define QB_PQ_DICT_DIRECT_MAX 4096u

/** `numeric`: the column is INT32/FLOAT (width 4) or INT64/DOUBLE (width 8) and uses put_u32/put_u64. */
void qb_pq_dict_init(qb_pq_dict *d, size_t width, bool numeric);
/** Forget every entry and release the memory; remember the size as the next dictionary's hint. */
void qb_pq_dict_reset(qb_pq_dict *d);
/** NULL-safe. */
void qb_pq_dict_free(qb_pq_dict *d);

/* The out-of-line part of qb_pq_dict_put_u32/u64: add a value the lookup did not find, at the empty slot
 * `s` its probe ended on (SIZE_MAX: no hash table, the dictionary is empty or direct). */
int qb_pq_dict__add_u32(qb_pq_dict *d, uint32_t bits, size_t s, uint32_t *out_idx, bool *out_new, qb_err *err);
int qb_pq_dict__add_u64(qb_pq_dict *d, uint64_t bits, size_t s, uint32_t *out_idx, bool *out_new, qb_err *err);

/* A number's first slot: one multiply (Fibonacci hashing), the product's top bits, which depend on every bit
 * of the key; 8-byte keys are folded first (doubles with short mantissas such as 12.25 differ in their high
 * word only, which alone reaches the top bits through few bits of the multiplier). */
static inline size_t qb_pq_dict__slot(const qb_pq_dict *d, uint64_t x)
{
  return (size_t)(((x ^ (x >> 32)) * 0x9E3779B97F4A7C15ULL) >> d->shift);
}

/* A number's slot tag: 4-byte keys whole, 8-byte keys folded. */
static inline uint32_t qb_pq_dict__tag(uint64_t x) { return (uint32_t)(x ^ (x >> 32)); }

/* The lookups inline (the column writer calls them per value): a small key by its direct slot, else the
 * previous value, then the probe; only a value to add leaves for the out-of-line part, at the empty slot
 * the probe ended on (SIZE_MAX: no hash table). Each path finds the one entry holding the value, and a new
 * value is entry n whichever path added it, so the indices do not depend on the path. */
#define QB_PQ_DICT_PUT_FIXED(T, ADD)                                                       \
  if (d->direct) {                                                                         \
    uint32_t de;                                                                           \
    if (bits < d->dcap && (de = d->direct[bits]) != 0) {                                   \
      *out_idx = de - 1;                                                                   \
      *out_new = false;                                                                    \
      return QB_OK;                                                                        \
    }                                                                                      \
    return ADD(d, bits, SIZE_MAX, out_idx, out_new, err);                                  \
  }                                                                                        \
  const T *vals = (const T *)(const void *)d->values.p;                                    \
  if (d->last && vals[d->last - 1] == bits) {                                              \
    *out_idx = d->last - 1;                                                                \
    *out_new = false;                                                                      \
    return QB_OK;                                                                          \
  }                                                                                        \
  size_t s = SIZE_MAX;                                                                     \
  if (d->nslots) {                                                                         \
    uint32_t tag = qb_pq_dict__tag(bits);                                                  \
    uint64_t v;                                                                            \
    for (s = qb_pq_dict__slot(d, bits); (v = d->nslots[s]) != 0; s = (s + 1) & d->mask) {   \
      uint32_t e = (uint32_t)v;                                                            \
      if ((uint32_t)(v >> 32) == tag && (sizeof(T) == 4 || vals[e - 1] == bits)) {         \
        d->last = e;                                                                       \
        *out_idx = e - 1;                                                                  \
        *out_new = false;                                                                  \
        return QB_OK;                                                                      \
      }                                                                                    \
    }                                                                                      \
  }                                                                                        \
  return ADD(d, bits, s, out_idx, out_new, err)

/**
 * Look up a value, adding it when absent.
 * @param out_idx  OUT: the value's entry index
 * @param out_new  OUT: true when the value was added by this call
 * @return QB_OK, QB_ENOMEM
 */
static inline int qb_pq_dict_put_u32(qb_pq_dict *d, uint32_t bits, uint32_t *out_idx, bool *out_new, qb_err *err)
{
  QB_PQ_DICT_PUT_FIXED(uint32_t, qb_pq_dict__add_u32);
}

static inline int qb_pq_dict_put_u64(qb_pq_dict *d, uint64_t bits, uint32_t *out_idx, bool *out_new, qb_err *err)
{
  QB_PQ_DICT_PUT_FIXED(uint64_t, qb_pq_dict__add_u64);
}

/* Equality of two n-byte strings without a libc call for short ones. The last word is compared first:
 * the pipeline's ids (an experiment's 64-character id and a suffix) share their head and differ at the
 * end, so most unequal neighbours are told apart by one load each. */
static inline bool qb_pq_bytes_eq(const uint8_t *a, const uint8_t *b, size_t n)
{
  if (n >= 8) {
    uint64_t x, y;
    memcpy(&x, a + n - 8, 8);
    memcpy(&y, b + n - 8, 8);
    if (x != y) return false;
    if (n > 16) return memcmp(a, b, n - 8) == 0;
    memcpy(&x, a, 8); /* 8..16 bytes: the head word overlaps the tail one */
    memcpy(&y, b, 8);
    return x == y;
  }
  if (n >= 4) {
    uint32_t x, y, u, v;
    memcpy(&x, a, 4);
    memcpy(&y, b, 4);
    memcpy(&u, a + n - 4, 4);
    memcpy(&v, b + n - 4, 4);
    return x == y && u == v;
  }
  for (size_t i = 0; i < n; i++)
    if (a[i] != b[i]) return false;
  return true;
}

/** FLBA/INT96 (n == width) and BYTE_ARRAY (width 0). */
int qb_pq_dict_put_bytes(qb_pq_dict *d, const uint8_t *p, size_t n, uint32_t *out_idx, bool *out_new,
                         qb_err *err);

/** Entry `i` of a BYTE_ARRAY dictionary (borrowed until the next put or reset). */
static inline const uint8_t *qb_pq_dict_bytes(const qb_pq_dict *d, uint32_t i, size_t *out_n)
{
  const uint64_t *ends = (const uint64_t *)(const void *)d->ends.p;
  uint64_t start = i ? ends[i - 1] : 0;
  *out_n = (size_t)(ends[i] - start);
  return d->values.p + start;
}

/** Entry `i` of a fixed-width dictionary. */
static inline const uint8_t *qb_pq_dict_fixed(const qb_pq_dict *d, uint32_t i) { return d->values.p + (size_t)i * d->width; }

#endif
