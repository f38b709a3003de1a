/* SPDX-License-Identifier: Apache-2.0 */
/* Unbound filter expressions (Java org.apache.iceberg.expressions.Expressions): building, the small
 * parser of `qberg scan --where`, and printing back in the same language. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iceberg/expr_int.h"

#define MAX_DEPTH 64    /* parser recursion: deeper input is refused, never a stack overflow */
#define MAX_IN_VALUES 100000

/* ---- nodes ---------------------------------------------------------------------------------------- */

static void free_lits(qb_lit *lits, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (lits[i].v.kind == QB_V_STRING || lits[i].v.kind == QB_V_BYTES) free((void *)lits[i].v.u.bytes.p);
  free(lits);
}

void qb_expr_free(qb_expr *e)
{
  if (!e) return;
  qb_expr_free(e->left);
  qb_expr_free(e->right);
  free(e->column);
  free_lits(e->lits, e->n_lits);
  free(e);
}

static qb_expr *node(qb_expr_op op)
{
  qb_expr *e = calloc(1, sizeof *e);
  if (e) e->op = op;
  return e;
}

static int copy_lit(qb_lit *out, const qb_value *v, bool number_text, qb_err *err)
{
  out->v = *v;
  out->number_text = number_text;
  if (v->kind != QB_V_STRING && v->kind != QB_V_BYTES) return QB_OK;
  uint8_t *p = malloc(v->u.bytes.n + 1);
  if (!p) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  if (v->u.bytes.n) memcpy(p, v->u.bytes.p, v->u.bytes.n);
  p[v->u.bytes.n] = 0;
  out->v.u.bytes.p = p;
  return QB_OK;
}

static bool is_predicate(qb_expr_op op) { return op >= QB_EXPR_IS_NULL; }
static bool is_unary(qb_expr_op op) { return op >= QB_EXPR_IS_NULL && op <= QB_EXPR_NOT_NAN; }
static bool is_set(qb_expr_op op) { return op == QB_EXPR_IN || op == QB_EXPR_NOT_IN; }

static int lit_kind_ok(const qb_value *v)
{
  switch (v->kind) {
  case QB_V_BOOL:
  case QB_V_INT32:
  case QB_V_INT64:
  case QB_V_FLOAT:
  case QB_V_DOUBLE:
  case QB_V_STRING:
  case QB_V_BYTES: return 1;
  default: return 0;
  }
}

static int make_pred(qb_expr **out, qb_expr_op op, const char *column, const qb_value *values, const bool *num_text,
                     size_t n, qb_err *err)
{
  *out = NULL;
  if (!is_predicate(op)) return QB_FAIL(err, QB_EINVAL, "operator %d is not a predicate", (int)op);
  if (!column || !*column) return QB_FAIL(err, QB_EINVAL, "a predicate needs a column name");
  if (is_unary(op) && n) return QB_FAIL(err, QB_EINVAL, "%s takes no value", column);
  if (is_set(op) && !n) return QB_FAIL(err, QB_EINVAL, "IN on %s needs at least one value", column);
  if (!is_unary(op) && !is_set(op) && n != 1) return QB_FAIL(err, QB_EINVAL, "a comparison on %s takes one value", column);
  for (size_t i = 0; i < n; i++)
    if (!lit_kind_ok(&values[i]))
      return QB_FAIL(err, QB_EINVAL, "%s: a literal must be a boolean, number, string or bytes", column);
  qb_expr *e = node(op);
  if (!e || !(e->column = strdup(column)) || (n && !(e->lits = calloc(n, sizeof *e->lits)))) {
    qb_expr_free(e);
    return QB_FAIL(err, QB_ENOMEM, "out of memory");
  }
  for (size_t i = 0; i < n; i++, e->n_lits++) {
    int rc = copy_lit(&e->lits[i], &values[i], num_text && num_text[i], err);
    if (rc) {
      qb_expr_free(e);
      return rc;
    }
  }
  *out = e;
  return QB_OK;
}

int qb_expr_predicate(qb_expr **out, qb_expr_op op, const char *column, const qb_value *values, size_t n_values,
                      qb_err *err)
{
  return make_pred(out, op, column, values, NULL, n_values, err);
}

