/* SPDX-License-Identifier: Apache-2.0 */
/* Storage URI parsing and normalisation. Spark and Hadoop write s3a:// (and old jobs s3n://) for the same
 * objects that S3 tools call s3://, so all three name one object; file:/p, file:///p and plain p are local. */
#include "io/uri.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "qberg/fileio.h"
#include "util/str.h"

#define URI_MAX (64u << 10)

/* Length of a leading "scheme:" (RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )), 0 if none. */
static size_t scheme_len(const char *s)
{
  if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))) return 0;
  size_t i = 1;
  while ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
         s[i] == '+' || s[i] == '-' || s[i] == '.')
    i++;
  return s[i] == ':' ? i : 0;
}

static bool bucket_char(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
         c == '_';
}

/* Local paths: empty and "." segments go (so "//" and "/./" collapse, and a trailing '/'); ".." stays,
 * because a symlinked directory makes "a/b/.." differ from "a". */
static char *normalize_local(const char *p)
{
  size_t n = strlen(p), k = 0;
  char *o = malloc(n + 2);
  if (!o) return NULL;
  if (p[0] == '/') o[k++] = '/';
  const char *s = p;
  while (*s) {
    while (*s == '/') s++;
    const char *e = s;
    while (*e && *e != '/') e++;
    size_t len = (size_t)(e - s);
    if (len && !(len == 1 && s[0] == '.')) {
      if (k && o[k - 1] != '/') o[k++] = '/';
      memcpy(o + k, s, len);
      k += len;
    }
    s = e;
  }
  if (k == 0) o[k++] = '.';
  o[k] = '\0';
  return o;
}

int qb_uri__parse(qb_uri *out, const char *uri, qb_err *err)
{
  memset(out, 0, sizeof *out);
  if (!uri || !*uri) return QB_FAIL(err, QB_EINVAL, "empty path");
  if (strlen(uri) > URI_MAX) return QB_FAIL(err, QB_EINVAL, "path of %zu bytes is too long", strlen(uri));
  size_t sl = scheme_len(uri);
  if (sl == 4 && !strncasecmp(uri, "file", 4)) {
    const char *p = uri + 5;
    if (!strncmp(p, "//", 2)) {
      p += 2; /* file://host/path: only an empty host or localhost is this machine */
      if (!strncasecmp(p, "localhost/", 10)) p += 9;
      else if (*p != '/') return QB_FAIL(err, QB_EUNSUPPORTED, "%s: file URIs naming another host are not supported", uri);
    }
    if (!*p) return QB_FAIL(err, QB_EINVAL, "%s: no path", uri);
    out->kind = QB_URI_LOCAL;
    out->key = normalize_local(p);
    return out->key ? QB_OK : QB_FAIL(err, QB_ENOMEM, "out of memory");
  }
  if (sl && !strncmp(uri + sl, "://", 3)) {
    if (!((sl == 2 && !strncasecmp(uri, "s3", 2)) || (sl == 3 && !strncasecmp(uri, "s3a", 3)) ||
          (sl == 3 && !strncasecmp(uri, "s3n", 3))))
      return QB_FAIL(err, QB_EUNSUPPORTED, "%s: scheme '%.*s' is not supported (use s3://, s3a://, file: or a path)",
                     uri, (int)sl, uri);
    const char *b = uri + sl + 3, *slash = strchr(b, '/');
    size_t bn = slash ? (size_t)(slash - b) : strlen(b);
    if (bn == 0) return QB_FAIL(err, QB_EINVAL, "%s: no bucket name", uri);
    for (size_t i = 0; i < bn; i++)
      if (!bucket_char(b[i])) return QB_FAIL(err, QB_EINVAL, "%s: invalid character in bucket name", uri);
    out->kind = QB_URI_S3;
    out->bucket = strndup(b, bn);
    out->key = strdup(slash ? slash + 1 : "");
    if (!out->bucket || !out->key) {
      qb_uri__free(out);
      return QB_FAIL(err, QB_ENOMEM, "out of memory");
    }
    return QB_OK;
  }
  out->kind = QB_URI_LOCAL;
  out->key = normalize_local(uri);
  return out->key ? QB_OK : QB_FAIL(err, QB_ENOMEM, "out of memory");
}

void qb_uri__free(qb_uri *u)
{
  if (!u) return;
  free(u->bucket);
  free(u->key);
  u->bucket = u->key = NULL;
}

int qb_uri_normalize(char **out, const char *uri, qb_err *err)
{
  *out = NULL;
  qb_uri u;
  int rc = qb_uri__parse(&u, uri, err);
  if (rc) return rc;
  if (u.kind == QB_URI_S3)
    *out = qb_str_printf("s3://%s/%s", u.bucket, u.key);
  else
    *out = strdup(u.key);
  qb_uri__free(&u);
  return *out ? QB_OK : QB_FAIL(err, QB_ENOMEM, "out of memory");
}
