/* SPDX-License-Identifier: Apache-2.0 */
/* A bounded XML walker for S3 responses (Amazon S3 API Reference: ListObjectsV2, Error Responses,
 * CompleteMultipartUpload, DeleteObjects). Elements, attributes (skipped), text, the five predefined entities
 * and character references, CDATA, comments, the prolog. DOCTYPE is refused: no entity expansion, ever. */
#include "io/s3_xml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/str.h"

#define TEXT_MAX (1u << 20)

typedef struct walker {
  const char *s, *p, *end;
  char path[QB_XML_MAX_PATH + 1];
  size_t path_len[QB_XML_MAX_DEPTH + 1]; /* path length before each open element */
  int depth;
  qb_buf text;
} walker;

static int bad(walker *w, qb_err *err, const char *what)
{
  return QB_FAIL(err, QB_ECORRUPT, "malformed XML at byte %zu: %s", (size_t)(w->p - w->s), what);
}

static bool name_char(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
         c == '.' || c == ':' || (unsigned char)c >= 0x80;
}

static int put_utf8(qb_buf *b, unsigned long cp, qb_err *err)
{
  uint8_t u[4];
  size_t n;
  if (cp < 0x80) {
    u[0] = (uint8_t)cp;
    n = 1;
  } else if (cp < 0x800) {
    u[0] = (uint8_t)(0xC0 | (cp >> 6));
    u[1] = (uint8_t)(0x80 | (cp & 0x3F));
    n = 2;
  } else if (cp < 0x10000) {
    u[0] = (uint8_t)(0xE0 | (cp >> 12));
    u[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    u[2] = (uint8_t)(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    u[0] = (uint8_t)(0xF0 | (cp >> 18));
    u[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    u[3] = (uint8_t)(0x80 | (cp & 0x3F));
    n = 4;
  }
  return qb_buf_append(b, u, n, err);
}

/* Text up to the next '<', entities decoded, appended to w->text. */
static int read_text(walker *w, qb_err *err)
{
  while (w->p < w->end && *w->p != '<') {
    const char *amp = memchr(w->p, '&', (size_t)(w->end - w->p));
    const char *lt = memchr(w->p, '<', (size_t)(w->end - w->p));
    const char *stop = lt ? lt : w->end;
    if (!amp || amp > stop) {
      int rc = qb_buf_append(&w->text, w->p, (size_t)(stop - w->p), err);
      w->p = stop;
      return rc;
    }
    int rc = qb_buf_append(&w->text, w->p, (size_t)(amp - w->p), err);
    if (rc) return rc;
    w->p = amp;
    const char *semi = memchr(amp, ';', (size_t)(w->end - amp) < 12 ? (size_t)(w->end - amp) : 12);
    if (!semi) return bad(w, err, "unterminated entity");
    size_t en = (size_t)(semi - amp - 1);
    const char *e = amp + 1;
    if (en == 2 && !memcmp(e, "lt", 2)) rc = qb_buf_putc(&w->text, '<', err);
    else if (en == 2 && !memcmp(e, "gt", 2)) rc = qb_buf_putc(&w->text, '>', err);
    else if (en == 3 && !memcmp(e, "amp", 3)) rc = qb_buf_putc(&w->text, '&', err);
    else if (en == 4 && !memcmp(e, "quot", 4)) rc = qb_buf_putc(&w->text, '"', err);
    else if (en == 4 && !memcmp(e, "apos", 4)) rc = qb_buf_putc(&w->text, '\'', err);
    else if (en >= 2 && e[0] == '#') {
      bool hex = e[1] == 'x' || e[1] == 'X';
      unsigned long cp = 0;
      size_t i = hex ? 2 : 1;
      if (i >= en) return bad(w, err, "empty character reference");
      for (; i < en; i++) {
        char c = e[i];
        int d = (c >= '0' && c <= '9') ? c - '0'
                : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
                : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                              : -1;
        if (d < 0) return bad(w, err, "bad character reference");
        cp = cp * (hex ? 16 : 10) + (unsigned long)d;
        if (cp > 0x10FFFF) return bad(w, err, "character reference out of range");
      }
      if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) return bad(w, err, "invalid character reference");
      rc = put_utf8(&w->text, cp, err);
    } else {
      return bad(w, err, "unknown entity");
    }
    if (rc) return rc;
    w->p = semi + 1;
  }
  return QB_OK;
}

static const char *find(walker *w, const char *needle)
{
  size_t n = strlen(needle);
  for (const char *q = w->p; q + n <= w->end; q++)
    if (*q == needle[0] && !memcmp(q, needle, n)) return q;
  return NULL;
}

static int open_elem(walker *w, const char *name, size_t n, qb_xml_fn fn, void *ctx, qb_err *err)
{
  const char *colon = memchr(name, ':', n); /* drop a namespace prefix */
  if (colon) {
    n -= (size_t)(colon + 1 - name);
    name = colon + 1;
  }
  if (w->depth >= QB_XML_MAX_DEPTH) return bad(w, err, "elements nested too deep");
  size_t cur = w->depth ? w->path_len[w->depth] : 0;
  size_t need = cur + (w->depth ? 1 : 0) + n;
  if (need > QB_XML_MAX_PATH) return bad(w, err, "element path too long");
  w->path_len[w->depth] = cur;
  if (w->depth) w->path[cur++] = '/';
  memcpy(w->path + cur, name, n);
  w->path[cur + n] = '\0';
  w->depth++;
  w->path_len[w->depth] = cur + n;
  qb_buf_reset(&w->text);
  return fn(ctx, QB_XML_OPEN, w->path, "", 0, err);
}

static int close_elem(walker *w, const char *name, size_t n, qb_xml_fn fn, void *ctx, qb_err *err)
{
  const char *colon = memchr(name, ':', n);
  if (colon) {
    n -= (size_t)(colon + 1 - name);
    name = colon + 1;
  }
  if (w->depth == 0) return bad(w, err, "closing tag without an open element");
  size_t end = w->path_len[w->depth];
  if (end < n || memcmp(w->path + end - n, name, n) || (end > n && w->path[end - n - 1] != '/'))
    return bad(w, err, "closing tag does not match");
  int rc = qb_buf_cstr(&w->text, err);
  if (rc) return rc;
  rc = fn(ctx, QB_XML_CLOSE, w->path, w->text.p ? (const char *)w->text.p : "", w->text.n, err);
  qb_buf_reset(&w->text);
  w->depth--;
  w->path[w->path_len[w->depth]] = '\0';
  return rc;
}

int qb_xml_walk(const char *doc, size_t n, qb_xml_fn fn, void *ctx, qb_err *err)
{
  walker w = {.s = doc, .p = doc, .end = doc + n};
  qb_buf_init(&w.text, TEXT_MAX);
  int rc = QB_OK;
  bool seen_root = false;
  while (rc == QB_OK && w.p < w.end) {
    if (*w.p != '<') {
      if (w.depth == 0) {
        if (*w.p == ' ' || *w.p == '\t' || *w.p == '\r' || *w.p == '\n') {
          w.p++;
          continue;
        }
        rc = bad(&w, err, "text outside the root element");
        break;
      }
      rc = read_text(&w, err);
      continue;
    }
    const char *q = w.p + 1;
    if (q < w.end && *q == '?') { /* prolog / processing instruction */
      const char *e = find(&w, "?>");
      if (!e) rc = bad(&w, err, "unterminated processing instruction");
      else w.p = e + 2;
    } else if (w.end - q >= 3 && !memcmp(q, "!--", 3)) {
      const char *e = find(&w, "-->");
      if (!e) rc = bad(&w, err, "unterminated comment");
      else w.p = e + 3;
    } else if (w.end - q >= 8 && !memcmp(q, "![CDATA[", 8)) {
      const char *e = find(&w, "]]>");
      if (!e || w.depth == 0) rc = bad(&w, err, "bad CDATA section");
      else {
        rc = qb_buf_append(&w.text, q + 8, (size_t)(e - q - 8), err);
        w.p = e + 3;
      }
    } else if (q < w.end && *q == '!') {
      rc = bad(&w, err, "DOCTYPE and declarations are not accepted");
    } else if (q < w.end && *q == '/') {
      const char *ns = q + 1, *ne = ns;
      while (ne < w.end && name_char(*ne)) ne++;
      const char *gt = ne;
      while (gt < w.end && (*gt == ' ' || *gt == '\t' || *gt == '\r' || *gt == '\n')) gt++;
      if (ne == ns || gt >= w.end || *gt != '>') rc = bad(&w, err, "bad closing tag");
      else {
        rc = close_elem(&w, ns, (size_t)(ne - ns), fn, ctx, err);
        w.p = gt + 1;
      }
    } else {
      const char *ns = q, *ne = ns;
      while (ne < w.end && name_char(*ne)) ne++;
      if (ne == ns || (*ns >= '0' && *ns <= '9') || *ns == '-' || *ns == '.') {
        rc = bad(&w, err, "bad tag name");
        break;
      }
      if (w.depth == 0 && seen_root) {
        rc = bad(&w, err, "second root element");
        break;
      }
      /* skip attributes, honouring quotes */
      const char *t = ne;
      char quote = 0;
      while (t < w.end && (quote || (*t != '>'))) {
        if (quote && *t == quote) quote = 0;
        else if (!quote && (*t == '"' || *t == '\'')) quote = *t;
        t++;
      }
      if (t >= w.end) {
        rc = bad(&w, err, "unterminated tag");
        break;
      }
      bool self_close = t > ne && t[-1] == '/';
      seen_root = true;
      rc = open_elem(&w, ns, (size_t)(ne - ns), fn, ctx, err);
      w.p = t + 1;
      if (rc == QB_OK && self_close) rc = close_elem(&w, ns, (size_t)(ne - ns), fn, ctx, err);
    }
  }
  if (rc == QB_OK && w.depth) rc = bad(&w, err, "document ends inside an element");
  if (rc == QB_OK && !seen_root) rc = bad(&w, err, "no root element");
  qb_buf_free(&w.text);
  return rc;
}

int qb_xml_escape(qb_buf *b, const char *s, qb_err *err)
{
  int rc = QB_OK;
  for (const unsigned char *p = (const unsigned char *)s; *p && rc == QB_OK; p++) {
    switch (*p) {
    case '&': rc = qb_buf_puts(b, "&amp;", err); break;
    case '<': rc = qb_buf_puts(b, "&lt;", err); break;
    case '>': rc = qb_buf_puts(b, "&gt;", err); break;
    case '"': rc = qb_buf_puts(b, "&quot;", err); break;
    case '\'': rc = qb_buf_puts(b, "&apos;", err); break;
    /* as references: a parser turns a raw CR (and CR LF) into LF, so DeleteObjects of "a\rb" deleted "a\nb" (absent:
     * reported deleted) and the object stayed (found by exploreM) */
    case '\r': rc = qb_buf_puts(b, "&#13;", err); break;
    case '\n': rc = qb_buf_puts(b, "&#10;", err); break;
    case '\t': rc = qb_buf_puts(b, "&#9;", err); break;
    default:
      if (*p < 0x20)
        return QB_FAIL(err, QB_EINVAL, "byte 0x%02x cannot be sent in an XML request", *p);
      rc = qb_buf_putc(b, *p, err);
    }
  }
  return rc ? rc : qb_buf_cstr(b, err);
}

static void copy_text(char *dst, size_t cap, const char *t, size_t n)
{
  if (n >= cap) n = cap - 1;
  memcpy(dst, t, n);
  dst[n] = '\0';
}

static int error_cb(void *ctx, qb_xml_event ev, const char *path, const char *t, size_t n, qb_err *err)
{
  qb_s3_error *e = ctx;
  if (ev != QB_XML_CLOSE || strncmp(path, "Error/", 6)) return QB_OK;
  const char *leaf = path + 6;
  if (!strcmp(leaf, "Code")) copy_text(e->code, sizeof e->code, t, n);
  else if (!strcmp(leaf, "Message")) copy_text(e->message, sizeof e->message, t, n);
  else if (!strcmp(leaf, "Key")) copy_text(e->key, sizeof e->key, t, n);
  else if (!strcmp(leaf, "RequestId")) copy_text(e->request_id, sizeof e->request_id, t, n);
  else if (!strcmp(leaf, "Endpoint")) copy_text(e->endpoint, sizeof e->endpoint, t, n);
  return QB_OK;
}

int qb_s3_error_parse(qb_s3_error *out, const char *doc, size_t n, qb_err *err)
{
  memset(out, 0, sizeof *out);
  if (!doc || n == 0) return QB_OK;
  return qb_xml_walk(doc, n, error_cb, out, err);
}

/* ---- ListObjectsV2 ---- */

typedef struct list_state {
  qb_s3_list_page *page;
  qb_s3_list_fn fn;
  void *ctx;
  bool url_encoded;
  qb_buf key;
  char etag[128];
  uint64_t size;
  int64_t mtime_ms;
  bool has_key;
  /* entries are buffered until EncodingType is known: it may come after them */
  qb_buf pending; /* records: u64 size, i64 mtime, u32 key_n, key, etag\0 */
} list_state;

static int hexv(char c)
{
  return (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
}

/* encoding-type=url: keys come percent-encoded ('+' is a space, as AWS form-encodes them). */
static size_t url_decode_inplace(char *s, size_t n)
{
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '%' && i + 2 < n && hexv(s[i + 1]) >= 0 && hexv(s[i + 2]) >= 0) {
      s[k++] = (char)(hexv(s[i + 1]) * 16 + hexv(s[i + 2]));
      i += 2;
    } else if (s[i] == '+') {
      s[k++] = ' ';
    } else {
      s[k++] = s[i];
    }
  }
  s[k] = '\0';
  return k;
}

static int emit(list_state *st, char *key, size_t key_n, uint64_t size, int64_t mtime, const char *etag, qb_err *err)
{
  if (st->url_encoded) key_n = url_decode_inplace(key, key_n);
  qb_s3_list_entry e = {key, key_n, size, mtime, etag, size == UINT64_MAX && mtime == -1};
  if (e.is_prefix) e.size = 0, e.mtime_ms = 0;
  st->page->n_keys++;
  return st->fn ? st->fn(st->ctx, &e, err) : QB_OK;
}

static int list_cb(void *ctx, qb_xml_event ev, const char *path, const char *t, size_t n, qb_err *err)
{
  list_state *st = ctx;
  if (strncmp(path, "ListBucketResult", 16)) return QB_FAIL(err, QB_ECORRUPT, "not a ListObjectsV2 answer (%s)", path);
  const char *p = path + 16;
  if (ev == QB_XML_OPEN) {
    if (!strcmp(p, "/Contents")) {
      qb_buf_reset(&st->key);
      st->etag[0] = '\0';
      st->size = 0;
      st->mtime_ms = 0;
      st->has_key = false;
    }
    return QB_OK;
  }
  if (!strcmp(p, "/IsTruncated")) {
    st->page->truncated = n == 4 && !memcmp(t, "true", 4);
  } else if (!strcmp(p, "/NextContinuationToken")) {
    free(st->page->next_token);
    st->page->next_token = strndup(t, n);
    if (!st->page->next_token) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  } else if (!strcmp(p, "/EncodingType")) {
    st->url_encoded = n == 3 && !memcmp(t, "url", 3);
  } else if (!strcmp(p, "/Contents/Key")) {
    qb_buf_reset(&st->key);
    int rc = qb_buf_append(&st->key, t, n, err);
    if (rc == QB_OK) rc = qb_buf_cstr(&st->key, err);
    if (rc) return rc;
    st->has_key = true;
  } else if (!strcmp(p, "/Contents/Size")) {
    int64_t v;
    char tmp[32];
    copy_text(tmp, sizeof tmp, t, n);
    if (!qb_str_to_i64(tmp, &v) || v < 0) return QB_FAIL(err, QB_ECORRUPT, "ListObjectsV2: bad Size '%s'", tmp);
    st->size = (uint64_t)v;
  } else if (!strcmp(p, "/Contents/LastModified")) {
    char tmp[64];
    copy_text(tmp, sizeof tmp, t, n);
    st->mtime_ms = qb_s3_parse_time(tmp);
    if (st->mtime_ms < 0) st->mtime_ms = 0;
  } else if (!strcmp(p, "/Contents/ETag")) {
    const char *e = t;
    size_t en = n;
    if (en >= 2 && e[0] == '"' && e[en - 1] == '"') e++, en -= 2;
    copy_text(st->etag, sizeof st->etag, e, en);
  } else if (!strcmp(p, "/CommonPrefixes/Prefix")) {
    /* a record like a key's, size UINT64_MAX and mtime -1 saying it is a prefix */
    uint64_t size = UINT64_MAX;
    int64_t mtime = -1;
    uint32_t lens[2] = {(uint32_t)n, 0};
    int rc = qb_buf_append(&st->pending, &size, sizeof size, err);
    if (rc == QB_OK) rc = qb_buf_append(&st->pending, &mtime, sizeof mtime, err);
    if (rc == QB_OK) rc = qb_buf_append(&st->pending, lens, sizeof lens, err);
    if (rc == QB_OK) rc = qb_buf_append(&st->pending, t, n, err);
    if (rc == QB_OK) rc = qb_buf_append(&st->pending, "\0", 2, err);
    if (rc) return rc;
  } else if (!strcmp(p, "/Contents")) {
    if (!st->has_key) return QB_FAIL(err, QB_ECORRUPT, "ListObjectsV2: an entry without a Key");
    /* buffer the record (size, mtime, key_n, etag_n, key\0, etag\0): EncodingType may follow the entries */
    uint32_t lens[2] = {(uint32_t)st->key.n, (uint32_t)strlen(st->etag)};
    int rc = qb_buf_append(&st->pending, &st->size, sizeof st->size, err);
    if (rc == QB_OK) rc = qb_buf_append(&st->pending, &st->mtime_ms, sizeof st->mtime_ms, err);
    if (rc == QB_OK) rc = qb_buf_append(&st->pending, lens, sizeof lens, err);
    if (rc == QB_OK) rc = qb_buf_append(&st->pending, st->key.p, lens[0] + 1, err);
    if (rc == QB_OK) rc = qb_buf_append(&st->pending, st->etag, lens[1] + 1, err);
    if (rc) return rc;
  }
  return QB_OK;
}

int qb_s3_list_parse(qb_s3_list_page *out, const char *doc, size_t n, qb_s3_list_fn fn, void *ctx, qb_err *err)
{
  memset(out, 0, sizeof *out);
  list_state st = {.page = out, .fn = fn, .ctx = ctx};
  qb_buf_init(&st.key, TEXT_MAX);
  qb_buf_init(&st.pending, QB_BUF_NOLIMIT);
  int rc = qb_xml_walk(doc, n, list_cb, &st, err);
  uint8_t *p = st.pending.p, *end = p + st.pending.n;
  while (rc == QB_OK && p && p < end) {
    uint64_t size;
    int64_t mtime;
    uint32_t lens[2];
    memcpy(&size, p, 8);
    memcpy(&mtime, p + 8, 8);
    memcpy(lens, p + 16, 8);
    char *key = (char *)p + 24, *etag = key + lens[0] + 1;
    rc = emit(&st, key, lens[0], size, mtime, etag, err);
    p = (uint8_t *)etag + lens[1] + 1;
  }
  qb_buf_free(&st.key);
  qb_buf_free(&st.pending);
  if (rc) {
    free(out->next_token);
    out->next_token = NULL;
  } else if (out->truncated && !out->next_token) {
    rc = QB_FAIL(err, QB_ECORRUPT, "ListObjectsV2: truncated page without NextContinuationToken");
  }
  return rc;
}

/* ---- ListMultipartUploads */

typedef struct uploads_state {
  qb_s3_uploads_page *page;
  bool url_encoded;
  qb_buf recs; /* per upload: u32 key_n, key\0, upload id\0, i64 initiated; reported once EncodingType is known */
  qb_buf key;
  char id[1024];
  int64_t initiated;
  bool has_key, has_id;
} uploads_state;

static int set_str(char **dst, const char *t, size_t n, qb_err *err)
{
  free(*dst);
  *dst = strndup(t, n);
  return *dst ? QB_OK : QB_FAIL(err, QB_ENOMEM, "out of memory");
}

static int uploads_cb(void *ctx, qb_xml_event ev, const char *path, const char *t, size_t n, qb_err *err)
{
  uploads_state *st = ctx;
  if (strncmp(path, "ListMultipartUploadsResult", 26))
    return QB_FAIL(err, QB_ECORRUPT, "not a ListMultipartUploads answer (%s)", path);
  const char *p = path + 26;
  if (ev == QB_XML_OPEN) {
    if (!strcmp(p, "/Upload")) {
      qb_buf_reset(&st->key);
      st->id[0] = '\0';
      st->initiated = 0;
      st->has_key = st->has_id = false;
    }
    return QB_OK;
  }
  if (!strcmp(p, "/IsTruncated")) {
    st->page->truncated = n == 4 && !memcmp(t, "true", 4);
  } else if (!strcmp(p, "/NextKeyMarker")) {
    return n ? set_str(&st->page->next_key_marker, t, n, err) : QB_OK;
  } else if (!strcmp(p, "/NextUploadIdMarker")) {
    return n ? set_str(&st->page->next_upload_id_marker, t, n, err) : QB_OK;
  } else if (!strcmp(p, "/EncodingType")) {
    st->url_encoded = n == 3 && !memcmp(t, "url", 3);
  } else if (!strcmp(p, "/Upload/Key")) {
    qb_buf_reset(&st->key);
    int rc = qb_buf_append(&st->key, t, n, err);
    if (rc) return rc;
    st->has_key = true;
  } else if (!strcmp(p, "/Upload/UploadId")) {
    if (n == 0 || n >= sizeof st->id) return QB_FAIL(err, QB_ECORRUPT, "ListMultipartUploads: bad UploadId");
    copy_text(st->id, sizeof st->id, t, n);
    st->has_id = true;
  } else if (!strcmp(p, "/Upload/Initiated")) {
    char tmp[64];
    copy_text(tmp, sizeof tmp, t, n);
    st->initiated = qb_s3_parse_time(tmp);
    if (st->initiated < 0) st->initiated = 0;
  } else if (!strcmp(p, "/Upload")) {
    if (!st->has_key || !st->has_id)
      return QB_FAIL(err, QB_ECORRUPT, "ListMultipartUploads: an upload without a Key or an UploadId");
    uint32_t kn = (uint32_t)st->key.n;
    int rc = qb_buf_append(&st->recs, &kn, sizeof kn, err);
    if (rc == QB_OK) rc = qb_buf_append(&st->recs, st->key.p, kn, err);
    if (rc == QB_OK) rc = qb_buf_append(&st->recs, "", 1, err);
    if (rc == QB_OK) rc = qb_buf_append(&st->recs, st->id, strlen(st->id) + 1, err);
    if (rc == QB_OK) rc = qb_buf_append(&st->recs, &st->initiated, sizeof st->initiated, err);
    return rc;
  }
  return QB_OK;
}

void qb_s3_uploads_page_free(qb_s3_uploads_page *p)
{
  free(p->next_key_marker);
  free(p->next_upload_id_marker);
  p->next_key_marker = p->next_upload_id_marker = NULL;
}

int qb_s3_uploads_parse(qb_s3_uploads_page *out, const char *doc, size_t n, qb_s3_upload_entry_fn fn, void *ctx,
                        qb_err *err)
{
  memset(out, 0, sizeof *out);
  uploads_state st = {.page = out};
  qb_buf_init(&st.key, TEXT_MAX);
  qb_buf_init(&st.recs, QB_BUF_NOLIMIT);
  int rc = qb_xml_walk(doc, n, uploads_cb, &st, err);
  uint8_t *p = st.recs.p, *end = p + st.recs.n;
  while (rc == QB_OK && p && p < end) {
    uint32_t kn;
    memcpy(&kn, p, 4);
    char *key = (char *)p + 4, *id = key + kn + 1;
    int64_t initiated;
    size_t idn = strlen(id);
    memcpy(&initiated, id + idn + 1, 8);
    size_t key_n = st.url_encoded ? url_decode_inplace(key, kn) : kn;
    qb_s3_upload_entry e = {key, key_n, id, initiated};
    out->n_uploads++;
    if (fn) rc = fn(ctx, &e, err);
    p = (uint8_t *)id + idn + 1 + 8;
  }
  qb_buf_free(&st.key);
  qb_buf_free(&st.recs);
  if (rc == QB_OK && st.url_encoded && out->next_key_marker)
    url_decode_inplace(out->next_key_marker, strlen(out->next_key_marker));
  if (rc == QB_OK && out->truncated && !out->next_key_marker)
    rc = QB_FAIL(err, QB_ECORRUPT, "ListMultipartUploads: truncated page without NextKeyMarker");
  if (rc) qb_s3_uploads_page_free(out);
  return rc;
}

static int month_index(const char *m)
{
  static const char *const names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (int i = 0; i < 12; i++)
    if (!strncmp(m, names[i], 3)) return i;
  return -1;
}

int64_t qb_s3_parse_time(const char *s)
{
  struct tm tm = {0};
  int ms = 0;
  int Y, M, D, h, m, sec;
  char mon[4] = {0};
  if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &Y, &M, &D, &h, &m, &sec) == 6) {
    const char *dot = strchr(s, '.');
    for (int i = 1, scale = 100; dot && i <= 3 && dot[i] >= '0' && dot[i] <= '9'; i++, scale /= 10)
      ms += (dot[i] - '0') * scale;
  } else if (sscanf(s, "%*3s, %2d %3s %4d %2d:%2d:%2d", &D, mon, &Y, &h, &m, &sec) == 6) {
    M = month_index(mon) + 1;
    if (M == 0) return -1;
  } else {
    return -1;
  }
  tm.tm_year = Y - 1900;
  tm.tm_mon = M - 1;
  tm.tm_mday = D;
  tm.tm_hour = h;
  tm.tm_min = m;
  tm.tm_sec = sec;
  time_t t = timegm(&tm);
  if (t == (time_t)-1) return -1;
  return (int64_t)t * 1000 + ms;
}
