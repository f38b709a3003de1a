/* SPDX-License-Identifier: Apache-2.0 */
/* Maintenance on real local tables: expiration (refs, retention, exactly the unreachable files deleted,
 * rows unchanged at every kept snapshot), manifest rewrite (same rows, fewer manifests, replace snapshot),
 * orphans (window, dry run, never outside the table, a killed writer's temporary files), metadata cleanup, and
 * odd manifests that name files outside the table. Expected deletions are computed here with the public manifest
 * readers, independently of the maintenance code's projected reads. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "qberg/fsck.h"
#include "qberg/maintenance.h"
#include "qberg/qberg.h"

#define SCHEMA_JSON                                                                     \
  "{\"type\":\"struct\",\"schema-id\":0,\"fields\":["                                   \
  "{\"id\":1,\"name\":\"id\",\"required\":true,\"type\":\"long\"},"                     \
  "{\"id\":2,\"name\":\"basis\",\"required\":false,\"type\":\"string\"}]}"

#define DAY_MS INT64_C(86400000)
#define T0 INT64_C(1767225600000) /* 2026-01-01 */

static const char *const bases[] = {"sto-3g", "6-31g", "cc-pvdz"};

typedef struct fixture {
  qb_catalog *cat;
  qb_table *t;
  qb_schema *schema;
  char dir[512];
} fixture;

static void set_now(int64_t ms)
{
  char b[32];
  snprintf(b, sizeof b, "%lld", (long long)ms);
  setenv("QB_TEST_NOW", b, 1);
}

static int setup(fixture *f, bool partitioned, qb_err *err)
{
  memset(f, 0, sizeof *f);
  int rc = qb_catalog_open(&f->cat, qb_test_tmpdir(), NULL, err);
  if (rc == QB_OK) rc = qb_catalog_create_namespace(f->cat, "db", err);
  if (rc == QB_OK) rc = qb_schema_parse_json(&f->schema, SCHEMA_JSON, strlen(SCHEMA_JSON), err);
  if (rc) return rc;
  qb_partition_field pf = {2, 0, "basis", {QB_TR_IDENTITY, 0, NULL}};
  qb_partition_spec spec = {0, 1, &pf};
  qb_table_def def = {f->schema, partitioned ? &spec : NULL, NULL, NULL, 0};
  set_now(T0);
  if ((rc = qb_catalog_create_table_def(&f->t, f->cat, "db.t", &def, NULL, err))) return rc;
  snprintf(f->dir, sizeof f->dir, "%s", qb_table_location(f->t));
  return QB_OK;
}

static void teardown(fixture *f)
{
  qb_table_free(f->t);
  qb_schema_free(f->schema);
  qb_catalog_free(f->cat);
  unsetenv("QB_TEST_NOW");
}

static int append_range(qb_table *t, qb_txn_op op, int64_t from, int64_t to, const char *tag, qb_txn_result *res,
                        qb_err *err)
{
  qb_txn *txn;
  int rc = qb_txn_begin(&txn, t, op, NULL, err);
  if (rc) return rc;
  for (int64_t i = from; rc == QB_OK && i < to; i++) {
    qb_value items[2] = {{.kind = QB_V_INT64, .u.i64 = i},
                         {.kind = QB_V_STRING, .u.bytes = {(const uint8_t *)bases[i % 3], strlen(bases[i % 3])}}};
    qb_value r = {.kind = QB_V_STRUCT, .u.seq = {items, 2}};
    rc = qb_txn_write(txn, &r, err);
  }
  if (rc == QB_OK && tag) rc = qb_txn_tag(txn, tag, -1, err);
  if (rc) {
    qb_txn_abort(txn);
    return rc;
  }
  return qb_txn_commit(txn, res, err);
}

static int delete_where(qb_table *t, const char *where, qb_err *err)
{
  qb_txn *txn;
  qb_expr *e;
  int rc = qb_expr_parse(&e, where, err);
  if (rc) return rc;
  if ((rc = qb_txn_begin(&txn, t, QB_TXN_DELETE, NULL, err)) == QB_OK) {
    if ((rc = qb_txn_remove_where(txn, e, err))) qb_txn_abort(txn);
    else rc = qb_txn_commit(txn, NULL, err);
  }
  qb_expr_free(e);
  return rc;
}

/* rows and the sum of ids at snapshot `id` (-1: current) */
static int scan_sum(uint64_t *rows, int64_t *sum, qb_table *t, int64_t snapshot, qb_err *err)
{
  *rows = 0;
  *sum = 0;
  qb_scan_options o = QB_SCAN_OPTIONS_INIT;
  if (snapshot >= 0) o.snapshot_id = snapshot;
  qb_scan *s;
  int rc = qb_scan_new(&s, t, &o, err);
  while (rc == QB_OK) {
    const qb_value *row;
    if ((rc = qb_scan_next(&row, s, err)) || !row) break;
    (*rows)++;
    *sum += row->u.seq.items[0].u.i64;
  }
  qb_scan_free(s);
  return rc;
}

/* ---- sets of paths (small: linear arrays) ---- */

typedef struct pset {
  char **p;
  size_t n, cap;
} pset;

static bool pset_has(const pset *s, const char *p)
{
  for (size_t i = 0; i < s->n; i++)
    if (!strcmp(s->p[i], p)) return true;
  return false;
}

static void pset_add(pset *s, const char *p)
{
  if (pset_has(s, p)) return;
  if (s->n == s->cap) {
    s->cap = s->cap ? s->cap * 2 : 64;
    s->p = realloc(s->p, s->cap * sizeof *s->p);
  }
  s->p[s->n++] = strdup(p);
}

