/* SPDX-License-Identifier: Apache-2.0 */
/* Configuration sources, first match wins per key: explicit options, environment, qberg.conf, Spark's
 * spark-defaults.conf (spark.sql.catalog.<name>.warehouse, spark.hadoop.fs.s3a.* as the seed's Spark job uses).
 * S3 credentials are taken as a set from the first source that has an access key, so a key from one place is
 * never signed with a secret from another. */
#include "qberg/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/config_int.h"
#include "util/buf.h"
#include "util/str.h"

#define CONF_LINE_MAX 8192
#define CONF_FILE_MAX (1u << 20)

enum {
  K_WAREHOUSE,
  K_ENDPOINT,
  K_REGION,
  K_ACCESS,
  K_SECRET,
  K_TOKEN,
  K_PATH_STYLE,
  K_SSL,
  K_COND,
  K_UNSIGNED,
  K_TLS_VERIFY,
  K_PART,
  K_PARALLEL,
  K_RETRIES,
  K_CONNECT_MS,
  K_STALL_MS,
  K_RETRY_BASE_MS,
  K_GARAGE_ENDPOINT,
  K_GARAGE_TOKEN,
  K_SPARK_DEFAULTS,
  K_SPARK_CATALOG,
  K_COUNT
};

static const char *const key_names[K_COUNT + 1] = {
    [K_WAREHOUSE] = "warehouse",
    [K_ENDPOINT] = "s3.endpoint",
    [K_REGION] = "s3.region",
    [K_ACCESS] = "s3.access-key-id",
    [K_SECRET] = "s3.secret-access-key",
    [K_TOKEN] = "s3.session-token",
    [K_PATH_STYLE] = "s3.path-style-access",
    [K_SSL] = "s3.ssl-enabled",
    [K_COND] = "s3.conditional-put",
    [K_UNSIGNED] = "s3.unsigned-payload",
    [K_TLS_VERIFY] = "s3.tls-verify",
    [K_PART] = "s3.multipart-size",
    [K_PARALLEL] = "s3.parallel-parts",
    [K_RETRIES] = "s3.max-retries",
    [K_CONNECT_MS] = "s3.connect-timeout-ms",
    [K_STALL_MS] = "s3.stall-timeout-ms",
    [K_RETRY_BASE_MS] = "s3.retry-base-ms",
    [K_GARAGE_ENDPOINT] = "garage.admin-endpoint",
    [K_GARAGE_TOKEN] = "garage.admin-token",
    [K_SPARK_DEFAULTS] = "spark-defaults",
    [K_SPARK_CATALOG] = "spark-catalog",
    [K_COUNT] = NULL,
};

struct qb_config {
  char *value[K_COUNT];
  char *source[K_COUNT];
  /* how it was loaded, to load it again (qb_config__credentials) */
  char *config_file, *spark_defaults, *spark_catalog;
  bool ignore_env;
};

/* One source's findings before they are merged. */
typedef struct layer {
  char *value[K_COUNT];
  char *source[K_COUNT];
} layer;

static void layer_free(layer *l)
{
  for (int i = 0; i < K_COUNT; i++) {
    free(l->value[i]);
    free(l->source[i]);
    l->value[i] = l->source[i] = NULL;
  }
}

static int key_index(const char *k)
{
  for (int i = 0; i < K_COUNT; i++)
    if (!strcmp(k, key_names[i])) return i;
  return -1;
}

const char *const *qb_config_keys(void) { return key_names; }

bool qb_config_key_is_secret(const char *key)
{
  int k = key_index(key);
  return k == K_SECRET || k == K_TOKEN || k == K_GARAGE_TOKEN;
}

static int layer_set(layer *l, int k, const char *v, size_t vn, const char *src, qb_err *err)
{
  if (l->value[k]) return QB_OK; /* first definition within a source wins */
  l->value[k] = strndup(v, vn);
  l->source[k] = strdup(src);
  if (!l->value[k] || !l->source[k]) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  return QB_OK;
}

/* ---- environment ---- */

