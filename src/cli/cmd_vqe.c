/* SPDX-License-Identifier: Apache-2.0 */
/* qberg vqe rows|id|gen: inspect what the VQE pipeline derives from raw files, and generate raw files. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "qberg/vqe.h"

static const char usage_text[] =
    "usage: qberg vqe rows FILE... [--table NAME] [--batch-id ID]\n"
    "       qberg vqe id FILE... [--text]\n"
    "       qberg vqe gen --out DIR [--count N] [--seed S] [--first-counter N] [--iterations MIN-MAX]\n"
    "                     [--edge-cases]\n"
    "\n"
    "rows  parse the raw VQEDecoratedResult files (JSON, or .avro containers) as one batch and print\n"
    "      the rows of the feature tables as JSON lines: {\"table\":NAME,\"row\":{...}}, or the bare\n"
    "      rows of --table NAME.\n"
    "      The processing columns use --batch-id (default: a new UUID) and the current time.\n"
    "id    print 'EXPERIMENT_ID  FILE' for every record (the batch is all FILEs), or with --text the\n"
    "      to_json text the id hashes. --json prints {\"file\":…,\"experiment_id\":…} objects.\n"
    "gen   write N realistic raw files (default 10) as DIR/experiment.vqe/{counter}-{unix_nano}.json,\n"
    "      reproducibly for a seed (default 1); iterations per run MIN-MAX (default 50-500, most runs\n"
    "      near MIN); --edge-cases adds awkward but valid values.\n"
    "\n"
    "A rejected file is reported on stderr and skipped; the exit status is then 1.\n";

typedef struct files {
  qb_fileio *io;
  int n_bad;
} files;

static int read_file(uint8_t **out, size_t *n, files *f, const char *path, qb_err *err)
{
  return qb_fileio_read_all(out, n, f->io, path, QB_VQE_MAX_FILE_BYTES, err);
}

/* Run `each` on every record of every good file; a bad file is reported and marked in bad[]. */
typedef int (*record_fn)(void *ctx, const char *path, const qb_vqe_record *rec, qb_err *err);

static int for_records(files *f, char **paths, int n, bool *bad, record_fn each, void *ctx)
{
  for (int i = 0; i < n; i++) {
    if (bad[i]) continue;
    qb_err err = QB_ERR_INIT;
    uint8_t *data = NULL;
    size_t len = 0;
    qb_vqe_reader *r = NULL;
    int rc = read_file(&data, &len, f, paths[i], &err);
    if (!rc) rc = qb_vqe_reader_open(&r, paths[i], data, len, &err);
    const qb_vqe_record *rec;
    while (!rc && !(rc = qb_vqe_reader_next(&rec, r, &err)) && rec) rc = each(ctx, paths[i], rec, &err);
    qb_vqe_reader_close(r);
    free(data);
    if (rc == QB_ECORRUPT || rc == QB_ELIMIT || rc == QB_ENOTFOUND || rc == QB_EIO) {
      fprintf(stderr, "qberg vqe: rejected: %s: %s\n", qb_code_name(err.code), err.msg);
      bad[i] = true;
      f->n_bad++;
    } else if (rc) {
      return qb_cli_fail(&err);
    }
  }
  return QB_EXIT_OK;
}

/* the batch's types, one set per kind of file (JSON 0, .avro 1): JSON records are typed by
 * the JSON files alone, as ingest types a topic's JSON files apart from its .avro files (docs/PIPELINE.md) */
static int kind(const char *path)
{
  size_t n = strlen(path);
  return n >= 5 && !strcmp(path + n - 5, ".avro");
}

static int add_types(void *ctx, const char *path, const qb_vqe_record *rec, qb_err *err)
{
  qb_vqe_types_add(&((qb_vqe_types *)ctx)[kind(path)], rec);
  return QB_OK;
}

typedef struct rows_ctx {
  qb_vqe_types types[2]; /* by source kind (add_types) */
  qb_vqe_meta meta;
  int table; /* -1: all feature tables */
  qb_vqe_table current;
  bool wrap;
} rows_ctx;

