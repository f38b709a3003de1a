/* SPDX-License-Identifier: Apache-2.0 */
/* Avro object container file writer (Avro 1.11 spec, "Object Container Files"): the header (magic,
 * metadata map with avro.schema, avro.codec and the caller's keys, a random 16-byte sync marker) goes out
 * with the first block; records are encoded into a block buffer that is compressed and written once it
 * reaches block_bytes. Blocks of another file with the same schema and codec can be copied in verbatim. */
#include <stdlib.h>
#include <string.h>

#include "formats/avro/codec.h"
#include "formats/avro/datum.h"
#include "formats/avro/ocf_writer.h"
#include "util/clock.h"

/* A block is never larger than what our reader accepts by default (max_block_bytes). */
#define MAX_BLOCK ((size_t)64 << 20)
#define DEF_BLOCK 64000 /* Java DataFileWriter's default sync interval */

typedef struct wmeta {
  char *key;
  uint8_t *value;
  size_t n;
} wmeta;

struct qb_avro_writer {
  qb_writer *dst;
  const qb_avro_schema *schema;
  qb_avro_write_options opt;
  char *schema_json;
  size_t schema_json_n;
  wmeta *meta;
  size_t n_meta, cap_meta;
  bool header_done;
  uint8_t sync[16];
  qb_buf block; /* encoded records of the current block */
  uint64_t block_records;
  qb_buf out; /* a framed block (or the header) on its way to dst */
  qb_buf raw; /* a small copied block, decompressed to join the current block */
  bool no_join; /* a copied block was too big to join: the blocks after it (older, full ones) are not tried */
  uint64_t records;
  int failed; /* sticky I/O error */
  qb_err ferr;
};

int qb_avro_writer_open(qb_avro_writer **out, qb_writer *dst, const qb_avro_schema *schema,
                        const qb_avro_write_options *opts, qb_err *err)
{
  *out = NULL;
  static const qb_avro_write_options defaults = QB_AVRO_WRITE_OPTIONS_INIT;
  if (!opts) opts = &defaults;
  if (opts->version != QB_AVRO_WRITE_OPTIONS_VERSION)
    return QB_FAIL(err, QB_EINVAL, "avro writer: options version %u, expected %u", opts->version,
                   QB_AVRO_WRITE_OPTIONS_VERSION);
  if ((unsigned)opts->codec > QB_AVRO_CODEC_ZSTD) return QB_FAIL(err, QB_EINVAL, "avro writer: unknown codec %d", (int)opts->codec);
  if (opts->codec == QB_AVRO_CODEC_DEFLATE && (opts->level < 0 || opts->level > 9))
    return QB_FAIL(err, QB_EINVAL, "avro writer: deflate level %d is not 1..9", opts->level);
  int rc = qb_avro__schema_check_names(schema, err);
  if (rc) return rc;
  qb_avro_writer *w = calloc(1, sizeof *w);
  if (!w) return QB_FAIL(err, QB_ENOMEM, "avro writer: out of memory");
  w->dst = dst;
  w->schema = schema;
  w->opt = *opts;
  if (!w->opt.block_bytes) w->opt.block_bytes = DEF_BLOCK;
  if (w->opt.block_bytes > MAX_BLOCK) w->opt.block_bytes = MAX_BLOCK;
  qb_buf_init(&w->block, QB_BUF_NOLIMIT);
  qb_buf_init(&w->out, QB_BUF_NOLIMIT);
  qb_buf_init(&w->raw, QB_BUF_NOLIMIT);
  uint64_t s0 = qb_random_u64(), s1 = qb_random_u64();
  memcpy(w->sync, &s0, 8);
  memcpy(w->sync + 8, &s1, 8);
  if ((rc = qb_avro_schema_to_json(&w->schema_json, &w->schema_json_n, schema, err))) {
    qb_avro_writer_abort(w);
    return rc;
  }
  *out = w;
  return QB_OK;
}

void qb_avro__writer_set_sync(qb_avro_writer *w, const uint8_t sync[16])
{
  if (w && !w->header_done) memcpy(w->sync, sync, 16);
}

