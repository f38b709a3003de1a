/* SPDX-License-Identifier: Apache-2.0 */
/* The list of CLI verbs, one line each: QB_CLI_COMMAND(verb, summary). Implemented in cmd_<verb>.c. */
QB_CLI_COMMAND(version, "print the version of qberg and its libraries")
QB_CLI_COMMAND(metadata, "show an Iceberg table metadata file (metadata show FILE [--json])")
QB_CLI_COMMAND(parquet, "read Parquet files: cat rows as JSON lines, meta (schema, row groups, statistics)")
QB_CLI_COMMAND(avro, "Avro files: avro cat FILE [--schema|--meta|--limit N], avro write OUT --schema S")
QB_CLI_COMMAND(garage, "set up a Garage cluster for qberg: buckets and a key (admin API v2)")
QB_CLI_COMMAND(s3, "look at S3 buckets with qberg's configuration: mb, ls, cat, put, rm, probe, config")
