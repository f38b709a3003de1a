/* SPDX-License-Identifier: Apache-2.0 */
/* Clock, random and UUIDs with test overrides (see clock.h). */
#include "util/clock.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

static int64_t parse_test_now(const char *s)
{
  int Y, M, D, h, m, sec;
  if (sscanf(s, "%4d%2d%2dT%2d%2d%2dZ", &Y, &M, &D, &h, &m, &sec) == 6) {
    /* days from civil (Howard Hinnant's algorithm): no timegm/TZ dependence */
    int y = Y - (M <= 2);
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (M + (M > 2 ? -3 : 9)) + 2) / 5 + D - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = (int64_t)era * 146097 + doe - 719468;
    return ((days * 24 + h) * 60 + m) * 60000LL + sec * 1000LL;
  }
  return strtoll(s, NULL, 10);
}

int64_t qb_now_ms(void)
{
  const char *t = getenv("QB_TEST_NOW");
  if (t && *t) return parse_test_now(t);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t qb_mono_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static pthread_mutex_t rng_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t rng_state;
static int rng_mode = -1; /* -1 unknown, 0 OS random, 1 seeded */

uint64_t qb_random_u64(void)
{
  pthread_mutex_lock(&rng_lock);
  if (rng_mode < 0) {
    const char *s = getenv("QB_TEST_SEED");
    rng_mode = (s && *s) ? 1 : 0;
    if (rng_mode) rng_state = strtoull(s, NULL, 10) ^ 0x9e3779b97f4a7c15ULL;
  }
  uint64_t v;
  if (rng_mode == 1) {
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    v = z ^ (z >> 31);
  } else if (getrandom(&v, sizeof v, 0) != (ssize_t)sizeof v) {
    /* getrandom cannot fail for 8 bytes after boot; fall back to time mixing anyway */
    v = (uint64_t)qb_mono_ns() * 0x9e3779b97f4a7c15ULL ^ (uint64_t)qb_now_ms();
  }
  pthread_mutex_unlock(&rng_lock);
  return v;
}

void qb_uuid_v4_bytes(uint8_t out[16])
{
  uint64_t a = qb_random_u64(), b = qb_random_u64();
  memcpy(out, &a, 8);
  memcpy(out + 8, &b, 8);
  out[6] = (uint8_t)((out[6] & 0x0f) | 0x40);
  out[8] = (uint8_t)((out[8] & 0x3f) | 0x80);
}

void qb_uuid_v4(char out[37])
{
  uint8_t u[16];
  qb_uuid_v4_bytes(u);
  snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2], u[3],
           u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}
