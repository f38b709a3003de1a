/* SPDX-License-Identifier: Apache-2.0 */
/* Thrift compact protocol: a bounded reader over a byte slice and a writer into a qb_buf
 * (apache/thrift doc/specs/thrift-compact-protocol.md; formats.md §2.2). No messages/services: structs only. */
#ifndef QB_FORMATS_THRIFT_COMPACT_H
#define QB_FORMATS_THRIFT_COMPACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qberg/common.h"
#include "qberg/err.h"
#include "util/arena.h"
#include "util/buf.h"

/** Compact-protocol type nibbles (field headers and list/set/map element types). */
typedef enum {
  QB_TC_STOP = 0,
  QB_TC_TRUE = 1,  /* bool field with value true; also the bool element type written by parquet-java */
  QB_TC_FALSE = 2, /* bool field with value false; the bool element type of the spec */
  QB_TC_I8 = 3,
  QB_TC_I16 = 4,
  QB_TC_I32 = 5,
  QB_TC_I64 = 6,
  QB_TC_DOUBLE = 7,
  QB_TC_BINARY = 8,
  QB_TC_LIST = 9,
  QB_TC_SET = 10,
  QB_TC_MAP = 11,
  QB_TC_STRUCT = 12,
  QB_TC_UUID = 13
} qb_tc_type;

/** Nesting limit of structs/lists/maps for reading, writing and skipping (a hostile input is rejected
 * with QB_ECORRUPT instead of recursing deeply). parquet.thrift needs < 10. */
#define QB_TC_MAX_DEPTH 64

/**
 * Reader over [p, p+n). All reads check the remaining length and fail with QB_ECORRUPT naming what was
 * being read and the byte offset (`base` + position), e.g. "thrift: truncated varint at byte 1207".
 * Typical struct loop:
 *   qb_tc_read_struct_begin(r) ; for (;;) { qb_tc_read_field(&id, &t, r); if (t == QB_TC_STOP) break;
 *   switch (id) { case 1: qb_tc_read_i32(&x, r); ... default: qb_tc_skip(r, t); } } qb_tc_read_struct_end(r)
 * A reader is a plain value: no allocation, nothing to free.
 */
typedef struct qb_tc_reader {
  const uint8_t *p;
  size_t n;
  size_t pos;
  size_t base;             /* offset of p[0] in the enclosing file, for messages only */
  int depth;               /* open structs + lists/maps being skipped */
  int16_t last_id;         /* previous field id in the innermost open struct (delta base) */
  int16_t id_stack[QB_TC_MAX_DEPTH];
  int8_t bool_pending;     /* -1 none; else the value of the bool field whose header was just read */
} qb_tc_reader;

void qb_tc_reader_init(qb_tc_reader *r, const void *p, size_t n, size_t base_offset);
/** Byte offset of the read position in the enclosing file (base + pos). */
static inline size_t qb_tc_reader_offset(const qb_tc_reader *r) { return r->base + r->pos; }
/** Bytes left to read. */
static inline size_t qb_tc_reader_remaining(const qb_tc_reader *r) { return r->n - r->pos; }

/* Structs. struct_begin pushes the field-id delta base (reset to 0), struct_end pops it; the caller calls
 * struct_end after qb_tc_read_field returned QB_TC_STOP. */
int qb_tc_read_struct_begin(qb_tc_reader *r, qb_err *err);
int qb_tc_read_struct_end(qb_tc_reader *r, qb_err *err);
/**
 * Read a field header. At the end of the struct *out_type is QB_TC_STOP and *out_id 0.
 * For a bool field (*out_type QB_TC_TRUE/QB_TC_FALSE) the value is in the header; read it with qb_tc_read_bool.
 * Rejects type nibbles outside 1..13 and field ids < 0 as QB_ECORRUPT.
 */
int qb_tc_read_field(int16_t *out_id, uint8_t *out_type, qb_tc_reader *r, qb_err *err);

/* Scalars. Varints longer than their type (10 bytes for i64, 5 for i32) or overflowing are QB_ECORRUPT;
 * a zig-zag i32/i16 whose value does not fit is QB_ECORRUPT. */
int qb_tc_read_varint(uint64_t *out, qb_tc_reader *r, qb_err *err); /* raw ULEB128 */
int qb_tc_read_i8(int8_t *out, qb_tc_reader *r, qb_err *err);
int qb_tc_read_i16(int16_t *out, qb_tc_reader *r, qb_err *err);
int qb_tc_read_i32(int32_t *out, qb_tc_reader *r, qb_err *err);
int qb_tc_read_i64(int64_t *out, qb_tc_reader *r, qb_err *err);
int qb_tc_read_double(double *out, qb_tc_reader *r, qb_err *err); /* 8 bytes little-endian */
/** A bool: the pending value of a bool field header if one was just read, otherwise one byte (a list/set
 * element: 1 = true, anything else false — parquet-java writes 1/2, the spec text 1/0). */
int qb_tc_read_bool(bool *out, qb_tc_reader *r, qb_err *err);
/** Binary/string: varint length + bytes. The slice borrows the input; the length is checked against what
 * remains before anything else happens. */
int qb_tc_read_binary(qb_slice *out, qb_tc_reader *r, qb_err *err);
/** Binary copied into `a` with a terminating NUL (embedded NULs are kept; *out_len may be NULL). */
int qb_tc_read_string(char **out, size_t *out_len, qb_tc_reader *r, qb_arena *a, qb_err *err);
/** 16 raw bytes. */
int qb_tc_read_uuid(uint8_t out[16], qb_tc_reader *r, qb_err *err);

