/* SPDX-License-Identifier: Apache-2.0 */
/* Lean path scanner of manifest lists and manifests (spec "Manifest Lists": manifest_path 500, content 517,
 * added_snapshot_id 503, added/existing files 504/505; "Manifests": status 0, data_file 2 with content 134 and
 * file_path 100). The writer schema is compiled once into flat programs of skip and capture steps (Avro 1.11
 * "Binary Encoding"; records inlined, unions and arrays calling sub-programs); blocks come whole from
 * qb_avro_reader_next_block and records are walked in place: decoding manifests into value trees was most of
 * the time of expiring a long history. */
#include <stdlib.h>
#include <string.h>

#include "formats/avro/binary.h"
#include "iceberg/manifest_paths.h"

enum {
  OP_END,     /* end of a program */
  OP_NULL,
  OP_BOOL,
  OP_VARINT,  /* long, or enum (n symbols, checked) */
  OP_INT,     /* checked to fit 32 bits, as the full decoder does */
  OP_FIXED,   /* float, double, fixed: n bytes */
  OP_BYTES,   /* bytes, string */
  OP_CAP_INT, /* int (n = 1: checked to fit 32 bits) or long into ints[slot] */
  OP_CAP_STR, /* string or bytes: the record's path */
  OP_UNION,   /* branch programs: kids[first .. first+n) */
  OP_ARRAY,   /* item program: first */
  OP_MAP,     /* value program: first */
  OP_CALL     /* program `first` (a record used twice, or recursively) */
};

typedef struct step {
  uint8_t kind;
  uint8_t slot;
  uint32_t n;
  uint32_t first;
} step;

typedef struct prog {
  step *steps; /* ends with OP_END */
  uint32_t n, cap;
  bool zero; /* encodes to no bytes (nulls only) */
} prog;

/* What a record's fields are matched against: the field id, its names, and a capture slot or a nested table */
typedef struct want {
  int32_t id;
  const char *name, *alt;
  int slot; /* -1: a nested record */
  int is_str;
  int nested; /* table index when slot < 0 */
} want;

enum { T_NONE = -1, T_LIST = 0, T_ENTRY, T_DATA_FILE };
enum { N_INTS = 5 };

static const want LIST_W[] = {{500, "manifest_path", NULL, 0, 1, 0},
                              {517, "content", NULL, 0, 0, 0},
                              {503, "added_snapshot_id", NULL, 1, 0, 0},
                              {504, "added_files_count", "added_data_files_count", 2, 0, 0},
                              {505, "existing_files_count", "existing_data_files_count", 3, 0, 0}};
static const want ENTRY_W[] = {{0, "status", NULL, 0, 0, 0}, {2, "data_file", NULL, -1, 0, T_DATA_FILE}};
static const want DF_W[] = {{134, "content", NULL, 1, 0, 0}, {100, "file_path", NULL, 0, 1, 0}};
static const struct {
  const want *w;
  size_t n;
} TABLES[] = {{LIST_W, 5}, {ENTRY_W, 2}, {DF_W, 2}};

/* A record type met while compiling: inlined the first time; used again (or inside itself) it gets a program */
typedef struct memo {
  const qb_avro_node *node;
  int table;
  int64_t prog; /* -1: inlined (or being inlined) */
} memo;

typedef struct plan {
  char *text; /* the writer schema's JSON: the cache key */
  size_t text_n;
  int kind; /* T_LIST or T_ENTRY */
  prog *progs; /* progs[0]: a record */
  uint32_t n_progs, cap_progs;
  uint32_t *kids;
  uint32_t n_kids, cap_kids;
  memo *memo;
  uint32_t n_memo, cap_memo;
  unsigned found; /* bit per (table, want) matched */
} plan;

#define N_PLANS 8
#define MAX_STEPS (1u << 20) /* a schema compiling to more is refused */

