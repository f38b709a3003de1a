/* SPDX-License-Identifier: Apache-2.0 */
/* The VQE feature pipeline's computation (docs/PIPELINE.md, pipeline-spec §1–§6): raw VQEDecoratedResult
 * records, their ids exactly as the Spark job computes them, and the rows of the nine feature tables of
 * `quantum_features` plus `processing_metadata`, with a static description of each table. No storage here:
 * the ingest layer turns descriptions into Iceberg schemas and rows into data files. */
#ifndef QBERG_VQE_H
#define QBERG_VQE_H

#include "qberg/common.h"
#include "qberg/err.h"
#include "qberg/fileio.h"
#include "qberg/schema.h"
#include "qberg/value.h"

/* ------------------------------------------------------------------------------------------------ */
/* Tables                                                                                           */

/** The nine feature tables in the seed's processing order, then the audit table. */
typedef enum qb_vqe_table {
  QB_VQE_MOLECULES = 0,
  QB_VQE_ANSATZ_INFO,
  QB_VQE_PERFORMANCE_METRICS,
  QB_VQE_VQE_RESULTS,
  QB_VQE_INITIAL_PARAMETERS,
  QB_VQE_OPTIMAL_PARAMETERS,
  QB_VQE_VQE_ITERATIONS,
  QB_VQE_ITERATION_PARAMETERS,
  QB_VQE_HAMILTONIAN_TERMS,
  QB_VQE_PROCESSING_METADATA, /* one row per run (§4.11) */
  QB_VQE_TABLE_COUNT
} qb_vqe_table;

#define QB_VQE_FEATURE_TABLES 9 /* the tables derived from raw records: QB_VQE_MOLECULES..HAMILTONIAN_TERMS */
#define QB_VQE_NAMESPACE "quantum_features"

/** Column types, named as Iceberg names them (qb_vqe_type_name). Row values: see qb_vqe_rows. */
typedef enum qb_vqe_type {
  QB_VQE_T_STRING = 0,      /* QB_V_STRING */
  QB_VQE_T_LONG,            /* QB_V_INT64 */
  QB_VQE_T_INT,             /* QB_V_INT32 */
  QB_VQE_T_DOUBLE,          /* QB_V_DOUBLE */
  QB_VQE_T_BOOLEAN,         /* QB_V_BOOL */
  QB_VQE_T_TIMESTAMPTZ,     /* QB_V_INT64 microseconds since the epoch, UTC */
  QB_VQE_T_DATE,            /* QB_V_INT32 days since 1970-01-01 */
  QB_VQE_T_LIST_STRING,     /* QB_V_LIST of QB_V_STRING */
  QB_VQE_T_LIST_LONG,       /* QB_V_LIST of QB_V_INT64 */
  QB_VQE_T_LIST_DOUBLE,     /* QB_V_LIST of QB_V_DOUBLE */
  QB_VQE_T_LIST_LIST_DOUBLE /* QB_V_LIST of QB_V_LIST of QB_V_DOUBLE */
} qb_vqe_type;

typedef struct qb_vqe_column {
  const char *name;
  qb_vqe_type type;
  bool required; /* Iceberg required; false everywhere, as Spark's CTAS creates them (§4) */
  bool elements_required; /* list element (and inner list) required: false, as Spark infers them */
  const char *doc;        /* one line: where the value comes from */
} qb_vqe_column;

/** Static, never freed. Key and partition columns are indexes into columns[]. */
typedef struct qb_vqe_table_desc {
  const char *name;    /* "molecules" */
  const char *comment; /* the Iceberg table property `comment`; NULL for processing_metadata */
  const qb_vqe_column *columns;
  size_t n_columns;
  const uint8_t *key_columns; /* the seed's de-duplication keys; none for processing_metadata */
  size_t n_key_columns;
  const uint8_t *partition_columns; /* identity partitions, in spec order */
  size_t n_partition_columns;
} qb_vqe_table_desc;

/** NULL when t is out of range. */
QB_API const qb_vqe_table_desc *qb_vqe_table_describe(qb_vqe_table t);
/** "molecules" → QB_VQE_MOLECULES; QB_ENOTFOUND for an unknown name. */
QB_API int qb_vqe_table_lookup(qb_vqe_table *out, const char *name, qb_err *err) QB_WUR;
/** "string", "long", "int", "double", "boolean", "timestamptz", "date", "list<string>", "list<long>",
 *  "list<double>", "list<list<double>>". */
QB_API const char *qb_vqe_type_name(qb_vqe_type t);

/**
 * The table's Iceberg schema (schema id 0) with the ids Iceberg assigns when Spark creates it (CTAS):
 * top-level columns 1..n in order, then list element ids depth-first; every field optional, no docs,
 * no identifier fields — so it equals the schema of a table the seed created. Free with qb_schema_free.
 */
