/* SPDX-License-Identifier: Apache-2.0 */
/* json-c glue (see json.h): bounded parse, typed getters naming the field, Jackson-style writer. */
#include "formats/json/json.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

int qb_json_parse(json_object **out, const char *text, size_t n, qb_err *err)
{
  *out = NULL;
  if (n > INT_MAX) return QB_FAIL(err, QB_ELIMIT, "JSON document of %zu bytes is too large", n);
  json_tokener *tok = json_tokener_new_ex(QB_JSON_MAX_DEPTH);
  if (!tok) return QB_FAIL(err, QB_ENOMEM, "out of memory creating the JSON parser");
  json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
  json_object *obj = json_tokener_parse_ex(tok, text, (int)n);
  enum json_tokener_error jerr = json_tokener_get_error(tok);
  size_t used = json_tokener_get_parse_end(tok);
  if (jerr == json_tokener_continue && !obj) {
    /* a top-level number ("1234") is only complete once the tokener sees the end: feed a NUL */
    obj = json_tokener_parse_ex(tok, "", 1);
    jerr = json_tokener_get_error(tok);
    used = n;
  }
  json_tokener_free(tok);
  if (jerr == json_tokener_continue) {
    json_object_put(obj);
    return QB_FAIL(err, QB_ECORRUPT, "invalid JSON: unexpected end of input at offset %zu", n);
  }
  if (jerr != json_tokener_success || !obj) {
    json_object_put(obj);
    if (jerr == json_tokener_success) return QB_FAIL(err, QB_ECORRUPT, "invalid JSON: the document is null");
    return QB_FAIL(err, QB_ECORRUPT, "invalid JSON at offset %zu: %s", used, json_tokener_error_desc(jerr));
  }
  for (size_t i = used; i < n; i++) {
    char c = text[i];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
      json_object_put(obj);
      return QB_FAIL(err, QB_ECORRUPT, "invalid JSON: trailing data at offset %zu", i);
    }
  }
  *out = obj;
  return QB_OK;
}

const char *qb_json_kind(const json_object *o)
{
  switch (json_object_get_type(o)) {
  case json_type_null: return "null";
  case json_type_boolean: return "boolean";
  case json_type_double: return "number";
  case json_type_int: return "integer";
  case json_type_object: return "object";
  case json_type_array: return "array";
  case json_type_string: return "string";
  }
  return "value";
}

json_object *qb_json_get(const json_object *obj, const char *key)
{
  json_object *v = NULL;
  if (!obj || !json_object_is_type(obj, json_type_object)) return NULL;
  if (!json_object_object_get_ex(obj, key, &v)) return NULL;
  if (json_object_is_type(v, json_type_null)) return NULL;
  return v;
}

static int missing(const char *key, qb_err *err)
{
  return QB_FAIL(err, QB_ECORRUPT, "missing required field '%s'", key);
}

int qb_json_as_i64(int64_t *out, const json_object *v, const char *what, qb_err *err)
{
  if (!json_object_is_type(v, json_type_int))
    return QB_FAIL(err, QB_ECORRUPT, "field '%s' must be an integer, got %s", what, qb_json_kind(v));
  /* json-c keeps values above INT64_MAX as uint64 and clamps get_int64: detect that. */
  errno = 0;
  int64_t x = json_object_get_int64(v);
  if (x == INT64_MAX && json_object_get_uint64(v) > (uint64_t)INT64_MAX)
    return QB_FAIL(err, QB_ECORRUPT, "field '%s' is out of range for a 64-bit integer", what);
  *out = x;
  return QB_OK;
}

int qb_json_as_i32(int32_t *out, const json_object *v, const char *what, qb_err *err)
{
  int64_t x;
  int rc = qb_json_as_i64(&x, v, what, err);
  if (rc) return rc;
  if (x < INT32_MIN || x > INT32_MAX)
    return QB_FAIL(err, QB_ECORRUPT, "field '%s' is out of range for a 32-bit integer: %" PRId64, what, x);
  *out = (int32_t)x;
  return QB_OK;
}

