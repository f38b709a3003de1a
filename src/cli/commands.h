/* SPDX-License-Identifier: Apache-2.0 */
/* The list of CLI verbs, one line each: QB_CLI_COMMAND(verb, summary). Implemented in cmd_<verb>.c. */
QB_CLI_COMMAND(version, "print the version of qberg and its libraries")
QB_CLI_COMMAND(metadata, "show an Iceberg table metadata file (metadata show FILE [--json])")
QB_CLI_COMMAND(avro, "Avro files: avro cat FILE [--schema|--meta|--limit N], avro write OUT --schema S")
QB_CLI_COMMAND(manifest, "show an Iceberg manifest or manifest list (manifest FILE [--json] [--list LIST])")
