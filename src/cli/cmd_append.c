/* SPDX-License-Identifier: Apache-2.0 */
/* qberg append TABLE FILE.jsonl|- [--tag NAME] [--branch B] [--fast | --replace-partitions | --overwrite EXPR]:
 * rows as JSON lines, written through the partitioned writer and committed as one snapshot. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_catalog.h"
#include "qberg/table.h"

static void usage(void)
{
  printf("usage: qberg [-w WAREHOUSE] append TABLE FILE.jsonl|- [--tag NAME] [--branch NAME]\n"
         "                                   [--fast | --replace-partitions | --overwrite EXPR] [--summary K=V]...\n"
         "                                   [--json]\n\n"
         "Append rows given as JSON objects, one per line (members named like the columns; dates, timestamps,\n"
         "decimals and uuids as strings, binary as hex), to TABLE in one snapshot. Rows are routed to one\n"
         "Parquet file per partition and files roll at write.target-file-size-bytes.\n"
         "  --tag NAME            also tag the new snapshot (same commit); NAME must be new\n"
         "  --branch NAME         commit to this branch (created from main's snapshot if absent: said on stderr)\n"
         "  --fast                fast append: never merge manifests\n"
         "  --replace-partitions  replace every file in the partitions the rows fall in (dynamic overwrite)\n"
         "  --overwrite EXPR      delete the rows matching EXPR in the same commit (copy-on-write: files whose\n"
         "                        rows all match are removed, files where only some match are rewritten\n"
         "                        without them; rows where EXPR is null are kept)\n"
         "  (--fast, --replace-partitions and --overwrite exclude each other)\n"
         "  --summary K=V         extra snapshot summary entry\n"
         "Prints the new snapshot id (--json: an object with the counts).\n");
}

int qb_cmd_append(qb_cli *cli)
{
  if (qb_cli_wants_help(cli->argc, cli->argv)) {
    usage();
    return QB_EXIT_OK;
  }
  const char *table = NULL, *file = NULL, *tag = NULL, *branch = NULL, *overwrite = NULL;
  const char *summary[32];
  size_t n_summary = 0;
  qb_txn_op op = QB_TXN_APPEND;
  unsigned modes = 0; /* bits of --fast, --replace-partitions, --overwrite: one transaction kind each */
  for (int i = 1; i < cli->argc; i++) {
    const char *a = cli->argv[i];
    if (!strcmp(a, "--json")) continue;
    if (!strcmp(a, "--fast")) {
      op = QB_TXN_FAST_APPEND;
      modes |= 1;
    } else if (!strcmp(a, "--replace-partitions")) {
      op = QB_TXN_REPLACE_PARTITIONS;
      modes |= 2;
    } else if (!strcmp(a, "--tag") || !strcmp(a, "--branch") || !strcmp(a, "--summary") || !strcmp(a, "--overwrite")) {
      if (i + 1 >= cli->argc) return qb_cli_usage_error("append", "%s needs a value", a);
      const char *v = cli->argv[++i];
      if (a[2] == 'o') overwrite = v, op = QB_TXN_OVERWRITE, modes |= 4;
      else if (a[2] == 't') tag = v;
      else if (a[2] == 'b') branch = v;
      else if (n_summary < 32 && strchr(v, '=') && v[0] != '=') summary[n_summary++] = v;
      else return qb_cli_usage_error("append", "--summary wants KEY=VALUE (at most 32)");
    } else if (a[0] == '-' && a[1]) {
      return qb_cli_usage_error("append", "unexpected argument '%s'", a);
    } else if (!table) {
      table = a;
    } else if (!file) {
      file = a;
    } else {
      return qb_cli_usage_error("append", "unexpected argument '%s'", a);
    }
  }
  if (!table || !file) return qb_cli_usage_error("append", "needs TABLE and FILE.jsonl (or - for stdin)");
  if (modes & (modes - 1)) return qb_cli_usage_error("append", "--fast, --replace-partitions and --overwrite exclude each other");
  qb_err err = QB_ERR_INIT;
  qb_expr *filter = NULL;
  if (overwrite && qb_expr_parse(&filter, overwrite, &err)) return qb_cli_usage_error("append", "%s", err.msg);
  FILE *in = strcmp(file, "-") ? fopen(file, "rb") : stdin;
  if (!in) {
    qb_expr_free(filter);
    return qb_cli_usage_error("append", "cannot open %s", file);
  }
  qb_cli_catalog cc;
  int st = qb_cli_catalog_open(&cc, cli, "append", table);
  if (st) {
    if (in != stdin) fclose(in);
    qb_expr_free(filter);
    return st;
  }
  qb_table *t = NULL;
  qb_txn *txn = NULL;
  qb_row_decoder *dec = NULL;
  char *line = NULL;
  size_t cap = 0;
  uint64_t lineno = 0;
  const qb_table_metadata *md;
  if ((st = qb_cli_load_table(cc.cat, table, &t))) goto out;
  qb_txn_options o = QB_TXN_OPTIONS_INIT;
  o.branch = branch;
  if (qb_table_get_metadata(&md, t, &err)) goto fail;
  /* --tag creates a tag, as `qberg tag` does without --replace: moving an existing one here would take its
   * protection from the snapshot it tagged (and its max-ref-age-ms) without a word */
  const qb_ref *existing = tag ? qb_table_metadata_ref(md, tag) : NULL;
  if (existing) {
    QB_FAIL(&err, QB_EEXISTS,
            "ref '%s' already exists (%s at snapshot %" PRId64 "): nothing appended; choose another name, or move "
            "it after the append with 'qberg tag %s %s --snapshot ID --replace'",
            tag, existing->type == QB_REF_TAG ? "tag" : "branch", existing->snapshot_id, table, tag);
    goto fail;
  }
  /* a branch the append creates is said so on stderr: a misspelled --branch would otherwise fork the table
   * silently (Java's toBranch creates it too) */
  bool new_branch = branch && !qb_table_metadata_ref(md, branch);
  /* main of a table without a snapshot is not a branch the append forks (the first append makes it, as without
   * --branch): the note called it created "from the main branch's snapshot" and offered to remove it, which is
   * refused; a new branch of such a table starts empty, not from main (found by exploreR) */
  if (new_branch && !strcmp(branch, "main")) new_branch = false;
  bool from_main = qb_table_metadata_current_snapshot_id(md) >= 0;
  if (qb_txn_begin(&txn, t, op, &o, &err) ||
      qb_row_decoder_new(&dec, qb_table_metadata_current_schema(md), &err) ||
      (filter && qb_txn_remove_where(txn, filter, &err)))
    goto fail;
  for (size_t i = 0; i < n_summary; i++) {
    char *kv = strdup(summary[i]);
    char *eq = kv ? strchr(kv, '=') : NULL;
    int rc = eq ? (*eq = 0, qb_txn_set_summary(txn, kv, eq + 1, &err)) : QB_FAIL(&err, QB_ENOMEM, "out of memory");
    free(kv);
    if (rc) goto fail;
  }
  ssize_t n;
  while ((n = getline(&line, &cap, in)) > 0) {
    lineno++;
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
    size_t k = 0;
    while (line[k] == ' ' || line[k] == '\t') k++;
    if (!line[k]) continue;
    const qb_value *row;
    if (qb_row_decoder_parse(&row, dec, line, (size_t)n, &err) || qb_txn_write(txn, row, &err)) {
      qb_err_wrap(&err, "%s line %" PRIu64, strcmp(file, "-") ? file : "stdin", lineno);
      goto fail;
    }
  }
  if (tag && qb_txn_tag(txn, tag, -1, &err)) goto fail;
  qb_txn_result res;
  int rc = qb_txn_commit(txn, &res, &err);
  txn = NULL;
  if (rc) goto fail;
  if (cli->json)
    printf("{\"snapshot-id\":%" PRId64 ",\"sequence-number\":%" PRId64 ",\"version\":%" PRId64
           ",\"attempts\":%d,\"added-files\":%" PRIu64 ",\"added-records\":%" PRIu64 ",\"removed-files\":%" PRIu64
           ",\"branch-created\":%s}\n",
           res.snapshot_id, res.sequence_number, res.version, res.attempts, res.added_files, res.added_records,
           res.removed_files, new_branch ? "true" : "false");
  else
    printf("%" PRId64 "\n", res.snapshot_id);
  if (new_branch && !cli->json) {
    char *name = qb_cli_text_escape(branch, strlen(branch));
    fprintf(stderr, "qberg append: created branch %s (it did not exist) %s; 'qberg tag %s %s --branch --remove' undoes it\n",
            name ? name : branch, from_main ? "from the main branch's snapshot" : "holding only these rows (main has no snapshot)",
            table, name ? name : branch);
    free(name);
  }
  goto out;
fail:
  st = qb_cli_fail(&err);
out:
  qb_txn_abort(txn);
  qb_row_decoder_free(dec);
  qb_table_free(t);
  qb_cli_catalog_close(&cc);
  free(line);
  qb_expr_free(filter);
  if (in != stdin) fclose(in);
  return st;
}
