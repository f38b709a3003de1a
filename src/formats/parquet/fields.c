/* SPDX-License-Identifier: Apache-2.0 */
/* The read tree: a file schema seen as rows of structs, lists and maps (parquet-format LogicalTypes.md,
 * "Nested Types" and its backward-compatibility rules for lists and maps), the value type of each
 * primitive (logicalType first, else the legacy ConvertedType), lookup by path or field id, projection. */
#include <string.h>

#include "formats/parquet/read_int.h"

typedef struct build_ctx {
  qb_arena *a;
  qb_pq_rfield **leaf_fields;
  size_t count;
  qb_err *err;
} build_ctx;

static bool is_list_annot(const qb_pq_node *n)
{
  return n->logical.kind == QB_PQ_LT_LIST || (n->logical.kind == QB_PQ_LT_NONE && n->converted == QB_PQ_CT_LIST);
}

static bool is_map_annot(const qb_pq_node *n)
{
  if (n->logical.kind == QB_PQ_LT_MAP) return true;
  return n->logical.kind == QB_PQ_LT_NONE &&
         (n->converted == QB_PQ_CT_MAP || n->converted == QB_PQ_CT_MAP_KEY_VALUE);
}

/* LogicalTypes.md DECIMAL: precision ≥ 1 and 0 ≤ scale ≤ precision. Any other pair is not a decimal: a
 * scale of INT32_MIN or INT32_MAX from a damaged footer would print 2^31 digits per value. */
static bool decimal_fits(int32_t scale, int32_t precision)
{
  return precision >= 1 && scale >= 0 && scale <= precision;
}

/* The value type of a leaf: logicalType when present and valid for the physical type, else ConvertedType,
 * else the physical type. An annotation that does not fit its physical type is ignored (a DECIMAL also when
 * its scale and precision are impossible), and so is an unknown logicalType (unknown-logical-type.parquet:
 * "fall back to the physical type"). */
