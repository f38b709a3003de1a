/* SPDX-License-Identifier: Apache-2.0 */
/* Parquet schema tree: builder, validation, Dremel levels per leaf (formats.md §2.5), and conversion to/from
 * the depth-first SchemaElement list (parquet.thrift; LogicalTypes.md for the converted-type pairing). */
#include "formats/parquet/schema.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- names ------------------------------------------------------------------------------------------------ */

const char *qb_pq_type_name(qb_pq_type t)
{
  static const char *const names[] = {"BOOLEAN", "INT32", "INT64", "INT96",
                                      "FLOAT", "DOUBLE", "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"};
  return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "?";
}

const char *qb_pq_repetition_name(qb_pq_repetition r)
{
  static const char *const names[] = {"REQUIRED", "OPTIONAL", "REPEATED"};
  return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : "?";
}

const char *qb_pq_encoding_name(qb_pq_encoding e)
{
  static const char *const names[] = {"PLAIN", "?", "PLAIN_DICTIONARY", "RLE", "BIT_PACKED",
                                      "DELTA_BINARY_PACKED", "DELTA_LENGTH_BYTE_ARRAY", "DELTA_BYTE_ARRAY",
                                      "RLE_DICTIONARY", "BYTE_STREAM_SPLIT"};
  return (unsigned)e < sizeof names / sizeof names[0] ? names[e] : "?";
}

/* ---- construction ----------------------------------------------------------------------------------------- */

static qb_pq_node *node_new(qb_pq_schema *s, const char *name, size_t name_len, qb_err *err)
{
  qb_pq_node *n = qb_arena_calloc(&s->arena, 1, sizeof *n);
  char *nm = n ? qb_arena_strndup(&s->arena, name, name_len) : NULL;
  if (!nm) {
    QB_FAIL(err, QB_ENOMEM, "parquet schema: out of memory");
    return NULL;
  }
  n->name = nm;
  n->path = nm;
  n->converted = QB_PQ_CT_NONE;
  n->column_index = -1;
  s->n_nodes++;
  return n;
}

static int attach(qb_pq_schema *s, qb_pq_node *parent, qb_pq_node *child, qb_err *err)
{
  if (parent->n_children == parent->cap_children) {
    size_t cap = parent->cap_children ? parent->cap_children * 2 : 4;
    qb_pq_node **c = qb_arena_alloc(&s->arena, cap * sizeof *c);
    if (!c) return QB_FAIL(err, QB_ENOMEM, "parquet schema: out of memory");
    if (parent->n_children) memcpy(c, parent->children, parent->n_children * sizeof *c);
    parent->children = c;
    parent->cap_children = cap;
  }
  parent->children[parent->n_children++] = child;
  child->parent = parent;
  child->depth = parent->depth + 1;
  return QB_OK;
}

int qb_pq_schema_new(qb_pq_schema **out, const char *root_name, qb_err *err)
{
  *out = NULL;
  qb_pq_schema *s = calloc(1, sizeof *s);
  if (!s) return QB_FAIL(err, QB_ENOMEM, "parquet schema: out of memory");
  qb_arena_init(&s->arena, 16 << 10);
  const char *name = root_name ? root_name : "schema";
  s->root = node_new(s, name, strlen(name), err);
  if (!s->root) {
    qb_pq_schema_free(s);
    return QB_ENOMEM;
  }
  s->root->has_repetition = false;
  s->root->repetition = QB_PQ_REQUIRED;
  *out = s;
  return QB_OK;
}

void qb_pq_schema_free(qb_pq_schema *s)
{
  if (!s) return;
  qb_arena_release(&s->arena);
  free(s);
}

qb_pq_node *qb_pq_schema_root(qb_pq_schema *s) { return s->root; }
const qb_pq_node *qb_pq_schema_root_const(const qb_pq_schema *s) { return s->root; }

