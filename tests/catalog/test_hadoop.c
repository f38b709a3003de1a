/* SPDX-License-Identifier: Apache-2.0 */
/* The Hadoop layout: metadata file names, the version hint (missing, stale, too far, garbage, DuckDB stem),
 * loading by identifier / directory / URI / metadata file, tables written by Spark, Athena, DuckDB,
 * namespaces, listing, drop and rename. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog/catalog_int.h"
#include "harness.h"
#include "io/fileio_int.h"
#include "qberg/catalog.h"
#include "support/meta_doc.h"
#include "util/str.h"

static void write_file(const char *path, const void *p, size_t n)
{
  FILE *f = fopen(path, "wb");
  if (f) {
    fwrite(p, 1, n, f);
    fclose(f);
  }
}

/* the whole file, NUL-terminated, malloc'd; NULL if absent */
static char *slurp(const char *path, size_t *n_out)
{
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *p = malloc((size_t)n + 1);
  if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
    free(p);
    p = NULL;
  }
  fclose(f);
  if (p) p[n] = '\0';
  if (n_out) *n_out = (size_t)n;
  return p;
}

static bool file_exists(const char *path) { return access(path, F_OK) == 0; }

static int collect_cb(void *ctx, const char *name, qb_err *err)
{
  char *buf = ctx;
  if (*buf) strcat(buf, " ");
  strcat(buf, name);
  return QB_OK;
}

/* a table db.t under a fresh warehouse, committed to version `versions` */
static int make_table(qb_catalog **cat_out, char **wh_out, int versions, qb_err *err)
{
  *wh_out = qb_str_printf("%s/wh", qb_test_tmpdir());
  int rc = qb_catalog_open(cat_out, *wh_out, NULL, err);
  if (rc) return rc;
  qb_table *t;
  if ((rc = qb_catalog_create_table(&t, *cat_out, "db.t", qbt_make_table, NULL, NULL, err)) != QB_OK) return rc;
  for (int v = 2; rc == QB_OK && v <= versions; v++) {
    char val[16];
    snprintf(val, sizeof val, "%d", v);
    qbt_setprop sp = {"k", val, 0, 0, 0};
    rc = qb_table_commit(t, qbt_set_property, &sp, NULL, err);
  }
  qb_table_free(t);
  return rc;
}

static const struct {
  const char *name;
  qb_mdname_kind kind;
  int64_t version;
} names[] = {
    {"v1.metadata.json", QB_MDNAME_PLAIN, 1},
    {"v0042.metadata.json", QB_MDNAME_PLAIN, 42},
    {"v12.gz.metadata.json", QB_MDNAME_GZ, 12},
    {"v3.metadata.json.gz", QB_MDNAME_OLDGZ, 3},
    {"v2147483647.metadata.json", QB_MDNAME_PLAIN, 2147483647},
    {"00003-8d01e4aa-d143-49c9-898e-b5e477577b70.metadata.json", QB_MDNAME_SEQ, 3},
    {"00001-43ceeb9a-cd0d-4556-b1e2-513b5bf88ff8.gz.metadata.json", QB_MDNAME_SEQ, 1},
    {"00004-v3-upgraded-v1-null-counts.metadata.json", QB_MDNAME_SEQ, 4},
    /* not versions */
    {"12345678-1234-4321-8123-123456789012.metadata.json", QB_MDNAME_NONE, 0}, /* a bare uuid: a Java temp file */
    {"aaf0d033-d06b-43c7-be60-67f83abd4aca.metadata.json", QB_MDNAME_NONE, 0},
    {"vfinal.metadata.json", QB_MDNAME_NONE, 0},
    {"v3.1.metadata.json", QB_MDNAME_NONE, 0},
    {"v2147483648.metadata.json", QB_MDNAME_NONE, 0},
    {"v.metadata.json", QB_MDNAME_NONE, 0},
    {".v1.metadata.json.crc", QB_MDNAME_NONE, 0},
    {"v1.metadata.json.crc", QB_MDNAME_NONE, 0},
    {"version-hint.text", QB_MDNAME_NONE, 0},
    {"00001-.metadata.json", QB_MDNAME_NONE, 0},
    {"snap-1-1-aaf0d033-d06b-43c7-be60-67f83abd4aca.avro", QB_MDNAME_NONE, 0},
};

