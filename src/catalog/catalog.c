/* SPDX-License-Identifier: Apache-2.0 */
/* The file-system catalog: a warehouse directory whose sub-directories are namespaces, and a table is a
 * directory whose metadata/ holds metadata files (Java HadoopCatalog, iceberg.md §5.1). Names, namespaces,
 * listing, drop and rename. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog/catalog_int.h"
#include "util/str.h"

static bool is_uri(const char *s) { return strstr(s, "://") != NULL || qb_str_has_prefix(s, "file:"); }

/* A relative local path made absolute against the working directory (metadata records absolute
 * locations); URIs and absolute paths are copied. Trailing slashes are dropped. */
static char *absolute(const char *s)
{
  char *r;
  if (is_uri(s) || s[0] == '/') {
    r = strdup(s);
  } else {
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) return NULL;
    while (s[0] == '.' && s[1] == '/') s += 2;
    r = strcmp(s, ".") ? qb_path_join(cwd, s) : strdup(cwd);
  }
  if (!r) return NULL;
  size_t n = strlen(r);
  while (n > 1 && r[n - 1] == '/' && r[n - 2] != '/') r[--n] = '\0';
  return r;
}

int qb_catalog_open(qb_catalog **out, const char *warehouse, const qb_catalog_options *opts, qb_err *err)
{
  *out = NULL;
  qb_catalog_options dflt = QB_CATALOG_OPTIONS_INIT;
  if (!opts) opts = &dflt;
  if (opts->version != QB_CATALOG_OPTIONS_VERSION)
    return QB_FAIL(err, QB_EINVAL, "catalog options version %d (this library has %d)", opts->version,
                   QB_CATALOG_OPTIONS_VERSION);
  qb_catalog *cat = calloc(1, sizeof *cat);
  if (!cat) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  cat->mode = opts->commit_mode;
  cat->lease_ms = opts->lock_lease_ms > 0 ? opts->lock_lease_ms : QB_DEFAULT_LEASE_MS;
  int rc = QB_OK;
  if (warehouse && *warehouse && !(cat->warehouse = absolute(warehouse)))
    rc = QB_FAIL(err, QB_ENOMEM, "warehouse %s: cannot make the path absolute", warehouse);
  if (rc == QB_OK && opts->io) {
    cat->io = opts->io;
  } else if (rc == QB_OK) {
    if (cat->warehouse)
      rc = qb_fileio_for_uri(&cat->io, cat->warehouse, opts->config, err);
    else
      rc = qb_fileio_local_new(&cat->io, err);
    cat->own_io = rc == QB_OK;
  }
  if (rc) {
    qb_catalog_free(cat);
    return rc;
  }
  *out = cat;
  return QB_OK;
}

void qb_catalog_free(qb_catalog *cat)
{
  if (!cat) return;
  if (cat->own_io) qb_fileio_free(cat->io);
  free(cat->warehouse);
  free(cat);
}

const char *qb_catalog_warehouse(const qb_catalog *cat) { return cat->warehouse; }
qb_fileio *qb_catalog_io(const qb_catalog *cat) { return cat->io; }

/* One part of a dotted name: a single directory name. */
static bool valid_part(const char *s, size_t n)
{
  if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.')) return false;
  for (size_t i = 0; i < n; i++)
    if (s[i] == '/' || s[i] == '\\' || (unsigned char)s[i] < 0x20) return false;
  return true;
}

/* "a.b.c" -> "<warehouse>/a/b/c" */
static int dotted_path(qb_catalog *cat, const char *name, const char *what, char **out, qb_err *err)
{
  *out = NULL;
  if (!cat->warehouse)
    return QB_FAIL(err, QB_EINVAL, "%s '%s' is a name in the warehouse, but no warehouse is set (-w, QBERG_WAREHOUSE or qberg.conf)",
                   what, name);
  for (const char *p = name;;) {
    const char *dot = strchr(p, '.');
    size_t n = dot ? (size_t)(dot - p) : strlen(p);
    if (!valid_part(p, n)) return QB_FAIL(err, QB_EINVAL, "%s '%s': invalid name", what, name);
    if (!dot) break;
    p = dot + 1;
  }
  char *rel = strdup(name);
  if (!rel) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  for (char *p = rel; *p; p++)
    if (*p == '.') *p = '/';
  *out = qb_path_join(cat->warehouse, rel);
  free(rel);
  return *out ? QB_OK : QB_FAIL(err, QB_ENOMEM, "out of memory");
}

