/* SPDX-License-Identifier: Apache-2.0 */
/* The lean path scanner against the full Avro decoder: every manifest list and manifest under tests/data
 * (written by Java, Spark, DuckDB, PyIceberg, iceberg-rust, qberg) reads to the same fields as a decode with a
 * projection schema resolved by field id; truncated and mutated files fail cleanly or agree with the decoder. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "iceberg/manifest_paths.h"
#include "qberg/qberg.h"

static const char LIST_SCHEMA[] =
    "{\"type\":\"record\",\"name\":\"manifest_file\",\"fields\":["
    "{\"name\":\"manifest_path\",\"type\":\"string\",\"field-id\":500},"
    "{\"name\":\"content\",\"type\":\"int\",\"field-id\":517,\"default\":0},"
    "{\"name\":\"added_snapshot_id\",\"type\":[\"null\",\"long\"],\"field-id\":503,\"default\":null},"
    "{\"name\":\"added_files_count\",\"aliases\":[\"added_data_files_count\"],\"type\":[\"null\",\"int\"],\"field-id\":504,\"default\":null},"
    "{\"name\":\"existing_files_count\",\"aliases\":[\"existing_data_files_count\"],\"type\":[\"null\",\"int\"],\"field-id\":505,\"default\":null}]}";
static const char MANIFEST_SCHEMA[] =
    "{\"type\":\"record\",\"name\":\"manifest_entry\",\"fields\":["
    "{\"name\":\"status\",\"type\":\"int\",\"field-id\":0},"
    "{\"name\":\"data_file\",\"field-id\":2,\"type\":{\"type\":\"record\",\"name\":\"r2\",\"fields\":["
    "{\"name\":\"content\",\"type\":\"int\",\"field-id\":134,\"default\":0},"
    "{\"name\":\"file_path\",\"type\":\"string\",\"field-id\":100}]}}]}";

/* Records as text lines: "path|a|b|c|d\n" */
typedef struct out {
  char *s;
  size_t n, cap;
} out;

static int put(out *o, const char *path, int64_t a, int64_t b, int64_t c, int64_t d, qb_err *err)
{
  char line[64];
  int ln = snprintf(line, sizeof line, "|%lld|%lld|%lld|%lld\n", (long long)a, (long long)b, (long long)c,
                    (long long)d);
  size_t pn = strlen(path);
  if (o->n + pn + (size_t)ln + 1 > o->cap) {
    size_t cap = 2 * (o->n + pn + (size_t)ln + 1);
    char *g = realloc(o->s, cap);
    if (!g) return QB_FAIL(err, QB_ENOMEM, "oom");
    o->s = g;
    o->cap = cap;
  }
  memcpy(o->s + o->n, path, pn);
  memcpy(o->s + o->n + pn, line, (size_t)ln + 1);
  o->n += pn + (size_t)ln;
  return QB_OK;
}

static int on_item(void *ctx, const qb_mp_list_item *it, qb_err *err)
{
  return put(ctx, it->path, it->content, it->added_snapshot_id, it->added_files, it->existing_files, err);
}

static int on_entry(void *ctx, const qb_mp_entry *e, qb_err *err)
{
  return put(ctx, e->path, e->status, e->content, 0, 0, err);
}

static int64_t num(const qb_value *v, int64_t def)
{
  return v->kind == QB_V_INT32 ? v->u.i32 : v->kind == QB_V_INT64 ? v->u.i64 : def;
}