static int combine(qb_expr **out, qb_expr_op op, qb_expr *l, qb_expr *r, qb_err *err)
{
  *out = NULL;
  if (!l || (op != QB_EXPR_NOT && !r)) {
    qb_expr_free(l);
    qb_expr_free(r);
    return QB_FAIL(err, QB_EINVAL, "missing operand");
  }
  qb_expr *e = node(op);
  if (!e) {
    qb_expr_free(l);
    qb_expr_free(r);
    return QB_FAIL(err, QB_ENOMEM, "out of memory");
  }
  e->left = l;
  e->right = r;
  *out = e;
  return QB_OK;
}

int qb_expr_and(qb_expr **out, qb_expr *left, qb_expr *right, qb_err *err)
{
  return combine(out, QB_EXPR_AND, left, right, err);
}

int qb_expr_or(qb_expr **out, qb_expr *left, qb_expr *right, qb_err *err)
{
  return combine(out, QB_EXPR_OR, left, right, err);
}

int qb_expr_not(qb_expr **out, qb_expr *child, qb_err *err) { return combine(out, QB_EXPR_NOT, child, NULL, err); }

/* ---- parser --------------------------------------------------------------------------------------- */

typedef struct parser {
  const char *s;
  size_t pos, n;
  int depth;
  qb_err *err;
} parser;

static void skip_ws(parser *p)
{
  while (p->pos < p->n && isspace((unsigned char)p->s[p->pos])) p->pos++;
}

static int fail_at(parser *p, const char *what)
{
  if (p->pos >= p->n) return QB_FAIL(p->err, QB_EINVAL, "at the end of the filter: expected %s", what);
  return QB_FAIL(p->err, QB_EINVAL, "at offset %zu ('%.12s'): expected %s", p->pos, p->s + p->pos, what);
}

static bool ident_char(char c) { return isalnum((unsigned char)c) || c == '_' || c == '$' || (unsigned char)c >= 0x80; }

/* A keyword (case-insensitive) followed by a non-identifier character. */
static bool keyword(parser *p, const char *kw)
{
  skip_ws(p);
  size_t k = strlen(kw);
  if (p->n - p->pos < k || strncasecmp(p->s + p->pos, kw, k)) return false;
  if (p->pos + k < p->n && ident_char(p->s[p->pos + k])) return false;
  p->pos += k;
  return true;
}

static bool punct(parser *p, const char *tok)
{
  skip_ws(p);
  size_t k = strlen(tok);
  if (p->n - p->pos < k || strncmp(p->s + p->pos, tok, k)) return false;
  p->pos += k;
  return true;
}

/* name ('.' name)* with "double quoted" parts ("" escapes a quote). */
static int column_name(parser *p, char **out)
{
  skip_ws(p);
  qb_buf b;
  qb_buf_init(&b, 1 << 16);
  int rc = QB_OK;
  for (;;) {
    if (p->pos < p->n && p->s[p->pos] == '"') {
      p->pos++;
      for (;;) {
        if (p->pos >= p->n) {
          rc = fail_at(p, "a closing '\"'");
          goto done;
        }
        char c = p->s[p->pos++];
        if (c == '"') {
          if (p->pos < p->n && p->s[p->pos] == '"') p->pos++;
          else break;
        }
        if ((rc = qb_buf_putc(&b, (uint8_t)c, p->err))) goto done;
      }
    } else {
      size_t st = p->pos;
      while (p->pos < p->n && ident_char(p->s[p->pos])) p->pos++;
      if (st == p->pos) {
        rc = fail_at(p, "a column name");
        goto done;
      }
      if ((rc = qb_buf_append(&b, p->s + st, p->pos - st, p->err))) goto done;
    }
    if (p->pos < p->n && p->s[p->pos] == '.' && p->pos + 1 < p->n &&
        (ident_char(p->s[p->pos + 1]) || p->s[p->pos + 1] == '"')) {
      p->pos++;
      if ((rc = qb_buf_putc(&b, '.', p->err))) goto done;
      continue;
    }
    break;
  }
  if ((rc = qb_buf_cstr(&b, p->err))) goto done;
  *out = (char *)qb_buf_detach(&b, NULL);
done:
  qb_buf_free(&b);
  return rc;
}

