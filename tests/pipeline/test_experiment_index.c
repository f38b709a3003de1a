/* SPDX-License-Identifier: Apache-2.0 */
/* The experiment index's in-memory map and key-set digests (src/pipeline/experiment_index.c), and the
 * index table round trip: entries and the covered snapshots survive a commit and a reopen. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "pipeline/experiment_index.h"
#include "qberg/catalog.h"
#include "qberg/fileio.h"
#include "qberg/maintenance.h"
#include "util/clock.h"

QB_TEST(map_insert_get_grow)
{
  qb_err err = QB_ERR_INIT;
  qb_expidx_map m;
  qb_expidx_map_init(&m);
  uint64_t v;
  CHECK(!qb_expidx_map_get(&m, 42, &v));
  for (uint64_t i = 0; i < 5000; i++) {
    uint64_t *slot;
    bool created;
    CHECK_OK(qb_expidx_map_ref(&slot, &created, &m, i * 0x9e3779b97f4a7c15ULL, &err), &err);
    CHECK(created);
    *slot = i + 7;
  }
  CHECK_EQ_INT((long long)m.count, 5000);
  for (uint64_t i = 0; i < 5000; i++) {
    CHECK(qb_expidx_map_get(&m, i * 0x9e3779b97f4a7c15ULL, &v));
    CHECK_EQ_INT((long long)v, (long long)(i + 7));
  }
  uint64_t *slot;
  bool created;
  CHECK(qb_expidx_map_get(&m, 1, &v) && v == 7); /* key 0 (i = 0) is stored as 1: 0 marks empty slots */
  CHECK_OK(qb_expidx_map_ref(&slot, &created, &m, 3 * 0x9e3779b97f4a7c15ULL, &err), &err);
  CHECK(!created);
  CHECK_EQ_INT((long long)*slot, 10);
  qb_expidx_map_free(&m);
  qb_expidx_map_free(&m); /* twice: harmless */
}

QB_TEST(keyset_digests_are_order_free_and_unknown_sticks)
{
  uint64_t a = qb_expidx_add(qb_expidx_add(QB_EXPIDX_EMPTY, 11), 22);
  uint64_t b = qb_expidx_add(qb_expidx_add(QB_EXPIDX_EMPTY, 22), 11);
  CHECK(a == b);
  CHECK(a != QB_EXPIDX_EMPTY);
  CHECK(qb_expidx_add(0, 5) == 0);
  CHECK(qb_expidx_add(1, UINT64_MAX) != 0); /* a sum of 0 would read as unknown */
  CHECK(qb_expidx_digest("abc", 3) == qb_expidx_digest("abc", 3));
  CHECK(qb_expidx_digest("abc", 3) != qb_expidx_digest("abd", 3));
}

