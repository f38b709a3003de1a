/* SPDX-License-Identifier: Apache-2.0 */
/* Compressed metadata files: gzip (RFC 1952; Java writes v<N>.gz.metadata.json when
 * write.metadata.compression-codec=gzip, older tables carry v<N>.metadata.json.gz) and zstd (newer Java
 * codec option), recognised by magic. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "catalog/catalog_int.h"

int qb_gzip__compress(const qb_slice *parts, size_t n_parts, uint8_t **out, size_t *out_n, qb_err *err)
{
  *out = NULL;
  size_t n = 0;
  for (size_t i = 0; i < n_parts; i++) n += parts[i].n;
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
  z.next_out = buf;
  z.avail_out = (uInt)cap;
  int zr = Z_OK;
  /* the bound holds for the whole input, so the output never runs out of room */
  for (size_t i = 0; i <= n_parts && zr == Z_OK; i++) {
    bool last = i == n_parts;
    if (!last && parts[i].n == 0) continue; /* deflate reports no progress on empty input as an error */
    z.next_in = last ? Z_NULL : (Bytef *)parts[i].p;
    z.avail_in = last ? 0 : (uInt)parts[i].n;
    zr = deflate(&z, last ? Z_FINISH : Z_NO_FLUSH);
  }
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

static int gunzip(const uint8_t *p, size_t n, size_t max_out, uint8_t **out, size_t *out_n, qb_err *err)
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

static int unzstd(const uint8_t *p, size_t n, size_t max_out, uint8_t **out, size_t *out_n, qb_err *err)
{
  ZSTD_DStream *d = ZSTD_createDStream();
  if (!d) return QB_FAIL(err, QB_ENOMEM, "zstd: cannot start decompression");
  size_t cap = n * 4 + 1024, used = 0;
  if (cap > max_out + 1) cap = max_out + 1;
  uint8_t *buf = malloc(cap + 1);
  int rc = buf ? QB_OK : QB_FAIL(err, QB_ENOMEM, "zstd: out of memory");
  ZSTD_inBuffer in = {p, n, 0};
  size_t zr = 1;
  while (rc == QB_OK && zr != 0) {
    if (used == cap) {
      if (cap > max_out) {
        rc = QB_FAIL(err, QB_ELIMIT, "zstd: decompresses to more than %zu bytes", max_out);
        break;
      }
      size_t ncap = cap * 2 > max_out + 1 ? max_out + 1 : cap * 2;
      uint8_t *nb = realloc(buf, ncap + 1);
      if (!nb) {
        rc = QB_FAIL(err, QB_ENOMEM, "zstd: out of memory for %zu bytes", ncap);
        break;
      }
      buf = nb;
      cap = ncap;
    }
    ZSTD_outBuffer o = {buf + used, cap - used, 0};
    zr = ZSTD_decompressStream(d, &o, &in);
    used += o.pos;
    if (ZSTD_isError(zr))
      rc = QB_FAIL(err, QB_ECORRUPT, "zstd: corrupt data: %s", ZSTD_getErrorName(zr));
    else if (zr != 0 && in.pos == in.size && o.pos < o.size)
      rc = QB_FAIL(err, QB_ECORRUPT, "zstd: truncated after %zu compressed bytes", n);
  }
  ZSTD_freeDStream(d);
  if (rc == QB_OK && used > max_out)
    rc = QB_FAIL(err, QB_ELIMIT, "zstd: decompresses to more than %zu bytes", max_out);
  if (rc) {
    free(buf);
    return rc;
  }
  buf[used] = '\0';
  *out = buf;
  *out_n = used;
  return QB_OK;
}

int qb_metadata__decompress(const uint8_t *p, size_t n, size_t max_out, uint8_t **out, size_t *out_n, qb_err *err)
{
  *out = NULL;
  *out_n = 0;
  /* a JSON document starts with '{' or whitespace, never with these bytes */
  if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b) return gunzip(p, n, max_out, out, out_n, err);
  if (n >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd) return unzstd(p, n, max_out, out, out_n, err);
  return QB_OK;
}
