/* SPDX-License-Identifier: Apache-2.0 */
/* qberg avro cat FILE [--schema] [--meta] [--limit N]: look inside an Avro object container file.
 * qberg avro write OUT --schema FILE [...] < records.jsonl: write one from JSON lines. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "qberg/avro.h"

static const char usage[] =
    "usage: qberg avro cat FILE [--schema] [--meta] [--limit N]\n"
    "       qberg avro write OUT --schema FILE [--codec C] [--level N] [--block-bytes N]\n"
    "                        [--meta KEY=VALUE]... [--input FILE]\n"
    "\n"
    "Print the records of an Avro object container file (Iceberg manifests, manifest lists) as JSON\n"
    "lines: records and maps as objects, longs exact, bytes and fixed as {\"$hex\":\"...\"}, unions\n"
    "unwrapped, enums as their symbol.\n"
    "\n"
    "  --schema   print the writer schema (JSON, every attribute kept) instead of the records\n"
    "  --meta     print the header metadata as one JSON object instead of the records\n"
    "  --limit N  print at most N records\n"
    "\n"
    "write: read JSON lines (the layout cat prints; stdin unless --input) and write them as an Avro\n"
    "object container file OUT with the writer schema in FILE.\n"
    "  --codec C          null (default), deflate, snappy or zstandard\n"
    "  --level N          deflate 1..9 / zstandard 1..22 (default 6 / 3)\n"
    "  --block-bytes N    start a new block after N bytes of records (default 64000)\n"
    "  --meta KEY=VALUE   header metadata (repeatable), e.g. format-version=2\n";

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

static int write_file(const char *out, const char *schema_path, const char *input, const qb_avro_write_options *o,
                      char **meta, int n_meta)
{
  qb_err err = QB_ERR_INIT;
  qb_fileio *io = NULL;
  qb_avro_schema *schema = NULL;
  qb_writer *dst = NULL;
  qb_avro_writer *w = NULL;
  uint8_t *text = NULL;
  size_t text_n;
  char *line = NULL;
  size_t cap = 0;
  FILE *in = stdin;
  int rc = qb_fileio_local_new(&io, &err);
  if (!rc) rc = qb_fileio_read_all(&text, &text_n, io, schema_path, (size_t)16 << 20, &err);
  if (!rc && (rc = qb_avro_schema_parse(&schema, (const char *)text, text_n, &err))) qb_err_wrap(&err, "%s", schema_path);
  if (!rc && input && !(in = fopen(input, "r"))) rc = QB_FAIL_ERRNO(&err, QB_EIO, errno, "%s", input);
  if (!rc) rc = qb_fileio_create(&dst, io, out, QB_CREATE_OVERWRITE, &err);
  if (!rc) rc = qb_avro_writer_open(&w, dst, schema, o, &err);
  for (int i = 0; !rc && i < n_meta; i++) {
    char *eq = strchr(meta[i], '=');
    *eq = '\0';
    rc = qb_avro_writer_set_meta_str(w, meta[i], eq + 1, &err);
    *eq = '=';
  }
  for (long long lineno = 1; !rc; lineno++) {
    ssize_t n = getline(&line, &cap, in);
    if (n < 0) break;
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
    if (n == 0) continue;
    if ((rc = qb_avro_writer_append_json(w, line, (size_t)n, &err))) qb_err_wrap(&err, "line %lld", lineno);
  }
  if (!rc && ferror(in)) rc = QB_FAIL_ERRNO(&err, QB_EIO, errno, "reading records");
  if (w) {
    int crc = rc ? (qb_avro_writer_abort(w), QB_OK) : qb_avro_writer_close(w, &err);
    if (!rc) rc = crc;
  }
  if (dst) {
    if (rc) qb_writer_abort(dst);
    else rc = qb_writer_close(dst, &err);
  }
  if (in && in != stdin) fclose(in);
  free(line);
  free(text);
  qb_avro_schema_free(schema);
  qb_fileio_free(io);
  return rc ? qb_cli_fail(&err) : QB_EXIT_OK;
}

static int cmd_write(int argc, char **argv)
{
  const char *out = NULL, *schema = NULL, *input = NULL;
  qb_avro_write_options o = QB_AVRO_WRITE_OPTIONS_INIT;
  char **meta = calloc((size_t)argc, sizeof *meta);
  int n_meta = 0, rc;
  static const char *const codecs[] = {"null", "deflate", "snappy", "zstandard"};
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    bool has_val = i + 1 < argc;
    if (!strcmp(a, "--json")) continue;
    if (a[0] == '-' && a[1] && !has_val) {
      rc = qb_cli_usage_error("avro", "%s needs a value", a);
      goto done;
    }
    if (!strcmp(a, "--schema")) {
      schema = argv[++i];
    } else if (!strcmp(a, "--input")) {
      input = argv[++i];
    } else if (!strcmp(a, "--codec")) {
      const char *c = argv[++i];
      int k = 0;
      while (k < 4 && strcmp(c, codecs[k])) k++;
      if (k == 4) {
        rc = qb_cli_usage_error("avro", "unknown codec '%s'", c);
        goto done;
      }
      o.codec = (qb_avro_codec)k;
    } else if (!strcmp(a, "--level") || !strcmp(a, "--block-bytes")) {
      char *end;
      long long v = strtoll(argv[++i], &end, 10);
      if (*end || end == argv[i] || v < 0 || v > INT32_MAX) {
        rc = qb_cli_usage_error("avro", "bad %s '%s'", a, argv[i]);
        goto done;
      }
      if (a[2] == 'l') o.level = (int)v;
      else o.block_bytes = (size_t)v;
    } else if (!strcmp(a, "--meta")) {
      if (!strchr(argv[++i], '=')) {
        rc = qb_cli_usage_error("avro", "--meta wants KEY=VALUE, not '%s'", argv[i]);
        goto done;
      }
      meta[n_meta++] = argv[i];
    } else if (a[0] == '-' && a[1]) {
      rc = qb_cli_usage_error("avro", "unknown option '%s'", a);
      goto done;
    } else if (out) {
      rc = qb_cli_usage_error("avro", "more than one OUT");
      goto done;
    } else {
      out = a;
    }
  }
  if (!out || !schema) rc = qb_cli_usage_error("avro", out ? "missing --schema FILE" : "missing OUT");
  else rc = write_file(out, schema, input, &o, meta, n_meta);
done:
  free(meta);
  return rc;
}

int qb_cmd_avro(qb_cli *cli)
{
  if (qb_cli_wants_help(cli->argc, cli->argv)) {
    fputs(usage, stdout);
    return QB_EXIT_OK;
  }
  if (cli->argc < 2) return qb_cli_usage_error("avro", "missing subcommand (cat, write)");
  if (!strcmp(cli->argv[1], "write")) return cmd_write(cli->argc, cli->argv);
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
