/* SPDX-License-Identifier: Apache-2.0 */
/* Avro object container file reader (Avro 1.11 spec, "Object Container Files"): header = magic "Obj\x01",
 * file metadata as an Avro map<bytes>, 16-byte sync marker; then blocks = record count, byte size,
 * (compressed) records, sync marker. Range reads over a qb_file; one block in memory at a time, every
 * length checked against what is left of the file before anything is allocated. */
#include <stdlib.h>
#include <string.h>

#include "formats/avro/codec.h"
#include "formats/avro/datum.h"
#include "formats/avro/schema_cache.h"

#define DEF_MAX_BLOCK ((size_t)64 << 20)
#define DEF_MAX_RECORDS ((uint64_t)16 << 20)
#define DEF_MAX_HEADER ((size_t)16 << 20)
#define DEF_MAX_RECORD ((size_t)256 << 20)
#define DEF_READ_AHEAD ((size_t)64 << 10)

typedef struct meta_entry {
  const char *key;
  qb_slice value;
} meta_entry;

struct qb_avro_reader {
  qb_file *f;
  bool owns_file;
  uint64_t size;
  qb_avro_read_options opt;
  qb_arena arena; /* header, metadata, for the reader's lifetime */
  meta_entry *meta;
  size_t n_meta;
  qb_avro_schema *wschema; /* owned unless `cached` */
  const qb_avro_schema *rschema;
  bool cached;             /* wschema and plan belong to opt.schema_cache */
  qb_avro_codec codec;
  uint8_t sync[16];
  qb_avro_plans *plans;
  const qb_avro_plan *plan;
  size_t record_min; /* fewest bytes a record takes (0: records of nothing) */

  qb_buf win; /* file bytes [win_off, win_off + win.n) */
  uint64_t win_off;
  uint64_t off;  /* offset of the next block */
  qb_buf ubuf;   /* the current block decompressed */
  qb_slice stored; /* the current block as stored (codec-compressed), inside win */
  qb_avro_cur cur;
  bool in_block;
  uint64_t block_count; /* records in the current block */
  uint64_t block_left;  /* records not yet returned */
  uint64_t blocks;      /* blocks loaded */

  qb_arena rec_arena; /* the last record's values */
  qb_value value;
  int failed; /* sticky error */
  qb_err ferr;
};

/* Make file bytes [off, off + n) available; off + n <= size is the caller's job. One range read fetches
 * at least read_ahead_bytes, so small files and small blocks cost one request. */
static int window(const uint8_t **out, qb_avro_reader *r, uint64_t off, size_t n, qb_err *err)
{
  if (off >= r->win_off && off - r->win_off <= r->win.n && n <= r->win.n - (off - r->win_off)) {
    *out = r->win.p + (off - r->win_off);
    return QB_OK;
  }
  size_t want = n > r->opt.read_ahead_bytes ? n : r->opt.read_ahead_bytes;
  if (want > r->size - off) want = (size_t)(r->size - off);
  qb_buf_reset(&r->win);
  r->win_off = 0;
  int rc = qb_buf_reserve(&r->win, want, err);
  if (rc) return rc;
  if ((rc = qb_file_pread(r->f, r->win.p, want, off, err))) return rc;
  r->win.n = want;
  r->win_off = off;
  *out = r->win.p;
  return QB_OK;
}

/* ---- header ------------------------------------------------------------------------------------ */

/* `keys` maps a key to its index + 1, so a header of many entries costs linear time. `key` is in r->arena. */
static int add_meta(qb_avro_reader *r, qb_map *keys, const char *key, const uint8_t *v, size_t vn, size_t *cap,
                    qb_err *err)
{
  uint8_t *val = qb_arena_memdup(&r->arena, v, vn);
  if (!val) return QB_FAIL(err, QB_ENOMEM, "out of memory reading metadata");
  void *hit = qb_map_get_str(keys, key);
  if (hit) { /* as Java's map: the last value wins */
    r->meta[(uintptr_t)hit - 1].value = (qb_slice){val, vn};
    return QB_OK;
  }
  int rc = qb_map_put_str(keys, key, (void *)(uintptr_t)(r->n_meta + 1), err);
  if (rc) return rc;
  if (r->n_meta == *cap) {
    size_t ncap = *cap ? 2 * *cap : 16;
    meta_entry *nm = qb_arena_alloc(&r->arena, ncap * sizeof *nm);
    if (!nm) return QB_FAIL(err, QB_ENOMEM, "out of memory reading metadata");
    if (r->n_meta) memcpy(nm, r->meta, r->n_meta * sizeof *nm);
    r->meta = nm;
    *cap = ncap;
  }
  r->meta[r->n_meta++] = (meta_entry){key, {val, vn}};
  return QB_OK;
}

