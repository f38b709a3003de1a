/* SPDX-License-Identifier: Apache-2.0 */
/* Parquet schema tree internals: node layout, leaf columns with Dremel levels, and the conversion between
 * the tree and the flat depth-first SchemaElement list of FileMetaData (parquet.thrift, formats.md §2.3, §2.5). */
#ifndef QB_FORMATS_PARQUET_SCHEMA_H
#define QB_FORMATS_PARQUET_SCHEMA_H

#include "formats/parquet/meta.h"
#include "qberg/parquet.h"
#include "util/arena.h"

/* Fields are read directly by the page/column writer and the record assembler; treat them as read-only
 * once the schema is finished. */
struct qb_pq_node {
  const char *name;      /* arena-owned */
  const char *path;      /* dotted path from the root's child; set by finish ("" for the root) */
  qb_pq_node *parent;    /* NULL for the root */
  qb_pq_node **children; /* n_children entries (arena) */
  size_t n_children;
  size_t cap_children;
  bool is_leaf;
  bool has_repetition;     /* false only on a root read from a file without repetition_type */
  qb_pq_repetition repetition;
  qb_pq_type type;         /* leaves */
  int32_t type_length;     /* FIXED_LEN_BYTE_ARRAY; 0 otherwise unless the file said otherwise */
  qb_pq_converted_type converted;
  qb_pq_logical_type logical;
  bool has_scale_precision; /* legacy SchemaElement.scale/precision present */
  int32_t scale, precision; /* decimal: from the logical type, or the legacy fields */
  bool has_field_id;
  int32_t field_id;
  int depth;               /* root 0 */
  int max_def;             /* OPTIONAL/REPEATED nodes on root→here (root excluded, self included) */
  int max_rep;             /* REPEATED nodes on root→here */
  int column_index;        /* leaves: index in qb_pq_schema.columns; groups -1 */
  size_t first_column;     /* first leaf column under this node (itself for a leaf) */
  size_t n_columns;        /* leaf columns under this node (1 for a leaf) */
  size_t index;            /* position in depth-first order, root 0 (= SchemaElement index) */
};

/** A leaf column with what shredding and record assembly need. Arrays live in the schema's arena. */
typedef struct qb_pq_column {
  const qb_pq_node *leaf;
  size_t index;              /* column index (order of ColumnChunks in a RowGroup) */
  const char **path;         /* path_in_schema: names from the root's child down to the leaf */
  const qb_pq_node **nodes;  /* the nodes of that path: nodes[i] is named path[i] */
  size_t path_len;           /* = leaf->depth */
  int max_def, max_rep;
  /* def_node[d], d = 1..max_def: the OPTIONAL/REPEATED node whose presence raises the definition level to d;
   * def_node[0] is the root. rep_node[r], r = 1..max_rep: the REPEATED node whose repetition a level r
   * repeats; rep_node[0] is the root. Both arrays have max+1 entries. */
  const qb_pq_node **def_node;
  const qb_pq_node **rep_node;
} qb_pq_column;

struct qb_pq_schema {
  qb_arena arena;            /* every node, name and array */
  qb_pq_node *root;
  size_t n_nodes;
  bool finished;
  qb_pq_column *columns;     /* n_columns entries after finish */
  size_t n_columns;
  qb_pq_node **nodes;        /* all nodes in depth-first order (root first), after finish */
};

/** Column `i` with its levels (NULL when out of range or not finished). Borrowed. */
const qb_pq_column *qb_pq_schema_column_info(const qb_pq_schema *s, size_t i);

/**
 * Build a finished schema from FileMetaData.schema (depth-first, root first). Validates: n > 0, every
 * num_children consistent with the list (no missing or extra elements), leaves have a type, groups do not,
 * FIXED_LEN_BYTE_ARRAY has type_length > 0, non-root nodes have a valid repetition, the root is a group,
 * depth ≤ QB_PQ_MAX_SCHEMA_DEPTH. A group is an element with num_children > 0; anything else is a leaf and
 * needs a type. Names are not checked for uniqueness (legacy files). Names are copied. Logical types are kept as decoded; a node
 * with only a converted type keeps logical.kind == QB_PQ_LT_NONE (interpretation is the reader's job).
 * @return QB_OK, QB_ECORRUPT ("schema element 7 (a.b): ..."), QB_ELIMIT (depth), QB_ENOMEM
 */
int qb_pq_schema_from_elements(qb_pq_schema **out, const qb_pq_schema_element *els, size_t n, qb_err *err);

/**
 * Flatten a finished schema into SchemaElements (depth-first, root first; root without repetition_type),
 * allocated in `a`; names point into the schema (valid while it lives). Writes both logicalType and the
 * converted type (with scale/precision for decimals) as parquet-java does.
 * @param out    OUT: array of *out_n elements
 * @return QB_OK, QB_EINVAL (not finished), QB_ENOMEM
 */
int qb_pq_schema_to_elements(qb_pq_schema_element **out, size_t *out_n, const qb_pq_schema *s, qb_arena *a,
                             qb_err *err);

/** The legacy converted type parquet-java writes for `lt` on physical `type` (QB_PQ_CT_NONE if none). */
qb_pq_converted_type qb_pq_logical_to_converted(const qb_pq_logical_type *lt, qb_pq_type type);

#endif
