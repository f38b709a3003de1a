/* SPDX-License-Identifier: Apache-2.0 */
/* A qb_writer that appends to a caller's qb_buf: a file's bytes built in memory by a writer-based encoder
 * (the Avro container writer) before the caller decides where, or whether, to store them. */
#ifndef QB_IO_BUF_WRITER_H
#define QB_IO_BUF_WRITER_H

#include "qberg/fileio.h"
#include "util/buf.h"

/** `dst` is borrowed and must outlive the writer; close publishes nothing (the bytes are in `dst`), abort
 *  leaves them there too. */
int qb_fileio__buf_writer(qb_writer **out, qb_buf *dst, qb_err *err);

#endif
