/* SPDX-License-Identifier: Apache-2.0 */
/* Filter expressions inside the table layer: the unbound tree (expr.c), bound trees (expr_bind.c), their
 * evaluation on rows and partition tuples (expr_eval.c), inclusive projection through partition
 * transforms (expr_project.c), pruning by file metrics and manifest summaries (expr_metrics.c), and the
 * typed value helpers they share (value_text.c). */
#ifndef QB_ICEBERG_EXPR_INT_H
#define QB_ICEBERG_EXPR_INT_H

#include "iceberg/iceberg_int.h"
#include "qberg/manifest.h"
#include "qberg/scan.h"
#include "util/arena.h"
#include "util/buf.h"

/* One literal of an unbound predicate. Numbers the parser read with a fraction or exponent are kept as
 * their text (v is QB_V_STRING, number_text set) so that decimals bind exactly. */
typedef struct qb_lit {
  qb_value v;
  bool number_text;
} qb_lit;

struct qb_expr {
  qb_expr_op op;
  qb_expr *left, *right; /* AND / OR; NOT uses left */
  char *column;          /* predicates */
  size_t n_lits;
  qb_lit *lits;          /* strings and bytes are owned copies */
};

/* A bound expression: NOT is pushed into the predicates (Java RewriteNot), TRUE/FALSE are folded, and
 * literals are converted to the field's type in canonical kinds (qb_ice__value_canon). Everything lives
 * in the arena the binder was given. */
typedef struct qb_bexpr qb_bexpr;
struct qb_bexpr {
  qb_expr_op op; /* never QB_EXPR_NOT */
  const qb_bexpr *left, *right;
  int32_t field_id;
  const qb_type *type;
  size_t n_values;
  const qb_value *values;
};

extern const qb_bexpr qb_bexpr__true, qb_bexpr__false;

/* expr.c: a deep copy (NULL copies to NULL). */
int qb_expr__copy(qb_expr **out, const qb_expr *e, qb_err *err);

/* ---- expr_bind.c ---- */

/* Bind `e` to `schema` (names matched exactly against qb_schema_find_field_by_name). Only primitive
 * columns outside lists and maps can be filtered: others are QB_EINVAL naming the column. */
int qb_expr__bind(const qb_bexpr **out, const qb_expr *e, const qb_schema *schema, qb_arena *a, qb_err *err);
/* Conjunction / disjunction with folding of TRUE and FALSE. NULL on ENOMEM. */
const qb_bexpr *qb_bexpr__and(qb_arena *a, const qb_bexpr *l, const qb_bexpr *r);
const qb_bexpr *qb_bexpr__or(qb_arena *a, const qb_bexpr *l, const qb_bexpr *r);
/* A predicate node (values are not copied). NULL on ENOMEM. */
qb_bexpr *qb_bexpr__pred(qb_arena *a, qb_expr_op op, int32_t field_id, const qb_type *type, const qb_value *values,
                         size_t n);
/* Every field id a bound expression reads (appended to ids, at most cap; returns the count wanted). */
size_t qb_bexpr__field_ids(const qb_bexpr *e, int32_t *ids, size_t cap);

/* ---- expr_eval.c ---- */

/* Value of `field_id` in whatever is being evaluated (a row, a partition tuple); NULL or a QB_V_NULL
 * value means null. */
typedef const qb_value *(*qb_bexpr_lookup)(const void *ctx, int32_t field_id);
bool qb_bexpr__eval(const qb_bexpr *e, qb_bexpr_lookup lookup, const void *ctx);

/* ---- expr_project.c ---- */

/* Java's inclusive projection (Projections.inclusive): a predicate on the partition tuple of `spec`
 * that is true for every partition that may hold a row matching `e`. Field ids of the result are partition
 * field ids, types the transforms' result types. */
int qb_bexpr__project(const qb_bexpr **out, const qb_bexpr *e, const qb_partition_spec *spec,
                      const qb_schema *schema, qb_arena *a, qb_err *err);

/* ---- expr_metrics.c ---- */

/* Java InclusiveMetricsEvaluator: false only when the file's counts and bounds prove no row matches.
 * Bounds are decoded with each field's type in `schema` (promotions tolerated). */
bool qb_bexpr__metrics_might_match(const qb_bexpr *e, const qb_data_file *f, const qb_schema *schema);
/* Java ManifestEvaluator on a projected expression: false only when the manifest's partition summaries
 * prove no partition matches. `spec` is the manifest's spec, `ptypes` its partition field result types. */
bool qb_bexpr__summary_might_match(const qb_bexpr *e, const qb_manifest_file *m, const qb_partition_spec *spec);

/* ---- value_text.c: typed values ---- */

/* n bytes copied into `a`, NUL-terminated (p may be NULL when n is 0). NULL on ENOMEM. */
uint8_t *qb_ice__bytes_dup(qb_arena *a, const uint8_t *p, size_t n);

/* Convert `in` to the canonical kind of primitive type `t` (INT32 for int/date, INT64 for long/time/
 * timestamps, DOUBLE for double, FLOAT for float, BYTES for decimals beyond 18 digits and binary/fixed/uuid,
 * STRING for strings, BOOL). Bytes are copied into `a`. QB_EINVAL if the kind cannot be that type. */
int qb_ice__value_canon(qb_value *out, const qb_type *t, const qb_value *in, qb_arena *a, qb_err *err);
/* Order of two non-null values of primitive type t (Java Comparators: NaN last, -0.0 < 0.0, strings and
 * binary unsigned lexicographic, decimals numerically). Mixed INT32/INT64 and FLOAT/DOUBLE are fine. */
int qb_ice__value_cmp(const qb_type *t, const qb_value *a, const qb_value *b);
/* Parse the text form of a value of primitive type `t` (qb_value_to_text's output and common variants).
 * Bytes point into `a`. QB_EINVAL says what was expected. */
int qb_ice__value_parse(qb_value *out, const qb_type *t, const char *s, size_t n, qb_arena *a, qb_err *err);
/* Append the text form (qb_value_to_text) of a primitive value. */
int qb_ice__value_text(qb_buf *b, const qb_type *t, const qb_value *v, qb_err *err);
/* Timestamp text to microseconds since the epoch ("2024-01-31", "2024-01-31T10:00:00.5", "... 10:00:00Z",
 * "...+02:00"); without a zone the time is taken as UTC. */
int qb_ice__parse_timestamp(int64_t *out, const char *s, size_t n, qb_err *err);
/* Date text ("2024-01-31") to days since the epoch. */
int qb_ice__parse_date(int32_t *out, const char *s, size_t n, qb_err *err);

#endif
