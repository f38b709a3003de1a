/* SPDX-License-Identifier: Apache-2.0 */
/* Avro schema parsing from JSON and the node accessors (Avro 1.11 spec, "Schema Declaration", "Names").
 * Lenient where real Iceberg writers deviate (anonymous records); strict where ambiguity would follow
 * (duplicate names, unions inside unions, duplicate union branches). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/avro/schema.h"

static const char *const type_names[] = {"null",   "boolean", "int",  "long",  "float", "double", "bytes",
                                         "string", "record",  "enum", "array", "map",   "union",  "fixed"};

const char *qb_avro_type_name(qb_avro_type t)
{
  return (unsigned)t < sizeof type_names / sizeof type_names[0] ? type_names[t] : "?";
}

const char *qb_avro__json_text(json_object *j)
{
  if (!j) return "null";
  return json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* ---- parsing ------------------------------------------------------------------------------------ */

typedef struct pctx {
  qb_avro_schema *s;
  qb_err *err;
  char path[256]; /* where we are, for messages: "data_file.partition" */
  size_t path_n;
} pctx;

static int perr(pctx *c, const char *fmt, ...) QB_PRINTF(2, 3);
static int perr(pctx *c, const char *fmt, ...)
{
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (c->path_n) return QB_FAIL(c->err, QB_EINVAL, "schema: at %s: %s", c->path, msg);
  return QB_FAIL(c->err, QB_EINVAL, "schema: %s", msg);
}

static size_t path_push(pctx *c, const char *seg)
{
  size_t old = c->path_n;
  int n = snprintf(c->path + old, sizeof c->path - old, "%s%s", old && seg[0] != '[' ? "." : "", seg);
  c->path_n = n < 0 ? old : old + (size_t)n >= sizeof c->path ? sizeof c->path - 1 : old + (size_t)n;
  return old;
}

static void path_pop(pctx *c, size_t old)
{
  c->path_n = old;
  c->path[old] = '\0';
}

static int oom(pctx *c) { return QB_FAIL(c->err, QB_ENOMEM, "schema: out of memory"); }

static int prim_type(const char *s)
{
  for (int t = QB_AVRO_NULL; t <= QB_AVRO_STRING; t++)
    if (!strcmp(s, type_names[t])) return t;
  return -1;
}

static const char *str_attr(json_object *j, const char *key)
{
  json_object *v;
  if (!json_object_object_get_ex(j, key, &v) || !json_object_is_type(v, json_type_string)) return NULL;
  return json_object_get_string(v);
}

/* Resolve a name used as a type: relative names live in the enclosing namespace; like Java, fall back to
 * the null namespace when that finds nothing. */
static qb_avro_node *lookup(pctx *c, const char *name, const char *ns)
{
  if (name[0] == '.') return qb_map_get_str(&c->s->names, name + 1); /* ".x": x in the null namespace */
  if (!strchr(name, '.') && ns) {
    char full[512];
    int n = snprintf(full, sizeof full, "%s.%s", ns, name);
    if (n > 0 && (size_t)n < sizeof full) {
      qb_avro_node *hit = qb_map_get_str(&c->s->names, full);
      if (hit) return hit;
    }
  }
  return qb_map_get_str(&c->s->names, name);
}

static int parse_node(pctx *c, json_object *j, const char *ns, int depth, qb_avro_node **out);

