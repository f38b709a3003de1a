/* SPDX-License-Identifier: Apache-2.0 */
/* Rows as JSON: one JSON object per row keyed by column name (qberg scan --format jsonl, qberg append),
 * with values in the text forms of value_text.c. */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "formats/avro/json_text.h"
#include "formats/json/json.h"
#include "iceberg/expr_int.h"

#define MAX_DEPTH 64

/* ---- writing ----------------------------------------------------------------------------------------- */

/* A JSON string of n bytes. JSON text is UTF-8 (RFC 8259 section 8.1): a byte that is not part of
 * well-formed UTF-8 (a foreign writer's string column may hold any bytes) is written U+FFFD, as
 * `qberg parquet cat` and `avro cat` write it, not copied into the output. */
static int json_string(qb_buf *b, const char *s, size_t n, qb_err *err)
{
  int rc = qb_buf_putc(b, '"', err);
  for (size_t i = 0, len = 1; rc == QB_OK && i < n; i += len) {
    unsigned char c = (unsigned char)s[i];
    len = 1;
    if (c == '"' || c == '\\') rc = qb_buf_printf(b, err, "\\%c", c);
    else if (c == '\n') rc = qb_buf_puts(b, "\\n", err);
    else if (c == '\t') rc = qb_buf_puts(b, "\\t", err);
    else if (c == '\r') rc = qb_buf_puts(b, "\\r", err);
    else if (c < 0x20) rc = qb_buf_printf(b, err, "\\u%04x", c);
    else if (c < 0x80) rc = qb_buf_putc(b, c, err);
    else if (!(len = qb_avro__utf8_len((const uint8_t *)s + i, n - i))) rc = qb_buf_puts(b, "\\ufffd", err), len = 1;
    else rc = qb_buf_append(b, s + i, len, err);
  }
  return rc ? rc : qb_buf_putc(b, '"', err);
}

static int json_value(qb_buf *b, const qb_type *t, const qb_value *v, int depth, qb_err *err);

static int json_text_value(qb_buf *b, const qb_type *t, const qb_value *v, qb_err *err)
{
  qb_buf tmp;
  qb_buf_init(&tmp, 64 << 20);
  int rc = qb_ice__value_text(&tmp, t, v, err);
  if (rc == QB_OK) rc = json_string(b, tmp.n ? (const char *)tmp.p : "", tmp.n, err);
  qb_buf_free(&tmp);
  return rc;
}

