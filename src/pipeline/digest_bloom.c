/* SPDX-License-Identifier: Apache-2.0 */
/* A Bloom filter over 64-bit digests (Kirsch–Mitzenmacher double hashing: probe i at h1 + i*h2) and its
 * file format (digest_bloom.h). The digests are already uniform hashes; they are re-mixed so that the two
 * probe hashes are independent of the index's own hash table slots. */
#include "pipeline/digest_bloom.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/hash.h"

#define MAGIC "QBBLOOM2"
#define HEADER 32
#define PROBES 16

int qb_bloom_init(qb_bloom *b, uint64_t capacity, qb_err *err)
{
  memset(b, 0, sizeof *b);
  uint64_t m = (uint64_t)1 << 16;
  while (m / QB_BLOOM_BITS_PER_ENTRY < capacity) {
    if (m / 8 >= QB_BLOOM_MAX_BYTES) return QB_FAIL(err, QB_ELIMIT, "Bloom filter for %llu digests: too large",
                                                    (unsigned long long)capacity);
    m <<= 1;
  }
  if (!(b->bits = calloc(m / 8, 1))) return QB_FAIL(err, QB_ENOMEM, "out of memory for a %llu-bit Bloom filter",
                                                      (unsigned long long)m);
  b->m = m;
  b->k = PROBES;
  return QB_OK;
}

static void probes(uint64_t digest, uint64_t *h1, uint64_t *h2)
{
  *h1 = qb_hash_u64(digest ^ UINT64_C(0x426c6f6f6d313233));
  *h2 = qb_hash_u64(*h1 + digest) | 1; /* odd: the k probes differ for a power-of-two m */
}

void qb_bloom_add(qb_bloom *b, uint64_t digest)
{
  uint64_t h1, h2, mask = b->m - 1;
  probes(digest, &h1, &h2);
  for (unsigned i = 0; i < b->k; i++) {
    uint64_t bit = (h1 + i * h2) & mask;
    b->bits[bit >> 3] |= (uint8_t)(1u << (bit & 7));
  }
  b->n++;
}

bool qb_bloom_may_have(const qb_bloom *b, uint64_t digest)
{
  if (!b->m) return false;
  uint64_t h1, h2, mask = b->m - 1;
  probes(digest, &h1, &h2);
  for (unsigned i = 0; i < b->k; i++) {
    uint64_t bit = (h1 + i * h2) & mask;
    if (!(b->bits[bit >> 3] & (1u << (bit & 7)))) return false;
  }
  return true;
}

bool qb_bloom_fits(const qb_bloom *b, uint64_t more)
{
  return b->m && b->n + more <= b->m / QB_BLOOM_BITS_PER_ENTRY;
}

/* Over k, m, n and the bits: the header's structure checks cannot see a damaged body, and a filter with
 * bits lost (zeroed) answers "not stored" for stored experiments, whose rows would then be written twice. */
static uint32_t checksum(const uint8_t *p, size_t n)
{
  return (uint32_t)(qb_hash_bytes(p + 16, n - 16) ^ qb_hash_u64(qb_le32(p + 8)));
}

int qb_bloom_encode(uint8_t **out, size_t *n_out, const qb_bloom *b, qb_err *err)
{
  size_t n = HEADER + (size_t)(b->m / 8);
  uint8_t *p = malloc(n);
  if (!p) return QB_FAIL(err, QB_ENOMEM, "out of memory encoding a Bloom filter");
  memcpy(p, MAGIC, 8);
  qb_put_le32(p + 8, b->k);
  qb_put_le32(p + 12, 0);
  qb_put_le64(p + 16, b->m);
  qb_put_le64(p + 24, b->n);
  memcpy(p + HEADER, b->bits, (size_t)(b->m / 8));
  qb_put_le32(p + 12, checksum(p, n));
  *out = p;
  *n_out = n;
  return QB_OK;
}

int qb_bloom_decode(qb_bloom *b, const uint8_t *p, size_t n, const char *name, qb_err *err)
{
  memset(b, 0, sizeof *b);
  if (n < HEADER || memcmp(p, MAGIC, 8))
    return QB_FAIL(err, QB_ECORRUPT, "%s: not a qberg Bloom filter (%zu bytes, no " MAGIC " header)", name, n);
  uint32_t k = qb_le32(p + 8);
  uint64_t m = qb_le64(p + 16);
  if (k < 1 || k > 64) return QB_FAIL(err, QB_ECORRUPT, "%s: %u probes (1 to 64 expected)", name, k);
  if (m < 64 || (m & (m - 1)) || m / 8 != n - HEADER)
    return QB_FAIL(err, QB_ECORRUPT, "%s: %llu bits do not match the %zu bytes after the header", name,
                   (unsigned long long)m, n - HEADER);
  if (qb_le32(p + 12) != checksum(p, n))
    return QB_FAIL(err, QB_ECORRUPT, "%s: checksum mismatch (a damaged filter is never trusted)", name);
  if (!(b->bits = malloc((size_t)(m / 8)))) return QB_FAIL(err, QB_ENOMEM, "out of memory reading %s", name);
  memcpy(b->bits, p + HEADER, (size_t)(m / 8));
  b->m = m;
  b->k = k;
  b->n = qb_le64(p + 24);
  return QB_OK;
}

void qb_bloom_free(qb_bloom *b)
{
  if (!b) return;
  free(b->bits);
  memset(b, 0, sizeof *b);
}
