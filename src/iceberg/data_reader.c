/* SPDX-License-Identifier: Apache-2.0 */
/* Reading one Parquet data or delete file onto a table schema (spec "Column Projection", "Schema
 * Evolution"): columns are matched by field id (else through the name mapping, else by name), columns the
 * file lacks come from the identity partition value, the initial-default, or null; int→long and
 * float→double are widened. Rows stream one row group at a time; each row keeps its position in the file
 * for position deletes. */
#include <stdlib.h>
#include <string.h>

#include "formats/json/json.h"
#include "iceberg/table_int.h"

/* ---- a pool of values reused for every row (pointers stay valid until the next row) -------------- */

typedef struct pool_block {
  struct pool_block *next;
  size_t cap, used;
  qb_value items[];
} pool_block;

typedef struct vpool {
  pool_block *head, *cur;
} vpool;

static qb_value *pool_alloc(vpool *p, size_t n)
{
  if (n == 0) n = 1;
  for (pool_block *b = p->cur; b; b = b->next) {
    if (b->cap - b->used >= n) {
      p->cur = b;
      b->used += n;
      return b->items + b->used - n;
    }
  }
  size_t cap = n > 4096 ? n : 4096;
  pool_block *b = malloc(sizeof *b + cap * sizeof(qb_value));
  if (!b) return NULL;
  b->cap = cap;
  b->used = n;
  b->next = p->head;
  p->head = b;
  p->cur = b;
  return b->items;
}

static void pool_reset(vpool *p)
{
  for (pool_block *b = p->head; b; b = b->next) b->used = 0;
  p->cur = p->head;
}

static void pool_free(vpool *p)
{
  while (p->head) {
    pool_block *n = p->head->next;
    free(p->head);
    p->head = n;
  }
}

/* ---- conversion plan: file value -> table value ----------------------------------------------------- */

typedef enum {
  C_SAME,   /* the file value is already the table value */
  C_CONST,  /* missing from the file: constant */
  C_I32_I64,
  C_F32_F64,
  C_TO_STRING, /* unannotated BYTE_ARRAY read as a string column */
  C_TO_BYTES,
  C_STRUCT,
  C_LIST,
  C_MAP
} conv_kind;

typedef struct conv conv;
struct conv {
  conv_kind kind;
  int src;            /* struct children: index of the file child; -1 for C_CONST */
  qb_value constant;
  size_t n_children;  /* struct: one per table field; list: 1; map: 2 */
  conv *children;
};

struct qb_data_reader {
  qb_pq_reader *pq;
  qb_pq_scan *scan;
  qb_arena arena; /* plan and constants */
  conv root;
  vpool pool;
  qb_value out;
  int64_t *rg_start; /* first row of each row group */
  size_t n_rg;
  size_t last_rg;
  int64_t in_rg;
};

typedef struct build {
  qb_data_reader *r;
  const qb_data_reader_opts *o;
  const char *path;
  qb_err *err;
} build;

/* A missing column's value: identity partition, initial-default, null (spec "Column Projection"). */
static int missing_value(qb_value *out, build *b, const qb_field *f)
{
  *out = qb_value_null();
  const qb_data_reader_opts *o = b->o;
  for (size_t i = 0; o->spec && o->partition && i < o->spec->n_fields; i++) {
    const qb_partition_field *pf = &o->spec->fields[i];
    if (pf->source_id == f->id && pf->transform.kind == QB_TR_IDENTITY && o->partition->kind == QB_V_STRUCT &&
        i < o->partition->u.seq.n) {
      return qb_ice__value_canon(out, f->type, &o->partition->u.seq.items[i], &b->r->arena, b->err) == QB_OK
                 ? QB_OK
                 : qb_err_wrap(b->err, "identity partition value of %s", f->name);
    }
  }
  if (f->initial_default && qb_type_is_primitive(f->type)) {
    json_object *j;
    int rc = qb_json_parse(&j, f->initial_default, strlen(f->initial_default), b->err);
    if (rc) return qb_err_wrap(b->err, "initial-default of %s", f->name);
    qb_value v;
    if (json_object_is_type(j, json_type_boolean)) {
      v = (qb_value){.kind = QB_V_BOOL, .u.b = json_object_get_boolean(j)};
      rc = qb_ice__value_canon(out, f->type, &v, &b->r->arena, b->err);
    } else if (json_object_is_type(j, json_type_int) && f->type->id != QB_T_FLOAT && f->type->id != QB_T_DOUBLE &&
               f->type->id != QB_T_DECIMAL) {
      v = (qb_value){.kind = QB_V_INT64, .u.i64 = json_object_get_int64(j)};
      rc = qb_ice__value_canon(out, f->type, &v, &b->r->arena, b->err);
    } else if (json_object_is_type(j, json_type_string)) {
      rc = qb_ice__value_parse(out, f->type, json_object_get_string(j), (size_t)json_object_get_string_len(j),
                               &b->r->arena, b->err);
    } else { /* numbers by their text: exact for decimals */
      const char *s = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN);
      rc = qb_ice__value_parse(out, f->type, s, strlen(s), &b->r->arena, b->err);
    }
    json_object_put(j);
    if (rc) return qb_err_wrap(b->err, "initial-default of %s", f->name);
    return QB_OK;
  }
  if (f->required)
    return QB_FAIL(b->err, QB_ECORRUPT, "required column %s (id %d) is missing and has no default", f->name, f->id);
  return QB_OK;
}