static char *parent_dir(const char *path)
{
  const char *s = strrchr(path, '/');
  if (!s || s == path) return strdup(s ? "/" : ".");
  return qb_str_printf("%.*s", (int)(s - path), path);
}

int qb_catalog__resolve(qb_catalog *cat, const char *table, char **root_out, char **file_out, qb_err *err)
{
  *root_out = *file_out = NULL;
  if (!table || !*table) return QB_FAIL(err, QB_EINVAL, "empty table name");
  if (!is_uri(table) && !strchr(table, '/') && table[0] != '.')
    return dotted_path(cat, table, "table", root_out, err);
  char *abs = absolute(table);
  if (!abs) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  if (qb_str_has_suffix(abs, ".metadata.json") || qb_str_has_suffix(abs, ".metadata.json.gz")) {
    /* a metadata file: its table is the directory above metadata/ */
    char *dir = parent_dir(abs);
    if (dir && !strcmp(qb_path_base(dir), "metadata")) {
      char *up = parent_dir(dir);
      free(dir);
      dir = up;
    }
    if (!dir) {
      free(abs);
      return QB_FAIL(err, QB_ENOMEM, "out of memory");
    }
    *root_out = dir;
    *file_out = abs;
    return QB_OK;
  }
  *root_out = abs;
  return QB_OK;
}

/* ---- namespaces ---- */

typedef struct names {
  char **v;
  size_t n, cap;
} names;

static int names_add(names *ns, const char *s, qb_err *err)
{
  if (ns->n == ns->cap) {
    size_t cap = ns->cap ? ns->cap * 2 : 16;
    char **v = realloc(ns->v, cap * sizeof *v);
    if (!v) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    ns->v = v;
    ns->cap = cap;
  }
  if (!(ns->v[ns->n] = strdup(s))) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  ns->n++;
  return QB_OK;
}

