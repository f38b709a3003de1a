/* SPDX-License-Identifier: Apache-2.0 */
/* Schema resolution (Avro 1.11 spec, "Schema Resolution"), compiled once per file into plans that the
 * decoder follows. Iceberg's rule comes first: record fields match by "field-id", then by name/aliases.
 * Record and fixed names are not compared: Java names records r2/r102, PyIceberg and DuckDB leave them
 * anonymous or name them differently, and Iceberg readers match by id. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/avro/datum.h"

struct qb_avro_plans {
  qb_arena arena;
  qb_map memo; /* (writer record, reader record) -> plan, so recursive records compile once */
};

typedef struct cctx {
  qb_avro_plans *ps;
  bool wrap;
  qb_err *err;
  qb_avro_path path;
} cctx;

static const qb_value null_value = {QB_V_NULL, {0}};

static int oom(cctx *c) { return QB_FAIL(c->err, QB_ENOMEM, "reader schema: out of memory"); }

static const char *desc(const qb_avro_node *n)
{
  return n->name ? n->name : qb_avro_type_name(n->type);
}

/* A resolution failure at the current field path: "reader schema: at data_file.content: …" */
static int rfail(cctx *c, const char *fmt, ...) QB_PRINTF(2, 3);
static int rfail(cctx *c, const char *fmt, ...)
{
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  QB_FAIL(c->err, QB_EINVAL, "%s", msg);
  qb_avro__path_wrap(&c->path, c->err);
  return qb_err_wrap(c->err, "reader schema");
}

bool qb_avro__union_wraps(const qb_avro_node *u)
{
  size_t non_null = 0;
  for (size_t i = 0; i < u->n; i++) non_null += u->branches[i]->type != QB_AVRO_NULL;
  return non_null >= 2;
}

/* ---- default values ----------------------------------------------------------------------------- */

static int json_value(cctx *c, json_object *j, const qb_avro_node *r, int depth, qb_value *out);

static int bad_default(cctx *c, json_object *j, const qb_avro_node *r)
{
  return rfail(c, "default %.100s does not fit type %s", qb_avro__json_text(j), desc(r));
}

/* Spec: bytes and fixed defaults are JSON strings whose code points 0-255 are the byte values. */
static int json_bytes(cctx *c, json_object *j, const qb_avro_node *r, qb_value *out)
{
  const uint8_t *s = (const uint8_t *)json_object_get_string(j);
  size_t n = (size_t)json_object_get_string_len(j), k = 0;
  uint8_t *p = qb_arena_alloc(&c->ps->arena, n + 1);
  if (!p) return oom(c);
  for (size_t i = 0; i < n; k++) {
    if (s[i] < 0x80) p[k] = s[i++];
    else if ((s[i] == 0xc2 || s[i] == 0xc3) && i + 1 < n && (s[i + 1] & 0xc0) == 0x80)
      p[k] = (uint8_t)((s[i] & 0x03) << 6 | (s[i + 1] & 0x3f)), i += 2;
    else return bad_default(c, j, r);
  }
  if (r->type == QB_AVRO_FIXED && k != r->size) return bad_default(c, j, r);
  out->kind = QB_V_BYTES;
  out->u.bytes.p = p;
  out->u.bytes.n = k;
  return QB_OK;
}

static int json_record(cctx *c, json_object *j, const qb_avro_node *r, int depth, qb_value *out)
{
  if (!json_object_is_type(j, json_type_object)) return bad_default(c, j, r);
  qb_value *items = qb_arena_calloc(&c->ps->arena, r->n ? r->n : 1, sizeof *items);
  if (!items) return oom(c);
  for (size_t i = 0; i < r->n; i++) {
    const qb_avro_field *f = &r->fields[i];
    json_object *v;
    int rc = QB_OK;
    if (json_object_object_get_ex(j, f->name, &v)) rc = json_value(c, v, f->type, depth + 1, &items[i]);
    else if (f->has_default) rc = json_value(c, f->deflt, f->type, depth + 1, &items[i]);
    if (rc) return rc;
  }
  out->kind = QB_V_STRUCT;
  out->u.seq.items = items;
  out->u.seq.n = r->n;
  return QB_OK;
}