QB_TEST(index_table_round_trip)
{
  qb_err err = QB_ERR_INIT;
  qb_catalog *cat = NULL;
  CHECK_OK(qb_catalog_open(&cat, qb_test_tmpdir(), NULL, &err), &err);
  CHECK_OK(qb_catalog_create_namespace(cat, QB_VQE_NAMESPACE, &err), &err);
  qb_expidx ix;
  CHECK_OK(qb_expidx_open(&ix, cat, &err), &err);
  CHECK_EQ_INT((long long)ix.stored.count, 0);
  CHECK(ix.loaded && !ix.have_bloom); /* an empty index: nothing to read */
  for (int t = 0; t < QB_VQE_FEATURE_TABLES; t++) CHECK_EQ_INT((long long)ix.covers[t], -1);
  qb_expidx_map added;
  qb_expidx_map_init(&added);
  uint64_t *v;
  bool created;
  CHECK_OK(qb_expidx_map_ref(&v, &created, &added, 100, &err), &err);
  *v = 555;
  CHECK_OK(qb_expidx_map_ref(&v, &created, &added, 200, &err), &err);
  *v = 0;
  int64_t covers[QB_VQE_FEATURE_TABLES] = {1, 2, 3, 4, 5, 6, 7, 8, -1};
  CHECK_OK(qb_expidx_commit(&ix, &added, covers, NULL, "b1", 0, &err), &err);
  qb_expidx_close(&ix);
  /* a second batch writes experiment 100 again: it was re-checked, so its entry becomes unknown */
  CHECK_OK(qb_expidx_open(&ix, cat, &err), &err);
  CHECK(ix.have_bloom && !ix.loaded); /* the filter, not the entries */
  CHECK_EQ_INT((long long)ix.entries_read, 0);
  uint64_t got;
  bool found;
  CHECK_OK(qb_expidx_lookup(&found, &got, &ix, 100, &err), &err);
  CHECK(found && got == 555);
  CHECK_EQ_INT((long long)ix.entries_read, 2); /* a digest the filter holds: the entries are loaded once */
  CHECK_OK(qb_expidx_lookup(&found, &got, &ix, 200, &err), &err);
  CHECK(found && got == 0);
  CHECK_EQ_INT((long long)ix.entries_read, 2);
  for (int t = 0; t < QB_VQE_FEATURE_TABLES; t++) CHECK_EQ_INT((long long)ix.covers[t], (long long)covers[t]);
  covers[8] = 9;
  CHECK_OK(qb_expidx_commit(&ix, &added, covers, NULL, "b2", 0, &err), &err);
  qb_expidx_close(&ix);
  CHECK_OK(qb_expidx_open(&ix, cat, &err), &err);
  CHECK_OK(qb_expidx_lookup(&found, &got, &ix, 100, &err), &err);
  CHECK(found && got == 0);
  CHECK_EQ_INT((long long)ix.covers[8], 9);
  qb_expidx_close(&ix);
  qb_expidx_map_free(&added);
  qb_catalog_free(cat);
}

QB_TEST(bloom_has_every_added_digest_and_few_others)
{
  qb_err err = QB_ERR_INIT;
  qb_bloom b;
  CHECK_OK(qb_bloom_init(&b, 20000, &err), &err);
  CHECK(b.m >= 20000ULL * QB_BLOOM_BITS_PER_ENTRY && (b.m & (b.m - 1)) == 0);
  for (uint64_t i = 1; i <= 20000; i++) qb_bloom_add(&b, qb_expidx_digest((const char *)&i, sizeof i));
  for (uint64_t i = 1; i <= 20000; i++) CHECK(qb_bloom_may_have(&b, qb_expidx_digest((const char *)&i, sizeof i)));
  /* digests 0 and 1 and the extremes (the index stores 0 as 1) */
  qb_bloom_add(&b, 1);
  qb_bloom_add(&b, UINT64_MAX);
  CHECK(qb_bloom_may_have(&b, 1) && qb_bloom_may_have(&b, UINT64_MAX));
  int fp = 0;
  for (uint64_t i = 100001; i <= 300000; i++) fp += qb_bloom_may_have(&b, qb_expidx_digest((const char *)&i, sizeof i));
  CHECK(fp <= 2); /* expected 200,000 x < 4e-7: about 0.08 */
  CHECK(qb_bloom_fits(&b, 100) && !qb_bloom_fits(&b, b.m));
  uint8_t *enc = NULL;
  size_t n = 0;
  CHECK_OK(qb_bloom_encode(&enc, &n, &b, &err), &err);
  qb_bloom d;
  CHECK_OK(qb_bloom_decode(&d, enc, n, "x.bin", &err), &err);
  CHECK(d.m == b.m && d.k == b.k && d.n == b.n && !memcmp(d.bits, b.bits, (size_t)(b.m / 8)));
  qb_bloom_free(&d);
  /* a damaged body (one bit flipped, or the bits zeroed) under a valid header is refused */
  enc[n / 2] ^= 0x10;
  CHECK_FAIL(qb_bloom_decode(&d, enc, n, "x.bin", &err), QB_ECORRUPT, &err, "checksum");
  enc[n / 2] ^= 0x10;
  uint8_t *zeroed = malloc(n);
  CHECK(zeroed != NULL);
  memcpy(zeroed, enc, 32);
  memset(zeroed + 32, 0, n - 32);
  CHECK_FAIL(qb_bloom_decode(&d, zeroed, n, "x.bin", &err), QB_ECORRUPT, &err, "checksum");
  free(zeroed);
  enc[8] ^= 2; /* k still in 1..64 */
  CHECK_FAIL(qb_bloom_decode(&d, enc, n, "x.bin", &err), QB_ECORRUPT, &err, "checksum");
  enc[8] ^= 2;
  CHECK_OK(qb_bloom_decode(&d, enc, n, "x.bin", &err), &err);
  qb_bloom_free(&d);
  CHECK_FAIL(qb_bloom_decode(&d, enc, n - 1, "x.bin", &err), QB_ECORRUPT, &err, "x.bin");
  enc[16] ^= 1; /* m no longer a power of two */
  CHECK_FAIL(qb_bloom_decode(&d, enc, n, "x.bin", &err), QB_ECORRUPT, &err, "bits");
  enc[0] = 'X';
  CHECK_FAIL(qb_bloom_decode(&d, enc, n, "x.bin", &err), QB_ECORRUPT, &err, "not a qberg Bloom filter");
  CHECK_FAIL(qb_bloom_decode(&d, enc, 5, "x.bin", &err), QB_ECORRUPT, &err, "x.bin");
  free(enc);
  qb_bloom_free(&b);
  qb_bloom_free(&b);
}

