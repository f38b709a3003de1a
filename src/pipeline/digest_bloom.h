/* SPDX-License-Identifier: Apache-2.0 */
/* A Bloom filter over 64-bit digests, and its file format, for the experiment index (docs/PIPELINE.md
 * "De-duplication"): a batch of new experiments learns that none is stored without loading the index. */
#ifndef QB_PIPELINE_DIGEST_BLOOM_H
#define QB_PIPELINE_DIGEST_BLOOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qberg/err.h"

typedef struct qb_bloom {
  uint8_t *bits;
  uint64_t m; /* bits, a power of two */
  unsigned k; /* probes per digest */
  uint64_t n; /* digests added (with repeats) */
} qb_bloom;

/* At most one digest per QB_BLOOM_BITS_PER_ENTRY bits: with 16 probes, a false positive rate below 4e-7. */
#define QB_BLOOM_BITS_PER_ENTRY 32
#define QB_BLOOM_MAX_BYTES ((size_t)1 << 30)

/** An empty filter for at least `capacity` digests. */
int qb_bloom_init(qb_bloom *b, uint64_t capacity, qb_err *err);
void qb_bloom_add(qb_bloom *b, uint64_t digest);
bool qb_bloom_may_have(const qb_bloom *b, uint64_t digest);
/** Whether `more` digests still fit under QB_BLOOM_BITS_PER_ENTRY. */
bool qb_bloom_fits(const qb_bloom *b, uint64_t more);
/** "QBBLOOM2", k (le32), checksum (le32: low 32 bits of qb_hash_bytes over m, n and the bits, xor
 * qb_hash_u64(k)), m (le64), n (le64), then m / 8 bytes. *out is malloc'd. */
int qb_bloom_encode(uint8_t **out, size_t *n_out, const qb_bloom *b, qb_err *err);
/** Parse `p` (validated: magic, k, m a power of two, exact length, checksum); `name` is for messages. */
int qb_bloom_decode(qb_bloom *b, const uint8_t *p, size_t n, const char *name, qb_err *err);
/** NULL-safe; leaves a zeroed filter. */
void qb_bloom_free(qb_bloom *b);

#endif
