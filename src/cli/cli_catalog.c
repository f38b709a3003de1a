/* SPDX-License-Identifier: Apache-2.0 */
/* Catalog helpers for the CLI verbs (see cli_catalog.h). */
#include "cli_catalog.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* s3://, s3a://, s3n:// (not file:) */
static bool is_remote(const char *s)
{
  const char *p = s ? strstr(s, "://") : NULL;
  return p && strncmp(s, "file:", 5) != 0;
}

int qb_cli_catalog_open(qb_cli_catalog *c, qb_cli *cli, const char *verb, const char *table)
{
  memset(c, 0, sizeof *c);
  qb_catalog_options o = QB_CATALOG_OPTIONS_INIT;
  const char *mode = getenv("QBERG_COMMIT_MODE");
  if (mode && *mode) {
    if (!strcmp(mode, "auto"))
      o.commit_mode = QB_COMMIT_AUTO;
    else if (!strcmp(mode, "exclusive"))
      o.commit_mode = QB_COMMIT_EXCLUSIVE;
    else if (!strcmp(mode, "lock"))
      o.commit_mode = QB_COMMIT_LOCK;
    else
      return qb_cli_usage_error(verb, "QBERG_COMMIT_MODE must be auto, exclusive or lock, not '%s'", mode);
  }
  const char *lease = getenv("QBERG_LOCK_LEASE_MS");
  if (lease && *lease) {
    char *end;
    long long v = strtoll(lease, &end, 10);
    if (*end || v <= 0) return qb_cli_usage_error(verb, "QBERG_LOCK_LEASE_MS must be a positive number of ms");
    o.lock_lease_ms = v;
  }
  qb_err err = QB_ERR_INIT;
  qb_config_options co = QB_CONFIG_OPTIONS_INIT;
  co.config_file = cli->config;
  if (qb_config_load(&c->cfg, &co, &err)) return qb_cli_fail(&err);
  const char *wh = cli->warehouse && *cli->warehouse ? cli->warehouse : qb_config_get(c->cfg, "warehouse");
  /* a TABLE URI on a store the warehouse is not on: its own FileIO */
  if (table && is_remote(table) && (!wh || !is_remote(wh) || strncmp(table, wh, strlen(wh)) != 0) &&
      qb_fileio_for_uri(&c->io, table, c->cfg, &err)) {
    qb_cli_catalog_close(c);
    return qb_cli_fail(&err);
  }
  o.io = c->io;
  o.config = c->cfg;
  if (qb_catalog_open(&c->cat, c->io ? NULL : wh, &o, &err)) {
    qb_cli_catalog_close(c);
    return qb_cli_fail(&err);
  }
  return QB_EXIT_OK;
}

void qb_cli_catalog_close(qb_cli_catalog *c)
{
  qb_catalog_free(c->cat);
  qb_fileio_free(c->io);
  qb_config_free(c->cfg);
  memset(c, 0, sizeof *c);
}

int qb_cli_load_table(qb_catalog *cat, const char *table, qb_table **out)
{
  qb_err err = QB_ERR_INIT;
  if (qb_table_load(out, cat, table, &err)) return qb_cli_fail(&err);
  return QB_EXIT_OK;
}

void qb_cli_print_ms(FILE *f, int64_t ms)
{
  /* floored, so a time before 1970 prints as one too (-1001 ms is 1969-12-31T23:59:58.999Z); it printed
   * the raw number, where `info` gave the time */
  int64_t sec = ms / 1000, frac = ms % 1000;
  if (frac < 0) {
    frac += 1000;
    sec--;
  }
  time_t s = (time_t)sec;
  struct tm tm;
  char buf[32];
  if (gmtime_r(&s, &tm) && tm.tm_year >= -1900 && tm.tm_year <= 9999 - 1900 &&
      strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm))
    fprintf(f, "%s.%03dZ", buf, (int)frac);
  else
    fprintf(f, "%" PRId64, ms);
}

void qb_cli_json_str(FILE *f, const char *s)
{
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    size_t avail = 1;
    while (avail < 4 && p[avail]) avail++;
    size_t len = *p < 0x80 ? 1 : qb_cli_utf8_len((const char *)p, avail);
    if (len > 1) { /* a UTF-8 sequence as it is */
      fwrite(p, 1, len, f);
      p += len - 1;
    } else if (!len) /* a byte that is not UTF-8 (a directory name, a crafted metadata file): JSON is UTF-8 */
      fputs("\\ufffd", f);
    else if (*p == '"' || *p == '\\')
      fprintf(f, "\\%c", *p);
    else if (*p == '\n')
      fputs("\\n", f);
    else if (*p == '\t')
      fputs("\\t", f);
    else if (*p < 0x20)
      fprintf(f, "\\u%04x", *p);
    else
      fputc(*p, f);
  }
  fputc('"', f);
}

int qb_cli_positional(qb_cli *cli, const char **out, int max)
{
  int n = 0;
  for (int i = 1; i < cli->argc; i++) {
    const char *a = cli->argv[i];
    if (!strcmp(a, "--json")) continue;
    if (a[0] == '-' && a[1]) return -1 - i; /* an unknown option: the caller reports argv[i] */
    if (n == max) return -1 - i;
    out[n++] = a;
  }
  return n;
}
