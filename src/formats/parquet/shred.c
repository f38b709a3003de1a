/* SPDX-License-Identifier: Apache-2.0 */
/* Record shredding (see shred.h). Rules per node, with (rep, def) the levels reached so far:
 *   null or absent at an OPTIONAL node: every leaf below gets one entry (rep, def), no value;
 *   present OPTIONAL node: def + 1; REQUIRED: unchanged;
 *   REPEATED node with items: item i is shredded with rep (i == 0) or the node's own repetition level
 *   (i > 0) and def + 1; with no items every leaf below gets (rep, def);
 *   a present leaf emits (rep, max_def) and its value. */
#include "formats/parquet/shred.h"

#include <string.h>

/* The largest FIXED_LEN_BYTE_ARRAY decimal we sign-extend (a DECIMAL(38) needs 16 bytes). */
#define MAX_DECIMAL_WIDTH 64

static const char *kind_name(qb_vkind k)
{
  static const char *const names[] = {"NULL", "BOOL", "INT32", "INT64", "FLOAT", "DOUBLE",
                                      "BYTES", "STRING", "STRUCT", "LIST", "MAP"};
  return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

static bool is_list(const qb_pq_node *n)
{
  return !n->is_leaf && n->n_children == 1 && n->children[0]->repetition == QB_PQ_REPEATED &&
         (n->logical.kind == QB_PQ_LT_LIST || n->converted == QB_PQ_CT_LIST);
}

static bool is_map(const qb_pq_node *n)
{
  return !n->is_leaf && n->n_children == 1 && n->children[0]->repetition == QB_PQ_REPEATED &&
         !n->children[0]->is_leaf && n->children[0]->n_children == 2 &&
         (n->logical.kind == QB_PQ_LT_MAP || n->converted == QB_PQ_CT_MAP || n->converted == QB_PQ_CT_MAP_KEY_VALUE);
}

/* How the items of a repeated node map to its instances: 3-level list element, map key/value pair, or a
 * struct of the repeated group's children (a bare repeated group). */
typedef enum { INST_LEAF, INST_ELEMENT, INST_PAIR, INST_STRUCT } inst_kind;

static inst_kind instance_kind(const qb_pq_node *r)
{
  if (r->is_leaf) return INST_LEAF;
  const qb_pq_node *p = r->parent;
  if (p && is_map(p)) return INST_PAIR;
  if (p && is_list(p) && r->n_children == 1) return INST_ELEMENT;
  return INST_STRUCT;
}

/* ---- check ------------------------------------------------------------------------------------------ */

static int check_field(const qb_pq_node *n, const qb_value *v, qb_err *err);

static int check_leaf(const qb_pq_node *n, const qb_value *v, qb_err *err)
{
  qb_vkind k = v->kind;
  const char *want;
  switch (n->type) {
  case QB_PQ_BOOLEAN:
    if (k == QB_V_BOOL) return QB_OK;
    want = "BOOL";
    break;
  case QB_PQ_INT32:
    if (k == QB_V_INT32) return QB_OK;
    want = "INT32";
    break;
  case QB_PQ_INT64:
    if (k == QB_V_INT64) return QB_OK;
    want = "INT64";
    break;
  case QB_PQ_FLOAT:
    if (k == QB_V_FLOAT) return QB_OK;
    want = "FLOAT";
    break;
  case QB_PQ_DOUBLE:
    if (k == QB_V_DOUBLE) return QB_OK;
    want = "DOUBLE";
    break;
  case QB_PQ_BYTE_ARRAY:
    if (k == QB_V_STRING || k == QB_V_BYTES) {
      if (v->u.bytes.n > UINT32_MAX)
        return QB_FAIL(err, QB_EINVAL, "column %s: value of %zu bytes exceeds the 4 GiB BYTE_ARRAY limit", n->path,
                       v->u.bytes.n);
      return QB_OK;
    }
    want = "STRING or BYTES";
    break;
  default: { /* FIXED_LEN_BYTE_ARRAY, INT96 */
    size_t width = n->type == QB_PQ_INT96 ? 12 : (size_t)n->type_length;
    if (k != QB_V_STRING && k != QB_V_BYTES) {
      want = "BYTES";
      break;
    }
    size_t len = v->u.bytes.n;
    bool decimal = n->logical.kind == QB_PQ_LT_DECIMAL || n->converted == QB_PQ_CT_DECIMAL;
    if (len == width || (decimal && len < width && width <= MAX_DECIMAL_WIDTH)) return QB_OK;
    return QB_FAIL(err, QB_EINVAL, "column %s: expected %zu bytes for %s(%zu), got %zu", n->path, width,
                   qb_pq_type_name(n->type), width, len);
  }
  }
  return QB_FAIL(err, QB_EINVAL, "column %s: expected %s, got %s", n->path, want, kind_name(k));
}

static int check_instances(const qb_pq_node *r, const qb_value *items, size_t n_inst, qb_err *err)
{
  int rc;
  inst_kind ik = instance_kind(r);
  for (size_t i = 0; i < n_inst; i++) {
    switch (ik) {
    case INST_LEAF:
      if (items[i].kind == QB_V_NULL)
        return QB_FAIL(err, QB_EINVAL, "column %s: null item %zu in a REPEATED field", r->path, i);
      rc = check_leaf(r, &items[i], err);
      break;
    case INST_ELEMENT: rc = check_field(r->children[0], &items[i], err); break;
    case INST_PAIR:
      if ((rc = check_field(r->children[0], &items[2 * i], err)) == QB_OK)
        rc = check_field(r->children[1], &items[2 * i + 1], err);
      break;
    default: {
      const qb_value *s = &items[i];
      if (s->kind != QB_V_STRUCT || s->u.seq.n != r->n_children)
        return QB_FAIL(err, QB_EINVAL, "field %s: item %zu: expected a STRUCT of %zu fields, got %s", r->path, i,
                       r->n_children, kind_name(s->kind));
      rc = QB_OK;
      for (size_t j = 0; j < r->n_children && rc == QB_OK; j++) rc = check_field(r->children[j], &s->u.seq.items[j], err);
    }
    }
    if (rc) return rc;
  }
  return QB_OK;
}

static int check_field(const qb_pq_node *n, const qb_value *v, qb_err *err)
{
  if (v->kind == QB_V_NULL) {
    if (n->repetition == QB_PQ_REQUIRED)
      return QB_FAIL(err, QB_EINVAL, "%s %s: null in a REQUIRED field", n->is_leaf ? "column" : "field", n->path);
    return QB_OK;
  }
  if (n->repetition == QB_PQ_REPEATED) {
    if (v->kind != QB_V_LIST)
      return QB_FAIL(err, QB_EINVAL, "field %s: expected a LIST for a REPEATED field, got %s", n->path,
                     kind_name(v->kind));
    return check_instances(n, v->u.seq.items, v->u.seq.n, err);
  }
  if (n->is_leaf) return check_leaf(n, v, err);
  if (is_map(n)) {
    if (v->kind != QB_V_MAP) return QB_FAIL(err, QB_EINVAL, "field %s: expected MAP, got %s", n->path, kind_name(v->kind));
    return check_instances(n->children[0], v->u.seq.items, v->u.seq.n, err);
  }
  if (is_list(n)) {
    if (v->kind != QB_V_LIST) return QB_FAIL(err, QB_EINVAL, "field %s: expected LIST, got %s", n->path, kind_name(v->kind));
    return check_instances(n->children[0], v->u.seq.items, v->u.seq.n, err);
  }
  if (v->kind != QB_V_STRUCT || v->u.seq.n != n->n_children)
    return QB_FAIL(err, QB_EINVAL, "field %s: expected a STRUCT of %zu fields, got %s%s", n->path, n->n_children,
                   kind_name(v->kind), v->kind == QB_V_STRUCT ? " of another size" : "");
  for (size_t i = 0; i < n->n_children; i++) {
    int rc = check_field(n->children[i], &v->u.seq.items[i], err);
    if (rc) return rc;
  }
  return QB_OK;
}

int qb_pq_shred_check(const qb_pq_schema *s, const qb_value *row, qb_err *err)
{
  const qb_pq_node *root = s->root;
  if (row->kind != QB_V_STRUCT || row->u.seq.n != root->n_children)
    return QB_FAIL(err, QB_EINVAL, "row: expected a STRUCT of %zu fields, got %s%s", root->n_children,
                   kind_name(row->kind), row->kind == QB_V_STRUCT ? " of another size" : "");
  for (size_t i = 0; i < root->n_children; i++) {
    int rc = check_field(root->children[i], &row->u.seq.items[i], err);
    if (rc) return rc;
  }
  return QB_OK;
}

/* ---- shred ------------------------------------------------------------------------------------------- */

static int shred_field(qb_pq_colw *cols, const qb_pq_node *n, const qb_value *v, int rep, int def, qb_err *err);

static int emit_nulls(qb_pq_colw *cols, const qb_pq_node *n, int rep, int def, qb_err *err)
{
  for (size_t i = n->first_column; i < n->first_column + n->n_columns; i++) {
    int rc = qb_pq_colw_put_null(&cols[i], rep, def, err);
    if (rc) return rc;
  }
  return QB_OK;
}

static int put_leaf(qb_pq_colw *c, const qb_pq_node *n, const qb_value *v, int rep, qb_err *err)
{
  switch (n->type) {
  case QB_PQ_BOOLEAN: return qb_pq_colw_put_bool(c, rep, v->u.b, err);
  case QB_PQ_INT32: return qb_pq_colw_put_i32(c, rep, v->u.i32, err);
  case QB_PQ_INT64: return qb_pq_colw_put_i64(c, rep, v->u.i64, err);
  case QB_PQ_FLOAT: return qb_pq_colw_put_float(c, rep, v->u.f32, err);
  case QB_PQ_DOUBLE: return qb_pq_colw_put_double(c, rep, v->u.f64, err);
  case QB_PQ_BYTE_ARRAY: return qb_pq_colw_put_bytes(c, rep, v->u.bytes.p, v->u.bytes.n, err);
  default: {
    size_t len = v->u.bytes.n;
    if (len == c->width) return qb_pq_colw_put_bytes(c, rep, v->u.bytes.p, len, err);
    /* a shorter DECIMAL (checked): sign-extend the big-endian two's complement value to the width */
    uint8_t wide[MAX_DECIMAL_WIDTH];
    uint8_t pad = len && (v->u.bytes.p[0] & 0x80) ? 0xFF : 0x00;
    memset(wide, pad, c->width - len);
    if (len) memcpy(wide + c->width - len, v->u.bytes.p, len);
    return qb_pq_colw_put_bytes(c, rep, wide, c->width, err);
  }
  }
}

/* Items of repeated node `r` (n_inst instances), its rep level r->max_rep, def + 1 when present. */
static int shred_repeated(qb_pq_colw *cols, const qb_pq_node *r, const qb_value *items, size_t n_inst, int rep,
                          int def, qb_err *err)
{
  int rc = QB_OK;
  if (n_inst == 0) return emit_nulls(cols, r, rep, def, err);
  inst_kind ik = instance_kind(r);
  for (size_t i = 0; i < n_inst && rc == QB_OK; i++) {
    int ri = i == 0 ? rep : r->max_rep, d = def + 1;
    switch (ik) {
    case INST_LEAF: rc = put_leaf(&cols[r->first_column], r, &items[i], ri, err); break;
    case INST_ELEMENT: rc = shred_field(cols, r->children[0], &items[i], ri, d, err); break;
    case INST_PAIR:
      if ((rc = shred_field(cols, r->children[0], &items[2 * i], ri, d, err)) == QB_OK)
        rc = shred_field(cols, r->children[1], &items[2 * i + 1], ri, d, err);
      break;
    default:
      /* every leaf column below gets its own entry at level ri for each instance */
      for (size_t j = 0; j < r->n_children && rc == QB_OK; j++)
        rc = shred_field(cols, r->children[j], &items[i].u.seq.items[j], ri, d, err);
    }
  }
  return rc;
}

static int shred_field(qb_pq_colw *cols, const qb_pq_node *n, const qb_value *v, int rep, int def, qb_err *err)
{
  if (n->repetition == QB_PQ_REPEATED) {
    if (v->kind == QB_V_NULL) return emit_nulls(cols, n, rep, def, err);
    return shred_repeated(cols, n, v->u.seq.items, v->u.seq.n, rep, def, err);
  }
  if (v->kind == QB_V_NULL) return emit_nulls(cols, n, rep, def, err);
  if (n->repetition == QB_PQ_OPTIONAL) def++;
  if (n->is_leaf) return put_leaf(&cols[n->first_column], n, v, rep, err);
  if (is_list(n) || is_map(n)) return shred_repeated(cols, n->children[0], v->u.seq.items, v->u.seq.n, rep, def, err);
  for (size_t i = 0; i < n->n_children; i++) {
    int rc = shred_field(cols, n->children[i], &v->u.seq.items[i], rep, def, err);
    if (rc) return rc;
  }
  return QB_OK;
}

int qb_pq_shred_row(qb_pq_colw *cols, const qb_pq_schema *s, const qb_value *row, qb_err *err)
{
  const qb_pq_node *root = s->root;
  for (size_t i = 0; i < root->n_children; i++) {
    int rc = shred_field(cols, root->children[i], &row->u.seq.items[i], 0, 0, err);
    if (rc) return rc;
  }
  return QB_OK;
}

/* ---- flat rows ----------------------------------------------------------------------------------------- */

bool qb_pq_shred_is_flat(const qb_pq_schema *s)
{
  const qb_pq_node *root = s->root;
  for (size_t i = 0; i < root->n_children; i++)
    if (!root->children[i]->is_leaf || root->children[i]->repetition == QB_PQ_REPEATED) return false;
  return true;
}

int qb_pq_shred_flat(qb_pq_colw *cols, const qb_pq_schema *s, const qb_value *row, qb_err *err)
{
  const qb_pq_node *root = s->root;
  size_t n = root->n_children;
  if (row->kind != QB_V_STRUCT || row->u.seq.n != n)
    return QB_FAIL(err, QB_EINVAL, "row: expected a STRUCT of %zu fields, got %s%s", n, kind_name(row->kind),
                   row->kind == QB_V_STRUCT ? " of another size" : "");
  const qb_value *items = row->u.seq.items;
  int rc;
  for (size_t i = 0; i < n; i++) {
    const qb_pq_node *leaf = root->children[i];
    if (items[i].kind == QB_V_NULL) {
      if (leaf->repetition == QB_PQ_REQUIRED)
        return QB_FAIL(err, QB_EINVAL, "column %s: null in a REQUIRED field", leaf->path);
    } else if ((rc = check_leaf(leaf, &items[i], err)) != QB_OK) {
      return rc;
    }
  }
  for (size_t i = 0; i < n; i++) {
    const qb_pq_node *leaf = root->children[i];
    qb_pq_colw *c = &cols[leaf->first_column];
    if (items[i].kind == QB_V_NULL) rc = emit_nulls(cols, leaf, 0, 0, err);
    else rc = put_leaf(c, leaf, &items[i], 0, err);
    if (rc) return rc;
  }
  return QB_OK;
}
