/* SPDX-License-Identifier: Apache-2.0 */
/* AWS Signature Version 4 ("Create a canonical request", "Create a string to sign", "Calculate the signature"
 * of the AWS SigV4 documentation), header and presigned forms. Checked against both AWS test suites in
 * tests/data/sigv4/. S3 rules: the path is encoded once and never normalised (Garage signs the raw path). */
#include "io/s3_sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/buf.h"
#include "util/str.h"

#define SIGV4_MAX_TEXT (1u << 20) /* a canonical request is headers + query: 1 MiB is far beyond any real one */

void qb_sigv4_sha256_hex(char out[65], const void *p, size_t n)
{
  uint8_t md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_Digest(p, n, md, &len, EVP_sha256(), NULL);
  qb_hex_encode(out, md, 32);
}

static void hmac256(uint8_t out[32], const void *key, size_t key_n, const char *msg, size_t n)
{
  unsigned len = 32;
  HMAC(EVP_sha256(), key, (int)key_n, (const unsigned char *)msg, n, out, &len);
}

static bool unreserved(uint8_t c)
{
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '~';
}

int qb_sigv4_uri_encode(qb_buf *b, const char *s, size_t n, bool keep_slash, qb_err *err)
{
  static const char hex[] = "0123456789ABCDEF";
  int rc = qb_buf_reserve(b, n * 3, err);
  if (rc) return rc;
  for (size_t i = 0; i < n; i++) {
    uint8_t c = (uint8_t)s[i];
    if (unreserved(c) || (keep_slash && c == '/')) {
      b->p[b->n++] = c;
    } else {
      b->p[b->n++] = '%';
      b->p[b->n++] = (uint8_t)hex[c >> 4];
      b->p[b->n++] = (uint8_t)hex[c & 15];
    }
  }
  return qb_buf_cstr(b, err);
}

/* Remove empty, "." and ".." segments (RFC 3986 §5.2.4 plus the SigV4 rule that "//" collapses); a trailing
 * slash stays. Only for non-S3 services: S3 object keys may legitimately contain "//" and "..". */
static int normalize_path(qb_buf *out, const char *path, qb_err *err)
{
  size_t n = strlen(path);
  size_t *starts = malloc((n / 2 + 2) * sizeof *starts); /* stack of segment starts in out */
  if (!starts) return QB_FAIL(err, QB_ENOMEM, "out of memory normalising a path");
  size_t depth = 0;
  int rc = QB_OK;
  const char *p = path, *end = path + n;
  while (p < end && rc == QB_OK) {
    while (p < end && *p == '/') p++;
    const char *q = p;
    while (q < end && *q != '/') q++;
    size_t len = (size_t)(q - p);
    if (len == 0 || (len == 1 && p[0] == '.')) {
      /* nothing */
    } else if (len == 2 && p[0] == '.' && p[1] == '.') {
      if (depth) out->n = starts[--depth];
    } else {
      starts[depth++] = out->n;
      if ((rc = qb_buf_putc(out, '/', err)) == QB_OK) rc = qb_buf_append(out, p, len, err);
    }
    p = q;
  }
  free(starts);
  if (rc) return rc;
  if (out->n == 0 || (n > 1 && path[n - 1] == '/')) rc = qb_buf_putc(out, '/', err);
  return rc ? rc : qb_buf_cstr(out, err);
}

typedef struct enc_kv {
  char *k, *v;
} enc_kv;

static int cmp_kv(const void *a, const void *b)
{
  const enc_kv *x = a, *y = b;
  int c = strcmp(x->k, y->k);
  return c ? c : strcmp(x->v, y->v);
}