static int json_value(cctx *c, json_object *j, const qb_avro_node *r, int depth, qb_value *out)
{
  if (depth > QB_AVRO_MAX_DEPTH) return rfail(c, "default nested deeper than %d levels", QB_AVRO_MAX_DEPTH);
  *out = null_value;
  json_type t = json_object_get_type(j);
  switch (r->type) {
  case QB_AVRO_NULL: return t == json_type_null ? QB_OK : bad_default(c, j, r);
  case QB_AVRO_BOOLEAN:
    if (t != json_type_boolean) return bad_default(c, j, r);
    out->kind = QB_V_BOOL, out->u.b = json_object_get_boolean(j);
    return QB_OK;
  case QB_AVRO_INT: {
    int64_t v = json_object_get_int64(j);
    if (t != json_type_int || v < INT32_MIN || v > INT32_MAX) return bad_default(c, j, r);
    out->kind = QB_V_INT32, out->u.i32 = (int32_t)v;
    return QB_OK;
  }
  case QB_AVRO_LONG:
    if (t != json_type_int) return bad_default(c, j, r);
    out->kind = QB_V_INT64, out->u.i64 = json_object_get_int64(j);
    return QB_OK;
  case QB_AVRO_FLOAT:
  case QB_AVRO_DOUBLE:
    if (t != json_type_int && t != json_type_double) return bad_default(c, j, r);
    if (r->type == QB_AVRO_FLOAT) out->kind = QB_V_FLOAT, out->u.f32 = (float)json_object_get_double(j);
    else out->kind = QB_V_DOUBLE, out->u.f64 = json_object_get_double(j);
    return QB_OK;
  case QB_AVRO_BYTES:
  case QB_AVRO_FIXED: return t == json_type_string ? json_bytes(c, j, r, out) : bad_default(c, j, r);
  case QB_AVRO_STRING:
    if (t != json_type_string) return bad_default(c, j, r);
    out->kind = QB_V_STRING;
    out->u.bytes.p = (const uint8_t *)json_object_get_string(j);
    out->u.bytes.n = (size_t)json_object_get_string_len(j);
    return QB_OK;
  case QB_AVRO_ENUM:
    if (t == json_type_string)
      for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->symbols[i], json_object_get_string(j))) {
          out->kind = QB_V_STRING;
          out->u.bytes.p = (const uint8_t *)r->symbols[i];
          out->u.bytes.n = strlen(r->symbols[i]);
          return QB_OK;
        }
    return bad_default(c, j, r);
  case QB_AVRO_RECORD: return json_record(c, j, r, depth, out);
  case QB_AVRO_ARRAY: {
    if (t != json_type_array) return bad_default(c, j, r);
    size_t n = json_object_array_length(j);
    qb_value *items = qb_arena_calloc(&c->ps->arena, n ? n : 1, sizeof *items);
    if (!items) return oom(c);
    for (size_t i = 0; i < n; i++) {
      int rc = json_value(c, json_object_array_get_idx(j, i), r->items, depth + 1, &items[i]);
      if (rc) return rc;
    }
    if (r->lmap) { /* {key, value} records -> pairs */
      qb_value *pairs = qb_arena_calloc(&c->ps->arena, 2 * n + 1, sizeof *pairs);
      if (!pairs) return oom(c);
      for (size_t i = 0; i < n; i++) pairs[2 * i] = items[i].u.seq.items[0], pairs[2 * i + 1] = items[i].u.seq.items[1];
      out->kind = QB_V_MAP, out->u.seq.items = pairs, out->u.seq.n = n;
      return QB_OK;
    }
    out->kind = QB_V_LIST, out->u.seq.items = items, out->u.seq.n = n;
    return QB_OK;
  }
  case QB_AVRO_MAP: {
    if (t != json_type_object) return bad_default(c, j, r);
    size_t n = (size_t)json_object_object_length(j), i = 0;
    qb_value *pairs = qb_arena_calloc(&c->ps->arena, 2 * n + 1, sizeof *pairs);
    if (!pairs) return oom(c);
    json_object_object_foreach(j, key, val)
    {
      pairs[2 * i].kind = QB_V_STRING;
      pairs[2 * i].u.bytes.p = (const uint8_t *)key;
      pairs[2 * i].u.bytes.n = strlen(key);
      int rc = json_value(c, val, r->items, depth + 1, &pairs[2 * i + 1]);
      if (rc) return rc;
      i++;
    }
    out->kind = QB_V_MAP, out->u.seq.items = pairs, out->u.seq.n = n;
    return QB_OK;
  }
  case QB_AVRO_UNION: {
    /* Spec: the default of a union corresponds to its first branch. Writers that put null first but
     * give a non-null default exist; accept the first branch the value fits. */
    int rc = QB_EINVAL;
    size_t i = 0;
    for (; i < r->n && rc; i++) rc = json_value(c, j, r->branches[i], depth + 1, out);
    if (rc) return bad_default(c, j, r);
    qb_err_clear(c->err); /* the branches tried before left their complaint */
    if (c->wrap && qb_avro__union_wraps(r)) {
      qb_value *pair = qb_arena_calloc(&c->ps->arena, 2, sizeof *pair);
      if (!pair) return oom(c);
      pair[0].kind = QB_V_INT32, pair[0].u.i32 = (int32_t)(i - 1);
      pair[1] = *out;
      out->kind = QB_V_STRUCT, out->u.seq.items = pair, out->u.seq.n = 2;
    }
    return QB_OK;
  }
  }
  return bad_default(c, j, r);
}

