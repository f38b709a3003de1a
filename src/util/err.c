/* SPDX-License-Identifier: Apache-2.0 */
/* qb_err: codes, names and the context chain (outermost context first). */
#include "qberg/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const code_names[QB_CODE_COUNT][2] = {
    [QB_OK] = {"QB_OK", "success"},
    [QB_ENOMEM] = {"QB_ENOMEM", "out of memory"},
    [QB_EINVAL] = {"QB_EINVAL", "invalid argument"},
    [QB_EIO] = {"QB_EIO", "I/O error"},
    [QB_ENOTFOUND] = {"QB_ENOTFOUND", "not found"},
    [QB_EEXISTS] = {"QB_EEXISTS", "already exists"},
    [QB_ECORRUPT] = {"QB_ECORRUPT", "corrupt input"},
    [QB_EUNSUPPORTED] = {"QB_EUNSUPPORTED", "unsupported"},
    [QB_ECONFLICT] = {"QB_ECONFLICT", "commit conflict"},
    [QB_ECOMMIT_UNKNOWN] = {"QB_ECOMMIT_UNKNOWN", "commit state unknown"},
    [QB_EAUTH] = {"QB_EAUTH", "authentication failed"},
    [QB_ENET] = {"QB_ENET", "network error"},
    [QB_ELIMIT] = {"QB_ELIMIT", "limit exceeded"},
    [QB_EINTERNAL] = {"QB_EINTERNAL", "internal error"},
};

const char *qb_code_name(qb_code code)
{
  if ((unsigned)code >= QB_CODE_COUNT) return "QB_E?";
  return code_names[code][0];
}

const char *qb_strerror(qb_code code)
{
  static const char *const full[QB_CODE_COUNT] = {
      [QB_OK] = "QB_OK: success",
      [QB_ENOMEM] = "QB_ENOMEM: out of memory",
      [QB_EINVAL] = "QB_EINVAL: invalid argument",
      [QB_EIO] = "QB_EIO: I/O error",
      [QB_ENOTFOUND] = "QB_ENOTFOUND: not found",
      [QB_EEXISTS] = "QB_EEXISTS: already exists",
      [QB_ECORRUPT] = "QB_ECORRUPT: corrupt input",
      [QB_EUNSUPPORTED] = "QB_EUNSUPPORTED: unsupported",
      [QB_ECONFLICT] = "QB_ECONFLICT: commit conflict",
      [QB_ECOMMIT_UNKNOWN] = "QB_ECOMMIT_UNKNOWN: commit state unknown",
      [QB_EAUTH] = "QB_EAUTH: authentication failed",
      [QB_ENET] = "QB_ENET: network error",
      [QB_ELIMIT] = "QB_ELIMIT: limit exceeded",
      [QB_EINTERNAL] = "QB_EINTERNAL: internal error",
  };
  if ((unsigned)code >= QB_CODE_COUNT) return "QB_E?: unknown error code";
  return full[code];
}

/* Shortens msg[0..mlen) to at most `keep` bytes by replacing its middle with " [...] " (its end, the root
 * cause, and its start stay); returns the new length. Not terminated. */
static size_t shrink_middle(char *msg, size_t mlen, size_t keep)
{
  static const char cut[] = " [...] ";
  size_t cn = sizeof cut - 1;
  if (mlen <= keep) return mlen;
  if (keep <= 2 * cn) return keep;
  size_t tail = (keep - cn) / 2 + (keep - cn) % 2, head = keep - cn - tail;
  memmove(msg + head + cn, msg + mlen - tail, tail);
  memcpy(msg + head, cut, cn);
  return keep;
}

static int vset(qb_err *err, qb_code code, int os_code, const char *origin, const char *fmt, va_list ap)
{
  if (!err) return code;
  err->code = code;
  err->os_code = os_code;
  err->origin = origin;
  err->retryable = (code == QB_ECONFLICT);
  /* a message longer than msg loses its middle, not its end, where the cause is: "PUT s3://b/<1,100-byte
   * key>: HTTP 400 KeyTooLongError" was cut inside the key, without a reason (found by exploreM) */
  char big[4096];
  int n = vsnprintf(big, sizeof big, fmt, ap);
  size_t len = n < 0 ? 0 : (size_t)n < sizeof big ? (size_t)n : sizeof big - 1;
  len = shrink_middle(big, len, sizeof err->msg - 1);
  memcpy(err->msg, big, len);
  err->msg[len] = '\0';
  return code;
}

int qb_err_set(qb_err *err, qb_code code, const char *origin, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int rc = vset(err, code, 0, origin, fmt, ap);
  va_end(ap);
  return rc;
}

int qb_err_set_os(qb_err *err, qb_code code, int os_code, const char *origin, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int rc = vset(err, code, os_code, origin, fmt, ap);
  va_end(ap);
  if (err && os_code) {
    /* the OS cause goes last; a message too long for it loses its middle (as in qb_err_wrap), not the cause */
    char cause[128];
    int cn = snprintf(cause, sizeof cause, ": %s", strerror(os_code));
    size_t n = strlen(err->msg), room = sizeof err->msg - 1;
    if (cn > 0 && (size_t)cn < sizeof cause && n + (size_t)cn > room) n = shrink_middle(err->msg, n, room - (size_t)cn);
    snprintf(err->msg + n, sizeof err->msg - n, "%s", cause);
  }
  return rc;
}

int qb_err_wrap(qb_err *err, const char *fmt, ...)
{
  if (!err) return QB_EINTERNAL;
  if (err->code == QB_OK) err->code = QB_EINTERNAL; /* wrapping a success is a bug; keep it visible */
  char prefix[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  if (n < 0) return err->code;
  size_t plen = strlen(prefix), mlen = strnlen(err->msg, sizeof err->msg - 1);
  /* New message: prefix + ": " + old message. When it does not fit, the old message loses its middle, not
   * its end: the root cause is last (contexts are prepended), and long paths in the contexts must not
   * push it out ("<path>: <path>: creating d" hid "File name too long"). */
  if (plen + 2 >= sizeof err->msg) plen = sizeof err->msg - 3;
  mlen = shrink_middle(err->msg, mlen, sizeof err->msg - 1 - plen - 2);
  memmove(err->msg + plen + 2, err->msg, mlen);
  memcpy(err->msg, prefix, plen);
  err->msg[plen] = ':';
  err->msg[plen + 1] = ' ';
  err->msg[plen + 2 + mlen] = '\0';
  return err->code;
}

void qb_err_clear(qb_err *err)
{
  if (!err) return;
  err->code = QB_OK;
  err->os_code = 0;
  err->retryable = false;
  err->origin = NULL;
  err->msg[0] = '\0';
}

int qb_err_exit_status(qb_code code) { return code == QB_OK ? 0 : 1; }