static int from_env(layer *l, qb_err *err)
{
  int rc = QB_OK;
  /* QBERG_<KEY> first, for every key but the credentials (QBERG_S3_CONDITIONAL_PUT=false): the variable named
   * for qberg is the most specific, so a QBERG_S3_REGION for Garage is not overridden by an AWS_REGION the
   * shell exports for something else */
  for (int k = 0; k < K_COUNT && rc == QB_OK; k++) {
    if (k == K_ACCESS || k == K_SECRET || k == K_TOKEN) continue;
    char var[64] = "QBERG_";
    size_t n = 6;
    for (const char *c = key_names[k]; *c && n < sizeof var - 1; c++)
      var[n++] = isalnum((unsigned char)*c) ? (char)toupper((unsigned char)*c) : '_';
    var[n] = '\0';
    const char *v = getenv(var);
    if (v && *v) {
      char src[80];
      snprintf(src, sizeof src, "env %s", var);
      rc = layer_set(l, k, v, strlen(v), src, err);
    }
  }
  static const struct {
    int key;
    const char *var;
  } named[] = {
      {K_ENDPOINT, "S3_ENDPOINT"},          {K_ENDPOINT, "AWS_ENDPOINT_URL_S3"},
      {K_ENDPOINT, "AWS_ENDPOINT_URL"},     {K_REGION, "S3_REGION"},
      {K_REGION, "AWS_REGION"},             {K_REGION, "AWS_DEFAULT_REGION"},
      {K_GARAGE_ENDPOINT, "GARAGE_ADMIN_ENDPOINT"}, {K_GARAGE_TOKEN, "GARAGE_ADMIN_TOKEN"},
  };
  for (size_t i = 0; i < sizeof named / sizeof named[0] && rc == QB_OK; i++) {
    const char *v = getenv(named[i].var);
    if (v && *v) {
      char src[64];
      snprintf(src, sizeof src, "env %s", named[i].var);
      rc = layer_set(l, named[i].key, v, strlen(v), src, err);
    }
  }
  /* credentials as a set, from the first set whose access key is set and from no other: qberg's own
   * variables, the seed's S3_ACCESS_KEY/S3_SECRET_KEY, then the AWS trio */
  static const char *const sets[][3] = {
      {"QBERG_S3_ACCESS_KEY_ID", "QBERG_S3_SECRET_ACCESS_KEY", "QBERG_S3_SESSION_TOKEN"},
      {"S3_ACCESS_KEY", "S3_SECRET_KEY", NULL},
      {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}};
  for (size_t i = 0; i < sizeof sets / sizeof sets[0] && rc == QB_OK && !l->value[K_ACCESS]; i++) {
    const char *a = getenv(sets[i][0]);
    if (!a || !*a) continue;
    const char *s = getenv(sets[i][1]), *t = sets[i][2] ? getenv(sets[i][2]) : NULL;
    char src[64];
    snprintf(src, sizeof src, "env %s", sets[i][0]);
    rc = layer_set(l, K_ACCESS, a, strlen(a), src, err);
    snprintf(src, sizeof src, "env %s", sets[i][1]);
    if (rc == QB_OK && s && *s) rc = layer_set(l, K_SECRET, s, strlen(s), src, err);
    snprintf(src, sizeof src, "env %s", sets[i][2] ? sets[i][2] : "");
    if (rc == QB_OK && t && *t) rc = layer_set(l, K_TOKEN, t, strlen(t), src, err);
  }
  return rc;
}

/* ---- files ---- */

static char *trim(char *s)
{
  while (*s == ' ' || *s == '\t') s++;
  size_t n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n')) s[--n] = '\0';
  return s;
}

typedef int (*line_fn)(void *ctx, const char *file, int line, char *key, char *value, qb_err *err);

