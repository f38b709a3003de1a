/* SPDX-License-Identifier: Apache-2.0 */
/* One table as the table layer sees it: metadata, FileIO and the directory it lives in. Paths recorded
 * in metadata are resolved against that directory (iceberg.md PART III: tables copied between stores keep
 * their original locations), and table properties are read as Java's PropertyUtil reads them. */
#include <stdlib.h>
#include <string.h>

#include "iceberg/table_int.h"
#include "util/str.h"

/* The recorded location without trailing slashes: its length. */
static size_t location_len(const char *loc)
{
  size_t n = strlen(loc);
  while (n > 1 && loc[n - 1] == '/') n--;
  return n;
}

/* "./x" and "x" name the same relative location (DuckDB writes location "./lineitem_iceberg" and paths
 * "lineitem_iceberg/metadata/..."). */
static const char *skip_dot(const char *p)
{
  while (p[0] == '.' && p[1] == '/') p += 2;
  return p;
}

int qb_tbl__path(char **out, const qb_tbl *t, const char *recorded, qb_err *err)
{
  const char *loc = qb_table_metadata_location(t->md);
  if (loc) loc = skip_dot(loc);
  recorded = skip_dot(recorded);
  size_t ln = loc ? location_len(loc) : 0;
  if (ln && t->root && !strncmp(recorded, loc, ln) && recorded[ln] == '/') {
    size_t rn = location_len(t->root);
    *out = qb_str_printf("%.*s%s", (int)rn, t->root, recorded + ln);
  } else {
    *out = strdup(recorded);
  }
  return *out ? QB_OK : QB_FAIL(err, QB_ENOMEM, "out of memory");
}

int qb_tbl__new_path(char **physical, char **recorded, const qb_tbl *t, const char *rel, qb_err *err)
{
  const char *loc = qb_table_metadata_location(t->md);
  const char *root = t->root ? t->root : loc;
  *physical = qb_str_printf("%.*s/%s", (int)location_len(root), root, rel);
  *recorded = qb_str_printf("%.*s/%s", (int)location_len(loc), loc, rel);
  if (*physical && *recorded) return QB_OK;
  free(*physical);
  free(*recorded);
  *physical = *recorded = NULL;
  return QB_FAIL(err, QB_ENOMEM, "out of memory");
}

int qb_tbl__prop_i64(int64_t *out, const qb_table_metadata *md, const char *key, int64_t def, qb_err *err)
{
  const char *v = qb_table_metadata_property(md, key);
  if (!v) {
    *out = def;
    return QB_OK;
  }
  if (!qb_str_to_i64(v, out)) return QB_FAIL(err, QB_EINVAL, "table property %s=%s is not an integer", key, v);
  return QB_OK;
}

bool qb_tbl__prop_bool(const qb_table_metadata *md, const char *key, bool def)
{
  const char *v = qb_table_metadata_property(md, key);
  if (!v) return def;
  return !strcasecmp(v, "true"); /* Java Boolean.parseBoolean: anything else is false */
}

void qb_tbl__delete_quietly(qb_fileio *io, const char *path)
{
  qb_err e = QB_ERR_INIT;
  if (qb_fileio_delete(io, path, &e) != QB_OK) qb_err_clear(&e);
}

bool qb_tbl__spec_binds(const qb_partition_spec *spec, const qb_schema *schema)
{
  for (size_t i = 0; i < spec->n_fields; i++)
    if (!qb_schema_find_field(schema, spec->fields[i].source_id)) return false;
  return true;
}

int qb_tbl__open_manifest(qb_manifest_reader **out, const qb_tbl *t, const qb_schema *schema,
                          const qb_manifest_file *mf, qb_err *err)
{
  *out = NULL;
  qb_manifest_read_options ro = QB_MANIFEST_READ_OPTIONS_INIT;
  ro.manifest = mf;
  ro.spec = qb_table_metadata_spec_by_id(t->md, mf->partition_spec_id);
  if (!ro.spec)
    return QB_FAIL(err, QB_ECORRUPT, "manifest %s: the manifest list names partition spec %d, which the table does not have",
                   mf->manifest_path, (int)mf->partition_spec_id);
  if (qb_tbl__spec_binds(ro.spec, schema)) ro.schema = schema;
  else ro.spec = NULL; /* its source columns are gone from `schema` (dropped since): the file's own types */
  char *path;
  int rc = qb_tbl__path(&path, t, mf->manifest_path, err);
  if (rc) return rc;
  rc = qb_manifest_reader_open(out, t->io, path, &ro, err);
  free(path);
  return rc;
}