struct qb_manifest_paths {
  qb_avro_schema_cache *cache;
  plan *plans[N_PLANS]; /* most recently used first */
  char *str;            /* the current path, NUL-terminated */
  size_t str_cap;
};

int qb_manifest_paths__new(qb_manifest_paths **out, qb_err *err)
{
  *out = calloc(1, sizeof **out);
  if (!*out) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  int rc = qb_avro_schema_cache_new(&(*out)->cache, err);
  if (rc) {
    free(*out);
    *out = NULL;
  }
  return rc;
}

static void plan_free(plan *p)
{
  if (!p) return;
  for (uint32_t i = 0; i < p->n_progs; i++) free(p->progs[i].steps);
  free(p->text);
  free(p->progs);
  free(p->kids);
  free(p->memo);
  free(p);
}

void qb_manifest_paths__free(qb_manifest_paths *s)
{
  if (!s) return;
  for (size_t i = 0; i < N_PLANS; i++) plan_free(s->plans[i]);
  qb_avro_schema_cache_free(s->cache);
  free(s->str);
  free(s);
}

/* ---- compiling a writer schema ---------------------------------------------------------------- */

static int grow(void **p, uint32_t *cap, uint32_t need, size_t elem, qb_err *err)
{
  if (need <= *cap) return QB_OK;
  if (need > MAX_STEPS) return QB_FAIL(err, QB_ELIMIT, "the schema compiles to more than %u steps", MAX_STEPS);
  uint32_t c = *cap ? *cap : 8;
  while (c < need) c *= 2;
  void *g = realloc(*p, (size_t)c * elem);
  if (!g) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  *p = g;
  *cap = c;
  return QB_OK;
}

static int new_prog(uint32_t *out, plan *p, qb_err *err)
{
  void *v = p->progs;
  int rc = grow(&v, &p->cap_progs, p->n_progs + 1, sizeof *p->progs, err);
  p->progs = v;
  if (rc) return rc;
  *out = p->n_progs++;
  p->progs[*out] = (prog){NULL, 0, 0, true};
  return QB_OK;
}

static int emit(plan *p, uint32_t in, uint8_t kind, uint32_t n, uint32_t first, qb_err *err)
{
  prog *g = &p->progs[in];
  void *v = g->steps;
  int rc = grow(&v, &g->cap, g->n + 1, sizeof *g->steps, err);
  g->steps = v;
  if (rc) return rc;
  g->steps[g->n++] = (step){kind, 0, n, first};
  if (kind != OP_NULL && kind != OP_END && !(kind == OP_FIXED && n == 0) && !(kind == OP_CALL && p->progs[first].zero))
    g->zero = false;
  return QB_OK;
}

static int new_kids(uint32_t *first, plan *p, uint32_t n, qb_err *err)
{
  void *v = p->kids;
  int rc = grow(&v, &p->cap_kids, p->n_kids + n, sizeof *p->kids, err);
  p->kids = v;
  if (rc) return rc;
  *first = p->n_kids;
  p->n_kids += n;
  return QB_OK;
}

static int compile(plan *p, uint32_t in, const qb_avro_node *n, int table, const want *cap, unsigned depth,
                   qb_err *err);

static const want *match(const qb_avro_node *rec, size_t i, int table, unsigned *bit)
{
  if (table == T_NONE) return NULL;
  int32_t id;
  bool has_id = qb_avro_node_field_id(rec, i, &id);
  const char *name = qb_avro_node_field_name(rec, i);
  unsigned base = (unsigned)table * 8;
  for (size_t k = 0; k < TABLES[table].n; k++) {
    const want *w = &TABLES[table].w[k];
    if (has_id ? id == w->id : (!strcmp(name, w->name) || (w->alt && !strcmp(name, w->alt)))) {
      *bit = 1u << (base + k);
      return w;
    }
  }
  return NULL;
}