/* `sep_ws`: Java properties also separate key and value by whitespace or ':' (spark-defaults.conf). */
static int read_lines(const char *path, bool sep_ws, line_fn fn, void *ctx, qb_err *err)
{
  FILE *f = fopen(path, "r");
  if (!f) return QB_FAIL_ERRNO(err, errno == ENOENT ? QB_ENOTFOUND : QB_EIO, errno, "%s", path);
  struct stat st;
  if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) { /* fopen opens a folder; reading it said "read error" */
    fclose(f);
    return QB_FAIL(err, QB_EINVAL, "%s: is a folder, not a settings file", path);
  }
  char line[CONF_LINE_MAX];
  int rc = QB_OK, no = 0;
  size_t total = 0;
  while (rc == QB_OK && fgets(line, sizeof line, f)) {
    no++;
    total += strlen(line);
    if (total > CONF_FILE_MAX) {
      rc = QB_FAIL(err, QB_ELIMIT, "%s: larger than %u bytes", path, CONF_FILE_MAX);
      break;
    }
    if (!strchr(line, '\n') && !feof(f)) {
      /* fgets stopped at the buffer's end, or the line holds a NUL byte (strlen stops there) */
      if (strlen(line) < sizeof line - 1)
        rc = QB_FAIL(err, QB_EINVAL, "%s:%d: NUL byte in the line (not a text file?)", path, no);
      else
        rc = QB_FAIL(err, QB_EINVAL, "%s:%d: line longer than %d bytes", path, no, CONF_LINE_MAX);
      break;
    }
    char *s = trim(line);
    if (!*s || *s == '#' || *s == ';' || *s == '!') continue;
    size_t kl = sep_ws ? strcspn(s, "=: \t") : strcspn(s, "=");
    if (!s[kl]) {
      rc = QB_FAIL(err, QB_EINVAL, "%s:%d: expected 'key = value'", path, no);
      break;
    }
    char *v = s + kl;
    bool had_eq = *v == '=' || *v == ':';
    *v++ = '\0';
    v = trim(v);
    if (sep_ws && !had_eq && (*v == '=' || *v == ':')) v = trim(v + 1);
    size_t vl = strlen(v);
    if (vl >= 2 && ((v[0] == '"' && v[vl - 1] == '"') || (v[0] == '\'' && v[vl - 1] == '\''))) {
      v[vl - 1] = '\0';
      v++;
    }
    rc = fn(ctx, path, no, trim(s), v, err);
  }
  if (rc == QB_OK && ferror(f)) rc = QB_FAIL_ERRNO(err, QB_EIO, errno, "%s: read error", path);
  fclose(f);
  return rc;
}

static int conf_line(void *ctx, const char *file, int line, char *key, char *value, qb_err *err)
{
  layer *l = ctx;
  int k = key_index(key);
  if (k < 0) return QB_FAIL(err, QB_EINVAL, "%s:%d: unknown key '%s' (see docs/S3.md)", file, line, key);
  /* "key =" set the key to "", which hid the later sources and then read as unset ("no warehouse is set") */
  if (!*value)
    return QB_FAIL(err, QB_EINVAL, "%s:%d: '%s' has no value (remove the line to leave it unset)", file, line, key);
  /* a second definition was dropped silently (the first won): an override appended at the end had no effect */
  if (l->value[k])
    return QB_FAIL(err, QB_EINVAL, "%s:%d: '%s' is set again (first at %s): keep one", file, line, key, l->source[k]);
  char src[600];
  snprintf(src, sizeof src, "%.560s:%d", file, line);
  /* a relative local path in the file is relative to the file's folder, not to where qberg runs: a
   * ~/.config/qberg/qberg.conf saying "warehouse = wh" named a new, empty warehouse in every folder qberg was
   * run from (and an ingest there filled it) */
  const char *slash = strrchr(file, '/');
  if ((k == K_WAREHOUSE || k == K_SPARK_DEFAULTS) && slash && *value && value[0] != '/' && !strstr(value, "://") &&
      strncmp(value, "file:", 5)) {
    char *path = qb_str_printf("%.*s/%s", (int)(slash - file), file, value);
    if (!path) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    int rc = layer_set(l, k, path, strlen(path), src, err);
    free(path);
    return rc;
  }
  return layer_set(l, k, value, strlen(value), src, err);
}

/* spark-defaults.conf, collected raw: the catalog choice needs every line first. */
typedef struct spark_prop {
  char *key, *value, *source;
} spark_prop;

typedef struct spark_file {
  spark_prop *p;
  size_t n, cap;
} spark_file;

static int spark_line(void *ctx, const char *file, int line, char *key, char *value, qb_err *err)
{
  spark_file *sf = ctx;
  if (!qb_str_has_prefix(key, "spark.")) return QB_OK;
  if (sf->n == sf->cap) {
    size_t cap = sf->cap ? sf->cap * 2 : 32;
    void *np = realloc(sf->p, cap * sizeof *sf->p);
    if (!np) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    sf->p = np;
    sf->cap = cap;
  }
  const char *base = strrchr(file, '/');
  spark_prop *p = &sf->p[sf->n];
  p->key = strdup(key);
  p->value = strdup(value);
  p->source = qb_str_printf("%s:%d", base ? base + 1 : file, line);
  if (!p->key || !p->value || !p->source) {
    free(p->key);
    free(p->value);
    free(p->source);
    return QB_FAIL(err, QB_ENOMEM, "out of memory");
  }
  sf->n++;
  return QB_OK;
}

