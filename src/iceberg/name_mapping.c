/* SPDX-License-Identifier: Apache-2.0 */
/* Name mapping (spec "Column Projection", "Name Mapping Serialization"): the JSON in the table property
 * schema.name-mapping.default that gives field ids to the columns of files written without them. */
#include <stdlib.h>
#include <string.h>

#include "formats/json/json.h"
#include "iceberg/table_int.h"

#define MAX_DEPTH 64

static int parse_level(const qb_name_mapping **out, size_t *n_out, const json_object *arr, qb_arena *a, int depth,
                       qb_err *err)
{
  if (depth > MAX_DEPTH) return QB_FAIL(err, QB_ELIMIT, "nested deeper than %d", MAX_DEPTH);
  if (!json_object_is_type(arr, json_type_array)) return QB_FAIL(err, QB_ECORRUPT, "expected an array of mappings");
  size_t n = json_object_array_length(arr);
  qb_name_mapping *m = qb_ice__alloc(a, n ? n : 1, sizeof *m, err);
  if (!m) return QB_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    const json_object *o = json_object_array_get_idx(arr, i);
    if (!json_object_is_type(o, json_type_object)) return QB_FAIL(err, QB_ECORRUPT, "[%zu]: expected an object", i);
    bool has_id;
    int32_t id = -1;
    json_object *names, *fields;
    int rc = qb_json_opt_i32(&id, &has_id, o, "field-id", err);
    if (rc == QB_OK) rc = qb_json_req_array(&names, o, "names", err);
    if (rc == QB_OK) rc = qb_json_opt_array(&fields, o, "fields", err);
    if (rc) return qb_err_wrap(err, "[%zu]", i);
    m[i].field_id = has_id ? id : -1;
    m[i].n_names = json_object_array_length(names);
    m[i].names = qb_ice__alloc(a, m[i].n_names ? m[i].n_names : 1, sizeof *m[i].names, err);
    if (!m[i].names) return QB_ENOMEM;
    for (size_t k = 0; k < m[i].n_names; k++) {
      const json_object *s = json_object_array_get_idx(names, k);
      if (!json_object_is_type(s, json_type_string))
        return QB_FAIL(err, QB_ECORRUPT, "[%zu]: names[%zu] is not a string", i, k);
      if (!(m[i].names[k] = qb_ice__strdup(a, json_object_get_string((json_object *)s), err))) return QB_ENOMEM;
    }
    m[i].fields = NULL;
    m[i].n_fields = 0;
    if (fields && (rc = parse_level(&m[i].fields, &m[i].n_fields, fields, a, depth + 1, err)))
      return qb_err_wrap(err, "[%zu].fields", i);
  }
  *out = m;
  *n_out = n;
  return QB_OK;
}

int qb_name_mapping__parse(const qb_name_mapping **out, const char *json, qb_arena *a, qb_err *err)
{
  json_object *root;
  int rc = qb_json_parse(&root, json, strlen(json), err);
  if (rc) return qb_err_wrap(err, "schema.name-mapping.default");
  qb_name_mapping *top = qb_ice__alloc(a, 1, sizeof *top, err);
  if (!top) {
    json_object_put(root);
    return QB_ENOMEM;
  }
  top->field_id = -1;
  top->n_names = 0;
  top->names = NULL;
  rc = parse_level(&top->fields, &top->n_fields, root, a, 0, err);
  json_object_put(root);
  if (rc) return qb_err_wrap(err, "schema.name-mapping.default");
  *out = top;
  return QB_OK;
}

const qb_name_mapping *qb_name_mapping__find(const qb_name_mapping *level, const char *name)
{
  for (size_t i = 0; level && i < level->n_fields; i++)
    for (size_t k = 0; k < level->fields[i].n_names; k++)
      if (!strcmp(level->fields[i].names[k], name)) return &level->fields[i];
  return NULL;
}

/* ---- keeping the mapping in step with schema changes (Java's MappingUtil.update) ---------------------- */