/* 'string' ('' escapes a quote), number, TRUE, FALSE. Numbers with a fraction or exponent stay text. */
static int literal(parser *p, qb_value *v, bool *num_text, qb_buf *scratch)
{
  skip_ws(p);
  *num_text = false;
  bool t = keyword(p, "true");
  if (t || keyword(p, "false")) {
    v->kind = QB_V_BOOL;
    v->u.b = t;
    return QB_OK;
  }
  qb_buf_reset(scratch);
  if (p->pos < p->n && p->s[p->pos] == '\'') {
    p->pos++;
    for (;;) {
      if (p->pos >= p->n) return fail_at(p, "a closing quote");
      char c = p->s[p->pos++];
      if (c == '\'') {
        if (p->pos < p->n && p->s[p->pos] == '\'') p->pos++;
        else break;
      }
      int rc = qb_buf_putc(scratch, (uint8_t)c, p->err);
      if (rc) return rc;
    }
    v->kind = QB_V_STRING;
    v->u.bytes.p = scratch->p;
    v->u.bytes.n = scratch->n;
    return QB_OK;
  }
  size_t st = p->pos;
  if (p->pos < p->n && (p->s[p->pos] == '-' || p->s[p->pos] == '+')) p->pos++;
  size_t digits = p->pos;
  bool frac = false;
  while (p->pos < p->n && isdigit((unsigned char)p->s[p->pos])) p->pos++;
  if (p->pos < p->n && p->s[p->pos] == '.') {
    frac = true;
    p->pos++;
    while (p->pos < p->n && isdigit((unsigned char)p->s[p->pos])) p->pos++;
  }
  if (p->pos == digits || (p->pos == digits + 1 && frac)) {
    p->pos = st;
    return fail_at(p, "a literal (number, 'string', true or false)");
  }
  if (p->pos < p->n && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
    frac = true;
    p->pos++;
    if (p->pos < p->n && (p->s[p->pos] == '-' || p->s[p->pos] == '+')) p->pos++;
    size_t ed = p->pos;
    while (p->pos < p->n && isdigit((unsigned char)p->s[p->pos])) p->pos++;
    if (ed == p->pos) return fail_at(p, "exponent digits");
  }
  if (p->pos < p->n && ident_char(p->s[p->pos])) return fail_at(p, "an operator after the number");
  int rc = qb_buf_append(scratch, p->s + st, p->pos - st, p->err);
  if (rc || (rc = qb_buf_cstr(scratch, p->err))) return rc;
  if (!frac) {
    errno = 0;
    char *end;
    long long x = strtoll((const char *)scratch->p, &end, 10);
    if (!errno && *end == 0) {
      v->kind = QB_V_INT64;
      v->u.i64 = x;
      return QB_OK;
    }
  }
  v->kind = QB_V_STRING; /* a fraction, an exponent, or an integer beyond 64 bits (decimal(38)) */
  v->u.bytes.p = scratch->p;
  v->u.bytes.n = scratch->n;
  *num_text = true;
  return QB_OK;
}

static int parse_or(parser *p, qb_expr **out);

static int comparison_op(parser *p, qb_expr_op *op)
{
  static const struct {
    const char *tok;
    qb_expr_op op;
  } ops[] = {{"==", QB_EXPR_EQ}, {"!=", QB_EXPR_NE}, {"<>", QB_EXPR_NE}, {"<=", QB_EXPR_LE},
             {">=", QB_EXPR_GE}, {"=", QB_EXPR_EQ},  {"<", QB_EXPR_LT},  {">", QB_EXPR_GT}};
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
    if (punct(p, ops[i].tok)) {
      *op = ops[i].op;
      return QB_OK;
    }
  return fail_at(p, "an operator (=, !=, <, <=, >, >=, IN, NOT IN, IS [NOT] NULL, IS [NOT] NAN)");
}