/* Common checks of the builder: schema open, parent a group of depth < limit, name valid and unique. */
static int check_child(qb_pq_schema *s, qb_pq_node *parent, const char *name, qb_pq_repetition rep, qb_err *err)
{
  if (s->finished) return QB_FAIL(err, QB_EINVAL, "parquet schema: already finished, cannot add '%s'", name);
  if (!parent || parent->is_leaf)
    return QB_FAIL(err, QB_EINVAL, "parquet schema: parent of '%s' is not a group", name ? name : "");
  if (!name || !*name) return QB_FAIL(err, QB_EINVAL, "parquet schema: empty field name under '%s'", parent->name);
  if ((unsigned)rep > QB_PQ_REPEATED)
    return QB_FAIL(err, QB_EINVAL, "parquet schema: field '%s': invalid repetition %d", name, (int)rep);
  if (parent->depth + 1 > QB_PQ_MAX_SCHEMA_DEPTH)
    return QB_FAIL(err, QB_ELIMIT, "parquet schema: field '%s' nests deeper than %d", name, QB_PQ_MAX_SCHEMA_DEPTH);
  for (size_t i = 0; i < parent->n_children; i++)
    if (strcmp(parent->children[i]->name, name) == 0)
      return QB_FAIL(err, QB_EINVAL, "parquet schema: duplicate field '%s' under '%s'", name, parent->name);
  return QB_OK;
}

static void set_field_id(qb_pq_node *n, int32_t field_id)
{
  n->has_field_id = field_id >= 0;
  n->field_id = field_id >= 0 ? field_id : 0;
}

int qb_pq_schema_add_group(qb_pq_node **out, qb_pq_schema *s, qb_pq_node *parent, const char *name,
                           qb_pq_repetition rep, int32_t field_id, qb_err *err)
{
  int rc = check_child(s, parent, name, rep, err);
  if (rc) return rc;
  qb_pq_node *n = node_new(s, name, strlen(name), err);
  if (!n) return QB_ENOMEM;
  n->has_repetition = true;
  n->repetition = rep;
  set_field_id(n, field_id);
  if ((rc = attach(s, parent, n, err))) return rc;
  if (out) *out = n;
  return QB_OK;
}

qb_pq_converted_type qb_pq_logical_to_converted(const qb_pq_logical_type *lt, qb_pq_type type)
{
  (void)type;
  switch (lt->kind) {
    case QB_PQ_LT_STRING: return QB_PQ_CT_UTF8;
    case QB_PQ_LT_MAP: return QB_PQ_CT_MAP;
    case QB_PQ_LT_LIST: return QB_PQ_CT_LIST;
    case QB_PQ_LT_ENUM: return QB_PQ_CT_ENUM;
    case QB_PQ_LT_DECIMAL: return QB_PQ_CT_DECIMAL;
    case QB_PQ_LT_DATE: return QB_PQ_CT_DATE;
    case QB_PQ_LT_JSON: return QB_PQ_CT_JSON;
    case QB_PQ_LT_BSON: return QB_PQ_CT_BSON;
    /* LogicalTypes.md: TIME/TIMESTAMP MILLIS|MICROS map to the legacy types whatever isAdjustedToUTC says
     * (writers must annotate local timestamps too, for old readers); NANOS has no legacy type. */
    case QB_PQ_LT_TIME:
      return lt->unit == QB_PQ_MILLIS ? QB_PQ_CT_TIME_MILLIS : lt->unit == QB_PQ_MICROS ? QB_PQ_CT_TIME_MICROS
                                                                                        : QB_PQ_CT_NONE;
    case QB_PQ_LT_TIMESTAMP:
      return lt->unit == QB_PQ_MILLIS   ? QB_PQ_CT_TIMESTAMP_MILLIS
             : lt->unit == QB_PQ_MICROS ? QB_PQ_CT_TIMESTAMP_MICROS
                                        : QB_PQ_CT_NONE;
    case QB_PQ_LT_INTEGER:
      switch (lt->bit_width) {
        case 8: return lt->is_signed ? QB_PQ_CT_INT_8 : QB_PQ_CT_UINT_8;
        case 16: return lt->is_signed ? QB_PQ_CT_INT_16 : QB_PQ_CT_UINT_16;
        case 32: return lt->is_signed ? QB_PQ_CT_INT_32 : QB_PQ_CT_UINT_32;
        case 64: return lt->is_signed ? QB_PQ_CT_INT_64 : QB_PQ_CT_UINT_64;
        default: return QB_PQ_CT_NONE;
      }
    default: return QB_PQ_CT_NONE;
  }
}