/* The fields of record `n`, appended to program `in` */
static int record_fields(plan *p, uint32_t in, const qb_avro_node *n, int table, unsigned depth, qb_err *err)
{
  size_t nf = qb_avro_node_size(n);
  for (size_t i = 0; i < nf; i++) {
    unsigned bit = 0;
    const want *w = match(n, i, table, &bit);
    if (w && (p->found & bit)) /* resolution by id could only pick one of them */
      return QB_FAIL(err, QB_ECORRUPT, "two fields with field id %d", w->id);
    if (w) p->found |= bit;
    const qb_avro_node *ft = qb_avro_node_child(n, i);
    int rc = w && w->slot < 0 ? compile(p, in, ft, w->nested, NULL, depth + 1, err)
                              : compile(p, in, ft, T_NONE, w, depth + 1, err);
    if (rc) return qb_err_wrap(err, "field %s", qb_avro_node_field_name(n, i));
  }
  return QB_OK;
}

static int compile_record(plan *p, uint32_t in, const qb_avro_node *n, int table, unsigned depth, qb_err *err)
{
  memo *m = NULL;
  for (uint32_t i = 0; i < p->n_memo && !m; i++)
    if (p->memo[i].node == n && p->memo[i].table == table) m = &p->memo[i];
  if (m && m->prog >= 0) return emit(p, in, OP_CALL, 0, (uint32_t)m->prog, err);
  if (!m) { /* first use: inline */
    void *v = p->memo;
    int rc = grow(&v, &p->cap_memo, p->n_memo + 1, sizeof *p->memo, err);
    p->memo = v;
    if (rc) return rc;
    uint32_t at = p->n_memo++;
    p->memo[at] = (memo){n, table, -1};
    return record_fields(p, in, n, table, depth, err);
  }
  /* used again: a program of its own, recorded before its fields so that a recursive use calls it */
  uint32_t g;
  ptrdiff_t at = m - p->memo;
  int rc = new_prog(&g, p, err);
  if (rc) return rc;
  p->memo[at].prog = g;
  p->progs[g].zero = false; /* a recursive record is never empty: it holds a union or array to end it */
  if ((rc = record_fields(p, g, n, T_NONE, depth, err)) || (rc = emit(p, g, OP_END, 0, 0, err))) return rc;
  return emit(p, in, OP_CALL, 0, g, err);
}

/* A sub-program holding `n` alone */
static int sub(uint32_t *out, plan *p, const qb_avro_node *n, int table, const want *cap, unsigned depth, qb_err *err)
{
  int rc = new_prog(out, p, err);
  if (rc == QB_OK) rc = compile(p, *out, n, table, cap, depth + 1, err);
  if (rc == QB_OK) rc = emit(p, *out, OP_END, 0, 0, err);
  return rc;
}