QB_API int qb_vqe_table_schema(qb_schema **out, qb_vqe_table t, qb_err *err) QB_WUR;

#define QB_VQE_MAX_PARTITION_FIELDS 3
/**
 * The table's partition spec (spec id 0): identity partitions named after their source columns, field ids
 * 1000, 1001, … Source ids refer to qb_vqe_table_schema. `fields` is storage for out->fields.
 * processing_metadata is unpartitioned (n_fields = 0).
 */
QB_API int qb_vqe_table_partition_spec(qb_partition_spec *out, qb_partition_field fields[QB_VQE_MAX_PARTITION_FIELDS],
                                       qb_vqe_table t, qb_err *err) QB_WUR;

/* ------------------------------------------------------------------------------------------------ */
/* Raw records                                                                                      */

/** One parsed VQEDecoratedResult; opaque to users, read by the library's row derivation. */
typedef struct qb_vqe_record qb_vqe_record;
/** Parses the records of one raw file held in memory. */
typedef struct qb_vqe_reader qb_vqe_reader;

/** A larger raw file is rejected (QB_ELIMIT) before it is read; real records are far below (a few MB). */
#define QB_VQE_MAX_FILE_BYTES ((size_t)256 << 20)

/**
 * Start reading the JSON records of one raw file (Redpanda Connect: one object on one line; several
 * objects separated by whitespace are read one after the other). `data` is borrowed and must outlive the
 * reader and its records; `name` (copied) names the file in errors.
 */
QB_API int qb_vqe_reader_open(qb_vqe_reader **out, const char *name, const void *data, size_t n,
                              qb_err *err) QB_WUR;
/**
 * The next record, or *out = NULL at the end. The record is borrowed: valid until the next call or
 * qb_vqe_reader_close. A record that breaks the schema or the acceptance rules (docs/PIPELINE.md) fails with
 * QB_ECORRUPT naming file, line and field ("x.json: line 1: vqe_result.minimum: missing required field");
 * the reader is then finished (reject the file as a whole).
 */
QB_API int qb_vqe_reader_next(const qb_vqe_record **out, qb_vqe_reader *r, qb_err *err) QB_WUR;
/** NULL-safe. */
QB_API void qb_vqe_reader_close(qb_vqe_reader *r);

/* ------------------------------------------------------------------------------------------------ */
/* Batch types and ids                                                                              */

/**
 * What Spark's batch-wide JSON schema inference decides that changes ids: for six double fields, whether
 * any number token in the batch had a fraction or exponent (then `double`, printed "0.0") or none did
 * (then `bigint`, printed "0"). Add every record of the batch before deriving any id from it.
 * Plain value; fields are private.
 */
typedef struct qb_vqe_types {
  uint32_t float_fields;
  uint32_t flags;
  uint64_t n_records;
} qb_vqe_types;

QB_API void qb_vqe_types_init(qb_vqe_types *t);
QB_API void qb_vqe_types_add(qb_vqe_types *t, const qb_vqe_record *rec);
/**
 * Whether rec's ids are the same under types a and b. A record depends on the batch only through the
 * fields where it holds integer tokens exclusively; an ingest that derived ids with the types seen so far
 * re-derives only the records for which this is false against the final batch types.
 */
QB_API bool qb_vqe_types_equivalent(const qb_vqe_types *a, const qb_vqe_types *b, const qb_vqe_record *rec);

/** experiment_id: sha2-256 hex (64 chars + NUL) of Spark's to_json(struct(molecule_data, basis_set,
 *  initial_data)) under the batch types (§6.4). */
QB_API int qb_vqe_experiment_id(char out[65], const qb_vqe_record *rec, const qb_vqe_types *t,
                                qb_err *err) QB_WUR;
/** The to_json text that experiment_id hashes (malloc'd, NUL-terminated; free()). For inspection. */
QB_API int qb_vqe_experiment_text(char **out, size_t *out_n, const qb_vqe_record *rec, const qb_vqe_types *t,
                                  qb_err *err) QB_WUR;

/* ------------------------------------------------------------------------------------------------ */
/* Rows                                                                                             */

#define QB_VQE_PROCESSING_NAME "quantum_base_processing"

/** The four metadata columns every feature table ends with (§3). */
typedef struct qb_vqe_meta {
  int64_t processing_timestamp_us; /* timestamptz, µs since the epoch */
  int32_t processing_date;         /* days since 1970-01-01 */
  const char *processing_batch_id; /* the run's UUID with dashes (borrowed) */
  const char *processing_name;     /* QB_VQE_PROCESSING_NAME (borrowed) */
} qb_vqe_meta;

