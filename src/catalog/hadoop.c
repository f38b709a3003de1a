/* SPDX-License-Identifier: Apache-2.0 */
/* The Hadoop table layout (Java HadoopTableOperations, iceberg.md §5.1): metadata file names, the version
 * hint, and finding a table's current metadata file: hint, probe forward, else list metadata/. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_int.h"
#include "util/hash.h"
#include "util/str.h"

char *qb_path_join(const char *dir, const char *name)
{
  size_t n = strlen(dir);
  return qb_str_printf("%s%s%s", dir, n && dir[n - 1] == '/' ? "" : "/", name);
}

const char *qb_path_base(const char *path)
{
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

/* 8-4-4-4-12 hex digits */
static bool is_uuid(const char *s, size_t n)
{
  if (n != 36) return false;
  for (size_t i = 0; i < n; i++) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
    } else if (!isxdigit((unsigned char)s[i])) {
      return false;
    }
  }
  return true;
}

qb_mdname_kind qb_hadoop__parse_name(const char *name, int64_t *version)
{
  const char *p = name;
  bool hadoop = *p == 'v';
  if (hadoop) p++;
  const char *digits = p;
  while (*p >= '0' && *p <= '9') p++;
  size_t nd = (size_t)(p - digits);
  if (nd == 0 || nd > 10) return QB_MDNAME_NONE;
  int64_t v = 0;
  for (size_t i = 0; i < nd; i++) v = v * 10 + (digits[i] - '0');
  if (v > INT32_MAX) return QB_MDNAME_NONE; /* Java parses versions as int */
  qb_mdname_kind kind = QB_MDNAME_NONE;
  if (hadoop) {
    /* exactly v<digits><suffix>: "v3.1.metadata.json" or "vfinal.metadata.json" are not versions */
    if (!strcmp(p, ".metadata.json"))
      kind = QB_MDNAME_PLAIN;
    else if (!strcmp(p, ".gz.metadata.json"))
      kind = QB_MDNAME_GZ;
    else if (!strcmp(p, ".metadata.json.gz"))
      kind = QB_MDNAME_OLDGZ;
  } else if (*p == '-') {
    size_t n = strlen(name), stem;
    if (qb_str_has_suffix(name, ".metadata.json"))
      stem = n - strlen(".metadata.json");
    else if (qb_str_has_suffix(name, ".metadata.json.gz"))
      stem = n - strlen(".metadata.json.gz");
    else
      return QB_MDNAME_NONE;
    if (qb_str_has_suffix(name, ".gz.metadata.json")) stem -= 3;
    /* A bare "<uuid>.metadata.json" whose first group happens to be all digits is not "<N>-...": it is a
     * Java temporary file of an unfinished commit, or DuckDB's own naming. */
    if (stem > nd + 1 && !is_uuid(name, stem)) kind = QB_MDNAME_SEQ;
  }
  if (kind != QB_MDNAME_NONE) *version = v;
  return kind;
}

char *qb_hadoop__version_path(const char *meta_dir, int64_t version, qb_mdname_kind kind)
{
  const char *suffix = kind == QB_MDNAME_GZ      ? ".gz.metadata.json"
                       : kind == QB_MDNAME_OLDGZ ? ".metadata.json.gz"
                                                 : ".metadata.json";
  size_t n = strlen(meta_dir);
  return qb_str_printf("%s%sv%lld%s", meta_dir, n && meta_dir[n - 1] == '/' ? "" : "/", (long long)version,
                       suffix);
}

char *qb_hadoop__freed_marker(const char *meta_dir, int64_t version, const char *uuid)
{
  size_t n = strlen(meta_dir);
  while (n > 1 && meta_dir[n - 1] == '/') n--;
  return qb_str_printf("%.*s-freed/v%lld-%s", (int)n, meta_dir, (long long)version, uuid ? uuid : "no-uuid");
}

