/* SPDX-License-Identifier: Apache-2.0 */
/* Micro-benchmark of the number dictionary (src/formats/parquet/dict_builder.h) alone: DOUBLE values drawn
 * from a pool of DISTINCT values (measurement-like: most puts hit, a pool's first puts add), in chunks of
 * CHUNK values with a reset between chunks (a column chunk each), as the column writer uses it.
 * Prints one JSON line: values, distinct, rounds, best ns per put over the rounds, and a checksum of the
 * indices (the same for two builds that assign the same entry indices).
 * --bytes 1: BYTE_ARRAY values instead, ids as the pipeline makes them (a 64-character hex experiment id,
 * `_iter_`, a number, `_param_`, a number: 80-90 bytes sharing their head within an experiment), in the
 * order of a record's rows (one experiment's ids together).
 *   dict_bench [--rounds N] [--count N] [--distinct N] [--chunk N] [--bytes 1] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "formats/parquet/dict_builder.h"

static uint64_t rng_s = 42;
static uint64_t next_u64(void)
{
  uint64_t z = (rng_s += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static double now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* The best ns per put over `rounds` calls of round(ctx, &sum) (each puts `count` values and returns 0, or
 * non-zero on a failed put); the put loop lives inside each round function, so no indirect call is timed
 * per put. -1 on a failure. */
static double best_ns(size_t rounds, size_t count, int (*round)(void *ctx, uint64_t *sum), void *ctx,
                      uint64_t *sum)
{
  double best = 1e30;
  for (size_t r = 0; r < rounds; r++) {
    *sum = 0;
    double t0 = now_ns();
    if (round(ctx, sum)) return -1;
    double ns = (now_ns() - t0) / (double)count;
    if (ns < best) best = ns;
  }
  return best;
}

typedef struct bytes_round {
  qb_pq_dict d;
  size_t count, distinct, chunk;
  char (*ids)[96];
  const size_t *lens;
} bytes_round;

static int put_bytes_round(void *ctx, uint64_t *sum)
{
  bytes_round *b = ctx;
  for (size_t i = 0; i < b->count; i++) {
    if (i % b->chunk == 0) qb_pq_dict_reset(&b->d);
    size_t v = i % b->distinct;
    uint32_t idx;
    bool added;
    qb_err err;
    if (qb_pq_dict_put_bytes(&b->d, (const uint8_t *)b->ids[v], b->lens[v], &idx, &added, &err) != QB_OK) return 1;
    *sum = *sum * 31 + idx;
  }
  return 0;
}

typedef struct num_round {
  qb_pq_dict d;
  size_t count, chunk;
  const uint64_t *vals;
} num_round;

static int put_num_round(void *ctx, uint64_t *sum)
{
  num_round *b = ctx;
  for (size_t i = 0; i < b->count; i++) {
    if (i % b->chunk == 0) qb_pq_dict_reset(&b->d);
    uint32_t idx;
    bool added;
    qb_err err;
    if (qb_pq_dict_put_u64(&b->d, b->vals[i], &idx, &added, &err) != QB_OK) return 1;
    *sum = *sum * 31 + idx;
  }
  return 0;
}

/* --bytes: ids `distinct` apart, each put `count / distinct` times over in record order (ids of one
 * experiment, then the next), like iteration_parameters' parameter_id across chunks. */
static int bench_bytes(size_t rounds, size_t count, size_t distinct, size_t chunk)
{
  if (!distinct || !chunk) return 2;
  char (*ids)[96] = malloc(distinct * sizeof *ids);
  size_t *lens = malloc(distinct * sizeof *lens);
  if (!ids || !lens) return 1;
  char eid[65];
  for (size_t i = 0; i < distinct; i++) {
    if (i % 600 == 0) { /* a new experiment: 40 iterations x 15 parameters */
      for (int k = 0; k < 64; k++) eid[k] = "0123456789abcdef"[next_u64() & 15];
      eid[64] = 0;
    }
    lens[i] = (size_t)snprintf(ids[i], sizeof ids[i], "%s_iter_%zu_param_%zu", eid, (i % 600) / 15 * 7919 % 100000,
                               i % 15);
  }
  bytes_round b = {.count = count, .distinct = distinct, .chunk = chunk, .ids = ids, .lens = lens};
  qb_pq_dict_init(&b.d, 0, false);
  uint64_t sum = 0;
  double best = best_ns(rounds, count, put_bytes_round, &b, &sum);
  qb_pq_dict_free(&b.d);
  if (best < 0) return 1;
  printf("{\"values\":%zu,\"distinct\":%zu,\"rounds\":%zu,\"bytes\":1,\"best_ns_per_put\":%.3f,\"checksum\":%llu}\n",
         count, distinct, rounds, best, (unsigned long long)sum);
  free(ids);
  free(lens);
  return 0;
}

int main(int argc, char **argv)
{
  size_t rounds = 20, count = 2000000, distinct = 60000, chunk = 250000, bytes = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    size_t v = (size_t)strtoull(argv[i + 1], NULL, 10);
    if (!strcmp(argv[i], "--rounds")) rounds = v;
    else if (!strcmp(argv[i], "--count")) count = v;
    else if (!strcmp(argv[i], "--distinct")) distinct = v;
    else if (!strcmp(argv[i], "--chunk")) chunk = v;
    else if (!strcmp(argv[i], "--bytes")) bytes = v;
  }
  if (bytes) return bench_bytes(rounds, count, distinct, chunk);
  if (!distinct || !chunk) return 2;
  uint64_t *pool = malloc(distinct * sizeof *pool), *vals = malloc(count * sizeof *vals);
  if (!pool || !vals) return 1;
  for (size_t i = 0; i < distinct; i++) {
    double d = (double)(next_u64() >> 11) * 0x1.0p-53 * 4.0 - 2.0; /* energies/expectations in [-2, 2) */
    memcpy(&pool[i], &d, 8);
  }
  for (size_t i = 0; i < count; i++) vals[i] = pool[next_u64() % distinct];
  num_round b = {.count = count, .chunk = chunk, .vals = vals};
  qb_pq_dict_init(&b.d, 8, true);
  uint64_t sum = 0;
  double best = best_ns(rounds, count, put_num_round, &b, &sum);
  qb_pq_dict_free(&b.d);
  if (best < 0) return 1;
  printf("{\"values\":%zu,\"distinct\":%zu,\"rounds\":%zu,\"best_ns_per_put\":%.3f,\"checksum\":%llu}\n", count, distinct,
         rounds, best, (unsigned long long)sum);
  free(pool);
  free(vals);
  return 0;
}
