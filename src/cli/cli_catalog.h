/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the table and namespace verbs: opening the catalog the way the user configured it, and the
 * small printers they have in common (timestamps, JSON strings). */
#ifndef QB_CLI_CATALOG_H
#define QB_CLI_CATALOG_H

#include "cli.h"
#include "qberg/catalog.h"

/*
 * Open the catalog of cli->warehouse (may be unset when `table` is a path). Environment:
 * QBERG_COMMIT_MODE=auto|exclusive|lock (how commits publish, see docs/CATALOG.md) and
 * QBERG_LOCK_LEASE_MS. Returns an exit status: QB_EXIT_OK with *out set, or the error already printed.
 */
int qb_cli_open_catalog(qb_cli *cli, const char *verb, qb_catalog **out);

/* Load TABLE; on failure prints the error and returns the exit status. */
int qb_cli_load_table(qb_catalog *cat, const char *table, qb_table **out);

/* List the namespaces under parent (NULL = top) as lines or a JSON array ("qberg namespaces", "qberg ns list"). */
int qb_cli_list_namespaces(qb_cli *cli, const char *verb, const char *parent);

/* 2026-11-26T13:38:00.123Z (UTC, milliseconds) */
void qb_cli_print_ms(FILE *f, int64_t ms);
/* A JSON string literal with escapes. */
void qb_cli_json_str(FILE *f, const char *s);
/* The arguments that are not options: argv[1..] without "--json"; at most `max` of them (usage error past). */
int qb_cli_positional(qb_cli *cli, const char **out, int max);

#endif
