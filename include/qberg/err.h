/* SPDX-License-Identifier: Apache-2.0 */
/* The one error model of qberg: a stable code plus a message carrying a context chain. */
#ifndef QBERG_ERR_H
#define QBERG_ERR_H

#include "qberg/common.h"

/** Stable numbers: append only, never renumber. */
typedef enum {
  QB_OK = 0,
  QB_ENOMEM,
  QB_EINVAL,          /* bad argument or bad user input */
  QB_EIO,             /* I/O failed (errno / HTTP status in os_code) */
  QB_ENOTFOUND,       /* file, object, table, field does not exist */
  QB_EEXISTS,         /* create-exclusive found something there */
  QB_ECORRUPT,        /* input is not what its format says */
  QB_EUNSUPPORTED,    /* valid but not implemented / not allowed in this format version */
  QB_ECONFLICT,       /* commit lost a race: retryable, nothing written is visible */
  QB_ECOMMIT_UNKNOWN, /* outcome unknown (timeout after PUT): never delete files we wrote */
  QB_EAUTH,           /* credentials rejected */
  QB_ENET,            /* network failure */
  QB_ELIMIT,          /* a configured bound (size, count, retries) was exceeded */
  QB_EINTERNAL,       /* an impossible state: a bug in qberg */
  QB_CODE_COUNT
} qb_code;

typedef struct qb_err {
  qb_code code;
  int os_code;        /* errno, HTTP status or CURLcode of the root cause; 0 if none */
  bool retryable;     /* worth retrying the whole operation */
  const char *origin; /* "src/io/s3.c:214" where QB_FAIL set it (static string) */
  char msg[1024];     /* outermost context first: "a: b: root cause"; fixed, works on ENOMEM; a longer message
                       * loses its middle (" [...] "), never its end */
} qb_err;

#define QB_ERR_INIT {QB_OK, 0, false, NULL, {0}}

#define QB__STR2(x) #x
#define QB__STR(x) QB__STR2(x)

/** Set `err` (if non-NULL) and evaluate to `code`. Use as `return QB_FAIL(err, QB_EINVAL, "bad %s", x);` */
#define QB_FAIL(err, code, ...) qb_err_set((err), (code), __FILE__ ":" QB__STR(__LINE__), __VA_ARGS__)

/** Like QB_FAIL but appends strerror(errno_value) and records it in os_code; a message too long for both loses
 * its middle (" [...] "), never the appended cause. */
#define QB_FAIL_ERRNO(err, code, errno_value, ...) \
  qb_err_set_os((err), (code), (errno_value), __FILE__ ":" QB__STR(__LINE__), __VA_ARGS__)

/** "QB_ECONFLICT: commit conflict" — static string, never NULL. */
QB_API const char *qb_strerror(qb_code code);
/** "QB_ECONFLICT" — static string, never NULL. */
QB_API const char *qb_code_name(qb_code code);

QB_API int qb_err_set(qb_err *err, qb_code code, const char *origin, const char *fmt, ...) QB_PRINTF(4, 5);
QB_API int qb_err_set_os(qb_err *err, qb_code code, int os_code, const char *origin, const char *fmt, ...)
    QB_PRINTF(5, 6);

/**
 * Prepend context ("reading manifest m1.avro: " + old message). Returns err->code, so
 * `return qb_err_wrap(err, "entry %d", i);` propagates. A NULL err returns QB_EINTERNAL.
 */
QB_API int qb_err_wrap(qb_err *err, const char *fmt, ...) QB_PRINTF(2, 3);

QB_API void qb_err_clear(qb_err *err);

/** Map an error code to a process exit status for the CLI: 0 ok, 1 error. */
QB_API int qb_err_exit_status(qb_code code);

#endif
