/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: bytes read as an Iceberg manifest list and as a manifest (header, schema resolution by field
 * id, partition types from the writer schema, inheritance, every entry). Beyond "no crash": every entry
 * prints as JSON, a deep copy of every manifest_file / data_file is equal to it, and the partition summary
 * accepts every partition tuple the reader produced. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iceberg/manifest_int.h"

#define CHECK_OR_DIE(cond, what)                                        \
  do {                                                                  \
    if (!(cond)) {                                                      \
      fprintf(stderr, "fuzz_manifest_list: %s: %s\n", what, err.msg); \
      abort();                                                          \
    }                                                                   \
  } while (0)

static void lists(const uint8_t *data, size_t size)
{
  qb_err err = QB_ERR_INIT;
  qb_file *f;
  qb_manifest_list_reader *r;
  if (qb_file_from_memory(&f, data, size, "fuzz-list.avro", &err)) return;
  if (qb_manifest_list_reader__open_file(&r, f, &err)) return; /* the reader closed f */
  for (int i = 0; i < 1024; i++) {
    const qb_manifest_file *m;
    if (qb_manifest_list_reader_next(&m, r, &err) || !m) break;
    char *a, *b;
    size_t an, bn;
    qb_manifest_file *copy;
    CHECK_OR_DIE(qb_manifest_file_to_json(&a, &an, m, &err) == QB_OK, "manifest_file to JSON");
    CHECK_OR_DIE(qb_manifest_file_copy(&copy, m, &err) == QB_OK, "copy");
    CHECK_OR_DIE(qb_manifest_file_to_json(&b, &bn, copy, &err) == QB_OK, "copy to JSON");
    CHECK_OR_DIE(an == bn && !memcmp(a, b, an), "a copy prints the same");
    free(a);
    free(b);
    qb_manifest_file_free(copy);
  }
  qb_manifest_list_reader_close(r);
}

static void manifests(const uint8_t *data, size_t size, bool inherit)
{
  qb_err err = QB_ERR_INIT;
  qb_file *f;
  qb_manifest_reader *r;
  qb_manifest_file lf;
  memset(&lf, 0, sizeof lf);
  lf.manifest_path = "m.avro";
  lf.added_snapshot_id = 7;
  lf.sequence_number = size & 2 ? 0 : 3;
  qb_manifest_read_options o = QB_MANIFEST_READ_OPTIONS_INIT;
  o.manifest = inherit ? &lf : NULL;
  if (qb_file_from_memory(&f, data, size, "fuzz-manifest.avro", &err)) return;
  if (qb_manifest_reader__open_file(&r, f, &o, &err)) return;
  const qb_type *pt = qb_manifest_reader_partition_type(r);
  qb_partition_summary *s = NULL;
  CHECK_OR_DIE(qb_partition_summary__new(&s, pt, &err) == QB_OK, "summary");
  for (int i = 0; i < 1024; i++) {
    const qb_manifest_entry *e;
    if (qb_manifest_reader_next(&e, r, &err) || !e) break;
    char *json;
    size_t n;
    CHECK_OR_DIE(qb_manifest_entry_to_json(&json, &n, e, pt, &err) == QB_OK, "entry to JSON");
    free(json);
    qb_data_file *copy;
    CHECK_OR_DIE(qb_data_file_copy(&copy, &e->data_file, &err) == QB_OK, "copy");
    CHECK_OR_DIE(qb_data_file_equal(copy, &e->data_file), "a copy is equal");
    qb_data_file_free(copy);
    if (inherit) CHECK_OR_DIE(e->snapshot_id != QB_UNASSIGNED, "a null snapshot id is inherited");
    /* values the reader produced have the kinds of the partition type: a summary takes them all */
    CHECK_OR_DIE(qb_partition_summary__update(s, &e->data_file.partition, &err) == QB_OK, "summary update");
  }
  qb_partition_field_summary out[8];
  qb_partition_summary__get(s, out, 8);
  qb_partition_summary__free(s);
  qb_manifest_reader_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  /* each input mostly to the reader it looks made for (schema parsing dominates the time per input); one
   * in four also to the other one, for the "not a manifest / not a list" paths */
  bool list = memmem(data, size, "manifest_path", 13) != NULL;
  if (list || size % 4 == 0) lists(data, size);
  if (!list || size % 4 == 0) manifests(data, size, size & 1);
  return 0;
}