static int parse_in_list(parser *p, qb_expr_op op, const char *col, qb_expr **out)
{
  if (!punct(p, "(")) return fail_at(p, "'(' after IN");
  size_t n = 0, cap = 0;
  qb_value *vals = NULL;
  bool *texts = NULL;
  qb_buf *bufs = NULL; /* one per literal: values point into them */
  int rc = QB_OK;
  for (;;) {
    if (n == cap) {
      size_t nc = cap ? cap * 2 : 8;
      if (nc > MAX_IN_VALUES) {
        rc = QB_FAIL(p->err, QB_ELIMIT, "more than %d values in IN", MAX_IN_VALUES);
        goto done;
      }
      qb_value *nv = realloc(vals, nc * sizeof *nv);
      if (nv) vals = nv;
      bool *nt = realloc(texts, nc * sizeof *nt);
      if (nt) texts = nt;
      qb_buf *nb = realloc(bufs, nc * sizeof *nb);
      if (nb) bufs = nb;
      if (!nv || !nt || !nb) {
        rc = QB_FAIL(p->err, QB_ENOMEM, "out of memory");
        goto done;
      }
      cap = nc;
    }
    qb_buf_init(&bufs[n], 1 << 20);
    rc = literal(p, &vals[n], &texts[n], &bufs[n]);
    n++;
    if (rc) goto done;
    if (punct(p, ",")) continue;
    if (punct(p, ")")) break;
    rc = fail_at(p, "',' or ')' in the IN list");
    goto done;
  }
  rc = make_pred(out, op, col, vals, texts, n, p->err);
done:
  for (size_t i = 0; i < n; i++) qb_buf_free(&bufs[i]);
  free(bufs);
  free(vals);
  free(texts);
  return rc;
}

static int parse_predicate(parser *p, qb_expr **out)
{
  char *col = NULL;
  int rc = column_name(p, &col);
  if (rc) return rc;
  qb_expr_op op = QB_EXPR_EQ;
  if (keyword(p, "is")) {
    bool neg = keyword(p, "not");
    if (keyword(p, "null")) op = neg ? QB_EXPR_NOT_NULL : QB_EXPR_IS_NULL;
    else if (keyword(p, "nan")) op = neg ? QB_EXPR_NOT_NAN : QB_EXPR_IS_NAN;
    else {
      rc = fail_at(p, "NULL or NAN after IS");
      goto done;
    }
    rc = make_pred(out, op, col, NULL, NULL, 0, p->err);
    goto done;
  }
  size_t save = p->pos;
  if (keyword(p, "not")) {
    if (keyword(p, "in")) {
      rc = parse_in_list(p, QB_EXPR_NOT_IN, col, out);
      goto done;
    }
    p->pos = save;
  }
  if (keyword(p, "in")) {
    rc = parse_in_list(p, QB_EXPR_IN, col, out);
    goto done;
  }
  if ((rc = comparison_op(p, &op))) goto done;
  qb_value v;
  bool text;
  qb_buf b;
  qb_buf_init(&b, 1 << 20);
  rc = literal(p, &v, &text, &b);
  if (rc == QB_OK) rc = make_pred(out, op, col, &v, &text, 1, p->err);
  qb_buf_free(&b);
done:
  free(col);
  return rc;
}

static int parse_unary(parser *p, qb_expr **out)
{
  if (++p->depth > MAX_DEPTH) return QB_FAIL(p->err, QB_ELIMIT, "filter nested deeper than %d", MAX_DEPTH);
  int rc;
  bool t;
  if (keyword(p, "not")) {
    qb_expr *c;
    if ((rc = parse_unary(p, &c)) == QB_OK) rc = qb_expr_not(out, c, p->err);
  } else if (punct(p, "(")) {
    if ((rc = parse_or(p, out)) == QB_OK && !punct(p, ")")) {
      qb_expr_free(*out);
      *out = NULL;
      rc = fail_at(p, "')'");
    }
  } else if ((t = keyword(p, "true")) || keyword(p, "false")) {
    *out = node(t ? QB_EXPR_TRUE : QB_EXPR_FALSE);
    rc = *out ? QB_OK : QB_FAIL(p->err, QB_ENOMEM, "out of memory");
  } else {
    rc = parse_predicate(p, out);
  }
  p->depth--;
  return rc;
}

static int parse_and(parser *p, qb_expr **out)
{
  qb_expr *l;
  int rc = parse_unary(p, &l);
  while (rc == QB_OK && keyword(p, "and")) {
    qb_expr *r;
    if ((rc = parse_unary(p, &r))) {
      qb_expr_free(l);
      return rc;
    }
    rc = qb_expr_and(&l, l, r, p->err);
  }
  if (rc == QB_OK) *out = l;
  return rc;
}

