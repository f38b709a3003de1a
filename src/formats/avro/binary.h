/* SPDX-License-Identifier: Apache-2.0 */
/* Avro binary encoding of primitives (Avro 1.11 spec, "Binary Encoding"): zig-zag varints for int and
 * long, little-endian IEEE 754 float/double, one-byte booleans, length-prefixed bytes and strings. */
#ifndef QB_FORMATS_AVRO_BINARY_H
#define QB_FORMATS_AVRO_BINARY_H

#include <stdint.h>

#include "qberg/err.h"
#include "util/buf.h"

/** A read cursor over decoded block bytes: [p, end). */
typedef struct qb_avro_cur {
  const uint8_t *p;
  const uint8_t *end;
} qb_avro_cur;

static inline size_t qb_avro__left(const qb_avro_cur *c) { return (size_t)(c->end - c->p); }

static inline uint64_t qb_avro__zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
static inline int64_t qb_avro__unzigzag(uint64_t u) { return (int64_t)(u >> 1) ^ -(int64_t)(u & 1); }

/* Decoders: QB_OK, or QB_ECORRUPT with a message that names what was wrong but not where (the caller
 * adds the field path). */
int qb_avro__read_long(qb_avro_cur *c, int64_t *out, qb_err *err);
int qb_avro__read_int(qb_avro_cur *c, int32_t *out, qb_err *err);
int qb_avro__read_bool(qb_avro_cur *c, bool *out, qb_err *err);
int qb_avro__read_float(qb_avro_cur *c, float *out, qb_err *err);
int qb_avro__read_double(qb_avro_cur *c, double *out, qb_err *err);
/** A bytes/string length prefix, checked against the bytes left in the cursor. */
int qb_avro__read_len(qb_avro_cur *c, size_t *out, qb_err *err);
/** Consume exactly n bytes (checked); *out points into the cursor's buffer. */
int qb_avro__read_fixed(qb_avro_cur *c, size_t n, const uint8_t **out, qb_err *err);

/** Varint of zig-zag(v) into out[0..10); returns the byte count (1..10). */
size_t qb_avro__encode_long(uint8_t out[10], int64_t v);
int qb_avro__put_long(qb_buf *b, int64_t v, qb_err *err);
int qb_avro__put_float(qb_buf *b, float v, qb_err *err);
int qb_avro__put_double(qb_buf *b, double v, qb_err *err);
/** Length prefix then the bytes. */
int qb_avro__put_bytes(qb_buf *b, const void *p, size_t n, qb_err *err);

#endif