/* The header is read in one pass straight from the file through the window (one range read per
 * read_ahead_bytes); every length is checked against the file size and max_header_bytes first. */
static int hdr_bytes(const uint8_t **out, qb_avro_reader *r, uint64_t pos, size_t n, qb_err *err)
{
  if (n > r->size - pos)
    return QB_FAIL(err, QB_ECORRUPT, "truncated: %zu bytes needed at offset %llu, the file has %llu", n,
                   (unsigned long long)pos, (unsigned long long)r->size);
  if (pos + n > r->opt.max_header_bytes)
    return QB_FAIL(err, QB_ELIMIT, "header larger than the limit of %zu bytes", r->opt.max_header_bytes);
  return window(out, r, pos, n, err);
}

static int hdr_long(int64_t *out, qb_avro_reader *r, uint64_t *pos, qb_err *err)
{
  uint64_t left = r->size - *pos;
  size_t n = left < 10 ? (size_t)left : 10;
  const uint8_t *p;
  int rc = window(&p, r, *pos, n, err);
  if (rc) return rc;
  qb_avro_cur c = {p, p + n};
  if ((rc = qb_avro__read_long(&c, out, err))) return rc;
  *pos += (uint64_t)(c.p - p);
  if (*pos > r->opt.max_header_bytes)
    return QB_FAIL(err, QB_ELIMIT, "header larger than the limit of %zu bytes", r->opt.max_header_bytes);
  return QB_OK;
}

/* A length-prefixed byte string of the metadata map. */
static int hdr_string(const uint8_t **out, size_t *out_n, qb_avro_reader *r, uint64_t *pos, qb_err *err)
{
  int64_t n;
  int rc = hdr_long(&n, r, pos, err);
  if (rc) return rc;
  if (n < 0) return QB_FAIL(err, QB_ECORRUPT, "negative length %lld", (long long)n);
  if ((uint64_t)n > r->size - *pos)
    return QB_FAIL(err, QB_ECORRUPT, "length %lld exceeds the %llu bytes left in the file", (long long)n,
                   (unsigned long long)(r->size - *pos));
  if ((rc = hdr_bytes(out, r, *pos, (size_t)n, err))) return rc;
  *out_n = (size_t)n;
  *pos += (uint64_t)n;
  return QB_OK;
}

/* Magic, the metadata map<bytes> (blocks of entries ending with a 0 count), the sync marker. */
static int parse_header(qb_avro_reader *r, qb_map *keys, qb_err *err)
{
  const uint8_t *p;
  uint64_t pos = 4;
  size_t cap = 0;
  int rc;
  /* a failed read is that failure (an I/O error stays QB_EIO, with its message), not a bad file */
  if (r->size >= 4 && (rc = window(&p, r, 0, 4, err))) return qb_err_wrap(err, "reading the magic");
  if (r->size < 4 || memcmp(p, "Obj\x01", 4))
    return QB_FAIL(err, QB_ECORRUPT, "not an Avro object container file (bad magic)");
  for (;;) {
    int64_t count, size;
    if ((rc = hdr_long(&count, r, &pos, err))) return qb_err_wrap(err, "metadata");
    if (count == 0) break;
    if (count < 0) { /* a block with its byte size, as arrays and maps may be written */
      if (count == INT64_MIN) return QB_FAIL(err, QB_ECORRUPT, "metadata: bad block count");
      count = -count;
      if ((rc = hdr_long(&size, r, &pos, err))) return qb_err_wrap(err, "metadata");
    }
    if ((uint64_t)count > (r->size - pos) / 2) /* an entry takes at least two bytes */
      return QB_FAIL(err, QB_ECORRUPT, "metadata: %lld entries cannot fit in %llu bytes", (long long)count,
                     (unsigned long long)(r->size - pos));
    for (int64_t i = 0; i < count; i++) {
      const uint8_t *k, *v;
      size_t kn, vn;
      char *key;
      if ((rc = hdr_string(&k, &kn, r, &pos, err)) || !(key = qb_arena_strndup(&r->arena, (const char *)k, kn)) ||
          (rc = hdr_string(&v, &vn, r, &pos, err)))
        return rc ? qb_err_wrap(err, "metadata entry %zu", r->n_meta) : QB_FAIL(err, QB_ENOMEM, "out of memory");
      if (strlen(key) != kn) return QB_FAIL(err, QB_ECORRUPT, "metadata entry %zu: key with a NUL byte", r->n_meta);
      if ((rc = add_meta(r, keys, key, v, vn, &cap, err))) return rc;
    }
  }
  if ((rc = hdr_bytes(&p, r, pos, 16, err))) return qb_err_wrap(err, "header sync marker");
  memcpy(r->sync, p, 16);
  r->off = pos + 16;
  return QB_OK;
}