static void pset_free(pset *s)
{
  for (size_t i = 0; i < s->n; i++) free(s->p[i]);
  free(s->p);
  memset(s, 0, sizeof *s);
}

static void walk(pset *s, const char *dir)
{
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
    struct stat st;
    if (stat(p, &st)) continue;
    if (S_ISDIR(st.st_mode)) walk(s, p);
    else pset_add(s, p);
  }
  closedir(d);
}

/* Files snapshot `s` reaches (list, manifests, live data files) with the public readers. */
static int snapshot_files(pset *out, qb_fileio *io, const qb_snapshot *s, qb_err *err)
{
  qb_manifest_list_reader *lr;
  int rc = qb_manifest_list_reader_open_snapshot(&lr, io, s, err);
  if (rc) return rc;
  if (s->manifest_list) pset_add(out, s->manifest_list);
  const qb_manifest_file *mf;
  while ((rc = qb_manifest_list_reader_next(&mf, lr, err)) == QB_OK && mf) {
    pset_add(out, mf->manifest_path);
    qb_manifest_reader *mr;
    if ((rc = qb_manifest_reader_open(&mr, io, mf->manifest_path, NULL, err))) break;
    const qb_manifest_entry *e;
    while ((rc = qb_manifest_reader_next(&e, mr, err)) == QB_OK && e)
      if (e->status != QB_ENTRY_DELETED) pset_add(out, e->data_file.file_path);
    qb_manifest_reader_close(mr);
    if (rc) break;
  }
  qb_manifest_list_reader_close(lr);
  return rc;
}

typedef struct snap_rows {
  int64_t id;
  uint64_t rows;
  int64_t sum;
} snap_rows;

/* Expire with `o` and check: exactly (files of removed snapshots) - (files of kept ones) left the disk,
 * metadata files stayed, and every kept snapshot scans to what it scanned before. */
static void expire_and_verify(fixture *f, const qb_expire_options *o, qb_expire_report *rep, int64_t want_expired)
{
  qb_err err = QB_ERR_INIT;
  const qb_table_metadata *md;
  qb_fileio *io = qb_catalog_io(f->cat);
  CHECK_OK(qb_table_get_metadata(&md, f->t, &err), &err);
  size_t n = qb_table_metadata_n_snapshots(md);
  snap_rows before[64];
  CHECK(n <= 64);
  for (size_t i = 0; i < n; i++) {
    before[i].id = qb_table_metadata_snapshot_at(md, i)->snapshot_id;
    CHECK_OK(scan_sum(&before[i].rows, &before[i].sum, f->t, before[i].id, &err), &err);
  }
  pset files_before = {0}, files_after = {0};
  walk(&files_before, f->dir);
  /* per-snapshot reachable sets, before */
  pset reach[64];
  memset(reach, 0, sizeof reach);
  for (size_t i = 0; i < n; i++) CHECK_OK(snapshot_files(&reach[i], io, qb_table_metadata_snapshot_at(md, i), &err), &err);

  CHECK_OK(qb_expire_snapshots(f->t, o, rep, &err), &err);
  CHECK_EQ_INT(rep->expired, want_expired);
  CHECK_EQ_INT(rep->deleted.failed, 0);
  CHECK_OK(qb_table_get_metadata(&md, f->t, &err), &err);
  CHECK_EQ_INT(qb_table_metadata_n_snapshots(md), (int64_t)n - want_expired);
  walk(&files_after, f->dir);
  pset kept = {0}, gone = {0};
  for (size_t i = 0; i < n; i++) {
    bool is_kept = qb_table_metadata_snapshot_by_id(md, before[i].id) != NULL;
    for (size_t k = 0; k < reach[i].n; k++) pset_add(is_kept ? &kept : &gone, reach[i].p[k]);
  }
  size_t want_deleted = 0;
  for (size_t i = 0; i < files_before.n; i++) {
    const char *p = files_before.p[i];
    bool expect_gone = pset_has(&gone, p) && !pset_has(&kept, p);
    want_deleted += expect_gone;
    if (expect_gone == pset_has(&files_after, p)) fprintf(stderr, "  %s: expected %s\n", p, expect_gone ? "gone" : "kept");
    EXPECT(expect_gone != pset_has(&files_after, p));
  }
  EXPECT(rep->deleted.data_files + rep->deleted.manifests + rep->deleted.manifest_lists == (int64_t)want_deleted);
  /* kept snapshots read as before; the new metadata file is the only new file */
  for (size_t i = 0; i < n; i++) {
    if (!qb_table_metadata_snapshot_by_id(md, before[i].id)) continue;
    uint64_t rows;
    int64_t sum;
    CHECK_OK(scan_sum(&rows, &sum, f->t, before[i].id, &err), &err);
    EXPECT(rows == before[i].rows && sum == before[i].sum);
  }
  /* and the checker finds every file it references, with its size and row count */
  qb_fsck_options fo = QB_FSCK_OPTIONS_INIT;
  fo.deep = true;
  qb_fsck_report fr;
  CHECK_OK(qb_fsck(f->t, &fo, &fr, &err), &err);
  EXPECT(fr.problems == 0);
  for (size_t i = 0; i < n; i++) pset_free(&reach[i]);
  pset_free(&files_before);
  pset_free(&files_after);
  pset_free(&kept);
  pset_free(&gone);
}

static bool exists(const char *p)
{
  struct stat st;
  return stat(p, &st) == 0;
}

