/* SPDX-License-Identifier: Apache-2.0 */
/* Iceberg schemas (spec "Schemas"): field index by id and full name, identifier-field rules,
 * highest field id for last-column-id bookkeeping. */
#include <stdlib.h>
#include <string.h>

#include "iceberg/iceberg_int.h"

typedef struct index_ctx {
  qb_arena *a;
  qb_schema_entry *entries;
  size_t n, cap;
  qb_err *err;
} index_ctx;

static size_t count_ids(const qb_type *t)
{
  size_t n = 0;
  switch (t->id) {
  case QB_T_STRUCT:
    for (size_t i = 0; i < t->n_fields; i++) n += 1 + count_ids(t->fields[i].type);
    break;
  case QB_T_LIST: n = 1 + count_ids(t->element); break;
  case QB_T_MAP: n = 2 + count_ids(t->key) + count_ids(t->value); break;
  default: break;
  }
  return n;
}

static int add_entries(index_ctx *c, const qb_type *t, const char *prefix, const uint32_t *path, size_t path_len,
                       bool in_collection, bool optional_ancestor, int depth);

static int add_one(index_ctx *c, const qb_field *f, const char *prefix, const uint32_t *path, size_t path_len,
                   bool in_collection, bool optional_ancestor, int depth)
{
  if (c->n >= c->cap) return QB_FAIL(c->err, QB_EINTERNAL, "schema index overflow");
  if (f->id <= 0) return QB_FAIL(c->err, QB_EINVAL, "field '%s' has invalid id %d (ids must be positive)", f->name, (int)f->id);
  qb_schema_entry *e = &c->entries[c->n++];
  e->id = f->id;
  e->field = f;
  e->full_name = prefix ? qb_arena_sprintf(c->a, "%s.%s", prefix, f->name) : qb_arena_strdup(c->a, f->name);
  e->path = path;
  e->path_len = path_len;
  e->in_collection = in_collection;
  e->optional_ancestor = optional_ancestor;
  if (!e->full_name) return QB_FAIL(c->err, QB_ENOMEM, "out of memory indexing the schema");
  return add_entries(c, f->type, e->full_name, path, path_len, in_collection, optional_ancestor || !f->required, depth + 1);
}

/* A synthesized field for a list element or a map key/value, so lookups by id return a qb_field. */
static const qb_field *synth(index_ctx *c, int32_t id, const char *name, bool required, const qb_type *t)
{
  qb_field *f = qb_ice__alloc(c->a, 1, sizeof *f, c->err);
  if (!f) return NULL;
  f->id = id;
  f->name = name;
  f->required = required;
  f->type = t;
  return f;
}

static int add_entries(index_ctx *c, const qb_type *t, const char *prefix, const uint32_t *path, size_t path_len,
                       bool in_collection, bool optional_ancestor, int depth)
{
  if (depth > QB_JSON_MAX_DEPTH) return QB_FAIL(c->err, QB_ELIMIT, "schema nested deeper than %d levels", QB_JSON_MAX_DEPTH);
  int rc = QB_OK;
  switch (t->id) {
  case QB_T_STRUCT:
    for (size_t i = 0; i < t->n_fields && !rc; i++) {
      const qb_field *f = &t->fields[i];
      if (!f->name || !f->type) return QB_FAIL(c->err, QB_EINVAL, "field %d has no name or type", (int)f->id);
      for (size_t j = 0; j < i; j++)
        if (!strcmp(t->fields[j].name, f->name)) return QB_FAIL(c->err, QB_EINVAL, "duplicate field name '%s'", f->name);
      uint32_t *p = qb_ice__alloc(c->a, path_len + 1, sizeof *p, c->err);
      if (!p) return QB_ENOMEM;
      if (path_len) memcpy(p, path, path_len * sizeof *p);
      p[path_len] = (uint32_t)i;
      rc = add_one(c, f, prefix, p, path_len + 1, in_collection, optional_ancestor, depth);
    }
    return rc;
  case QB_T_LIST: {
    const qb_field *f = synth(c, t->element_id, "element", t->element_required, t->element);
    return f ? add_one(c, f, prefix, path, path_len, true, optional_ancestor, depth) : QB_ENOMEM;
  }
  case QB_T_MAP: {
    const qb_field *k = synth(c, t->key_id, "key", true, t->key);
    if (!k) return QB_ENOMEM;
    rc = add_one(c, k, prefix, path, path_len, true, optional_ancestor, depth);
    const qb_field *v = rc ? NULL : synth(c, t->value_id, "value", t->value_required, t->value);
    if (rc) return rc;
    return v ? add_one(c, v, prefix, path, path_len, true, optional_ancestor, depth) : QB_ENOMEM;
  }
  default: return QB_OK;
  }
}