/* Encode every name and value, sort by encoded name then value, join as n=v&n=v. */
static int canonical_query(qb_buf *out, const qb_sigv4_kv *q, size_t n, qb_err *err)
{
  if (n == 0) return qb_buf_cstr(out, err);
  enc_kv *kv = calloc(n, sizeof *kv);
  if (!kv) return QB_FAIL(err, QB_ENOMEM, "out of memory signing a query");
  int rc = QB_OK;
  qb_buf t;
  for (size_t i = 0; i < n && rc == QB_OK; i++) {
    qb_buf_init(&t, SIGV4_MAX_TEXT);
    if ((rc = qb_sigv4_uri_encode(&t, q[i].name, strlen(q[i].name), false, err)) != QB_OK) break;
    kv[i].k = (char *)qb_buf_detach(&t, NULL);
    const char *v = q[i].value ? q[i].value : "";
    if ((rc = qb_sigv4_uri_encode(&t, v, strlen(v), false, err)) != QB_OK) break;
    kv[i].v = (char *)qb_buf_detach(&t, NULL);
  }
  if (rc == QB_OK) {
    qsort(kv, n, sizeof *kv, cmp_kv);
    for (size_t i = 0; i < n && rc == QB_OK; i++)
      rc = qb_buf_printf(out, err, "%s%s=%s", i ? "&" : "", kv[i].k, kv[i].v);
  }
  for (size_t i = 0; i < n; i++) {
    free(kv[i].k);
    free(kv[i].v);
  }
  free(kv);
  return rc ? rc : qb_buf_cstr(out, err);
}

typedef struct canon_hdr {
  char *name;  /* lowercase */
  char *value; /* trimmed, inner runs of spaces collapsed */
  size_t order;
} canon_hdr;

static int cmp_hdr(const void *a, const void *b)
{
  const canon_hdr *x = a, *y = b;
  int c = strcmp(x->name, y->name);
  if (c) return c;
  return x->order < y->order ? -1 : x->order > y->order;
}

/* "Trimall": leading/trailing whitespace removed, sequential spaces collapsed to one (SigV4 docs). */
static char *trimall(const char *v)
{
  size_t n = strlen(v);
  char *o = malloc(n + 1);
  if (!o) return NULL;
  size_t k = 0;
  bool space = false;
  for (size_t i = 0; i < n; i++) {
    char c = v[i];
    if (c == ' ' || c == '\t') {
      space = k > 0;
      continue;
    }
    if (space) o[k++] = ' ';
    space = false;
    o[k++] = c;
  }
  o[k] = '\0';
  return o;
}

/* Canonical headers (sorted by name; duplicate names joined with ',' in request order) and SignedHeaders. */
static int canonical_headers(qb_buf *ch, qb_buf *sh, const qb_sigv4_kv *h, size_t n, qb_err *err)
{
  canon_hdr *v = calloc(n ? n : 1, sizeof *v);
  if (!v) return QB_FAIL(err, QB_ENOMEM, "out of memory signing headers");
  int rc = QB_OK;
  bool host = false;
  for (size_t i = 0; i < n && rc == QB_OK; i++) {
    v[i].order = i;
    v[i].name = strdup(h[i].name);
    v[i].value = trimall(h[i].value ? h[i].value : "");
    if (!v[i].name || !v[i].value) {
      rc = QB_FAIL(err, QB_ENOMEM, "out of memory signing headers");
      break;
    }
    for (char *c = v[i].name; *c; c++)
      if (*c >= 'A' && *c <= 'Z') *c = (char)(*c - 'A' + 'a');
    if (!strcmp(v[i].name, "host")) host = true;
  }
  if (rc == QB_OK && !host) rc = QB_FAIL(err, QB_EINTERNAL, "SigV4: the Host header must be signed");
  if (rc == QB_OK) {
    qsort(v, n, sizeof *v, cmp_hdr);
    for (size_t i = 0; i < n && rc == QB_OK; i++) {
      bool same = i > 0 && !strcmp(v[i].name, v[i - 1].name);
      if (same) {
        ch->n--; /* drop the '\n' of the previous line: append ",value" */
        rc = qb_buf_printf(ch, err, ",%s\n", v[i].value);
      } else {
        rc = qb_buf_printf(ch, err, "%s:%s\n", v[i].name, v[i].value);
        if (rc == QB_OK) rc = qb_buf_printf(sh, err, "%s%s", sh->n ? ";" : "", v[i].name);
      }
    }
  }
  for (size_t i = 0; i < n; i++) {
    free(v[i].name);
    free(v[i].value);
  }
  free(v);
  if (rc == QB_OK) rc = qb_buf_cstr(ch, err);
  if (rc == QB_OK) rc = qb_buf_cstr(sh, err);
  return rc;
}