static int compile(plan *p, uint32_t in, const qb_avro_node *n, int table, const want *cap, unsigned depth,
                   qb_err *err)
{
  if (depth > QB_AVRO_MAX_DEPTH) return QB_FAIL(err, QB_ELIMIT, "schema nested deeper than %d", QB_AVRO_MAX_DEPTH);
  qb_avro_type t = qb_avro_node_type(n);
  uint32_t first, g;
  int rc;
  if (cap && t != QB_AVRO_UNION && t != QB_AVRO_NULL) {
    bool ok = cap->is_str ? t == QB_AVRO_STRING || t == QB_AVRO_BYTES : t == QB_AVRO_INT || t == QB_AVRO_LONG;
    if (!ok)
      return QB_FAIL(err, QB_ECORRUPT, "field has type %s, expected %s", qb_avro_type_name(t),
                     cap->is_str ? "string" : "int or long");
    if ((rc = emit(p, in, cap->is_str ? OP_CAP_STR : OP_CAP_INT, t == QB_AVRO_INT, 0, err))) return rc;
    p->progs[in].steps[p->progs[in].n - 1].slot = (uint8_t)cap->slot;
    return QB_OK;
  }
  if (table != T_NONE && t != QB_AVRO_RECORD && t != QB_AVRO_UNION)
    return QB_FAIL(err, QB_ECORRUPT, "field has type %s, expected a record", qb_avro_type_name(t));
  switch (t) {
  case QB_AVRO_NULL: return emit(p, in, OP_NULL, 0, 0, err);
  case QB_AVRO_BOOLEAN: return emit(p, in, OP_BOOL, 0, 0, err);
  case QB_AVRO_INT: return emit(p, in, OP_INT, 0, 0, err);
  case QB_AVRO_LONG: return emit(p, in, OP_VARINT, 0, 0, err);
  case QB_AVRO_ENUM: return emit(p, in, OP_VARINT, (uint32_t)qb_avro_node_size(n), 0, err);
  case QB_AVRO_FLOAT: return emit(p, in, OP_FIXED, 4, 0, err);
  case QB_AVRO_DOUBLE: return emit(p, in, OP_FIXED, 8, 0, err);
  case QB_AVRO_FIXED: return emit(p, in, OP_FIXED, (uint32_t)qb_avro_node_size(n), 0, err);
  case QB_AVRO_BYTES:
  case QB_AVRO_STRING: return emit(p, in, OP_BYTES, 0, 0, err);
  case QB_AVRO_RECORD: return compile_record(p, in, n, table, depth, err);
  case QB_AVRO_ARRAY:
  case QB_AVRO_MAP:
    if ((rc = sub(&g, p, qb_avro_node_child(n, 0), T_NONE, NULL, depth, err))) return rc;
    return emit(p, in, t == QB_AVRO_ARRAY ? OP_ARRAY : OP_MAP, 0, g, err);
  case QB_AVRO_UNION: {
    uint32_t nb = (uint32_t)qb_avro_node_size(n);
    if ((rc = new_kids(&first, p, nb, err))) return rc;
    for (uint32_t i = 0; i < nb; i++) {
      const qb_avro_node *b = qb_avro_node_child(n, i);
      /* a captured field's non-null branch captures; a nested table applies to the record branch */
      int bt = table != T_NONE && qb_avro_node_type(b) == QB_AVRO_RECORD ? table : T_NONE;
      if ((rc = sub(&g, p, b, bt, bt == T_NONE ? cap : NULL, depth, err))) return rc;
      p->kids[first + i] = g;
    }
    return emit(p, in, OP_UNION, nb, first, err);
  }
  }
  return QB_FAIL(err, QB_ECORRUPT, "unknown Avro type");
}

static int plan_build(plan **out, const qb_avro_schema *ws, int kind, qb_slice text, qb_err *err)
{
  plan *p = calloc(1, sizeof *p);
  if (!p || !(p->text = malloc(text.n ? text.n : 1))) {
    free(p);
    return QB_FAIL(err, QB_ENOMEM, "out of memory");
  }
  memcpy(p->text, text.p, text.n);
  p->text_n = text.n;
  p->kind = kind;
  const qb_avro_node *root = qb_avro_schema_root(ws);
  uint32_t top;
  int rc = new_prog(&top, p, err);
  if (rc == QB_OK && qb_avro_node_type(root) != QB_AVRO_RECORD)
    rc = QB_FAIL(err, QB_ECORRUPT, "the schema is a %s, not a record", qb_avro_type_name(qb_avro_node_type(root)));
  if (rc == QB_OK) rc = compile(p, top, root, kind, NULL, 0, err);
  if (rc == QB_OK) rc = emit(p, top, OP_END, 0, 0, err);
  /* required fields: a file without them is not a manifest list / manifest */
  unsigned need = kind == T_LIST ? 1u << 0 : (1u << (T_ENTRY * 8)) | (1u << (T_DATA_FILE * 8 + 1));
  if (rc == QB_OK && (p->found & need) != need)
    rc = QB_FAIL(err, QB_ECORRUPT, "the schema lacks %s",
                 kind == T_LIST ? "manifest_path (field 500)" : "status, data_file or file_path (fields 0, 2, 100)");
  if (rc) {
    plan_free(p);
    return rc;
  }
  *out = p;
  return QB_OK;
}

