/* SPDX-License-Identifier: Apache-2.0 */
/* Parquet reader internals shared by reader.c, fields.c, page_reader.c, column_reader.c, stats.c,
 * assemble.c and scan.c: the reader, the read tree of fields, the per-column page/batch decoder and the scan. */
#ifndef QB_FORMATS_PARQUET_READ_INT_H
#define QB_FORMATS_PARQUET_READ_INT_H

#include "formats/parquet/encodings.h"
#include "formats/parquet/meta.h"
#include "formats/parquet/schema.h"
#include "qberg/parquet.h"
#include "util/arena.h"

/* ---- the read tree --------------------------------------------------------------------------------- */

/* A field with what record assembly needs. `pub` is the first member: a qb_pq_field * handed out by the
 * API points at one of these. Levels follow Dremel: a value is present at a field when the definition level
 * of its entry reaches `def`. */
typedef struct qb_pq_rfield {
  qb_pq_field pub;
  int def;       /* definition level when the field is present (non-null) */
  int rep_def;   /* LIST/MAP: definition level when the list/map has at least one element */
  int rep;       /* LIST/MAP: repetition level of the repeated node: an entry with this level is a new element */
  int max_def;   /* PRIMITIVE: the leaf column's max definition level (a value is present at exactly this) */
  int max_rep;   /* PRIMITIVE: the leaf column's max repetition level */
  size_t lo, hi; /* leaf slots under the field: reader tree = leaf column indices, scan tree = scan columns */
  qb_pq_field **kids; /* storage behind pub.children */
  const struct qb_pq_rfield *parent; /* NULL at the top level */
  size_t id;     /* reader tree: depth-first number (projection marks) */
} qb_pq_rfield;

static inline qb_pq_rfield *qb_pq__rf(const qb_pq_field *f) { return (qb_pq_rfield *)f; }

/* fields.c: build the tree of the whole file, in `a` (see qb_pq_field for the shapes); leaf_fields has one
 * entry per leaf column; *out_count = number of fields built. */
int qb_pq__fields_build(qb_pq_rfield ***out_top, size_t *out_n, size_t *out_count, qb_pq_rfield **leaf_fields,
                        const qb_pq_schema *s, qb_arena *a, qb_err *err);
/* Find a field by its path (qb_pq_field.path) or its leaf's path_in_schema / node path; NULL if none. */
const qb_pq_rfield *qb_pq__fields_find_path(qb_pq_rfield *const *top, size_t n, const char *path);
const qb_pq_rfield *qb_pq__fields_find_id(qb_pq_rfield *const *top, size_t n, int32_t id);
/* The projected tree of a scan (see qb_pq_scan_new) in `a`, and its leaf slots in depth-first order. */
int qb_pq__fields_project(qb_pq_rfield ***out_top, size_t *out_n, qb_pq_rfield ***out_slots, size_t *out_slots_n,
                          const qb_pq_reader *r, const qb_pq_scan_options *o, qb_arena *a, qb_err *err);

/* ---- the reader ------------------------------------------------------------------------------------ */

struct qb_pq_reader {
  qb_file *file;
  bool owns_file;
  const char *path;         /* qb_file_path(file) */
  uint64_t size;
  uint64_t data_end;        /* first byte of the footer: every chunk ends at or before it */
  uint32_t footer_len;
  qb_pq_read_options opts;
  qb_arena arena;           /* footer metadata and the read tree */
  qb_pq_file_meta meta;
  qb_pq_schema *schema;
  qb_pq_rfield **top;       /* top-level fields */
  size_t n_top;
  qb_pq_rfield **leaf;      /* leaf column i -> its primitive field */
  size_t n_leaves;
  size_t n_fields;          /* fields in the read tree (ids 0..n-1) */
};

/* The usable statistics of chunk (rg, col) (stats.c). */
void qb_pq__stats_decode(qb_pq_stats *out, const qb_pq_reader *r, size_t rg, size_t col);
/* Compare two values of one column's representation: <0, 0, >0; false when not comparable. */
bool qb_pq__value_cmp(int *out, const qb_value *a, const qb_value *b, const qb_pq_field *f);

/* ---- one column chunk being read ----------------------------------------------------------------- */