QB_TEST(metadata_file_names)
{
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    int64_t v = -7;
    qb_mdname_kind k = qb_hadoop__parse_name(names[i].name, &v);
    if (k != names[i].kind || (k != QB_MDNAME_NONE && v != names[i].version))
      fprintf(stderr, "  %s: kind %d version %lld\n", names[i].name, (int)k, (long long)v);
    EXPECT(k == names[i].kind);
    EXPECT(k == QB_MDNAME_NONE || v == names[i].version);
  }
}

QB_TEST(create_commit_load_and_hint_bytes)
{
  qb_err err = QB_ERR_INIT;
  char *wh = qb_str_printf("%s/wh", qb_test_tmpdir());
  qb_catalog *cat;
  CHECK_OK(qb_catalog_open(&cat, wh, NULL, &err), &err);
  CHECK_OK(qb_catalog_create_namespace(cat, "db", &err), &err);
  qb_table *t;
  qb_commit_info info;
  CHECK_OK(qb_catalog_create_table(&t, cat, "db.t", qbt_make_table, NULL, &info, &err), &err);
  CHECK_EQ_INT(info.version, 1);
  CHECK_EQ_INT(qb_table_version(t), 1);
  char *p = qb_str_printf("%s/db/t/metadata/version-hint.text", wh);
  size_t n;
  char *hint = slurp(p, &n);
  CHECK(hint && n == 1 && hint[0] == '1'); /* the number, no newline (DuckDB does not trim) */
  free(hint);
  CHECK_FAIL(qb_catalog_create_table(NULL, cat, "db.t", qbt_make_table, NULL, NULL, &err), QB_EEXISTS, &err,
             "already exists");

  qbt_setprop sp = {"owner", "alice", 0, 0, 0};
  CHECK_OK(qb_table_commit(t, qbt_set_property, &sp, &info, &err), &err);
  CHECK_EQ_INT(info.version, 2);
  CHECK_EQ_INT(info.attempts, 1);
  CHECK(info.hint_written && !info.used_lock);
  CHECK_EQ_INT(sp.seen_version, 1);
  hint = slurp(p, &n);
  CHECK(hint && n == 1 && hint[0] == '2');
  free(hint);
  char *expect_path = qb_str_printf("%s/db/t/metadata/v2.metadata.json", wh);
  CHECK_EQ_STR(qb_table_metadata_path(t), expect_path);
  qb_table_free(t);

  CHECK_OK(qb_table_load(&t, cat, "db.t", &err), &err);
  CHECK_EQ_INT(qb_table_version(t), 2);
  char *loc = qb_str_printf("%s/db/t", wh);
  CHECK_EQ_STR(qb_table_location(t), loc);
  qb_slice js = qb_table_metadata_json(t);
  char *owner = qbt_get_property(js.p, js.n, "owner");
  CHECK_EQ_STR(owner, "alice");
  char *last = NULL;
  CHECK_EQ_INT(qbt_metadata_log(js.p, js.n, &last), 1);
  char *v1 = qb_str_printf("%s/db/t/metadata/v1.metadata.json", wh);
  CHECK_EQ_STR(last, v1);
  /* the bytes the handle holds are the file's */
  char *disk = slurp(expect_path, &n);
  CHECK(disk && n == js.n && !memcmp(disk, js.p, n));
  free(disk);
  free(last);
  free(owner);
  free(v1);
  free(loc);
  free(expect_path);
  qb_table_free(t);
  free(p);
  qb_catalog_free(cat);
  free(wh);
}

/* Every hint below must still load the newest version (3): Java reads the hint and probes forward, or
 * lists when the hint is unreadable; a hint naming a missing version falls back to listing as iceberg-go. */
static const struct {
  const char *label;
  const char *content; /* NULL = no hint file */
  size_t n;
} hints[] = {
    {"missing", NULL, 0},
    {"stale", "1", 1},
    {"current", "3", 1},
    {"too far", "9", 1},
    {"zero", "0", 1},
    {"negative", "-1", 2},
    {"beyond int32", "99999999999", 11},
    {"garbage", "abc", 3},
    {"trailing newline", "2\n", 2},
    {"spaces", "  2  ", 5},
    {"binary", "\x00\x01\xff", 3},
    {"empty", "", 0},
    {"path traversal", "../../etc/passwd", 16},
};