/* An index written before the filter, or whose filter file is gone: the entries are loaded at open, and
 * the next commit writes a filter again. The filter doubles (rebuilt from every entry) when full. */
QB_TEST(index_without_filter_falls_back_and_filter_grows)
{
  qb_err err = QB_ERR_INIT;
  qb_catalog *cat = NULL;
  CHECK_OK(qb_catalog_open(&cat, qb_test_tmpdir(), NULL, &err), &err);
  CHECK_OK(qb_catalog_create_namespace(cat, QB_VQE_NAMESPACE, &err), &err);
  qb_expidx ix;
  CHECK_OK(qb_expidx_open(&ix, cat, &err), &err);
  qb_expidx_map added;
  qb_expidx_map_init(&added);
  uint64_t *v;
  bool created, found;
  int64_t covers[QB_VQE_FEATURE_TABLES] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  for (uint64_t i = 1; i <= 1000; i++) {
    CHECK_OK(qb_expidx_map_ref(&v, &created, &added, i * 7919, &err), &err);
    *v = i;
  }
  CHECK_OK(qb_expidx_commit(&ix, &added, covers, NULL, "b1", 0, &err), &err);
  char *first = strdup(ix.bloom_path ? ix.bloom_path : "");
  qb_expidx_close(&ix);
  CHECK_OK(qb_expidx_open(&ix, cat, &err), &err);
  CHECK(ix.have_bloom && !ix.loaded);
  uint64_t first_m = ix.bloom.m;
  /* the filter file removed (an orphan clean-up): loaded at open, same answers */
  CHECK_OK(qb_fileio_delete(qb_catalog_io(cat), ix.bloom_path, &err), &err);
  qb_expidx_close(&ix);
  CHECK_OK(qb_expidx_open(&ix, cat, &err), &err);
  CHECK(!ix.have_bloom && ix.loaded);
  CHECK_EQ_INT((long long)ix.entries_read, 1000);
  uint64_t got;
  CHECK_OK(qb_expidx_lookup(&found, &got, &ix, 500 * 7919, &err), &err);
  CHECK(found && got == 500);
  CHECK_OK(qb_expidx_lookup(&found, &got, &ix, 7, &err), &err);
  CHECK(!found);
  /* enough new entries to overflow the filter: rebuilt twice as large, holding old and new */
  qb_expidx_map_free(&added);
  qb_expidx_map_init(&added);
  uint64_t more = first_m / QB_BLOOM_BITS_PER_ENTRY;
  for (uint64_t i = 1; i <= more; i++) {
    CHECK_OK(qb_expidx_map_ref(&v, &created, &added, (1000000 + i) * 7919, &err), &err);
    *v = i;
  }
  CHECK_OK(qb_expidx_commit(&ix, &added, covers, NULL, "b2", 0, &err), &err);
  qb_expidx_close(&ix);
  CHECK_OK(qb_expidx_open(&ix, cat, &err), &err);
  CHECK(ix.have_bloom && !ix.loaded && ix.bloom.m > first_m);
  CHECK(strcmp(first, ix.bloom_path) != 0);
  for (uint64_t i = 1; i <= 1000; i++) CHECK(qb_expidx_stored(&ix, i * 7919) == -1);
  CHECK(qb_expidx_stored(&ix, (1000000 + more) * 7919) == -1);
  CHECK_OK(qb_expidx_lookup(&found, &got, &ix, 3, &err), &err);
  CHECK(!found && !ix.loaded && ix.entries_read == 0); /* ruled out by the filter: nothing read */
  CHECK_OK(qb_expidx_lookup(&found, &got, &ix, 999 * 7919, &err), &err);
  CHECK(found && got == 999 && ix.loaded);
  CHECK_EQ_INT((long long)ix.entries_read, (long long)(1000 + more));
  qb_expidx_close(&ix);
  free(first);
  qb_expidx_map_free(&added);
  qb_catalog_free(cat);
}

