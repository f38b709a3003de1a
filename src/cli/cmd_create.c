/* SPDX-License-Identifier: Apache-2.0 */
/* qberg create TABLE --schema JSON|@FILE [--property K=V]...: a new, empty v2 table. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli_catalog.h"
#include "cli_evolve.h"

/* JSON text given inline or as @FILE; *out malloc'd */
static int read_arg(const char *arg, char **out, size_t *n)
{
  if (arg[0] != '@') {
    *out = strdup(arg);
    *n = strlen(arg);
    return *out ? 0 : -1;
  }
  FILE *f = fopen(arg + 1, "rb");
  if (!f) return -1;
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  size_t got;
  while (buf && (got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
    len += got;
    if (len + 1 == cap) {
      char *nb = realloc(buf, cap *= 2);
      if (!nb) free(buf);
      buf = nb;
    }
  }
  fclose(f);
  if (!buf) return -1;
  buf[len] = '\0';
  *out = buf;
  *n = len;
  return 0;
}

int qb_cmd_create(qb_cli *cli)
{
  if (qb_cli_wants_help(cli->argc, cli->argv)) {
    printf("usage: qberg [-w WAREHOUSE] create TABLE --schema JSON|@FILE [--partition SPEC] [--property KEY=VALUE]...\n"
           "                                   [--json]\n\n"
           "Create an empty v2 table: version 1 of its metadata, published create-exclusive. --partition takes\n"
           "comma-separated fields: col (identity), identity(col), bucket(N,col), truncate(W,col), year(col),\n"
           "month(col), day(col), hour(col); e.g. --partition \"day(ts),identity(basis),bucket(16,id)\".\n"
           "The schema is Iceberg's JSON form, e.g.\n"
           "  {\"type\":\"struct\",\"fields\":[{\"id\":1,\"name\":\"x\",\"required\":true,\"type\":\"long\"}]}\n"
           "Prints the new metadata file (--json: {\"table\":…,\"metadata-file\":…,\"version\":1}).\n");
    return QB_EXIT_OK;
  }
  const char *table = NULL, *schema_arg = NULL;
  char *partition_arg = NULL;
  qb_kv props[64];
  size_t np = 0;
  for (int i = 1; i < cli->argc; i++) {
    const char *a = cli->argv[i];
    if (!strcmp(a, "--json")) continue;
    if (!strcmp(a, "--partition")) {
      if (i + 1 >= cli->argc) return qb_cli_usage_error("create", "%s needs a value", a);
      partition_arg = cli->argv[++i];
      continue;
    }
    if (!strcmp(a, "--schema") || !strcmp(a, "--property")) {
      if (i + 1 >= cli->argc) return qb_cli_usage_error("create", "%s needs a value", a);
      const char *v = cli->argv[++i];
      if (a[2] == 's') {
        schema_arg = v;
        continue;
      }
      char *eq = strchr(v, '=');
      if (!eq || eq == v) return qb_cli_usage_error("create", "--property wants KEY=VALUE, not '%s'", v);
      if (np == sizeof props / sizeof props[0]) return qb_cli_usage_error("create", "too many --property");
      *eq = '\0';
      props[np++] = (qb_kv){v, eq + 1};
    } else if (a[0] == '-' || table) {
      return qb_cli_usage_error("create", "unexpected argument '%s'", a);
    } else {
      table = a;
    }
  }
  if (!table) return qb_cli_usage_error("create", "missing TABLE");
  if (!schema_arg) return qb_cli_usage_error("create", "missing --schema");
  char *json;
  size_t n;
  if (read_arg(schema_arg, &json, &n)) return qb_cli_usage_error("create", "cannot read %s", schema_arg + 1);
  qb_err err = QB_ERR_INIT;
  qb_schema *schema;
  if (qb_schema_parse_json(&schema, json, n, &err)) {
    free(json);
    qb_err_wrap(&err, "--schema");
    return qb_cli_fail(&err);
  }
  free(json);
  qb_cli_catalog cc;
  int st = qb_cli_catalog_open(&cc, cli, "create", table);
  if (st) {
    qb_schema_free(schema);
    return st;
  }
  qb_catalog *cat = cc.cat;
  qb_partition_field pfields[64];
  qb_partition_spec spec = {0, 0, pfields};
  if (partition_arg && (st = qb_cli_parse_partition(&spec, pfields, 64, partition_arg, schema, "create"))) {
    qb_schema_free(schema);
    qb_cli_catalog_close(&cc);
    return st;
  }
  qb_table_def def = {schema, partition_arg ? &spec : NULL, NULL, props, np};
  qb_table *t;
  if (qb_catalog_create_table_def(&t, cat, table, &def, NULL, &err)) {
    st = qb_cli_fail(&err);
  } else {
    if (cli->json) {
      printf("{\"table\":");
      qb_cli_json_str(stdout, table);
      printf(",\"metadata-file\":");
      qb_cli_json_str(stdout, qb_table_metadata_path(t));
      printf(",\"version\":%" PRId64 "}\n", qb_table_version(t));
    } else {
      printf("%s\n", qb_table_metadata_path(t));
    }
    qb_table_free(t);
  }
  for (size_t i = 0; i < spec.n_fields; i++) free((char *)pfields[i].name);
  qb_schema_free(schema);
  qb_cli_catalog_close(&cc);
  return st;
}
