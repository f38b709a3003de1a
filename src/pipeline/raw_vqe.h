/* SPDX-License-Identifier: Apache-2.0 */
/* One raw VQEDecoratedResult record (pipeline-spec §1.3) as C data, and the parser of its JSON form
 * (the Avro-JSON that Redpanda Connect writes, §1.2). The record is source-neutral: the Avro container
 * reader fills the same struct with source = QB_VQE_SRC_AVRO. Strings and arrays live in the arena given
 * to the parser or point into the input bytes; both must outlive the record. */
#ifndef QB_PIPELINE_RAW_VQE_H
#define QB_PIPELINE_RAW_VQE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qberg/vqe.h"
#include "util/arena.h"

/* A UTF-8 string, not NUL-terminated, may contain U+0000. */
typedef struct qb_vqe_str {
  const char *p;
  size_t n;
} qb_vqe_str;

typedef struct qb_vqe_doubles {
  const double *v;
  size_t n;
} qb_vqe_doubles;

typedef struct qb_vqe_term { /* HamiltonianTerm */
  qb_vqe_str label;
  double real, imaginary;
  /* When real_text_n > 0: real's source text, real_text_n bytes at real_text in the input (followed
   * there by at least 13 more bytes), is exactly Double.toString(real), so the experiment-id text may
   * copy it instead of printing real (qb_java_double_text_is). Set by the JSON reader for a term in the
   * writers' layout; 0 for every other term and for Avro records. Whoever changes real clears it. */
  uint8_t real_text_n;
  const char *real_text;
  /* == label.p when the reader saw that label has no byte Jackson escapes (ASCII 0x20..0x7e but '"' and
   * '\\', and DEL: what the term template's plain run takes), so the experiment-id text copies it without
   * testing each byte again; NULL when unknown. A label replaced by another pointer is tested as before. */
  const char *label_plain;
} qb_vqe_term;

typedef struct qb_vqe_iteration { /* VQEProcess */
  int32_t iteration;
  qb_vqe_doubles parameters;
  double result, std;
  bool has_energy_delta, has_parameter_delta_norm, has_cumulative_min_energy;
  double energy_delta, parameter_delta_norm, cumulative_min_energy;
} qb_vqe_iteration;

typedef enum { QB_VQE_SRC_JSON = 0, QB_VQE_SRC_AVRO = 1 } qb_vqe_source;

/* Bits of qb_vqe_record.float_fields and qb_vqe_types.float_fields: the double fields whose Spark type
 * (bigint when every token of the batch is an integer, else double) changes an id (§2.2, §6.4). */
enum {
  QB_VQE_F_COORDS = 1u << 0,             /* molecule_data.coords */
  QB_VQE_F_MASSES = 1u << 1,             /* molecule_data.masses */
  QB_VQE_F_COEFF_REAL = 1u << 2,         /* initial_data.hamiltonian[].coefficients.real */
  QB_VQE_F_COEFF_IMAG = 1u << 3,         /* initial_data.hamiltonian[].coefficients.imaginary */
  QB_VQE_F_INITIAL_PARAMETERS = 1u << 4, /* initial_data.initial_parameters (experiment_id, parameter_index) */
  QB_VQE_F_OPTIMAL_PARAMETERS = 1u << 5, /* vqe_result.optimal_parameters (parameter_index only) */
  QB_VQE_F_ALL = (1u << 6) - 1
};

struct qb_vqe_record {
  qb_vqe_source source;
  /* Fields where a non-integer number token appeared (JSON); QB_VQE_F_ALL for Avro, whose doubles are
   * typed double by the writer schema. */
  unsigned float_fields;
  /* Fields where an integer token appeared (JSON; 0 for Avro). A field in int_fields but not in
   * float_fields prints differently under bigint and double: the record depends on the batch there. */
  unsigned int_fields;

  /* molecule.molecule_data */
  qb_vqe_str *symbols;
  size_t n_symbols;
  qb_vqe_doubles *coords; /* n_coords rows, normally of 3 */
  size_t n_coords;
  int32_t multiplicity, charge;
  qb_vqe_str units;
  bool has_masses;
  qb_vqe_doubles masses;