/* s1 ids 0-9, s2 10-19 tagged t2, s3 20-29, s4 deletes ids < 10 (s1's files), s5 30-39, one day apart */
static int build_history(fixture *f, int64_t ids[5], char *s1_file, size_t cap, qb_err *err)
{
  qb_txn_result r;
  int rc;
  for (int k = 0; k < 5; k++) {
    set_now(T0 + (k + 1) * DAY_MS);
    if (k == 3) rc = delete_where(f->t, "id < 10", err);
    else rc = append_range(f->t, QB_TXN_FAST_APPEND, k < 3 ? k * 10 : 30, k < 3 ? k * 10 + 10 : 40, k == 1 ? "t2" : NULL,
                           &r, err);
    if (rc) return rc;
    const qb_table_metadata *md;
    if ((rc = qb_table_get_metadata(&md, f->t, err))) return rc;
    ids[k] = qb_table_metadata_current_snapshot_id(md);
    if (k == 0) {
      qb_scan *s;
      qb_scan_options o = QB_SCAN_OPTIONS_INIT;
      const qb_scan_task *task;
      if ((rc = qb_scan_new(&s, f->t, &o, err))) return rc;
      if ((rc = qb_scan_next_file(&task, s, err)) == QB_OK && task)
        snprintf(s1_file, cap, "%s", task->entry->data_file.file_path);
      qb_scan_free(s);
      if (rc) return rc;
    }
  }
  return QB_OK;
}

/* The expire cases' table: build_history's five snapshots; options expiring, at day 10, what is older than
 * s5 (day 5), keeping one ancestor of each branch. */
static int expire_history(fixture *f, int64_t ids[5], char *s1_file, size_t cap, qb_expire_options *o, qb_err *err)
{
  int rc = setup(f, false, err);
  if (rc == QB_OK) rc = build_history(f, ids, s1_file, cap, err);
  *o = (qb_expire_options)QB_EXPIRE_OPTIONS_INIT;
  o->now_ms = T0 + 10 * DAY_MS;
  o->older_than_ms = T0 + 5 * DAY_MS; /* s5's time: everything before it is old */
  o->retain_last = 1;
  return rc;
}

QB_TEST(expire_honours_tag_then_deletes_unique_files)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  int64_t ids[5];
  char s1_file[1024] = "";
  qb_expire_options o;
  CHECK_OK(expire_history(&f, ids, s1_file, sizeof s1_file, &o, &err), &err);
  CHECK(s1_file[0] && exists(s1_file));
  qb_expire_report rep;
  /* dry run: nothing changes */
  o.dry_run = true;
  CHECK_OK(qb_expire_snapshots(f.t, &o, &rep, &err), &err);
  CHECK_EQ_INT(rep.expired, 3);
  CHECK_EQ_INT(rep.version, -1);
  const qb_table_metadata *md;
  CHECK_OK(qb_table_refresh(f.t, &err), &err);
  CHECK_OK(qb_table_get_metadata(&md, f.t, &err), &err);
  CHECK_EQ_INT(qb_table_metadata_n_snapshots(md), 5);
  o.dry_run = false;
  /* s1, s3, s4 go; the tag keeps s2, so s1's file (live in s2) stays */
  expire_and_verify(&f, &o, &rep, 3);
  CHECK_OK(qb_table_get_metadata(&md, f.t, &err), &err);
  CHECK(qb_table_metadata_snapshot_by_id(md, ids[1]) && qb_table_metadata_snapshot_by_id(md, ids[4]));
  CHECK(exists(s1_file));
  CHECK_EQ_INT(rep.deleted.data_files, 0);
  CHECK_EQ_INT(rep.deleted.manifest_lists, 3);
  /* without the tag, s2 goes and s1's file with it */
  CHECK_OK(qb_table_remove_ref(f.t, "t2", NULL, &err), &err);
  expire_and_verify(&f, &o, &rep, 1);
  CHECK(!exists(s1_file));
  CHECK_EQ_INT(rep.deleted.data_files, 1);
  uint64_t rows;
  int64_t sum;
  CHECK_OK(scan_sum(&rows, &sum, f.t, -1, &err), &err);
  CHECK_EQ_INT(rows, 30);
  teardown(&f);
}

typedef struct items_seen {
  char text[512];
  size_t len;
} items_seen;

static void on_item(void *ctx, const qb_expire_item *it)
{
  items_seen *s = ctx;
  int n = it->ref ? snprintf(s->text + s->len, sizeof s->text - s->len, "%s %s %s %lld %lld;",
                             it->branch ? "branch" : "tag", it->ref, it->dangling ? "dangling" : "aged",
                             (long long)it->snapshot_id, (long long)it->timestamp_ms)
                  : snprintf(s->text + s->len, sizeof s->text - s->len, "snap %lld %lld;", (long long)it->snapshot_id,
                             (long long)it->timestamp_ms);
  if (n > 0 && (size_t)n < sizeof s->text - s->len) s->len += (size_t)n;
}

/* The dry run names what the run then removes: refs first (here a tag past its max-ref-age-ms), then the
 * snapshots in metadata order, with their commit times; version-1 options (no on_item) still work. */
