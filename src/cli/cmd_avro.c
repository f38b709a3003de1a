/* SPDX-License-Identifier: Apache-2.0 */
/* qberg avro cat FILE [--schema] [--meta] [--limit N]: look inside an Avro object container file. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "qberg/avro.h"

static const char usage[] =
    "usage: qberg avro cat FILE [--schema] [--meta] [--limit N]\n"
    "\n"
    "Print the records of an Avro object container file (Iceberg manifests, manifest lists) as JSON\n"
    "lines: records and maps as objects, longs exact, bytes and fixed as {\"$hex\":\"...\"}, unions\n"
    "unwrapped, enums as their symbol.\n"
    "\n"
    "  --schema   print the writer schema (JSON, every attribute kept) instead of the records\n"
    "  --meta     print the header metadata as one JSON object instead of the records\n"
    "  --limit N  print at most N records\n";

static int print_owned(char *s, size_t n)
{
  fwrite(s, 1, n, stdout);
  fputc('\n', stdout);
  free(s);
  return QB_OK;
}

static int cat(const char *path, bool schema, bool meta, long long limit)
{
  qb_err err = QB_ERR_INIT;
  qb_fileio *io = NULL;
  qb_avro_reader *r = NULL;
  char *s;
  size_t n;
  int rc = qb_fileio_local_new(&io, &err);
  if (!rc) rc = qb_avro_reader_open_path(&r, io, path, NULL, &err);
  if (!rc && meta && !(rc = qb_avro_reader_meta_to_json(&s, &n, r, &err))) print_owned(s, n);
  if (!rc && schema && !(rc = qb_avro_schema_to_json(&s, &n, qb_avro_reader_writer_schema(r), &err)))
    print_owned(s, n);
  if (!rc && !schema && !meta) {
    const qb_avro_node *root = qb_avro_schema_root(qb_avro_reader_schema(r));
    for (long long i = 0; limit < 0 || i < limit; i++) {
      const qb_value *v;
      if ((rc = qb_avro_reader_next(&v, r, &err)) || !v) break;
      if ((rc = qb_avro_value_to_json(&s, &n, root, v, false, &err))) break;
      print_owned(s, n);
    }
  }
  qb_avro_reader_close(r);
  qb_fileio_free(io);
  if (fflush(stdout) != 0 && !rc) rc = QB_FAIL(&err, QB_EIO, "writing to stdout failed");
  return rc ? qb_cli_fail(&err) : QB_EXIT_OK;
}

int qb_cmd_avro(qb_cli *cli)
{
  if (qb_cli_wants_help(cli->argc, cli->argv)) {
    fputs(usage, stdout);
    return QB_EXIT_OK;
  }
  if (cli->argc < 2) return qb_cli_usage_error("avro", "missing subcommand (cat)");
  if (strcmp(cli->argv[1], "cat")) return qb_cli_usage_error("avro", "unknown subcommand '%s'", cli->argv[1]);
  const char *file = NULL;
  bool schema = false, meta = false;
  long long limit = -1;
  for (int i = 2; i < cli->argc; i++) {
    const char *a = cli->argv[i];
    if (!strcmp(a, "--schema")) {
      schema = true;
    } else if (!strcmp(a, "--meta")) {
      meta = true;
    } else if (!strcmp(a, "--json")) {
      continue; /* output is JSON anyway */
    } else if (!strcmp(a, "--limit")) {
      char *end;
      if (i + 1 >= cli->argc) return qb_cli_usage_error("avro", "--limit needs a number");
      limit = strtoll(cli->argv[++i], &end, 10);
      if (*end || limit < 0 || end == cli->argv[i]) return qb_cli_usage_error("avro", "bad --limit '%s'", cli->argv[i]);
    } else if (a[0] == '-' && a[1]) {
      return qb_cli_usage_error("avro", "unknown option '%s'", a);
    } else if (file) {
      return qb_cli_usage_error("avro", "more than one FILE");
    } else {
      file = a;
    }
  }
  if (!file) return qb_cli_usage_error("avro", "missing FILE");
  return cat(file, schema, meta, limit);
}