/* A commit that lost a race is retried onto the newer snapshot: its filter, built on the older one, lacks
 * the other commit's entries, and must not be trusted (else their experiments pass for new). */
QB_TEST(filter_of_a_commit_retried_onto_another_parent_is_not_trusted)
{
  qb_err err = QB_ERR_INIT;
  qb_catalog *cat = NULL;
  CHECK_OK(qb_catalog_open(&cat, qb_test_tmpdir(), NULL, &err), &err);
  CHECK_OK(qb_catalog_create_namespace(cat, QB_VQE_NAMESPACE, &err), &err);
  int64_t covers[QB_VQE_FEATURE_TABLES] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  qb_expidx ix, a, b;
  qb_expidx_map added;
  uint64_t *v;
  bool created, found;
  CHECK_OK(qb_expidx_open(&ix, cat, &err), &err);
  qb_expidx_map_init(&added);
  CHECK_OK(qb_expidx_map_ref(&v, &created, &added, 1111, &err), &err);
  *v = 1;
  CHECK_OK(qb_expidx_commit(&ix, &added, covers, NULL, "b1", 0, &err), &err);
  qb_expidx_close(&ix);
  qb_expidx_map_free(&added);
  /* a and b both start from b1's snapshot (and its filter) */
  CHECK_OK(qb_expidx_open(&a, cat, &err), &err);
  CHECK_OK(qb_expidx_open(&b, cat, &err), &err);
  CHECK(a.have_bloom && b.have_bloom);
  qb_expidx_map_init(&added);
  CHECK_OK(qb_expidx_map_ref(&v, &created, &added, 2222, &err), &err);
  *v = 2;
  CHECK_OK(qb_expidx_commit(&b, &added, covers, NULL, "b2", 0, &err), &err);
  qb_expidx_map_free(&added);
  qb_expidx_map_init(&added);
  CHECK_OK(qb_expidx_map_ref(&v, &created, &added, 3333, &err), &err);
  *v = 3;
  CHECK_OK(qb_expidx_commit(&a, &added, covers, NULL, "b3", 0, &err), &err); /* retried onto b2's snapshot */
  qb_expidx_map_free(&added);
  qb_expidx_close(&a);
  qb_expidx_close(&b);
  CHECK_OK(qb_expidx_open(&ix, cat, &err), &err);
  uint64_t got = 0;
  CHECK(qb_expidx_stored(&ix, 2222) != 0); /* b2's entry: "maybe" (filter) or "yes" (entries) */
  for (uint64_t d = 3333; d >= 1111; d -= 1111) { /* 2222 looked up before a filter hit loads the entries */
    CHECK_OK(qb_expidx_lookup(&found, &got, &ix, d, &err), &err);
    CHECK(found && got == d / 1111);
  }
  qb_expidx_close(&ix);
  qb_catalog_free(cat);
}

