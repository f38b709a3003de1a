/* SPDX-License-Identifier: Apache-2.0 */
/* Avro schema -> JSON text in the key order of Java's Schema.toString (Avro 1.11 `Schema.java`
 * toJson), keeping every extra attribute, so Java-written headers round-trip byte for byte. */
#include <stdlib.h>
#include <string.h>

#include "formats/avro/json_text.h"
#include "formats/avro/schema.h"
#include "util/str.h"

typedef struct jctx {
  qb_buf *b;
  qb_map emitted;     /* full names of the named types already defined */
  const qb_map *names; /* every named type of the schema */
  qb_err *err;
} jctx;

static int put(jctx *c, const char *s) { return qb_buf_puts(c->b, s, c->err); }
static int put_str(jctx *c, const char *s) { return qb_avro__json_str(c->b, s, strlen(s), c->err); }

/* ,"key":<json text> */
static int put_attr(jctx *c, const char *key, json_object *v)
{
  int rc = put(c, ",");
  if (!rc) rc = put_str(c, key);
  if (!rc) rc = put(c, ":");
  return rc ? rc : put(c, qb_avro__json_text(v));
}

static bool in_list(const char *key, const char *const *list)
{
  for (; *list; list++)
    if (!strcmp(key, *list)) return true;
  return false;
}

/* The attributes Java keeps in its props map: everything not in `reserved`, in document order. */
static int put_extras(jctx *c, json_object *j, const char *const *reserved)
{
  json_object_object_foreach(j, key, val)
  {
    if (in_list(key, reserved)) continue;
    int rc = put_attr(c, key, val);
    if (rc) return rc;
  }
  return QB_OK;
}

static int put_if(jctx *c, json_object *j, const char *key)
{
  json_object *v;
  return json_object_object_get_ex(j, key, &v) ? put_attr(c, key, v) : QB_OK;
}

/* Java Schema.Name.writeName: the short name, and the namespace only where it differs from the enclosing
 * one ("" when a null namespace sits inside a non-null one). */
static int put_name(jctx *c, const qb_avro_node *n, const char *ns)
{
  int rc = QB_OK;
  if (n->name) {
    rc = put(c, ",\"name\":");
    if (!rc) rc = put_str(c, n->short_name);
  }
  if (!rc && n->name && n->space && (!ns || strcmp(n->space, ns))) {
    rc = put(c, ",\"namespace\":");
    if (!rc) rc = put_str(c, n->space);
  } else if (!rc && n->name && !n->space && ns) {
    rc = put(c, ",\"namespace\":\"\"");
  }
  return rc;
}

static int put_node(jctx *c, const qb_avro_node *n, const char *ns);

static int put_fields(jctx *c, const qb_avro_node *n)
{
  static const char *const reserved[] = {"name", "type", "doc", "default", "order", "aliases", NULL};
  int rc = put(c, ",\"fields\":[");
  for (size_t i = 0; !rc && i < n->n; i++) {
    const qb_avro_field *f = &n->fields[i];
    json_object *v;
    rc = put(c, i ? ",{\"name\":" : "{\"name\":");
    if (!rc) rc = put_str(c, f->name);
    if (!rc) rc = put(c, ",\"type\":");
    if (!rc) rc = put_node(c, f->type, n->space);
    if (!rc) rc = put_if(c, f->json, "doc");
    if (!rc && f->has_default) rc = put_attr(c, "default", f->deflt);
    /* Java writes "order" only when it is not the default "ascending" */
    if (!rc && json_object_object_get_ex(f->json, "order", &v) &&
        !(json_object_is_type(v, json_type_string) && !strcmp(json_object_get_string(v), "ascending")))
      rc = put_attr(c, "order", v);
    if (!rc) rc = put_if(c, f->json, "aliases");
    if (!rc) rc = put_extras(c, f->json, reserved);
    if (!rc) rc = put(c, "}");
  }
  return rc ? rc : put(c, "]");
}