static void resolve_vtype(qb_pq_field *f, const qb_pq_node *n)
{
  qb_pq_type t = n->type;
  bool ints = t == QB_PQ_INT32 || t == QB_PQ_INT64;
  bool bin = t == QB_PQ_BYTE_ARRAY || t == QB_PQ_FIXED_LEN_BYTE_ARRAY;
  switch (t) {
  case QB_PQ_BOOLEAN: f->vtype = QB_PQ_V_BOOL; break;
  case QB_PQ_INT32:
  case QB_PQ_INT64: f->vtype = QB_PQ_V_INT; break;
  case QB_PQ_INT96: f->vtype = QB_PQ_V_TIMESTAMP, f->utc_adjusted = true; return;
  case QB_PQ_FLOAT: f->vtype = QB_PQ_V_FLOAT; break;
  case QB_PQ_DOUBLE: f->vtype = QB_PQ_V_DOUBLE; break;
  default: f->vtype = QB_PQ_V_BINARY; break;
  }
  const qb_pq_logical_type *lt = &n->logical;
  if (lt->unrecognized_id) return;
  switch (lt->kind) {
  case QB_PQ_LT_NONE: break;
  case QB_PQ_LT_STRING:
  case QB_PQ_LT_ENUM:
  case QB_PQ_LT_JSON:
    if (t == QB_PQ_BYTE_ARRAY) f->vtype = QB_PQ_V_STRING;
    return;
  case QB_PQ_LT_DECIMAL:
    if ((ints || bin) && decimal_fits(lt->scale, lt->precision))
      f->vtype = QB_PQ_V_DECIMAL, f->scale = lt->scale, f->precision = lt->precision;
    return;
  case QB_PQ_LT_DATE:
    if (t == QB_PQ_INT32) f->vtype = QB_PQ_V_DATE;
    return;
  case QB_PQ_LT_TIME:
    if ((t == QB_PQ_INT32 && lt->unit == QB_PQ_MILLIS) || (t == QB_PQ_INT64 && lt->unit != QB_PQ_MILLIS))
      f->vtype = QB_PQ_V_TIME, f->utc_adjusted = lt->utc_adjusted;
    return;
  case QB_PQ_LT_TIMESTAMP:
    if (t == QB_PQ_INT64) f->vtype = QB_PQ_V_TIMESTAMP, f->utc_adjusted = lt->utc_adjusted;
    return;
  case QB_PQ_LT_INTEGER:
    if (ints && !lt->is_signed) f->vtype = QB_PQ_V_UINT;
    return;
  case QB_PQ_LT_UUID:
    if (t == QB_PQ_FIXED_LEN_BYTE_ARRAY && n->type_length == 16) f->vtype = QB_PQ_V_UUID;
    return;
  case QB_PQ_LT_FLOAT16:
    if (t == QB_PQ_FIXED_LEN_BYTE_ARRAY && n->type_length == 2) f->vtype = QB_PQ_V_FLOAT;
    return;
  default: return; /* MAP/LIST on a leaf, UNKNOWN (always null), BSON: physical */
  }
  switch (n->converted) {
  case QB_PQ_CT_UTF8:
  case QB_PQ_CT_ENUM:
  case QB_PQ_CT_JSON:
    if (t == QB_PQ_BYTE_ARRAY) f->vtype = QB_PQ_V_STRING;
    break;
  case QB_PQ_CT_DECIMAL:
    if ((ints || bin) && n->has_scale_precision && decimal_fits(n->scale, n->precision))
      f->vtype = QB_PQ_V_DECIMAL, f->scale = n->scale, f->precision = n->precision;
    break;
  case QB_PQ_CT_DATE:
    if (t == QB_PQ_INT32) f->vtype = QB_PQ_V_DATE;
    break;
  case QB_PQ_CT_TIME_MILLIS:
    if (t == QB_PQ_INT32) f->vtype = QB_PQ_V_TIME, f->utc_adjusted = true;
    break;
  case QB_PQ_CT_TIME_MICROS:
    if (t == QB_PQ_INT64) f->vtype = QB_PQ_V_TIME, f->utc_adjusted = true;
    break;
  /* LogicalTypes.md: the legacy TIMESTAMP_* types are instants (isAdjustedToUTC = true) */
  case QB_PQ_CT_TIMESTAMP_MILLIS:
  case QB_PQ_CT_TIMESTAMP_MICROS:
    if (t == QB_PQ_INT64) f->vtype = QB_PQ_V_TIMESTAMP, f->utc_adjusted = true;
    break;
  case QB_PQ_CT_UINT_8:
  case QB_PQ_CT_UINT_16:
  case QB_PQ_CT_UINT_32:
  case QB_PQ_CT_UINT_64:
    if (ints) f->vtype = QB_PQ_V_UINT;
    break;
  default: break;
  }
}

static qb_pq_rfield *new_field(build_ctx *c, const qb_pq_node *n, const char *name, const char *prefix,
                               qb_pq_field_kind kind, bool nullable)
{
  qb_pq_rfield *f = qb_arena_calloc(c->a, 1, sizeof *f);
  if (!f) return NULL;
  f->pub.name = name;
  f->pub.path = prefix ? qb_arena_sprintf(c->a, "%s.%s", prefix, name) : name;
  if (!f->pub.path) return NULL;
  f->pub.kind = kind;
  f->pub.nullable = nullable;
  f->pub.has_field_id = n->has_field_id;
  f->pub.field_id = n->has_field_id ? n->field_id : 0;
  f->pub.node = n;
  f->pub.column = -1;
  f->lo = n->first_column;
  f->hi = n->first_column + n->n_columns;
  f->id = c->count++;
  return f;
}

static int set_children(build_ctx *c, qb_pq_rfield *f, size_t n)
{
  f->kids = qb_arena_calloc(c->a, n ? n : 1, sizeof *f->kids);
  if (!f->kids) return QB_FAIL(c->err, QB_ENOMEM, "out of memory");
  f->pub.n_children = n;
  f->pub.children = (const qb_pq_field *const *)f->kids;
  return QB_OK;
}