/* ---- plans ------------------------------------------------------------------------------------- */

static qb_avro_plan *new_plan(cctx *c, qb_avro_op op, const qb_avro_node *w, const qb_avro_node *r)
{
  qb_avro_plan *p = qb_arena_calloc(&c->ps->arena, 1, sizeof *p);
  if (p) p->op = op, p->w = w, p->r = r, p->out = QB_V_NULL;
  return p;
}

static int compile(cctx *c, const qb_avro_node *w, const qb_avro_node *r, const qb_avro_plan **out);

/* A fixed decimal(P,S) read as a fixed decimal(P',S), P' >= P: Iceberg widens decimal columns, and a manifest
 * written before holds the partition value of such a column in the narrower fixed (decimal_5_2, 3 bytes) while
 * the reader's partition type is the current one (decimal_7_2, 4 bytes). The writer's bytes are the same
 * big-endian number; they are returned as they are (Java reads them with the file's own fixed size). */
static bool decimal_widens(const qb_avro_node *w, const qb_avro_node *r)
{
  int64_t wp, rp, ws = 0, rs = 0;
  if (!w->logical || !r->logical || strcmp(w->logical, "decimal") || strcmp(r->logical, "decimal")) return false;
  if (!qb_avro_node_int_prop(w, "precision", &wp) || !qb_avro_node_int_prop(r, "precision", &rp)) return false;
  (void)qb_avro_node_int_prop(w, "scale", &ws);
  (void)qb_avro_node_int_prop(r, "scale", &rs);
  return ws == rs && rp >= wp && r->size >= w->size;
}

/* Same kind of type, ignoring names (see the file comment); fixed sizes must agree (but decimal_widens). */
static bool same_type(const qb_avro_node *w, const qb_avro_node *r)
{
  if (w->type != r->type) return false;
  return w->type != QB_AVRO_FIXED || w->size == r->size || decimal_widens(w, r);
}

