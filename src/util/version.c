/* SPDX-License-Identifier: Apache-2.0 */
/* The library version string. */
#include "qberg/qberg.h"

const char *qb_version(void) { return QB_VERSION; }
