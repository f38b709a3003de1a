/* SPDX-License-Identifier: Apache-2.0 */
/* Thrift compact protocol reader and writer (apache/thrift doc/specs/thrift-compact-protocol.md):
 * ULEB128 varints, zig-zag integers, field-id deltas, list/set/map headers, generic skipping. */
#include "formats/thrift/compact.h"

#include <string.h>

/* ---- reader ---------------------------------------------------------------------------------------------- */

void qb_tc_reader_init(qb_tc_reader *r, const void *p, size_t n, size_t base_offset)
{
  memset(r, 0, sizeof *r);
  r->p = p;
  r->n = p ? n : 0;
  r->base = base_offset;
  r->bool_pending = -1;
}

static int truncated(qb_tc_reader *r, const char *what, qb_err *err)
{
  return QB_FAIL(err, QB_ECORRUPT, "thrift: truncated %s at byte %zu", what, qb_tc_reader_offset(r));
}

int qb_tc_read_varint(uint64_t *out, qb_tc_reader *r, qb_err *err)
{
  size_t at = r->pos;
  uint64_t v = 0;
  for (unsigned shift = 0;; shift += 7) {
    if (r->pos >= r->n) {
      r->pos = at;
      return truncated(r, "varint", err);
    }
    uint8_t b = r->p[r->pos++];
    /* The 10th byte may only contribute the top bit of a 64-bit value. */
    if (shift == 63 && (b & 0x7e)) {
      r->pos = at;
      return QB_FAIL(err, QB_ECORRUPT, "thrift: varint overflows 64 bits at byte %zu", r->base + at);
    }
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
    if (shift == 63) {
      r->pos = at;
      return QB_FAIL(err, QB_ECORRUPT, "thrift: varint longer than 10 bytes at byte %zu", r->base + at);
    }
  }
  *out = v;
  return QB_OK;
}

/* Zig-zag varint that must fit in `bits` (16 or 32) signed bits. */
static int read_zigzag(int64_t *out, unsigned bits, qb_tc_reader *r, qb_err *err)
{
  size_t at = r->pos;
  uint64_t u = 0;
  int rc = qb_tc_read_varint(&u, r, err);
  if (rc) return rc;
  if (bits < 64 && (u >> bits) != 0) {
    r->pos = at;
    return QB_FAIL(err, QB_ECORRUPT, "thrift: i%u value out of range at byte %zu", bits, r->base + at);
  }
  *out = qb_tc_unzigzag64(u);
  return QB_OK;
}

int qb_tc_read_i8(int8_t *out, qb_tc_reader *r, qb_err *err)
{
  if (r->pos >= r->n) return truncated(r, "i8", err);
  *out = (int8_t)r->p[r->pos++];
  return QB_OK;
}

int qb_tc_read_i16(int16_t *out, qb_tc_reader *r, qb_err *err)
{
  int64_t v = 0;
  int rc = read_zigzag(&v, 16, r, err);
  if (!rc) *out = (int16_t)v;
  return rc;
}

int qb_tc_read_i32(int32_t *out, qb_tc_reader *r, qb_err *err)
{
  int64_t v = 0;
  int rc = read_zigzag(&v, 32, r, err);
  if (!rc) *out = (int32_t)v;
  return rc;
}

int qb_tc_read_i64(int64_t *out, qb_tc_reader *r, qb_err *err) { return read_zigzag(out, 64, r, err); }

int qb_tc_read_double(double *out, qb_tc_reader *r, qb_err *err)
{
  if (r->n - r->pos < 8) return truncated(r, "double", err);
  uint64_t bits = qb_le64(r->p + r->pos);
  memcpy(out, &bits, sizeof *out);
  r->pos += 8;
  return QB_OK;
}

int qb_tc_read_bool(bool *out, qb_tc_reader *r, qb_err *err)
{
  if (r->bool_pending >= 0) {
    *out = r->bool_pending == 1;
    r->bool_pending = -1;
    return QB_OK;
  }
  if (r->pos >= r->n) return truncated(r, "bool", err);
  /* parquet-java writes list elements as 1/2, the spec text says 1/0: only 1 is true in both. */
  *out = r->p[r->pos++] == 1;
  return QB_OK;
}

