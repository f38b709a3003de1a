/* SPDX-License-Identifier: Apache-2.0 */
/* Builder commits publish v<N+1>.metadata.json streamed from pieces (the cached snapshots text between the
 * rest of the document): the file must be byte for byte what the one-buffer serialiser writes for the same
 * metadata, and what a parse + serialise of the file gives, through appends, tags, branches, rollbacks,
 * snapshot removals, property changes, raw-JSON commits in between, a reloaded handle and gzip. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_int.h"
#include "harness.h"
#include "qberg/catalog.h"
#include "util/str.h"

typedef struct step {
  int k;        /* commit number */
  int64_t *ids; /* snapshot ids added so far (owned by the test) */
  size_t *n_ids;
} step;

/* commit k: one snapshot on main, and every few commits a tag, a branch, a rollback, a removal or properties */
static int one_step(void *ctx, const qb_commit_base *base, qb_metadata_builder *b, qb_err *err)
{
  step *s = ctx;
  const qb_table_metadata *md = base->metadata;
  int64_t id = 1000 + s->k * 7;
  char list[160], tr[24], tag[32];
  snprintf(list, sizeof list, "%s/metadata/snap-%d-1-%08x.avro", base->table_location, s->k, (unsigned)s->k * 2654435761u);
  snprintf(tr, sizeof tr, "%d", s->k);
  qb_kv summary[] = {{"added-records", "1"}, {"total-records", tr}, {"engine-name", "qberg \"test\"\n"}};
  const qb_snapshot *head = qb_table_metadata_current_snapshot(md);
  qb_snapshot snap = {0};
  snap.snapshot_id = id;
  snap.has_parent = head != NULL;
  snap.parent_id = head ? head->snapshot_id : 0;
  snap.sequence_number = qb_table_metadata_last_sequence_number(md) + 1;
  snap.timestamp_ms = 1700000000000 + s->k;
  snap.manifest_list = list;
  snap.operation = s->k % 5 == 3 ? "overwrite" : "append";
  snap.summary = summary;
  snap.n_summary = 3;
  snap.has_schema_id = true;
  snap.schema_id = 0;
  int rc = qb_metadata_builder_add_snapshot(b, &snap, err);
  if (rc == QB_OK) rc = qb_metadata_builder_set_branch_snapshot(b, "main", id, err);
  if (rc == QB_OK && s->k % 7 == 0) {
    snprintf(tag, sizeof tag, "tag-%d", s->k);
    qb_ref r = QB_REF_INIT(tag, id, QB_REF_TAG);
    r.max_ref_age_ms = 86400000;
    rc = qb_metadata_builder_set_ref(b, &r, err);
  }
  if (rc == QB_OK && s->k % 11 == 0 && *s->n_ids) {
    qb_ref r = QB_REF_INIT("audit", s->ids[*s->n_ids / 2], QB_REF_BRANCH);
    r.min_snapshots_to_keep = 3;
    rc = qb_metadata_builder_set_ref(b, &r, err);
  }
  if (rc == QB_OK && s->k % 13 == 0 && *s->n_ids) /* a rollback: main back to the previous head */
    rc = qb_metadata_builder_set_branch_snapshot(b, "main", s->ids[*s->n_ids - 1], err);
  if (rc == QB_OK && s->k % 17 == 0 && *s->n_ids > 4) { /* expire the oldest snapshot nobody refers to */
    int64_t gone = s->ids[0];
    bool referenced = false;
    for (size_t i = 0; i < qb_table_metadata_n_refs(md); i++)
      referenced |= qb_table_metadata_ref_at(md, i)->snapshot_id == gone;
    if (!referenced) rc = qb_metadata_builder_remove_snapshots(b, &gone, 1, err);
  }
  if (rc == QB_OK && s->k % 9 == 0) {
    char v[24];
    snprintf(v, sizeof v, "%d", s->k);
    qb_kv p[] = {{"qberg.test.step", v}};
    rc = qb_metadata_builder_set_properties(b, p, 1, err);
  }
  return rc;
}

/* a raw-JSON commit: the base document with one property added by text surgery (exercises base->json) */
static int raw_step(void *ctx, const qb_commit_base *base, uint8_t **out, size_t *out_n, qb_err *err)
{
  (void)ctx;
  const char *doc = (const char *)base->json.p;
  const char *at = base->json.p ? strstr(doc, "\"properties\":{") : NULL;
  if (!at) return QB_FAIL(err, QB_EINVAL, "no properties in the base document");
  size_t head = (size_t)(at - doc) + strlen("\"properties\":{");
  char *s = qb_str_printf("%.*s\"qberg.test.raw\":\"1\",%s", (int)head, doc, doc + head);
  if (!s) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  /* a raw document must carry the new version's metadata-log itself; keep it simple: same log */
  *out = (uint8_t *)s;
  *out_n = strlen(s);
  return QB_OK;
}

/* The published file == the one-buffer serialisation of the handle's metadata == the pieces == the
 * serialisation of the file parsed back. */