/* Name, namespace and registration of a record, enum or fixed (spec "Names"). */
static int parse_name(pctx *c, qb_avro_node *n, json_object *j, const char *ns)
{
  const char *name = str_attr(j, "name");
  json_object *nsj;
  bool has_ns = json_object_object_get_ex(j, "namespace", &nsj) && json_object_is_type(nsj, json_type_string);
  if (!name) {
    if (json_object_object_get_ex(j, "name", &nsj) && nsj) return perr(c, "\"name\" must be a string");
    if (n->type != QB_AVRO_RECORD) return perr(c, "%s without a name", type_names[n->type]);
    n->space = ns; /* anonymous record (PyIceberg, DuckDB): nested names inherit the enclosing namespace */
    return QB_OK;
  }
  if (!name[0]) return perr(c, "empty name");
  const char *dot = strrchr(name, '.');
  if (dot) {
    n->space = qb_arena_strndup(&c->s->arena, name, (size_t)(dot - name));
    n->short_name = dot + 1;
    if (!n->space) return oom(c);
  } else {
    n->short_name = name;
    n->space = has_ns ? json_object_get_string(nsj) : ns;
  }
  if (n->space && !n->space[0]) n->space = NULL; /* "" (also ".name") is the null namespace, as in Java */
  if (!n->short_name[0]) return perr(c, "empty name in '%s'", name); /* "ns." */
  n->name = n->space ? qb_arena_sprintf(&c->s->arena, "%s.%s", n->space, n->short_name) : n->short_name;
  if (!n->name) return oom(c);
  if (prim_type(n->name) >= 0) return perr(c, "a named type cannot be called '%s'", n->name);
  if (qb_map_get_str(&c->s->names, n->name)) return perr(c, "type '%s' is defined twice", n->name);
  return qb_map_put_str(&c->s->names, n->name, n, c->err);
}

static int parse_record(pctx *c, qb_avro_node *n, json_object *j, int depth)
{
  json_object *fj;
  if (!json_object_object_get_ex(j, "fields", &fj) || !json_object_is_type(fj, json_type_array))
    return perr(c, "record %s needs a \"fields\" array", n->name ? n->name : "(anonymous)");
  n->n = json_object_array_length(fj);
  n->fields = qb_arena_calloc(&c->s->arena, n->n ? n->n : 1, sizeof *n->fields);
  if (!n->fields) return oom(c);
  qb_map seen; /* field names: a map, not a scan, so a huge hostile record costs linear time */
  qb_map_init(&seen);
  int rc = QB_OK;
  for (size_t i = 0; !rc && i < n->n; i++) {
    json_object *f = json_object_array_get_idx(fj, i);
    qb_avro_field *fd = &n->fields[i];
    if (!json_object_is_type(f, json_type_object)) rc = perr(c, "field %zu is not an object", i);
    else if (!(fd->name = str_attr(f, "name")) || !fd->name[0]) rc = perr(c, "field %zu has no name", i);
    else if (qb_map_has_str(&seen, fd->name)) rc = perr(c, "duplicate field name '%s'", fd->name);
    else rc = qb_map_put_str(&seen, fd->name, fd, c->err);
    fd->json = f;
  }
  qb_map_free(&seen);
  if (rc) return rc;
  for (size_t i = 0; i < n->n; i++) {
    json_object *f = n->fields[i].json, *v;
    qb_avro_field *fd = &n->fields[i];
    if (!json_object_object_get_ex(f, "type", &v)) return perr(c, "field '%s' has no type", fd->name);
    size_t old = path_push(c, fd->name);
    if ((rc = parse_node(c, v, n->space, depth + 1, &fd->type))) return rc;
    path_pop(c, old);
    fd->has_default = json_object_object_get_ex(f, "default", &fd->deflt);
    if (json_object_object_get_ex(f, "field-id", &v) && json_object_is_type(v, json_type_int)) {
      int64_t id = json_object_get_int64(v);
      if (id >= INT32_MIN && id <= INT32_MAX) {
        fd->has_id = true;
        fd->id = (int32_t)id;
      }
    }
    if (json_object_object_get_ex(f, "aliases", &v) && json_object_is_type(v, json_type_array)) {
      size_t na = json_object_array_length(v);
      fd->aliases = qb_arena_calloc(&c->s->arena, na ? na : 1, sizeof *fd->aliases);
      if (!fd->aliases) return oom(c);
      for (size_t k = 0; k < na; k++) {
        json_object *a = json_object_array_get_idx(v, k);
        if (json_object_is_type(a, json_type_string)) fd->aliases[fd->n_aliases++] = json_object_get_string(a);
      }
    }
  }
  return QB_OK;
}