/* Storage conversion from the physical value to the qb_value representation. */
typedef enum {
  QB_PQ_CONV_NONE = 0,
  QB_PQ_CONV_INT96,       /* INT96 (12 bytes) -> int64 micros */
  QB_PQ_CONV_MILLIS,      /* int64 millis -> micros */
  QB_PQ_CONV_NANOS,       /* int64 nanos -> micros (floor) */
  QB_PQ_CONV_TIME_MILLIS, /* int32 millis -> int64 micros */
  QB_PQ_CONV_FLOAT16      /* FLBA(2) -> float */
} qb_pq_conv;

/* INT96 (nanos of day, Julian day) -> micros since the epoch (wrapping, as Spark writes them). */
void qb_pq__int96_to_micros(int64_t *out, const uint8_t *p);
/* IEEE 754 half precision -> float (exact). */
float qb_pq__half_to_float(uint16_t h);

/* Storage of a leaf's values after conversion. */
void qb_pq__leaf_storage(qb_vkind *kind, qb_pq_conv *conv, size_t *size, const qb_pq_field *leaf);
/* Convert one statistics value / one PLAIN value of a leaf into the qb_value representation; false when
 * the bytes do not have the type's size. Bytes are borrowed. */
bool qb_pq__plain_to_value(qb_value *out, const qb_pq_field *leaf, qb_slice raw);

/* Level entries decoded per batch: bounds the memory of a column regardless of page sizes. */
#define QB_PQ_BATCH 1024

/* One level stream of a data page: RLE hybrid runs or, for the deprecated BIT_PACKED, the page's levels
 * decoded up front (their size is bounded by the page bytes). */
typedef struct qb_pq_levels {
  int max;
  bool bit_packed;
  qb_pq_rle_decoder rle;
  int16_t *all; /* BIT_PACKED: every level of the page (owned) */
  size_t pos;
} qb_pq_levels;

/* A page buffer kept alive after its column moved on, because a row still points into it. */
typedef struct qb_pq_retired {
  struct qb_pq_retired *next;
  uint8_t *buf;
  qb_pq_decoder dec;
} qb_pq_retired;

typedef struct qb_pq_colreader {
  qb_pq_reader *r;
  const qb_pq_rfield *leaf;
  const char *path;      /* for messages */
  size_t column;         /* leaf column index */
  qb_pq_type type;
  int32_t type_length;
  int max_def, max_rep;
  qb_vkind kind;
  qb_pq_conv conv;
  size_t vsize;          /* bytes per stored value */
  /* the chunk */
  uint64_t chunk_off;
  uint8_t *chunk;        /* the compressed chunk bytes (owned, reused across row groups) */
  size_t chunk_len, chunk_cap;
  qb_pq_codec codec;
  int64_t meta_values;   /* ColumnMetaData.num_values */
  size_t next;           /* offset in chunk of the next page header */
  int page_no;           /* pages seen, the dictionary page included (messages count from 0) */
  int cur_page;          /* number of the page being decoded */
  uint64_t cur_page_off; /* its file offset */
  int64_t entries_seen;  /* sum of num_values of the data pages loaded */
  bool done;             /* no more data pages */
  bool seen_data;
  /* the dictionary */
  bool has_dict;
  uint8_t *dict_buf;     /* decompressed dictionary page (owned; NULL when it lives in chunk) */
  void *dict;            /* dict_n converted values */
  size_t dict_n;
  /* the data page */
  int64_t page_left;     /* level entries not yet decoded */
  uint8_t *page_buf;     /* decompressed pages go here (owned, reused page after page) */
  size_t page_cap;
  bool page_owned;       /* the current page lives in page_buf (else in chunk) */
  qb_pq_decoder dec;
  bool dict_encoded;
  qb_pq_levels rep_lv, def_lv;
  /* the current batch: n entries, entry pos next; vals[i] valid when def[i] == max_def */
  int16_t *def, *rep;
  void *vals;
  uint8_t *nulls;        /* batch API */
  size_t n, pos;
  bool batch_nulls;      /* some entry of the batch is below max_def */
  uint32_t *u32;         /* scratch: levels, dictionary indices */
  qb_slice *tmp;         /* scratch: INT96/FLOAT16 raw values */
  int32_t *tmp32;        /* scratch: TIME(MILLIS) raw values */
  qb_pq_retired *retired;
} qb_pq_colreader;