static int build_node(qb_pq_rfield **out, build_ctx *c, const qb_pq_node *n, const char *prefix,
                      const qb_pq_rfield *parent);

static int add_child(build_ctx *c, qb_pq_rfield *f, size_t i, const qb_pq_node *n, const char *prefix)
{
  qb_pq_rfield *k;
  int rc = build_node(&k, c, n, prefix, f);
  if (rc) return rc;
  f->kids[i] = &k->pub;
  return QB_OK;
}

/* `n` seen without its own repetition: a value present at n->max_def (`nullable` when OPTIONAL). */
static int build_plain(qb_pq_rfield **out, build_ctx *c, const qb_pq_node *n, const char *prefix, bool nullable,
                       const qb_pq_rfield *parent)
{
  int rc;
  qb_pq_rfield *f;
  *out = NULL;
  if (n->is_leaf) {
    if (!(f = new_field(c, n, n->name, prefix, QB_PQ_F_PRIMITIVE, nullable))) goto nomem;
    f->parent = parent;
    f->def = f->max_def = n->max_def;
    f->max_rep = n->max_rep;
    f->pub.column = n->column_index;
    resolve_vtype(&f->pub, n);
    c->leaf_fields[n->column_index] = f;
    *out = f;
    return QB_OK;
  }
  const qb_pq_node *r = n->n_children == 1 ? n->children[0] : NULL;
  bool one_repeated = r && r->repetition == QB_PQ_REPEATED;
  if (one_repeated && (is_list_annot(n) || (is_map_annot(n) && !r->is_leaf))) {
    bool map = is_map_annot(n) && r->n_children == 2;
    if (!(f = new_field(c, n, n->name, prefix, map ? QB_PQ_F_MAP : QB_PQ_F_LIST, nullable))) goto nomem;
    f->parent = parent;
    f->def = n->max_def;
    f->rep_def = r->max_def;
    f->rep = r->max_rep;
    if ((rc = set_children(c, f, map ? 2 : 1))) return rc;
    const char *rpath = qb_arena_sprintf(c->a, "%s.%s", f->pub.path, r->name);
    if (!rpath) goto nomem;
    if (map) {
      if ((rc = add_child(c, f, 0, r->children[0], rpath)) || (rc = add_child(c, f, 1, r->children[1], rpath)))
        return rc;
    } else if (is_map_annot(n)) {
      /* a key_value group with only a key (map_no_value.parquet) is a list of keys; with more than two
       * fields, a list of those structs */
      if (r->n_children == 1) {
        if ((rc = add_child(c, f, 0, r->children[0], rpath))) return rc;
      } else {
        qb_pq_rfield *e;
        if ((rc = build_plain(&e, c, r, f->pub.path, false, f))) return rc;
        f->kids[0] = &e->pub;
      }
    } else if (r->is_leaf || r->n_children > 1 || !strcmp(r->name, "array") ||
               (strlen(r->name) == strlen(n->name) + 6 && !strncmp(r->name, n->name, strlen(n->name)) &&
                !strcmp(r->name + strlen(n->name), "_tuple"))) {
      /* LogicalTypes.md backward-compatibility rules 1-3: the repeated field itself is the (required)
       * element: a repeated primitive, a repeated group of several fields, or one named "array" or
       * "<list>_tuple" (2-level lists written by parquet-avro, parquet-thrift) */
      qb_pq_rfield *e;
      if ((rc = build_plain(&e, c, r, f->pub.path, false, f))) return rc;
      f->kids[0] = &e->pub;
    } else {
      /* rule 4: 3-level list; the element is the repeated group's only child, whatever its name */
      if ((rc = add_child(c, f, 0, r->children[0], rpath))) return rc;
    }
    *out = f;
    return QB_OK;
  }
  if (!(f = new_field(c, n, n->name, prefix, QB_PQ_F_STRUCT, nullable))) goto nomem;
  f->parent = parent;
  f->def = n->max_def;
  if ((rc = set_children(c, f, n->n_children))) return rc;
  for (size_t i = 0; i < n->n_children; i++)
    if ((rc = add_child(c, f, i, n->children[i], f->pub.path))) return rc;
  *out = f;
  return QB_OK;
nomem:
  return QB_FAIL(c->err, QB_ENOMEM, "out of memory building the read schema");
}

