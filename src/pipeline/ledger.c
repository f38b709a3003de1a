/* SPDX-License-Identifier: Apache-2.0 */
/* Which listed raw files are new (docs/PIPELINE.md "Which files are new"), reading the ledger rows of the
 * last batch instead of one row per file ever ingested: each ledger commit carries, per raw folder, the range
 * of names the ledger held before the batch, with the count and hash sum of the listed files in that range.
 * A listed file outside the range is new unless the previous batch recorded it; a listing whose count or sum
 * in the range differs (a late file with an old name, a deleted or restored raw file) falls back to reading
 * the whole `file` column, as does a ledger without the summary (older warehouses, foreign commits). */
#include "pipeline/ledger.h"
#include "pipeline/raw_vqe.h"
#include "pipeline/table_binding.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qberg/scan.h"
#include "util/buf.h"
#include "util/str.h"

void qb_raw_list_free(qb_raw_list *l)
{
  for (size_t i = 0; i < l->n; i++) free(l->v[i].path);
  free(l->v);
  memset(l, 0, sizeof *l);
}

/* "{counter}-{unix_nano}.json|.avro" */
static bool parse_base(const char *base, uint64_t *counter, uint64_t *nano)
{
  char *end;
  if (*base < '0' || *base > '9') return false;
  unsigned long long c = strtoull(base, &end, 10);
  if (*end != '-' || end[1] < '0' || end[1] > '9') return false;
  char *end2;
  unsigned long long ns = strtoull(end + 1, &end2, 10);
  if (strcmp(end2, ".json") && strcmp(end2, ".avro")) return false;
  *counter = c;
  *nano = ns;
  return true;
}

/* The range order: other names first, by name; then patterned names by unix_nano (the write time: a
 * restarted producer's counter starts again, its clock does not), then counter, then name. Stray names
 * first, so that one in the ledger widens the folder's range downwards, where only stray names and late
 * files with old names land, and the normal new file (a later unix_nano) stays after the range: decided
 * without reading a row. (Before, stray names sorted last, and every later new file fell inside the range.
 * A summary written under that order whose range mixes both kinds reads as reversed here, and the other way
 * round: it is refused, the batch reads the ledger once and writes a summary in this order.) */
int qb_ledger__cmp_base(const char *a, const char *b)
{
  uint64_t ca = 0, na = 0, cb = 0, nb = 0;
  bool pa = parse_base(a, &ca, &na), pb = parse_base(b, &cb, &nb);
  if (pa != pb) return pa ? 1 : -1;
  if (pa) {
    if (na != nb) return na < nb ? -1 : 1;
    if (ca != cb) return ca < cb ? -1 : 1;
  }
  int c = strcmp(a, b);
  return c < 0 ? -1 : c > 0;
}

/* The processing order, folder, then counter and unix_nano: the order Redpanda Connect wrote them. */
static int cmp_raw(const void *a, const void *b)
{
  const qb_raw_file *x = a, *y = b;
  size_t dx = x->dir_len, dy = y->dir_len;
  int c = strncmp(x->path, y->path, dx < dy ? dx : dy);
  if (c || dx != dy) return c ? c : (dx < dy ? -1 : 1);
  if (x->patterned != y->patterned) return x->patterned ? -1 : 1;
  if (x->patterned) {
    if (x->counter != y->counter) return x->counter < y->counter ? -1 : 1;
    if (x->nano != y->nano) return x->nano < y->nano ? -1 : 1;
  }
  return strcmp(x->path, y->path);
}

/* ---- folders ----------------------------------------------------------------------------------------- */

static void split(const char *path, size_t *dir_len, const char **base)
{
  const char *s = strrchr(path, '/');
  *dir_len = s ? (size_t)(s - path) : 0;
  *base = s ? s + 1 : path;
}