static int cmp_entry(const void *a, const void *b)
{
  int32_t x = ((const qb_schema_entry *)a)->id, y = ((const qb_schema_entry *)b)->id;
  return (x > y) - (x < y);
}

/* Java Schema.validateIdentifierField. */
static int check_identifier(const qb_schema *s, int32_t id, qb_err *err)
{
  const qb_schema_entry *e = qb_schema__entry(s, id);
  if (!e) return QB_FAIL(err, QB_EINVAL, "cannot add field %d as an identifier field: not found in the schema", (int)id);
  const qb_field *f = e->field;
  if (!qb_type_is_primitive(f->type))
    return QB_FAIL(err, QB_EINVAL, "cannot add field '%s' as an identifier field: not a primitive type field", e->full_name);
  if (!f->required)
    return QB_FAIL(err, QB_EINVAL, "cannot add field '%s' as an identifier field: not a required field", e->full_name);
  if (f->type->id == QB_T_FLOAT || f->type->id == QB_T_DOUBLE)
    return QB_FAIL(err, QB_EINVAL, "cannot add field '%s' as an identifier field: must not be float or double field",
                   e->full_name);
  if (e->in_collection)
    return QB_FAIL(err, QB_EINVAL, "cannot add field '%s' as an identifier field: must not be nested in a list or map",
                   e->full_name);
  if (e->optional_ancestor)
    return QB_FAIL(err, QB_EINVAL, "cannot add field '%s' as an identifier field: must not be nested in an optional field",
                   e->full_name);
  return QB_OK;
}

int qb_schema__build(qb_schema **out, qb_arena *a, int32_t schema_id, const qb_field *fields, size_t n,
                     const int32_t *ids, size_t n_ids, qb_err *err)
{
  qb_schema *s = qb_ice__alloc(a, 1, sizeof *s, err);
  if (!s) return QB_ENOMEM;
  s->schema_id = schema_id;
  s->root.id = QB_T_STRUCT;
  s->root.fields = fields;
  s->root.n_fields = n;
  index_ctx c = {a, NULL, 0, count_ids(&s->root), err};
  c.entries = qb_ice__alloc(a, c.cap, sizeof *c.entries, err);
  if (!c.entries) return QB_ENOMEM;
  int rc = add_entries(&c, &s->root, NULL, NULL, 0, false, false, 0);
  if (rc) return rc;
  qsort(c.entries, c.n, sizeof *c.entries, cmp_entry);
  for (size_t i = 1; i < c.n; i++)
    if (c.entries[i].id == c.entries[i - 1].id)
      return QB_FAIL(err, QB_EINVAL, "duplicate field id %d ('%s' and '%s')", (int)c.entries[i].id,
                     c.entries[i - 1].full_name, c.entries[i].full_name);
  s->index = c.entries;
  s->n_index = c.n;
  s->highest_id = c.n ? c.entries[c.n - 1].id : 0;
  if (n_ids) {
    s->identifier_ids = qb_ice__alloc(a, n_ids, sizeof *ids, err);
    if (!s->identifier_ids) return QB_ENOMEM;
    memcpy(s->identifier_ids, ids, n_ids * sizeof *ids);
    s->n_identifier_ids = n_ids;
    for (size_t i = 0; i < n_ids; i++)
      if ((rc = check_identifier(s, ids[i], err))) return rc;
  }
  *out = s;
  return QB_OK;
}

