/* SPDX-License-Identifier: Apache-2.0 */
/* Schema JSON (spec Appendix C "Schemas"): parse, and write in Java SchemaParser's key order
 * (type, schema-id, identifier-field-ids, fields: id, name, required, type, doc, defaults). */
#include <stdlib.h>
#include <string.h>

#include "iceberg/iceberg_int.h"

static int type_from_json(const qb_type **out, qb_arena *a, const json_object *v, int depth, qb_err *err);

/* Defaults use the JSON single-value serialisation: check the JSON kind fits the type, keep the text. */
static int check_default(const qb_type *t, const json_object *v, const char *key, qb_err *err)
{
  json_type k = json_object_get_type(v);
  bool ok;
  switch (t->id) {
  case QB_T_BOOLEAN: ok = k == json_type_boolean; break;
  case QB_T_INT:
  case QB_T_LONG: ok = k == json_type_int; break;
  case QB_T_FLOAT:
  case QB_T_DOUBLE: ok = k == json_type_int || k == json_type_double; break;
  case QB_T_STRUCT: ok = k == json_type_object; break;
  case QB_T_LIST: ok = k == json_type_array; break;
  case QB_T_MAP: ok = k == json_type_object && qb_json_get(v, "keys") && qb_json_get(v, "values"); break;
  default: ok = k == json_type_string; break;
  }
  if (ok) return QB_OK;
  char tn[32];
  qb_type_to_string(tn, sizeof tn, t);
  return QB_FAIL(err, QB_ECORRUPT, "field '%s' is not a valid %s value: got %s", key, tn, qb_json_kind(v));
}

static int keep_default(const char **out, qb_arena *a, const qb_type *t, const json_object *field, const char *key,
                        qb_err *err)
{
  json_object *v = NULL;
  *out = NULL;
  /* A present JSON null means "no default" (Java's SingleValueParser returns null for it). */
  if (!json_object_object_get_ex(field, key, &v) || json_object_is_type(v, json_type_null)) return QB_OK;
  int rc = check_default(t, v, key, err);
  if (rc) return rc;
  *out = qb_ice__json_text(a, v, err);
  return *out ? QB_OK : err->code;
}

static int struct_from_json(qb_type *t, qb_arena *a, const json_object *v, int depth, qb_err *err)
{
  json_object *arr;
  int rc = qb_json_req_array(&arr, v, "fields", err);
  if (rc) return rc;
  size_t n = json_object_array_length(arr);
  qb_field *fields = qb_ice__alloc(a, n, sizeof *fields, err);
  if (!fields) return QB_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    json_object *f = json_object_array_get_idx(arr, i);
    qb_field *fd = &fields[i];
    const char *name = NULL, *doc = NULL;
    if (!json_object_is_type(f, json_type_object))
      rc = QB_FAIL(err, QB_ECORRUPT, "must be an object, got %s", qb_json_kind(f));
    if (!rc) rc = qb_json_req_i32(&fd->id, f, "id", err);
    if (!rc) rc = qb_json_req_str(&name, f, "name", err);
    if (!rc) rc = qb_json_req_bool(&fd->required, f, "required", err);
    json_object *tv = NULL;
    if (!rc) rc = (tv = qb_json_get(f, "type")) ? QB_OK : QB_FAIL(err, QB_ECORRUPT, "missing required field 'type'");
    if (!rc) rc = type_from_json(&fd->type, a, tv, depth + 1, err);
    if (!rc) rc = qb_json_opt_str(&doc, f, "doc", err);
    if (!rc) rc = keep_default(&fd->initial_default, a, fd->type, f, "initial-default", err);
    if (!rc) rc = keep_default(&fd->write_default, a, fd->type, f, "write-default", err);
    if (!rc && !(fd->name = qb_ice__strdup(a, name, err))) rc = QB_ENOMEM;
    if (!rc && doc && !(fd->doc = qb_ice__strdup(a, doc, err))) rc = QB_ENOMEM;
    if (rc) return qb_err_wrap(err, name ? "fields[%zu] '%s'" : "fields[%zu]", i, name);
  }
  t->id = QB_T_STRUCT;
  t->fields = fields;
  t->n_fields = n;
  return QB_OK;
}