/* The same lines through the full decoder and schema resolution (v1 names as aliases, as the scanner has them) */
static int full(out *o, qb_fileio *io, const char *path, bool list, qb_err *err)
{
  qb_avro_schema *s;
  const char *js = list ? LIST_SCHEMA : MANIFEST_SCHEMA;
  int rc = qb_avro_schema_parse(&s, js, strlen(js), err);
  if (rc) return rc;
  qb_avro_read_options opt = QB_AVRO_READ_OPTIONS_INIT;
  opt.reader_schema = s;
  qb_avro_reader *r;
  if ((rc = qb_avro_reader_open_path(&r, io, path, &opt, err)) == QB_OK) {
    const qb_value *v;
    char buf[4096];
    while (rc == QB_OK && (rc = qb_avro_reader_next(&v, r, err)) == QB_OK && v) {
      const qb_value *p = list ? &v->u.seq.items[0] : &v->u.seq.items[1].u.seq.items[1];
      if (p->kind != QB_V_STRING || p->u.bytes.n >= sizeof buf) {
        rc = QB_FAIL(err, QB_ECORRUPT, "path not a string");
        break;
      }
      memcpy(buf, p->u.bytes.p, p->u.bytes.n);
      buf[p->u.bytes.n] = '\0';
      if (list)
        rc = put(o, buf, num(&v->u.seq.items[1], 0), num(&v->u.seq.items[2], -1), num(&v->u.seq.items[3], -1),
                 num(&v->u.seq.items[4], -1), err);
      else
        rc = put(o, buf, num(&v->u.seq.items[0], -1), num(&v->u.seq.items[1].u.seq.items[0], 0), 0, 0, err);
    }
    qb_avro_reader_close(r);
  }
  qb_avro_schema_free(s);
  return rc;
}

/* 1: manifest list, 0: manifest, -1: other Avro */
static int kind_of(qb_fileio *io, const char *path)
{
  qb_err err = QB_ERR_INIT;
  qb_avro_reader *r;
  if (qb_avro_reader_open_path(&r, io, path, NULL, &err)) return -1;
  const qb_avro_node *root = qb_avro_schema_root(qb_avro_reader_writer_schema(r));
  int k = -1;
  if (qb_avro_node_field_index_by_id(root, 500) >= 0) k = 1;
  else if (qb_avro_node_field_index_by_id(root, 0) >= 0 && qb_avro_node_field_index_by_id(root, 2) >= 0) k = 0;
  qb_avro_reader_close(r);
  return k;
}

static char *files[512];
static size_t n_files;

static int collect(const char *p, const struct stat *st, int type, struct FTW *ftw)
{
  (void)st;
  (void)ftw;
  size_t n = strlen(p);
  if (type == FTW_F && n > 5 && !strcmp(p + n - 5, ".avro") && n_files < 512) files[n_files++] = strdup(p);
  return 0;
}

static void free_files(void)
{
  for (size_t i = 0; i < n_files; i++) free(files[i]);
  n_files = 0;
}

QB_TEST(every_corpus_file_reads_like_the_full_decoder)
{
  qb_err err = QB_ERR_INIT;
  qb_fileio *io;
  qb_manifest_paths *mp;
  CHECK_OK(qb_fileio_local_new(&io, &err), &err);
  CHECK_OK(qb_manifest_paths__new(&mp, &err), &err);
  CHECK(nftw(qb_test_data_dir(), collect, 16, FTW_PHYS) == 0);
  size_t lists = 0, manifests = 0, lines = 0;
  for (size_t i = 0; i < n_files; i++) {
    int k = kind_of(io, files[i]);
    if (k < 0) continue;
    out a = {0}, b = {0};
    qb_err e1 = QB_ERR_INIT, e2 = QB_ERR_INIT;
    int r1 = k ? qb_manifest_paths__list(mp, io, files[i], on_item, &a, &e1)
               : qb_manifest_paths__manifest(mp, io, files[i], on_entry, &a, &e1);
    int r2 = full(&b, io, files[i], k == 1, &e2);
    if (r1 != r2 || (r1 == QB_OK && (a.n != b.n || (a.n && memcmp(a.s, b.s, a.n)))))
      fprintf(stderr, "  %s: lean %s '%s' / full %s '%s'\n%.*s---\n%.*s", files[i], qb_code_name(r1), e1.msg,
              qb_code_name(r2), e2.msg, (int)a.n, a.s ? a.s : "", (int)b.n, b.s ? b.s : "");
    EXPECT(r1 == r2 && a.n == b.n && (!a.n || !memcmp(a.s, b.s, a.n)));
    k ? lists++ : manifests++;
    for (size_t j = 0; j < a.n; j++) lines += a.s[j] == '\n';
    free(a.s);
    free(b.s);
  }
  free_files();
  fprintf(stderr, "  %zu manifest lists, %zu manifests, %zu records\n", lists, manifests, lines);
  EXPECT(lists >= 20 && manifests >= 30);
  qb_manifest_paths__free(mp);
  qb_fileio_free(io);
}

