/* SPDX-License-Identifier: Apache-2.0 */
/* experiment_id and the hashed id columns (pipeline-spec §6.4 and §4.5–4.9), and the part of Spark's
 * batch schema inference that changes them (§2.2): for six double fields, bigint when every number token
 * of the batch is an integer. Nested fields print in the inferred order (alphabetical) for JSON input and
 * in Avro schema order for .avro input; null fields are omitted (ignoreNullFields). */
#include "pipeline/vqe_ids.h"

#include <math.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/java_double.h"
#include "pipeline/spark_json.h"
#include "util/str.h"

void qb_vqe_types_init(qb_vqe_types *t) { memset(t, 0, sizeof *t); }

void qb_vqe_types_add(qb_vqe_types *t, const qb_vqe_record *rec)
{
  t->float_fields |= rec->float_fields;
  if (rec->source == QB_VQE_SRC_AVRO) t->flags |= QB_VQE_TYPES_AVRO;
  t->n_records++;
}

bool qb_vqe_types_equivalent(const qb_vqe_types *a, const qb_vqe_types *b, const qb_vqe_record *rec)
{
  uint32_t differ = (a->float_fields ^ b->float_fields) & qb_vqe_types_deps(rec);
  /* the Avro flag orders the nested fields of JSON records; Avro records are always in Avro order */
  return differ == 0 &&
         (rec->source == QB_VQE_SRC_AVRO || (a->flags & QB_VQE_TYPES_AVRO) == (b->flags & QB_VQE_TYPES_AVRO));
}

size_t qb_vqe_number_string(char out[32], double v, bool as_long)
{
  if (!as_long) return qb_java_double_to_string(out, v);
  size_t n = qb_spark_long_text(out, (int64_t)v);
  out[n] = '\0';
  return n;
}

/* ---- to_json of struct(molecule_data, basis_set, initial_data) ---- */

/* The text (~30 KB for a record with a few hundred Hamiltonian terms) is staged in a small buffer and
 * flushed to its sink: SHA-256 for experiment_id, so no per-record buffer grows, or a qb_buf for
 * qb_vqe_experiment_text. Keys are written as pre-quoted literals; the first error sticks in `rc`. */
typedef struct jw {
  char stage[4096];
  size_t n;
  qb_buf *text;    /* sink: the text, or */
  EVP_MD_CTX *md;  /* sink: its SHA-256 */
  qb_err *err;
  int rc;
  const qb_vqe_record *r;
  const qb_vqe_types *t;
  bool avro_order;
  qb_vqe_nums *nums; /* where the initial_parameters' texts are kept, or NULL */
} jw;

static void j_sink(jw *w, const char *p, size_t n)
{
  if (w->rc || !n) return;
  if (w->text)
    w->rc = qb_buf_append(w->text, p, n, w->err);
  else if (EVP_DigestUpdate(w->md, p, n) != 1)
    w->rc = QB_FAIL(w->err, QB_EINTERNAL, "sha2-256: OpenSSL EVP_DigestUpdate failed");
}

static void j_flush(jw *w)
{
  j_sink(w, w->stage, w->n);
  w->n = 0;
}

static void j_put_slow(jw *w, const char *p, size_t n)
{
  j_flush(w);
  if (n > sizeof w->stage) {
    j_sink(w, p, n);
    return;
  }
  memcpy(w->stage + w->n, p, n);
  w->n += n;
}

/* Inline: most pieces are a few bytes (keys, punctuation, numbers) and fit the stage. */
static inline void j_put(jw *w, const char *p, size_t n)
{
  if (n > sizeof w->stage - w->n) {
    j_put_slow(w, p, n);
    return;
  }
  memcpy(w->stage + w->n, p, n);
  w->n += n;
}

static inline void j_putc(jw *w, char c)
{
  if (w->n == sizeof w->stage) j_flush(w);
  w->stage[w->n++] = c;
}

/* Room for `n` more bytes in the stage, to format a number in place. */
static inline char *j_room(jw *w, size_t n)
{
  if (n > sizeof w->stage - w->n) j_flush(w);
  return w->stage + w->n;
}

