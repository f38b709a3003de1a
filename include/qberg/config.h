/* SPDX-License-Identifier: Apache-2.0 */
/* Settings (warehouse, S3 endpoint and credentials, Garage admin) gathered from, first match wins:
 * explicit options (qb_config_set: command-line flags), the environment, a qberg.conf file, and the Spark
 * properties of a spark-defaults.conf. Keys and file format: docs/S3.md. */
#ifndef QBERG_CONFIG_H
#define QBERG_CONFIG_H

#include "qberg/fileio.h"
#include "qberg/s3.h"

typedef struct qb_config qb_config;

typedef struct qb_config_options {
  int version;                /* 1 */
  const char *config_file;    /* qberg.conf; NULL: $QBERG_CONFIG, ./qberg.conf, $XDG_CONFIG_HOME/qberg/qberg.conf
                                 (~/.config/qberg/qberg.conf) — the first that exists. Given: it must exist. */
  const char *spark_defaults; /* NULL: key spark-defaults, $SPARK_CONF_DIR/spark-defaults.conf,
                                 $SPARK_HOME/conf/spark-defaults.conf — the first that exists */
  const char *spark_catalog;  /* catalog whose spark.sql.catalog.<name>.warehouse to use; NULL: key spark-catalog,
                                 spark.sql.defaultCatalog, or the only catalog with a warehouse */
  bool ignore_env;            /* do not read the environment (tests) */
} qb_config_options;

#define QB_CONFIG_OPTIONS_INIT {1, NULL, NULL, NULL, false}

/** Read every source. A malformed qberg.conf line or unknown key is QB_EINVAL naming file:line. */
QB_API int qb_config_load(qb_config **out, const qb_config_options *opts, qb_err *err) QB_WUR;
/** An explicit setting (a command-line flag): beats every other source. Unknown key: QB_EINVAL. */
QB_API int qb_config_set(qb_config *cfg, const char *key, const char *value, qb_err *err) QB_WUR;
/** The value, or NULL when no source sets it. Borrowed: valid until the next set or free. */
QB_API const char *qb_config_get(const qb_config *cfg, const char *key);
/** Where the value came from: "option", "env S3_ENDPOINT", "/etc/qberg.conf:3", "spark-defaults.conf:7"; NULL if unset. */
QB_API const char *qb_config_source(const qb_config *cfg, const char *key);
/** The known keys, NULL-terminated (for listing). */
QB_API const char *const *qb_config_keys(void);
/** True for keys whose values must never be shown (secret key, session token, admin token). */
QB_API bool qb_config_key_is_secret(const char *key);
/** NULL-safe. */
QB_API void qb_config_free(qb_config *cfg);

/**
 * The S3 options the configuration describes. Strings are borrowed from `cfg` (keep it alive while using
 * `out`). A malformed number or boolean is QB_EINVAL naming the key and its source.
 */
QB_API int qb_config_s3_options(qb_s3_options *out, const qb_config *cfg, qb_err *err) QB_WUR;

#endif