/**
 * List or set header. *out_size is checked against the bytes remaining (every element takes ≥ 1 byte), so
 * callers may allocate *out_size elements safely. The raw element nibble is returned: bool elements come
 * as type 1 (parquet-java, parquet-rs) or 2 (spec) and are read with qb_tc_read_bool either way.
 * An element type of STOP or > 13 is QB_ECORRUPT.
 */
int qb_tc_read_list_begin(uint8_t *out_elem_type, uint32_t *out_size, qb_tc_reader *r, qb_err *err);
/** Map header: size 0 is the single byte 0x00; otherwise varint size + `kkkk vvvv`. Size is bounded by the
 * remaining bytes (≥ 2 bytes per pair). */
int qb_tc_read_map_begin(uint8_t *out_key_type, uint8_t *out_val_type, uint32_t *out_size, qb_tc_reader *r,
                         qb_err *err);

/** Skip one value of `type` (a whole struct, list, set or map, recursively up to QB_TC_MAX_DEPTH).
 * For a bool field whose header was just read this consumes nothing. */
int qb_tc_skip(qb_tc_reader *r, uint8_t type, qb_err *err);

/**
 * Writer appending to a caller-owned qb_buf. Errors are sticky: after the first failure (QB_ENOMEM/QB_ELIMIT
 * from the buffer, or QB_EINVAL for misuse such as unbalanced structs) every call returns that code without
 * writing, so encoders may issue a run of writes and check qb_tc_writer_status once at the end.
 */
typedef struct qb_tc_writer {
  qb_buf *b;
  int rc;          /* first error, QB_OK if none */
  int depth;
  int16_t last_id;
  int16_t id_stack[QB_TC_MAX_DEPTH];
} qb_tc_writer;

void qb_tc_writer_init(qb_tc_writer *w, qb_buf *b);
/** QB_OK or the first error (err was set by the call that failed). */
static inline int qb_tc_writer_status(const qb_tc_writer *w) { return w->rc; }

/* Structs: struct_begin pushes the field-id delta base; struct_end writes the stop byte and pops.
 * A nested struct is written as qb_tc_write_field_begin(w, QB_TC_STRUCT, id) + struct_begin + … + struct_end. */
int qb_tc_write_struct_begin(qb_tc_writer *w, qb_err *err);
int qb_tc_write_struct_end(qb_tc_writer *w, qb_err *err);
/** Field header (short form when 0 < id - last_id ≤ 15, else long form). Not for bools: use write_field_bool. */
int qb_tc_write_field_begin(qb_tc_writer *w, uint8_t type, int16_t id, qb_err *err);

/* Field = header + value. */
int qb_tc_write_field_bool(qb_tc_writer *w, int16_t id, bool v, qb_err *err);
int qb_tc_write_field_i8(qb_tc_writer *w, int16_t id, int8_t v, qb_err *err);
int qb_tc_write_field_i16(qb_tc_writer *w, int16_t id, int16_t v, qb_err *err);
int qb_tc_write_field_i32(qb_tc_writer *w, int16_t id, int32_t v, qb_err *err);
int qb_tc_write_field_i64(qb_tc_writer *w, int16_t id, int64_t v, qb_err *err);
int qb_tc_write_field_double(qb_tc_writer *w, int16_t id, double v, qb_err *err);
int qb_tc_write_field_binary(qb_tc_writer *w, int16_t id, const void *p, size_t n, qb_err *err);
int qb_tc_write_field_string(qb_tc_writer *w, int16_t id, const char *s, qb_err *err);
/** Field header for a list/set + the list header. */
int qb_tc_write_field_list(qb_tc_writer *w, int16_t id, uint8_t elem_type, uint32_t size, qb_err *err);

/* Bare values (list elements). */
int qb_tc_write_varint(qb_tc_writer *w, uint64_t v, qb_err *err);
int qb_tc_write_i8(qb_tc_writer *w, int8_t v, qb_err *err);
int qb_tc_write_i16(qb_tc_writer *w, int16_t v, qb_err *err);
int qb_tc_write_i32(qb_tc_writer *w, int32_t v, qb_err *err);
int qb_tc_write_i64(qb_tc_writer *w, int64_t v, qb_err *err);
int qb_tc_write_double(qb_tc_writer *w, double v, qb_err *err);
/** A bool list element: 1 = true, 2 = false (what parquet-java writes; list element type QB_TC_TRUE). */
int qb_tc_write_bool(qb_tc_writer *w, bool v, qb_err *err);
int qb_tc_write_binary(qb_tc_writer *w, const void *p, size_t n, qb_err *err);
int qb_tc_write_uuid(qb_tc_writer *w, const uint8_t v[16], qb_err *err);
/** Append one value already encoded by another writer (e.g. a whole struct kept as bytes until a list of
 * them is written): compact values carry no state of their enclosing struct, so the bytes splice as-is. */
int qb_tc_write_encoded(qb_tc_writer *w, const void *p, size_t n, qb_err *err);
/** List/set header: `ssss tttt` for size ≤ 14, else `1111 tttt` + varint size. */
int qb_tc_write_list_begin(qb_tc_writer *w, uint8_t elem_type, uint32_t size, qb_err *err);
/** Map header (0x00 for an empty map). */
int qb_tc_write_map_begin(qb_tc_writer *w, uint8_t key_type, uint8_t val_type, uint32_t size, qb_err *err);

/* Zig-zag helpers (exposed for tests and other varint formats). */
static inline uint64_t qb_tc_zigzag64(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
static inline int64_t qb_tc_unzigzag64(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

#endif