static int parse_or(parser *p, qb_expr **out)
{
  if (++p->depth > MAX_DEPTH) return QB_FAIL(p->err, QB_ELIMIT, "filter nested deeper than %d", MAX_DEPTH);
  qb_expr *l;
  int rc = parse_and(p, &l);
  while (rc == QB_OK && keyword(p, "or")) {
    qb_expr *r;
    if ((rc = parse_and(p, &r))) {
      qb_expr_free(l);
      p->depth--;
      return rc;
    }
    rc = qb_expr_or(&l, l, r, p->err);
  }
  if (rc == QB_OK) *out = l;
  p->depth--;
  return rc;
}

int qb_expr_parse(qb_expr **out, const char *text, qb_err *err)
{
  *out = NULL;
  if (!text) return QB_FAIL(err, QB_EINVAL, "no filter text");
  parser p = {text, 0, strlen(text), 0, err};
  qb_expr *e;
  int rc = parse_or(&p, &e);
  if (rc == QB_OK) {
    skip_ws(&p);
    if (p.pos < p.n) {
      qb_expr_free(e);
      rc = fail_at(&p, "AND, OR or the end of the filter");
    }
  }
  if (rc) return qb_err_wrap(err, "filter");
  *out = e;
  return QB_OK;
}

/* ---- printing ------------------------------------------------------------------------------------- */

static void put_column(qb_buf *b, const char *name, qb_err *err)
{
  /* plain dotted identifiers print bare; anything else is quoted part by part */
  const char *part = name;
  for (;;) {
    const char *dot = strchr(part, '.');
    size_t n = dot ? (size_t)(dot - part) : strlen(part);
    bool plain = n > 0;
    for (size_t i = 0; i < n; i++) plain = plain && ident_char(part[i]);
    static const char *const kws[] = {"and", "or", "not", "in", "is", "null", "nan", "true", "false"};
    for (size_t k = 0; plain && k < sizeof kws / sizeof kws[0]; k++)
      if (strlen(kws[k]) == n && !strncasecmp(part, kws[k], n)) plain = false;
    if (plain && isdigit((unsigned char)part[0])) plain = false;
    if (plain) {
      qb_buf_append(b, part, n, err);
    } else {
      qb_buf_putc(b, '"', err);
      for (size_t i = 0; i < n; i++) {
        if (part[i] == '"') qb_buf_putc(b, '"', err);
        qb_buf_putc(b, (uint8_t)part[i], err);
      }
      qb_buf_putc(b, '"', err);
    }
    if (!dot) break;
    qb_buf_putc(b, '.', err);
    part = dot + 1;
  }
}

static void put_lit(qb_buf *b, const qb_lit *l, qb_err *err)
{
  const qb_value *v = &l->v;
  switch (v->kind) {
  case QB_V_BOOL: qb_buf_puts(b, v->u.b ? "true" : "false", err); return;
  case QB_V_INT32: qb_buf_printf(b, err, "%" PRId32, v->u.i32); return;
  case QB_V_INT64: qb_buf_printf(b, err, "%" PRId64, v->u.i64); return;
  case QB_V_FLOAT:
  case QB_V_DOUBLE: {
    double d = v->kind == QB_V_FLOAT ? v->u.f32 : v->u.f64;
    if (!isfinite(d)) { /* no literal syntax for these: the binder parses the text for float columns */
      qb_buf_puts(b, isnan(d) ? "'NaN'" : d > 0 ? "'Infinity'" : "'-Infinity'", err);
      return;
    }
    char s[40];
    snprintf(s, sizeof s, "%.17g", d);
    if (!strpbrk(s, ".e")) strcat(s, ".0");
    qb_buf_puts(b, s, err);
    return;
  }
  case QB_V_STRING:
    if (l->number_text) {
      qb_buf_append(b, v->u.bytes.p, v->u.bytes.n, err);
      return;
    }
    qb_buf_putc(b, '\'', err);
    for (size_t i = 0; i < v->u.bytes.n; i++) {
      if (v->u.bytes.p[i] == '\'') qb_buf_putc(b, '\'', err);
      qb_buf_putc(b, v->u.bytes.p[i], err);
    }
    qb_buf_putc(b, '\'', err);
    return;
  case QB_V_BYTES: { /* as the hex text the binder accepts for binary/fixed/uuid */
    qb_buf_putc(b, '\'', err);
    for (size_t i = 0; i < v->u.bytes.n; i++) qb_buf_printf(b, err, "%02x", v->u.bytes.p[i]);
    qb_buf_putc(b, '\'', err);
    return;
  }
  default: qb_buf_puts(b, "null", err); return;
  }
}

