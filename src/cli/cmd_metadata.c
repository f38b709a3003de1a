/* SPDX-License-Identifier: Apache-2.0 */
/* qberg metadata show FILE [--json]: a readable summary of an Iceberg table metadata file. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_catalog.h"

static void usage(FILE *f)
{
  fprintf(f, "usage: qberg metadata show FILE [--json]\n\n"
             "Read an Iceberg table metadata file (v1 or v2; gzip/zstd compressed too) and print its format\n"
             "version, location, schemas, partition specs, sort orders, properties, snapshots with their\n"
             "summaries, refs and logs. With --json, print the metadata re-serialised as Java writes it.\n");
}

/* Java's Type.toString: struct<a: long, b: string>, list<string>, map<string, double>. */
static void print_type(const qb_type *t)
{
  char buf[48];
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

static void show(const qb_table_metadata *md)
{
  const char *uuid = qb_table_metadata_uuid(md);
  printf("format-version: %d\n", qb_table_metadata_format_version(md));
  printf("table-uuid: %s\n", uuid ? uuid : "(none)");
  printf("location: %s\n", qb_table_metadata_location(md));
  printf("last-updated-ms: %" PRId64 " (", qb_table_metadata_last_updated_ms(md));
  qb_cli_print_ms(stdout, qb_table_metadata_last_updated_ms(md));
  printf(")\n");
  printf("last-sequence-number: %" PRId64 "\n", qb_table_metadata_last_sequence_number(md));
  printf("last-column-id: %d\n", (int)qb_table_metadata_last_column_id(md));
  printf("last-partition-id: %d\n", (int)qb_table_metadata_last_partition_id(md));

  const qb_schema *cur = qb_table_metadata_current_schema(md);
  printf("schemas: %zu\n", qb_table_metadata_n_schemas(md));
  for (size_t i = 0; i < qb_table_metadata_n_schemas(md); i++) {
    const qb_schema *s = qb_table_metadata_schema_at(md, i);
    size_t nid;
    const int32_t *ids = qb_schema_identifier_field_ids(s, &nid);
    printf("  schema %d%s:", (int)qb_schema_id(s), s == cur ? " (current)" : "");
    for (size_t k = 0; k < nid; k++) printf("%s%d", k ? "," : " identifier-field-ids ", (int)ids[k]);
    printf("\n");
    for (size_t k = 0; k < qb_schema_n_fields(s); k++) {
      const qb_field *f = &qb_schema_fields(s)[k];
      printf("    %d: ", (int)f->id);
      qb_cli_put_text(f->name, 0);
      printf(": %s ", f->required ? "required" : "optional");
      print_type(f->type);
      if (f->doc) {
        printf(" (");
        qb_cli_put_text(f->doc, 0);
        printf(")");
      }
      if (f->initial_default) printf(" initial-default=%s", f->initial_default);
      printf("\n");
    }
  }

  const qb_partition_spec *ds = qb_table_metadata_default_spec(md);
  printf("partition specs: %zu\n", qb_table_metadata_n_specs(md));
  for (size_t i = 0; i < qb_table_metadata_n_specs(md); i++) {
    const qb_partition_spec *sp = qb_table_metadata_spec_at(md, i);
    printf("  spec %d%s:%s\n", (int)sp->spec_id, sp == ds ? " (default)" : "", sp->n_fields ? "" : " unpartitioned");
    for (size_t k = 0; k < sp->n_fields; k++) {
      char tr[64];
      const char *src = cur ? qb_schema_field_name(cur, sp->fields[k].source_id) : NULL;
      qb_transform_to_string(tr, sizeof tr, &sp->fields[k].transform);
      printf("    %d: %s = %s(%s)\n", (int)sp->fields[k].field_id, sp->fields[k].name, tr,
             src ? src : "?");
    }
  }

  const qb_sort_order *dso = qb_table_metadata_default_sort_order(md);
  printf("sort orders: %zu\n", qb_table_metadata_n_sort_orders(md));
  for (size_t i = 0; i < qb_table_metadata_n_sort_orders(md); i++) {
    const qb_sort_order *o = qb_table_metadata_sort_order_at(md, i);
    printf("  order %d%s:%s\n", (int)o->order_id, o == dso ? " (default)" : "", o->n_fields ? "" : " unsorted");
    for (size_t k = 0; k < o->n_fields; k++) {
      char tr[64];
      const char *src = cur ? qb_schema_field_name(cur, o->fields[k].source_id) : NULL;
      qb_transform_to_string(tr, sizeof tr, &o->fields[k].transform);
      printf("    %s(%s) %s %s\n", tr, src ? src : "?", o->fields[k].direction == QB_SORT_DESC ? "desc" : "asc",
             o->fields[k].null_order == QB_NULLS_LAST ? "nulls-last" : "nulls-first");
    }
  }

  printf("properties: %zu\n", qb_table_metadata_n_properties(md));
  for (size_t i = 0; i < qb_table_metadata_n_properties(md); i++) {
    printf("  ");
    qb_cli_put_text(qb_table_metadata_properties(md)[i].key, 0);
    printf(" = ");
    qb_cli_put_text(qb_table_metadata_properties(md)[i].value, 0);
    printf("\n");
  }

  int64_t cs = qb_table_metadata_current_snapshot_id(md);
  if (cs == -1)
    printf("current-snapshot-id: none\n");
  else
    printf("current-snapshot-id: %" PRId64 "\n", cs);
  printf("snapshots: %zu\n", qb_table_metadata_n_snapshots(md));
  for (size_t i = 0; i < qb_table_metadata_n_snapshots(md); i++) {
    const qb_snapshot *s = qb_table_metadata_snapshot_at(md, i);
    printf("  %" PRId64 "%s seq %" PRId64 " at ", s->snapshot_id, s->snapshot_id == cs ? " (current)" : "",
           s->sequence_number);
    qb_cli_print_ms(stdout, s->timestamp_ms);
    printf(" %s", s->operation ? s->operation : "(no summary)");
    if (s->has_parent) printf(" parent %" PRId64, s->parent_id);
    if (s->has_schema_id) printf(" schema %d", (int)s->schema_id);
    printf("\n");
    if (s->manifest_list) printf("    manifest-list: %s\n", s->manifest_list);
    for (size_t k = 0; k < s->n_manifests; k++) printf("    manifest: %s\n", s->manifests[k]);
    for (size_t k = 0; k < s->n_summary; k++) {
      printf("    ");
      qb_cli_put_text(s->summary[k].key, 0);
      printf(" = ");
      qb_cli_put_text(s->summary[k].value, 0);
      printf("\n");
    }
  }

  printf("refs: %zu\n", qb_table_metadata_n_refs(md));
  for (size_t i = 0; i < qb_table_metadata_n_refs(md); i++) {
    const qb_ref *r = qb_table_metadata_ref_at(md, i);
    printf("  ");
    qb_cli_put_text(r->name, 0);
    printf(": %s -> %" PRId64, r->type == QB_REF_TAG ? "tag" : "branch", r->snapshot_id);
    if (r->min_snapshots_to_keep != -1) printf(" min-snapshots-to-keep %d", (int)r->min_snapshots_to_keep);
    if (r->max_snapshot_age_ms != -1) printf(" max-snapshot-age-ms %" PRId64, r->max_snapshot_age_ms);
    if (r->max_ref_age_ms != -1) printf(" max-ref-age-ms %" PRId64, r->max_ref_age_ms);
    printf("\n");
  }
  size_t n;
  const qb_snapshot_log_entry *sl = qb_table_metadata_snapshot_log(md, &n);
  printf("snapshot-log: %zu\n", n);
  for (size_t i = 0; i < n; i++) {
    printf("  ");
    qb_cli_print_ms(stdout, sl[i].timestamp_ms);
    printf(" %" PRId64 "\n", sl[i].snapshot_id);
  }
  const qb_metadata_log_entry *ml = qb_table_metadata_metadata_log(md, &n);
  printf("metadata-log: %zu\n", n);
  for (size_t i = 0; i < n; i++) {
    printf("  ");
    qb_cli_print_ms(stdout, ml[i].timestamp_ms);
    printf(" %s\n", ml[i].metadata_file);
  }
  qb_table_metadata_statistics(md, &n);
  printf("statistics: %zu\n", n);
  qb_table_metadata_partition_statistics(md, &n);
  printf("partition-statistics: %zu\n", n);
}

int qb_cmd_metadata(qb_cli *cli)
{
  if (qb_cli_wants_help(cli->argc, cli->argv)) {
    usage(stdout);
    return QB_EXIT_OK;
  }
  const char *sub = NULL, *file = NULL;
  for (int i = 1; i < cli->argc; i++) {
    const char *a = cli->argv[i];
    if (!strcmp(a, "--json")) continue;
    if (a[0] == '-' && a[1]) return qb_cli_usage_error("metadata", "unknown option '%s'", a);
    if (!sub)
      sub = a;
    else if (!file)
      file = a;
    else
      return qb_cli_usage_error("metadata", "unexpected argument '%s'", a);
  }
  if (!sub) return qb_cli_usage_error("metadata", "missing sub-command (show)");
  if (strcmp(sub, "show")) return qb_cli_usage_error("metadata", "unknown sub-command '%s'", sub);
  if (!file) return qb_cli_usage_error("metadata", "missing FILE");

  qb_err err = QB_ERR_INIT;
  qb_fileio *io = NULL;
  qb_table_metadata *md = NULL;
  int rc = qb_fileio_local_new(&io, &err);
  if (!rc) rc = qb_table_metadata_read(&md, io, file, &err);
  qb_fileio_free(io);
  if (rc) return qb_cli_fail(&err);
  if (cli->json) {
    char *js = NULL;
    size_t n;
    rc = qb_table_metadata_to_json(&js, &n, md, 0, &err);
    if (!rc) printf("%s\n", js);
    free(js);
  } else {
    show(md);
  }
  qb_table_metadata_free(md);
  return rc ? qb_cli_fail(&err) : QB_EXIT_OK;
}