static qb_ledger_dir *find_dir(qb_ledger *l, const char *dir, size_t n)
{
  if (l->last_hit < l->n_dirs) {
    qb_ledger_dir *d = &l->dirs[l->last_hit];
    if (strlen(d->dir) == n && !memcmp(d->dir, dir, n)) return d;
  }
  for (size_t i = 0; i < l->n_dirs; i++)
    if (strlen(l->dirs[i].dir) == n && !memcmp(l->dirs[i].dir, dir, n)) {
      l->last_hit = i;
      return &l->dirs[i];
    }
  return NULL;
}

static int add_dir(qb_ledger_dir **out, qb_ledger *l, const char *dir, size_t n, qb_err *err)
{
  if (l->n_dirs == l->cap_dirs) {
    size_t cap = l->cap_dirs ? l->cap_dirs * 2 : 8;
    qb_ledger_dir *v = realloc(l->dirs, cap * sizeof *v);
    if (!v) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    l->dirs = v;
    l->cap_dirs = cap;
  }
  qb_ledger_dir *d = &l->dirs[l->n_dirs];
  memset(d, 0, sizeof *d);
  if (!(d->dir = strndup(dir, n))) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  l->last_hit = l->n_dirs++;
  *out = d;
  return QB_OK;
}

static int get_dir(qb_ledger_dir **out, qb_ledger *l, const char *dir, size_t n, qb_err *err)
{
  *out = find_dir(l, dir, n);
  return *out ? QB_OK : add_dir(out, l, dir, n, err);
}

static bool within(const qb_ledger_range *r, const char *base)
{
  return r->first && qb_ledger__cmp_base(base, r->first) >= 0 && qb_ledger__cmp_base(base, r->last) <= 0;
}

/* Widen r to hold base. */
static int extend(qb_ledger_range *r, const char *base, qb_err *err)
{
  char **ends[2] = {&r->first, &r->last};
  for (int i = 0; i < 2; i++) {
    char **e = ends[i];
    if (*e && (i ? qb_ledger__cmp_base(base, *e) <= 0 : qb_ledger__cmp_base(base, *e) >= 0)) continue;
    char *c = strdup(base);
    if (!c) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    free(*e);
    *e = c;
  }
  return QB_OK;
}

static void add(qb_ledger_range *r, uint64_t h)
{
  r->count++;
  r->hash += h;
}

static bool same_set(const qb_ledger_range *a, const qb_ledger_range *b)
{
  return a->count == b->count && a->hash == b->hash;
}

static void range_free(qb_ledger_range *r)
{
  free(r->first);
  free(r->last);
  r->first = r->last = NULL;
}

/* ---- the summary: "base <snapshot id>\n", then per folder
 * "<len>:<dir> <len>:<first><len>:<last> <count> <hash> <len>:<first><len>:<last> <count> <hash>\n"
 * (the range and its set, then the batch's files outside it; an empty range has empty names) ------------ */

/* strtoull also takes leading blanks (newlines too), a sign and "0x": the summary's numbers never have
 * them, so a text with them is not one qberg wrote. */