static int build_node(qb_pq_rfield **out, build_ctx *c, const qb_pq_node *n, const char *prefix,
                      const qb_pq_rfield *parent)
{
  if (n->repetition != QB_PQ_REPEATED) return build_plain(out, c, n, prefix, n->repetition == QB_PQ_OPTIONAL, parent);
  /* a repeated field outside a LIST/MAP annotation is a required list of required elements
   * (LogicalTypes.md: "repeated fields that are not annotated") */
  qb_pq_rfield *f = new_field(c, n, n->name, prefix, QB_PQ_F_LIST, false), *e;
  if (!f) return QB_FAIL(c->err, QB_ENOMEM, "out of memory building the read schema");
  f->parent = parent;
  f->def = n->max_def - 1;
  f->rep_def = n->max_def;
  f->rep = n->max_rep;
  int rc = set_children(c, f, 1);
  if (rc || (rc = build_plain(&e, c, n, prefix, false, f))) return rc;
  f->kids[0] = &e->pub;
  *out = f;
  return QB_OK;
}

int qb_pq__fields_build(qb_pq_rfield ***out_top, size_t *out_n, size_t *out_count, qb_pq_rfield **leaf_fields,
                        const qb_pq_schema *s, qb_arena *a, qb_err *err)
{
  build_ctx c = {a, leaf_fields, 0, err};
  const qb_pq_node *root = qb_pq_schema_root_const(s);
  qb_pq_rfield **top = qb_arena_calloc(a, root->n_children ? root->n_children : 1, sizeof *top);
  if (!top) return QB_FAIL(err, QB_ENOMEM, "out of memory building the read schema");
  for (size_t i = 0; i < root->n_children; i++) {
    int rc = build_node(&top[i], &c, root->children[i], NULL, NULL);
    if (rc) return rc;
  }
  *out_top = top;
  *out_n = root->n_children;
  *out_count = c.count;
  return QB_OK;
}

/* ---- lookup ------------------------------------------------------------------------------------------ */

static const qb_pq_rfield *find(const qb_pq_rfield *f, const char *path, bool by_id, int32_t id)
{
  if (by_id ? (f->pub.has_field_id && f->pub.field_id == id)
            : (!strcmp(f->pub.path, path) || (f->pub.kind == QB_PQ_F_PRIMITIVE && !strcmp(f->pub.node->path, path))))
    return f;
  for (size_t i = 0; i < f->pub.n_children; i++) {
    const qb_pq_rfield *r = find(qb_pq__rf(f->pub.children[i]), path, by_id, id);
    if (r) return r;
  }
  return NULL;
}

const qb_pq_rfield *qb_pq__fields_find_path(qb_pq_rfield *const *top, size_t n, const char *path)
{
  for (size_t i = 0; i < n; i++) {
    const qb_pq_rfield *r = find(top[i], path, false, 0);
    if (r) return r;
  }
  return NULL;
}

const qb_pq_rfield *qb_pq__fields_find_id(qb_pq_rfield *const *top, size_t n, int32_t id)
{
  for (size_t i = 0; i < n; i++) {
    const qb_pq_rfield *r = find(top[i], NULL, true, id);
    if (r) return r;
  }
  return NULL;
}

/* ---- projection ---------------------------------------------------------------------------------------- */

enum { MARK_NONE = 0, MARK_PART = 1, MARK_FULL = 2 };

typedef struct proj_ctx {
  qb_arena *a;
  uint8_t *marks;
  size_t slot;
  qb_pq_rfield **slots;
} proj_ctx;

/* Copy `f` keeping fully selected subtrees whole and partial ones with their marked children; number the
 * leaves in depth-first order. A MAP is never split (a map without its keys would not be a map). */