QB_TEST(expire_names_the_refs_and_snapshots_it_removes)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  int64_t ids[5];
  char s1_file[1024] = "";
  qb_expire_options o;
  CHECK_OK(expire_history(&f, ids, s1_file, sizeof s1_file, &o, &err), &err);
  qb_ref aged = QB_REF_INIT("aged", ids[2], QB_REF_TAG);
  aged.max_ref_age_ms = DAY_MS;
  CHECK_OK(qb_table_set_ref(f.t, &aged, false, NULL, &err), &err);
  o.dry_run = true;
  items_seen dry = {"", 0}, real = {"", 0};
  o.on_item = on_item;
  o.ctx = &dry;
  qb_expire_report rep;
  CHECK_OK(qb_expire_snapshots(f.t, &o, &rep, &err), &err);
  char want[512];
  snprintf(want, sizeof want, "tag aged aged %lld %lld;snap %lld %lld;snap %lld %lld;snap %lld %lld;", (long long)ids[2],
           (long long)(T0 + 3 * DAY_MS), (long long)ids[0], (long long)(T0 + DAY_MS), (long long)ids[2],
           (long long)(T0 + 3 * DAY_MS), (long long)ids[3], (long long)(T0 + 4 * DAY_MS));
  CHECK_EQ_STR(dry.text, want);
  CHECK_EQ_INT(rep.refs_removed, 1);
  CHECK_EQ_INT(rep.expired, 3);
  /* version 1 of the options: on_item is not read (a caller built against the old header) */
  qb_expire_options v1 = o;
  v1.version = 1;
  v1.ctx = &real;
  CHECK_OK(qb_expire_snapshots(f.t, &v1, &rep, &err), &err);
  CHECK_EQ_INT(real.len, 0);
  CHECK_EQ_INT(rep.expired, 3);
  /* the run reports what the dry run named */
  o.dry_run = false;
  o.ctx = &real;
  CHECK_OK(qb_expire_snapshots(f.t, &o, &rep, &err), &err);
  CHECK_EQ_STR(real.text, want);
  CHECK(rep.version >= 0);
  /* nothing left to remove: no items */
  real.len = 0;
  real.text[0] = 0;
  CHECK_OK(qb_expire_snapshots(f.t, &o, &rep, &err), &err);
  CHECK_EQ_INT(real.len, 0);
  teardown(&f);
}

/* ---- rewrite manifests ---- */

typedef struct entry_seen {
  char path[512];
  int64_t snapshot_id, seq, file_seq;
} entry_seen;

/* Live entries of the current snapshot; *n_manifests its manifests; `one_partition` whether each manifest
 * holds a single partition tuple. */
static int current_entries(entry_seen *out, size_t *n, size_t cap, size_t *n_manifests, bool *one_partition, fixture *f,
                           qb_err *err)
{
  const qb_table_metadata *md;
  int rc = qb_table_get_metadata(&md, f->t, err);
  if (rc) return rc;
  qb_fileio *io = qb_catalog_io(f->cat);
  qb_manifest_list_reader *lr;
  if ((rc = qb_manifest_list_reader_open_snapshot(&lr, io, qb_table_metadata_current_snapshot(md), err))) return rc;
  *n = *n_manifests = 0;
  *one_partition = true;
  const qb_manifest_file *mf;
  while ((rc = qb_manifest_list_reader_next(&mf, lr, err)) == QB_OK && mf) {
    (*n_manifests)++;
    qb_manifest_read_options o = QB_MANIFEST_READ_OPTIONS_INIT;
    o.manifest = mf;
    qb_manifest_reader *mr;
    if ((rc = qb_manifest_reader_open(&mr, io, mf->manifest_path, &o, err))) break;
    const qb_manifest_entry *e;
    char first[64] = "";
    while ((rc = qb_manifest_reader_next(&e, mr, err)) == QB_OK && e) {
      if (e->status == QB_ENTRY_DELETED || *n == cap) continue;
      entry_seen *s = &out[(*n)++];
      snprintf(s->path, sizeof s->path, "%s", e->data_file.file_path);
      s->snapshot_id = e->snapshot_id;
      s->seq = e->sequence_number;
      s->file_seq = e->file_sequence_number;
      const qb_value *pv = &e->data_file.partition.u.seq.items[0];
      char part[64];
      snprintf(part, sizeof part, "%.*s", (int)pv->u.bytes.n, (const char *)pv->u.bytes.p);
      if (!first[0]) snprintf(first, sizeof first, "%s", part);
      else if (strcmp(first, part)) *one_partition = false;
    }
    qb_manifest_reader_close(mr);
    if (rc) break;
  }
  qb_manifest_list_reader_close(lr);
  return rc;
}

QB_TEST(rewrite_manifests_clusters_by_partition)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  CHECK_OK(setup(&f, true, &err), &err);
  for (int k = 0; k < 6; k++) {
    set_now(T0 + k * 1000);
    CHECK_OK(append_range(f.t, QB_TXN_FAST_APPEND, k * 30, k * 30 + 30, NULL, NULL, &err), &err);
  }
  static entry_seen before[64], after[64];
  size_t nb, na, mb, ma;
  bool one;
  CHECK_OK(current_entries(before, &nb, 64, &mb, &one, &f, &err), &err);
  CHECK_EQ_INT(nb, 18);
  CHECK_EQ_INT(mb, 6);
  CHECK(!one);
  uint64_t rows0, rows1;
  int64_t sum0, sum1;
  CHECK_OK(scan_sum(&rows0, &sum0, f.t, -1, &err), &err);
  qb_rewrite_manifests_options o = QB_REWRITE_MANIFESTS_OPTIONS_INIT;
  o.target_size_bytes = 1; /* one manifest per partition */
  qb_rewrite_manifests_report rep;
  o.dry_run = true;
  CHECK_OK(qb_rewrite_manifests(f.t, &o, &rep, &err), &err);
  CHECK_EQ_INT(rep.replaced, 6);
  CHECK_EQ_INT(rep.created, 3);
  CHECK_EQ_INT(rep.snapshot_id, -1);
  o.dry_run = false;
  set_now(T0 + 10000);
  CHECK_OK(qb_rewrite_manifests(f.t, &o, &rep, &err), &err);
  CHECK_EQ_INT(rep.replaced, 6);
  CHECK_EQ_INT(rep.created, 3);
  CHECK_EQ_INT(rep.entries, 18);
  CHECK_OK(current_entries(after, &na, 64, &ma, &one, &f, &err), &err);
  CHECK_EQ_INT(na, 18);
  CHECK_EQ_INT(ma, 3);
  CHECK(one);
  /* entries keep their snapshot ids and both sequence numbers */
  for (size_t i = 0; i < nb; i++) {
    bool found = false;
    for (size_t k = 0; k < na; k++)
      if (!strcmp(before[i].path, after[k].path)) {
        found = true;
        EXPECT(before[i].snapshot_id == after[k].snapshot_id && before[i].seq == after[k].seq &&
               before[i].file_seq == after[k].file_seq);
      }
    EXPECT(found);
  }
  const qb_table_metadata *md;
  CHECK_OK(qb_table_get_metadata(&md, f.t, &err), &err);
  const qb_snapshot *cur = qb_table_metadata_current_snapshot(md);
  CHECK(cur->snapshot_id == rep.snapshot_id && !strcmp(cur->operation, "replace"));
  CHECK_EQ_STR(qb_snapshot_summary_get(cur, "manifests-replaced"), "6");
  CHECK_EQ_STR(qb_snapshot_summary_get(cur, "total-records"), "180");
  CHECK_OK(scan_sum(&rows1, &sum1, f.t, -1, &err), &err);
  CHECK(rows0 == rows1 && sum0 == sum1);
  /* a second rewrite finds the group clustered (as many manifests as bins): nothing to do */
  CHECK_OK(qb_rewrite_manifests(f.t, &o, &rep, &err), &err);
  CHECK_EQ_INT(rep.snapshot_id, -1);
  CHECK_EQ_INT(rep.kept, 3);
  /* expiring the older snapshots deletes the old manifests and lists, no data file */
  qb_expire_options x = QB_EXPIRE_OPTIONS_INIT;
  x.now_ms = T0 + 20000;
  x.older_than_ms = T0 + 20000;
  expire_and_verify(&f, &x, &(qb_expire_report){0}, 6);
  teardown(&f);
}