/* Largest decimal precision a FIXED_LEN_BYTE_ARRAY of `len` bytes holds: floor(log10(2^(8*len-1) - 1)). */
static int32_t flba_max_precision(int32_t len)
{
  if (len <= 0) return 0;
  double p = floor((8.0 * len - 1.0) * log10(2.0));
  return p > INT32_MAX ? INT32_MAX : (int32_t)p;
}

/* LogicalTypes.md: which physical types each annotation may sit on. */
static int check_annotation(const char *name, qb_pq_type type, int32_t type_length, const qb_pq_logical_type *lt,
                            qb_err *err)
{
  const char *why = NULL;
  switch (lt->kind) {
    case QB_PQ_LT_NONE:
    case QB_PQ_LT_UNKNOWN: break;
    case QB_PQ_LT_STRING:
    case QB_PQ_LT_ENUM:
    case QB_PQ_LT_JSON:
    case QB_PQ_LT_BSON:
      if (type != QB_PQ_BYTE_ARRAY) why = "needs BYTE_ARRAY";
      break;
    case QB_PQ_LT_DECIMAL: {
      int32_t maxp = type == QB_PQ_INT32   ? 9
                     : type == QB_PQ_INT64 ? 18
                     : type == QB_PQ_FIXED_LEN_BYTE_ARRAY ? flba_max_precision(type_length)
                     : type == QB_PQ_BYTE_ARRAY ? INT32_MAX
                                                : 0;
      if (maxp == 0) why = "needs INT32, INT64, FIXED_LEN_BYTE_ARRAY or BYTE_ARRAY";
      else if (lt->precision < 1 || lt->precision > maxp) why = "precision does not fit the physical type";
      else if (lt->scale < 0 || lt->scale > lt->precision) why = "scale must be in 0..precision";
      break;
    }
    case QB_PQ_LT_DATE:
      if (type != QB_PQ_INT32) why = "needs INT32";
      break;
    case QB_PQ_LT_TIME:
      if (lt->unit == QB_PQ_MILLIS ? type != QB_PQ_INT32 : type != QB_PQ_INT64) why = "MILLIS needs INT32, MICROS/NANOS INT64";
      if (lt->unit < QB_PQ_MILLIS || lt->unit > QB_PQ_NANOS) why = "needs a unit";
      break;
    case QB_PQ_LT_TIMESTAMP:
      if (type != QB_PQ_INT64) why = "needs INT64";
      if (lt->unit < QB_PQ_MILLIS || lt->unit > QB_PQ_NANOS) why = "needs a unit";
      break;
    case QB_PQ_LT_INTEGER:
      if (lt->bit_width != 8 && lt->bit_width != 16 && lt->bit_width != 32 && lt->bit_width != 64)
        why = "bit width must be 8, 16, 32 or 64";
      else if (type != (lt->bit_width == 64 ? QB_PQ_INT64 : QB_PQ_INT32)) why = "needs INT32 (INT64 for 64 bits)";
      break;
    case QB_PQ_LT_UUID:
      if (type != QB_PQ_FIXED_LEN_BYTE_ARRAY || type_length != 16) why = "needs FIXED_LEN_BYTE_ARRAY(16)";
      break;
    case QB_PQ_LT_FLOAT16:
      if (type != QB_PQ_FIXED_LEN_BYTE_ARRAY || type_length != 2) why = "needs FIXED_LEN_BYTE_ARRAY(2)";
      break;
    case QB_PQ_LT_LIST:
    case QB_PQ_LT_MAP: why = "annotates groups only"; break;
    default: why = "is not a known logical type"; break;
  }
  if (why)
    return QB_FAIL(err, QB_EINVAL, "parquet schema: field '%s': logical type %d on %s: %s", name, (int)lt->kind,
                   qb_pq_type_name(type), why);
  return QB_OK;
}

