/* SPDX-License-Identifier: Apache-2.0 */
/* qberg fsck TABLE|--all [--deep] [--json]: run the table consistency checks (qberg/fsck.h) and print
 * each problem; exit 1 when any table has one. */
#include <inttypes.h>
#include <string.h>

#include "cli_catalog.h"

typedef struct out_ctx {
  bool json;
  const char *table;
  int64_t n; /* problems printed for this table */
} out_ctx;

static void json_or_null(const char *s)
{
  if (s)
    qb_cli_json_str(stdout, s);
  else
    printf("null");
}

static int on_problem(void *ctx, const qb_fsck_problem *p, qb_err *err)
{
  (void)err;
  out_ctx *o = ctx;
  if (o->json) {
    printf("%s{\"check\":", o->n ? "," : "");
    qb_cli_json_str(stdout, p->check);
    printf(",\"file\":");
    json_or_null(p->file);
    printf(",\"snapshot-id\":");
    if (p->snapshot_id != -1) printf("%" PRId64, p->snapshot_id);
    else printf("null");
    printf(",\"field\":");
    json_or_null(p->field);
    printf(",\"expected\":");
    json_or_null(p->expected);
    printf(",\"found\":");
    json_or_null(p->found);
    printf(",\"detail\":");
    json_or_null(p->detail);
    printf("}");
  } else {
    printf("%s: %s: %s", o->table, p->check, p->file ? p->file : "-");
    if (p->snapshot_id != -1) printf(" (snapshot %" PRId64 ")", p->snapshot_id);
    if (p->field) printf(": %s", p->field);
    if (p->expected || p->found)
      printf(": expected %s, found %s", p->expected ? p->expected : "-", p->found ? p->found : "-");
    if (p->detail) printf(": %s", p->detail);
    printf("\n");
  }
  o->n++;
  return QB_OK;
}

typedef struct run_ctx {
  qb_catalog *cat;
  bool deep, json;
  int n_tables;
  int64_t problems;
  int failed; /* tables that could not be checked */
} run_ctx;

static int check_one(void *ctx, const char *name, qb_err *unused)
{
  (void)unused;
  run_ctx *rc = ctx;
  out_ctx o = {rc->json, name, 0};
  qb_fsck_options opts = QB_FSCK_OPTIONS_INIT;
  opts.deep = rc->deep;
  opts.on_problem = on_problem;
  opts.ctx = &o;
  qb_fsck_report rep;
  memset(&rep, 0, sizeof rep);
  qb_err err = QB_ERR_INIT;
  qb_table *t = NULL;
  if (rc->json) {
    printf("%s{\"table\":", rc->n_tables ? "," : "");
    qb_cli_json_str(stdout, name);
    printf(",\"problems\":[");
  }
  rc->n_tables++;
  int r = qb_table_load(&t, rc->cat, name, &err);
  if (r == QB_OK) r = qb_fsck(t, &opts, &rep, &err);
  qb_table_free(t);
  rc->problems += rep.problems;
  if (r) {
    rc->failed++;
    if (!rc->json) fprintf(stderr, "qberg: %s: %s\n", qb_code_name(err.code), err.msg);
  }
  if (rc->json) {
    printf("],\"error\":");
    json_or_null(r ? err.msg : NULL);
    printf(",\"snapshots\":%" PRId64 ",\"manifest-lists\":%" PRId64 ",\"manifests\":%" PRId64
           ",\"data-files\":%" PRId64 ",\"delete-files\":%" PRId64 ",\"metadata-files\":%" PRId64
           ",\"rows-read\":%" PRId64 ",\"problem-count\":%" PRId64 "}",
           rep.snapshots, rep.manifest_lists, rep.manifests, rep.data_files, rep.delete_files, rep.metadata_files,
           rep.rows_read, rep.problems);
  } else if (r == QB_OK) {
    printf("%s: %s: %" PRId64 " snapshots, %" PRId64 " manifests, %" PRId64 " data files, %" PRId64
           " delete files, %" PRId64 " metadata files",
           name, rep.problems ? "PROBLEMS" : "clean", rep.snapshots, rep.manifests, rep.data_files, rep.delete_files,
           rep.metadata_files);
    if (rc->deep) printf(", %" PRId64 " rows read", rep.rows_read);
    if (rep.problems) printf(", %" PRId64 " problems", rep.problems);
    printf("\n");
  } else {
    /* on stdout too: a report kept from stdout (fsck --all > report) listed only the tables it could check */
    printf("%s: NOT CHECKED: %s: ", name, qb_code_name(err.code));
    qb_cli_put_text(err.msg, 0);
    printf("\n");
  }
  return QB_OK;
}

int qb_cmd_fsck(qb_cli *cli)
{
  if (qb_cli_wants_help(cli->argc, cli->argv)) {
    printf("usage: qberg [-w WAREHOUSE] fsck TABLE|--all [--deep] [--json]\n\n"
           "Check a table (--all: every table of the warehouse) at its current metadata: every file it\n"
           "references exists with its recorded size (metadata-log, manifest lists, manifests, data and delete\n"
           "files), manifest list counts match the manifests, snapshot summaries add up, sequence numbers,\n"
           "parents and refs are consistent, the version hint names the newest metadata. --deep also reads\n"
           "every data and delete file: the footer's row count and every row against record_count, the\n"
           "rows of data files against their statistics and partition, delete files as scans apply them.\n"
           "Prints one line per problem (file, field, expected, found) and a line per table.\n"
           "Exit status: 0 clean, 1 any problem or a table that could not be checked.\n");
    return QB_EXIT_OK;
  }
  const char *table = NULL;
  bool all = false, deep = false;
  for (int i = 1; i < cli->argc; i++) {
    const char *a = cli->argv[i];
    if (!strcmp(a, "--all")) all = true;
    else if (!strcmp(a, "--deep")) deep = true;
    else if (!strcmp(a, "--json")) cli->json = true;
    else if (a[0] == '-' && a[1]) return qb_cli_usage_error("fsck", "unknown option '%s'", a);
    else if (table) return qb_cli_usage_error("fsck", "unexpected argument '%s'", a);
    else table = a;
  }
  if (all == (table != NULL)) return qb_cli_usage_error("fsck", "give either TABLE or --all");
  qb_cli_catalog cc;
  int st = qb_cli_catalog_open(&cc, cli, "fsck", table);
  if (st) return st;
  run_ctx rc = {cc.cat, deep, cli->json, 0, 0, 0};
  qb_err err = QB_ERR_INIT;
  if (cli->json) printf("[");
  if (all) {
    if (qb_catalog_list_tables(cc.cat, NULL, check_one, &rc, &err)) {
      if (cli->json) printf("]\n");
      qb_cli_catalog_close(&cc);
      return qb_cli_fail(&err);
    }
  } else {
    (void)check_one(&rc, table, &err);
  }
  if (cli->json) printf("]\n");
  qb_cli_catalog_close(&cc);
  return rc.problems || rc.failed ? QB_EXIT_ERROR : QB_EXIT_OK;
}