/* A partitioned table of four fast appends (four manifests, rows 0..119, one a second apart from T0), and a
 * second handle on it in *other. */
static int four_manifests_two_handles(fixture *f, qb_table **other, qb_err *err)
{
  int rc = setup(f, true, err);
  for (int k = 0; rc == QB_OK && k < 4; k++) {
    set_now(T0 + k * 1000);
    rc = append_range(f->t, QB_TXN_FAST_APPEND, k * 30, k * 30 + 30, NULL, NULL, err);
  }
  return rc ? rc : qb_table_load(other, f->cat, "db.t", err);
}

/* A rewrite planned on a stale handle loses its first commit attempt; the retry refreshes the handle (freeing
 * the metadata the rewrite was planned on) and must still record its manifest list under the table's location:
 * it recorded "/metadata/snap-….avro" (the location read from freed metadata), leaving the table unreadable. */
QB_TEST(rewrite_manifests_retry_after_a_lost_race_keeps_the_location)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  qb_table *other;
  CHECK_OK(four_manifests_two_handles(&f, &other, &err), &err);
  set_now(T0 + 5000);
  CHECK_OK(append_range(other, QB_TXN_FAST_APPEND, 120, 150, NULL, NULL, &err), &err); /* f.t is now stale */
  qb_table_free(other);
  qb_rewrite_manifests_options o = QB_REWRITE_MANIFESTS_OPTIONS_INIT;
  o.target_size_bytes = 1;
  qb_rewrite_manifests_report rep;
  set_now(T0 + 10000);
  CHECK_OK(qb_rewrite_manifests(f.t, &o, &rep, &err), &err);
  CHECK(rep.attempts >= 2);
  const qb_table_metadata *md;
  CHECK_OK(qb_table_get_metadata(&md, f.t, &err), &err);
  const qb_snapshot *cur = qb_table_metadata_current_snapshot(md);
  CHECK(cur && cur->snapshot_id == rep.snapshot_id && cur->manifest_list);
  EXPECT(!strncmp(cur->manifest_list, f.dir, strlen(f.dir)));
  if (strncmp(cur->manifest_list, f.dir, strlen(f.dir)))
    fprintf(stderr, "manifest list recorded as '%s', table at '%s'\n", cur->manifest_list, f.dir);
  uint64_t rows;
  int64_t sum;
  CHECK_OK(scan_sum(&rows, &sum, f.t, -1, &err), &err);
  CHECK_EQ_INT(rows, 150);
  CHECK_EQ_INT(sum, 149 * 150 / 2);
  teardown(&f);
}

/* Two manifest rewrites at once (two `maintain all` from cron): the second planned on manifests the first
 * replaced before it committed. It plans again on the new head, where they are already clustered, and
 * commits nothing; it failed with QB_ECONFLICT "... were replaced concurrently". */
QB_TEST(rewrite_manifests_planned_on_manifests_replaced_meanwhile_plans_again)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  qb_table *other;
  CHECK_OK(four_manifests_two_handles(&f, &other, &err), &err);
  qb_rewrite_manifests_options o = QB_REWRITE_MANIFESTS_OPTIONS_INIT;
  qb_rewrite_manifests_report first, second;
  set_now(T0 + 5000);
  CHECK_OK(qb_rewrite_manifests(other, &o, &first, &err), &err); /* f.t planned on the old manifests */
  CHECK(first.snapshot_id > 0 && first.replaced >= 2);
  set_now(T0 + 6000);
  CHECK_OK(qb_rewrite_manifests(f.t, &o, &second, &err), &err);
  CHECK_EQ_INT(second.snapshot_id, -1); /* nothing left to cluster */
  const qb_table_metadata *md;
  CHECK_OK(qb_table_get_metadata(&md, f.t, &err), &err);
  CHECK(qb_table_metadata_current_snapshot(md)->snapshot_id == first.snapshot_id);
  uint64_t rows;
  int64_t sum;
  CHECK_OK(scan_sum(&rows, &sum, f.t, -1, &err), &err);
  CHECK_EQ_INT(rows, 120);
  CHECK_EQ_INT(sum, 119 * 120 / 2);
  qb_table_free(other);
  teardown(&f);
}

