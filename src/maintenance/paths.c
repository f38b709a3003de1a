/* SPDX-License-Identifier: Apache-2.0 */
/* Paths as maintenance compares and deletes them (iceberg.md §7.4, PART III pain point 7: orphan removal that
 * deleted live files because "s3a://b/k" and "s3://b/k", or "file:/p" and "/p", were compared as strings).
 * Every spelling of an object maps to one key; only paths inside the table directory are ever deleted. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "catalog/catalog_int.h"
#include "maintenance/maintenance_int.h"
#include "util/str.h"

int qb_maint__open(qb_maint_tbl *m, qb_table *t, qb_err *err)
{
  memset(m, 0, sizeof *m);
  const qb_table_metadata *md;
  int rc = qb_table_get_metadata(&md, t, err);
  if (rc) return rc;
  m->t = t;
  m->io = qb_catalog_io(t->cat);
  m->view = (qb_tbl){m->io, md, qb_table_location(t), qb_table_name(t)};
  char *root;
  if ((rc = qb_uri_normalize(&root, qb_table_location(t), err))) return rc;
  size_t n = strlen(root);
  /* a table at the root of a file system or bucket would make every path "inside" */
  if (n == 0 || !strcmp(root, "/") || !strcmp(root, ".")) {
    free(root);
    return QB_FAIL(err, QB_EINVAL, "table directory '%s' is a root: refusing to maintain it", qb_table_location(t));
  }
  m->root_norm = qb_str_printf("%s%s", root, root[n - 1] == '/' ? "" : "/");
  free(root);
  if (!m->root_norm) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  const char *loc = qb_table_metadata_location(md);
  if (loc) {
    while (loc[0] == '.' && loc[1] == '/') loc += 2; /* as qb_tbl__path */
    size_t ln = strlen(loc);
    while (ln > 1 && loc[ln - 1] == '/') ln--;
    if (ln && !(m->loc_prefix = qb_str_printf("%.*s/", (int)ln, loc))) {
      qb_maint__close(m);
      return QB_FAIL(err, QB_ENOMEM, "out of memory");
    }
  }
  if ((rc = qb_maint__scanner_open(m, err))) qb_maint__close(m);
  return rc;
}

void qb_maint__close(qb_maint_tbl *m)
{
  free(m->root_norm);
  free(m->loc_prefix);
  m->root_norm = m->loc_prefix = NULL;
  qb_maint__scanner_close(m);
}