static int plan_get(plan **out, qb_manifest_paths *s, qb_avro_reader *r, int kind, qb_err *err)
{
  qb_slice text;
  if (!qb_avro_reader_meta(r, "avro.schema", &text)) return QB_FAIL(err, QB_ECORRUPT, "no avro.schema");
  for (size_t i = 0; i < N_PLANS && s->plans[i]; i++) {
    plan *p = s->plans[i];
    if (p->kind == kind && p->text_n == text.n && !memcmp(p->text, text.p, text.n)) {
      memmove(&s->plans[1], &s->plans[0], i * sizeof *s->plans);
      s->plans[0] = p;
      *out = p;
      return QB_OK;
    }
  }
  plan *p = NULL;
  int rc = plan_build(&p, qb_avro_reader_writer_schema(r), kind, text, err);
  if (rc) return rc;
  plan_free(s->plans[N_PLANS - 1]);
  memmove(&s->plans[1], &s->plans[0], (N_PLANS - 1) * sizeof *s->plans);
  s->plans[0] = p;
  *out = p;
  return QB_OK;
}

/* ---- walking records --------------------------------------------------------------------------- */

typedef struct cur {
  const uint8_t *p, *end;
  int64_t ints[N_INTS];
  const uint8_t *str;
  size_t str_n;
  bool has_str;
} cur;

static int varint_long(cur *c, int64_t *out, qb_err *err)
{
  uint64_t u = 0;
  if (c->end - c->p >= 10) { /* the whole varint is in the block: no test per byte */
    const uint8_t *q = c->p;
    for (unsigned i = 0; i < 10; i++) {
      u |= (uint64_t)(q[i] & 0x7f) << (7 * i);
      if (!(q[i] & 0x80)) {
        c->p = q + i + 1;
        *out = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
        return QB_OK;
      }
    }
    return QB_FAIL(err, QB_ECORRUPT, "varint longer than 10 bytes");
  }
  /* near the block's end: the Avro layer's checked decoder (same rule for a 10th byte's extra bits) */
  qb_avro_cur ac = {c->p, c->end};
  int rc = qb_avro__read_long(&ac, out, err);
  c->p = ac.p;
  return rc;
}

static inline int varint(cur *c, int64_t *out, qb_err *err)
{
  if (c->p < c->end && !(*c->p & 0x80)) { /* most values (counts, indexes, lengths) fit one byte */
    uint64_t u = *c->p++;
    *out = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
    return QB_OK;
  }
  return varint_long(c, out, err);
}

static inline int length(cur *c, size_t *out, qb_err *err)
{
  int64_t v = 0;
  int rc = varint(c, &v, err);
  if (rc) return rc;
  if (v < 0 || (uint64_t)v > (uint64_t)(c->end - c->p))
    return QB_FAIL(err, QB_ECORRUPT, "length %lld exceeds the %zu bytes left", (long long)v, (size_t)(c->end - c->p));
  *out = (size_t)v;
  return QB_OK;
}