static int type_from_json(const qb_type **out, qb_arena *a, const json_object *v, int depth, qb_err *err)
{
  if (depth > QB_JSON_MAX_DEPTH) return QB_FAIL(err, QB_ELIMIT, "type nested deeper than %d levels", QB_JSON_MAX_DEPTH);
  if (json_object_is_type(v, json_type_string)) {
    qb_type t;
    int rc = qb_type_parse_primitive(&t, json_object_get_string((json_object *)v), err);
    if (rc) return rc;
    return qb_type__copy(out, a, &t, err);
  }
  const char *kind = NULL;
  if (!json_object_is_type(v, json_type_object) || qb_json_opt_str(&kind, v, "type", NULL) || !kind)
    return QB_FAIL(err, QB_ECORRUPT, "cannot parse type from JSON %s", qb_json_kind(v));
  qb_type *t = qb_ice__alloc(a, 1, sizeof *t, err);
  if (!t) return QB_ENOMEM;
  int rc;
  json_object *sub;
  if (!strcmp(kind, "struct")) {
    rc = struct_from_json(t, a, v, depth, err);
  } else if (!strcmp(kind, "list")) {
    t->id = QB_T_LIST;
    rc = qb_json_req_i32(&t->element_id, v, "element-id", err);
    if (!rc) rc = (sub = qb_json_get(v, "element")) ? QB_OK : QB_FAIL(err, QB_ECORRUPT, "missing required field 'element'");
    if (!rc) rc = type_from_json(&t->element, a, sub, depth + 1, err);
    if (!rc) rc = qb_json_req_bool(&t->element_required, v, "element-required", err);
    if (rc) rc = qb_err_wrap(err, "list");
  } else if (!strcmp(kind, "map")) {
    t->id = QB_T_MAP;
    rc = qb_json_req_i32(&t->key_id, v, "key-id", err);
    if (!rc) rc = (sub = qb_json_get(v, "key")) ? QB_OK : QB_FAIL(err, QB_ECORRUPT, "missing required field 'key'");
    if (!rc) rc = type_from_json(&t->key, a, sub, depth + 1, err);
    if (!rc) rc = qb_json_req_i32(&t->value_id, v, "value-id", err);
    if (!rc) rc = (sub = qb_json_get(v, "value")) ? QB_OK : QB_FAIL(err, QB_ECORRUPT, "missing required field 'value'");
    if (!rc) rc = type_from_json(&t->value, a, sub, depth + 1, err);
    if (!rc) rc = qb_json_req_bool(&t->value_required, v, "value-required", err);
    if (rc) rc = qb_err_wrap(err, "map");
  } else {
    return QB_FAIL(err, QB_ECORRUPT, "cannot parse type from JSON: unknown nested type '%s'", kind);
  }
  if (rc) return rc;
  *out = t;
  return QB_OK;
}

int qb_schema__from_json(qb_schema **out, qb_arena *a, const json_object *o, qb_err *err)
{
  if (!json_object_is_type(o, json_type_object))
    return QB_FAIL(err, QB_ECORRUPT, "a schema must be an object, got %s", qb_json_kind(o));
  const char *kind = NULL;
  int rc = qb_json_opt_str(&kind, o, "type", err);
  if (rc) return rc;
  if (!kind || strcmp(kind, "struct"))
    return QB_FAIL(err, QB_ECORRUPT, "cannot create schema, not a struct type: field 'type' is %s%s%s",
                   kind ? "'" : "missing", kind ? kind : "", kind ? "'" : "");
  int32_t schema_id = 0;
  bool has_id;
  if ((rc = qb_json_opt_i32(&schema_id, &has_id, o, "schema-id", err))) return rc;
  qb_type root;
  memset(&root, 0, sizeof root);
  if ((rc = struct_from_json(&root, a, o, 0, err))) return rc;
  json_object *ids_arr;
  if ((rc = qb_json_opt_array(&ids_arr, o, "identifier-field-ids", err))) return rc;
  size_t n_ids = ids_arr ? json_object_array_length(ids_arr) : 0;
  int32_t *ids = qb_ice__alloc(a, n_ids, sizeof *ids, err);
  if (!ids) return QB_ENOMEM;
  for (size_t i = 0; i < n_ids; i++)
    if ((rc = qb_json_as_i32(&ids[i], json_object_array_get_idx(ids_arr, i), "identifier-field-ids", err))) return rc;
  rc = qb_schema__build(out, a, schema_id, root.fields, root.n_fields, ids, n_ids, err);
  if (rc == QB_EINVAL) err->code = rc = QB_ECORRUPT; /* invalid content read from a file is corrupt input */
  return rc;
}

