/* SPDX-License-Identifier: Apache-2.0 */
/* The page stream of one column chunk (parquet-format README "Data Pages", parquet.thrift PageHeader;
 * formats.md §2.3, §2.8): page headers, CRC-32 when present, decompression, the dictionary page, data
 * pages v1 (levels and values compressed together) and v2 (levels never compressed), index and unknown
 * page types skipped by their size. */
#include <stdlib.h>
#include <string.h>

#include "formats/parquet/codec.h"
#include "formats/parquet/read_int.h"

void qb_pq__page_drop(qb_pq_colreader *c, bool retire)
{
  /* a row being assembled may still hold byte slices into the page buffer or the decoder's scratch
   * (DELTA_BYTE_ARRAY values): keep them until the caller is done with the row */
  bool bytes = c->kind == QB_V_BYTES || c->kind == QB_V_STRING;
  bool keep_buf = retire && bytes && c->page_owned, keep_dec = retire && bytes && c->dec.scratch_live;
  qb_pq_retired *t = keep_buf || keep_dec ? malloc(sizeof *t) : NULL;
  if (t) {
    t->buf = keep_buf ? c->page_buf : NULL;
    t->dec = c->dec;
    t->next = c->retired;
    c->retired = t;
    if (keep_buf) {
      c->page_buf = NULL;
      c->page_cap = 0;
    }
  } else {
    qb_pq_decoder_release(&c->dec);
  }
  qb_pq_decoder_init(&c->dec);
  c->dec.max_scratch_bytes = (size_t)c->r->opts.max_page_bytes;
  c->page_owned = false;
  free(c->rep_lv.all);
  free(c->def_lv.all);
  memset(&c->rep_lv, 0, sizeof c->rep_lv);
  memset(&c->def_lv, 0, sizeof c->def_lv);
  c->page_left = 0;
  c->dict_encoded = false;
}

/* The decompressed bytes of a page (or of a v2 page's values): borrowed from the chunk when uncompressed,
 * else in c->page_buf, or in a new buffer *dict_buf for a dictionary page (it lives as long as the chunk). */
static int page_bytes(qb_pq_colreader *c, const uint8_t *src, size_t slen, int64_t ulen, uint8_t **dict_buf,
                      const uint8_t **data, size_t *len, qb_err *err)
{
  if (ulen < 0) return QB_FAIL(err, QB_ECORRUPT, "negative uncompressed size %lld", (long long)ulen);
  if ((uint64_t)ulen > c->r->opts.max_page_bytes)
    return QB_FAIL(err, QB_ELIMIT, "%lld bytes uncompressed is above the page limit of %llu", (long long)ulen,
                   (unsigned long long)c->r->opts.max_page_bytes);
  if (c->codec == QB_PQ_UNCOMPRESSED) {
    if ((uint64_t)ulen != slen)
      return QB_FAIL(err, QB_ECORRUPT, "uncompressed page of %zu bytes says it has %lld", slen, (long long)ulen);
    *data = src;
    *len = slen;
    return QB_OK;
  }
  uint8_t *buf;
  if (dict_buf) {
    buf = *dict_buf = malloc(ulen ? (size_t)ulen : 1);
  } else {
    if (c->page_cap < (size_t)ulen || !c->page_buf) {
      free(c->page_buf);
      c->page_cap = ulen ? (size_t)ulen : 1;
      c->page_buf = malloc(c->page_cap);
      if (!c->page_buf) c->page_cap = 0;
    }
    buf = c->page_buf;
  }
  if (!buf) return QB_FAIL(err, QB_ENOMEM, "out of memory for a page of %lld bytes", (long long)ulen);
  int rc = qb_pq_decompress(c->codec, buf, (size_t)ulen, src, slen, err);
  if (rc) return rc;
  c->page_owned = !dict_buf;
  *data = buf;
  *len = (size_t)ulen;
  return QB_OK;
}

/* Position a level stream at *p (advanced past it). v1 RLE levels carry a u32 LE byte length; v2 levels
 * are exactly [*p, end). BIT_PACKED (deprecated) is decoded whole: ceil(count * width / 8) bytes, checked
 * before allocating. */
