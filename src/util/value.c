/* SPDX-License-Identifier: Apache-2.0 */
/* qb_value helpers (see include/qberg/value.h). */
#include <string.h>

#include "qberg/value.h"

bool qb_value_equal(const qb_value *a, const qb_value *b)
{
  if (a->kind != b->kind) return false;
  switch (a->kind) {
  case QB_V_NULL: return true;
  case QB_V_BOOL: return a->u.b == b->u.b;
  case QB_V_INT32: return a->u.i32 == b->u.i32;
  case QB_V_INT64: return a->u.i64 == b->u.i64;
  case QB_V_FLOAT: return memcmp(&a->u.f32, &b->u.f32, sizeof(float)) == 0;
  case QB_V_DOUBLE: return memcmp(&a->u.f64, &b->u.f64, sizeof(double)) == 0;
  case QB_V_BYTES:
  case QB_V_STRING:
    return a->u.bytes.n == b->u.bytes.n && (a->u.bytes.n == 0 || !memcmp(a->u.bytes.p, b->u.bytes.p, a->u.bytes.n));
  case QB_V_STRUCT:
  case QB_V_LIST:
  case QB_V_MAP: {
    if (a->u.seq.n != b->u.seq.n) return false;
    size_t n = a->kind == QB_V_MAP ? 2 * a->u.seq.n : a->u.seq.n;
    for (size_t i = 0; i < n; i++)
      if (!qb_value_equal(&a->u.seq.items[i], &b->u.seq.items[i])) return false;
    return true;
  }
  }
  return false;
}
