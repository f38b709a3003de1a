/* SPDX-License-Identifier: Apache-2.0 */
/* Avro values <-> qb_value: decoding through a resolution plan, skipping, encoding (Avro 1.11 spec,
 * "Binary Encoding", "Schema Resolution"). Shared by the container reader/writer, tests and fuzzers. */
#ifndef QB_FORMATS_AVRO_DATUM_H
#define QB_FORMATS_AVRO_DATUM_H

#include "formats/avro/binary.h"
#include "formats/avro/schema.h"

/* ---- field paths for error messages ("data_file.split_offsets[3]") ------------------------------ */

#define QB_AVRO_MAX_PATH (2 * QB_AVRO_MAX_DEPTH)

typedef struct qb_avro_path {
  int n;
  struct {
    const char *name; /* a field name, or NULL for an element index */
    uint64_t index;
  } seg[QB_AVRO_MAX_PATH];
} qb_avro_path;

/** Push a segment; fails (QB_ELIMIT) when data nests deeper than QB_AVRO_MAX_PATH segments. */
int qb_avro__path_push(qb_avro_path *p, const char *name, uint64_t index, qb_err *err);
static inline void qb_avro__path_pop(qb_avro_path *p) { p->n--; }
/** Prefix err's message with the path ("a.b[2]: ") when the path is not empty; returns err->code. */
int qb_avro__path_wrap(const qb_avro_path *p, qb_err *err);

/* ---- resolution plans ---------------------------------------------------------------------------- */

typedef enum {
  QB_AVRO_OP_NULL,   /* nothing to read; QB_V_NULL */
  QB_AVRO_OP_BOOL,
  QB_AVRO_OP_INT,    /* writer int, promoted to `out` (INT32, INT64, FLOAT, DOUBLE) */
  QB_AVRO_OP_LONG,   /* writer long -> INT64, FLOAT, DOUBLE */
  QB_AVRO_OP_FLOAT,  /* writer float -> FLOAT, DOUBLE */
  QB_AVRO_OP_DOUBLE,
  QB_AVRO_OP_BYTES,  /* writer bytes or string -> BYTES or STRING */
  QB_AVRO_OP_FIXED,
  QB_AVRO_OP_ENUM,
  QB_AVRO_OP_RECORD,
  QB_AVRO_OP_ARRAY,  /* -> LIST, or MAP when the reader array is a logical map */
  QB_AVRO_OP_MAP,
  QB_AVRO_OP_UNION,  /* writer union: the branch index picks a plan */
  QB_AVRO_OP_BRANCH  /* a value that lands in a wrapped reader union: {rbranch, value} */
} qb_avro_op;

typedef struct qb_avro_plan qb_avro_plan;

typedef struct qb_avro_wfield {
  const qb_avro_field *w; /* the writer field */
  int32_t rindex;         /* reader field it fills, or -1: skipped */
  const qb_avro_plan *plan;
} qb_avro_wfield;

struct qb_avro_plan {
  qb_avro_op op;
  qb_vkind out;            /* value kind produced by the primitive ops */
  const qb_avro_node *w;   /* writer type: drives decoding */
  const qb_avro_node *r;   /* reader type: shapes the value */
  size_t n_wf;             /* record: writer fields in encoding order */
  qb_avro_wfield *wf;
  size_t n_rf;             /* record: reader fields; fill[i] = value of a field the writer lacks, else NULL */
  const qb_value **fill;
  const qb_avro_plan *item; /* array items, map values, or the inner plan of BRANCH */
  const qb_avro_plan **branch; /* writer union: per writer branch, NULL when the reader cannot take it */
  const char **why;            /* writer union: why branch i is unreadable */
  int32_t *symmap;             /* enum: writer symbol -> reader symbol or -1 */
  int32_t rbranch;             /* BRANCH: reader union branch */
  const char *fail;            /* record: why this pair failed to resolve (kept for later lookups) */
};

typedef struct qb_avro_plans qb_avro_plans; /* memory of compiled plans */

/**
 * Compile how to read values written with `w` as values of `r` (r may equal w: plain decoding).
 * QB_EINVAL names the first reader field the writer schema cannot feed.
 */
int qb_avro__plans_new(qb_avro_plans **out, const qb_avro_plan **root, const qb_avro_node *w,
                       const qb_avro_node *r, bool wrap_unions, qb_err *err);
void qb_avro__plans_free(qb_avro_plans *ps);

/** True when values of union `u` are wrapped as {branch, value} under the wrap_unions option. */
bool qb_avro__union_wraps(const qb_avro_node *u);

/* ---- decoding ------------------------------------------------------------------------------------ */

typedef struct qb_avro_dec {
  qb_arena *arena;      /* where decoded items go; bytes and strings point into the cursor's buffer */
  size_t arena_base;    /* arena->total_bytes when the record started */
  size_t max_bytes;     /* cap on arena growth for one record */
  qb_avro_path path;
} qb_avro_dec;

void qb_avro__dec_init(qb_avro_dec *d, qb_arena *a, size_t max_bytes);
/** Decode one value. Errors carry the field path. */
int qb_avro__decode(qb_value *out, const qb_avro_plan *p, qb_avro_cur *c, qb_avro_dec *d, qb_err *err);
/** Skip one value written with `n`. */
int qb_avro__skip(const qb_avro_node *n, qb_avro_cur *c, qb_avro_dec *d, qb_err *err);

/* ---- encoding ------------------------------------------------------------------------------------ */

/** "int32", "struct", … for messages. */
const char *qb_avro__kind_name(qb_vkind k);
/** The union branch an unwrapped value belongs to (null -> the null branch, then exact kinds, then
 * widening ones: int32 -> long, float -> double, bytes -> fixed of its size, string -> enum), or -1. */
int qb_avro__pick_branch(const qb_avro_node *u, const qb_value *v);
/** Append the encoding of `v` as a value of `n`; QB_EINVAL with the field path when v does not fit. */
int qb_avro__encode(qb_buf *b, const qb_avro_node *n, const qb_value *v, bool wrap_unions, qb_err *err);

/* ---- JSON --------------------------------------------------------------------------------------- */

/** A value of `n` from JSON in the layout qb_avro_value_to_json prints; items are allocated in `a`,
 * strings point into `j`. QB_EINVAL names the field path of a value that does not fit. */
int qb_avro__value_from_json(qb_value *out, const qb_avro_node *n, json_object *j, qb_arena *a, bool wrap_unions,
                             qb_err *err);

#endif
