/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the CLI's command files: the context and the helpers for errors and usage.
 * The CLI uses only include/qberg/ (the public API). */
#ifndef QB_CLI_H
#define QB_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "qberg/qberg.h"

enum { QB_EXIT_OK = 0, QB_EXIT_ERROR = 1, QB_EXIT_USAGE = 2 };

typedef struct qb_cli {
  const char *warehouse; /* -w/--warehouse or QBERG_WAREHOUSE; may be NULL */
  const char *config;    /* --config FILE (qberg.conf) */
  bool json;             /* --json: structured output */
  int argc;              /* the verb's arguments: argv[0] is the verb */
  char **argv;
} qb_cli;

typedef struct qb_cli_cmd {
  const char *name;
  const char *summary;
  int (*run)(qb_cli *cli);
} qb_cli_cmd;

/* Print "qberg: QB_ECORRUPT: <chain>" to stderr and return the exit status for err. */
int qb_cli_fail(const qb_err *err);
/* Print "qberg VERB: <message>" and "try 'qberg VERB --help'"; returns QB_EXIT_USAGE. */
int qb_cli_usage_error(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The value of a verb's "--threads N" (1 to 1024; the library takes more than 2 as 2) into *out; returns 0,
 * or QB_EXIT_USAGE after printing the usage error. */
int qb_cli_threads_arg(unsigned *out, const char *verb, const char *arg);
/* The value of a verb's "--batch-id UUID" (a lowercase 8-4-4-4-12 UUID: processing_batch_id, the
 * v_<hex32> tags) into *out; returns 0, or QB_EXIT_USAGE after printing the usage error. */
int qb_cli_batch_id_arg(const char **out, const char *verb, const char *arg);
/* True when argv holds -h or --help. */
bool qb_cli_wants_help(int argc, char **argv);

/* n bytes of text as one line for a person (cli_text.c): a backslash as \\, NUL \0, newline \n, tab \t,
 * carriage return \r, the other ASCII controls and DEL as \xNN, C1 controls as \u00NN, each byte that is
 * not part of well-formed UTF-8 as \xNN; other UTF-8 as it is. NULL on ENOMEM; the caller frees it. */
char *qb_cli_text_escape(const char *s, size_t n);
/* Length of the well-formed UTF-8 sequence at s[0..n), or 0 when the bytes there are not one. */
size_t qb_cli_utf8_len(const char *s, size_t n);
/* Terminal columns of a UTF-8 text (wide East Asian characters and emoji 2, combining marks 0). */
size_t qb_cli_text_width(const char *s);
/* s (malloc'd, owned by the call) cut to at most max_cols columns, ending in "…" when cut; NULL on ENOMEM. */
char *qb_cli_text_fit(char *s, size_t max_cols);
/* A name or value from a table's metadata (ref, property, column, doc, summary) on stdout for a person,
 * escaped as qb_cli_text_escape does so that it stays on its line, then spaces up to pad columns. */
void qb_cli_put_text(const char *s, size_t pad);

/* The configuration (cli_config.c): --config FILE, environment, qberg.conf, spark-defaults.conf, with
 * -w/--warehouse as an explicit option. */
int qb_cli_config(qb_config **out, const qb_cli *cli, qb_err *err);
/* Apply a verb's "-o KEY=VALUE" as an explicit option. */
int qb_cli_config_option(qb_config *cfg, const char *verb, const char *kv, qb_err *err);

#define QB_CLI_COMMAND(name, summary) int qb_cmd_##name(qb_cli *cli);
#include "commands.h"
#undef QB_CLI_COMMAND

#endif