/* Re-encode a corpus manifest without compression, so mutations reach the record bytes the scanner walks. */
static int reencode(qb_fileio *io, const char *src, const char *dst, qb_err *err)
{
  qb_avro_reader *r;
  int rc = qb_avro_reader_open_path(&r, io, src, NULL, err);
  if (rc) return rc;
  qb_writer *w = NULL;
  qb_avro_writer *aw = NULL;
  qb_avro_write_options o = QB_AVRO_WRITE_OPTIONS_INIT;
  o.block_bytes = 700; /* several blocks */
  if ((rc = qb_fileio_create(&w, io, dst, QB_CREATE_OVERWRITE_VOLATILE, err)) == QB_OK)
    rc = qb_avro_writer_open(&aw, w, qb_avro_reader_writer_schema(r), &o, err);
  const qb_value *v;
  while (rc == QB_OK && (rc = qb_avro_reader_next(&v, r, err)) == QB_OK && v) rc = qb_avro_writer_append(aw, v, err);
  if (rc == QB_OK) rc = qb_avro_writer_close(aw, err);
  else qb_avro_writer_abort(aw);
  if (rc == QB_OK) rc = qb_writer_close(w, err);
  else qb_writer_abort(w);
  qb_avro_reader_close(r);
  return rc;
}

static void mutate_and_compare(qb_fileio *io, qb_manifest_paths *mp, const char *src, bool list, size_t *agree,
                               size_t *failed)
{
  qb_err err = QB_ERR_INIT;
  char *plain = NULL, *mut = NULL;
  uint8_t *bytes = NULL;
  size_t n = 0;
  if (asprintf(&plain, "%s/plain.avro", qb_test_tmpdir()) < 0 || asprintf(&mut, "%s/mut.avro", qb_test_tmpdir()) < 0)
    return;
  CHECK_OK(reencode(io, src, plain, &err), &err);
  CHECK_OK(qb_fileio_read_all(&bytes, &n, io, plain, 1 << 24, &err), &err);
  /* the records start after the header, which ends with the sync marker: mutate every byte from there on,
   * and every 37th byte of the header */
  qb_avro_reader *r;
  CHECK_OK(qb_avro_reader_open_path(&r, io, plain, NULL, &err), &err);
  size_t body = 0;
  for (size_t i = 0; i + 16 <= n && !body; i++)
    if (!memcmp(bytes + i, qb_avro_reader_sync(r), 16)) body = i;
  qb_avro_reader_close(r);
  CHECK(body > 0);
  for (size_t off = 0; off < n; off += off < body ? 37 : 1) {
    for (int m = 0; m < 3; m++) {
      uint8_t save = bytes[off];
      size_t len = m == 0 ? off : n;
      if (m == 1) bytes[off] ^= 0xff;
      if (m == 2) bytes[off] = (uint8_t)(save + 1);
      CHECK_OK(qb_fileio_write_all(io, mut, bytes, len, QB_CREATE_OVERWRITE_VOLATILE, &err), &err);
      bytes[off] = save;
      out a = {0}, b = {0};
      qb_err e1 = QB_ERR_INIT, e2 = QB_ERR_INIT;
      int r1 = list ? qb_manifest_paths__list(mp, io, mut, on_item, &a, &e1)
                    : qb_manifest_paths__manifest(mp, io, mut, on_entry, &a, &e1);
      int r2 = full(&b, io, mut, list, &e2);
      EXPECT(r1 == QB_OK || r1 == QB_ECORRUPT || r1 == QB_ELIMIT || r1 == QB_EUNSUPPORTED || r1 == QB_EINVAL);
      EXPECT(r1 == QB_OK || e1.msg[0]);
      /* both walk every byte by the writer schema: they accept and reject the same files */
      bool same = (r1 == QB_OK) == (r2 == QB_OK) &&
                  (r1 != QB_OK || (a.n == b.n && (!a.n || !memcmp(a.s, b.s, a.n))));
      /* a schema mutated to lose a required field: resolution reads it as null, the scanner refuses it */
      if (r1 == QB_ECORRUPT && r2 == QB_OK && strstr(e1.msg, "the schema lacks")) same = true;
      if (!same && *failed < 5)
        fprintf(stderr, "  offset %zu mutation %d: lean %s '%s' / full %s '%s'\n%.*s---\n%.*s", off, m,
                qb_code_name(r1), e1.msg, qb_code_name(r2), e2.msg, (int)a.n, a.s ? a.s : "", (int)b.n,
                b.s ? b.s : "");
      if (same) (*agree)++;
      else (*failed)++;
      free(a.s);
      free(b.s);
    }
  }
  free(bytes);
  free(plain);
  free(mut);
}

