/* SPDX-License-Identifier: Apache-2.0 */
/* Schema evolution by field id (spec "Schema Evolution"; Java SchemaUpdate): add columns (nested too)
 * with fresh ids above last-column-id, rename, drop, widen (int→long, float→double, decimal precision),
 * make optional, reorder. Old data files stay readable: readers match columns by id. */
#include <stdlib.h>
#include <string.h>

#include "iceberg/evolve_int.h"

typedef struct mtype mtype;
typedef struct mfield {
  int32_t id;
  char *name;
  bool required;
  char *doc;
  const char *initial_default, *write_default;
  mtype *type;
} mfield;

struct mtype {
  qb_type prim;         /* primitives: the type itself */
  qb_type_id id;
  mfield **fields;      /* struct */
  size_t n_fields, cap_fields;
  int32_t element_id;   /* list */
  bool element_required;
  mtype *element;
  int32_t key_id, value_id; /* map */
  bool value_required;
  mtype *key, *value;
};

struct qb_schema_change {
  qb_table *t;
  qb_arena arena;
  int32_t start_schema_id;
  int32_t next_id;      /* the next fresh field id */
  mtype *root;
  int32_t *identifier;  /* identifier field ids */
  size_t n_identifier;
  int32_t *spec_sources; /* source ids of the default spec: cannot be dropped */
  size_t n_spec_sources;
  int rc;
  qb_err first;
};

/* ---- the mutable tree ----------------------------------------------------------------------------------- */

static mtype *copy_type(qb_arena *a, const qb_type *t);

static mfield *copy_field(qb_arena *a, const qb_field *f)
{
  mfield *m = qb_arena_calloc(a, 1, sizeof *m);
  if (!m) return NULL;
  m->id = f->id;
  m->name = qb_arena_strdup(a, f->name);
  m->required = f->required;
  m->doc = f->doc ? qb_arena_strdup(a, f->doc) : NULL;
  m->initial_default = f->initial_default ? qb_arena_strdup(a, f->initial_default) : NULL;
  m->write_default = f->write_default ? qb_arena_strdup(a, f->write_default) : NULL;
  m->type = copy_type(a, f->type);
  return m->name && m->type ? m : NULL;
}

static mtype *copy_type(qb_arena *a, const qb_type *t)
{
  mtype *m = qb_arena_calloc(a, 1, sizeof *m);
  if (!m) return NULL;
  m->id = t->id;
  switch (t->id) {
  case QB_T_STRUCT:
    m->cap_fields = t->n_fields + 4;
    if (!(m->fields = qb_arena_calloc(a, m->cap_fields, sizeof *m->fields))) return NULL;
    for (size_t i = 0; i < t->n_fields; i++)
      if (!(m->fields[m->n_fields++] = copy_field(a, &t->fields[i]))) return NULL;
    return m;
  case QB_T_LIST:
    m->element_id = t->element_id;
    m->element_required = t->element_required;
    return (m->element = copy_type(a, t->element)) ? m : NULL;
  case QB_T_MAP:
    m->key_id = t->key_id;
    m->value_id = t->value_id;
    m->value_required = t->value_required;
    return (m->key = copy_type(a, t->key)) && (m->value = copy_type(a, t->value)) ? m : NULL;
  default: m->prim = *t; return m;
  }
}

/* A new nested type with fresh ids (the given ids are ignored), depth first as Java assigns them. */
static mtype *fresh_type(qb_schema_change *c, const qb_type *t, int depth);

static mtype *fresh_type(qb_schema_change *c, const qb_type *t, int depth)
{
  if (depth > 64) return NULL;
  qb_arena *a = &c->arena;
  mtype *m = qb_arena_calloc(a, 1, sizeof *m);
  if (!m) return NULL;
  m->id = t->id;
  switch (t->id) {
  case QB_T_STRUCT:
    m->cap_fields = t->n_fields + 4;
    if (!(m->fields = qb_arena_calloc(a, m->cap_fields, sizeof *m->fields))) return NULL;
    for (size_t i = 0; i < t->n_fields; i++) { /* Java: the struct's field ids first, then their children */
      mfield *f = qb_arena_calloc(a, 1, sizeof *f);
      if (!f || !(f->name = qb_arena_strdup(a, t->fields[i].name))) return NULL;
      f->id = c->next_id++;
      f->required = t->fields[i].required;
      f->doc = t->fields[i].doc ? qb_arena_strdup(a, t->fields[i].doc) : NULL;
      m->fields[m->n_fields++] = f;
    }
    for (size_t i = 0; i < t->n_fields; i++)
      if (!(m->fields[i]->type = fresh_type(c, t->fields[i].type, depth + 1))) return NULL;
    return m;
  case QB_T_LIST:
    m->element_id = c->next_id++;
    m->element_required = t->element_required;
    return (m->element = fresh_type(c, t->element, depth + 1)) ? m : NULL;
  case QB_T_MAP:
    m->key_id = c->next_id++;
    m->value_id = c->next_id++;
    m->value_required = t->value_required;
    return (m->key = fresh_type(c, t->key, depth + 1)) && (m->value = fresh_type(c, t->value, depth + 1)) ? m : NULL;
  default: m->prim = *t; return m;
  }
}