/* A writer whose handle was loaded before another process committed and then expired the snapshot the
 * handle had as current (a maintenance cron job next to `qberg ingest`): its commit reads that snapshot's
 * manifest list, which is gone. It lost a race like any other and retries on the new head; it failed with
 * QB_ENOTFOUND "reading manifest list …: No such file or directory" (found by exploreH). */
QB_TEST(commit_on_a_handle_whose_snapshot_was_expired_meanwhile_retries)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  CHECK_OK(setup(&f, false, &err), &err);
  set_now(T0);
  CHECK_OK(append_range(f.t, QB_TXN_FAST_APPEND, 0, 10, NULL, NULL, &err), &err);
  qb_expire_options o = QB_EXPIRE_OPTIONS_INIT;
  o.retain_last = 1;
  qb_expire_report rep;
  /* a merge append, then a fast append, each on a handle made stale */
  for (int round = 0; round < 2; round++) {
    qb_table *other;
    CHECK_OK(qb_table_load(&other, f.cat, "db.t", &err), &err);
    set_now(T0 + 1000 + round * 10000);
    CHECK_OK(append_range(other, QB_TXN_FAST_APPEND, 100 + round, 101 + round, NULL, NULL, &err), &err);
    o.now_ms = o.older_than_ms = T0 + 2000 + round * 10000;
    CHECK_OK(qb_expire_snapshots(other, &o, &rep, &err), &err);
    qb_table_free(other);
    CHECK(rep.expired >= 1); /* f.t's current snapshot, its manifest list deleted */
    set_now(T0 + 3000 + round * 10000);
    CHECK_OK(append_range(f.t, round ? QB_TXN_FAST_APPEND : QB_TXN_APPEND, 10 + round * 5, 15 + round * 5, NULL,
                          NULL, &err),
             &err);
  }
  CHECK_OK(delete_where(f.t, "id >= 100", &err), &err);
  uint64_t rows;
  int64_t sum;
  CHECK_OK(scan_sum(&rows, &sum, f.t, -1, &err), &err);
  CHECK_EQ_INT(rows, 20);
  CHECK_EQ_INT(sum, 19 * 20 / 2);
  teardown(&f);
}

/* ---- orphans ---- */

static void write_file(const char *p, int64_t mtime_ms)
{
  FILE *fp = fopen(p, "w");
  if (fp) {
    fputs("x", fp);
    fclose(fp);
  }
  if (mtime_ms > 0) {
    struct timespec ts[2] = {{mtime_ms / 1000, 0}, {mtime_ms / 1000, 0}};
    utimensat(AT_FDCWD, p, ts, 0);
  }
}

typedef struct seen_files {
  int n;
  char last[1024];
} seen_files;

static void on_file(void *ctx, qb_maint_file_kind kind, const char *path, const qb_err *failure)
{
  (void)kind;
  seen_files *s = ctx;
  if (!failure) s->n++;
  snprintf(s->last, sizeof s->last, "%s", path);
}

QB_TEST(orphans_window_dry_run_and_containment)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  CHECK_OK(setup(&f, true, &err), &err);
  unsetenv("QB_TEST_NOW");
  CHECK_OK(append_range(f.t, QB_TXN_FAST_APPEND, 0, 30, NULL, NULL, &err), &err);
  int64_t now = (int64_t)time(NULL) * 1000;
  char old_orphan[1024], young_orphan[1024], hidden[1024], outside[1024], old_meta[1024];
  snprintf(old_orphan, sizeof old_orphan, "%s/data/basis=6-31g/old-orphan.parquet", f.dir);
  snprintf(young_orphan, sizeof young_orphan, "%s/data/young-orphan.parquet", f.dir);
  snprintf(hidden, sizeof hidden, "%s/data/.old-orphan.parquet.crc", f.dir);
  snprintf(outside, sizeof outside, "%s/../outside.parquet", f.dir);
  snprintf(old_meta, sizeof old_meta, "%s/metadata/snap-1-1-abandoned.avro", f.dir);
  write_file(old_orphan, now - 5 * DAY_MS);
  write_file(young_orphan, now - 3600 * 1000);
  write_file(hidden, now - 5 * DAY_MS);
  write_file(outside, now - 5 * DAY_MS);
  write_file(old_meta, now - 5 * DAY_MS);
  /* age every file the table references too: the valid set, not the window, must protect them */
  pset all = {0};
  walk(&all, f.dir);
  for (size_t i = 0; i < all.n; i++)
    if (strcmp(all.p[i], young_orphan)) {
      struct timespec ts[2] = {{(now - 6 * DAY_MS) / 1000, 0}, {(now - 6 * DAY_MS) / 1000, 0}};
      utimensat(AT_FDCWD, all.p[i], ts, 0);
    }
  pset_free(&all);
  /* dry run by default */
  qb_orphan_options o = QB_ORPHAN_OPTIONS_INIT;
  seen_files seen = {0, ""};
  o.on_file = on_file;
  o.ctx = &seen;
  qb_orphan_report rep;
  CHECK_OK(qb_remove_orphan_files(f.t, &o, &rep, &err), &err);
  CHECK_EQ_INT(rep.orphans, 2);
  CHECK_EQ_INT(rep.too_young, 1);
  CHECK_EQ_INT(rep.hidden, 1);
  CHECK_EQ_INT(seen.n, 2);
  CHECK(exists(old_orphan) && exists(old_meta));
  uint64_t rows;
  int64_t sum;
  o.dry_run = false;
  CHECK_OK(qb_remove_orphan_files(f.t, &o, &rep, &err), &err);
  CHECK_EQ_INT(rep.deleted.orphans, 2);
  CHECK(!exists(old_orphan) && !exists(old_meta));
  CHECK(exists(young_orphan) && exists(hidden) && exists(outside));
  CHECK_OK(scan_sum(&rows, &sum, f.t, -1, &err), &err);
  CHECK_EQ_INT(rows, 30);
  /* a shorter window (everything older than now) takes the young one; never the table's own files */
  o.older_than_ms = now + 1000;
  CHECK_OK(qb_remove_orphan_files(f.t, &o, &rep, &err), &err);
  CHECK_EQ_INT(rep.deleted.orphans, 1);
  CHECK(!exists(young_orphan));
  CHECK_OK(qb_table_refresh(f.t, &err), &err);
  CHECK_OK(scan_sum(&rows, &sum, f.t, -1, &err), &err);
  CHECK_EQ_INT(rows, 30);
  teardown(&f);
}