static qb_pq_rfield *copy_field(proj_ctx *c, const qb_pq_rfield *f, bool whole, const qb_pq_rfield *parent)
{
  qb_pq_rfield *g = qb_arena_memdup(c->a, f, sizeof *f);
  if (!g) return NULL;
  g->parent = parent;
  whole = whole || c->marks[f->id] == MARK_FULL || f->pub.kind == QB_PQ_F_MAP;
  if (f->pub.kind == QB_PQ_F_PRIMITIVE) {
    g->lo = c->slot;
    g->hi = c->slot + 1;
    c->slots[c->slot++] = g;
    return g;
  }
  size_t n = 0;
  for (size_t i = 0; i < f->pub.n_children; i++)
    if (whole || c->marks[qb_pq__rf(f->pub.children[i])->id]) n++;
  g->kids = qb_arena_calloc(c->a, n ? n : 1, sizeof *g->kids);
  if (!g->kids) return NULL;
  g->pub.children = (const qb_pq_field *const *)g->kids;
  g->pub.n_children = n;
  g->lo = c->slot;
  n = 0;
  for (size_t i = 0; i < f->pub.n_children; i++) {
    const qb_pq_rfield *k = qb_pq__rf(f->pub.children[i]);
    if (!whole && !c->marks[k->id]) continue;
    qb_pq_rfield *kc = copy_field(c, k, whole, g);
    if (!kc) return NULL;
    g->kids[n++] = &kc->pub;
  }
  g->hi = c->slot;
  return g;
}

int qb_pq__fields_project(qb_pq_rfield ***out_top, size_t *out_n, qb_pq_rfield ***out_slots, size_t *out_slots_n,
                          const qb_pq_reader *r, const qb_pq_scan_options *o, qb_arena *a, qb_err *err)
{
  size_t n_sel = o ? o->n_columns + o->n_field_ids : 0;
  proj_ctx c = {a, qb_arena_calloc(a, r->n_fields ? r->n_fields : 1, 1), 0,
                qb_arena_calloc(a, r->n_leaves ? r->n_leaves : 1, sizeof(qb_pq_rfield *))};
  /* top-level fields in order of first selection; each at most once */
  const qb_pq_rfield **order = qb_arena_calloc(a, r->n_top ? r->n_top : 1, sizeof *order);
  if (!c.marks || !c.slots || !order) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  size_t n_order = 0;
  for (size_t i = 0; i < n_sel; i++) {
    const qb_pq_rfield *f;
    if (i < o->n_columns) {
      const char *name = o->columns[i];
      if (!name || !(f = qb_pq__fields_find_path(r->top, r->n_top, name)))
        return QB_FAIL(err, QB_ENOTFOUND, "no column '%s'", name ? name : "(null)");
    } else {
      int32_t id = o->field_ids[i - o->n_columns];
      if (!(f = qb_pq__fields_find_id(r->top, r->n_top, id)))
        return QB_FAIL(err, QB_ENOTFOUND, "no field with id %d", (int)id);
    }
    c.marks[f->id] = MARK_FULL;
    const qb_pq_rfield *t = f;
    for (const qb_pq_rfield *p = f->parent; p; p = p->parent) {
      if (!c.marks[p->id]) c.marks[p->id] = MARK_PART;
      t = p;
    }
    size_t k = 0;
    while (k < n_order && order[k] != t) k++;
    if (k == n_order) order[n_order++] = t;
  }
  if (n_sel == 0)
    for (size_t i = 0; i < r->n_top; i++) {
      order[n_order++] = r->top[i];
      c.marks[r->top[i]->id] = MARK_FULL;
    }
  qb_pq_rfield **top = qb_arena_calloc(a, n_order ? n_order : 1, sizeof *top);
  if (!top) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  for (size_t i = 0; i < n_order; i++)
    if (!(top[i] = copy_field(&c, order[i], false, NULL))) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  *out_top = top;
  *out_n = n_order;
  *out_slots = c.slots;
  *out_slots_n = c.slot;
  return QB_OK;
}
