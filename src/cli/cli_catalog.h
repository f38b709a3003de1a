/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the table and namespace verbs: opening the catalog the way the user configured it, and the
 * small printers they have in common (timestamps, JSON strings). */
#ifndef QB_CLI_CATALOG_H
#define QB_CLI_CATALOG_H

#include "cli.h"
#include "qberg/catalog.h"

typedef struct qb_cli_catalog {
  qb_catalog *cat;
  qb_fileio *io;   /* owned: the store of an s3:// TABLE outside the warehouse, else NULL */
  qb_config *cfg;  /* owned */
} qb_cli_catalog;

/*
 * Open the catalog: the warehouse of -w, $QBERG_WAREHOUSE or the configuration (qberg.conf,
 * spark-defaults.conf: docs/S3.md), may be unset when `table` is a path or URI. A TABLE URI on another
 * store than the warehouse gets its own FileIO. Environment: QBERG_COMMIT_MODE=auto|exclusive|lock (how
 * commits publish, docs/CATALOG.md) and QBERG_LOCK_LEASE_MS. Returns an exit status: QB_EXIT_OK, or the
 * error already printed (then nothing needs closing).
 */
int qb_cli_catalog_open(qb_cli_catalog *c, qb_cli *cli, const char *verb, const char *table);
void qb_cli_catalog_close(qb_cli_catalog *c);

/* Load TABLE; on failure prints the error and returns the exit status. */
int qb_cli_load_table(qb_catalog *cat, const char *table, qb_table **out);

/* List the namespaces under parent (NULL = top) as lines or a JSON array ("qberg namespaces", "qberg ns list"). */
int qb_cli_list_namespaces(qb_cli *cli, const char *verb, const char *parent);

/* 2026-11-26T13:38:00.123Z (UTC, milliseconds) */
void qb_cli_print_ms(FILE *f, int64_t ms);
/* A JSON string literal with escapes. */
void qb_cli_json_str(FILE *f, const char *s);
/* The arguments that are not "--json" into out[] (at most max). Returns their count, or -1 - i when
 * argv[i] is an option or one too many (the caller reports it). */
int qb_cli_positional(qb_cli *cli, const char **out, int max);

#endif