/* A located column: the struct holding it (NULL for list elements and map keys/values) and its slot. */
typedef struct loc {
  mtype *parent;
  size_t index;
  mfield *field;   /* struct fields */
  mtype *holder;   /* list/map holding an element/key/value */
  int which;       /* 1 element, 2 key, 3 value */
} loc;

/* Resolve a dotted name against the tree; a name part may itself contain dots (longest match first). */
static bool resolve(loc *out, mtype *t, const char *name)
{
  if (t->id == QB_T_STRUCT) {
    for (size_t pass = 0; pass < 2; pass++)
      for (size_t i = 0; i < t->n_fields; i++) {
        mfield *f = t->fields[i];
        size_t n = strlen(f->name);
        if (strncmp(name, f->name, n)) continue;
        if (pass == 0 && name[n] == 0) {
          *out = (loc){t, i, f, NULL, 0};
          return true;
        }
        if (pass == 1 && name[n] == '.' && resolve(out, f->type, name + n + 1)) return true;
      }
    return false;
  }
  static const char *const parts[] = {NULL, "element", "key", "value"};
  for (int w = 1; w <= 3; w++) {
    if ((w == 1) != (t->id == QB_T_LIST)) continue;
    size_t n = strlen(parts[w]);
    if (strncmp(name, parts[w], n)) continue;
    mtype *sub = w == 1 ? t->element : w == 2 ? t->key : t->value;
    if (name[n] == 0) {
      *out = (loc){NULL, 0, NULL, t, w};
      return true;
    }
    if (name[n] == '.' && resolve(out, sub, name + n + 1)) return true;
  }
  return false;
}

/* ---- poisoning -------------------------------------------------------------------------------------------- */

static int fail(qb_schema_change *c, int rc, qb_err *err)
{
  if (rc && !c->rc) {
    c->rc = rc;
    if (err) c->first = *err;
    else c->first.code = (qb_code)rc;
  }
  return rc;
}

static int check(const qb_schema_change *c, qb_err *err)
{
  if (!c->rc) return QB_OK;
  if (err) *err = c->first;
  return c->rc;
}

/* ---- building and freeing --------------------------------------------------------------------------------- */

int qb_schema_change__new(qb_schema_change **out, qb_table *t, const qb_table_metadata *md, qb_err *err)
{
  *out = NULL;
  const qb_schema *s = qb_table_metadata_current_schema(md);
  if (!s) return QB_FAIL(err, QB_ECORRUPT, "the table has no current schema");
  qb_schema_change *c = calloc(1, sizeof *c);
  if (!c) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  c->t = t;
  qb_arena_init(&c->arena, 8 << 10);
  c->start_schema_id = qb_schema_id(s);
  int32_t last = qb_table_metadata_last_column_id(md), hi = qb_schema_highest_field_id(s);
  c->next_id = (last > hi ? last : hi) + 1;
  size_t n_ids;
  const int32_t *ids = qb_schema_identifier_field_ids(s, &n_ids);
  const qb_partition_spec *spec = qb_table_metadata_default_spec(md);
  c->root = copy_type(&c->arena, qb_schema_struct(s));
  c->identifier = qb_arena_calloc(&c->arena, n_ids + 1, sizeof *ids);
  if (c->identifier && n_ids) memcpy(c->identifier, ids, n_ids * sizeof *ids);
  c->n_identifier = n_ids;
  c->n_spec_sources = spec ? spec->n_fields : 0;
  c->spec_sources = qb_arena_calloc(&c->arena, c->n_spec_sources + 1, sizeof *c->spec_sources);
  if (!c->root || !c->identifier || !c->spec_sources) {
    qb_schema_change__free(c);
    return QB_FAIL(err, QB_ENOMEM, "out of memory");
  }
  for (size_t i = 0; i < c->n_spec_sources; i++) c->spec_sources[i] = spec->fields[i].source_id;
  *out = c;
  return QB_OK;
}

