/* SPDX-License-Identifier: Apache-2.0 */
/* Micro-benchmark of qb_java_double_to_string (src/pipeline/java_double.c) on values like the ones the
 * experiment-id text prints: the generator's Hamiltonian coefficients (normal * 0.1, the first term the
 * molecule energy times 0.4..0.9), parameters (uniform in [0, 2 pi) and their optimiser steps), energies
 * and a few zeros — or, with FILE, the raw native-endian doubles of a file (e.g. dumped from an ingest).
 * Prints one JSON line: values, rounds, best ns per value over the rounds, and a checksum of the text
 * (the same for two builds that print the same strings).
 *   jdouble_bench [--rounds N] [--count N] [FILE] */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pipeline/java_double.h"

static uint64_t rng_s = 42;
static uint64_t next_u64(void)
{
  uint64_t z = (rng_s += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}
static double uniform(void) { return (double)(next_u64() >> 11) * 0x1.0p-53; }
static double normal(void)
{
  double u = uniform(), v = uniform();
  return sqrt(-2.0 * log(u > 0 ? u : 0x1.0p-53)) * cos(2 * 3.141592653589793 * v);
}

static double now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
  long rounds = 20, count = 200000;
  const char *file = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
      rounds = atol(argv[++i]);
    else if (!strcmp(argv[i], "--count") && i + 1 < argc)
      count = atol(argv[++i]);
    else
      file = argv[i];
  }
  double *v;
  if (file) {
    FILE *f = fopen(file, "rb");
    if (!f) return perror(file), 1;
    fseek(f, 0, SEEK_END);
    count = ftell(f) / 8;
    fseek(f, 0, SEEK_SET);
    v = malloc((size_t)count * sizeof *v + 1);
    if (!v || fread(v, 8, (size_t)count, f) != (size_t)count) return fprintf(stderr, "%s: read failed\n", file), 1;
    fclose(f);
  } else {
    v = malloc((size_t)count * sizeof *v + 1);
    if (!v) return 1;
    double p = 0;
    for (long i = 0; i < count; i++) {
      switch (i % 10) {
      case 0: case 1: case 2: case 3: v[i] = normal() * 0.1; break; /* coefficients */
      case 4: v[i] = -1.1 * (0.4 + 0.5 * uniform()); break;         /* first term: energy * 0.4..0.9 */
      case 5: case 6: p = uniform() * 2 * 3.141592653589793; v[i] = p; break; /* parameters */
      case 7: case 8: v[i] = p + normal() * 0.05; break;                /* optimiser steps */
      default: v[i] = i % 20 == 9 ? 0.0 : -1 - 99 * uniform(); break; /* zeros, energies */
      }
    }
  }
  double best = 1e30;
  uint64_t sum = 0;
  for (long r = 0; r < rounds; r++) {
    char out[QB_JAVA_DOUBLE_MAX];
    uint64_t h = 0;
    double t0 = now();
    for (long i = 0; i < count; i++) {
      size_t n = qb_java_double_to_string(out, v[i]);
      h = (h ^ n ^ (uint64_t)(unsigned char)out[n - 1] ^ (uint64_t)(unsigned char)out[n / 2] << 8) * UINT64_C(0x100000001b3);
    }
    double t = now() - t0;
    if (t < best) best = t;
    if (r == 0) {
      for (long i = 0; i < count; i++) { /* full-text checksum (FNV-1a), outside the timing */
        size_t n = qb_java_double_to_string(out, v[i]);
        for (size_t k = 0; k <= n; k++) sum = (sum ^ (unsigned char)out[k]) * UINT64_C(0x100000001b3);
      }
    }
    (void)h;
  }
  printf("{\"values\":%ld,\"rounds\":%ld,\"ns_per_value\":%.2f,\"checksum\":\"%016llx\"}\n", count, rounds,
         best / (double)count * 1e9, (unsigned long long)sum);
  free(v);
  return 0;
}
