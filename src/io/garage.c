/* SPDX-License-Identifier: Apache-2.0 */
/* Garage admin API v2 client for `qberg garage init` (Garage reference manual, "Administration API"; operations
 * GetClusterHealth, ListKeys, GetKeyInfo, CreateKey, GetBucketInfo, CreateBucket, AllowBucketKey, each at
 * /v2/<Operation> with "Authorization: Bearer <admin token>"). */
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/http.h"
#include "io/s3_sigv4.h"
#include "qberg/s3.h"
#include "util/buf.h"
#include "util/str.h"

#define ADMIN_ANSWER_MAX ((size_t)8 << 20)

typedef struct garage {
  qb_http *http;
  const char *endpoint; /* without trailing '/' */
  size_t endpoint_n;
  const char *token;
  qb_garage_log_fn log;
  void *log_ctx;
} garage;

typedef struct call_ctx {
  garage *g;
  const char *url;
  bool json_body;
} call_ctx;

static int prepare(void *ctx, qb_http_attempt *a, qb_err *err)
{
  call_ctx *c = ctx;
  a->url = strdup(c->url);
  a->headers[a->n_headers++] = qb_str_printf("Authorization: Bearer %s", c->g->token);
  if (c->json_body) a->headers[a->n_headers++] = strdup("Content-Type: application/json");
  for (size_t i = 0; i < a->n_headers; i++)
    if (!a->headers[i]) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  return a->url ? QB_OK : QB_FAIL(err, QB_ENOMEM, "out of memory");
}

static void logf_(garage *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(garage *g, const char *fmt, ...)
{
  if (!g->log) return;
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  g->log(g->log_ctx, line);
}

/* One admin call. `query` is "name=value" with the value already encoded, or NULL. *out (may be NULL) gets the
 * parsed JSON answer of a 2xx; *status the HTTP status (404 is returned as QB_ENOTFOUND). */
static int call(garage *g, const char *method, const char *op, const char *query, json_object *body,
                json_object **out, qb_err *err)
{
  if (out) *out = NULL;
  char *url = qb_str_printf("%.*s/v2/%s%s%s", (int)g->endpoint_n, g->endpoint, op, query ? "?" : "", query ? query : "");
  char *what = qb_str_printf("Garage admin %s %s", method, op);
  const char *text = body ? json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN) : NULL;
  qb_buf answer;
  qb_buf_init(&answer, ADMIN_ANSWER_MAX);
  call_ctx c = {g, url, body != NULL};
  qb_http_req r = {.method = method, .body = text, .body_n = text ? strlen(text) : 0, .sink = &answer, .what = what};
  qb_http_resp resp = {0};
  int rc = url && what ? qb_http_perform(g->http, &r, prepare, &c, &resp, err) : QB_FAIL(err, QB_ENOMEM, "out of memory");
  if (rc == QB_OK && (resp.status < 200 || resp.status >= 300)) {
    /* Garage's admin errors: {"code": "...", "message": "...", "region": ..., "path": ...} */
    json_object *e = resp.err_body.n && qb_buf_cstr(&resp.err_body, NULL) == QB_OK
                         ? json_tokener_parse((const char *)resp.err_body.p)
                         : NULL;
    json_object *jc = NULL, *jm = NULL;
    if (e) {
      json_object_object_get_ex(e, "code", &jc);
      json_object_object_get_ex(e, "message", &jm);
    }
    qb_code code = resp.status == 404                          ? QB_ENOTFOUND
                   : resp.status == 401 || resp.status == 403 ? QB_EAUTH
                   : resp.status == 409                        ? QB_EEXISTS
                   : resp.status == 400                        ? QB_EINVAL
                                                               : QB_EIO;
    rc = QB_FAIL(err, code, "%s: HTTP %ld %s%s%s%s", what, resp.status, jc ? json_object_get_string(jc) : "",
                 jm ? ": " : "", jm ? json_object_get_string(jm) : "",
                 code == QB_EAUTH ? " (check the admin token: garage.admin-token or GARAGE_ADMIN_TOKEN)" : "");
    if (err) err->os_code = (int)resp.status;
    json_object_put(e);
  } else if (rc == QB_OK && out) {
    if (qb_buf_cstr(&answer, err) != QB_OK) rc = QB_ENOMEM;
    else if (!(*out = json_tokener_parse((const char *)answer.p)))
      rc = QB_FAIL(err, QB_ECORRUPT, "%s: the answer is not JSON", what);
  }
  qb_http_resp_free(&resp);
  qb_buf_free(&answer);
  free(url);
  free(what);
  return rc;
}