#define J_LIT(w, s) j_put((w), (s), sizeof(s) - 1)

/* A string with Jackson's escapes, escaped straight into the stage a chunk at a time (the ansatz's OpenQASM
 * text is ~1.5 KB with a '\n' per line). */
static void j_str(jw *w, qb_vqe_str s)
{
  enum { CHUNK = 512 }; /* QB_SPARK_JSON_ESCAPED_ROOM(CHUNK) fits an empty stage */
  _Static_assert(QB_SPARK_JSON_ESCAPED_ROOM(CHUNK) <= sizeof(((jw *)0)->stage), "j_str chunk");
  j_putc(w, '"');
  for (size_t i = 0; i < s.n;) {
    size_t k = s.n - i < CHUNK ? s.n - i : CHUNK;
    w->n += qb_spark_json_escaped_into(j_room(w, QB_SPARK_JSON_ESCAPED_ROOM(k)), s.p + i, k);
    i += k;
  }
  j_putc(w, '"');
}

/* `"name":`, after a ',' unless it is the object's first member; `quoted` is the key as a literal. */
typedef struct jkey {
  const char *quoted;
  size_t n;
} jkey;
#define JKEY(name) {"\"" name "\":", sizeof(name) + 2}

static void j_key(jw *w, bool *first, jkey k)
{
  if (!*first) j_putc(w, ',');
  *first = false;
  j_put(w, k.quoted, k.n);
}

static void j_long(jw *w, int64_t v) { w->n += qb_spark_long_text(j_room(w, 20), v); }

static void j_num(jw *w, double v, bool as_long)
{
  if (as_long) {
    j_long(w, (int64_t)v);
    return;
  }
  if (!isfinite(v)) j_putc(w, '"'); /* Jackson writes NaN and Infinity as strings */
  w->n += qb_java_double_to_string(j_room(w, QB_JAVA_DOUBLE_MAX), v);
  if (!isfinite(v)) j_putc(w, '"');
}

static void j_doubles(jw *w, const qb_vqe_doubles *d, unsigned bit)
{
  bool as_long = qb_vqe_types_as_long(w->t, w->r, bit);
  j_putc(w, '[');
  for (size_t i = 0; i < d->n; i++) {
    if (i) j_putc(w, ',');
    j_num(w, d->v[i], as_long);
  }
  j_putc(w, ']');
}

/* j_doubles of initial_parameters, each number's text also kept in w->nums. */
static void j_doubles_kept(jw *w, const qb_vqe_doubles *d, unsigned bit)
{
  bool as_long = qb_vqe_types_as_long(w->t, w->r, bit);
  qb_vqe_nums *k = w->nums;
  k->rec = NULL;
  k->n = 0;
  k->as_long = as_long;
  qb_buf_reset(&k->text);
  if (d->n > SIZE_MAX / (QB_JAVA_DOUBLE_MAX + 1)) {
    w->rc = QB_FAIL(w->err, QB_ENOMEM, "%zu initial parameters", d->n);
    return;
  }
  /* one length byte and QB_JAVA_DOUBLE_MAX bytes of room per number (qb_java_double_to_string writes them) */
  if (w->rc || (w->rc = qb_buf_reserve(&k->text, d->n * (QB_JAVA_DOUBLE_MAX + 1), w->err))) return;
  j_putc(w, '[');
  for (size_t i = 0; i < d->n; i++) {
    if (i) j_putc(w, ',');
    double v = d->v[i];
    uint8_t *e = k->text.p + k->text.n;
    char *num = (char *)e + 1;
    size_t len = as_long ? qb_spark_long_text(num, (int64_t)v) : qb_java_double_to_string(num, v);
    *e = (uint8_t)len;
    k->text.n += 1 + len;
    bool quote = !as_long && !isfinite(v); /* Jackson writes NaN and Infinity as strings */
    if (quote) j_putc(w, '"');
    j_put(w, num, len);
    if (quote) j_putc(w, '"');
  }
  j_putc(w, ']');
  k->n = d->n;
  k->rec = w->r;
}

