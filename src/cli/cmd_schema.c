/* SPDX-License-Identifier: Apache-2.0 */
/* qberg schema TABLE [--as-of ID|REF|TIME] [--json]: the columns (ids, types, requiredness, docs) and the
 * partition specs of a table. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli_catalog.h"
#include "qberg/scan.h"

static void print_type(const qb_type *t, int depth);

static void print_field(int32_t id, const char *name, bool required, const qb_type *t, const char *doc, int depth)
{
  char tn[64];
  qb_type_to_string(tn, sizeof tn, t);
  printf("%*s%-6d ", depth * 2, "", (int)id);
  qb_cli_put_text(name, 0);
  printf(": %s%s", tn, required ? " (required)" : "");
  if (doc) {
    printf("  -- ");
    qb_cli_put_text(doc, 0);
  }
  printf("\n");
  print_type(t, depth + 1);
}

static void print_type(const qb_type *t, int depth)
{
  switch (t->id) {
  case QB_T_STRUCT:
    for (size_t i = 0; i < t->n_fields; i++)
      print_field(t->fields[i].id, t->fields[i].name, t->fields[i].required, t->fields[i].type, t->fields[i].doc, depth);
    return;
  case QB_T_LIST: print_field(t->element_id, "element", t->element_required, t->element, NULL, depth); return;
  case QB_T_MAP:
    print_field(t->key_id, "key", true, t->key, NULL, depth);
    print_field(t->value_id, "value", t->value_required, t->value, NULL, depth);
    return;
  default: return;
  }
}

int qb_cmd_schema(qb_cli *cli)
{
  if (qb_cli_wants_help(cli->argc, cli->argv)) {
    printf("usage: qberg [-w WAREHOUSE] schema TABLE [--as-of ID|REF|TIME] [--json]\n\n"
           "Print the table's current schema, or with --as-of the one a scan there reads with (a snapshot id's,\n"
           "tag's or time's snapshot schema; the current schema for a branch, as Java): field ids, names,\n"
           "types, required columns, docs; then the partition specs, the default one marked with '*'.\n"
           "--json prints the schema object as Iceberg writes it in table metadata.\n");
    return QB_EXIT_OK;
  }
  const char *table = NULL, *as_of = NULL;
  for (int i = 1; i < cli->argc; i++) {
    const char *a = cli->argv[i];
    if (!strcmp(a, "--json")) continue;
    if (!strcmp(a, "--as-of") && i + 1 < cli->argc) as_of = cli->argv[++i];
    else if (a[0] == '-' || table) return qb_cli_usage_error("schema", "unexpected argument '%s'", a);
    else table = a;
  }
  if (!table) return qb_cli_usage_error("schema", "missing TABLE");
  qb_cli_catalog cc;
  int st = qb_cli_catalog_open(&cc, cli, "schema", table);
  if (st) return st;
  qb_table *t;
  if ((st = qb_cli_load_table(cc.cat, table, &t))) {
    qb_cli_catalog_close(&cc);
    return st;
  }
  qb_err err = QB_ERR_INIT;
  const qb_table_metadata *md;
  const qb_schema *s = NULL;
  if (qb_table_get_metadata(&md, t, &err)) {
    st = qb_cli_fail(&err);
  } else if (as_of) { /* the schema the scan at that point would use */
    qb_scan_options o = QB_SCAN_OPTIONS_INIT;
    qb_scan *scan = NULL;
    if (qb_scan_options_as_of(&o, md, as_of, &err) || qb_scan_new(&scan, t, &o, &err)) st = qb_cli_fail(&err);
    else s = qb_table_metadata_schema_by_id(md, qb_schema_id(qb_scan_table_schema(scan)));
    qb_scan_free(scan);
  } else {
    s = qb_table_metadata_current_schema(md);
  }
  if (s && cli->json) {
    char *j;
    if (qb_schema_to_json(&j, s, &err)) {
      st = qb_cli_fail(&err);
    } else {
      printf("%s\n", j);
      free(j);
    }
  } else if (s) {
    printf("schema %d\n", (int)qb_schema_id(s));
    print_type(qb_schema_struct(s), 1);
    const qb_partition_spec *def = qb_table_metadata_default_spec(md);
    for (size_t i = 0; i < qb_table_metadata_n_specs(md); i++) {
      const qb_partition_spec *sp = qb_table_metadata_spec_at(md, i);
      printf("%spartition spec %d:%s\n", sp == def ? "*" : " ", (int)sp->spec_id, sp->n_fields ? "" : " unpartitioned");
      for (size_t k = 0; k < sp->n_fields; k++) {
        char tr[48];
        qb_transform_to_string(tr, sizeof tr, &sp->fields[k].transform);
        const char *src = qb_schema_field_name(s, sp->fields[k].source_id);
        printf("  %-6d %s = %s(%s)\n", (int)sp->fields[k].field_id, sp->fields[k].name, tr, src ? src : "<dropped>");
      }
    }
  }
  qb_table_free(t);
  qb_cli_catalog_close(&cc);
  return st;
}
