/* SPDX-License-Identifier: Apache-2.0 */
/* json-c glue: bounded parsing, typed field getters whose errors name the field, and a deterministic
 * writer that reproduces Jackson's output (compact, or DefaultPrettyPrinter) so files we write can be
 * byte-compared with the ones Java writes. */
#ifndef QB_FORMATS_JSON_H
#define QB_FORMATS_JSON_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "qberg/err.h"
#include "util/buf.h"

/* Deepest nesting accepted by the parser (a metadata file nests < 20 levels). */
#define QB_JSON_MAX_DEPTH 64

/** Parse a whole document (trailing whitespace allowed, trailing junk not). *out is freed with json_object_put. */
int qb_json_parse(json_object **out, const char *text, size_t n, qb_err *err);

/** "string", "integer", "object"… for error messages. */
const char *qb_json_kind(const json_object *o);

/* Field getters. `req` variants fail with "missing required field 'k'" when the key is absent or null;
 * `opt` variants set *present=false for an absent or null key. Type and range errors name the field. */
int qb_json_req_i32(int32_t *out, const json_object *obj, const char *key, qb_err *err);
int qb_json_opt_i32(int32_t *out, bool *present, const json_object *obj, const char *key, qb_err *err);
int qb_json_req_i64(int64_t *out, const json_object *obj, const char *key, qb_err *err);
int qb_json_opt_i64(int64_t *out, bool *present, const json_object *obj, const char *key, qb_err *err);
int qb_json_req_bool(bool *out, const json_object *obj, const char *key, qb_err *err);
/* Strings are borrowed from the json_object tree. */
int qb_json_req_str(const char **out, const json_object *obj, const char *key, qb_err *err);
int qb_json_opt_str(const char **out, const json_object *obj, const char *key, qb_err *err);
/* Containers: *out is NULL when an opt key is absent or null. */
int qb_json_req_array(json_object **out, const json_object *obj, const char *key, qb_err *err);
int qb_json_opt_array(json_object **out, const json_object *obj, const char *key, qb_err *err);
int qb_json_req_object(json_object **out, const json_object *obj, const char *key, qb_err *err);
int qb_json_opt_object(json_object **out, const json_object *obj, const char *key, qb_err *err);
/** The value of `key` if present and not null, else NULL. */
json_object *qb_json_get(const json_object *obj, const char *key);
/** Read a JSON integer element (of an array) as int32/int64; `what` names it in errors. */
int qb_json_as_i32(int32_t *out, const json_object *v, const char *what, qb_err *err);
int qb_json_as_i64(int64_t *out, const json_object *v, const char *what, qb_err *err);

/* ---- writer ---------------------------------------------------------------------------------- */

typedef struct qb_jw {
  qb_buf *b;
  bool pretty;          /* Jackson DefaultPrettyPrinter layout: "k" : v, 2-space objects, inline arrays */
  int depth;            /* open containers */
  int rc;               /* first error (sticky); QB_OK while fine */
  qb_err *err;
  struct {
    bool is_array;
    int n;              /* values written so far in this container */
  } stack[QB_JSON_MAX_DEPTH];
  bool after_key;       /* a key was written; the next value belongs to it */
} qb_jw;

void qb_jw_init(qb_jw *w, qb_buf *b, bool pretty, qb_err *err);
void qb_jw_begin_object(qb_jw *w);
void qb_jw_end_object(qb_jw *w);
void qb_jw_begin_array(qb_jw *w);
void qb_jw_end_array(qb_jw *w);
void qb_jw_key(qb_jw *w, const char *key);
void qb_jw_str(qb_jw *w, const char *s);
void qb_jw_strn(qb_jw *w, const char *s, size_t n);
void qb_jw_i64(qb_jw *w, int64_t v);
void qb_jw_bool(qb_jw *w, bool v);
void qb_jw_null(qb_jw *w);
/** A number or literal given as text (already valid JSON), written as is. */
void qb_jw_raw(qb_jw *w, const char *text);
/** Inside an open array of a compact writer: `count` elements given as their compact text, separated by
 *  commas (as this writer would write them), appended as is. */
void qb_jw_raw_elements(qb_jw *w, const char *text, size_t n, int count);
/** A json-c tree written in the writer's style (object key order and parsed number text kept). */
void qb_jw_value(qb_jw *w, const json_object *v);
/** Re-emit a compact JSON text in the writer's style (parses it; errors go to the writer). */
void qb_jw_json_text(qb_jw *w, const char *json);
/** Finish: QB_OK or the first error. */
int qb_jw_finish(qb_jw *w);

#endif