static int json_value(qb_buf *b, const qb_type *t, const qb_value *v, int depth, qb_err *err)
{
  if (depth > MAX_DEPTH) return QB_FAIL(err, QB_ELIMIT, "value nested deeper than %d", MAX_DEPTH);
  if (v->kind == QB_V_NULL) return qb_buf_puts(b, "null", err);
  int rc = QB_OK;
  switch (t->id) {
  case QB_T_BOOLEAN:
  case QB_T_INT:
  case QB_T_LONG: return qb_ice__value_text(b, t, v, err);
  case QB_T_FLOAT:
  case QB_T_DOUBLE: {
    double d = v->kind == QB_V_FLOAT ? v->u.f32 : v->u.f64;
    return isfinite(d) ? qb_ice__value_text(b, t, v, err) : json_text_value(b, t, v, err);
  }
  case QB_T_STRUCT:
    if (v->kind != QB_V_STRUCT || v->u.seq.n != t->n_fields) return QB_FAIL(err, QB_EINVAL, "a struct value does not fit its type");
    rc = qb_buf_putc(b, '{', err);
    for (size_t i = 0; rc == QB_OK && i < t->n_fields; i++) {
      if (i) rc = qb_buf_putc(b, ',', err);
      if (rc == QB_OK) rc = json_string(b, t->fields[i].name, strlen(t->fields[i].name), err);
      if (rc == QB_OK) rc = qb_buf_putc(b, ':', err);
      if (rc == QB_OK) rc = json_value(b, t->fields[i].type, &v->u.seq.items[i], depth + 1, err);
    }
    return rc ? rc : qb_buf_putc(b, '}', err);
  case QB_T_LIST:
    if (v->kind != QB_V_LIST) return QB_FAIL(err, QB_EINVAL, "a list value does not fit its type");
    rc = qb_buf_putc(b, '[', err);
    for (size_t i = 0; rc == QB_OK && i < v->u.seq.n; i++) {
      if (i) rc = qb_buf_putc(b, ',', err);
      if (rc == QB_OK) rc = json_value(b, t->element, &v->u.seq.items[i], depth + 1, err);
    }
    return rc ? rc : qb_buf_putc(b, ']', err);
  case QB_T_MAP: {
    if (v->kind != QB_V_MAP) return QB_FAIL(err, QB_EINVAL, "a map value does not fit its type");
    bool obj = t->key->id == QB_T_STRING; /* string keys: a JSON object; others: [{"key":…,"value":…}] */
    rc = qb_buf_putc(b, obj ? '{' : '[', err);
    for (size_t i = 0; rc == QB_OK && i < v->u.seq.n; i++) {
      const qb_value *k = &v->u.seq.items[2 * i], *x = &v->u.seq.items[2 * i + 1];
      if (i) rc = qb_buf_putc(b, ',', err);
      if (rc) break;
      if (obj) {
        if (k->kind != QB_V_STRING && k->kind != QB_V_BYTES) return QB_FAIL(err, QB_EINVAL, "a map key is not a string");
        rc = json_string(b, (const char *)k->u.bytes.p, k->u.bytes.n, err);
        if (rc == QB_OK) rc = qb_buf_putc(b, ':', err);
      } else {
        rc = qb_buf_puts(b, "{\"key\":", err);
        if (rc == QB_OK) rc = json_value(b, t->key, k, depth + 1, err);
        if (rc == QB_OK) rc = qb_buf_puts(b, ",\"value\":", err);
      }
      if (rc == QB_OK) rc = json_value(b, t->value, x, depth + 1, err);
      if (rc == QB_OK && !obj) rc = qb_buf_putc(b, '}', err);
    }
    return rc ? rc : qb_buf_putc(b, obj ? '}' : ']', err);
  }
  default: return json_text_value(b, t, v, err);
  }
}

int qb_row_to_json(char **out, size_t *out_n, const qb_type *row_type, const qb_value *row, qb_err *err)
{
  *out = NULL;
  qb_buf b;
  qb_buf_init(&b, (size_t)1 << 30);
  int rc = json_value(&b, row_type, row, 0, err);
  if (rc == QB_OK) rc = qb_buf_cstr(&b, err);
  if (rc) {
    qb_buf_free(&b);
    return rc;
  }
  *out = (char *)qb_buf_detach(&b, out_n);
  return QB_OK;
}

int qb_value_to_text(char **out, const qb_type *t, const qb_value *v, qb_err *err)
{
  *out = NULL;
  qb_buf b;
  qb_buf_init(&b, (size_t)1 << 30);
  int rc = qb_type_is_primitive(t) || v->kind == QB_V_NULL ? qb_ice__value_text(&b, t, v, err) : json_value(&b, t, v, 0, err);
  if (rc == QB_OK) rc = qb_buf_cstr(&b, err);
  if (rc) {
    qb_buf_free(&b);
    return rc;
  }
  *out = (char *)qb_buf_detach(&b, NULL);
  return QB_OK;
}

/* ---- reading ----------------------------------------------------------------------------------------- */

struct qb_row_decoder {
  const qb_schema *schema;
  qb_arena arena; /* the last row */
  qb_value row;
};

int qb_row_decoder_new(qb_row_decoder **out, const qb_schema *schema, qb_err *err)
{
  *out = calloc(1, sizeof **out);
  if (!*out) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  (*out)->schema = schema;
  qb_arena_init(&(*out)->arena, 4 << 10);
  return QB_OK;
}

void qb_row_decoder_free(qb_row_decoder *d)
{
  if (!d) return;
  qb_arena_release(&d->arena);
  free(d);
}

static int decode(qb_value *out, const qb_type *t, const json_object *j, const char *name, qb_arena *a, int depth,
                  qb_err *err);