enum { MD_CHARGE, MD_COORDS, MD_MASSES, MD_MULTIPLICITY, MD_SYMBOLS, MD_UNITS, MD_N };
static const jkey md_names[MD_N] = {JKEY("charge"),       JKEY("coords"),  JKEY("masses"),
                                    JKEY("multiplicity"), JKEY("symbols"), JKEY("units")};
static const uint8_t md_json_order[MD_N] = {MD_CHARGE,       MD_COORDS,  MD_MASSES,
                                            MD_MULTIPLICITY, MD_SYMBOLS, MD_UNITS};
static const uint8_t md_avro_order[MD_N] = {MD_SYMBOLS, MD_COORDS, MD_MULTIPLICITY,
                                            MD_CHARGE,  MD_UNITS,  MD_MASSES};

static void j_molecule_data(jw *w)
{
  const qb_vqe_record *r = w->r;
  const uint8_t *order = w->avro_order ? md_avro_order : md_json_order;
  bool first = true;
  j_putc(w, '{');
  for (int k = 0; k < MD_N; k++) {
    int f = order[k];
    if (f == MD_MASSES && !r->has_masses) continue; /* null: omitted */
    j_key(w, &first, md_names[f]);
    switch (f) {
    case MD_CHARGE: j_long(w, r->charge); break;
    case MD_COORDS:
      j_putc(w, '[');
      for (size_t i = 0; i < r->n_coords; i++) {
        if (i) j_putc(w, ',');
        j_doubles(w, &r->coords[i], QB_VQE_F_COORDS);
      }
      j_putc(w, ']');
      break;
    case MD_MASSES: j_doubles(w, &r->masses, QB_VQE_F_MASSES); break;
    case MD_MULTIPLICITY: j_long(w, r->multiplicity); break;
    case MD_SYMBOLS:
      j_putc(w, '[');
      for (size_t i = 0; i < r->n_symbols; i++) {
        if (i) j_putc(w, ',');
        j_str(w, r->symbols[i]);
      }
      j_putc(w, ']');
      break;
    default: j_str(w, r->units);
    }
  }
  j_putc(w, '}');
}

/* j_num at o, which has QB_JAVA_DOUBLE_MAX + 2 bytes of room; returns the bytes written. */
static inline size_t num_at(char *o, double v, bool as_long)
{
  if (as_long) {
    int64_t x = (int64_t)v;
    if ((uint64_t)x < 10) { /* 0..9: the integral imaginary parts (all 0 in the generated data) */
      o[0] = (char)('0' + x);
      return 1;
    }
    return qb_spark_long_text(o, x);
  }
  if (isfinite(v)) return qb_java_double_to_string(o, v);
  o[0] = '"'; /* Jackson writes NaN and Infinity as strings */
  size_t n = 1 + qb_java_double_to_string(o + 1, v);
  o[n] = '"';
  return n + 1;
}

/* num_at of a term's real: its source text when the reader found it to be Java's (2..21 significant
 * digits and at most 23 bytes; 13 or more input bytes follow it), copied as one or two overlapping
 * 16-byte words (o has QB_JAVA_DOUBLE_MAX + 2 = 34 bytes of room; what lands past the text is scratch). */
static inline size_t real_at(char *o, const qb_vqe_term *t, bool as_long)
{
  size_t n = t->real_text_n;
  if (!n || as_long) return num_at(o, t->real, as_long);
  memcpy(o, t->real_text, 16);
  if (n > 16) memcpy(o + n - 16, t->real_text + n - 16, 16);
  return n;
}

/* j_str at o, which has QB_SPARK_JSON_ESCAPED_ROOM(s.n) + 2 bytes of room; returns the bytes written. */
static inline size_t str_at(char *o, qb_vqe_str s)
{
  o[0] = '"';
  size_t n = 1 + qb_spark_json_escaped_into(o + 1, s.p, s.n);
  o[n] = '"';
  return n + 1;
}