int qb_pq_schema_add_primitive(qb_pq_node **out, qb_pq_schema *s, qb_pq_node *parent, const char *name,
                               qb_pq_repetition rep, qb_pq_type type, int32_t type_length,
                               const qb_pq_logical_type *logical, int32_t field_id, qb_err *err)
{
  int rc = check_child(s, parent, name, rep, err);
  if (rc) return rc;
  if ((unsigned)type > QB_PQ_FIXED_LEN_BYTE_ARRAY)
    return QB_FAIL(err, QB_EINVAL, "parquet schema: field '%s': invalid physical type %d", name, (int)type);
  if (type == QB_PQ_FIXED_LEN_BYTE_ARRAY && type_length <= 0)
    return QB_FAIL(err, QB_EINVAL, "parquet schema: field '%s': FIXED_LEN_BYTE_ARRAY needs a length > 0", name);
  qb_pq_logical_type lt = logical ? *logical : QB_PQ_LOGICAL_NONE;
  lt.unrecognized_id = 0;
  if ((rc = check_annotation(name, type, type_length, &lt, err))) return rc;
  qb_pq_node *n = node_new(s, name, strlen(name), err);
  if (!n) return QB_ENOMEM;
  n->is_leaf = true;
  n->has_repetition = true;
  n->repetition = rep;
  n->type = type;
  n->type_length = type == QB_PQ_FIXED_LEN_BYTE_ARRAY ? type_length : 0;
  n->logical = lt;
  n->converted = qb_pq_logical_to_converted(&lt, type);
  if (lt.kind == QB_PQ_LT_DECIMAL) {
    n->has_scale_precision = true;
    n->scale = lt.scale;
    n->precision = lt.precision;
  }
  set_field_id(n, field_id);
  if ((rc = attach(s, parent, n, err))) return rc;
  if (out) *out = n;
  return QB_OK;
}

/* A LIST or MAP group with its repeated middle group (no field id on the middle group: Iceberg spec). */
static int add_wrapped(qb_pq_node **out_mid, qb_pq_node **out_outer, qb_pq_schema *s, qb_pq_node *parent,
                       const char *name, qb_pq_repetition rep, int32_t field_id, qb_pq_logical_kind kind,
                       const char *mid_name, qb_err *err)
{
  qb_pq_node *outer, *mid;
  int rc = qb_pq_schema_add_group(&outer, s, parent, name, rep, field_id, err);
  if (rc) return rc;
  outer->logical = QB_PQ_LOGICAL(kind);
  outer->converted = kind == QB_PQ_LT_LIST ? QB_PQ_CT_LIST : QB_PQ_CT_MAP;
  if ((rc = qb_pq_schema_add_group(&mid, s, outer, mid_name, QB_PQ_REPEATED, QB_PQ_NO_FIELD_ID, err))) return rc;
  *out_mid = mid;
  if (out_outer) *out_outer = outer;
  return QB_OK;
}

int qb_pq_schema_add_list(qb_pq_node **out_list_group, qb_pq_node **out_list, qb_pq_schema *s, qb_pq_node *parent,
                          const char *name, qb_pq_repetition rep, int32_t field_id, qb_err *err)
{
  return add_wrapped(out_list_group, out_list, s, parent, name, rep, field_id, QB_PQ_LT_LIST, "list", err);
}