static const spark_prop *spark_get(const spark_file *sf, const char *key)
{
  const spark_prop *found = NULL;
  for (size_t i = 0; i < sf->n; i++)
    if (!strcmp(sf->p[i].key, key)) found = &sf->p[i]; /* Java properties: the last one wins */
  return found;
}

static int from_spark(layer *l, const char *path, const char *catalog, bool warehouse_known, qb_err *err)
{
  spark_file sf = {0};
  int rc = read_lines(path, true, spark_line, &sf, err);
  char *cat = NULL;
  if (rc == QB_OK && !catalog) {
    const spark_prop *d = spark_get(&sf, "spark.sql.defaultCatalog");
    char wkey[300];
    if (d) snprintf(wkey, sizeof wkey, "spark.sql.catalog.%s.warehouse", d->value);
    if (d && spark_get(&sf, wkey)) {
      catalog = d->value;
    } else {
      /* the only catalog with a warehouse */
      size_t found = 0;
      for (size_t i = 0; i < sf.n; i++) {
        const char *k = sf.p[i].key;
        if (qb_str_has_prefix(k, "spark.sql.catalog.") && qb_str_has_suffix(k, ".warehouse")) {
          size_t nl = strlen(k) - strlen("spark.sql.catalog.") - strlen(".warehouse");
          char *name = strndup(k + strlen("spark.sql.catalog."), nl);
          if (!name) {
            rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
            break;
          }
          if (cat && strcmp(cat, name)) found++;
          if (!cat) {
            cat = name;
            found = 1;
          } else {
            free(name);
          }
        }
      }
      if (found > 1 && !warehouse_known) {
        rc = QB_FAIL(err, QB_EINVAL,
                     "%s: several Spark catalogs define a warehouse: choose one with spark-catalog = NAME", path);
      }
      catalog = cat;
    }
  }
  struct {
    int key;
    const char *prop;
  } map[] = {
      {K_ENDPOINT, "spark.hadoop.fs.s3a.endpoint"},
      {K_REGION, "spark.hadoop.fs.s3a.endpoint.region"},
      {K_PATH_STYLE, "spark.hadoop.fs.s3a.path.style.access"},
      {K_SSL, "spark.hadoop.fs.s3a.connection.ssl.enabled"},
  };
  char buf[400];
  if (rc == QB_OK && catalog) {
    /* Iceberg's own catalog properties come before Hadoop's fs.s3a ones */
    static const struct {
      int key;
      const char *suffix;
    } cprops[] = {{K_WAREHOUSE, "warehouse"},
                  {K_ENDPOINT, "s3.endpoint"},
                  {K_REGION, "client.region"},
                  {K_PATH_STYLE, "s3.path-style-access"}};
    for (size_t i = 0; i < sizeof cprops / sizeof cprops[0] && rc == QB_OK; i++) {
      snprintf(buf, sizeof buf, "spark.sql.catalog.%.200s.%s", catalog, cprops[i].suffix);
      const spark_prop *p = spark_get(&sf, buf);
      if (p) rc = layer_set(l, cprops[i].key, p->value, strlen(p->value), p->source, err);
    }
    const spark_prop *a, *s;
    snprintf(buf, sizeof buf, "spark.sql.catalog.%.200s.s3.access-key-id", catalog);
    a = spark_get(&sf, buf);
    snprintf(buf, sizeof buf, "spark.sql.catalog.%.200s.s3.secret-access-key", catalog);
    s = spark_get(&sf, buf);
    if (rc == QB_OK && a && !l->value[K_ACCESS]) {
      rc = layer_set(l, K_ACCESS, a->value, strlen(a->value), a->source, err);
      if (rc == QB_OK && s) rc = layer_set(l, K_SECRET, s->value, strlen(s->value), s->source, err);
    }
  }
  for (size_t i = 0; i < sizeof map / sizeof map[0] && rc == QB_OK; i++) {
    const spark_prop *p = spark_get(&sf, map[i].prop);
    if (p) rc = layer_set(l, map[i].key, p->value, strlen(p->value), p->source, err);
  }
  if (rc == QB_OK && !l->value[K_ACCESS]) {
    const spark_prop *a = spark_get(&sf, "spark.hadoop.fs.s3a.access.key");
    const spark_prop *s = spark_get(&sf, "spark.hadoop.fs.s3a.secret.key");
    const spark_prop *t = spark_get(&sf, "spark.hadoop.fs.s3a.session.token");
    if (a) {
      rc = layer_set(l, K_ACCESS, a->value, strlen(a->value), a->source, err);
      if (rc == QB_OK && s) rc = layer_set(l, K_SECRET, s->value, strlen(s->value), s->source, err);
      if (rc == QB_OK && t) rc = layer_set(l, K_TOKEN, t->value, strlen(t->value), t->source, err);
    }
  }
  for (size_t i = 0; i < sf.n; i++) {
    free(sf.p[i].key);
    free(sf.p[i].value);
    free(sf.p[i].source);
  }
  free(sf.p);
  free(cat);
  return rc;
}