static int print_row(void *ctx, const qb_value *row, qb_err *err)
{
  rows_ctx *c = ctx;
  char *json;
  size_t n;
  int rc = qb_vqe_row_to_json(&json, &n, c->current, row, err);
  if (rc) return rc;
  if (c->wrap)
    printf("{\"table\":\"%s\",\"row\":%s}\n", qb_vqe_table_describe(c->current)->name, json);
  else
    printf("%s\n", json);
  free(json);
  return QB_OK;
}

static int record_rows(void *ctx, const char *path, const qb_vqe_record *rec, qb_err *err)
{
  rows_ctx *c = ctx;
  char eid[65];
  int rc = qb_vqe_experiment_id(eid, rec, &c->types[kind(path)], err);
  for (int t = 0; !rc && t < QB_VQE_FEATURE_TABLES; t++) {
    if (c->table >= 0 && t != c->table) continue;
    c->current = (qb_vqe_table)t;
    rc = qb_vqe_rows(c->current, rec, eid, &c->types[kind(path)], &c->meta, print_row, c, err);
  }
  return rc;
}

typedef struct id_ctx {
  qb_vqe_types types[2]; /* by source kind (add_types) */
  bool text, json;
} id_ctx;

static int record_id(void *ctx, const char *path, const qb_vqe_record *rec, qb_err *err)
{
  id_ctx *c = ctx;
  if (c->text) {
    char *text;
    size_t n;
    int rc = qb_vqe_experiment_text(&text, &n, rec, &c->types[kind(path)], err);
    if (rc) return rc;
    fwrite(text, 1, n, stdout);
    putchar('\n');
    free(text);
    return QB_OK;
  }
  char eid[65];
  int rc = qb_vqe_experiment_id(eid, rec, &c->types[kind(path)], err);
  if (rc) return rc;
  if (c->json)
    printf("{\"file\":\"%s\",\"experiment_id\":\"%s\"}\n", path, eid);
  else
    printf("%s  %s\n", eid, path);
  return QB_OK;
}

static int cmd_gen(qb_cli *cli)
{
  qb_vqe_gen_options o = QB_VQE_GEN_OPTIONS_INIT;
  const char *dir = NULL;
  o.count = 10;
  for (int i = 2; i < cli->argc; i++) {
    const char *a = cli->argv[i];
    bool has_val = i + 1 < cli->argc;
    char *end = NULL;
    if (!strcmp(a, "--json")) continue;
    if (!strcmp(a, "--edge-cases")) {
      o.edge_cases = true;
    } else if (!strcmp(a, "--iterations") && has_val) {
      const char *v = cli->argv[++i];
      unsigned lo, hi;
      char extra;
      if (sscanf(v, "%u-%u%c", &lo, &hi, &extra) != 2 || lo < 1 || hi < lo)
        return qb_cli_usage_error("vqe", "--iterations needs MIN-MAX with 1 <= MIN <= MAX, not '%s'", v);
      o.min_iterations = lo;
      o.max_iterations = hi;
    } else if (!strcmp(a, "--out") && has_val) {
      dir = cli->argv[++i];
    } else if ((!strcmp(a, "--count") || !strcmp(a, "--seed") || !strcmp(a, "--first-counter")) && has_val) {
      const char *v = cli->argv[++i];
      unsigned long long x = strtoull(v, &end, 10);
      if (!*v || *end || *v == '-') return qb_cli_usage_error("vqe", "%s needs a non-negative integer, not '%s'", a, v);
      if (!strcmp(a, "--count"))
        o.count = x;
      else if (!strcmp(a, "--seed"))
        o.seed = x;
      else
        o.first_counter = x;
    } else {
      return qb_cli_usage_error("vqe", "unexpected argument '%s'", a);
    }
  }
  if (!dir) return qb_cli_usage_error("vqe", "gen needs --out DIR");
  qb_err err = QB_ERR_INIT;
  qb_fileio *io = NULL;
  int rc = qb_fileio_local_new(&io, &err);
  if (!rc) rc = qb_vqe_generate(io, dir, &o, &err);
  qb_fileio_free(io);
  if (rc) return qb_cli_fail(&err);
  if (cli->json)
    printf("{\"out\":\"%s\",\"files\":%llu,\"seed\":%llu}\n", dir, (unsigned long long)o.count,
           (unsigned long long)o.seed);
  else
    printf("wrote %llu raw files to %s/experiment.vqe (seed %llu)\n", (unsigned long long)o.count, dir,
           (unsigned long long)o.seed);
  return QB_EXIT_OK;
}

