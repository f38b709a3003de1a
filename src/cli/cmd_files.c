/* SPDX-License-Identifier: Apache-2.0 */
/* qberg files TABLE [--as-of ID|REF|TIME] [--where EXPR] [--json]: the live data files of a snapshot (those
 * the filter may match), with partition, record count, size and the delete files that apply to each. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli_catalog.h"
#include "qberg/scan.h"

int qb_cmd_files(qb_cli *cli)
{
  if (qb_cli_wants_help(cli->argc, cli->argv)) {
    printf("usage: qberg [-w WAREHOUSE] files TABLE [--as-of ID|REF|TIME] [--where EXPR] [--json]\n\n"
           "List the data files of the current snapshot (or the one --as-of names) that the filter may\n"
           "match: path, partition spec and values, record count, size in bytes, and the position and\n"
           "equality delete files that apply to each (sequence-number rules). --json: one object per line.\n");
    return QB_EXIT_OK;
  }
  const char *table = NULL, *as_of = NULL, *where = NULL;
  for (int i = 1; i < cli->argc; i++) {
    const char *a = cli->argv[i];
    if (!strcmp(a, "--json")) continue;
    if ((!strcmp(a, "--as-of") || !strcmp(a, "--where")) && i + 1 < cli->argc) {
      if (a[2] == 'a') as_of = cli->argv[++i];
      else where = cli->argv[++i];
    } else if (a[0] == '-' || table) {
      return qb_cli_usage_error("files", "unexpected argument '%s'", a);
    } else {
      table = a;
    }
  }
  if (!table) return qb_cli_usage_error("files", "missing TABLE");
  qb_err err = QB_ERR_INIT;
  qb_expr *filter = NULL;
  if (where && qb_expr_parse(&filter, where, &err)) return qb_cli_usage_error("files", "%s", err.msg);
  qb_cli_catalog cc;
  int st = qb_cli_catalog_open(&cc, cli, "files", table);
  if (st) {
    qb_expr_free(filter);
    return st;
  }
  qb_table *t = NULL;
  qb_scan *s = NULL;
  const qb_table_metadata *md;
  qb_scan_options o = QB_SCAN_OPTIONS_INIT;
  o.filter = filter;
  if ((st = qb_cli_load_table(cc.cat, table, &t))) goto out;
  if (qb_table_get_metadata(&md, t, &err) || (as_of && qb_scan_options_as_of(&o, md, as_of, &err)) ||
      qb_scan_new(&s, t, &o, &err)) {
    st = qb_cli_fail(&err);
    goto out;
  }
  if (!cli->json) printf("%-8s %-6s %-40s %10s %12s %s\n", "content", "spec", "partition", "records", "bytes", "path");
  for (;;) {
    const qb_scan_task *task;
    if (qb_scan_next_file(&task, s, &err)) {
      st = qb_cli_fail(&err);
      break;
    }
    if (!task) break;
    const qb_data_file *f = &task->entry->data_file;
    const qb_partition_spec *spec = qb_table_metadata_spec_by_id(md, task->spec_id);
    char *part = NULL;
    if (spec && spec->n_fields && f->partition.kind == QB_V_STRUCT &&
        qb_partition_spec_path(&part, spec, qb_scan_table_schema(s), f->partition.u.seq.items, &err))
      part = NULL;
    if (cli->json) {
      printf("{\"content\":\"data\",\"file_path\":");
      qb_cli_json_str(stdout, f->file_path);
      printf(",\"spec_id\":%d,\"partition\":", (int)task->spec_id);
      if (part) qb_cli_json_str(stdout, part);
      else printf("null");
      printf(",\"record_count\":%" PRId64 ",\"file_size_in_bytes\":%" PRId64 ",\"sequence_number\":%" PRId64
             ",\"deletes\":[",
             f->record_count, f->file_size_in_bytes, task->entry->sequence_number);
      for (size_t i = 0; i < task->n_deletes; i++) {
        printf("%s{\"content\":\"%s\",\"file_path\":", i ? "," : "",
               task->deletes[i]->content == QB_CONTENT_POSITION_DELETES ? "position-deletes" : "equality-deletes");
        qb_cli_json_str(stdout, task->deletes[i]->file_path);
        printf(",\"record_count\":%" PRId64 "}", task->deletes[i]->record_count);
      }
      printf("]}\n");
    } else {
      printf("%-8s %-6d %-40s %10" PRId64 " %12" PRId64 " %s\n", "data", (int)task->spec_id, part ? part : "-",
             f->record_count, f->file_size_in_bytes, f->file_path);
      for (size_t i = 0; i < task->n_deletes; i++)
        printf("  %-6s %-6s %-40s %10" PRId64 " %12" PRId64 " %s\n",
               task->deletes[i]->content == QB_CONTENT_POSITION_DELETES ? "pos-del" : "eq-del", "", "",
               task->deletes[i]->record_count, task->deletes[i]->file_size_in_bytes, task->deletes[i]->file_path);
    }
    free(part);
  }
out:
  qb_scan_free(s);
  qb_table_free(t);
  qb_cli_catalog_close(&cc);
  qb_expr_free(filter);
  return st;
}
