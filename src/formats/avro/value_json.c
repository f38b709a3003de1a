/* SPDX-License-Identifier: Apache-2.0 */
/* Decoded Avro values as JSON text, shaped by their schema (field names, map keys); the layout matches the
 * avsc-based oracle (tests/oracles/avro-dump.mjs): exact longs, bytes as {"$hex": …}, unions unwrapped. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/avro/datum.h"
#include "formats/avro/json_text.h"

typedef struct vctx {
  qb_buf *b;
  bool wrap;
  qb_err *err;
} vctx;

static int shape(vctx *c, const qb_avro_node *n, const qb_value *v)
{
  return QB_FAIL(c->err, QB_EINVAL, "a %s value does not fit schema type %s", qb_avro__kind_name(v->kind),
                 n->name ? n->name : qb_avro_type_name(n->type));
}

static int put_hex(vctx *c, const uint8_t *p, size_t n)
{
  static const char hex[] = "0123456789abcdef";
  int rc = qb_buf_puts(c->b, "{\"$hex\":\"", c->err);
  if (!rc) rc = qb_buf_reserve(c->b, 2 * n, c->err);
  if (rc) return rc;
  for (size_t i = 0; i < n; i++) {
    c->b->p[c->b->n++] = (uint8_t)hex[p[i] >> 4];
    c->b->p[c->b->n++] = (uint8_t)hex[p[i] & 15];
  }
  return qb_buf_puts(c->b, "\"}", c->err);
}

static int put_key(vctx *c, const char *s, size_t n)
{
  int rc = qb_avro__json_str(c->b, s, n, c->err);
  return rc ? rc : qb_buf_putc(c->b, ':', c->err);
}

static int put_value(vctx *c, const qb_avro_node *n, const qb_value *v, int depth);

static int put_union(vctx *c, const qb_avro_node *n, const qb_value *v, int depth)
{
  if (c->wrap && qb_avro__union_wraps(n)) {
    if (v->kind != QB_V_STRUCT || v->u.seq.n != 2 || v->u.seq.items[0].kind != QB_V_INT32 ||
        v->u.seq.items[0].u.i32 < 0 || (size_t)v->u.seq.items[0].u.i32 >= n->n)
      return shape(c, n, v);
    const qb_avro_node *b = n->branches[v->u.seq.items[0].u.i32];
    if (b->type == QB_AVRO_NULL) return qb_buf_puts(c->b, "null", c->err);
    const char *name = b->name ? b->name : qb_avro_type_name(b->type);
    int rc = qb_buf_putc(c->b, '{', c->err);
    if (!rc) rc = put_key(c, name, strlen(name));
    if (!rc) rc = put_value(c, b, &v->u.seq.items[1], depth + 1);
    return rc ? rc : qb_buf_putc(c->b, '}', c->err);
  }
  int i = qb_avro__pick_branch(n, v);
  if (i < 0) return shape(c, n, v);
  return put_value(c, n->branches[i], v, depth + 1);
}

static int put_value(vctx *c, const qb_avro_node *n, const qb_value *v, int depth)
{
  int rc = QB_OK;
  if (depth > 8 * QB_AVRO_MAX_DEPTH) return QB_FAIL(c->err, QB_ELIMIT, "value nested too deeply");
  if (n->type == QB_AVRO_UNION) return put_union(c, n, v, depth);
  switch (v->kind) {
  case QB_V_NULL: return qb_buf_puts(c->b, "null", c->err);
  case QB_V_BOOL: return qb_buf_puts(c->b, v->u.b ? "true" : "false", c->err);
  case QB_V_INT32: return qb_buf_printf(c->b, c->err, "%" PRId32, v->u.i32);
  case QB_V_INT64: return qb_buf_printf(c->b, c->err, "%" PRId64, v->u.i64);
  case QB_V_FLOAT: return qb_avro__json_double(c->b, (double)v->u.f32, c->err);
  case QB_V_DOUBLE: return qb_avro__json_double(c->b, v->u.f64, c->err);
  case QB_V_BYTES: return put_hex(c, v->u.bytes.p, v->u.bytes.n);
  case QB_V_STRING: return qb_avro__json_str(c->b, (const char *)v->u.bytes.p, v->u.bytes.n, c->err);
  case QB_V_STRUCT:
    if (n->type != QB_AVRO_RECORD || n->n != v->u.seq.n) return shape(c, n, v);
    rc = qb_buf_putc(c->b, '{', c->err);
    for (size_t i = 0; !rc && i < n->n; i++) {
      if (i) rc = qb_buf_putc(c->b, ',', c->err);
      if (!rc) rc = put_key(c, n->fields[i].name, strlen(n->fields[i].name));
      if (!rc) rc = put_value(c, n->fields[i].type, &v->u.seq.items[i], depth + 1);
    }
    return rc ? rc : qb_buf_putc(c->b, '}', c->err);
  case QB_V_LIST:
    if (n->type != QB_AVRO_ARRAY) return shape(c, n, v);
    rc = qb_buf_putc(c->b, '[', c->err);
    for (size_t i = 0; !rc && i < v->u.seq.n; i++) {
      if (i) rc = qb_buf_putc(c->b, ',', c->err);
      if (!rc) rc = put_value(c, n->items, &v->u.seq.items[i], depth + 1);
    }
    return rc ? rc : qb_buf_putc(c->b, ']', c->err);
  case QB_V_MAP:
    if (n->type == QB_AVRO_ARRAY && n->lmap) { /* as written: an array of {key, value} records */
      const qb_avro_node *rec = n->items;
      rc = qb_buf_putc(c->b, '[', c->err);
      for (size_t i = 0; !rc && i < v->u.seq.n; i++) {
        qb_value pair = {QB_V_STRUCT, {0}};
        pair.u.seq.items = &v->u.seq.items[2 * i];
        pair.u.seq.n = 2;
        if (i) rc = qb_buf_putc(c->b, ',', c->err);
        if (!rc) rc = put_value(c, rec, &pair, depth + 1);
      }
      return rc ? rc : qb_buf_putc(c->b, ']', c->err);
    }
    if (n->type != QB_AVRO_MAP) return shape(c, n, v);
    rc = qb_buf_putc(c->b, '{', c->err);
    for (size_t i = 0; !rc && i < v->u.seq.n; i++) {
      const qb_value *k = &v->u.seq.items[2 * i];
      if (k->kind != QB_V_STRING) return shape(c, n, k);
      if (i) rc = qb_buf_putc(c->b, ',', c->err);
      if (!rc) rc = put_key(c, (const char *)k->u.bytes.p, k->u.bytes.n);
      if (!rc) rc = put_value(c, n->items, &v->u.seq.items[2 * i + 1], depth + 1);
    }
    return rc ? rc : qb_buf_putc(c->b, '}', c->err);
  }
  return shape(c, n, v);
}

