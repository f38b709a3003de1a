/* SPDX-License-Identifier: Apache-2.0 */
/* Printing an ML features report (qberg features, and qberg ingest after its batch). */
#ifndef QB_CLI_FEATURES_H
#define QB_CLI_FEATURES_H

#include <stdbool.h>

#include "qberg/features.h"

/** Text: a summary line and one line per ML table. JSON: one object, no newline. */
void qb_cli_features_print(const qb_features_report *r, bool json);

#endif