/** processing_date = the UTC day of timestamp_us; processing_name = QB_VQE_PROCESSING_NAME. */
QB_API void qb_vqe_meta_init(qb_vqe_meta *m, int64_t timestamp_us, const char *batch_id);
/** A new run: a random UUID written to batch_id (which m then borrows) and the current time
 *  (QB_TEST_SEED and QB_TEST_NOW make both reproducible). */
QB_API void qb_vqe_meta_now(qb_vqe_meta *m, char batch_id[37]);

/** Receives one row: a QB_V_STRUCT whose items are the table's columns in order. The row and everything
 *  it points to are valid only during the call. A non-zero return stops qb_vqe_rows and is returned. */
typedef int (*qb_vqe_row_fn)(void *ctx, const qb_value *row, qb_err *err);

/**
 * Derive the rows of feature table `t` from one record, as the seed does for a batch that contains it:
 * `experiment_id` from qb_vqe_experiment_id with the same `types`. One row for molecules, ansatz_info,
 * performance_metrics, vqe_results; one per element for the exploded tables; vqe_iterations keeps the
 * first of several iterations with the same number. Rows are not de-duplicated against anything else.
 * @return QB_OK, QB_EINVAL (t is not a feature table), QB_ENOMEM, or what fn returned.
 */
QB_API int qb_vqe_rows(qb_vqe_table t, const qb_vqe_record *rec, const char *experiment_id,
                       const qb_vqe_types *types, const qb_vqe_meta *meta, qb_vqe_row_fn fn, void *ctx,
                       qb_err *err) QB_WUR;

/**
 * The processing_metadata row of a run (§4.11): table_names are the nine feature tables, versions[i] the
 * tag written to table i ("v_<hex32>", "v_incr_<hex32>" or "no_changes"), counts[i] its rows written;
 * `topic` (NULL or "" for none) completes source_data_info.
 */
QB_API int qb_vqe_metadata_row(const qb_vqe_meta *meta, const char *const versions[QB_VQE_FEATURE_TABLES],
                               const int64_t counts[QB_VQE_FEATURE_TABLES], const char *topic,
                               qb_vqe_row_fn fn, void *ctx, qb_err *err) QB_WUR;

/** A row as one JSON object (column names in order; doubles as Java prints them; timestamps and dates
 *  as ISO text). *out is malloc'd and NUL-terminated; free() it. */
QB_API int qb_vqe_row_to_json(char **out, size_t *out_n, qb_vqe_table t, const qb_value *row,
                              qb_err *err) QB_WUR;

/* ------------------------------------------------------------------------------------------------ */
/* Sample data                                                                                      */

typedef struct qb_vqe_gen_options {
  unsigned version;        /* QB_VQE_GEN_OPTIONS_VERSION */
  uint64_t seed;           /* same seed and index, same bytes */
  uint64_t count;          /* files to write (qb_vqe_generate) */
  uint64_t first_counter;  /* {counter} of file 0, as Redpanda's count("s3_objects") starts at 1 */
  int64_t start_unix_ns;   /* {unix_nano} of file 0; each later file is about a minute later */
  bool edge_cases;         /* also emit awkward but valid values: integral doubles, 1e-07, 2e+23, -0,
                              control characters in strings, absent/null optional fields */
  uint32_t min_iterations; /* iterations per run, skewed towards the minimum (median ~ min + 12%) */
  uint32_t max_iterations;
  bool avro;               /* qb_vqe_generate writes .avro Object Container Files (the Kafka Connect path),
                              one record each, instead of .json lines */
} qb_vqe_gen_options;

#define QB_VQE_GEN_OPTIONS_VERSION 2
#define QB_VQE_GEN_OPTIONS_INIT \
  {QB_VQE_GEN_OPTIONS_VERSION, 1, 1, 1, INT64_C(1764161042873512960), false, 50, 500, false}

/**
 * Generate raw record number `index`: *out is the JSON text Redpanda Connect would write (one line, no
 * newline; malloc'd, free()), `name` receives "{counter}-{unix_nano}.json".
 */
QB_API int qb_vqe_gen_record(char **out, size_t *out_n, char name[64], const qb_vqe_gen_options *o,
                             uint64_t index, qb_err *err) QB_WUR;
/** Write o->count records as `dir`/experiment.vqe/{counter}-{unix_nano}.json (.avro with o->avro)
 *  through `io`. A file already there with the same bytes is left as it is; one with other bytes is never
 *  replaced: QB_EEXISTS naming it (an ingest keys raw files by name), the files before it written. */
QB_API int qb_vqe_generate(qb_fileio *io, const char *dir, const qb_vqe_gen_options *o, qb_err *err) QB_WUR;

#endif