int qb_avro_value_to_json(char **out, size_t *out_n, const qb_avro_node *schema, const qb_value *v,
                          bool wrap_unions, qb_err *err)
{
  *out = NULL;
  *out_n = 0;
  qb_buf b;
  qb_buf_init(&b, QB_BUF_NOLIMIT);
  vctx c = {&b, wrap_unions, err};
  int rc = put_value(&c, schema, v, 0);
  if (!rc) rc = qb_buf_cstr(&b, err);
  if (rc) {
    qb_buf_free(&b);
    return rc;
  }
  *out = (char *)qb_buf_detach(&b, out_n);
  return QB_OK;
}

int qb_avro_reader_meta_to_json(char **out, size_t *out_n, const qb_avro_reader *r, qb_err *err)
{
  *out = NULL;
  *out_n = 0;
  qb_buf b;
  qb_buf_init(&b, QB_BUF_NOLIMIT);
  vctx c = {&b, false, err};
  int rc = qb_buf_putc(&b, '{', err);
  const char *key;
  qb_slice v;
  for (size_t i = 0; !rc && qb_avro_reader_meta_at(r, i, &key, &v); i++) {
    if (i) rc = qb_buf_putc(&b, ',', err);
    if (!rc) rc = put_key(&c, key, strlen(key));
    if (!rc) rc = !memchr(v.p, 0, v.n) && qb_avro__utf8_valid(v.p, v.n) ? qb_avro__json_str(&b, (const char *)v.p, v.n, err) : put_hex(&c, v.p, v.n);
  }
  if (!rc) rc = qb_buf_putc(&b, '}', err);
  if (!rc) rc = qb_buf_cstr(&b, err);
  if (rc) {
    qb_buf_free(&b);
    return rc;
  }
  *out = (char *)qb_buf_detach(&b, out_n);
  return QB_OK;
}