qb_table *qb_schema_change__table(const qb_schema_change *c) { return c->t; }

void qb_schema_change__free(qb_schema_change *c)
{
  if (!c) return;
  qb_arena_release(&c->arena);
  free(c);
}

void qb_schema_change_abort(qb_schema_change *c) { qb_schema_change__free(c); }

/* ---- changes ---------------------------------------------------------------------------------------------- */

static bool name_taken(const mtype *st, const char *name)
{
  for (size_t i = 0; i < st->n_fields; i++)
    if (!strcmp(st->fields[i]->name, name)) return true;
  return false;
}

int qb_schema_add_column(qb_schema_change *c, const char *parent, const char *name, const qb_type *type,
                         const char *doc, qb_err *err)
{
  int rc = check(c, err);
  if (rc) return rc;
  if (!name || !*name) return fail(c, QB_FAIL(err, QB_EINVAL, "a column needs a name"), err);
  mtype *st = c->root;
  if (parent) {
    loc l;
    if (!resolve(&l, c->root, parent)) return fail(c, QB_FAIL(err, QB_EINVAL, "no column '%s'", parent), err);
    st = l.field ? l.field->type : l.which == 1 ? l.holder->element : l.which == 2 ? l.holder->key : l.holder->value;
    if (st->id != QB_T_STRUCT)
      return fail(c, QB_FAIL(err, QB_EINVAL, "'%s' is not a struct: columns are added to structs", parent), err);
    if (l.which == 2) return fail(c, QB_FAIL(err, QB_EINVAL, "map keys cannot change"), err);
  }
  if (name_taken(st, name))
    return fail(c, QB_FAIL(err, QB_EINVAL, "column '%s%s%s' already exists", parent ? parent : "", parent ? "." : "", name),
                err);
  if (st->n_fields == st->cap_fields) {
    size_t nc = st->cap_fields * 2 + 4;
    mfield **nf = qb_arena_calloc(&c->arena, nc, sizeof *nf);
    if (!nf) return fail(c, QB_FAIL(err, QB_ENOMEM, "out of memory"), err);
    if (st->n_fields) memcpy(nf, st->fields, st->n_fields * sizeof *nf);
    st->fields = nf;
    st->cap_fields = nc;
  }
  mfield *f = qb_arena_calloc(&c->arena, 1, sizeof *f);
  if (!f || !(f->name = qb_arena_strdup(&c->arena, name)) || (doc && !(f->doc = qb_arena_strdup(&c->arena, doc))))
    return fail(c, QB_FAIL(err, QB_ENOMEM, "out of memory"), err);
  f->id = c->next_id++;
  f->required = false; /* Java: adding a required column is an incompatible change (no default in v2) */
  if (!(f->type = fresh_type(c, type, 0))) return fail(c, QB_FAIL(err, QB_ENOMEM, "out of memory"), err);
  st->fields[st->n_fields++] = f;
  return QB_OK;
}

int qb_schema_rename_column(qb_schema_change *c, const char *name, const char *new_name, qb_err *err)
{
  int rc = check(c, err);
  if (rc) return rc;
  loc l;
  if (!resolve(&l, c->root, name) || !l.field) return fail(c, QB_FAIL(err, QB_EINVAL, "no column '%s'", name), err);
  if (!new_name || !*new_name) return fail(c, QB_FAIL(err, QB_EINVAL, "a column needs a name"), err);
  if (strcmp(l.field->name, new_name) && name_taken(l.parent, new_name))
    return fail(c, QB_FAIL(err, QB_EINVAL, "cannot rename '%s' to '%s': the name is taken", name, new_name), err);
  if (!(l.field->name = qb_arena_strdup(&c->arena, new_name))) return fail(c, QB_FAIL(err, QB_ENOMEM, "out of memory"), err);
  return QB_OK;
}

static bool contains_id(const mtype *t, const int32_t *ids, size_t n, int32_t *hit)
{
  switch (t->id) {
  case QB_T_STRUCT:
    for (size_t i = 0; i < t->n_fields; i++) {
      for (size_t k = 0; k < n; k++)
        if (t->fields[i]->id == ids[k]) return *hit = ids[k], true;
      if (contains_id(t->fields[i]->type, ids, n, hit)) return true;
    }
    return false;
  case QB_T_LIST: return contains_id(t->element, ids, n, hit);
  case QB_T_MAP: return contains_id(t->key, ids, n, hit) || contains_id(t->value, ids, n, hit);
  default: return false;
  }
}