static int parse_enum(pctx *c, qb_avro_node *n, json_object *j)
{
  json_object *sj;
  if (!json_object_object_get_ex(j, "symbols", &sj) || !json_object_is_type(sj, json_type_array))
    return perr(c, "enum %s needs a \"symbols\" array", n->name);
  n->n = json_object_array_length(sj);
  n->symbols = qb_arena_calloc(&c->s->arena, n->n ? n->n : 1, sizeof *n->symbols);
  if (!n->symbols) return oom(c);
  qb_map seen;
  qb_map_init(&seen);
  int rc = QB_OK;
  for (size_t i = 0; !rc && i < n->n; i++) {
    json_object *e = json_object_array_get_idx(sj, i);
    if (!json_object_is_type(e, json_type_string)) {
      rc = perr(c, "enum %s: symbol %zu is not a string", n->name, i);
      break;
    }
    n->symbols[i] = json_object_get_string(e);
    if (qb_map_has_str(&seen, n->symbols[i])) rc = perr(c, "enum %s: duplicate symbol '%s'", n->name, n->symbols[i]);
    else rc = qb_map_put_str(&seen, n->symbols[i], (void *)(uintptr_t)(i + 1), c->err);
  }
  n->enum_default = -1;
  const char *d = str_attr(j, "default");
  if (!rc && d) {
    void *hit = qb_map_get_str(&seen, d);
    if (hit) n->enum_default = (int32_t)((uintptr_t)hit - 1);
    else rc = perr(c, "enum %s: default '%s' is not a symbol", n->name, d);
  }
  qb_map_free(&seen);
  return rc;
}

static int parse_union(pctx *c, qb_avro_node *n, json_object *j, const char *ns, int depth)
{
  n->type = QB_AVRO_UNION;
  n->n = json_object_array_length(j);
  if (n->n == 0) return perr(c, "empty union");
  n->branches = qb_arena_calloc(&c->s->arena, n->n, sizeof *n->branches);
  if (!n->branches) return oom(c);
  /* Spec: "Unions may not immediately contain other unions" and may not hold two schemas of the same type,
   * except named types with different names. Kinds seen in a bit set, names in a map: linear time. */
  unsigned kinds = 0;
  qb_map names;
  qb_map_init(&names);
  int rc = QB_OK;
  for (size_t i = 0; !rc && i < n->n; i++) {
    char seg[32];
    snprintf(seg, sizeof seg, "[%zu]", i);
    size_t old = path_push(c, seg);
    if ((rc = parse_node(c, json_object_array_get_idx(j, i), ns, depth + 1, &n->branches[i]))) break;
    path_pop(c, old);
    qb_avro_node *b = n->branches[i];
    if (b->type == QB_AVRO_UNION) {
      rc = perr(c, "a union directly inside a union");
    } else if (b->name) {
      if (qb_map_has_str(&names, b->name)) rc = perr(c, "union has two branches of type %s", b->name);
      else rc = qb_map_put_str(&names, b->name, b, c->err);
    } else if (kinds & (1u << b->type)) {
      rc = perr(c, "union has two branches of type %s", type_names[b->type]);
    } else {
      kinds |= 1u << b->type;
    }
  }
  qb_map_free(&names);
  return rc;
}