static bool exists(qb_catalog *cat, const char *path)
{
  qb_stat st;
  qb_err e = QB_ERR_INIT;
  int rc = qb_fileio_stat(qb_catalog_io(cat), path, &st, &e);
  qb_err_clear(&e);
  return rc == QB_OK;
}

static int commit_one(qb_catalog *cat, uint64_t digest, const char *batch, char **bloom_path, qb_err *err)
{
  int64_t covers[QB_VQE_FEATURE_TABLES] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  qb_expidx ix;
  qb_expidx_map added;
  qb_expidx_map_init(&added);
  uint64_t *v;
  bool created;
  int rc = qb_expidx_open(&ix, cat, err);
  if (rc == QB_OK) rc = qb_expidx_map_ref(&v, &created, &added, digest, err);
  if (rc == QB_OK) *v = digest;
  if (rc == QB_OK) rc = qb_expidx_commit(&ix, &added, covers, NULL, batch, 0, err);
  qb_expidx_close(&ix);
  qb_expidx_map_free(&added);
  if (rc == QB_OK && bloom_path) {
    /* the path the new snapshot names */
    rc = qb_expidx_open(&ix, cat, err);
    *bloom_path = rc == QB_OK && ix.named_bloom ? strdup(ix.named_bloom) : NULL;
    qb_expidx_close(&ix);
  }
  return rc;
}

/* A compaction of the index that lands while a batch runs (`maintain all` from cron): the batch's commit
 * is retried onto it with a filter built on the snapshot the compaction replaced, which holds the same
 * entries: the filter is trusted, and the next batch reads no entry (before, it loaded them all and
 * rebuilt the filter: found by exploreN). */
QB_TEST(filter_of_a_commit_retried_onto_a_compaction_is_trusted)
{
  qb_err err = QB_ERR_INIT;
  qb_catalog *cat = NULL;
  CHECK_OK(qb_catalog_open(&cat, qb_test_tmpdir(), NULL, &err), &err);
  CHECK_OK(qb_catalog_create_namespace(cat, QB_VQE_NAMESPACE, &err), &err);
  CHECK_OK(commit_one(cat, 1111, "b1", NULL, &err), &err);
  CHECK_OK(commit_one(cat, 2222, "b2", NULL, &err), &err);
  qb_expidx a;
  CHECK_OK(qb_expidx_open(&a, cat, &err), &err); /* the batch starts from b2's snapshot */
  CHECK(a.have_bloom);
  qb_table *t = NULL;
  CHECK_OK(qb_table_load(&t, cat, QB_EXPIDX_TABLE, &err), &err);
  qb_compact_options o = {0, 2, NULL, false};
  qb_compact_report rep;
  CHECK_OK(qb_compact(t, &o, &rep, &err), &err);
  CHECK(rep.snapshot_id > 0);
  qb_table_free(t);
  int64_t covers[QB_VQE_FEATURE_TABLES] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  qb_expidx_map added;
  qb_expidx_map_init(&added);
  uint64_t *v;
  bool created, found;
  CHECK_OK(qb_expidx_map_ref(&v, &created, &added, 3333, &err), &err);
  *v = 3333; /* as commit_one: the key-set digest = the digest */
  CHECK_OK(qb_expidx_commit(&a, &added, covers, NULL, "b3", 0, &err), &err); /* retried onto the compaction */
  qb_expidx_map_free(&added);
  qb_expidx_close(&a);
  qb_expidx ix;
  CHECK_OK(qb_expidx_open(&ix, cat, &err), &err);
  CHECK(ix.have_bloom && !ix.loaded);
  CHECK_EQ_STR(ix.bloom_error, "");
  uint64_t got = 0;
  CHECK_OK(qb_expidx_lookup(&found, &got, &ix, 4444, &err), &err);
  CHECK(!found && ix.entries_read == 0);
  for (uint64_t d = 1111; d <= 3333; d += 1111) {
    CHECK(qb_expidx_stored(&ix, d) != 0);
    CHECK_OK(qb_expidx_lookup(&found, &got, &ix, d, &err), &err);
    CHECK(found && got == d);
  }
  qb_expidx_close(&ix);
  qb_catalog_free(cat);
}

