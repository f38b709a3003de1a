/* SPDX-License-Identifier: Apache-2.0 */
/* qberg s3 mb|ls|cat|put|rm|probe|config: look at buckets with the same configuration qberg uses. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

#define CHUNK ((size_t)8 << 20)

static void usage(FILE *f)
{
  fprintf(f,
          "usage: qberg s3 [--endpoint URL] [--region R] [-o KEY=VALUE]... COMMAND ARGS\n"
          "\n"
          "  mb s3://BUCKET                 create a bucket (fine if it is already yours)\n"
          "  ls [s3://BUCKET[/PREFIX]]      list buckets, or every object under the prefix\n"
          "  ls --uploads s3://BUCKET[/PREFIX]\n"
          "                                 unfinished multipart uploads (a killed writer's): time, id, path\n"
          "  abort-uploads [--older-than D] s3://BUCKET[/PREFIX]\n"
          "                                 abort the unfinished uploads begun more than D ago (7d, 36h, 90m,\n"
          "                                 30s; default 1d: a younger one may be a writer still at work; one of\n"
          "                                 unknown age is kept unless D is 0)\n"
          "  cat s3://BUCKET/KEY            write an object to stdout\n"
          "  put [--exclusive] FILE|- s3://BUCKET/KEY\n"
          "                                 upload a file or stdin (multipart when large); --exclusive fails if\n"
          "                                 the key exists\n"
          "  rm [-r] URI...                 delete objects; -r: each object and everything under it (URI/)\n"
          "  probe s3://BUCKET[/PREFIX]     does the store honour If-None-Match: * (atomic create-exclusive)?\n"
          "  config                         the effective settings and where each comes from (secrets hidden)\n"
          "\n"
          "Settings: flags, then $S3_ENDPOINT $S3_REGION $S3_ACCESS_KEY $S3_SECRET_KEY (or AWS_*), qberg.conf,\n"
          "spark-defaults.conf; see docs/S3.md. s3a:// URIs are accepted. --json: JSON lines.\n");
}

static int open_io(qb_fileio **io, const qb_config *cfg, qb_err *err)
{
  qb_s3_options o;
  int rc = qb_config_s3_options(&o, cfg, err);
  if (rc == QB_OK) rc = qb_fileio_s3_new(io, &o, err);
  return rc;
}

static int print_bucket(void *ctx, const char *name, int64_t created_ms, qb_err *err)
{
  const qb_cli *cli = ctx;
  if (cli->json) printf("{\"bucket\":\"%s\",\"created_ms\":%lld}\n", name, (long long)created_ms);
  else printf("s3://%s\n", name);
  return QB_OK;
}

static void json_str(const char *s)
{
  putchar('"');
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') printf("\\%c", *p);
    else if (*p < 0x20) printf("\\u%04x", *p);
    else putchar(*p);
  }
  putchar('"');
}

typedef struct ls_ctx {
  const qb_cli *cli;
  uint64_t n, bytes;
} ls_ctx;

static int print_object(void *ctx, const char *path, const qb_stat *st, qb_err *err)
{
  ls_ctx *l = ctx;
  l->n++;
  l->bytes += st->size_bytes;
  if (l->cli->json) {
    printf("{\"path\":");
    json_str(path);
    printf(",\"size\":%llu,\"mtime_ms\":%lld}\n", (unsigned long long)st->size_bytes, (long long)st->mtime_ms);
    return QB_OK;
  }
  char when[32] = "-";
  time_t t = (time_t)(st->mtime_ms / 1000);
  struct tm tm;
  if (st->mtime_ms && gmtime_r(&t, &tm)) strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
  printf("%12llu  %s  %s\n", (unsigned long long)st->size_bytes, when, path);
  return QB_OK;
}

typedef struct uploads_ctx {
  const qb_cli *cli;
  qb_fileio *io;
  int64_t before_ms; /* abort those begun before this; -1: list only */
  bool all;          /* --older-than 0: those of unknown age too */
  uint64_t n, aborted, unknown;
} uploads_ctx;

