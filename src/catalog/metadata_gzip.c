/* SPDX-License-Identifier: Apache-2.0 */
/* gzip (RFC 1952) for metadata files: Java writes v<N>.gz.metadata.json when
 * write.metadata.compression-codec=gzip, and older tables carry v<N>.metadata.json.gz. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "catalog/catalog_int.h"

int qb_gzip__compress(const uint8_t *p, size_t n, uint8_t **out, size_t *out_n, qb_err *err)
{
  *out = NULL;
  z_stream z;
  memset(&z, 0, sizeof z);
  /* windowBits 15 + 16 = a gzip wrapper instead of zlib's */
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return QB_FAIL(err, QB_ENOMEM, "gzip: cannot initialise deflate");
  size_t cap = deflateBound(&z, (uLong)n) + 32;
  uint8_t *buf = malloc(cap);
  if (!buf || n > UINT32_MAX) {
    free(buf);
    deflateEnd(&z);
    return QB_FAIL(err, n > UINT32_MAX ? QB_ELIMIT : QB_ENOMEM, "gzip: cannot compress %zu bytes", n);
  }
  z.next_in = (Bytef *)p;
  z.avail_in = (uInt)n;
  z.next_out = buf;
  z.avail_out = (uInt)cap;
  int zr = deflate(&z, Z_FINISH);
  size_t produced = cap - z.avail_out;
  deflateEnd(&z);
  if (zr != Z_STREAM_END) {
    free(buf);
    return QB_FAIL(err, QB_EINTERNAL, "gzip: deflate did not finish (%d)", zr);
  }
  *out = buf;
  *out_n = produced;
  return QB_OK;
}

int qb_gzip__decompress(const uint8_t *p, size_t n, size_t max_out, uint8_t **out, size_t *out_n, qb_err *err)
{
  *out = NULL;
  *out_n = 0;
  if (n > UINT32_MAX) return QB_FAIL(err, QB_ELIMIT, "gzip: %zu compressed bytes is too much", n);
  z_stream z;
  memset(&z, 0, sizeof z);
  if (inflateInit2(&z, 15 + 16) != Z_OK) return QB_FAIL(err, QB_ENOMEM, "gzip: cannot initialise inflate");
  size_t cap = n * 4 + 1024, used = 0;
  if (cap > max_out + 1) cap = max_out + 1;
  uint8_t *buf = malloc(cap + 1);
  int rc = buf ? QB_OK : QB_FAIL(err, QB_ENOMEM, "gzip: out of memory");
  z.next_in = (Bytef *)p;
  z.avail_in = (uInt)n;
  while (rc == QB_OK) {
    if (used == cap) {
      if (cap > max_out) {
        rc = QB_FAIL(err, QB_ELIMIT, "gzip: decompresses to more than %zu bytes", max_out);
        break;
      }
      size_t ncap = cap * 2 > max_out + 1 ? max_out + 1 : cap * 2;
      uint8_t *nb = realloc(buf, ncap + 1);
      if (!nb) {
        rc = QB_FAIL(err, QB_ENOMEM, "gzip: out of memory for %zu bytes", ncap);
        break;
      }
      buf = nb;
      cap = ncap;
    }
    size_t room = cap - used;
    if (room > UINT32_MAX) room = UINT32_MAX;
    z.next_out = buf + used;
    z.avail_out = (uInt)room;
    int zr = inflate(&z, Z_NO_FLUSH);
    used += room - z.avail_out;
    if (zr == Z_STREAM_END) break;
    if (zr == Z_BUF_ERROR && z.avail_in == 0)
      rc = QB_FAIL(err, QB_ECORRUPT, "gzip: truncated after %zu compressed bytes", n);
    else if (zr != Z_OK && zr != Z_BUF_ERROR)
      rc = QB_FAIL(err, QB_ECORRUPT, "gzip: corrupt data at compressed offset %zu: %s",
                   n - z.avail_in, z.msg ? z.msg : "inflate failed");
  }
  inflateEnd(&z);
  if (rc == QB_OK && used > max_out)
    rc = QB_FAIL(err, QB_ELIMIT, "gzip: decompresses to more than %zu bytes", max_out);
  if (rc) {
    free(buf);
    return rc;
  }
  buf[used] = '\0';
  *out = buf;
  *out_n = used;
  return QB_OK;
}