static bool promotable(qb_avro_type w, qb_avro_type r)
{
  switch (w) {
  case QB_AVRO_INT: return r == QB_AVRO_LONG || r == QB_AVRO_FLOAT || r == QB_AVRO_DOUBLE;
  case QB_AVRO_LONG: return r == QB_AVRO_FLOAT || r == QB_AVRO_DOUBLE;
  case QB_AVRO_FLOAT: return r == QB_AVRO_DOUBLE;
  case QB_AVRO_STRING: return r == QB_AVRO_BYTES;
  case QB_AVRO_BYTES: return r == QB_AVRO_STRING;
  default: return false;
  }
}

static int compile_record(cctx *c, const qb_avro_node *w, const qb_avro_node *r, const qb_avro_plan **out)
{
  const qb_avro_node *key[2] = {w, r};
  void **hit = qb_map_get(&c->ps->memo, key, sizeof key);
  if (hit) {
    const qb_avro_plan *done = *hit;
    /* a pair that failed inside a union branch attempt stays failed */
    if (done->fail) return QB_FAIL(c->err, QB_EINVAL, "%s", done->fail);
    *out = done;
    return QB_OK;
  }
  qb_avro_plan *p = new_plan(c, QB_AVRO_OP_RECORD, w, r);
  if (!p) return oom(c);
  int rc = qb_map_put(&c->ps->memo, key, sizeof key, p, NULL, c->err);
  if (rc) return rc;
  p->out = QB_V_STRUCT;
  p->n_wf = w->n;
  p->n_rf = r->n;
  p->wf = qb_arena_calloc(&c->ps->arena, w->n + 1, sizeof *p->wf);
  p->fill = qb_arena_calloc(&c->ps->arena, r->n + 1, sizeof *p->fill);
  if (!p->wf || !p->fill) return oom(c);
  for (size_t j = 0; j < w->n; j++) p->wf[j].w = &w->fields[j], p->wf[j].rindex = -1;
  for (size_t i = 0; i < r->n; i++) {
    const qb_avro_field *rf = &r->fields[i];
    int found = w == r ? (int)i : -1; /* reading with the writer schema: no search (linear in hostile schemas) */
    for (size_t j = 0; found < 0 && rf->has_id && j < w->n; j++)
      if (w->fields[j].has_id && w->fields[j].id == rf->id && p->wf[j].rindex < 0) found = (int)j;
    /* By name (or the reader's aliases) unless both fields carry ids, which then differ: a column that
     * was dropped and re-added under the same name is a different column. */
    for (size_t j = 0; found < 0 && j < w->n; j++) {
      const qb_avro_field *wf = &w->fields[j];
      if (p->wf[j].rindex >= 0 || (rf->has_id && wf->has_id)) continue;
      bool eq = !strcmp(wf->name, rf->name);
      for (size_t k = 0; !eq && k < rf->n_aliases; k++) eq = !strcmp(wf->name, rf->aliases[k]);
      if (eq) found = (int)j;
    }
    if ((rc = qb_avro__path_push(&c->path, rf->name, 0, c->err))) return rc;
    if (found >= 0) {
      p->wf[found].rindex = (int32_t)i;
      rc = compile(c, w->fields[found].type, rf->type, &p->wf[found].plan);
    } else if (rf->has_default) {
      qb_value *v = qb_arena_alloc(&c->ps->arena, sizeof *v);
      if (!v) return oom(c);
      rc = json_value(c, rf->deflt, rf->type, 0, v);
      p->fill[i] = v;
    } else {
      p->fill[i] = &null_value; /* Iceberg: a field the file lacks reads as null */
    }
    if (rc) {
      p->fail = qb_arena_strdup(&c->ps->arena, c->err->msg);
      return p->fail ? rc : oom(c);
    }
    qb_avro__path_pop(&c->path);
  }
  *out = p;
  return QB_OK;
}