QB_TEST(mutated_files_fail_cleanly_like_the_decoder)
{
  qb_err err = QB_ERR_INIT;
  qb_fileio *io;
  qb_manifest_paths *mp;
  CHECK_OK(qb_fileio_local_new(&io, &err), &err);
  CHECK_OK(qb_manifest_paths__new(&mp, &err), &err);
  char m[1024], l[1024];
  snprintf(m, sizeof m, "%s/manifest/icebird-spark-bunnies", qb_test_data_dir());
  CHECK(nftw(m, collect, 16, FTW_PHYS) == 0);
  const char *man = NULL, *lst = NULL;
  for (size_t i = 0; i < n_files; i++) {
    int k = kind_of(io, files[i]);
    if (k == 0 && !man) man = files[i];
    if (k == 1 && !lst) lst = files[i];
  }
  CHECK(man && lst);
  snprintf(m, sizeof m, "%s", man);
  snprintf(l, sizeof l, "%s", lst);
  free_files();
  size_t agree = 0, failed = 0;
  mutate_and_compare(io, mp, m, false, &agree, &failed);
  mutate_and_compare(io, mp, l, true, &agree, &failed);
  fprintf(stderr, "  %zu mutations agree, %zu differ\n", agree, failed);
  EXPECT(failed == 0 && agree > 1000);
  qb_manifest_paths__free(mp);
  qb_fileio_free(io);
}

QB_TEST(not_a_manifest_is_corrupt)
{
  qb_err err = QB_ERR_INIT;
  qb_fileio *io;
  qb_manifest_paths *mp;
  CHECK_OK(qb_fileio_local_new(&io, &err), &err);
  CHECK_OK(qb_manifest_paths__new(&mp, &err), &err);
  CHECK(nftw(qb_test_data_dir(), collect, 16, FTW_PHYS) == 0);
  const char *lst = NULL;
  for (size_t i = 0; i < n_files && !lst; i++)
    if (kind_of(io, files[i]) == 1) lst = files[i];
  CHECK(lst);
  out a = {0};
  /* a manifest list read as a manifest lacks status and data_file */
  CHECK_FAIL(qb_manifest_paths__manifest(mp, io, lst, on_entry, &a, &err), QB_ECORRUPT, &err, "lacks status");
  CHECK(strstr(err.msg, lst));
  free(a.s);
  free_files();
  qb_manifest_paths__free(mp);
  qb_fileio_free(io);
}

/* Schemas no Iceberg writer produces, for the compiler's other paths: a record type used twice, a recursive
 * type, maps, enums, fixed, a null-only record in an array, fields in another order, the path in a union */
