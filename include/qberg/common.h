/* SPDX-License-Identifier: Apache-2.0 */
/* Export macro and plain value types shared by every public header.
 *
 * Compatibility before 1.0 (QB_VERSION 0.x, soname libqberg.so.0): the API is kept source-compatible where it
 * can be (option structs carry a version field and an _INIT macro, so a caller built with an older header keeps
 * working), but the layout of caller-allocated report structs (qb_ingest_report, qb_expire_report, ...) may grow
 * between 0.x releases: rebuild against the headers of the library you link. */
#ifndef QBERG_COMMON_H
#define QBERG_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define QB_API __attribute__((visibility("default")))
#define QB_WUR __attribute__((warn_unused_result))
#define QB_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define QB_API
#define QB_WUR
#define QB_PRINTF(f, a)
#endif

/** A borrowed run of bytes; never owns `p`. */
typedef struct qb_slice {
  const uint8_t *p;
  size_t n;
} qb_slice;

#define QB_VERSION "0.1.0"

#endif
