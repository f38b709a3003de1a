/* SPDX-License-Identifier: Apache-2.0 */
/* qberg alter TABLE add-column|rename-column|drop-column|widen|make-optional|move-column|
 * add-partition-field|drop-partition-field ...: schema and partition spec evolution; and the --partition
 * syntax of qberg create. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_evolve.h"

static const char *const actions[] = {"add-column", "rename-column", "drop-column", "widen", "make-optional",
                                      "move-column", "add-partition-field", "drop-partition-field"};

bool qb_cli_is_evolve_action(const char *action)
{
  for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
    if (!strcmp(action, actions[i])) return true;
  return false;
}

void qb_cli_alter_evolve_usage(void)
{
  printf("       qberg [-w WAREHOUSE] alter TABLE add-column NAME TYPE [DOC]     (NAME a.b adds b to struct a)\n"
         "       qberg [-w WAREHOUSE] alter TABLE rename-column NAME NEW\n"
         "       qberg [-w WAREHOUSE] alter TABLE drop-column NAME\n"
         "       qberg [-w WAREHOUSE] alter TABLE widen NAME TYPE              (int->long, float->double, decimal)\n"
         "       qberg [-w WAREHOUSE] alter TABLE make-optional NAME\n"
         "       qberg [-w WAREHOUSE] alter TABLE move-column NAME first|AFTER-SIBLING\n"
         "       qberg [-w WAREHOUSE] alter TABLE add-partition-field 'day(ts)'|'bucket(16,id)'|col [NAME]\n"
         "       qberg [-w WAREHOUSE] alter TABLE drop-partition-field NAME\n"
         "TYPE is a primitive type (long, string, decimal(9,2), timestamptz, ...) or an Iceberg JSON type for\n"
         "nested columns, e.g. '{\"type\":\"struct\",\"fields\":[{\"id\":1,\"name\":\"x\",\"required\":false,"
         "\"type\":\"double\"}]}'\n"
         "(its ids must be positive and distinct, as in any Iceberg schema, but are not kept: new columns get\n"
         "fresh ids). Data written before stays readable by field id.\n");
}

/* A primitive type name or a JSON type (wrapped in a one-column schema to reuse the schema parser); the
 * type lives in *holder (freed by the caller). */
static int parse_type(const qb_type **out, qb_type *prim, qb_schema **holder, const char *text, qb_err *err)
{
  *holder = NULL;
  while (*text == ' ') text++;
  if (*text != '{') {
    int rc = qb_type_parse_primitive(prim, text, err);
    *out = prim;
    return rc;
  }
  size_t n = strlen(text) + 128;
  char *doc = malloc(n);
  if (!doc) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  snprintf(doc, n, "{\"type\":\"struct\",\"schema-id\":0,\"fields\":[{\"id\":2147483447,\"name\":\"t\","
                   "\"required\":false,\"type\":%s}]}", text);
  int rc = qb_schema_parse_json(holder, doc, strlen(doc), err);
  free(doc);
  if (rc) return qb_err_wrap(err, "type");
  *out = qb_schema_fields(*holder)[0].type;
  return QB_OK;
}

static int schema_action(qb_cli *cli, qb_table *t, const char *const *args, int n, qb_commit_info *info, qb_err *err)
{
  const char *action = args[1];
  qb_schema_change *c;
  int rc = qb_schema_change_begin(&c, t, err);
  if (rc) return rc;
  qb_type prim;
  const qb_type *type = NULL;
  qb_schema *holder = NULL;
  char *parent = NULL;
  if (!strcmp(action, "add-column")) {
    if (n < 4 || n > 5) {
      qb_schema_change_abort(c);
      return QB_FAIL(err, QB_EINVAL, "usage: alter TABLE add-column NAME TYPE [DOC]");
    }
    const char *name = args[2];
    const char *dot = strrchr(name, '.');
    if (dot && !(parent = strndup(name, (size_t)(dot - name)))) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
    if (rc == QB_OK) rc = parse_type(&type, &prim, &holder, args[3], err);
    if (rc == QB_OK) rc = qb_schema_add_column(c, parent, dot ? dot + 1 : name, type, n == 5 ? args[4] : NULL, err);
  } else if (!strcmp(action, "rename-column")) {
    rc = n == 4 ? qb_schema_rename_column(c, args[2], args[3], err)
                : QB_FAIL(err, QB_EINVAL, "usage: alter TABLE rename-column NAME NEW");
  } else if (!strcmp(action, "drop-column")) {
    rc = n == 3 ? qb_schema_drop_column(c, args[2], err) : QB_FAIL(err, QB_EINVAL, "usage: alter TABLE drop-column NAME");
  } else if (!strcmp(action, "widen")) {
    rc = n == 4 ? parse_type(&type, &prim, &holder, args[3], err) : QB_FAIL(err, QB_EINVAL, "usage: alter TABLE widen NAME TYPE");
    if (rc == QB_OK) rc = qb_schema_widen_column(c, args[2], type, err);
  } else if (!strcmp(action, "make-optional")) {
    rc = n == 3 ? qb_schema_make_optional(c, args[2], err) : QB_FAIL(err, QB_EINVAL, "usage: alter TABLE make-optional NAME");
  } else {
    rc = n == 4 ? qb_schema_move_column(c, args[2], strcmp(args[3], "first") ? args[3] : NULL, err)
                : QB_FAIL(err, QB_EINVAL, "usage: alter TABLE move-column NAME first|AFTER-SIBLING");
  }
  free(parent);
  qb_schema_free(holder);
  (void)cli;
  if (rc) {
    qb_schema_change_abort(c);
    return rc;
  }
  return qb_schema_change_commit(c, info, err);
}