/* A damaged filter file is not used, and the next commit writes a new one and deletes it. */
QB_TEST(damaged_filter_is_replaced_and_deleted)
{
  qb_err err = QB_ERR_INIT;
  qb_catalog *cat = NULL;
  CHECK_OK(qb_catalog_open(&cat, qb_test_tmpdir(), NULL, &err), &err);
  CHECK_OK(qb_catalog_create_namespace(cat, QB_VQE_NAMESPACE, &err), &err);
  char *f1 = NULL, *f2 = NULL;
  CHECK_OK(commit_one(cat, 1111, "b1", &f1, &err), &err);
  CHECK(f1 && exists(cat, f1));
  if (!f1) return;
  CHECK_OK(qb_fileio_write_all(qb_catalog_io(cat), f1, "QBBLOOM2 garbage", 16, QB_CREATE_OVERWRITE, &err), &err);
  qb_expidx ix;
  CHECK_OK(qb_expidx_open(&ix, cat, &err), &err);
  CHECK(!ix.have_bloom && ix.loaded);
  CHECK(strstr(ix.bloom_error, "bloom-b1-") != NULL); /* the message names the file */
  qb_expidx_close(&ix);
  CHECK_OK(commit_one(cat, 2222, "b2", &f2, &err), &err);
  CHECK(f2 && strcmp(f1, f2) && exists(cat, f2));
  CHECK(!exists(cat, f1));
  CHECK_OK(qb_expidx_open(&ix, cat, &err), &err);
  CHECK(ix.have_bloom && !ix.loaded && ix.bloom_error[0] == '\0');
  CHECK(qb_expidx_stored(&ix, 1111) == -1 && qb_expidx_stored(&ix, 2222) == -1);
  qb_expidx_close(&ix);
  free(f1);
  free(f2);
  qb_catalog_free(cat);
}

/* A filter named under a foreign snapshot (no qberg.bloom-base: not used), and a summary naming a file
 * outside the table's data folder: the first is deleted by the next commit, the second never. */
