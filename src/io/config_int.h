/* SPDX-License-Identifier: Apache-2.0 */
/* The configuration's internals for the S3 backend: reading the credentials again (a credential helper renews
 * a session token in qberg.conf while a long `ingest --watch` runs). */
#ifndef QB_IO_CONFIG_INT_H
#define QB_IO_CONFIG_INT_H

#include "qberg/config.h"

/** A copy that can be kept after `c` is freed. */
int qb_config__clone(qb_config **out, const qb_config *c, qb_err *err);
/** The credentials `c` gives when its sources are read again now (given as options: as they are). The three
 * strings are malloc'd, NULL when unset. */
int qb_config__credentials(const qb_config *c, char **akid, char **secret, char **token, qb_err *err);

#endif