/* A term's label as str_at writes it: copied as it is when the reader found nothing in it that Jackson
 * escapes (qb_vqe_term.label_plain; the generated labels are 2..16 Pauli letters): overlapping words, no
 * test per byte and no call. */
static inline size_t label_at(char *o, const qb_vqe_term *t)
{
  size_t n = t->label.n;
  const char *p = t->label.p;
  if (t->label_plain != p || !p || n > 16) return str_at(o, t->label);
  o[0] = '"';
  if (n >= 8) {
    uint64_t a, b;
    memcpy(&a, p, 8);
    memcpy(&b, p + n - 8, 8);
    memcpy(o + 1, &a, 8);
    memcpy(o + 1 + n - 8, &b, 8);
  } else if (n >= 4) {
    uint32_t a, b;
    memcpy(&a, p, 4);
    memcpy(&b, p + n - 4, 4);
    memcpy(o + 1, &a, 4);
    memcpy(o + 1 + n - 4, &b, 4);
  } else {
    for (size_t i = 0; i < n; i++) o[1 + i] = p[i];
  }
  o[n + 1] = '"';
  return n + 2;
}

#define LIT_AT(o, s) (memcpy((o), (s), sizeof(s) - 1), sizeof(s) - 1)

/* {"coefficients":{"imaginary":…,"real":…},"label":"…"} (JSON: names sorted), or label, then
 * coefficients with real first (Avro: declaration order). A few hundred terms per record: each is
 * composed in the stage in one piece (one room test, not one per key, number and string). */
static void j_term(jw *w, const qb_vqe_term *t)
{
  bool re_long = qb_vqe_types_as_long(w->t, w->r, QB_VQE_F_COEFF_REAL);
  bool im_long = qb_vqe_types_as_long(w->t, w->r, QB_VQE_F_COEFF_IMAG);
  size_t label_max =
      t->label.n <= (sizeof w->stage - 128) / 6 - 3 ? QB_SPARK_JSON_ESCAPED_ROOM(t->label.n) + 2 : SIZE_MAX;
  size_t need = label_max == SIZE_MAX ? SIZE_MAX : 64 + 2 * (QB_JAVA_DOUBLE_MAX + 2) + label_max;
  if (need > sizeof w->stage - w->n) j_flush(w);
  if (need > sizeof w->stage) { /* a label longer than the stage: piece by piece */
    if (w->avro_order) {
      J_LIT(w, "{\"label\":");
      j_str(w, t->label);
      J_LIT(w, ",\"coefficients\":{\"real\":");
      j_num(w, t->real, re_long);
      J_LIT(w, ",\"imaginary\":");
      j_num(w, t->imaginary, im_long);
      J_LIT(w, "}}");
    } else {
      J_LIT(w, "{\"coefficients\":{\"imaginary\":");
      j_num(w, t->imaginary, im_long);
      J_LIT(w, ",\"real\":");
      j_num(w, t->real, re_long);
      J_LIT(w, "},\"label\":");
      j_str(w, t->label);
      j_putc(w, '}');
    }
    return;
  }
  char *o = w->stage + w->n;
  if (w->avro_order) {
    o += LIT_AT(o, "{\"label\":");
    o += label_at(o, t);
    o += LIT_AT(o, ",\"coefficients\":{\"real\":");
    o += real_at(o, t, re_long);
    o += LIT_AT(o, ",\"imaginary\":");
    o += num_at(o, t->imaginary, im_long);
    o += LIT_AT(o, "}}");
  } else {
    o += LIT_AT(o, "{\"coefficients\":{\"imaginary\":");
    o += num_at(o, t->imaginary, im_long);
    o += LIT_AT(o, ",\"real\":");
    o += real_at(o, t, re_long);
    o += LIT_AT(o, "},\"label\":");
    o += label_at(o, t);
    *o++ = '}';
  }
  w->n = (size_t)(o - w->stage);
}
enum {
  ID_ANSATZ,
  ID_ANSATZ_NAME,
  ID_ANSATZ_REPS,
  ID_BACKEND,
  ID_DEFAULT_SHOTS,
  ID_EXACT_ESTIMATOR,
  ID_HAMILTONIAN,
  ID_INIT_STRATEGY,
  ID_INITIAL_PARAMETERS,
  ID_NOISE_BACKEND,
  ID_NUM_PARAMETERS,
  ID_NUM_QUBITS,
  ID_OPTIMIZER,
  ID_SEED,
  ID_N
};
static const jkey id_names[ID_N] = {
    JKEY("ansatz"),          JKEY("ansatz_name"),     JKEY("ansatz_reps"),        JKEY("backend"),
    JKEY("default_shots"),   JKEY("exact_estimator"), JKEY("hamiltonian"),        JKEY("init_strategy"),
    JKEY("initial_parameters"), JKEY("noise_backend"), JKEY("num_parameters"),    JKEY("num_qubits"),
    JKEY("optimizer"),       JKEY("seed")};