int qb_hadoop__mark_freed(qb_fileio *io, const char *meta_dir, const char *uuid, const char *version_file,
                          int64_t *version, qb_err *err)
{
  int64_t v;
  if (qb_hadoop__parse_name(qb_path_base(version_file), &v) == QB_MDNAME_NONE)
    return QB_FAIL(err, QB_EINVAL, "%s is not a metadata version file", version_file);
  if (version) *version = v;
  char *mark = qb_hadoop__freed_marker(meta_dir, v, uuid);
  if (!mark) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  /* the identity of the file freed (qb_hadoop__freed_identity); a file that cannot be read leaves an empty
   * marker, which says only that the number was used */
  char text[64] = "";
  uint8_t *json = NULL;
  size_t n = 0;
  qb_err e = QB_ERR_INIT;
  if (qb_hadoop__read_metadata(io, version_file, &json, &n, &e) == QB_OK)
    snprintf(text, sizeof text, "size=%zu hash=%016llx\n", n, (unsigned long long)qb_hash_bytes(json, n));
  free(json);
  /* exclusive: the first freer's identity stands. A later freer of the same number frees a fork published
   * on it since (clean-metadata deletes any version outside the log), and recording the fork would make it
   * vouch for itself: its writer's check would take it for its own freed version and acknowledge a commit
   * that is in no version. */
  int rc = qb_fileio_write_all(io, mark, text, strlen(text), QB_CREATE_EXCLUSIVE, err);
  if (rc == QB_EEXISTS) {
    qb_err_clear(err);
    rc = QB_OK;
  }
  free(mark);
  return rc ? qb_err_wrap(err, "marking version %lld freed before deleting %s", (long long)v, version_file) : QB_OK;
}

int qb_hadoop__free_version(qb_fileio *io, const char *meta_dir, const char *uuid, const char *version_file,
                            qb_err *err)
{
  int64_t v;
  /* the marker first: a crash in between leaves a marker of a version still there, which only makes a
   * (failing) publish of that taken name take itself back */
  int rc = qb_hadoop__mark_freed(io, meta_dir, uuid, version_file, &v, err);
  if (rc) return rc;
  rc = qb_fileio_delete(io, version_file, err);
  if (rc == QB_OK && v > QB_FREED_MARKERS_KEPT) {
    char *old = qb_hadoop__freed_marker(meta_dir, v - QB_FREED_MARKERS_KEPT, uuid);
    qb_err e = QB_ERR_INIT;
    if (old && qb_fileio_delete(io, old, &e) != QB_OK) qb_err_clear(&e);
    free(old);
  }
  return rc;
}

int qb_hadoop__version_freed(qb_fileio *io, const char *meta_dir, int64_t version, const char *uuid, bool *out,
                             qb_err *err)
{
  *out = false;
  char *mark = qb_hadoop__freed_marker(meta_dir, version, uuid);
  if (!mark) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  qb_stat st;
  int rc = qb_fileio_stat(io, mark, &st, err);
  free(mark);
  if (rc == QB_ENOTFOUND) {
    qb_err_clear(err);
    return QB_OK;
  }
  if (rc == QB_OK) *out = true;
  return rc;
}

typedef struct freed_any {
  char prefix[32]; /* "v<N>-" */
  bool found;
} freed_any;

static int freed_any_cb(void *ctx, const char *name, bool is_dir, qb_err *err)
{
  (void)err;
  freed_any *f = ctx;
  if (!is_dir && !strncmp(name, f->prefix, strlen(f->prefix))) {
    f->found = true;
    return 1; /* stop */
  }
  return QB_OK;
}

int qb_hadoop__freed_identity(qb_fileio *io, const char *meta_dir, int64_t version, const char *uuid, bool *known,
                              uint64_t *size, uint64_t *hash, qb_err *err)
{
  *known = false;
  char *mark = qb_hadoop__freed_marker(meta_dir, version, uuid);
  if (!mark) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  uint8_t *text = NULL;
  size_t n = 0;
  int rc = qb_fileio_read_all(&text, &n, io, mark, 256, err);
  free(mark);
  if (rc == QB_ENOTFOUND) {
    qb_err_clear(err);
    return QB_OK;
  }
  if (rc) return rc;
  unsigned long long s, h;
  *known = sscanf((const char *)text, "size=%llu hash=%llx", &s, &h) == 2; /* read_all ends it with a NUL */
  if (*known) *size = s, *hash = h;
  free(text);
  return QB_OK;
}