static int32_t child_id(const qb_pq_field *c, const qb_name_mapping *level, const qb_name_mapping **sub)
{
  *sub = NULL;
  if (level) *sub = qb_name_mapping__find(level, c->name);
  if (c->has_field_id) return c->field_id;
  return *sub ? (*sub)->field_id : -1;
}

static int plan(conv *cv, build *b, const qb_field *tf, const qb_type *t, const qb_pq_field *ff,
                const qb_name_mapping *map);

/* Match the table struct's fields to the file struct's children. */
static int plan_struct(conv *cv, build *b, const qb_type *t, const qb_pq_field *const *kids, size_t n_kids,
                       const qb_name_mapping *map, const bool *needed)
{
  cv->kind = C_STRUCT;
  cv->n_children = t->n_fields;
  cv->children = qb_ice__alloc(&b->r->arena, t->n_fields ? t->n_fields : 1, sizeof *cv->children, b->err);
  if (!cv->children) return QB_ENOMEM;
  bool same = n_kids == t->n_fields && !needed;
  for (size_t i = 0; i < t->n_fields; i++) {
    const qb_field *tf = &t->fields[i];
    conv *c = &cv->children[i];
    memset(c, 0, sizeof *c);
    c->src = -1;
    c->kind = C_CONST;
    if (needed && !needed[i]) continue;
    for (size_t k = 0; k < n_kids; k++) {
      const qb_name_mapping *sub;
      int32_t id = child_id(kids[k], map, &sub);
      bool match = id >= 0 ? id == tf->id : (!map && !strcmp(kids[k]->name, tf->name));
      if (!match) continue;
      c->src = (int)k;
      int rc = plan(c, b, tf, tf->type, kids[k], sub);
      if (rc) return qb_err_wrap(b->err, "column %s", tf->name);
      break;
    }
    if (c->src < 0) {
      int rc = missing_value(&c->constant, b, tf);
      if (rc) return rc;
    }
    same = same && c->src == (int)i && c->kind == C_SAME;
  }
  if (same) cv->kind = C_SAME;
  return QB_OK;
}

static int incompatible(build *b, const qb_type *t, const qb_pq_field *ff)
{
  char tn[48];
  qb_type_to_string(tn, sizeof tn, t);
  return QB_FAIL(b->err, QB_ECORRUPT, "the file's %s column %s cannot be read as %s",
                 qb_pq_type_name(qb_pq_node_type(ff->node)), ff->path, tn);
}