/* ---- JSON -> value (the inverse of the printer above) -------------------------------------------- */

typedef struct fctx {
  qb_arena *a;
  bool wrap;
  qb_err *err;
  qb_avro_path path;
} fctx;

static int unfit(fctx *c, const qb_avro_node *n, json_object *j)
{
  QB_FAIL(c->err, QB_EINVAL, "JSON %.80s does not fit schema type %s", qb_avro__json_text(j),
          n->name ? n->name : qb_avro_type_name(n->type));
  return qb_avro__path_wrap(&c->path, c->err);
}

static int from_json(fctx *c, const qb_avro_node *n, json_object *j, qb_value *out);

static bool is_hex_object(json_object *j)
{
  json_object *h;
  return json_object_is_type(j, json_type_object) && json_object_object_length(j) == 1 &&
         json_object_object_get_ex(j, "$hex", &h) && json_object_is_type(h, json_type_string);
}

static bool special_double(json_object *j, double *out)
{
  if (!json_object_is_type(j, json_type_string)) return false;
  const char *s = json_object_get_string(j);
  if (!strcmp(s, "NaN")) *out = NAN;
  else if (!strcmp(s, "Infinity")) *out = INFINITY;
  else if (!strcmp(s, "-Infinity")) *out = -INFINITY;
  else return false;
  return true;
}

/* The branch a JSON value goes to, by its JSON type (the printer writes unions unwrapped): candidates in
 * order of preference, QB_AVRO_NULL ending the list (except for JSON null itself). */
static int json_branch(const qb_avro_node *u, json_object *j)
{
  static const qb_avro_type by_json[][5] = {
      [json_type_null] = {QB_AVRO_NULL},
      [json_type_boolean] = {QB_AVRO_BOOLEAN},
      [json_type_int] = {QB_AVRO_INT, QB_AVRO_LONG, QB_AVRO_DOUBLE, QB_AVRO_FLOAT},
      [json_type_double] = {QB_AVRO_DOUBLE, QB_AVRO_FLOAT},
      [json_type_string] = {QB_AVRO_STRING, QB_AVRO_ENUM, QB_AVRO_DOUBLE, QB_AVRO_FLOAT},
      [json_type_array] = {QB_AVRO_ARRAY},
      [json_type_object] = {QB_AVRO_RECORD, QB_AVRO_MAP},
  };
  json_type t = json_object_get_type(j);
  const qb_avro_type *want = by_json[t];
  static const qb_avro_type hex[] = {QB_AVRO_BYTES, QB_AVRO_FIXED, QB_AVRO_NULL};
  if (is_hex_object(j)) want = hex;
  int64_t v = json_object_get_int64(j);
  double d;
  for (size_t k = 0; k < 5 && (k == 0 || want[k] != QB_AVRO_NULL); k++)
    for (size_t i = 0; i < u->n; i++) {
      const qb_avro_node *b = u->branches[i];
      if (b->type != want[k]) continue;
      if (b->type == QB_AVRO_INT && (v < INT32_MIN || v > INT32_MAX)) continue;
      if (b->type == QB_AVRO_NULL && t != json_type_null) continue;
      if (t == json_type_string && (b->type == QB_AVRO_DOUBLE || b->type == QB_AVRO_FLOAT) && !special_double(j, &d))
        continue;
      return (int)i;
    }
  return -1;
}