static bool exists(const char *p) { return p && access(p, R_OK) == 0; }

/* Take from `l` what `c` does not have yet; credentials only as a set. */
static void merge(qb_config *c, layer *l)
{
  /* a source provides credentials only when it has an access key, and only if no earlier one did */
  bool creds_free = !c->value[K_ACCESS] && !c->value[K_SECRET] && !c->value[K_TOKEN] && l->value[K_ACCESS];
  for (int k = 0; k < K_COUNT; k++) {
    bool cred = k == K_ACCESS || k == K_SECRET || k == K_TOKEN;
    if (!l->value[k] || c->value[k] || (cred && !creds_free)) continue;
    c->value[k] = l->value[k];
    c->source[k] = l->source[k];
    l->value[k] = l->source[k] = NULL;
  }
}

int qb_config_load(qb_config **out, const qb_config_options *opts, qb_err *err)
{
  *out = NULL;
  qb_config_options def = QB_CONFIG_OPTIONS_INIT;
  if (!opts) opts = &def;
  if (opts->version != 1) return QB_FAIL(err, QB_EINVAL, "qb_config_options version %d is not supported", opts->version);
  qb_config *c = calloc(1, sizeof *c);
  if (!c) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  layer l = {0};
  int rc = QB_OK;
  if (!opts->ignore_env) rc = from_env(&l, err);
  merge(c, &l);
  layer_free(&l);

  /* qberg.conf */
  char *home_conf = NULL;
  const char *conf = opts->config_file;
  if (rc == QB_OK && !conf) {
    const char *envc = opts->ignore_env ? NULL : getenv("QBERG_CONFIG");
    const char *xdg = opts->ignore_env ? NULL : getenv("XDG_CONFIG_HOME");
    const char *home = opts->ignore_env ? NULL : getenv("HOME");
    if (xdg && *xdg) home_conf = qb_str_printf("%s/qberg/qberg.conf", xdg);
    else if (home && *home) home_conf = qb_str_printf("%s/.config/qberg/qberg.conf", home);
    if (envc && *envc) conf = envc; /* named: must exist */
    else if (exists("qberg.conf")) conf = "qberg.conf";
    else if (exists(home_conf)) conf = home_conf;
  }
  if (rc == QB_OK && conf) {
    rc = read_lines(conf, false, conf_line, &l, err);
    if (rc && !opts->config_file && conf != home_conf && strcmp(conf, "qberg.conf"))
      qb_err_wrap(err, "$QBERG_CONFIG"); /* where the name came from: a stale variable is not a typed path */
  }
  merge(c, &l);
  layer_free(&l);

  /* spark-defaults.conf */
  char *spark_auto = NULL;
  const char *spark = opts->spark_defaults ? opts->spark_defaults : c->value[K_SPARK_DEFAULTS];
  if (rc == QB_OK && !spark && !opts->ignore_env) {
    const char *d = getenv("SPARK_CONF_DIR"), *h = getenv("SPARK_HOME");
    if (d && *d) spark_auto = qb_str_printf("%s/spark-defaults.conf", d);
    else if (h && *h) spark_auto = qb_str_printf("%s/conf/spark-defaults.conf", h);
    if (exists(spark_auto)) spark = spark_auto;
  }
  if (rc == QB_OK && spark) {
    const char *cat = opts->spark_catalog ? opts->spark_catalog : c->value[K_SPARK_CATALOG];
    rc = from_spark(&l, spark, cat, c->value[K_WAREHOUSE] != NULL, err);
    if (rc) qb_err_wrap(err, "reading Spark properties");
  }
  merge(c, &l);
  layer_free(&l);
  free(home_conf);
  free(spark_auto);
  c->ignore_env = opts->ignore_env;
  if (rc == QB_OK && ((opts->config_file && !(c->config_file = strdup(opts->config_file))) ||
                      (opts->spark_defaults && !(c->spark_defaults = strdup(opts->spark_defaults))) ||
                      (opts->spark_catalog && !(c->spark_catalog = strdup(opts->spark_catalog)))))
    rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
  if (rc) {
    qb_config_free(c);
    return rc;
  }
  *out = c;
  return QB_OK;
}