QB_TEST(version_hint_cases)
{
  qb_err err = QB_ERR_INIT;
  qb_catalog *cat;
  char *wh;
  CHECK_OK(make_table(&cat, &wh, 3, &err), &err);
  char *hp = qb_str_printf("%s/db/t/metadata/version-hint.text", wh);
  for (size_t i = 0; i < sizeof hints / sizeof hints[0]; i++) {
    if (hints[i].content)
      write_file(hp, hints[i].content, hints[i].n);
    else
      unlink(hp);
    qb_table *t = NULL;
    int rc = qb_table_load(&t, cat, "db.t", &err);
    if (rc || qb_table_version(t) != 3)
      fprintf(stderr, "  hint %s: rc %s version %lld: %s\n", hints[i].label, qb_code_name(rc),
              t ? (long long)qb_table_version(t) : -2LL, err.msg);
    EXPECT(rc == QB_OK && qb_table_version(t) == 3);
    qb_table_free(t);
  }
  /* a huge hint is not read into memory: it is garbage, so list */
  char big[8192];
  memset(big, '7', sizeof big);
  write_file(hp, big, sizeof big);
  qb_table *t;
  CHECK_OK(qb_table_load(&t, cat, "db.t", &err), &err);
  CHECK_EQ_INT(qb_table_version(t), 3);
  qb_table_free(t);

  /* hint naming a deleted version, and the newest deleted: the highest remaining one is current */
  write_file(hp, "3", 1);
  char *v3 = qb_str_printf("%s/db/t/metadata/v3.metadata.json", wh);
  unlink(v3);
  CHECK_OK(qb_table_load(&t, cat, "db.t", &err), &err);
  CHECK_EQ_INT(qb_table_version(t), 2);
  qb_table_free(t);

  /* no metadata at all: a clear error */
  char *md = qb_str_printf("%s/db/t/metadata", wh);
  char *cmd = qb_str_printf("rm -f %s/v*.metadata.json", md);
  CHECK(system(cmd) == 0);
  CHECK_FAIL(qb_table_load(&t, cat, "db.t", &err), QB_ENOTFOUND, &err, "no metadata file");
  CHECK(strstr(err.msg, "loading table db.t"));
  free(cmd);
  free(md);
  free(v3);
  free(hp);
  qb_catalog_free(cat);
  free(wh);
}

/* qb_table_repair_version_hint: a numeric hint behind the current version (a writer died between its
 * version and the hint) is rewritten; a current, missing or non-numeric hint is left alone. */