int qb_json_req_i64(int64_t *out, const json_object *obj, const char *key, qb_err *err)
{
  json_object *v = qb_json_get(obj, key);
  if (!v) return missing(key, err);
  return qb_json_as_i64(out, v, key, err);
}

int qb_json_opt_i64(int64_t *out, bool *present, const json_object *obj, const char *key, qb_err *err)
{
  json_object *v = qb_json_get(obj, key);
  *present = v != NULL;
  if (!v) return QB_OK;
  return qb_json_as_i64(out, v, key, err);
}

int qb_json_req_i32(int32_t *out, const json_object *obj, const char *key, qb_err *err)
{
  json_object *v = qb_json_get(obj, key);
  if (!v) return missing(key, err);
  return qb_json_as_i32(out, v, key, err);
}

int qb_json_opt_i32(int32_t *out, bool *present, const json_object *obj, const char *key, qb_err *err)
{
  json_object *v = qb_json_get(obj, key);
  *present = v != NULL;
  if (!v) return QB_OK;
  return qb_json_as_i32(out, v, key, err);
}

int qb_json_req_bool(bool *out, const json_object *obj, const char *key, qb_err *err)
{
  json_object *v = qb_json_get(obj, key);
  if (!v) return missing(key, err);
  if (!json_object_is_type(v, json_type_boolean))
    return QB_FAIL(err, QB_ECORRUPT, "field '%s' must be a boolean, got %s", key, qb_json_kind(v));
  *out = json_object_get_boolean(v);
  return QB_OK;
}

int qb_json_opt_str(const char **out, const json_object *obj, const char *key, qb_err *err)
{
  json_object *v = qb_json_get(obj, key);
  *out = NULL;
  if (!v) return QB_OK;
  if (!json_object_is_type(v, json_type_string))
    return QB_FAIL(err, QB_ECORRUPT, "field '%s' must be a string, got %s", key, qb_json_kind(v));
  const char *s = json_object_get_string(v);
  if (strlen(s) != (size_t)json_object_get_string_len(v))
    return QB_FAIL(err, QB_ECORRUPT, "field '%s' contains a NUL character", key);
  *out = s;
  return QB_OK;
}

int qb_json_req_str(const char **out, const json_object *obj, const char *key, qb_err *err)
{
  int rc = qb_json_opt_str(out, obj, key, err);
  if (rc) return rc;
  return *out ? QB_OK : missing(key, err);
}

static int opt_container(json_object **out, const json_object *obj, const char *key, json_type t, qb_err *err)
{
  json_object *v = qb_json_get(obj, key);
  *out = NULL;
  if (!v) return QB_OK;
  if (!json_object_is_type(v, t))
    return QB_FAIL(err, QB_ECORRUPT, "field '%s' must be an %s, got %s", key,
                   t == json_type_array ? "array" : "object", qb_json_kind(v));
  *out = v;
  return QB_OK;
}

int qb_json_opt_array(json_object **out, const json_object *obj, const char *key, qb_err *err)
{
  return opt_container(out, obj, key, json_type_array, err);
}

int qb_json_req_array(json_object **out, const json_object *obj, const char *key, qb_err *err)
{
  int rc = opt_container(out, obj, key, json_type_array, err);
  if (rc) return rc;
  return *out ? QB_OK : missing(key, err);
}

int qb_json_opt_object(json_object **out, const json_object *obj, const char *key, qb_err *err)
{
  return opt_container(out, obj, key, json_type_object, err);
}

int qb_json_req_object(json_object **out, const json_object *obj, const char *key, qb_err *err)
{
  int rc = opt_container(out, obj, key, json_type_object, err);
  if (rc) return rc;
  return *out ? QB_OK : missing(key, err);
}

/* ---- writer ---------------------------------------------------------------------------------- */

void qb_jw_init(qb_jw *w, qb_buf *b, bool pretty, qb_err *err)
{
  memset(w, 0, sizeof *w);
  w->b = b;
  w->pretty = pretty;
  w->err = err;
}