static int parse_node(pctx *c, json_object *j, const char *ns, int depth, qb_avro_node **out)
{
  if (depth > QB_AVRO_MAX_DEPTH) return perr(c, "nested deeper than %d levels", QB_AVRO_MAX_DEPTH);
  if (json_object_is_type(j, json_type_string)) {
    const char *s = json_object_get_string(j);
    int t = prim_type(s);
    if (t >= 0) {
      *out = &c->s->prim[t];
      return QB_OK;
    }
    if (!(*out = lookup(c, s, ns))) return perr(c, "unknown type '%s'", s);
    return QB_OK;
  }
  qb_avro_node *n = qb_arena_calloc(&c->s->arena, 1, sizeof *n);
  if (!n) return oom(c);
  n->enum_default = -1;
  if (json_object_is_type(j, json_type_array)) {
    *out = n;
    return parse_union(c, n, j, ns, depth);
  }
  if (!json_object_is_type(j, json_type_object))
    return perr(c, "a schema must be a type name, a union array or an object, not %s", qb_avro__json_text(j));
  const char *ts = str_attr(j, "type");
  if (!ts) return perr(c, "object without a string \"type\"");
  n->json = j;
  n->logical = str_attr(j, "logicalType");
  int t = prim_type(ts);
  if (t >= 0) {
    n->type = (qb_avro_type)t;
  } else if (!strcmp(ts, "record") || !strcmp(ts, "error")) {
    n->type = QB_AVRO_RECORD;
  } else if (!strcmp(ts, "enum")) {
    n->type = QB_AVRO_ENUM;
  } else if (!strcmp(ts, "fixed")) {
    n->type = QB_AVRO_FIXED;
  } else if (!strcmp(ts, "array") || !strcmp(ts, "map")) {
    n->type = ts[0] == 'a' ? QB_AVRO_ARRAY : QB_AVRO_MAP;
    const char *key = ts[0] == 'a' ? "items" : "values";
    json_object *ij;
    if (!json_object_object_get_ex(j, key, &ij)) return perr(c, "%s without \"%s\"", ts, key);
    char seg[16];
    snprintf(seg, sizeof seg, "[%s]", key);
    size_t old = path_push(c, seg);
    int rc = parse_node(c, ij, ns, depth + 1, &n->items);
    if (rc) return rc;
    path_pop(c, old);
    n->lmap = n->type == QB_AVRO_ARRAY && n->logical && !strcmp(n->logical, "map") &&
              n->items->type == QB_AVRO_RECORD && n->items->n == 2;
    *out = n;
    return QB_OK;
  } else {
    /* {"type": "SomeName"}: a reference to a named type in object form */
    if (!(*out = lookup(c, ts, ns))) return perr(c, "unknown type '%s'", ts);
    return QB_OK;
  }
  *out = n;
  if (n->type <= QB_AVRO_STRING) return QB_OK;
  int rc = parse_name(c, n, j, ns);
  if (rc) return rc;
  if (n->type == QB_AVRO_RECORD) return parse_record(c, n, j, depth);
  if (n->type == QB_AVRO_ENUM) return parse_enum(c, n, j);
  json_object *sz;
  if (!json_object_object_get_ex(j, "size", &sz) || !json_object_is_type(sz, json_type_int))
    return perr(c, "fixed %s needs an integer \"size\"", n->name);
  int64_t size = json_object_get_int64(sz);
  if (size < 0 || size > INT32_MAX) return perr(c, "fixed %s: bad size %lld", n->name, (long long)size);
  n->size = (size_t)size;
  return QB_OK;
}

/* Fewest encoded bytes and "always 0 bytes", used to bound counts read from a file before allocating. A
 * record that contains itself without a union or array in between cannot be encoded at all; counting it as
 * 0 only loosens a bound. */
static void measure(qb_avro_node *n)
{
  if (n->mark) return;
  n->mark = 1;
  switch (n->type) {
  case QB_AVRO_NULL: n->min_size = 0, n->zero = true; break;
  case QB_AVRO_FLOAT: n->min_size = 4; break;
  case QB_AVRO_DOUBLE: n->min_size = 8; break;
  case QB_AVRO_FIXED: n->min_size = n->size, n->zero = n->size == 0; break;
  case QB_AVRO_RECORD: {
    size_t sum = 0;
    bool zero = true;
    for (size_t i = 0; i < n->n; i++) {
      qb_avro_node *t = n->fields[i].type;
      measure(t);
      sum += t->min_size < ((size_t)1 << 40) ? t->min_size : ((size_t)1 << 40);
      zero = zero && t->zero && t->mark == 2;
    }
    n->min_size = sum, n->zero = zero;
    break;
  }
  case QB_AVRO_UNION:
    for (size_t i = 0; i < n->n; i++) measure(n->branches[i]);
    n->min_size = 1;
    break;
  case QB_AVRO_ARRAY:
  case QB_AVRO_MAP: measure(n->items); n->min_size = 1; break;
  default: n->min_size = 1; break;
  }
  n->mark = 2;
}

