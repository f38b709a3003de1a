/* SPDX-License-Identifier: Apache-2.0 */
/* Builds a table with a long history for bench/maintain.sh, through the public API in one commit: N snapshots
 * shaped like N streaming appends with Java's MergeAppend (each adds one data file in its own manifest; once
 * 100 manifests accumulate they are merged into one of EXISTING entries), every snapshot with its own manifest
 * list. Data files are hard links of one real Parquet file, so the table scans (N rows) and every path is
 * distinct. Snapshot k is `age_days` days old minus k seconds.
 *   maintain_history WAREHOUSE TABLE N [AGE_DAYS]      (local warehouses only: link(2)) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "qberg/qberg.h"

#define MERGE_AT 100

typedef struct live { /* a data file of the table and who added it */
  char *path;
  int64_t snapshot_id, seq;
} live;

typedef struct hist {
  qb_fileio *io;
  const char *root;     /* physical */
  const char *template_path;
  const qb_data_file *tmpl;
  const qb_schema *schema;
  int64_t n, age_ms;
  live *files;
  size_t n_files;
} hist;

static int write_manifest(qb_manifest_file **out, hist *h, const char *loc, const char *name, int64_t snap,
                          size_t from, size_t to, bool existing, qb_err *err)
{
  char path[1024];
  snprintf(path, sizeof path, "%s/metadata/%s", h->root, name);
  qb_manifest_writer *w;
  qb_partition_spec unpart = {0, 0, NULL};
  int rc = qb_manifest_writer_open(&w, h->io, path, h->schema, &unpart, QB_MANIFEST_DATA, snap, NULL, err);
  for (size_t i = from; rc == QB_OK && i < to; i++) {
    qb_manifest_entry e = {existing ? QB_ENTRY_EXISTING : QB_ENTRY_ADDED, h->files[i].snapshot_id, h->files[i].seq,
                           h->files[i].seq, *h->tmpl};
    if (!existing) e.sequence_number = e.file_sequence_number = QB_UNASSIGNED;
    e.data_file.file_path = h->files[i].path;
    rc = qb_manifest_writer_append(w, &e, err);
  }
  if (rc) {
    qb_manifest_writer_abort(w);
    return rc;
  }
  qb_manifest_file *mf;
  if ((rc = qb_manifest_writer_close(&mf, w, err))) return rc;
  char rec[1024];
  snprintf(rec, sizeof rec, "%s/metadata/%s", loc, name);
  qb_manifest_file r = *mf;
  r.manifest_path = rec;
  rc = qb_manifest_file_copy(out, &r, err);
  qb_manifest_file_free(mf);
  return rc;
}

static int grow(void *ctx, const qb_commit_base *base, qb_metadata_builder *b, qb_err *err)
{
  hist *h = ctx;
  const qb_table_metadata *md = base->metadata;
  const char *loc = qb_table_metadata_location(md);
  int64_t seq0 = qb_table_metadata_last_sequence_number(md), id0 = (int64_t)0x2000000000LL;
  int64_t now = (int64_t)time(NULL) * 1000;
  const qb_snapshot *head = qb_table_metadata_current_snapshot(md);
  int64_t parent = head ? head->snapshot_id : -1;
  qb_manifest_file *carried[MERGE_AT + 2];
  size_t n_carried = 0;
  size_t merged_upto = 0; /* files [0, merged_upto) are in carried[0] once a merge happened */
  int rc = QB_OK;
  h->files = calloc((size_t)h->n, sizeof *h->files);
  if (!h->files) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  for (int64_t k = 1; rc == QB_OK && k <= h->n; k++) {
    int64_t id = id0 + k, seq = seq0 + k;
    char name[256], rel[256];
    snprintf(rel, sizeof rel, "data/f-%06lld.parquet", (long long)k);
    live *f = &h->files[h->n_files];
    f->path = malloc(strlen(loc) + strlen(rel) + 2);
    sprintf(f->path, "%s/%s", loc, rel);
    f->snapshot_id = id;
    f->seq = seq;
    char phys[1024];
    snprintf(phys, sizeof phys, "%s/%s", h->root, rel);
    if (link(h->template_path, phys)) return QB_FAIL(err, QB_EIO, "link %s", phys);
    h->n_files++;
    qb_manifest_file *mk;
    snprintf(name, sizeof name, "hist-m%06lld.avro", (long long)k);
    if ((rc = write_manifest(&mk, h, loc, name, id, h->n_files - 1, h->n_files, false, err))) break;
    mk->sequence_number = mk->min_sequence_number = seq;
    if (n_carried >= MERGE_AT) { /* MergeAppend: the accumulated manifests become one */
      for (size_t i = 0; i < n_carried; i++) qb_manifest_file_free(carried[i]);
      n_carried = 0;
      snprintf(name, sizeof name, "hist-merged-%06lld.avro", (long long)k);
      qb_manifest_file *merged;
      if ((rc = write_manifest(&merged, h, loc, name, id, 0, h->n_files - 1, true, err))) break;
      merged->sequence_number = seq;
      carried[n_carried++] = merged;
      merged_upto = h->n_files - 1;
    }
    char list[1024], list_rec[1024];
    snprintf(name, sizeof name, "snap-%lld-1-hist.avro", (long long)id);
    snprintf(list, sizeof list, "%s/metadata/%s", h->root, name);
    snprintf(list_rec, sizeof list_rec, "%s/metadata/%s", loc, name);
    qb_manifest_list_writer *lw;
    if ((rc = qb_manifest_list_writer_open(&lw, h->io, list, id, parent, seq, NULL, err))) break;
    rc = qb_manifest_list_writer_append(lw, mk, err);
    for (size_t i = n_carried; rc == QB_OK && i-- > 0;) rc = qb_manifest_list_writer_append(lw, carried[i], err);
    if (rc == QB_OK) rc = qb_manifest_list_writer_close(lw, err);
    else qb_manifest_list_writer_abort(lw);
    carried[n_carried++] = mk;
    if (rc) break;
    char tr[24], sz[24];
    snprintf(tr, sizeof tr, "%lld", (long long)h->n_files);
    snprintf(sz, sizeof sz, "%lld", (long long)h->n_files * h->tmpl->file_size_in_bytes);
    qb_kv summary[] = {{"added-data-files", "1"}, {"added-records", "1"},       {"total-records", tr},
                       {"total-files-size", sz},  {"total-data-files", tr},    {"total-delete-files", "0"},
                       {"total-position-deletes", "0"}, {"total-equality-deletes", "0"}, {"engine-name", "qberg"}};
    qb_snapshot s = {0};
    s.snapshot_id = id;
    s.has_parent = parent >= 0;
    s.parent_id = parent;
    s.sequence_number = seq;
    s.timestamp_ms = now - h->age_ms + k * 1000;
    s.manifest_list = list_rec;
    s.operation = "append";
    s.summary = summary;
    s.n_summary = sizeof summary / sizeof summary[0];
    s.has_schema_id = true;
    s.schema_id = 0;
    if ((rc = qb_metadata_builder_add_snapshot(b, &s, err)) == QB_OK)
      rc = qb_metadata_builder_set_branch_snapshot(b, "main", id, err);
    parent = id;
  }
  (void)merged_upto;
  for (size_t i = 0; i < n_carried; i++) qb_manifest_file_free(carried[i]);
  return rc;
}

