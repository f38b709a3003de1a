/* SPDX-License-Identifier: Apache-2.0 */
/* qberg manifest FILE [--json] [--list LIST] [--limit N]: show an Iceberg manifest or manifest list
 * (told apart by the file's Avro schema). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "qberg/manifest.h"

static const char usage[] =
    "usage: qberg manifest FILE [--json] [--list LIST] [--limit N] [--rewrite OUT]\n"
    "\n"
    "Show an Iceberg manifest list (one line per manifest) or manifest (one line per entry, deleted\n"
    "entries included), v1 or v2, whichever FILE is. With --json, print one JSON object per line with\n"
    "the v2 Avro field names (absent values null, bytes as {\"$hex\":...}).\n"
    "\n"
    "  --list LIST  the manifest list that references FILE: its entry supplies the inherited snapshot id\n"
    "               and sequence numbers (without it, null values stay null; v1 manifests read 0)\n"
    "  --limit N    print at most N entries\n"
    "  --rewrite OUT  write FILE's entries (as read, with --list after inheritance) to OUT as a v2 manifest\n"
    "               or manifest list with Java's schema and metadata, instead of printing them\n";

static const char *const status_names[] = {"EXISTING", "ADDED", "DELETED"};
static const char *const content_names[] = {"DATA", "POSITION_DELETES", "EQUALITY_DELETES"};

static void print_opt(const char *name, int64_t v)
{
  if (v == QB_UNASSIGNED) printf(" %s=null", name);
  else printf(" %s=%" PRId64, name, v);
}

static void print_json_line(char *s, size_t n)
{
  fwrite(s, 1, n, stdout);
  fputc('\n', stdout);
  free(s);
}

static int show_list(qb_fileio *io, const char *path, bool json, long long limit, qb_err *err)
{
  qb_manifest_list_reader *r = NULL;
  int rc = qb_manifest_list_reader_open(&r, io, path, err);
  if (rc) return rc;
  if (!json) {
    printf("manifest list v%d:", qb_manifest_list_reader_format_version(r));
    print_opt("snapshot-id", qb_manifest_list_reader_snapshot_id(r));
    print_opt("parent-snapshot-id", qb_manifest_list_reader_parent_snapshot_id(r));
    print_opt("sequence-number", qb_manifest_list_reader_sequence_number(r));
    printf("\n");
  }
  for (long long i = 0; limit < 0 || i < limit; i++) {
    const qb_manifest_file *m;
    char *s;
    size_t n;
    if ((rc = qb_manifest_list_reader_next(&m, r, err)) || !m) break;
    if (json) {
      if ((rc = qb_manifest_file_to_json(&s, &n, m, err))) break;
      print_json_line(s, n);
      continue;
    }
    printf("%s %s spec=%d", m->manifest_path, m->content == QB_MANIFEST_DELETES ? "deletes" : "data",
           (int)m->partition_spec_id);
    print_opt("seq", m->sequence_number);
    print_opt("min-seq", m->min_sequence_number);
    print_opt("added-snapshot", m->added_snapshot_id);
    print_opt("added-files", m->added_files_count);
    print_opt("existing-files", m->existing_files_count);
    print_opt("deleted-files", m->deleted_files_count);
    print_opt("added-rows", m->added_rows_count);
    print_opt("existing-rows", m->existing_rows_count);
    print_opt("deleted-rows", m->deleted_rows_count);
    printf("\n");
  }
  qb_manifest_list_reader_close(r);
  return rc;
}

/* The entry of `list` whose manifest_path names the same file as `path` (lists hold absolute URIs). */
static int find_in_list(qb_manifest_file **out, qb_fileio *io, const char *list, const char *path, qb_err *err)
{
  qb_manifest_list_reader *r = NULL;
  const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
  int rc = qb_manifest_list_reader_open(&r, io, list, err);
  *out = NULL;
  while (!rc) {
    const qb_manifest_file *m;
    if ((rc = qb_manifest_list_reader_next(&m, r, err)) || !m) break;
    size_t lm = strlen(m->manifest_path), lb = strlen(base);
    if (lm >= lb && !strcmp(m->manifest_path + lm - lb, base) && (lm == lb || m->manifest_path[lm - lb - 1] == '/')) {
      rc = qb_manifest_file_copy(out, m, err);
      break;
    }
  }
  qb_manifest_list_reader_close(r);
  if (!rc && !*out) rc = QB_FAIL(err, QB_ENOTFOUND, "%s does not reference %s", list, base);
  return rc;
}