static bool digit_at(const char *p, int base)
{
  return (*p >= '0' && *p <= '9') || (base == 16 && ((*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F')));
}

static const char *parse_str(char **out, const char *s)
{
  char *end;
  if (!digit_at(s, 10)) return NULL;
  unsigned long long n = strtoull(s, &end, 10);
  if (*end != ':' || n > strlen(end + 1)) return NULL;
  if (!(*out = strndup(end + 1, (size_t)n))) return NULL;
  return end + 1 + n;
}

static const char *parse_range(qb_ledger_range *r, const char *p)
{
  if (!p || *p != ' ' || !(p = parse_str(&r->first, p + 1)) || !(p = parse_str(&r->last, p)) || *p != ' ')
    return NULL;
  char *end;
  if (!digit_at(p + 1, 10)) return NULL;
  r->count = strtoull(p + 1, &end, 10);
  if (*end != ' ' || !digit_at(end + 1, 16) || (end[2] == 'x' || end[2] == 'X')) return NULL;
  p = end + 1;
  r->hash = strtoull(p, &end, 16);
  if (!r->first[0] || !r->last[0]) {
    if (r->first[0] || r->last[0] || r->count) return NULL;
    range_free(r);
  } else if (qb_ledger__cmp_base(r->first, r->last) > 0) {
    return NULL; /* a reversed range holds no name: every listed file would pass for new */
  }
  return end;
}

static void free_dirs(qb_ledger *l)
{
  for (size_t i = 0; i < l->n_dirs; i++) {
    qb_ledger_dir *d = &l->dirs[i];
    free(d->dir);
    range_free(&d->r);
    range_free(&d->t);
    range_free(&d->nr);
    range_free(&d->nt);
  }
  free(l->dirs);
  l->dirs = NULL;
  l->n_dirs = l->cap_dirs = l->last_hit = 0;
}

bool qb_ledger__parse(qb_ledger *l, const char *s)
{
  free_dirs(l);
  char *end;
  if (strncmp(s, "base ", 5) || !(digit_at(s + 5, 10) || (s[5] == '-' && s[6] == '1'))) return false;
  l->base = strtoll(s + 5, &end, 10);
  if (end == s + 5 || *end != '\n' || l->base < -1) return false;
  s = end + 1;
  while (*s) {
    qb_ledger_dir d = {0};
    const char *p = parse_str(&d.dir, s);
    p = parse_range(&d.r, p);
    p = parse_range(&d.t, p);
    qb_ledger_dir *slot = NULL;
    qb_err e = QB_ERR_INIT;
    if (p && *p == '\n' && !find_dir(l, d.dir, strlen(d.dir)) && add_dir(&slot, l, d.dir, strlen(d.dir), &e) == QB_OK) {
      free(slot->dir);
      *slot = d;
      s = p + 1;
      continue;
    }
    free(d.dir);
    range_free(&d.r);
    range_free(&d.t);
    free_dirs(l);
    return false;
  }
  return true;
}

static int put_range(qb_buf *b, const qb_ledger_range *r, qb_err *err)
{
  const char *f = r->first ? r->first : "", *t = r->last ? r->last : "";
  return qb_buf_printf(b, err, " %zu:%s%zu:%s %" PRIu64 " %016" PRIx64, strlen(f), f, strlen(t), t,
                       r->first ? r->count : 0, r->first ? r->hash : 0);
}

int qb_ledger_summary(char **out, const qb_ledger *l, qb_err *err)
{
  qb_buf b;
  qb_buf_init(&b, SIZE_MAX);
  int rc = qb_buf_printf(&b, err, "base %lld\n", (long long)l->current);
  for (size_t i = 0; rc == QB_OK && i < l->n_dirs; i++) {
    const qb_ledger_dir *d = &l->dirs[i];
    if (!d->nr.first && !d->nt.first) continue;
    rc = qb_buf_printf(&b, err, "%zu:%s", strlen(d->dir), d->dir);
    if (rc == QB_OK) rc = put_range(&b, &d->nr, err);
    if (rc == QB_OK) rc = put_range(&b, &d->nt, err);
    if (rc == QB_OK) rc = qb_buf_putc(&b, '\n', err);
  }
  if (rc == QB_OK) rc = qb_buf_cstr(&b, err);
  if (rc) {
    qb_buf_free(&b);
    return rc;
  }
  size_t n;
  *out = (char *)qb_buf_detach(&b, &n);
  return QB_OK;
}

/* ---- reading ----------------------------------------------------------------------------------------- */

/* A summary is used only on the snapshot that wrote it, whose parent is its base: then the rows after
 * the base are the ones that snapshot appended — or on a compaction of it (`replace`: the same rows),
 * which carries the summary with the parent of the snapshot that wrote it (qb_snapshot_origin; before, a
 * `maintain compact` or `maintain all` of the ledger made the next batch read every row). Anything else (a
 * foreign append, a commit that retried onto another parent) makes the batch read every row, and write a
 * new summary. */
static bool usable_summary(qb_ledger *l, const qb_snapshot *cur)
{
  const char *v = cur ? qb_snapshot_summary_get(cur, QB_LEDGER_SUMMARY_KEY) : NULL;
  if (!v || !qb_ledger__parse(l, v)) return false;
  int64_t origin, parent;
  qb_snapshot_origin(cur, &origin, &parent);
  return parent == l->base;
}

/* `base` is on the current snapshot's parent chain, every snapshot between them kept */
static bool reaches(const qb_table_metadata *md, int64_t base)
{
  const qb_snapshot *s = qb_table_metadata_current_snapshot(md);
  for (size_t hops = 0; s && hops <= qb_table_metadata_n_snapshots(md); hops++) {
    if (s->snapshot_id == base) return true;
    s = s->has_parent ? qb_table_metadata_snapshot_by_id(md, s->parent_id) : NULL;
  }
  return false;
}

/* Ledger rows (all, or those after l->base): their path hashes into l->seen, their names into the next
 * summary's ranges, and those outside the folder's range read into d->rows. */
static int read_rows(qb_ledger *l, bool all, qb_err *err)
{
  const char *cols[1] = {l->file_col};
  qb_scan_options o = QB_SCAN_OPTIONS_INIT;
  o.columns = cols;
  o.n_columns = 1;
  if (!all && l->base != -1) {
    /* the base expired (`maintain expire-snapshots` keeps the current snapshot, not its parent), or a
     * snapshot between (the one a compaction replaced): an incremental scan from it fails, and every row
     * is read instead (the same answer, as on a mismatch) */
    const qb_table_metadata *md;
    int rc = qb_table_get_metadata(&md, l->table, err);
    if (rc) return rc;
    if (!reaches(md, l->base)) all = true;
  }
  if (!all) o.after_snapshot_id = l->base;
  qb_scan *s = NULL;
  int rc = qb_scan_new(&s, l->table, &o, err);
  const qb_value *row;
  char *path = NULL;
  while (rc == QB_OK && (rc = qb_scan_next(&row, s, err)) == QB_OK && row) {
    const qb_value *f = &row->u.seq.items[0];
    if (f->kind != QB_V_STRING) continue;
    l->rows_read++;
    uint64_t h = qb_hash_bytes(f->u.bytes.p, f->u.bytes.n);
    rc = qb_u64set_add(&l->seen, h, err);
    free(path);
    if (rc == QB_OK && !(path = strndup((const char *)f->u.bytes.p, f->u.bytes.n)))
      rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
    if (rc) break;
    size_t dn;
    const char *base;
    split(path, &dn, &base);
    qb_ledger_dir *d;
    if ((rc = get_dir(&d, l, path, dn, err)) == QB_OK && !within(&d->r, base)) add(&d->rows, h);
    if (rc == QB_OK) rc = extend(&d->nr, base, err);
  }
  free(path);
  qb_scan_free(s);
  if (all) l->all_read = true;
  l->tail_read = true;
  return rc ? qb_err_wrap(err, "reading the ledger %s", QB_LEDGER_TABLE) : QB_OK;
}

int qb_ledger_open(qb_ledger *l, qb_table *table, const qb_schema *schema, qb_err *err)
{
  memset(l, 0, sizeof *l);
  l->table = table;
  l->base = l->current = -1;
  qb_u64set_init(&l->seen);
  static const char *const file_col[] = {"file"};
  const char *now;
  int rc = qb_vqe__column_names(&now, table, schema, file_col, 1, err);
  if (rc) return rc;
  if (!(l->file_col = strdup(now))) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  const qb_table_metadata *md;
  rc = qb_table_get_metadata(&md, table, err);
  if (rc) return rc;
  const qb_snapshot *cur = qb_table_metadata_current_snapshot(md);
  if (!cur) return QB_OK; /* no row */
  l->current = cur->snapshot_id;
  if (usable_summary(l, cur)) {
    /* the next range: this one plus the rows after the base outside it, which all lie in t */
    for (size_t i = 0; i < l->n_dirs; i++) {
      qb_ledger_dir *d = &l->dirs[i];
      const char *ends[4] = {d->r.first, d->r.last, d->t.first, d->t.last};
      for (int k = 0; rc == QB_OK && k < 4; k++)
        if (ends[k]) rc = extend(&d->nr, ends[k], err);
      if (rc) return rc;
    }
    return QB_OK;
  }
  free_dirs(l);
  l->legacy = true;
  return read_rows(l, true, err);
}

/* ---- listing ----------------------------------------------------------------------------------------- */

typedef struct list_ctx {
  qb_ledger *l;
  qb_raw_list *out;
  int pass; /* 1: every file; 2: only the ranges of mismatching folders */
  uint64_t listed;
  int rc;    /* want_listed's failure (it cannot return one), with its message in err */
  qb_err err;
} list_ctx;

static int keep(qb_raw_list *out, const char *path, const char *base, const qb_stat *st, qb_err *err)
{
  if (out->n == out->cap) {
    size_t cap = out->cap ? out->cap * 2 : 256;
    qb_raw_file *v = realloc(out->v, cap * sizeof *v);
    if (!v) return QB_FAIL(err, QB_ENOMEM, "out of memory listing raw files");
    out->v = v;
    out->cap = cap;
  }
  qb_raw_file *f = &out->v[out->n];
  memset(f, 0, sizeof *f);
  if (!(f->path = strdup(path))) return QB_FAIL(err, QB_ENOMEM, "out of memory listing raw files");
  f->size = st->size_bytes;
  f->mtime_ms = st->mtime_ms;
  f->dir_len = (size_t)(base - path) - (base > path); /* split's: the folder without its '/' */
  f->patterned = parse_base(base, &f->counter, &f->nano);
  out->n++;
  return QB_OK;
}

/* .json: Redpanda Connect; .avro: Kafka Connect's S3 sink (Object Container Files). Others: temp files. */
static bool is_raw_name(const char *base)
{
  return base[0] != '.' && (qb_str_has_suffix(base, ".json") || qb_str_has_suffix(base, ".avro"));
}

/* A raw file whose path is not valid UTF-8 is left out (ledger.h); pass one notes it. */
static bool bad_path(list_ctx *c, const char *path)
{
  if (qb_vqe_utf8_valid(path, strlen(path))) return false;
  qb_ledger *l = c->l;
  if (c->pass == 1) {
    if (l->bad_paths < QB_LEDGER_BAD_PATHS && !(l->bad_path[l->bad_paths] = strdup(path)) && !c->rc)
      c->rc = QB_FAIL(&c->err, QB_ENOMEM, "out of memory listing raw files");
    l->bad_paths++;
  }
  return true;
}

/* Pass one, before the listing stats the file (on_listed's pass one for the files whose size is not needed
 * yet): a raw file inside its folder's recorded range is only counted (decided after the listing by the
 * folder's count and sum); one in the last batch's range is a candidate that is most likely in the ledger,
 * kept without its size (qb_ledger_discover stats the few that turn out new). Every other file is listed
 * with its size, through on_listed. */
static bool want_listed(void *ctx, const char *path)
{
  list_ctx *c = ctx;
  if (c->pass != 1) return true;
  if (c->rc) return false; /* failed: the listing's end reports it */
  size_t dn;
  const char *base;
  split(path, &dn, &base);
  if (!is_raw_name(base) || bad_path(c, path)) return false;
  qb_ledger_dir *d = find_dir(c->l, path, dn);
  if (!d) return true;
  bool inside = within(&d->r, base);
  if (!inside && !within(&d->t, base)) return true;
  uint64_t h = qb_hash_bytes(path, strlen(path));
  c->listed++;
  d->listed = true;
  if (inside) {
    add(&d->l, h);
    return false;
  }
  add(&d->lt, h);
  qb_stat unknown = {QB_SIZE_UNKNOWN, 0};
  c->rc = keep(c->out, path, base, &unknown, &c->err);
  return false;
}

/* The sizes of the files kept without one (want_listed) that are new after all: stat'ed one by one. A file
 * gone since the listing leaves the batch, as if listed a moment later. */
static int stat_unsized(qb_raw_list *out, qb_fileio *io, qb_err *err)
{
  size_t k = 0;
  for (size_t i = 0; i < out->n; i++) {
    qb_raw_file *f = &out->v[i];
    if (f->size == QB_SIZE_UNKNOWN) {
      qb_stat st;
      int rc = qb_fileio_stat(io, f->path, &st, err);
      if (rc == QB_ENOTFOUND) {
        qb_err_clear(err);
        free(f->path);
        continue;
      }
      if (rc) return rc;
      f->size = st.size_bytes;
      f->mtime_ms = st.mtime_ms;
    }
    out->v[k++] = *f;
  }
  out->n = k;
  return QB_OK;
}

static int on_listed(void *ctx, const char *path, const qb_stat *st, qb_err *err)
{
  list_ctx *c = ctx;
  qb_ledger *l = c->l;
  size_t dn;
  const char *base;
  split(path, &dn, &base);
  if (!is_raw_name(base)) return QB_OK;
  if (bad_path(c, path)) { /* S3 lists without asking want_listed */
    if (c->rc) *err = c->err;
    return c->rc;
  }
  qb_ledger_dir *d = find_dir(l, path, dn);
  bool inside = d && within(&d->r, base);
  uint64_t h = qb_hash_bytes(path, strlen(path));
  if (c->pass == 2) {
    if (!inside || !d->mismatch) return QB_OK; /* decided by pass one */
    if (!qb_u64set_has(&l->seen, h)) return keep(c->out, path, base, st, err);
    add(&d->l, h);
    return QB_OK;
  }
  c->listed++;
  if (d) d->listed = true;
  if (inside) { /* decided after the listing, by the folder's count and sum */
    add(&d->l, h);
    return QB_OK;
  }
  if (d && within(&d->t, base)) add(&d->lt, h);
  return keep(c->out, path, base, st, err); /* a candidate: decided after the listing */
}

/* Candidates in the ledger leave `out` (and count in the folder's next set). */
static int settle_candidates(qb_ledger *l, qb_raw_list *out, qb_err *err)
{
  size_t k = 0;
  for (size_t i = 0; i < out->n; i++) {
    qb_raw_file *f = &out->v[i];
    size_t dn;
    const char *base;
    split(f->path, &dn, &base);
    qb_ledger_dir *d = find_dir(l, f->path, dn);
    uint64_t h = qb_hash_bytes(f->path, strlen(f->path));
    bool in_ledger;
    if (l->all_read) {
      in_ledger = qb_u64set_has(&l->seen, h);
    } else if (!d || !within(&d->t, base)) {
      in_ledger = false; /* outside every range: no ledger row can hold it */
    } else if (same_set(&d->lt, &d->t)) {
      in_ledger = true; /* the listing shows the last batch's files there, and only them */
    } else {
      int rc = l->tail_read ? QB_OK : read_rows(l, false, err); /* a late file among them: the rows decide */
      if (rc) return rc;
      in_ledger = qb_u64set_has(&l->seen, h);
    }
    if (!in_ledger) {
      out->v[k++] = *f;
      continue;
    }
    if (!d) d = find_dir(l, f->path, dn); /* read_rows added it */
    if (d) {
      d->listed = true;
      add(&d->x, h);
    }
    free(f->path);
  }
  out->n = k;
  return QB_OK;
}

int qb_ledger_discover(qb_raw_list *out, uint64_t *listed, qb_ledger *l, qb_fileio *io, const char *prefix,
                       qb_err *err)
{
  memset(out, 0, sizeof *out);
  /* --raw names a folder: list "<folder>/", so that on an object store, where a listing is a key prefix,
   * s3://b/in/vqe does not also take s3://b/in/vqe-archive/. Spelled one way (qb_uri_normalize: a local
   * "./in", "in//" and "in/" all list as "in/"), as the listing's paths are the ledger's keys: each spelling
   * read every file again. */
  char *norm = NULL, *folder = NULL;
  int rc = qb_uri_normalize(&norm, prefix, err);
  if (rc) return qb_err_wrap(err, "raw files under %s", prefix);
  size_t pn = strlen(norm);
  folder = pn && norm[pn - 1] != '/' ? qb_str_printf("%s/", norm) : norm;
  if (folder != norm) free(norm);
  if (!folder) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  list_ctx c = {l, out, 1, 0, QB_OK, QB_ERR_INIT};
  rc = qb_fileio_list_filtered(io, folder, want_listed, on_listed, &c, err);
  if (rc == QB_OK && c.rc) {
    rc = c.rc;
    *err = c.err;
  }
  bool again = false;
  for (size_t i = 0; rc == QB_OK && i < l->n_dirs; i++) {
    qb_ledger_dir *d = &l->dirs[i];
    if (!d->r.first || !d->listed || same_set(&d->l, &d->r)) continue;
    /* a late file in the range, or a raw file deleted or restored: the rows decide */
    d->mismatch = again = true;
    d->l.count = d->l.hash = 0;
  }
  if (rc == QB_OK && again && !l->all_read) rc = read_rows(l, true, err);
  if (rc == QB_OK && again) {
    c.pass = 2;
    rc = qb_fileio_list(io, folder, on_listed, &c, err);
  }
  free(folder);
  if (rc) return qb_err_wrap(err, "listing raw files under %s", prefix);
  if ((rc = settle_candidates(l, out, err))) return rc;
  if ((rc = stat_unsized(out, io, err))) return qb_err_wrap(err, "listing raw files under %s", prefix);
  /* the next summary's sets: what this listing showed of the ledger in each folder's next range; a folder
   * not listed (another --raw) keeps its set plus the files that join its range */
  for (size_t i = 0; i < l->n_dirs; i++) {
    qb_ledger_dir *d = &l->dirs[i];
    const qb_ledger_range *joined = l->all_read ? &d->rows : &d->t;
    d->nr.count = d->listed ? d->l.count + d->x.count : d->r.count + joined->count;
    d->nr.hash = d->listed ? d->l.hash + d->x.hash : d->r.hash + joined->hash;
  }
  qb_u64set_free(&l->seen);
  qb_u64set_init(&l->seen);
  if (out->n) qsort(out->v, out->n, sizeof *out->v, cmp_raw);
  *listed = c.listed;
  return QB_OK;
}

/* A file the batch records: in the next summary's set when it falls in the folder's next range (a late
 * file), else in the batch's own range, which the next batch checks the same way. */
int qb_ledger_note(qb_ledger *l, const char *path, qb_err *err)
{
  size_t dn;
  const char *base;
  split(path, &dn, &base);
  qb_ledger_dir *d;
  int rc = get_dir(&d, l, path, dn, err);
  if (rc) return rc;
  uint64_t h = qb_hash_bytes(path, strlen(path));
  if (within(&d->nr, base)) {
    add(&d->nr, h);
    return QB_OK;
  }
  add(&d->nt, h);
  return extend(&d->nt, base, err);
}

void qb_ledger_close(qb_ledger *l)
{
  if (!l) return;
  free_dirs(l);
  qb_u64set_free(&l->seen);
  free(l->file_col);
  l->file_col = NULL;
  for (uint64_t i = 0; i < l->bad_paths && i < QB_LEDGER_BAD_PATHS; i++) free(l->bad_path[i]);
  l->bad_paths = 0;
}
