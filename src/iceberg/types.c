/* SPDX-License-Identifier: Apache-2.0 */
/* Iceberg data types (spec "Schemas and Data Types"): primitive type strings, equality, arena copies.
 * Type strings follow Java's Types.fromTypeName: case-insensitive, "decimal(P, S)", "fixed[L]". */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "iceberg/iceberg_int.h"

static const struct {
  const char *name;
  qb_type_id id;
} primitive_names[] = {
    {"boolean", QB_T_BOOLEAN}, {"int", QB_T_INT},         {"long", QB_T_LONG},
    {"float", QB_T_FLOAT},     {"double", QB_T_DOUBLE},   {"date", QB_T_DATE},
    {"time", QB_T_TIME},       {"timestamp", QB_T_TIMESTAMP}, {"timestamptz", QB_T_TIMESTAMPTZ},
    {"string", QB_T_STRING},   {"uuid", QB_T_UUID},       {"binary", QB_T_BINARY},
};

/* Types of format v3 that qberg (v1/v2 only) refuses with a clear message. */
static const char *const v3_names[] = {"timestamp_ns", "timestamptz_ns", "variant", "unknown", "geometry", "geography"};

static const qb_type primitives[] = {
    [QB_T_BOOLEAN] = {.id = QB_T_BOOLEAN}, [QB_T_INT] = {.id = QB_T_INT},
    [QB_T_LONG] = {.id = QB_T_LONG},       [QB_T_FLOAT] = {.id = QB_T_FLOAT},
    [QB_T_DOUBLE] = {.id = QB_T_DOUBLE},   [QB_T_DATE] = {.id = QB_T_DATE},
    [QB_T_TIME] = {.id = QB_T_TIME},       [QB_T_TIMESTAMP] = {.id = QB_T_TIMESTAMP},
    [QB_T_TIMESTAMPTZ] = {.id = QB_T_TIMESTAMPTZ}, [QB_T_STRING] = {.id = QB_T_STRING},
    [QB_T_UUID] = {.id = QB_T_UUID},       [QB_T_BINARY] = {.id = QB_T_BINARY},
};

const qb_type *qb_type_primitive(qb_type_id id)
{
  if ((unsigned)id >= sizeof primitives / sizeof primitives[0]) return NULL;
  if (id == QB_T_DECIMAL || id == QB_T_FIXED || primitives[id].id != id) return NULL;
  return &primitives[id];
}

bool qb_type_is_primitive(const qb_type *t) { return t->id != QB_T_STRUCT && t->id != QB_T_LIST && t->id != QB_T_MAP; }

bool qb_type__v3_name(const char *s)
{
  for (size_t i = 0; i < sizeof v3_names / sizeof v3_names[0]; i++) {
    size_t n = strlen(v3_names[i]);
    if (!strncasecmp(s, v3_names[i], n) && (s[n] == 0 || s[n] == '(' || s[n] == ' ')) return true;
  }
  return false;
}

/* Parse "<digits>" with optional surrounding spaces; false on junk or overflow. */
static const char *parse_uint(const char *p, int32_t *out)
{
  while (*p == ' ' || *p == '\t') p++;
  if (!isdigit((unsigned char)*p)) return NULL;
  int64_t v = 0;
  while (isdigit((unsigned char)*p)) {
    v = v * 10 + (*p++ - '0');
    if (v > INT32_MAX) return NULL;
  }
  while (*p == ' ' || *p == '\t') p++;
  *out = (int32_t)v;
  return p;
}

int qb_type_parse_primitive(qb_type *out, const char *s, qb_err *err)
{
  memset(out, 0, sizeof *out);
  for (size_t i = 0; i < sizeof primitive_names / sizeof primitive_names[0]; i++)
    if (!strcasecmp(s, primitive_names[i].name)) {
      out->id = primitive_names[i].id;
      return QB_OK;
    }
  if (!strncasecmp(s, "fixed[", 6)) {
    const char *p = parse_uint(s + 6, &out->length);
    if (p && p[0] == ']' && p[1] == 0) {
      out->id = QB_T_FIXED;
      return QB_OK;
    }
  } else if (!strncasecmp(s, "decimal(", 8)) {
    const char *p = parse_uint(s + 8, &out->precision);
    if (p && *p == ',') p = parse_uint(p + 1, &out->scale);
    else p = NULL;
    if (p && p[0] == ')' && p[1] == 0) {
      /* Java DecimalType.of: "Decimals with precision larger than 38 are not supported". */
      if (out->precision > 38)
        return QB_FAIL(err, QB_ECORRUPT, "invalid type '%s': decimal precision larger than 38 is not supported", s);
      if (out->scale > out->precision)
        return QB_FAIL(err, QB_ECORRUPT, "invalid type '%s': decimal scale exceeds precision", s);
      out->id = QB_T_DECIMAL;
      return QB_OK;
    }
  } else if (qb_type__v3_name(s)) {
    return QB_FAIL(err, QB_EUNSUPPORTED, "type '%s' requires format version 3, which is not supported", s);
  }
  return QB_FAIL(err, QB_ECORRUPT, "cannot parse type string to primitive: '%s'", s);
}