static void print_partition(const qb_manifest_reader *r, const qb_value *p)
{
  const qb_partition_spec *spec = qb_manifest_reader_spec(r);
  const qb_type *pt = qb_manifest_reader_partition_type(r);
  printf(" partition={");
  for (size_t i = 0; i < p->u.seq.n && i < pt->n_fields; i++) {
    char *s = NULL;
    qb_err e = QB_ERR_INIT;
    qb_transform identity = {QB_TR_IDENTITY, 0, NULL};
    const qb_transform *t = spec && i < spec->n_fields && spec->fields[i].transform.kind != QB_TR_UNKNOWN
                                ? &spec->fields[i].transform
                                : &identity;
    const qb_value *v = &p->u.seq.items[i];
    printf("%s", i ? ", " : "");
    qb_cli_put_text(pt->fields[i].name, 0);
    printf("=");
    /* a string value (identity, truncate) is its own text and may hold NUL bytes, newlines, commas */
    if (v->kind == QB_V_STRING && (s = qb_cli_text_escape((const char *)v->u.bytes.p, v->u.bytes.n))) printf("%s", s);
    else if (v->kind != QB_V_STRING && qb_transform_human_string(&s, t, pt->fields[i].type, v, &e) == QB_OK)
      printf("%s", s);
    else printf("?");
    free(s);
  }
  printf("}");
}

static int show_manifest(qb_fileio *io, const char *path, const char *list, bool json, long long limit, qb_err *err)
{
  qb_manifest_reader *r = NULL;
  qb_manifest_file *m = NULL;
  qb_manifest_read_options o = QB_MANIFEST_READ_OPTIONS_INIT;
  int rc = list ? find_in_list(&m, io, list, path, err) : QB_OK;
  o.manifest = m;
  if (!rc) rc = qb_manifest_reader_open(&r, io, path, &o, err);
  if (!rc && !json) {
    const qb_partition_spec *spec = qb_manifest_reader_spec(r);
    printf("manifest v%d: content=%s spec-id=%d partition=[", qb_manifest_reader_format_version(r),
           qb_manifest_reader_content(r) == QB_MANIFEST_DELETES ? "deletes" : "data", (int)spec->spec_id);
    for (size_t i = 0; i < spec->n_fields; i++) {
      char tr[64];
      qb_transform_to_string(tr, sizeof tr, &spec->fields[i].transform);
      printf("%s%s=%s(%d)", i ? ", " : "", spec->fields[i].name, tr, (int)spec->fields[i].source_id);
    }
    printf("]\n");
  }
  for (long long i = 0; !rc && (limit < 0 || i < limit); i++) {
    const qb_manifest_entry *e;
    char *s;
    size_t n;
    if ((rc = qb_manifest_reader_next(&e, r, err)) || !e) break;
    if (json) {
      if (!(rc = qb_manifest_entry_to_json(&s, &n, e, qb_manifest_reader_partition_type(r), err))) print_json_line(s, n);
      continue;
    }
    const qb_data_file *f = &e->data_file;
    printf("%s %s %s", status_names[e->status], content_names[f->content], f->file_path);
    print_opt("snapshot", e->snapshot_id);
    print_opt("seq", e->sequence_number);
    print_opt("file-seq", e->file_sequence_number);
    printf(" format=%s records=%" PRId64 " size=%" PRId64, f->file_format, f->record_count, f->file_size_in_bytes);
    if (f->partition.u.seq.n) print_partition(r, &f->partition);
    printf("\n");
  }
  qb_manifest_reader_close(r);
  qb_manifest_file_free(m);
  return rc;
}

static int rewrite_list(qb_fileio *io, const char *path, const char *out, qb_err *err)
{
  qb_manifest_list_reader *r = NULL;
  qb_manifest_list_writer *w = NULL;
  int rc = qb_manifest_list_reader_open(&r, io, path, err);
  if (!rc) {
    int64_t seq = qb_manifest_list_reader_sequence_number(r);
    rc = qb_manifest_list_writer_open(&w, io, out, qb_manifest_list_reader_snapshot_id(r),
                                      qb_manifest_list_reader_parent_snapshot_id(r), seq < 0 ? 0 : seq, NULL, err);
  }
  while (!rc) {
    const qb_manifest_file *m;
    if ((rc = qb_manifest_list_reader_next(&m, r, err)) || !m) break;
    rc = qb_manifest_list_writer_append(w, m, err);
  }
  if (!rc) rc = qb_manifest_list_writer_close(w, err);
  else qb_manifest_list_writer_abort(w);
  qb_manifest_list_reader_close(r);
  return rc;
}

/* The snapshot id of the commit that wrote a manifest: its ADDED entries' (else its DELETED entries'),
 * QB_UNASSIGNED if it has neither. */