  /* top level */
  qb_vqe_str basis_set;
  double hamiltonian_time, mapping_time, vqe_time, total_time;
  int32_t molecule_id;
  bool has_performance_start, has_performance_end; /* parsed, never stored (the seed drops them) */
  qb_vqe_str performance_start, performance_end;

  /* vqe_result.initial_data */
  qb_vqe_str backend;
  int32_t num_qubits;
  qb_vqe_term *hamiltonian;
  size_t n_hamiltonian;
  int32_t num_parameters;
  qb_vqe_doubles initial_parameters;
  qb_vqe_str optimizer, ansatz, noise_backend;
  /* When ansatz_json.p is set and ansatz is still ansatz_json_of (same pointer and length): ansatz's source
   * text between its quotes in the input, which is exactly Jackson's escaping of it (its only escapes are
   * \" \\ \b \f \n \r \t; every other byte is one Jackson copies), so the experiment-id text may copy it
   * instead of escaping the decoded text again (~1.5 KB of OpenQASM with a '\n' per line). Set by the JSON
   * reader; {NULL, 0} for Avro records and for a text with any other escape (\/, \uXXXX). */
  qb_vqe_str ansatz_json, ansatz_json_of;
  bool has_default_shots;
  int32_t default_shots;
  int32_t ansatz_reps;
  bool has_init_strategy, has_seed, has_ansatz_name, has_exact_estimator;
  qb_vqe_str init_strategy;
  int32_t seed;
  qb_vqe_str ansatz_name;
  bool exact_estimator;

  /* vqe_result */
  qb_vqe_iteration *iterations;
  size_t n_iterations;
  double minimum;
  qb_vqe_doubles optimal_parameters;
  bool has_maxcv, has_nuclear_repulsion_energy, has_success, has_nfev, has_nit;
  double maxcv;
  double minimization_time;
  double nuclear_repulsion_energy;
  bool success;
  int32_t nfev, nit;
};

/* Where the next JSON record of one raw file starts; the parser advances it. */
typedef struct qb_vqe_json_cursor {
  const char *name;  /* for messages: the file's path */
  const uint8_t *p;  /* the whole file, borrowed */
  size_t n, off;     /* size and next byte */
  size_t line;       /* 1-based line of p[off] */
  int64_t n_records; /* records returned so far */
} qb_vqe_json_cursor;

void qb_vqe_json_cursor_init(qb_vqe_json_cursor *c, const char *name, const void *p, size_t n);

/**
 * Parse the next record: a JSON object (records are separated by whitespace; one per line in Redpanda's
 * files). *out_got = false at the end of the input. Strings without escapes point into the input;
 * everything else is allocated in `a`. Errors (QB_ECORRUPT) read
 * "NAME: line L: vqe_result.iteration_list[3].parameters: expected array of numbers, got string";
 * after an error the cursor is not usable (the file is rejected as a whole).
 */
int qb_vqe_json_next(qb_vqe_record *out, bool *out_got, qb_vqe_json_cursor *c, qb_arena *a, qb_err *err);

/* Whether no record can follow the one qb_vqe_reader_next returned last (the rest of the JSON input is
 * whitespace), so the file is known to be accepted while that record is still valid. Always false for
 * Avro containers: looking ahead there would release the record. */
bool qb_vqe_reader__at_end(const qb_vqe_reader *r);

/* ---- the .avro (Kafka Connect) source ---- */

/* The VQEDecoratedResult Avro schema qberg reads .avro files with (spec §1.3; ints widened to long so int
 * and long writers both resolve, then range-checked). It has no defaults: a field the file's writer schema
 * lacks reads as null, exactly as an absent field of a JSON record. */
extern const char qb_vqe_avro_schema_json[];

/* Fill `out` from one Avro record shaped by qb_vqe_avro_schema_json, with the JSON path's acceptance rules.
 * Strings stay borrowed from `v`; arrays are copied into `a`. `where` ("x.avro: record 3") prefixes errors. */
int qb_vqe_record_from_avro(qb_vqe_record *out, const qb_value *v, const char *where, qb_arena *a, qb_err *err);

/* Whether p[0..n) is valid UTF-8 (no overlong forms, surrogates or code points above U+10FFFF). */
bool qb_vqe_utf8_valid(const char *p, size_t n);

#endif