static int setup(qb_avro_reader *r, qb_err *err)
{
  qb_map keys;
  qb_map_init(&keys);
  int rc = parse_header(r, &keys, err);
  qb_map_free(&keys);
  if (rc) return rc;
  qb_slice s;
  if (!qb_avro_reader_meta(r, "avro.schema", &s)) return QB_FAIL(err, QB_ECORRUPT, "header has no avro.schema");
  const qb_avro_schema *ws = NULL;
  if (r->opt.schema_cache) {
    rc = qb_avro__cache_get(r->opt.schema_cache, s, r->opt.reader_schema, r->opt.wrap_unions, &ws, &r->plan, err);
    if (rc) return qb_err_wrap(err, "avro.schema");
  }
  if (ws) {
    r->cached = true;
    r->wschema = (qb_avro_schema *)ws; /* never freed through the reader */
  } else if ((rc = qb_avro_schema_parse(&r->wschema, (const char *)s.p, s.n, err))) {
    if (rc == QB_EINVAL) err->code = rc = QB_ECORRUPT; /* a bad schema in a file is a corrupt file */
    return qb_err_wrap(err, "avro.schema");
  }
  r->codec = QB_AVRO_CODEC_NULL;
  if (qb_avro_reader_meta(r, "avro.codec", &s) && (rc = qb_avro__codec_parse(&r->codec, s.p, s.n, err)))
    return rc;
  r->rschema = r->opt.reader_schema ? r->opt.reader_schema : r->wschema;
  if (!r->cached &&
      (rc = qb_avro__plans_new(&r->plans, &r->plan, r->wschema->root, r->rschema->root, r->opt.wrap_unions, err)))
    return rc;
  r->record_min = r->wschema->root->min_size;
  return QB_OK;
}

int qb_avro_reader_open(qb_avro_reader **out, qb_file *f, const qb_avro_read_options *opts, qb_err *err)
{
  *out = NULL;
  qb_err local = QB_ERR_INIT;
  if (!err) err = &local;
  static const qb_avro_read_options defaults = QB_AVRO_READ_OPTIONS_INIT;
  if (!opts) opts = &defaults;
  if (opts->version != QB_AVRO_READ_OPTIONS_VERSION)
    return QB_FAIL(err, QB_EINVAL, "%s: read options version %u, expected %u", qb_file_path(f), opts->version,
                   QB_AVRO_READ_OPTIONS_VERSION);
  qb_avro_reader *r = calloc(1, sizeof *r);
  if (!r) return QB_FAIL(err, QB_ENOMEM, "%s: out of memory", qb_file_path(f));
  r->f = f;
  r->size = qb_file_size(f);
  r->opt = *opts;
  if (!r->opt.max_block_bytes) r->opt.max_block_bytes = DEF_MAX_BLOCK;
  if (!r->opt.max_block_records) r->opt.max_block_records = DEF_MAX_RECORDS;
  if (!r->opt.max_header_bytes) r->opt.max_header_bytes = DEF_MAX_HEADER;
  if (!r->opt.max_record_bytes) r->opt.max_record_bytes = DEF_MAX_RECORD;
  if (!r->opt.read_ahead_bytes) r->opt.read_ahead_bytes = DEF_READ_AHEAD;
  qb_arena_init(&r->arena, 4096);
  qb_arena_init(&r->rec_arena, 8192);
  qb_buf_init(&r->win, QB_BUF_NOLIMIT);
  qb_buf_init(&r->ubuf, QB_BUF_NOLIMIT);
  int rc = setup(r, err);
  if (rc) {
    qb_avro_reader_close(r);
    return qb_err_wrap(err, "%s", qb_file_path(f));
  }
  *out = r;
  return QB_OK;
}

