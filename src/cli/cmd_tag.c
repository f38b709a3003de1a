/* SPDX-License-Identifier: Apache-2.0 */
/* qberg tag TABLE NAME [--snapshot ID] [--max-ref-age-ms N] [--replace] | --remove, and --branch to make or
 * remove a branch instead (with --min-snapshots-to-keep / --max-snapshot-age-ms). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli_catalog.h"
#include "qberg/table.h"

static void usage(void)
{
  printf("usage: qberg [-w WAREHOUSE] tag TABLE NAME [--snapshot ID] [--max-ref-age-ms MS] [--replace] [--json]\n"
         "       qberg [-w WAREHOUSE] tag TABLE NAME --branch [--snapshot ID] [--max-ref-age-ms MS]\n"
         "                                 [--min-snapshots-to-keep N] [--max-snapshot-age-ms MS] [--replace]\n"
         "       qberg [-w WAREHOUSE] tag TABLE NAME --remove\n\n"
         "Point tag NAME (or, with --branch, branch NAME) at a snapshot (default: the current one) in a\n"
         "metadata-only commit. An existing ref of that name is an error unless --replace, which moves it and\n"
         "keeps its retention settings except those given. --remove deletes the tag or branch (never\n"
         "main; with --branch only a branch). Prints the new metadata version.\n");
}

static int num(const char *s, int64_t *out)
{
  char *end;
  long long v = strtoll(s, &end, 10);
  if (*end || !*s) return -1;
  *out = v;
  return 0;
}

int qb_cmd_tag(qb_cli *cli)
{
  if (qb_cli_wants_help(cli->argc, cli->argv)) {
    usage();
    return QB_EXIT_OK;
  }
  const char *pos[2];
  int np = 0;
  bool replace = false, remove = false, branch = false;
  qb_ref ref = QB_REF_INIT(NULL, -1, QB_REF_TAG);
  for (int i = 1; i < cli->argc; i++) {
    const char *a = cli->argv[i];
    if (!strcmp(a, "--json")) continue;
    if (!strcmp(a, "--replace")) replace = true;
    else if (!strcmp(a, "--remove")) remove = true;
    else if (!strcmp(a, "--branch")) branch = true;
    else if (!strcmp(a, "--snapshot") || !strcmp(a, "--max-ref-age-ms") || !strcmp(a, "--min-snapshots-to-keep") ||
             !strcmp(a, "--max-snapshot-age-ms")) {
      int64_t v;
      if (i + 1 >= cli->argc || num(cli->argv[i + 1], &v) || v < 0)
        return qb_cli_usage_error("tag", "%s needs a non-negative number", a);
      i++;
      if (!strcmp(a, "--snapshot")) ref.snapshot_id = v;
      else if (!strcmp(a, "--max-ref-age-ms")) ref.max_ref_age_ms = v;
      else if (!strcmp(a, "--max-snapshot-age-ms")) ref.max_snapshot_age_ms = v;
      else if (v > INT32_MAX) return qb_cli_usage_error("tag", "--min-snapshots-to-keep is too large");
      else ref.min_snapshots_to_keep = (int32_t)v;
    } else if (a[0] == '-' || np == 2) {
      return qb_cli_usage_error("tag", "unexpected argument '%s'", a);
    } else {
      pos[np++] = a;
    }
  }
  if (np < 2) return qb_cli_usage_error("tag", "needs TABLE and NAME");
  if (remove && (replace || ref.snapshot_id >= 0 || ref.max_ref_age_ms >= 0 || ref.min_snapshots_to_keep >= 0 ||
                 ref.max_snapshot_age_ms >= 0))
    return qb_cli_usage_error("tag", "--remove takes no --snapshot, --replace or retention option");
  if (!branch && (ref.min_snapshots_to_keep >= 0 || ref.max_snapshot_age_ms >= 0))
    return qb_cli_usage_error("tag", "tags have no snapshot retention; use --branch");
  ref.name = pos[1];
  ref.type = branch ? QB_REF_BRANCH : QB_REF_TAG;
  qb_cli_catalog cc;
  int st = qb_cli_catalog_open(&cc, cli, "tag", pos[0]);
  if (st) return st;
  qb_table *t;
  if ((st = qb_cli_load_table(cc.cat, pos[0], &t)) == QB_EXIT_OK) {
    qb_err err = QB_ERR_INIT;
    qb_commit_info info;
    /* --branch --remove removes a branch: a tag of that name stays (Java removeBranch refuses a tag) */
    const qb_table_metadata *md;
    const qb_ref *old = NULL;
    int rc = remove && branch ? qb_table_get_metadata(&md, t, &err) : QB_OK;
    if (rc == QB_OK && remove && branch && (old = qb_table_metadata_ref(md, ref.name)) && old->type == QB_REF_TAG)
      rc = QB_FAIL(&err, QB_EINVAL, "'%s' is a tag, not a branch: nothing removed (remove it without --branch)",
                   ref.name);
    if (rc == QB_OK)
      rc = remove ? qb_table_remove_ref(t, ref.name, &info, &err) : qb_table_set_ref(t, &ref, replace, &info, &err);
    if (rc) st = qb_cli_fail(&err);
    else if (cli->json) printf("{\"version\":%" PRId64 ",\"attempts\":%d}\n", info.version, info.attempts);
    else printf("%" PRId64 "\n", info.version);
    qb_table_free(t);
  }
  qb_cli_catalog_close(&cc);
  return st;
}