static int compile_direct(cctx *c, const qb_avro_node *w, const qb_avro_node *r, const qb_avro_plan **out)
{
  static const qb_vkind kind_of[] = {QB_V_NULL,  QB_V_BOOL,  QB_V_INT32, QB_V_INT64, QB_V_FLOAT,
                                     QB_V_DOUBLE, QB_V_BYTES, QB_V_STRING};
  if (!same_type(w, r) && !promotable(w->type, r->type)) {
    if (w->type == QB_AVRO_FIXED && r->type == QB_AVRO_FIXED)
      return rfail(c, "writer fixed(%zu) cannot be read as fixed(%zu)", w->size, r->size);
    return rfail(c, "writer type %s cannot be read as %s", desc(w), desc(r));
  }
  if (w->type == QB_AVRO_RECORD) return compile_record(c, w, r, out);
  static const qb_avro_op op_of[] = {QB_AVRO_OP_NULL,  QB_AVRO_OP_BOOL,   QB_AVRO_OP_INT,   QB_AVRO_OP_LONG,
                                     QB_AVRO_OP_FLOAT, QB_AVRO_OP_DOUBLE, QB_AVRO_OP_BYTES, QB_AVRO_OP_BYTES,
                                     QB_AVRO_OP_RECORD, QB_AVRO_OP_ENUM,  QB_AVRO_OP_ARRAY, QB_AVRO_OP_MAP,
                                     QB_AVRO_OP_UNION, QB_AVRO_OP_FIXED};
  qb_avro_plan *p = new_plan(c, op_of[w->type], w, r);
  if (!p) return oom(c);
  *out = p;
  switch (w->type) {
  case QB_AVRO_FIXED: p->out = QB_V_BYTES; return QB_OK;
  case QB_AVRO_ENUM:
    p->out = QB_V_STRING;
    p->symmap = qb_arena_alloc(&c->ps->arena, (w->n + 1) * sizeof *p->symmap);
    if (!p->symmap) return oom(c);
    for (size_t i = 0; i < w->n; i++) {
      p->symmap[i] = w == r ? (int32_t)i : r->enum_default; /* spec: an unknown symbol takes the default */
      for (size_t k = 0; w != r && k < r->n; k++)
        if (!strcmp(w->symbols[i], r->symbols[k])) p->symmap[i] = (int32_t)k;
    }
    return QB_OK;
  case QB_AVRO_ARRAY: {
    p->out = r->lmap ? QB_V_MAP : QB_V_LIST;
    int rc = qb_avro__path_push(&c->path, NULL, 0, c->err);
    if (!rc) rc = compile(c, w->items, r->items, &p->item);
    if (rc) return rc;
    qb_avro__path_pop(&c->path);
    if (r->lmap && (!p->item || p->item->op != QB_AVRO_OP_RECORD))
      return rfail(c, "writer items %s cannot be read as map entries", desc(w->items));
    return QB_OK;
  }
  case QB_AVRO_MAP: {
    p->out = QB_V_MAP;
    int rc = qb_avro__path_push(&c->path, NULL, 0, c->err);
    if (!rc) rc = compile(c, w->items, r->items, &p->item);
    if (rc) return rc;
    qb_avro__path_pop(&c->path);
    return QB_OK;
  }
  default: p->out = kind_of[r->type]; return QB_OK;
  }
}

/* Spec: "The first schema in the reader's union that matches the writer's schema is recursively resolved
 * against it." Like Java, exact matches (and same names) are preferred over promotions. */
static int best_branch(const qb_avro_node *w, const qb_avro_node *u)
{
  for (size_t i = 0; i < u->n; i++)
    if (same_type(w, u->branches[i]) && (!w->name || !u->branches[i]->name || !strcmp(w->name, u->branches[i]->name)))
      return (int)i;
  for (size_t i = 0; i < u->n; i++)
    if (same_type(w, u->branches[i])) return (int)i;
  for (size_t i = 0; i < u->n; i++)
    if (promotable(w->type, u->branches[i]->type)) return (int)i;
  return -1;
}

