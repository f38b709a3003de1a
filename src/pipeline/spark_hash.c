/* SPDX-License-Identifier: Apache-2.0 */
/* Spark's Murmur3 hash() and sha2-256 (pipeline-spec §6.1; apache/spark Murmur3_x86_32.java semantics). */
#include "pipeline/spark_hash.h"

#include <openssl/evp.h>
#include <string.h>

#include "util/buf.h"
#include "util/str.h"

#define C1 0xcc9e2d51u
#define C2 0x1b873593u

static inline uint32_t rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

static inline uint32_t mix_k1(uint32_t k)
{
  k *= C1;
  k = rotl32(k, 15);
  return k * C2;
}

static inline uint32_t mix_h1(uint32_t h, uint32_t k)
{
  h ^= k;
  h = rotl32(h, 13);
  return h * 5 + 0xe6546b64u;
}

static inline int32_t fmix(uint32_t h, uint32_t len)
{
  h ^= len;
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return (int32_t)h;
}

/* Spark's tail: a signed byte widened to int, i.e. sign-extended (standard Murmur3 packs the tail). */
static inline uint32_t tail_byte(uint8_t b) { return (uint32_t)(int32_t)(int8_t)b; }

int32_t qb_spark_hash_bytes(const void *p, size_t n, int32_t seed)
{
  const uint8_t *b = p;
  uint32_t h = (uint32_t)seed;
  size_t aligned = n - n % 4;
  for (size_t i = 0; i < aligned; i += 4)
    h = mix_h1(h, mix_k1((uint32_t)b[i] | (uint32_t)b[i + 1] << 8 | (uint32_t)b[i + 2] << 16 |
                         (uint32_t)b[i + 3] << 24));
  for (size_t i = aligned; i < n; i++) h = mix_h1(h, mix_k1(tail_byte(b[i])));
  return fmix(h, (uint32_t)n);
}

int32_t qb_spark_hash_int(int32_t v, int32_t seed) { return fmix(mix_h1((uint32_t)seed, mix_k1((uint32_t)v)), 4); }

int32_t qb_spark_hash_long(int64_t v, int32_t seed)
{
  uint64_t u = (uint64_t)v;
  uint32_t h = mix_h1((uint32_t)seed, mix_k1((uint32_t)u));
  h = mix_h1(h, mix_k1((uint32_t)(u >> 32)));
  return fmix(h, 8);
}

int32_t qb_spark_hash_double(double v, int32_t seed)
{
  if (v == 0.0) v = 0.0; /* -0.0 == 0.0: Spark normalises the sign of zero */
  uint64_t bits;
  if (v != v)
    bits = UINT64_C(0x7ff8000000000000); /* Double.doubleToLongBits: one canonical NaN */
  else
    memcpy(&bits, &v, sizeof bits);
  return qb_spark_hash_long((int64_t)bits, seed);
}

int32_t qb_spark_hash_bool(bool v, int32_t seed) { return qb_spark_hash_int(v ? 1 : 0, seed); }

void qb_spark_murmur_init(qb_spark_murmur *m, int32_t seed)
{
  memset(m, 0, sizeof *m);
  m->h = (uint32_t)seed;
}

void qb_spark_murmur_update(qb_spark_murmur *m, const void *p, size_t n)
{
  const uint8_t *b = p;
  m->len += (uint32_t)n;
  while (n > 0 && m->n_carry > 0 && m->n_carry < 4) {
    m->carry[m->n_carry++] = *b++;
    n--;
  }
  if (m->n_carry == 4) {
    m->h = mix_h1(m->h, mix_k1(qb_le32(m->carry)));
    m->n_carry = 0;
  }
  for (; n >= 4; n -= 4, b += 4) m->h = mix_h1(m->h, mix_k1(qb_le32(b)));
  for (; n > 0; n--) m->carry[m->n_carry++] = *b++;
}

int32_t qb_spark_murmur_final(const qb_spark_murmur *m)
{
  uint32_t h = m->h;
  for (uint32_t i = 0; i < m->n_carry; i++) h = mix_h1(h, mix_k1(tail_byte(m->carry[i])));
  return fmix(h, m->len);
}

int32_t qb_spark_murmur_final_with(const qb_spark_murmur *m, const void *p, size_t n)
{
  if (m->n_carry) {
    qb_spark_murmur t = *m;
    qb_spark_murmur_update(&t, p, n);
    return qb_spark_murmur_final(&t);
  }
  /* no carried bytes (the state after whole blocks, e.g. a 64-char id): p's blocks and tail straight on */
  const uint8_t *b = p;
  uint32_t h = m->h;
  size_t aligned = n - n % 4;
  for (size_t i = 0; i < aligned; i += 4) h = mix_h1(h, mix_k1(qb_le32(b + i)));
  for (size_t i = aligned; i < n; i++) h = mix_h1(h, mix_k1(tail_byte(b[i])));
  return fmix(h, m->len + (uint32_t)n);
}

int qb_spark_sha2_256(char out[65], const void *p, size_t n, qb_err *err)
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (EVP_Digest(p, n, md, &md_len, EVP_sha256(), NULL) != 1 || md_len != 32)
    return QB_FAIL(err, QB_EINTERNAL, "sha2-256: OpenSSL EVP_Digest failed");
  qb_hex_encode(out, md, 32);
  out[64] = '\0';
  return QB_OK;
}