static int from_json_union(fctx *c, const qb_avro_node *n, json_object *j, qb_value *out)
{
  int i;
  if (c->wrap && qb_avro__union_wraps(n)) { /* {"<branch type>": value}, or null for the null branch */
    json_object *inner = NULL;
    i = -1;
    if (!j) {
      for (size_t k = 0; k < n->n; k++)
        if (n->branches[k]->type == QB_AVRO_NULL) i = (int)k;
    } else if (json_object_is_type(j, json_type_object) && json_object_object_length(j) == 1) {
      json_object_object_foreach(j, key, val)
      {
        for (size_t k = 0; k < n->n; k++) {
          const qb_avro_node *b = n->branches[k];
          if (!strcmp(key, b->name ? b->name : qb_avro_type_name(b->type))) i = (int)k;
        }
        inner = val;
      }
    }
    if (i < 0) return unfit(c, n, j);
    qb_value *pair = qb_arena_calloc(c->a, 2, sizeof *pair);
    if (!pair) return QB_FAIL(c->err, QB_ENOMEM, "out of memory");
    pair[0].kind = QB_V_INT32;
    pair[0].u.i32 = i;
    int rc = from_json(c, n->branches[i], inner, &pair[1]);
    if (rc) return rc;
    out->kind = QB_V_STRUCT, out->u.seq.items = pair, out->u.seq.n = 2;
    return QB_OK;
  }
  if ((i = json_branch(n, j)) < 0) return unfit(c, n, j);
  return from_json(c, n->branches[i], j, out);
}

static int from_json_bytes(fctx *c, const qb_avro_node *n, json_object *j, qb_value *out)
{
  json_object *h;
  if (!is_hex_object(j) || !json_object_object_get_ex(j, "$hex", &h)) return unfit(c, n, j);
  const char *s = json_object_get_string(h);
  size_t len = (size_t)json_object_get_string_len(h);
  if (len % 2 || (n->type == QB_AVRO_FIXED && len / 2 != n->size)) return unfit(c, n, j);
  uint8_t *p = qb_arena_alloc(c->a, len / 2 + 1);
  if (!p) return QB_FAIL(c->err, QB_ENOMEM, "out of memory");
  for (size_t i = 0; i < len / 2; i++) {
    int v = 0;
    for (int k = 0; k < 2; k++) {
      char ch = s[2 * i + (size_t)k];
      int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
      if (d < 0) return unfit(c, n, j);
      v = v * 16 + d;
    }
    p[i] = (uint8_t)v;
  }
  out->kind = QB_V_BYTES, out->u.bytes.p = p, out->u.bytes.n = len / 2;
  return QB_OK;
}

static int from_json_seq(fctx *c, const qb_avro_node *n, json_object *j, qb_value *out)
{
  bool map = n->type == QB_AVRO_MAP;
  if (!json_object_is_type(j, map ? json_type_object : json_type_array)) return unfit(c, n, j);
  size_t len = map ? (size_t)json_object_object_length(j) : json_object_array_length(j);
  size_t per = map || n->lmap ? 2 : 1;
  qb_value *items = qb_arena_calloc(c->a, len * per + 1, sizeof *items);
  if (!items) return QB_FAIL(c->err, QB_ENOMEM, "out of memory");
  int rc = QB_OK;
  if (map) {
    size_t i = 0;
    json_object_object_foreach(j, key, val)
    {
      items[2 * i].kind = QB_V_STRING;
      items[2 * i].u.bytes.p = (const uint8_t *)key;
      items[2 * i].u.bytes.n = strlen(key);
      if ((rc = qb_avro__path_push(&c->path, key, 0, c->err))) return rc;
      if ((rc = from_json(c, n->items, val, &items[2 * i + 1]))) return rc;
      qb_avro__path_pop(&c->path);
      i++;
    }
  } else {
    for (size_t i = 0; i < len; i++) {
      qb_value v;
      if ((rc = qb_avro__path_push(&c->path, NULL, i, c->err))) return rc;
      if ((rc = from_json(c, n->items, json_object_array_get_idx(j, i), &v))) return rc;
      qb_avro__path_pop(&c->path);
      if (n->lmap) items[2 * i] = v.u.seq.items[0], items[2 * i + 1] = v.u.seq.items[1];
      else items[i] = v;
    }
  }
  out->kind = per == 2 ? QB_V_MAP : QB_V_LIST;
  out->u.seq.items = items;
  out->u.seq.n = len;
  return QB_OK;
}