/* The name the local FileIO gives the temporary file of a write to `path` (found on disk while it is open),
 * then the write aborted: what a writer killed before its rename leaves, left for the caller to recreate. */
static bool temp_name_of(char *out, size_t cap, qb_fileio *io, const char *path, qb_err *err)
{
  qb_writer *w;
  if (qb_fileio_create(&w, io, path, QB_CREATE_EXCLUSIVE, err)) return false;
  const char *slash = strrchr(path, '/');
  char dir[1024], prefix[256];
  snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
  snprintf(prefix, sizeof prefix, ".%s.", slash + 1);
  bool found = false;
  DIR *d = opendir(dir);
  struct dirent *e;
  while (d && !found && (e = readdir(d)))
    if (!strncmp(e->d_name, prefix, strlen(prefix))) found = snprintf(out, cap, "%s/%s", dir, e->d_name) > 0;
  if (d) closedir(d);
  qb_writer_abort(w);
  return found;
}

QB_TEST(orphans_qberg_temp_files_of_killed_writers)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  CHECK_OK(setup(&f, true, &err), &err);
  unsetenv("QB_TEST_NOW");
  CHECK_OK(append_range(f.t, QB_TXN_FAST_APPEND, 0, 30, NULL, NULL, &err), &err);
  int64_t now = (int64_t)time(NULL) * 1000;
  /* qberg's temporaries: a data file's (named by the FileIO itself) and a crashed commit's, both old; and a
   * young one, which a writer may still be filling */
  char old_temp[1024], meta_temp[1024], young_temp[1024], data_file[1024];
  snprintf(data_file, sizeof data_file, "%s/data/basis=6-31g/00000-killed.parquet", f.dir);
  CHECK(temp_name_of(old_temp, sizeof old_temp, qb_catalog_io(f.cat), data_file, &err));
  CHECK(!exists(old_temp) && !exists(data_file));
  snprintf(meta_temp, sizeof meta_temp, "%s/metadata/.v9.metadata.json.00c0ffee12345678.tmp", f.dir);
  snprintf(young_temp, sizeof young_temp, "%s/data/.young.parquet.0123456789abcdef.tmp", f.dir);
  write_file(old_temp, now - 5 * DAY_MS);
  write_file(meta_temp, now - 5 * DAY_MS);
  write_file(young_temp, now - 3600 * 1000);
  /* other hidden names, all old, all kept: another tool's, near misses of the pattern, the temporary of a
   * hidden name, a temporary in a hidden directory */
  static const char *const kept[] = {
      "data/.old.parquet.crc",
      "data/.x.parquet.0123456789ABCDEF.tmp",
      "data/.x.parquet.0123456789abcde.tmp",
      "data/.x.parquet.0123456789abcdef0.tmp",
      "data/..0123456789abcdef.tmp",
      "data/.x.parquet.0123456789abcdef.temp",
      "data/.x.parquet.0123456789abcdef.tmp.crc",
      "data/._SUCCESS.0123456789abcdef.tmp",
      "_staging/.x.parquet.0123456789abcdef.tmp",
  };
  enum { N_KEPT = sizeof kept / sizeof kept[0] };
  char kept_path[N_KEPT][1024];
  for (size_t i = 0; i < N_KEPT; i++) {
    snprintf(kept_path[i], sizeof kept_path[i], "%s/%s", f.dir, kept[i]);
    if (!strncmp(kept[i], "_staging/", 9)) {
      char d[1024];
      snprintf(d, sizeof d, "%s/_staging", f.dir);
      mkdir(d, 0755);
    }
    write_file(kept_path[i], now - 5 * DAY_MS);
  }
  qb_orphan_options o = QB_ORPHAN_OPTIONS_INIT;
  seen_files seen = {0, ""};
  o.on_file = on_file;
  o.ctx = &seen;
  qb_orphan_report rep;
  CHECK_OK(qb_remove_orphan_files(f.t, &o, &rep, &err), &err);
  CHECK_EQ_INT(rep.orphans, 2);
  CHECK_EQ_INT(rep.temp_files, 2);
  CHECK_EQ_INT(rep.too_young, 1);
  CHECK_EQ_INT(rep.hidden, N_KEPT);
  CHECK_EQ_INT(seen.n, 2);
  CHECK(exists(old_temp) && exists(meta_temp));
  o.dry_run = false;
  CHECK_OK(qb_remove_orphan_files(f.t, &o, &rep, &err), &err);
  CHECK_EQ_INT(rep.deleted.orphans, 2);
  CHECK_EQ_INT(rep.temp_files, 2);
  CHECK(!exists(old_temp) && !exists(meta_temp));
  CHECK(exists(young_temp));
  for (size_t i = 0; i < N_KEPT; i++) EXPECT(exists(kept_path[i]));
  /* the window holds for them as for every orphan: once the young one is older than the cutoff it goes */
  o.older_than_ms = now + 60000;
  CHECK_OK(qb_remove_orphan_files(f.t, &o, &rep, &err), &err);
  CHECK_EQ_INT(rep.deleted.orphans, 1);
  CHECK_EQ_INT(rep.temp_files, 1);
  CHECK(!exists(young_temp));
  for (size_t i = 0; i < N_KEPT; i++) EXPECT(exists(kept_path[i]));
  uint64_t rows;
  int64_t sum;
  CHECK_OK(scan_sum(&rows, &sum, f.t, -1, &err), &err);
  CHECK_EQ_INT(rows, 30);
  teardown(&f);
}

