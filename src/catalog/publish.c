/* SPDX-License-Identifier: Apache-2.0 */
/* Publishing metadata version N+1 so that no writer ever replaces another's (iceberg.md §5.4): a
 * create-exclusive write (local link(2), S3 If-None-Match: *), or, under the lock on stores without it, a
 * check-then-overwrite followed by a read-back. Outcomes the store leaves open are resolved by reading
 * the version back: our bytes there = committed. */
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_int.h"

/* Does got[0..n) hold exactly the pieces? */
static bool same_bytes(const uint8_t *got, size_t n, const qb_slice *parts, size_t n_parts)
{
  size_t off = 0;
  for (size_t i = 0; i < n_parts; i++) {
    if (parts[i].n > n - off || memcmp(got + off, parts[i].p, parts[i].n) != 0) return false;
    off += parts[i].n;
  }
  return off == n;
}

/* After a write whose outcome is uncertain (or to verify an overwrite), read v<N+1> back.
 * QB_OK: it holds exactly our bytes. QB_ECONFLICT: another writer's. QB_ENOTFOUND: absent. Else unknown. */
static int read_back(qb_fileio *io, const char *path, const qb_slice *parts, size_t n_parts, size_t n, qb_err *err)
{
  uint8_t *got;
  size_t got_n;
  qb_err e2 = QB_ERR_INIT;
  int rc = qb_fileio_read_all(&got, &got_n, io, path, n + 1, &e2);
  if (rc == QB_ELIMIT) return QB_FAIL(err, QB_ECONFLICT, "%s was written by another writer", path);
  if (rc == QB_ENOTFOUND) return QB_ENOTFOUND;
  if (rc)
    return QB_FAIL(err, QB_ECOMMIT_UNKNOWN, "%s: cannot read the new version back: %s", path, e2.msg);
  bool same = same_bytes(got, got_n, parts, n_parts);
  free(got);
  return same ? QB_OK : QB_FAIL(err, QB_ECONFLICT, "%s was written by another writer", path);
}

/* Write the pieces as one object: each goes to the store writer as it is (no gathering copy). */
static int write_parts(qb_fileio *io, const char *path, const qb_slice *parts, size_t n_parts, qb_create_mode mode,
                       qb_err *err)
{
  qb_writer *w;
  int rc = qb_fileio_create(&w, io, path, mode, err);
  for (size_t i = 0; rc == QB_OK && i < n_parts; i++)
    if ((rc = qb_writer_write(w, parts[i].p, parts[i].n, err)) != QB_OK) qb_writer_abort(w);
  return rc ? rc : qb_writer_close(w, err);
}

/* Is any name form of version v there? */
static int version_taken(qb_fileio *io, const char *meta_dir, int64_t v, bool *out, qb_err *err)
{
  int64_t last;
  char *path;
  int rc = qb_hadoop__probe_forward(io, meta_dir, v - 1, &last, &path, err);
  *out = path != NULL;
  free(path);
  return rc;
}

int qb_publish__version(const qb_publish *p, char **path_out, qb_err *err)
{
  *path_out = NULL;
  const qb_slice *parts = p->parts;
  size_t n_parts = p->n_parts, n = p->n;
  uint8_t *gz = NULL;
  qb_slice gz_part;
  int rc;
  if (p->gzip) {
    if ((rc = qb_gzip__compress(p->parts, p->n_parts, &gz, &n, err)) != QB_OK) return rc;
    gz_part = (qb_slice){gz, n};
    parts = &gz_part;
    n_parts = 1;
  }
  char *path = qb_hadoop__version_path(p->meta_dir, p->version, p->gzip ? QB_MDNAME_GZ : QB_MDNAME_PLAIN);
  if (!path) {
    free(gz);
    return QB_FAIL(err, QB_ENOMEM, "out of memory");
  }
  if (p->exclusive) {
    rc = write_parts(p->io, path, parts, n_parts, QB_CREATE_EXCLUSIVE, err);
    if (rc == QB_EEXISTS) {
      /* Another writer's version, or our own: on S3 an attempt whose answer was lost can have landed, and its
       * retry is refused (412) when the store's ETag does not let the writer recognise its object (SSE-KMS,
       * SSE-C, a failed HEAD). Taking our own version for a lost race rebuilt the change on top of itself and
       * failed, deleting the files the published version names. Read it: our bytes = committed. */
      qb_err e2 = QB_ERR_INIT;
      int rb = read_back(p->io, path, parts, n_parts, n, &e2);
      qb_err_clear(err);
      if (rb == QB_OK) {
        rc = QB_OK;
      } else if (rb == QB_ECONFLICT || rb == QB_ENOTFOUND) {
        rc = QB_FAIL(err, QB_ECONFLICT, "version %lld was committed by another writer (%s exists)",
                     (long long)p->version, path);
      } else {
        *err = e2; /* cannot tell whose it is: QB_ECOMMIT_UNKNOWN */
        rc = rb;
      }
    }
  } else {
    /* Under the lock nobody else should publish; a version already there means a writer that lost its
     * lease (or one that does not use the lock) got in first: never overwrite it. */
    bool taken;
    rc = version_taken(p->io, p->meta_dir, p->version, &taken, err);
    if (rc == QB_OK && taken)
      rc = QB_FAIL(err, QB_ECONFLICT, "version %lld was committed by another writer", (long long)p->version);
    if (rc == QB_OK) rc = write_parts(p->io, path, parts, n_parts, QB_CREATE_OVERWRITE, err);
    /* an overwrite cannot tell whether a concurrent writer replaced ours: read it back */
    if (rc == QB_OK) {
      rc = read_back(p->io, path, parts, n_parts, n, err);
      if (rc == QB_ENOTFOUND)
        rc = QB_FAIL(err, QB_ECOMMIT_UNKNOWN, "%s vanished right after it was written", path);
    }
  }
  if (rc == QB_ECOMMIT_UNKNOWN || rc == QB_ENET || rc == QB_EIO) {
    /* The write failed in a way that may have happened after the object became visible (a timeout after
     * the upload, a failed directory fsync after link): look. */
    qb_err e2 = QB_ERR_INIT;
    int rb = read_back(p->io, path, parts, n_parts, n, &e2);
    if (rb == QB_OK) {
      qb_err_clear(err);
      rc = QB_OK;
    } else if (rb == QB_ECONFLICT) {
      *err = e2;
      rc = QB_ECONFLICT;
    } else if (rc != QB_EIO) {
      /* absent now, but a delayed upload may still land: the caller must not assume either way */
      err->code = QB_ECOMMIT_UNKNOWN;
      err->retryable = false;
      rc = qb_err_wrap(err, "%s: outcome unknown", path);
    }
  }
  free(gz);
  if (rc == QB_OK)
    *path_out = path;
  else
    free(path);
  return rc;
}