static const char *jstr(json_object *o, const char *k)
{
  json_object *v;
  return o && json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string) ? json_object_get_string(v)
                                                                                              : NULL;
}

static char *enc(const char *s)
{
  qb_buf b;
  qb_buf_init(&b, 1 << 16);
  if (qb_sigv4_uri_encode(&b, s, strlen(s), false, NULL) != QB_OK) return NULL;
  return (char *)b.p;
}

static int check_health(garage *g, qb_err *err)
{
  json_object *h;
  int rc = call(g, "GET", "GetClusterHealth", NULL, NULL, &h, err);
  if (rc) return rc;
  const char *st = jstr(h, "status");
  json_object *sn = NULL;
  json_object_object_get_ex(h, "storageNodes", &sn);
  logf_(g, "cluster: %s (%d storage nodes)", st ? st : "?", sn ? json_object_get_int(sn) : -1);
  if (!st || !strcmp(st, "unavailable"))
    rc = QB_FAIL(err, QB_EIO, "Garage cluster is %s: no write quorum (is a layout applied? garage layout apply)",
                 st ? st : "in an unknown state");
  json_object_put(h);
  return rc;
}

static int copy_key(qb_garage_key *out, json_object *k, const char *what, qb_err *err)
{
  const char *id = jstr(k, "accessKeyId"), *secret = jstr(k, "secretAccessKey");
  if (!id || !secret) return QB_FAIL(err, QB_ECORRUPT, "%s: the answer lacks accessKeyId or secretAccessKey", what);
  if (strlen(id) >= sizeof out->access_key_id || strlen(secret) >= sizeof out->secret_access_key)
    return QB_FAIL(err, QB_ECORRUPT, "%s: key longer than expected", what);
  strcpy(out->access_key_id, id);
  strcpy(out->secret_access_key, secret);
  return QB_OK;
}

/* Reuse the key named `name` (ListKeys, then GetKeyInfo with the secret), or create it. */
static int ensure_key(garage *g, qb_garage_key *out, const char *name, qb_err *err)
{
  json_object *list;
  int rc = call(g, "GET", "ListKeys", NULL, NULL, &list, err);
  if (rc) return rc;
  const char *id = NULL;
  int matches = 0;
  if (json_object_is_type(list, json_type_array)) {
    for (size_t i = 0; i < json_object_array_length(list); i++) {
      json_object *k = json_object_array_get_idx(list, i);
      const char *n = jstr(k, "name");
      if (n && !strcmp(n, name)) {
        id = jstr(k, "id");
        matches++;
      }
    }
  } else {
    rc = QB_FAIL(err, QB_ECORRUPT, "Garage admin ListKeys: the answer is not a list");
  }
  if (rc == QB_OK && matches > 1)
    rc = QB_FAIL(err, QB_EINVAL, "Garage has %d keys named '%s': pick another name with --key-name", matches, name);
  json_object *k = NULL;
  if (rc == QB_OK && id) {
    char *eid = enc(id), *q = eid ? qb_str_printf("id=%s&showSecretKey=true", eid) : NULL;
    rc = q ? call(g, "GET", "GetKeyInfo", q, NULL, &k, err) : QB_FAIL(err, QB_ENOMEM, "out of memory");
    if (rc == QB_OK) rc = copy_key(out, k, "Garage admin GetKeyInfo", err);
    if (rc == QB_OK) logf_(g, "key %s: exists (%s), reused", name, out->access_key_id);
    free(eid);
    free(q);
  } else if (rc == QB_OK) {
    json_object *body = json_object_new_object();
    json_object_object_add(body, "name", json_object_new_string(name));
    rc = call(g, "POST", "CreateKey", NULL, body, &k, err);
    json_object_put(body);
    if (rc == QB_OK) rc = copy_key(out, k, "Garage admin CreateKey", err);
    if (rc == QB_OK) {
      out->created = true;
      logf_(g, "key %s: created (%s)", name, out->access_key_id);
    }
  }
  json_object_put(k);
  json_object_put(list);
  return rc;
}

