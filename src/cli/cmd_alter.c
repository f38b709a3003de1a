/* SPDX-License-Identifier: Apache-2.0 */
/* qberg alter TABLE set-property K=V... | unset-property K...: metadata-only commits. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli_catalog.h"
#include "cli_evolve.h"
#include "qberg/parquet.h"

/* A property's value after `set` is applied: set there, or as it is. */
static const char *value_after(const qb_table_metadata *md, const char *key, const qb_kv *set, size_t n_set)
{
  const char *v = qb_table_metadata_property(md, key);
  for (size_t i = 0; i < n_set; i++)
    if (!strcmp(set[i].key, key)) v = set[i].value;
  return v;
}

/* The Parquet codec and level qberg's writers would use after `set` changes either: refused here, with the
 * properties named, rather than by the next write to the table (Java takes any value and fails the write).
 * unset-property is not checked: the next write names the properties if the level left does not fit zstd. */
static int check_codec(qb_table *t, const qb_kv *set, size_t n_set, qb_err *err)
{
  static const char codec_key[] = "write.parquet.compression-codec", level_key[] = "write.parquet.compression-level";
  bool touched = false;
  for (size_t i = 0; i < n_set; i++) touched |= !strcmp(set[i].key, codec_key) || !strcmp(set[i].key, level_key);
  if (!touched) return QB_OK;
  const qb_table_metadata *md;
  int rc = qb_table_get_metadata(&md, t, err);
  if (rc) return rc;
  const char *codec = value_after(md, codec_key, set, n_set);
  const char *level = value_after(md, level_key, set, n_set);
  qb_pq_codec c = QB_PQ_ZSTD;
  if (codec && (rc = qb_pq_codec_parse(&c, codec, err))) return qb_err_wrap(err, "%s=%s", codec_key, codec);
  long long lv = 0;
  if (level) {
    char *end;
    errno = 0;
    lv = strtoll(level, &end, 10);
    if (end == level || *end || errno || lv < INT_MIN || lv > INT_MAX)
      return QB_FAIL(err, QB_EINVAL, "%s=%s: not an integer", level_key, level);
  }
  if ((rc = qb_pq_codec_check_write(c, (int)lv, err)))
    return qb_err_wrap(err, "%s=%s, %s=%s", codec_key, codec ? codec : "(default zstd)", level_key,
                       level ? level : "(default)");
  return QB_OK;
}

int qb_cmd_alter(qb_cli *cli)
{
  if (qb_cli_wants_help(cli->argc, cli->argv)) {
    printf("usage: qberg [-w WAREHOUSE] alter TABLE set-property KEY=VALUE [KEY=VALUE]... [--json]\n"
           "       qberg [-w WAREHOUSE] alter TABLE unset-property KEY [KEY]... [--json]\n\n"
           "Commit a new metadata version that changes table properties (for example commit.retry.num-retries,\n"
           "write.metadata.previous-versions-max, write.metadata.delete-after-commit.enabled). The commit\n"
           "retries on top of concurrent commits as any other. Prints the new version (--json: an object).\n\n");
    qb_cli_alter_evolve_usage();
    return QB_EXIT_OK;
  }
  const char *args[66];
  int n = qb_cli_positional(cli, args, 66);
  if (n < 0) return qb_cli_usage_error("alter", "unexpected argument '%s'", cli->argv[-1 - n]);
  if (n < 3) return qb_cli_usage_error("alter", "needs TABLE, an action and its arguments");
  if (qb_cli_is_evolve_action(args[1])) return qb_cli_alter_evolve(cli, args, n);
  bool set = !strcmp(args[1], "set-property");
  if (!set && strcmp(args[1], "unset-property"))
    return qb_cli_usage_error("alter", "unknown action '%s' (set-property, unset-property, add-column, rename-column, drop-column, widen, make-optional, move-column, add-partition-field, drop-partition-field)", args[1]);
  qb_kv kv[64];
  const char *keys[64];
  size_t k = 0;
  for (int i = 2; i < n; i++, k++) {
    if (!set) {
      keys[k] = args[i];
      continue;
    }
    char *eq = strchr(args[i], '=');
    if (!eq || eq == args[i]) return qb_cli_usage_error("alter", "set-property wants KEY=VALUE, not '%s'", args[i]);
    *eq = '\0';
    kv[k] = (qb_kv){args[i], eq + 1};
  }
  qb_cli_catalog cc;
  int st = qb_cli_catalog_open(&cc, cli, "alter", args[0]);
  if (st) return st;
  qb_catalog *cat = cc.cat;
  qb_table *t;
  if ((st = qb_cli_load_table(cat, args[0], &t)) == QB_EXIT_OK) {
    qb_err err = QB_ERR_INIT;
    qb_commit_info info;
    int rc = set ? check_codec(t, kv, k, &err) : QB_OK;
    if (rc) qb_err_wrap(&err, "table %s: nothing changed", args[0]);
    else
      rc = set ? qb_table_set_properties(t, kv, k, NULL, 0, &info, &err)
               : qb_table_set_properties(t, NULL, 0, keys, k, &info, &err);
    if (rc) {
      st = qb_cli_fail(&err);
    } else if (cli->json) {
      printf("{\"version\":%" PRId64 ",\"attempts\":%d,\"metadata-file\":", info.version, info.attempts);
      qb_cli_json_str(stdout, qb_table_metadata_path(t));
      printf("}\n");
    } else {
      printf("%" PRId64 "\n", info.version);
    }
    qb_table_free(t);
  }
  qb_cli_catalog_close(&cc);
  return st;
}