/* The entry for `id` at any depth under the array `level`, and the array holding it; NULL if none. */
static json_object *nm_find(json_object *level, int32_t id, json_object **holder)
{
  size_t n = json_object_array_length(level);
  for (size_t i = 0; i < n; i++) {
    json_object *e = json_object_array_get_idx(level, i), *v;
    if (!json_object_is_type(e, json_type_object)) continue;
    if (json_object_object_get_ex(e, "field-id", &v) && json_object_is_type(v, json_type_int) &&
        json_object_get_int64(v) == id) {
      *holder = level;
      return e;
    }
    if (json_object_object_get_ex(e, "fields", &v) && json_object_is_type(v, json_type_array)) {
      json_object *hit = nm_find(v, id, holder);
      if (hit) return hit;
    }
  }
  return NULL;
}

static bool nm_has_name(json_object *names, const char *name)
{
  for (size_t k = 0; k < json_object_array_length(names); k++)
    if (!strcmp(json_object_get_string(json_object_array_get_idx(names, k)), name)) return true;
  return false;
}

/* Whether an entry of `level` other than `self` lists `name`. Such a name stays where it is: Java's update
 * moves it to the renamed or added field, which re-points the files written before at that field, so
 * their column reads as the wrong one, and the column it mapped to reads as missing (a required one
 * fails every scan). The field the name would go to gets no name from the change instead
 * (docs/COMPATIBILITY.md). */
static bool nm_name_taken(json_object *level, json_object *self, const char *name)
{
  for (size_t i = 0; i < json_object_array_length(level); i++) {
    json_object *e = json_object_array_get_idx(level, i), *names;
    if (e != self && json_object_object_get_ex(e, "names", &names) && json_object_is_type(names, json_type_array) &&
        nm_has_name(names, name))
      return true;
  }
  return false;
}

/* A new entry for a field (and, nested, its fields, list element and map key and value), as Java's
 * MappingUtil.create writes it. NULL when out of memory. */
static json_object *nm_entry(int32_t id, const char *name, const qb_type *t)
{
  json_object *e = json_object_new_object(), *names = json_object_new_array(), *fields = NULL;
  if (!e || !names || json_object_object_add(e, "field-id", json_object_new_int(id)) ||
      json_object_array_add(names, json_object_new_string(name)) || json_object_object_add(e, "names", names)) {
    json_object_put(names);
    json_object_put(e);
    return NULL;
  }
  if (t->id == QB_T_STRUCT || t->id == QB_T_LIST || t->id == QB_T_MAP) {
    if (!(fields = json_object_new_array()) || json_object_object_add(e, "fields", fields)) {
      json_object_put(fields);
      json_object_put(e);
      return NULL;
    }
    json_object *c[2] = {NULL, NULL};
    bool ok = true;
    if (t->id == QB_T_STRUCT)
      for (size_t i = 0; ok && i < t->n_fields; i++) {
        json_object *f = nm_entry(t->fields[i].id, t->fields[i].name, t->fields[i].type);
        ok = f && !json_object_array_add(fields, f);
        if (!ok) json_object_put(f);
      }
    else {
      c[0] = t->id == QB_T_LIST ? nm_entry(t->element_id, "element", t->element) : nm_entry(t->key_id, "key", t->key);
      c[1] = t->id == QB_T_MAP ? nm_entry(t->value_id, "value", t->value) : NULL;
      for (int k = 0; k < 2; k++) {
        if (ok && c[k] && !json_object_array_add(fields, c[k])) continue; /* the array owns it now */
        json_object_put(c[k]);
      }
      ok = ok && json_object_array_length(fields) == (t->id == QB_T_MAP ? 2u : 1u);
    }
    if (!ok) {
      json_object_put(e);
      return NULL;
    }
  }
  return e;
}

/* The array the entries under the container `parent` (-1: the table) live in, made when the container's
 * entry has none; NULL when the container is not mapped (its new fields are not either, as in Java). */
