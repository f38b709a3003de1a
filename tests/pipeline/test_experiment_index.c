/* SPDX-License-Identifier: Apache-2.0 */
/* The experiment index's in-memory map and key-set digests (src/pipeline/experiment_index.c), and the
 * index table round trip: entries and the covered snapshots survive a commit and a reopen. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "pipeline/experiment_index.h"
#include "qberg/catalog.h"

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
  CHECK_OK(qb_expidx_commit(&ix, &added, covers, "b1", 0, &err), &err);
  qb_expidx_close(&ix);
  /* a second batch writes experiment 100 again: it was re-checked, so its entry becomes unknown */
  CHECK_OK(qb_expidx_open(&ix, cat, &err), &err);
  CHECK_EQ_INT((long long)ix.stored.count, 2);
  uint64_t got;
  CHECK(qb_expidx_map_get(&ix.stored, 100, &got) && got == 555);
  CHECK(qb_expidx_map_get(&ix.stored, 200, &got) && got == 0);
  for (int t = 0; t < QB_VQE_FEATURE_TABLES; t++) CHECK_EQ_INT((long long)ix.covers[t], (long long)covers[t]);
  covers[8] = 9;
  CHECK_OK(qb_expidx_commit(&ix, &added, covers, "b2", 0, &err), &err);
  qb_expidx_close(&ix);
  CHECK_OK(qb_expidx_open(&ix, cat, &err), &err);
  CHECK(qb_expidx_map_get(&ix.stored, 100, &got) && got == 0);
  CHECK_EQ_INT((long long)ix.covers[8], 9);
  qb_expidx_close(&ix);
  qb_expidx_map_free(&added);
  qb_catalog_free(cat);
}