static int added_snapshot(int64_t *out, qb_fileio *io, const char *path, const qb_manifest_read_options *o, qb_err *err)
{
  qb_manifest_reader *r = NULL;
  *out = QB_UNASSIGNED;
  int rc = qb_manifest_reader_open(&r, io, path, o, err);
  while (!rc) {
    const qb_manifest_entry *e;
    if ((rc = qb_manifest_reader_next(&e, r, err)) || !e) break;
    if (e->status == QB_ENTRY_ADDED) {
      *out = e->snapshot_id;
      break;
    }
    if (e->status == QB_ENTRY_DELETED && *out < 0) *out = e->snapshot_id;
  }
  qb_manifest_reader_close(r);
  return rc;
}

static int rewrite_manifest(qb_fileio *io, const char *path, const char *list, const char *out, qb_err *err)
{
  qb_manifest_reader *r = NULL;
  qb_manifest_writer *w = NULL;
  qb_manifest_file *m = NULL;
  qb_manifest_read_options o = QB_MANIFEST_READ_OPTIONS_INIT;
  int64_t sid = QB_UNASSIGNED;
  int rc = list ? find_in_list(&m, io, list, path, err) : QB_OK;
  o.manifest = m;
  if (!rc) rc = added_snapshot(&sid, io, path, &o, err);
  if (!rc) rc = qb_manifest_reader_open(&r, io, path, &o, err);
  if (!rc && !qb_manifest_reader_schema(r)) rc = QB_FAIL(err, QB_EUNSUPPORTED, "%s has no table schema to rewrite with", path);
  if (!rc)
    rc = qb_manifest_writer_open(&w, io, out, qb_manifest_reader_schema(r), qb_manifest_reader_spec(r),
                                 qb_manifest_reader_content(r), sid, NULL, err);
  while (!rc) {
    const qb_manifest_entry *e;
    if ((rc = qb_manifest_reader_next(&e, r, err)) || !e) break;
    rc = qb_manifest_writer_append(w, e, err);
  }
  if (!rc) rc = qb_manifest_writer_close(NULL, w, err);
  else qb_manifest_writer_abort(w);
  qb_manifest_reader_close(r);
  qb_manifest_file_free(m);
  return rc;
}

int qb_cmd_manifest(qb_cli *cli)
{
  if (qb_cli_wants_help(cli->argc, cli->argv)) {
    fputs(usage, stdout);
    return QB_EXIT_OK;
  }
  const char *file = NULL, *list = NULL, *rewrite = NULL;
  long long limit = -1;
  for (int i = 1; i < cli->argc; i++) {
    const char *a = cli->argv[i];
    if (!strcmp(a, "--json")) continue;
    if (!strcmp(a, "--list") || !strcmp(a, "--limit") || !strcmp(a, "--rewrite")) {
      if (i + 1 >= cli->argc) return qb_cli_usage_error("manifest", "%s needs a value", a);
      if (!strcmp(a, "--list") || !strcmp(a, "--rewrite")) {
        *(a[2] == 'l' ? &list : &rewrite) = cli->argv[++i];
        continue;
      }
      char *end;
      limit = strtoll(cli->argv[++i], &end, 10);
      if (*end || limit < 0 || end == cli->argv[i])
        return qb_cli_usage_error("manifest", "bad --limit '%s'", cli->argv[i]);
    } else if (a[0] == '-' && a[1]) {
      return qb_cli_usage_error("manifest", "unknown option '%s'", a);
    } else if (file) {
      return qb_cli_usage_error("manifest", "more than one FILE");
    } else {
      file = a;
    }
  }
  if (!file) return qb_cli_usage_error("manifest", "missing FILE");

  qb_err err = QB_ERR_INIT;
  qb_fileio *io = NULL;
  qb_avro_reader *probe = NULL;
  int rc = qb_fileio_local_new(&io, &err);
  /* a manifest list's records have manifest_path (field id 500); a manifest's have data_file (id 2) */
  if (!rc) rc = qb_avro_reader_open_path(&probe, io, file, NULL, &err);
  bool is_list = false;
  if (!rc) {
    const qb_avro_node *root = qb_avro_schema_root(qb_avro_reader_writer_schema(probe));
    is_list = qb_avro_node_field_index_by_id(root, 500) >= 0 || qb_avro_node_field_index(root, "manifest_path") >= 0;
  }
  qb_avro_reader_close(probe);
  if (!rc && is_list && list) rc = QB_FAIL(&err, QB_EINVAL, "--list applies to a manifest, and %s is a manifest list", file);
  if (!rc && rewrite) rc = is_list ? rewrite_list(io, file, rewrite, &err) : rewrite_manifest(io, file, list, rewrite, &err);
  else if (!rc)
    rc = is_list ? show_list(io, file, cli->json, limit, &err) : show_manifest(io, file, list, cli->json, limit, &err);
  qb_fileio_free(io);
  if (fflush(stdout) != 0 && !rc) rc = QB_FAIL(&err, QB_EIO, "writing to stdout failed");
  return rc ? qb_cli_fail(&err) : QB_EXIT_OK;
}