static json_object *nm_level(json_object *root, int32_t parent)
{
  if (parent < 0) return root;
  json_object *holder, *e = nm_find(root, parent, &holder), *fields;
  if (!e) return NULL;
  if (json_object_object_get_ex(e, "fields", &fields) && json_object_is_type(fields, json_type_array)) return fields;
  if (!(fields = json_object_new_array()) || json_object_object_add(e, "fields", fields)) {
    json_object_put(fields);
    return NULL;
  }
  return fields;
}

typedef struct nm_walk {
  json_object *root;
  const qb_schema *old;
  bool changed, oom;
} nm_walk;

static void nm_walk_type(nm_walk *w, const qb_type *t, int32_t parent, int depth);

static void nm_walk_field(nm_walk *w, const qb_field *f, int32_t parent, int depth)
{
  const qb_field *was = qb_schema_find_field(w->old, f->id);
  json_object *holder, *e, *names;
  if (!was) { /* added: its entry, with its nested fields, goes under its container's */
    json_object *level = nm_level(w->root, parent);
    if (!level) return;
    e = nm_find(level, f->id, &holder);
    if (e && holder != level) return; /* the id is mapped elsewhere: not ours to move */
    if (nm_name_taken(level, e, f->name)) return;
    if (e) { /* a stale entry of the id: the name joins it */
      if (!json_object_object_get_ex(e, "names", &names) || !json_object_is_type(names, json_type_array)) return;
      if (nm_has_name(names, f->name)) return;
      if (json_object_array_add(names, json_object_new_string(f->name))) w->oom = true;
      w->changed = !w->oom;
      return;
    }
    if (!(e = nm_entry(f->id, f->name, f->type)) || json_object_array_add(level, e)) {
      json_object_put(e);
      w->oom = true;
      return;
    }
    w->changed = true;
    return;
  }
  if (strcmp(was->name, f->name) && (e = nm_find(w->root, f->id, &holder)) &&
      json_object_object_get_ex(e, "names", &names) && json_object_is_type(names, json_type_array) &&
      !nm_has_name(names, f->name) && !nm_name_taken(holder, e, f->name)) {
    /* renamed: the new name joins the old ones (files written before keep theirs) */
    if (json_object_array_add(names, json_object_new_string(f->name))) {
      w->oom = true;
      return;
    }
    w->changed = true;
  }
  nm_walk_type(w, f->type, f->id, depth + 1);
}

static void nm_walk_type(nm_walk *w, const qb_type *t, int32_t parent, int depth)
{
  if (depth > MAX_DEPTH || w->oom) return;
  switch (t->id) {
  case QB_T_STRUCT:
    for (size_t i = 0; i < t->n_fields && !w->oom; i++) nm_walk_field(w, &t->fields[i], parent, depth);
    break;
  case QB_T_LIST: nm_walk_type(w, t->element, t->element_id, depth + 1); break;
  case QB_T_MAP:
    nm_walk_type(w, t->key, t->key_id, depth + 1);
    nm_walk_type(w, t->value, t->value_id, depth + 1);
    break;
  default: break;
  }
}

int qb_name_mapping__update(char **out, const char *json, const qb_schema *old, const qb_schema *now, qb_err *err)
{
  *out = NULL;
  json_object *root;
  int rc = qb_json_parse(&root, json, strlen(json), err);
  if (rc) return qb_err_wrap(err, "schema.name-mapping.default");
  if (!json_object_is_type(root, json_type_array)) {
    json_object_put(root);
    return QB_FAIL(err, QB_ECORRUPT, "schema.name-mapping.default: expected an array of mappings");
  }
  nm_walk w = {root, old, false, false};
  nm_walk_type(&w, qb_schema_struct(now), -1, 0);
  if (!w.oom && w.changed) {
    const char *text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    if (!text || !(*out = strdup(text))) w.oom = true;
  }
  json_object_put(root);
  return w.oom ? QB_FAIL(err, QB_ENOMEM, "schema.name-mapping.default: out of memory") : QB_OK;
}