int qb_avro_reader_open_path(qb_avro_reader **out, qb_fileio *io, const char *path, const qb_avro_read_options *opts,
                             qb_err *err)
{
  qb_file *f;
  *out = NULL;
  int rc = qb_fileio_open_read(&f, io, path, err);
  if (rc) return rc;
  if ((rc = qb_avro_reader_open(out, f, opts, err))) {
    qb_file_close(f);
    return rc;
  }
  (*out)->owns_file = true;
  return QB_OK;
}

void qb_avro_reader_close(qb_avro_reader *r)
{
  if (!r) return;
  qb_avro__plans_free(r->plans);
  if (!r->cached) qb_avro_schema_free(r->wschema);
  qb_arena_release(&r->arena);
  qb_arena_release(&r->rec_arena);
  qb_buf_free(&r->win);
  qb_buf_free(&r->ubuf);
  if (r->owns_file) qb_file_close(r->f);
  free(r);
}

/* ---- blocks ------------------------------------------------------------------------------------ */

static int load_block(qb_avro_reader *r, bool decompress, qb_err *err)
{
  const uint8_t *p;
  uint64_t left = r->size - r->off;
  size_t hn = left < 20 ? (size_t)left : 20; /* two varints */
  int rc = window(&p, r, r->off, hn, err);
  if (rc) return rc;
  qb_avro_cur c = {p, p + hn};
  int64_t count, size;
  if ((rc = qb_avro__read_long(&c, &count, err)) || (rc = qb_avro__read_long(&c, &size, err)))
    return qb_err_wrap(err, "block header at offset %llu", (unsigned long long)r->off);
  if (count < 0 || size < 0)
    return QB_FAIL(err, QB_ECORRUPT, "negative record count %lld or size %lld", (long long)count, (long long)size);
  uint64_t data_off = r->off + (uint64_t)(c.p - p);
  uint64_t rest = r->size - data_off;
  if ((uint64_t)size > rest || rest - (uint64_t)size < 16)
    return QB_FAIL(err, QB_ECORRUPT, "%lld bytes of records and the 16-byte sync marker exceed the %llu bytes left",
                   (long long)size, (unsigned long long)rest);
  if ((uint64_t)size > r->opt.max_block_bytes)
    return QB_FAIL(err, QB_ELIMIT, "%lld bytes exceed the block limit of %zu", (long long)size, r->opt.max_block_bytes);
  if ((uint64_t)count > r->opt.max_block_records)
    return QB_FAIL(err, QB_ELIMIT, "%lld records exceed the block limit of %llu", (long long)count,
                   (unsigned long long)r->opt.max_block_records);
  if ((rc = window(&p, r, data_off, (size_t)size + 16, err))) return rc;
  if (memcmp(p + size, r->sync, 16)) return QB_FAIL(err, QB_ECORRUPT, "sync marker mismatch");
  r->stored = (qb_slice){p, (size_t)size};
  if (!decompress) {
    r->cur = (qb_avro_cur){p, p};
  } else if (r->codec == QB_AVRO_CODEC_NULL) {
    r->cur = (qb_avro_cur){p, p + size};
  } else {
    if ((rc = qb_avro__decompress(r->codec, p, (size_t)size, &r->ubuf, r->opt.max_block_bytes, err)))
      return rc;
    r->cur = (qb_avro_cur){r->ubuf.p, r->ubuf.p + r->ubuf.n};
  }
  if (decompress && r->record_min && (uint64_t)count > qb_avro__left(&r->cur) / r->record_min)
    return QB_FAIL(err, QB_ECORRUPT, "%lld records cannot fit in %zu bytes", (long long)count, qb_avro__left(&r->cur));
  r->off = data_off + (uint64_t)size + 16;
  r->block_count = r->block_left = (uint64_t)count;
  r->in_block = true;
  return QB_OK;
}