const qb_schema_entry *qb_schema__entry(const qb_schema *s, int32_t id)
{
  size_t lo = 0, hi = s->n_index;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (s->index[mid].id == id) return &s->index[mid];
    if (s->index[mid].id < id)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

int qb_schema__copy(qb_schema **out, qb_arena *a, const qb_schema *src, int32_t schema_id, qb_err *err)
{
  const qb_type *root;
  int rc = qb_type__copy(&root, a, &src->root, err);
  if (rc) return rc;
  return qb_schema__build(out, a, schema_id, root->fields, root->n_fields, src->identifier_ids, src->n_identifier_ids,
                          err);
}

int qb_schema_new(qb_schema **out, int32_t schema_id, const qb_field *fields, size_t n_fields,
                  const int32_t *identifier_field_ids, size_t n_identifier_field_ids, qb_err *err)
{
  *out = NULL;
  qb_arena *a = malloc(sizeof *a);
  if (!a) return QB_FAIL(err, QB_ENOMEM, "out of memory creating a schema");
  qb_arena_init(a, 4096);
  qb_type root = {.id = QB_T_STRUCT, .fields = fields, .n_fields = n_fields};
  const qb_type *copy;
  qb_schema *s = NULL;
  int rc = qb_type__copy(&copy, a, &root, err);
  if (!rc)
    rc = qb_schema__build(&s, a, schema_id, copy->fields, copy->n_fields, identifier_field_ids,
                          n_identifier_field_ids, err);
  if (rc) {
    qb_arena_release(a);
    free(a);
    return rc;
  }
  s->own = a;
  *out = s;
  return QB_OK;
}

void qb_schema_free(qb_schema *s)
{
  if (!s || !s->own) return;
  qb_arena *a = s->own;
  qb_arena_release(a);
  free(a);
}

int32_t qb_schema_id(const qb_schema *s) { return s->schema_id; }
const qb_type *qb_schema_struct(const qb_schema *s) { return &s->root; }
size_t qb_schema_n_fields(const qb_schema *s) { return s->root.n_fields; }
const qb_field *qb_schema_fields(const qb_schema *s) { return s->root.fields; }
int32_t qb_schema_highest_field_id(const qb_schema *s) { return s->highest_id; }

const qb_field *qb_schema_find_field(const qb_schema *s, int32_t id)
{
  const qb_schema_entry *e = qb_schema__entry(s, id);
  return e ? e->field : NULL;
}

const qb_field *qb_schema_find_field_by_name(const qb_schema *s, const char *name)
{
  for (size_t i = 0; i < s->n_index; i++)
    if (!strcmp(s->index[i].full_name, name)) return s->index[i].field;
  return NULL;
}

const char *qb_schema_field_name(const qb_schema *s, int32_t id)
{
  const qb_schema_entry *e = qb_schema__entry(s, id);
  return e ? e->full_name : NULL;
}

const int32_t *qb_schema_identifier_field_ids(const qb_schema *s, size_t *n)
{
  *n = s->n_identifier_ids;
  return s->identifier_ids;
}

bool qb_schema_same(const qb_schema *a, const qb_schema *b)
{
  if (!qb_type_equal(&a->root, &b->root) || a->n_identifier_ids != b->n_identifier_ids) return false;
  /* identifier ids are a set */
  for (size_t i = 0; i < a->n_identifier_ids; i++) {
    bool found = false;
    for (size_t j = 0; j < b->n_identifier_ids && !found; j++) found = a->identifier_ids[i] == b->identifier_ids[j];
    if (!found) return false;
  }
  return true;
}