/* Program `at` over the bytes at c->p */
static int run(const plan *pl, uint32_t at, cur *c, unsigned depth, qb_err *err)
{
  if (depth > QB_AVRO_MAX_DEPTH) return QB_FAIL(err, QB_ELIMIT, "data nested deeper than %d", QB_AVRO_MAX_DEPTH);
  int rc;
  int64_t v = 0;
  size_t len = 0;
  /* a union's branch runs in this loop (no call) unless one already does: back to `resume` at its end */
  const step *resume = NULL;
  for (const step *s = pl->progs[at].steps;;) {
    const step *st = s++;
    switch (st->kind) {
    case OP_END:
      if (!resume) return QB_OK;
      s = resume;
      resume = NULL;
      break;
    case OP_NULL: break;
    case OP_BOOL:
      if (c->p >= c->end) return QB_FAIL(err, QB_ECORRUPT, "truncated boolean");
      if (*c->p > 1) return QB_FAIL(err, QB_ECORRUPT, "boolean byte 0x%02x is neither 0 nor 1", *c->p);
      c->p++;
      break;
    case OP_VARINT:
      if ((rc = varint(c, &v, err))) return rc;
      if (st->n && (v < 0 || (uint64_t)v >= st->n))
        return QB_FAIL(err, QB_ECORRUPT, "enum index %lld out of range (%u symbols)", (long long)v, st->n);
      break;
    case OP_INT:
      if ((rc = varint(c, &v, err))) return rc;
      if (v < INT32_MIN || v > INT32_MAX) return QB_FAIL(err, QB_ECORRUPT, "int value %lld out of range", (long long)v);
      break;
    case OP_FIXED:
      if ((size_t)(c->end - c->p) < st->n) return QB_FAIL(err, QB_ECORRUPT, "truncated %u-byte value", st->n);
      c->p += st->n;
      break;
    case OP_BYTES:
      if ((rc = length(c, &len, err))) return rc;
      c->p += len;
      break;
    case OP_CAP_INT:
      if ((rc = varint(c, &v, err))) return rc;
      if (st->n && (v < INT32_MIN || v > INT32_MAX))
        return QB_FAIL(err, QB_ECORRUPT, "int value %lld out of range", (long long)v);
      if (st->slot < N_INTS) c->ints[st->slot] = v;
      break;
    case OP_CAP_STR:
      if ((rc = length(c, &len, err))) return rc;
      c->str = c->p;
      c->str_n = len;
      c->has_str = true;
      c->p += len;
      break;
    case OP_UNION: {
      if ((rc = varint(c, &v, err))) return rc;
      if (v < 0 || (uint64_t)v >= st->n)
        return QB_FAIL(err, QB_ECORRUPT, "union index %lld out of range (%u branches)", (long long)v, st->n);
      uint32_t b = pl->kids[st->first + (uint32_t)v];
      if (!resume) {
        resume = s;
        s = pl->progs[b].steps;
      } else if ((rc = run(pl, b, c, depth + 1, err))) {
        return rc;
      }
      break;
    }
    case OP_CALL:
      if ((rc = run(pl, st->first, c, depth + 1, err))) return rc;
      break;
    case OP_ARRAY:
    case OP_MAP: {
      bool zero = pl->progs[st->first].zero && st->kind == OP_ARRAY;
      for (;;) {
        int64_t count = 0;
        if ((rc = varint(c, &count, err))) return rc;
        if (count == 0) break;
        if (count < 0) { /* the writer gave the block's byte size: jump over it (spec: "for fast skipping") */
          if (count == INT64_MIN) return QB_FAIL(err, QB_ECORRUPT, "block count out of range");
          if ((rc = length(c, &len, err))) return rc;
          c->p += len;
          continue;
        }
        if (zero) continue; /* nothing to read, however many */
        if ((uint64_t)count > (uint64_t)(c->end - c->p))
          return QB_FAIL(err, QB_ECORRUPT, "%lld items cannot fit in %zu bytes", (long long)count,
                         (size_t)(c->end - c->p));
        for (int64_t k = 0; k < count; k++) {
          if (st->kind == OP_MAP) {
            if ((rc = length(c, &len, err))) return rc;
            c->p += len;
          }
          if ((rc = run(pl, st->first, c, depth + 1, err))) return rc;
        }
      }
      break;
    }
    default: return QB_FAIL(err, QB_ECORRUPT, "bad plan step");
    }
  }
}