int qb_pq_schema_add_map(qb_pq_node **out_key_value, qb_pq_node **out_map, qb_pq_schema *s, qb_pq_node *parent,
                         const char *name, qb_pq_repetition rep, int32_t field_id, qb_err *err)
{
  return add_wrapped(out_key_value, out_map, s, parent, name, rep, field_id, QB_PQ_LT_MAP, "key_value", err);
}

/* ---- finishing: order, levels, columns ----------------------------------------------------------------- */

/* Depth-first numbering and the per-node level counts; the recursion depth is bounded by the schema depth
 * limit enforced on construction. */
static void number(qb_pq_schema *s, qb_pq_node *n, size_t *next_node, size_t *next_col)
{
  n->index = (*next_node)++;
  if (s->nodes) s->nodes[n->index] = n;
  if (n->parent) {
    n->max_def = n->parent->max_def + (n->repetition != QB_PQ_REQUIRED);
    n->max_rep = n->parent->max_rep + (n->repetition == QB_PQ_REPEATED);
  } else {
    n->max_def = n->max_rep = 0;
  }
  n->first_column = *next_col;
  if (n->is_leaf) {
    n->column_index = (int)(*next_col)++;
  } else {
    n->column_index = -1;
    for (size_t i = 0; i < n->n_children; i++) number(s, n->children[i], next_node, next_col);
  }
  n->n_columns = *next_col - n->first_column;
}

static int compute(qb_pq_schema *s, qb_err *err)
{
  size_t n_nodes = 0, n_cols = 0;
  s->nodes = NULL;
  number(s, s->root, &n_nodes, &n_cols);
  if (n_cols == 0) return QB_FAIL(err, QB_EINVAL, "parquet schema: no columns");
  if (n_cols > INT32_MAX) return QB_FAIL(err, QB_ELIMIT, "parquet schema: too many columns");
  s->nodes = qb_arena_calloc(&s->arena, n_nodes, sizeof *s->nodes);
  s->columns = qb_arena_calloc(&s->arena, n_cols, sizeof *s->columns);
  if (!s->nodes || !s->columns) return QB_FAIL(err, QB_ENOMEM, "parquet schema: out of memory");
  n_nodes = n_cols = 0;
  number(s, s->root, &n_nodes, &n_cols);
  s->n_nodes = n_nodes;
  s->n_columns = n_cols;

  for (size_t i = 1; i < n_nodes; i++) {
    qb_pq_node *n = s->nodes[i];
    const char *pp = n->parent->parent ? n->parent->path : NULL;
    n->path = pp ? qb_arena_sprintf(&s->arena, "%s.%s", pp, n->name) : n->name;
    if (!n->path) return QB_FAIL(err, QB_ENOMEM, "parquet schema: out of memory");
  }
  s->root->path = "";

  for (size_t c = 0; c < n_cols; c++) s->columns[c].index = SIZE_MAX;
  for (size_t i = 0; i < n_nodes; i++) {
    qb_pq_node *leaf = s->nodes[i];
    if (!leaf->is_leaf) continue;
    qb_pq_column *col = &s->columns[leaf->column_index];
    size_t len = (size_t)leaf->depth;
    col->leaf = leaf;
    col->index = (size_t)leaf->column_index;
    col->path_len = len;
    col->max_def = leaf->max_def;
    col->max_rep = leaf->max_rep;
    col->path = qb_arena_calloc(&s->arena, len, sizeof *col->path);
    col->nodes = qb_arena_calloc(&s->arena, len, sizeof *col->nodes);
    col->def_node = qb_arena_calloc(&s->arena, (size_t)leaf->max_def + 1, sizeof *col->def_node);
    col->rep_node = qb_arena_calloc(&s->arena, (size_t)leaf->max_rep + 1, sizeof *col->rep_node);
    if (!col->path || !col->nodes || !col->def_node || !col->rep_node)
      return QB_FAIL(err, QB_ENOMEM, "parquet schema: out of memory");
    size_t k = len;
    for (const qb_pq_node *n = leaf; n->parent; n = n->parent) {
      k--;
      col->path[k] = n->name;
      col->nodes[k] = n;
      if (n->repetition != QB_PQ_REQUIRED) col->def_node[n->max_def] = n;
      if (n->repetition == QB_PQ_REPEATED) col->rep_node[n->max_rep] = n;
    }
    col->def_node[0] = s->root;
    col->rep_node[0] = s->root;
  }
  s->finished = true;
  return QB_OK;
}