static void names_free(names *ns)
{
  for (size_t i = 0; i < ns->n; i++) free(ns->v[i]);
  free(ns->v);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int subdir_cb(void *ctx, const char *name, bool is_dir, qb_err *err)
{
  /* hidden directories (".x", "_x": Hadoop's HiddenPathFilter) are neither namespaces nor tables */
  if (!is_dir || name[0] == '.' || name[0] == '_') return QB_OK;
  return names_add(ctx, name, err);
}

/* The visible sub-directories of dir, sorted. A missing dir is QB_ENOTFOUND. */
static int subdirs(qb_fileio *io, const char *dir, names *out, qb_err *err)
{
  memset(out, 0, sizeof *out);
  int rc = qb_fileio_list_dir(io, dir, subdir_cb, out, err);
  if (rc) {
    names_free(out);
    memset(out, 0, sizeof *out);
    return rc;
  }
  if (out->n) qsort(out->v, out->n, sizeof *out->v, cmp_str);
  return QB_OK;
}

static int any_entry_cb(void *ctx, const char *name, bool is_dir, qb_err *err)
{
  *(bool *)ctx = true;
  return 1;
}

/* Whether dir exists (has entries on object stores) and whether it has any entry. */
static int dir_state(qb_fileio *io, const char *dir, bool *exists, bool *nonempty, qb_err *err)
{
  *exists = *nonempty = false;
  int rc = qb_fileio_list_dir(io, dir, any_entry_cb, nonempty, err);
  if (rc == QB_ENOTFOUND) {
    qb_err_clear(err);
    return QB_OK;
  }
  if (rc != QB_OK && rc != 1) return rc;
  *exists = true;
  return QB_OK;
}

static int held_cb(void *ctx, const char *name, bool is_dir, qb_err *err)
{
  (void)err;
  /* a table's own folders (metadata-freed: a dropped table's markers, docs/CATALOG.md), hidden ones (neither
   * namespaces nor tables) and files hold nothing */
  if (!is_dir || name[0] == '.' || name[0] == '_' || !strcmp(name, "metadata") || !strcmp(name, "data") ||
      !strcmp(name, "metadata-freed"))
    return QB_OK;
  char **first = ctx;
  if (!(*first = strdup(name))) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  return 1; /* stop */
}

int qb_catalog__check_place(qb_catalog *cat, const char *name, const char *dir, bool table, qb_err *err)
{
  int rc = QB_OK;
  /* no enclosing namespace of a dotted name may be a table */
  if (cat->warehouse && !is_uri(name) && !strchr(name, '/') && name[0] != '.') {
    for (const char *dot = strchr(name, '.'); rc == QB_OK && dot; dot = strchr(dot + 1, '.')) {
      char *outer = qb_str_printf("%.*s", (int)(dot - name), name), *outer_dir = NULL;
      bool is_table = false;
      rc = outer ? dotted_path(cat, outer, "namespace", &outer_dir, err) : QB_FAIL(err, QB_ENOMEM, "out of memory");
      if (rc == QB_OK) rc = qb_hadoop__is_table_dir(cat->io, outer_dir, &is_table, err);
      if (rc == QB_OK && is_table)
        rc = QB_FAIL(err, QB_EINVAL, "%s is a table (%s), not a namespace: %s would lie inside its directory, "
                     "where its maintenance takes every file for its own", outer, outer_dir, name);
      free(outer);
      free(outer_dir);
    }
  }
  /* a table made of a namespace that holds tables or namespaces would hold them the same way */
  char *held = NULL;
  if (rc == QB_OK && table) {
    rc = qb_fileio_list_dir(cat->io, dir, held_cb, &held, err);
    if (rc == 1 || rc == QB_ENOTFOUND) {
      qb_err_clear(err);
      rc = QB_OK;
    }
    if (rc == QB_OK && held)
      rc = QB_FAIL(err, QB_EINVAL, "%s is a namespace holding '%s': a table there would take its files for its own",
                   dir, held);
  }
  free(held);
  return rc;
}

int qb_catalog_create_namespace(qb_catalog *cat, const char *ns, qb_err *err)
{
  char *dir;
  int rc = dotted_path(cat, ns, "namespace", &dir, err);
  if (rc) return rc;
  bool exists, nonempty, table = false;
  rc = dir_state(cat->io, dir, &exists, &nonempty, err);
  if (rc == QB_OK && exists) rc = qb_hadoop__is_table_dir(cat->io, dir, &table, err);
  if (rc == QB_OK && exists)
    rc = QB_FAIL(err, QB_EEXISTS, "namespace %s: %s already exists%s", ns, dir, table ? " (a table)" : "");
  if (rc == QB_OK) rc = qb_catalog__check_place(cat, ns, dir, false, err);
  if (rc == QB_OK) rc = qb_fileio_mkdir(cat->io, dir, err);
  free(dir);
  return rc ? qb_err_wrap(err, "creating namespace %s", ns) : QB_OK;
}

int qb_catalog_drop_namespace(qb_catalog *cat, const char *ns, qb_err *err)
{
  char *dir;
  int rc = dotted_path(cat, ns, "namespace", &dir, err);
  if (rc) return rc;
  bool exists, nonempty;
  rc = dir_state(cat->io, dir, &exists, &nonempty, err);
  if (rc == QB_OK && !exists) rc = QB_FAIL(err, QB_ENOTFOUND, "no namespace %s (%s)", ns, dir);
  if (rc == QB_OK && nonempty) rc = QB_FAIL(err, QB_EINVAL, "namespace %s is not empty (%s)", ns, dir);
  if (rc == QB_OK) rc = qb_fileio_rmdir(cat->io, dir, err);
  free(dir);
  return rc ? qb_err_wrap(err, "dropping namespace %s", ns) : QB_OK;
}

/* A listing found no folder: a namespace that is not there, or, at the top, no warehouse at all. A warehouse
 * that is missing (a mistyped -w, an S3 bucket that does not exist: ListObjects' 404 NoSuchBucket) is an
 * error, not an empty warehouse: fsck --all and maintain all said "clean" and exited 0 for it. The cause
 * stays in the message. */
static int not_found(qb_fileio *io, qb_err *err, bool top, const char *what, const char *name, const char *dir)
{
  if (top) {
    /* a namespace dropped while the walk went down it is not a missing warehouse: the root still lists (the
     * walk is cut short, as before) */
    names probe = {0};
    qb_err e = QB_ERR_INIT;
    int again = subdirs(io, dir, &probe, &e);
    names_free(&probe);
    if (again == QB_OK) {
      qb_err_clear(err);
      return QB_OK;
    }
    return qb_err_wrap(err, "warehouse %s does not exist", dir);
  }
  qb_err_clear(err);
  return QB_FAIL(err, QB_ENOTFOUND, "no %s %s (%s)", what, name, dir);
}

int qb_catalog_list_namespaces(qb_catalog *cat, const char *parent, qb_catalog_name_fn fn, void *ctx, qb_err *err)
{
  bool top = !parent || !*parent;
  char *dir;
  int rc = top ? (cat->warehouse ? ((dir = strdup(cat->warehouse)) ? QB_OK : QB_FAIL(err, QB_ENOMEM, "out of memory"))
                                 : QB_FAIL(err, QB_EINVAL, "no warehouse is set (-w, QBERG_WAREHOUSE or qberg.conf)"))
               : dotted_path(cat, parent, "namespace", &dir, err);
  if (rc) return rc;
  names subs;
  rc = subdirs(cat->io, dir, &subs, err);
  if (rc == QB_ENOTFOUND) rc = not_found(cat->io, err, top, "namespace", parent, dir);
  for (size_t i = 0; rc == QB_OK && i < subs.n; i++) {
    char *p = qb_path_join(dir, subs.v[i]);
    bool table = false;
    rc = p ? qb_hadoop__is_table_dir(cat->io, p, &table, err) : QB_FAIL(err, QB_ENOMEM, "out of memory");
    free(p);
    if (rc == QB_OK && !table) {
      char *full = top ? strdup(subs.v[i]) : qb_str_printf("%s.%s", parent, subs.v[i]);
      rc = full ? fn(ctx, full, err) : QB_FAIL(err, QB_ENOMEM, "out of memory");
      free(full);
    }
  }
  names_free(&subs);
  free(dir);
  return rc;
}

/* Tables under dir named prefix + entry; recurse into namespaces when `deep` (depth-bounded: symlink loops).
 * With `deep`, the directory of a table is walked too, but for its metadata/ and data/: a table nested in it
 * (made by versions before create refused nesting) is a table (loaded, dropped and kept by remove-orphans as
 * one) and was neither listed nor checked by fsck --all or maintained by maintain all (found by exploreO). */
static int walk_tables(qb_catalog *cat, const char *dir, const char *prefix, bool deep, bool in_table, int depth,
                       qb_catalog_name_fn fn, void *ctx, qb_err *err)
{
  if (depth > 32) return QB_FAIL(err, QB_ELIMIT, "%s: namespaces nested more than 32 deep", dir);
  names subs;
  int rc = subdirs(cat->io, dir, &subs, err);
  if (rc) return rc;
  for (size_t i = 0; rc == QB_OK && i < subs.n; i++) {
    if (in_table && (!strcmp(subs.v[i], "metadata") || !strcmp(subs.v[i], "data"))) continue;
    char *p = qb_path_join(dir, subs.v[i]);
    char *full = qb_str_printf("%s%s", prefix, subs.v[i]);
    bool table = false;
    rc = p && full ? qb_hadoop__is_table_dir(cat->io, p, &table, err) : QB_FAIL(err, QB_ENOMEM, "out of memory");
    if (rc == QB_OK && table) rc = fn(ctx, full, err);
    if (rc == QB_OK && deep && !strchr(subs.v[i], '.')) {
      char *sub_prefix = qb_str_printf("%s.", full);
      rc = sub_prefix ? walk_tables(cat, p, sub_prefix, deep, table, depth + 1, fn, ctx, err)
                      : QB_FAIL(err, QB_ENOMEM, "out of memory");
      free(sub_prefix);
    }
    free(p);
    free(full);
  }
  names_free(&subs);
  return rc;
}

int qb_catalog_list_tables(qb_catalog *cat, const char *ns, qb_catalog_name_fn fn, void *ctx, qb_err *err)
{
  bool all = !ns || !*ns;
  char *dir = NULL, *prefix = NULL;
  int rc;
  if (all) {
    if (!cat->warehouse) return QB_FAIL(err, QB_EINVAL, "no warehouse is set (-w, QBERG_WAREHOUSE or qberg.conf)");
    dir = strdup(cat->warehouse);
    prefix = strdup("");
    rc = dir && prefix ? QB_OK : QB_FAIL(err, QB_ENOMEM, "out of memory");
  } else {
    rc = dotted_path(cat, ns, "namespace", &dir, err);
    if (rc == QB_OK && !(prefix = qb_str_printf("%s.", ns))) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
  }
  if (rc == QB_OK) rc = walk_tables(cat, dir, prefix, all, false, 0, fn, ctx, err);
  if (rc == QB_ENOTFOUND) rc = not_found(cat->io, err, all, "namespace", ns, dir);
  free(dir);
  free(prefix);
  return rc;
}

/* ---- drop and rename ---- */

typedef struct md_file {
  int64_t version;
  char *name;
} md_file;

typedef struct md_files {
  md_file *v;
  size_t n, cap;
} md_files;

static int md_cb(void *ctx, const char *name, bool is_dir, qb_err *err)
{
  md_files *m = ctx;
  int64_t v;
  if (is_dir || qb_hadoop__parse_name(name, &v) == QB_MDNAME_NONE) return QB_OK;
  if (m->n == m->cap) {
    size_t cap = m->cap ? m->cap * 2 : 16;
    md_file *nv = realloc(m->v, cap * sizeof *nv);
    if (!nv) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    m->v = nv;
    m->cap = cap;
  }
  if (!(m->v[m->n].name = strdup(name))) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  m->v[m->n++].version = v;
  return QB_OK;
}

static int cmp_md(const void *a, const void *b)
{
  const md_file *x = a, *y = b;
  if (x->version != y->version) return x->version < y->version ? -1 : 1;
  return strcmp(x->name, y->name);
}

/* Delete every file and directory under dir (files first, then the emptied directories), except the
 * directories of other tables nested in it (made by versions before create refused nesting): they are not
 * the dropped table's, so they and the directories above them stay; *kept says whether any did. */
static int remove_tree(qb_fileio *io, const char *dir, int depth, bool *kept, qb_err *err);

typedef struct tree_ctx {
  qb_fileio *io;
  const char *dir;
  int depth;
  bool kept;
} tree_ctx;

static int tree_cb(void *ctx, const char *name, bool is_dir, qb_err *err)
{
  tree_ctx *t = ctx;
  char *p = qb_path_join(t->dir, name);
  if (!p) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  int rc;
  if (is_dir) {
    bool nested = false, kept = false;
    rc = qb_hadoop__is_table_dir(t->io, p, &nested, err);
    if (rc == QB_OK && !nested) rc = remove_tree(t->io, p, t->depth + 1, &kept, err);
    t->kept |= nested || kept;
  } else {
    rc = qb_fileio_delete(t->io, p, err);
  }
  free(p);
  return rc;
}

/* On a store without directories: one listing of the prefix for the nested tables' directories (a
 * "D/metadata/" holding a metadata file or version hint, D not empty), then one deleting the rest in batches
 * (S3 DeleteObjects). */
typedef struct batch {
  qb_fileio *io;
  size_t prefix_len;
  char **nested; /* "D/" relative to the prefix */
  size_t n_nested;
  bool listing_nested;
  char *paths[1000];
  size_t n;
} batch;

static int batch_flush(batch *b, qb_err *err)
{
  int rc = qb_fileio_delete_many(b->io, (const char *const *)b->paths, b->n, err);
  for (size_t i = 0; i < b->n; i++) free(b->paths[i]);
  b->n = 0;
  return rc;
}

static int batch_cb(void *ctx, const char *path, const qb_stat *st, qb_err *err)
{
  (void)st;
  batch *b = ctx;
  const char *rel = path + b->prefix_len;
  if (b->listing_nested) {
    const char *base = strrchr(rel, '/');
    int64_t v;
    if (!base || base - rel < 10 || memcmp(base - 9, "/metadata", 9) ||
        (strcmp(base + 1, QB_VERSION_HINT) && qb_hadoop__parse_name(base + 1, &v) == QB_MDNAME_NONE))
      return QB_OK;
    /* once per nested table (and not inside one already found): every metadata file of it matched, so the
     * second pass compared each object with each of them */
    for (size_t i = 0; i < b->n_nested; i++)
      if (!strncmp(rel, b->nested[i], strlen(b->nested[i]))) return QB_OK;
    char **g = realloc(b->nested, (b->n_nested + 1) * sizeof *g);
    if (!g) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    b->nested = g;
    if (!(g[b->n_nested] = qb_str_printf("%.*s", (int)(base - 8 - rel), rel))) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    b->n_nested++;
    return QB_OK;
  }
  for (size_t i = 0; i < b->n_nested; i++)
    if (!strncmp(rel, b->nested[i], strlen(b->nested[i]))) return QB_OK;
  if (!(b->paths[b->n] = strdup(path))) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  return ++b->n == sizeof b->paths / sizeof b->paths[0] ? batch_flush(b, err) : QB_OK;
}

static int remove_tree(qb_fileio *io, const char *dir, int depth, bool *kept, qb_err *err)
{
  *kept = false;
  if (depth > 64) return QB_FAIL(err, QB_ELIMIT, "%s: directories nested more than 64 deep", dir);
  if (!qb_fileio_can(io, QB_IO_RENAME)) {
    char *prefix = qb_str_printf("%s/", dir);
    batch *b = prefix ? calloc(1, sizeof *b) : NULL;
    if (!b) {
      free(prefix);
      return QB_FAIL(err, QB_ENOMEM, "out of memory");
    }
    b->io = io;
    b->prefix_len = strlen(prefix);
    b->listing_nested = true;
    int rc = qb_fileio_list(io, prefix, batch_cb, b, err);
    b->listing_nested = false;
    if (rc == QB_OK) rc = qb_fileio_list(io, prefix, batch_cb, b, err);
    if (rc == QB_OK) rc = batch_flush(b, err);
    *kept = b->n_nested > 0;
    for (size_t i = 0; i < b->n; i++) free(b->paths[i]);
    for (size_t i = 0; i < b->n_nested; i++) free(b->nested[i]);
    free(b->nested);
    free(b);
    free(prefix);
    return rc;
  }
  tree_ctx t = {io, dir, depth, false};
  int rc = qb_fileio_list_dir(io, dir, tree_cb, &t, err);
  if (rc == QB_ENOTFOUND) {
    qb_err_clear(err);
    rc = QB_OK;
  }
  *kept = t.kept;
  return rc || t.kept ? rc : qb_fileio_rmdir(io, dir, err);
}

int qb_catalog_drop_table(qb_catalog *cat, const char *table, bool purge, qb_err *err)
{
  char *root, *file, *meta = NULL;
  int rc = qb_catalog__resolve(cat, table, &root, &file, err);
  if (rc) return qb_err_wrap(err, "dropping table %s", table);
  free(file);
  bool is_table = false;
  md_files m = {0};
  rc = qb_hadoop__is_table_dir(cat->io, root, &is_table, err);
  if (rc == QB_OK && !is_table) rc = QB_FAIL(err, QB_ENOTFOUND, "%s is not a table (no metadata in %s/metadata)",
                                             table, root);
  if (rc == QB_OK && purge) {
    qb_table *t;
    int deleted;
    if ((rc = qb_table__open(&t, cat, table, root, NULL, err)) == QB_OK) {
      rc = qb_catalog__purge(t, &deleted, err);
      qb_table_free(t);
    }
  }
  if (rc == QB_OK && !(meta = qb_path_join(root, "metadata"))) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
  /* the freed-version markers before any version: an interrupted drop must not leave markers without a
   * table, which would make a table created here later look like a resurrected v1 (QB_EEXISTS) */
  if (rc == QB_OK) {
    char *freed = qb_str_printf("%s-freed", meta);
    bool kept;
    rc = freed ? remove_tree(cat->io, freed, 1, &kept, err) : QB_FAIL(err, QB_ENOMEM, "out of memory");
    free(freed);
  }
  if (rc == QB_OK) rc = qb_fileio_list_dir(cat->io, meta, md_cb, &m, err);
  if (rc == QB_OK && m.n) qsort(m.v, m.n, sizeof *m.v, cmp_md);
  /* Oldest metadata first, the hint last: whatever an interruption leaves is either the current version
   * or no table, never an older version made current again. */
  for (size_t i = 0; rc == QB_OK && i < m.n; i++) {
    char *p = qb_path_join(meta, m.v[i].name);
    rc = p ? qb_fileio_delete(cat->io, p, err) : QB_FAIL(err, QB_ENOMEM, "out of memory");
    free(p);
  }
  if (rc == QB_OK) {
    char *h = qb_path_join(meta, QB_VERSION_HINT);
    rc = h ? qb_fileio_delete(cat->io, h, err) : QB_FAIL(err, QB_ENOMEM, "out of memory");
    free(h);
  }
  bool kept; /* tables nested in the directory stay (their own drop removes them) */
  if (rc == QB_OK) rc = remove_tree(cat->io, root, 0, &kept, err);
  for (size_t i = 0; i < m.n; i++) free(m.v[i].name);
  free(m.v);
  free(meta);
  free(root);
  return rc ? qb_err_wrap(err, "dropping table %s", table) : QB_OK;
}

int qb_catalog_rename_table(qb_catalog *cat, const char *table, const char *new_name, qb_err *err)
{
  char *from, *to = NULL, *file, *file2 = NULL;
  int rc = qb_catalog__resolve(cat, table, &from, &file, err);
  if (rc) return qb_err_wrap(err, "renaming table %s", table);
  free(file);
  bool is_table = false;
  rc = qb_hadoop__is_table_dir(cat->io, from, &is_table, err);
  if (rc == QB_OK && !is_table) rc = QB_FAIL(err, QB_ENOTFOUND, "%s is not a table (no metadata in %s/metadata)",
                                             table, from);
  if (rc == QB_OK) rc = qb_catalog__resolve(cat, new_name, &to, &file2, err);
  if (rc == QB_OK && file2) rc = QB_FAIL(err, QB_EINVAL, "new name %s is a metadata file, not a table", new_name);
  if (rc == QB_OK && !strcmp(from, to)) rc = QB_FAIL(err, QB_EINVAL, "%s and %s are the same table", table, new_name);
  if (rc == QB_OK) rc = qb_catalog__check_place(cat, new_name, to, false, err);
  if (rc == QB_OK) rc = qb_fileio_rename(cat->io, from, to, err);
  free(from);
  free(to);
  free(file2);
  return rc ? qb_err_wrap(err, "renaming table %s to %s", table, new_name) : QB_OK;
}