/* ---- odd manifests: paths outside the table, other spellings of live files ---- */

/* A data file of `t` written by the data writer, re-recorded under `path`. */
static int add_as(qb_table *t, const qb_data_file *proto, const char *path, qb_txn_op op, const char *remove, qb_err *err)
{
  qb_txn *txn;
  int rc = qb_txn_begin(&txn, t, op, NULL, err);
  if (rc) return rc;
  qb_data_file df = *proto;
  df.file_path = path;
  if (path) rc = qb_txn_add_file(txn, &df, -1, err);
  if (rc == QB_OK && remove) rc = qb_txn_remove_file(txn, remove, err);
  if (rc) {
    qb_txn_abort(txn);
    return rc;
  }
  return qb_txn_commit(txn, NULL, err);
}

QB_TEST(odd_manifest_paths_never_cause_deletions)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  CHECK_OK(setup(&f, false, &err), &err);
  /* one real data file, written but not committed */
  qb_data_writer *w;
  CHECK_OK(qb_data_writer_open(&w, f.t, NULL, &err), &err);
  qb_value items[2] = {{.kind = QB_V_INT64, .u.i64 = 7}, {.kind = QB_V_STRING, .u.bytes = {(const uint8_t *)"x", 1}}};
  qb_value row = {.kind = QB_V_STRUCT, .u.seq = {items, 2}};
  CHECK_OK(qb_data_writer_write(w, &row, &err), &err);
  CHECK_OK(qb_data_writer_close(w, &err), &err);
  qb_data_file *proto;
  CHECK_OK(qb_data_file_copy(&proto, qb_data_writer_file(w, 0), &err), &err);
  qb_data_writer_free(w);
  const char *real = proto->file_path;
  /* victims outside the table: a sibling table's file, a file reached through "..", an s3a spelling */
  char victim[1024], dotdot[1024], other_dir[1024], other[1024], file_uri[1200], odd_spelling[1200];
  snprintf(other_dir, sizeof other_dir, "%s/../other", f.dir);
  mkdir(other_dir, 0755);
  snprintf(other, sizeof other, "%s/../other/data.parquet", f.dir);
  snprintf(victim, sizeof victim, "%s/../victim.parquet", f.dir);
  snprintf(dotdot, sizeof dotdot, "%s/data/../../victim.parquet", f.dir);
  snprintf(file_uri, sizeof file_uri, "file://%s", other);
  snprintf(odd_spelling, sizeof odd_spelling, "file:%s//data/./%s", f.dir, strrchr(real, '/') + 1);
  write_file(victim, 0);
  write_file(other, 0);
  const char *const odd[] = {dotdot, file_uri, "s3a://bucket/wh/db/t/data/x.parquet", "file:///nonexistent/passwd"};
  set_now(T0 + DAY_MS);
  for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) CHECK_OK(add_as(f.t, proto, odd[i], QB_TXN_FAST_APPEND, NULL, &err), &err);
  /* the real file recorded in an odd spelling, removed, then added again plainly: live under another name */
  CHECK_OK(add_as(f.t, proto, odd_spelling, QB_TXN_FAST_APPEND, NULL, &err), &err);
  set_now(T0 + 2 * DAY_MS);
  for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) CHECK_OK(add_as(f.t, proto, NULL, QB_TXN_DELETE, odd[i], &err), &err);
  CHECK_OK(add_as(f.t, proto, real, QB_TXN_OVERWRITE, odd_spelling, &err), &err);
  /* expire everything but the head: every odd path is an unreachable candidate */
  qb_expire_options o = QB_EXPIRE_OPTIONS_INIT;
  o.now_ms = T0 + 10 * DAY_MS;
  o.older_than_ms = o.now_ms;
  qb_expire_report rep;
  CHECK_OK(qb_expire_snapshots(f.t, &o, &rep, &err), &err);
  CHECK_EQ_INT(rep.expired, 9);
  CHECK_EQ_INT(rep.deleted.data_files, 0);
  CHECK(exists(victim) && exists(other) && exists(real));
  uint64_t rows;
  int64_t sum;
  CHECK_OK(scan_sum(&rows, &sum, f.t, -1, &err), &err);
  CHECK_EQ_INT(rows, 1);
  /* orphan removal with every file old: the live file under its other spelling stays */
  qb_orphan_options oo = QB_ORPHAN_OPTIONS_INIT;
  oo.dry_run = false;
  oo.older_than_ms = (int64_t)time(NULL) * 1000 + 60000;
  qb_orphan_report orep;
  CHECK_OK(qb_remove_orphan_files(f.t, &oo, &orep, &err), &err);
  CHECK(exists(real) && exists(victim) && exists(other));
  CHECK_OK(scan_sum(&rows, &sum, f.t, -1, &err), &err);
  CHECK_EQ_INT(rows, 1);
  qb_data_file_free(proto);
  teardown(&f);
}
