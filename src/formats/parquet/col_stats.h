/* SPDX-License-Identifier: Apache-2.0 */
/* Column statistics as a writer accumulates them: null and NaN counts, min/max in the column's
 * TypeDefinedOrder (parquet.thrift `Statistics`, `ColumnOrder`; LogicalTypes.md sort orders; formats.md §2.3). */
#ifndef QB_FORMATS_PARQUET_COL_STATS_H
#define QB_FORMATS_PARQUET_COL_STATS_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "formats/parquet/meta.h"
#include "qberg/parquet.h"
#include "util/arena.h"
#include "util/buf.h"

/** parquet-java's MAX_STATS_SIZE: min/max of binary values longer than this are not written (a 150 KB
 * string made a 159 KB footer in the prototype); Trino uses the same bound. */
#define QB_PQ_MAX_STATS_BYTES 4096

/** How values of a column compare (LogicalTypes.md "Sort Order"). */
typedef enum {
  QB_PQ_ORD_NONE = 0,     /* INT96, INTERVAL: no defined order, no min/max */
  QB_PQ_ORD_SIGNED,       /* INT32/INT64 (and UINT_8..32 stored zero-extended), BOOLEAN as 0/1 */
  QB_PQ_ORD_UNSIGNED64,   /* INT64 annotated UINT_64 */
  QB_PQ_ORD_FLOAT,        /* FLOAT/DOUBLE: numeric, NaN excluded */
  QB_PQ_ORD_BYTES,        /* BYTE_ARRAY/FLBA: unsigned lexicographic */
  QB_PQ_ORD_BYTES_SIGNED  /* DECIMAL on BYTE_ARRAY/FLBA: big-endian two's complement */
} qb_pq_sort_order;

typedef struct qb_pq_col_stats {
  qb_pq_type type;
  qb_pq_sort_order order;
  bool uint32;              /* INT32 with an unsigned annotation: values stored zero-extended */
  bool has_minmax;          /* at least one non-null, non-NaN value was seen */
  int64_t min_i, max_i;     /* SIGNED / UNSIGNED64 orders */
  double min_d, max_d;      /* FLOAT orders (a float converts to double exactly) */
  qb_buf min_b, max_b;      /* byte orders */
  uint64_t null_count;
  uint64_t nan_count;
} qb_pq_col_stats;

/** Set up for the leaf column `leaf` (its physical type and annotations decide the order). */
void qb_pq_col_stats_init(qb_pq_col_stats *s, const qb_pq_node *leaf);
/** Forget the values (next column chunk); keeps the allocations. */
void qb_pq_col_stats_reset(qb_pq_col_stats *s);
/** NULL-safe. */
void qb_pq_col_stats_free(qb_pq_col_stats *s);

static inline void qb_pq_col_stats_int(qb_pq_col_stats *s, int64_t v)
{
  if (!s->has_minmax) {
    s->min_i = s->max_i = v;
    s->has_minmax = true;
  } else if (s->order == QB_PQ_ORD_UNSIGNED64) {
    if ((uint64_t)v < (uint64_t)s->min_i) s->min_i = v;
    if ((uint64_t)v > (uint64_t)s->max_i) s->max_i = v;
  } else {
    if (v < s->min_i) s->min_i = v;
    if (v > s->max_i) s->max_i = v;
  }
}

static inline void qb_pq_col_stats_i32(qb_pq_col_stats *s, int32_t v)
{
  qb_pq_col_stats_int(s, s->uint32 ? (int64_t)(uint32_t)v : (int64_t)v);
}

/** FLOAT and DOUBLE values: NaN is counted, never becomes min or max. */
static inline void qb_pq_col_stats_double(qb_pq_col_stats *s, double v)
{
  if (isnan(v)) {
    s->nan_count++;
    return;
  }
  if (!s->has_minmax) {
    s->min_d = s->max_d = v;
    s->has_minmax = true;
    return;
  }
  if (v < s->min_d) s->min_d = v;
  if (v > s->max_d) s->max_d = v;
}

/* Arrays of non-null values (columnar batches): same result as one call per value. */
void qb_pq_col_stats_i32_array(qb_pq_col_stats *s, const int32_t *v, size_t n);
void qb_pq_col_stats_i64_array(qb_pq_col_stats *s, const int64_t *v, size_t n);
void qb_pq_col_stats_float_array(qb_pq_col_stats *s, const float *v, size_t n);
void qb_pq_col_stats_double_array(qb_pq_col_stats *s, const double *v, size_t n);

/**
 * The first 8 bytes of a value as a big-endian number, zero-padded when shorter: a strictly smaller head
 * means a strictly smaller value in unsigned byte order (QB_PQ_ORD_BYTES), and a strictly larger one a
 * larger value (a zero pad is below any byte a longer value has there, and a value that is a prefix of
 * another sorts first). Equal heads decide nothing. Values of a column that share no long prefix with its
 * current min and max (ids of other experiments) are placed by this one compare, without a memcmp.
 */
static inline uint64_t qb_pq_bytes_head8(const uint8_t *p, size_t n)
{
  uint64_t x = 0;
  if (n >= 8) memcpy(&x, p, 8);
  else if (n) memcpy(&x, p, n);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  x = __builtin_bswap64(x);
#endif
  return x;
}

/** BYTE_ARRAY / FLBA values (copied when they become the new min or max). QB_OK or QB_ENOMEM. */
int qb_pq_col_stats_bytes(qb_pq_col_stats *s, const uint8_t *p, size_t n, qb_err *err);

/** Fold `src` (a column chunk) into `dst` (the file): counts add, min/max widen. */
int qb_pq_col_stats_merge(qb_pq_col_stats *dst, const qb_pq_col_stats *src, qb_err *err);

/**
 * The min (`max` false) or max bound as Parquet statistics store it: PLAIN encoding, without the length
 * prefix for BYTE_ARRAY. A zero float min is written as -0.0 and a zero max as +0.0 (parquet-format
 * "Statistics": readers cannot tell which zero the file holds). QB_OK with out->n == 0 when there is none.
 */
int qb_pq_col_stats_bound(qb_buf *out, const qb_pq_col_stats *s, bool max, qb_err *err);

/**
 * Fill a footer Statistics: null_count always; min_value/max_value when there is a defined order and a
 * non-NaN value (binary bounds over QB_PQ_MAX_STATS_BYTES are dropped); also the deprecated min/max for
 * the types whose legacy signed order equals the type order (INT32/INT64 signed, FLOAT, DOUBLE), as
 * parquet-java and DuckDB do; nan_count for FLOAT/DOUBLE. Bound bytes are allocated in `a`.
 */
int qb_pq_col_stats_to_thrift(qb_pq_statistics *out, const qb_pq_col_stats *s, qb_arena *a, qb_err *err);

#endif