static int put_node(jctx *c, const qb_avro_node *n, const char *ns)
{
  int rc;
  if (n->type == QB_AVRO_UNION) {
    rc = put(c, "[");
    for (size_t i = 0; !rc && i < n->n; i++) {
      if (i) rc = put(c, ",");
      if (!rc) rc = put_node(c, n->branches[i], ns);
    }
    return rc ? rc : put(c, "]");
  }
  bool named = n->type == QB_AVRO_RECORD || n->type == QB_AVRO_ENUM || n->type == QB_AVRO_FIXED;
  if (named && n->name && qb_map_has_str(&c->emitted, n->name)) { /* a later use: reference by name */
    if (n->space) return put_str(c, ns && !strcmp(n->space, ns) ? n->short_name : n->name);
    /* Java writes the bare name even where it would resolve to ns.name; ".name" says "null namespace" */
    char *full = ns ? qb_str_printf("%s.%s", ns, n->short_name) : NULL;
    if (ns && !full) return QB_FAIL(c->err, QB_ENOMEM, "schema to JSON: out of memory");
    bool shadowed = full && qb_map_has_str(c->names, full);
    free(full);
    if (!shadowed) return put_str(c, n->short_name);
    char *dotted = qb_str_printf(".%s", n->short_name);
    if (!dotted) return QB_FAIL(c->err, QB_ENOMEM, "schema to JSON: out of memory");
    rc = put_str(c, dotted);
    free(dotted);
    return rc;
  }
  if (!n->json) return put_str(c, qb_avro_type_name(n->type));
  if (named && n->name && (rc = qb_map_put_str(&c->emitted, n->name, (void *)n, c->err))) return rc;

  rc = put(c, "{\"type\":");
  if (!rc) rc = put_str(c, qb_avro_type_name(n->type));
  const char *inner = named ? n->space : ns;
  switch (n->type) {
  case QB_AVRO_RECORD: {
    static const char *const reserved[] = {"type", "name", "namespace", "doc", "fields", "aliases", NULL};
    if (!rc) rc = put_name(c, n, ns);
    if (!rc) rc = put_if(c, n->json, "doc");
    if (!rc) rc = put_fields(c, n);
    if (!rc) rc = put_extras(c, n->json, reserved);
    if (!rc) rc = put_if(c, n->json, "aliases");
    break;
  }
  case QB_AVRO_ENUM: {
    static const char *const reserved[] = {"type", "name", "namespace", "doc", "symbols", "default", "aliases", NULL};
    if (!rc) rc = put_name(c, n, ns);
    if (!rc) rc = put_if(c, n->json, "doc");
    if (!rc) rc = put(c, ",\"symbols\":[");
    for (size_t i = 0; !rc && i < n->n; i++) {
      if (i) rc = put(c, ",");
      if (!rc) rc = put_str(c, n->symbols[i]);
    }
    if (!rc) rc = put(c, "]");
    if (!rc) rc = put_if(c, n->json, "default");
    if (!rc) rc = put_extras(c, n->json, reserved);
    if (!rc) rc = put_if(c, n->json, "aliases");
    break;
  }
  case QB_AVRO_FIXED: {
    static const char *const reserved[] = {"type", "name", "namespace", "doc", "size", "aliases", NULL};
    if (!rc) rc = put_name(c, n, ns);
    if (!rc) rc = put_if(c, n->json, "doc");
    if (!rc) rc = put_if(c, n->json, "size");
    if (!rc) rc = put_extras(c, n->json, reserved);
    if (!rc) rc = put_if(c, n->json, "aliases");
    break;
  }
  case QB_AVRO_ARRAY:
  case QB_AVRO_MAP: {
    static const char *const reserved[] = {"type", "items", "values", NULL};
    if (!rc) rc = put(c, n->type == QB_AVRO_ARRAY ? ",\"items\":" : ",\"values\":");
    if (!rc) rc = put_node(c, n->items, inner);
    if (!rc) rc = put_extras(c, n->json, reserved);
    break;
  }
  default: {
    static const char *const reserved[] = {"type", NULL};
    if (!rc) rc = put_extras(c, n->json, reserved);
    break;
  }
  }
  return rc ? rc : put(c, "}");
}

/* A copy of the memoised text (NUL-terminated, no NUL inside: JSON escapes control characters). */
static int memo_copy(char **out, size_t *out_n, const char *memo, qb_err *err)
{
  size_t n = strlen(memo);
  char *c = malloc(n + 1);
  if (!c) return QB_FAIL(err, QB_ENOMEM, "schema to JSON: out of memory");
  memcpy(c, memo, n + 1);
  *out = c;
  *out_n = n;
  return QB_OK;
}

static int to_json(char **out, size_t *out_n, const qb_avro_schema *s, qb_err *err);

int qb_avro_schema_to_json(char **out, size_t *out_n, const qb_avro_schema *s, qb_err *err)
{
  *out = NULL;
  *out_n = 0;
  qb_avro_schema *ms = (qb_avro_schema *)s; /* the memo is a cache: the schema itself stays unchanged */
  char *memo = atomic_load(&ms->json_memo);
  if (memo) return memo_copy(out, out_n, memo, err);
  int rc = to_json(out, out_n, s, err);
  if (rc || memchr(*out, '\0', *out_n)) return rc;
  char *mine = malloc(*out_n + 1), *none = NULL;
  if (!mine) return QB_OK; /* no memo: the next call makes the text again */
  memcpy(mine, *out, *out_n + 1);
  if (!atomic_compare_exchange_strong(&ms->json_memo, &none, mine)) free(mine);
  return QB_OK;
}

static int to_json(char **out, size_t *out_n, const qb_avro_schema *s, qb_err *err)
{
  qb_buf b;
  qb_buf_init(&b, QB_BUF_NOLIMIT);
  jctx c = {.b = &b, .names = &s->names, .err = err};
  qb_map_init(&c.emitted);
  int rc = put_node(&c, s->root, NULL);
  if (!rc) rc = qb_buf_cstr(&b, err);
  qb_map_free(&c.emitted);
  if (rc) {
    qb_buf_free(&b);
    return qb_err_wrap(err, "schema to JSON");
  }
  *out = (char *)qb_buf_detach(&b, out_n);
  return QB_OK;
}
