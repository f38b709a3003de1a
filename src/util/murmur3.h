/* SPDX-License-Identifier: Apache-2.0 */
/* MurmurHash3 x86 32-bit (Austin Appleby's public-domain algorithm), the hash behind Iceberg's bucket
 * transform (spec Appendix B) and object-store path prefixes. */
#ifndef QB_UTIL_MURMUR3_H
#define QB_UTIL_MURMUR3_H

#include <stddef.h>
#include <stdint.h>

uint32_t qb_murmur3_x86_32(const void *data, size_t n, uint32_t seed);

#endif