int qb_hadoop__version_freed_any(qb_fileio *io, const char *meta_dir, int64_t version, bool *out, qb_err *err)
{
  *out = false;
  char *mark = qb_hadoop__freed_marker(meta_dir, version, "");
  if (!mark) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  char *slash = strrchr(mark, '/');
  freed_any f = {{0}, false};
  snprintf(f.prefix, sizeof f.prefix, "%s", slash + 1);
  *slash = '\0';
  int rc = qb_fileio_list_dir(io, mark, freed_any_cb, &f, err);
  free(mark);
  if (rc == 1 || rc == QB_ENOTFOUND) {
    qb_err_clear(err);
    rc = QB_OK;
  }
  *out = f.found;
  return rc;
}

int qb_hadoop__read_metadata(qb_fileio *io, const char *path, uint8_t **out, size_t *out_n, qb_err *err)
{
  uint8_t *p;
  size_t n;
  int rc = qb_fileio_read_all(&p, &n, io, path, QB_MAX_METADATA_BYTES, err);
  if (rc) return rc;
  /* compressed by content, whatever the name says: DuckDB and old Java name gzip files differently */
  uint8_t *plain;
  size_t plain_n;
  rc = qb_metadata__decompress(p, n, QB_MAX_METADATA_BYTES, &plain, &plain_n, err);
  if (rc) {
    free(p);
    return qb_err_wrap(err, "%s", path);
  }
  if (plain) {
    free(p);
    p = plain;
    n = plain_n;
  }
  *out = p;
  *out_n = n;
  return QB_OK;
}

/* QB_OK with *exists set, or an I/O error. */
static int exists(qb_fileio *io, const char *path, bool *out, qb_err *err)
{
  qb_stat st;
  int rc = qb_fileio_stat(io, path, &st, err);
  *out = rc == QB_OK;
  if (rc == QB_ENOTFOUND) {
    qb_err_clear(err);
    return QB_OK;
  }
  return rc;
}

typedef struct version_scan {
  int64_t version;
  char *name;
} version_scan;

static int version_scan_cb(void *ctx, const char *path, const qb_stat *st, qb_err *err)
{
  version_scan *vs = ctx;
  int64_t v;
  const char *name = qb_path_base(path);
  qb_mdname_kind k = qb_hadoop__parse_name(name, &v);
  if (k == QB_MDNAME_NONE || k == QB_MDNAME_SEQ || v != vs->version) return QB_OK;
  /* the forms in Java's probing order: plain, then .gz.metadata.json, then .metadata.json.gz */
  if (vs->name) {
    int64_t w;
    if (qb_hadoop__parse_name(vs->name, &w) <= k) return QB_OK;
    free(vs->name);
  }
  vs->name = strdup(name);
  return vs->name ? QB_OK : QB_FAIL(err, QB_ENOMEM, "out of memory");
}

/* The file of version v in any of Java's three name forms; *path_out NULL when none exists. On a store
 * without directories one prefix listing ("v<N>.") answers for all forms in one request instead of three
 * HEADs; on a file system (QB_IO_RENAME) three stats are cheaper than reading a large metadata/. */
static int find_version_file(qb_fileio *io, const char *meta_dir, int64_t v, char **path_out, qb_err *err)
{
  static const qb_mdname_kind kinds[] = {QB_MDNAME_PLAIN, QB_MDNAME_GZ, QB_MDNAME_OLDGZ};
  *path_out = NULL;
  if (!qb_fileio_can(io, QB_IO_RENAME) && qb_fileio_can(io, QB_IO_LIST)) {
    size_t n = strlen(meta_dir);
    char *prefix = qb_str_printf("%s%sv%lld.", meta_dir, n && meta_dir[n - 1] == '/' ? "" : "/", (long long)v);
    if (!prefix) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    version_scan vs = {v, NULL};
    int rc = qb_fileio_list(io, prefix, version_scan_cb, &vs, err);
    free(prefix);
    if (rc == QB_OK && vs.name && !(*path_out = qb_path_join(meta_dir, vs.name)))
      rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
    free(vs.name);
    return rc;
  }
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
    char *p = qb_hadoop__version_path(meta_dir, v, kinds[i]);
    if (!p) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    bool e;
    int rc = exists(io, p, &e, err);
    if (rc || e) {
      if (e) *path_out = p; else free(p);
      return rc;
    }
    free(p);
  }
  return QB_OK;
}

