/* SPDX-License-Identifier: Apache-2.0 */
/* The list of CLI verbs, one line each: QB_CLI_COMMAND(verb, summary). Implemented in cmd_<verb>.c. */
QB_CLI_COMMAND(version, "print the version of qberg and its libraries")
QB_CLI_COMMAND(metadata, "show an Iceberg table metadata file (metadata show FILE [--json])")
QB_CLI_COMMAND(tables, "list the tables of the warehouse (tables [NAMESPACE])")
QB_CLI_COMMAND(namespaces, "list namespaces (namespaces [PARENT])")
QB_CLI_COMMAND(ns, "create, drop or list namespaces (ns create|drop|list NAMESPACE)")
QB_CLI_COMMAND(create, "create an empty table (create TABLE --schema JSON)")
QB_CLI_COMMAND(info, "show a table: directory, metadata version, schema, properties (info TABLE)")
QB_CLI_COMMAND(snapshots, "list a table's snapshots (snapshots TABLE)")
QB_CLI_COMMAND(history, "when each snapshot became current (history TABLE)")
QB_CLI_COMMAND(refs, "list a table's branches and tags (refs TABLE)")
QB_CLI_COMMAND(alter, "change table properties (alter TABLE set-property K=V | unset-property K)")
QB_CLI_COMMAND(rename, "rename a table (rename TABLE NEW)")