static int set_str(qb_manifest_paths *s, const cur *c, qb_err *err)
{
  if (c->str_n + 1 > s->str_cap) {
    size_t cap = c->str_n + 256;
    char *g = realloc(s->str, cap);
    if (!g) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    s->str = g;
    s->str_cap = cap;
  }
  memcpy(s->str, c->str, c->str_n);
  s->str[c->str_n] = '\0';
  return QB_OK;
}

typedef struct sink {
  int kind;
  qb_mp_list_fn list_fn;
  qb_mp_entry_fn entry_fn;
  void *ctx;
} sink;

static int scan(qb_manifest_paths *s, qb_fileio *io, const char *path, const sink *k, qb_err *err)
{
  qb_avro_reader *r;
  qb_avro_read_options o = QB_AVRO_READ_OPTIONS_INIT;
  o.schema_cache = s->cache;
  int rc = qb_avro_reader_open_path(&r, io, path, &o, err);
  if (rc) return qb_err_wrap(err, "%s", path);
  plan *pl = NULL;
  rc = plan_get(&pl, s, r, k->kind, err);
  uint64_t block = 0, rec = 0;
  int where = 0; /* 1: in record `rec` of `block`, 2: after the records of `block` */
  while (rc == QB_OK) {
    qb_avro_block b;
    if ((rc = qb_avro_reader_next_block(&b, r, true, err)) || !b.stored.p) break;
    block = qb_avro_reader_blocks(r) - 1;
    cur c = {.p = b.data.p, .end = b.data.p + b.data.n};
    where = 1;
    for (rec = 0; rc == QB_OK && rec < b.records; rec++) {
      c.ints[0] = k->kind == T_LIST ? 0 : -1; /* content of a v1 list: data */
      c.ints[1] = k->kind == T_LIST ? -1 : 0; /* content of a v1 entry: data */
      c.ints[2] = c.ints[3] = c.ints[4] = -1;
      c.has_str = false;
      if ((rc = run(pl, 0, &c, 0, err))) break;
      if (!c.has_str) { /* a null in a union with null */
        rc = QB_FAIL(err, QB_ECORRUPT, "%s is null", k->kind == T_LIST ? "manifest_path" : "data_file.file_path");
        break;
      }
      if ((rc = set_str(s, &c, err))) break;
      if (k->kind == T_LIST) {
        qb_mp_list_item it = {s->str, c.str_n, c.ints[0], c.ints[1], c.ints[2], c.ints[3]};
        rc = k->list_fn(k->ctx, &it, err);
      } else {
        qb_mp_entry e = {s->str, c.str_n, c.ints[0], c.ints[1]};
        rc = k->entry_fn(k->ctx, &e, err);
      }
    }
    if (rc) break;
    where = 2;
    if (c.p != c.end)
      rc = QB_FAIL(err, QB_ECORRUPT, "%zu bytes left over after its %llu records", (size_t)(c.end - c.p),
                   (unsigned long long)b.records);
    else
      where = 0;
  }
  qb_avro_reader_close(r);
  if (rc && where == 1) qb_err_wrap(err, "block %llu: record %llu", (unsigned long long)block, (unsigned long long)rec);
  if (rc && where == 2) qb_err_wrap(err, "block %llu", (unsigned long long)block);
  return rc ? qb_err_wrap(err, "%s", path) : QB_OK;
}

int qb_manifest_paths__list(qb_manifest_paths *s, qb_fileio *io, const char *path, qb_mp_list_fn fn, void *ctx,
                            qb_err *err)
{
  sink k = {T_LIST, fn, NULL, ctx};
  return scan(s, io, path, &k, err);
}

int qb_manifest_paths__manifest(qb_manifest_paths *s, qb_fileio *io, const char *path, qb_mp_entry_fn fn,
                                void *ctx, qb_err *err)
{
  sink k = {T_ENTRY, NULL, fn, ctx};
  return scan(s, io, path, &k, err);
}