static int next(const qb_value **out, qb_avro_reader *r, qb_err *err)
{
  int rc;
  while (r->block_left == 0) {
    if (r->in_block && r->cur.p != r->cur.end) {
      QB_FAIL(err, QB_ECORRUPT, "%zu bytes left over after its %llu records", qb_avro__left(&r->cur),
              (unsigned long long)r->block_count);
      return qb_err_wrap(err, "block %llu", (unsigned long long)(r->blocks - 1));
    }
    r->in_block = false;
    if (r->off == r->size) {
      *out = NULL;
      return QB_OK;
    }
    r->blocks++;
    if ((rc = load_block(r, true, err))) return qb_err_wrap(err, "block %llu", (unsigned long long)(r->blocks - 1));
  }
  qb_avro_dec d;
  qb_avro__dec_init(&d, &r->rec_arena, r->opt.max_record_bytes);
  uint64_t idx = r->block_count - r->block_left;
  if ((rc = qb_avro__decode(&r->value, r->plan, &r->cur, &d, err))) {
    qb_err_wrap(err, "record %llu", (unsigned long long)idx);
    return qb_err_wrap(err, "block %llu", (unsigned long long)(r->blocks - 1));
  }
  r->block_left--;
  *out = &r->value;
  return QB_OK;
}

int qb_avro_reader_next(const qb_value **out, qb_avro_reader *r, qb_err *err)
{
  *out = NULL;
  if (r->failed) {
    if (err) *err = r->ferr;
    return r->failed;
  }
  qb_arena_release(&r->rec_arena);
  qb_arena_init(&r->rec_arena, 8192);
  int rc = next(out, r, &r->ferr);
  if (rc) {
    qb_err_wrap(&r->ferr, "%s", qb_file_path(r->f));
    r->failed = rc;
    *out = NULL;
    if (err) *err = r->ferr;
  }
  return rc;
}

static int next_block(qb_avro_block *out, qb_avro_reader *r, bool decompress, qb_err *err)
{
  if (r->block_left != 0)
    return QB_FAIL(err, QB_EINVAL, "a block is read whole: %llu records of block %llu not yet returned",
                   (unsigned long long)r->block_left, (unsigned long long)(r->blocks - 1));
  r->in_block = false;
  if (r->off == r->size) return QB_OK;
  r->blocks++;
  int rc = load_block(r, decompress, err);
  if (rc) return qb_err_wrap(err, "block %llu", (unsigned long long)(r->blocks - 1));
  /* The caller consumes the whole block: nothing is left for qb_avro_reader_next. */
  r->block_left = 0;
  r->in_block = false;
  out->records = r->block_count;
  out->stored = r->stored;
  out->data = decompress ? (qb_slice){r->cur.p, qb_avro__left(&r->cur)} : (qb_slice){NULL, 0};
  return QB_OK;
}

int qb_avro_reader_next_block(qb_avro_block *out, qb_avro_reader *r, bool decompress, qb_err *err)
{
  *out = (qb_avro_block){0};
  if (r->failed) {
    if (err) *err = r->ferr;
    return r->failed;
  }
  int rc = next_block(out, r, decompress, &r->ferr);
  if (rc) {
    qb_err_wrap(&r->ferr, "%s", qb_file_path(r->f));
    r->failed = rc;
    *out = (qb_avro_block){0};
    if (err) *err = r->ferr;
  }
  return rc;
}

const uint8_t *qb_avro_reader_sync(const qb_avro_reader *r) { return r->sync; }

/* ---- accessors --------------------------------------------------------------------------------- */

const qb_avro_schema *qb_avro_reader_writer_schema(const qb_avro_reader *r) { return r->wschema; }
const qb_avro_schema *qb_avro_reader_schema(const qb_avro_reader *r) { return r->rschema; }
qb_avro_codec qb_avro_reader_codec(const qb_avro_reader *r) { return r->codec; }
size_t qb_avro_reader_meta_count(const qb_avro_reader *r) { return r->n_meta; }
uint64_t qb_avro_reader_blocks(const qb_avro_reader *r) { return r->blocks; }

bool qb_avro_reader_meta_at(const qb_avro_reader *r, size_t i, const char **key, qb_slice *value)
{
  if (i >= r->n_meta) return false;
  *key = r->meta[i].key;
  *value = r->meta[i].value;
  return true;
}

bool qb_avro_reader_meta(const qb_avro_reader *r, const char *key, qb_slice *value)
{
  for (size_t i = 0; i < r->n_meta; i++)
    if (!strcmp(r->meta[i].key, key)) {
      *value = r->meta[i].value;
      return true;
    }
  return false;
}