static void check_published(qb_table *t, qb_fileio *io)
{
  qb_err err = QB_ERR_INIT;
  uint8_t *file = NULL;
  size_t file_n = 0;
  CHECK_OK(qb_hadoop__read_metadata(io, qb_table_metadata_path(t), &file, &file_n, &err), &err);
  const qb_table_metadata *md = NULL;
  CHECK_OK(qb_table_get_metadata(&md, t, &err), &err);
  char *one = NULL;
  size_t one_n = 0;
  CHECK_OK(qb_table_metadata_to_json(&one, &one_n, md, 0, &err), &err);
  CHECK(one && file && one_n == file_n && !memcmp(one, file, file_n));
  qb_slice js = qb_table_metadata_json(t);
  CHECK(js.p && js.n == file_n && !memcmp(js.p, file, file_n));
  qb_metadata_json *parts = NULL;
  CHECK_OK(qb_table_metadata_to_json_parts(&parts, md, &err), &err);
  size_t np = 0, off = 0;
  const qb_slice *p = parts ? qb_metadata_json_parts(parts, &np) : NULL;
  bool same = parts && qb_metadata_json_size(parts) == file_n;
  for (size_t i = 0; same && i < np; i++) {
    same = p[i].n <= file_n - off && !memcmp(file + off, p[i].p, p[i].n);
    off += p[i].n;
  }
  CHECK(same && off == file_n);
  qb_metadata_json_free(parts);
  qb_table_metadata *back = NULL;
  CHECK_OK(qb_table_metadata_parse(&back, file, file_n, &err), &err);
  char *again = NULL;
  size_t again_n = 0;
  if (back) CHECK_OK(qb_table_metadata_to_json(&again, &again_n, back, 0, &err), &err);
  CHECK(again && again_n == file_n && !memcmp(again, file, file_n));
  free(again);
  qb_table_metadata_free(back);
  free(one);
  free(file);
}

static void run_history(const char *codec, int commits)
{
  qb_err err = QB_ERR_INIT;
  const char *dir = qb_test_tmpdir();
  qb_catalog *cat = NULL;
  CHECK_OK(qb_catalog_open(&cat, dir, NULL, &err), &err);
  qb_schema *schema = NULL;
  const char *sj = "{\"type\":\"struct\",\"fields\":[{\"id\":1,\"name\":\"x\",\"required\":true,\"type\":\"long\"}]}";
  CHECK_OK(qb_schema_parse_json(&schema, sj, strlen(sj), &err), &err);
  qb_kv props[] = {{"write.metadata.previous-versions-max", "20"},
                   {"write.metadata.delete-after-commit.enabled", "true"},
                   {"write.metadata.compression-codec", codec}};
  qb_table_def def = {schema, NULL, NULL, props, 3};
  qb_table *t = NULL;
  CHECK_OK(qb_catalog_create_namespace(cat, "db", &err), &err);
  CHECK_OK(qb_catalog_create_table_def(&t, cat, "db.t", &def, NULL, &err), &err);
  int64_t *ids = calloc((size_t)commits, sizeof *ids);
  size_t n_ids = 0;
  for (int k = 1; t && k <= commits; k++) {
    if (k % 29 == 0) { /* a raw-JSON commit: the next builder commit starts from parsed metadata */
      CHECK_OK(qb_table_commit(t, raw_step, NULL, NULL, &err), &err);
    } else if (k % 37 == 0) { /* a fresh handle: the base is parsed from the file, not built */
      qb_table_free(t);
      t = NULL;
      CHECK_OK(qb_table_load(&t, cat, "db.t", &err), &err);
      if (!t) break;
    }
    step s = {k, ids, &n_ids};
    CHECK_OK(qb_table_commit_update(t, one_step, &s, NULL, &err), &err);
    ids[n_ids++] = 1000 + k * 7;
    if (k % 17 == 0 && n_ids > 5) { /* mirror a removal the step may have made */
      const qb_table_metadata *md = NULL;
      CHECK_OK(qb_table_get_metadata(&md, t, &err), &err);
      if (md && !qb_table_metadata_snapshot_by_id(md, ids[0])) memmove(ids, ids + 1, --n_ids * sizeof *ids);
    }
    check_published(t, qb_catalog_io(cat));
  }
  const qb_table_metadata *md = NULL;
  if (t) CHECK_OK(qb_table_get_metadata(&md, t, &err), &err);
  CHECK(md && qb_table_metadata_n_snapshots(md) > (size_t)commits / 2);
  free(ids);
  qb_table_free(t);
  qb_schema_free(schema);
  qb_catalog_free(cat);

}

QB_TEST(streamed_document_is_byte_identical) { run_history("none", 160); }

QB_TEST(streamed_document_is_byte_identical_gzip) { run_history("gzip", 60); }

