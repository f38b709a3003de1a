/* SPDX-License-Identifier: Apache-2.0 */
/* Schema and partition evolution for `qberg alter` and partition specs for `qberg create`
 * (cli_evolve.c). */
#ifndef QB_CLI_EVOLVE_H
#define QB_CLI_EVOLVE_H

#include "cli_catalog.h"
#include "qberg/table.h"

/* Is `action` one of the evolution actions (add-column, rename-column, drop-column, widen, make-optional,
 * move-column, add-partition-field, drop-partition-field)? */
bool qb_cli_is_evolve_action(const char *action);
/* Run `qberg alter TABLE <action> ARGS...` for an evolution action; args[0] is TABLE, args[1] the action.
 * Returns the exit status (errors printed). */
int qb_cli_alter_evolve(qb_cli *cli, const char *const *args, int n);
/* Usage lines of the evolution actions (for qberg alter --help). */
void qb_cli_alter_evolve_usage(void);
/* Parse `--partition "day(ts),identity(x),bucket(16,id)"` against `schema` into *out, using fields[]
 * (capacity max); `text` is modified. On QB_EXIT_OK the field names are malloc'd (free each); on failure
 * nothing is left allocated. Returns an exit status. */
int qb_cli_parse_partition(qb_partition_spec *out, qb_partition_field *fields, size_t max, char *text,
                           const qb_schema *schema, const char *verb);

#endif