static int plan_primitive(conv *cv, build *b, const qb_type *t, const qb_pq_field *ff)
{
  if (ff->kind != QB_PQ_F_PRIMITIVE) return incompatible(b, t, ff);
  qb_pq_type pt = qb_pq_node_type(ff->node);
  cv->kind = C_SAME;
  switch (t->id) {
  case QB_T_BOOLEAN: return pt == QB_PQ_BOOLEAN ? QB_OK : incompatible(b, t, ff);
  case QB_T_INT:
  case QB_T_DATE: return pt == QB_PQ_INT32 ? QB_OK : incompatible(b, t, ff);
  case QB_T_LONG:
  case QB_T_TIME:
  case QB_T_TIMESTAMP:
  case QB_T_TIMESTAMPTZ:
    if (pt == QB_PQ_INT32) cv->kind = C_I32_I64; /* promoted int column, or TIME(MILLIS) */
    else if (pt != QB_PQ_INT64 && pt != QB_PQ_INT96) return incompatible(b, t, ff);
    return QB_OK;
  case QB_T_FLOAT: return pt == QB_PQ_FLOAT ? QB_OK : incompatible(b, t, ff);
  case QB_T_DOUBLE:
    if (pt == QB_PQ_FLOAT) cv->kind = C_F32_F64;
    else if (pt != QB_PQ_DOUBLE) return incompatible(b, t, ff);
    return QB_OK;
  case QB_T_DECIMAL: /* any width: values stay unscaled INT32/INT64/BYTES, readers use decimal_of */
    return pt == QB_PQ_INT32 || pt == QB_PQ_INT64 || pt == QB_PQ_FIXED_LEN_BYTE_ARRAY || pt == QB_PQ_BYTE_ARRAY
               ? QB_OK
               : incompatible(b, t, ff);
  case QB_T_STRING:
    if (pt != QB_PQ_BYTE_ARRAY) return incompatible(b, t, ff);
    if (ff->vtype != QB_PQ_V_STRING) cv->kind = C_TO_STRING;
    return QB_OK;
  case QB_T_UUID:
  case QB_T_FIXED:
  case QB_T_BINARY:
    if (pt != QB_PQ_BYTE_ARRAY && pt != QB_PQ_FIXED_LEN_BYTE_ARRAY) return incompatible(b, t, ff);
    if (ff->vtype == QB_PQ_V_STRING) cv->kind = C_TO_BYTES;
    return QB_OK;
  default: return incompatible(b, t, ff);
  }
}

static const qb_name_mapping *sub_mapping(const qb_name_mapping *map, const char *name)
{
  return map ? qb_name_mapping__find(map, name) : NULL;
}

static int plan(conv *cv, build *b, const qb_field *tf, const qb_type *t, const qb_pq_field *ff,
                const qb_name_mapping *map)
{
  (void)tf;
  int rc;
  switch (t->id) {
  case QB_T_STRUCT:
    if (ff->kind != QB_PQ_F_STRUCT) return incompatible(b, t, ff);
    return plan_struct(cv, b, t, ff->children, ff->n_children, map, NULL);
  case QB_T_LIST:
    if (ff->kind != QB_PQ_F_LIST) return incompatible(b, t, ff);
    cv->kind = C_LIST;
    cv->n_children = 1;
    if (!(cv->children = qb_ice__alloc(&b->r->arena, 1, sizeof *cv->children, b->err))) return QB_ENOMEM;
    memset(cv->children, 0, sizeof *cv->children);
    if ((rc = plan(cv->children, b, NULL, t->element, ff->children[0], sub_mapping(map, "element")))) return rc;
    if (cv->children[0].kind == C_SAME) cv->kind = C_SAME;
    return QB_OK;
  case QB_T_MAP:
    if (ff->kind != QB_PQ_F_MAP || ff->n_children != 2) return incompatible(b, t, ff);
    cv->kind = C_MAP;
    cv->n_children = 2;
    if (!(cv->children = qb_ice__alloc(&b->r->arena, 2, sizeof *cv->children, b->err))) return QB_ENOMEM;
    memset(cv->children, 0, 2 * sizeof *cv->children);
    if ((rc = plan(&cv->children[0], b, NULL, t->key, ff->children[0], sub_mapping(map, "key"))) ||
        (rc = plan(&cv->children[1], b, NULL, t->value, ff->children[1], sub_mapping(map, "value"))))
      return rc;
    if (cv->children[0].kind == C_SAME && cv->children[1].kind == C_SAME) cv->kind = C_SAME;
    return QB_OK;
  default: return plan_primitive(cv, b, t, ff);
  }
}

/* ---- applying the plan ---------------------------------------------------------------------------------- */