void qb_type_to_string(char *buf, size_t n, const qb_type *t)
{
  if (!n) return;
  switch (t->id) {
  case QB_T_DECIMAL: snprintf(buf, n, "decimal(%d, %d)", (int)t->precision, (int)t->scale); return;
  case QB_T_FIXED: snprintf(buf, n, "fixed[%d]", (int)t->length); return;
  case QB_T_STRUCT: snprintf(buf, n, "struct"); return;
  case QB_T_LIST: snprintf(buf, n, "list"); return;
  case QB_T_MAP: snprintf(buf, n, "map"); return;
  default: break;
  }
  for (size_t i = 0; i < sizeof primitive_names / sizeof primitive_names[0]; i++)
    if (primitive_names[i].id == t->id) {
      snprintf(buf, n, "%s", primitive_names[i].name);
      return;
    }
  snprintf(buf, n, "?");
}

static bool str_eq(const char *a, const char *b) { return a == b || (a && b && !strcmp(a, b)); }

static bool field_equal(const qb_field *a, const qb_field *b)
{
  return a->id == b->id && a->required == b->required && str_eq(a->name, b->name) && str_eq(a->doc, b->doc) &&
         str_eq(a->initial_default, b->initial_default) && str_eq(a->write_default, b->write_default) &&
         qb_type_equal(a->type, b->type);
}

bool qb_type_equal(const qb_type *a, const qb_type *b)
{
  if (a == b) return true;
  if (!a || !b || a->id != b->id) return false;
  switch (a->id) {
  case QB_T_DECIMAL: return a->precision == b->precision && a->scale == b->scale;
  case QB_T_FIXED: return a->length == b->length;
  case QB_T_STRUCT:
    if (a->n_fields != b->n_fields) return false;
    for (size_t i = 0; i < a->n_fields; i++)
      if (!field_equal(&a->fields[i], &b->fields[i])) return false;
    return true;
  case QB_T_LIST:
    return a->element_id == b->element_id && a->element_required == b->element_required &&
           qb_type_equal(a->element, b->element);
  case QB_T_MAP:
    return a->key_id == b->key_id && a->value_id == b->value_id && a->value_required == b->value_required &&
           qb_type_equal(a->key, b->key) && qb_type_equal(a->value, b->value);
  default: return true;
  }
}

static char *dup_opt(qb_arena *a, const char *s, qb_err *err, int *rc)
{
  if (!s || *rc) return NULL;
  char *p = qb_ice__strdup(a, s, err);
  if (!p) *rc = QB_ENOMEM;
  return p;
}

int qb_type__copy(const qb_type **out, qb_arena *a, const qb_type *t, qb_err *err)
{
  if (!t) return QB_FAIL(err, QB_EINVAL, "field without a type");
  if (qb_type_is_primitive(t) && t->id != QB_T_DECIMAL && t->id != QB_T_FIXED) {
    const qb_type *p = qb_type_primitive(t->id);
    if (!p) return QB_FAIL(err, QB_EINVAL, "invalid type id %d", (int)t->id);
    *out = p;
    return QB_OK;
  }
  qb_type *c = qb_ice__alloc(a, 1, sizeof *c, err);
  if (!c) return QB_ENOMEM;
  *c = *t;
  int rc = QB_OK;
  switch (t->id) {
  case QB_T_DECIMAL:
  case QB_T_FIXED: break;
  case QB_T_STRUCT: {
    qb_field *f = qb_ice__alloc(a, t->n_fields, sizeof *f, err);
    if (!f) return QB_ENOMEM;
    for (size_t i = 0; i < t->n_fields && !rc; i++) {
      f[i] = t->fields[i];
      if (!t->fields[i].name) return QB_FAIL(err, QB_EINVAL, "field %d has no name", (int)t->fields[i].id);
      f[i].name = dup_opt(a, t->fields[i].name, err, &rc);
      f[i].doc = dup_opt(a, t->fields[i].doc, err, &rc);
      f[i].initial_default = dup_opt(a, t->fields[i].initial_default, err, &rc);
      f[i].write_default = dup_opt(a, t->fields[i].write_default, err, &rc);
      if (!rc) {
        rc = qb_type__copy(&f[i].type, a, t->fields[i].type, err);
        if (rc) rc = qb_err_wrap(err, "field '%s'", t->fields[i].name);
      }
    }
    c->fields = f;
    break;
  }
  case QB_T_LIST: rc = qb_type__copy(&c->element, a, t->element, err); break;
  case QB_T_MAP:
    rc = qb_type__copy(&c->key, a, t->key, err);
    if (!rc) rc = qb_type__copy(&c->value, a, t->value, err);
    break;
  default: return QB_FAIL(err, QB_EINVAL, "invalid type id %d", (int)t->id);
  }
  if (rc) return rc;
  *out = c;
  return QB_OK;
}