static int hexval(char c)
{
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Decoding can only merge distinct names into one key (a file named "a%20b" and one named "a b"): that keeps
 * a file that is not referenced, never deletes one that is. */
static void percent_decode(char *s)
{
  char *o = s;
  for (const char *p = s; *p; p++) {
    int h, l;
    if (p[0] == '%' && (h = hexval(p[1])) >= 0 && (l = hexval(p[2])) >= 0 && (h || l)) {
      *o++ = (char)(h * 16 + l);
      p += 2;
    } else {
      *o++ = *p;
    }
  }
  *o = '\0';
}

/* A remainder normalisation and decoding leave as they are */
static bool plain(const char *s)
{
  if (*s == '/' || *s == '\0' || (s[0] == '.' && (s[1] == '/' || !s[1]))) return false;
  for (; *s; s++)
    if (*s == '%' || (s[0] == '/' && (s[1] == '/' || !s[1] || (s[1] == '.' && (s[2] == '/' || !s[2])))))
      return false;
  return true;
}

int qb_maint__key(char **out, const qb_maint_tbl *m, const char *recorded, qb_err *err)
{
  /* the common case, a plain path under the recorded location, without resolving and parsing */
  size_t lp = m->loc_prefix ? strlen(m->loc_prefix) : 0;
  if (lp && !strncmp(recorded, m->loc_prefix, lp) && plain(recorded + lp)) {
    size_t rn = strlen(m->root_norm), tn = strlen(recorded + lp);
    if (!(*out = malloc(rn + tn + 1))) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    memcpy(*out, m->root_norm, rn);
    memcpy(*out + rn, recorded + lp, tn + 1);
    return QB_OK;
  }
  char *phys;
  int rc = qb_tbl__path(&phys, &m->view, recorded, err);
  if (rc) return rc;
  qb_err e = QB_ERR_INIT;
  if (qb_uri_normalize(out, phys, &e) == QB_OK) {
    free(phys);
  } else {
    if (e.code == QB_ENOMEM) {
      free(phys);
      return QB_FAIL(err, QB_ENOMEM, "out of memory");
    }
    *out = phys; /* an unknown scheme is nothing we list or delete: its own key */
  }
  percent_decode(*out);
  return QB_OK;
}

int qb_maint__key_into(char **buf, size_t *cap, const qb_maint_tbl *m, const char *recorded, qb_err *err)
{
  /* the common case of qb_maint__key written into the caller's buffer: no allocation per manifest entry */
  size_t lp = m->loc_prefix ? strlen(m->loc_prefix) : 0;
  if (lp && !strncmp(recorded, m->loc_prefix, lp) && plain(recorded + lp)) {
    size_t rn = strlen(m->root_norm), tn = strlen(recorded + lp);
    if (rn + tn + 1 > *cap) {
      char *g = realloc(*buf, 2 * (rn + tn + 1));
      if (!g) return QB_FAIL(err, QB_ENOMEM, "out of memory");
      *buf = g;
      *cap = 2 * (rn + tn + 1);
    }
    memcpy(*buf, m->root_norm, rn);
    memcpy(*buf + rn, recorded + lp, tn + 1);
    return QB_OK;
  }
  char *key;
  int rc = qb_maint__key(&key, m, recorded, err);
  if (rc) return rc;
  free(*buf);
  *buf = key;
  *cap = strlen(key) + 1;
  return QB_OK;
}

bool qb_maint__inside(const qb_maint_tbl *m, const char *p)
{
  size_t rn = strlen(m->root_norm);
  if (strncmp(p, m->root_norm, rn) || !p[rn]) return false;
  /* ".." is kept by normalisation (symlinks): a/b/../../x may leave the directory */
  for (const char *s = p + rn; *s;) {
    const char *e = strchr(s, '/');
    size_t len = e ? (size_t)(e - s) : strlen(s);
    if (len == 2 && s[0] == '.' && s[1] == '.') return false;
    if (len >= 6) { /* percent-encoded dots are decoded by some stores */
      char seg[7];
      memcpy(seg, s, 6);
      seg[6] = '\0';
      if (len == 6 && !strcasecmp(seg, "%2e%2e")) return false;
    }
    s = e ? e + 1 : s + len;
  }
  return true;
}

int qb_maint__deletable(char **out, const qb_maint_tbl *m, const char *recorded, qb_err *err)
{
  *out = NULL;
  char *phys;
  int rc = qb_tbl__path(&phys, &m->view, recorded, err);
  if (rc) return rc;
  qb_err e = QB_ERR_INIT;
  char *norm;
  rc = qb_uri_normalize(&norm, phys, &e);
  free(phys);
  if (rc) return rc == QB_ENOMEM ? QB_FAIL(err, QB_ENOMEM, "out of memory") : QB_OK;
  if (qb_maint__inside(m, norm)) *out = norm;
  else free(norm);
  return QB_OK;
}

/* ---- path sets ---- */

void qb_maint__pathset_init(qb_maint_pathset *s)
{
  memset(s, 0, sizeof *s);
  qb_arena_init(&s->arena, 1 << 16);
}

void qb_maint__pathset_free(qb_maint_pathset *s)
{
  free(s->slots);
  qb_arena_release(&s->arena);
  memset(s, 0, sizeof *s);
}

static size_t pathset_find(const qb_maint_pathset *s, const char *key, size_t n, uint64_t h)
{
  size_t i = (size_t)h & (s->cap - 1);
  while (s->slots[i].key && !(s->slots[i].hash == h && s->slots[i].n == n && !memcmp(s->slots[i].key, key, n)))
    i = (i + 1) & (s->cap - 1);
  return i;
}

bool qb_maint__pathset_has(const qb_maint_pathset *s, const char *key)
{
  if (!s->cap) return false;
  size_t n = strlen(key);
  return s->slots[pathset_find(s, key, n, qb_hash_words(key, n))].key != NULL;
}

int qb_maint__pathset_add(qb_maint_pathset *s, const char *key, const char *value, bool *added, qb_err *err)
{
  if (added) *added = false;
  if ((s->count + 1) * 2 > s->cap) { /* at most half full */
    size_t cap = s->cap ? 2 * s->cap : 64;
    qb_maint_pathset_slot *g = calloc(cap, sizeof *g);
    if (!g) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    for (size_t i = 0; i < s->cap; i++) {
      if (!s->slots[i].key) continue;
      size_t j = (size_t)s->slots[i].hash & (cap - 1);
      while (g[j].key) j = (j + 1) & (cap - 1);
      g[j] = s->slots[i];
    }
    free(s->slots);
    s->slots = g;
    s->cap = cap;
  }
  size_t n = strlen(key);
  uint64_t h = qb_hash_words(key, n);
  qb_maint_pathset_slot *slot = &s->slots[pathset_find(s, key, n, h)];
  if (slot->key) return QB_OK;
  char *k = qb_arena_memdup(&s->arena, key, n + 1);
  char *v = value ? qb_arena_strdup(&s->arena, value) : NULL;
  if (!k || (value && !v)) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  *slot = (qb_maint_pathset_slot){h, k, v, n};
  s->count++;
  if (added) *added = true;
  return QB_OK;
}

char *qb_maint__logged_metadata_file(const qb_maint_tbl *m, const char *logged)
{
  const char *base = qb_path_base(logged);
  size_t bl = strlen(base), ll = strlen(logged);
  int64_t v;
  if (qb_hadoop__parse_name(base, &v) == QB_MDNAME_NONE || ll < bl + 10 ||
      strncmp(logged + ll - bl - 10, "/metadata/", 10) != 0)
    return NULL;
  return qb_str_printf("%s/metadata/%s", qb_table_location(m->t), base);
}