static int decode_struct(qb_value *out, const qb_type *t, const json_object *j, const char *name, qb_arena *a,
                         int depth, qb_err *err)
{
  if (!json_object_is_type(j, json_type_object))
    return QB_FAIL(err, QB_EINVAL, "%s: expected a JSON object, got %s", name, qb_json_kind(j));
  qb_value *items = qb_ice__alloc(a, t->n_fields ? t->n_fields : 1, sizeof *items, err);
  if (!items) return QB_ENOMEM;
  size_t matched = 0;
  for (size_t i = 0; i < t->n_fields; i++) {
    const qb_field *f = &t->fields[i];
    json_object *m = NULL;
    bool present = json_object_object_get_ex(j, f->name, &m);
    matched += present;
    char *sub = name[0] ? qb_arena_sprintf(a, "%s.%s", name, f->name) : qb_arena_sprintf(a, "%s", f->name);
    if (!sub) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    if (!m) {
      if (f->required) return QB_FAIL(err, QB_EINVAL, "column %s is required but %s", sub, present ? "null" : "missing");
      items[i] = qb_value_null();
      continue;
    }
    int rc = decode(&items[i], f->type, m, sub, a, depth + 1, err);
    if (rc) return rc;
  }
  if (matched != (size_t)json_object_object_length(j)) {
    json_object_object_foreach((json_object *)j, key, val) {
      (void)val;
      bool known = false;
      for (size_t i = 0; i < t->n_fields && !known; i++) known = !strcmp(t->fields[i].name, key);
      if (!known) return QB_FAIL(err, QB_EINVAL, "%s%sno column named '%s'", name, name[0] ? ": " : "", key);
    }
  }
  *out = (qb_value){.kind = QB_V_STRUCT, .u.seq = {items, t->n_fields}};
  return QB_OK;
}

static int decode(qb_value *out, const qb_type *t, const json_object *j, const char *name, qb_arena *a, int depth,
                  qb_err *err)
{
  if (depth > MAX_DEPTH) return QB_FAIL(err, QB_ELIMIT, "%s: nested deeper than %d", name, MAX_DEPTH);
  if (!j) {
    *out = qb_value_null();
    return QB_OK;
  }
  int rc;
  qb_value v;
  switch (t->id) {
  case QB_T_STRUCT: return decode_struct(out, t, j, name, a, depth, err);
  case QB_T_LIST: {
    if (!json_object_is_type(j, json_type_array))
      return QB_FAIL(err, QB_EINVAL, "%s: expected a JSON array, got %s", name, qb_json_kind(j));
    size_t n = json_object_array_length(j);
    qb_value *items = qb_ice__alloc(a, n ? n : 1, sizeof *items, err);
    if (!items) return QB_ENOMEM;
    for (size_t i = 0; i < n; i++) {
      json_object *e = json_object_array_get_idx(j, i);
      if (!e && t->element_required) return QB_FAIL(err, QB_EINVAL, "%s[%zu]: null in a list of required elements", name, i);
      if ((rc = decode(&items[i], t->element, e, name, a, depth + 1, err))) return rc;
    }
    *out = (qb_value){.kind = QB_V_LIST, .u.seq = {items, n}};
    return QB_OK;
  }
  case QB_T_MAP: {
    bool obj = json_object_is_type(j, json_type_object);
    if (!obj && !json_object_is_type(j, json_type_array))
      return QB_FAIL(err, QB_EINVAL, "%s: expected a JSON object or array of {key, value}", name);
    size_t n = obj ? (size_t)json_object_object_length(j) : json_object_array_length(j);
    qb_value *items = qb_ice__alloc(a, 2 * n + 1, sizeof *items, err);
    if (!items) return QB_ENOMEM;
    size_t i = 0;
    if (obj) {
      json_object_object_foreach((json_object *)j, key, val) {
        if ((rc = qb_ice__value_parse(&items[2 * i], t->key, key, strlen(key), a, err)))
          return qb_err_wrap(err, "%s: key", name);
        if ((rc = decode(&items[2 * i + 1], t->value, val, name, a, depth + 1, err))) return rc;
        i++;
      }
    } else {
      for (; i < n; i++) {
        json_object *e = json_object_array_get_idx(j, i), *k = NULL, *x = NULL;
        if (!json_object_is_type(e, json_type_object) || !json_object_object_get_ex(e, "key", &k) || !k)
          return QB_FAIL(err, QB_EINVAL, "%s[%zu]: expected {\"key\": …, \"value\": …}", name, i);
        json_object_object_get_ex(e, "value", &x);
        if ((rc = decode(&items[2 * i], t->key, k, name, a, depth + 1, err)) ||
            (rc = decode(&items[2 * i + 1], t->value, x, name, a, depth + 1, err)))
          return rc;
      }
    }
    for (size_t k = 0; k < n; k++)
      if (t->value_required && items[2 * k + 1].kind == QB_V_NULL)
        return QB_FAIL(err, QB_EINVAL, "%s: null value in a map of required values", name);
    *out = (qb_value){.kind = QB_V_MAP, .u.seq = {items, n}};
    return QB_OK;
  }
  default: break;
  }
  enum json_type jt = json_object_get_type(j);
  switch (jt) {
  case json_type_boolean:
    v = (qb_value){.kind = QB_V_BOOL, .u.b = json_object_get_boolean(j)};
    rc = qb_ice__value_canon(out, t, &v, a, err);
    break;
  case json_type_int:
    if (t->id == QB_T_DECIMAL || t->id == QB_T_FLOAT || t->id == QB_T_DOUBLE) goto as_text;
    /* json-c keeps 2^63 .. 2^64 - 1 as an unsigned value and get_int64 saturates it: refuse, not clamp */
    if (json_object_get_int64(j) == INT64_MAX && json_object_get_uint64(j) > (uint64_t)INT64_MAX) {
      rc = QB_FAIL(err, QB_EINVAL, "%" PRIu64 " is out of the range of a 64-bit signed integer", json_object_get_uint64(j));
      break;
    }
    v = (qb_value){.kind = QB_V_INT64, .u.i64 = json_object_get_int64(j)};
    rc = qb_ice__value_canon(out, t, &v, a, err);
    break;
  case json_type_double:
  as_text: {
    /* numbers by the text they were written with: exact for decimals */
    const char *s = json_object_to_json_string_ext((json_object *)j, JSON_C_TO_STRING_PLAIN);
    rc = qb_ice__value_parse(out, t, s, strlen(s), a, err);
    break;
  }
  case json_type_string:
    rc = qb_ice__value_parse(out, t, json_object_get_string((json_object *)j), (size_t)json_object_get_string_len(j),
                             a, err);
    break;
  default: return QB_FAIL(err, QB_EINVAL, "%s: a JSON %s cannot be a primitive value", name, qb_json_kind(j));
  }
  return rc ? qb_err_wrap(err, "column %s", name) : QB_OK;
}