/* Java's String.compareTo order of the names: "init_strategy" < "initial_parameters" ('_' < 'i') */
static const uint8_t id_json_order[ID_N] = {ID_ANSATZ,         ID_ANSATZ_NAME,  ID_ANSATZ_REPS,     ID_BACKEND,
                                            ID_DEFAULT_SHOTS,  ID_EXACT_ESTIMATOR, ID_HAMILTONIAN, ID_INIT_STRATEGY,
                                            ID_INITIAL_PARAMETERS, ID_NOISE_BACKEND, ID_NUM_PARAMETERS,
                                            ID_NUM_QUBITS,     ID_OPTIMIZER,    ID_SEED};
static const uint8_t id_avro_order[ID_N] = {ID_BACKEND,       ID_NUM_QUBITS,    ID_HAMILTONIAN,  ID_NUM_PARAMETERS,
                                            ID_INITIAL_PARAMETERS, ID_OPTIMIZER, ID_ANSATZ,      ID_NOISE_BACKEND,
                                            ID_DEFAULT_SHOTS, ID_ANSATZ_REPS,   ID_INIT_STRATEGY, ID_SEED,
                                            ID_ANSATZ_NAME,   ID_EXACT_ESTIMATOR};

static void j_initial_data(jw *w)
{
  const qb_vqe_record *r = w->r;
  const uint8_t *order = w->avro_order ? id_avro_order : id_json_order;
  bool first = true;
  j_putc(w, '{');
  for (int k = 0; k < ID_N; k++) {
    int f = order[k];
    if ((f == ID_ANSATZ_NAME && !r->has_ansatz_name) || (f == ID_DEFAULT_SHOTS && !r->has_default_shots) ||
        (f == ID_EXACT_ESTIMATOR && !r->has_exact_estimator) || (f == ID_INIT_STRATEGY && !r->has_init_strategy) ||
        (f == ID_SEED && !r->has_seed))
      continue; /* null or absent: omitted */
    j_key(w, &first, id_names[f]);
    switch (f) {
    case ID_ANSATZ:
      if (r->ansatz_json.p && r->ansatz_json_of.p == r->ansatz.p && r->ansatz_json_of.n == r->ansatz.n) {
        j_putc(w, '"'); /* the reader's text is already Jackson's escaping (raw_vqe.h) */
        j_put(w, r->ansatz_json.p, r->ansatz_json.n);
        j_putc(w, '"');
      } else {
        j_str(w, r->ansatz);
      }
      break;
    case ID_ANSATZ_NAME: j_str(w, r->ansatz_name); break;
    case ID_ANSATZ_REPS: j_long(w, r->ansatz_reps); break;
    case ID_BACKEND: j_str(w, r->backend); break;
    case ID_DEFAULT_SHOTS: j_long(w, r->default_shots); break;
    case ID_EXACT_ESTIMATOR:
      if (r->exact_estimator)
        J_LIT(w, "true");
      else
        J_LIT(w, "false");
      break;
    case ID_HAMILTONIAN:
      j_putc(w, '[');
      for (size_t i = 0; i < r->n_hamiltonian; i++) {
        if (i) j_putc(w, ',');
        j_term(w, &r->hamiltonian[i]);
      }
      j_putc(w, ']');
      break;
    case ID_INIT_STRATEGY: j_str(w, r->init_strategy); break;
    case ID_INITIAL_PARAMETERS:
      if (w->nums)
        j_doubles_kept(w, &r->initial_parameters, QB_VQE_F_INITIAL_PARAMETERS);
      else
        j_doubles(w, &r->initial_parameters, QB_VQE_F_INITIAL_PARAMETERS);
      break;
    case ID_NOISE_BACKEND: j_str(w, r->noise_backend); break;
    case ID_NUM_PARAMETERS: j_long(w, r->num_parameters); break;
    case ID_NUM_QUBITS: j_long(w, r->num_qubits); break;
    case ID_OPTIMIZER: j_str(w, r->optimizer); break;
    default: j_long(w, r->seed);
    }
  }
  j_putc(w, '}');
}