/* A non-union writer type into reader union `r`; `same` >= 0 is the branch when the writer's union is the
 * reader's. */
static int compile_into_union(cctx *c, const qb_avro_node *w, const qb_avro_node *r, int same, const qb_avro_plan **out)
{
  int i = same >= 0 ? same : best_branch(w, r);
  if (i < 0) return rfail(c, "writer type %s matches no branch of the reader union", desc(w));
  const qb_avro_plan *inner;
  int rc = compile_direct(c, w, r->branches[i], &inner);
  if (rc) return rc;
  if (!c->wrap || !qb_avro__union_wraps(r)) {
    *out = inner;
    return QB_OK;
  }
  qb_avro_plan *p = new_plan(c, QB_AVRO_OP_BRANCH, w, r);
  if (!p) return oom(c);
  p->item = inner;
  p->rbranch = i;
  p->out = QB_V_STRUCT;
  *out = p;
  return QB_OK;
}

static int compile(cctx *c, const qb_avro_node *w, const qb_avro_node *r, const qb_avro_plan **out)
{
  if (w->type != QB_AVRO_UNION)
    return r->type == QB_AVRO_UNION ? compile_into_union(c, w, r, -1, out) : compile_direct(c, w, r, out);
  qb_avro_plan *p = new_plan(c, QB_AVRO_OP_UNION, w, r);
  if (!p) return oom(c);
  p->branch = qb_arena_calloc(&c->ps->arena, w->n, sizeof *p->branch);
  p->why = qb_arena_calloc(&c->ps->arena, w->n, sizeof *p->why);
  if (!p->branch || !p->why) return oom(c);
  /* Spec: a writer union is resolved branch by branch; a branch the reader cannot take is an error only
   * when a value actually uses it. */
  qb_err *outer = c->err, local = QB_ERR_INIT;
  c->err = &local;
  int npath = c->path.n;
  for (size_t i = 0; i < w->n; i++) {
    const qb_avro_node *b = w->branches[i];
    int rc;
    if (r->type == QB_AVRO_UNION) rc = compile_into_union(c, b, r, w == r ? (int)i : -1, &p->branch[i]);
    else if (b->type == QB_AVRO_NULL && r->type != QB_AVRO_NULL)
      rc = (p->branch[i] = new_plan(c, QB_AVRO_OP_NULL, b, r)) ? QB_OK : oom(c); /* optional -> required */
    else rc = compile_direct(c, b, r, &p->branch[i]);
    c->path.n = npath;
    if (rc) {
      p->branch[i] = NULL;
      p->why[i] = qb_arena_strdup(&c->ps->arena, local.msg);
      if (rc == QB_ENOMEM || !p->why[i]) {
        c->err = outer;
        return QB_FAIL(outer, QB_ENOMEM, "reader schema: out of memory");
      }
      qb_err_clear(&local);
    }
  }
  c->err = outer;
  *out = p;
  return QB_OK;
}

int qb_avro__plans_new(qb_avro_plans **out, const qb_avro_plan **root, const qb_avro_node *w,
                       const qb_avro_node *r, bool wrap_unions, qb_err *err)
{
  *out = NULL;
  *root = NULL;
  qb_avro_plans *ps = calloc(1, sizeof *ps);
  if (!ps) return QB_FAIL(err, QB_ENOMEM, "reader schema: out of memory");
  qb_arena_init(&ps->arena, 16 * 1024);
  qb_map_init(&ps->memo);
  cctx c = {.ps = ps, .wrap = wrap_unions, .err = err};
  int rc = compile(&c, w, r, root);
  if (rc) {
    qb_avro__plans_free(ps);
    *root = NULL;
    return rc;
  }
  *out = ps;
  return QB_OK;
}

void qb_avro__plans_free(qb_avro_plans *ps)
{
  if (!ps) return;
  qb_map_free(&ps->memo);
  qb_arena_release(&ps->arena);
  free(ps);
}