int qb_hadoop__probe_forward(qb_fileio *io, const char *meta_dir, int64_t from, int64_t *out, char **path_out,
                             qb_err *err)
{
  *out = from;
  *path_out = NULL;
  for (;;) {
    char *p;
    int rc = find_version_file(io, meta_dir, *out + 1, &p, err);
    if (rc) return rc;
    if (!p) return QB_OK;
    free(*path_out);
    *path_out = p;
    (*out)++;
  }
}

/* A hint that is not a number may name the file stem, as DuckDB writes it ("00001-<uuid>"): DuckDB opens
 * "v<hint>.metadata.json", then "<hint>.metadata.json". Only plain file-name characters are accepted. */
static bool is_stem(const char *s)
{
  if (!*s || *s == '.' || strlen(s) > 200 || strstr(s, "..")) return false;
  for (; *s; s++)
    if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.') return false;
  return true;
}

typedef struct best_name {
  int64_t version;
  qb_mdname_kind kind;
  char *name;
} best_name;

static int list_cb(void *ctx, const char *name, bool is_dir, qb_err *err)
{
  best_name *b = ctx;
  int64_t v;
  qb_mdname_kind k = is_dir ? QB_MDNAME_NONE : qb_hadoop__parse_name(name, &v);
  if (k == QB_MDNAME_NONE) return QB_OK;
  /* The highest version wins; at a tie the Hadoop name (this catalog's own) beats a metastore-style name,
   * and among several "<N>-..." names of one N the greatest name wins (as DuckDB's version guessing). */
  bool better = !b->name || v > b->version ||
                (v == b->version && ((k != QB_MDNAME_SEQ && b->kind == QB_MDNAME_SEQ) ||
                                     (k == b->kind && strcmp(name, b->name) > 0)));
  if (!better) return QB_OK;
  char *c = strdup(name);
  if (!c) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  free(b->name);
  b->name = c;
  b->version = v;
  b->kind = k;
  return QB_OK;
}

static int read_hint(qb_fileio *io, const char *meta_dir, char **out, qb_err *err)
{
  *out = NULL;
  char *hp = qb_path_join(meta_dir, QB_VERSION_HINT);
  if (!hp) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  uint8_t *p = NULL;
  size_t n;
  /* Another writer may replace the hint while we read it (an S3 GET then sees a changed object): read
   * again. The hint is only a shortcut, so a hint that cannot be read is no hint (Java: any error while
   * reading it falls back to listing); listing reports a store that really fails. */
  int rc = QB_EIO;
  for (int tries = 0; tries < 3 && rc != QB_OK && rc != QB_ENOTFOUND && rc != QB_ELIMIT; tries++)
    rc = qb_fileio_read_all(&p, &n, io, hp, 4096, err);
  free(hp);
  if (rc) {
    qb_err_clear(err);
    return QB_OK;
  }
  /* Java writes the bare number; tolerate surrounding whitespace and a newline from hand-made hints */
  size_t a = 0, b = n;
  while (a < b && isspace(p[a])) a++;
  while (b > a && isspace(p[b - 1])) b--;
  memmove(p, p + a, b - a);
  p[b - a] = '\0';
  if (strlen((char *)p) != b - a) p[0] = '\0'; /* NUL bytes inside: garbage */
  *out = (char *)p;
  return QB_OK;
}