static int die(const qb_err *err)
{
  fprintf(stderr, "maintain_history: %s: %s\n", qb_code_name(err->code), err->msg);
  return 1;
}

int main(int argc, char **argv)
{
  if (argc < 4) {
    fprintf(stderr, "usage: maintain_history WAREHOUSE TABLE N [AGE_DAYS]\n");
    return 2;
  }
  qb_err err = QB_ERR_INIT;
  qb_catalog *cat;
  qb_table *t;
  qb_schema *schema;
  const char *sj = "{\"type\":\"struct\",\"fields\":[{\"id\":1,\"name\":\"id\",\"required\":true,\"type\":\"long\"}]}";
  if (qb_catalog_open(&cat, argv[1], NULL, &err) || qb_schema_parse_json(&schema, sj, strlen(sj), &err))
    return die(&err);
  qb_table_def def = {schema, NULL, NULL, NULL, 0};
  char *dot = strchr(argv[2], '.');
  if (dot) {
    char ns[256];
    snprintf(ns, sizeof ns, "%.*s", (int)(dot - argv[2]), argv[2]);
    qb_err e = QB_ERR_INIT;
    if (qb_catalog_create_namespace(cat, ns, &e)) qb_err_clear(&e);
  }
  if (qb_catalog_create_table_def(&t, cat, argv[2], &def, NULL, &err)) return die(&err);
  /* the template: one real Parquet file of one row, never committed itself */
  qb_data_writer *w;
  qb_value item = {.kind = QB_V_INT64, .u.i64 = 1};
  qb_value row = {.kind = QB_V_STRUCT, .u.seq = {&item, 1}};
  if (qb_data_writer_open(&w, t, NULL, &err) || qb_data_writer_write(w, &row, &err) || qb_data_writer_close(w, &err))
    return die(&err);
  hist h = {qb_catalog_io(cat), qb_table_location(t), NULL, qb_data_writer_file(w, 0), schema,
            strtoll(argv[3], NULL, 10), (argc > 4 ? strtoll(argv[4], NULL, 10) : 30) * 86400000LL, NULL, 0};
  char *tp;
  if (qb_uri_normalize(&tp, h.tmpl->file_path, &err)) return die(&err);
  h.template_path = tp;
  if (qb_table_commit_update(t, grow, &h, NULL, &err)) return die(&err);
  unlink(tp);
  printf("%lld snapshots, %zu data files\n", (long long)h.n, h.n_files);
  for (size_t i = 0; i < h.n_files; i++) free(h.files[i].path);
  free(h.files);
  free(tp);
  qb_data_writer_free(w);
  qb_table_free(t);
  qb_schema_free(schema);
  qb_catalog_free(cat);
  return 0;
}