static int levels_init(qb_pq_levels *lv, int max, qb_pq_encoding enc, bool prefixed, const uint8_t **p,
                       const uint8_t *end, int64_t count, qb_err *err)
{
  int bw = qb_pq_bit_width((uint64_t)max);
  size_t avail = (size_t)(end - *p);
  memset(lv, 0, sizeof *lv);
  lv->max = max;
  if (enc == QB_PQ_RLE) {
    size_t len = avail;
    const uint8_t *q = *p;
    if (prefixed) {
      if (avail < 4) return QB_FAIL(err, QB_ECORRUPT, "level length prefix missing (%zu bytes left)", avail);
      len = qb_le32(q);
      q += 4;
      if (len > avail - 4)
        return QB_FAIL(err, QB_ECORRUPT, "levels of %zu bytes, only %zu left in the page", len, avail - 4);
    }
    *p = q + len;
    return qb_pq_rle_decoder_init(&lv->rle, q, len, bw, err);
  }
  if (enc != QB_PQ_BIT_PACKED)
    return QB_FAIL(err, QB_EUNSUPPORTED, "level encoding %s (%d)", qb_pq_encoding_name(enc), (int)enc);
  uint64_t need = ((uint64_t)count * (uint64_t)bw + 7) / 8;
  if (need > avail)
    return QB_FAIL(err, QB_ECORRUPT, "%lld bit-packed levels need %llu bytes, %zu left", (long long)count,
                   (unsigned long long)need, avail);
  lv->all = malloc(count ? (size_t)count * sizeof *lv->all : 1);
  if (!lv->all) return QB_FAIL(err, QB_ENOMEM, "out of memory for %lld levels", (long long)count);
  lv->bit_packed = true;
  size_t used;
  int rc = qb_pq_levels_decode(lv->all, (size_t)count, max, QB_PQ_BIT_PACKED, false, *p, (size_t)need, &used, err);
  *p += need;
  return rc;
}

int qb_pq__levels_read(int16_t *out, size_t count, qb_pq_levels *lv, uint32_t *scratch, qb_err *err)
{
  if (lv->bit_packed) {
    memcpy(out, lv->all + lv->pos, count * sizeof *out);
    lv->pos += count;
    return QB_OK;
  }
  int rc = qb_pq_rle_decode(scratch, count, &lv->rle, err);
  if (rc) return rc;
  uint32_t max = (uint32_t)lv->max, bad = 0;
  for (size_t i = 0; i < count; i++) {
    bad |= scratch[i] > max;
    out[i] = (int16_t)scratch[i];
  }
  if (bad) return QB_FAIL(err, QB_ECORRUPT, "level above the maximum %d", lv->max);
  return QB_OK;
}

static int values_init(qb_pq_colreader *c, qb_pq_encoding enc, const uint8_t *p, size_t n, qb_err *err)
{
  /* PLAIN_DICTIONARY (parquet-java v1, DuckDB) and RLE_DICTIONARY are the same bytes in a data page */
  c->dict_encoded = enc == QB_PQ_PLAIN_DICTIONARY || enc == QB_PQ_RLE_DICTIONARY;
  if (c->dict_encoded && !c->has_dict)
    return QB_FAIL(err, QB_ECORRUPT, "%s page but the chunk has no dictionary page", qb_pq_encoding_name(enc));
  int rc = qb_pq_decoder_reset(&c->dec, c->type, c->type_length, enc, p, n, err);
  return rc ? qb_err_wrap(err, "values") : QB_OK;
}

static int check_count(qb_pq_colreader *c, int64_t n, qb_err *err)
{
  if (n < 0 || n > c->meta_values - c->entries_seen)
    return QB_FAIL(err, QB_ECORRUPT, "page of %lld values, but only %lld of the chunk's %lld are left", (long long)n,
                   (long long)(c->meta_values - c->entries_seen), (long long)c->meta_values);
  return QB_OK;
}

