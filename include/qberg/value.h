/* SPDX-License-Identifier: Apache-2.0 */
/* qb_value: the one dynamic value shape shared by the codecs (Parquet, Avro), Iceberg (partition values,
 * bounds, records) and the pipeline. Values are plain data; whoever builds them owns their memory
 * (usually an arena). Kinds are physical: the schema that goes with a value gives the logical type:
 *   date            -> QB_V_INT32 days since 1970-01-01
 *   time/timestamp  -> QB_V_INT64 microseconds (since midnight / since the epoch)
 *   decimal(P,S)    -> QB_V_INT32/QB_V_INT64 unscaled when the column is INT32/INT64, else QB_V_BYTES
 *                      (big-endian two's complement unscaled value)
 *   uuid, fixed     -> QB_V_BYTES (16 / L bytes);  string -> QB_V_STRING (UTF-8, not NUL-terminated)
 *   struct          -> QB_V_STRUCT, items[i] = field i in schema order
 *   list            -> QB_V_LIST, items[0..n)
 *   map             -> QB_V_MAP, n pairs: items[2i] = key, items[2i+1] = value */
#ifndef QBERG_VALUE_H
#define QBERG_VALUE_H

#include "qberg/common.h"

typedef enum {
  QB_V_NULL = 0,
  QB_V_BOOL,
  QB_V_INT32,
  QB_V_INT64,
  QB_V_FLOAT,
  QB_V_DOUBLE,
  QB_V_BYTES,
  QB_V_STRING,
  QB_V_STRUCT,
  QB_V_LIST,
  QB_V_MAP
} qb_vkind;

typedef struct qb_value qb_value;
struct qb_value {
  qb_vkind kind;
  union {
    bool b;
    int32_t i32;
    int64_t i64;
    float f32;
    double f64;
    struct {
      const uint8_t *p;
      size_t n;
    } bytes; /* QB_V_BYTES and QB_V_STRING */
    struct {
      qb_value *items;
      size_t n; /* fields (struct), elements (list), pairs (map: 2n items) */
    } seq;
  } u;
};

static inline qb_value qb_value_null(void)
{
  qb_value v;
  v.kind = QB_V_NULL;
  v.u.i64 = 0;
  return v;
}

/* Scalar constructors (the value borrows nothing: strings are built by the caller, see v.u.bytes). */
static inline qb_value qb_value_bool(bool x)
{
  qb_value v = qb_value_null();
  v.kind = QB_V_BOOL;
  v.u.b = x;
  return v;
}

static inline qb_value qb_value_i32(int32_t x)
{
  qb_value v = qb_value_null();
  v.kind = QB_V_INT32;
  v.u.i32 = x;
  return v;
}

static inline qb_value qb_value_i64(int64_t x)
{
  qb_value v = qb_value_null();
  v.kind = QB_V_INT64;
  v.u.i64 = x;
  return v;
}

static inline qb_value qb_value_f64(double x)
{
  qb_value v = qb_value_null();
  v.kind = QB_V_DOUBLE;
  v.u.f64 = x;
  return v;
}

/** Deep equality (NaN equals NaN with the same bits; float/double compared bitwise). */
QB_API bool qb_value_equal(const qb_value *a, const qb_value *b);

#endif