int qb_avro_schema_parse(qb_avro_schema **out, const char *json, size_t n, qb_err *err)
{
  *out = NULL;
  if (n > INT32_MAX) return QB_FAIL(err, QB_ELIMIT, "schema: %zu bytes of JSON is too long", n);
  /* json-c's default depth of 32 is below what QB_AVRO_MAX_DEPTH Avro levels need (3 JSON levels each) */
  json_tokener *tok = json_tokener_new_ex(4 * QB_AVRO_MAX_DEPTH);
  if (!tok) return QB_FAIL(err, QB_ENOMEM, "schema: out of memory");
  json_tokener_set_flags(tok, JSON_TOKENER_STRICT); /* what Java's Jackson and avsc accept, no more */
  json_object *doc = json_tokener_parse_ex(tok, json, (int)n);
  enum json_tokener_error jerr = json_tokener_get_error(tok);
  size_t end = json_tokener_get_parse_end(tok);
  if (jerr == json_tokener_continue && end == n) { /* a bare number only ends at a terminator */
    doc = json_tokener_parse_ex(tok, "", 1);
    jerr = json_tokener_get_error(tok);
  }
  json_tokener_free(tok);
  if (jerr != json_tokener_success) {
    json_object_put(doc);
    return QB_FAIL(err, QB_EINVAL, "schema: invalid JSON at byte %zu: %s", end,
                   jerr == json_tokener_continue ? "unexpected end" : json_tokener_error_desc(jerr));
  }
  for (; end < n; end++)
    if (json[end] != ' ' && json[end] != '\t' && json[end] != '\r' && json[end] != '\n') {
      json_object_put(doc);
      return QB_FAIL(err, QB_EINVAL, "schema: trailing bytes after the JSON at byte %zu", end);
    }
  qb_avro_schema *s = calloc(1, sizeof *s);
  if (!s) {
    json_object_put(doc);
    return QB_FAIL(err, QB_ENOMEM, "schema: out of memory");
  }
  qb_arena_init(&s->arena, 16 * 1024);
  qb_map_init(&s->names);
  s->doc = doc;
  for (int t = QB_AVRO_NULL; t <= QB_AVRO_STRING; t++) {
    s->prim[t].type = (qb_avro_type)t;
    s->prim[t].enum_default = -1;
  }
  pctx c = {.s = s, .err = err};
  int rc = parse_node(&c, doc, NULL, 0, &s->root);
  if (rc) {
    qb_avro_schema_free(s);
    return rc;
  }
  measure(s->root);
  *out = s;
  return QB_OK;
}

void qb_avro_schema_free(qb_avro_schema *s)
{
  if (!s) return;
  free(atomic_load(&s->json_memo));
  json_object_put(s->doc);
  qb_map_free(&s->names);
  qb_arena_release(&s->arena);
  free(s);
}

/* ---- name checks for writing -------------------------------------------------------------------- */

