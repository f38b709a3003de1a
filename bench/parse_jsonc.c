/* SPDX-License-Identifier: Apache-2.0 */
/* A plain parse-only pass for bench/ingest.sh: every raw `.json` file under DIR (a topic folder, or a source
 * prefix whose subfolders are topics) read whole and parsed into a json-c DOM, value after value (the files
 * are newline-delimited), then freed — what a program using the Debian JSON library does before it can
 * look at a record. Nothing is validated beyond JSON syntax. Prints one JSON line: files, bytes, records.
 *   parse_jsonc DIR */
#include <dirent.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct totals {
  size_t files, bytes, records;
} totals;

static int parse_file(totals *t, const char *path, const struct stat *st)
{
  FILE *f = fopen(path, "rb");
  if (!f) return perror(path), 1;
  size_t n = (size_t)st->st_size;
  char *buf = malloc(n + 1);
  if (!buf || fread(buf, 1, n, f) != n) {
    fprintf(stderr, "%s: read failed\n", path);
    free(buf);
    fclose(f);
    return 1;
  }
  fclose(f);
  json_tokener *tok = json_tokener_new();
  size_t at = 0;
  int rc = 0;
  while (at < n && !rc) {
    while (at < n && (buf[at] == '\n' || buf[at] == '\r' || buf[at] == ' ' || buf[at] == '\t')) at++;
    if (at == n) break;
    json_object *o = json_tokener_parse_ex(tok, buf + at, (int)(n - at));
    enum json_tokener_error e = json_tokener_get_error(tok);
    if (!o || e != json_tokener_success) {
      fprintf(stderr, "%s: offset %zu: %s\n", path, at, json_tokener_error_desc(e));
      rc = 1;
    } else {
      t->records++;
      at += json_tokener_get_parse_end(tok);
      json_object_put(o);
    }
    json_tokener_reset(tok);
  }
  json_tokener_free(tok);
  free(buf);
  t->files++;
  t->bytes += n;
  return rc;
}

static int walk(totals *t, const char *dir, int depth)
{
  DIR *d = opendir(dir);
  if (!d) return perror(dir), 1;
  struct dirent *e;
  int rc = 0;
  while (!rc && (e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path) continue;
    struct stat st;
    if (stat(path, &st)) continue;
    size_t len = strlen(e->d_name);
    if (S_ISDIR(st.st_mode) && depth == 0)
      rc = walk(t, path, 1);
    else if (S_ISREG(st.st_mode) && len > 5 && !strcmp(e->d_name + len - 5, ".json"))
      rc = parse_file(t, path, &st);
  }
  closedir(d);
  return rc;
}

int main(int argc, char **argv)
{
  if (argc != 2) {
    fprintf(stderr, "usage: parse_jsonc DIR\n");
    return 2;
  }
  totals t = {0, 0, 0};
  if (walk(&t, argv[1], 0)) return 1;
  printf("{\"files\":%zu,\"bytes\":%zu,\"records\":%zu}\n", t.files, t.bytes, t.records);
  return 0;
}