/* The id of the bucket with global alias `name`, created when missing. */
static int ensure_bucket(garage *g, const char *name, char **id_out, qb_err *err)
{
  *id_out = NULL;
  char *ename = enc(name), *q = ename ? qb_str_printf("globalAlias=%s", ename) : NULL;
  json_object *b = NULL;
  int rc = q ? call(g, "GET", "GetBucketInfo", q, NULL, &b, err) : QB_FAIL(err, QB_ENOMEM, "out of memory");
  bool created = false;
  if (rc == QB_ENOTFOUND) {
    qb_err_clear(err);
    json_object *body = json_object_new_object();
    json_object_object_add(body, "globalAlias", json_object_new_string(name));
    rc = call(g, "POST", "CreateBucket", NULL, body, &b, err);
    json_object_put(body);
    created = true;
  }
  const char *id = rc == QB_OK ? jstr(b, "id") : NULL;
  if (rc == QB_OK && !id) rc = QB_FAIL(err, QB_ECORRUPT, "Garage admin: bucket %s: the answer has no id", name);
  if (rc == QB_OK && !(*id_out = strdup(id))) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
  if (rc == QB_OK) logf_(g, "bucket %s: %s (%.16s…)", name, created ? "created" : "exists", id);
  json_object_put(b);
  free(ename);
  free(q);
  return rc;
}

static int allow(garage *g, const char *bucket, const char *bucket_id, const char *key_id, qb_err *err)
{
  json_object *body = json_object_new_object(), *perm = json_object_new_object();
  json_object_object_add(perm, "read", json_object_new_boolean(1));
  json_object_object_add(perm, "write", json_object_new_boolean(1));
  json_object_object_add(perm, "owner", json_object_new_boolean(1));
  json_object_object_add(body, "bucketId", json_object_new_string(bucket_id));
  json_object_object_add(body, "accessKeyId", json_object_new_string(key_id));
  json_object_object_add(body, "permissions", perm);
  int rc = call(g, "POST", "AllowBucketKey", NULL, body, NULL, err);
  json_object_put(body);
  if (rc == QB_OK) logf_(g, "bucket %s: key allowed read, write, owner", bucket);
  return rc;
}

int qb_garage_init(qb_garage_key *out, const qb_garage_init_options *o, qb_garage_log_fn log, void *ctx, qb_err *err)
{
  memset(out, 0, sizeof *out);
  static const char *const def_buckets[] = {"raw-results", "features", "mlflow-artifacts"};
  if (!o || o->version != 1) return QB_FAIL(err, QB_EINVAL, "qb_garage_init_options: version 1 expected");
  if (!o->admin_endpoint || !*o->admin_endpoint)
    return QB_FAIL(err, QB_EINVAL, "no Garage admin endpoint (garage.admin-endpoint, e.g. http://garage:3903)");
  if (!qb_str_has_prefix(o->admin_endpoint, "http://") && !qb_str_has_prefix(o->admin_endpoint, "https://"))
    return QB_FAIL(err, QB_EINVAL, "Garage admin endpoint '%s': http:// or https:// expected", o->admin_endpoint);
  if (!o->admin_token || !*o->admin_token)
    return QB_FAIL(err, QB_EINVAL, "no Garage admin token (garage.admin-token or GARAGE_ADMIN_TOKEN)");
  garage g = {NULL, o->admin_endpoint, strlen(o->admin_endpoint), o->admin_token, log, ctx};
  while (g.endpoint_n && g.endpoint[g.endpoint_n - 1] == '/') g.endpoint_n--;
  qb_http_opts ho = QB_HTTP_OPTS_INIT;
  ho.max_retries = 3;
  int rc = qb_http_new(&g.http, &ho, err);
  if (rc) return rc;
  const char *const *buckets = o->buckets ? o->buckets : def_buckets;
  size_t nb = o->buckets ? o->n_buckets : 3;
  rc = check_health(&g, err);
  if (rc == QB_OK) rc = ensure_key(&g, out, o->key_name && *o->key_name ? o->key_name : "qberg", err);
  for (size_t i = 0; i < nb && rc == QB_OK; i++) {
    char *id;
    rc = ensure_bucket(&g, buckets[i], &id, err);
    if (rc == QB_OK) rc = allow(&g, buckets[i], id, out->access_key_id, err);
    free(id);
  }
  qb_http_free(g.http);
  if (rc) memset(out->secret_access_key, 0, sizeof out->secret_access_key);
  return rc;
}