/* column_reader.c */
/* Read chunk (rg, leaf) into memory and prepare to decode; c must be zeroed. */
int qb_pq__col_open(qb_pq_colreader *c, qb_pq_reader *r, size_t rg, const qb_pq_rfield *leaf, qb_err *err);
/* Decode k values with `dec` into out (c's storage kind, converted). */
int qb_pq__read_dense(qb_pq_colreader *c, qb_pq_decoder *dec, void *out, size_t k, qb_err *err);
/* End of the row group: free its dictionary and pages, keep the buffers for the next chunk of the column. */
void qb_pq__col_end(qb_pq_colreader *c);
/* Free everything of c (NULL-safe fields); c is zeroed. */
void qb_pq__col_close(qb_pq_colreader *c);
/* Make c->pos < c->n by decoding the next batch; at the end of the chunk c->n == c->pos == 0 and done. */
int qb_pq__col_fill(qb_pq_colreader *c, qb_err *err);
/* Free pages retired since the last call (the caller no longer holds values pointing into them). */
void qb_pq__col_release_retired(qb_pq_colreader *c);
/* After the last row: no entries may be left, and the chunk must hold the footer's num_values. */
int qb_pq__col_finish(qb_pq_colreader *c, int64_t rows, qb_err *err);
/* Prefix the error with "page N (offset X)" of the page being decoded (or the one that failed). */
int qb_pq__col_wrap_page(qb_pq_colreader *c, qb_err *err);

/* page_reader.c: load the next data page (decoding a leading dictionary page, skipping index and unknown
 * pages), set up its level streams and value decoder; at the end of the chunk sets c->done. */
int qb_pq__col_next_page(qb_pq_colreader *c, qb_err *err);
/* Decode `count` levels of one stream into out (left untouched when max is 0). */
int qb_pq__levels_read(int16_t *out, size_t count, qb_pq_levels *lv, uint32_t *scratch, qb_err *err);
/* Free the page buffers of c (current page), retiring them when `retire`. */
void qb_pq__page_drop(qb_pq_colreader *c, bool retire);

static inline int qb_pq__col_def(const qb_pq_colreader *c) { return c->max_def ? c->def[c->pos] : 0; }
static inline int qb_pq__col_rep(const qb_pq_colreader *c) { return c->max_rep ? c->rep[c->pos] : 0; }

/* ---- the scan ------------------------------------------------------------------------------------- */

typedef struct qb_pq_rowpool qb_pq_rowpool;

typedef struct qb_pq_pred {
  const qb_pq_rfield *leaf;  /* reader tree leaf */
  qb_pq_op op;
  qb_value value;            /* converted to the column's representation */
} qb_pq_pred;

struct qb_pq_scan {
  qb_pq_reader *r;
  qb_arena arena;            /* projected tree, predicates */
  qb_pq_rfield **top;
  size_t n_top;
  qb_pq_rfield **slot_leaf;  /* scan column i -> projected primitive field (pub.column = leaf index) */
  size_t n_cols;
  qb_pq_colreader *cols;
  qb_pq_pred *preds;
  size_t n_preds;
  size_t rg_next;            /* next row group to consider */
  size_t rg_cur;
  bool rg_open;
  int64_t rg_rows, rg_row;   /* rows in the open row group, rows returned from it */
  size_t skipped, read;
  /* rows */
  qb_pq_rowpool *pool;
  qb_value row;
  qb_value *stack;           /* list elements being assembled */
  size_t stack_n, stack_cap;
  /* batches */
  qb_pq_batch_column *bcols;
  /* first error: the scan is poisoned */
  int rc;
  qb_err first;
};

/* assemble.c */
/* max_bytes: the most one row may use (QB_ELIMIT beyond). */
int qb_pq__rowpool_new(qb_pq_rowpool **out, size_t max_bytes, qb_err *err);
void qb_pq__rowpool_free(qb_pq_rowpool *p);
void qb_pq__rowpool_reset(qb_pq_rowpool *p);
/* Assemble the next row of the open row group into s->row. */
int qb_pq__assemble_row(qb_pq_scan *s, qb_err *err);

/* stats.c: true when row group rg may hold rows matching every predicate. */
bool qb_pq__rg_may_match(const qb_pq_scan *s, size_t rg);
/* Resolve and check a user predicate against the reader tree. */
int qb_pq__pred_resolve(qb_pq_pred *out, const qb_pq_reader *r, const qb_pq_predicate *p, qb_err *err);

#endif