static int apply(qb_value *out, const conv *cv, const qb_value *in, vpool *p, qb_err *err)
{
  if (cv->kind == C_CONST) {
    *out = cv->constant;
    return QB_OK;
  }
  if (in->kind == QB_V_NULL || cv->kind == C_SAME) {
    *out = *in;
    return QB_OK;
  }
  switch (cv->kind) {
  case C_I32_I64:
    *out = in->kind == QB_V_INT32 ? (qb_value){.kind = QB_V_INT64, .u.i64 = in->u.i32} : *in;
    return QB_OK;
  case C_F32_F64:
    *out = in->kind == QB_V_FLOAT ? (qb_value){.kind = QB_V_DOUBLE, .u.f64 = in->u.f32} : *in;
    return QB_OK;
  case C_TO_STRING:
  case C_TO_BYTES:
    *out = *in;
    out->kind = cv->kind == C_TO_STRING ? QB_V_STRING : QB_V_BYTES;
    return QB_OK;
  case C_STRUCT: {
    qb_value *items = pool_alloc(p, cv->n_children);
    if (!items) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    for (size_t i = 0; i < cv->n_children; i++) {
      const conv *c = &cv->children[i];
      const qb_value *src = c->src >= 0 && (size_t)c->src < in->u.seq.n ? &in->u.seq.items[c->src] : NULL;
      if (c->kind != C_CONST && !src) {
        items[i] = qb_value_null();
        continue;
      }
      int rc = apply(&items[i], c, src, p, err);
      if (rc) return rc;
    }
    *out = (qb_value){.kind = QB_V_STRUCT, .u.seq = {items, cv->n_children}};
    return QB_OK;
  }
  case C_LIST:
  case C_MAP: {
    size_t n = cv->kind == C_MAP ? 2 * in->u.seq.n : in->u.seq.n;
    qb_value *items = pool_alloc(p, n);
    if (!items) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
      int rc = apply(&items[i], &cv->children[cv->kind == C_MAP ? i % 2 : 0], &in->u.seq.items[i], p, err);
      if (rc) return rc;
    }
    *out = (qb_value){.kind = in->kind, .u.seq = {items, in->u.seq.n}};
    return QB_OK;
  }
  default: return QB_FAIL(err, QB_EINTERNAL, "bad conversion %d", (int)cv->kind);
  }
}

/* ---- open / next / close -------------------------------------------------------------------------------- */

int qb_data_reader__open(qb_data_reader **out, qb_fileio *io, const char *path, const qb_data_reader_opts *o,
                         qb_err *err)
{
  *out = NULL;
  qb_data_reader *r = calloc(1, sizeof *r);
  if (!r) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  qb_arena_init(&r->arena, 8 << 10);
  build b = {r, o, path, err};
  const qb_type *st = qb_schema_struct(o->schema);
  size_t nf = st->n_fields;
  const qb_pq_field **kids = NULL, **sel = NULL;
  qb_pq_predicate *preds = NULL;
  int32_t *ids = NULL;
  const char **names = NULL;
  int rc = qb_pq_reader_open_path(&r->pq, io, path, NULL, err);
  if (rc) goto done;
  size_t nk = qb_pq_reader_num_fields(r->pq);
  kids = calloc(nk ? nk : 1, sizeof *kids);
  sel = calloc(nk ? nk : 1, sizeof *sel);
  ids = calloc(nk ? nk : 1, sizeof *ids);
  names = calloc(nk ? nk : 1, sizeof *names);
  if (!kids || !sel || !ids || !names) {
    rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
    goto done;
  }
  for (size_t k = 0; k < nk; k++) kids[k] = qb_pq_reader_field(r->pq, k);
  /* plan against every top-level field of the file, then read only the ones the plan uses */
  const qb_name_mapping *map = o->mapping;
  if ((rc = plan_struct(&r->root, &b, st, kids, nk, map, o->needed))) goto done;
  size_t ns = 0;
  bool all_ids = true;
  for (size_t i = 0; i < nf; i++) {
    conv *c = &r->root.children[i];
    if (c->src < 0) continue;
    sel[ns] = kids[c->src];
    all_ids = all_ids && kids[c->src]->has_field_id;
    c->src = (int)ns++; /* index in the projected scan row */
  }
  r->root.kind = C_STRUCT; /* top level always rebuilt: unread columns are null */
  qb_pq_scan_options so = QB_PQ_SCAN_OPTIONS_INIT;
  for (size_t i = 0; i < ns; i++) {
    ids[i] = sel[i]->field_id;
    names[i] = sel[i]->name;
  }
  if (ns == 0) { /* nothing to read but the row count: the smallest column keeps positions right */
    if (nk) {
      sel[0] = kids[0];
      ids[0] = kids[0]->field_id;
      names[0] = kids[0]->name;
      all_ids = kids[0]->has_field_id;
      ns = 1;
    }
  }
  if (all_ids) {
    so.field_ids = ids;
    so.n_field_ids = ns;
    /* only predicates on columns this file has (a column added later is not in older files) */
    preds = calloc(o->n_preds ? o->n_preds : 1, sizeof *preds);
    if (!preds) {
      rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
      goto done;
    }
    for (size_t i = 0; i < o->n_preds; i++) {
      const qb_pq_field *pf = qb_pq_reader_field_by_id(r->pq, o->preds[i].field_id);
      if (pf && pf->kind == QB_PQ_F_PRIMITIVE && qb_pq_node_max_rep(pf->node) == 0) preds[so.n_predicates++] = o->preds[i];
    }
    so.predicates = preds;
  } else {
    so.columns = names;
    so.n_columns = ns;
  }
  if (ns && (rc = qb_pq_scan_new(&r->scan, r->pq, &so, err))) goto done;
  r->n_rg = qb_pq_reader_num_row_groups(r->pq);
  r->rg_start = calloc(r->n_rg + 1, sizeof *r->rg_start);
  if (!r->rg_start) {
    rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
    goto done;
  }
  for (size_t g = 0; g < r->n_rg; g++) {
    qb_pq_row_group_info info;
    if ((rc = qb_pq_reader_row_group(&info, r->pq, g, err))) goto done;
    r->rg_start[g + 1] = r->rg_start[g] + info.num_rows;
  }
  r->last_rg = (size_t)-1;
done:
  free(preds);
  free(kids);
  free(sel);
  free(ids);
  free(names);
  if (rc) {
    qb_data_reader__close(r);
    return qb_err_wrap(err, "%s", path);
  }
  *out = r;
  return QB_OK;
}