int qb_tc_read_binary(qb_slice *out, qb_tc_reader *r, qb_err *err)
{
  size_t at = r->pos;
  uint64_t len;
  int rc = qb_tc_read_varint(&len, r, err);
  if (rc) return rc;
  if (len > r->n - r->pos) {
    size_t left = r->n - r->pos;
    r->pos = at;
    return QB_FAIL(err, QB_ECORRUPT, "thrift: binary of %llu bytes at byte %zu exceeds the %zu bytes left",
                   (unsigned long long)len, r->base + at, left);
  }
  out->p = r->p + r->pos;
  out->n = (size_t)len;
  r->pos += (size_t)len;
  return QB_OK;
}

int qb_tc_read_string(char **out, size_t *out_len, qb_tc_reader *r, qb_arena *a, qb_err *err)
{
  qb_slice s;
  int rc = qb_tc_read_binary(&s, r, err);
  if (rc) return rc;
  char *c = qb_arena_alloc(a, s.n + 1);
  if (!c) return QB_FAIL(err, QB_ENOMEM, "thrift: out of memory for a string of %zu bytes", s.n);
  if (s.n) memcpy(c, s.p, s.n);
  c[s.n] = '\0';
  *out = c;
  if (out_len) *out_len = s.n;
  return QB_OK;
}

int qb_tc_read_uuid(uint8_t out[16], qb_tc_reader *r, qb_err *err)
{
  if (r->n - r->pos < 16) return truncated(r, "uuid", err);
  memcpy(out, r->p + r->pos, 16);
  r->pos += 16;
  return QB_OK;
}

int qb_tc_read_struct_begin(qb_tc_reader *r, qb_err *err)
{
  if (r->depth >= QB_TC_MAX_DEPTH)
    return QB_FAIL(err, QB_ECORRUPT, "thrift: nesting deeper than %d at byte %zu", QB_TC_MAX_DEPTH,
                   qb_tc_reader_offset(r));
  r->id_stack[r->depth++] = r->last_id;
  r->last_id = 0;
  r->bool_pending = -1;
  return QB_OK;
}

int qb_tc_read_struct_end(qb_tc_reader *r, qb_err *err)
{
  if (r->depth <= 0) return QB_FAIL(err, QB_EINTERNAL, "thrift: struct end without begin");
  r->last_id = r->id_stack[--r->depth];
  r->bool_pending = -1;
  return QB_OK;
}

static bool valid_type(uint8_t t) { return t >= QB_TC_TRUE && t <= QB_TC_UUID; }

int qb_tc_read_field(int16_t *out_id, uint8_t *out_type, qb_tc_reader *r, qb_err *err)
{
  size_t at = r->pos;
  if (r->pos >= r->n) return truncated(r, "struct (no stop byte)", err);
  uint8_t b = r->p[r->pos++];
  uint8_t type = b & 0x0f;
  r->bool_pending = -1;
  if (b == 0) {
    *out_id = 0;
    *out_type = QB_TC_STOP;
    return QB_OK;
  }
  if (!valid_type(type)) {
    r->pos = at;
    return QB_FAIL(err, QB_ECORRUPT, "thrift: invalid field type %u at byte %zu", type, r->base + at);
  }
  int16_t id;
  uint8_t delta = b >> 4;
  if (delta) {
    int32_t next = (int32_t)r->last_id + delta;
    if (next > INT16_MAX) {
      r->pos = at;
      return QB_FAIL(err, QB_ECORRUPT, "thrift: field id overflow at byte %zu", r->base + at);
    }
    id = (int16_t)next;
  } else {
    int rc = qb_tc_read_i16(&id, r, err);
    if (rc) {
      r->pos = at;
      return rc;
    }
  }
  if (id < 0) {
    r->pos = at;
    return QB_FAIL(err, QB_ECORRUPT, "thrift: negative field id %d at byte %zu", id, r->base + at);
  }
  r->last_id = id;
  if (type == QB_TC_TRUE || type == QB_TC_FALSE) r->bool_pending = type == QB_TC_TRUE ? 1 : 0;
  *out_id = id;
  *out_type = type;
  return QB_OK;
}

/* Smallest encoding of one element of `type`, used to bound container sizes by the bytes left. */
static size_t min_elem_bytes(uint8_t type)
{
  switch (type) {
    case QB_TC_DOUBLE: return 8;
    case QB_TC_UUID: return 16;
    default: return 1;
  }
}

