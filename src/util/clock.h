/* SPDX-License-Identifier: Apache-2.0 */
/* Wall clock, randomness and UUIDs, all overridable for deterministic tests:
 * QB_TEST_NOW=20150830T123600Z (or unix milliseconds) fixes the clock; QB_TEST_SEED=N fixes random and UUIDs. */
#ifndef QB_UTIL_CLOCK_H
#define QB_UTIL_CLOCK_H

#include <stdint.h>

/** Milliseconds since the Unix epoch (QB_TEST_NOW honoured). */
int64_t qb_now_ms(void);
/** Monotonic nanoseconds for timing and backoff; never affected by QB_TEST_NOW. */
int64_t qb_mono_ns(void);
/** Thread-safe 64 random bits (getrandom, or a seeded PRNG under QB_TEST_SEED). */
uint64_t qb_random_u64(void);
/** Random (v4) UUID as 36 lowercase chars + NUL. */
void qb_uuid_v4(char out[37]);
/** Random v4 UUID as 16 raw bytes. */
void qb_uuid_v4_bytes(uint8_t out[16]);

#endif