static void amz_date(char out[17], int64_t now_ms)
{
  time_t t = (time_t)(now_ms / 1000);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

void qb_sigv4_result_free(qb_sigv4_result *r)
{
  if (!r) return;
  free(r->canonical_uri);
  free(r->canonical_query);
  free(r->canonical_request);
  free(r->string_to_sign);
  free(r->signed_headers);
  free(r->authorization);
  memset(r, 0, sizeof *r);
}

/* Shared core. `extra` are headers the signer adds (x-amz-date, ...); `extra_query` parameters likewise. */
static int sign_core(qb_sigv4_result *out, const qb_sigv4_creds *c, const qb_sigv4_request *r,
                     const qb_sigv4_kv *extra_h, size_t n_extra_h, const qb_sigv4_kv *extra_q, size_t n_extra_q,
                     qb_err *err)
{
  int rc = QB_OK;
  qb_buf uri, query, ch, sh, creq, sts;
  qb_buf_init(&uri, SIGV4_MAX_TEXT);
  qb_buf_init(&query, SIGV4_MAX_TEXT);
  qb_buf_init(&ch, SIGV4_MAX_TEXT);
  qb_buf_init(&sh, SIGV4_MAX_TEXT);
  qb_buf_init(&creq, SIGV4_MAX_TEXT);
  qb_buf_init(&sts, SIGV4_MAX_TEXT);
  qb_sigv4_kv *hv = NULL, *qv = NULL;

  /* canonical URI */
  const char *path = r->path && *r->path ? r->path : "/";
  if (r->normalize_path) {
    qb_buf norm;
    qb_buf_init(&norm, SIGV4_MAX_TEXT);
    rc = normalize_path(&norm, path, err);
    if (rc == QB_OK) rc = qb_sigv4_uri_encode(&uri, (const char *)norm.p, norm.n, true, err);
    qb_buf_free(&norm);
  } else {
    rc = qb_sigv4_uri_encode(&uri, path, strlen(path), true, err);
  }

  /* canonical query and headers over the caller's plus the signer's own */
  size_t nq = r->n_query + n_extra_q, nh = r->n_headers + n_extra_h;
  qv = calloc(nq ? nq : 1, sizeof *qv);
  hv = calloc(nh ? nh : 1, sizeof *hv);
  if (rc == QB_OK && (!qv || !hv)) rc = QB_FAIL(err, QB_ENOMEM, "out of memory signing a request");
  if (rc == QB_OK) {
    if (r->n_query) memcpy(qv, r->query, r->n_query * sizeof *qv);
    if (n_extra_q) memcpy(qv + r->n_query, extra_q, n_extra_q * sizeof *qv);
    if (r->n_headers) memcpy(hv, r->headers, r->n_headers * sizeof *hv);
    if (n_extra_h) memcpy(hv + r->n_headers, extra_h, n_extra_h * sizeof *hv);
    rc = canonical_query(&query, qv, nq, err);
  }
  if (rc == QB_OK) rc = canonical_headers(&ch, &sh, hv, nh, err);
  if (rc == QB_OK)
    rc = qb_buf_printf(&creq, err, "%s\n%s\n%s\n%s\n%s\n%s", r->method, (char *)uri.p, (char *)query.p,
                       (char *)ch.p, (char *)sh.p, r->payload_hash);

  /* string to sign */
  char date[9], creq_hash[65];
  memcpy(date, out->amz_date, 8);
  date[8] = '\0';
  if (rc == QB_OK) {
    qb_sigv4_sha256_hex(creq_hash, creq.p, creq.n);
    rc = qb_buf_printf(&sts, err, "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s", out->amz_date, date, c->region,
                       c->service, creq_hash);
  }

  /* signing key = HMAC chain over date, region, service, "aws4_request" */
  if (rc == QB_OK) {
    size_t sl = strlen(c->secret_access_key);
    char *k0 = malloc(sl + 5);
    if (!k0) {
      rc = QB_FAIL(err, QB_ENOMEM, "out of memory signing a request");
    } else {
      memcpy(k0, "AWS4", 4);
      memcpy(k0 + 4, c->secret_access_key, sl + 1);
      uint8_t k[32], sig[32];
      hmac256(k, k0, sl + 4, date, 8);
      OPENSSL_cleanse(k0, sl + 4);
      free(k0);
      hmac256(k, k, 32, c->region, strlen(c->region));
      hmac256(k, k, 32, c->service, strlen(c->service));
      hmac256(k, k, 32, "aws4_request", 12);
      hmac256(sig, k, 32, (const char *)sts.p, sts.n);
      OPENSSL_cleanse(k, sizeof k);
      qb_hex_encode(out->signature, sig, 32);
    }
  }
  if (rc == QB_OK) {
    out->canonical_uri = (char *)qb_buf_detach(&uri, NULL);
    out->canonical_query = (char *)qb_buf_detach(&query, NULL);
    out->canonical_request = (char *)qb_buf_detach(&creq, NULL);
    out->string_to_sign = (char *)qb_buf_detach(&sts, NULL);
    out->signed_headers = (char *)qb_buf_detach(&sh, NULL);
  }
  qb_buf_free(&uri);
  qb_buf_free(&query);
  qb_buf_free(&ch);
  qb_buf_free(&sh);
  qb_buf_free(&creq);
  qb_buf_free(&sts);
  free(qv);
  free(hv);
  return rc;
}

int qb_sigv4_sign(qb_sigv4_result *out, const qb_sigv4_creds *c, const qb_sigv4_request *r, qb_err *err)
{
  memset(out, 0, sizeof *out);
  amz_date(out->amz_date, r->now_ms);
  qb_sigv4_kv extra[3];
  size_t n = 0;
  extra[n++] = (qb_sigv4_kv){"x-amz-date", out->amz_date};
  if (r->content_sha256_header) extra[n++] = (qb_sigv4_kv){"x-amz-content-sha256", r->payload_hash};
  if (c->session_token && *c->session_token) extra[n++] = (qb_sigv4_kv){"x-amz-security-token", c->session_token};
  int rc = sign_core(out, c, r, extra, n, NULL, 0, err);
  if (rc == QB_OK) {
    out->authorization = qb_str_printf("AWS4-HMAC-SHA256 Credential=%s/%.8s/%s/%s/aws4_request, SignedHeaders=%s, "
                                       "Signature=%s",
                                       c->access_key_id, out->amz_date, c->region, c->service, out->signed_headers,
                                       out->signature);
    if (!out->authorization) rc = QB_FAIL(err, QB_ENOMEM, "out of memory signing a request");
  }
  if (rc) qb_sigv4_result_free(out);
  return rc;
}

int qb_sigv4_presign(qb_sigv4_result *out, const qb_sigv4_creds *c, const qb_sigv4_request *r, int64_t expires_s,
                     bool token_in_query, qb_err *err)
{
  memset(out, 0, sizeof *out);
  amz_date(out->amz_date, r->now_ms);
  int rc = QB_OK;
  char *cred = qb_str_printf("%s/%.8s/%s/%s/aws4_request", c->access_key_id, out->amz_date, c->region, c->service);
  char expires[24];
  snprintf(expires, sizeof expires, "%lld", (long long)expires_s);
  /* SignedHeaders must itself be a query parameter: compute it from the request's headers first. */
  qb_buf ch, sh;
  qb_buf_init(&ch, SIGV4_MAX_TEXT);
  qb_buf_init(&sh, SIGV4_MAX_TEXT);
  if (!cred) rc = QB_FAIL(err, QB_ENOMEM, "out of memory presigning a request");
  if (rc == QB_OK) rc = canonical_headers(&ch, &sh, r->headers, r->n_headers, err);
  if (rc == QB_OK) {
    qb_sigv4_kv q[6];
    size_t n = 0;
    q[n++] = (qb_sigv4_kv){"X-Amz-Algorithm", "AWS4-HMAC-SHA256"};
    q[n++] = (qb_sigv4_kv){"X-Amz-Credential", cred};
    q[n++] = (qb_sigv4_kv){"X-Amz-Date", out->amz_date};
    q[n++] = (qb_sigv4_kv){"X-Amz-Expires", expires};
    q[n++] = (qb_sigv4_kv){"X-Amz-SignedHeaders", (const char *)sh.p};
    if (token_in_query && c->session_token && *c->session_token)
      q[n++] = (qb_sigv4_kv){"X-Amz-Security-Token", c->session_token};
    rc = sign_core(out, c, r, NULL, 0, q, n, err);
  }
  if (rc == QB_OK) {
    char *full = qb_str_printf("%s&X-Amz-Signature=%s", out->canonical_query, out->signature);
    if (!full) {
      rc = QB_FAIL(err, QB_ENOMEM, "out of memory presigning a request");
    } else {
      free(out->canonical_query);
      out->canonical_query = full;
    }
  }
  qb_buf_free(&ch);
  qb_buf_free(&sh);
  free(cred);
  if (rc) qb_sigv4_result_free(out);
  return rc;
}