static void put(qb_jw *w, const char *s, size_t n)
{
  if (w->rc) return;
  w->rc = qb_buf_append(w->b, s, n, w->err);
}

static void puts_(qb_jw *w, const char *s) { put(w, s, strlen(s)); }

/* Objects indent by nesting depth of objects only: Jackson's arrays are inline (FixedSpaceIndenter). */
static void newline_indent(qb_jw *w)
{
  int objects = 0;
  for (int i = 0; i < w->depth; i++)
    if (!w->stack[i].is_array) objects++;
  put(w, "\n", 1);
  for (int i = 0; i < objects; i++) put(w, "  ", 2);
}

/* Called before every value: separators for array elements (object members get theirs in qb_jw_key). */
static void before_value(qb_jw *w)
{
  if (w->rc) return;
  if (w->after_key) {
    w->after_key = false;
    return;
  }
  if (w->depth == 0) return;
  if (!w->stack[w->depth - 1].is_array) {
    w->rc = QB_FAIL(w->err, QB_EINTERNAL, "JSON writer: value without a key inside an object");
    return;
  }
  if (w->stack[w->depth - 1].n++ > 0) put(w, ",", 1);
  if (w->pretty) put(w, " ", 1);
}

static void push(qb_jw *w, bool is_array)
{
  if (w->rc) return;
  if (w->depth >= QB_JSON_MAX_DEPTH) {
    w->rc = QB_FAIL(w->err, QB_ELIMIT, "JSON writer: nesting deeper than %d", QB_JSON_MAX_DEPTH);
    return;
  }
  w->stack[w->depth].is_array = is_array;
  w->stack[w->depth].n = 0;
  w->depth++;
}

void qb_jw_begin_object(qb_jw *w)
{
  before_value(w);
  put(w, "{", 1);
  push(w, false);
}

void qb_jw_end_object(qb_jw *w)
{
  if (w->rc) return;
  int n = w->stack[w->depth - 1].n;
  w->depth--;
  if (w->pretty) {
    if (n > 0)
      newline_indent(w);
    else
      put(w, " ", 1);
  }
  put(w, "}", 1);
}

void qb_jw_begin_array(qb_jw *w)
{
  before_value(w);
  put(w, "[", 1);
  push(w, true);
}

void qb_jw_end_array(qb_jw *w)
{
  if (w->rc) return;
  w->depth--;
  if (w->pretty) put(w, " ", 1);
  put(w, "]", 1);
}

/* Jackson escapes '"', '\\' and control characters (short forms where they exist, else \u00XX with
 * upper-case hex); '/' and non-ASCII are written as is. */
static void put_string(qb_jw *w, const char *s, size_t n)
{
  static const char hex[] = "0123456789ABCDEF";
  put(w, "\"", 1);
  size_t run = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    const char *esc = NULL;
    char u[7];
    if (c == '"')
      esc = "\\\"";
    else if (c == '\\')
      esc = "\\\\";
    else if (c < 0x20) {
      switch (c) {
      case '\b': esc = "\\b"; break;
      case '\t': esc = "\\t"; break;
      case '\n': esc = "\\n"; break;
      case '\f': esc = "\\f"; break;
      case '\r': esc = "\\r"; break;
      default:
        memcpy(u, "\\u00", 4);
        u[4] = hex[c >> 4];
        u[5] = hex[c & 15];
        u[6] = 0;
        esc = u;
      }
    }
    if (!esc) continue;
    put(w, s + run, i - run);
    puts_(w, esc);
    run = i + 1;
  }
  put(w, s + run, n - run);
  put(w, "\"", 1);
}

void qb_jw_key(qb_jw *w, const char *key)
{
  if (w->rc) return;
  if (w->depth == 0 || w->stack[w->depth - 1].is_array) {
    w->rc = QB_FAIL(w->err, QB_EINTERNAL, "JSON writer: key '%s' outside an object", key);
    return;
  }
  if (w->stack[w->depth - 1].n++ > 0) put(w, ",", 1);
  if (w->pretty) newline_indent(w);
  put_string(w, key, strlen(key));
  puts_(w, w->pretty ? " : " : ":");
  w->after_key = true;
}