static void put_expr(qb_buf *b, const qb_expr *e, int parent_prec, qb_err *err)
{
  switch (e->op) {
  case QB_EXPR_TRUE: qb_buf_puts(b, "true", err); return;
  case QB_EXPR_FALSE: qb_buf_puts(b, "false", err); return;
  case QB_EXPR_AND:
  case QB_EXPR_OR: {
    int prec = e->op == QB_EXPR_OR ? 1 : 2;
    if (parent_prec > prec) qb_buf_putc(b, '(', err);
    put_expr(b, e->left, prec, err);
    qb_buf_puts(b, e->op == QB_EXPR_OR ? " OR " : " AND ", err);
    put_expr(b, e->right, prec + 1, err);
    if (parent_prec > prec) qb_buf_putc(b, ')', err);
    return;
  }
  case QB_EXPR_NOT:
    qb_buf_puts(b, "NOT ", err);
    put_expr(b, e->left, 3, err);
    return;
  default: break;
  }
  put_column(b, e->column, err);
  static const char *const ops[] = {[QB_EXPR_IS_NULL] = " IS NULL", [QB_EXPR_NOT_NULL] = " IS NOT NULL",
                                    [QB_EXPR_IS_NAN] = " IS NAN",   [QB_EXPR_NOT_NAN] = " IS NOT NAN",
                                    [QB_EXPR_EQ] = " = ",           [QB_EXPR_NE] = " != ",
                                    [QB_EXPR_LT] = " < ",           [QB_EXPR_LE] = " <= ",
                                    [QB_EXPR_GT] = " > ",           [QB_EXPR_GE] = " >= ",
                                    [QB_EXPR_IN] = " IN (",         [QB_EXPR_NOT_IN] = " NOT IN ("};
  qb_buf_puts(b, ops[e->op], err);
  for (size_t i = 0; i < e->n_lits; i++) {
    if (i) qb_buf_puts(b, ", ", err);
    put_lit(b, &e->lits[i], err);
  }
  if (is_set(e->op)) qb_buf_putc(b, ')', err);
}

int qb_expr_to_string(char **out, const qb_expr *e, qb_err *err)
{
  *out = NULL;
  qb_buf b;
  qb_buf_init(&b, 64 << 20);
  qb_err local = QB_ERR_INIT;
  put_expr(&b, e, 0, &local);
  if (local.code == QB_OK) qb_buf_cstr(&b, &local);
  if (local.code) {
    qb_buf_free(&b);
    return QB_FAIL(err, local.code, "printing a filter: %s", local.msg);
  }
  *out = (char *)qb_buf_detach(&b, NULL);
  return QB_OK;
}

int qb_expr__copy(qb_expr **out, const qb_expr *e, qb_err *err)
{
  *out = NULL;
  if (!e) return QB_OK;
  qb_expr *l = NULL, *r = NULL;
  int rc = qb_expr__copy(&l, e->left, err);
  if (rc == QB_OK) rc = qb_expr__copy(&r, e->right, err);
  if (rc) {
    qb_expr_free(l);
    return rc;
  }
  if (e->op == QB_EXPR_AND || e->op == QB_EXPR_OR || e->op == QB_EXPR_NOT) return combine(out, e->op, l, r, err);
  if (e->op == QB_EXPR_TRUE || e->op == QB_EXPR_FALSE) {
    *out = node(e->op);
    return *out ? QB_OK : QB_FAIL(err, QB_ENOMEM, "out of memory");
  }
  qb_value *vals = e->n_lits ? calloc(e->n_lits, sizeof *vals) : NULL;
  bool *texts = e->n_lits ? calloc(e->n_lits, sizeof *texts) : NULL;
  if (e->n_lits && (!vals || !texts)) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
  for (size_t i = 0; rc == QB_OK && i < e->n_lits; i++) {
    vals[i] = e->lits[i].v;
    texts[i] = e->lits[i].number_text;
  }
  if (rc == QB_OK) rc = make_pred(out, e->op, e->column, vals, texts, e->n_lits, err);
  free(vals);
  free(texts);
  return rc;
}
