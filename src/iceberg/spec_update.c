/* SPDX-License-Identifier: Apache-2.0 */
/* Partition spec evolution (spec "Partition Evolution"; Java BaseUpdatePartitionSpec): add and remove
 * partition fields of the default spec and commit the result as a new default spec. Files written under
 * older specs keep their spec id and are still pruned by it; v2 drops removed fields, v1 keeps them as void
 * transforms (v1 partition field ids are implicit, 1000, 1001, ... by position: Java's v1 rule). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iceberg/evolve_int.h"

#define MAX_FIELDS 256

struct qb_spec_change {
  qb_table *t;
  qb_arena arena;
  const qb_schema *schema;  /* the current schema (borrowed from the metadata: valid until the commit) */
  int32_t start_spec_id;
  bool v1; /* format v1: removed fields stay as void transforms, with their ids */
  qb_partition_field fields[MAX_FIELDS];
  size_t n;
  int rc;
  qb_err first;
};

static int fail(qb_spec_change *c, int rc, qb_err *err)
{
  if (rc && !c->rc) {
    c->rc = rc;
    if (err) c->first = *err;
    else c->first.code = (qb_code)rc;
  }
  return rc;
}

static int check(const qb_spec_change *c, qb_err *err)
{
  if (!c->rc) return QB_OK;
  if (err) *err = c->first;
  return c->rc;
}

int qb_spec_change__new(qb_spec_change **out, qb_table *t, const qb_table_metadata *md, qb_err *err)
{
  *out = NULL;
  const qb_partition_spec *spec = qb_table_metadata_default_spec(md);
  if (!spec || spec->n_fields > MAX_FIELDS) return QB_FAIL(err, QB_EUNSUPPORTED, "the default partition spec is unusable");
  qb_spec_change *c = calloc(1, sizeof *c);
  if (!c) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  c->t = t;
  qb_arena_init(&c->arena, 2048);
  c->schema = qb_table_metadata_current_schema(md);
  c->start_spec_id = spec->spec_id;
  c->v1 = qb_table_metadata_format_version(md) == 1;
  for (size_t i = 0; i < spec->n_fields; i++) {
    c->fields[i] = spec->fields[i];
    if (!(c->fields[i].name = qb_arena_strdup(&c->arena, spec->fields[i].name))) {
      qb_spec_change__free(c);
      return QB_FAIL(err, QB_ENOMEM, "out of memory");
    }
  }
  c->n = spec->n_fields;
  *out = c;
  return QB_OK;
}

qb_table *qb_spec_change__table(const qb_spec_change *c) { return c->t; }

void qb_spec_change__free(qb_spec_change *c)
{
  if (!c) return;
  qb_arena_release(&c->arena);
  free(c);
}

void qb_spec_change_abort(qb_spec_change *c) { qb_spec_change__free(c); }

int qb_spec_add_field(qb_spec_change *c, const char *source, const qb_transform *transform, const char *name,
                      qb_err *err)
{
  int rc = check(c, err);
  if (rc) return rc;
  if (c->n == MAX_FIELDS) return fail(c, QB_FAIL(err, QB_ELIMIT, "at most %d partition fields", MAX_FIELDS), err);
  const qb_field *f = qb_schema_find_field_by_name(c->schema, source);
  if (!f) return fail(c, QB_FAIL(err, QB_EINVAL, "no column '%s'", source), err);
  if (!qb_transform_can_apply(transform, f->type)) {
    char tn[48], ty[48];
    qb_transform_to_string(tn, sizeof tn, transform);
    qb_type_to_string(ty, sizeof ty, f->type);
    return fail(c, QB_FAIL(err, QB_EINVAL, "transform %s does not apply to column %s of type %s", tn, source, ty), err);
  }
  char buf[512];
  if (!name) { /* Java PartitionSpec.Builder default names */
    switch (transform->kind) {
    case QB_TR_IDENTITY: snprintf(buf, sizeof buf, "%s", source); break;
    case QB_TR_BUCKET: snprintf(buf, sizeof buf, "%s_bucket", source); break;
    case QB_TR_TRUNCATE: snprintf(buf, sizeof buf, "%s_trunc", source); break;
    case QB_TR_YEAR: snprintf(buf, sizeof buf, "%s_year", source); break;
    case QB_TR_MONTH: snprintf(buf, sizeof buf, "%s_month", source); break;
    case QB_TR_DAY: snprintf(buf, sizeof buf, "%s_day", source); break;
    case QB_TR_HOUR: snprintf(buf, sizeof buf, "%s_hour", source); break;
    default: snprintf(buf, sizeof buf, "%s_void", source); break;
    }
    name = buf;
  }
  for (size_t i = 0; i < c->n; i++) {
    if (!strcmp(c->fields[i].name, name) && c->v1 && c->fields[i].transform.kind == QB_TR_VOID) {
      /* Java (v1): the removed field the new one replaces is renamed name_<field id> */
      char renamed[600];
      snprintf(renamed, sizeof renamed, "%s_%d", name, (int)c->fields[i].field_id);
      char *nm = qb_arena_strdup(&c->arena, renamed);
      if (!nm) return fail(c, QB_FAIL(err, QB_ENOMEM, "out of memory"), err);
      c->fields[i].name = nm;
      continue;
    }
    if (!strcmp(c->fields[i].name, name))
      return fail(c, QB_FAIL(err, QB_EINVAL, "the spec already has a partition field named '%s'", name), err);
    if (c->fields[i].source_id == f->id && c->fields[i].transform.kind == transform->kind &&
        c->fields[i].transform.param == transform->param)
      return fail(c, QB_FAIL(err, QB_EINVAL, "the spec already partitions by that transform of '%s'", source), err);
  }
  char *nm = qb_arena_strdup(&c->arena, name);
  if (!nm) return fail(c, QB_FAIL(err, QB_ENOMEM, "out of memory"), err);
  c->fields[c->n++] = (qb_partition_field){f->id, 0, nm, *transform};
  return QB_OK;
}