/* The whole text into w's sink; the outer struct keeps the call's order: molecule_data, basis_set,
 * initial_data (not sorted). */
static int j_text(jw *w, const qb_vqe_record *r, const qb_vqe_types *t)
{
  w->n = 0;
  w->rc = QB_OK;
  w->r = r;
  w->t = t;
  w->avro_order = (t->flags & QB_VQE_TYPES_AVRO) || r->source == QB_VQE_SRC_AVRO;
  J_LIT(w, "{\"molecule_data\":");
  j_molecule_data(w);
  J_LIT(w, ",\"basis_set\":");
  j_str(w, r->basis_set);
  J_LIT(w, ",\"initial_data\":");
  j_initial_data(w);
  j_putc(w, '}');
  j_flush(w);
  return w->rc ? qb_err_wrap(w->err, "experiment_id text") : QB_OK;
}

int qb_vqe_experiment_text(char **out, size_t *out_n, const qb_vqe_record *rec, const qb_vqe_types *t,
                           qb_err *err)
{
  qb_buf b;
  qb_buf_init(&b, QB_BUF_NOLIMIT);
  jw w;
  w.text = &b;
  w.md = NULL;
  w.nums = NULL;
  w.err = err;
  int rc = j_text(&w, rec, t);
  if (!rc) rc = qb_buf_cstr(&b, err);
  if (rc) {
    qb_buf_free(&b);
    return rc;
  }
  *out = (char *)qb_buf_detach(&b, out_n);
  return QB_OK;
}

int qb_vqe_experiment_id(char out[65], const qb_vqe_record *rec, const qb_vqe_types *t, qb_err *err)
{
  return qb_vqe__experiment_id_nums(out, rec, t, NULL, err);
}

int qb_vqe__experiment_id_nums(char out[65], const qb_vqe_record *rec, const qb_vqe_types *t, qb_vqe_nums *nums,
                               qb_err *err)
{
  jw w;
  w.text = NULL;
  w.nums = nums;
  if (nums) nums->rec = NULL;
  w.err = err;
  w.md = EVP_MD_CTX_new();
  if (!w.md) return QB_FAIL(err, QB_ENOMEM, "sha2-256: out of memory");
  int rc = QB_OK;
  if (EVP_DigestInit_ex(w.md, EVP_sha256(), NULL) != 1)
    rc = QB_FAIL(err, QB_EINTERNAL, "sha2-256: OpenSSL EVP_DigestInit_ex failed");
  if (!rc) rc = j_text(&w, rec, t);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (!rc && (EVP_DigestFinal_ex(w.md, md, &md_len) != 1 || md_len != 32))
    rc = QB_FAIL(err, QB_EINTERNAL, "sha2-256: OpenSSL EVP_DigestFinal_ex failed");
  EVP_MD_CTX_free(w.md);
  if (rc) return rc;
  qb_hex_encode(out, md, 32);
  out[64] = '\0';
  return QB_OK;
}

void qb_vqe_idhash_init(qb_vqe_idhash *h, const char *experiment_id, size_t n)
{
  qb_spark_murmur_init(&h->after_id, QB_SPARK_HASH_SEED);
  qb_spark_murmur_update(&h->after_id, experiment_id, n);
}