void qb_avro_writer_abort(qb_avro_writer *w)
{
  if (!w) return;
  for (size_t i = 0; i < w->n_meta; i++) {
    free(w->meta[i].key);
    free(w->meta[i].value);
  }
  free(w->meta);
  free(w->schema_json);
  qb_buf_free(&w->block);
  qb_buf_free(&w->out);
  qb_buf_free(&w->raw);
  free(w);
}

uint64_t qb_avro_writer_records(const qb_avro_writer *w) { return w->records; }

int qb_avro_writer_set_meta(qb_avro_writer *w, const char *key, const void *value, size_t n, qb_err *err)
{
  if (w->header_done || w->records)
    return QB_FAIL(err, QB_EINVAL, "avro writer: metadata '%s' set after the first record", key);
  /* Spec: "All metadata properties that start with "avro." are reserved." */
  if (!strncmp(key, "avro.", 5))
    return QB_FAIL(err, QB_EINVAL, "avro writer: metadata key '%s' is reserved (set by the schema and codec)", key);
  uint8_t *v = malloc(n ? n : 1);
  if (!v) return QB_FAIL(err, QB_ENOMEM, "avro writer: out of memory");
  if (n) memcpy(v, value, n);
  for (size_t i = 0; i < w->n_meta; i++)
    if (!strcmp(w->meta[i].key, key)) {
      free(w->meta[i].value);
      w->meta[i].value = v;
      w->meta[i].n = n;
      return QB_OK;
    }
  if (w->n_meta == w->cap_meta) {
    size_t ncap = w->cap_meta ? 2 * w->cap_meta : 8;
    wmeta *nm = realloc(w->meta, ncap * sizeof *nm);
    if (!nm) {
      free(v);
      return QB_FAIL(err, QB_ENOMEM, "avro writer: out of memory");
    }
    w->meta = nm;
    w->cap_meta = ncap;
  }
  char *k = strdup(key);
  if (!k) {
    free(v);
    return QB_FAIL(err, QB_ENOMEM, "avro writer: out of memory");
  }
  w->meta[w->n_meta++] = (wmeta){k, v, n};
  return QB_OK;
}

int qb_avro_writer_set_meta_str(qb_avro_writer *w, const char *key, const char *value, qb_err *err)
{
  return qb_avro_writer_set_meta(w, key, value, strlen(value), err);
}

/* An I/O failure poisons the writer: the file is incomplete and later calls say so. */
static int poison(qb_avro_writer *w, int rc, qb_err *err)
{
  w->failed = rc;
  if (err) w->ferr = *err;
  return rc;
}

static int sticky(const qb_avro_writer *w, qb_err *err)
{
  if (err) *err = w->ferr;
  return w->failed;
}

static int write_header(qb_avro_writer *w, qb_err *err)
{
  qb_buf *o = &w->out;
  const char *codec = qb_avro__codec_name(w->opt.codec);
  qb_buf_reset(o);
  int rc = qb_buf_append(o, "Obj\x01", 4, err);
  if (!rc) rc = qb_avro__put_long(o, (int64_t)(2 + w->n_meta), err); /* the map as one block */
  if (!rc) rc = qb_avro__put_bytes(o, "avro.schema", 11, err);
  if (!rc) rc = qb_avro__put_bytes(o, w->schema_json, w->schema_json_n, err);
  if (!rc) rc = qb_avro__put_bytes(o, "avro.codec", 10, err);
  if (!rc) rc = qb_avro__put_bytes(o, codec, strlen(codec), err);
  for (size_t i = 0; !rc && i < w->n_meta; i++) {
    rc = qb_avro__put_bytes(o, w->meta[i].key, strlen(w->meta[i].key), err);
    if (!rc) rc = qb_avro__put_bytes(o, w->meta[i].value, w->meta[i].n, err);
  }
  if (!rc) rc = qb_avro__put_long(o, 0, err);
  if (!rc) rc = qb_buf_append(o, w->sync, 16, err);
  if (!rc) rc = qb_writer_write(w->dst, o->p, o->n, err);
  if (rc) return poison(w, qb_err_wrap(err, "avro writer: header"), err);
  w->header_done = true;
  return QB_OK;
}