void qb_jw_strn(qb_jw *w, const char *s, size_t n)
{
  before_value(w);
  put_string(w, s, n);
}

void qb_jw_str(qb_jw *w, const char *s) { qb_jw_strn(w, s, strlen(s)); }

void qb_jw_i64(qb_jw *w, int64_t v)
{
  /* digits written backwards by hand: snprintf's format machinery was ~700 instructions a number, and a
   * commit's metadata and manifests write thousands (ids, sizes, counts, timestamps) */
  char tmp[24], *e = tmp + sizeof tmp, *d = e;
  uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v; /* INT64_MIN has no positive int64_t */
  do {
    *--d = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0) *--d = '-';
  before_value(w);
  put(w, d, (size_t)(e - d));
}

void qb_jw_bool(qb_jw *w, bool v)
{
  before_value(w);
  puts_(w, v ? "true" : "false");
}

void qb_jw_null(qb_jw *w)
{
  before_value(w);
  puts_(w, "null");
}

void qb_jw_raw(qb_jw *w, const char *text)
{
  before_value(w);
  puts_(w, text);
}

void qb_jw_raw_elements(qb_jw *w, const char *text, size_t n, int count)
{
  if (w->rc || count <= 0) return;
  if (w->pretty || w->depth == 0 || !w->stack[w->depth - 1].is_array) {
    w->rc = QB_FAIL(w->err, QB_EINTERNAL, "JSON writer: raw elements outside a compact array");
    return;
  }
  before_value(w);
  put(w, text, n);
  w->stack[w->depth - 1].n += count - 1;
}

void qb_jw_value(qb_jw *w, const json_object *v)
{
  if (w->rc) return;
  switch (json_object_get_type(v)) {
  case json_type_null: qb_jw_null(w); break;
  case json_type_boolean: qb_jw_bool(w, json_object_get_boolean(v)); break;
  case json_type_int:
    if (json_object_get_int64(v) == INT64_MAX && json_object_get_uint64(v) > (uint64_t)INT64_MAX) {
      char tmp[24];
      snprintf(tmp, sizeof tmp, "%" PRIu64, json_object_get_uint64(v));
      qb_jw_raw(w, tmp);
    } else {
      qb_jw_i64(w, json_object_get_int64(v));
    }
    break;
  case json_type_double:
    /* json-c keeps the parsed text of a number, so a value read from a file is written unchanged. */
    qb_jw_raw(w, json_object_to_json_string_ext((json_object *)v, JSON_C_TO_STRING_PLAIN));
    break;
  case json_type_string: qb_jw_strn(w, json_object_get_string((json_object *)v), (size_t)json_object_get_string_len(v)); break;
  case json_type_array: {
    qb_jw_begin_array(w);
    size_t n = json_object_array_length(v);
    for (size_t i = 0; i < n; i++) qb_jw_value(w, json_object_array_get_idx(v, i));
    qb_jw_end_array(w);
    break;
  }
  case json_type_object: {
    qb_jw_begin_object(w);
    json_object_object_foreach((json_object *)v, key, val)
    {
      qb_jw_key(w, key);
      qb_jw_value(w, val);
    }
    qb_jw_end_object(w);
    break;
  }
  }
}

void qb_jw_json_text(qb_jw *w, const char *json)
{
  if (w->rc) return;
  json_object *v = NULL;
  if (!strcmp(json, "null")) {
    qb_jw_null(w);
    return;
  }
  w->rc = qb_json_parse(&v, json, strlen(json), w->err);
  if (w->rc) return;
  qb_jw_value(w, v);
  json_object_put(v);
}

int qb_jw_finish(qb_jw *w)
{
  if (!w->rc && w->depth != 0) w->rc = QB_FAIL(w->err, QB_EINTERNAL, "JSON writer: %d containers left open", w->depth);
  return w->rc;
}