int qb_data_reader__next(const qb_value **row, int64_t *pos, qb_data_reader *r, qb_err *err)
{
  *row = NULL;
  if (!r->scan) return QB_OK;
  const qb_value *in;
  int rc = qb_pq_scan_next(&in, r->scan, err);
  if (rc || !in) return rc;
  size_t g = qb_pq_scan_row_groups_read(r->scan) + qb_pq_scan_row_groups_skipped(r->scan) - 1;
  if (g != r->last_rg) {
    r->last_rg = g;
    r->in_rg = 0;
  }
  if (pos) *pos = (g < r->n_rg ? r->rg_start[g] : 0) + r->in_rg;
  r->in_rg++;
  pool_reset(&r->pool);
  if ((rc = apply(&r->out, &r->root, in, &r->pool, err))) return qb_err_wrap(err, "%s", qb_pq_reader_path(r->pq));
  *row = &r->out;
  return QB_OK;
}

/* ---- whole batches of flat rows ------------------------------------------------------------------------ */

/* Conversions the bulk path reproduces (apply's leaves); anything else goes through the row path. */
static bool flat_conv(const conv *cv)
{
  switch (cv->kind) {
  case C_SAME:
  case C_CONST:
  case C_I32_I64:
  case C_F32_F64:
  case C_TO_STRING:
  case C_TO_BYTES: return true;
  default: return false;
  }
}

bool qb_data_reader__flat(const qb_data_reader *r, const size_t *top, size_t n_top)
{
  if (r->scan) {
    /* all top-level columns read are primitives: the batch's columns are then the scan row's items */
    size_t nf = qb_pq_scan_num_fields(r->scan);
    for (size_t k = 0; k < nf; k++) {
      const qb_pq_field *f = qb_pq_scan_field(r->scan, k);
      if (f->kind != QB_PQ_F_PRIMITIVE || qb_pq_node_max_rep(f->node) > 0) return false;
    }
  }
  for (size_t i = 0; i < n_top; i++) {
    if (top[i] >= r->root.n_children) return false;
    const conv *cv = &r->root.children[top[i]];
    if (!flat_conv(cv)) return false;
    if (cv->kind != C_CONST && (!r->scan || (size_t)cv->src >= qb_pq_scan_num_fields(r->scan))) return false;
  }
  return true;
}