int qb_cmd_vqe(qb_cli *cli)
{
  if (qb_cli_wants_help(cli->argc, cli->argv) || cli->argc < 2) {
    fputs(usage_text, cli->argc < 2 ? stderr : stdout);
    return cli->argc < 2 ? QB_EXIT_USAGE : QB_EXIT_OK;
  }
  const char *sub = cli->argv[1];
  if (!strcmp(sub, "gen")) return cmd_gen(cli);
  bool rows = !strcmp(sub, "rows"), id = !strcmp(sub, "id");
  if (!rows && !id) return qb_cli_usage_error("vqe", "unknown subcommand '%s'", sub);

  char **paths = calloc((size_t)cli->argc, sizeof *paths);
  bool *bad = calloc((size_t)cli->argc, sizeof *bad);
  if (!paths || !bad) {
    free(paths), free(bad);
    fprintf(stderr, "qberg: out of memory\n");
    return QB_EXIT_ERROR;
  }
  int n = 0, status = QB_EXIT_OK;
  rows_ctx rc_ctx = {.table = -1, .wrap = true};
  id_ctx id_ctx_v = {.json = cli->json};
  const char *batch_id = NULL;
  for (int i = 2; i < cli->argc && status == QB_EXIT_OK; i++) {
    const char *a = cli->argv[i];
    if (!strcmp(a, "--json")) continue;
    if (rows && !strcmp(a, "--table") && i + 1 < cli->argc) {
      qb_err err = QB_ERR_INIT;
      qb_vqe_table t;
      if (qb_vqe_table_lookup(&t, cli->argv[++i], &err) || t >= QB_VQE_FEATURE_TABLES)
        status = qb_cli_usage_error("vqe", "no feature table named '%s'", cli->argv[i]);
      rc_ctx.table = (int)t;
      rc_ctx.wrap = false;
    } else if (rows && !strcmp(a, "--batch-id") && i + 1 < cli->argc) {
      batch_id = cli->argv[++i];
    } else if (id && !strcmp(a, "--text")) {
      id_ctx_v.text = true;
    } else if (a[0] == '-' && a[1]) {
      status = qb_cli_usage_error("vqe", "unexpected option '%s'", a);
    } else {
      paths[n++] = cli->argv[i];
    }
  }
  if (status == QB_EXIT_OK && n == 0) status = qb_cli_usage_error("vqe", "%s needs at least one FILE", sub);
  files f = {0};
  qb_err err = QB_ERR_INIT;
  if (status == QB_EXIT_OK && qb_fileio_local_new(&f.io, &err)) status = qb_cli_fail(&err);
  /* pass 1: the batch's inferred types (every file, by kind), pass 2: ids and rows */
  qb_vqe_types *types = rows ? rc_ctx.types : id_ctx_v.types;
  qb_vqe_types_init(&types[0]);
  qb_vqe_types_init(&types[1]);
  if (status == QB_EXIT_OK) status = for_records(&f, paths, n, bad, add_types, types);
  if (status == QB_EXIT_OK && rows) {
    char uuid[37];
    qb_vqe_meta_now(&rc_ctx.meta, uuid);
    if (batch_id) rc_ctx.meta.processing_batch_id = batch_id;
    status = for_records(&f, paths, n, bad, record_rows, &rc_ctx);
  } else if (status == QB_EXIT_OK) {
    status = for_records(&f, paths, n, bad, record_id, &id_ctx_v);
  }
  if (status == QB_EXIT_OK && f.n_bad) status = QB_EXIT_ERROR;
  qb_fileio_free(f.io);
  free(paths);
  free(bad);
  return status;
}