int qb_schema_drop_column(qb_schema_change *c, const char *name, qb_err *err)
{
  int rc = check(c, err);
  if (rc) return rc;
  loc l;
  if (!resolve(&l, c->root, name) || !l.field) return fail(c, QB_FAIL(err, QB_EINVAL, "no column '%s'", name), err);
  int32_t hit;
  mtype probe = {.id = QB_T_STRUCT, .fields = &l.field, .n_fields = 1};
  if (contains_id(&probe, c->identifier, c->n_identifier, &hit))
    return fail(c, QB_FAIL(err, QB_EINVAL, "cannot drop '%s': it is (or holds) identifier field %d", name, (int)hit), err);
  if (contains_id(&probe, c->spec_sources, c->n_spec_sources, &hit))
    return fail(c,
                QB_FAIL(err, QB_EINVAL, "cannot drop '%s': the current partition spec uses field %d (evolve the spec first)",
                        name, (int)hit),
                err);
  if (l.parent == c->root && c->root->n_fields == 1)
    return fail(c, QB_FAIL(err, QB_EINVAL, "cannot drop the last column"), err);
  memmove(&l.parent->fields[l.index], &l.parent->fields[l.index + 1],
          (l.parent->n_fields - l.index - 1) * sizeof *l.parent->fields);
  l.parent->n_fields--;
  return QB_OK;
}

int qb_schema_widen_column(qb_schema_change *c, const char *name, const qb_type *type, qb_err *err)
{
  int rc = check(c, err);
  if (rc) return rc;
  loc l;
  if (!resolve(&l, c->root, name)) return fail(c, QB_FAIL(err, QB_EINVAL, "no column '%s'", name), err);
  mtype *t = l.field ? l.field->type : l.which == 1 ? l.holder->element : l.which == 2 ? l.holder->key : l.holder->value;
  const qb_type *from = &t->prim;
  bool ok = qb_type_is_primitive(type) && (qb_type_equal(from, type) ||
                                           (from->id == QB_T_INT && type->id == QB_T_LONG) ||
                                           (from->id == QB_T_FLOAT && type->id == QB_T_DOUBLE) ||
                                           (from->id == QB_T_DECIMAL && type->id == QB_T_DECIMAL &&
                                            type->scale == from->scale && type->precision >= from->precision));
  if (t->id == QB_T_STRUCT || t->id == QB_T_LIST || t->id == QB_T_MAP) ok = false;
  if (!ok) {
    char a[48], b[48];
    qb_type_to_string(a, sizeof a, t->id == QB_T_STRUCT || t->id == QB_T_LIST || t->id == QB_T_MAP ? &(qb_type){.id = t->id} : from);
    qb_type_to_string(b, sizeof b, type);
    return fail(c, QB_FAIL(err, QB_EINVAL, "cannot change '%s' from %s to %s: only int→long, float→double and "
                                           "decimal(P,S)→decimal(P',S) with P' > P are allowed", name, a, b),
                err);
  }
  t->prim = *type;
  return QB_OK;
}

int qb_schema_make_optional(qb_schema_change *c, const char *name, qb_err *err)
{
  int rc = check(c, err);
  if (rc) return rc;
  loc l;
  if (!resolve(&l, c->root, name)) return fail(c, QB_FAIL(err, QB_EINVAL, "no column '%s'", name), err);
  if (l.field) {
    for (size_t i = 0; i < c->n_identifier; i++)
      if (c->identifier[i] == l.field->id)
        return fail(c, QB_FAIL(err, QB_EINVAL, "identifier field '%s' must stay required", name), err);
    l.field->required = false;
  } else if (l.which == 1) {
    l.holder->element_required = false;
  } else if (l.which == 3) {
    l.holder->value_required = false;
  } else {
    return fail(c, QB_FAIL(err, QB_EINVAL, "map keys are always required"), err);
  }
  return QB_OK;
}

int qb_schema_move_column(qb_schema_change *c, const char *name, const char *after, qb_err *err)
{
  int rc = check(c, err);
  if (rc) return rc;
  loc l;
  if (!resolve(&l, c->root, name) || !l.field) return fail(c, QB_FAIL(err, QB_EINVAL, "no column '%s'", name), err);
  mtype *st = l.parent;
  mfield *f = l.field;
  memmove(&st->fields[l.index], &st->fields[l.index + 1], (st->n_fields - l.index - 1) * sizeof *st->fields);
  st->n_fields--;
  size_t pos = 0;
  if (after) {
    size_t i = 0;
    while (i < st->n_fields && strcmp(st->fields[i]->name, after)) i++;
    if (i == st->n_fields) {
      memmove(&st->fields[l.index + 1], &st->fields[l.index], (st->n_fields - l.index) * sizeof *st->fields);
      st->fields[l.index] = f;
      st->n_fields++;
      return fail(c, QB_FAIL(err, QB_EINVAL, "cannot move '%s' after '%s': no such sibling", name, after), err);
    }
    pos = i + 1;
  }
  memmove(&st->fields[pos + 1], &st->fields[pos], (st->n_fields - pos) * sizeof *st->fields);
  st->fields[pos] = f;
  st->n_fields++;
  return QB_OK;
}