static int spec_action(qb_table *t, const char *const *args, int n, qb_commit_info *info, qb_err *err)
{
  qb_spec_change *c;
  int rc = qb_spec_change_begin(&c, t, err);
  if (rc) return rc;
  if (!strcmp(args[1], "add-partition-field")) {
    char *text = n == 3 || n == 4 ? strdup(args[2]) : NULL;
    qb_transform tr;
    char *source;
    if (!text) rc = QB_FAIL(err, QB_EINVAL, "usage: alter TABLE add-partition-field TRANSFORM(COLUMN) [NAME]");
    if (rc == QB_OK) rc = qb_spec_parse_field(&tr, &source, text, err);
    if (rc == QB_OK) rc = qb_spec_add_field(c, source, &tr, n == 4 ? args[3] : NULL, err);
    free(text);
  } else {
    rc = n == 3 ? qb_spec_remove_field(c, args[2], err)
                : QB_FAIL(err, QB_EINVAL, "usage: alter TABLE drop-partition-field NAME");
  }
  if (rc) {
    qb_spec_change_abort(c);
    return rc;
  }
  return qb_spec_change_commit(c, info, err);
}

int qb_cli_alter_evolve(qb_cli *cli, const char *const *args, int n)
{
  qb_cli_catalog cc;
  int st = qb_cli_catalog_open(&cc, cli, "alter", args[0]);
  if (st) return st;
  qb_table *t;
  if ((st = qb_cli_load_table(cc.cat, args[0], &t)) == QB_EXIT_OK) {
    qb_err err = QB_ERR_INIT;
    qb_commit_info info;
    bool spec = strstr(args[1], "partition") != NULL;
    int rc = spec ? spec_action(t, args, n, &info, &err) : schema_action(cli, t, args, n, &info, &err);
    if (rc == QB_EINVAL && strncmp(err.msg, "usage:", 6) == 0) {
      st = qb_cli_usage_error("alter", "%s", err.msg + 7);
    } else if (rc) {
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

int qb_cli_parse_partition(qb_partition_spec *out, qb_partition_field *fields, size_t max, char *text,
                           const qb_schema *schema, const char *verb)
{
  size_t n = 0;
  qb_err err = QB_ERR_INIT;
  /* split at commas outside parentheses: "bucket(16,id),day(ts)" */
  char *p = text;
  while (*p) {
    char *start = p;
    int depth = 0;
    while (*p && (depth || *p != ',')) {
      depth += *p == '(' ? 1 : *p == ')' ? -1 : 0;
      p++;
    }
    if (*p) *p++ = 0;
    qb_transform tr;
    char *source;
    const qb_field *f = NULL;
    int st = QB_EXIT_OK;
    if (n == max) st = qb_cli_usage_error(verb, "too many partition fields");
    else if (qb_spec_parse_field(&tr, &source, start, &err)) st = qb_cli_usage_error(verb, "--partition: %s", err.msg);
    else if (!(f = qb_schema_find_field_by_name(schema, source)))
      st = qb_cli_usage_error(verb, "--partition: no column '%s'", source);
    if (st) {
      for (size_t i = 0; i < n; i++) free((char *)fields[i].name);
      return st;
    }
    /* Java's default partition field names (PartitionSpec.Builder) */
    static const char *const suffix[] = {[QB_TR_IDENTITY] = "", [QB_TR_BUCKET] = "_bucket", [QB_TR_TRUNCATE] = "_trunc",
                                         [QB_TR_YEAR] = "_year", [QB_TR_MONTH] = "_month", [QB_TR_DAY] = "_day",
                                         [QB_TR_HOUR] = "_hour", [QB_TR_VOID] = "_null", [QB_TR_UNKNOWN] = "_x"};
    size_t len = strlen(source) + 16;
    char *name = malloc(len);
    if (!name) {
      for (size_t i = 0; i < n; i++) free((char *)fields[i].name);
      return qb_cli_usage_error(verb, "out of memory");
    }
    snprintf(name, len, "%s%s", source, suffix[tr.kind]);
    fields[n++] = (qb_partition_field){f->id, 0, name, tr};
  }
  *out = (qb_partition_spec){0, n, fields};
  return QB_EXIT_OK;
}