/* The builder's structural rules, checked before computing levels. */
static int check_tree(const qb_pq_node *n, qb_err *err)
{
  if (n->is_leaf) return QB_OK;
  if (n->n_children == 0)
    return QB_FAIL(err, QB_EINVAL, "parquet schema: group '%s' has no fields", n->parent ? n->name : "(root)");
  if (n->logical.kind == QB_PQ_LT_LIST || n->logical.kind == QB_PQ_LT_MAP) {
    const qb_pq_node *mid = n->children[0];
    const char *what = n->logical.kind == QB_PQ_LT_LIST ? "list" : "map";
    if (n->n_children != 1 || mid->repetition != QB_PQ_REPEATED)
      return QB_FAIL(err, QB_EINVAL, "parquet schema: %s '%s' must have exactly one repeated child", what, n->name);
    if (!mid->is_leaf && mid->n_children == 0)
      return QB_FAIL(err, QB_EINVAL, "parquet schema: %s '%s' has no element", what, n->name);
    if (n->logical.kind == QB_PQ_LT_MAP &&
        (mid->is_leaf || mid->n_children < 1 || mid->n_children > 2 || mid->children[0]->repetition != QB_PQ_REQUIRED))
      return QB_FAIL(err, QB_EINVAL, "parquet schema: map '%s' needs a required key (and an optional value)", n->name);
  }
  for (size_t i = 0; i < n->n_children; i++) {
    int rc = check_tree(n->children[i], err);
    if (rc) return rc;
  }
  return QB_OK;
}

int qb_pq_schema_finish(qb_pq_schema *s, qb_err *err)
{
  if (s->finished) return QB_OK;
  int rc = check_tree(s->root, err);
  return rc ? rc : compute(s, err);
}

/* ---- getters ------------------------------------------------------------------------------------------------ */

size_t qb_pq_schema_n_columns(const qb_pq_schema *s) { return s->finished ? s->n_columns : 0; }

const qb_pq_node *qb_pq_schema_column(const qb_pq_schema *s, size_t i)
{
  return s->finished && i < s->n_columns ? s->columns[i].leaf : NULL;
}

const qb_pq_column *qb_pq_schema_column_info(const qb_pq_schema *s, size_t i)
{
  return s->finished && i < s->n_columns ? &s->columns[i] : NULL;
}

size_t qb_pq_schema_n_nodes(const qb_pq_schema *s) { return s->n_nodes; }
const char *qb_pq_node_name(const qb_pq_node *n) { return n->name; }
bool qb_pq_node_is_leaf(const qb_pq_node *n) { return n->is_leaf; }
qb_pq_repetition qb_pq_node_repetition(const qb_pq_node *n) { return n->repetition; }
qb_pq_type qb_pq_node_type(const qb_pq_node *n) { return n->type; }
int32_t qb_pq_node_type_length(const qb_pq_node *n) { return n->type_length; }
size_t qb_pq_node_value_width(const qb_pq_node *n)
{
  switch (n->type) {
  case QB_PQ_BOOLEAN: return 1;
  case QB_PQ_INT32:
  case QB_PQ_FLOAT: return 4;
  case QB_PQ_INT64:
  case QB_PQ_DOUBLE: return 8;
  case QB_PQ_INT96: return 12;
  case QB_PQ_FIXED_LEN_BYTE_ARRAY: return (size_t)n->type_length;
  default: return 0;
  }
}
qb_pq_logical_type qb_pq_node_logical(const qb_pq_node *n) { return n->logical; }
qb_pq_converted_type qb_pq_node_converted(const qb_pq_node *n) { return n->converted; }
size_t qb_pq_node_n_children(const qb_pq_node *n) { return n->n_children; }
const qb_pq_node *qb_pq_node_parent(const qb_pq_node *n) { return n->parent; }
int qb_pq_node_max_def(const qb_pq_node *n) { return n->max_def; }
int qb_pq_node_max_rep(const qb_pq_node *n) { return n->max_rep; }
int qb_pq_node_column_index(const qb_pq_node *n) { return n->column_index; }
const char *qb_pq_node_path(const qb_pq_node *n) { return n->path; }

