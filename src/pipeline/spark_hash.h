/* SPDX-License-Identifier: Apache-2.0 */
/* Spark SQL's hash() (Murmur3 x86_32, seed 42, Spark's byte-at-a-time tail), Java's `%` and pmod, and
 * sha2(…, 256) — the functions the pipeline's ids are made of (pipeline-spec §6.1, §6.2, §3). */
#ifndef QB_PIPELINE_SPARK_HASH_H
#define QB_PIPELINE_SPARK_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qberg/err.h"

#define QB_SPARK_HASH_SEED 42

/* Murmur3_x86_32.hashUnsafeBytes: full 4-byte blocks little-endian, then EACH remaining byte
 * sign-extended and mixed as its own block, then fmix with the byte length. */
int32_t qb_spark_hash_bytes(const void *p, size_t n, int32_t seed);
int32_t qb_spark_hash_int(int32_t v, int32_t seed);
/* low word then high word, fmix with length 8 */
int32_t qb_spark_hash_long(int64_t v, int32_t seed);
/* -0.0 hashes as 0.0 and every NaN as the canonical NaN (doubleToLongBits), then as a long */
int32_t qb_spark_hash_double(double v, int32_t seed);
int32_t qb_spark_hash_bool(bool v, int32_t seed);

/* Incremental hashing of one string value given in pieces (e.g. concat(experiment_id, value)):
 * the result equals qb_spark_hash_bytes of the concatenation. A state may be copied to fork it. */
typedef struct qb_spark_murmur {
  uint32_t h;
  uint32_t len;     /* bytes hashed so far (Spark's length is an int) */
  uint8_t carry[4]; /* bytes of an incomplete block */
  uint32_t n_carry;
} qb_spark_murmur;

void qb_spark_murmur_init(qb_spark_murmur *m, int32_t seed);
void qb_spark_murmur_update(qb_spark_murmur *m, const void *p, size_t n);
int32_t qb_spark_murmur_final(const qb_spark_murmur *m);
/* qb_spark_murmur_final of m updated with p (m unchanged): one call per value hashed after a shared
 * prefix (the row ids' buckets), without copying the state. */
int32_t qb_spark_murmur_final_with(const qb_spark_murmur *m, const void *p, size_t n);

/* hash(c1, …, cn): the running hash seeds the next column and NULL columns are skipped, so the hash of
 * a row of nulls (or of concat(…, NULL)) is the seed, 42. */
typedef struct qb_spark_row_hash {
  int32_t h;
} qb_spark_row_hash;

static inline void qb_spark_row_hash_init(qb_spark_row_hash *r) { r->h = QB_SPARK_HASH_SEED; }
static inline void qb_spark_row_hash_str(qb_spark_row_hash *r, const void *p, size_t n)
{
  if (p) r->h = qb_spark_hash_bytes(p, n, r->h);
}
static inline void qb_spark_row_hash_long(qb_spark_row_hash *r, int64_t v) { r->h = qb_spark_hash_long(v, r->h); }
static inline void qb_spark_row_hash_int(qb_spark_row_hash *r, int32_t v) { r->h = qb_spark_hash_int(v, r->h); }
static inline void qb_spark_row_hash_double(qb_spark_row_hash *r, double v) { r->h = qb_spark_hash_double(v, r->h); }

/* Java int `%`: truncated, the sign of the dividend (C99 `%` is the same, except INT32_MIN % -1). */
static inline int32_t qb_java_rem(int32_t a, int32_t b) { return b == -1 ? 0 : a % b; }
/* Spark pmod(a, n): the non-negative remainder for n > 0. */
static inline int32_t qb_spark_pmod(int32_t a, int32_t n)
{
  int32_t r = qb_java_rem(a, n);
  return (r < 0 && n > 0) ? r + n : r;
}

/* sha2(text, 256): 64 lowercase hex digits + NUL. */
int qb_spark_sha2_256(char out[65], const void *p, size_t n, qb_err *err);

#endif