int qb_schema_parse_json(qb_schema **out, const char *json, size_t n, qb_err *err)
{
  *out = NULL;
  json_object *o;
  int rc = qb_json_parse(&o, json, n, err);
  if (rc) return rc;
  qb_arena *a = malloc(sizeof *a);
  if (!a) {
    json_object_put(o);
    return QB_FAIL(err, QB_ENOMEM, "out of memory parsing a schema");
  }
  qb_arena_init(a, 4096);
  qb_schema *s = NULL;
  rc = qb_schema__from_json(&s, a, o, err);
  json_object_put(o);
  if (rc) {
    qb_arena_release(a);
    free(a);
    return rc;
  }
  s->own = a;
  *out = s;
  return QB_OK;
}

static void type_to_json(qb_jw *w, const qb_type *t);

static void fields_to_json(qb_jw *w, const qb_type *t)
{
  qb_jw_key(w, "fields");
  qb_jw_begin_array(w);
  for (size_t i = 0; i < t->n_fields; i++) {
    const qb_field *f = &t->fields[i];
    qb_jw_begin_object(w);
    qb_jw_key(w, "id");
    qb_jw_i64(w, f->id);
    qb_jw_key(w, "name");
    qb_jw_str(w, f->name);
    qb_jw_key(w, "required");
    qb_jw_bool(w, f->required);
    qb_jw_key(w, "type");
    type_to_json(w, f->type);
    if (f->doc) {
      qb_jw_key(w, "doc");
      qb_jw_str(w, f->doc);
    }
    if (f->initial_default) {
      qb_jw_key(w, "initial-default");
      qb_jw_json_text(w, f->initial_default);
    }
    if (f->write_default) {
      qb_jw_key(w, "write-default");
      qb_jw_json_text(w, f->write_default);
    }
    qb_jw_end_object(w);
  }
  qb_jw_end_array(w);
}

static void type_to_json(qb_jw *w, const qb_type *t)
{
  char tn[40];
  switch (t->id) {
  case QB_T_STRUCT:
    qb_jw_begin_object(w);
    qb_jw_key(w, "type");
    qb_jw_str(w, "struct");
    fields_to_json(w, t);
    qb_jw_end_object(w);
    return;
  case QB_T_LIST:
    qb_jw_begin_object(w);
    qb_jw_key(w, "type");
    qb_jw_str(w, "list");
    qb_jw_key(w, "element-id");
    qb_jw_i64(w, t->element_id);
    qb_jw_key(w, "element");
    type_to_json(w, t->element);
    qb_jw_key(w, "element-required");
    qb_jw_bool(w, t->element_required);
    qb_jw_end_object(w);
    return;
  case QB_T_MAP:
    qb_jw_begin_object(w);
    qb_jw_key(w, "type");
    qb_jw_str(w, "map");
    qb_jw_key(w, "key-id");
    qb_jw_i64(w, t->key_id);
    qb_jw_key(w, "key");
    type_to_json(w, t->key);
    qb_jw_key(w, "value-id");
    qb_jw_i64(w, t->value_id);
    qb_jw_key(w, "value");
    type_to_json(w, t->value);
    qb_jw_key(w, "value-required");
    qb_jw_bool(w, t->value_required);
    qb_jw_end_object(w);
    return;
  default:
    qb_type_to_string(tn, sizeof tn, t);
    qb_jw_str(w, tn);
  }
}

void qb_schema__to_json(qb_jw *w, const qb_schema *s)
{
  qb_jw_begin_object(w);
  qb_jw_key(w, "type");
  qb_jw_str(w, "struct");
  qb_jw_key(w, "schema-id");
  qb_jw_i64(w, s->schema_id);
  if (s->n_identifier_ids) {
    qb_jw_key(w, "identifier-field-ids");
    qb_jw_begin_array(w);
    for (size_t i = 0; i < s->n_identifier_ids; i++) qb_jw_i64(w, s->identifier_ids[i]);
    qb_jw_end_array(w);
  }
  fields_to_json(w, &s->root);
  qb_jw_end_object(w);
}

int qb_schema_to_json(char **out, const qb_schema *s, qb_err *err)
{
  qb_buf b;
  qb_jw w;
  *out = NULL;
  qb_buf_init(&b, QB_MAX_METADATA_BYTES);
  qb_jw_init(&w, &b, false, err);
  qb_schema__to_json(&w, s);
  int rc = qb_jw_finish(&w);
  if (!rc) rc = qb_buf_cstr(&b, err);
  if (rc) {
    qb_buf_free(&b);
    return rc;
  }
  size_t n;
  *out = (char *)qb_buf_detach(&b, &n);
  return QB_OK;
}