int qb_tc_read_list_begin(uint8_t *out_elem_type, uint32_t *out_size, qb_tc_reader *r, qb_err *err)
{
  size_t at = r->pos;
  if (r->pos >= r->n) return truncated(r, "list header", err);
  uint8_t b = r->p[r->pos++];
  uint8_t type = b & 0x0f;
  uint64_t size = b >> 4;
  if (!valid_type(type)) {
    r->pos = at;
    return QB_FAIL(err, QB_ECORRUPT, "thrift: invalid list element type %u at byte %zu", type, r->base + at);
  }
  if (size == 15) {
    int rc = qb_tc_read_varint(&size, r, err);
    if (rc) {
      r->pos = at;
      return rc;
    }
  }
  if (size > UINT32_MAX || size > (r->n - r->pos) / min_elem_bytes(type)) {
    size_t left = r->n - r->pos;
    r->pos = at;
    return QB_FAIL(err, QB_ECORRUPT, "thrift: list of %llu elements at byte %zu exceeds the %zu bytes left",
                   (unsigned long long)size, r->base + at, left);
  }
  r->bool_pending = -1;
  *out_elem_type = type;
  *out_size = (uint32_t)size;
  return QB_OK;
}

int qb_tc_read_map_begin(uint8_t *out_key_type, uint8_t *out_val_type, uint32_t *out_size, qb_tc_reader *r,
                         qb_err *err)
{
  size_t at = r->pos;
  uint64_t size;
  int rc = qb_tc_read_varint(&size, r, err);
  if (rc) return rc;
  r->bool_pending = -1;
  if (size == 0) {
    *out_key_type = *out_val_type = QB_TC_STOP;
    *out_size = 0;
    return QB_OK;
  }
  if (r->pos >= r->n) {
    r->pos = at;
    return truncated(r, "map header", err);
  }
  uint8_t kv = r->p[r->pos++];
  uint8_t kt = kv >> 4, vt = kv & 0x0f;
  if (!valid_type(kt) || !valid_type(vt)) {
    r->pos = at;
    return QB_FAIL(err, QB_ECORRUPT, "thrift: invalid map types %u/%u at byte %zu", kt, vt, r->base + at);
  }
  if (size > UINT32_MAX || size > (r->n - r->pos) / (min_elem_bytes(kt) + min_elem_bytes(vt))) {
    size_t left = r->n - r->pos;
    r->pos = at;
    return QB_FAIL(err, QB_ECORRUPT, "thrift: map of %llu entries at byte %zu exceeds the %zu bytes left",
                   (unsigned long long)size, r->base + at, left);
  }
  *out_key_type = kt;
  *out_val_type = vt;
  *out_size = (uint32_t)size;
  return QB_OK;
}

/* Containers raise the depth too, so list<list<…>> nesting is bounded like structs are. */
static int enter(qb_tc_reader *r, qb_err *err)
{
  if (r->depth >= QB_TC_MAX_DEPTH)
    return QB_FAIL(err, QB_ECORRUPT, "thrift: nesting deeper than %d at byte %zu", QB_TC_MAX_DEPTH,
                   qb_tc_reader_offset(r));
  r->id_stack[r->depth++] = r->last_id;
  return QB_OK;
}

static void leave(qb_tc_reader *r) { r->last_id = r->id_stack[--r->depth]; }

static int skip_elem(qb_tc_reader *r, uint8_t type, qb_err *err);

int qb_tc_skip(qb_tc_reader *r, uint8_t type, qb_err *err)
{
  if ((type == QB_TC_TRUE || type == QB_TC_FALSE) && r->bool_pending >= 0) {
    r->bool_pending = -1;
    return QB_OK;
  }
  return skip_elem(r, type, err);
}