static int flush_block(qb_avro_writer *w, qb_err *err)
{
  if (!w->header_done) {
    int rc = write_header(w, err);
    if (rc) return rc;
  }
  if (w->block_records == 0) return QB_OK;
  qb_buf *o = &w->out;
  uint8_t head[20];
  size_t hn = qb_avro__encode_long(head, (int64_t)w->block_records);
  qb_buf_reset(o);
  /* compress after a gap big enough for the two varints, then slide the header in front */
  int rc = qb_buf_reserve(o, sizeof head, err);
  if (!rc) {
    o->n = sizeof head;
    rc = qb_avro__compress(w->opt.codec, w->opt.level, w->block.p, w->block.n, o, err);
  }
  if (!rc) {
    size_t data_n = o->n - sizeof head;
    hn += qb_avro__encode_long(head + hn, (int64_t)data_n);
    memcpy(o->p + sizeof head - hn, head, hn);
    rc = qb_buf_append(o, w->sync, 16, err);
    if (!rc) rc = qb_writer_write(w->dst, o->p + sizeof head - hn, o->n - (sizeof head - hn), err);
  }
  if (rc) return poison(w, qb_err_wrap(err, "avro writer: block of %llu records", (unsigned long long)w->block_records), err);
  qb_buf_reset(&w->block);
  w->block_records = 0;
  return QB_OK;
}

int qb_avro_writer_append(qb_avro_writer *w, const qb_value *v, qb_err *err)
{
  qb_err local = QB_ERR_INIT;
  if (!err) err = &local;
  if (w->failed) return sticky(w, err);
  size_t mark = w->block.n;
  int rc = qb_avro__encode(&w->block, w->schema->root, v, w->opt.wrap_unions, err);
  if (rc == QB_ENOMEM) return poison(w, rc, err); /* the block buffer is gone */
  if (!rc && w->block.n - mark > MAX_BLOCK)
    rc = QB_FAIL(err, QB_ELIMIT, "a record of %zu bytes exceeds the block limit of %zu", w->block.n - mark, MAX_BLOCK);
  if (!rc && w->block_records && w->block.n > MAX_BLOCK) { /* close the block before this record */
    size_t n = w->block.n - mark;
    uint8_t *tail = malloc(n);
    if (!tail) return poison(w, QB_FAIL(err, QB_ENOMEM, "avro writer: out of memory"), err);
    memcpy(tail, w->block.p + mark, n);
    w->block.n = mark;
    rc = flush_block(w, err);
    if (!rc) rc = qb_buf_append(&w->block, tail, n, err);
    free(tail);
    if (rc) return w->failed ? rc : poison(w, rc, err);
  } else if (rc) {
    w->block.n = mark; /* the file is as before the call */
    return qb_err_wrap(err, "avro writer: record %llu", (unsigned long long)w->records);
  }
  w->records++;
  w->block_records++;
  return w->block.n >= w->opt.block_bytes ? flush_block(w, err) : QB_OK;
}