static int data_page_v1(qb_pq_colreader *c, const qb_pq_page_header *h, const uint8_t *src, size_t slen, qb_err *err)
{
  const qb_pq_data_page_header *d = &h->data_page_header;
  const uint8_t *data, *p, *end;
  size_t len;
  int rc;
  if (!h->has_data_page_header) return QB_FAIL(err, QB_ECORRUPT, "data page without data_page_header");
  if ((rc = check_count(c, d->num_values, err))) return rc;
  if ((rc = page_bytes(c, src, slen, h->uncompressed_page_size, NULL, &data, &len, err))) return rc;
  p = data;
  end = data + len;
  if (c->max_rep && (rc = levels_init(&c->rep_lv, c->max_rep, d->rep_level_encoding, true, &p, end, d->num_values, err)))
    return qb_err_wrap(err, "repetition levels");
  if (c->max_def && (rc = levels_init(&c->def_lv, c->max_def, d->def_level_encoding, true, &p, end, d->num_values, err)))
    return qb_err_wrap(err, "definition levels");
  if ((rc = values_init(c, d->encoding, p, (size_t)(end - p), err))) return rc;
  c->page_left = d->num_values;
  c->entries_seen += d->num_values;
  return QB_OK;
}

static int data_page_v2(qb_pq_colreader *c, const qb_pq_page_header *h, const uint8_t *src, size_t slen, qb_err *err)
{
  const qb_pq_data_page_header_v2 *d = &h->data_page_header_v2;
  int rc;
  if (!h->has_data_page_header_v2) return QB_FAIL(err, QB_ECORRUPT, "data page v2 without data_page_header_v2");
  if ((rc = check_count(c, d->num_values, err))) return rc;
  int64_t rl = d->rep_levels_byte_length, dl = d->def_levels_byte_length;
  if (rl < 0 || dl < 0 || (uint64_t)(rl + dl) > slen || rl + dl > h->uncompressed_page_size)
    return QB_FAIL(err, QB_ECORRUPT, "level sections of %lld + %lld bytes do not fit a page of %zu bytes",
                   (long long)rl, (long long)dl, slen);
  const uint8_t *p = src;
  if (c->max_rep && (rc = levels_init(&c->rep_lv, c->max_rep, QB_PQ_RLE, false, &p, src + rl, d->num_values, err)))
    return qb_err_wrap(err, "repetition levels");
  p = src + rl;
  if (c->max_def && (rc = levels_init(&c->def_lv, c->max_def, QB_PQ_RLE, false, &p, src + rl + dl, d->num_values, err)))
    return qb_err_wrap(err, "definition levels");
  const uint8_t *vsrc = src + rl + dl, *data = vsrc;
  size_t vlen = slen - (size_t)(rl + dl), len = vlen;
  int64_t ulen = h->uncompressed_page_size - rl - dl;
  if (d->is_compressed && c->codec != QB_PQ_UNCOMPRESSED) {
    /* an empty values section is not a compressed stream (datapage_v2_empty_datapage.snappy.parquet) */
    if (vlen == 0) {
      if (ulen != 0) return QB_FAIL(err, QB_ECORRUPT, "empty values section, but %lld bytes uncompressed", (long long)ulen);
      len = 0;
    } else {
      if ((rc = page_bytes(c, vsrc, vlen, ulen, NULL, &data, &len, err))) return rc;
    }
  }
  if ((rc = values_init(c, d->encoding, data, len, err))) return rc;
  c->page_left = d->num_values;
  c->entries_seen += d->num_values;
  return QB_OK;
}