static int on_upload(void *ctx, const char *uri, const char *upload_id, int64_t initiated_ms, qb_err *err)
{
  uploads_ctx *u = ctx;
  u->n++;
  if (u->before_ms >= 0) {
    /* an upload whose <Initiated> is missing read as begun in 1970 and was aborted, though it may be a writer's
     * still at work; remove-orphans keeps such uploads too (found by exploreR2) */
    if (initiated_ms <= 0 && !u->all) u->unknown++;
    if ((initiated_ms <= 0 && !u->all) || initiated_ms >= u->before_ms) return QB_OK;
    int rc = qb_s3_upload_abort(u->io, uri, upload_id, err);
    if (rc == QB_OK) u->aborted++;
    return rc;
  }
  if (u->cli->json) {
    printf("{\"path\":");
    json_str(uri);
    printf(",\"upload_id\":");
    json_str(upload_id);
    printf(",\"initiated_ms\":%lld}\n", (long long)initiated_ms);
    return QB_OK;
  }
  char when[32] = "-";
  time_t t = (time_t)(initiated_ms / 1000);
  struct tm tm;
  if (initiated_ms && gmtime_r(&t, &tm)) strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
  printf("%s  %s  %s\n", when, upload_id, uri);
  return QB_OK;
}

/* "7d", "36h", "90m", "30s", "2w" → milliseconds; -1 if not one */
static int64_t duration_ms(const char *s)
{
  char *end;
  long long v = strtoll(s, &end, 10);
  if (end == s || v < 0 || s[0] == '-') return -1;
  static const struct {
    const char *unit;
    int64_t ms;
  } units[] = {{"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}, {"w", 7 * 86400000LL}};
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
    if (!strcmp(end, units[i].unit)) return v > INT64_MAX / units[i].ms / 2 ? -1 : v * units[i].ms;
  return -1;
}

static int do_cat(qb_fileio *io, const char *uri, qb_err *err)
{
  qb_file *f;
  int rc = qb_fileio_open_read(&f, io, uri, err);
  if (rc) return rc;
  uint64_t size = qb_file_size(f);
  uint8_t *buf = malloc(size < CHUNK ? (size_t)size + 1 : CHUNK);
  if (!buf) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
  for (uint64_t off = 0; rc == QB_OK && off < size; off += CHUNK) {
    size_t k = size - off < CHUNK ? (size_t)(size - off) : CHUNK;
    rc = qb_file_pread(f, buf, k, off, err);
    if (rc == QB_OK && fwrite(buf, 1, k, stdout) != k) rc = QB_FAIL_ERRNO(err, QB_EIO, errno, "writing to stdout");
  }
  free(buf);
  qb_file_close(f);
  return rc;
}

static int do_put(qb_fileio *io, const char *file, const char *uri, bool excl, qb_err *err)
{
  FILE *in = strcmp(file, "-") ? fopen(file, "rb") : stdin;
  if (!in) return QB_FAIL_ERRNO(err, errno == ENOENT ? QB_ENOTFOUND : QB_EIO, errno, "%s", file);
  qb_writer *w;
  int rc = qb_fileio_create(&w, io, uri, excl ? QB_CREATE_EXCLUSIVE : QB_CREATE_OVERWRITE, err);
  uint8_t *buf = rc ? NULL : malloc(1 << 20);
  if (rc == QB_OK && !buf) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
  size_t n;
  while (rc == QB_OK && (n = fread(buf, 1, 1 << 20, in)) > 0) rc = qb_writer_write(w, buf, n, err);
  if (rc == QB_OK && ferror(in)) rc = QB_FAIL(err, QB_EIO, "%s: read error", file);
  if (w) {
    if (rc == QB_OK) rc = qb_writer_close(w, err);
    else qb_writer_abort(w);
  }
  free(buf);
  if (in != stdin) fclose(in);
  return rc;
}

typedef struct collect {
  char **p;
  size_t n, cap;
} collect;

static int collect_cb(void *ctx, const char *path, const qb_stat *st, qb_err *err)
{
  collect *c = ctx;
  if (c->n == c->cap) {
    size_t cap = c->cap ? c->cap * 2 : 256;
    char **np = realloc(c->p, cap * sizeof *np);
    if (!np) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    c->p = np;
    c->cap = cap;
  }
  if (!(c->p[c->n] = strdup(path))) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  c->n++;
  return QB_OK;
}

static int do_rm(qb_fileio *io, char **uris, int n, bool recursive, qb_err *err)
{
  collect c = {0};
  int rc = QB_OK;
  for (int i = 0; i < n && rc == QB_OK; i++) {
    if (!recursive) {
      rc = collect_cb(&c, uris[i], NULL, err);
      continue;
    }
    /* "rm -r s3://b/dir" means dir/ and below, never dir2/: list with a trailing '/' (the bucket root aside) */
    const char *u = uris[i], *after = strstr(u, "://");
    const char *slash = after ? strchr(after + 3, '/') : NULL;
    size_t len = strlen(u);
    char *prefix = (slash && slash[1] && u[len - 1] != '/') ? malloc(len + 2) : NULL;
    if (prefix) {
      memcpy(prefix, u, len);
      memcpy(prefix + len, "/", 2);
    }
    rc = qb_fileio_list(io, prefix ? prefix : u, collect_cb, &c, err);
    /* and the object of that very name, as `rm -r FILE` removes the file: "rm -r s3://b/file" said "0 objects
     * deleted" and kept it (found by exploreV) */
    qb_stat st;
    if (rc == QB_OK && prefix) {
      rc = qb_fileio_stat(io, u, &st, err);
      if (rc == QB_OK) rc = collect_cb(&c, u, &st, err);
      else if (rc == QB_ENOTFOUND) qb_err_clear(err), rc = QB_OK;
    }
    free(prefix);
  }
  if (rc == QB_OK) rc = qb_fileio_delete_many(io, (const char *const *)c.p, c.n, err);
  if (rc == QB_OK && recursive) fprintf(stderr, "qberg s3 rm: %zu objects deleted\n", c.n);
  for (size_t i = 0; i < c.n; i++) free(c.p[i]);
  free(c.p);
  return rc;
}

static void show_config(const qb_cli *cli, const qb_config *cfg)
{
  for (const char *const *k = qb_config_keys(); *k; k++) {
    const char *v = qb_config_get(cfg, *k), *src = qb_config_source(cfg, *k);
    if (!v) continue;
    const char *shown = qb_config_key_is_secret(*k) ? "(hidden)" : v;
    if (cli->json) {
      printf("{\"key\":\"%s\",\"value\":", *k);
      json_str(shown);
      printf(",\"source\":");
      json_str(src);
      printf("}\n");
    } else {
      printf("%-24s = %s    # %s\n", *k, shown, src);
    }
  }
}

int qb_cmd_s3(qb_cli *cli)
{
  if (qb_cli_wants_help(cli->argc, cli->argv)) {
    usage(stdout);
    return QB_EXIT_OK;
  }
  qb_err err = QB_ERR_INIT;
  qb_config *cfg;
  if (qb_cli_config(&cfg, cli, &err)) return qb_cli_fail(&err);
  int i = 1, rc = QB_EXIT_OK;
  for (; i < cli->argc && cli->argv[i][0] == '-' && rc == QB_EXIT_OK; i++) {
    const char *a = cli->argv[i];
    if (!strcmp(a, "--json")) continue;
    if (i + 1 >= cli->argc) {
      rc = qb_cli_usage_error("s3", "%s needs a value", a);
    } else if (!strcmp(a, "--endpoint")) {
      if (qb_config_set(cfg, "s3.endpoint", cli->argv[++i], &err)) rc = qb_cli_fail(&err);
    } else if (!strcmp(a, "--region")) {
      if (qb_config_set(cfg, "s3.region", cli->argv[++i], &err)) rc = qb_cli_fail(&err);
    } else if (!strcmp(a, "-o")) {
      if (qb_cli_config_option(cfg, "s3", cli->argv[++i], &err)) rc = qb_cli_usage_error("s3", "%s", err.msg);
    } else {
      rc = qb_cli_usage_error("s3", "unknown option '%s'", a);
    }
  }
  if (rc == QB_EXIT_OK && i >= cli->argc) rc = qb_cli_usage_error("s3", "expected a command");
  if (rc != QB_EXIT_OK) {
    qb_config_free(cfg);
    return rc;
  }
  const char *cmd = cli->argv[i++];
  /* the command's own arguments, without --json */
  char **args = calloc((size_t)cli->argc + 1, sizeof *args);
  int na = 0;
  bool recursive = false, excl = false, uploads = false;
  const char *older = "1d";
  for (; i < cli->argc && args; i++) {
    if (!strcmp(cli->argv[i], "--json")) continue;
    if (!strcmp(cmd, "ls") && !strcmp(cli->argv[i], "--uploads")) uploads = true;
    else if (!strcmp(cmd, "abort-uploads") && !strcmp(cli->argv[i], "--older-than") && i + 1 < cli->argc)
      older = cli->argv[++i];
    else
    if (!strcmp(cmd, "rm") && !strcmp(cli->argv[i], "-r")) recursive = true;
    else if (!strcmp(cmd, "put") && !strcmp(cli->argv[i], "--exclusive")) excl = true;
    else args[na++] = cli->argv[i];
  }
  qb_fileio *io = NULL;
  int lib = QB_OK;
  if (!strcmp(cmd, "config")) {
    if (na) rc = qb_cli_usage_error("s3", "config takes no arguments");
    else show_config(cli, cfg);
  } else if (!strcmp(cmd, "mb")) {
    if (na != 1) rc = qb_cli_usage_error("s3", "mb expects one s3://BUCKET");
    else if (!(lib = open_io(&io, cfg, &err))) lib = qb_s3_bucket_create(io, args[0], &err);
  } else if (!strcmp(cmd, "ls")) {
    if (na > 1) rc = qb_cli_usage_error("s3", "ls expects at most one URI");
    else if (uploads && na != 1) rc = qb_cli_usage_error("s3", "ls --uploads expects one s3://BUCKET[/PREFIX]");
    else if (!(lib = open_io(&io, cfg, &err))) {
      if (uploads) {
        uploads_ctx u = {cli, io, -1, false, 0, 0, 0};
        lib = qb_s3_upload_list(io, args[0], on_upload, &u, &err);
        if (!lib && !cli->json) fprintf(stderr, "%llu unfinished uploads\n", (unsigned long long)u.n);
      } else if (na == 0) {
        lib = qb_s3_bucket_list(io, print_bucket, cli, &err);
      } else {
        ls_ctx l = {cli, 0, 0};
        lib = qb_fileio_list(io, args[0], print_object, &l, &err);
        if (!lib && !cli->json) fprintf(stderr, "%llu objects, %llu bytes\n", (unsigned long long)l.n,
                                        (unsigned long long)l.bytes);
      }
    }
  } else if (!strcmp(cmd, "abort-uploads")) {
    int64_t d = duration_ms(older);
    if (na != 1) rc = qb_cli_usage_error("s3", "abort-uploads expects one s3://BUCKET[/PREFIX]");
    else if (d < 0) rc = qb_cli_usage_error("s3", "--older-than: '%s' is not a duration (7d, 36h, 90m, 30s)", older);
    else if (!(lib = open_io(&io, cfg, &err))) {
      struct timespec ts;
      clock_gettime(CLOCK_REALTIME, &ts);
      uploads_ctx u = {cli, io, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 - d, d == 0, 0, 0, 0};
      lib = qb_s3_upload_list(io, args[0], on_upload, &u, &err);
      if (cli->json && !lib)
        printf("{\"aborted\":%llu,\"kept\":%llu}\n", (unsigned long long)u.aborted,
               (unsigned long long)(u.n - u.aborted));
      else if (!cli->json)
        fprintf(stderr, "qberg s3 abort-uploads: %llu aborted, %llu younger than %s kept%s\n",
                (unsigned long long)u.aborted, (unsigned long long)(u.n - u.aborted - u.unknown), older,
                u.unknown ? ", and some of unknown age (no <Initiated>; --older-than 0s aborts them)" : "");
    }
  } else if (!strcmp(cmd, "cat")) {
    if (na < 1) rc = qb_cli_usage_error("s3", "cat expects URIs");
    else if (!(lib = open_io(&io, cfg, &err)))
      for (int k = 0; k < na && !lib; k++) lib = do_cat(io, args[k], &err);
  } else if (!strcmp(cmd, "put")) {
    if (na != 2) rc = qb_cli_usage_error("s3", "put expects FILE and s3://BUCKET/KEY");
    else if (!(lib = open_io(&io, cfg, &err))) lib = do_put(io, args[0], args[1], excl, &err);
  } else if (!strcmp(cmd, "rm")) {
    if (na < 1) rc = qb_cli_usage_error("s3", "rm expects URIs");
    else if (!(lib = open_io(&io, cfg, &err))) lib = do_rm(io, args, na, recursive, &err);
  } else if (!strcmp(cmd, "probe")) {
    if (na != 1) rc = qb_cli_usage_error("s3", "probe expects one s3://BUCKET[/PREFIX]");
    else if (!(lib = open_io(&io, cfg, &err)) && !(lib = qb_fileio_probe(io, args[0], NULL, &err))) {
      bool yes = qb_fileio_s3_conditional_put(io) == QB_S3_COND_HONOURED;
      if (cli->json) printf("{\"conditional_put\":%s}\n", yes ? "true" : "false");
      else
        printf("conditional PUT (If-None-Match: *): %s\n",
               yes ? "honoured: create-exclusive is atomic"
                   : "ignored: last writer wins; commits need a lock (set s3.conditional-put = false)");
    }
  } else {
    rc = qb_cli_usage_error("s3", "unknown command '%s'", cmd);
  }
  if (lib) rc = qb_cli_fail(&err);
  qb_fileio_free(io);
  free(args);
  qb_config_free(cfg);
  return rc;
}