int qb_avro_writer_append_block(qb_avro_writer *w, uint64_t records, qb_slice stored, qb_avro_codec codec,
                                qb_err *err)
{
  qb_err local = QB_ERR_INIT;
  if (!err) err = &local;
  if (w->failed) return sticky(w, err);
  if (codec != w->opt.codec)
    return QB_FAIL(err, QB_EINVAL, "avro writer: a block compressed with %s cannot be copied into a %s file",
                   qb_avro__codec_name(codec), qb_avro__codec_name(w->opt.codec));
  /* the same limits our reader (and Java's, on the count) applies, so a copied file stays readable */
  if (records == 0 || records > INT64_MAX || stored.n == 0 || stored.n > MAX_BLOCK || !stored.p)
    return QB_FAIL(err, QB_EINVAL, "avro writer: block of %llu records in %zu bytes cannot be copied",
                   (unsigned long long)records, stored.n);
  /* A small block joins the block being built: a block's data is its records' encodings back to back, so no
   * record is decoded. A file copied forward commit after commit (an Iceberg manifest list gaining one entry
   * each time) would otherwise gain one tiny block per copy; this way its blocks fill up to a quarter of
   * block_bytes, at the cost of (de)compressing at most that much per copy. */
  size_t small = w->opt.block_bytes / 4;
  /* Trying costs a decompression up to the limit: a copied list's older blocks compress well below `small`
   * but hold block_bytes of records, so after one refusal the rest are not tried (each would be inflated
   * for nothing: a 10,000-entry list's copy cost twice as much as the document it serves). */
  if (stored.n <= small && w->block.n < small && !w->no_join) {
    int rc = qb_avro__decompress(codec, stored.p, stored.n, &w->raw, small - w->block.n, err);
    if (rc == QB_OK) {
      if ((rc = qb_buf_append(&w->block, w->raw.p, w->raw.n, err))) return poison(w, rc, err);
      w->records += records;
      w->block_records += records;
      return QB_OK;
    }
    if (rc != QB_ELIMIT) return qb_err_wrap(err, "avro writer: copied block of %llu records", (unsigned long long)records);
    qb_err_clear(err); /* too big to join: copied as it is */
    w->no_join = true;
  }
  /* records appended one by one before stay in their own block, ahead of the copy */
  int rc = flush_block(w, err);
  if (rc) return rc;
  uint8_t head[20];
  size_t hn = qb_avro__encode_long(head, (int64_t)records);
  hn += qb_avro__encode_long(head + hn, (int64_t)stored.n);
  rc = qb_writer_write(w->dst, head, hn, err);
  if (!rc) rc = qb_writer_write(w->dst, stored.p, stored.n, err);
  if (!rc) rc = qb_writer_write(w->dst, w->sync, 16, err);
  if (rc) return poison(w, qb_err_wrap(err, "avro writer: copied block of %llu records", (unsigned long long)records), err);
  w->records += records;
  return QB_OK;
}

int qb_avro_writer_flush(qb_avro_writer *w, qb_err *err)
{
  qb_err local = QB_ERR_INIT;
  if (!err) err = &local;
  if (w->failed) return sticky(w, err);
  return flush_block(w, err);
}

int qb_avro_writer_close(qb_avro_writer *w, qb_err *err)
{
  qb_err local = QB_ERR_INIT;
  if (!err) err = &local;
  int rc = w->failed ? sticky(w, err) : flush_block(w, err);
  qb_avro_writer_abort(w);
  return rc;
}

int qb_avro_writer_append_json(qb_avro_writer *w, const char *json, size_t n, qb_err *err)
{
  qb_err local = QB_ERR_INIT;
  if (!err) err = &local;
  if (n > INT32_MAX) return QB_FAIL(err, QB_ELIMIT, "avro writer: JSON record of %zu bytes is too long", n);
  json_tokener *tok = json_tokener_new_ex(4 * QB_AVRO_MAX_DEPTH);
  if (!tok) return QB_FAIL(err, QB_ENOMEM, "avro writer: out of memory");
  json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
  json_object *j = json_tokener_parse_ex(tok, json, (int)n);
  enum json_tokener_error jerr = json_tokener_get_error(tok);
  size_t end = json_tokener_get_parse_end(tok);
  json_tokener_free(tok);
  while (jerr == json_tokener_success && end < n && (json[end] == ' ' || json[end] == '\t' || json[end] == '\r' ||
                                                     json[end] == '\n'))
    end++;
  if (jerr != json_tokener_success || end != n) {
    json_object_put(j);
    return QB_FAIL(err, QB_EINVAL, "avro writer: record %llu: invalid JSON at byte %zu: %s",
                   (unsigned long long)w->records, end,
                   jerr == json_tokener_success ? "trailing bytes" : json_tokener_error_desc(jerr));
  }
  qb_arena a;
  qb_arena_init(&a, 4096);
  qb_value v;
  int rc = qb_avro__value_from_json(&v, w->schema->root, j, &a, w->opt.wrap_unions, err);
  if (rc) qb_err_wrap(err, "avro writer: record %llu", (unsigned long long)w->records);
  else rc = qb_avro_writer_append(w, &v, err);
  qb_arena_release(&a);
  json_object_put(j);
  return rc;
}