QB_TEST(only_filters_named_in_the_tables_data_folder_are_deleted)
{
  qb_err err = QB_ERR_INIT;
  qb_catalog *cat = NULL;
  const char *tmp = qb_test_tmpdir();
  CHECK_OK(qb_catalog_open(&cat, tmp, NULL, &err), &err);
  CHECK_OK(qb_catalog_create_namespace(cat, QB_VQE_NAMESPACE, &err), &err);
  char *f1 = NULL, *f2 = NULL;
  CHECK_OK(commit_one(cat, 1111, "b1", &f1, &err), &err);
  if (!f1) return;
  char victim[600];
  snprintf(victim, sizeof victim, "%s/precious.bin", tmp);
  CHECK_OK(qb_fileio_write_all(qb_catalog_io(cat), victim, "keep", 4, QB_CREATE_OVERWRITE, &err), &err);
  /* a foreign append naming the current filter without a base, then one naming the victim */
  const char *named[2] = {f1, victim};
  for (int k = 0; k < 2; k++) {
    qb_table *t = NULL;
    qb_txn *txn = NULL;
    CHECK_OK(qb_table_load(&t, cat, QB_EXPIDX_TABLE, &err), &err);
    CHECK_OK(qb_txn_begin(&txn, t, QB_TXN_FAST_APPEND, NULL, &err), &err);
    qb_value items[4] = {{.kind = QB_V_INT64, .u.i64 = 3333 + k}, {.kind = QB_V_NULL}, {.kind = QB_V_NULL},
                         {.kind = QB_V_NULL}};
    qb_value row = {.kind = QB_V_STRUCT, .u.seq = {items, 4}};
    CHECK_OK(qb_txn_write(txn, &row, &err), &err);
    CHECK_OK(qb_txn_set_summary(txn, "qberg.bloom", named[k], &err), &err);
    CHECK_OK(qb_txn_commit(txn, NULL, &err), &err);
    qb_table_free(t);
    qb_expidx ix;
    CHECK_OK(qb_expidx_open(&ix, cat, &err), &err);
    CHECK(!ix.have_bloom && ix.loaded);
    CHECK(k == 0 ? ix.named_bloom && !strcmp(ix.named_bloom, f1) : ix.named_bloom == NULL);
    qb_expidx_close(&ix);
    if (k == 0) {
      CHECK_OK(commit_one(cat, 2222, "b2", &f2, &err), &err);
      CHECK(!exists(cat, f1)); /* named, not used, replaced: deleted */
      CHECK(f2 && exists(cat, f2));
    }
  }
  CHECK_OK(commit_one(cat, 4444, "b3", NULL, &err), &err);
  CHECK(exists(cat, victim));
  CHECK(f2 && exists(cat, f2)); /* the summary naming the victim hid it: left to remove-orphans */
  qb_expidx ix;
  CHECK_OK(qb_expidx_open(&ix, cat, &err), &err);
  CHECK(ix.have_bloom);
  for (uint64_t d = 1111; d <= 4444; d += 1111) CHECK(qb_expidx_stored(&ix, d) != 0);
  char *live = strdup(ix.bloom_path);
  qb_expidx_close(&ix);
  /* remove-orphans, cutoff in the future: every filter a kept snapshot names stays (the live one, b2's),
   * an unnamed one goes; the summary that names a path outside the table (and one naming nothing, "")
   * neither fails the run nor protects anything */
  char stale[700];
  snprintf(stale, sizeof stale, "%.*sbloom-stale-1.bin", (int)(strrchr(live, '/') + 1 - live), live);
  CHECK_OK(qb_fileio_write_all(qb_catalog_io(cat), stale, "x", 1, QB_CREATE_OVERWRITE, &err), &err);
  qb_table *t = NULL;
  qb_txn *txn = NULL;
  CHECK_OK(qb_table_load(&t, cat, QB_EXPIDX_TABLE, &err), &err);
  CHECK_OK(qb_txn_begin(&txn, t, QB_TXN_FAST_APPEND, NULL, &err), &err);
  qb_value items[4] = {{.kind = QB_V_INT64, .u.i64 = 5555}, {.kind = QB_V_NULL}, {.kind = QB_V_NULL},
                       {.kind = QB_V_NULL}};
  qb_value row = {.kind = QB_V_STRUCT, .u.seq = {items, 4}};
  CHECK_OK(qb_txn_write(txn, &row, &err), &err);
  CHECK_OK(qb_txn_set_summary(txn, "qberg.bloom", "", &err), &err);
  CHECK_OK(qb_txn_commit(txn, NULL, &err), &err);
  qb_orphan_options oo = QB_ORPHAN_OPTIONS_INIT;
  oo.older_than_ms = qb_now_ms() + 60000;
  oo.dry_run = false;
  qb_orphan_report orep;
  CHECK_OK(qb_remove_orphan_files(t, &oo, &orep, &err), &err);
  CHECK_EQ_INT((long long)orep.orphans, 1);
  CHECK(!exists(cat, stale));
  CHECK(exists(cat, live) && f2 && exists(cat, f2) && exists(cat, victim));
  qb_table_free(t);
  free(live);
  free(f1);
  free(f2);
  qb_catalog_free(cat);
}