bool qb_pq_node_field_id(const qb_pq_node *n, int32_t *out)
{
  if (n->has_field_id && out) *out = n->field_id;
  return n->has_field_id;
}

const qb_pq_node *qb_pq_node_child(const qb_pq_node *n, size_t i)
{
  return i < n->n_children ? n->children[i] : NULL;
}

/* ---- SchemaElement list ↔ tree -------------------------------------------------------------------------- */

/* Build the subtree rooted at els[*pos]; `depth` of that element. */
static int build(qb_pq_node **out, qb_pq_schema *s, const qb_pq_schema_element *els, size_t n, size_t *pos,
                 int depth, qb_err *err)
{
  size_t i = (*pos)++;
  const qb_pq_schema_element *e = &els[i];
  const char *name = e->name ? e->name : "";
  if (depth > QB_PQ_MAX_SCHEMA_DEPTH)
    return QB_FAIL(err, QB_ELIMIT, "schema element %zu (%s): nesting deeper than %d", i, name,
                   QB_PQ_MAX_SCHEMA_DEPTH);
  qb_pq_node *node = node_new(s, name, strlen(name), err);
  if (!node) return QB_ENOMEM;
  node->depth = depth;
  node->has_repetition = e->has_repetition;
  node->repetition = e->has_repetition ? e->repetition : QB_PQ_REQUIRED;
  if (depth > 0 && !e->has_repetition)
    return QB_FAIL(err, QB_ECORRUPT, "schema element %zu (%s): no repetition_type", i, name);
  if ((unsigned)node->repetition > QB_PQ_REPEATED)
    return QB_FAIL(err, QB_ECORRUPT, "schema element %zu (%s): invalid repetition_type %d", i, name,
                   (int)node->repetition);
  node->has_field_id = e->has_field_id;
  node->field_id = e->field_id;
  node->converted = e->has_converted_type ? e->converted_type : QB_PQ_CT_NONE;
  if (e->has_logical_type) node->logical = e->logical_type;
  if (node->logical.kind == QB_PQ_LT_DECIMAL) {
    node->has_scale_precision = true;
    node->scale = node->logical.scale;
    node->precision = node->logical.precision;
  } else if (e->has_scale || e->has_precision) {
    node->has_scale_precision = true;
    node->scale = e->scale;
    node->precision = e->precision;
  }
  bool group = e->has_num_children && e->num_children > 0;
  if (!group) {
    /* A group with num_children = 0 and no type cannot hold data: treat it as the corrupt leaf it looks like. */
    if (!e->has_type)
      return QB_FAIL(err, QB_ECORRUPT, "schema element %zu (%s): a leaf without a physical type", i, name);
    if ((unsigned)e->type > QB_PQ_FIXED_LEN_BYTE_ARRAY)
      return QB_FAIL(err, QB_ECORRUPT, "schema element %zu (%s): invalid physical type %d", i, name, (int)e->type);
    if (depth == 0) return QB_FAIL(err, QB_ECORRUPT, "schema element 0 (%s): the root is not a group", name);
    node->is_leaf = true;
    node->type = e->type;
    node->type_length = e->has_type_length ? e->type_length : 0;
    if (e->type == QB_PQ_FIXED_LEN_BYTE_ARRAY && node->type_length <= 0)
      return QB_FAIL(err, QB_ECORRUPT, "schema element %zu (%s): FIXED_LEN_BYTE_ARRAY without a positive type_length",
                     i, name);
    *out = node;
    return QB_OK;
  }
  /* Every child takes at least one element: a count beyond what is left is corrupt (and bounds the loop). */
  if ((size_t)e->num_children > n - *pos)
    return QB_FAIL(err, QB_ECORRUPT, "schema element %zu (%s): num_children %d but only %zu elements follow", i,
                   name, e->num_children, n - *pos);
  for (int32_t c = 0; c < e->num_children; c++) {
    if (*pos >= n)
      return QB_FAIL(err, QB_ECORRUPT, "schema element %zu (%s): num_children %d but the list ends after child %d",
                     i, name, e->num_children, c);
    qb_pq_node *child;
    int rc = build(&child, s, els, n, pos, depth + 1, err);
    if (rc) return rc;
    if ((rc = attach(s, node, child, err))) return rc;
  }
  *out = node;
  return QB_OK;
}