int qb_config__clone(qb_config **out, const qb_config *c, qb_err *err)
{
  *out = NULL;
  qb_config *n = calloc(1, sizeof *n);
  bool ok = n != NULL;
  for (int k = 0; ok && k < K_COUNT; k++) {
    if (c->value[k] && !(n->value[k] = strdup(c->value[k]))) ok = false;
    if (ok && c->source[k] && !(n->source[k] = strdup(c->source[k]))) ok = false;
  }
  if (ok && c->config_file && !(n->config_file = strdup(c->config_file))) ok = false;
  if (ok && c->spark_defaults && !(n->spark_defaults = strdup(c->spark_defaults))) ok = false;
  if (ok && c->spark_catalog && !(n->spark_catalog = strdup(c->spark_catalog))) ok = false;
  if (!ok) {
    qb_config_free(n);
    return QB_FAIL(err, QB_ENOMEM, "out of memory");
  }
  n->ignore_env = c->ignore_env;
  *out = n;
  return QB_OK;
}

int qb_config__credentials(const qb_config *c, char **akid, char **secret, char **token, qb_err *err)
{
  *akid = *secret = *token = NULL;
  const qb_config *from = c;
  qb_config *fresh = NULL;
  /* credentials given as options stay; the others are read again from their sources (environment, qberg.conf,
   * spark-defaults.conf), where a credential helper may have written new ones */
  bool explicit = c->source[K_ACCESS] && !strcmp(c->source[K_ACCESS], "option");
  if (!explicit) {
    qb_config_options o = QB_CONFIG_OPTIONS_INIT;
    o.config_file = c->config_file;
    o.spark_defaults = c->spark_defaults;
    o.spark_catalog = c->spark_catalog;
    o.ignore_env = c->ignore_env;
    int rc = qb_config_load(&fresh, &o, err);
    if (rc) return qb_err_wrap(err, "reading the S3 credentials again");
    /* options that are not credentials keep applying: the catalog, a spark-defaults chosen by option */
    from = fresh;
  }
  const char *v[3] = {from->value[K_ACCESS], from->value[K_SECRET], from->value[K_TOKEN]};
  char **dst[3] = {akid, secret, token};
  int rc = QB_OK;
  for (int i = 0; i < 3; i++)
    if (v[i] && *v[i] && !(*dst[i] = strdup(v[i]))) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
  qb_config_free(fresh);
  if (rc) {
    for (int i = 0; i < 3; i++) {
      free(*dst[i]);
      *dst[i] = NULL;
    }
  }
  return rc;
}

int qb_config_set(qb_config *c, const char *key, const char *value, qb_err *err)
{
  int k = key_index(key);
  if (k < 0) return QB_FAIL(err, QB_EINVAL, "unknown setting '%s' (see docs/S3.md)", key);
  char *v = value ? strdup(value) : NULL, *s = strdup("option");
  if ((value && !v) || !s) {
    free(v);
    free(s);
    return QB_FAIL(err, QB_ENOMEM, "out of memory");
  }
  free(c->value[k]);
  free(c->source[k]);
  c->value[k] = v;
  c->source[k] = value ? s : NULL;
  if (!value) free(s);
  return QB_OK;
}

const char *qb_config_get(const qb_config *c, const char *key)
{
  int k = key_index(key);
  return k < 0 ? NULL : c->value[k];
}

const char *qb_config_source(const qb_config *c, const char *key)
{
  int k = key_index(key);
  return k < 0 ? NULL : c->source[k];
}

void qb_config_free(qb_config *c)
{
  if (!c) return;
  for (int k = 0; k < K_COUNT; k++) {
    free(c->value[k]);
    free(c->source[k]);
  }
  free(c->config_file);
  free(c->spark_defaults);
  free(c->spark_catalog);
  free(c);
}

