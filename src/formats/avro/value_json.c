/* SPDX-License-Identifier: Apache-2.0 */
/* Decoded Avro values as JSON text, shaped by their schema (field names, map keys); the layout matches the
 * avsc-based oracle (tests/oracles/avro-dump.mjs): exact longs, bytes as {"$hex": …}, unions unwrapped. */
#include <inttypes.h>
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
  return QB_FAIL(c->err, QB_EINVAL, "value of kind %d does not fit schema type %s", (int)v->kind,
                 qb_avro_type_name(n->type));
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
  if (depth > 4 * QB_AVRO_MAX_DEPTH) return QB_FAIL(c->err, QB_ELIMIT, "value nested too deeply");
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