int qb_pq_schema_from_elements(qb_pq_schema **out, const qb_pq_schema_element *els, size_t n, qb_err *err)
{
  *out = NULL;
  if (n == 0) return QB_FAIL(err, QB_ECORRUPT, "parquet schema: empty schema list");
  qb_pq_schema *s = calloc(1, sizeof *s);
  if (!s) return QB_FAIL(err, QB_ENOMEM, "parquet schema: out of memory");
  qb_arena_init(&s->arena, 16 << 10);
  size_t pos = 0;
  int rc = build(&s->root, s, els, n, &pos, 0, err);
  if (!rc && pos != n)
    rc = QB_FAIL(err, QB_ECORRUPT, "parquet schema: %zu elements after the root's subtree (num_children wrong)",
                 n - pos);
  /* build() guarantees every group has a child, so there is at least one column. */
  if (!rc) rc = compute(s, err);
  if (rc) {
    qb_pq_schema_free(s);
    return rc;
  }
  *out = s;
  return QB_OK;
}

int qb_pq_schema_to_elements(qb_pq_schema_element **out, size_t *out_n, const qb_pq_schema *s, qb_arena *a,
                             qb_err *err)
{
  if (!s->finished) return QB_FAIL(err, QB_EINVAL, "parquet schema: not finished");
  qb_pq_schema_element *els = qb_arena_calloc(a, s->n_nodes, sizeof *els);
  if (!els) return QB_FAIL(err, QB_ENOMEM, "parquet schema: out of memory");
  for (size_t i = 0; i < s->n_nodes; i++) {
    const qb_pq_node *n = s->nodes[i];
    qb_pq_schema_element *e = &els[i];
    e->name = n->name;
    e->converted_type = QB_PQ_CT_NONE;
    if (n->parent) { /* parquet.thrift: the root has no repetition_type */
      e->has_repetition = true;
      e->repetition = n->repetition;
    }
    if (n->is_leaf) {
      e->has_type = true;
      e->type = n->type;
      if (n->type == QB_PQ_FIXED_LEN_BYTE_ARRAY) {
        e->has_type_length = true;
        e->type_length = n->type_length;
      }
    } else {
      e->has_num_children = true;
      e->num_children = (int32_t)n->n_children;
    }
    if (n->converted != QB_PQ_CT_NONE) {
      e->has_converted_type = true;
      e->converted_type = n->converted;
    }
    if (n->has_scale_precision) {
      e->has_scale = e->has_precision = true;
      e->scale = n->scale;
      e->precision = n->precision;
    }
    if (n->has_field_id) {
      e->has_field_id = true;
      e->field_id = n->field_id;
    }
    if (n->logical.kind != QB_PQ_LT_NONE) {
      e->has_logical_type = true;
      e->logical_type = n->logical;
      e->logical_type.unrecognized_id = 0;
    }
  }
  *out = els;
  *out_n = s->n_nodes;
  return QB_OK;
}