/* json-c saturates integer tokens beyond [-2^63, 2^64 - 1] (and does not keep their text, as it does for
 * fractional ones): 99999999999999999999 would become 18446744073709551615 in any column, a decimal or
 * double too. Such tokens are refused before parsing; written as strings they keep every digit. */
static int check_integer_tokens(const char *s, size_t n, qb_err *err)
{
  static const char max_neg[] = "9223372036854775808", max_pos[] = "18446744073709551615";
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c == '"') {
      for (i++; i < n && s[i] != '"'; i++)
        if (s[i] == '\\') i++;
      continue;
    }
    if (c != '-' && (c < '0' || c > '9')) continue;
    size_t start = i, d0 = i + (c == '-');
    for (i = d0; i < n && s[i] >= '0' && s[i] <= '9'; i++) {}
    size_t nd = i - d0;
    bool fraction = false;
    for (; i < n && s[i] && ((s[i] >= '0' && s[i] <= '9') || strchr(".eE+-", s[i])); i++) fraction = true;
    const char *lim = c == '-' ? max_neg : max_pos;
    size_t nl = strlen(lim);
    if (!fraction && (nd > nl || (nd == nl && memcmp(s + d0, lim, nl) > 0)))
      return QB_FAIL(err, QB_EINVAL, "integer %.*s is out of the 64-bit range (write a decimal as a JSON string)",
                     (int)(i - start < 64 ? i - start : 64), s + start);
    i--;
  }
  return QB_OK;
}

int qb_row_decoder_parse(const qb_value **row, qb_row_decoder *d, const char *json, size_t n, qb_err *err)
{
  *row = NULL;
  int rc0 = check_integer_tokens(json, n, err);
  if (rc0) return rc0;
  qb_arena_release(&d->arena);
  qb_arena_init(&d->arena, 4 << 10);
  json_object *j;
  int rc = qb_json_parse(&j, json, n, err);
  if (rc) return rc;
  rc = decode_struct(&d->row, qb_schema_struct(d->schema), j, "", &d->arena, 0, err);
  json_object_put(j);
  if (rc == QB_OK) *row = &d->row;
  return rc;
}