/* One column of a batch into every n-th value of out (primitive()'s values, then apply's leaf conversion). */
static void flat_column(qb_value *out, size_t stride, const qb_pq_batch_column *c, size_t n, conv_kind ck)
{
  qb_vkind kind = c->kind;
  if (ck == C_I32_I64 && kind == QB_V_INT32) kind = QB_V_INT64;
  else if (ck == C_F32_F64 && kind == QB_V_FLOAT) kind = QB_V_DOUBLE;
  else if (ck == C_TO_STRING) kind = QB_V_STRING;
  else if (ck == C_TO_BYTES) kind = QB_V_BYTES;
  const uint8_t *nulls = c->nulls;
  for (size_t i = 0; i < n; i++, out += stride) {
    if (nulls && nulls[i]) {
      *out = qb_value_null();
      continue;
    }
    out->kind = kind;
    switch (c->kind) {
    case QB_V_BOOL: out->u.b = ((const uint8_t *)c->values)[i] != 0; break;
    case QB_V_INT32:
      if (kind == QB_V_INT64) out->u.i64 = ((const int32_t *)c->values)[i];
      else out->u.i32 = ((const int32_t *)c->values)[i];
      break;
    case QB_V_FLOAT:
      if (kind == QB_V_DOUBLE) out->u.f64 = ((const float *)c->values)[i];
      else out->u.f32 = ((const float *)c->values)[i];
      break;
    case QB_V_INT64: out->u.i64 = ((const int64_t *)c->values)[i]; break;
    case QB_V_DOUBLE: out->u.f64 = ((const double *)c->values)[i]; break;
    default: {
      const qb_slice *sl = &((const qb_slice *)c->values)[i];
      out->u.bytes.p = sl->p;
      out->u.bytes.n = sl->n;
    }
    }
  }
}

int qb_data_reader__next_rows(qb_value *out, size_t *n_rows, qb_data_reader *r, const size_t *top, size_t n_top,
                              size_t max_rows, qb_err *err)
{
  *n_rows = 0;
  if (!r->scan) return QB_OK;
  qb_pq_batch b;
  int rc = qb_pq_scan_next_batch(&b, r->scan, max_rows, err);
  if (rc) return qb_err_wrap(err, "%s", qb_pq_reader_path(r->pq));
  size_t n = b.n_rows;
  if (!n) return QB_OK;
  /* positions as qb_data_reader__next keeps them */
  size_t g = qb_pq_scan_row_groups_read(r->scan) + qb_pq_scan_row_groups_skipped(r->scan) - 1;
  if (g != r->last_rg) {
    r->last_rg = g;
    r->in_rg = 0;
  }
  r->in_rg += (int64_t)n;
  for (size_t i = 0; i < n_top; i++) {
    const conv *cv = &r->root.children[top[i]];
    if (cv->kind == C_CONST) {
      for (size_t k = 0; k < n; k++) out[k * n_top + i] = cv->constant;
      continue;
    }
    flat_column(out + i, n_top, &b.columns[cv->src], n, cv->kind);
  }
  *n_rows = n;
  return QB_OK;
}

bool qb_data_reader__from_file(const qb_data_reader *r, size_t top)
{
  return top < r->root.n_children && r->root.children[top].kind != C_CONST;
}

void qb_data_reader__counts(const qb_data_reader *r, uint64_t *rg_read, uint64_t *rg_skipped)
{
  *rg_read = r->scan ? qb_pq_scan_row_groups_read(r->scan) : 0;
  *rg_skipped = r->scan ? qb_pq_scan_row_groups_skipped(r->scan) : 0;
}

void qb_data_reader__close(qb_data_reader *r)
{
  if (!r) return;
  qb_pq_scan_free(r->scan);
  qb_pq_reader_close(r->pq);
  pool_free(&r->pool);
  free(r->rg_start);
  qb_arena_release(&r->arena);
  free(r);
}

const qb_value *qb_row__lookup(const qb_schema *schema, const qb_value *row, int32_t id)
{
  const qb_schema_entry *e = qb_schema__entry(schema, id);
  if (!e || e->in_collection) return NULL;
  const qb_value *v = row;
  for (size_t i = 0; i < e->path_len; i++) {
    if (!v || v->kind != QB_V_STRUCT || e->path[i] >= v->u.seq.n) return NULL;
    v = &v->u.seq.items[e->path[i]];
  }
  return v;
}

const qb_value *qb_row__lookup_cb(const void *ctx, int32_t id)
{
  const qb_row_ref *r = ctx;
  return qb_row__lookup(r->schema, r->row, id);
}
