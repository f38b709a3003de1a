/* SPDX-License-Identifier: Apache-2.0 */
/* The list of CLI verbs, one line each: QB_CLI_COMMAND(verb, summary). Implemented in cmd_<verb>.c. */
QB_CLI_COMMAND(version, "print the version of qberg and its libraries")
QB_CLI_COMMAND(metadata, "show an Iceberg table metadata file (metadata show FILE [--json])")
QB_CLI_COMMAND(vqe, "inspect VQE raw files: derived rows and ids; generate sample raw files")
QB_CLI_COMMAND(parquet, "read Parquet files: cat rows as JSON lines, meta (schema, row groups, statistics)")
QB_CLI_COMMAND(avro, "Avro files: avro cat FILE [--schema|--meta|--limit N], avro write OUT --schema S")