static int skip_elem(qb_tc_reader *r, uint8_t type, qb_err *err)
{
  int rc;
  uint64_t u = 0;
  qb_slice s;
  switch (type) {
    case QB_TC_TRUE:
    case QB_TC_FALSE:
    case QB_TC_I8:
      if (r->pos >= r->n) return truncated(r, "value", err);
      r->pos++;
      return QB_OK;
    case QB_TC_I16:
    case QB_TC_I32:
    case QB_TC_I64: return qb_tc_read_varint(&u, r, err);
    case QB_TC_DOUBLE:
      if (r->n - r->pos < 8) return truncated(r, "double", err);
      r->pos += 8;
      return QB_OK;
    case QB_TC_UUID:
      if (r->n - r->pos < 16) return truncated(r, "uuid", err);
      r->pos += 16;
      return QB_OK;
    case QB_TC_BINARY: return qb_tc_read_binary(&s, r, err);
    case QB_TC_STRUCT: {
      if ((rc = qb_tc_read_struct_begin(r, err))) return rc;
      for (;;) {
        int16_t id;
        uint8_t t;
        if ((rc = qb_tc_read_field(&id, &t, r, err))) return rc;
        if (t == QB_TC_STOP) break;
        if ((rc = qb_tc_skip(r, t, err))) return rc;
      }
      return qb_tc_read_struct_end(r, err);
    }
    case QB_TC_LIST:
    case QB_TC_SET: {
      uint8_t et;
      uint32_t n;
      if ((rc = qb_tc_read_list_begin(&et, &n, r, err))) return rc;
      if ((rc = enter(r, err))) return rc;
      for (uint32_t i = 0; i < n && !rc; i++) rc = skip_elem(r, et, err);
      leave(r);
      return rc;
    }
    case QB_TC_MAP: {
      uint8_t kt, vt;
      uint32_t n;
      if ((rc = qb_tc_read_map_begin(&kt, &vt, &n, r, err))) return rc;
      if ((rc = enter(r, err))) return rc;
      for (uint32_t i = 0; i < n && !rc; i++) {
        rc = skip_elem(r, kt, err);
        if (!rc) rc = skip_elem(r, vt, err);
      }
      leave(r);
      return rc;
    }
    default:
      return QB_FAIL(err, QB_ECORRUPT, "thrift: cannot skip value of type %u at byte %zu", type,
                     qb_tc_reader_offset(r));
  }
}

/* ---- writer ---------------------------------------------------------------------------------------------- */

void qb_tc_writer_init(qb_tc_writer *w, qb_buf *b)
{
  memset(w, 0, sizeof *w);
  w->b = b;
}

static int put(qb_tc_writer *w, const void *p, size_t n, qb_err *err)
{
  if (w->rc) return w->rc;
  int rc = qb_buf_append(w->b, p, n, err);
  if (rc) w->rc = rc;
  return rc;
}

static int misuse(qb_tc_writer *w, const char *what, qb_err *err)
{
  if (w->rc) return w->rc;
  return w->rc = QB_FAIL(err, QB_EINVAL, "thrift writer: %s", what);
}

int qb_tc_write_varint(qb_tc_writer *w, uint64_t v, qb_err *err)
{
  uint8_t tmp[10];
  size_t n = 0;
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    tmp[n++] = (uint8_t)(b | (v ? 0x80 : 0));
  } while (v);
  return put(w, tmp, n, err);
}

int qb_tc_write_i8(qb_tc_writer *w, int8_t v, qb_err *err)
{
  uint8_t b = (uint8_t)v;
  return put(w, &b, 1, err);
}

int qb_tc_write_i16(qb_tc_writer *w, int16_t v, qb_err *err) { return qb_tc_write_varint(w, qb_tc_zigzag64(v), err); }
int qb_tc_write_i32(qb_tc_writer *w, int32_t v, qb_err *err) { return qb_tc_write_varint(w, qb_tc_zigzag64(v), err); }
int qb_tc_write_i64(qb_tc_writer *w, int64_t v, qb_err *err) { return qb_tc_write_varint(w, qb_tc_zigzag64(v), err); }

int qb_tc_write_double(qb_tc_writer *w, double v, qb_err *err)
{
  uint64_t bits;
  uint8_t tmp[8];
  memcpy(&bits, &v, sizeof bits);
  qb_put_le64(tmp, bits);
  return put(w, tmp, 8, err);
}

int qb_tc_write_bool(qb_tc_writer *w, bool v, qb_err *err)
{
  uint8_t b = v ? QB_TC_TRUE : QB_TC_FALSE;
  return put(w, &b, 1, err);
}

int qb_tc_write_binary(qb_tc_writer *w, const void *p, size_t n, qb_err *err)
{
  int rc = qb_tc_write_varint(w, n, err);
  return rc ? rc : put(w, p, n, err);
}

int qb_tc_write_uuid(qb_tc_writer *w, const uint8_t v[16], qb_err *err) { return put(w, v, 16, err); }

int qb_tc_write_encoded(qb_tc_writer *w, const void *p, size_t n, qb_err *err) { return put(w, p, n, err); }

int qb_tc_write_struct_begin(qb_tc_writer *w, qb_err *err)
{
  if (w->rc) return w->rc;
  if (w->depth >= QB_TC_MAX_DEPTH) return misuse(w, "structs nested too deeply", err);
  w->id_stack[w->depth++] = w->last_id;
  w->last_id = 0;
  return QB_OK;
}

