/* SPDX-License-Identifier: Apache-2.0 */
/* Umbrella header: includes the public headers of libqberg, nothing else. */
#ifndef QBERG_QBERG_H
#define QBERG_QBERG_H

#include "qberg/avro.h"
#include "qberg/catalog.h"
#include "qberg/common.h"
#include "qberg/compact.h"
#include "qberg/config.h"
#include "qberg/err.h"
#include "qberg/features.h"
#include "qberg/fileio.h"
#include "qberg/maintenance.h"
#include "qberg/fsck.h"
#include "qberg/manifest.h"
#include "qberg/parquet.h"
#include "qberg/s3.h"
#include "qberg/schema.h"
#include "qberg/table_metadata.h"
#include "qberg/scan.h"
#include "qberg/table.h"
#include "qberg/value.h"
#include "qberg/pipeline.h"
#include "qberg/vqe.h"

/** The library version, "MAJOR.MINOR.PATCH". */
QB_API const char *qb_version(void);

#endif
