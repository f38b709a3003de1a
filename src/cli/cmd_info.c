/* SPDX-License-Identifier: Apache-2.0 */
/* qberg info TABLE: where a table is, which metadata version it is at, and what that version holds. */
#include <inttypes.h>
#include <string.h>

#include "cli_catalog.h"

static void print_type(const qb_type *t)
{
  char buf[64];
  switch (t->id) {
  case QB_T_STRUCT:
    printf("struct<");
    for (size_t i = 0; i < t->n_fields; i++) {
      printf("%s", i ? ", " : "");
      qb_cli_put_text(t->fields[i].name, 0);
      printf(": ");
      print_type(t->fields[i].type);
    }
    printf(">");
    return;
  case QB_T_LIST:
    printf("list<");
    print_type(t->element);
    printf(">");
    return;
  case QB_T_MAP:
    printf("map<");
    print_type(t->key);
    printf(", ");
    print_type(t->value);
    printf(">");
    return;
  default:
    qb_type_to_string(buf, sizeof buf, t);
    printf("%s", buf);
  }
}

static void print_spec(const qb_partition_spec *spec, const qb_schema *schema)
{
  printf("spec %d: ", (int)spec->spec_id);
  if (!spec->n_fields) printf("unpartitioned");
  for (size_t i = 0; i < spec->n_fields; i++) {
    char tr[64];
    qb_transform_to_string(tr, sizeof tr, &spec->fields[i].transform);
    const char *src = qb_schema_field_name(schema, spec->fields[i].source_id);
    printf("%s%s = %s(%s)", i ? ", " : "", spec->fields[i].name, tr, src ? src : "?");
  }
  printf("\n");
}

static void text(qb_table *t, const qb_table_metadata *md)
{
  const char *uuid = qb_table_metadata_uuid(md);
  printf("table:            %s\n", qb_table_name(t));
  printf("directory:        %s\n", qb_table_location(t));
  printf("metadata-file:    %s\n", qb_table_metadata_path(t));
  if (qb_table_version(t) >= 0) printf("version:          %" PRId64 "\n", qb_table_version(t));
  printf("format-version:   %d\n", qb_table_metadata_format_version(md));
  printf("table-uuid:       %s\n", uuid ? uuid : "(none)");
  printf("location:         %s\n", qb_table_metadata_location(md));
  printf("last-updated:     ");
  qb_cli_print_ms(stdout, qb_table_metadata_last_updated_ms(md));
  printf("\n");
  int64_t cur = qb_table_metadata_current_snapshot_id(md);
  if (cur == -1)
    printf("current-snapshot: none\n");
  else
    printf("current-snapshot: %" PRId64 "\n", cur);
  printf("snapshots:        %zu\n", qb_table_metadata_n_snapshots(md));
  printf("refs:             %zu\n", qb_table_metadata_n_refs(md));
  const qb_schema *s = qb_table_metadata_current_schema(md);
  printf("schema %d:\n", (int)qb_schema_id(s));
  const qb_field *f = qb_schema_fields(s);
  for (size_t i = 0; i < qb_schema_n_fields(s); i++) {
    printf("  %4d  ", (int)f[i].id);
    qb_cli_put_text(f[i].name, 0);
    printf(": ");
    print_type(f[i].type);
    printf("%s\n", f[i].required ? " (required)" : "");
  }
  printf("partition ");
  print_spec(qb_table_metadata_default_spec(md), s);
  const qb_sort_order *o = qb_table_metadata_default_sort_order(md);
  printf("sort order %d: %s\n", (int)o->order_id, o->n_fields ? "" : "unsorted");
  for (size_t i = 0; i < o->n_fields; i++) {
    char tr[64];
    qb_transform_to_string(tr, sizeof tr, &o->fields[i].transform);
    const char *src = qb_schema_field_name(s, o->fields[i].source_id);
    printf("  %s(%s) %s %s\n", tr, src ? src : "?", o->fields[i].direction == QB_SORT_DESC ? "desc" : "asc",
           o->fields[i].null_order == QB_NULLS_LAST ? "nulls-last" : "nulls-first");
  }
  size_t np = qb_table_metadata_n_properties(md);
  const qb_kv *p = qb_table_metadata_properties(md);
  printf("properties:%s\n", np ? "" : " none");
  for (size_t i = 0; i < np; i++) {
    printf("  ");
    qb_cli_put_text(p[i].key, 0);
    printf(" = ");
    qb_cli_put_text(p[i].value, 0);
    printf("\n");
  }
}