int qb_tc_write_struct_end(qb_tc_writer *w, qb_err *err)
{
  if (w->rc) return w->rc;
  if (w->depth <= 0) return misuse(w, "struct end without begin", err);
  w->last_id = w->id_stack[--w->depth];
  uint8_t stop = QB_TC_STOP;
  return put(w, &stop, 1, err);
}

static int field_header(qb_tc_writer *w, uint8_t type, int16_t id, qb_err *err)
{
  if (w->rc) return w->rc;
  if (id < 0) return misuse(w, "negative field id", err);
  int rc;
  int32_t delta = (int32_t)id - w->last_id;
  if (delta > 0 && delta <= 15) {
    uint8_t b = (uint8_t)(delta << 4 | type);
    rc = put(w, &b, 1, err);
  } else {
    uint8_t b = type;
    rc = put(w, &b, 1, err);
    if (!rc) rc = qb_tc_write_i16(w, id, err);
  }
  if (!rc) w->last_id = id;
  return rc;
}

int qb_tc_write_field_begin(qb_tc_writer *w, uint8_t type, int16_t id, qb_err *err)
{
  if (!valid_type(type) || type == QB_TC_TRUE || type == QB_TC_FALSE)
    return misuse(w, "field_begin needs a non-bool type", err);
  return field_header(w, type, id, err);
}

int qb_tc_write_field_bool(qb_tc_writer *w, int16_t id, bool v, qb_err *err)
{
  return field_header(w, v ? QB_TC_TRUE : QB_TC_FALSE, id, err);
}

int qb_tc_write_field_i8(qb_tc_writer *w, int16_t id, int8_t v, qb_err *err)
{
  int rc = field_header(w, QB_TC_I8, id, err);
  return rc ? rc : qb_tc_write_i8(w, v, err);
}

int qb_tc_write_field_i16(qb_tc_writer *w, int16_t id, int16_t v, qb_err *err)
{
  int rc = field_header(w, QB_TC_I16, id, err);
  return rc ? rc : qb_tc_write_i16(w, v, err);
}

int qb_tc_write_field_i32(qb_tc_writer *w, int16_t id, int32_t v, qb_err *err)
{
  int rc = field_header(w, QB_TC_I32, id, err);
  return rc ? rc : qb_tc_write_i32(w, v, err);
}

int qb_tc_write_field_i64(qb_tc_writer *w, int16_t id, int64_t v, qb_err *err)
{
  int rc = field_header(w, QB_TC_I64, id, err);
  return rc ? rc : qb_tc_write_i64(w, v, err);
}

int qb_tc_write_field_double(qb_tc_writer *w, int16_t id, double v, qb_err *err)
{
  int rc = field_header(w, QB_TC_DOUBLE, id, err);
  return rc ? rc : qb_tc_write_double(w, v, err);
}

int qb_tc_write_field_binary(qb_tc_writer *w, int16_t id, const void *p, size_t n, qb_err *err)
{
  int rc = field_header(w, QB_TC_BINARY, id, err);
  return rc ? rc : qb_tc_write_binary(w, p, n, err);
}

int qb_tc_write_field_string(qb_tc_writer *w, int16_t id, const char *s, qb_err *err)
{
  return qb_tc_write_field_binary(w, id, s, s ? strlen(s) : 0, err);
}

int qb_tc_write_field_list(qb_tc_writer *w, int16_t id, uint8_t elem_type, uint32_t size, qb_err *err)
{
  int rc = field_header(w, QB_TC_LIST, id, err);
  return rc ? rc : qb_tc_write_list_begin(w, elem_type, size, err);
}

int qb_tc_write_list_begin(qb_tc_writer *w, uint8_t elem_type, uint32_t size, qb_err *err)
{
  if (!valid_type(elem_type)) return misuse(w, "invalid list element type", err);
  if (size <= 14) {
    uint8_t b = (uint8_t)(size << 4 | elem_type);
    return put(w, &b, 1, err);
  }
  uint8_t b = (uint8_t)(0xf0 | elem_type);
  int rc = put(w, &b, 1, err);
  return rc ? rc : qb_tc_write_varint(w, size, err);
}

int qb_tc_write_map_begin(qb_tc_writer *w, uint8_t key_type, uint8_t val_type, uint32_t size, qb_err *err)
{
  if (size == 0) return qb_tc_write_varint(w, 0, err);
  if (!valid_type(key_type) || !valid_type(val_type)) return misuse(w, "invalid map types", err);
  int rc = qb_tc_write_varint(w, size, err);
  uint8_t b = (uint8_t)(key_type << 4 | val_type);
  return rc ? rc : put(w, &b, 1, err);
}