static int from_json(fctx *c, const qb_avro_node *n, json_object *j, qb_value *out)
{
  json_type t = json_object_get_type(j);
  int64_t v = json_object_get_int64(j);
  double d;
  *out = (qb_value){QB_V_NULL, {0}};
  switch (n->type) {
  case QB_AVRO_NULL: return t == json_type_null ? QB_OK : unfit(c, n, j);
  case QB_AVRO_BOOLEAN:
    if (t != json_type_boolean) return unfit(c, n, j);
    out->kind = QB_V_BOOL, out->u.b = json_object_get_boolean(j);
    return QB_OK;
  case QB_AVRO_INT:
    if (t != json_type_int || v < INT32_MIN || v > INT32_MAX) return unfit(c, n, j);
    out->kind = QB_V_INT32, out->u.i32 = (int32_t)v;
    return QB_OK;
  case QB_AVRO_LONG:
    /* json-c keeps integers up to 2^64 - 1 and saturates them to int64: refuse rather than write a wrong value */
    if (t != json_type_int || (v == INT64_MAX && json_object_get_uint64(j) != (uint64_t)INT64_MAX)) return unfit(c, n, j);
    out->kind = QB_V_INT64, out->u.i64 = v;
    return QB_OK;
  case QB_AVRO_FLOAT:
  case QB_AVRO_DOUBLE:
    if (t == json_type_int || t == json_type_double) d = json_object_get_double(j);
    else if (!special_double(j, &d)) return unfit(c, n, j);
    if (n->type == QB_AVRO_FLOAT) out->kind = QB_V_FLOAT, out->u.f32 = (float)d;
    else out->kind = QB_V_DOUBLE, out->u.f64 = d;
    return QB_OK;
  case QB_AVRO_BYTES:
  case QB_AVRO_FIXED: return from_json_bytes(c, n, j, out);
  case QB_AVRO_STRING:
  case QB_AVRO_ENUM:
    if (t != json_type_string) return unfit(c, n, j);
    out->kind = QB_V_STRING;
    out->u.bytes.p = (const uint8_t *)json_object_get_string(j);
    out->u.bytes.n = (size_t)json_object_get_string_len(j);
    return QB_OK; /* an enum symbol is checked when encoded */
  case QB_AVRO_RECORD: {
    if (t != json_type_object) return unfit(c, n, j);
    qb_value *items = qb_arena_calloc(c->a, n->n + 1, sizeof *items);
    if (!items) return QB_FAIL(c->err, QB_ENOMEM, "out of memory");
    for (size_t i = 0; i < n->n; i++) {
      json_object *fv = NULL;
      int rc = qb_avro__path_push(&c->path, n->fields[i].name, 0, c->err);
      if (rc) return rc;
      if (!json_object_object_get_ex(j, n->fields[i].name, &fv) && n->fields[i].has_default) fv = n->fields[i].deflt;
      if ((rc = from_json(c, n->fields[i].type, fv, &items[i]))) return rc;
      qb_avro__path_pop(&c->path);
    }
    out->kind = QB_V_STRUCT, out->u.seq.items = items, out->u.seq.n = n->n;
    return QB_OK;
  }
  case QB_AVRO_ARRAY:
  case QB_AVRO_MAP: return from_json_seq(c, n, j, out);
  case QB_AVRO_UNION: return from_json_union(c, n, j, out);
  }
  return unfit(c, n, j);
}

int qb_avro__value_from_json(qb_value *out, const qb_avro_node *n, json_object *j, qb_arena *a, bool wrap_unions,
                             qb_err *err)
{
  fctx c = {.a = a, .wrap = wrap_unions, .err = err};
  return from_json(&c, n, j, out);
}