int qb_hadoop__find_current(qb_fileio *io, const char *meta_dir, char **path_out, int64_t *version_out,
                            bool *hint_stale, qb_err *err)
{
  *path_out = NULL;
  *version_out = -1;
  if (hint_stale) *hint_stale = false;
  int64_t hint_number = -1;
  char *hint, *path = NULL;
  int64_t version = -1;
  int rc = read_hint(io, meta_dir, &hint, err);
  if (rc) return rc;
  int64_t hv;
  if (hint && hint[0] >= '0' && hint[0] <= '9' && qb_str_to_i64(hint, &hv) && hv >= 0 && hv <= INT32_MAX) {
    hint_number = hv;
    /* a hint naming a missing version (deleted files, a hint written by hand): fall back to listing,
     * as iceberg-go does, rather than fail as Java does */
    rc = find_version_file(io, meta_dir, hv, &path, err);
    if (path) version = hv;
  } else if (hint && is_stem(hint)) {
    static const char *const forms[] = {"v%s.metadata.json", "%s.metadata.json", "v%s.gz.metadata.json",
                                        "%s.gz.metadata.json"};
    for (size_t i = 0; rc == QB_OK && !path && i < sizeof forms / sizeof forms[0]; i++) {
      char name[256];
      snprintf(name, sizeof name, forms[i], hint);
      char *p = qb_path_join(meta_dir, name);
      bool e = false;
      if (!p) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
      else rc = exists(io, p, &e, err);
      if (e) {
        path = p;
        int64_t v;
        version = qb_hadoop__parse_name(name, &v) != QB_MDNAME_NONE ? v : -1;
      } else {
        free(p);
      }
    }
  }
  free(hint);
  if (rc) return rc;
  if (!path) {
    best_name b = {-1, QB_MDNAME_NONE, NULL};
    rc = qb_fileio_list_dir(io, meta_dir, list_cb, &b, err);
    if (rc == QB_ENOTFOUND || (rc == QB_OK && !b.name)) {
      free(b.name);
      qb_err_clear(err);
      return QB_FAIL(err, QB_ENOTFOUND, "%s: no metadata file (v<N>.metadata.json)", meta_dir);
    }
    if (rc == QB_OK && !(path = qb_path_join(meta_dir, b.name))) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
    version = b.version;
    free(b.name);
    if (rc) return rc;
  }
  /* the hint may be stale: later versions may exist (the hint is written after the version) */
  if (version >= 0) {
    int64_t last;
    char *newer;
    rc = qb_hadoop__probe_forward(io, meta_dir, version, &last, &newer, err);
    if (rc) {
      free(path);
      return rc;
    }
    if (newer) {
      free(path);
      path = newer;
      version = last;
    }
  }
  /* a number that is not the current version: a writer died between its version and the hint, or the
   * hint's write failed (qb_table_repair_version_hint) */
  if (hint_stale) *hint_stale = hint_number >= 0 && version >= 0 && hint_number != version;
  *path_out = path;
  *version_out = version;
  return QB_OK;
}

int qb_hadoop__max_version(qb_fileio *io, const char *meta_dir, int64_t *out, qb_err *err)
{
  best_name b = {-1, QB_MDNAME_NONE, NULL};
  int rc = qb_fileio_list_dir(io, meta_dir, list_cb, &b, err);
  free(b.name);
  *out = b.version;
  if (rc == QB_ENOTFOUND) {
    qb_err_clear(err);
    rc = QB_OK;
  }
  return rc;
}

static int is_table_cb(void *ctx, const char *name, bool is_dir, qb_err *err)
{
  int64_t v;
  if (!is_dir && (!strcmp(name, QB_VERSION_HINT) || qb_hadoop__parse_name(name, &v) != QB_MDNAME_NONE)) {
    *(bool *)ctx = true;
    return 1; /* stop */
  }
  return QB_OK;
}

int qb_hadoop__is_table_dir(qb_fileio *io, const char *dir, bool *out, qb_err *err)
{
  *out = false;
  char *md = qb_path_join(dir, "metadata");
  if (!md) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  int rc = qb_fileio_list_dir(io, md, is_table_cb, out, err);
  free(md);
  if (rc == 1 || rc == QB_ENOTFOUND) {
    qb_err_clear(err);
    return QB_OK;
  }
  return rc;
}

int qb_hadoop__write_hint(qb_fileio *io, const char *meta_dir, int64_t version, qb_err *err)
{
  char *hp = qb_path_join(meta_dir, QB_VERSION_HINT);
  if (!hp) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  char num[24];
  int n = snprintf(num, sizeof num, "%lld", (long long)version);
  /* one atomic overwrite: readers see the old or the new number, never a missing hint (Java deletes the
   * hint and then renames a new one in, so its readers can find none) */
  int rc = qb_fileio_write_all(io, hp, num, (size_t)n, QB_CREATE_OVERWRITE_VOLATILE, err);
  free(hp);
  return rc;
}