QB_TEST(version_hint_repair)
{
  qb_err err = QB_ERR_INIT;
  qb_catalog *cat;
  char *wh;
  CHECK_OK(make_table(&cat, &wh, 3, &err), &err);
  char *hp = qb_str_printf("%s/db/t/metadata/version-hint.text", wh);
  struct {
    const char *content; /* NULL: no hint file */
    bool repaired;
    const char *after;
  } cases[] = {{"2", true, "3"}, {"1\n", true, "3"}, {"3", false, "3"}, {NULL, false, NULL}, {"x", false, "x"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    if (cases[i].content) write_file(hp, cases[i].content, strlen(cases[i].content));
    else unlink(hp);
    qb_table *t;
    CHECK_OK(qb_table_load(&t, cat, "db.t", &err), &err);
    CHECK_EQ_INT(qb_table_version(t), 3);
    bool repaired = !cases[i].repaired;
    CHECK_OK(qb_table_repair_version_hint(t, &repaired, &err), &err);
    CHECK(repaired == cases[i].repaired);
    CHECK_OK(qb_table_repair_version_hint(t, &repaired, &err), &err); /* once */
    CHECK(!repaired);
    qb_table_free(t);
    size_t n = 0;
    char *got = slurp(hp, &n);
    CHECK((got == NULL) == (cases[i].after == NULL));
    if (got) CHECK_EQ_STR(got, cases[i].after);
    free(got);
  }
  free(hp);
  qb_catalog_free(cat);
  free(wh);
}

QB_TEST(load_by_path_uri_and_file)
{
  qb_err err = QB_ERR_INIT;
  qb_catalog *cat;
  char *wh;
  CHECK_OK(make_table(&cat, &wh, 3, &err), &err);
  qb_catalog *bare; /* no warehouse: only paths */
  CHECK_OK(qb_catalog_open(&bare, NULL, NULL, &err), &err);
  char *dir = qb_str_printf("%s/db/t", wh);
  char *forms[] = {qb_str_printf("%s", dir), qb_str_printf("%s/", dir), qb_str_printf("file://%s", dir),
                   qb_str_printf("file:%s", dir)};
  for (size_t i = 0; i < 4; i++) {
    qb_table *t = NULL;
    int rc = qb_table_load(&t, bare, forms[i], &err);
    if (rc) fprintf(stderr, "  %s: %s\n", forms[i], err.msg);
    EXPECT(rc == QB_OK && qb_table_version(t) == 3);
    qb_table_free(t);
    free(forms[i]);
  }
  /* an explicit older metadata file is loaded as is, and a refresh keeps it */
  char *v2 = qb_str_printf("%s/metadata/v2.metadata.json", dir);
  qb_table *t;
  CHECK_OK(qb_table_load(&t, bare, v2, &err), &err);
  CHECK_EQ_INT(qb_table_version(t), 2);
  CHECK_EQ_STR(qb_table_location(t), dir);
  CHECK_OK(qb_table_refresh(t, &err), &err);
  CHECK_EQ_INT(qb_table_version(t), 2);
  /* ...but a commit always builds on the current version */
  qbt_setprop sp = {"k", "x", 0, 0, 0};
  CHECK_OK(qb_table_commit(t, qbt_set_property, &sp, NULL, &err), &err);
  CHECK_EQ_INT(sp.seen_version, 3);
  CHECK_EQ_INT(qb_table_version(t), 4);
  qb_table_free(t);
  /* a relative path */
  char cwd[4096];
  CHECK(getcwd(cwd, sizeof cwd) != NULL);
  CHECK(chdir(wh) == 0);
  int rc = qb_table_load(&t, bare, "./db/t", &err);
  int rc2 = chdir(cwd);
  CHECK_OK(rc, &err);
  CHECK(rc2 == 0);
  CHECK_EQ_INT(qb_table_version(t), 4);
  CHECK_EQ_STR(qb_table_location(t), dir);
  qb_table_free(t);
  /* an identifier needs a warehouse */
  CHECK_FAIL(qb_table_load(&t, bare, "db.t", &err), QB_EINVAL, &err, "no warehouse is set");
  CHECK_FAIL(qb_table_load(&t, cat, "db.missing", &err), QB_ENOTFOUND, &err, "no metadata file");
  CHECK_FAIL(qb_table_load(&t, cat, "db..t", &err), QB_EINVAL, &err, "invalid name");
  CHECK_FAIL(qb_table_load(&t, cat, "", &err), QB_EINVAL, &err, "empty table name");
  free(v2);
  free(dir);
  qb_catalog_free(bare);
  qb_catalog_free(cat);
  free(wh);
}

/* Tables written by other engines (tests/data/iceberg/PROVENANCE.md): which file each one is at. */
static const struct {
  const char *table;
  const char *file;
  int64_t version;
} corpus[] = {
    {"icebird-spark-rename-column", "v3.metadata.json", 3},                               /* Spark, hint 3 */
    {"duckdb-is-null", "00001-43ceeb9a-cd0d-4556-b1e2-513b5bf88ff8.metadata.json", 1},    /* DuckDB stem hint */
    {"icebird-athena-example", "00001-aaf0d033-d06b-43c7-be60-67f83abd4aca.metadata.json", 1}, /* no hint */
    {"duckdb-eqdelete-extra-column", "00001-55453390-51ec-4023-a1fa-290a9ae468fa.metadata.json", 1},
    {"duckdb-v1-existing-entries", "00004-v3-upgraded-v1-null-counts.metadata.json", 4},
    {"duckdb-lineitem-v1-gz-nohint", "v2.gz.metadata.json", 2}, /* gzip, no hint, .crc side files */
    {"duckdb-name-mapping", "v7.metadata.json", 7},             /* v3.1.metadata.json is not a version */
};

/* Independent decoding: the system's gzip, or the raw file. */
static char *expected_json(const char *path, size_t *n)
{
  if (!qb_str_has_suffix(path, ".gz.metadata.json")) return slurp(path, n);
  char *cmd = qb_str_printf("gzip -dc < '%s'", path);
  FILE *f = popen(cmd, "r");
  free(cmd);
  if (!f) return NULL;
  char *buf = malloc(1 << 20);
  *n = fread(buf, 1, (1 << 20) - 1, f);
  buf[*n] = '\0';
  pclose(f);
  return buf;
}

QB_TEST(tables_written_by_other_engines)
{
  qb_err err = QB_ERR_INIT;
  qb_catalog *cat;
  CHECK_OK(qb_catalog_open(&cat, NULL, NULL, &err), &err);
  for (size_t i = 0; i < sizeof corpus / sizeof corpus[0]; i++) {
    char *dir = qb_str_printf("%s/iceberg/%s", qb_test_data_dir(), corpus[i].table);
    qb_table *t = NULL;
    int rc = qb_table_load(&t, cat, dir, &err);
    if (rc) fprintf(stderr, "  %s: %s\n", corpus[i].table, err.msg);
    EXPECT(rc == QB_OK);
    if (rc == QB_OK) {
      if (strcmp(qb_path_base(qb_table_metadata_path(t)), corpus[i].file) || qb_table_version(t) != corpus[i].version)
        fprintf(stderr, "  %s: got %s (version %lld)\n", corpus[i].table, qb_table_metadata_path(t),
                (long long)qb_table_version(t));
      EXPECT(!strcmp(qb_path_base(qb_table_metadata_path(t)), corpus[i].file));
      EXPECT(qb_table_version(t) == corpus[i].version);
      size_t n;
      char *want = expected_json(qb_table_metadata_path(t), &n);
      qb_slice js = qb_table_metadata_json(t);
      EXPECT(want && js.n == n && !memcmp(js.p, want, n) && js.p[n] == '\0');
      free(want);
    }
    qb_table_free(t);
    free(dir);
  }
  /* a file that only its name reaches */
  char *vfinal = qb_str_printf("%s/iceberg/duckdb-eqdelete-extra-column/metadata/vfinal.metadata.json",
                               qb_test_data_dir());
  qb_table *t;
  CHECK_OK(qb_table_load(&t, cat, vfinal, &err), &err);
  CHECK_EQ_INT(qb_table_version(t), -1);
  CHECK(strstr((const char *)qb_table_metadata_json(t).p, "9876543210123456789") != NULL);
  qb_table_free(t);
  free(vfinal);
  qb_catalog_free(cat);
}

QB_TEST(committing_on_a_table_written_by_spark)
{
  qb_err err = QB_ERR_INIT;
  char *dir = qb_str_printf("%s/spark", qb_test_tmpdir());
  char *cmd = qb_str_printf("cp -r '%s/iceberg/icebird-spark-rename-column' '%s' && chmod -R u+w '%s'",
                            qb_test_data_dir(), dir, dir);
  CHECK(system(cmd) == 0);
  qb_catalog *cat;
  CHECK_OK(qb_catalog_open(&cat, NULL, NULL, &err), &err);
  qb_table *t;
  CHECK_OK(qb_table_load(&t, cat, dir, &err), &err);
  qbt_setprop sp = {"qberg.touched", "yes", 0, 0, 0};
  qb_commit_info info;
  CHECK_OK(qb_table_commit(t, qbt_set_property, &sp, &info, &err), &err);
  CHECK_EQ_INT(info.version, 4);
  qb_table_free(t);
  CHECK_OK(qb_table_load(&t, cat, dir, &err), &err);
  CHECK_EQ_INT(qb_table_version(t), 4);
  char *v = qbt_get_property(qb_table_metadata_json(t).p, qb_table_metadata_json(t).n, "qberg.touched");
  CHECK_EQ_STR(v, "yes");
  free(v);
  qb_table_free(t);
  qb_catalog_free(cat);
  free(cmd);
  free(dir);
}

QB_TEST(gzip_metadata)
{
  qb_err err = QB_ERR_INIT;
  char *wh = qb_str_printf("%s/wh", qb_test_tmpdir());
  qb_catalog *cat;
  CHECK_OK(qb_catalog_open(&cat, wh, NULL, &err), &err);
  qbt_make mk = {"{\"write.metadata.compression-codec\":\"gzip\"}"};
  qb_table *t;
  CHECK_OK(qb_catalog_create_table(&t, cat, "db.z", qbt_make_table, &mk, NULL, &err), &err);
  char *v1 = qb_str_printf("%s/db/z/metadata/v1.gz.metadata.json", wh);
  CHECK(file_exists(v1));
  qbt_setprop sp = {"k", "v", 0, 0, 0};
  CHECK_OK(qb_table_commit(t, qbt_set_property, &sp, NULL, &err), &err);
  qb_table_free(t);
  CHECK_OK(qb_table_load(&t, cat, "db.z", &err), &err);
  CHECK_EQ_INT(qb_table_version(t), 2);
  size_t n;
  char *want = expected_json(qb_table_metadata_path(t), &n); /* gzip(1) reads what we wrote */
  CHECK(want && n == qb_table_metadata_json(t).n && !memcmp(want, qb_table_metadata_json(t).p, n));
  free(want);
  qb_table_free(t);
  /* corrupt gzip: a clear error naming the file */
  char *v3 = qb_str_printf("%s/db/z/metadata/v3.gz.metadata.json", wh);
  write_file(v3, "\x1f\x8b\x08\x00garbage-garbage", 19);
  CHECK_FAIL(qb_table_load(&t, cat, "db.z", &err), QB_ECORRUPT, &err, "gzip");
  CHECK(strstr(err.msg, "v3.gz.metadata.json"));
  free(v3);
  free(v1);
  qb_catalog_free(cat);
  free(wh);
}

QB_TEST(namespaces)
{
  qb_err err = QB_ERR_INIT;
  char *wh = qb_str_printf("%s/wh", qb_test_tmpdir());
  qb_catalog *cat;
  CHECK_OK(qb_catalog_open(&cat, wh, NULL, &err), &err);
  char buf[1024] = "";
  /* no warehouse folder yet: an error, not an empty warehouse (a mistyped -w made fsck --all say "clean") */
  CHECK_FAIL(qb_catalog_list_namespaces(cat, NULL, collect_cb, buf, &err), QB_ENOTFOUND, &err, "/wh does not exist");
  CHECK_FAIL(qb_catalog_list_tables(cat, NULL, collect_cb, buf, &err), QB_ENOTFOUND, &err, "/wh does not exist");
  CHECK_EQ_STR(buf, "");
  CHECK_OK(qb_catalog_create_namespace(cat, "b", &err), &err);
  CHECK_OK(qb_catalog_create_namespace(cat, "a", &err), &err);
  CHECK_OK(qb_catalog_create_namespace(cat, "a.x.y", &err), &err); /* parents made */
  CHECK_FAIL(qb_catalog_create_namespace(cat, "a", &err), QB_EEXISTS, &err, "already exists");
  CHECK_FAIL(qb_catalog_create_namespace(cat, "a..b", &err), QB_EINVAL, &err, "invalid name");
  CHECK_FAIL(qb_catalog_create_namespace(cat, "../etc", &err), QB_EINVAL, &err, "invalid name");
  char *hidden = qb_str_printf("%s/.trash", wh), *under = qb_str_printf("%s/_tmp", wh);
  mkdir(hidden, 0777);
  mkdir(under, 0777);
  qb_table *t;
  CHECK_OK(qb_catalog_create_table(&t, cat, "a.t1", qbt_make_table, NULL, NULL, &err), &err);
  qb_table_free(t);
  CHECK_FAIL(qb_catalog_create_namespace(cat, "a.t1", &err), QB_EEXISTS, &err, "(a table)");
  CHECK_OK(qb_catalog_list_namespaces(cat, NULL, collect_cb, buf, &err), &err);
  CHECK_EQ_STR(buf, "a b");
  buf[0] = '\0';
  CHECK_OK(qb_catalog_list_namespaces(cat, "a", collect_cb, buf, &err), &err); /* a.t1 is a table */
  CHECK_EQ_STR(buf, "a.x");
  buf[0] = '\0';
  CHECK_OK(qb_catalog_list_namespaces(cat, "a.x", collect_cb, buf, &err), &err);
  CHECK_EQ_STR(buf, "a.x.y");
  CHECK_FAIL(qb_catalog_list_namespaces(cat, "nope", collect_cb, buf, &err), QB_ENOTFOUND, &err, "no namespace");
  CHECK_FAIL(qb_catalog_drop_namespace(cat, "a", &err), QB_EINVAL, &err, "not empty");
  CHECK_FAIL(qb_catalog_drop_namespace(cat, "zz", &err), QB_ENOTFOUND, &err, "no namespace zz");
  CHECK_OK(qb_catalog_drop_namespace(cat, "b", &err), &err);
  buf[0] = '\0';
  CHECK_OK(qb_catalog_list_namespaces(cat, NULL, collect_cb, buf, &err), &err);
  CHECK_EQ_STR(buf, "a");
  free(hidden);
  free(under);
  qb_catalog_free(cat);
  free(wh);
}

QB_TEST(list_drop_rename)
{
  qb_err err = QB_ERR_INIT;
  char *wh = qb_str_printf("%s/wh", qb_test_tmpdir());
  qb_catalog *cat;
  CHECK_OK(qb_catalog_open(&cat, wh, NULL, &err), &err);
  const char *idents[] = {"db.t2", "db.t1", "a.b.t3", "top"};
  for (size_t i = 0; i < 4; i++)
    CHECK_OK(qb_catalog_create_table(NULL, cat, idents[i], qbt_make_table, NULL, NULL, &err), &err);
  char buf[1024] = "";
  CHECK_OK(qb_catalog_list_tables(cat, NULL, collect_cb, buf, &err), &err);
  CHECK_EQ_STR(buf, "a.b.t3 db.t1 db.t2 top");
  buf[0] = '\0';
  CHECK_OK(qb_catalog_list_tables(cat, "db", collect_cb, buf, &err), &err);
  CHECK_EQ_STR(buf, "db.t1 db.t2");
  buf[0] = '\0';
  CHECK_OK(qb_catalog_list_tables(cat, "a", collect_cb, buf, &err), &err); /* one level only */
  CHECK_EQ_STR(buf, "");

  /* drop: gone, and loading says so; the other tables stay */
  char *data = qb_str_printf("%s/db/t1/data/x.parquet", wh);
  char *cmd = qb_str_printf("mkdir -p %s/db/t1/data && echo x > %s", wh, data);
  CHECK(system(cmd) == 0);
  CHECK_OK(qb_catalog_drop_table(cat, "db.t1", false, &err), &err);
  char *t1 = qb_str_printf("%s/db/t1", wh);
  CHECK(!file_exists(t1));
  qb_table *t;
  CHECK_FAIL(qb_table_load(&t, cat, "db.t1", &err), QB_ENOTFOUND, &err, "no metadata");
  CHECK_FAIL(qb_catalog_drop_table(cat, "db.t1", false, &err), QB_ENOTFOUND, &err, "is not a table");
  CHECK_FAIL(qb_catalog_drop_table(cat, "db", false, &err), QB_ENOTFOUND, &err, "is not a table"); /* a namespace */
  buf[0] = '\0';
  CHECK_OK(qb_catalog_list_tables(cat, NULL, collect_cb, buf, &err), &err);
  CHECK_EQ_STR(buf, "a.b.t3 db.t2 top");

  /* rename: the directory moves, never over another table */
  CHECK_OK(qb_table_load(&t, cat, "db.t2", &err), &err);
  char *before = strdup((const char *)qb_table_metadata_json(t).p);
  qb_table_free(t);
  CHECK_OK(qb_catalog_rename_table(cat, "db.t2", "other.t9", &err), &err);
  CHECK_OK(qb_table_load(&t, cat, "other.t9", &err), &err);
  CHECK_EQ_STR((const char *)qb_table_metadata_json(t).p, before);
  qb_table_free(t);
  CHECK_FAIL(qb_table_load(&t, cat, "db.t2", &err), QB_ENOTFOUND, &err, "no metadata");
  CHECK_FAIL(qb_catalog_rename_table(cat, "other.t9", "top", &err), QB_EEXISTS, &err, "already exists");
  CHECK_FAIL(qb_catalog_rename_table(cat, "db.t2", "db.t5", &err), QB_ENOTFOUND, &err, "is not a table");
  CHECK_FAIL(qb_catalog_rename_table(cat, "top", "top", &err), QB_EINVAL, &err, "the same table");
  /* after the rename, commits go on in the new place */
  CHECK_OK(qb_table_load(&t, cat, "other.t9", &err), &err);
  qbt_setprop sp = {"k", "v", 0, 0, 0};
  CHECK_OK(qb_table_commit(t, qbt_set_property, &sp, NULL, &err), &err);
  CHECK_EQ_INT(qb_table_version(t), 2);
  qb_table_free(t);
  free(before);
  free(t1);
  free(cmd);
  free(data);
  qb_catalog_free(cat);
  free(wh);
}

/* The same catalog on a FileIO without directory operations (as on an object store): listing-based. */
QB_TEST(store_without_directories)
{
  qb_err err = QB_ERR_INIT;
  qb_fileio *io;
  CHECK_OK(qb_fileio_local_new(&io, &err), &err);
  io->dir = NULL;
  char *wh = qb_str_printf("%s/wh", qb_test_tmpdir());
  qb_catalog_options o = QB_CATALOG_OPTIONS_INIT;
  o.io = io;
  qb_catalog *cat;
  CHECK_OK(qb_catalog_open(&cat, wh, &o, &err), &err);
  CHECK_OK(qb_catalog_create_table(NULL, cat, "db.t1", qbt_make_table, NULL, NULL, &err), &err);
  CHECK_OK(qb_catalog_create_table(NULL, cat, "db.t2", qbt_make_table, NULL, NULL, &err), &err);
  CHECK_OK(qb_catalog_create_table(NULL, cat, "ns.x.t3", qbt_make_table, NULL, NULL, &err), &err);
  char buf[512] = "";
  CHECK_OK(qb_catalog_list_tables(cat, NULL, collect_cb, buf, &err), &err);
  CHECK_EQ_STR(buf, "db.t1 db.t2 ns.x.t3");
  buf[0] = '\0';
  CHECK_OK(qb_catalog_list_namespaces(cat, NULL, collect_cb, buf, &err), &err);
  CHECK_EQ_STR(buf, "db ns");
  char *hp = qb_str_printf("%s/db/t1/metadata/version-hint.text", wh);
  unlink(hp);
  qb_table *t;
  CHECK_OK(qb_table_load(&t, cat, "db.t1", &err), &err);
  CHECK_EQ_INT(qb_table_version(t), 1);
  qb_table_free(t);
  CHECK_OK(qb_catalog_drop_table(cat, "db.t1", false, &err), &err);
  CHECK_FAIL(qb_table_load(&t, cat, "db.t1", &err), QB_ENOTFOUND, &err, "no metadata");
  CHECK_FAIL(qb_catalog_rename_table(cat, "db.t2", "db.t4", &err), QB_EUNSUPPORTED, &err, "cannot rename");
  free(hp);
  qb_catalog_free(cat);
  qb_fileio_free(io);
  free(wh);
}

/* A table nested in a table's directory (made before create refused nesting) is another table: dropping the
 * outer one (plain or purge) leaves it loadable, on a FileIO with directories and on one without (listing
 * and batch deletes, as on S3); the outer table's own files all go. */
QB_TEST(drop_leaves_nested_table)
{
  for (int store = 0; store < 2; store++) {
    for (int purge = 0; purge < 2; purge++) {
      qb_err err = QB_ERR_INIT;
      qb_fileio *io;
      CHECK_OK(qb_fileio_local_new(&io, &err), &err);
      if (store) {
        io->dir = NULL;
        io->caps &= ~(unsigned)QB_IO_RENAME;
      }
      char *wh = qb_str_printf("%s/nest%d%d", qb_test_tmpdir(), store, purge);
      qb_catalog_options o = QB_CATALOG_OPTIONS_INIT;
      o.io = io;
      qb_catalog *cat;
      CHECK_OK(qb_catalog_open(&cat, wh, &o, &err), &err);
      CHECK_OK(qb_catalog_create_table(NULL, cat, "db.t", qbt_make_table, NULL, NULL, &err), &err);
      CHECK_OK(qb_catalog_create_table(NULL, cat, "db.u", qbt_make_table, NULL, NULL, &err), &err);
      char *cmd = qb_str_printf("mv %s/db/u %s/db/t/u && mkdir -p %s/db/t/data/p=1 && echo x > %s/db/t/data/p=1/f",
                                wh, wh, wh, wh);
      CHECK(system(cmd) == 0);
      qb_table *t;
      CHECK_OK(qb_table_load(&t, cat, "db.t.u", &err), &err);
      qb_table_free(t);
      /* the whole-warehouse listing (tables, fsck --all, maintain all) has it too: it skipped it (found by
       * exploreO); a table's data/ and metadata/ are not walked */
      char buf[256] = "";
      CHECK_OK(qb_catalog_list_tables(cat, NULL, collect_cb, buf, &err), &err);
      CHECK_EQ_STR(buf, "db.t db.t.u");
      buf[0] = '\0';
      CHECK_OK(qb_catalog_list_tables(cat, "db.t", collect_cb, buf, &err), &err);
      CHECK_EQ_STR(buf, "db.t.u");
      CHECK_OK(qb_catalog_drop_table(cat, "db.t", purge, &err), &err);
      CHECK_FAIL(qb_table_load(&t, cat, "db.t", &err), QB_ENOTFOUND, &err, "no metadata");
      CHECK_OK(qb_table_load(&t, cat, "db.t.u", &err), &err);
      qb_table_free(t);
      char *p = qb_str_printf("%s/db/t/data", wh), *m = qb_str_printf("%s/db/t/metadata/v1.metadata.json", wh);
      CHECK(!file_exists(p) || store); /* without directories, an emptied one is no object to remove */
      CHECK(!file_exists(m));
      free(p);
      p = qb_str_printf("%s/db/t/data/p=1/f", wh);
      CHECK(!file_exists(p));
      free(p);
      free(m);
      free(cmd);
      qb_catalog_free(cat);
      qb_fileio_free(io);
      free(wh);
    }
  }
}