static bool valid_name(const char *s)
{
  if (!s || !((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_')) return false;
  for (s++; *s; s++)
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
      return false;
  return true;
}

static bool valid_space(const char *s)
{
  if (!s) return true;
  char part[256];
  for (const char *p = s;;) {
    const char *dot = strchr(p, '.');
    size_t len = dot ? (size_t)(dot - p) : strlen(p);
    if (len == 0 || len >= sizeof part) return false;
    memcpy(part, p, len);
    part[len] = '\0';
    if (!valid_name(part)) return false;
    if (!dot) return true;
    p = dot + 1;
  }
}

static int check_node(const qb_avro_node *n, qb_map *seen, qb_err *err)
{
  bool named = n->type == QB_AVRO_RECORD || n->type == QB_AVRO_ENUM || n->type == QB_AVRO_FIXED;
  if (named) {
    if (!n->name) return QB_FAIL(err, QB_EINVAL, "schema: a record without a name cannot be written");
    if (qb_map_has_str(seen, n->name)) return QB_OK;
    int rc = qb_map_put_str(seen, n->name, (void *)n, err);
    if (rc) return rc;
    if (!valid_name(n->short_name) || !valid_space(n->space))
      return QB_FAIL(err, QB_EINVAL, "schema: invalid Avro name '%s'", n->name);
  }
  switch (n->type) {
  case QB_AVRO_RECORD:
    for (size_t i = 0; i < n->n; i++) {
      if (!valid_name(n->fields[i].name))
        return QB_FAIL(err, QB_EINVAL, "schema: record %s: invalid field name '%s'", n->name, n->fields[i].name);
      int rc = check_node(n->fields[i].type, seen, err);
      if (rc) return rc;
    }
    return QB_OK;
  case QB_AVRO_ENUM:
    for (size_t i = 0; i < n->n; i++)
      if (!valid_name(n->symbols[i]))
        return QB_FAIL(err, QB_EINVAL, "schema: enum %s: invalid symbol '%s'", n->name, n->symbols[i]);
    return QB_OK;
  case QB_AVRO_UNION:
    for (size_t i = 0; i < n->n; i++) {
      int rc = check_node(n->branches[i], seen, err);
      if (rc) return rc;
    }
    return QB_OK;
  case QB_AVRO_ARRAY:
  case QB_AVRO_MAP: return check_node(n->items, seen, err);
  default: return QB_OK;
  }
}

int qb_avro__schema_check_names(const qb_avro_schema *s, qb_err *err)
{
  qb_map seen;
  qb_map_init(&seen);
  int rc = check_node(s->root, &seen, err);
  qb_map_free(&seen);
  return rc;
}

/* ---- accessors ---------------------------------------------------------------------------------- */

const qb_avro_node *qb_avro_schema_root(const qb_avro_schema *s) { return s->root; }
qb_avro_type qb_avro_node_type(const qb_avro_node *n) { return n->type; }
const char *qb_avro_node_name(const qb_avro_node *n) { return n->name; }
const char *qb_avro_node_logical_type(const qb_avro_node *n) { return n->logical; }

size_t qb_avro_node_size(const qb_avro_node *n) { return n->type == QB_AVRO_FIXED ? n->size : n->n; }

const qb_avro_node *qb_avro_node_child(const qb_avro_node *n, size_t i)
{
  switch (n->type) {
  case QB_AVRO_RECORD: return i < n->n ? n->fields[i].type : NULL;
  case QB_AVRO_UNION: return i < n->n ? n->branches[i] : NULL;
  case QB_AVRO_ARRAY:
  case QB_AVRO_MAP: return i == 0 ? n->items : NULL;
  default: return NULL;
  }
}

const qb_avro_node *qb_avro_node_non_null(const qb_avro_node *n)
{
  if (n->type != QB_AVRO_UNION || n->n != 2) return n;
  if (n->branches[0]->type == QB_AVRO_NULL) return n->branches[1];
  if (n->branches[1]->type == QB_AVRO_NULL) return n->branches[0];
  return n;
}

const char *qb_avro_node_field_name(const qb_avro_node *n, size_t i)
{
  return n->type == QB_AVRO_RECORD && i < n->n ? n->fields[i].name : NULL;
}

const char *qb_avro_node_symbol(const qb_avro_node *n, size_t i)
{
  return n->type == QB_AVRO_ENUM && i < n->n ? n->symbols[i] : NULL;
}

int qb_avro_node_field_index(const qb_avro_node *n, const char *name)
{
  if (n->type != QB_AVRO_RECORD) return -1;
  for (size_t i = 0; i < n->n; i++)
    if (!strcmp(n->fields[i].name, name)) return (int)i;
  return -1;
}

int qb_avro_node_field_index_by_id(const qb_avro_node *n, int32_t id)
{
  if (n->type != QB_AVRO_RECORD) return -1;
  for (size_t i = 0; i < n->n; i++)
    if (n->fields[i].has_id && n->fields[i].id == id) return (int)i;
  return -1;
}

bool qb_avro_node_field_id(const qb_avro_node *n, size_t i, int32_t *out)
{
  if (n->type != QB_AVRO_RECORD || i >= n->n || !n->fields[i].has_id) return false;
  *out = n->fields[i].id;
  return true;
}

bool qb_avro_node_int_prop(const qb_avro_node *n, const char *key, int64_t *out)
{
  json_object *v;
  if (!n->json || !json_object_object_get_ex(n->json, key, &v) || !json_object_is_type(v, json_type_int))
    return false;
  *out = json_object_get_int64(v);
  return true;
}

const char *qb_avro_node_prop_json(const qb_avro_node *n, const char *key)
{
  json_object *v;
  if (!n->json || !json_object_object_get_ex(n->json, key, &v)) return NULL;
  return qb_avro__json_text(v);
}

const char *qb_avro_node_field_prop_json(const qb_avro_node *n, size_t i, const char *key)
{
  json_object *v;
  if (n->type != QB_AVRO_RECORD || i >= n->n || !json_object_object_get_ex(n->fields[i].json, key, &v))
    return NULL;
  return qb_avro__json_text(v);
}