/* ---- typed views ---- */

static int get_bool(const qb_config *c, int k, int *out, qb_err *err)
{
  const char *v = c->value[k];
  if (!v) return QB_OK;
  if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on") || !strcmp(v, "1")) *out = 1;
  else if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcasecmp(v, "off") || !strcmp(v, "0")) *out = 0;
  else return QB_FAIL(err, QB_EINVAL, "%s = '%s' (from %s): expected true or false", key_names[k], v, c->source[k]);
  return QB_OK;
}

static int get_num(const qb_config *c, int k, int64_t lo, int64_t hi, int64_t *out, qb_err *err)
{
  const char *v = c->value[k];
  if (!v) return QB_OK;
  int64_t n;
  char *end;
  errno = 0;
  n = strtoll(v, &end, 10);
  int64_t mult = 1;
  if (end != v && *end) { /* 8M, 16MiB, 512k */
    if (!strcasecmp(end, "k") || !strcasecmp(end, "kib")) mult = 1 << 10;
    else if (!strcasecmp(end, "m") || !strcasecmp(end, "mib")) mult = 1 << 20;
    else if (!strcasecmp(end, "g") || !strcasecmp(end, "gib")) mult = 1 << 30;
    else mult = 0;
  }
  if (errno || end == v || mult == 0 || n < lo / mult || n > hi / mult)
    return QB_FAIL(err, QB_EINVAL, "%s = '%s' (from %s): expected a number in %lld..%lld", key_names[k], v,
                   c->source[k], (long long)lo, (long long)hi);
  *out = n * mult;
  return QB_OK;
}

int qb_config_s3_options(qb_s3_options *o, const qb_config *c, qb_err *err)
{
  qb_s3_options def = QB_S3_OPTIONS_INIT;
  *o = def;
  o->endpoint = c->value[K_ENDPOINT];
  o->region = c->value[K_REGION];
  o->access_key_id = c->value[K_ACCESS];
  o->secret_access_key = c->value[K_SECRET];
  o->session_token = c->value[K_TOKEN];
  int b = -1, rc = QB_OK;
  int64_t n = 0;
  if ((rc = get_bool(c, K_PATH_STYLE, &o->path_style, err))) return rc;
  if ((rc = get_bool(c, K_SSL, &o->ssl, err))) return rc;
  b = -1;
  if ((rc = get_bool(c, K_UNSIGNED, &b, err))) return rc;
  o->unsigned_payload = b == 1;
  b = -1;
  if ((rc = get_bool(c, K_TLS_VERIFY, &b, err))) return rc;
  o->tls_no_verify = b == 0;
  const char *cond = c->value[K_COND];
  if (cond && !strcasecmp(cond, "auto")) o->conditional_put = QB_S3_COND_AUTO;
  else if (cond) {
    b = -1;
    if ((rc = get_bool(c, K_COND, &b, err))) return qb_err_wrap(err, "s3.conditional-put is auto, true or false");
    o->conditional_put = b ? QB_S3_COND_ON : QB_S3_COND_OFF;
  }
  if (c->value[K_PART]) {
    if ((rc = get_num(c, K_PART, 5 << 20, (int64_t)5 << 30, &n, err))) return rc;
    o->part_size_bytes = (size_t)n;
  }
  if (c->value[K_PARALLEL]) {
    if ((rc = get_num(c, K_PARALLEL, 1, 16, &n, err))) return rc;
    o->parallel_parts = (int)n;
  }
  if (c->value[K_RETRIES]) {
    if ((rc = get_num(c, K_RETRIES, 0, 100, &n, err))) return rc;
    o->max_retries = (int)n;
  }
  if (c->value[K_CONNECT_MS]) {
    if ((rc = get_num(c, K_CONNECT_MS, 1, 3600000, &n, err))) return rc;
    o->connect_timeout_ms = (long)n;
  }
  if (c->value[K_STALL_MS]) {
    if ((rc = get_num(c, K_STALL_MS, 1000, 3600000, &n, err))) return rc;
    o->stall_timeout_ms = (long)n;
  }
  if (c->value[K_RETRY_BASE_MS]) {
    if ((rc = get_num(c, K_RETRY_BASE_MS, 1, 60000, &n, err))) return rc;
    o->retry_base_ms = (long)n;
  }
  return QB_OK;
}