int qb_spec_remove_field(qb_spec_change *c, const char *name, qb_err *err)
{
  int rc = check(c, err);
  if (rc) return rc;
  for (size_t i = 0; i < c->n; i++)
    if (!strcmp(c->fields[i].name, name)) {
      if (c->v1) { /* Java BaseUpdatePartitionSpec: v1 keeps the field, id and name, as a void transform */
        c->fields[i].transform = (qb_transform){.kind = QB_TR_VOID};
        return QB_OK;
      }
      memmove(&c->fields[i], &c->fields[i + 1], (c->n - i - 1) * sizeof c->fields[0]);
      c->n--;
      return QB_OK;
    }
  return fail(c, QB_FAIL(err, QB_EINVAL, "the spec has no partition field '%s'", name), err);
}

int qb_spec_change__apply(qb_spec_change *c, const qb_table_metadata *base, qb_metadata_builder *b, qb_err *err)
{
  int rc = check(c, err);
  if (rc) return rc;
  const qb_partition_spec *cur = qb_table_metadata_default_spec(base);
  if (!cur || cur->spec_id != c->start_spec_id)
    return QB_FAIL(err, QB_ECONFLICT, "the partition spec changed concurrently (now %d, this change is based on %d)",
                   cur ? (int)cur->spec_id : -1, (int)c->start_spec_id);
  qb_partition_spec spec = {0, c->n, c->fields};
  if ((rc = qb_metadata_builder_add_spec(b, &spec, NULL, err))) return rc;
  return qb_metadata_builder_set_default_spec(b, -1, err);
}

/* "day(ts)", "bucket(16, id)", "truncate(4,name)", "identity(x)", "x" */
int qb_spec_parse_field(qb_transform *tr, char **source, char *text, qb_err *err)
{
  while (isspace((unsigned char)*text)) text++;
  char *open = strchr(text, '(');
  memset(tr, 0, sizeof *tr);
  if (!open) {
    size_t n = strlen(text);
    while (n && isspace((unsigned char)text[n - 1])) text[--n] = 0;
    if (!n) return QB_FAIL(err, QB_EINVAL, "empty partition field");
    tr->kind = QB_TR_IDENTITY;
    *source = text;
    return QB_OK;
  }
  char *close = strrchr(open, ')');
  if (!close || close[1 + strspn(close + 1, " \t")])
    return QB_FAIL(err, QB_EINVAL, "partition field '%s': expected transform(column)", text);
  *close = 0;
  *open = 0;
  char *args = open + 1, *comma = strchr(args, ',');
  char tname[64];
  size_t tl = strlen(text);
  while (tl && isspace((unsigned char)text[tl - 1])) text[--tl] = 0;
  if (comma) { /* bucket(N, col) / truncate(W, col): Spark's argument order */
    *comma = 0;
    long v = strtol(args, NULL, 10);
    if (v <= 0 || v > INT32_MAX) return QB_FAIL(err, QB_EINVAL, "partition field '%s': bad parameter '%s'", text, args);
    snprintf(tname, sizeof tname, "%s[%ld]", text, v);
    args = comma + 1;
  } else {
    snprintf(tname, sizeof tname, "%s", text);
  }
  for (char *p = tname; *p; p++) *p = (char)tolower((unsigned char)*p);
  int rc = qb_transform_parse(tr, tname, err);
  if (rc) return rc;
  if (tr->kind == QB_TR_UNKNOWN) return QB_FAIL(err, QB_EINVAL, "unknown transform '%s'", tname);
  while (isspace((unsigned char)*args)) args++;
  size_t n = strlen(args);
  while (n && isspace((unsigned char)args[n - 1])) args[--n] = 0;
  if (!n) return QB_FAIL(err, QB_EINVAL, "partition field '%s': missing column", tname);
  *source = args;
  return QB_OK;
}