QB_TEST(odd_schemas_read_like_the_decoder)
{
  static const char SCHEMA[] =
      "{\"type\":\"record\",\"name\":\"e\",\"fields\":["
      "{\"name\":\"pair\",\"type\":{\"type\":\"record\",\"name\":\"p\",\"fields\":[{\"name\":\"a\",\"type\":\"long\"},"
      "{\"name\":\"b\",\"type\":[\"null\",\"string\"]}]}},"
      "{\"name\":\"again\",\"type\":\"p\"},"
      "{\"name\":\"list\",\"type\":{\"type\":\"record\",\"name\":\"node\",\"fields\":[{\"name\":\"v\",\"type\":\"int\"},"
      "{\"name\":\"next\",\"type\":[\"null\",\"node\"]}]}},"
      "{\"name\":\"data_file\",\"field-id\":2,\"type\":{\"type\":\"record\",\"name\":\"df\",\"fields\":["
      "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":{\"type\":\"enum\",\"name\":\"k\",\"symbols\":[\"X\",\"Y\"]}}},"
      "{\"name\":\"file_path\",\"field-id\":100,\"type\":[\"null\",\"string\"]},"
      "{\"name\":\"f\",\"type\":{\"type\":\"fixed\",\"name\":\"f4\",\"size\":4}},"
      "{\"name\":\"nulls\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"z\",\"fields\":["
      "{\"name\":\"n\",\"type\":\"null\"}]}}},"
      "{\"name\":\"content\",\"field-id\":134,\"type\":\"int\"}]}},"
      "{\"name\":\"status\",\"field-id\":0,\"type\":\"int\"},"
      "{\"name\":\"tail\",\"type\":[\"null\",\"p\",\"double\"]}]}";
  static const char *const RECS[] = {
      "{\"pair\":{\"a\":1,\"b\":\"x\"},\"again\":{\"a\":-7,\"b\":null},\"list\":{\"v\":1,\"next\":{\"v\":2,\"next\":"
      "{\"v\":3,\"next\":null}}},\"data_file\":{\"m\":{\"a\":\"Y\",\"b\":\"X\"},\"file_path\":\"s3://b/t/data/1.parquet\","
      "\"f\":{\"$hex\":\"01020304\"},\"nulls\":[{\"n\":null},{\"n\":null}],\"content\":2},\"status\":1,"
      "\"tail\":{\"a\":5,\"b\":\"y\"}}",
      "{\"pair\":{\"a\":0,\"b\":null},\"again\":{\"a\":0,\"b\":\"zz\"},\"list\":{\"v\":9,\"next\":null},"
      "\"data_file\":{\"m\":{},\"file_path\":\"/local/2.parquet\",\"f\":{\"$hex\":\"00000000\"},\"nulls\":[],"
      "\"content\":0},\"status\":2,\"tail\":2.5}",
      "{\"pair\":{\"a\":3,\"b\":null},\"again\":{\"a\":4,\"b\":null},\"list\":{\"v\":0,\"next\":null},"
      "\"data_file\":{\"m\":{\"q\":\"X\"},\"file_path\":null,\"f\":{\"$hex\":\"ffffffff\"},\"nulls\":[{\"n\":null}],"
      "\"content\":1},\"status\":0,\"tail\":null}"};
  qb_err err = QB_ERR_INIT;
  qb_fileio *io;
  qb_manifest_paths *mp;
  qb_avro_schema *s;
  CHECK_OK(qb_fileio_local_new(&io, &err), &err);
  CHECK_OK(qb_manifest_paths__new(&mp, &err), &err);
  CHECK_OK(qb_avro_schema_parse(&s, SCHEMA, strlen(SCHEMA), &err), &err);
  for (int nrec = 2; nrec <= 3; nrec++) {
    char path[1024];
    snprintf(path, sizeof path, "%s/odd%d.avro", qb_test_tmpdir(), nrec);
    qb_writer *w;
    qb_avro_writer *aw;
    CHECK_OK(qb_fileio_create(&w, io, path, QB_CREATE_OVERWRITE_VOLATILE, &err), &err);
    CHECK_OK(qb_avro_writer_open(&aw, w, s, NULL, &err), &err);
    for (int i = 0; i < nrec; i++) CHECK_OK(qb_avro_writer_append_json(aw, RECS[i], strlen(RECS[i]), &err), &err);
    CHECK_OK(qb_avro_writer_close(aw, &err), &err);
    CHECK_OK(qb_writer_close(w, &err), &err);
    out a = {0}, b = {0};
    if (nrec == 2) {
      CHECK_OK(qb_manifest_paths__manifest(mp, io, path, on_entry, &a, &err), &err);
      CHECK_OK(full(&b, io, path, false, &err), &err);
      CHECK_EQ_STR(a.s, "s3://b/t/data/1.parquet|1|2|0|0\n/local/2.parquet|2|0|0|0\n");
      CHECK_EQ_STR(a.s, b.s);
    } else { /* a null path: corrupt, naming the record */
      CHECK_FAIL(qb_manifest_paths__manifest(mp, io, path, on_entry, &a, &err), QB_ECORRUPT, &err,
                 "block 0: record 2: data_file.file_path is null");
    }
    free(a.s);
    free(b.s);
  }
  qb_avro_schema_free(s);
  qb_manifest_paths__free(mp);
  qb_fileio_free(io);
}
