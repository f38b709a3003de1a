/* SPDX-License-Identifier: Apache-2.0 */
/* qb_features_run with an ingest batch's membership answers (qb_features_options.membership): used only
 * when the appended data is exactly that batch's, then ml_run_summary's experiment ids are not read; an
 * UNKNOWN answer or any other appended snapshot falls back to reading them, with the reason. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "qberg/features.h"
#include "qberg/fileio.h"
#include "qberg/pipeline.h"
#include "qberg/scan.h"
#include "qberg/table.h"
#include "qberg/vqe.h"

#define BATCH2 "11111111-2222-4333-8444-555555555555"

typedef struct ids {
  char v[16][65];
  size_t n;
  int calls;
  qb_features_membership fixed; /* UNKNOWN..STORED: answer this; else look up v */
} ids;

static qb_features_membership answer(void *ctx, const char *id, size_t n)
{
  ids *s = ctx;
  s->calls++;
  if (s->fixed != (qb_features_membership)-1) return s->fixed;
  for (size_t i = 0; i < s->n; i++)
    if (n == 64 && !memcmp(s->v[i], id, 64)) return QB_FEATURES_STORED;
  return QB_FEATURES_NEW;
}

/* A warehouse with a first batch of 6 experiments (ML tables computed) and a second of 4 ingested as
 * BATCH2 without the ML phase; `stored` receives the 6 ids of ml_run_summary. */
static qb_catalog *two_batches(ids *stored, qb_err *err)
{
  const char *tmp = qb_test_tmpdir();
  char wh[512], raw[512];
  snprintf(wh, sizeof wh, "%s/wh", tmp);
  snprintf(raw, sizeof raw, "%s/raw", tmp);
  qb_catalog *cat = NULL;
  if (qb_catalog_open(&cat, wh, NULL, err)) return NULL;
  qb_vqe_gen_options g = QB_VQE_GEN_OPTIONS_INIT;
  g.seed = 3;
  g.count = 6;
  g.min_iterations = 5;
  g.max_iterations = 8;
  qb_ingest_options o = QB_INGEST_OPTIONS_INIT;
  o.raw = raw;
  qb_ingest_report *rep = calloc(1, sizeof *rep);
  int rc = rep ? qb_vqe_generate(qb_catalog_io(cat), raw, &g, err) : QB_ENOMEM;
  if (rc == QB_OK) rc = qb_ingest_run(rep, cat, &o, err);
  g.seed = 4;
  g.count = 4;
  g.first_counter = 100;
  o.batch_id = BATCH2;
  o.no_features = true;
  if (rc == QB_OK) rc = qb_vqe_generate(qb_catalog_io(cat), raw, &g, err);
  if (rc == QB_OK) rc = qb_ingest_run(rep, cat, &o, err);
  free(rep);
  qb_table *t = NULL;
  if (rc == QB_OK) rc = qb_table_load(&t, cat, QB_VQE_NAMESPACE ".ml_run_summary", err);
  const char *cols[1] = {"experiment_id"};
  qb_scan_options so = QB_SCAN_OPTIONS_INIT;
  so.columns = cols;
  so.n_columns = 1;
  qb_scan *s = NULL;
  if (rc == QB_OK) rc = qb_scan_new(&s, t, &so, err);
  const qb_value *row;
  stored->n = 0;
  while (rc == QB_OK && (rc = qb_scan_next(&row, s, err)) == QB_OK && row && stored->n < 16) {
    const qb_value *v = &row->u.seq.items[0];
    if (v->kind == QB_V_STRING && v->u.bytes.n == 64) memcpy(stored->v[stored->n++], v->u.bytes.p, 64);
  }
  qb_scan_free(s);
  qb_table_free(t);
  if (rc) {
    qb_catalog_free(cat);
    return NULL;
  }
  return cat;
}

static int features(qb_features_report *rep, qb_catalog *cat, const char *batch, ids *m, qb_err *err)
{
  qb_features_options fo = QB_FEATURES_OPTIONS_INIT;
  fo.batch_id = batch;
  fo.membership = answer;
  fo.membership_ctx = m;
  return qb_features_run(rep, cat, &fo, err);
}

QB_TEST(membership_replaces_the_stored_ids)
{
  qb_err err = QB_ERR_INIT;
  ids m;
  qb_catalog *cat = two_batches(&m, &err);
  CHECK(cat != NULL);
  if (!cat) return;
  CHECK_EQ_INT((long long)m.n, 6);
  m.fixed = (qb_features_membership)-1;
  m.calls = 0;
  qb_features_report rep;
  CHECK_OK(features(&rep, cat, BATCH2, &m, &err), &err);
  CHECK(rep.incremental);
  CHECK_EQ_INT((long long)rep.stored_ids_read, 0);
  CHECK_EQ_STR(rep.stored_ids_reason, "");
  CHECK_EQ_INT((long long)rep.experiments_new, 4);
  CHECK_EQ_INT((long long)rep.experiments_seen, 10); /* 6 from ml_run_summary's total-records, 4 new */
  CHECK_EQ_INT((long long)rep.rows[QB_ML_RUN_SUMMARY], 4);
  CHECK(m.calls >= 4);
  qb_catalog_free(cat);
}

QB_TEST(membership_answers_are_used)
{
  /* "stored" for all: the 4 new experiments are taken as known, which only the answers can have said */
  qb_err err = QB_ERR_INIT;
  ids m;
  qb_catalog *cat = two_batches(&m, &err);
  CHECK(cat != NULL);
  if (!cat) return;
  m.fixed = QB_FEATURES_STORED;
  qb_features_report rep;
  CHECK_OK(features(&rep, cat, BATCH2, &m, &err), &err);
  CHECK(rep.incremental);
  CHECK_EQ_INT((long long)rep.stored_ids_read, 0);
  CHECK_EQ_INT((long long)rep.experiments_new, 0);
  qb_catalog_free(cat);
}

QB_TEST(unknown_answer_reads_the_stored_ids)
{
  qb_err err = QB_ERR_INIT;
  ids m;
  qb_catalog *cat = two_batches(&m, &err);
  CHECK(cat != NULL);
  if (!cat) return;
  m.fixed = QB_FEATURES_UNKNOWN;
  qb_features_report rep;
  CHECK_OK(features(&rep, cat, BATCH2, &m, &err), &err);
  CHECK(rep.incremental);
  CHECK_EQ_INT((long long)rep.stored_ids_read, 6);
  CHECK(strstr(rep.stored_ids_reason, "cannot tell whether experiment") != NULL);
  CHECK_EQ_INT((long long)rep.experiments_new, 4);
  CHECK_EQ_INT((long long)rep.experiments_seen, 10);
  qb_catalog_free(cat);
}

QB_TEST(other_batch_reads_the_stored_ids)
{
  /* the appended snapshots are not the named batch's: its answers would not cover them */
  qb_err err = QB_ERR_INIT;
  ids m;
  qb_catalog *cat = two_batches(&m, &err);
  CHECK(cat != NULL);
  if (!cat) return;
  m.fixed = QB_FEATURES_STORED;
  m.calls = 0;
  qb_features_report rep;
  CHECK_OK(features(&rep, cat, "99999999-2222-4333-8444-555555555555", &m, &err), &err);
  CHECK(rep.incremental);
  CHECK_EQ_INT(m.calls, 0);
  CHECK_EQ_INT((long long)rep.stored_ids_read, 6);
  CHECK(strstr(rep.stored_ids_reason, "more than this ingest batch's append") != NULL);
  CHECK_EQ_INT((long long)rep.experiments_new, 4);
  qb_catalog_free(cat);
}
