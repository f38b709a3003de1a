/* SPDX-License-Identifier: Apache-2.0 */
/* Name mapping (spec "Column Projection", "Name Mapping Serialization"): the JSON in the table property
 * schema.name-mapping.default that gives field ids to the columns of files written without them. */
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