static int dictionary_page(qb_pq_colreader *c, const qb_pq_page_header *h, const uint8_t *src, size_t slen,
                           qb_err *err)
{
  const qb_pq_dictionary_page_header *d = &h->dictionary_page_header;
  if (!h->has_dictionary_page_header) return QB_FAIL(err, QB_ECORRUPT, "dictionary page without its header");
  if (c->seen_data || c->has_dict)
    return QB_FAIL(err, QB_ECORRUPT, "dictionary page after %s", c->has_dict ? "a dictionary page" : "data pages");
  if (d->encoding != QB_PQ_PLAIN && d->encoding != QB_PQ_PLAIN_DICTIONARY)
    return QB_FAIL(err, QB_EUNSUPPORTED, "dictionary page encoding %s (%d)", qb_pq_encoding_name(d->encoding),
                   (int)d->encoding);
  const uint8_t *data;
  size_t len;
  int rc = page_bytes(c, src, slen, h->uncompressed_page_size, &c->dict_buf, &data, &len, err);
  if (rc) return rc;
  /* PLAIN needs at least this many bytes per value: bounds the allocation by the page size */
  uint64_t width;
  switch (c->type) {
  case QB_PQ_BOOLEAN: width = 0; break;
  case QB_PQ_INT64:
  case QB_PQ_DOUBLE: width = 8; break;
  case QB_PQ_INT96: width = 12; break;
  case QB_PQ_FIXED_LEN_BYTE_ARRAY: width = (uint64_t)c->type_length; break;
  default: width = 4; break;
  }
  int64_t n = d->num_values;
  if (n < 0 || (width ? (uint64_t)n * width > len : (uint64_t)n > (uint64_t)len * 8))
    return QB_FAIL(err, QB_ECORRUPT, "dictionary of %lld values cannot fit in %zu bytes", (long long)n, len);
  c->dict = malloc(n ? (size_t)n * c->vsize : 1);
  if (!c->dict) return QB_FAIL(err, QB_ENOMEM, "out of memory for a dictionary of %lld values", (long long)n);
  c->dict_n = (size_t)n;
  qb_pq_decoder dec;
  qb_pq_decoder_init(&dec);
  rc = qb_pq_decoder_reset(&dec, c->type, c->type_length, QB_PQ_PLAIN, data, len, err);
  if (!rc) rc = qb_pq__read_dense(c, &dec, c->dict, (size_t)n, err);
  qb_pq_decoder_release(&dec); /* PLAIN values point into the page, never into the decoder */
  if (rc) return qb_err_wrap(err, "dictionary");
  c->has_dict = true;
  return QB_OK;
}

int qb_pq__col_next_page(qb_pq_colreader *c, qb_err *err)
{
  qb_pq__page_drop(c, true);
  for (;;) {
    /* the footer's num_values says where the chunk's data ends, whatever bytes follow */
    if (c->entries_seen >= c->meta_values || c->next >= c->chunk_len) {
      c->done = true;
      return QB_OK;
    }
    qb_pq_page_header h;
    size_t hlen;
    c->cur_page = c->page_no++;
    c->cur_page_off = c->chunk_off + c->next;
    int rc = qb_pq_page_header_decode(&h, &hlen, c->chunk + c->next, c->chunk_len - c->next, c->cur_page_off, err);
    if (rc) return qb_err_wrap(err, "page header");
    size_t left = c->chunk_len - c->next - hlen;
    if (h.compressed_page_size < 0 || (size_t)h.compressed_page_size > left)
      return QB_FAIL(err, QB_ECORRUPT, "page of %d bytes runs past the end of the column chunk (%zu bytes left)",
                     (int)h.compressed_page_size, left);
    const uint8_t *src = c->chunk + c->next + hlen;
    size_t slen = (size_t)h.compressed_page_size;
    c->next += hlen + slen;
    if (h.has_crc && c->r->opts.verify_crc) {
      uint32_t crc = qb_pq_crc32(0, src, slen);
      if (crc != h.crc)
        return QB_FAIL(err, QB_ECORRUPT, "CRC mismatch: header says %08x, page bytes give %08x", (unsigned)h.crc,
                       (unsigned)crc);
    }
    switch (h.type) {
    case QB_PQ_PAGE_DICTIONARY:
      if ((rc = dictionary_page(c, &h, src, slen, err))) return rc;
      continue;
    case QB_PQ_PAGE_DATA:
      c->seen_data = true;
      return data_page_v1(c, &h, src, slen, err);
    case QB_PQ_PAGE_DATA_V2:
      c->seen_data = true;
      return data_page_v2(c, &h, src, slen, err);
    default: continue; /* INDEX_PAGE and page types from the future: skipped by their size */
    }
  }
}