/* Siblings: metadata built from the same base share its snapshot array and snapshots text; the first to
 * append does so in place, the others copy. Each must still see exactly its own snapshots and serialise
 * them, whatever order they are built and freed in. */
static qb_table_metadata *derive(const qb_table_metadata *base, int64_t id, qb_err *err)
{
  qb_metadata_builder *b = NULL;
  qb_table_metadata *md = NULL;
  if (qb_metadata_builder_from(&b, base, err)) return NULL;
  const qb_snapshot *head = qb_table_metadata_current_snapshot(base);
  qb_snapshot s = {0};
  s.snapshot_id = id;
  s.has_parent = head != NULL;
  s.parent_id = head ? head->snapshot_id : 0;
  s.sequence_number = qb_table_metadata_last_sequence_number(base) + 1;
  s.timestamp_ms = 1700000000000 + id;
  s.manifest_list = "s3://b/t/metadata/snap.avro";
  s.operation = "append";
  if (qb_metadata_builder_add_snapshot(b, &s, err) || qb_metadata_builder_set_branch_snapshot(b, "main", id, err)) {
    qb_metadata_builder_free(b);
    return NULL;
  }
  return qb_metadata_builder_build(&md, b, "s3://b/t/metadata/v1.metadata.json", 1700000000000 + id, err) ? NULL : md;
}

static bool serialises_as_parsed(const qb_table_metadata *md, size_t want_snapshots, int64_t last_id)
{
  qb_err err = QB_ERR_INIT;
  qb_metadata_json *parts = NULL;
  if (qb_table_metadata_to_json_parts(&parts, md, &err)) return false;
  size_t np, n = qb_metadata_json_size(parts), off = 0;
  const qb_slice *p = qb_metadata_json_parts(parts, &np);
  uint8_t *doc = malloc(n + 1);
  for (size_t i = 0; i < np; i++) {
    memcpy(doc + off, p[i].p, p[i].n);
    off += p[i].n;
  }
  qb_metadata_json_free(parts);
  qb_table_metadata *back = NULL;
  char *one = NULL;
  size_t one_n = 0;
  bool ok = qb_table_metadata_parse(&back, doc, n, &err) == QB_OK && qb_table_metadata_equal(back, md) &&
            qb_table_metadata_n_snapshots(back) == want_snapshots &&
            qb_table_metadata_current_snapshot(back)->snapshot_id == last_id &&
            qb_table_metadata_to_json(&one, &one_n, md, 0, &err) == QB_OK && one_n == n && !memcmp(one, doc, n);
  free(one);
  free(doc);
  qb_table_metadata_free(back);
  return ok;
}

QB_TEST(sibling_builds_share_and_copy)
{
  qb_err err = QB_ERR_INIT;
  qb_schema *schema = NULL;
  const char *sj = "{\"type\":\"struct\",\"fields\":[{\"id\":1,\"name\":\"x\",\"required\":true,\"type\":\"long\"}]}";
  CHECK_OK(qb_schema_parse_json(&schema, sj, strlen(sj), &err), &err);
  qb_metadata_builder *b = NULL;
  qb_table_metadata *root = NULL;
  CHECK_OK(qb_metadata_builder_new_table(&b, schema, NULL, NULL, "s3://b/t", NULL, &err), &err);
  if (b) CHECK_OK(qb_metadata_builder_build(&root, b, NULL, 1700000000000, &err), &err);
  qb_table_metadata *chain = root;
  for (int64_t id = 1; chain && id <= 40; id++) { /* a history of 40, each derived from the previous */
    qb_table_metadata *next = derive(chain, id, &err);
    CHECK(next != NULL);
    if (chain != root) qb_table_metadata_free(chain);
    chain = next;
  }
  qb_table_metadata *a = chain ? derive(chain, 100, &err) : NULL;  /* appends in place */
  qb_table_metadata *s1 = chain ? derive(chain, 101, &err) : NULL; /* the slot is taken: copies */
  qb_table_metadata *a2 = a ? derive(a, 102, &err) : NULL;         /* in place after a */
  qb_table_metadata *s2 = a ? derive(a, 103, &err) : NULL;         /* copies */
  CHECK(a && s1 && a2 && s2);
  qb_table_metadata_free(chain); /* the views outlive the base */
  if (a && s1 && a2 && s2) {
    CHECK(serialises_as_parsed(a, 41, 100));
    CHECK(serialises_as_parsed(s1, 41, 101));
    CHECK(serialises_as_parsed(a2, 42, 102));
    CHECK(serialises_as_parsed(s2, 42, 103));
    CHECK(qb_table_metadata_snapshot_by_id(a2, 101) == NULL && qb_table_metadata_snapshot_by_id(s2, 102) == NULL);
  }
  qb_table_metadata_free(a);
  qb_table_metadata_free(a2);
  CHECK(s1 && serialises_as_parsed(s1, 41, 101));
  qb_table_metadata_free(s1);
  qb_table_metadata_free(s2);
  qb_table_metadata_free(root);
  qb_schema_free(schema);
}
