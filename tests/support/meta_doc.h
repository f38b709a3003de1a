/* SPDX-License-Identifier: Apache-2.0 */
/* Test stand-ins for the Iceberg metadata model, enough for catalog tests: a minimal v2 table metadata
 * document, and a "set one property" change that keeps metadata-log as the spec says (one entry for the
 * previous file, trimmed to write.metadata.previous-versions-max). */
#ifndef QB_TEST_META_DOC_H
#define QB_TEST_META_DOC_H

#include "qberg/catalog.h"

/* ctx for qbt_make_table: extra properties as a JSON object text, or NULL */
typedef struct qbt_make {
  const char *props_json;
} qbt_make;

/* qb_metadata_fn: the initial document for base->table_location. ctx: qbt_make* or NULL. */
int qbt_make_table(void *ctx, const qb_commit_base *base, uint8_t **out, size_t *out_n, qb_err *err);

/* ctx for qbt_set_property */
typedef struct qbt_setprop {
  const char *key;
  const char *value;
  int calls;           /* incremented per call (attempts) */
  int sleep_ms;        /* pause inside the first call (to lose a lease), 0 = none */
  int64_t seen_version; /* base->version of the last call */
} qbt_setprop;

/* qb_metadata_fn: properties[key] = value, metadata-log += base file, last-updated-ms = now. */
int qbt_set_property(void *ctx, const qb_commit_base *base, uint8_t **out, size_t *out_n, qb_err *err);

/* properties[key] of a metadata document, malloc'd, or NULL */
char *qbt_get_property(const uint8_t *json, size_t n, const char *key);
/* number of metadata-log entries, and the last one's file (malloc'd, or NULL) */
int qbt_metadata_log(const uint8_t *json, size_t n, char **last_file);

/*
 * The history of the table at `root` must be linear and hold each commit key ("w-...") exactly once:
 * it is at version `expect_versions`, every version v2..vN exists, adds exactly one "w-" property to the
 * one before (for versions after count_from), and its metadata-log ends with the one before.
 * Returns the number of versions, or -1 after printing what is wrong.
 */
int64_t qbt_verify_history(qb_catalog *cat, const char *root, int64_t expect_versions, int64_t count_from);

#endif