static void json(qb_table *t, const qb_table_metadata *md)
{
  const char *uuid = qb_table_metadata_uuid(md);
  printf("{\"table\":");
  qb_cli_json_str(stdout, qb_table_name(t));
  printf(",\"directory\":");
  qb_cli_json_str(stdout, qb_table_location(t));
  printf(",\"metadata-file\":");
  qb_cli_json_str(stdout, qb_table_metadata_path(t));
  printf(",\"version\":%" PRId64 ",\"format-version\":%d,\"table-uuid\":", qb_table_version(t),
         qb_table_metadata_format_version(md));
  if (uuid)
    qb_cli_json_str(stdout, uuid);
  else
    printf("null");
  printf(",\"location\":");
  qb_cli_json_str(stdout, qb_table_metadata_location(md));
  printf(",\"last-updated-ms\":%" PRId64 ",\"current-snapshot-id\":%" PRId64
         ",\"snapshots\":%zu,\"refs\":%zu,\"current-schema-id\":%d,\"default-spec-id\":%d,"
         "\"default-sort-order-id\":%d,\"properties\":{",
         qb_table_metadata_last_updated_ms(md), qb_table_metadata_current_snapshot_id(md),
         qb_table_metadata_n_snapshots(md), qb_table_metadata_n_refs(md),
         (int)qb_schema_id(qb_table_metadata_current_schema(md)), (int)qb_table_metadata_default_spec(md)->spec_id,
         (int)qb_table_metadata_default_sort_order(md)->order_id);
  size_t np = qb_table_metadata_n_properties(md);
  const qb_kv *p = qb_table_metadata_properties(md);
  for (size_t i = 0; i < np; i++) {
    printf("%s", i ? "," : "");
    qb_cli_json_str(stdout, p[i].key);
    printf(":");
    qb_cli_json_str(stdout, p[i].value);
  }
  printf("}}\n");
}

int qb_cmd_info(qb_cli *cli)
{
  if (qb_cli_wants_help(cli->argc, cli->argv)) {
    printf("usage: qberg [-w WAREHOUSE] info TABLE [--json]\n\n"
           "Show a table: its directory, the metadata file it is at (found through version-hint.text,\n"
           "probing newer versions, or listing metadata/), and that metadata's uuid, current snapshot,\n"
           "schema, partition spec, sort order and properties.\n"
           "TABLE is db.table under the warehouse, a table directory, or one *.metadata.json file.\n");
    return QB_EXIT_OK;
  }
  const char *args[1];
  int n = qb_cli_positional(cli, args, 1);
  if (n < 0) return qb_cli_usage_error("info", "unexpected argument '%s'", cli->argv[-1 - n]);
  if (n == 0) return qb_cli_usage_error("info", "missing TABLE");
  qb_cli_catalog cc;
  int st = qb_cli_catalog_open(&cc, cli, "info", args[0]);
  if (st) return st;
  qb_catalog *cat = cc.cat;
  qb_table *t;
  if ((st = qb_cli_load_table(cat, args[0], &t)) == QB_EXIT_OK) {
    const qb_table_metadata *md;
    qb_err err = QB_ERR_INIT;
    if (qb_table_get_metadata(&md, t, &err))
      st = qb_cli_fail(&err);
    else if (cli->json)
      json(t, md);
    else
      text(t, md);
    qb_table_free(t);
  }
  qb_cli_catalog_close(&cc);
  return st;
}