/* ---- commit ------------------------------------------------------------------------------------------------- */

static const qb_type *to_type(qb_arena *a, const mtype *m);

static const qb_type *to_type(qb_arena *a, const mtype *m)
{
  qb_type *t = qb_arena_calloc(a, 1, sizeof *t);
  if (!t) return NULL;
  t->id = m->id;
  switch (m->id) {
  case QB_T_STRUCT: {
    qb_field *fs = qb_arena_calloc(a, m->n_fields ? m->n_fields : 1, sizeof *fs);
    if (!fs) return NULL;
    for (size_t i = 0; i < m->n_fields; i++) {
      const mfield *f = m->fields[i];
      fs[i] = (qb_field){f->id, f->name, f->required, to_type(a, f->type), f->doc, f->initial_default, f->write_default};
      if (!fs[i].type) return NULL;
    }
    t->fields = fs;
    t->n_fields = m->n_fields;
    return t;
  }
  case QB_T_LIST:
    t->element_id = m->element_id;
    t->element_required = m->element_required;
    return (t->element = to_type(a, m->element)) ? t : NULL;
  case QB_T_MAP:
    t->key_id = m->key_id;
    t->value_id = m->value_id;
    t->value_required = m->value_required;
    return (t->key = to_type(a, m->key)) && (t->value = to_type(a, m->value)) ? t : NULL;
  default: *t = m->prim; return t;
  }
}

int qb_schema_change__apply(qb_schema_change *c, const qb_table_metadata *base, qb_metadata_builder *b, qb_err *err)
{
  int rc = check(c, err);
  if (rc) return rc;
  const qb_schema *cur = qb_table_metadata_current_schema(base);
  if (!cur || qb_schema_id(cur) != c->start_schema_id)
    return QB_FAIL(err, QB_ECONFLICT, "the schema changed concurrently (now schema %d, this change is based on %d)",
                   cur ? (int)qb_schema_id(cur) : -1, (int)c->start_schema_id);
  qb_arena a;
  qb_arena_init(&a, 4096);
  const qb_type *st = to_type(&a, c->root);
  qb_schema *s = NULL;
  rc = st ? qb_schema_new(&s, 0, st->fields, st->n_fields, c->identifier, c->n_identifier, err)
          : QB_FAIL(err, QB_ENOMEM, "out of memory");
  /* The default spec must still bind (the data writer checks the same rule on every write): a column
   * added or renamed to the name of a partition field sourced elsewhere would leave the table unwritable. */
  const qb_partition_spec *spec = qb_table_metadata_default_spec(base);
  if (rc == QB_OK && spec && (rc = qb_partition_spec_validate(spec, s, err)))
    rc = qb_err_wrap(err, "this schema change conflicts with the default partition spec %d", (int)spec->spec_id);
  if (rc == QB_OK) rc = qb_metadata_builder_add_schema(b, s, NULL, err);
  if (rc == QB_OK) rc = qb_metadata_builder_set_current_schema(b, -1, err);
  /* A table with a name mapping (files written without field ids) gets it updated as Java's SchemaUpdate
   * does: the new names, the new columns. A mapping that does not parse stays as it is (Java logs and goes
   * on): the schema change does not depend on it, and scans report the mapping's own error. */
  const char *nm = qb_table_metadata_property(base, "schema.name-mapping.default");
  char *updated = NULL;
  qb_err nerr = QB_ERR_INIT;
  if (rc == QB_OK && nm && qb_name_mapping__update(&updated, nm, cur, s, &nerr) == QB_OK && updated) {
    qb_kv kv = {"schema.name-mapping.default", updated};
    rc = qb_metadata_builder_set_properties(b, &kv, 1, err);
  } else if (rc == QB_OK && nm && nerr.code == QB_ENOMEM) {
    rc = QB_FAIL(err, QB_ENOMEM, "updating schema.name-mapping.default: out of memory");
  }
  free(updated);
  qb_err_clear(&nerr);
  qb_schema_free(s);
  qb_arena_release(&a);
  return rc;
}
