/* SPDX-License-Identifier: Apache-2.0 */
/* A FileIO wrapper that injects one fault at the Nth call, for other layers' fault tests (SQLite's
 * *fault.test idea): a loop runs an operation for N = 1, 2, ... until it no longer reaches call N, and asserts
 * that every failure left a consistent state. */
#ifndef QB_IO_FAULTY_H
#define QB_IO_FAULTY_H

#include "qberg/fileio.h"

typedef enum {
  QB_FAULT_FAIL,       /* the call fails (nothing done) with `code` */
  QB_FAULT_FAIL_AFTER, /* the call is done, then reported as failed (an answer lost after a PUT) */
  QB_FAULT_TRUNCATE,   /* reads: the object looks half as long; writes: half the bytes reach the store */
  QB_FAULT_STALL,      /* the call waits stall_ms, then proceeds */
} qb_fault_kind;

typedef struct qb_fault_plan {
  unsigned at;        /* 1-based call number to hit; 0 = never */
  qb_fault_kind kind;
  qb_code code;       /* for the failures; 0: QB_EIO */
  unsigned stall_ms;
  bool sticky;        /* every call from `at` on is hit, not only the one */
  /* Called before each stat is passed on (NULL: none): a test changes the store between a read and the
   * stat that follows it, as a producer still writing a file does. */
  void (*before_stat)(void *ctx, const char *path);
  void *before_stat_ctx;
  bool retryable;     /* the injected failure is marked retryable (an S3 object replaced while read) */
} qb_fault_plan;

/**
 * Wrap `inner` (owned by the wrapper when `owns_inner`). Calls counted: open_read, pread, create, write,
 * writer close, stat, delete, delete_many, list, copy. Thread-safe counting.
 */
int qb_fileio_faulty_new(qb_fileio **out, qb_fileio *inner, bool owns_inner, const qb_fault_plan *plan, qb_err *err);
/** Calls made so far (to know when N went past the operation). */
unsigned qb_fileio_faulty_calls(const qb_fileio *io);
/** Whether the planned fault fired. */
bool qb_fileio_faulty_fired(const qb_fileio *io);

#endif
